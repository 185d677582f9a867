/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <blkid.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "dumpdir.h"
#include "util.h"

int dumpdir_open_regular_at(int dir_fd, const char *name, uint64_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (ret_size)
                *ret_size = (uint64_t) st.st_size;
        return TAKE_FD(fd);
}

int dumpdir_read_file_at(int dir_fd, const char *name, size_t max, bool tail, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        uint64_t size = 0;
        size_t n, want;

        fd = dumpdir_open_regular_at(dir_fd, name, &size);
        if (fd < 0)
                return fd;
        if (size > max && !tail)
                return -EFBIG;
        want = size > max ? max : (size_t) size;
        buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        /* A file that shrank under us gives what there is. */
        ssize_t k = loop_pread(fd, buf, want, size - want);
        if (k < 0)
                return (int) k;
        n = (size_t) k;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

void block_identity_done(BlockIdentity *b) {
        free(b->fstype);
        free(b->uuid);
        free(b->label);
        free(b->partuuid);
        free(b->partlabel);
        *b = (BlockIdentity) {};
}

DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, blkid_free_probe);

static int probe_dup(blkid_probe pr, const char *name, char **ret) {
        const char *v = NULL;

        if (blkid_probe_lookup_value(pr, name, &v, NULL) < 0 || !v) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

int block_probe_blkid(const char *devnode, BlockIdentity *ret) {
        _cleanup_(blkid_free_probep) blkid_probe pr = NULL;
        _cleanup_close_ int fd = -EBADF;
        BlockIdentity id = {};
        struct stat st;
        int r;

        /* Probe through our own fd, so the device number recorded is the one probed. */
        fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        errno = 0;
        pr = blkid_new_probe();
        if (!pr)
                return negative_errno();
        if (blkid_probe_set_device(pr, fd, 0, 0) < 0)
                return -EIO;

        (void) blkid_probe_enable_superblocks(pr, 1);
        (void) blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
        (void) blkid_probe_enable_partitions(pr, 1);
        (void) blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);

        errno = 0;
        r = blkid_do_safeprobe(pr);
        if (r == 1)
                return -ENODATA;   /* nothing recognised */
        if (r == -2)
                return -ENOTUNIQ;  /* ambiguous: more than one signature */
        if (r != 0)
                return negative_errno();

        if (probe_dup(pr, "TYPE", &id.fstype) < 0 || probe_dup(pr, "UUID", &id.uuid) < 0 ||
            probe_dup(pr, "LABEL", &id.label) < 0 || probe_dup(pr, "PART_ENTRY_UUID", &id.partuuid) < 0 ||
            probe_dup(pr, "PART_ENTRY_NAME", &id.partlabel) < 0) {
                block_identity_done(&id);
                return -ENOMEM;
        }
        id.devnum = S_ISBLK(st.st_mode) ? st.st_rdev : 0;
        *ret = id;
        return 0;
}

bool block_identity_matches(const BlockIdentity *id, const char *kind, const char *value, const char *fstype) {
        bool ok;

        if (!kind || !value)
                return false;
        if (streq(kind, "UUID"))
                ok = id->uuid && strcasecmp(id->uuid, value) == 0;
        else if (streq(kind, "LABEL"))
                ok = id->label && streq(id->label, value);
        else if (streq(kind, "PARTUUID"))
                ok = id->partuuid && strcasecmp(id->partuuid, value) == 0;
        else if (streq(kind, "PARTLABEL"))
                ok = id->partlabel && streq(id->partlabel, value);
        else
                return false;
        if (!ok)
                return false;
        if (isempty(fstype) || streq(fstype, "auto"))
                return true;
        return id->fstype && streq(id->fstype, fstype);
}

void target_check_done(TargetCheck *t) {
        mount_entry_done(&t->mount);
        block_identity_done(&t->identity);
}

