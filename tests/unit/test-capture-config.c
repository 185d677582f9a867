/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>

#include <blkid.h>

#include "capture-config.h"
#include "cpio.h"
#include "tests.h"

#define ASSERT_DIAG(d, text)                                      \
        do {                                                      \
                _cleanup_free_ char *_s = conf_diag_format(d);    \
                ASSERT_STREQ(_s, text);                           \
        } while (0)
#include "util.h"

static int fill(CaptureConfig *c) {
        capture_config_init(c);
        if (!(c->target_what = strdup("LABEL=My Dumps/2")) ||
            !(c->target_fstype = strdup("vfat")) ||
            !(c->target_directory = strdup("crash/dumps")) ||
            !(c->crashed_boot_id = strdup("0123456789abcdef0123456789abcdef")) ||
            !(c->crashed_machine_id = strdup("fedcba9876543210fedcba9876543210")) ||
            !(c->crashed_hostname = strdup("host1")) ||
            !(c->crashed_kernel_release = strdup("7.2.13-amd64")) ||
            !(c->crashed_kernel_version = strdup("#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-10-01)")) ||
            !(c->crashed_machine = strdup("x86_64")) ||
            !(c->tinykdump_version = strdup("0.1")))
                return -ENOMEM;
        c->target_timeout_usec = 120 * UINT64_C(1000000);
        c->dump_level = 17;
        c->dump_compression = CAPTURE_COMPRESSION_ZSTD;
        c->failure_action = CAPTURE_ACTION_SHELL;
        c->final_action = CAPTURE_ACTION_POWEROFF;
        c->loaded_at_usec = UINT64_C(1790000000123456);
        return 0;
}

TEST(round_trip) {
        _cleanup_(capture_config_done) CaptureConfig c, p;
        _cleanup_free_ char *text = NULL;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        size_t size;

        capture_config_init(&p);
        ASSERT_OK(fill(&c));
        ASSERT_OK(capture_config_serialize(&c, &text, &size));
        ASSERT_EQ(size, strlen(text));
        ASSERT_NOT_NULL(strstr(text, "\nTARGET_WHAT=LABEL=My Dumps/2\n"));
        ASSERT_NOT_NULL(strstr(text, "\nTARGET_DEVICE=/dev/disk/by-label/My\\x20Dumps\\x2f2\n"));
        ASSERT_NOT_NULL(strstr(text, "\nDUMP_COMPRESSION=zstd\n"));
        ASSERT_NOT_NULL(strstr(text, "\nLOADED_AT_USEC=1790000000123456\n"));

        ASSERT_OK(capture_config_parse(text, size, NULL, &p, &diag));
        ASSERT_EQ(diag.n, 0);
        ASSERT_STREQ(p.target_what, "LABEL=My Dumps/2");
        ASSERT_STREQ(p.target_device, "/dev/disk/by-label/My\\x20Dumps\\x2f2");
        ASSERT_STREQ(p.target_fstype, "vfat");
        ASSERT_STREQ(p.target_directory, "crash/dumps");
        ASSERT_U64_EQ(p.target_timeout_usec, 120 * UINT64_C(1000000));
        ASSERT_EQ(p.dump_level, 17);
        ASSERT_EQ(p.dump_compression, CAPTURE_COMPRESSION_ZSTD);
        ASSERT_EQ(p.failure_action, CAPTURE_ACTION_SHELL);
        ASSERT_EQ(p.final_action, CAPTURE_ACTION_POWEROFF);
        ASSERT_STREQ(p.crashed_boot_id, c.crashed_boot_id);
        ASSERT_STREQ(p.crashed_machine_id, c.crashed_machine_id);
        ASSERT_STREQ(p.crashed_hostname, "host1");
        ASSERT_STREQ(p.crashed_kernel_release, "7.2.13-amd64");
        ASSERT_STREQ(p.crashed_kernel_version, c.crashed_kernel_version);
        ASSERT_STREQ(p.crashed_machine, "x86_64");
        ASSERT_U64_EQ(p.loaded_at_usec, c.loaded_at_usec);
        ASSERT_STREQ(p.tinykdump_version, "0.1");

        /* Serialising the parsed config gives the same text. */
        _cleanup_free_ char *again = NULL;
        ASSERT_OK(capture_config_serialize(&p, &again, NULL));
        ASSERT_STREQ(again, text);
        return TEST_PASS;
}

