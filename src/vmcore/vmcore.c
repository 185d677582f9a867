/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <fcntl.h>

#include "vmcore.h"

#define X86_64_PAGE_SIZE UINT64_C(4096)
#define X86_64_PTE_PRESENT UINT64_C(0x1)
#define X86_64_PTE_PSE UINT64_C(0x80)
#define X86_64_PHYS_MASK UINT64_C(0x000ffffffffff000) /* bits 12…51 of an entry */

struct Vmcore {
        int fd;
        VmcoreSource src;
        VmcoreFormat format;
        VmcoreElf *elf;
        VmcoreKdump *kdump;

        VmcoreInfo *info;
        int info_error;                 /* why info is NULL */
        VmcoreInfoParseError info_parse_error;

        /* x86_64 translation */
        bool x86_64;
        bool have_phys_base;
        uint64_t phys_base;
        uint64_t image_size;
        bool have_top_pgt;
        uint64_t top_pgt;               /* physical address of init_top_pgt */
        bool l5;
        uint64_t entry_mask;            /* X86_64_PHYS_MASK without the SME encryption bit */

        /* A one-entry translation cache: the last 4 KiB page translated. */
        bool tlb_valid;
        uint64_t tlb_vpage, tlb_ppage;
};

static const char *const format_table[_VMCORE_FORMAT_MAX] = {
        [VMCORE_FORMAT_ELF] = "elf",
        [VMCORE_FORMAT_KDUMP] = "kdump-compressed",
};

const char *vmcore_format_to_string(VmcoreFormat f) {
        if (f < 0 || f >= _VMCORE_FORMAT_MAX)
                return NULL;
        return format_table[f];
}

Vmcore *vmcore_free(Vmcore *v) {
        if (!v)
                return NULL;
        vmcore_elf_free(v->elf);
        vmcore_kdump_free(v->kdump);
        vmcoreinfo_free(v->info);
        if (v->fd >= 0)
                (void) close(v->fd);
        free(v);
        return NULL;
}

/* Everything the x86_64 translation needs, from VMCOREINFO and the format's headers. */
static void setup_x86_64(Vmcore *v) {
        int64_t n;
        uint64_t sym;

        if (v->elf)
                v->x86_64 = vmcore_elf_machine(v->elf) == EM_X86_64;
        else
                v->x86_64 = streq(vmcore_kdump_header(v->kdump)->machine, "x86_64");
        /* A kdump header without utsname: only x86_64 exports init_top_pgt. */
        if (!v->x86_64 && v->kdump && isempty(vmcore_kdump_header(v->kdump)->machine))
                v->x86_64 = v->info && vmcoreinfo_get(v->info, "SYMBOL(init_top_pgt)");
        if (!v->x86_64)
                return;

        if (v->info && vmcoreinfo_number(v->info, "phys_base", &n) >= 0) {
                v->phys_base = (uint64_t) n;
                v->have_phys_base = true;
        } else if (v->kdump) {
                v->phys_base = vmcore_kdump_header(v->kdump)->phys_base;
                v->have_phys_base = true;
        } else {
                /* /proc/vmcore maps the kernel text in a segment of its own. */
                size_t k;
                const VmcoreElfSegment *s = vmcore_elf_segments(v->elf, &k);
                for (size_t i = 0; i < k; i++)
                        if (s[i].vaddr >= X86_64_START_KERNEL_MAP) {
                                v->phys_base = s[i].paddr - (s[i].vaddr - X86_64_START_KERNEL_MAP);
                                v->have_phys_base = true;
                                break;
                        }
        }

        v->image_size = X86_64_KERNEL_IMAGE_SIZE_DEFAULT;
        if (v->info && vmcoreinfo_number(v->info, "KERNEL_IMAGE_SIZE", &n) >= 0 &&
            n > 0 && (uint64_t) n <= UINT64_MAX - X86_64_START_KERNEL_MAP + 1)
                v->image_size = (uint64_t) n;

        v->entry_mask = X86_64_PHYS_MASK;
        if (v->info && vmcoreinfo_number(v->info, "sme_mask", &n) >= 0)
                v->entry_mask &= ~(uint64_t) n;
        v->l5 = v->info && vmcoreinfo_number(v->info, "pgtable_l5_enabled", &n) >= 0 && n == 1;

        if (v->have_phys_base && v->info && vmcoreinfo_symbol(v->info, "init_top_pgt", &sym) >= 0 &&
            sym >= X86_64_START_KERNEL_MAP && sym - X86_64_START_KERNEL_MAP < v->image_size) {
                v->top_pgt = sym - X86_64_START_KERNEL_MAP + v->phys_base;
                v->have_top_pgt = true;
        }
}

