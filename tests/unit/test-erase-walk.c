/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The walker on a synthetic kernel: keyring rb-tree, per-CPU and base crng, and hostile memory —
 * cycles, wild and misaligned pointers, huge lengths and counts, unmapped pages. */
#include <inttypes.h>
#include <stdlib.h>

#include "erase-builder.h"
#include "tests.h"

static int load_plan(const char *text, ErasePlan *p) {
        ConfDiagList d = {};
        int r = erase_plan_parse("test.plan", text, strlen(text), p, &d);
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *m = conf_diag_format(&d.items[i]);
                printf("# %s\n", m);
        }
        conf_diags_done(&d);
        return r;
}

/* Whether [paddr, paddr+size) is wholly inside the walk's ranges. */
static bool covered(const EraseWalk *w, uint64_t paddr, uint64_t size) {
        for (size_t i = 0; i < w->n_ranges; i++)
                if (paddr >= w->ranges[i].paddr && paddr + size <= w->ranges[i].paddr + w->ranges[i].size)
                        return true;
        return false;
}

static uint64_t total(const EraseWalk *w) {
        uint64_t t = 0;
        for (size_t i = 0; i < w->n_ranges; i++)
                t += w->ranges[i].size;
        return t;
}

typedef struct Fixture {
        SimMemory *mem;
        SimKernel k;
        ErasePlan plan;
        uint64_t user_data, logon_data, other_data, percpu_key[4];
} Fixture;

static void fixture_done(Fixture *f) {
        erase_plan_done(&f->plan);
        sim_memory_free(f->mem);
}

static int fixture_setup(Fixture *f) {
        static const uint8_t keys[4][32] = { { 1 }, { 2 }, { 3 }, { 4 } };
        static const uint8_t base[32] = { 9, 9, 9 };
        _cleanup_free_ char *plan = NULL;

        f->mem = sim_memory_new();
        if (!f->mem)
                return -ENOMEM;
        sim_kernel_on_memory(&f->k, f->mem);
        (void) sim_add_key(&f->k, 50, f->k.type_keyring, "", 0, 0, NULL);
        (void) sim_add_key(&f->k, 20, f->k.type_user, "USER-SECRET-0123", 16, 0, &f->user_data);
        (void) sim_add_key(&f->k, 70, f->k.type_logon, "LOGON-SECRET-456789", 19, 0, &f->logon_data);
        (void) sim_add_key(&f->k, 10, f->k.type_keyring, "not secret", 10, 0, &f->other_data);
        sim_add_crngs(&f->k, 4, keys, base);
        for (unsigned c = 0; c < 4; c++)
                f->percpu_key[c] = sim_r64(&f->k, f->k.per_cpu_offset + 8 * c) + SIM_PERCPU_CRNGS;
        plan = sim_plan_text(&f->k);
        return load_plan(plan, &f->plan);
}

TEST(walk_keyring_and_rng) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};

        ASSERT_OK(fixture_setup(&f));
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_OK(erase_walk(&f.plan, &m, &w));
        ASSERT_EQ(w.n_results, 4);
        ASSERT_EQ(w.results[0].objects, 1);
        ASSERT_EQ(w.results[0].bytes, 16);
        ASSERT_EQ(w.results[0].visited, 4);
        ASSERT_EQ(w.results[1].objects, 1);
        ASSERT_EQ(w.results[1].bytes, 19);
        ASSERT_EQ(w.results[2].bytes, 32);
        ASSERT_EQ(w.results[3].objects, 4);
        ASSERT_EQ(w.results[3].bytes, 128);
        ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, f.user_data), 16));
        ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, f.logon_data), 19));
        ASSERT_FALSE(covered(&w, sim_memory_phys(f.mem, f.other_data), 1));
        ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, f.k.base_crng), 32));
        for (unsigned c = 0; c < 4; c++)
                ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, f.percpu_key[c]), 32));
        ASSERT_U64_EQ(total(&w), 16 + 19 + 32 + 4 * 32);
        /* Sorted, disjoint. */
        for (size_t i = 1; i < w.n_ranges; i++)
                ASSERT_GT(w.ranges[i].paddr, w.ranges[i - 1].paddr + w.ranges[i - 1].size - 1);
        return TEST_PASS;
}

