/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* ELF64 core files as the kernel exports them in /proc/vmcore, and as `makedumpfile -E` writes
 * them: ET_CORE, one or more PT_NOTE segments (NT_PRSTATUS per CPU, the "VMCOREINFO" note) and
 * PT_LOAD segments mapping physical (p_paddr) and virtual (p_vaddr) ranges to file offsets, with
 * p_filesz < p_memsz meaning zero fill. Little-endian 64-bit only.
 *
 * Errors: -EBADMSG corrupt or truncated headers or notes, -EPROTONOSUPPORT not a 64-bit
 * little-endian core file, -EFBIG more segments or note bytes than the bounds below,
 * -ENODATA (reads) an address no segment maps. */

#include "vmcore-source.h"

#define VMCORE_ELF_SEGMENTS_MAX (1U << 20)
#define VMCORE_ELF_NOTES_MAX (16 * MiB)

typedef struct VmcoreElfSegment {
        uint64_t paddr;
        uint64_t vaddr;
        uint64_t offset;
        uint64_t filesz;
        uint64_t memsz;
} VmcoreElfSegment;

typedef struct VmcoreElf VmcoreElf;

/* What the notes of a core say that we use. */
typedef struct VmcoreNotes {
        char *vmcoreinfo;          /* the first VMCOREINFO note's text, NUL-terminated, or NULL */
        size_t vmcoreinfo_size;
        unsigned n_prstatus;       /* NT_PRSTATUS notes named "CORE" */
} VmcoreNotes;

/* Walks a buffer of ELF notes (4-byte aligned name and descriptor), adding to *n. A note header
 * of all zeros ends the walk (the padding of /proc/vmcore's per-CPU buffers). -EBADMSG when a
 * note runs past the end, -EFBIG for a VMCOREINFO larger than VMCOREINFO_SIZE_MAX. Also used
 * for the notes that kdump-compressed files carry. */
int vmcore_notes_parse(const uint8_t *p, uint64_t size, VmcoreNotes *n);
void vmcore_notes_done(VmcoreNotes *n);
/* Reads size bytes of notes at offset of src and parses them into n: -EFBIG above
 * VMCORE_ELF_NOTES_MAX, -EBADMSG when they are not in the file. */
int vmcore_notes_read(const VmcoreSource *src, uint64_t offset, uint64_t size, VmcoreNotes *n);

/* Checks the ELF header, reads program headers and notes. The source must outlive the object. */
int vmcore_elf_open(const VmcoreSource *src, VmcoreElf **ret);
VmcoreElf *vmcore_elf_free(VmcoreElf *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(VmcoreElf *, vmcore_elf_free);
#define _cleanup_vmcore_elf_free_ _cleanup_(vmcore_elf_freep)

/* Whether data looks like an ELF file at all (the magic), for format detection. */
bool vmcore_elf_probe(const void *data, size_t size);

uint16_t vmcore_elf_machine(const VmcoreElf *e);       /* e_machine, EM_X86_64 = 62 */
/* The PT_LOAD segments as found in the file (those with p_memsz > 0), in file order. */
const VmcoreElfSegment *vmcore_elf_segments(const VmcoreElf *e, size_t *ret_n);
/* Number of NT_PRSTATUS notes ("CORE"), one per CPU that was online at the crash. */
unsigned vmcore_elf_n_prstatus(const VmcoreElf *e);
/* Whether some PT_LOAD data lies beyond the end of the file. */
bool vmcore_elf_truncated(const VmcoreElf *e);
/* The VMCOREINFO note's text (not NUL-terminated), or NULL when the core has none. */
const char *vmcore_elf_vmcoreinfo(const VmcoreElf *e, size_t *ret_size);

/* Reads physical memory; zero-filled beyond p_filesz. -ENODATA when a byte of the range is not
 * in any PT_LOAD, -EBADMSG when it lies beyond the end of a truncated file. */
int vmcore_elf_read_phys(const VmcoreElf *e, uint64_t paddr, void *buf, size_t size);
/* The physical address that the PT_LOAD headers give for a virtual address (p_vaddr), -ENODATA
 * when none maps it. */
int vmcore_elf_vaddr_to_paddr(const VmcoreElf *e, uint64_t vaddr, uint64_t *ret);
