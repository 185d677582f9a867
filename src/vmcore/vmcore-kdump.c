/* SPDX-License-Identifier: LGPL-2.1-or-later */
#if HAVE_LZO
#include <lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif
#if HAVE_ZLIB
#include <zlib.h>
#endif
#if HAVE_ZSTD
#include <zstd.h>
#endif

#include "vmcore-elf.h"
#include "vmcore-kdump.h"
#include "vmcoreinfo.h"

typedef struct CachedPage {
        uint64_t pfn;
        bool valid;
        uint8_t *data;
} CachedPage;

struct VmcoreKdump {
        const VmcoreSource *src;
        VmcoreKdumpHeader h;
        VmcoreNotes notes;
        char *vmcoreinfo;              /* from the sub-header pointer, preferred over the notes' */
        size_t vmcoreinfo_size;

        uint64_t bitmap1_offset;       /* file offset of the 1st bitmap */
        uint64_t bitmap2_offset;       /* file offset of the 2nd bitmap */
        bool zero_fill;
        uint64_t desc_offset;          /* file offset of the first page descriptor */
        uint64_t *prefix;              /* bits set in the 2nd bitmap before each chunk, from start_pfn */
        uint64_t n_chunks;             /* chunks of block_size bitmap bytes */

        uint8_t *chunk;                /* the last bitmap chunk read */
        uint64_t chunk_index;
        bool chunk_valid;

        uint8_t *compressed;           /* block_size bytes */
#if HAVE_ZSTD
        ZSTD_DCtx *zstd;
#endif
        CachedPage cache[VMCORE_KDUMP_CACHE_PAGES];
        unsigned cache_next;
};

bool vmcore_kdump_probe(const void *data, size_t size) {
        return size >= 8 && memcmp(data, VMCORE_KDUMP_SIGNATURE, 8) == 0;
}

bool vmcore_kdump_probe_flattened(const void *data, size_t size) {
        /* struct makedumpfile_header: char signature[16] = "makedumpfile", type, version */
        return size >= 13 && memcmp(data, "makedumpfile", 13) == 0;
}

VmcoreKdump *vmcore_kdump_free(VmcoreKdump *k) {
        if (!k)
                return NULL;
        vmcore_notes_done(&k->notes);
        free(k->vmcoreinfo);
        free(k->prefix);
        free(k->chunk);
        free(k->compressed);
#if HAVE_ZSTD
        ZSTD_freeDCtx(k->zstd);
#endif
        for (size_t i = 0; i < ELEMENTSOF(k->cache); i++)
                free(k->cache[i].data);
        free(k);
        return NULL;
}

static void copy_uts(char *dst, const uint8_t *src) {
        memcpy(dst, src, VMCORE_KDUMP_UTS_LEN);
        dst[VMCORE_KDUMP_UTS_LEN - 1] = '\0';
}

static int load_chunk(VmcoreKdump *k, uint64_t index) {
        int r;

        if (k->chunk_valid && k->chunk_index == index)
                return 0;
        k->chunk_valid = false;
        r = vmcore_source_read(k->src, k->bitmap2_offset + index * k->h.block_size, k->chunk, k->h.block_size);
        if (r < 0)
                return r;
        k->chunk_index = index;
        k->chunk_valid = true;
        return 0;
}

static unsigned popcount_bits(const uint8_t *p, uint64_t first_bit, uint64_t end_bit) {
        unsigned n = 0;
        uint64_t b = first_bit;

        for (; b < end_bit && (b & 7); b++)
                n += (p[b / 8] >> (b & 7)) & 1;
        for (; b + 64 <= end_bit; b += 64)
                n += __builtin_popcountll(vmcore_le64(p + b / 8));
        for (; b + 8 <= end_bit; b += 8)
                n += __builtin_popcount(p[b / 8]);
        for (; b < end_bit; b++)
                n += (p[b / 8] >> (b & 7)) & 1;
        return n;
}

/* One pass over the 2nd bitmap: how many dumped pages precede each chunk (counting from
 * start_pfn, as a split file's descriptors start there). */
