/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>

#include "vmcore-elf.h"
#include "vmcoreinfo.h"

struct VmcoreElf {
        const VmcoreSource *src;
        uint16_t machine;
        VmcoreElfSegment *segments;   /* as in the file */
        size_t n_segments;
        VmcoreElfSegment *map;        /* sorted by paddr, trimmed so that no two overlap */
        size_t n_map;
        VmcoreNotes notes;
        bool truncated;
};

VmcoreElf *vmcore_elf_free(VmcoreElf *e) {
        if (!e)
                return NULL;
        free(e->segments);
        free(e->map);
        vmcore_notes_done(&e->notes);
        free(e);
        return NULL;
}

bool vmcore_elf_probe(const void *data, size_t size) {
        return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static uint64_t align4(uint64_t x) {
        return (x + 3) & ~(uint64_t) 3;
}

void vmcore_notes_done(VmcoreNotes *n) {
        free(n->vmcoreinfo);
        *n = (VmcoreNotes) {};
}

int vmcore_notes_parse(const uint8_t *p, uint64_t size, VmcoreNotes *n) {
        uint64_t pos = 0;

        while (size - pos >= 12) {
                uint64_t namesz = vmcore_le32(p + pos), descsz = vmcore_le32(p + pos + 4);
                uint32_t type = vmcore_le32(p + pos + 8);

                if (namesz == 0 && descsz == 0 && type == 0)
                        break;

                uint64_t name_off = pos + 12;
                uint64_t desc_off = name_off + align4(namesz);
                uint64_t end = desc_off + align4(descsz);
                /* All terms are below 2^34: no overflow. The last note's padding may be missing. */
                if (desc_off > size || desc_off + descsz > size)
                        return -EBADMSG;

                const char *name = (const char *) p + name_off;
                /* Names are NUL-terminated and namesz counts the NUL; tolerate a missing one. */
                size_t name_len = namesz > 0 && name[namesz - 1] == '\0' ? namesz - 1 : namesz;

                if (name_len == 10 && memcmp(name, "VMCOREINFO", 10) == 0) {
                        if (!n->vmcoreinfo) {
                                if (descsz > VMCOREINFO_SIZE_MAX)
                                        return -EFBIG;
                                n->vmcoreinfo = malloc(descsz + 1);
                                if (!n->vmcoreinfo)
                                        return -ENOMEM;
                                memcpy(n->vmcoreinfo, p + desc_off, descsz);
                                n->vmcoreinfo[descsz] = '\0';
                                n->vmcoreinfo_size = descsz;
                        }
                } else if (name_len == 4 && memcmp(name, "CORE", 4) == 0 && type == NT_PRSTATUS)
                        n->n_prstatus++;

                pos = MIN(end, size);
        }
        /* Less than a note header left: only zero padding may remain. */
        if (size - pos < 12)
                for (uint64_t i = pos; i < size; i++)
                        if (p[i] != 0)
                                return -EBADMSG;
        return 0;
}

static int compare_paddr(const void *a, const void *b) {
        const VmcoreElfSegment *x = a, *y = b;
        if (x->paddr != y->paddr)
                return x->paddr < y->paddr ? -1 : 1;
        /* The larger segment first, so it wins the overlap. */
        if (x->memsz != y->memsz)
                return x->memsz > y->memsz ? -1 : 1;
        return 0;
}

/* /proc/vmcore maps the kernel text twice (a text segment and the RAM segment holding it): sort
 * by physical address and trim each segment to what the ones before it do not cover, so a lookup
 * is a binary search. Both copies have the same content. */
static int build_map(VmcoreElf *e) {
        if (e->n_segments == 0)
                return 0;
        e->map = malloc(e->n_segments * sizeof(VmcoreElfSegment));
        if (!e->map)
                return -ENOMEM;
        memcpy(e->map, e->segments, e->n_segments * sizeof(VmcoreElfSegment));
        qsort(e->map, e->n_segments, sizeof(VmcoreElfSegment), compare_paddr);

        uint64_t covered = 0;
        bool any = false;
        size_t n = 0;
        for (size_t i = 0; i < e->n_segments; i++) {
                VmcoreElfSegment s = e->map[i];
                uint64_t end = s.paddr + s.memsz; /* checked when read */
                if (any && end <= covered)
                        continue;
                if (any && s.paddr < covered) {
                        uint64_t delta = covered - s.paddr;
                        s.paddr += delta;
                        s.vaddr += delta;
                        s.offset += delta;
                        s.filesz = s.filesz > delta ? s.filesz - delta : 0;
                        s.memsz -= delta;
                }
                e->map[n++] = s;
                covered = end;
                any = true;
        }
        e->n_map = n;
        return 0;
}

int vmcore_notes_read(const VmcoreSource *src, uint64_t offset, uint64_t size, VmcoreNotes *notes) {
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (size > VMCORE_ELF_NOTES_MAX)
                return -EFBIG;
        if (!vmcore_source_contains(src, offset, size))
                return -EBADMSG;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        r = vmcore_source_read(src, offset, buf, size);
        if (r < 0)
                return r;
        return vmcore_notes_parse(buf, size, notes);
}

/* The ELF header of a 64-bit little-endian core: the machine, and where the program headers are
 * and how many. */
static int elf_read_header(const VmcoreSource *src, uint16_t *ret_machine, uint64_t *ret_phoff, uint64_t *ret_phnum) {
        uint8_t eh[sizeof(Elf64_Ehdr)];
        int r;

        r = vmcore_source_read(src, 0, eh, SELFMAG);
        if (r < 0)
                return r;
        if (memcmp(eh, ELFMAG, SELFMAG) != 0)
                return -EBADMSG;
        r = vmcore_source_read(src, 0, eh, sizeof(eh));
        if (r < 0)
                return r;
        if (eh[EI_CLASS] != ELFCLASS64 || eh[EI_DATA] != ELFDATA2LSB)
                return -EPROTONOSUPPORT;
        if (eh[EI_VERSION] != EV_CURRENT)
                return -EBADMSG;

        uint16_t type = vmcore_le16(eh + offsetof(Elf64_Ehdr, e_type));
        uint64_t phoff = vmcore_le64(eh + offsetof(Elf64_Ehdr, e_phoff));
        uint64_t shoff = vmcore_le64(eh + offsetof(Elf64_Ehdr, e_shoff));
        uint16_t phentsize = vmcore_le16(eh + offsetof(Elf64_Ehdr, e_phentsize));
        uint16_t shentsize = vmcore_le16(eh + offsetof(Elf64_Ehdr, e_shentsize));
        uint64_t phnum = vmcore_le16(eh + offsetof(Elf64_Ehdr, e_phnum));

        if (type != ET_CORE)
                return -EBADMSG;
        if (phentsize != sizeof(Elf64_Phdr))
                return -EBADMSG;
        if (phnum == PN_XNUM) {
                /* The real count is in section header 0's sh_info. */
                uint8_t sh[sizeof(Elf64_Shdr)];
                if (shentsize != sizeof(Elf64_Shdr))
                        return -EBADMSG;
                r = vmcore_source_read(src, shoff, sh, sizeof(sh));
                if (r < 0)
                        return r;
                phnum = vmcore_le32(sh + offsetof(Elf64_Shdr, sh_info));
        }
        if (phnum == 0)
                return -EBADMSG;
        if (phnum > VMCORE_ELF_SEGMENTS_MAX)
                return -EFBIG;
        if (!vmcore_source_contains(src, phoff, phnum * sizeof(Elf64_Phdr)))
                return -EBADMSG;

        *ret_machine = vmcore_le16(eh + offsetof(Elf64_Ehdr, e_machine));
        *ret_phoff = phoff;
        *ret_phnum = phnum;
        return 0;
}

static int elf_add_load(VmcoreElf *e, const uint8_t *ph) {
        VmcoreElfSegment s = {
                .paddr = vmcore_le64(ph + offsetof(Elf64_Phdr, p_paddr)),
                .vaddr = vmcore_le64(ph + offsetof(Elf64_Phdr, p_vaddr)),
                .offset = vmcore_le64(ph + offsetof(Elf64_Phdr, p_offset)),
                .filesz = vmcore_le64(ph + offsetof(Elf64_Phdr, p_filesz)),
                .memsz = vmcore_le64(ph + offsetof(Elf64_Phdr, p_memsz)),
        };

        if (s.memsz == 0)
                return 0;
        if (s.filesz > s.memsz || s.paddr > UINT64_MAX - s.memsz || s.vaddr > UINT64_MAX - s.memsz ||
            s.offset > UINT64_MAX - s.filesz)
                return -EBADMSG;
        if (!vmcore_source_contains(e->src, s.offset, s.filesz))
                e->truncated = true;
        e->segments[e->n_segments++] = s;
        return 0;
}

/* The PT_NOTE segments into e->notes and the PT_LOAD ones into e->segments. */
static int elf_read_program_headers(VmcoreElf *e, const uint8_t *phdrs, uint64_t phnum) {
        uint64_t notes_total = 0;
        size_t n_load = 0;
        int r;

        for (uint64_t i = 0; i < phnum; i++)
                if (vmcore_le32(phdrs + i * sizeof(Elf64_Phdr) + offsetof(Elf64_Phdr, p_type)) == PT_LOAD)
                        n_load++;
        if (n_load > 0) {
                e->segments = calloc(n_load, sizeof(VmcoreElfSegment));
                if (!e->segments)
                        return -ENOMEM;
        }

        for (uint64_t i = 0; i < phnum; i++) {
                const uint8_t *ph = phdrs + i * sizeof(Elf64_Phdr);
                uint32_t ptype = vmcore_le32(ph + offsetof(Elf64_Phdr, p_type));
                uint64_t filesz = vmcore_le64(ph + offsetof(Elf64_Phdr, p_filesz));

                if (ptype == PT_NOTE && filesz > 0) {
                        if (filesz > VMCORE_ELF_NOTES_MAX - notes_total)
                                return -EFBIG;
                        notes_total += filesz;
                        r = vmcore_notes_read(e->src, vmcore_le64(ph + offsetof(Elf64_Phdr, p_offset)), filesz,
                                              &e->notes);
                } else if (ptype == PT_LOAD)
                        r = elf_add_load(e, ph);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

int vmcore_elf_open(const VmcoreSource *src, VmcoreElf **ret) {
        _cleanup_vmcore_elf_free_ VmcoreElf *e = NULL;
        _cleanup_free_ uint8_t *phdrs = NULL;
        uint64_t phoff, phnum;
        uint16_t machine;
        int r;

        r = elf_read_header(src, &machine, &phoff, &phnum);
        if (r < 0)
                return r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->src = src;
        e->machine = machine;

        phdrs = malloc(phnum * sizeof(Elf64_Phdr));
        if (!phdrs)
                return -ENOMEM;
        r = vmcore_source_read(src, phoff, phdrs, phnum * sizeof(Elf64_Phdr));
        if (r < 0)
                return r;
        r = elf_read_program_headers(e, phdrs, phnum);
        if (r < 0)
                return r;
        r = build_map(e);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(e);
        return 0;
}

uint16_t vmcore_elf_machine(const VmcoreElf *e) {
        return e->machine;
}

const VmcoreElfSegment *vmcore_elf_segments(const VmcoreElf *e, size_t *ret_n) {
        *ret_n = e->n_segments;
        return e->segments;
}

unsigned vmcore_elf_n_prstatus(const VmcoreElf *e) {
        return e->notes.n_prstatus;
}

bool vmcore_elf_truncated(const VmcoreElf *e) {
        return e->truncated;
}

const char *vmcore_elf_vmcoreinfo(const VmcoreElf *e, size_t *ret_size) {
        if (ret_size)
                *ret_size = e->notes.vmcoreinfo_size;
        return e->notes.vmcoreinfo;
}

/* The map entry containing paddr, or NULL. */
static const VmcoreElfSegment *find(const VmcoreElf *e, uint64_t paddr) {
        size_t lo = 0, hi = e->n_map;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (e->map[mid].paddr <= paddr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return NULL;
        const VmcoreElfSegment *s = &e->map[lo - 1];
        return paddr - s->paddr < s->memsz ? s : NULL;
}

int vmcore_elf_read_phys(const VmcoreElf *e, uint64_t paddr, void *buf, size_t size) {
        uint8_t *out = buf;
        int r;

        if (size > 0 && paddr > UINT64_MAX - (size - 1))
                return -ENODATA;

        while (size > 0) {
                const VmcoreElfSegment *s = find(e, paddr);
                if (!s)
                        return -ENODATA;

                uint64_t rel = paddr - s->paddr;
                size_t n = (size_t) MIN((uint64_t) size, s->memsz - rel);
                size_t from_file = rel < s->filesz ? (size_t) MIN((uint64_t) n, s->filesz - rel) : 0;

                if (from_file > 0) {
                        r = vmcore_source_read(e->src, s->offset + rel, out, from_file);
                        if (r < 0)
                                return r;
                }
                memset(out + from_file, 0, n - from_file);

                out += n;
                size -= n;
                paddr += n;
        }
        return 0;
}

int vmcore_elf_vaddr_to_paddr(const VmcoreElf *e, uint64_t vaddr, uint64_t *ret) {
        for (size_t i = 0; i < e->n_segments; i++) {
                const VmcoreElfSegment *s = &e->segments[i];
                if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
                        *ret = s->paddr + (vaddr - s->vaddr);
                        return 0;
                }
        }
        return -ENODATA;
}
