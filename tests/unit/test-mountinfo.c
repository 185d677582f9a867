/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one /proc/self/mountinfo parser: by path (the capture side's target check) and by device
 * number (the reporter looking for where the target already is). */
#include "mountinfo.h"
#include "tests.h"
#include "util.h"

static const char mountinfo[] =
        "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
        "35 22 0:22 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755\n"
        "90 35 8:17 / /run/tinykdump/target rw,relatime shared:60 - vfat /dev/sdb1 rw,fmask=0077\n"
        "91 22 8:33 / /mnt/with\\040space rw - ext4 /dev/disk\\040x rw\n"
        "92 35 8:18 / /run/tinykdump/target rw,relatime shared:61 master:3 - ext4 /dev/sdb2 rw\n";

TEST(mountinfo_find) {
        MountEntry e;

        /* The last mount at a path is the visible one. */
        ASSERT_OK(mountinfo_find(mountinfo, strlen(mountinfo), "/run/tinykdump/target/", &e));
        ASSERT_EQ(e.major, 8);
        ASSERT_EQ(e.minor, 18);
        ASSERT_STREQ(e.fstype, "ext4");
        ASSERT_STREQ(e.source, "/dev/sdb2");
        mount_entry_done(&e);

        ASSERT_OK(mountinfo_find(mountinfo, strlen(mountinfo), "/mnt/with space", &e));
        ASSERT_STREQ(e.mount_point, "/mnt/with space");
        ASSERT_STREQ(e.source, "/dev/disk x");
        mount_entry_done(&e);

        ASSERT_OK(mountinfo_find(mountinfo, strlen(mountinfo), "/", &e));
        ASSERT_STREQ(e.source, "/dev/nvme0n1p2");
        mount_entry_done(&e);

        ASSERT_ERROR(mountinfo_find(mountinfo, strlen(mountinfo), "/run/tinykdump", &e), ENOENT);
        ASSERT_ERROR(mountinfo_find(mountinfo, strlen(mountinfo), "relative", &e), EINVAL);

        const char *bad1 = "1 2 3\n";
        ASSERT_ERROR(mountinfo_find(bad1, strlen(bad1), "/x", &e), EBADMSG);
        const char *bad2 = "1 2 8:1 / /x rw no-separator ext4 /dev/x rw\n";
        ASSERT_ERROR(mountinfo_find(bad2, strlen(bad2), "/x", &e), EBADMSG);
        const char *bad3 = "1 2 8:1x / /x rw - ext4 /dev/x rw\n";
        ASSERT_ERROR(mountinfo_find(bad3, strlen(bad3), "/x", &e), EBADMSG);
        const char *bad4 = "1 2 8:1 / /x rw - ext4\n";
        ASSERT_ERROR(mountinfo_find(bad4, strlen(bad4), "/x", &e), EBADMSG);
        return TEST_PASS;
}

TEST(mountinfo_devnum) {
#define MI_ROOT "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
#define MI_BIND "90 22 8:17 /sub /mnt/bind rw - vfat /dev/sdb1 rw\n"
#define MI_USB "91 22 8:17 / /media/usb\\040stick rw - vfat /dev/sdb1 rw\n"
#define MI_LATER "92 22 8:17 / /media/later rw - vfat /dev/sdb1 rw\n"
        static const char all[] = MI_ROOT MI_BIND MI_USB MI_LATER, two[] = MI_ROOT MI_BIND MI_USB,
                          bind[] = MI_ROOT MI_BIND;
        char *p;

        /* The last mount of the device's root wins; a bind mount of a subdirectory does not count. */
        ASSERT_OK(mountinfo_find_devnum(all, strlen(all), 8, 17, &p));
        ASSERT_STREQ(p, "/media/later");
        free(p);
        ASSERT_OK(mountinfo_find_devnum(two, strlen(two), 8, 17, &p));
        ASSERT_STREQ(p, "/media/usb stick");
        free(p);
        ASSERT_ERROR(mountinfo_find_devnum(bind, strlen(bind), 8, 17, &p), ENOENT);
        ASSERT_ERROR(mountinfo_find_devnum(all, strlen(all), 8, 18, &p), ENOENT);
        ASSERT_ERROR(mountinfo_find_devnum("1 2 8:x / /a\n", 13, 8, 17, &p), EBADMSG);
        ASSERT_ERROR(mountinfo_find_devnum("1 2 8:1\n", 8, 8, 17, &p), EBADMSG);
        return TEST_PASS;
}

TEST(parse_line) {
        MountEntry e;

        ASSERT_OK(mountinfo_parse_line("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue", 78, &e));
        ASSERT_EQ(e.major, 98);
        ASSERT_EQ(e.minor, 0);
        ASSERT_STREQ(e.root, "/mnt1");
        ASSERT_STREQ(e.mount_point, "/mnt2");
        ASSERT_STREQ(e.fstype, "ext3");
        ASSERT_STREQ(e.source, "/dev/root");
        mount_entry_done(&e);
        ASSERT_ERROR(mountinfo_parse_line("1 2 +8:1 / /x rw - ext4 /dev/x rw", 33, &e), EBADMSG);
        ASSERT_ERROR(mountinfo_find_devnum("", 0, 8, 1, &(char *) { NULL }), ENOENT);
        return TEST_PASS;
}