TEST(walk_payload_across_reversed_pages) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        uint8_t secret[100];
        uint64_t data;

        ASSERT_OK(fixture_setup(&f));
        memset(secret, 'S', sizeof(secret));
        /* The payload's data straddles two vmalloc pages that are not adjacent physically: write
         * the header in the first page, the data byte by byte. */
        uint64_t p = SIM_VMALLOC + 4096 - 0x40;
        sim_w16(&f.k, p + SIM_UKP_DATALEN, sizeof(secret));
        uint64_t key = sim_add_key(&f.k, 30, f.k.type_user, "", 0, 0, NULL);
        sim_w64(&f.k, key + SIM_KEY_PAYLOAD, p);
        sim_w16(&f.k, p + SIM_UKP_DATALEN, sizeof(secret));
        for (size_t i = 0; i < sizeof(secret); i++)
                sim_write(&f.k, p + SIM_UKP_DATA + i, &secret[i], 1);
        data = p + SIM_UKP_DATA;

        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_OK(erase_walk(&f.plan, &m, &w));
        ASSERT_EQ(w.results[0].objects, 2);
        ASSERT_EQ(w.results[0].bytes, 16 + 100);
        uint64_t first = 4096 - (data - SIM_VMALLOC) % 4096;
        ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, data), first));
        ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, data + first), 100 - first));
        ASSERT_NE(sim_memory_phys(f.mem, data) + first, sim_memory_phys(f.mem, data + first));
        return TEST_PASS;
}

TEST(walk_cycle) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};

        ASSERT_OK(fixture_setup(&f));
        /* The root's left child's right pointer back to the root. */
        uint64_t root = sim_r64(&f.k, f.k.key_serial_tree);
        uint64_t left = sim_r64(&f.k, root + 16);
        ASSERT_NE(left, 0);
        sim_w64(&f.k, left + 8, root);
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
        ASSERT_EQ(w.n_failed, 2); /* both keyring rules */
        ASSERT_EQ(w.results[0].error, -ELOOP);
        printf("# %s\n", w.results[0].what);
        ASSERT_TRUE(strstr(w.results[0].what, "a cycle") != NULL);
        /* The others still ran. */
        ASSERT_EQ(w.results[2].error, 0);
        ASSERT_EQ(w.results[3].objects, 4);
        return TEST_PASS;
}

TEST(walk_self_loop_left) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};

        ASSERT_OK(fixture_setup(&f));
        uint64_t root = sim_r64(&f.k, f.k.key_serial_tree);
        sim_w64(&f.k, root + 16, root);
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
        ASSERT_EQ(w.results[0].error, -ELOOP);
        return TEST_PASS;
}

TEST(walk_wild_pointers) {
        static const uint64_t bad[] = {
                UINT64_C(0x00007fff00001000),   /* user half */
                UINT64_C(0xffff888000200004),   /* misaligned node */
                UINT64_C(0xfffffffffffffff2),   /* ERR_PTR(-14) */
                UINT64_C(0xffff888012345000),   /* kernel half, unmapped */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(fixture_done) Fixture f = {};
                _cleanup_(erase_walk_done) EraseWalk w = {};
                ASSERT_OK(fixture_setup(&f));
                uint64_t root = sim_r64(&f.k, f.k.key_serial_tree);
                sim_w64(&f.k, root + 8, bad[i]);
                EraseMemory m = sim_erase_memory(f.mem);
                ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
                ASSERT_NE(w.results[0].error, 0);
                printf("# 0x%" PRIx64 ": %s\n", bad[i], w.results[0].what);
        }
        return TEST_PASS;
}

TEST(walk_wild_type_and_payload_pointers) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        uint64_t d;

        ASSERT_OK(fixture_setup(&f));
        uint64_t key = sim_add_key(&f.k, 99, f.k.type_user, "x", 1, 0, &d);
        sim_w64(&f.k, key + SIM_KEY_PAYLOAD, UINT64_C(0x4141414141414141));
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
        ASSERT_EQ(w.results[0].error, -EADDRNOTAVAIL);
        ASSERT_TRUE(strstr(w.results[0].what, "wild pointer") != NULL);
        /* A NULL payload ends the branch without error. */
        erase_walk_done(&w);
        sim_w64(&f.k, key + SIM_KEY_PAYLOAD, 0);
        ASSERT_OK(erase_walk(&f.plan, &m, &w));
        ASSERT_EQ(w.results[0].objects, 1);
        return TEST_PASS;
}

