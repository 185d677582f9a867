/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump.conf: keys, defaults, errors, file precedence, output. */
#include <sys/stat.h>
#include <syslog.h>

#include "capture-config.h"
#include "tests.h"
#include "tkconf.h"
#include "util.h"

#define UUID_EXT4 "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"

/* Parses text as one file "t.conf", with a valid target appended unless it sets What= itself (so
 * line numbers are those of text). */
static TkConfig *parse(const char *text) {
        _cleanup_free_ char *s = NULL;
        TkConfig *c = NULL;

        if (strstr(text, "What="))
                s = strdup(text);
        else if (asprintf(&s, "%s\n[Target]\nWhat=UUID=" UUID_EXT4 "\n", text) < 0)
                s = NULL;
        if (!s || tk_config_load_data("t.conf", s, strlen(s), &c) < 0)
                return NULL;
        return c;
}

/* The one diagnostic as users see it, or NULL if there is not exactly one. A bad What= also leaves
 * the target unset, so the second, file-less "What= is not set" is allowed after it. */
static char *only_diag(const TkConfig *c) {
        if (!c || c->diags.n < 1 || c->diags.n > 2)
                return NULL;
        if (c->diags.n == 2 && (c->diags.items[1].file || !strstr(c->diags.items[1].message, "What= is not set")))
                return NULL;
        return conf_diag_format(&c->diags.items[0]);
}

/* Asserts that text gives exactly one error and that it reads expected. */
#define ASSERT_BAD(text, expected)                                              \
        do {                                                                    \
                _cleanup_tk_config_free_ TkConfig *_c = parse(text);            \
                ASSERT_NOT_NULL(_c);                                            \
                _cleanup_free_ char *_d = only_diag(_c);                        \
                ASSERT_STREQ(_d, expected);                                     \
                ASSERT_EQ(_c->diags.items[0].level, LOG_ERR);                   \
                ASSERT_FALSE(tk_config_is_valid(_c));                           \
        } while (0)

#define ASSERT_GOOD(c, text)                                                    \
        _cleanup_tk_config_free_ TkConfig *c = parse(text);                     \
        ASSERT_NOT_NULL(c);                                                     \
        if (c->diags.n > 0) {                                                   \
                _cleanup_free_ char *_d = conf_diag_format(&c->diags.items[0]); \
                printf("# unexpected: %s\n", _d);                               \
        }                                                                       \
        ASSERT_EQ(c->diags.n, 0);                                               \
        ASSERT_TRUE(tk_config_is_valid(c))

TEST(defaults) {
        _cleanup_tk_config_free_ TkConfig *c = tk_config_new();

        ASSERT_NOT_NULL(c);
        ASSERT_NULL(c->image);
        ASSERT_STREQ(c->kernel, CAPTURE_DIR "/%r/vmlinuz");
        ASSERT_STREQ(c->initrd, CAPTURE_DIR "/%r/initrd.img");
        ASSERT_NULL(c->kernel_command_line);
        ASSERT_EQ(c->target_kind, TK_TARGET_NONE);
        ASSERT_STREQ(c->directory, "tinykdump");
        ASSERT_EQ(c->fs_type, TK_FS_AUTO);
        ASSERT_U64_EQ(c->timeout_usec, 90 * 1000000ULL);
        ASSERT_EQ(c->dump_level, 31);
        ASSERT_EQ(c->compression, CAPTURE_COMPRESSION_ZSTD);
        ASSERT_EQ(c->failure_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c->final_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c->shrink_reservation, TK_SHRINK_AUTO);
        ASSERT_U64_EQ(c->margin, TK_MARGIN_UNSET);
        return TEST_PASS;
}

TEST(missing_target_is_an_error) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_OK(tk_config_load_data("t.conf", "[Dump]\nLevel=1\n", 15, &c));
        ASSERT_FALSE(tk_config_is_valid(c));
        ASSERT_EQ(c->diags.n, 1);
        ASSERT_NULL(c->diags.items[0].file);
        ASSERT_TRUE(strstr(c->diags.items[0].message, "[Target] What= is not set") != NULL);
        return TEST_PASS;
}

TEST(error_text_names_file_line_section_key_value) {
        ASSERT_BAD("[Dump]\n# a comment\nLevel=40\n", "t.conf:3: [Dump] Level=40: dump level must be between 0 and 31.");
        return TEST_PASS;
}

TEST(capture_keys) {
        {
                ASSERT_GOOD(c, "[Capture]\nImage=/usr/lib/tinykdump/capture-%r.efi\n");
                ASSERT_STREQ(c->image, "/usr/lib/tinykdump/capture-%r.efi");
        }
        {
                ASSERT_GOOD(c, "[Capture]\nKernel=/boot/vmlinuz-%r\nInitrd=/boot/capture 100%%.img\n");
                ASSERT_STREQ(c->kernel, "/boot/vmlinuz-%r");
                ASSERT_STREQ(c->initrd, "/boot/capture 100%%.img");
        }
        {
                ASSERT_GOOD(c, "[Capture]\nKernelCommandLine=console=ttyS0 loglevel=7\nKernelCommandLine=foo=\"a b\"\n");
                ASSERT_EQ(strv_length(c->kernel_command_line), 2);
                _cleanup_free_ char *s = NULL;
                ASSERT_OK(tk_config_extra_cmdline(c, &s));
                ASSERT_STREQ(s, "console=ttyS0 loglevel=7 foo=\"a b\"");
        }
        ASSERT_BAD("[Capture]\nImage=capture.efi\n", "t.conf:2: [Capture] Image=capture.efi: path must be absolute.");
        ASSERT_BAD("[Capture]\nKernel=/boot/vmlinuz-%v\n",
                   "t.conf:2: [Capture] Kernel=/boot/vmlinuz-%v: unknown % specifier; only %r (kernel release) and %% are known.");
        ASSERT_BAD("[Capture]\nInitrd=/boot/x\001y\n",
                   "t.conf:2: [Capture] Initrd=/boot/x\\x01y: path contains control characters.");
        ASSERT_BAD("[Capture]\nKernelCommandLine=foo=\"a b\n",
                   "t.conf:2: [Capture] KernelCommandLine=foo=\"a b: unbalanced double quote.");
        return TEST_PASS;
}

TEST(capture_cmdline_limit) {
        _cleanup_free_ char *text = NULL, *word = malloc(1001);
        ASSERT_NOT_NULL(word);
        memset(word, 'a', 1000);
        word[1000] = 0;
        /* Two words of 1000 bytes fit (2001 with the space), a third does not. */
        ASSERT_TRUE(asprintf(&text, "[Capture]\nKernelCommandLine=%s\nKernelCommandLine=%s\nKernelCommandLine=%s\n", word,
                             word, word) > 0);
        _cleanup_tk_config_free_ TkConfig *c = parse(text);
        ASSERT_NOT_NULL(c);
        ASSERT_EQ(c->diags.n, 1);
        ASSERT_EQ(c->diags.items[0].line, 4);
        ASSERT_TRUE(strstr(c->diags.items[0].message, "extra command line would be 3002 bytes, more than 2048.") != NULL);
        ASSERT_EQ(strv_length(c->kernel_command_line), 2);
        return TEST_PASS;
}

