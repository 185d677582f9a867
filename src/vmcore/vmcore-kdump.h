/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* makedumpfile's kdump-compressed ("diskdump") format, as its diskdump_mod.h describes it, for a
 * 64-bit little-endian dumped kernel:
 *   block 0                   struct disk_dump_header: "KDUMP   ", header_version, utsname,
 *                             timestamp, status, block_size (the page size), sub_hdr_size,
 *                             bitmap_blocks, max_mapnr (32 bit), …, nr_cpus
 *   block 1…                  struct kdump_sub_header (sub_hdr_size blocks): phys_base,
 *                             dump_level, split, start/end_pfn, offset/size of VMCOREINFO,
 *                             of the ELF notes and of the erase info, 64-bit pfns (v6+);
 *                             the VMCOREINFO text and notes themselves lie in these blocks
 *   then bitmap_blocks        the 1st bitmap (RAM present), then the 2nd (pages dumped), each
 *                             half of the bitmap blocks, one bit per pfn, LSB first
 *   then page descriptors     {offset, size, flags, page_flags}, 24 bytes, one per bit set in
 *                             the 2nd bitmap, in pfn order
 *   then page data            each page raw (size == block_size, no compression flag) or
 *                             compressed with zlib, lzo, snappy or zstd (one flag)
 * The flattened format (`makedumpfile -F`, for pipes) must first be turned back into this one
 * with `makedumpfile -R`; it is refused with -EPROTONOSUPPORT.
 *
 * Everything is read on demand with positioned reads: no allocation grows with the dump beyond
 * a prefix-count table of the 2nd bitmap (8 bytes per bitmap block, i.e. per 32768 pages). */

#include "vmcore-source.h"

#define VMCORE_KDUMP_SIGNATURE "KDUMP   "
#define VMCORE_KDUMP_VERSION_MAX 6
#define VMCORE_KDUMP_BLOCK_SIZE_MIN (4 * KiB)
#define VMCORE_KDUMP_BLOCK_SIZE_MAX (64 * KiB)
/* Decoded pages kept; the printk ring text is read front to back, so a few suffice. */
#define VMCORE_KDUMP_CACHE_PAGES 16

/* Page descriptor and header status flags (DUMP_DH_*). */
#define VMCORE_KDUMP_COMPRESSED_ZLIB 0x01U
#define VMCORE_KDUMP_COMPRESSED_LZO 0x02U
#define VMCORE_KDUMP_COMPRESSED_SNAPPY 0x04U
#define VMCORE_KDUMP_COMPRESSED_INCOMPLETE 0x08U
#define VMCORE_KDUMP_EXCLUDED_VMEMMAP 0x10U
#define VMCORE_KDUMP_COMPRESSED_ZSTD 0x20U
#define VMCORE_KDUMP_COMPRESSION_MASK \
        (VMCORE_KDUMP_COMPRESSED_ZLIB | VMCORE_KDUMP_COMPRESSED_LZO | VMCORE_KDUMP_COMPRESSED_SNAPPY | \
         VMCORE_KDUMP_COMPRESSED_ZSTD)

/* Byte layout (x86_64) of the on-disk structures, shared with the tests' writer. */
#define VMCORE_KDUMP_UTS_LEN 65
#define VMCORE_KDUMP_HDR_VERSION 8
#define VMCORE_KDUMP_HDR_UTSNAME 12
#define VMCORE_KDUMP_HDR_TIMESTAMP 408     /* struct timeval: tv_sec, tv_usec */
#define VMCORE_KDUMP_HDR_STATUS 424
#define VMCORE_KDUMP_HDR_BLOCK_SIZE 428
#define VMCORE_KDUMP_HDR_SUB_HDR_SIZE 432
#define VMCORE_KDUMP_HDR_BITMAP_BLOCKS 436
#define VMCORE_KDUMP_HDR_MAX_MAPNR 440
#define VMCORE_KDUMP_HDR_TOTAL_RAM_BLOCKS 444
#define VMCORE_KDUMP_HDR_DEVICE_BLOCKS 448
#define VMCORE_KDUMP_HDR_WRITTEN_BLOCKS 452
#define VMCORE_KDUMP_HDR_CURRENT_CPU 456
#define VMCORE_KDUMP_HDR_NR_CPUS 460
#define VMCORE_KDUMP_HDR_SIZE 464
#define VMCORE_KDUMP_SUB_PHYS_BASE 0
#define VMCORE_KDUMP_SUB_DUMP_LEVEL 8
#define VMCORE_KDUMP_SUB_SPLIT 12
#define VMCORE_KDUMP_SUB_START_PFN 16
#define VMCORE_KDUMP_SUB_END_PFN 24
#define VMCORE_KDUMP_SUB_OFFSET_VMCOREINFO 32
#define VMCORE_KDUMP_SUB_SIZE_VMCOREINFO 40
#define VMCORE_KDUMP_SUB_OFFSET_NOTE 48
#define VMCORE_KDUMP_SUB_SIZE_NOTE 56
#define VMCORE_KDUMP_SUB_OFFSET_ERASEINFO 64
#define VMCORE_KDUMP_SUB_SIZE_ERASEINFO 72
#define VMCORE_KDUMP_SUB_START_PFN_64 80
#define VMCORE_KDUMP_SUB_END_PFN_64 88
#define VMCORE_KDUMP_SUB_MAX_MAPNR_64 96
#define VMCORE_KDUMP_SUB_SIZE 104
#define VMCORE_KDUMP_PAGE_DESC_SIZE 24

