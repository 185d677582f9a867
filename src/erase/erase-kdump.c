/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if HAVE_ZLIB
#include <zlib.h>
#endif
#if HAVE_LZO
#include <lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif
#if HAVE_ZSTD
#include <zstd.h>
#endif

#include "erase-kdump.h"
#include "fs-util.h"
#include "vmcore-kdump.h"

typedef struct Rewriter {
        int fd;
        VmcoreKdump *k;
        uint32_t page;
        uint64_t end;              /* where appended data goes */
        uint8_t *data;             /* decoded page */
        uint8_t *out;              /* compressed output, compress bound */
        size_t out_cap;
        uint8_t *zero;             /* zeros for wiping old slots */
        void *lzo_wrk;
#if HAVE_ZSTD
        ZSTD_CCtx *zstd;
#endif
} Rewriter;

static void rewriter_done(Rewriter *w) {
        vmcore_kdump_free(w->k);
        free(w->data);
        free(w->out);
        free(w->zero);
        free(w->lzo_wrk);
#if HAVE_ZSTD
        ZSTD_freeCCtx(w->zstd);
#endif
}

/* A page descriptor or page that must be there in full: a short read is a truncated dump. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off) {
        ssize_t k = loop_pread(fd, buf, n, off);
        if (k < 0)
                return (int) k;
        return (size_t) k == n ? 0 : -EBADMSG;
}

static void put_le32(uint8_t *p, uint32_t v) {
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v) {
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

/* Compresses w->data with the method in flags into w->out: *ret_size, or 0 when it does not
 * shrink (store raw). */