TEST(target_what) {
        {
                ASSERT_GOOD(c, "[Target]\nWhat=UUID=3F1E2D4C-5B6A-4978-8A9B-0C1D2E3F4A5B\n");
                ASSERT_EQ(c->target_kind, TK_TARGET_UUID);
                ASSERT_STREQ(c->target_value, UUID_EXT4); /* lowercase, as udev names it */
                ASSERT_STREQ(c->what_file, "t.conf");
                ASSERT_EQ(c->what_line, 2);
        }
        {
                ASSERT_GOOD(c, "[Target]\nWhat=UUID=1a2b-3c4d\n");
                ASSERT_STREQ(c->target_value, "1A2B-3C4D"); /* FAT serials are uppercase */
                _cleanup_free_ char *w = NULL;
                ASSERT_OK(tk_config_target_what(c, &w));
                ASSERT_STREQ(w, "UUID=1A2B-3C4D");
        }
        {
                ASSERT_GOOD(c, "[Target]\nWhat=LABEL=Crash dumps ü\n");
                ASSERT_EQ(c->target_kind, TK_TARGET_LABEL);
                ASSERT_STREQ(c->target_value, "Crash dumps ü");
        }
        {
                ASSERT_GOOD(c, "[Target]\nWhat=PARTUUID=0A1B2C3D-01\n");
                ASSERT_EQ(c->target_kind, TK_TARGET_PARTUUID);
                ASSERT_STREQ(c->target_value, "0a1b2c3d-01");
        }
        {
                ASSERT_GOOD(c, "[Target]\nWhat=PARTUUID=" UUID_EXT4 "\n");
                ASSERT_STREQ(c->target_value, UUID_EXT4);
        }
        {
                ASSERT_GOOD(c, "[Target]\nWhat=PARTLABEL=kdump\n");
                ASSERT_EQ(c->target_kind, TK_TARGET_PARTLABEL);
        }
        ASSERT_BAD("[Target]\nWhat=UUID=3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5\n",
                   "t.conf:2: [Target] What=UUID=3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5: UUID must be 8-4-4-4-12 hexadecimal "
                   "digits, or XXXX-XXXX for a FAT file system.");
        ASSERT_BAD("[Target]\nWhat=UUID=3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5g\n",
                   "t.conf:2: [Target] What=UUID=3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5g: UUID must be 8-4-4-4-12 hexadecimal "
                   "digits, or XXXX-XXXX for a FAT file system.");
        ASSERT_BAD("[Target]\nWhat=PARTUUID=0a1b2c3d-1\n",
                   "t.conf:2: [Target] What=PARTUUID=0a1b2c3d-1: PARTUUID must be 8-4-4-4-12 hexadecimal digits (GPT), "
                   "or xxxxxxxx-NN (MBR).");
        ASSERT_BAD("[Target]\nWhat=LABEL=\n", "t.conf:2: [Target] What=LABEL=: label is empty.");
        ASSERT_BAD("[Target]\nWhat=LABEL=a\tb\n", "t.conf:2: [Target] What=LABEL=a\\x09b: label contains control characters.");
        ASSERT_BAD("[Target]\nWhat=LABEL=\xff\xfe\n", "t.conf:2: [Target] What=LABEL=\xff\xfe: label is not valid UTF-8.");
        ASSERT_BAD("[Target]\nWhat=PARTLABEL=0123456789012345678901234567890123456\n",
                   "t.conf:2: [Target] What=PARTLABEL=0123456789012345678901234567890123456: partition label is longer "
                   "than 36 characters.");
        /* A label that udev's escaping makes longer than a file name, or "." and "..", can name no
         * /dev/disk/by-label link (fuzz-conf found the first: 124 bytes with 45 escaped ones). */
        {
                _cleanup_free_ char *t = NULL, *want = NULL;
                char label[201];
                memset(label, 'a', 200);
                label[200] = 0;
                for (size_t i = 0; i < 200; i += 10)
                        label[i] = ' ';
                label[0] = 'L';
                ASSERT_TRUE(asprintf(&t, "[Target]\nWhat=LABEL=%s\n", label) > 0);
                ASSERT_TRUE(asprintf(&want, "t.conf:2: [Target] What=LABEL=%s: label is 257 bytes as udev escapes it for "
                                            "/dev/disk/by-label/ (a space or a character such as \"/\", \"!\" or \"{\" "
                                            "takes 4), longer than a file name may be (255): no device link can have it.",
                                     label) > 0);
                ASSERT_BAD(t, want);
                /* One escaped character fewer fits: 254 bytes. */
                label[10] = 'a';
                free(t);
                ASSERT_TRUE(asprintf(&t, "[Target]\nWhat=LABEL=%s\n", label) > 0);
                ASSERT_GOOD(c, t);
        }
        ASSERT_BAD("[Target]\nWhat=LABEL=..\n",
                   "t.conf:2: [Target] What=LABEL=..: label \"..\" cannot be a device link's name in /dev/disk/by-label/.");
        ASSERT_BAD("[Target]\nWhat=/dev/sdb1\n",
                   "t.conf:2: [Target] What=/dev/sdb1: dump target must be UUID=…, LABEL=…, PARTUUID=… or PARTLABEL=….");
        ASSERT_BAD("[Target]\nWhat=uuid=1a2b-3c4d\n",
                   "t.conf:2: [Target] What=uuid=1a2b-3c4d: dump target must be UUID=…, LABEL=…, PARTUUID=… or PARTLABEL=….");
        return TEST_PASS;
}

TEST(target_label_length_per_fs) {
        {
                ASSERT_GOOD(c, "[Target]\nWhat=LABEL=ABCDEFGHIJK\nFileSystemType=vfat\n");
                ASSERT_EQ(c->fs_type, TK_FS_VFAT);
        }
        ASSERT_BAD("[Target]\nWhat=LABEL=ABCDEFGHIJKL\nFileSystemType=vfat\n",
                   "t.conf:2: [Target] What=LABEL=ABCDEFGHIJKL: label is longer than 11 bytes, the most vfat can store.");
        ASSERT_BAD("[Target]\nFileSystemType=ext4\nWhat=UUID=1A2B-3C4D\n",
                   "t.conf:3: [Target] What=UUID=1A2B-3C4D: a XXXX-XXXX UUID is a FAT volume ID, but FileSystemType=ext4.");
        ASSERT_BAD("[Target]\nFileSystemType=vfat\nWhat=UUID=" UUID_EXT4 "\n",
                   "t.conf:3: [Target] What=UUID=" UUID_EXT4 ": FileSystemType=vfat, but FAT volume IDs have the form "
                   "XXXX-XXXX.");
        return TEST_PASS;
}

TEST(target_directory) {
        {
                ASSERT_GOOD(c, "[Target]\nDirectory=crash/dumps/\n");
                ASSERT_STREQ(c->directory, "crash/dumps");
        }
        ASSERT_BAD("[Target]\nDirectory=/crash\n",
                   "t.conf:2: [Target] Directory=/crash: directory must be relative to the target file system's root.");
        ASSERT_BAD("[Target]\nDirectory=crash/../../etc\n",
                   "t.conf:2: [Target] Directory=crash/../../etc: directory may not contain \".\" or \"..\" components.");
        ASSERT_BAD("[Target]\nDirectory=./crash\n",
                   "t.conf:2: [Target] Directory=./crash: directory may not contain \".\" or \"..\" components.");
        ASSERT_BAD("[Target]\nDirectory=..\n",
                   "t.conf:2: [Target] Directory=..: directory may not contain \".\" or \"..\" components.");
        ASSERT_BAD("[Target]\nDirectory=a//b\n",
                   "t.conf:2: [Target] Directory=a//b: directory contains an empty path component (\"//\").");
        return TEST_PASS;
}

