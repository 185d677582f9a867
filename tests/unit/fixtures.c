/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "tests.h"

uint8_t *fixture_bzimage(size_t size, uint32_t init_size) {
        uint8_t *d;

        if (size < 4 * KiB)
                return NULL;
        d = calloc(1, size);
        if (!d)
                return NULL;
        d[0x1f1] = 4;                    /* setup_sects: setup is 5 sectors */
        put_le16(d + 0x1fe, 0xaa55);        /* boot_flag */
        d[0x200] = 0xeb;                 /* jump over the header … */
        d[0x201] = 0x6a;                 /* … which ends at 0x26c */
        memcpy(d + 0x202, "HdrS", 4);
        put_le16(d + 0x206, 0x020f);        /* protocol 2.15 */
        d[0x211] = 0x01;                 /* loadflags: LOADED_HIGH */
        put_le32(d + 0x230, 2 * MiB);       /* kernel_alignment */
        d[0x234] = 1;                    /* relocatable_kernel */
        d[0x235] = 21;                   /* min_alignment: 2 MiB */
        put_le16(d + 0x236, 0x7f);          /* xloadflags: 64-bit, above 4 GiB, EFI handover, kexec … */
        put_le32(d + 0x238, 2047);          /* cmdline_size */
        put_le32(d + 0x248, 716);           /* payload_offset */
        put_le32(d + 0x24c, 1000);          /* payload_length */
        put_le64(d + 0x258, 16 * MiB);      /* pref_address */
        put_le32(d + 0x260, init_size);
        put_le32(d + 0x264, 0x190);         /* handover_offset */
        put_le32(d + 0x268, 0x12345);       /* kernel_info_offset */
        return d;
}

size_t fixture_pe(const FixtureSection *s, size_t n, Buffer *out) {
        const uint32_t file_align = 512, lfanew = 0x80, opt_size = 240;
        uint32_t table = lfanew + 24 + opt_size;
        uint32_t data_start = (uint32_t) align_up_u64(table + 40 * n, file_align);
        uint32_t off = data_start, strtab_used = 4;
        uint8_t strtab[1024] = {};
        _cleanup_free_ uint8_t *hdr = calloc(1, data_start);

        if (!hdr)
                return 0;
        hdr[0] = 'M';
        hdr[1] = 'Z';
        put_le32(hdr + 0x3c, lfanew);
        memcpy(hdr + lfanew, "PE\0\0", 4);
        put_le16(hdr + lfanew + 4, 0x8664);                 /* Machine: x86-64 */
        put_le16(hdr + lfanew + 6, (uint16_t) n);           /* NumberOfSections */
        put_le16(hdr + lfanew + 20, (uint16_t) opt_size);   /* SizeOfOptionalHeader */
        put_le16(hdr + lfanew + 24, 0x20b);                 /* PE32+ */
        put_le16(hdr + lfanew + 24 + 68, 10);               /* Subsystem: EFI application */

        for (size_t i = 0; i < n; i++) {
                uint8_t *h = hdr + table + 40 * i;
                size_t l = strlen(s[i].name);
                if (l <= 8)
                        memcpy(h, s[i].name, l);
                else {
                        if (strtab_used + l + 1 > sizeof(strtab))
                                return 0;
                        snprintf((char *) h, 8, "/%u", strtab_used);
                        memcpy(strtab + strtab_used, s[i].name, l + 1);
                        strtab_used += (uint32_t) l + 1;
                }
                uint32_t raw = (uint32_t) align_up_u64(s[i].size, file_align);
                put_le32(h + 8, s[i].force_vsize || s[i].vsize ? s[i].vsize : (uint32_t) s[i].size);
                put_le32(h + 12, 0x1000 * (uint32_t) (i + 1)); /* VirtualAddress */
                put_le32(h + 16, raw);                         /* SizeOfRawData */
                put_le32(h + 20, raw ? off : 0);               /* PointerToRawData */
                put_le32(h + 36, 0x40000040);                  /* initialized data, readable */
                off += raw;
        }
        if (strtab_used > 4) {
                put_le32(hdr + lfanew + 4 + 8, off); /* PointerToSymbolTable (no symbols) */
                put_le32(strtab, strtab_used);
        }

        if (buffer_append(out, hdr, data_start) < 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (buffer_append(out, s[i].data, s[i].size) < 0 || buffer_pad(out, file_align) < 0)
                        return 0;
        if (strtab_used > 4 && buffer_append(out, strtab, strtab_used) < 0)
                return 0;
        return data_start;
}

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

int fixture_write(const char *root, const char *path, const void *data, size_t size) {
        _cleanup_free_ char *p = path_join(root, path);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!p)
                return -ENOMEM;
        r = mkdir_parents(p);
        if (r < 0)
                return r;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (size > 0 && write(fd, data, size) != (ssize_t) size)
                return -EIO;
        return 0;
}

int fixture_write_string(const char *root, const char *path, const char *s) {
        return fixture_write(root, path, s, strlen(s));
}

int fixture_symlink(const char *root, const char *path, const char *target) {
        _cleanup_free_ char *p = path_join(root, path);
        int r;

        if (!p)
                return -ENOMEM;
        r = mkdir_parents(p);
        if (r < 0)
                return r;
        (void) unlink(p);
        return RET_NERRNO(symlink(target, p));
}

char *fixture_mkdtemp(const char *name) {
        char *p = path_join(test_tmpdir(), name);
        if (p && mkdir(p, 0755) < 0) {
                free(p);
                return NULL;
        }
        return p;
}
