/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Can the capture image reach the target? Needs from a fake sysfs (a USB disk behind xHCI) and
 * the file system, resolved with libkmod against the module indexes of a fake image
 * (tests/unit/modindex/image, made by tests/unit/modindex/make-fixture with depmod). */
#include "fixtures.h"
#include "modcheck.h"
#include "tests.h"

#define DEV "/sys/devices/pci0000:00/0000:00:04.0"
#define IFACE DEV "/usb2/2-1/2-1:1.0"
#define SCSI IFACE "/host0/target0:0:0/0:0:0:0"
#define PART SCSI "/block/sdb/sdb1"

/* A symlink at path to target, both absolute below root, written relative so it resolves inside root. */
static int rel_symlink(const char *root, const char *path, const char *target) {
        char rel[4096] = "";
        size_t n = 0;

        for (const char *p = path + 1; *p; p++)
                if (*p == '/')
                        n += (size_t) snprintf(rel + n, sizeof(rel) - n, "../");
        snprintf(rel + n, sizeof(rel) - n, "%s", target + 1);
        return fixture_symlink(root, path, rel);
}

/* A device dir bound to driver (of bus) provided by module (NULL: built into the running kernel). */
static int bind(const char *root, const char *dev, const char *bus, const char *driver, const char *module) {
        _cleanup_free_ char *ddir = NULL, *f = NULL, *link = NULL, *mlink = NULL, *mtarget = NULL;

        if (asprintf(&ddir, "/sys/bus/%s/drivers/%s", bus, driver) < 0 || asprintf(&f, "%s/uevent", ddir) < 0 ||
            asprintf(&link, "%s/driver", dev) < 0)
                return -ENOMEM;
        if (fixture_write_string(root, f, "") < 0 || rel_symlink(root, link, ddir) < 0)
                return -EIO;
        if (!module)
                return 0;
        if (asprintf(&mlink, "%s/module", ddir) < 0 || asprintf(&mtarget, "/sys/module/%s", module) < 0)
                return -ENOMEM;
        return rel_symlink(root, mlink, mtarget);
}

static char *usb_disk_root(const char *name, const char *storage_driver, const char *storage_module) {
        _cleanup_free_ char *root = fixture_mkdtemp(name);

        if (!root || fixture_write_string(root, PART "/uevent", "") < 0 ||
            rel_symlink(root, "/sys/class/block/sdb1", PART) < 0 ||
            fixture_symlink(root, "/dev/disk/by-uuid/1234-ABCD", "../../sdb1") < 0 ||
            bind(root, DEV, "pci", "xhci_hcd", "xhci_pci") < 0 || bind(root, DEV "/usb2", "usb", "usb", "usbcore") < 0 ||
            bind(root, DEV "/usb2/2-1", "usb", "usb", "usbcore") < 0 ||
            bind(root, IFACE, "usb", storage_driver, storage_module) < 0 || bind(root, SCSI, "scsi", "sd", "sd_mod") < 0)
                return NULL;
        return TAKE_PTR(root);
}

static const char *index_dir(void) {
        static char buf[4096];
        snprintf(buf, sizeof(buf), "%s/unit/modindex/image", test_srcdir());
        return buf;
}

static const ModuleNeed *need(const ModuleCheck *c, const char *lookup) {
        for (size_t i = 0; i < c->n_needs; i++)
                if (streq(c->needs[i].lookup, lookup))
                        return &c->needs[i];
        return NULL;
}