TEST(target_fs_and_timeout) {
        static const struct {
                const char *text;
                uint64_t usec;
        } good[] = {
                { "90", 90000000ULL },        { "90s", 90000000ULL },        { "2min", 120000000ULL },
                { "1min 30s", 90000000ULL },  { "1min30s", 90000000ULL },    { "1h", 3600000000ULL },
                { "1500ms", 1500000ULL },     { "5 sec", 5000000ULL },       { "1000000us", 1000000ULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *t = NULL;
                ASSERT_TRUE(asprintf(&t, "[Target]\nTimeoutSec=%s\n", good[i].text) > 0);
                ASSERT_GOOD(c, t);
                ASSERT_U64_EQ(c->timeout_usec, good[i].usec);
        }
        static const char *const bad[] = { "0", "999ms", "1h 1s", "2d", "infinity", "-5", "1.5s", "5 parsecs", "s" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *t = NULL, *e = NULL;
                ASSERT_TRUE(asprintf(&t, "[Target]\nTimeoutSec=%s\n", bad[i]) > 0);
                ASSERT_TRUE(asprintf(&e, "t.conf:2: [Target] TimeoutSec=%s: timeout must be a time span between 1s and "
                                         "1h, e.g. \"90s\" or \"2min\".", bad[i]) > 0);
                ASSERT_BAD(t, e);
        }
        static const char *const fs[] = { "auto", "vfat", "ext4", "xfs", "btrfs" };
        for (size_t i = 0; i < ELEMENTSOF(fs); i++) {
                _cleanup_free_ char *t = NULL;
                ASSERT_TRUE(asprintf(&t, "[Target]\nFileSystemType=%s\nWhat=LABEL=dumps\n", fs[i]) > 0);
                ASSERT_GOOD(c, t);
                ASSERT_EQ(c->fs_type, (TkFileSystem) i);
                ASSERT_STREQ(tk_fs_to_string(c->fs_type), fs[i]);
        }
        ASSERT_BAD("[Target]\nFileSystemType=ntfs\n",
                   "t.conf:2: [Target] FileSystemType=ntfs: file system type must be one of auto, vfat, ext4, xfs, btrfs.");
        return TEST_PASS;
}

TEST(dump_keys) {
        {
                ASSERT_GOOD(c, "[Dump]\nLevel=0\nCompression=none\n");
                ASSERT_EQ(c->dump_level, 0);
                ASSERT_EQ(c->compression, CAPTURE_COMPRESSION_NONE);
        }
        static const char *const comp[] = { "none", "zlib", "lzo", "snappy", "zstd" };
        for (size_t i = 0; i < ELEMENTSOF(comp); i++) {
                _cleanup_free_ char *t = NULL;
                ASSERT_TRUE(asprintf(&t, "[Dump]\nCompression=%s\nLevel=%zu\n", comp[i], i * 7) > 0);
                ASSERT_GOOD(c, t);
                ASSERT_EQ(c->compression, (CaptureCompression) i);
                ASSERT_EQ(c->dump_level, i * 7);
        }
        ASSERT_BAD("[Dump]\nLevel=32\n", "t.conf:2: [Dump] Level=32: dump level must be between 0 and 31.");
        ASSERT_BAD("[Dump]\nLevel=-1\n", "t.conf:2: [Dump] Level=-1: dump level must be between 0 and 31.");
        ASSERT_BAD("[Dump]\nLevel=0x1f\n", "t.conf:2: [Dump] Level=0x1f: dump level must be between 0 and 31.");
        ASSERT_BAD("[Dump]\nLevel=99999999999999999999\n",
                   "t.conf:2: [Dump] Level=99999999999999999999: dump level must be between 0 and 31.");
        ASSERT_BAD("[Dump]\nCompression=gzip\n",
                   "t.conf:2: [Dump] Compression=gzip: compression must be one of zlib, lzo, snappy, zstd, none.");
        /* makedumpfile's time limit: 10 min by default, 10s…24h. */
        {
                ASSERT_GOOD(c, "[Dump]\nLevel=1\n");
                ASSERT_U64_EQ(c->dump_timeout_usec, CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC);
        }
        {
                ASSERT_GOOD(c, "[Dump]\nTimeoutSec=30min\n");
                ASSERT_U64_EQ(c->dump_timeout_usec, 1800 * UINT64_C(1000000));
        }
        ASSERT_BAD("[Dump]\nTimeoutSec=5s\n", "t.conf:2: [Dump] TimeoutSec=5s: timeout must be a time span between 10s and 24h, e.g. \"10min\".");
        ASSERT_BAD("[Dump]\nTimeoutSec=infinity\n", "t.conf:2: [Dump] TimeoutSec=infinity: timeout must be a time span between 10s and 24h, e.g. \"10min\".");
        return TEST_PASS;
}

TEST(action_keys) {
        {
                ASSERT_GOOD(c, "[Actions]\nFailureAction=shell\nFinalAction=poweroff\n");
                ASSERT_EQ(c->failure_action, CAPTURE_ACTION_SHELL);
                ASSERT_EQ(c->final_action, CAPTURE_ACTION_POWEROFF);
        }
        {
                ASSERT_GOOD(c, "[Actions]\nFailureAction=halt\nFinalAction=halt\n");
                ASSERT_EQ(c->failure_action, CAPTURE_ACTION_HALT);
                ASSERT_EQ(c->final_action, CAPTURE_ACTION_HALT);
        }
        ASSERT_BAD("[Actions]\nFinalAction=shell\n",
                   "t.conf:2: [Actions] FinalAction=shell: shell is only allowed for FailureAction=; action must be one "
                   "of reboot, poweroff, halt.");
        ASSERT_BAD("[Actions]\nFailureAction=kexec\n",
                   "t.conf:2: [Actions] FailureAction=kexec: action must be one of reboot, poweroff, halt, shell.");
        ASSERT_BAD("[Actions]\nFinalAction=Reboot\n",
                   "t.conf:2: [Actions] FinalAction=Reboot: action must be one of reboot, poweroff, halt.");
        return TEST_PASS;
}

TEST(memory_keys) {
        {
                ASSERT_GOOD(c, "[Memory]\nShrinkReservation=yes\nMargin=8M\n");
                ASSERT_EQ(c->shrink_reservation, TK_SHRINK_YES);
                ASSERT_U64_EQ(c->margin, 8 * MiB);
        }
        {
                ASSERT_GOOD(c, "[Memory]\nShrinkReservation=false\nMargin=0\n");
                ASSERT_EQ(c->shrink_reservation, TK_SHRINK_NO);
                ASSERT_U64_EQ(c->margin, 0);
        }
        {
                ASSERT_GOOD(c, "[Memory]\nShrinkReservation=no\nShrinkReservation=auto\nMargin=1G\n");
                ASSERT_EQ(c->shrink_reservation, TK_SHRINK_AUTO);
                ASSERT_U64_EQ(c->margin, GiB);
        }
        ASSERT_BAD("[Memory]\nShrinkReservation=maybe\n",
                   "t.conf:2: [Memory] ShrinkReservation=maybe: must be auto, yes or no.");
        ASSERT_BAD("[Memory]\nMargin=2G\n", "t.conf:2: [Memory] Margin=2G: margin must be a size of at most 1G, e.g. \"8M\".");
        ASSERT_BAD("[Memory]\nMargin=8 MiB\n",
                   "t.conf:2: [Memory] Margin=8 MiB: margin must be a size of at most 1G, e.g. \"8M\".");
        return TEST_PASS;
}

TEST(empty_assignment_resets) {
        ASSERT_GOOD(c, "[Capture]\nImage=/x.efi\nImage=\nKernel=/k\nKernel=\nInitrd=/i\nInitrd=\n"
                       "KernelCommandLine=a\nKernelCommandLine=\nKernelCommandLine=b\n"
                       "[Target]\nWhat=LABEL=x\nWhat=\nDirectory=d\nDirectory=\nFileSystemType=xfs\nFileSystemType=\n"
                       "TimeoutSec=5\nTimeoutSec=\n"
                       "[Dump]\nLevel=1\nLevel=\nCompression=lzo\nCompression=\n"
                       "[Actions]\nFailureAction=halt\nFailureAction=\nFinalAction=halt\nFinalAction=\n"
                       "[Memory]\nShrinkReservation=yes\nShrinkReservation=\nMargin=4M\nMargin=\n"
                       "[Target]\nWhat=UUID=" UUID_EXT4 "\n");
        ASSERT_NULL(c->image);
        ASSERT_STREQ(c->kernel, TK_DEFAULT_KERNEL);
        ASSERT_STREQ(c->initrd, TK_DEFAULT_INITRD);
        ASSERT_EQ(strv_length(c->kernel_command_line), 1);
        ASSERT_STREQ(c->kernel_command_line[0], "b");
        /* What= was reset, then set again. */
        ASSERT_EQ(c->target_kind, TK_TARGET_UUID);
        ASSERT_STREQ(c->directory, TK_DEFAULT_DIRECTORY);
        ASSERT_EQ(c->fs_type, TK_FS_AUTO);
        ASSERT_U64_EQ(c->timeout_usec, TK_DEFAULT_TIMEOUT_USEC);
        ASSERT_EQ(c->dump_level, TK_DEFAULT_DUMP_LEVEL);
        ASSERT_EQ(c->compression, CAPTURE_DEFAULT_COMPRESSION);
        ASSERT_EQ(c->failure_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c->final_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c->shrink_reservation, TK_SHRINK_AUTO);
        ASSERT_U64_EQ(c->margin, TK_MARGIN_UNSET);

        _cleanup_tk_config_free_ TkConfig *d = parse("[Target]\nWhat=LABEL=x\nWhat=\n");
        ASSERT_NOT_NULL(d);
        ASSERT_EQ(d->target_kind, TK_TARGET_NONE);
        ASSERT_FALSE(tk_config_is_valid(d));
        return TEST_PASS;
}

TEST(unknown_keys_warn_and_continue) {
        _cleanup_tk_config_free_ TkConfig *c = parse("[Dump]\nlevel=3\nVerbose=yes\nLevel=5\n[Network]\nHost=x\n"
                                                     "[Dump]\nCompression=lzo\n");
        ASSERT_NOT_NULL(c);
        ASSERT_TRUE(tk_config_is_valid(c));
        ASSERT_EQ(c->dump_level, 5);
        ASSERT_EQ(c->compression, CAPTURE_COMPRESSION_LZO);
        ASSERT_EQ(c->diags.n, 3);
        for (size_t i = 0; i < c->diags.n; i++)
                ASSERT_EQ(c->diags.items[i].level, LOG_WARNING);
        _cleanup_free_ char *a = conf_diag_format(&c->diags.items[0]);
        _cleanup_free_ char *b = conf_diag_format(&c->diags.items[1]);
        _cleanup_free_ char *d = conf_diag_format(&c->diags.items[2]);
        ASSERT_STREQ(a, "t.conf:2: [Dump] Unknown key level=, ignoring. Did you mean Level=?");
        ASSERT_STREQ(b, "t.conf:3: [Dump] Unknown key Verbose=, ignoring.");
        ASSERT_STREQ(d, "t.conf:5: Unknown section [Network], ignoring its keys.");
        return TEST_PASS;
}

TEST(syntax) {
        /* Comments, white space, CRLF, continuation lines, a later assignment wins. */
        {
                ASSERT_GOOD(c, "# comment\n; comment\n  [Dump]  \r\n\tLevel =  7 \r\n Level=9\n"
                               "[Capture]\nKernelCommandLine=a \\\n# skipped comment\n  b\\\nc\n");
                ASSERT_EQ(c->dump_level, 9);
                ASSERT_STREQ(c->kernel_command_line[0], "a    b c");
        }
        ASSERT_BAD("[Dump\nLevel=1\n", "t.conf:1: Invalid section header \"[Dump\": missing ']'.");
        ASSERT_BAD("[Dump]\nLevel\n", "t.conf:2: Missing '=' in \"Level\": expected Key=Value.");
        ASSERT_BAD("[Dump]\nLe vel=1\n", "t.conf:2: Invalid key name \"Le vel\".");
        ASSERT_BAD("[Du\x01mp]\n", "t.conf:1: Invalid section name \"[Du\\x01mp]\".");
        {
                _cleanup_tk_config_free_ TkConfig *c = parse("Level=1\n");
                _cleanup_free_ char *d = only_diag(c);
                ASSERT_STREQ(d, "t.conf:1: Assignment Level= outside of any section, ignoring.");
                ASSERT_TRUE(tk_config_is_valid(c));
        }
        /* A value ending in a backslash (only possible through a continuation) would not survive
         * being written back. */
        ASSERT_BAD("[Target]\nWhat=LABEL=a\\\\\n\n", "t.conf:2: [Target] What=LABEL=a\\x5c: value ends with a backslash.");
        /* A continuation whose last lines are comments still counts at the end of the file. */
        {
                ASSERT_GOOD(c, "[Target]\nWhat=LABEL=a\n[Capture]\nKernelCommandLine=x \\\n# comment");
                ASSERT_EQ(strv_length(c->kernel_command_line), 1);
                ASSERT_STREQ(c->kernel_command_line[0], "x");
        }
        /* A continuation on the last line ends the file. */
        {
                ASSERT_GOOD(c, "[Target]\nWhat=LABEL=a\n[Capture]\nKernelCommandLine=x\\");
                ASSERT_STREQ(c->kernel_command_line[0], "x");
        }
        return TEST_PASS;
}

TEST(limits) {
        _cleanup_free_ char *big = malloc(CONF_FILE_MAX + 1), *line = NULL;
        _cleanup_tk_config_free_ TkConfig *c = NULL, *d = NULL, *e = NULL;

        ASSERT_NOT_NULL(big);
        memset(big, '#', CONF_FILE_MAX + 1);
        ASSERT_OK(tk_config_load_data("big.conf", big, CONF_FILE_MAX + 1, &c));
        ASSERT_EQ(c->diags.n, 2); /* too large, and then no target */
        _cleanup_free_ char *m = conf_diag_format(&c->diags.items[0]);
        ASSERT_STREQ(m, "big.conf: File is larger than 1048576 bytes, ignoring it.");

        ASSERT_OK(tk_config_load_data("nul.conf", "[Dump]\nLevel=1\0\n", 16, &d));
        _cleanup_free_ char *n = conf_diag_format(&d->diags.items[0]);
        ASSERT_STREQ(n, "nul.conf: File contains a NUL byte, ignoring it.");

        /* A line longer than CONF_LINE_MAX is an error, and the lines after it still count. */
        line = malloc(CONF_LINE_MAX + 64);
        ASSERT_NOT_NULL(line);
        int k = snprintf(line, 64, "[Capture]\nKernelCommandLine=");
        memset(line + k, 'x', CONF_LINE_MAX);
        strcpy(line + k + CONF_LINE_MAX, "\n[Dump]\nLevel=3\n");
        e = parse(line);
        ASSERT_NOT_NULL(e);
        _cleanup_free_ char *o = only_diag(e);
        ASSERT_STREQ(o, "t.conf:2: Line is longer than 4096 bytes, ignoring it.");
        ASSERT_EQ(e->dump_level, 3);

        /* Diagnostics are bounded, the error count is not. */
        _cleanup_free_ char *many = malloc(1000 * 8 + 1);
        ASSERT_NOT_NULL(many);
        many[0] = 0;
        for (int i = 0; i < 1000; i++)
                strcat(many, "garbage\n");
        _cleanup_tk_config_free_ TkConfig *f = parse(many);
        ASSERT_NOT_NULL(f);
        ASSERT_EQ(f->diags.n, CONF_DIAGS_MAX);
        ASSERT_EQ(f->diags.n_errors, 1000);
        ASSERT_EQ(f->diags.n_dropped, 1000 - CONF_DIAGS_MAX);
        return TEST_PASS;
}

TEST(value_escaped_in_diagnostics) {
        ASSERT_BAD("[Dump]\nLevel=\033[31mred\n", "t.conf:2: [Dump] Level=\\x1b[31mred: dump level must be between 0 and 31.");
        return TEST_PASS;
}

TEST(expand) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        ASSERT_OK(tk_config_expand("/usr/lib/tinykdump/capture/vmlinuz-%r", "7.2.0-1-amd64", &a));
        ASSERT_STREQ(a, "/usr/lib/tinykdump/capture/vmlinuz-7.2.0-1-amd64");
        ASSERT_OK(tk_config_expand("/a/%r/100%%-%r", "6.12", &b));
        ASSERT_STREQ(b, "/a/6.12/100%-6.12");
        ASSERT_OK(tk_config_expand("", "6.12", &c));
        ASSERT_STREQ(c, "");
        ASSERT_ERROR(tk_config_expand("/a/%x", "6.12", &c), EINVAL);
        ASSERT_ERROR(tk_config_expand("/a/%", "6.12", &c), EINVAL);
        ASSERT_ERROR(tk_config_expand("/a/%r", "../../etc", &c), EINVAL);
        ASSERT_ERROR(tk_config_expand("/a/%r", "", &c), EINVAL);
        ASSERT_ERROR(tk_config_expand("/a/%r", "..", &c), EINVAL);
        return TEST_PASS;
}