int target_check(const char *root, const char *target_path, const char *kind, const char *value,
                 const char *fstype, BlockProbeFunc probe, TargetCheck *ret) {
        _cleanup_free_ char *mountinfo = NULL;
        TargetCheck t = {};
        struct stat st;
        size_t n;
        int r;

        if (stat(target_path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        r = read_full_file_at(root, "/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, &n);
        if (r < 0)
                return r;
        r = mountinfo_find(mountinfo, n, target_path, &t.mount);
        if (r == -ENOENT)
                return -ENOMEDIUM;
        if (r < 0)
                return r;

        /* The mount we found must be what target_path shows now (btrfs subvolumes have their own
         * anonymous device numbers, so there the mount table has to do). */
        if (!streq(t.mount.fstype, "btrfs") && st.st_dev != makedev(t.mount.major, t.mount.minor)) {
                target_check_done(&t);
                return -ENOMEDIUM;
        }

        r = probe(t.mount.source, &t.identity);
        if (r < 0) {
                *ret = t;   /* the caller names the device it could not probe */
                return r;
        }
        *ret = t;
        if (!block_identity_matches(&t.identity, kind, value, fstype))
                return -EMEDIUMTYPE;
        /* The device probed must be the one mounted (a source path can name another device by now). */
        if (t.identity.devnum != 0 && !streq(t.mount.fstype, "btrfs") &&
            t.identity.devnum != makedev(t.mount.major, t.mount.minor))
                return -EXDEV;
        return 0;
}

int target_check_same_device(const TargetCheck *t, const struct stat *st) {
        if (t->mount.fstype && streq(t->mount.fstype, "btrfs"))
                return 0;
        if (st->st_dev != makedev(t->mount.major, t->mount.minor))
                return -EXDEV;
        if (t->identity.devnum != 0 && st->st_dev != t->identity.devnum)
                return -EXDEV;
        return 0;
}

bool fstype_forbids_colon(const char *fstype) {
        static const char *const table[] = { "vfat", "msdos", "fat", "exfat", "ntfs", "ntfs3", "fuseblk" };

        if (!fstype)
                return true; /* unknown: play safe */
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(fstype, table[i]))
                        return true;
        return false;
}

char *dumpdir_sanitize_component(const char *s, size_t max) {
        char *r;
        size_t n = 0;

        if (isempty(s) || max == 0)
                return strdup("unknown");
        r = malloc(MIN(strlen(s), max) + 1);
        if (!r)
                return NULL;
        for (const char *p = s; *p && n < max; p++) {
                char c = *p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '.' || c == '_' || c == '+' || c == '-';
                if (!ok || (c == '.' && n == 0))
                        c = '_';
                r[n++] = c;
        }
        r[n] = 0;
        return r;
}

int dumpdir_format_name(uint64_t realtime_usec, const char *hostname, const char *release, bool colons_ok,
                        char **ret) {
        _cleanup_free_ char *h = NULL, *k = NULL;
        time_t t = (time_t) (realtime_usec / 1000000);
        struct tm tm;
        char ts[32];
        char *s;

        if (!gmtime_r(&t, &tm))
                return -EOVERFLOW;
        if (strftime(ts, sizeof(ts), colons_ok ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%dT%H-%M-%S", &tm) == 0)
                return -EOVERFLOW;

        h = dumpdir_sanitize_component(hostname, DUMPDIR_COMPONENT_MAX);
        k = dumpdir_sanitize_component(release, DUMPDIR_COMPONENT_MAX);
        if (!h || !k)
                return -ENOMEM;
        if (asprintf(&s, "%s-%s-%s", ts, h, k) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int dumpdir_open_subdir(int target_fd, const char *subdir, bool create, int *ret_fd) {
        _cleanup_free_ char *copy = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat root_st;
        char *saveptr = NULL;

        if (!subdir || subdir[0] == '/')
                return -EINVAL;
        if (fstat(target_fd, &root_st) < 0)
                return -errno;

        fd = fcntl(target_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;

        copy = strdup(subdir);
        if (!copy)
                return -ENOMEM;
        for (char *c = strtok_r(copy, "/", &saveptr); c; c = strtok_r(NULL, "/", &saveptr)) {
                struct stat st;

                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return -EINVAL;
                if (create && mkdirat(fd, c, 0700) < 0 && errno != EEXIST)
                        return -errno;
                int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0)
                        return -errno;
                closep(&fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (st.st_dev != root_st.st_dev)
                        return -EXDEV;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int dumpdir_create(int parent_fd, const char *name, int *ret_fd, char **ret_name) {
        for (unsigned i = 1; i <= DUMPDIR_SUFFIX_MAX; i++) {
                _cleanup_free_ char *n = NULL;

                if (i == 1)
                        n = strdup(name);
                else if (asprintf(&n, "%s_%u", name, i) < 0)
                        n = NULL;
                if (!n)
                        return -ENOMEM;

                if (mkdirat(parent_fd, n, 0700) < 0) {
                        if (errno == EEXIST)
                                continue;
                        return -errno;
                }
                int fd = openat(parent_fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                /* mkdir's mode went through the umask; make sure. vfat ignores it and says so. */
                (void) fchmod(fd, 0700);
                /* The new entry must survive a crash of the capture. */
                (void) fsync(parent_fd);
                *ret_fd = fd;
                *ret_name = TAKE_PTR(n);
                return 0;
        }
        return -EEXIST;
}

int fsync_file_at(int dir_fd, const char *name, uint64_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (fsync(fd) < 0)
                return -errno;
        if (ret_size)
                *ret_size = (uint64_t) st.st_size;
        return 0;
}

int dumpdir_commit_file_at(int dir_fd, const char *incomplete, const char *name, uint64_t *ret_size) {
        uint64_t size;
        int r;

        r = fsync_file_at(dir_fd, incomplete, &size);
        if (r >= 0)
                r = RET_NERRNO(fchmodat(dir_fd, incomplete, 0600, 0));
        if (r >= 0)
                r = rename_durable_at(dir_fd, incomplete, name);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = size;
        return 0;
}

bool dump_dir_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > DUMPDIR_NAME_MAX || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '+' || c == ':' || c == '-'))
                        return false;
        }
        return true;
}
