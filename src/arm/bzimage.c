/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Setup header offsets and the protocol version that introduced each field are from
 * Documentation/arch/x86/boot.rst ("The real-mode kernel header"). */
#include <stdio.h>

#include "bzimage.h"

#define PAGE_SIZE_X86 4096

static uint8_t get8(const uint8_t *d, size_t o) {
        return d[o];
}
static uint16_t get16(const uint8_t *d, size_t o) {
        return (uint16_t) (d[o] | d[o + 1] << 8);
}
static uint32_t get32(const uint8_t *d, size_t o) {
        return (uint32_t) get16(d, o) | (uint32_t) get16(d, o + 2) << 16;
}
static uint64_t get64(const uint8_t *d, size_t o) {
        return (uint64_t) get32(d, o) | (uint64_t) get32(d, o + 4) << 32;
}

static bool is_pow2(uint64_t v) {
        return v != 0 && (v & (v - 1)) == 0;
}

int bzimage_parse(const void *data, size_t size, BzImage *ret) {
        const uint8_t *d = data;
        BzImage b = {};

        /* bzImage64_probe(): "kernel should be at least two sectors long". The header fields we read
         * end at 0x26c, below that. */
        if (!d || size < 2 * BZIMAGE_SECTOR_SIZE)
                return -ENOEXEC;
        if (get16(d, 0x1fe) != BZIMAGE_BOOT_FLAG)
                return -ENOEXEC;
        if (memcmp(d + 0x202, BZIMAGE_MAGIC, 4) != 0)
                return -ENOEXEC;

        b.version = get16(d, 0x206);
        b.setup_sects = get8(d, 0x1f1);
        b.loadflags = get8(d, 0x211);
        b.kernel_version_offset = get16(d, 0x20e);

        /* The header ends at 0x202 + the byte at 0x201 (the jump's displacement); the kernel copies
         * that much into boot_params. It must lie inside the file. */
        size_t header_end = 0x202 + (size_t) get8(d, 0x201);
        if (header_end > size)
                return -EBADMSG;

        if (b.version >= 0x0205) {
                b.kernel_alignment = get32(d, 0x230);
                b.relocatable = get8(d, 0x234) != 0;
        }
        if (b.version >= 0x0206)
                b.cmdline_size = get32(d, 0x238);
        if (b.version >= 0x0208) {
                b.payload_offset = get32(d, 0x248);
                b.payload_length = get32(d, 0x24c);
        }
        if (b.version >= 0x020a) {
                b.min_alignment = get8(d, 0x235);
                b.pref_address = get64(d, 0x258);
                b.init_size = get32(d, 0x260);
        }
        if (b.version >= 0x020b)
                b.handover_offset = get32(d, 0x264);
        if (b.version >= 0x020c)
                b.xloadflags = get16(d, 0x236);
        if (b.version >= 0x020f)
                b.kernel_info_offset = get32(d, 0x268);

        b.setup_size = ((uint64_t) (b.setup_sects ?: 4) + 1) * BZIMAGE_SECTOR_SIZE;
        if (b.setup_size >= size)
                return -ENOEXEC; /* "bzImage truncated": no protected-mode part */
        b.kernel_size = size - b.setup_size;

        if (b.version >= 0x0205 && b.relocatable && !is_pow2(b.kernel_alignment))
                return -EBADMSG;
        if (b.version >= 0x020a && b.min_alignment >= 64)
                return -EBADMSG;
        if (b.version >= 0x0208 && b.payload_length > 0 &&
            ((uint64_t) b.payload_offset + b.payload_length > b.kernel_size))
                return -EBADMSG;

        *ret = b;
        return 0;
}

int bzimage_check_kexec_file(const BzImage *b) {
        if (b->version < BZIMAGE_KEXEC_FILE_MIN_VERSION)
                return -EPROTONOSUPPORT;
        if (!(b->loadflags & BZIMAGE_LOADED_HIGH))
                return -ENOEXEC;
        if (!(b->xloadflags & BZIMAGE_XLF_KERNEL_64))
                return -ENOEXEC;
        if (!(b->xloadflags & BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G))
                return -ENOEXEC;
        return 0;
}

int bzimage_check_cmdline(const BzImage *b, size_t cmdline_len) {
        /* bzImage64_load(): cmdline_len (with its NUL) plus the "elfcorehdr=0x…K " the kernel appends
         * for a crash image must fit in cmdline_size. */
        if (b->cmdline_size == 0)
                return 0;
        if ((uint64_t) cmdline_len + BZIMAGE_ELFCOREHDR_STR_LEN > b->cmdline_size)
                return -E2BIG;
        return 0;
}

uint64_t bzimage_crash_footprint(const BzImage *b) {
        uint64_t a;

        if (b->init_size == 0 || b->kernel_alignment == 0 || !is_pow2(b->kernel_alignment))
                return 0;
        a = MAX((uint64_t) b->kernel_alignment, (uint64_t) PAGE_SIZE_X86);
        /* kexec_file: memsz = PAGE_ALIGN(init_size), placed at a kernel_alignment boundary; the gap
         * in front of that boundary is lost to placement, at worst one alignment minus a page. */
        return add_sat_u64(align_up_u64(b->init_size, a), a);
}

const char *bzimage_version_string(uint16_t version, char *buf, size_t l) {
        snprintf(buf, l, "%u.%02u", (unsigned) (version >> 8), (unsigned) (version & 0xff));
        return buf;
}