TEST(defaults) {
        _cleanup_(capture_config_done) CaptureConfig c;
        static const char text[] = "TARGET_WHAT=UUID=1234-ABCD";  /* no trailing newline */

        capture_config_init(&c);

        ASSERT_OK(capture_config_parse(text, strlen(text), NULL, &c, NULL));
        ASSERT_STREQ(c.target_device, "/dev/disk/by-uuid/1234-ABCD");
        ASSERT_STREQ(c.target_directory, CAPTURE_DEFAULT_DIRECTORY);
        ASSERT_NULL(c.target_fstype);
        ASSERT_U64_EQ(c.target_timeout_usec, CAPTURE_DEFAULT_TIMEOUT_USEC);
        ASSERT_EQ(c.dump_level, 31);
        ASSERT_EQ(c.dump_compression, CAPTURE_DEFAULT_COMPRESSION);
        ASSERT_EQ(c.failure_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c.final_action, CAPTURE_ACTION_REBOOT);
        ASSERT_NULL(c.crashed_boot_id);
        ASSERT_U64_EQ(c.loaded_at_usec, 0);
        return TEST_PASS;
}

TEST(syntax) {
        _cleanup_(capture_config_done) CaptureConfig c;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        static const char text[] =
                "# comment\r\n"
                "\n"
                "   TARGET_WHAT = PARTUUID=0a1b2c3d-01  \r\n"
                "DUMP_LEVEL=1\n"
                "DUMP_LEVEL=31\n"                     /* last one wins */
                "FUTURE_KEY=something\n"              /* unknown: diagnostic, ignored */
                "not a key value line\n"              /* malformed: diagnostic, ignored */
                "lower=case\n"
                "TARGET_FSTYPE=\n"                    /* empty: unset */
                "CRASHED_BOOT_ID=01234567-89AB-CDEF-0123-456789ABCDEF\n";

        capture_config_init(&c);

        ASSERT_OK(capture_config_parse(text, sizeof(text) - 1, "/x/capture.conf", &c, &diag));
        ASSERT_STREQ(c.target_what, "PARTUUID=0a1b2c3d-01");
        ASSERT_STREQ(c.target_device, "/dev/disk/by-partuuid/0a1b2c3d-01");
        ASSERT_EQ(c.dump_level, 31);
        ASSERT_NULL(c.target_fstype);
        ASSERT_STREQ(c.crashed_boot_id, "0123456789abcdef0123456789abcdef");
        ASSERT_EQ(diag.n, 3);
        ASSERT_FALSE(conf_diags_has_errors(&diag));
        ASSERT_DIAG(&diag.items[0], "/x/capture.conf:6: unknown key FUTURE_KEY=something, ignoring.");
        ASSERT_STREQ(diag.items[0].key, "FUTURE_KEY");
        ASSERT_STREQ(diag.items[0].value, "something");
        ASSERT_DIAG(&diag.items[1], "/x/capture.conf:7: 'not a key value line' is not KEY=value, ignoring.");
        ASSERT_DIAG(&diag.items[2], "/x/capture.conf:8: invalid key name 'lower' (value 'case'), ignoring.");
        return TEST_PASS;
}

static int parse_error(const char *text, char **ret_diag) {
        _cleanup_(capture_config_done) CaptureConfig c;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        int r;

        capture_config_init(&c);
        r = capture_config_parse(text, strlen(text), "t.conf", &c, &diag);
        if (r >= 0)
                return 0;
        *ret_diag = diag.n > 0 ? conf_diag_format(&diag.items[diag.n - 1]) : NULL;
        if (diag.n > 0 && diag.items[diag.n - 1].level != LOG_ERR)
                return -EUCLEAN;   /* the error must be an error */
        return r;
}

