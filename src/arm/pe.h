/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* PE/COFF section table reader and Unified Kernel Image (UKI) section lookup.
 *
 * Everything here works on a caller-owned (data, size) buffer — typically an mmap() of the image —
 * and returns offsets and sizes into it; nothing is copied except by uki_section_strdup(). The
 * parser trusts nothing in the image: every header field, every section's raw data and the
 * optional COFF string table are checked against the buffer, the section count is limited, and
 * sections' file data may not overlap each other or the headers.
 *
 * Errors: -EBADMSG for anything malformed (not MZ, no "PE\0\0", bad optional header magic, a
 * section outside the file, overlapping sections, too many sections, a bad long section name);
 * uki_parse() additionally returns -EOPNOTSUPP for a well-formed PE that is not a UKI (no .linux
 * section, e.g. a plain EFI-stub bzImage or systemd-boot itself). */

#include "macro.h"

/* The PE specification limits images to 96 sections (the Windows loader refuses more). */
#define PE_SECTIONS_MAX 96U
/* Longest section name we resolve through the COFF string table ("/NN" names); UKI names are
 * at most 8 characters and never need the string table. */
#define PE_SECTION_NAME_MAX 64U

#define PE_MACHINE_I386 0x014cU
#define PE_MACHINE_X86_64 0x8664U
#define PE_MACHINE_ARM64 0xaa64U
#define PE_MACHINE_RISCV64 0x5064U
#define PE_MACHINE_LOONGARCH64 0x6264U

typedef struct PeSection {
        char name[PE_SECTION_NAME_MAX + 1]; /* NUL-terminated */
        uint32_t virtual_address;
        uint32_t virtual_size;
        uint32_t raw_offset;                /* PointerToRawData */
        uint32_t raw_size;                  /* SizeOfRawData */
        uint32_t characteristics;
        /* The section's content in the file: raw_offset, and the smaller of VirtualSize and
         * SizeOfRawData (SizeOfRawData alone when VirtualSize is 0). Always within the buffer. */
        uint64_t offset;
        uint64_t size;
} PeSection;

typedef struct PeImage {
        uint16_t machine;       /* PE_MACHINE_* */
        bool pe32_plus;         /* optional header magic 0x20b (PE32+) rather than 0x10b (PE32) */
        uint16_t subsystem;     /* 10 = EFI application */
        size_t n_sections;
        PeSection sections[PE_SECTIONS_MAX]; /* in section table order */
} PeImage;

/* Parse the headers and section table. ret is written only on success. */
int pe_parse(const void *data, size_t size, PeImage *ret);

/* First section with exactly this name, or NULL. */
const PeSection *pe_find_section(const PeImage *image, const char *name);

typedef enum UkiSectionType {
        UKI_SECTION_LINUX,   /* .linux:   the kernel image (bzImage / Image), mandatory */
        UKI_SECTION_INITRD,  /* .initrd:  the initrd */
        UKI_SECTION_CMDLINE, /* .cmdline: kernel command line (text) */
        UKI_SECTION_UNAME,   /* .uname:   kernel release, as uname -r (text) */
        UKI_SECTION_OSREL,   /* .osrel:   os-release of the image (text) */
        UKI_SECTION_PROFILE, /* .profile: metadata of the selected profile (text), multi-profile UKIs only */
        _UKI_SECTION_MAX,
} UkiSectionType;

typedef struct UkiRange {
        bool present;
        uint64_t offset; /* into the caller's buffer */
        uint64_t size;   /* for text sections: up to the first NUL (padding dropped) */
} UkiRange;

/* The UKI as systemd-stub would boot it by default.
 *
 * Multi-profile UKIs (systemd ≥ 257): sections before the first .profile section form the base;
 * each .profile section opens a profile whose following sections override the base's sections of
 * the same name. We take profile 0 — the base overlaid with the sections of the first profile
 * (or the base alone when there is no .profile section), which is what systemd-stub boots when no
 * profile is selected. .linux may sit anywhere (ukify places it last, after the profiles); a
 * .linux inside a profile group overrides the base like any other section. .ucode (CPU microcode)
 * and devicetree sections are ignored: the capture kernel does not need them. */
typedef struct UkiImage {
        uint16_t machine;                     /* PE_MACHINE_* */
        UkiRange sections[_UKI_SECTION_MAX];  /* indexed by UkiSectionType */
        unsigned n_profiles;                  /* number of .profile sections, 0 for a single-profile UKI */
} UkiImage;

/* -EBADMSG for a malformed PE, -EOPNOTSUPP for a valid PE without .linux. ret written only on success. */
int uki_parse(const void *data, size_t size, UkiImage *ret);

const char *uki_section_to_string(UkiSectionType t); /* ".linux", … */

/* Copy a text section (.cmdline, .uname, .osrel, .profile) into a NUL-terminated string with trailing
 * white space removed. -ENOENT when the section is absent, -EBADMSG when it holds bytes that cannot
 * be part of such text (control characters other than tab, CR and newline), -EFBIG above max bytes. */
int uki_section_strdup(const UkiImage *uki, const void *data, size_t size, UkiSectionType t, size_t max,
                       char **ret);
