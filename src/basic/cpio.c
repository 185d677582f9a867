/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <sys/stat.h>

#include "cpio.h"

/* newc header: "070701" and 13 fields of 8 hex digits — ino, mode, uid, gid, nlink, mtime, filesize,
 * devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL), check (0 without CRC). The header
 * plus name, and the data, are each padded with NULs to a multiple of 4 bytes. */
#define NEWC_MAGIC "070701"
#define NEWC_MAGIC_CRC "070702"
#define NEWC_MAGIC_LEN 6U
#define NEWC_FIELDS 13U
#define NEWC_HEADER_SIZE (NEWC_MAGIC_LEN + NEWC_FIELDS * 8U)
#define NEWC_TRAILER "TRAILER!!!"

enum {
        F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
        F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
};

void cpio_writer_init(CpioWriter *w, uint64_t mtime) {
        *w = (CpioWriter) {
                /* The field is 32 bits wide (until 2106); clamp rather than wrap. */
                .mtime = MIN(mtime, (uint64_t) UINT32_MAX),
                .next_ino = 1,
        };
}

void cpio_writer_done(CpioWriter *w) {
        buffer_done(&w->buffer);
        w->directories = strv_free(w->directories);
        w->files = strv_free(w->files);
}

/* Drop leading slashes and check the components; returns a pointer into path. */
static int normalize_path(const char *path, const char **ret) {
        if (!path)
                return -EINVAL;
        while (*path == '/')
                path++;
        size_t l = strlen(path);
        if (l == 0 || l > CPIO_PATH_MAX)
                return -EINVAL;

        for (const char *p = path;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                if (p[n] == 0)
                        break;
                p += n + 1;
        }
        *ret = path;
        return 0;
}

static int emit(CpioWriter *w, const char *name, uint32_t mode, uint32_t nlink, const void *data, size_t size) {
        char header[NEWC_HEADER_SIZE + 1];
        size_t namesize = strlen(name) + 1;
        int r;

        if (w->finished)
                return -ESTALE;
        if ((uint64_t) size > CPIO_FILE_MAX)
                return -EFBIG;
        if (w->next_ino == UINT32_MAX)
                return -E2BIG;

        uint32_t fields[NEWC_FIELDS] = {
                [F_INO] = w->next_ino,
                [F_MODE] = mode,
                [F_NLINK] = nlink,
                [F_MTIME] = (uint32_t) w->mtime,
                [F_FILESIZE] = (uint32_t) size,
                [F_NAMESIZE] = (uint32_t) namesize,
        };
        memcpy(header, NEWC_MAGIC, NEWC_MAGIC_LEN);
        for (size_t i = 0; i < NEWC_FIELDS; i++)
                snprintf(header + NEWC_MAGIC_LEN + i * 8, 9, "%08" PRIX32, fields[i]);

        size_t start = w->buffer.size;
        r = buffer_append(&w->buffer, header, NEWC_HEADER_SIZE);
        if (r >= 0)
                r = buffer_append(&w->buffer, name, namesize);
        if (r >= 0)
                r = buffer_pad(&w->buffer, 4);
        if (r >= 0)
                r = buffer_append(&w->buffer, data, size);
        if (r >= 0)
                r = buffer_pad(&w->buffer, 4);
        if (r < 0) {
                w->buffer.size = start; /* leave a consistent archive behind */
                return r;
        }
        w->next_ino++;
        return 0;
}

static int ensure_directory(CpioWriter *w, const char *path, size_t len, mode_t mode) {
        _cleanup_free_ char *p = strndup(path, len);
        int r;

        if (!p)
                return -ENOMEM;
        if (strv_contains(w->directories, p))
                return 0;
        if (strv_contains(w->files, p))
                return -EEXIST;
        r = emit(w, p, S_IFDIR | (uint32_t) mode, 2, NULL, 0);
        if (r < 0)
                return r;
        return strv_consume(&w->directories, TAKE_PTR(p));
}