TEST(errors_name_file_line_key_value) {
        _cleanup_free_ char *d = NULL;

#define CHECK(text, err, msg)                               \
        do {                                                \
                free(d);                                    \
                d = NULL;                                   \
                ASSERT_ERROR(parse_error(text, &d), err);   \
                ASSERT_STREQ(d, msg);                       \
        } while (0)

        CHECK("TARGET_WHAT=UUID=1\nDUMP_LEVEL=32\n", EINVAL,
              "t.conf:2: invalid value for DUMP_LEVEL: '32': expected a dump level 0…31.");
        CHECK("TARGET_WHAT=UUID=1\nDUMP_LEVEL=-1\n", EINVAL,
              "t.conf:2: invalid value for DUMP_LEVEL: '-1': expected a dump level 0…31.");
        CHECK("TARGET_WHAT=UUID=1\nDUMP_COMPRESSION=gzip\n", EINVAL,
              "t.conf:2: invalid value for DUMP_COMPRESSION: 'gzip': expected none, zlib, lzo, snappy or zstd.");
        CHECK("TARGET_WHAT=UUID=1\nFAILURE_ACTION=explode\n", EINVAL,
              "t.conf:2: invalid value for FAILURE_ACTION: 'explode': expected reboot, poweroff, halt or shell.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_TIMEOUT_USEC=90s\n", EINVAL,
              "t.conf:2: invalid value for TARGET_TIMEOUT_USEC: '90s': expected a decimal number.");
        CHECK("TARGET_WHAT=UUID=1\nCRASHED_BOOT_ID=xyz\n", EINVAL,
              "t.conf:2: invalid value for CRASHED_BOOT_ID: 'xyz': expected a 128-bit ID (32 hexadecimal digits).");
        CHECK("DUMP_LEVEL=3\n", EINVAL, "t.conf: TARGET_WHAT= is missing.");
        CHECK("TARGET_WHAT=/dev/sda1\n", EINVAL,
              "t.conf: TARGET_WHAT=/dev/sda1: expected UUID=, LABEL=, PARTUUID= or PARTLABEL= with a valid value.");
        CHECK("TARGET_WHAT=UUID=not-hex!\n", EINVAL,
              "t.conf: TARGET_WHAT=UUID=not-hex!: expected UUID=, LABEL=, PARTUUID= or PARTLABEL= with a valid value.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_DIRECTORY=../etc\n", EINVAL,
              "t.conf: TARGET_DIRECTORY=../etc: expected a relative path without empty, \".\" or \"..\" components.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_DIRECTORY=/abs\n", EINVAL,
              "t.conf: TARGET_DIRECTORY=/abs: expected a relative path without empty, \".\" or \"..\" components.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_DEVICE=/etc/passwd\n", EINVAL,
              "t.conf: TARGET_DEVICE=/etc/passwd: expected an absolute, normalised path below /dev/.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_DEVICE=/dev/../etc/passwd\n", EINVAL,
              "t.conf: TARGET_DEVICE=/dev/../etc/passwd: expected an absolute, normalised path below /dev/.");
        CHECK("TARGET_WHAT=UUID=1\nFINAL_ACTION=shell\n", EINVAL,
              "t.conf: FINAL_ACTION=shell: expected reboot, poweroff or halt.");
        CHECK("TARGET_WHAT=UUID=1\nTARGET_FSTYPE=Ext4;rm\n", EINVAL,
              "t.conf: TARGET_FSTYPE=Ext4;rm: not a file system type name.");
        CHECK("TARGET_WHAT=UUID=1\nX=\x01\n", EBADMSG, "t.conf:2: line contains control character 0x01, refusing.");
#undef CHECK

        /* A NUL byte in the middle of the file. */
        _cleanup_(capture_config_done) CaptureConfig c;
        capture_config_init(&c);
        ASSERT_ERROR(capture_config_parse("TARGET_WHAT=UUID=1\0\n", 20, NULL, &c, NULL), EBADMSG);
        return TEST_PASS;
}