/* Every diagnostic is one ConfDiag that says where (file, line, section, key) and what (value). */
TEST(diag_fields) {
        _cleanup_tk_config_free_ TkConfig *a = parse("[Target]\nFileSystemType=ext4\nWhat=UUID=1A2B-3C4D\n");
        ASSERT_NOT_NULL(a);
        ASSERT_EQ(a->diags.n, 1U);
        ASSERT_STREQ(a->diags.items[0].file, "t.conf");
        ASSERT_EQ(a->diags.items[0].line, 3U);
        ASSERT_STREQ(a->diags.items[0].section, "Target");
        ASSERT_STREQ(a->diags.items[0].key, "What");
        ASSERT_STREQ(a->diags.items[0].value, "UUID=1A2B-3C4D");

        _cleanup_tk_config_free_ TkConfig *b = parse("[Target]\nWhat=UUID=1A2B-3C4D\n[Dump]\nLevel=40\nLevle=1\n");
        ASSERT_NOT_NULL(b);
        ASSERT_EQ(b->diags.n, 2U);
        ASSERT_STREQ(b->diags.items[0].section, "Dump");
        ASSERT_STREQ(b->diags.items[0].key, "Level");
        ASSERT_STREQ(b->diags.items[0].value, "40");
        ASSERT_EQ(b->diags.items[1].line, 5U);
        ASSERT_STREQ(b->diags.items[1].key, "Levle");
        ASSERT_STREQ(b->diags.items[1].value, "1");
        return TEST_PASS;
}

