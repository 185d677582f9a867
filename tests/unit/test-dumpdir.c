/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "dumpdir.h"
#include "tests.h"
#include "util.h"

TEST(identity_matches) {
        BlockIdentity id = {
                .fstype = (char *) "vfat", .uuid = (char *) "1234-ABCD", .label = (char *) "DUMPS",
                .partuuid = (char *) "0e7a3bc1-01", .partlabel = (char *) "crash dumps",
        };
        ASSERT_TRUE(block_identity_matches(&id, "UUID", "1234-abcd", NULL));
        ASSERT_TRUE(block_identity_matches(&id, "UUID", "1234-ABCD", "vfat"));
        ASSERT_TRUE(block_identity_matches(&id, "UUID", "1234-ABCD", "auto"));
        ASSERT_FALSE(block_identity_matches(&id, "UUID", "1234-ABCD", "ext4"));
        ASSERT_TRUE(block_identity_matches(&id, "LABEL", "DUMPS", NULL));
        ASSERT_FALSE(block_identity_matches(&id, "LABEL", "dumps", NULL));
        ASSERT_TRUE(block_identity_matches(&id, "PARTUUID", "0E7A3BC1-01", NULL));
        ASSERT_TRUE(block_identity_matches(&id, "PARTLABEL", "crash dumps", NULL));
        ASSERT_FALSE(block_identity_matches(&id, "PARTLABEL", "x", NULL));
        ASSERT_FALSE(block_identity_matches(&id, "SERIAL", "x", NULL));
        BlockIdentity none = {};
        ASSERT_FALSE(block_identity_matches(&none, "UUID", "1234-ABCD", NULL));
        return TEST_PASS;
}

static int fake_probe(const char *devnode, BlockIdentity *ret) {
        if (!streq(devnode, "/dev/sdb1"))
                return -ENOENT;
        *ret = (BlockIdentity) { .fstype = strdup("vfat"), .uuid = strdup("1234-ABCD") };
        return 0;
}

static int write_file(const char *path, const char *s) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(s, f);
        return fclose(f) < 0 ? -errno : 0;
}

TEST(target_check) {
        _cleanup_free_ char *root = path_join(test_tmpdir(), "tc-root");
        _cleanup_free_ char *proc = path_join(root, "proc/self");
        _cleanup_free_ char *mi = path_join(proc, "mountinfo");
        _cleanup_free_ char *target = path_join(test_tmpdir(), "tc-target");
        _cleanup_free_ char *text = NULL;
        struct stat st;
        TargetCheck t;

        ASSERT_OK(RET_NERRNO(mkdir(root, 0755)));
        _cleanup_free_ char *p1 = path_join(root, "proc");
        ASSERT_OK(RET_NERRNO(mkdir(p1, 0755)));
        ASSERT_OK(RET_NERRNO(mkdir(proc, 0755)));

        /* Missing target directory. */
        ASSERT_ERROR(target_check(root, target, "UUID", "1234-ABCD", NULL, fake_probe, &t), ENOENT);

        ASSERT_OK(RET_NERRNO(mkdir(target, 0755)));
        ASSERT_OK(RET_NERRNO(stat(target, &st)));

        /* Not a mount point. */
        ASSERT_OK(write_file(mi, "22 1 259:2 / / rw - ext4 /dev/root rw\n"));
        ASSERT_ERROR(target_check(root, target, "UUID", "1234-ABCD", NULL, fake_probe, &t), ENOMEDIUM);

        /* Listed, but the directory is on another device: stale entry or something mounted over. */
        ASSERT_OK(asprintf(&text, "90 35 %u:%u / %s rw - vfat /dev/sdb1 rw\n", major(st.st_dev) + 1,
                           minor(st.st_dev), target) >= 0 ? 0 : -ENOMEM);
        ASSERT_OK(write_file(mi, text));
        ASSERT_ERROR(target_check(root, target, "UUID", "1234-ABCD", NULL, fake_probe, &t), ENOMEDIUM);
        free(text);

        /* The right mount. */
        ASSERT_OK(asprintf(&text, "90 35 %u:%u / %s rw - vfat /dev/sdb1 rw\n", major(st.st_dev), minor(st.st_dev),
                           target) >= 0 ? 0 : -ENOMEM);
        ASSERT_OK(write_file(mi, text));
        ASSERT_OK(target_check(root, target, "UUID", "1234-abcd", "vfat", fake_probe, &t));
        ASSERT_STREQ(t.mount.source, "/dev/sdb1");
        ASSERT_STREQ(t.identity.uuid, "1234-ABCD");
        target_check_done(&t);

        /* Another file system mounted there: refused, but the caller learns what it is. */
        ASSERT_ERROR(target_check(root, target, "UUID", "9999-0000", NULL, fake_probe, &t), EMEDIUMTYPE);
        ASSERT_STREQ(t.identity.uuid, "1234-ABCD");
        target_check_done(&t);
        ASSERT_ERROR(target_check(root, target, "UUID", "1234-ABCD", "ext4", fake_probe, &t), EMEDIUMTYPE);
        target_check_done(&t);
        return TEST_PASS;
}