TEST(serializer_refuses) {
        _cleanup_(capture_config_done) CaptureConfig c;
        char *text = NULL, *msg = NULL;

        ASSERT_OK(fill(&c));
        free(c.crashed_hostname);
        c.crashed_hostname = strdup("evil\nTARGET_DEVICE=/dev/sda");
        ASSERT_ERROR(capture_config_serialize(&c, &text, NULL), EINVAL);
        ASSERT_ERROR(capture_config_verify(&c, &msg), EINVAL);
        ASSERT_NOT_NULL(strstr(msg, "CRASHED_HOSTNAME="));
        free(msg);
        free(c.crashed_hostname);
        c.crashed_hostname = strdup(" padded");
        ASSERT_ERROR(capture_config_serialize(&c, &text, NULL), EINVAL);
        free(c.crashed_hostname);
        c.crashed_hostname = strdup("ok");
        c.dump_level = 32;
        ASSERT_ERROR(capture_config_serialize(&c, &text, NULL), EINVAL);
        c.dump_level = 0;
        c.dump_compression = _CAPTURE_COMPRESSION_MAX;
        ASSERT_ERROR(capture_config_serialize(&c, &text, NULL), EINVAL);
        c.dump_compression = CAPTURE_COMPRESSION_NONE;
        free(c.crashed_boot_id);
        c.crashed_boot_id = strdup("0123456789ABCDEF0123456789ABCDEF"); /* not normalised */
        ASSERT_ERROR(capture_config_serialize(&c, &text, NULL), EINVAL);
        free(c.crashed_boot_id);
        c.crashed_boot_id = NULL;
        ASSERT_OK(capture_config_serialize(&c, &text, NULL));
        ASSERT_NULL(strstr(text, "CRASHED_BOOT_ID"));
        free(text);
        return TEST_PASS;
}

TEST(device_from_what) {
        static const struct {
                const char *what, *device;
        } cases[] = {
                { "UUID=1234-ABCD", "/dev/disk/by-uuid/1234-ABCD" },
                { "UUID=6f2b1a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "/dev/disk/by-uuid/6f2b1a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b" },
                { "LABEL=DUMPS", "/dev/disk/by-label/DUMPS" },
                { "LABEL=a/b c", "/dev/disk/by-label/a\\x2fb\\x20c" },
                { "LABEL=back\\slash", "/dev/disk/by-label/back\\x5cslash" },
                { "LABEL=#+-.:=@_", "/dev/disk/by-label/#+-.:=@_" },
                { "LABEL=Grüße", "/dev/disk/by-label/Grüße" },
                { "LABEL=q\"'$`*", "/dev/disk/by-label/q\\x22\\x27\\x24\\x60\\x2a" },
                { "PARTUUID=0a1b2c3d-02", "/dev/disk/by-partuuid/0a1b2c3d-02" },
                { "PARTLABEL=kdump", "/dev/disk/by-partlabel/kdump" },
                { "/dev/sdb1", "/dev/sdb1" },
        };
        char *d;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_OK(capture_target_device_from_what(cases[i].what, &d));
                ASSERT_STREQ(d, cases[i].device);
                free(d);
        }
        ASSERT_ERROR(capture_target_device_from_what("UUID=", &d), EINVAL);
        ASSERT_ERROR(capture_target_device_from_what("UUID=12 34", &d), EINVAL);
        ASSERT_ERROR(capture_target_device_from_what("LABEL=", &d), EINVAL);
        ASSERT_ERROR(capture_target_device_from_what("TYPE=vfat", &d), EINVAL);
        ASSERT_ERROR(capture_target_device_from_what("", &d), EINVAL);
        return TEST_PASS;
}