static int vmcore_open_source(Vmcore *v) {
        uint8_t magic[16] = {};
        const char *text = NULL;
        size_t size = 0;
        int r;

        r = vmcore_source_read(&v->src, 0, magic, MIN(sizeof(magic), v->src.size));
        if (r < 0)
                return r;

        if (vmcore_elf_probe(magic, sizeof(magic))) {
                r = vmcore_elf_open(&v->src, &v->elf);
                if (r < 0)
                        return r;
                v->format = VMCORE_FORMAT_ELF;
                text = vmcore_elf_vmcoreinfo(v->elf, &size);
        } else if (vmcore_kdump_probe(magic, sizeof(magic))) {
                r = vmcore_kdump_open(&v->src, &v->kdump);
                if (r < 0)
                        return r;
                v->format = VMCORE_FORMAT_KDUMP;
                text = vmcore_kdump_vmcoreinfo(v->kdump, &size);
        } else if (vmcore_kdump_probe_flattened(magic, sizeof(magic)) || memcmp(magic, "DISKDUMP", 8) == 0)
                return -EPROTONOSUPPORT;
        else
                return -EBADMSG;

        if (text)
                v->info_error = vmcoreinfo_parse(text, size, &v->info, &v->info_parse_error);
        else
                v->info_error = -ENOENT;

        setup_x86_64(v);
        return 0;
}

int vmcore_open_fd(int fd, Vmcore **ret) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        int r;

        if (fd < 0)
                return -EBADF;
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (v->fd < 0)
                return -errno;
        r = vmcore_source_init_fd(&v->src, v->fd);
        if (r < 0)
                return r;
        r = vmcore_open_source(v);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

int vmcore_open(const char *path, Vmcore **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return vmcore_open_fd(fd, ret);
}

int vmcore_open_memory(const void *data, size_t size, Vmcore **ret) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        int r;

        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->fd = -EBADF;
        vmcore_source_init_memory(&v->src, data, size);
        r = vmcore_open_source(v);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

VmcoreFormat vmcore_get_format(const Vmcore *v) {
        return v->format;
}

VmcoreElf *vmcore_get_elf(const Vmcore *v) {
        return v->elf;
}

VmcoreKdump *vmcore_get_kdump(const Vmcore *v) {
        return v->kdump;
}

int vmcore_get_vmcoreinfo(const Vmcore *v, const VmcoreInfo **ret, VmcoreInfoParseError *reterr) {
        if (!v->info) {
                if (v->info_error == -EBADMSG && reterr)
                        *reterr = v->info_parse_error;
                return v->info_error < 0 ? v->info_error : -ENOENT;
        }
        *ret = v->info;
        return 0;
}

int vmcore_read_phys(Vmcore *v, uint64_t paddr, void *buf, size_t size) {
        if (v->elf)
                return vmcore_elf_read_phys(v->elf, paddr, buf, size);
        return vmcore_kdump_read_phys(v->kdump, paddr, buf, size);
}