static int count_bitmap(VmcoreKdump *k) {
        uint64_t bits_per_chunk = (uint64_t) k->h.block_size * 8;
        uint64_t total = 0;
        int r;

        k->n_chunks = div_round_up_u64(k->h.max_mapnr, bits_per_chunk);
        k->prefix = calloc(k->n_chunks + 1, sizeof(uint64_t));
        if (!k->prefix)
                return -ENOMEM;

        for (uint64_t c = 0; c < k->n_chunks; c++) {
                k->prefix[c] = total;
                uint64_t first = c * bits_per_chunk, last = MIN(first + bits_per_chunk, k->h.max_mapnr);
                uint64_t lo = MAX(first, k->h.start_pfn), hi = MIN(last, k->h.end_pfn);
                if (lo >= hi)
                        continue;
                r = load_chunk(k, c);
                if (r < 0)
                        return r;
                total += popcount_bits(k->chunk, lo - first, hi - first);
        }
        k->prefix[k->n_chunks] = total;
        k->h.n_dumped = total;
        return 0;
}

/* The main header (block 0): identity, geometry and where the bitmaps and descriptors are. */
static int kdump_parse_header(VmcoreKdump *k, const uint8_t *hdr) {
        VmcoreKdumpHeader *h = &k->h;

        h->version = (int32_t) vmcore_le32(hdr + VMCORE_KDUMP_HDR_VERSION);
        if (h->version < 1 || h->version > VMCORE_KDUMP_VERSION_MAX)
                return -EPROTONOSUPPORT;
        copy_uts(h->sysname, hdr + VMCORE_KDUMP_HDR_UTSNAME + 0 * VMCORE_KDUMP_UTS_LEN);
        copy_uts(h->nodename, hdr + VMCORE_KDUMP_HDR_UTSNAME + 1 * VMCORE_KDUMP_UTS_LEN);
        copy_uts(h->release, hdr + VMCORE_KDUMP_HDR_UTSNAME + 2 * VMCORE_KDUMP_UTS_LEN);
        copy_uts(h->version_string, hdr + VMCORE_KDUMP_HDR_UTSNAME + 3 * VMCORE_KDUMP_UTS_LEN);
        copy_uts(h->machine, hdr + VMCORE_KDUMP_HDR_UTSNAME + 4 * VMCORE_KDUMP_UTS_LEN);
        copy_uts(h->domainname, hdr + VMCORE_KDUMP_HDR_UTSNAME + 5 * VMCORE_KDUMP_UTS_LEN);
        h->timestamp_sec = vmcore_le64(hdr + VMCORE_KDUMP_HDR_TIMESTAMP);
        h->timestamp_usec = vmcore_le64(hdr + VMCORE_KDUMP_HDR_TIMESTAMP + 8);
        h->status = vmcore_le32(hdr + VMCORE_KDUMP_HDR_STATUS);
        h->block_size = vmcore_le32(hdr + VMCORE_KDUMP_HDR_BLOCK_SIZE);
        h->sub_hdr_size = vmcore_le32(hdr + VMCORE_KDUMP_HDR_SUB_HDR_SIZE);
        h->bitmap_blocks = vmcore_le32(hdr + VMCORE_KDUMP_HDR_BITMAP_BLOCKS);
        h->max_mapnr = vmcore_le32(hdr + VMCORE_KDUMP_HDR_MAX_MAPNR);
        h->nr_cpus = (int32_t) vmcore_le32(hdr + VMCORE_KDUMP_HDR_NR_CPUS);

        if (h->block_size == 0 || (h->block_size & (h->block_size - 1)) != 0)
                return -EBADMSG;
        if (h->block_size < VMCORE_KDUMP_BLOCK_SIZE_MIN || h->block_size > VMCORE_KDUMP_BLOCK_SIZE_MAX)
                return -EPROTONOSUPPORT;
        /* sub_hdr_size and bitmap_blocks are signed int and unsigned int on disk. */
        if (h->sub_hdr_size < 1 || h->sub_hdr_size > INT32_MAX || h->bitmap_blocks < 2)
                return -EBADMSG;

        /* (1 + 2^31 + 2^32) * 2^16 < 2^49: no overflow. */
        uint64_t bitmap_bytes = (uint64_t) h->bitmap_blocks * h->block_size;
        k->bitmap1_offset = h->block_size + (uint64_t) h->sub_hdr_size * h->block_size;
        k->bitmap2_offset = k->bitmap1_offset + bitmap_bytes / 2;
        k->desc_offset = k->bitmap1_offset + bitmap_bytes;
        if (!vmcore_source_contains(k->src, k->bitmap1_offset, bitmap_bytes))
                return -EBADMSG;
        return 0;
}

