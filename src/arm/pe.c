/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>

#include "pe.h"

/* Layout (Microsoft PE/COFF specification): the DOS header holds e_lfanew at 0x3c; there the
 * "PE\0\0" signature, then the 20-byte COFF file header, then the optional header whose size the
 * COFF header states, then NumberOfSections 40-byte section headers. */
#define DOS_HEADER_SIZE 64U
#define DOS_E_LFANEW_OFFSET 0x3cU
#define PE_SIGNATURE_SIZE 4U
#define COFF_HEADER_SIZE 20U
#define SECTION_HEADER_SIZE 40U
#define COFF_SYMBOL_SIZE 18U

#define OPT_MAGIC_PE32 0x10bU
#define OPT_MAGIC_PE32_PLUS 0x20bU
/* Fixed part of the optional header before the data directories. */
#define OPT_FIXED_SIZE_PE32 96U
#define OPT_FIXED_SIZE_PE32_PLUS 112U
#define OPT_SUBSYSTEM_OFFSET 68U

static uint16_t get16(const uint8_t *p) {
        uint16_t v;
        memcpy(&v, p, sizeof(v));
        return le16toh(v);
}

static uint32_t get32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return le32toh(v);
}

/* Does [offset, offset+len) lie within a buffer of size bytes? Overflow-safe. */
static bool in_bounds(uint64_t offset, uint64_t len, uint64_t size) {
        return offset <= size && len <= size - offset;
}

/* "/123": a section name that is an offset into the COFF string table. */
static int long_name_offset(const uint8_t raw[8], uint32_t *ret) {
        uint32_t v = 0;
        size_t i;

        if (raw[0] != '/' || raw[1] < '0' || raw[1] > '9')
                return 0;
        for (i = 1; i < 8 && raw[i] != 0; i++) {
                if (raw[i] < '0' || raw[i] > '9')
                        return 0; /* not a decimal offset: keep the name literally */
                v = v * 10 + (uint32_t) (raw[i] - '0'); /* 7 digits at most: no overflow */
        }
        for (; i < 8; i++)
                if (raw[i] != 0)
                        return 0;
        *ret = v;
        return 1;
}

static int resolve_long_name(const uint8_t *d, size_t size, uint32_t symtab, uint32_t n_symbols, uint32_t offset,
                             char name[static PE_SECTION_NAME_MAX + 1]) {
        uint64_t table, table_size;

        if (symtab == 0)
                return -EBADMSG;
        table = (uint64_t) symtab + (uint64_t) n_symbols * COFF_SYMBOL_SIZE;
        if (!in_bounds(table, 4, size))
                return -EBADMSG;
        table_size = get32(d + table);
        if (table_size < 4 || !in_bounds(table, table_size, size))
                return -EBADMSG;
        if (offset < 4 || offset >= table_size)
                return -EBADMSG;

        const char *s = (const char *) d + table + offset;
        size_t max = (size_t) MIN(table_size - offset, (uint64_t) PE_SECTION_NAME_MAX + 1);
        size_t l = strnlen(s, max);
        if (l == max) /* not terminated within the table, or too long */
                return -EBADMSG;
        if (l == 0)
                return -EBADMSG;
        memcpy(name, s, l);
        name[l] = 0;
        return 0;
}

/* Where the headers are: the COFF header, the optional header and the section table. */
typedef struct PeHeaders {
        const uint8_t *coff;
        uint64_t opt, table, table_end;
        uint16_t n_sections, magic;
        uint32_t symtab, n_symbols;
} PeHeaders;