TEST(blkid_probe_image) {
        _cleanup_free_ char *img = path_join(test_tmpdir(), "ext4.img");
        BlockIdentity id;
        int fd;

        if (access("/sbin/mke2fs", X_OK) < 0 && access("/usr/sbin/mke2fs", X_OK) < 0)
                TEST_SKIP("mke2fs not installed");
        fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_OK(RET_NERRNO(ftruncate(fd, 4 * MiB)));
        close(fd);

        _cleanup_free_ char *cmd = NULL;
        ASSERT_TRUE(asprintf(&cmd, "PATH=/usr/sbin:/sbin:$PATH mke2fs -q -F -t ext4 -L TKDUMP "
                                   "-U 5f1c4e2a-8d3b-4c6f-9a7e-0b1d2c3e4f50 %s >/dev/null 2>&1", img) >= 0);
        ASSERT_EQ(system(cmd), 0);

        ASSERT_OK(block_probe_blkid(img, &id));
        ASSERT_STREQ(id.fstype, "ext4");
        ASSERT_STREQ(id.uuid, "5f1c4e2a-8d3b-4c6f-9a7e-0b1d2c3e4f50");
        ASSERT_STREQ(id.label, "TKDUMP");
        ASSERT_TRUE(block_identity_matches(&id, "LABEL", "TKDUMP", "ext4"));
        block_identity_done(&id);

        /* Nothing recognisable. */
        _cleanup_free_ char *zero = path_join(test_tmpdir(), "zero.img");
        fd = open(zero, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_OK(RET_NERRNO(ftruncate(fd, 1 * MiB)));
        close(fd);
        ASSERT_ERROR(block_probe_blkid(zero, &id), ENODATA);
        return TEST_PASS;
}

TEST(sanitize) {
        static const struct {
                const char *in;
                const char *out;
        } cases[] = {
                { "myhost", "myhost" },
                { "7.2.13+deb14-amd64", "7.2.13+deb14-amd64" },
                { "6.12.0-1_rc1", "6.12.0-1_rc1" },
                { "a/b:c*d?e\"f<g>h|i\\j k", "a_b_c_d_e_f_g_h_i_j_k" },
                { "..", "_." },
                { ".hidden", "_hidden" },
                { "ünï", "__n__" },
                { "", "unknown" },
                { NULL, "unknown" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = dumpdir_sanitize_component(cases[i].in, DUMPDIR_COMPONENT_MAX);
                ASSERT_STREQ(s, cases[i].out);
        }
        _cleanup_free_ char *t = dumpdir_sanitize_component("abcdef", 3);
        ASSERT_STREQ(t, "abc");
        return TEST_PASS;
}

TEST(format_name) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        /* 2025-03-04T05:06:07Z */
        uint64_t t = UINT64_C(1741064767) * 1000000 + 999999;

        ASSERT_OK(dumpdir_format_name(t, "myhost", "7.2.13-amd64", true, &a));
        ASSERT_STREQ(a, "2025-03-04T05:06:07-myhost-7.2.13-amd64");
        ASSERT_OK(dumpdir_format_name(t, "my host", NULL, false, &b));
        ASSERT_STREQ(b, "2025-03-04T05-06-07-my_host-unknown");

        ASSERT_TRUE(fstype_forbids_colon("vfat"));
        ASSERT_TRUE(fstype_forbids_colon("exfat"));
        ASSERT_TRUE(fstype_forbids_colon(NULL));
        ASSERT_FALSE(fstype_forbids_colon("ext4"));
        ASSERT_FALSE(fstype_forbids_colon("xfs"));

        /* Bounded whatever the input. */
        char longname[1000];
        memset(longname, 'h', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        ASSERT_OK(dumpdir_format_name(0, longname, longname, true, &c));
        ASSERT_EQ(strlen(c), 19 + 1 + DUMPDIR_COMPONENT_MAX + 1 + DUMPDIR_COMPONENT_MAX);
        ASSERT_TRUE(startswith(c, "1970-01-01T00:00:00-hhh"));
        return TEST_PASS;
}

TEST(create_dirs) {
        _cleanup_free_ char *base = path_join(test_tmpdir(), "cd-target");
        _cleanup_close_ int tfd = -EBADF, pfd = -EBADF, d1 = -EBADF, d2 = -EBADF, d3 = -EBADF;
        _cleanup_free_ char *n1 = NULL, *n2 = NULL, *n3 = NULL;
        struct stat st;

        ASSERT_OK(RET_NERRNO(mkdir(base, 0755)));
        tfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(tfd, 0);

        ASSERT_ERROR(dumpdir_open_subdir(tfd, "/abs", true, &pfd), EINVAL);
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "a/../b", true, &pfd), EINVAL);

        /* A symlink inside the target must not lead out of it. */
        ASSERT_OK(RET_NERRNO(symlinkat("/tmp", tfd, "escape")));
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "escape/x", true, &pfd), ENOTDIR);

        ASSERT_OK(dumpdir_open_subdir(tfd, "crash//dumps/", true, &pfd));
        ASSERT_OK(RET_NERRNO(fstatat(tfd, "crash/dumps", &st, 0)));
        ASSERT_EQ(st.st_mode & 07777, 0700);

        ASSERT_OK(dumpdir_create(pfd, "2025-03-04T05:06:07-h-k", &d1, &n1));
        ASSERT_STREQ(n1, "2025-03-04T05:06:07-h-k");
        ASSERT_OK(dumpdir_create(pfd, "2025-03-04T05:06:07-h-k", &d2, &n2));
        ASSERT_STREQ(n2, "2025-03-04T05:06:07-h-k_2");
        ASSERT_OK(dumpdir_create(pfd, "2025-03-04T05:06:07-h-k", &d3, &n3));
        ASSERT_STREQ(n3, "2025-03-04T05:06:07-h-k_3");
        ASSERT_OK(RET_NERRNO(fstat(d1, &st)));
        ASSERT_EQ(st.st_mode & 07777, 0700);

        /* Atomic write: final name only after success, mode as asked, no temporary left. */
        ASSERT_OK(write_atomic_at(d1, "metadata", "A=1\n", 4, 0600, WRITE_ATOMIC_DURABLE));
        ASSERT_OK(write_atomic_at(d1, "metadata", "A=2\n", 4, 0600, WRITE_ATOMIC_DURABLE));
        ASSERT_OK(RET_NERRNO(fstatat(d1, "metadata", &st, 0)));
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ(st.st_size, 4);
        ASSERT_ERROR(RET_NERRNO(fstatat(d1, "metadata.tmp", &st, 0)), ENOENT);

        uint64_t size;
        ASSERT_OK(fsync_file_at(d1, "metadata", &size));
        ASSERT_U64_EQ(size, 4);
        ASSERT_ERROR(fsync_file_at(d1, "missing", &size), ENOENT);

        ASSERT_OK(rename_durable_at(d1, "metadata", "renamed"));
        ASSERT_OK(RET_NERRNO(fstatat(d1, "renamed", &st, 0)));
        return TEST_PASS;
}

