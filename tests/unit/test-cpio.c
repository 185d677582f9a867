/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "cpio.h"
#include "tests.h"
#include "util.h"

TEST(initrd_padding) {
        ASSERT_EQ(cpio_initrd_padding(0), 0);
        ASSERT_EQ(cpio_initrd_padding(1), 3);
        ASSERT_EQ(cpio_initrd_padding(2), 2);
        ASSERT_EQ(cpio_initrd_padding(3), 1);
        ASSERT_EQ(cpio_initrd_padding(4), 0);
        ASSERT_EQ(cpio_initrd_padding(UINT64_MAX), 1);
        return TEST_PASS;
}

static const char conf_text[] = "TARGET_WHAT=UUID=1234-ABCD\nDUMP_LEVEL=31\n";
static const char filter_text[] = "[vmlinux]\nerase foo\n"; /* 20 bytes: exercises data padding */

static int build_sample(Buffer *ret) {
        CpioWriter w;
        int r;

        cpio_writer_init(&w, 1700000000);
        r = cpio_writer_add_file(&w, "/etc/tinykdump/capture.conf", 0644, conf_text, strlen(conf_text));
        if (r >= 0)
                r = cpio_writer_add_directory(&w, "etc/tinykdump/conf.d", 0700);
        if (r >= 0)
                r = cpio_writer_add_file(&w, "etc/tinykdump/conf.d/filter", 0600, filter_text, strlen(filter_text));
        if (r >= 0)
                r = cpio_writer_add_file(&w, "empty", 0444, NULL, 0);
        if (r >= 0)
                r = cpio_writer_add_symlink(&w, "etc/tinykdump/link", "capture.conf");
        if (r >= 0)
                r = cpio_writer_finish(&w, ret);
        cpio_writer_done(&w);
        return r;
}

TEST(write_and_read) {
        _cleanup_(buffer_done) Buffer b = {};
        static const struct {
                const char *name;
                uint32_t mode;
                uint32_t nlink;
                size_t size;
        } expected[] = {
                { "etc", S_IFDIR | 0755, 2, 0 },
                { "etc/tinykdump", S_IFDIR | 0755, 2, 0 },
                { "etc/tinykdump/capture.conf", S_IFREG | 0644, 1, sizeof(conf_text) - 1 },
                { "etc/tinykdump/conf.d", S_IFDIR | 0700, 2, 0 },
                { "etc/tinykdump/conf.d/filter", S_IFREG | 0600, 1, sizeof(filter_text) - 1 },
                { "empty", S_IFREG | 0444, 1, 0 },
                { "etc/tinykdump/link", S_IFLNK | 0777, 1, 12 },
        };
        CpioReader r;
        CpioEntry e;
        uint32_t inos[ELEMENTSOF(expected)];

        ASSERT_OK(build_sample(&b));
        ASSERT_EQ(b.size % 4, 0);
        ASSERT_TRUE(memcmp(b.data, "070701", 6) == 0);

        cpio_reader_init(&r, b.data, b.size);
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                ASSERT_EQ(cpio_reader_next(&r, &e), 1);
                ASSERT_STREQ(e.name, expected[i].name);
                ASSERT_EQ(e.name_len, strlen(expected[i].name));
                ASSERT_EQ(e.mode, expected[i].mode);
                ASSERT_EQ(e.nlink, expected[i].nlink);
                ASSERT_EQ(e.size, expected[i].size);
                ASSERT_EQ(e.uid, 0);
                ASSERT_EQ(e.gid, 0);
                ASSERT_U64_EQ(e.mtime, 1700000000);
                for (size_t j = 0; j < i; j++)
                        ASSERT_NE(inos[j], e.ino);
                inos[i] = e.ino;
        }
        ASSERT_EQ(cpio_reader_next(&r, &e), 0); /* TRAILER!!! is not returned */
        ASSERT_EQ(cpio_reader_next(&r, &e), 0);

        ASSERT_EQ(cpio_find(b.data, b.size, "/etc/tinykdump/capture.conf", &e), 1);
        ASSERT_TRUE(e.size == strlen(conf_text) && memcmp(e.data, conf_text, e.size) == 0);
        ASSERT_EQ(cpio_find(b.data, b.size, "etc/nope", &e), 0);
        return TEST_PASS;
}

