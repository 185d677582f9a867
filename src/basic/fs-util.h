/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one family of file helpers: whole reads and writes with the one EINTR loop, reads relative
 * to a root directory (tests point it at fake trees), and atomic replacement by rename. */

#include <sys/types.h>

#include "macro.h"

/* Largest file the generic readers will slurp; callers pass smaller limits where they know better. */
#define READ_FULL_FILE_MAX (16 * MiB)

/* read(), pread(), write() or pwrite() of all n bytes, retried on EINTR and short transfers. The
 * reads stop early only at end of file and return the number of bytes read; the writes return 0,
 * or -EIO when the file takes no more. All return a negative errno on failure. */
ssize_t loop_read(int fd, void *buf, size_t n);
ssize_t loop_pread(int fd, void *buf, size_t n, uint64_t offset);
int loop_write(int fd, const void *buf, size_t n);
int loop_pwrite(int fd, const void *buf, size_t n, uint64_t offset);

/* "a" + "/" + "b" with duplicate slashes collapsed at the seam. root may be NULL or "" (meaning "/"). */
char *path_join(const char *a, const char *b);

/* Whether path exists below root (root NULL: the real root). */
bool exists_at(const char *root, const char *path);

/* Read all of fd into a NUL-terminated buffer; -EFBIG when it holds more than max bytes. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* Read a whole file (below the optional root directory) into a NUL-terminated buffer.
 * Fails with -EFBIG when the file is larger than max. Works on /proc and /sys files. */
int read_full_file_at(const char *root, const char *path, size_t max, char **ret, size_t *ret_size);

/* Read the first line of a file, without its trailing newline. */
int read_one_line_file_at(const char *root, const char *path, char **ret);

/* renameat() within dir_fd, then fsync of the renamed file and of the directory, so the new name
 * and what it holds survive a crash, on FAT too. from must be openable for reading. */
int rename_durable_at(int dir_fd, const char *from, const char *to);

typedef enum WriteAtomicFlags {
        WRITE_ATOMIC_DURABLE = 1 << 0, /* fsync the file before and after the rename, the directory after it */
} WriteAtomicFlags;

/* Replace name in dir_fd by a file holding data: written to "name.tmp" (a stale one is replaced),
 * then renamed over name, so readers see the old or the new contents, never a part. On failure
 * the temporary is removed and name is untouched. */
int write_atomic_at(int dir_fd, const char *name, const void *data, size_t size, mode_t mode,
                    WriteAtomicFlags flags);