/* Our encoder agrees with libblkid's blkid_encode_string(), which udev uses for ID_FS_LABEL_ENC. */
TEST(udev_encoding_matches_libblkid) {
        static const char *const inputs[] = {
                "plain", "with space", "a/b", "tab\there", "back\\slash", "ünïcødé", "日本語",
                "\xff\xfe bad utf8", "\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong",
                "\xf4\x90\x80\x80 too big", "\xef\xbf\xbe nonchar", "\xef\xb7\x90 fdd0", "\xf0\x80\x80\x80 overlong4", "😀 emoji", "~!%^&()[]{}<>|?,;",
                "#+-.:=@_", "\x7f\x01",
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                char expected[256];
                _cleanup_free_ char *mine = NULL;
                ASSERT_EQ(blkid_encode_string(inputs[i], expected, sizeof(expected)), 0);
                ASSERT_OK(udev_encode_string(inputs[i], &mine));
                ASSERT_STREQ(mine, expected);
        }
        return TEST_PASS;
}

static int write_file(const char *root, const char *path, const char *content) {
        _cleanup_free_ char *p = path_join(root, path);
        char *slash;
        FILE *f;

        if (!p)
                return -ENOMEM;
        for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                (void) mkdir(p, 0755);
                *slash = '/';
        }
        f = fopen(p, "we");
        if (!f)
                return -errno;
        fputs(content, f);
        fclose(f);
        return 0;
}

TEST(gather_facts_fake_root) {
        _cleanup_free_ char *root = path_join(test_tmpdir(), "facts-root");
        _cleanup_(capture_config_done) CaptureConfig c;

        capture_config_init(&c);
        ASSERT_OK(write_file(root, "/proc/sys/kernel/random/boot_id", "3e1f7ad0-5a4b-4c6d-9e8f-0a1b2c3d4e5f\n"));
        ASSERT_OK(write_file(root, "/etc/machine-id", "00112233445566778899aabbccddeeff\n"));
        ASSERT_OK(write_file(root, "/proc/sys/kernel/hostname", "crashy\n"));
        ASSERT_OK(write_file(root, "/proc/sys/kernel/osrelease", "7.2.13-amd64\n"));
        ASSERT_OK(write_file(root, "/proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1\n"));
        ASSERT_OK(write_file(root, "/proc/sys/kernel/arch", "x86_64\n"));

        ASSERT_OK(capture_config_gather_facts(&c, root));
        ASSERT_STREQ(c.crashed_boot_id, "3e1f7ad05a4b4c6d9e8f0a1b2c3d4e5f");
        ASSERT_STREQ(c.crashed_machine_id, "00112233445566778899aabbccddeeff");
        ASSERT_STREQ(c.crashed_hostname, "crashy");
        ASSERT_STREQ(c.crashed_kernel_release, "7.2.13-amd64");
        ASSERT_STREQ(c.crashed_kernel_version, "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1");
        ASSERT_STREQ(c.crashed_machine, "x86_64");
        ASSERT_STREQ(c.tinykdump_version, PACKAGE_VERSION);
        ASSERT_GT(c.loaded_at_usec, UINT64_C(1600000000000000));

        /* An uninitialised machine ID is left out; the rest still works. */
        ASSERT_OK(write_file(root, "/etc/machine-id", "uninitialized\n"));
        ASSERT_OK(capture_config_gather_facts(&c, root));
        ASSERT_NULL(c.crashed_machine_id);

        /* Without a boot ID there is nothing to record the crash against. */
        _cleanup_free_ char *bid = path_join(root, "/proc/sys/kernel/random/boot_id");
        ASSERT_EQ(unlink(bid), 0);
        ASSERT_ERROR(capture_config_gather_facts(&c, root), ENOENT);
        return TEST_PASS;
}