TEST(usb_storage_vfat_target_is_reachable) {
        _cleanup_free_ char *root = usb_disk_root("mod-usb", "usb-storage", "usb_storage");
        _cleanup_(module_check_done) ModuleCheck c = {};
        const ModuleNeed *n;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(module_check_need_fs(&c, "vfat"));
        ASSERT_OK(module_check_need_device(&c, root, "/dev/disk/by-uuid/1234-ABCD"));
        ASSERT_NOT_NULL(strstr(c.device_sysfs, "/block/sdb/sdb1"));
        /* fs-vfat, nls_cp437, sd_mod, usb_storage, usbcore (once), xhci_pci */
        ASSERT_EQ(c.n_needs, 6);
        ASSERT_EQ(module_check_resolve(&c, NULL, index_dir()), 0);
        ASSERT_NOT_NULL(n = need(&c, "fs-vfat"));
        ASSERT_STREQ(n->found, "vfat");
        ASSERT_FALSE(n->builtin);
        ASSERT_NOT_NULL(n = need(&c, "sd_mod"));
        ASSERT_STREQ(n->found, "sd_mod");
        ASSERT_TRUE(n->builtin);
        ASSERT_STREQ(n->why, "the driver sd of 0:0:0:0");
        ASSERT_NOT_NULL(n = need(&c, "usb_storage"));
        ASSERT_STREQ(n->found, "usb_storage");
        ASSERT_NOT_NULL(n = need(&c, "xhci_pci"));
        ASSERT_STREQ(n->why, "the driver xhci_hcd of 0000:00:04.0");
        ASSERT_STREQ(n->found, "xhci_pci");
        ASSERT_NOT_NULL(need(&c, "usbcore"));
        return TEST_PASS;
}

TEST(uas_disk_needs_uas) {
        _cleanup_free_ char *root = usb_disk_root("mod-uas", "uas", "uas");
        _cleanup_(module_check_done) ModuleCheck c = {};
        const ModuleNeed *n;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(module_check_need_device(&c, root, "/dev/disk/by-uuid/1234-ABCD"));
        ASSERT_EQ(module_check_resolve(&c, NULL, index_dir()), 1);
        ASSERT_NOT_NULL(n = need(&c, "uas"));
        ASSERT_NULL(n->found);
        ASSERT_STREQ(n->why, "the driver uas of 2-1:1.0");
        return TEST_PASS;
}

TEST(builtin_drivers_need_nothing) {
        _cleanup_free_ char *root = usb_disk_root("mod-builtin", "usb-storage", NULL);
        _cleanup_(module_check_done) ModuleCheck c = {};

        ASSERT_NOT_NULL(root);
        ASSERT_OK(module_check_need_device(&c, root, "/dev/disk/by-uuid/1234-ABCD"));
        ASSERT_NULL(need(&c, "usb_storage"));
        ASSERT_NULL(need(&c, "usb-storage"));
        ASSERT_EQ(c.n_needs, 3); /* sd_mod, usbcore, xhci_pci */
        return TEST_PASS;
}

TEST(file_systems) {
        _cleanup_(module_check_done) ModuleCheck c = {};
        const ModuleNeed *n;

        ASSERT_OK(module_check_need_fs(&c, "ext4"));
        ASSERT_OK(module_check_need_fs(&c, "xfs"));
        ASSERT_OK(module_check_need_fs(&c, "btrfs"));
        ASSERT_ERROR(module_check_need_fs(&c, "../x"), EINVAL);
        ASSERT_ERROR(module_check_need_fs(&c, ""), EINVAL);
        ASSERT_EQ(module_check_resolve(&c, NULL, index_dir()), 2);
        /* ext4 is built into the fake image's kernel; its alias comes from modules.builtin.modinfo. */
        ASSERT_NOT_NULL(n = need(&c, "fs-ext4"));
        ASSERT_STREQ(n->found, "ext4");
        ASSERT_TRUE(n->builtin);
        ASSERT_NOT_NULL(n = need(&c, "fs-xfs"));
        ASSERT_NULL(n->found);
        ASSERT_STREQ(n->why, "the file system xfs");
        ASSERT_NULL(need(&c, "fs-btrfs")->found);
        return TEST_PASS;
}

TEST(missing_things) {
        _cleanup_free_ char *root = fixture_mkdtemp("mod-missing");
        _cleanup_(module_check_done) ModuleCheck c = {};
        _cleanup_free_ char *d = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(module_check_need_fs(&c, "vfat"));
        /* No index next to the image: the caller says the check could not be made. */
        ASSERT_ERROR(module_check_resolve(&c, root, "/var/lib/tinykdump/capture/7.2/modules"), ENOENT);
        /* The device is not there. */
        ASSERT_ERROR(module_check_need_device(&c, root, "/dev/disk/by-uuid/1234-ABCD"), ENOENT);
        ASSERT_OK(module_check_index_dir("/var/lib/tinykdump/capture/7.2/vmlinuz", &d));
        ASSERT_STREQ(d, "/var/lib/tinykdump/capture/7.2/modules");
        return TEST_PASS;
}