TEST(walk_huge_length_clamped) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        uint64_t d;

        ASSERT_OK(fixture_setup(&f));
        uint64_t key = sim_add_key(&f.k, 98, f.k.type_user, "abc", 3, 0, &d);
        (void) key;
        sim_w16(&f.k, d - SIM_UKP_DATA + SIM_UKP_DATALEN, 0xffff);
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_OK(erase_walk(&f.plan, &m, &w));
        ASSERT_EQ(w.results[0].clamped, 1);
        ASSERT_EQ(w.results[0].bytes, 16 + 0x7fff);
        return TEST_PASS;
}

TEST(walk_huge_cpu_count) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};

        ASSERT_OK(fixture_setup(&f));
        uint8_t n[4] = { 0xff, 0xff, 0xff, 0x7f };
        sim_write(&f.k, f.k.nr_cpu_ids, n, 4);
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
        ASSERT_EQ(w.results[3].error, -EBADMSG);
        ASSERT_EQ(w.results[0].error, 0);
        return TEST_PASS;
}

TEST(walk_max_nodes) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        _cleanup_(erase_plan_done) ErasePlan p = {};
        char text[1024];

        ASSERT_OK(fixture_setup(&f));
        snprintf(text, sizeof(text),
                 "erase-plan version=1\nrule small\n\troot addr=0x%" PRIx64 "\n\trbtree node=0x8 max=3\n"
                 "\terase at=0x0 length=0x4 max=0x4\nend\n", f.k.key_serial_tree);
        ASSERT_OK(load_plan(text, &p));
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&p, &m, &w), EIO);
        ASSERT_EQ(w.results[0].error, -E2BIG);
        ASSERT_EQ(w.results[0].objects, 3);
        return TEST_PASS;
}

TEST(walk_deep_degenerate_tree) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};

        ASSERT_OK(fixture_setup(&f));
        /* A chain of 200 left children: deeper than any real rb-tree. */
        for (uint32_t s = 9; s >= 1 && s <= 9; s--)
                (void) sim_add_key(&f.k, s, f.k.type_keyring, "", 0, 0, NULL);
        uint64_t node = sim_r64(&f.k, f.k.key_serial_tree);
        for (unsigned i = 0; i < 200; i++) {
                uint64_t key = sim_alloc(&f.k, SIM_KEY_SIZE);
                sim_w64(&f.k, key + SIM_KEY_TYPE, f.k.type_keyring);
                sim_w64(&f.k, node + 16, key + SIM_KEY_SERIAL_NODE);
                node = key + SIM_KEY_SERIAL_NODE;
        }
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_ERROR(erase_walk(&f.plan, &m, &w), EIO);
        ASSERT_EQ(w.results[0].error, -ELOOP);
        ASSERT_TRUE(strstr(w.results[0].what, "deeper") != NULL);
        return TEST_PASS;
}