TEST(gather_facts_real_root) {
        _cleanup_(capture_config_done) CaptureConfig c;
        struct utsname u;

        capture_config_init(&c);
        if (access("/proc/sys/kernel/random/boot_id", R_OK) < 0)
                TEST_SKIP("no /proc/sys/kernel/random/boot_id");
        ASSERT_OK(capture_config_gather_facts(&c, NULL));
        ASSERT_EQ(uname(&u), 0);
        ASSERT_STREQ(c.crashed_kernel_release, u.release);
        ASSERT_STREQ(c.crashed_machine, u.machine);
        ASSERT_EQ(strlen(c.crashed_boot_id), 32);
        return TEST_PASS;
}

TEST(overlay) {
        _cleanup_(capture_config_done) CaptureConfig c, p;
        _cleanup_(buffer_done) Buffer b = {};
        static const char filter[] = "[vmlinux]\n";
        const CaptureOverlayFile extra[] = {
                { "/etc/tinykdump/makedumpfile.conf", 0600, filter, sizeof(filter) - 1 },
        };
        CpioReader r;
        CpioEntry e;
        unsigned n = 0;

        capture_config_init(&p);
        ASSERT_OK(fill(&c));
        ASSERT_OK(capture_overlay_build_full(&c, extra, ELEMENTSOF(extra), &b));
        ASSERT_EQ(b.size % 4, 0);

        cpio_reader_init(&r, b.data, b.size);
        while (cpio_reader_next(&r, &e) > 0) {
                n++;
                ASSERT_U64_EQ(e.mtime, 1790000000);
                ASSERT_EQ(e.uid, 0);
                if (S_ISDIR(e.mode))
                        ASSERT_EQ(e.mode & 07777, 0755);
        }
        ASSERT_EQ(n, 4); /* etc, etc/tinykdump, capture.conf, makedumpfile.conf */

        ASSERT_EQ(cpio_find(b.data, b.size, CAPTURE_CONFIG_PATH, &e), 1);
        ASSERT_EQ(e.mode, S_IFREG | 0644);
        ASSERT_OK(capture_config_parse(e.data, e.size, NULL, &p, NULL));
        ASSERT_STREQ(p.target_what, c.target_what);
        ASSERT_STREQ(p.crashed_kernel_version, c.crashed_kernel_version);
        ASSERT_EQ(cpio_find(b.data, b.size, "etc/tinykdump/makedumpfile.conf", &e), 1);
        ASSERT_EQ(e.mode, S_IFREG | 0600);

        /* A config that does not verify builds nothing. */
        _cleanup_(buffer_done) Buffer none = {};
        free(c.target_what);
        c.target_what = NULL;
        ASSERT_ERROR(capture_overlay_build(&c, &none), EINVAL);
        ASSERT_EQ(none.size, 0);
        return TEST_PASS;
}

TEST(enums) {
        for (int i = 0; i < _CAPTURE_COMPRESSION_MAX; i++)
                ASSERT_EQ(capture_compression_from_string(capture_compression_to_string(i)), i);
        for (int i = 0; i < _CAPTURE_ACTION_MAX; i++)
                ASSERT_EQ(capture_action_from_string(capture_action_to_string(i)), i);
        ASSERT_EQ(capture_compression_from_string("ZLIB"), -EINVAL);
        ASSERT_EQ(capture_action_from_string(NULL), -EINVAL);
        ASSERT_NULL(capture_action_to_string(_CAPTURE_ACTION_MAX));
        return TEST_PASS;
}

TEST(what_split) {
        _cleanup_free_ char *kind = NULL;
        const char *value = NULL;

        ASSERT_OK(capture_what_split("LABEL=My=Dumps", &kind, &value));
        ASSERT_STREQ(kind, "LABEL");
        ASSERT_STREQ(value, "My=Dumps");
        ASSERT_ERROR(capture_what_split("=x", &kind, &value), EINVAL);
        ASSERT_ERROR(capture_what_split("UUID=", &kind, &value), EINVAL);
        ASSERT_ERROR(capture_what_split("/dev/sda1", &kind, &value), EINVAL);
        ASSERT_ERROR(capture_what_split(NULL, &kind, &value), EINVAL);
        ASSERT_STREQ(kind, "LABEL"); /* untouched on failure */
        return TEST_PASS;
}