/* Regression (ASan global-buffer-overflow): a template ending in '%' was stepped past its
 * terminating NUL. The heap copies have no slack after the NUL, so ASan sees any overread. */
TEST(expand_trailing_percent) {
        static const char *const templates[] = { "%", "/a/%", "/a/%%%", "/a/%r%" };
        char *c = (char *) "untouched";

        for (size_t i = 0; i < ELEMENTSOF(templates); i++) {
                _cleanup_free_ char *t = strdup(templates[i]);
                ASSERT_NOT_NULL(t);
                ASSERT_ERROR(tk_config_expand(t, "6.12", &c), EINVAL);
                ASSERT_STREQ(c, "untouched");
        }
        ASSERT_BAD("[Capture]\nKernel=/boot/vmlinuz-%\n",
                   "t.conf:2: [Capture] Kernel=/boot/vmlinuz-%: unknown % specifier; only %r (kernel release) and %% are known.");
        return TEST_PASS;
}

TEST(timespan) {
        uint64_t v;
        char buf[FORMAT_TIMESPAN_MAX];

        ASSERT_OK(parse_timespan_usec("1min 30s", &v));
        ASSERT_U64_EQ(v, 90000000ULL);
        ASSERT_OK(parse_timespan_usec(" 2 h 1 m ", &v));
        ASSERT_U64_EQ(v, 7260000000ULL);
        ASSERT_OK(parse_timespan_usec("1d", &v));
        ASSERT_U64_EQ(v, 86400000000ULL);
        ASSERT_ERROR(parse_timespan_usec("", &v), EINVAL);
        ASSERT_ERROR(parse_timespan_usec("5 minutesx", &v), EINVAL);
        ASSERT_ERROR(parse_timespan_usec("99999999999999999999", &v), ERANGE);
        ASSERT_ERROR(parse_timespan_usec("9999999999999d", &v), ERANGE);
        ASSERT_STREQ(format_timespan_usec(buf, sizeof(buf), 90000000ULL), "90s");
        ASSERT_STREQ(format_timespan_usec(buf, sizeof(buf), 1500000ULL), "1500ms");
        ASSERT_STREQ(format_timespan_usec(buf, sizeof(buf), 7ULL), "7us");
        return TEST_PASS;
}

/* ---- files below a root directory ---- */

static int mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        return 0;
}

static int put(const char *root, const char *path, const char *text) {
        _cleanup_free_ char *p = path_join(root, path);
        if (!p || mkdir_parents(p) < 0)
                return -EIO;
        FILE *f = fopen(p, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) < 0 ? -errno : 0;
}

static int mask(const char *root, const char *path) {
        _cleanup_free_ char *p = path_join(root, path);
        if (!p || mkdir_parents(p) < 0)
                return -EIO;
        return symlink("/dev/null", p) < 0 ? -errno : 0;
}

static char *new_root(const char *name) {
        _cleanup_free_ char *r = path_join(test_tmpdir(), name);
        if (!r || mkdir(r, 0755) < 0)
                return NULL;
        return TAKE_PTR(r);
}

TEST(no_files) {
        _cleanup_free_ char *root = new_root("none");
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_EQ(strv_length(c->files), 0);
        ASSERT_EQ(c->diags.n, 1); /* only: no target */
        ASSERT_FALSE(tk_config_is_valid(c));
        return TEST_PASS;
}

