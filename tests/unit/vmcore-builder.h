/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A synthetic crashed x86_64 machine for the vmcore reader tests: a few ranges of "physical
 * memory" holding a kernel image (relocated by phys_base), init_top_pgt with page tables for a
 * direct-map and a vmalloc area, a lockless printk ring filled the way the kernel fills it
 * (kernel/printk/printk_ringbuffer.c: ids and positions start just below their wrap, blocks
 * are id + text aligned to 8, a block that would cross the end goes to the start, old records
 * become reusable and the tails move), init_uts_ns and VMCOREINFO describing all of it.
 * The machine is then written out as an ELF core (like /proc/vmcore) or as a kdump-compressed
 * file (like makedumpfile) with any compression. */

#include "macro.h"
#include "util.h"

/* Structure offsets, as VMCOREINFO states them. */
typedef struct TestLayout {
        uint64_t prb_size, prb_desc_ring, prb_text_data_ring, prb_fail;
        uint64_t dr_size, dr_count_bits, dr_descs, dr_infos, dr_head_id, dr_tail_id;
        uint64_t tr_size, tr_size_bits, tr_data, tr_head_lpos, tr_tail_lpos;
        uint64_t desc_size, desc_state_var, desc_text_blk_lpos;
        uint64_t lpos_size, lpos_begin, lpos_next;
        uint64_t info_size, info_seq, info_ts_nsec, info_text_len, info_caller_id, info_dev_info;
        uint64_t uts_name;
} TestLayout;

extern const TestLayout test_layout_linux;    /* Linux 6.x/7.x x86_64 */
extern const TestLayout test_layout_shuffled; /* every member somewhere else */

typedef enum TestRingPlace {
        TEST_RING_IMAGE,      /* static arrays in the kernel image (the default log buffer) */
        TEST_RING_DIRECT_MAP, /* memblock-allocated (log_buf_len=): direct-map addresses */
} TestRingPlace;

typedef struct TestMachineOptions {
        const TestLayout *layout;     /* NULL: test_layout_linux */
        unsigned count_bits;          /* descriptors: 1 << count_bits */
        unsigned size_bits;           /* text bytes: 1 << size_bits */
        TestRingPlace place;
        bool text_in_vmalloc;         /* text ring in 4 KiB vmalloc pages in reverse physical order */
        uint64_t direct_map_page;     /* 4 KiB, 2 MiB or 1 GiB mappings of the direct map */
        bool l5;                      /* 5-level paging */
        bool sme;                     /* an SME encryption bit in every page table entry */
        bool uts_offset;              /* OFFSET(uts_namespace.name) in VMCOREINFO */
        uint64_t uts_name_offset;     /* where the name is in struct uts_namespace */
        const char *release;          /* OSRELEASE and utsname release */
        bool compact;                 /* all memory below 17 MiB, 64 KiB kernel image (fuzz seeds) */
} TestMachineOptions;

typedef struct TestMachine TestMachine;

TestMachine *test_machine_new(const TestMachineOptions *o);
TestMachine *test_machine_free(TestMachine *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(TestMachine *, test_machine_free);
#define _cleanup_test_machine_free_ _cleanup_(test_machine_freep)

/* Adds a record as printk would: reserve (pushing tails as needed), write, finalize. Returns the
 * descriptor id. Texts longer than fit in the ring are the caller's problem. */
uint64_t test_machine_printk(TestMachine *m, uint64_t ts_nsec, uint32_t caller_id, const char *text, size_t len);
/* Overwrites the state bits of a descriptor (e.g. leave the last one committed or reserved). */
void test_machine_set_state(TestMachine *m, uint64_t id, unsigned state);
/* Overwrites the id part of a descriptor's state_var (a descriptor that names another id). */
void test_machine_set_desc_id(TestMachine *m, uint64_t id, uint64_t other_id);
uint64_t test_machine_head_id(const TestMachine *m);
uint64_t test_machine_tail_id(const TestMachine *m);

/* The VMCOREINFO text. Lines can be removed or replaced before writing: a line whose key
 * matches is replaced by "key=value", or dropped when value is NULL; a missing key is added. */
const char *test_machine_vmcoreinfo(const TestMachine *m);
int test_machine_set_vmcoreinfo(TestMachine *m, const char *key, const char *value);

/* Raw access for corruption tests: the bytes behind a kernel virtual address, or NULL. */
uint8_t *test_machine_virt(TestMachine *m, uint64_t vaddr, size_t size);
uint64_t test_machine_symbol(const TestMachine *m, const char *name); /* "prb", "init_uts_ns", … */

/* One physical page to leave out of kdump files ("filtered" by the dump level). */
void test_machine_exclude_page(TestMachine *m, uint64_t paddr);
/* A physical address that is RAM in the machine but all zeros and not used. */
uint64_t test_machine_zero_page(const TestMachine *m);

/* An ELF64 core as /proc/vmcore: kernel text segment, one PT_LOAD per range (the last one with
 * p_filesz 0, zero fill), a PT_NOTE with NT_PRSTATUS per CPU and VMCOREINFO. */
int test_machine_write_elf(TestMachine *m, unsigned n_cpus, Buffer *out);

/* The same with a PT_LOAD per run of zero or non-zero pages, zero runs as p_filesz 0 (as
 * makedumpfile -E leaves filtered pages out), and no separate text segment: small. */
int test_machine_write_elf_sparse(TestMachine *m, unsigned n_cpus, Buffer *out);

/* A kdump-compressed file, header version 6, pages compressed with the given
 * VMCORE_KDUMP_COMPRESSED_* flag (0: raw), pages that do not shrink stored raw as makedumpfile
 * does. exclude_zero drops all-zero pages (dump level bit 0), else they share one data block. */
int test_machine_write_kdump(TestMachine *m, uint32_t compression, bool exclude_zero, unsigned n_cpus, Buffer *out);
