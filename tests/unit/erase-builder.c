/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erase-builder.h"

uint64_t sim_alloc(SimKernel *k, size_t size) {
        uint64_t a = k->heap_next;
        k->heap_next = (k->heap_next + size + 63) & ~UINT64_C(63);
        if (k->heap_next > k->heap_end)
                abort();
        return a;
}

uint64_t sim_alloc_static(SimKernel *k, size_t size) {
        uint64_t a = k->static_next;
        k->static_next = (k->static_next + size + 63) & ~UINT64_C(63);
        if (k->static_next > k->static_end)
                abort();
        return a;
}

void sim_write(SimKernel *k, uint64_t vaddr, const void *p, size_t n) {
        uint8_t *d = k->ptr(k->userdata, vaddr, n);
        if (!d)
                abort();
        memcpy(d, p, n);
}

void sim_w64(SimKernel *k, uint64_t vaddr, uint64_t v) {
        uint8_t b[8];
        for (unsigned i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        sim_write(k, vaddr, b, 8);
}

void sim_w16(SimKernel *k, uint64_t vaddr, uint16_t v) {
        uint8_t b[2] = { (uint8_t) v, (uint8_t) (v >> 8) };
        sim_write(k, vaddr, b, 2);
}

uint64_t sim_r64(SimKernel *k, uint64_t vaddr) {
        const uint8_t *d = k->ptr(k->userdata, vaddr, 8);
        uint64_t v = 0;
        if (!d)
                abort();
        for (unsigned i = 0; i < 8; i++)
                v |= (uint64_t) d[i] << (8 * i);
        return v;
}

static uint64_t add_type(SimKernel *k, const char *name) {
        uint64_t t = sim_alloc_static(k, SIM_KEY_TYPE_SIZE), s = sim_alloc_static(k, strlen(name) + 1);
        sim_write(k, s, name, strlen(name) + 1);
        sim_w64(k, t + SIM_KEY_TYPE_NAME, s);
        return t;
}

void sim_kernel_init(SimKernel *k) {
        k->key_serial_tree = sim_alloc_static(k, 8);
        sim_w64(k, k->key_serial_tree, 0);
        k->type_user = add_type(k, "user");
        k->type_logon = add_type(k, "logon");
        k->type_keyring = add_type(k, "keyring");
        k->base_crng = sim_alloc_static(k, SIM_CRNG_SIZE);
        k->nr_cpu_ids = sim_alloc_static(k, 4);
        k->per_cpu_offset = sim_alloc_static(k, 8 * 8);
}

uint64_t sim_add_key(SimKernel *k, uint32_t serial, uint64_t type, const void *data, uint16_t len, uint64_t payload_at,
                     uint64_t *ret_data) {
        uint64_t key = sim_alloc(k, SIM_KEY_SIZE);
        uint64_t p = payload_at ?: sim_alloc(k, SIM_UKP_DATA + len);
        uint8_t s[4] = { (uint8_t) serial, (uint8_t) (serial >> 8), (uint8_t) (serial >> 16), (uint8_t) (serial >> 24) };

        sim_write(k, key + SIM_KEY_SERIAL, s, 4);
        sim_w64(k, key + SIM_KEY_TYPE, type);
        sim_w16(k, key + SIM_KEY_DATALEN, len);
        sim_w64(k, key + SIM_KEY_PAYLOAD, p);
        sim_w16(k, p + SIM_UKP_DATALEN, len);
        if (len > 0)
                sim_write(k, p + SIM_UKP_DATA, data, len);
        if (ret_data)
                *ret_data = p + SIM_UKP_DATA;

        /* Insert: rb_right at +8, rb_left at +16 of the node. */
        uint64_t node = key + SIM_KEY_SERIAL_NODE, link = k->key_serial_tree, parent = 0;
        for (;;) {
                uint64_t cur = sim_r64(k, link);
                if (!cur)
                        break;
                parent = cur;
                const uint8_t *cs = k->ptr(k->userdata, cur - SIM_KEY_SERIAL_NODE + SIM_KEY_SERIAL, 4);
                uint32_t cser = (uint32_t) cs[0] | (uint32_t) cs[1] << 8 | (uint32_t) cs[2] << 16 | (uint32_t) cs[3] << 24;
                link = serial < cser ? cur + 16 : cur + 8;
        }
        sim_w64(k, node, parent);
        sim_w64(k, node + 8, 0);
        sim_w64(k, node + 16, 0);
        sim_w64(k, link, node);
        return key;
}

void sim_add_crngs(SimKernel *k, unsigned n, const uint8_t (*keys)[32], const uint8_t base_key[32]) {
        uint8_t nb[4] = { (uint8_t) n, 0, 0, 0 };

        sim_write(k, k->nr_cpu_ids, nb, 4);
        for (unsigned cpu = 0; cpu < n && cpu < 8; cpu++) {
                uint64_t area = sim_alloc(k, SIM_CRNG_SIZE);
                sim_write(k, area, keys[cpu], 32);
                sim_w64(k, k->per_cpu_offset + 8 * cpu, area - SIM_PERCPU_CRNGS);
        }
        sim_write(k, k->base_crng, base_key, 32);
}

char *sim_kallsyms(const SimKernel *k) {
        char *s = NULL;
        if (asprintf(&s,
                     "ffffffff81000000 T _text\n"
                     "%016" PRIx64 " d key_serial_tree\n"
                     "%016" PRIx64 " d base_crng\n"
                     "%016" PRIx64 " D crngs\n"
                     "%016" PRIx64 " D __per_cpu_offset\n"
                     "%016" PRIx64 " D nr_cpu_ids\n"
                     "ffffffffc0001000 t some_function\t[dm_mod]\n",
                     k->key_serial_tree, k->base_crng, SIM_PERCPU_CRNGS, k->per_cpu_offset, k->nr_cpu_ids) < 0)
                abort();
        return s;
}

char *sim_plan_text(const SimKernel *k) {
        char *s = NULL;
        if (asprintf(&s,
                     "erase-plan version=1\n"
                     "on-failure delete\n"
                     "percpu offsets=0x%" PRIx64 " nr-cpu-ids=0x%" PRIx64 "\n"
                     "rule keyring-user\n"
                     "\troot addr=0x%" PRIx64 "\n"
                     "\trbtree node=0x8 max=262144\n"
                     "\twhere string=0x28,0x0 equals=user\n"
                     "\tfollow at=0x38\n"
                     "\terase at=0x18 length=0x10 length-size=2 max=0x7fff\n"
                     "end\n"
                     "rule keyring-logon\n"
                     "\troot addr=0x%" PRIx64 "\n"
                     "\trbtree node=0x8 max=262144\n"
                     "\twhere string=0x28,0x0 equals=logon\n"
                     "\tfollow at=0x38\n"
                     "\terase at=0x18 length=0x10 length-size=2 max=0x7fff\n"
                     "end\n"
                     "rule rng-base-crng\n"
                     "\troot addr=0x%" PRIx64 "\n"
                     "\terase at=0x0 length=0x20 max=0x20\n"
                     "end\n"
                     "rule rng-percpu-crng\n"
                     "\troot addr=0x%" PRIx64 "\n"
                     "\tpercpu\n"
                     "\terase at=0x0 length=0x20 max=0x20\n"
                     "end\n",
                     k->per_cpu_offset, k->nr_cpu_ids, k->key_serial_tree, k->key_serial_tree, k->base_crng,
                     SIM_PERCPU_CRNGS) < 0)
                abort();
        return s;
}

/* ---- flat memory ---- */

typedef struct Region {
        uint64_t vaddr, paddr, size;
        bool reversed;             /* pages in reverse physical order */
        uint8_t *data;
} Region;

struct SimMemory {
        Region r[3];
};

SimMemory *sim_memory_new(void) {
        SimMemory *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->r[0] = (Region) { .vaddr = UINT64_C(0xffffffff81000000), .paddr = 0x1000000, .size = 256 * KiB };
        m->r[1] = (Region) { .vaddr = UINT64_C(0xffff888000200000), .paddr = 0x200000, .size = 1 * MiB };
        m->r[2] = (Region) { .vaddr = SIM_VMALLOC, .paddr = 0x400000, .size = 4 * 4096, .reversed = true };
        for (size_t i = 0; i < 3; i++) {
                m->r[i].data = calloc(1, m->r[i].size);
                if (!m->r[i].data) {
                        sim_memory_free(m);
                        return NULL;
                }
        }
        return m;
}

void sim_memory_free(SimMemory *m) {
        if (!m)
                return;
        for (size_t i = 0; i < 3; i++)
                free(m->r[i].data);
        free(m);
}

/* Data behind [vaddr, vaddr+size), within one region (and one page for the reversed one). */
uint8_t *sim_memory_ptr(void *userdata, uint64_t vaddr, size_t size) {
        SimMemory *m = userdata;
        for (size_t i = 0; i < 3; i++) {
                Region *r = &m->r[i];
                if (vaddr < r->vaddr || vaddr - r->vaddr >= r->size || size > r->size - (vaddr - r->vaddr))
                        continue;
                uint64_t off = vaddr - r->vaddr;
                if (r->reversed && (off / 4096) != ((off + (size ? size - 1 : 0)) / 4096))
                        return NULL;
                return r->data + off;
        }
        return NULL;
}

uint64_t sim_memory_phys(SimMemory *m, uint64_t vaddr) {
        for (size_t i = 0; i < 3; i++) {
                Region *r = &m->r[i];
                if (vaddr < r->vaddr || vaddr - r->vaddr >= r->size)
                        continue;
                uint64_t off = vaddr - r->vaddr;
                if (r->reversed) {
                        uint64_t n = r->size / 4096, k = off / 4096;
                        return r->paddr + (n - 1 - k) * 4096 + off % 4096;
                }
                return r->paddr + off;
        }
        return UINT64_MAX;
}

static int mem_read(void *userdata, uint64_t vaddr, void *buf, size_t size) {
        uint8_t *out = buf;
        while (size > 0) {
                size_t n = MIN(size, (size_t) (4096 - vaddr % 4096));
                const uint8_t *p = sim_memory_ptr(userdata, vaddr, n);
                if (!p)
                        return -EADDRNOTAVAIL;
                memcpy(out, p, n);
                out += n;
                vaddr += n;
                size -= n;
        }
        return 0;
}

static int mem_translate(void *userdata, uint64_t vaddr, uint64_t *ret) {
        uint64_t p = sim_memory_phys(userdata, vaddr);
        if (p == UINT64_MAX)
                return -EADDRNOTAVAIL;
        *ret = p;
        return 0;
}

EraseMemory sim_erase_memory(SimMemory *m) {
        return (EraseMemory) { .read = mem_read, .virt_to_phys = mem_translate, .userdata = m };
}

void sim_kernel_on_memory(SimKernel *k, SimMemory *m) {
        *k = (SimKernel) {
                .ptr = sim_memory_ptr,
                .userdata = m,
                .static_next = m->r[0].vaddr + 0x1000,
                .static_end = m->r[0].vaddr + m->r[0].size,
                .heap_next = m->r[1].vaddr,
                .heap_end = m->r[1].vaddr + m->r[1].size,
        };
        sim_kernel_init(k);
}

static uint8_t *machine_ptr(void *userdata, uint64_t vaddr, size_t size) {
        return test_machine_virt(userdata, vaddr, size);
}

void sim_kernel_on_machine(SimKernel *k, TestMachine *m) {
        uint64_t dm = test_machine_symbol(m, "page_offset") + 0x20000000; /* the unused direct-map range */
        *k = (SimKernel) {
                .ptr = machine_ptr,
                .userdata = m,
                .static_next = UINT64_C(0xffffffff81000000) + 512 * KiB,
                .static_end = UINT64_C(0xffffffff81000000) + 1 * MiB,
                .heap_next = dm,
                .heap_end = dm + 1 * MiB,
        };
        sim_kernel_init(k);
}

int vmcore_virt_to_phys_test(const char *path, uint64_t vaddr, uint64_t *ret) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        int r = vmcore_open(path, &v);
        if (r < 0)
                return r;
        return vmcore_virt_to_phys(v, vaddr, ret);
}