/* The sub header (block 1): physical base, dump level, the pfn range of a split dump. */
static int kdump_parse_sub_header(VmcoreKdump *k, const uint8_t *sub) {
        VmcoreKdumpHeader *h = &k->h;
        uint64_t bitmap_bytes = (uint64_t) h->bitmap_blocks * h->block_size;

        h->phys_base = vmcore_le64(sub + VMCORE_KDUMP_SUB_PHYS_BASE);
        h->dump_level = (int32_t) vmcore_le32(sub + VMCORE_KDUMP_SUB_DUMP_LEVEL);
        if (h->version >= 2)
                h->split = vmcore_le32(sub + VMCORE_KDUMP_SUB_SPLIT) != 0;
        if (h->version >= 6) {
                uint64_t m = vmcore_le64(sub + VMCORE_KDUMP_SUB_MAX_MAPNR_64);
                if (m != 0)
                        h->max_mapnr = m;
        }
        if (h->max_mapnr == 0)
                return -EBADMSG;
        /* Each bitmap is half the bitmap blocks and needs a bit per pfn. */
        if (div_round_up_u64(h->max_mapnr, 8) > bitmap_bytes / 2)
                return -EBADMSG;

        h->start_pfn = 0;
        h->end_pfn = h->max_mapnr;
        if (h->split) {
                h->start_pfn = h->version >= 6 ? vmcore_le64(sub + VMCORE_KDUMP_SUB_START_PFN_64)
                                               : vmcore_le64(sub + VMCORE_KDUMP_SUB_START_PFN);
                h->end_pfn = h->version >= 6 ? vmcore_le64(sub + VMCORE_KDUMP_SUB_END_PFN_64)
                                             : vmcore_le64(sub + VMCORE_KDUMP_SUB_END_PFN);
                if (h->start_pfn > h->end_pfn || h->end_pfn > h->max_mapnr)
                        return -EBADMSG;
        }
        return 0;
}

/* VMCOREINFO (version 3 on) and the ELF notes (version 4 on) the sub header points to. */
static int kdump_read_vmcoreinfo_and_notes(VmcoreKdump *k, const uint8_t *sub) {
        const VmcoreSource *src = k->src;
        int r;

        if (k->h.version >= 3) {
                uint64_t off = vmcore_le64(sub + VMCORE_KDUMP_SUB_OFFSET_VMCOREINFO);
                uint64_t size = vmcore_le64(sub + VMCORE_KDUMP_SUB_SIZE_VMCOREINFO);
                if (size > 0) {
                        if (size > VMCOREINFO_SIZE_MAX)
                                return -EFBIG;
                        k->vmcoreinfo = malloc(size + 1);
                        if (!k->vmcoreinfo)
                                return -ENOMEM;
                        r = vmcore_source_read(src, off, k->vmcoreinfo, size);
                        if (r < 0)
                                return r;
                        k->vmcoreinfo[size] = '\0';
                        k->vmcoreinfo_size = size;
                }
        }
        if (k->h.version >= 4) {
                uint64_t off = vmcore_le64(sub + VMCORE_KDUMP_SUB_OFFSET_NOTE);
                uint64_t size = vmcore_le64(sub + VMCORE_KDUMP_SUB_SIZE_NOTE);
                if (size > 0)
                        return vmcore_notes_read(src, off, size, &k->notes);
        }
        return 0;
}

int vmcore_kdump_open(const VmcoreSource *src, VmcoreKdump **ret) {
        _cleanup_vmcore_kdump_free_ VmcoreKdump *k = NULL;
        uint8_t hdr[VMCORE_KDUMP_HDR_SIZE], sub[VMCORE_KDUMP_SUB_SIZE] = {};
        int r;

        r = vmcore_source_read(src, 0, hdr, sizeof(hdr));
        if (r < 0)
                return r;
        if (vmcore_kdump_probe_flattened(hdr, sizeof(hdr)) || memcmp(hdr, "DISKDUMP", 8) == 0)
                return -EPROTONOSUPPORT;
        if (!vmcore_kdump_probe(hdr, sizeof(hdr)))
                return -EBADMSG;

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->src = src;

        r = kdump_parse_header(k, hdr);
        if (r < 0)
                return r;
        r = vmcore_source_read(src, k->h.block_size, sub, MIN(sizeof(sub), (uint64_t) k->h.sub_hdr_size * k->h.block_size));
        if (r < 0)
                return r;
        r = kdump_parse_sub_header(k, sub);
        if (r < 0)
                return r;
        r = kdump_read_vmcoreinfo_and_notes(k, sub);
        if (r < 0)
                return r;

        k->chunk = malloc(k->h.block_size);
        k->compressed = malloc(k->h.block_size);
        if (!k->chunk || !k->compressed)
                return -ENOMEM;

        r = count_bitmap(k);
        if (r < 0)
                return r;

        /* The descriptor table must be in the file, unless makedumpfile marked the dump as cut
         * short (then missing descriptors read as "not in the dump"). */
        if (!(k->h.status & VMCORE_KDUMP_COMPRESSED_INCOMPLETE) &&
            !vmcore_source_contains(src, k->desc_offset, k->h.n_dumped * VMCORE_KDUMP_PAGE_DESC_SIZE))
                return -EBADMSG;

#if HAVE_LZO
        if (lzo_init() != LZO_E_OK)
                return -EIO;
#endif

        *ret = TAKE_PTR(k);
        return 0;
}