TEST(writer_errors) {
        CpioWriter w;

        cpio_writer_init(&w, 0);
        ASSERT_ERROR(cpio_writer_add_file(&w, "", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "/", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a//b", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a/../b", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a/./b", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a/", 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a", S_IFREG | 0644, "x", 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a", 0644, NULL, 1), EINVAL);
        ASSERT_ERROR(cpio_writer_add_symlink(&w, "l", ""), EINVAL);
        ASSERT_EQ(w.buffer.size, 0); /* nothing half-written */

        ASSERT_OK(cpio_writer_add_file(&w, "a/b", 0644, "x", 1));
        ASSERT_ERROR(cpio_writer_add_file(&w, "a/b", 0644, "x", 1), EEXIST);
        ASSERT_ERROR(cpio_writer_add_directory(&w, "a/b", 0755), EEXIST);
        ASSERT_ERROR(cpio_writer_add_file(&w, "a/b/c", 0644, "x", 1), EEXIST); /* parent is a file */
        ASSERT_ERROR(cpio_writer_add_file(&w, "a", 0644, "x", 1), EEXIST);     /* a directory */
        ASSERT_OK(cpio_writer_add_directory(&w, "a", 0755));                   /* again: no-op */

        char *longpath = malloc(CPIO_PATH_MAX + 2);
        ASSERT_NOT_NULL(longpath);
        memset(longpath, 'x', CPIO_PATH_MAX + 1);
        longpath[CPIO_PATH_MAX + 1] = 0;
        ASSERT_ERROR(cpio_writer_add_file(&w, longpath, 0644, "x", 1), EINVAL);
        free(longpath);
        cpio_writer_done(&w);
        return TEST_PASS;
}

static int run(const char *cmd) {
        int r = system(cmd);
        return r == 0 ? 0 : -EIO;
}

/* The real GNU cpio unpacks what we write: same files, contents and modes. */
TEST(gnu_cpio_unpacks) {
        _cleanup_(buffer_done) Buffer b = {};
        _cleanup_free_ char *dir = path_join(test_tmpdir(), "unpacked"), *archive = path_join(test_tmpdir(), "o.cpio");
        _cleanup_free_ char *cmd = NULL, *conf = NULL, *filter = NULL;
        _cleanup_free_ char *p_conf = NULL, *p_filter = NULL, *p_dir = NULL, *p_link = NULL, *p_empty = NULL;
        struct stat st;
        char target[64];
        size_t n;
        FILE *f;

        if (access("/usr/bin/cpio", X_OK) < 0)
                TEST_SKIP("cpio not installed");
        ASSERT_OK(build_sample(&b));
        f = fopen(archive, "we");
        ASSERT_NOT_NULL(f);
        ASSERT_EQ(fwrite(b.data, 1, b.size, f), b.size);
        fclose(f);
        ASSERT_EQ(mkdir(dir, 0755), 0);
        ASSERT_TRUE(asprintf(&cmd, "cd '%s' && /usr/bin/cpio -i --make-directories --preserve-modification-time --quiet < '%s'", dir, archive) > 0);
        ASSERT_OK(run(cmd));

        p_conf = path_join(dir, "etc/tinykdump/capture.conf");
        p_filter = path_join(dir, "etc/tinykdump/conf.d/filter");
        p_dir = path_join(dir, "etc/tinykdump/conf.d");
        p_link = path_join(dir, "etc/tinykdump/link");
        p_empty = path_join(dir, "empty");

        ASSERT_OK(read_full_file_at(NULL, p_conf, 4096, &conf, &n));
        ASSERT_STREQ(conf, conf_text);
        ASSERT_OK(read_full_file_at(NULL, p_filter, 4096, &filter, &n));
        ASSERT_STREQ(filter, filter_text);
        ASSERT_EQ(stat(p_conf, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0644);
        ASSERT_EQ(st.st_mtime, 1700000000);
        ASSERT_EQ(stat(p_filter, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ(stat(p_dir, &st), 0);
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0700);
        ASSERT_EQ(stat(p_empty, &st), 0);
        ASSERT_EQ(st.st_size, 0);
        ASSERT_EQ(st.st_mode & 07777, 0444);
        ssize_t l = readlink(p_link, target, sizeof(target) - 1);
        ASSERT_EQ(l, 12);
        target[l] = 0;
        ASSERT_STREQ(target, "capture.conf");

        /* And GNU cpio's listing agrees on the names and their order. */
        _cleanup_free_ char *list = path_join(test_tmpdir(), "list"), *listed = NULL;
        free(cmd);
        ASSERT_TRUE(asprintf(&cmd, "/usr/bin/cpio -t --quiet < '%s' | tr '\\n' ' ' > '%s'", archive, list) > 0);
        ASSERT_OK(run(cmd));
        ASSERT_OK(read_full_file_at(NULL, list, 4096, &listed, &n));
        ASSERT_STREQ(listed, "etc etc/tinykdump etc/tinykdump/capture.conf etc/tinykdump/conf.d "
                             "etc/tinykdump/conf.d/filter empty etc/tinykdump/link ");
        return TEST_PASS;
}

/* The reader understands archives GNU cpio writes (with its 512-byte block padding). */
TEST(reads_gnu_cpio_archive) {
        _cleanup_free_ char *dir = path_join(test_tmpdir(), "src"), *archive = path_join(test_tmpdir(), "gnu.cpio");
        _cleanup_free_ char *cmd = NULL, *data = NULL;
        size_t size;
        CpioEntry e;

        if (access("/usr/bin/cpio", X_OK) < 0)
                TEST_SKIP("cpio not installed");
        ASSERT_TRUE(asprintf(&cmd,
                             "mkdir -p '%1$s/usr/lib' && printf 'hello\\n' > '%1$s/usr/lib/x' && chmod 0640 '%1$s/usr/lib/x' && "
                             "cd '%1$s' && find . | LC_ALL=C sort | /usr/bin/cpio -o -H newc --quiet > '%2$s'",
                             dir, archive) > 0);
        ASSERT_OK(run(cmd));
        ASSERT_OK(read_full_file_at(NULL, archive, 1 * MiB, &data, &size));
        ASSERT_EQ(size % 512, 0);
        ASSERT_EQ(cpio_find(data, size, "/usr/lib/x", &e), 1);
        ASSERT_EQ(e.size, 6);
        ASSERT_TRUE(memcmp(e.data, "hello\n", 6) == 0);
        ASSERT_EQ(e.mode, S_IFREG | 0640);
        return TEST_PASS;
}

/* An overlay appended after padding is read as part of one stream, and a later entry wins. */
TEST(concatenation) {
        _cleanup_(buffer_done) Buffer a = {}, b = {}, all = {};
        CpioWriter w;
        CpioEntry e;

        cpio_writer_init(&w, 1);
        ASSERT_OK(cpio_writer_add_file(&w, "etc/x", 0644, "first", 5));
        ASSERT_OK(cpio_writer_finish(&w, &a));
        cpio_writer_init(&w, 2);
        ASSERT_OK(cpio_writer_add_file(&w, "etc/x", 0600, "second", 6));
        ASSERT_OK(cpio_writer_finish(&w, &b));

        ASSERT_OK(buffer_append(&all, a.data, a.size));
        ASSERT_OK(buffer_append_zero(&all, 512)); /* block padding, like GNU cpio's */
        ASSERT_OK(buffer_append(&all, b.data, b.size));
        ASSERT_EQ(cpio_find(all.data, all.size, "etc/x", &e), 1);
        ASSERT_TRUE(e.size == 6 && memcmp(e.data, "second", 6) == 0);

        /* An archive that does not start at a multiple of 4 is not one the kernel would see. */
        all.size = 0;
        ASSERT_OK(buffer_append(&all, a.data, a.size));
        ASSERT_OK(buffer_append(&all, "\x01", 1));
        ASSERT_OK(buffer_append(&all, b.data, b.size));
        ASSERT_ERROR(cpio_find(all.data, all.size, "etc/x", &e), EBADMSG);

        /* Compressed data is recognised as such. */
        ASSERT_ERROR(cpio_find("\x28\xb5\x2f\xfd\0\0\0\0", 8, "etc/x", &e), EOPNOTSUPP);
        return TEST_PASS;
}

TEST(reader_malformed) {
        _cleanup_(buffer_done) Buffer b = {};
        CpioReader r;
        CpioEntry e;
        uint8_t *copy;
        int k;

        ASSERT_OK(build_sample(&b));
        copy = malloc(b.size);
        ASSERT_NOT_NULL(copy);

        /* Every truncation either ends cleanly at an entry boundary or fails: never reads past the end. */
        for (size_t n = 0; n < b.size; n++) {
                memcpy(copy, b.data, n);
                cpio_reader_init(&r, copy, n);
                while ((k = cpio_reader_next(&r, &e)) > 0)
                        ASSERT_TRUE((const uint8_t *) e.data + e.size <= copy + n);
                ASSERT_TRUE(k == 0 || k == -EBADMSG);
        }

#define MUTATE(off, byte)                                                   \
        do {                                                                \
                memcpy(copy, b.data, b.size);                               \
                copy[off] = (byte);                                         \
                ASSERT_ERROR(cpio_find(copy, b.size, "x", &e), EBADMSG);    \
        } while (0)
        MUTATE(0, '1');             /* magic */
        MUTATE(6 + 3, 'g');         /* non-hex digit in ino */
        MUTATE(6 + 11 * 8 + 7, '3'); /* namesize 3 for "etc": no NUL where it ends */
        MUTATE(6 + 11 * 8 + 0, 'F'); /* namesize huge */
        MUTATE(6 + 6 * 8 + 0, 'F'); /* filesize huge */
#undef MUTATE
        free(copy);
        return TEST_PASS;
}