static int pe_parse_headers(const uint8_t *d, size_t size, PeHeaders *ret) {
        PeHeaders h = {};
        uint64_t pe;
        uint16_t opt_size;

        if (!d || size < DOS_HEADER_SIZE)
                return -EBADMSG;
        if (d[0] != 'M' || d[1] != 'Z')
                return -EBADMSG;

        pe = get32(d + DOS_E_LFANEW_OFFSET);
        if (!in_bounds(pe, PE_SIGNATURE_SIZE + COFF_HEADER_SIZE, size))
                return -EBADMSG;
        if (memcmp(d + pe, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
                return -EBADMSG;

        h.coff = d + pe + PE_SIGNATURE_SIZE;
        h.n_sections = get16(h.coff + 2);
        h.symtab = get32(h.coff + 8);
        h.n_symbols = get32(h.coff + 12);
        opt_size = get16(h.coff + 16);
        if (h.n_sections > PE_SECTIONS_MAX)
                return -EBADMSG;

        h.opt = pe + PE_SIGNATURE_SIZE + COFF_HEADER_SIZE;
        if (opt_size < 2 || !in_bounds(h.opt, opt_size, size))
                return -EBADMSG;
        h.magic = get16(d + h.opt);
        if (h.magic == OPT_MAGIC_PE32) {
                if (opt_size < OPT_FIXED_SIZE_PE32)
                        return -EBADMSG;
        } else if (h.magic == OPT_MAGIC_PE32_PLUS) {
                if (opt_size < OPT_FIXED_SIZE_PE32_PLUS)
                        return -EBADMSG;
        } else
                return -EBADMSG;

        h.table = h.opt + opt_size;
        if (!in_bounds(h.table, (uint64_t) h.n_sections * SECTION_HEADER_SIZE, size))
                return -EBADMSG;
        h.table_end = h.table + (uint64_t) h.n_sections * SECTION_HEADER_SIZE;
        *ret = h;
        return 0;
}

/* One section header at sh into s. */
static int pe_parse_section(const uint8_t *d, size_t size, const PeHeaders *hdr, const uint8_t *sh, PeSection *s) {
        uint32_t name_offset;
        int r;

        r = long_name_offset(sh, &name_offset);
        if (r > 0) {
                r = resolve_long_name(d, size, hdr->symtab, hdr->n_symbols, name_offset, s->name);
                if (r < 0)
                        return r;
        } else {
                memcpy(s->name, sh, 8);
                s->name[8] = 0; /* names of exactly 8 bytes carry no NUL */
        }

        s->virtual_size = get32(sh + 8);
        s->virtual_address = get32(sh + 12);
        s->raw_size = get32(sh + 16);
        s->raw_offset = get32(sh + 20);
        s->characteristics = get32(sh + 36);

        if (s->raw_size > 0) {
                if (!in_bounds(s->raw_offset, s->raw_size, size))
                        return -EBADMSG;
                /* Section data may not overlap the headers we just parsed. */
                if (s->raw_offset < hdr->table_end)
                        return -EBADMSG;
                s->offset = s->raw_offset;
                /* VirtualSize is what is used, SizeOfRawData what the file holds (rounded up to
                 * FileAlignment, or less when the tail is zero-fill): take the smaller. Some
                 * linkers leave VirtualSize 0; then the raw size is all we know. */
                s->size = s->virtual_size == 0 ? s->raw_size : MIN(s->virtual_size, s->raw_size);
        }
        return 0;
}

/* No two sections may share file bytes: a hostile image could otherwise make .initrd alias
 * .linux or a header. Sections are few (≤ 96), so the quadratic check is cheap. */
static bool pe_sections_overlap(const PeImage *image) {
        for (size_t i = 0; i < image->n_sections; i++) {
                const PeSection *a = &image->sections[i];
                if (a->raw_size == 0)
                        continue;
                for (size_t j = i + 1; j < image->n_sections; j++) {
                        const PeSection *b = &image->sections[j];
                        if (b->raw_size == 0)
                                continue;
                        if ((uint64_t) a->raw_offset < (uint64_t) b->raw_offset + b->raw_size &&
                            (uint64_t) b->raw_offset < (uint64_t) a->raw_offset + a->raw_size)
                                return true;
                }
        }
        return false;
}

int pe_parse(const void *data, size_t size, PeImage *ret) {
        const uint8_t *d = data;
        _cleanup_free_ PeImage *image = NULL;
        PeHeaders h;
        int r;

        r = pe_parse_headers(d, size, &h);
        if (r < 0)
                return r;

        image = calloc(1, sizeof(PeImage));
        if (!image)
                return -ENOMEM;
        image->machine = get16(h.coff);
        image->pe32_plus = h.magic == OPT_MAGIC_PE32_PLUS;
        image->subsystem = get16(d + h.opt + OPT_SUBSYSTEM_OFFSET);

        for (size_t i = 0; i < h.n_sections; i++) {
                r = pe_parse_section(d, size, &h, d + h.table + i * SECTION_HEADER_SIZE, &image->sections[i]);
                if (r < 0)
                        return r;
        }
        image->n_sections = h.n_sections;
        if (pe_sections_overlap(image))
                return -EBADMSG;

        *ret = *image;
        return 0;
}

const PeSection *pe_find_section(const PeImage *image, const char *name) {
        for (size_t i = 0; i < image->n_sections; i++)
                if (streq(image->sections[i].name, name))
                        return &image->sections[i];
        return NULL;
}

static const char * const uki_section_names[_UKI_SECTION_MAX] = {
        [UKI_SECTION_LINUX] = ".linux",
        [UKI_SECTION_INITRD] = ".initrd",
        [UKI_SECTION_CMDLINE] = ".cmdline",
        [UKI_SECTION_UNAME] = ".uname",
        [UKI_SECTION_OSREL] = ".osrel",
        [UKI_SECTION_PROFILE] = ".profile",
};

const char *uki_section_to_string(UkiSectionType t) {
        if ((unsigned) t >= _UKI_SECTION_MAX)
                return NULL;
        return uki_section_names[t];
}

static int uki_section_from_string(const char *s) {
        for (unsigned i = 0; i < _UKI_SECTION_MAX; i++)
                if (streq(uki_section_names[i], s))
                        return (int) i;
        return -EINVAL;
}

static bool uki_section_is_text(UkiSectionType t) {
        return t != UKI_SECTION_LINUX && t != UKI_SECTION_INITRD;
}

static bool is_text_space(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int uki_parse(const void *data, size_t size, UkiImage *ret) {
        _cleanup_free_ PeImage *pe = NULL;
        UkiRange base[_UKI_SECTION_MAX] = {}, profile0[_UKI_SECTION_MAX] = {};
        unsigned n_profiles = 0;
        int r;

        pe = malloc(sizeof(PeImage));
        if (!pe)
                return -ENOMEM;
        r = pe_parse(data, size, pe);
        if (r < 0)
                return r;

        for (size_t i = 0; i < pe->n_sections; i++) {
                const PeSection *s = &pe->sections[i];
                UkiRange *group;
                int t;

                t = uki_section_from_string(s->name);
                if (t < 0)
                        continue;

                if (t == UKI_SECTION_PROFILE) {
                        /* A .profile section opens a profile group; it belongs to that group. */
                        if (n_profiles >= PE_SECTIONS_MAX)
                                return -EBADMSG;
                        n_profiles++;
                }

                if (n_profiles == 0)
                        group = base;
                else if (n_profiles == 1)
                        group = profile0;
                else
                        continue; /* later profiles are not booted by default */

                if (group[t].present) /* the same section twice in one group is ambiguous */
                        return -EBADMSG;
                group[t] = (UkiRange) {
                        .present = true,
                        .offset = s->offset,
                        .size = s->size,
                };
        }

        UkiImage uki = {
                .machine = pe->machine,
                .n_profiles = n_profiles,
        };
        for (unsigned t = 0; t < _UKI_SECTION_MAX; t++) {
                UkiRange range = profile0[t].present ? profile0[t] : base[t];
                if (range.present && uki_section_is_text(t)) {
                        /* Text may be NUL-padded to the file alignment: it ends at the first NUL. */
                        const uint8_t *p = (const uint8_t *) data + range.offset;
                        const uint8_t *z = memchr(p, 0, range.size);
                        if (z)
                                range.size = (uint64_t) (z - p);
                }
                uki.sections[t] = range;
        }

        if (!uki.sections[UKI_SECTION_LINUX].present)
                return -EOPNOTSUPP;
        if (uki.sections[UKI_SECTION_LINUX].size == 0)
                return -EBADMSG;

        *ret = uki;
        return 0;
}

int uki_section_strdup(const UkiImage *uki, const void *data, size_t size, UkiSectionType t, size_t max,
                       char **ret) {
        const UkiRange *range;
        const uint8_t *p;
        char *s;
        size_t l;

        if ((unsigned) t >= _UKI_SECTION_MAX)
                return -EINVAL;
        range = &uki->sections[t];
        if (!range->present)
                return -ENOENT;
        if (!in_bounds(range->offset, range->size, size))
                return -EBADMSG;
        if (range->size > max)
                return -EFBIG;

        p = (const uint8_t *) data + range->offset;
        l = (size_t) range->size;
        for (size_t i = 0; i < l; i++)
                if ((p[i] < ' ' && !is_text_space(p[i])) || p[i] == 0x7f)
                        return -EBADMSG;
        while (l > 0 && is_text_space(p[l - 1]))
                l--;

        s = malloc(l + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, p, l);
        s[l] = 0;
        *ret = s;
        return 0;
}
