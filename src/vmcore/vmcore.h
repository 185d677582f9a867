/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A crash dump as physical and kernel-virtual memory, whatever its format: an ELF core
 * (/proc/vmcore, `makedumpfile -E`) or a kdump-compressed file (makedumpfile's default), plus
 * its VMCOREINFO. Virtual addresses are translated the x86_64 way: kernel image addresses
 * (__START_KERNEL_map … + KERNEL_IMAGE_SIZE) by phys_base, everything else (direct map,
 * vmalloc, modules) by walking the crashed kernel's page tables from init_top_pgt, 4- or
 * 5-level, 2 MiB and 1 GiB pages, at most one read per level.
 *
 * Errors from reads: -ENODATA the page is not in the dump (filtered out by the dump level, not
 * RAM, or cut short), -EADDRNOTAVAIL the address is not mapped or not canonical,
 * -EPROTONOSUPPORT virtual addresses of an architecture other than x86_64, -EBADMSG corrupt or
 * truncated data. The dumps are hostile input: see vmcore-elf.h and vmcore-kdump.h. */

#include "vmcore-elf.h"
#include "vmcore-kdump.h"
#include "vmcore-kernel.h"
#include "vmcoreinfo.h"

typedef enum VmcoreFormat {
        VMCORE_FORMAT_ELF,
        VMCORE_FORMAT_KDUMP,
        _VMCORE_FORMAT_MAX,
} VmcoreFormat;

const char *vmcore_format_to_string(VmcoreFormat f) _pure_; /* "elf", "kdump-compressed" */

#define X86_64_START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define X86_64_KERNEL_IMAGE_SIZE_DEFAULT (512 * MiB) /* without KASLR; VMCOREINFO says 1 GiB with it */

typedef struct Vmcore Vmcore;

/* Opens a dump; the fd is duplicated (O_CLOEXEC), the caller keeps its own. -EBADMSG when the
 * file is neither format, -EPROTONOSUPPORT for the flattened format and other variants we
 * do not read; see the format readers for the rest. A missing or corrupt VMCOREINFO is not
 * an error here: vmcore_get_vmcoreinfo() reports it. */
int vmcore_open_fd(int fd, Vmcore **ret);
int vmcore_open(const char *path, Vmcore **ret);
/* Over a buffer that must outlive the object (tests, fuzzers). */
int vmcore_open_memory(const void *data, size_t size, Vmcore **ret);
Vmcore *vmcore_free(Vmcore *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Vmcore *, vmcore_free);
#define _cleanup_vmcore_free_ _cleanup_(vmcore_freep)

VmcoreFormat vmcore_get_format(const Vmcore *v);
/* The format readers, NULL for the other format. */
VmcoreElf *vmcore_get_elf(const Vmcore *v);
VmcoreKdump *vmcore_get_kdump(const Vmcore *v);

/* The parsed VMCOREINFO: -ENOENT when the dump has none, -EBADMSG (and *reterr, if non-NULL)
 * when it does not parse, -EFBIG when it is too large. */
int vmcore_get_vmcoreinfo(const Vmcore *v, const VmcoreInfo **ret, VmcoreInfoParseError *reterr);

/* Physical memory. */
int vmcore_read_phys(Vmcore *v, uint64_t paddr, void *buf, size_t size);

/* x86_64 kernel virtual addresses. */
int vmcore_virt_to_phys(Vmcore *v, uint64_t vaddr, uint64_t *ret);
int vmcore_read_virt(Vmcore *v, uint64_t vaddr, void *buf, size_t size);
/* The crashed kernel's page tables alone, without the phys_base shortcut for kernel image
 * addresses: -EADDRNOTAVAIL without init_top_pgt. The image is mapped both ways, so checking a
 * dump compares the two. */
int vmcore_walk_page_tables(Vmcore *v, uint64_t vaddr, uint64_t *ret);

/* A VmcoreMemory reading this dump's kernel virtual memory, for vmcore-kernel.h. */
VmcoreMemory vmcore_memory(Vmcore *v);

/* Convenience: the kernel log and the utsname of the dump (VMCOREINFO required). While they
 * run, RAM pages a kdump-compressed file left out under the zero-page rule read as zeros (see
 * vmcore_kdump_set_zero_fill()); makedumpfile --dump-dmesg fails on such pages instead. */
int vmcore_dmesg(Vmcore *v, unsigned flags, Buffer *out, VmcoreKernelError *reterr);
int vmcore_uname(Vmcore *v, VmcoreUname *ret, VmcoreKernelError *reterr);
/* The kernel log record by record, as printk_ring_foreach() gives it (for dmesg --json). */
int vmcore_dmesg_foreach(Vmcore *v, int (*f)(const PrintkRecord *r, void *userdata), void *userdata,
                         VmcoreKernelError *reterr);