TEST(etc_shadows_usr) {
        _cleanup_free_ char *root = new_root("shadow");
        _cleanup_tk_config_free_ TkConfig *c = NULL, *d = NULL, *e = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(put(root, TK_CONFIG_VENDOR_FILE, "[Target]\nWhat=LABEL=vendor\n[Dump]\nLevel=1\n"));
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_STREQ(c->target_value, "vendor");
        ASSERT_EQ(c->dump_level, 1);
        ASSERT_EQ(strv_length(c->files), 1);
        ASSERT_STREQ(c->files[0], TK_CONFIG_VENDOR_FILE);

        /* An /etc file replaces the vendor file entirely: Level= is back to its default. */
        ASSERT_OK(put(root, TK_CONFIG_FILE, "[Target]\nWhat=LABEL=admin\n"));
        ASSERT_OK(tk_config_load(root, &d));
        ASSERT_STREQ(d->target_value, "admin");
        ASSERT_EQ(d->dump_level, 31);
        ASSERT_EQ(strv_length(d->files), 1);
        ASSERT_STREQ(d->files[0], TK_CONFIG_FILE);

        /* Masking /etc hides both. */
        _cleanup_free_ char *p = path_join(root, TK_CONFIG_FILE);
        ASSERT_OK(RET_NERRNO(unlink(p)));
        ASSERT_OK(mask(root, TK_CONFIG_FILE));
        ASSERT_OK(tk_config_load(root, &e));
        ASSERT_EQ(strv_length(e->files), 0);
        ASSERT_EQ(e->target_kind, TK_TARGET_NONE);
        return TEST_PASS;
}

TEST(dropins) {
        _cleanup_free_ char *root = new_root("dropins");
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(put(root, TK_CONFIG_FILE, "[Target]\nWhat=LABEL=main\n[Dump]\nLevel=1\nCompression=lzo\n"));
        /* Applied by name across directories: 10-vendor, 20-run, 30-etc, 40-same (from /etc), 50-vendor. */
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_VENDOR "/10-vendor.conf", "[Dump]\nLevel=10\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_RUN "/20-run.conf", "[Dump]\nLevel=20\n[Memory]\nMargin=2M\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_ETC "/30-etc.conf", "[Dump]\nLevel=30\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_VENDOR "/40-same.conf", "[Actions]\nFinalAction=halt\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_RUN "/40-same.conf", "[Actions]\nFinalAction=poweroff\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_ETC "/40-same.conf", "[Target]\nDirectory=etc-wins\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_VENDOR "/50-vendor.conf", "[Target]\nWhat=LABEL=late\n"));
        /* Masked in /etc: never read. */
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_VENDOR "/60-masked.conf", "[Dump]\nLevel=60\n"));
        ASSERT_OK(mask(root, TK_CONFIG_DROPIN_DIR_ETC "/60-masked.conf"));
        /* Not *.conf: ignored. */
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_ETC "/70-x.conf.bak", "[Dump]\nLevel=70\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_ETC "/.hidden.conf", "[Dump]\nLevel=71\n"));

        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_EQ(c->diags.n, 0);
        ASSERT_EQ(c->dump_level, 30);
        ASSERT_EQ(c->compression, CAPTURE_COMPRESSION_LZO);
        ASSERT_U64_EQ(c->margin, 2 * MiB);
        ASSERT_EQ(c->final_action, CAPTURE_ACTION_REBOOT); /* 40-same.conf from /etc replaced the others */
        ASSERT_STREQ(c->directory, "etc-wins");
        ASSERT_STREQ(c->target_value, "late");
        ASSERT_EQ(strv_length(c->files), 6);
        ASSERT_STREQ(c->files[0], TK_CONFIG_FILE);
        ASSERT_STREQ(c->files[1], TK_CONFIG_DROPIN_DIR_VENDOR "/10-vendor.conf");
        ASSERT_STREQ(c->files[2], TK_CONFIG_DROPIN_DIR_RUN "/20-run.conf");
        ASSERT_STREQ(c->files[3], TK_CONFIG_DROPIN_DIR_ETC "/30-etc.conf");
        ASSERT_STREQ(c->files[4], TK_CONFIG_DROPIN_DIR_ETC "/40-same.conf");
        ASSERT_STREQ(c->files[5], TK_CONFIG_DROPIN_DIR_VENDOR "/50-vendor.conf");
        return TEST_PASS;
}

TEST(dropin_errors_name_the_dropin) {
        _cleanup_free_ char *root = new_root("dropin-errors");
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(put(root, TK_CONFIG_FILE, "[Target]\nWhat=LABEL=main\n"));
        ASSERT_OK(put(root, TK_CONFIG_DROPIN_DIR_ETC "/10-bad.conf", "\n[Dump]\nCompression=rar\n"));
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_FALSE(tk_config_is_valid(c));
        _cleanup_free_ char *d = only_diag(c);
        ASSERT_STREQ(d, TK_CONFIG_DROPIN_DIR_ETC "/10-bad.conf:3: [Dump] Compression=rar: compression must be one of "
                        "zlib, lzo, snappy, zstd, none.");

        /* A directory where the main file should be cannot be read: an error naming it. */
        _cleanup_free_ char *root2 = new_root("unreadable");
        _cleanup_free_ char *p = path_join(root2, TK_CONFIG_FILE);
        _cleanup_tk_config_free_ TkConfig *e = NULL;
        ASSERT_OK(mkdir_parents(p));
        ASSERT_OK(RET_NERRNO(mkdir(p, 0755)));
        ASSERT_OK(tk_config_load(root2, &e));
        ASSERT_EQ(e->diags.n, 2);
        _cleanup_free_ char *f = conf_diag_format(&e->diags.items[0]);
        ASSERT_STREQ(f, TK_CONFIG_FILE ": Not a regular file, ignoring it.");

        /* A FIFO among the drop-ins is not opened (it would block). */
        _cleanup_free_ char *fifo = path_join(root2, TK_CONFIG_DROPIN_DIR_ETC "/10-fifo.conf");
        _cleanup_tk_config_free_ TkConfig *g = NULL;
        ASSERT_OK(mkdir_parents(fifo));
        ASSERT_OK(RET_NERRNO(mkfifo(fifo, 0600)));
        ASSERT_OK(tk_config_load(root2, &g));
        ASSERT_EQ(g->diags.n, 3);
        _cleanup_free_ char *h = conf_diag_format(&g->diags.items[1]);
        ASSERT_STREQ(h, TK_CONFIG_DROPIN_DIR_ETC "/10-fifo.conf: Not a regular file, ignoring it.");
        ASSERT_EQ(strv_length(g->files), 0);
        return TEST_PASS;
}

TEST(retention_limits) {
        _cleanup_tk_config_free_ TkConfig *off = parse("");
        _cleanup_tk_config_free_ TkConfig *c = parse("[Target]\nMaxUse=4G\nKeepFree=15%\n");
        _cleanup_tk_config_free_ TkConfig *z = parse("[Target]\nMaxUse=0\nKeepFree=100%\nKeepFree=\n");

        /* Off unless set: nothing is ever deleted by default. */
        ASSERT_NOT_NULL(off);
        ASSERT_FALSE(off->max_use.set);
        ASSERT_FALSE(off->keep_free.set);
        ASSERT_NOT_NULL(c);
        ASSERT_EQ(c->diags.n, 0);
        ASSERT_TRUE(c->max_use.set && !c->max_use.percent && c->max_use.value == 4 * GiB);
        ASSERT_TRUE(c->keep_free.set && c->keep_free.percent && c->keep_free.value == 15);
        ASSERT_NOT_NULL(z);
        ASSERT_EQ(z->diags.n, 0);
        ASSERT_TRUE(z->max_use.set && z->max_use.value == 0);
        ASSERT_FALSE(z->keep_free.set); /* the empty assignment resets */

        static const struct {
                const char *value, *message;
        } bad[] = {
                { "101%", "t.conf:3: [Target] MaxUse=101%: a percentage of the file system cannot be more than 100%." },
                { "lots", "t.conf:3: [Target] MaxUse=lots: must be a size (bytes, or with K, M, G, T) or a percentage of the file system, e.g. \"4G\" or \"20%\"." },
                { "-1G", "t.conf:3: [Target] MaxUse=-1G: must be a size (bytes, or with K, M, G, T) or a percentage of the file system, e.g. \"4G\" or \"20%\"." },
                { "5.5%", "t.conf:3: [Target] MaxUse=5.5%: must be a size (bytes, or with K, M, G, T) or a percentage of the file system, e.g. \"4G\" or \"20%\"." },
                { "%", "t.conf:3: [Target] MaxUse=%: must be a size (bytes, or with K, M, G, T) or a percentage of the file system, e.g. \"4G\" or \"20%\"." },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *text = NULL, *f = NULL;
                ASSERT_TRUE(asprintf(&text, "[Target]\n\nMaxUse=%s\n", bad[i].value) > 0);
                _cleanup_tk_config_free_ TkConfig *e = parse(text);
                ASSERT_NOT_NULL(e);
                ASSERT_FALSE(tk_config_is_valid(e));
                ASSERT_EQ(e->diags.n, 1);
                f = conf_diag_format(&e->diags.items[0]);
                ASSERT_STREQ(f, bad[i].message);
        }
        return TEST_PASS;
}