TEST(read_and_commit_files) {
        _cleanup_free_ char *dir = path_join(test_tmpdir(), "files"), *fifo = NULL, *text = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        uint64_t size;
        size_t n;

        ASSERT_NOT_NULL(dir);
        ASSERT_OK(RET_NERRNO(mkdir(dir, 0700)));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        fd = openat(dfd, "x.incomplete", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, "0123456789", 10), 10);

        /* Made final: synced, 0600, under its name. */
        ASSERT_OK(dumpdir_commit_file_at(dfd, "x.incomplete", "x", &size));
        ASSERT_U64_EQ(size, 10);
        struct stat st;
        ASSERT_OK(RET_NERRNO(fstatat(dfd, "x", &st, 0)));
        ASSERT_EQ(st.st_mode & 0777, 0600);
        ASSERT_TRUE(faccessat(dfd, "x.incomplete", F_OK, 0) < 0);
        ASSERT_ERROR(dumpdir_commit_file_at(dfd, "x.incomplete", "x", NULL), ENOENT);

        /* Whole (bounded) or tail. */
        ASSERT_OK(dumpdir_read_file_at(dfd, "x", 10, false, &text, &n));
        ASSERT_STREQ(text, "0123456789");
        free(text);
        text = NULL;
        ASSERT_ERROR(dumpdir_read_file_at(dfd, "x", 9, false, &text, &n), EFBIG);
        ASSERT_OK(dumpdir_read_file_at(dfd, "x", 4, true, &text, &n));
        ASSERT_STREQ(text, "6789");
        ASSERT_EQ(n, 4);

        /* Neither a FIFO (which would block) nor a symlink is read. */
        fifo = path_join(dir, "fifo");
        ASSERT_NOT_NULL(fifo);
        ASSERT_OK(RET_NERRNO(mkfifo(fifo, 0600)));
        ASSERT_ERROR(dumpdir_open_regular_at(dfd, "fifo", NULL), EBADFD);
        ASSERT_OK(RET_NERRNO(symlinkat("x", dfd, "link")));
        ASSERT_ERROR(dumpdir_open_regular_at(dfd, "link", NULL), ELOOP);
        return TEST_PASS;
}