typedef struct VmcoreKdumpHeader {
        int32_t version;
        char sysname[VMCORE_KDUMP_UTS_LEN];     /* NUL-terminated copies of the header's utsname */
        char nodename[VMCORE_KDUMP_UTS_LEN];
        char release[VMCORE_KDUMP_UTS_LEN];
        char version_string[VMCORE_KDUMP_UTS_LEN];
        char machine[VMCORE_KDUMP_UTS_LEN];
        char domainname[VMCORE_KDUMP_UTS_LEN];
        uint64_t timestamp_sec;
        uint64_t timestamp_usec;
        uint32_t status;                         /* VMCORE_KDUMP_COMPRESSED_* of the dump */
        uint32_t block_size;
        uint32_t sub_hdr_size;
        uint32_t bitmap_blocks;
        uint64_t max_mapnr;                      /* the 64-bit value from v6 on */
        int32_t nr_cpus;
        uint64_t phys_base;
        int32_t dump_level;
        bool split;
        uint64_t start_pfn;                      /* the pfns this file holds (split dumps) */
        uint64_t end_pfn;
        uint64_t n_dumped;                       /* bits set in the 2nd bitmap */
} VmcoreKdumpHeader;

typedef struct VmcoreKdump VmcoreKdump;

/* Whether data starts with the kdump signature; whether it is the flattened format. */
bool vmcore_kdump_probe(const void *data, size_t size);
bool vmcore_kdump_probe_flattened(const void *data, size_t size);

/* Reads and checks the headers, the VMCOREINFO and the notes, and counts the 2nd bitmap.
 * -EBADMSG corrupt or truncated, -EPROTONOSUPPORT a version, block size or the flattened format
 * this reader does not know, -EFBIG a bitmap larger than the file. The source must outlive it. */
int vmcore_kdump_open(const VmcoreSource *src, VmcoreKdump **ret);
VmcoreKdump *vmcore_kdump_free(VmcoreKdump *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(VmcoreKdump *, vmcore_kdump_free);
#define _cleanup_vmcore_kdump_free_ _cleanup_(vmcore_kdump_freep)

const VmcoreKdumpHeader *vmcore_kdump_header(const VmcoreKdump *k);
/* The VMCOREINFO text (from the sub-header's pointer, or the notes), or NULL. */
const char *vmcore_kdump_vmcoreinfo(const VmcoreKdump *k, size_t *ret_size);
/* Number of NT_PRSTATUS notes (v4+), 0 when the dump has no notes. */
unsigned vmcore_kdump_n_prstatus(const VmcoreKdump *k);

/* Decodes the page pfn into buf (block_size bytes). -ENODATA when the page is not in the dump
 * (filtered out, not RAM, outside this split file, or not written before the dump was cut
 * short), -EBADMSG for a corrupt descriptor or compressed data, -EPROTONOSUPPORT for an
 * unknown compression. */
int vmcore_kdump_read_page(VmcoreKdump *k, uint64_t pfn, void *buf);
/* makedumpfile's dump level bit for "pages filled with zero" (DL_EXCLUDE_ZERO). */
#define VMCORE_KDUMP_DUMP_LEVEL_EXCLUDE_ZERO 1

/* Read pages that are RAM but not in the dump as zeros, when the dump level excluded zero
 * pages. Off by default: such a page may also have been dropped as a cache, user or free page.
 * The kernel-structure readers turn it on: the printk ring's arrays and text are kernel memory
 * that only the zero-page rule drops, and a freshly booted kernel has untouched ring pages. */
void vmcore_kdump_set_zero_fill(VmcoreKdump *k, bool b);

/* Physical memory across pages, through a small cache of decoded pages. */
int vmcore_kdump_read_phys(VmcoreKdump *k, uint64_t paddr, void *buf, size_t size);

/* The file offset of pfn's page descriptor ({offset, size, flags, page_flags}, 24 bytes), for
 * tools that rewrite pages in place (src/erase). -ENODATA when the page is not in the dump,
 * -EBADMSG when the descriptor would lie outside the file. */
int vmcore_kdump_page_desc_pos(VmcoreKdump *k, uint64_t pfn, uint64_t *ret);