/* ---- output ---- */

TEST(ini_round_trip) {
        _cleanup_tk_config_free_ TkConfig *c = parse(
                "[Capture]\nImage=/efi/capture-%r.efi\nKernelCommandLine=a=1\nKernelCommandLine=b=\"x y\"\n"
                "[Target]\nWhat=PARTLABEL=dümp\nDirectory=x/y\nFileSystemType=btrfs\nTimeoutSec=1min 30.s\n"
                "TimeoutSec=1min 500ms\nMaxUse=20%\nKeepFree=1536M\n[Dump]\nLevel=17\nCompression=snappy\nTimeoutSec=45min\n"
                "[Actions]\nFailureAction=shell\nFinalAction=poweroff\n[Memory]\nShrinkReservation=no\nMargin=1536K\n");
        _cleanup_free_ char *ini = NULL, *ini2 = NULL;
        _cleanup_tk_config_free_ TkConfig *d = NULL;

        ASSERT_NOT_NULL(c);
        ASSERT_EQ(c->diags.n, 1); /* "1min 30.s" */
        ASSERT_OK(tk_config_format_ini(c, &ini));
        ASSERT_OK(tk_config_load_data("effective.conf", ini, strlen(ini), &d));
        ASSERT_EQ(d->diags.n, 0);
        ASSERT_OK(tk_config_format_ini(d, &ini2));
        /* Identical but for the header naming the source file. */
        ASSERT_STREQ(strstr(ini, "\n[Capture]"), strstr(ini2, "\n[Capture]"));
        ASSERT_STREQ(strstr(ini, "\n[Capture]"),
                     "\n[Capture]\nImage=/efi/capture-%r.efi\nKernel=" TK_DEFAULT_KERNEL "\nInitrd=" TK_DEFAULT_INITRD
                     "\nKernelCommandLine=\nKernelCommandLine=a=1\nKernelCommandLine=b=\"x y\"\n"
                     "\n[Target]\nWhat=PARTLABEL=dümp\nDirectory=x/y\nFileSystemType=btrfs\nTimeoutSec=60500ms\n"
                     "MaxUse=20%\nKeepFree=1536M\n"
                     "\n[Dump]\nLevel=17\nCompression=snappy\nTimeoutSec=2700s\n"
                     "\n[Actions]\nFailureAction=shell\nFinalAction=poweroff\n"
                     "\n[Memory]\nShrinkReservation=no\nMargin=1536K\nBelowNeed=warn\n"
                     "\n[Erase]\nEnable=yes\nOnFailure=delete\nUnresolved=warn\nDisableRules=\nRuleDirectory=\n");
        ASSERT_TRUE(startswith(ini2, "# Effective tinykdump configuration, from:\n#   effective.conf\n") != NULL);
        return TEST_PASS;
}

TEST(json) {
        _cleanup_tk_config_free_ TkConfig *c = parse("[Capture]\nKernelCommandLine=quiet\n[Dump]\nBogus=1\n");
        _cleanup_free_ char *j = NULL;

        ASSERT_NOT_NULL(c);
        ASSERT_OK(tk_config_format_json(c, &j));
        ASSERT_STREQ(j, "{\"valid\":true,\"files\":[\"t.conf\"],\"diagnostics\":[{\"level\":\"warning\",\"file\":\"t.conf\","
                        "\"line\":4,\"message\":\"[Dump] Unknown key Bogus=, ignoring.\"}],"
                        "\"Capture\":{\"Image\":null,\"Kernel\":\"" TK_DEFAULT_KERNEL "\",\"Initrd\":\"" TK_DEFAULT_INITRD
                        "\",\"KernelCommandLine\":[\"quiet\"]},"
                        "\"Target\":{\"What\":\"UUID=" UUID_EXT4 "\",\"Directory\":\"tinykdump\",\"FileSystemType\":\"auto\","
                        "\"TimeoutUSec\":90000000,\"MaxUse\":null,\"KeepFree\":null},\"Dump\":{\"Level\":31,\"Compression\":\"zstd\",\"TimeoutUSec\":600000000},"
                        "\"Actions\":{\"FailureAction\":\"reboot\",\"FinalAction\":\"reboot\"},"
                        "\"Memory\":{\"ShrinkReservation\":\"auto\",\"Margin\":null,\"BelowNeed\":\"warn\"},"
                     "\"Erase\":{\"Enable\":true,\"OnFailure\":\"delete\",\"Unresolved\":\"warn\",\"DisableRules\":[],\"RuleDirectory\":null}}");
        return TEST_PASS;
}

TEST(image_overrides_kernel_warning) {
        _cleanup_tk_config_free_ TkConfig *c = parse("[Capture]\nImage=/u.efi\nKernel=/k\n");
        _cleanup_free_ char *d = only_diag(c);
        ASSERT_STREQ(d, "[Capture] Image= is set, so Kernel= and Initrd= are ignored.");
        ASSERT_TRUE(tk_config_is_valid(c));
        return TEST_PASS;
}

/* ---- the shipped file and the static inputs ---- */

static char *read_test_file(const char *rel, size_t *ret_size) {
        _cleanup_free_ char *p = path_join(test_srcdir(), rel);
        char *s = NULL;
        if (!p || read_full_file_at(NULL, p, CONF_FILE_MAX, &s, ret_size) < 0)
                return NULL;
        return s;
}

TEST(full_example) {
        size_t size;
        _cleanup_free_ char *s = read_test_file("unit/conf/full.conf", &size);
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_NOT_NULL(s);
        ASSERT_OK(tk_config_load_data("full.conf", s, size, &c));
        ASSERT_EQ(c->diags.n, 0);
        ASSERT_STREQ(c->image, "/usr/lib/tinykdump/capture/capture-%r.efi");
        ASSERT_EQ(strv_length(c->kernel_command_line), 2);
        ASSERT_EQ(c->target_kind, TK_TARGET_UUID);
        ASSERT_STREQ(c->target_value, "6F1B-2C3D");
        ASSERT_EQ(c->fs_type, TK_FS_VFAT);
        ASSERT_U64_EQ(c->timeout_usec, 150 * 1000000ULL);
        ASSERT_EQ(c->dump_level, 31);
        ASSERT_EQ(c->compression, CAPTURE_COMPRESSION_ZSTD);
        ASSERT_EQ(c->failure_action, CAPTURE_ACTION_SHELL);
        ASSERT_EQ(c->final_action, CAPTURE_ACTION_POWEROFF);
        ASSERT_EQ(c->shrink_reservation, TK_SHRINK_YES);
        ASSERT_U64_EQ(c->margin, 4 * MiB);
        ASSERT_TRUE(c->refuse_below_need);
        return TEST_PASS;
}

