/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The x86 boot protocol setup header of a bzImage (Documentation/arch/x86/boot.rst), read the way
 * kexec_file_load() judges it (arch/x86/kernel/kexec-bzimage64.c, bzImage64_probe()). */

#include "macro.h"

#define BZIMAGE_HEADER_OFFSET 0x1f1      /* struct setup_header inside the boot sector */
#define BZIMAGE_BOOT_FLAG 0xaa55         /* at 0x1fe */
#define BZIMAGE_MAGIC "HdrS"             /* at 0x202 */
#define BZIMAGE_SECTOR_SIZE 512
#define BZIMAGE_KEXEC_FILE_MIN_VERSION 0x020c /* 2.12: first protocol kexec_file_load() accepts */
/* Room kexec_file_load() keeps in the command line for the "elfcorehdr=0x…K " it appends to a crash
 * kernel's: MAX_ELFCOREHDR_STR_LEN in arch/x86/kernel/kexec-bzimage64.c. */
#define BZIMAGE_ELFCOREHDR_STR_LEN 30

/* loadflags */
#define BZIMAGE_LOADED_HIGH (1U << 0)
/* xloadflags (protocol 2.12+) */
#define BZIMAGE_XLF_KERNEL_64 (1U << 0)
#define BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G (1U << 1)
#define BZIMAGE_XLF_EFI_HANDOVER_32 (1U << 2)
#define BZIMAGE_XLF_EFI_HANDOVER_64 (1U << 3)
#define BZIMAGE_XLF_EFI_KEXEC (1U << 4)
#define BZIMAGE_XLF_5LEVEL (1U << 5)
#define BZIMAGE_XLF_5LEVEL_ENABLED (1U << 6)
#define BZIMAGE_XLF_MEM_ENCRYPTION (1U << 7)

/* Fields are zero where the image's protocol version predates them. */
typedef struct BzImage {
        uint16_t version;          /* boot protocol, e.g. 0x020f for 2.15 */
        uint8_t setup_sects;       /* as stored; 0 means 4 */
        uint8_t loadflags;
        uint16_t kernel_version_offset; /* offset of the version string - 0x200, 0 when none */
        uint32_t kernel_alignment; /* 2.05+: physical alignment the kernel needs (a power of two) */
        bool relocatable;          /* 2.05+: relocatable_kernel */
        uint8_t min_alignment;     /* 2.10+: log2 of the minimum alignment */
        uint16_t xloadflags;       /* 2.12+ */
        uint32_t cmdline_size;     /* 2.06+: longest command line, without the NUL */
        uint32_t payload_offset;   /* 2.08+: relative to the protected-mode code */
        uint32_t payload_length;
        uint64_t pref_address;     /* 2.10+ */
        uint32_t init_size;        /* 2.10+: linear memory the kernel needs from its load address */
        uint32_t handover_offset;  /* 2.11+ */
        uint32_t kernel_info_offset; /* 2.15+ */
        uint64_t setup_size;       /* bytes of the real-mode part: (setup_sects ?: 4) + 1 sectors */
        uint64_t kernel_size;      /* bytes of the protected-mode part: file size - setup_size */
} BzImage;

/* Parse the setup header of the bzImage in data. Errors:
 *   -ENOEXEC  not a bzImage: too short, no 0xAA55 boot flag, no "HdrS" magic, or the real-mode part
 *             is not smaller than the file;
 *   -EBADMSG  a bzImage whose header is inconsistent (kernel_alignment not a power of two, payload
 *             outside the file, header end beyond the file).
 * Any protocol version is accepted here; bzimage_check_kexec_file() judges loadability. */
int bzimage_parse(const void *data, size_t size, BzImage *ret);

/* Would kexec_file_load() take this image on x86_64? 0, or:
 *   -EPROTONOSUPPORT  boot protocol older than 2.12;
 *   -ENOEXEC          not LOADED_HIGH, no XLF_KERNEL_64 (not a 64-bit kernel) or not
 *                     XLF_CAN_BE_LOADED_ABOVE_4G — the checks of bzImage64_probe(). */
int bzimage_check_kexec_file(const BzImage *b);

/* Does a capture command line of cmdline_len bytes (its NUL included) fit? 0, or -E2BIG when it
 * plus BZIMAGE_ELFCOREHDR_STR_LEN exceeds the image's cmdline_size (kexec_file_load() would fail
 * with EINVAL). Images without cmdline_size (protocol < 2.06) always pass. */
int bzimage_check_cmdline(const BzImage *b, size_t cmdline_len);

/* Bytes the kernel occupies in the crash region: init_size rounded up to kernel_alignment (and to a
 * page), plus one kernel_alignment lost at worst to placing it on an aligned address inside the
 * region. init_size or kernel_alignment missing (old protocol) gives 0 — the caller must then not
 * trust the model. */
uint64_t bzimage_crash_footprint(const BzImage *b);

/* "2.15" into buf (at least 8 bytes). */
const char *bzimage_version_string(uint16_t version, char *buf, size_t l);