static int ensure_parents(CpioWriter *w, const char *path) {
        for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                int r = ensure_directory(w, path, (size_t) (slash - path), 0755);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cpio_writer_add_directory(CpioWriter *w, const char *path, mode_t mode) {
        const char *p;
        int r;

        if (mode & ~(mode_t) 07777)
                return -EINVAL;
        r = normalize_path(path, &p);
        if (r < 0)
                return r;
        r = ensure_parents(w, p);
        if (r < 0)
                return r;
        return ensure_directory(w, p, strlen(p), mode);
}

static int add_leaf(CpioWriter *w, const char *path, uint32_t mode, const void *data, size_t size) {
        const char *p;
        int r;

        r = normalize_path(path, &p);
        if (r < 0)
                return r;
        if (strv_contains(w->directories, p) || strv_contains(w->files, p))
                return -EEXIST;
        r = ensure_parents(w, p);
        if (r < 0)
                return r;
        r = emit(w, p, mode, 1, data, size);
        if (r < 0)
                return r;
        return strv_extend(&w->files, p);
}

int cpio_writer_add_file(CpioWriter *w, const char *path, mode_t mode, const void *data, size_t size) {
        if (mode & ~(mode_t) 07777)
                return -EINVAL;
        if (!data && size > 0)
                return -EINVAL;
        return add_leaf(w, path, S_IFREG | (uint32_t) mode, data, size);
}

int cpio_writer_add_symlink(CpioWriter *w, const char *path, const char *target) {
        if (isempty(target) || strlen(target) > CPIO_PATH_MAX)
                return -EINVAL;
        return add_leaf(w, path, S_IFLNK | 0777, target, strlen(target));
}

int cpio_writer_finish(CpioWriter *w, Buffer *ret) {
        int r;

        if (ret->size > 0 || ret->data)
                return -EINVAL;
        r = emit(w, NEWC_TRAILER, 0, 1, NULL, 0);
        if (r < 0)
                return r;
        r = buffer_pad(&w->buffer, 4);
        if (r < 0)
                return r;
        w->finished = true;
        *ret = w->buffer;
        w->buffer = (Buffer) {};
        cpio_writer_done(w);
        return 0;
}

void cpio_reader_init(CpioReader *r, const void *data, size_t size) {
        *r = (CpioReader) {
                .data = data,
                .size = data ? size : 0,
        };
}

static int parse_hex8(const uint8_t *p, uint32_t *ret) {
        uint32_t v = 0;

        for (size_t i = 0; i < 8; i++) {
                uint8_t c = p[i];
                unsigned d;
                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (c >= 'a' && c <= 'f')
                        d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        d = c - 'A' + 10;
                else
                        return -EBADMSG;
                v = (v << 4) | d;
        }
        *ret = v;
        return 0;
}

static bool looks_compressed(const uint8_t *p, size_t n) {
        static const struct {
                const char *magic;
                size_t len;
        } magics[] = {
                { "\x1f\x8b", 2 },             /* gzip */
                { "\x28\xb5\x2f\xfd", 4 },     /* zstd */
                { "\xfd" "7zXZ", 5 },          /* xz */
                { "\x02\x21\x4c\x18", 4 },     /* lz4 legacy */
                { "BZh", 3 },                  /* bzip2 */
                { "\x5d\x00\x00", 3 },         /* lzma */
                { "\x89LZO", 4 },              /* lzop */
        };
        for (size_t i = 0; i < ELEMENTSOF(magics); i++)
                if (n >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0)
                        return true;
        return false;
}

int cpio_reader_next(CpioReader *r, CpioEntry *ret) {
        for (;;) {
                uint32_t f[NEWC_FIELDS];
                const uint8_t *h;
                size_t off, name_end, data_off;

                /* NULs between (and after) archives are skipped, as the kernel does. */
                while (r->offset < r->size && r->data[r->offset] == 0)
                        r->offset++;
                if (r->offset >= r->size)
                        return 0;

                off = r->offset;
                h = r->data + off;
                if (off % 4 != 0)
                        return -EBADMSG;
                if (looks_compressed(h, r->size - off))
                        return -EOPNOTSUPP;
                if (r->size - off < NEWC_HEADER_SIZE)
                        return -EBADMSG;
                if (memcmp(h, NEWC_MAGIC, NEWC_MAGIC_LEN) != 0 && memcmp(h, NEWC_MAGIC_CRC, NEWC_MAGIC_LEN) != 0)
                        return -EBADMSG;
                for (size_t i = 0; i < NEWC_FIELDS; i++)
                        if (parse_hex8(h + NEWC_MAGIC_LEN + i * 8, &f[i]) < 0)
                                return -EBADMSG;

                if (r->n_entries >= CPIO_ENTRIES_MAX)
                        return -EBADMSG;
                r->n_entries++;

                /* Name: namesize bytes including exactly one NUL, at the end. */
                if (f[F_NAMESIZE] < 2 || f[F_NAMESIZE] > CPIO_PATH_MAX + 1)
                        return -EBADMSG;
                if (f[F_NAMESIZE] > r->size - off - NEWC_HEADER_SIZE)
                        return -EBADMSG;
                const char *name = (const char *) h + NEWC_HEADER_SIZE;
                size_t name_len = f[F_NAMESIZE] - 1;
                if (name[name_len] != 0 || strnlen(name, name_len) != name_len)
                        return -EBADMSG;

                name_end = off + NEWC_HEADER_SIZE + f[F_NAMESIZE];
                data_off = (size_t) align_up_u64(name_end, 4);
                if (data_off > r->size || f[F_FILESIZE] > r->size - data_off)
                        return -EBADMSG;

                /* The last padding may be cut off at the very end of the buffer. */
                r->offset = (size_t) MIN(align_up_u64((uint64_t) data_off + f[F_FILESIZE], 4), (uint64_t) r->size);

                if (name_len == strlen(NEWC_TRAILER) && memcmp(name, NEWC_TRAILER, name_len) == 0)
                        continue;

                *ret = (CpioEntry) {
                        .name = name,
                        .name_len = name_len,
                        .ino = f[F_INO],
                        .mode = f[F_MODE],
                        .uid = f[F_UID],
                        .gid = f[F_GID],
                        .nlink = f[F_NLINK],
                        .mtime = f[F_MTIME],
                        .dev_major = f[F_DEVMAJOR],
                        .dev_minor = f[F_DEVMINOR],
                        .rdev_major = f[F_RDEVMAJOR],
                        .rdev_minor = f[F_RDEVMINOR],
                        .data = r->data + data_off,
                        .size = f[F_FILESIZE],
                };
                return 1;
        }
}

static const char *skip_root(const char *s) {
        for (;;) {
                if (s[0] == '/')
                        s++;
                else if (s[0] == '.' && s[1] == '/')
                        s += 2;
                else
                        return s;
        }
}

int cpio_find(const void *data, size_t size, const char *path, CpioEntry *ret) {
        CpioReader reader;
        CpioEntry e, found;
        bool have = false;
        const char *want;
        int r;

        if (!path)
                return -EINVAL;
        want = skip_root(path);
        cpio_reader_init(&reader, data, size);
        while ((r = cpio_reader_next(&reader, &e)) > 0)
                if (streq(skip_root(e.name), want)) {
                        found = e;
                        have = true;
                }
        if (r < 0)
                return r;
        if (!have)
                return 0;
        *ret = found;
        return 1;
}