const VmcoreKdumpHeader *vmcore_kdump_header(const VmcoreKdump *k) {
        return &k->h;
}

const char *vmcore_kdump_vmcoreinfo(const VmcoreKdump *k, size_t *ret_size) {
        if (k->vmcoreinfo) {
                if (ret_size)
                        *ret_size = k->vmcoreinfo_size;
                return k->vmcoreinfo;
        }
        if (ret_size)
                *ret_size = k->notes.vmcoreinfo_size;
        return k->notes.vmcoreinfo;
}

unsigned vmcore_kdump_n_prstatus(const VmcoreKdump *k) {
        return k->notes.n_prstatus;
}

/* The index of pfn's descriptor, or -ENODATA when it has none. */
static int page_index(VmcoreKdump *k, uint64_t pfn, uint64_t *ret) {
        uint64_t bits_per_chunk = (uint64_t) k->h.block_size * 8;
        int r;

        if (pfn < k->h.start_pfn || pfn >= k->h.end_pfn)
                return -ENODATA;
        uint64_t c = pfn / bits_per_chunk, first = c * bits_per_chunk;
        r = load_chunk(k, c);
        if (r < 0)
                return r;
        uint64_t bit = pfn - first;
        if (!((k->chunk[bit / 8] >> (bit & 7)) & 1))
                return -ENODATA;
        uint64_t lo = MAX(first, k->h.start_pfn);
        *ret = k->prefix[c] + popcount_bits(k->chunk, lo - first, bit);
        return 0;
}

/* A page compressed with a codec this build was configured without (meson options zlib, lzo,
 * snappy, zstd) reads as -EOPNOTSUPP. */