TEST(below_need) {
        _cleanup_tk_config_free_ TkConfig *c = parse("[Memory]\nBelowNeed=refuse\nBelowNeed=\n");

        ASSERT_NOT_NULL(c);
        ASSERT_EQ(c->diags.n, 0);
        ASSERT_FALSE(c->refuse_below_need); /* the empty assignment resets to warn */
        return TEST_PASS;
}

TEST(every_error_reported) {
        size_t size;
        _cleanup_free_ char *s = read_test_file("unit/conf/bad.conf", &size);
        _cleanup_free_ char *expected = read_test_file("unit/conf/bad.expected", NULL);
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        Buffer b = {};

        ASSERT_NOT_NULL(s);
        ASSERT_NOT_NULL(expected);
        ASSERT_OK(tk_config_load_data("bad.conf", s, size, &c));
        for (size_t i = 0; i < c->diags.n; i++) {
                _cleanup_free_ char *d = conf_diag_format(&c->diags.items[i]);
                ASSERT_NOT_NULL(d);
                const char *level = c->diags.items[i].level == LOG_ERR ? "error: " : "warning: ";
                ASSERT_OK(buffer_append(&b, level, strlen(level)));
                ASSERT_OK(buffer_append(&b, d, strlen(d)));
                ASSERT_OK(buffer_append(&b, "\n", 1));
        }
        ASSERT_OK(buffer_append_zero(&b, 1));
        bool same = streq((char *) b.data, expected);
        if (!same)
                printf("# got:\n%s", (char *) b.data);
        buffer_done(&b);
        ASSERT_TRUE(same);
        return TEST_PASS;
}

/* The shipped tinykdump.conf parses without a word, and uncommenting every "#Key=value" line in it
 * gives exactly the built-in defaults: the documented defaults are the real ones. */
TEST(shipped_file) {
        const char *build = getenv("TK_BUILD_ROOT");
        _cleanup_free_ char *p = NULL, *s = NULL, *ini_defaults = NULL, *ini_shipped = NULL;
        _cleanup_tk_config_free_ TkConfig *c = NULL, *d = NULL, *defaults = tk_config_new();
        size_t size, n_keys = 0;

        if (!build)
                TEST_SKIP("TK_BUILD_ROOT not set");
        p = path_join(build, "src/tinykdump/tinykdump.conf");
        ASSERT_NOT_NULL(p);
        ASSERT_OK(read_full_file_at(NULL, p, CONF_FILE_MAX, &s, &size));
        ASSERT_OK(tk_config_load_data("tinykdump.conf", s, size, &c));
        ASSERT_EQ(c->diags.n, 1); /* only: What= is not set */
        ASSERT_NULL(c->diags.items[0].file);

        /* Uncomment "#Key=" lines (not prose comments, which have a space after '#'). */
        for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (l[0] == '#' && l[1] != ' ' && l[1] != '\n' && l[1] != '#' && strchr(l, '=') &&
                    strchr(l, '=') < (strchr(l, '\n') ?: l + strlen(l))) {
                        l[0] = ' ';
                        n_keys++;
                }
        ASSERT_EQ(n_keys, 23); /* every key; What=, MaxUse=, KeepFree= are listed empty */
        ASSERT_OK(tk_config_load_data("tinykdump.conf", s, size, &d));
        ASSERT_EQ(d->diags.n, 1);
        ASSERT_OK(tk_config_format_ini(defaults, &ini_defaults));
        ASSERT_OK(tk_config_format_ini(d, &ini_shipped));
        ASSERT_STREQ(strstr(ini_shipped, "\n[Capture]"), strstr(ini_defaults, "\n[Capture]"));
        return TEST_PASS;
}

/* tinykdump.conf and capture.conf share one enum set for compression and actions: every name the
 * capture side knows is accepted here and read as the same value. */
TEST(names_agree_with_capture_config) {
        for (int i = 0; i < _CAPTURE_COMPRESSION_MAX; i++) {
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[Target]\nWhat=UUID=1A2B-3C4D\n[Dump]\nCompression=%s\n",
                                     capture_compression_to_string((CaptureCompression) i)) > 0);
                ASSERT_GOOD(c, text);
                ASSERT_EQ(c->compression, (CaptureCompression) i);
        }
        for (int i = 0; i < _CAPTURE_ACTION_MAX; i++) {
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[Target]\nWhat=UUID=1A2B-3C4D\n[Actions]\nFailureAction=%s\n",
                                     capture_action_to_string((CaptureAction) i)) > 0);
                ASSERT_GOOD(c, text);
                ASSERT_EQ(c->failure_action, (CaptureAction) i);
        }
        return TEST_PASS;
}

/* Every valid target spelling gives a What= the capture side can turn into a device path. */
TEST(what_accepted_by_capture_config) {
        static const char *const whats[] = {
                "UUID=" UUID_EXT4, "UUID=1a2b-3c4d", "LABEL=Crash dumps/ü", "PARTUUID=0a1b2c3d-01", "PARTLABEL=kdump",
        };
        for (size_t i = 0; i < ELEMENTSOF(whats); i++) {
                _cleanup_free_ char *t = NULL, *w = NULL, *dev = NULL;
                ASSERT_TRUE(asprintf(&t, "[Target]\nWhat=%s\n", whats[i]) > 0);
                ASSERT_GOOD(c, t);
                ASSERT_OK(tk_config_target_what(c, &w));
                ASSERT_OK(capture_target_device_from_what(w, &dev));
                ASSERT_TRUE(startswith(dev, "/dev/disk/by-") != NULL);
        }
        return TEST_PASS;
}

TEST(erase_section) {
        static const char text[] = "[Target]\nWhat=LABEL=dumps\n[Erase]\nEnable=no\nOnFailure=keep\nUnresolved=refuse\n"
                                   "DisableRules=rng-base-crng keyring-user\nDisableRules=dm-crypt-cipher rng-base-crng\n"
                                   "RuleDirectory=/srv/erase.d\n";
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_OK(tk_config_load_data("t.conf", text, strlen(text), &c));
        ASSERT_TRUE(tk_config_is_valid(c));
        ASSERT_FALSE(c->erase);
        ASSERT_EQ(c->erase_on_failure, TK_ERASE_ON_FAILURE_KEEP);
        ASSERT_TRUE(c->erase_refuse_unresolved);
        ASSERT_EQ(strv_length(c->erase_disable_rules), 3);
        ASSERT_STREQ(c->erase_disable_rules[2], "dm-crypt-cipher");
        ASSERT_STREQ(c->erase_rule_directory, "/srv/erase.d");

        static const char bad[] = "[Target]\nWhat=LABEL=dumps\n[Erase]\nEnable=maybe\nOnFailure=shred\nUnresolved=ignore\n"
                                  "DisableRules=a/b\nRuleDirectory=relative\n";
        _cleanup_tk_config_free_ TkConfig *d = NULL;
        ASSERT_OK(tk_config_load_data("t.conf", bad, strlen(bad), &d));
        ASSERT_FALSE(tk_config_is_valid(d));
        ASSERT_EQ(d->diags.n_errors, 5);
        ASSERT_TRUE(d->erase);
        return TEST_PASS;
}