static bool canonical(uint64_t vaddr, bool l5) {
        unsigned bits = l5 ? 57 : 48;
        uint64_t top = vaddr >> (bits - 1);
        return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

static int walk_page_tables(Vmcore *v, uint64_t vaddr, uint64_t *ret) {
        /* Index shifts from the top level down; the last two levels that may map a large page
         * are the PUD (1 GiB, shift 30) and the PMD (2 MiB, shift 21). */
        static const unsigned shifts5[] = { 48, 39, 30, 21, 12 }, shifts4[] = { 39, 30, 21, 12 };
        const unsigned *shifts = v->l5 ? shifts5 : shifts4;
        size_t levels = v->l5 ? ELEMENTSOF(shifts5) : ELEMENTSOF(shifts4);
        uint64_t table = v->top_pgt;
        int r;

        if (!canonical(vaddr, v->l5))
                return -EADDRNOTAVAIL;

        for (size_t i = 0; i < levels; i++) {
                uint8_t e[8];
                uint64_t index = (vaddr >> shifts[i]) & 511;

                r = vmcore_read_phys(v, table + index * 8, e, sizeof(e));
                if (r < 0)
                        return r;
                uint64_t entry = vmcore_le64(e);
                if (!(entry & X86_64_PTE_PRESENT))
                        return -EADDRNOTAVAIL;

                uint64_t base = entry & v->entry_mask;
                if ((shifts[i] == 30 || shifts[i] == 21) && (entry & X86_64_PTE_PSE)) {
                        uint64_t page = UINT64_C(1) << shifts[i];
                        *ret = (base & ~(page - 1)) | (vaddr & (page - 1));
                        return 0;
                }
                if (shifts[i] == 12) {
                        *ret = base | (vaddr & (X86_64_PAGE_SIZE - 1));
                        return 0;
                }
                table = base;
        }
        return -EADDRNOTAVAIL; /* not reached */
}

int vmcore_walk_page_tables(Vmcore *v, uint64_t vaddr, uint64_t *ret) {
        if (!v->x86_64)
                return -EPROTONOSUPPORT;
        if (!v->have_top_pgt)
                return -EADDRNOTAVAIL;
        return walk_page_tables(v, vaddr, ret);
}

int vmcore_virt_to_phys(Vmcore *v, uint64_t vaddr, uint64_t *ret) {
        uint64_t vpage = vaddr & ~(X86_64_PAGE_SIZE - 1), p;
        int r;

        if (!v->x86_64)
                return -EPROTONOSUPPORT;

        if (v->tlb_valid && v->tlb_vpage == vpage) {
                *ret = v->tlb_ppage | (vaddr & (X86_64_PAGE_SIZE - 1));
                return 0;
        }

        if (vaddr >= X86_64_START_KERNEL_MAP && vaddr - X86_64_START_KERNEL_MAP < v->image_size && v->have_phys_base)
                p = vaddr - X86_64_START_KERNEL_MAP + v->phys_base;
        else if (v->have_top_pgt) {
                r = walk_page_tables(v, vaddr, &p);
                if (r < 0)
                        return r;
        } else if (v->elf) {
                r = vmcore_elf_vaddr_to_paddr(v->elf, vaddr, &p);
                if (r < 0)
                        return r == -ENODATA ? -EADDRNOTAVAIL : r;
        } else
                return -EADDRNOTAVAIL;

        v->tlb_valid = true;
        v->tlb_vpage = vpage;
        v->tlb_ppage = p & ~(X86_64_PAGE_SIZE - 1);
        *ret = p;
        return 0;
}

int vmcore_read_virt(Vmcore *v, uint64_t vaddr, void *buf, size_t size) {
        uint8_t *out = buf;
        int r;

        if (size > 0 && vaddr > UINT64_MAX - (size - 1))
                return -EADDRNOTAVAIL;

        while (size > 0) {
                uint64_t p;
                size_t n = (size_t) MIN((uint64_t) size, X86_64_PAGE_SIZE - (vaddr & (X86_64_PAGE_SIZE - 1)));

                r = vmcore_virt_to_phys(v, vaddr, &p);
                if (r < 0)
                        return r;
                r = vmcore_read_phys(v, p, out, n);
                if (r < 0)
                        return r;
                out += n;
                size -= n;
                vaddr += n;
        }
        return 0;
}

static int memory_read(void *userdata, uint64_t vaddr, void *buf, size_t size) {
        return vmcore_read_virt(userdata, vaddr, buf, size);
}

VmcoreMemory vmcore_memory(Vmcore *v) {
        return (VmcoreMemory) { .read = memory_read, .userdata = v };
}

static int need_info(Vmcore *v, const VmcoreInfo **ret, VmcoreKernelError *reterr) {
        VmcoreInfoParseError e = {};
        int r = vmcore_get_vmcoreinfo(v, ret, &e);
        if (r < 0 && reterr) {
                if (r == -EBADMSG)
                        snprintf(reterr->what, sizeof(reterr->what), "VMCOREINFO line %u, key \"%.40s\", value \"%.40s\": %s",
                                 e.line, e.key, e.value, e.what);
                else if (r == -ENOENT)
                        snprintf(reterr->what, sizeof(reterr->what), "the dump has no VMCOREINFO");
                else
                        snprintf(reterr->what, sizeof(reterr->what), "the dump's VMCOREINFO cannot be read");
        }
        return r;
}

static void reset_zero_fill(Vmcore **v) {
        if ((*v)->kdump)
                vmcore_kdump_set_zero_fill((*v)->kdump, false);
}

/* VMCOREINFO and the kernel's memory, for reading kernel structures: pages filtered out of a
 * kdump-compressed dump read as zeros until reset_zero_fill(). */
static int kernel_memory(Vmcore *v, const VmcoreInfo **ret_info, VmcoreMemory *ret_mem, VmcoreKernelError *reterr) {
        int r = need_info(v, ret_info, reterr);
        if (r < 0)
                return r;
        if (v->kdump)
                vmcore_kdump_set_zero_fill(v->kdump, true);
        *ret_mem = vmcore_memory(v);
        return 0;
}

int vmcore_dmesg(Vmcore *v, unsigned flags, Buffer *out, VmcoreKernelError *reterr) {
        _cleanup_(reset_zero_fill) Vmcore *z = v;
        const VmcoreInfo *info;
        VmcoreMemory m;
        int r = kernel_memory(v, &info, &m, reterr);
        if (r < 0)
                return r;
        return printk_dmesg(info, &m, flags, out, reterr);
}

int vmcore_dmesg_foreach(Vmcore *v, int (*f)(const PrintkRecord *r, void *userdata), void *userdata,
                         VmcoreKernelError *reterr) {
        _cleanup_(reset_zero_fill) Vmcore *z = v;
        const VmcoreInfo *info;
        VmcoreMemory m;
        int r = kernel_memory(v, &info, &m, reterr);
        if (r < 0)
                return r;
        return printk_ring_foreach(info, &m, f, userdata, reterr);
}

int vmcore_uname(Vmcore *v, VmcoreUname *ret, VmcoreKernelError *reterr) {
        _cleanup_(reset_zero_fill) Vmcore *z = v;
        const VmcoreInfo *info;
        VmcoreMemory m;
        int r = kernel_memory(v, &info, &m, reterr);
        if (r < 0)
                return r;
        return vmcore_uname_read(info, &m, ret, reterr);
}
