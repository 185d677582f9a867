/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny synthetic kernel for the erase tests: a keyring (an rb-tree of struct key by serial,
 * with key types and user_key_payload payloads), a per-CPU struct crng, base_crng, a list and an
 * array, laid out at SIM_* offsets — the same offsets the synthetic BTF of test-erase-resolve
 * describes. It is written through a callback, into a flat SimMemory (walker tests) or into a
 * TestMachine of vmcore-builder.h (dump tests). */

#include "erase-walk.h"
#include "vmcore-builder.h"
#include "vmcore.h"

/* struct key */
#define SIM_KEY_SIZE 0x58
#define SIM_KEY_SERIAL 0x04
#define SIM_KEY_SERIAL_NODE 0x08       /* in an anonymous union */
#define SIM_KEY_DATALEN 0x20
#define SIM_KEY_TYPE 0x28              /* in an anonymous struct */
#define SIM_KEY_PAYLOAD 0x38           /* union key_payload { void *data[4]; } in an anonymous union */
/* struct key_type */
#define SIM_KEY_TYPE_SIZE 0x10
#define SIM_KEY_TYPE_NAME 0x00
/* struct user_key_payload */
#define SIM_UKP_DATALEN 0x10
#define SIM_UKP_DATA 0x18
/* struct crng: u8 key[32]; unsigned long generation; */
#define SIM_CRNG_SIZE 0x28
#define SIM_PERCPU_CRNGS UINT64_C(0x2a040)  /* the per-CPU symbol's value (an offset) */

typedef struct SimKernel {
        uint8_t *(*ptr)(void *userdata, uint64_t vaddr, size_t size);
        void *userdata;
        uint64_t static_next, static_end;   /* kernel image: globals */
        uint64_t heap_next, heap_end;       /* direct map: objects */
        uint64_t key_serial_tree;           /* struct rb_root */
        uint64_t type_user, type_logon, type_keyring;
        uint64_t base_crng, per_cpu_offset, nr_cpu_ids;
} SimKernel;

/* Sets up globals; ptr/userdata and the two areas must be filled in. */
void sim_kernel_init(SimKernel *k);
uint64_t sim_alloc(SimKernel *k, size_t size);
uint64_t sim_alloc_static(SimKernel *k, size_t size);
void sim_write(SimKernel *k, uint64_t vaddr, const void *p, size_t n);
void sim_w64(SimKernel *k, uint64_t vaddr, uint64_t v);
void sim_w16(SimKernel *k, uint64_t vaddr, uint16_t v);
uint64_t sim_r64(SimKernel *k, uint64_t vaddr);

/* A key of the given type with a user_key_payload holding data, inserted into the tree by serial
 * (a plain binary search tree; the walk does not care about colours). Returns the struct key;
 * *ret_data the payload's data address (may be NULL). payload_at: where to put the payload
 * (0: the heap) — e.g. across a page boundary. */
uint64_t sim_add_key(SimKernel *k, uint32_t serial, uint64_t type, const void *data, uint16_t len, uint64_t payload_at,
                     uint64_t *ret_data);
/* n CPUs with a struct crng each, keys[i] their keys; base_crng gets base_key. */
void sim_add_crngs(SimKernel *k, unsigned n, const uint8_t (*keys)[32], const uint8_t base_key[32]);

/* /proc/kallsyms lines for the globals (key_serial_tree, base_crng, crngs, __per_cpu_offset,
 * nr_cpu_ids, and a _text line). */
char *sim_kallsyms(const SimKernel *k);
/* The resolved plan for the sim (as the resolver makes it from the synthetic BTF): rules
 * keyring-user, keyring-logon, rng-base-crng, rng-percpu-crng. */
char *sim_plan_text(const SimKernel *k);

/* A flat memory: the image (0xffffffff81000000 → 0x1000000, 256 KiB), the direct map
 * (0xffff888000200000 → 0x200000, 1 MiB) and a vmalloc area of 4 pages in reverse physical order
 * (0xffffc90000000000 → 0x400000…). */
typedef struct SimMemory SimMemory;
SimMemory *sim_memory_new(void);
void sim_memory_free(SimMemory *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(SimMemory *, sim_memory_free);
void sim_kernel_on_memory(SimKernel *k, SimMemory *m);
EraseMemory sim_erase_memory(SimMemory *m);
uint8_t *sim_memory_ptr(void *m, uint64_t vaddr, size_t size);
#define SIM_VMALLOC UINT64_C(0xffffc90000000000)
uint64_t sim_memory_phys(SimMemory *m, uint64_t vaddr); /* UINT64_MAX when unmapped */

/* The same kernel written into a TestMachine (image globals from +512 KiB, objects in the unused
 * direct-map range when the printk ring is in the image). */
void sim_kernel_on_machine(SimKernel *k, TestMachine *m);

/* The physical address of a kernel virtual address, through the dump's own page tables. */
int vmcore_virt_to_phys_test(const char *path, uint64_t vaddr, uint64_t *ret);
