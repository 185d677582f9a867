/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"

/* The one EINTR loop: every whole read and write goes through here. offset < 0: read()/write(). */
static ssize_t loop_io(int fd, void *buf, size_t n, int64_t offset, bool write_) {
        uint8_t *p = buf;
        size_t done = 0;

        if (offset >= 0 && (uint64_t) offset > (uint64_t) INT64_MAX - n)
                return -EOVERFLOW;
        while (done < n) {
                ssize_t k;

                if (write_)
                        k = offset < 0 ? write(fd, p + done, n - done)
                                       : pwrite(fd, p + done, n - done, (off_t) (offset + (int64_t) done));
                else
                        k = offset < 0 ? read(fd, p + done, n - done)
                                       : pread(fd, p + done, n - done, (off_t) (offset + (int64_t) done));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        return (ssize_t) done;
}

ssize_t loop_read(int fd, void *buf, size_t n) {
        return loop_io(fd, buf, n, -1, false);
}

ssize_t loop_pread(int fd, void *buf, size_t n, uint64_t offset) {
        if (offset > (uint64_t) INT64_MAX)
                return -EOVERFLOW;
        return loop_io(fd, buf, n, (int64_t) offset, false);
}

int loop_write(int fd, const void *buf, size_t n) {
        ssize_t k = loop_io(fd, (void *) buf, n, -1, true);
        if (k < 0)
                return (int) k;
        return (size_t) k == n ? 0 : -EIO;
}

int loop_pwrite(int fd, const void *buf, size_t n, uint64_t offset) {
        if (offset > (uint64_t) INT64_MAX)
                return -EOVERFLOW;
        ssize_t k = loop_io(fd, (void *) buf, n, (int64_t) offset, true);
        if (k < 0)
                return (int) k;
        return (size_t) k == n ? 0 : -EIO;
}

char *path_join(const char *a, const char *b) {
        char *p;

        if (isempty(a))
                a = "";
        if (isempty(b))
                return strdup(isempty(a) ? "/" : a);
        while (*b == '/' && *a)
                b++;
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        if (asprintf(&p, "%.*s%s%s", (int) la, a, *a && *b ? "/" : "", b) < 0)
                return NULL;
        return p;
}

bool exists_at(const char *root, const char *path) {
        _cleanup_free_ char *p = path_join(root, path);

        return p && access(p, F_OK) >= 0;
}

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;

        for (;;) {
                if (allocated - n < 4096 + 1 && allocated < max + 2) {
                        size_t na = allocated == 0 ? 4096 + 1 : allocated * 2;
                        /* One byte beyond max to notice a file that is too large, one for the NUL. */
                        if (na > max + 2)
                                na = max + 2;
                        char *nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                ssize_t k = loop_read(fd, buf + n, allocated - n - 1);
                if (k < 0)
                        return (int) k;
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max)
                        return -EFBIG;
        }

        buf[n] = 0;
        if (ret_size)
                *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_full_file_at(const char *root, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;

        p = path_join(root, path);
        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, ret, ret_size);
}

int read_one_line_file_at(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_full_file_at(root, path, 64 * KiB, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

/* On FAT (vfat, the usual dump stick) a file's size and first cluster live in its directory entry,
 * and a rename writes a new entry with neither: they reach the disk with the renamed file's inode,
 * which fsync() of the directory does not write. A capture interrupted right after such a rename
 * (a second panic, the stick pulled, power lost) found dmesg.txt and metadata empty. So the file
 * itself is synced again after the rename, then the directory. */
int rename_durable_at(int dir_fd, const char *from, const char *to) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dir_fd, from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (renameat(dir_fd, from, dir_fd, to) < 0)
                return -errno;
        if (fsync(fd) < 0)
                return -errno;
        if (fsync(dir_fd) < 0)
                return -errno;
        return 0;
}

int write_atomic_at(int dir_fd, const char *name, const void *data, size_t size, mode_t mode,
                    WriteAtomicFlags flags) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (asprintf(&tmp, "%s.tmp", name) < 0)
                return -ENOMEM;
        /* A stale temporary from an interrupted earlier write is ours to replace. */
        (void) unlinkat(dir_fd, tmp, 0);
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return -errno;
        (void) fchmod(fd, mode);

        r = loop_write(fd, data, size);
        if (r >= 0 && (flags & WRITE_ATOMIC_DURABLE) && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        /* The renamed file again, then the directory: see rename_durable_at() for FAT. */
        if ((flags & WRITE_ATOMIC_DURABLE) && fsync(fd) < 0)
                return -errno;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        if ((flags & WRITE_ATOMIC_DURABLE) && fsync(dir_fd) < 0)
                return -errno;
        return 0;
}