static int compress_page(Rewriter *w, uint32_t method, size_t *ret_size) {
        _unused_ size_t page = w->page;

        *ret_size = 0;
        switch (method) {
        case VMCORE_KDUMP_COMPRESSED_ZLIB: {
#if HAVE_ZLIB
                uLongf n = w->out_cap;
                if (compress2(w->out, &n, w->data, page, Z_BEST_SPEED) != Z_OK)
                        return 0;
                *ret_size = n;
                break;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_LZO: {
#if HAVE_LZO
                lzo_uint n = w->out_cap;
                if (!w->lzo_wrk) {
                        w->lzo_wrk = malloc(LZO1X_1_MEM_COMPRESS);
                        if (!w->lzo_wrk)
                                return -ENOMEM;
                }
                if (lzo1x_1_compress(w->data, page, w->out, &n, w->lzo_wrk) != LZO_E_OK)
                        return 0;
                *ret_size = n;
                break;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_SNAPPY: {
#if HAVE_SNAPPY
                size_t n = w->out_cap;
                if (snappy_compress((const char *) w->data, page, (char *) w->out, &n) != SNAPPY_OK)
                        return 0;
                *ret_size = n;
                break;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_ZSTD: {
#if HAVE_ZSTD
                if (!w->zstd) {
                        w->zstd = ZSTD_createCCtx();
                        if (!w->zstd)
                                return -ENOMEM;
                }
                size_t n = ZSTD_compressCCtx(w->zstd, w->out, w->out_cap, w->data, page, 1);
                if (ZSTD_isError(n))
                        return 0;
                *ret_size = n;
                break;
#else
                return -EOPNOTSUPP;
#endif
        }
        default:
                return -EPROTONOSUPPORT;
        }
        if (*ret_size >= page)
                *ret_size = 0;
        return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

/* Erases [lo, hi) of page pfn (page-relative offsets). */
static int rewrite_page(Rewriter *w, uint64_t pfn, const EraseRange *ranges, size_t n, EraseApplyStats *st) {
        uint8_t d[VMCORE_KDUMP_PAGE_DESC_SIZE];
        uint64_t pos, page_start = pfn * w->page, page_end = page_start + w->page;
        bool changed = false;
        int r;

        r = vmcore_kdump_page_desc_pos(w->k, pfn, &pos);
        if (r == -ENODATA) {
                for (size_t i = 0; i < n; i++) {
                        uint64_t lo = MAX(ranges[i].paddr, page_start), hi = MIN(ranges[i].paddr + ranges[i].size, page_end);
                        if (lo < hi)
                                st->absent_bytes += hi - lo;
                }
                return 0;
        }
        if (r < 0)
                return r;
        r = vmcore_kdump_read_page(w->k, pfn, w->data);
        if (r < 0)
                return r;
        if (all_zero(w->data, w->page))
                return 0;

        r = pread_all(w->fd, d, sizeof(d), pos);
        if (r < 0)
                return r;
        uint64_t old_offset = vmcore_le64(d);
        uint32_t old_size = vmcore_le32(d + 8), flags = vmcore_le32(d + 12);

        for (size_t i = 0; i < n; i++) {
                uint64_t lo = MAX(ranges[i].paddr, page_start), hi = MIN(ranges[i].paddr + ranges[i].size, page_end);
                for (uint64_t a = lo; a < hi; a++) {
                        uint8_t b = erase_pattern_byte(a);
                        if (w->data[a - page_start] != b) {
                                w->data[a - page_start] = b;
                                changed = true;
                        }
                }
                if (lo < hi)
                        st->bytes += hi - lo;
        }
        if (!changed)
                return 0;

        uint32_t method = flags & VMCORE_KDUMP_COMPRESSION_MASK;
        size_t new_size = 0;
        if (method != 0) {
                r = compress_page(w, method, &new_size);
                if (r < 0)
                        return r;
        }
        const uint8_t *new_data = new_size > 0 ? w->out : w->data;
        uint32_t new_flags = new_size > 0 ? (flags & ~VMCORE_KDUMP_COMPRESSION_MASK) | method
                                          : flags & ~VMCORE_KDUMP_COMPRESSION_MASK;
        if (new_size == 0)
                new_size = w->page;

        uint64_t new_offset;
        if (new_size <= old_size) {
                new_offset = old_offset;
                r = loop_pwrite(w->fd, new_data, new_size, new_offset);
                if (r >= 0 && old_size > new_size)
                        r = loop_pwrite(w->fd, w->zero, old_size - new_size, old_offset + new_size);
        } else {
                new_offset = w->end;
                r = loop_pwrite(w->fd, new_data, new_size, new_offset);
                if (r >= 0)
                        r = loop_pwrite(w->fd, w->zero, old_size, old_offset);
                if (r >= 0) {
                        w->end += new_size;
                        st->appended++;
                }
        }
        if (r < 0)
                return r;

        put_le64(d, new_offset);
        put_le32(d + 8, (uint32_t) new_size);
        put_le32(d + 12, new_flags);
        r = loop_pwrite(w->fd, d, sizeof(d), pos);
        if (r < 0)
                return r;
        st->pages++;
        return 0;
}

/* Calls f for each page touched by the ranges, with the ranges that touch it. */
static int foreach_page(Rewriter *w, const EraseRange *ranges, size_t n_ranges,
                        int (*f)(Rewriter *w, uint64_t pfn, const EraseRange *r, size_t n, void *userdata),
                        void *userdata) {
        size_t first = 0;
        uint64_t next_pfn = 0;     /* pages below were done */
        int r;

        while (first < n_ranges) {
                if (ranges[first].size == 0) {
                        first++;
                        continue;
                }
                uint64_t pfn = MAX(ranges[first].paddr / w->page, next_pfn);
                uint64_t last_pfn = (ranges[first].paddr + ranges[first].size - 1) / w->page;
                for (; pfn <= last_pfn; pfn++) {
                        /* Ranges are sorted and disjoint: the ones touching pfn follow first. */
                        size_t n = 0;
                        while (first + n < n_ranges && ranges[first + n].paddr < (pfn + 1) * w->page)
                                n++;
                        r = f(w, pfn, ranges + first, n, userdata);
                        if (r < 0)
                                return r;
                }
                next_pfn = MAX(next_pfn, last_pfn + 1);
                /* Skip the ranges that end in pages done. */
                while (first < n_ranges && ranges[first].paddr + ranges[first].size <= (last_pfn + 1) * w->page)
                        first++;
        }
        return 0;
}

static int rewrite_cb(Rewriter *w, uint64_t pfn, const EraseRange *r, size_t n, void *userdata) {
        return rewrite_page(w, pfn, r, n, userdata);
}

static int rewriter_open(int fd, const VmcoreSource *src, Rewriter *w) {
        struct stat st;
        int r;

        w->fd = fd;
        r = vmcore_kdump_open(src, &w->k);
        if (r < 0)
                return r;
        const VmcoreKdumpHeader *h = vmcore_kdump_header(w->k);
        w->page = h->block_size;
        if (h->split)
                return -EPROTONOSUPPORT;
        if (fstat(fd, &st) < 0)
                return -errno;
        w->end = (uint64_t) st.st_size;
        w->out_cap = (size_t) w->page + w->page / 16 + 64 + 3; /* lzo's bound */
#if HAVE_ZLIB
        w->out_cap = MAX(w->out_cap, (size_t) compressBound(w->page));
#endif
#if HAVE_SNAPPY
        w->out_cap = MAX(w->out_cap, snappy_max_compressed_length(w->page));
#endif
#if HAVE_ZSTD
        w->out_cap = MAX(w->out_cap, ZSTD_compressBound(w->page));
#endif
        w->data = malloc(w->page);
        w->out = malloc(w->out_cap);
        w->zero = calloc(1, MAX(w->out_cap, (size_t) w->page));
        if (!w->data || !w->out || !w->zero)
                return -ENOMEM;
        return 0;
}

/* Opens the kdump file behind fd for rewriting and calls cb for each page the ranges touch. */
static int rewriter_run(int fd, const EraseRange *ranges, size_t n_ranges,
                        int (*cb)(Rewriter *w, uint64_t pfn, const EraseRange *ranges, size_t n, void *userdata),
                        void *userdata) {
        _cleanup_(rewriter_done) Rewriter w = {};
        VmcoreSource src;
        int r;

        r = vmcore_source_init_fd(&src, fd);
        if (r < 0)
                return r;
        r = rewriter_open(fd, &src, &w);
        if (r < 0)
                return r;
        return foreach_page(&w, ranges, n_ranges, cb, userdata);
}

int erase_kdump_apply(int fd, const EraseRange *ranges, size_t n_ranges, EraseApplyStats *ret) {
        EraseApplyStats st = {};
        int r;

        r = rewriter_run(fd, ranges, n_ranges, rewrite_cb, &st);
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return -errno;
        *ret = st;
        return 0;
}

static int verify_cb(Rewriter *w, uint64_t pfn, const EraseRange *ranges, size_t n, void *userdata) {
        bool *ok = userdata;
        uint64_t page_start = pfn * w->page, page_end = page_start + w->page;
        int r;

        r = vmcore_kdump_read_page(w->k, pfn, w->data);
        if (r == -ENODATA)
                return 0;
        if (r < 0)
                return r;
        if (all_zero(w->data, w->page))
                return 0;
        for (size_t i = 0; i < n; i++) {
                uint64_t lo = MAX(ranges[i].paddr, page_start), hi = MIN(ranges[i].paddr + ranges[i].size, page_end);
                for (uint64_t a = lo; a < hi; a++)
                        if (w->data[a - page_start] != erase_pattern_byte(a))
                                *ok = false;
        }
        return 0;
}

int erase_kdump_verify(int fd, const EraseRange *ranges, size_t n_ranges) {
        bool ok = true;
        int r;

        r = rewriter_run(fd, ranges, n_ranges, verify_cb, &ok);
        if (r < 0)
                return r;
        return ok;
}
