/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* In-memory "newc" (SVR4, magic 070701, no CRC) cpio archives, the format the kernel unpacks into
 * the initramfs (init/initramfs.c).
 *
 * Appending an archive to an existing initrd (compressed or not): the kernel unpacks concatenated
 * archives in one pass. It skips NUL bytes between archives, and it recognises an uncompressed
 * archive only when its "070701" magic starts at an offset that is a multiple of 4 from the start of
 * the whole initrd (the `this_header & 3` test in unpack_to_rootfs()). A compressed archive may start
 * anywhere. So: pad the preceding initrd with zero bytes to a multiple of 4 — cpio_initrd_padding()
 * says how many — then append the archive. Each archive must end with its own TRAILER!!!. The kernel
 * does not create missing parent directories, so the writer emits every parent itself; re-creating a
 * directory that exists (e.g. "etc") is harmless but applies the archive's mode and mtime to it. */

#include <sys/types.h>

#include "macro.h"
#include "util.h"

/* Longest path (without NUL) the writer emits and the reader accepts. Same as PATH_MAX - 1. */
#define CPIO_PATH_MAX 4095U
/* Largest single file the writer adds and the reader accepts: newc stores sizes in 32 bits. */
#define CPIO_FILE_MAX ((uint64_t) UINT32_MAX)

typedef struct CpioWriter {
        Buffer buffer;
        uint64_t mtime;       /* seconds since the epoch, stored for every entry */
        uint32_t next_ino;    /* inode numbers are unique within the archive, starting at 1 */
        char **directories;   /* directories emitted so far, normalised ("etc/tinykdump") */
        char **files;         /* files and symlinks emitted so far */
        bool finished;
} CpioWriter;

/* Start an archive; every entry gets uid 0, gid 0 and this mtime. */
void cpio_writer_init(CpioWriter *w, uint64_t mtime); /* mtime clamped to the 32-bit field */
void cpio_writer_done(CpioWriter *w);

/* Paths are relative to the archive root; leading slashes are dropped. Empty, ".", ".." components,
 * and paths longer than CPIO_PATH_MAX are refused with -EINVAL. Missing parent directories are
 * added with mode 0755 first. mode holds permission bits only (07777); -EINVAL otherwise. */
int cpio_writer_add_directory(CpioWriter *w, const char *path, mode_t mode);
/* Adding a directory that was already added is a no-op; adding a file whose path was already added
 * (as anything) is -EEXIST. Files above CPIO_FILE_MAX: -EFBIG. */
int cpio_writer_add_file(CpioWriter *w, const char *path, mode_t mode, const void *data, size_t size);
int cpio_writer_add_symlink(CpioWriter *w, const char *path, const char *target);

/* Append TRAILER!!!, pad the archive to a multiple of 4 bytes and move it into *ret (which must be
 * empty). The writer is done afterwards. */
int cpio_writer_finish(CpioWriter *w, Buffer *ret);

/* Zero bytes to put after an initrd of preceding_size bytes before appending a newc archive. */
static inline size_t cpio_initrd_padding(uint64_t preceding_size) {
        return (size_t) ((4 - preceding_size % 4) % 4);
}

/* A bounded newc reader, for tests, the fuzzer and for showing what a loaded overlay holds. */

/* Upper bound on entries the reader returns from one buffer, so hostile input cannot make a caller
 * spin or allocate per entry without limit. */
#define CPIO_ENTRIES_MAX 65536U

typedef struct CpioEntry {
        const char *name;     /* points into the archive, NUL-terminated there */
        size_t name_len;      /* strlen(name) */
        uint32_t ino;
        uint32_t mode;        /* S_IFMT type and permission bits */
        uint32_t uid, gid;
        uint32_t nlink;
        uint64_t mtime;
        uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
        const uint8_t *data;  /* file contents or symlink target (not NUL-terminated), points into the archive */
        size_t size;
} CpioEntry;

typedef struct CpioReader {
        const uint8_t *data;
        size_t size;
        size_t offset;
        unsigned n_entries;
} CpioReader;

void cpio_reader_init(CpioReader *r, const void *data, size_t size);

/* Next entry: 1 with *ret filled, 0 at the end of the data, -EBADMSG for a malformed or truncated
 * archive (bad magic or hex digits, name without its NUL, data beyond the end, more than
 * CPIO_ENTRIES_MAX entries), -EOPNOTSUPP for compressed data. Concatenated archives are read as one:
 * TRAILER!!! entries are skipped, as are NUL bytes between archives; "070701" must start at an offset
 * that is a multiple of 4, as for the kernel. */
int cpio_reader_next(CpioReader *r, CpioEntry *ret);

/* Find an entry by path (leading slashes ignored) in an archive; a later entry of the same name wins,
 * as when the kernel unpacks. 1 with *ret filled when found, 0 when not, or a reader error. */
int cpio_find(const void *data, size_t size, const char *path, CpioEntry *ret);