TEST(walk_list_array_where_value) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        _cleanup_(erase_plan_done) ErasePlan p = {};
        char text[2048];

        ASSERT_OK(fixture_setup(&f));
        /* A list of 3 objects {list_head @0x10, u32 kind @0x20, u8 secret[8] @0x28}, and an object
         * holding a pointer to an array of 3 pointers to them, count at +8. */
        uint64_t head = sim_alloc_static(&f.k, 16), prev = head, objs[3];
        for (unsigned i = 0; i < 3; i++) {
                objs[i] = sim_alloc(&f.k, 0x30);
                uint8_t kind[4] = { (uint8_t) i, 0, 0, 0 }, sec[8];
                memset(sec, 'a' + i, 8);
                sim_write(&f.k, objs[i] + 0x20, kind, 4);
                sim_write(&f.k, objs[i] + 0x28, sec, 8);
                sim_w64(&f.k, prev, objs[i] + 0x10);
                prev = objs[i] + 0x10;
        }
        sim_w64(&f.k, prev, head);
        uint64_t arr = sim_alloc(&f.k, 24), holder = sim_alloc_static(&f.k, 16);
        for (unsigned i = 0; i < 3; i++)
                sim_w64(&f.k, arr + 8 * i, objs[i]);
        sim_w64(&f.k, holder, arr);
        uint8_t three[4] = { 3, 0, 0, 0 };
        sim_write(&f.k, holder + 8, three, 4);

        snprintf(text, sizeof(text),
                 "erase-plan version=1\n"
                 "rule list\n\troot addr=0x%" PRIx64 "\n\tlist node=0x10 max=10\n\twhere value=0x20 size=4 ge=0x1\n"
                 "\terase at=0x28 length=0x8 max=0x8\nend\n"
                 "rule array\n\troot addr=0x%" PRIx64 "\n\tarray at=0x0 count=0x8 count-size=4 base=pointer stride=0x8 max=16\n"
                 "\tfollow at=0x0\n\twhere value=0x20 size=4 eq=0x0\n\terase at=0x28 length=0x8 max=0x8\nend\n",
                 head, holder);
        ASSERT_OK(load_plan(text, &p));
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_OK(erase_walk(&p, &m, &w));
        ASSERT_EQ(w.results[0].objects, 2);
        ASSERT_EQ(w.results[0].visited, 3);
        ASSERT_EQ(w.results[1].objects, 1);
        for (unsigned i = 0; i < 3; i++)
                ASSERT_TRUE(covered(&w, sim_memory_phys(f.mem, objs[i] + 0x28), 8));

        /* A list looping back to its second entry, and an array count beyond max. */
        sim_w64(&f.k, objs[2] + 0x10, objs[1] + 0x10);
        sim_write(&f.k, holder + 8, (uint8_t[4]) { 17, 0, 0, 0 }, 4);
        erase_walk_done(&w);
        ASSERT_ERROR(erase_walk(&p, &m, &w), EIO);
        ASSERT_EQ(w.results[0].error, -ELOOP);
        ASSERT_EQ(w.results[1].error, -E2BIG);
        return TEST_PASS;
}

TEST(walk_unresolved_rules_skipped) {
        _cleanup_(erase_walk_done) EraseWalk w = {};
        _cleanup_(erase_plan_done) ErasePlan p = {};
        _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
        static const char text[] = "erase-plan version=1\nunresolved a reason=\"x\"\ndisabled b\n";

        ASSERT_OK(load_plan(text, &p));
        EraseMemory m = sim_erase_memory(mem);
        ASSERT_OK(erase_walk(&p, &m, &w));
        ASSERT_EQ(w.n_ranges, 0);
        return TEST_PASS;
}

TEST(walk_where_inline_string) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        _cleanup_(erase_plan_done) ErasePlan p = {};
        char text[2048];

        ASSERT_OK(fixture_setup(&f));
        /* Three objects in an inline array of 0x30 bytes each: char name[16] at 0x8, secret at 0x20. */
        static const char *const names[] = { "xts(ecb(aes))", "xts-aes-aesni", "xts(" };
        uint64_t arr = sim_alloc_static(&f.k, 3 * 0x30);
        for (unsigned i = 0; i < 3; i++) {
                char name[16] = {};
                uint8_t sec[8];
                memcpy(name, names[i], strlen(names[i]));
                memset(sec, 'x' + i, 8);
                sim_write(&f.k, arr + i * 0x30 + 0x8, name, sizeof(name));
                sim_write(&f.k, arr + i * 0x30 + 0x20, sec, 8);
        }
        snprintf(text, sizeof(text),
                 "erase-plan version=1\n"
                 "rule prefix\n\troot addr=0x%" PRIx64 "\n\tarray at=0x0 count=0x3 base=inline stride=0x30 max=3\n"
                 "\twhere string=0x8 equals=xts( inline prefix\n\terase at=0x20 length=0x8 max=0x8\nend\n"
                 "rule exact\n\troot addr=0x%" PRIx64 "\n\tarray at=0x0 count=0x3 base=inline stride=0x30 max=3\n"
                 "\twhere string=0x8 equals=xts( inline\n\terase at=0x20 length=0x8 max=0x8\nend\n",
                 arr, arr);
        ASSERT_OK(load_plan(text, &p));
        ASSERT_TRUE(p.rules[0].steps[2].inline_string && p.rules[0].steps[2].prefix);
        EraseMemory m = sim_erase_memory(f.mem);
        ASSERT_OK(erase_walk(&p, &m, &w));
        ASSERT_EQ(w.results[0].objects, 2);   /* "xts(ecb(aes))" and "xts(" */
        ASSERT_EQ(w.results[1].objects, 1);   /* "xts(" only */
        ASSERT_FALSE(covered(&w, sim_memory_phys(f.mem, arr + 0x30 + 0x20), 1));
        return TEST_PASS;
}