static int decompress(VmcoreKdump *k, uint32_t flags, const uint8_t *in, size_t in_size, uint8_t *out) {
        _unused_ size_t page = k->h.block_size;

        switch (flags & VMCORE_KDUMP_COMPRESSION_MASK) {
        case VMCORE_KDUMP_COMPRESSED_ZLIB: {
#if HAVE_ZLIB
                uLongf n = page;
                if (uncompress(out, &n, in, in_size) != Z_OK || n != page)
                        return -EBADMSG;
                return 0;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_LZO: {
#if HAVE_LZO
                lzo_uint n = page;
                if (lzo1x_decompress_safe(in, in_size, out, &n, NULL) != LZO_E_OK || n != page)
                        return -EBADMSG;
                return 0;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_SNAPPY: {
#if HAVE_SNAPPY
                size_t n;
                if (snappy_uncompressed_length((const char *) in, in_size, &n) != SNAPPY_OK || n != page)
                        return -EBADMSG;
                if (snappy_uncompress((const char *) in, in_size, (char *) out, &n) != SNAPPY_OK || n != page)
                        return -EBADMSG;
                return 0;
#else
                return -EOPNOTSUPP;
#endif
        }
        case VMCORE_KDUMP_COMPRESSED_ZSTD: {
#if HAVE_ZSTD
                if (!k->zstd) {
                        k->zstd = ZSTD_createDCtx();
                        if (!k->zstd)
                                return -ENOMEM;
                }
                size_t n = ZSTD_decompressDCtx(k->zstd, out, page, in, in_size);
                if (ZSTD_isError(n) || n != page)
                        return -EBADMSG;
                return 0;
#else
                return -EOPNOTSUPP;
#endif
        }
        default:
                return -EBADMSG; /* more than one compression flag */
        }
}

void vmcore_kdump_set_zero_fill(VmcoreKdump *k, bool b) {
        k->zero_fill = b;
}

/* Whether pfn is RAM (1st bitmap) that the dump level may have dropped for being all zeros. */
static bool maybe_zero_page(VmcoreKdump *k, uint64_t pfn) {
        uint8_t byte;

        if (!(k->h.dump_level & VMCORE_KDUMP_DUMP_LEVEL_EXCLUDE_ZERO) || pfn >= k->h.max_mapnr)
                return false;
        if (vmcore_source_read(k->src, k->bitmap1_offset + pfn / 8, &byte, 1) < 0)
                return false;
        return (byte >> (pfn & 7)) & 1;
}

int vmcore_kdump_read_page(VmcoreKdump *k, uint64_t pfn, void *buf) {
        uint8_t d[VMCORE_KDUMP_PAGE_DESC_SIZE];
        uint64_t index;
        int r;

        r = page_index(k, pfn, &index);
        if (r == -ENODATA && k->zero_fill && maybe_zero_page(k, pfn)) {
                memset(buf, 0, k->h.block_size);
                return 0;
        }
        if (r < 0)
                return r;

        /* index < n_dumped ≤ max_mapnr < 2^61: no overflow. */
        uint64_t pos = k->desc_offset + index * VMCORE_KDUMP_PAGE_DESC_SIZE;
        bool incomplete = k->h.status & VMCORE_KDUMP_COMPRESSED_INCOMPLETE;
        if (incomplete && !vmcore_source_contains(k->src, pos, sizeof(d)))
                return -ENODATA;
        r = vmcore_source_read(k->src, pos, d, sizeof(d));
        if (r < 0)
                return r;

        uint64_t offset = vmcore_le64(d);
        uint32_t size = vmcore_le32(d + 8), flags = vmcore_le32(d + 12);

        if (offset == 0 && size == 0 && incomplete)
                return -ENODATA;
        if (size == 0 || size > k->h.block_size)
                return -EBADMSG;
        if (!vmcore_source_contains(k->src, offset, size))
                return incomplete ? -ENODATA : -EBADMSG;

        if (!(flags & VMCORE_KDUMP_COMPRESSION_MASK)) {
                if (size != k->h.block_size)
                        return -EBADMSG;
                return vmcore_source_read(k->src, offset, buf, size);
        }

        r = vmcore_source_read(k->src, offset, k->compressed, size);
        if (r < 0)
                return r;
        return decompress(k, flags, k->compressed, size, buf);
}

static int cached_page(VmcoreKdump *k, uint64_t pfn, const uint8_t **ret) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(k->cache); i++)
                if (k->cache[i].valid && k->cache[i].pfn == pfn) {
                        *ret = k->cache[i].data;
                        return 0;
                }

        CachedPage *c = &k->cache[k->cache_next];
        if (!c->data) {
                c->data = malloc(k->h.block_size);
                if (!c->data)
                        return -ENOMEM;
        }
        c->valid = false;
        r = vmcore_kdump_read_page(k, pfn, c->data);
        if (r < 0)
                return r;
        c->pfn = pfn;
        c->valid = true;
        k->cache_next = (k->cache_next + 1) % ELEMENTSOF(k->cache);
        *ret = c->data;
        return 0;
}

int vmcore_kdump_read_phys(VmcoreKdump *k, uint64_t paddr, void *buf, size_t size) {
        uint8_t *out = buf;
        int r;

        if (size > 0 && paddr > UINT64_MAX - (size - 1))
                return -ENODATA;

        while (size > 0) {
                const uint8_t *page;
                uint64_t pfn = paddr / k->h.block_size, rel = paddr % k->h.block_size;
                size_t n = (size_t) MIN((uint64_t) size, k->h.block_size - rel);

                r = cached_page(k, pfn, &page);
                if (r < 0)
                        return r;
                memcpy(out, page + rel, n);
                out += n;
                size -= n;
                paddr += n;
        }
        return 0;
}

int vmcore_kdump_page_desc_pos(VmcoreKdump *k, uint64_t pfn, uint64_t *ret) {
        uint64_t index;
        int r;

        r = page_index(k, pfn, &index);
        if (r < 0)
                return r;
        uint64_t pos = k->desc_offset + index * VMCORE_KDUMP_PAGE_DESC_SIZE;
        if (!vmcore_source_contains(k->src, pos, VMCORE_KDUMP_PAGE_DESC_SIZE))
                return -EBADMSG;
        *ret = pos;
        return 0;
}
