/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The vmcore readers on synthetic dumps (tests/unit/vmcore-builder.c): the same crashed machine
 * written as an ELF core and as kdump-compressed files with every compression must give the
 * same kernel log and uname, which are compared with text written out here by hand. */
#include <elf.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "fixtures.h"
#include "makedumpfile.h"
#include "tests.h"
#include "vmcore-builder.h"
#include "vmcore.h"

static const uint32_t compressions[] = {
        0,
        VMCORE_KDUMP_COMPRESSED_ZLIB,
        VMCORE_KDUMP_COMPRESSED_LZO,
        VMCORE_KDUMP_COMPRESSED_SNAPPY,
        VMCORE_KDUMP_COMPRESSED_ZSTD,
};

#define CPU(n) (0x80000000U | (n))
#define PK(m, ts, caller, s) test_machine_printk((m), (ts), (caller), (s), strlen(s))

/* A boot log: a CPU-context record, a long one, a multi-line one, one with bytes that need
 * escaping, and the panic. */
static void add_boot_log(TestMachine *m) {
        static const char esc[] = "tab\there \x01 caf\xc3\xa9 \x7f";
        PK(m, 0, CPU(0), "Linux version 7.2.13+deb14-amd64 (debian-kernel@lists.debian.org)");
        PK(m, 1234567890, 1, "Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 crashkernel=256M");
        PK(m, 2500000000, 42, "first line\nsecond line");
        (void) test_machine_printk(m, 2600000999, 42, esc, sizeof(esc) - 1);
        PK(m, 63123456789, 731, "sysrq: Trigger a crash");
        PK(m, 63123999999, CPU(1), "Kernel panic - not syncing: sysrq triggered crash");
}

static const char boot_log[] =
        "[    0.000000] Linux version 7.2.13+deb14-amd64 (debian-kernel@lists.debian.org)\n"
        "[    1.234567] Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 crashkernel=256M\n"
        "[    2.500000] first line\n"
        "               second line\n"
        "[    2.600000] tab\there \\x01 caf\\xc3\\xa9 \\x7f\n"
        "[   63.123456] sysrq: Trigger a crash\n"
        "[   63.123999] Kernel panic - not syncing: sysrq triggered crash\n";

static const char boot_log_caller_makedumpfile[] =
        "[    0.000000] [      C0] Linux version 7.2.13+deb14-amd64 (debian-kernel@lists.debian.org)\n"
        "[    1.234567] [      T1] Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 crashkernel=256M\n"
        "[    2.500000] [     T42] first line\n"
        "                          second line\n"
        "[    2.600000] [     T42] tab\there \\x01 caf\\xffffffc3\\xffffffa9 \\x7f\n"
        "[   63.123456] [    T731] sysrq: Trigger a crash\n"
        "[   63.123999] [      C1] Kernel panic - not syncing: sysrq triggered crash\n";

static TestMachine *machine(const TestMachineOptions *o) {
        TestMachine *m = test_machine_new(o);
        if (m)
                add_boot_log(m);
        return m;
}

static const TestMachineOptions default_options = {
        .count_bits = 6, .size_bits = 12, .uts_offset = true,
};

/* dmesg of a dump in a buffer, NUL-terminated; NULL on error with *ret_r set. */
static char *dmesg_of(const Buffer *dump, unsigned flags, int *ret_r) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        Buffer out = {};
        VmcoreKernelError e = {};
        int r;

        r = vmcore_open_memory(dump->data, dump->size, &v);
        if (r >= 0)
                r = vmcore_dmesg(v, flags, &out, &e);
        if (r >= 0)
                r = buffer_append(&out, "", 1);
        *ret_r = r;
        if (r < 0) {
                printf("# dmesg: %s: %s\n", strerror(-r), e.what);
                buffer_done(&out);
                return NULL;
        }
        return (char *) out.data;
}

static int check_dmesg(const Buffer *dump, unsigned flags, const char *expected) {
        int r;
        _cleanup_free_ char *s = dmesg_of(dump, flags, &r);
        if (!s)
                return r;
        if (!streq(s, expected)) {
                printf("# got:\n%s# expected:\n%s", s, expected);
                return -EBADMSG;
        }
        return 0;
}

TEST(elf_dmesg_and_uname) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        VmcoreUname u;
        const VmcoreInfo *info;

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_elf(m, 2, &elf));
        ASSERT_OK(check_dmesg(&elf, 0, boot_log));
        ASSERT_OK(check_dmesg(&elf, PRINTK_FORMAT_CALLER_ID | PRINTK_FORMAT_SIGN_EXTEND_ESCAPES,
                              boot_log_caller_makedumpfile));

        ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &v));
        ASSERT_EQ(vmcore_get_format(v), VMCORE_FORMAT_ELF);
        ASSERT_EQ(vmcore_elf_n_prstatus(vmcore_get_elf(v)), 2);
        ASSERT_FALSE(vmcore_elf_truncated(vmcore_get_elf(v)));
        ASSERT_OK(vmcore_get_vmcoreinfo(v, &info, NULL));
        ASSERT_STREQ(vmcoreinfo_osrelease(info), "7.2.13+deb14-amd64");
        ASSERT_OK(vmcore_uname(v, &u, NULL));
        ASSERT_STREQ(u.sysname, "Linux");
        ASSERT_STREQ(u.nodename, "crashbox");
        ASSERT_STREQ(u.release, "7.2.13+deb14-amd64");
        ASSERT_STREQ(u.version, "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-05-02)");
        ASSERT_STREQ(u.machine, "x86_64");
        ASSERT_STREQ(u.domainname, "(none)");
        ASSERT_EQ(u.source, VMCORE_UNAME_INIT_UTS_NS);
        return TEST_PASS;
}

TEST(kdump_every_compression_reads_back_identically) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_free_ uint8_t *ref = malloc(64 * KiB), *got = malloc(64 * KiB);

        ASSERT_NOT_NULL(m);
        ASSERT_NOT_NULL(ref);
        ASSERT_NOT_NULL(got);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        _cleanup_vmcore_free_ Vmcore *ve = NULL;
        ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &ve));
        /* The kernel image and the page tables, physically. */
        ASSERT_OK(vmcore_read_phys(ve, 0x3f000000, ref, 64 * KiB));

        for (size_t i = 0; i < ELEMENTSOF(compressions); i++)
                for (int exclude_zero = 0; exclude_zero <= 1; exclude_zero++) {
                        _cleanup_(buffer_done) Buffer k = {};
                        _cleanup_vmcore_free_ Vmcore *v = NULL;
                        VmcoreUname u;

                        printf("# compression 0x%x, exclude zero pages %d\n", compressions[i], exclude_zero);
                        ASSERT_OK(test_machine_write_kdump(m, compressions[i], exclude_zero, 3, &k));
                        ASSERT_OK(check_dmesg(&k, 0, boot_log));
                        ASSERT_OK(vmcore_open_memory(k.data, k.size, &v));
                        ASSERT_EQ(vmcore_get_format(v), VMCORE_FORMAT_KDUMP);

                        const VmcoreKdumpHeader *h = vmcore_kdump_header(vmcore_get_kdump(v));
                        ASSERT_EQ(h->version, 6);
                        ASSERT_EQ(h->block_size, 4096);
                        ASSERT_EQ(h->status, compressions[i]);
                        ASSERT_STREQ(h->release, "7.2.13+deb14-amd64");
                        ASSERT_U64_EQ(h->phys_base, 0x3e000000);
                        ASSERT_EQ(vmcore_kdump_n_prstatus(vmcore_get_kdump(v)), 3);

                        /* Page by page: with zero pages excluded, those are missing. */
                        for (size_t p = 0; p < 64 * KiB; p += 4096) {
                                int r = vmcore_read_phys(v, 0x3f000000 + p, got + p, 4096);
                                bool zero = true;
                                for (size_t j = 0; j < 4096; j++)
                                        zero = zero && ref[p + j] == 0;
                                if (r == -ENODATA) {
                                        ASSERT_TRUE(exclude_zero && zero);
                                        continue;
                                }
                                ASSERT_OK(r);
                                ASSERT_TRUE(memcmp(ref + p, got + p, 4096) == 0);
                        }
                        ASSERT_OK(vmcore_uname(v, &u, NULL));
                        ASSERT_STREQ(u.release, "7.2.13+deb14-amd64");
                        ASSERT_STREQ(u.nodename, "crashbox");

                        /* An all-zero RAM page: present, or filtered out by the dump level. */
                        uint8_t z[16] = { 1 };
                        if (exclude_zero)
                                ASSERT_ERROR(vmcore_read_phys(v, test_machine_zero_page(m), z, sizeof(z)), ENODATA);
                        else {
                                ASSERT_OK(vmcore_read_phys(v, test_machine_zero_page(m), z, sizeof(z)));
                                ASSERT_EQ(z[0], 0);
                        }
                        /* Not RAM at all. */
                        ASSERT_ERROR(vmcore_read_phys(v, 0x1000, z, sizeof(z)), ENODATA);
                        ASSERT_ERROR(vmcore_read_phys(v, UINT64_C(1) << 40, z, sizeof(z)), ENODATA);
                }
        return TEST_PASS;
}

TEST(elf_zero_fill_and_holes) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        uint8_t b[8192];

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &v));
        memset(b, 0xaa, sizeof(b));
        /* p_filesz 0: zeros. */
        ASSERT_OK(vmcore_read_phys(v, test_machine_zero_page(m), b, sizeof(b)));
        for (size_t i = 0; i < sizeof(b); i++)
                ASSERT_EQ(b[i], 0);
        /* A read running off the end of a segment into a hole fails as a whole. */
        ASSERT_ERROR(vmcore_read_phys(v, 0x20000000 + MiB - 16, b, 32), ENODATA);
        ASSERT_ERROR(vmcore_read_phys(v, UINT64_MAX - 3, b, 8), ENODATA);
        return TEST_PASS;
}

TEST(translation_direct_map_vmalloc_l5_sme) {
        static const struct {
                uint64_t page;
                bool l5, sme, vmalloc;
        } cases[] = {
                { 4096, false, false, false },
                { 2 * MiB, false, false, true },
                { GiB, false, true, false },
                { 4096, true, false, true },
                { 2 * MiB, true, true, true },
                { GiB, true, false, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TestMachineOptions o = default_options;
                o.place = TEST_RING_DIRECT_MAP;
                o.direct_map_page = cases[i].page;
                o.l5 = cases[i].l5;
                o.sme = cases[i].sme;
                o.text_in_vmalloc = cases[i].vmalloc;
                o.size_bits = 14; /* 4 vmalloc pages in reverse order */
                _cleanup_test_machine_free_ TestMachine *m = machine(&o);
                _cleanup_(buffer_done) Buffer elf = {}, k = {};

                printf("# page %" PRIu64 ", l5 %d, sme %d, vmalloc %d\n", cases[i].page, cases[i].l5, cases[i].sme,
                       cases[i].vmalloc);
                ASSERT_NOT_NULL(m);
                ASSERT_OK(test_machine_write_elf(m, 1, &elf));
                ASSERT_OK(check_dmesg(&elf, 0, boot_log));
                ASSERT_OK(test_machine_write_kdump(m, VMCORE_KDUMP_COMPRESSED_ZSTD, true, 1, &k));
                ASSERT_OK(check_dmesg(&k, 0, boot_log));

                _cleanup_vmcore_free_ Vmcore *v = NULL;
                uint64_t p, po = test_machine_symbol(m, "page_offset");
                ASSERT_OK(vmcore_open_memory(k.data, k.size, &v));
                ASSERT_OK(vmcore_virt_to_phys(v, po + 0x20000123, &p));
                ASSERT_U64_EQ(p, 0x20000123);
                /* The image by phys_base. */
                ASSERT_OK(vmcore_virt_to_phys(v, UINT64_C(0xffffffff81000000) + 0x1234, &p));
                ASSERT_U64_EQ(p, 0x3f001234);
                /* vmalloc pages are physically reversed: page 0 is the last of the range. */
                ASSERT_OK(vmcore_virt_to_phys(v, test_machine_symbol(m, "vmalloc") + 5, &p));
                ASSERT_U64_EQ(p, 0x28000000 + 512 * KiB - 4096 + 5);
                /* Not mapped, and not canonical. */
                uint8_t b[8];
                ASSERT_ERROR(vmcore_read_virt(v, po + (UINT64_C(7) << 30), b, 8), EADDRNOTAVAIL);
                ASSERT_ERROR(vmcore_read_virt(v, test_machine_symbol(m, "vmalloc") + 512 * KiB, b, 8), EADDRNOTAVAIL);
                ASSERT_ERROR(vmcore_read_virt(v, cases[i].l5 ? UINT64_C(0x0100000000000000) : UINT64_C(0x0000800000000000), b, 8),
                             EADDRNOTAVAIL);
        }
        return TEST_PASS;
}

TEST(layout_comes_from_vmcoreinfo) {
        TestMachineOptions o = default_options;
        o.layout = &test_layout_shuffled;
        o.uts_name_offset = test_layout_shuffled.uts_name;
        _cleanup_test_machine_free_ TestMachine *m = machine(&o);
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        VmcoreUname u;

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(check_dmesg(&elf, 0, boot_log));
        ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &v));
        ASSERT_OK(vmcore_uname(v, &u, NULL));
        ASSERT_STREQ(u.version, "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-05-02)");
        return TEST_PASS;
}

static void record_text(char buf[static 41], unsigned i) {
        /* 40 bytes: a block of 48 with the id. */
        snprintf(buf, 41, "record %02u: the quick brown fox jumps ove", i);
}

TEST(data_ring_wraps) {
        TestMachineOptions o = default_options;
        o.size_bits = 9;   /* 512 bytes: ten 48-byte blocks and some */
        o.count_bits = 4;
        _cleanup_test_machine_free_ TestMachine *m = test_machine_new(&o);
        _cleanup_(buffer_done) Buffer elf = {}, expected = {};
        char t[41], line[80];

        ASSERT_NOT_NULL(m);
        for (unsigned i = 0; i < 11; i++) {
                record_text(t, i);
                (void) test_machine_printk(m, (uint64_t) i * 1000000000, i, t, 40);
        }
        /* Record 10 crossed the end and went to the start, pushing record 0 out. */
        for (unsigned i = 1; i < 11; i++) {
                record_text(t, i);
                snprintf(line, sizeof(line), "[%5u.000000] %s\n", i, t);
                ASSERT_OK(buffer_append(&expected, line, strlen(line)));
        }
        ASSERT_OK(buffer_append(&expected, "", 1));
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(check_dmesg(&elf, 0, (const char *) expected.data));

        /* Many more wraps: still exactly the last records that fit. */
        for (unsigned i = 11; i < 100; i++) {
                record_text(t, i);
                (void) test_machine_printk(m, (uint64_t) i * 1000000000, i, t, 40);
        }
        buffer_done(&expected);
        buffer_done(&elf);
        unsigned first = 100;
        /* Walk back from the end: each record takes 48 bytes, a wrap wastes the tail. */
        _cleanup_free_ char *s = NULL;
        int r;
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        s = dmesg_of(&elf, 0, &r);
        ASSERT_NOT_NULL(s);
        size_t lines = 0;
        for (char *p = s; *p; p++)
                lines += *p == '\n';
        ASSERT_TRUE(lines >= 9 && lines <= 10);
        first = 100 - (unsigned) lines;
        for (unsigned i = first; i < 100; i++) {
                record_text(t, i);
                snprintf(line, sizeof(line), "[%5u.000000] %s\n", i, t);
                ASSERT_OK(buffer_append(&expected, line, strlen(line)));
        }
        ASSERT_OK(buffer_append(&expected, "", 1));
        ASSERT_STREQ(s, (const char *) expected.data);
        return TEST_PASS;
}

TEST(descriptor_ring_wraps) {
        TestMachineOptions o = default_options;
        o.count_bits = 2;  /* 4 descriptors */
        _cleanup_test_machine_free_ TestMachine *m = test_machine_new(&o);
        _cleanup_(buffer_done) Buffer elf = {};
        char t[41];

        ASSERT_NOT_NULL(m);
        for (unsigned i = 0; i < 7; i++) {
                record_text(t, i);
                (void) test_machine_printk(m, (uint64_t) i * 1000000000, i, t, 40);
        }
        ASSERT_U64_EQ((test_machine_head_id(m) - test_machine_tail_id(m)) & ~(UINT64_C(3) << 62), 3);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(check_dmesg(&elf, 0,
                              "[    3.000000] record 03: the quick brown fox jumps ove\n"
                              "[    4.000000] record 04: the quick brown fox jumps ove\n"
                              "[    5.000000] record 05: the quick brown fox jumps ove\n"
                              "[    6.000000] record 06: the quick brown fox jumps ove\n"));
        return TEST_PASS;
}

TEST(descriptor_states) {
        _cleanup_test_machine_free_ TestMachine *m = test_machine_new(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        uint64_t id[6];

        ASSERT_NOT_NULL(m);
        id[0] = test_machine_printk(m, 1000, 1, "finalized", 9);
        id[1] = test_machine_printk(m, 2000, 1, "reusable", 8);
        id[2] = test_machine_printk(m, 3000, 1, "another id", 10);
        id[3] = test_machine_printk(m, 4000, 1, "reserved", 8);
        id[4] = test_machine_printk(m, 5000, 1, "committed, being continued", 26);
        id[5] = test_machine_printk(m, 6000, 1, "head, still reserved", 20);
        test_machine_set_state(m, id[1], PRINTK_DESC_REUSABLE);
        test_machine_set_desc_id(m, id[2], id[2] + 64);
        test_machine_set_state(m, id[3], PRINTK_DESC_RESERVED);
        test_machine_set_state(m, id[4], PRINTK_DESC_COMMITTED);
        test_machine_set_state(m, id[5], PRINTK_DESC_RESERVED);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(check_dmesg(&elf, 0,
                              "[    0.000001] finalized\n"
                              "[    0.000005] committed, being continued\n"));
        return TEST_PASS;
}

typedef struct Seen {
        unsigned n;
        uint64_t seq[4], caller[4];
} Seen;

static int seen_cb(const PrintkRecord *r, void *u) {
        Seen *s = u;
        if (s->n < 4) {
                s->seq[s->n] = r->seq;
                s->caller[s->n] = r->caller_id;
        }
        s->n++;
        return 0;
}

TEST(text_len_cut_to_block_and_records_seen) {
        _cleanup_test_machine_free_ TestMachine *m = test_machine_new(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        const VmcoreInfo *info;

        ASSERT_NOT_NULL(m);
        uint64_t id = test_machine_printk(m, 7000000, 5, "short", 5);
        (void) test_machine_printk(m, 8000000, 5, "next", 4);
        /* text_len claims more than the block holds (block: 8 id + 5 text, aligned to 16). */
        uint64_t idx = id & ((UINT64_C(1) << default_options.count_bits) - 1);
        uint8_t *tl = test_machine_virt(m, test_machine_symbol(m, "infos") + idx * 88 + 16, 2);
        ASSERT_NOT_NULL(tl);
        tl[0] = 200;
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        ASSERT_OK(check_dmesg(&elf, 0, "[    0.007000] short\\x00\\x00\\x00\n[    0.008000] next\n"));

        /* The records themselves. */
        ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &v));
        ASSERT_OK(vmcore_get_vmcoreinfo(v, &info, NULL));
        VmcoreMemory mem = vmcore_memory(v);
        Seen seen = {};
        ASSERT_OK(printk_ring_foreach(info, &mem, seen_cb, &seen, NULL));
        ASSERT_EQ(seen.n, 2);
        ASSERT_U64_EQ(seen.seq[0], 0);
        ASSERT_U64_EQ(seen.seq[1], 1);
        ASSERT_U64_EQ(seen.caller[1], 5);
        return TEST_PASS;
}

TEST(uname_without_offset_is_probed) {
        static const uint64_t offsets[] = { 0, 4, 8 };

        for (size_t i = 0; i < ELEMENTSOF(offsets); i++) {
                TestMachineOptions o = default_options;
                o.uts_offset = false;
                o.uts_name_offset = offsets[i];
                _cleanup_test_machine_free_ TestMachine *m = machine(&o);
                _cleanup_(buffer_done) Buffer elf = {};
                _cleanup_vmcore_free_ Vmcore *v = NULL;
                VmcoreUname u;
                VmcoreKernelError e = {};

                ASSERT_NOT_NULL(m);
                ASSERT_OK(test_machine_write_elf(m, 1, &elf));
                ASSERT_OK(vmcore_open_memory(elf.data, elf.size, &v));
                if (offsets[i] == 8) {
                        ASSERT_ERROR(vmcore_uname(v, &u, &e), EBADMSG);
                        ASSERT_TRUE(strstr(e.what, "7.2.13+deb14-amd64"));
                        continue;
                }
                ASSERT_OK(vmcore_uname(v, &u, NULL));
                ASSERT_EQ(u.source, VMCORE_UNAME_INIT_UTS_NS_PROBED);
                ASSERT_STREQ(u.machine, "x86_64");
                ASSERT_TRUE(strstr(vmcore_uname_source_to_string(u.source), "guessed"));
        }
        return TEST_PASS;
}

static int dmesg_error(TestMachine *m, const char *key, const char *value, VmcoreKernelError *e) {
        _cleanup_(buffer_done) Buffer elf = {}, out = {};
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        int r;

        if (key && test_machine_set_vmcoreinfo(m, key, value) < 0)
                return -ENOMEM;
        r = test_machine_write_elf(m, 1, &elf);
        if (r < 0)
                return r;
        r = vmcore_open_memory(elf.data, elf.size, &v);
        if (r < 0)
                return r;
        *e = (VmcoreKernelError) {};
        return vmcore_dmesg(v, 0, &out, e);
}

TEST(dmesg_errors_are_named) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        VmcoreKernelError e;

        ASSERT_NOT_NULL(m);
        ASSERT_ERROR(dmesg_error(m, "OFFSET(prb_desc.state_var)", NULL, &e), ENOENT);
        ASSERT_STREQ(e.what, "VMCOREINFO has no OFFSET(prb_desc.state_var)");
        ASSERT_ERROR(dmesg_error(m, "OFFSET(prb_desc.state_var)", "20", &e), EBADMSG);
        ASSERT_TRUE(strstr(e.what, "outside its structure"));
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "OFFSET(prb_desc.state_var)", "0"));
        ASSERT_ERROR(dmesg_error(m, "SIZE(printk_info)", "999999", &e), EBADMSG);
        ASSERT_STREQ(e.what, "VMCOREINFO has an invalid SIZE(printk_info)=999999");
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "SIZE(printk_info)", "88"));
        ASSERT_OK(dmesg_error(m, NULL, NULL, &e));

        /* A pre-5.10 kernel. */
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "SYMBOL(log_buf)", "ffffffff82a00000"));
        ASSERT_ERROR(dmesg_error(m, "SYMBOL(prb)", NULL, &e), EPROTONOSUPPORT);
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "SYMBOL(log_buf)", NULL));
        ASSERT_ERROR(dmesg_error(m, NULL, NULL, &e), ENOENT);
        ASSERT_STREQ(e.what, "VMCOREINFO has no SYMBOL(prb)");

        /* prb points nowhere. */
        ASSERT_ERROR(dmesg_error(m, "SYMBOL(prb)", "ffffffff81f00000", &e), ENODATA);
        ASSERT_TRUE(strstr(e.what, "cannot read prb at 0xffffffff81f00000"));

        /* A corrupt VMCOREINFO: the line and key reach the message. */
        ASSERT_ERROR(dmesg_error(m, "BROKEN", "a\x01b", &e), EBADMSG);
        ASSERT_TRUE(strstr(e.what, "VMCOREINFO line"));
        return TEST_PASS;
}

TEST(hostile_ring_parameters) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        VmcoreKernelError e;
        uint64_t rb = test_machine_symbol(m, "printk_rb_static");

        ASSERT_NOT_NULL(m);
        uint8_t *count_bits = test_machine_virt(m, rb + 0, 4), *size_bits = test_machine_virt(m, rb + 48, 4);
        uint8_t *head = test_machine_virt(m, rb + 24, 8), *descs = test_machine_virt(m, rb + 8, 8);
        ASSERT_NOT_NULL(count_bits);
        ASSERT_NOT_NULL(size_bits);

        count_bits[0] = 40;
        ASSERT_ERROR(dmesg_error(m, NULL, NULL, &e), EBADMSG);
        ASSERT_STREQ(e.what, "descriptor ring count_bits 40 out of range");
        count_bits[0] = 6;

        size_bits[0] = 63;
        ASSERT_ERROR(dmesg_error(m, NULL, NULL, &e), EBADMSG);
        size_bits[0] = 12;

        /* Head and tail further apart than the ring: no walk over 2^62 ids. */
        uint8_t saved[8];
        memcpy(saved, head, 8);
        head[5] ^= 0x40;
        ASSERT_ERROR(dmesg_error(m, NULL, NULL, &e), EBADMSG);
        ASSERT_TRUE(strstr(e.what, "apart"));
        memcpy(head, saved, 8);

        /* Descriptors pointing into unmapped space. */
        memcpy(saved, descs, 8);
        memset(descs, 0, 8);
        ASSERT_ERROR(dmesg_error(m, NULL, NULL, &e), EADDRNOTAVAIL);
        ASSERT_TRUE(strstr(e.what, "prb_desc_ring.descs"));
        memcpy(descs, saved, 8);
        ASSERT_OK(dmesg_error(m, NULL, NULL, &e));
        return TEST_PASS;
}

TEST(truncated_and_corrupt_elf) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer elf = {};
        Vmcore *v = NULL;

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));

        /* Headers and notes cut: refused. Data cut: opens, and reading the missing part fails. */
        ASSERT_ERROR(vmcore_open_memory(elf.data, 0, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(elf.data, 3, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(elf.data, 40, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(elf.data, 64 + 56 * 3, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(elf.data, 64 + 56 * 7 + 100, &v), EBADMSG);
        for (size_t cut = 4096; cut < elf.size; cut += 4096 * 37) {
                int r;
                _cleanup_free_ char *s = NULL;
                Buffer b = { .data = elf.data, .size = cut };
                s = dmesg_of(&b, 0, &r);
                ASSERT_TRUE(s ? streq(s, boot_log) : r == -EBADMSG);
        }
        {
                _cleanup_vmcore_free_ Vmcore *t = NULL;
                ASSERT_OK(vmcore_open_memory(elf.data, elf.size - 1, &t));
                ASSERT_TRUE(vmcore_elf_truncated(vmcore_get_elf(t)));
        }

        /* 32-bit, big-endian, not a core, bad phentsize, a note running off its segment. */
        static const struct {
                size_t offset;
                uint8_t value;
                int error;
        } edits[] = {
                { EI_CLASS, ELFCLASS32, EPROTONOSUPPORT },
                { EI_DATA, ELFDATA2MSB, EPROTONOSUPPORT },
                { 16, ET_EXEC, EBADMSG },
                { 54, 40, EBADMSG },
                { 64 + 56 * 7 + 4, 0xff, EBADMSG },   /* p_type of nothing: phnum too small? no: namesz */
        };
        for (size_t i = 0; i < ELEMENTSOF(edits); i++) {
                _cleanup_free_ uint8_t *c = malloc(elf.size);
                ASSERT_NOT_NULL(c);
                memcpy(c, elf.data, elf.size);
                size_t at = edits[i].offset;
                if (i == ELEMENTSOF(edits) - 1) {
                        /* The first note's namesz, at the PT_NOTE's p_offset. */
                        uint64_t off;
                        memcpy(&off, c + 64 + 8, 8);
                        at = off + 1;
                }
                c[at] = edits[i].value;
                ASSERT_ERROR(vmcore_open_memory(c, elf.size, &v), edits[i].error);
        }
        return TEST_PASS;
}

static void put32(uint8_t *p, uint32_t v) {
        memcpy(p, &v, 4);
}

TEST(truncated_and_corrupt_kdump) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer k = {};
        Vmcore *v = NULL;

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_kdump(m, VMCORE_KDUMP_COMPRESSED_ZLIB, false, 1, &k));

        /* Cut anywhere in the headers, bitmaps or descriptors: refused. Cut in the page data:
         * opens; the kernel log is either wholly there or the read fails. */
        ASSERT_ERROR(vmcore_open_memory(k.data, 100, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(k.data, 4096 + 50, &v), EBADMSG);
        ASSERT_ERROR(vmcore_open_memory(k.data, 3 * 4096, &v), EBADMSG);
        size_t ok = 0, failed = 0;
        for (size_t cut = 4096; cut < k.size + 1009; cut += 1009) {
                int r;
                _cleanup_free_ char *s = NULL;
                Buffer b = { .data = k.data, .size = MIN(cut, k.size) };
                s = dmesg_of(&b, 0, &r);
                ASSERT_TRUE(s ? streq(s, boot_log) : r == -EBADMSG);
                s ? ok++ : failed++;
        }
        ASSERT_GT(ok, 0);
        ASSERT_GT(failed, 0);

        static const struct {
                size_t offset;
                uint32_t value;
                int error;
        } edits[] = {
                { VMCORE_KDUMP_HDR_VERSION, 7, EPROTONOSUPPORT },
                { VMCORE_KDUMP_HDR_VERSION, 0, EPROTONOSUPPORT },
                { VMCORE_KDUMP_HDR_BLOCK_SIZE, 1000, EBADMSG },
                { VMCORE_KDUMP_HDR_BLOCK_SIZE, 1U << 20, EPROTONOSUPPORT },
                { VMCORE_KDUMP_HDR_SUB_HDR_SIZE, 0, EBADMSG },
                { VMCORE_KDUMP_HDR_SUB_HDR_SIZE, 0x80000000U, EBADMSG },
                { VMCORE_KDUMP_HDR_BITMAP_BLOCKS, 0xffffffffU, EBADMSG },
                { VMCORE_KDUMP_HDR_BITMAP_BLOCKS, 2, EBADMSG },  /* too small for max_mapnr */
                { 4096 + VMCORE_KDUMP_SUB_MAX_MAPNR_64, 0xffffffffU, EBADMSG },
                { 4096 + VMCORE_KDUMP_SUB_SIZE_VMCOREINFO + 4, 1, EFBIG },
                { 4096 + VMCORE_KDUMP_SUB_OFFSET_VMCOREINFO + 4, 1, EBADMSG },
                { 4096 + VMCORE_KDUMP_SUB_SIZE_NOTE, 7, EBADMSG },
                { 0, 0x4d524f46, EBADMSG },                     /* signature */
        };
        for (size_t i = 0; i < ELEMENTSOF(edits); i++) {
                _cleanup_free_ uint8_t *c = malloc(k.size);
                ASSERT_NOT_NULL(c);
                memcpy(c, k.data, k.size);
                put32(c + edits[i].offset, edits[i].value);
                printf("# edit %zu\n", i);
                ASSERT_ERROR(vmcore_open_memory(c, k.size, &v), edits[i].error);
        }

        /* The flattened format and the old diskdump. */
        {
                _cleanup_free_ uint8_t *c = calloc(1, 8192);
                ASSERT_NOT_NULL(c);
                memcpy(c, "makedumpfile\0\0\0\0", 16);
                ASSERT_ERROR(vmcore_open_memory(c, 8192, &v), EPROTONOSUPPORT);
                memcpy(c, "DISKDUMP", 8);
                ASSERT_ERROR(vmcore_open_memory(c, 8192, &v), EPROTONOSUPPORT);
        }
        return TEST_PASS;
}

/* Corrupt page descriptors and page data: errors for those pages only. */
TEST(corrupt_pages_kdump) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        uint8_t page[4096];

        ASSERT_NOT_NULL(m);
        for (size_t i = 1; i < ELEMENTSOF(compressions); i++) {
                _cleanup_(buffer_done) Buffer k = {};
                ASSERT_OK(test_machine_write_kdump(m, compressions[i], true, 1, &k));
                _cleanup_vmcore_free_ Vmcore *v = NULL;
                ASSERT_OK(vmcore_open_memory(k.data, k.size, &v));
                const VmcoreKdumpHeader *h = vmcore_kdump_header(vmcore_get_kdump(v));
                uint64_t desc_off = (uint64_t) (1 + h->sub_hdr_size + h->bitmap_blocks) * 4096;

                /* The first dumped page of the kernel image is descriptor number (dumped pages
                 * below 0x3f000000); find it by reading descriptors until the image's first. */
                ASSERT_OK(vmcore_kdump_read_page(vmcore_get_kdump(v), 0x3f000, page));

                for (uint64_t d = 0; d < h->n_dumped; d++) {
                        uint8_t *pd = k.data + desc_off + d * 24;
                        uint32_t size, flags;
                        memcpy(&size, pd + 8, 4);
                        memcpy(&flags, pd + 12, 4);
                        if (flags == 0)
                                continue;
                        /* A compressed page: break its data, then its flags, then its size. */
                        uint64_t off;
                        memcpy(&off, pd, 8);
                        uint8_t saved = k.data[off + size / 2];
                        k.data[off + size / 2] ^= 0x5a;
                        k.data[off] ^= 0xff;
                        _cleanup_vmcore_free_ Vmcore *c = NULL;
                        ASSERT_OK(vmcore_open_memory(k.data, k.size, &c));
                        /* Find which pfn this descriptor belongs to by scanning the image pages. */
                        unsigned bad = 0;
                        for (uint64_t pfn = 0x3f000; pfn < 0x3f000 + 256; pfn++) {
                                int r = vmcore_kdump_read_page(vmcore_get_kdump(c), pfn, page);
                                ASSERT_TRUE(r == 0 || r == -EBADMSG || r == -ENODATA);
                                bad += r == -EBADMSG;
                        }
                        k.data[off] ^= 0xff;
                        k.data[off + size / 2] = saved;
                        if (bad == 0)
                                continue; /* the descriptor was for another range */
                        ASSERT_EQ(bad, 1);

                        uint32_t two = compressions[i] | VMCORE_KDUMP_COMPRESSED_ZLIB | VMCORE_KDUMP_COMPRESSED_SNAPPY;
                        memcpy(pd + 12, &two, 4);
                        _cleanup_vmcore_free_ Vmcore *c2 = NULL;
                        ASSERT_OK(vmcore_open_memory(k.data, k.size, &c2));
                        bad = 0;
                        for (uint64_t pfn = 0x3f000; pfn < 0x3f000 + 256; pfn++)
                                bad += vmcore_kdump_read_page(vmcore_get_kdump(c2), pfn, page) == -EBADMSG;
                        ASSERT_EQ(bad, 1);
                        memcpy(pd + 12, &flags, 4);

                        uint32_t huge = 4097;
                        memcpy(pd + 8, &huge, 4);
                        _cleanup_vmcore_free_ Vmcore *c3 = NULL;
                        ASSERT_OK(vmcore_open_memory(k.data, k.size, &c3));
                        bad = 0;
                        for (uint64_t pfn = 0x3f000; pfn < 0x3f000 + 256; pfn++)
                                bad += vmcore_kdump_read_page(vmcore_get_kdump(c3), pfn, page) == -EBADMSG;
                        ASSERT_EQ(bad, 1);
                        memcpy(pd + 8, &size, 4);
                        break;
                }

                /* A page filtered out: -ENODATA; the log still reads if it is not one of its pages. */
                test_machine_exclude_page(m, 0x20000000);
        }
        _cleanup_(buffer_done) Buffer k = {};
        ASSERT_OK(test_machine_write_kdump(m, 0, false, 1, &k));
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        ASSERT_OK(vmcore_open_memory(k.data, k.size, &v));
        ASSERT_ERROR(vmcore_read_phys(v, 0x20000010, page, 16), ENODATA);
        ASSERT_OK(vmcore_read_phys(v, 0x20001000, page, 16));
        ASSERT_OK(check_dmesg(&k, 0, boot_log));
        return TEST_PASS;
}

TEST(open_file) {
        _cleanup_test_machine_free_ TestMachine *m = machine(&default_options);
        _cleanup_(buffer_done) Buffer k = {};
        _cleanup_free_ char *path = NULL;
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        _cleanup_(buffer_done) Buffer out = {};
        Vmcore *bad = NULL;

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_kdump(m, VMCORE_KDUMP_COMPRESSED_ZSTD, true, 1, &k));
        path = path_join(test_tmpdir(), "vmcore");
        ASSERT_NOT_NULL(path);
        ASSERT_OK(fixture_write(NULL, path, k.data, k.size));
        ASSERT_OK(vmcore_open(path, &v));
        ASSERT_OK(vmcore_dmesg(v, 0, &out, NULL));
        ASSERT_OK(buffer_append(&out, "", 1));
        ASSERT_STREQ((char *) out.data, boot_log);
        ASSERT_ERROR(vmcore_open(test_tmpdir(), &bad), EISDIR);
        ASSERT_ERROR(vmcore_open("/nonexistent/vmcore", &bad), ENOENT);
        return TEST_PASS;
}

/* The peer as oracle: makedumpfile --dump-dmesg on our ELF core, and makedumpfile's own
 * kdump-compressed output of it read by us. Skipped only when makedumpfile is not installed;
 * when it cannot read our core, the test fails. */
static int run(char *const argv[]) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(makedumpfile_agrees) {
        _cleanup_test_machine_free_ TestMachine *m = NULL;
        _cleanup_(buffer_done) Buffer elf = {};
        _cleanup_free_ char *core = NULL, *log = NULL, *text = NULL, *version_out = NULL;
        size_t n;

        /* Only its absence skips (exec fails: 127); anything else it does is a result. */
        int installed = run((char *[]) { (char *) "makedumpfile", (char *) "-v", NULL });
        if (installed == 127)
                TEST_SKIP("makedumpfile is not installed (not found in $PATH)");
        ASSERT_EQ(installed, 0);

        /* Its version decides whether it prints caller ids (1.7.5+). */
        _cleanup_free_ char *vpath = path_join(test_tmpdir(), "mdf-version");
        ASSERT_NOT_NULL(vpath);
        _cleanup_free_ char *cmd = NULL;
        ASSERT_TRUE(asprintf(&cmd, "makedumpfile -v > '%s' 2>&1", vpath) > 0);
        ASSERT_EQ(system(cmd), 0);
        ASSERT_OK(read_full_file_at(NULL, vpath, 64 * KiB, &version_out, &n));
        MakedumpfileFeatures f = {};
        ASSERT_OK(makedumpfile_parse_features(version_out, n, &f));
        ASSERT_NOT_NULL(f.version);
        unsigned a = 0, b = 0, c = 0;
        ASSERT_TRUE(sscanf(f.version, "%u.%u.%u", &a, &b, &c) >= 2);
        unsigned flags = PRINTK_FORMAT_SIGN_EXTEND_ESCAPES;
        if (a > 1 || (a == 1 && (b > 7 || (b == 7 && c >= 5))))
                flags |= PRINTK_FORMAT_CALLER_ID;
        printf("# makedumpfile %s\n", f.version);
        makedumpfile_features_done(&f);

        TestMachineOptions o = default_options;
        o.place = TEST_RING_DIRECT_MAP;
        o.size_bits = 10;
        m = machine(&o);
        ASSERT_NOT_NULL(m);
        /* Enough to wrap the data ring twice, then the boot log again: escapes, multi-line. */
        for (unsigned i = 0; i < 60; i++) {
                char t[41];
                record_text(t, i);
                (void) test_machine_printk(m, UINT64_C(70000000000) + i * 1000, 100 + i, t, 40);
        }
        add_boot_log(m);
        /* makedumpfile wants a memory model before anything else: describe a flat mem_map
         * (a pointer to a vmemmap address), which it only looks up, never reads through. */
        uint8_t *mm = test_machine_virt(m, UINT64_C(0xffffffff81001380), 8);
        ASSERT_NOT_NULL(mm);
        uint64_t vmemmap = UINT64_C(0xffffea0000000000);
        memcpy(mm, &vmemmap, 8);
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "SYMBOL(mem_map)", "ffffffff81001380"));
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "SIZE(page)", "64"));
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "OFFSET(page.flags)", "0"));
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "OFFSET(page._refcount)", "52"));
        ASSERT_OK(test_machine_set_vmcoreinfo(m, "OFFSET(page.mapping)", "24"));
        ASSERT_OK(test_machine_write_elf(m, 1, &elf));
        if (getenv("TK_KEEP_ORACLE_CORE"))
                (void) fixture_write(NULL, getenv("TK_KEEP_ORACLE_CORE"), elf.data, elf.size);
        core = path_join(test_tmpdir(), "vmcore.elf");
        log = path_join(test_tmpdir(), "dmesg.makedumpfile");
        ASSERT_NOT_NULL(core);
        ASSERT_NOT_NULL(log);
        ASSERT_OK(fixture_write(NULL, core, elf.data, elf.size));
        int r = run((char *[]) { (char *) "makedumpfile", (char *) "--dump-dmesg", core, log, NULL });
        if (r != 0) {
                /* A regression in the core writer (or a makedumpfile that no longer reads it) is a
                 * failure, not a skip: run it again with its messages in the test log. */
                char *argv[] = { (char *) "makedumpfile", (char *) "--dump-dmesg", core, log, NULL };
                pid_t pid = fork();
                ASSERT_TRUE(pid >= 0);
                if (pid == 0) {
                        (void) dup2(STDERR_FILENO, STDOUT_FILENO);
                        execvp(argv[0], argv);
                        _exit(127);
                }
                (void) waitpid(pid, NULL, 0);
                printf("# makedumpfile cannot read the synthetic core (exit %d)\n", r);
                ASSERT_EQ(r, 0);
        }
        ASSERT_OK(read_full_file_at(NULL, log, 4 * MiB, &text, &n));

        int rr;
        _cleanup_free_ char *ours = dmesg_of(&elf, flags, &rr);
        ASSERT_NOT_NULL(ours);
        ASSERT_STREQ(ours, text);
        ASSERT_TRUE(strstr(ours, "Kernel panic - not syncing: sysrq triggered crash\n"));
        ASSERT_TRUE(strstr(ours, "record 59"));

        /* makedumpfile's own kdump-compressed files of the same core, read by us. A build
         * without snappy or zstd writes those pages uncompressed. Where our build left the
         * codec out, reading a compressed page must fail with EOPNOTSUPP, not crash. */
        static const char *const opts[][2] = { { "-d", "0" }, { "-c", "-d1" }, { "-l", "-d1" }, { "-p", "-d1" }, { "-z", "-d1" } };
        static const bool have[] = { true, HAVE_ZLIB, HAVE_LZO, HAVE_SNAPPY, HAVE_ZSTD };
        for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
                _cleanup_free_ char *kd = NULL, *kdata = NULL;
                size_t ksize;
                ASSERT_TRUE(asprintf(&kd, "%s/vmcore.kdump%zu", test_tmpdir(), i) > 0);
                r = run((char *[]) { (char *) "makedumpfile", (char *) opts[i][0], (char *) opts[i][1], core, kd, NULL });
                printf("# makedumpfile %s %s: exit %d\n", opts[i][0], opts[i][1], r);
                ASSERT_EQ(r, 0);
                ASSERT_OK(read_full_file_at(NULL, kd, 16 * MiB, &kdata, &ksize));
                Buffer kb = { .data = (uint8_t *) kdata, .size = ksize };
                _cleanup_free_ char *k_ours = dmesg_of(&kb, flags, &rr);
                if (!k_ours && !have[i]) {
                        ASSERT_EQ(rr, -EOPNOTSUPP);
                        continue;
                }
                ASSERT_NOT_NULL(k_ours);
                ASSERT_STREQ(k_ours, text);

                _cleanup_vmcore_free_ Vmcore *v = NULL;
                VmcoreUname u;
                ASSERT_OK(vmcore_open_memory(kdata, ksize, &v));
                ASSERT_EQ(vmcore_get_format(v), VMCORE_FORMAT_KDUMP);
                ASSERT_OK(vmcore_uname(v, &u, NULL));
                ASSERT_STREQ(u.nodename, "crashbox");
                ASSERT_STREQ(vmcore_kdump_header(vmcore_get_kdump(v))->nodename, "crashbox");
        }
        return TEST_PASS;
}

/* Small dumps: all memory below 17 MiB, zero pages left out. They are also the fuzzers' seeds:
 * TK_WRITE_FUZZ_CORPUS=tests/fuzz/corpus build/tests/test-vmcore compact_dumps rewrites them. */
TEST(compact_dumps) {
        const char *corpus = getenv("TK_WRITE_FUZZ_CORPUS");
        TestMachineOptions o = default_options;
        o.compact = true;
        o.count_bits = 4;
        o.size_bits = 9;
        _cleanup_test_machine_free_ TestMachine *m = machine(&o);
        _cleanup_(buffer_done) Buffer elf = {};
        static const char *const names[] = { "raw", "zlib", "lzo", "snappy", "zstd" };
        char path[256];

        ASSERT_NOT_NULL(m);
        ASSERT_OK(test_machine_write_elf_sparse(m, 2, &elf));
        ASSERT_LT(elf.size, 64 * KiB);
        ASSERT_OK(check_dmesg(&elf, 0, boot_log));
        for (size_t i = 0; i < ELEMENTSOF(compressions); i++) {
                _cleanup_(buffer_done) Buffer k = {};
                ASSERT_OK(test_machine_write_kdump(m, compressions[i], true, 2, &k));
                ASSERT_LT(k.size, 64 * KiB);
                ASSERT_OK(check_dmesg(&k, 0, boot_log));
                if (corpus) {
                        snprintf(path, sizeof(path), "%s/vmcore-kdump/%s-boot-log", corpus, names[i]);
                        ASSERT_OK(fixture_write(NULL, path, k.data, k.size));
                }
        }

        /* The printk fuzzer's memory: the image from prb (0xffffffff81001000) to the end of the
         * ring's text, with its own copy of this VMCOREINFO. */
        uint64_t base = test_machine_symbol(m, "prb");
        uint64_t end = test_machine_symbol(m, "data") + 512;
        uint8_t *mem = test_machine_virt(m, base, end - base);
        ASSERT_NOT_NULL(mem);
        ASSERT_EQ(base, UINT64_C(0xffffffff81001000));

        if (corpus) {
                snprintf(path, sizeof(path), "%s/vmcore-elf/sparse-boot-log", corpus);
                ASSERT_OK(fixture_write(NULL, path, elf.data, elf.size));
                snprintf(path, sizeof(path), "%s/vmcoreinfo/x86_64-7.2", corpus);
                ASSERT_OK(fixture_write_string(NULL, path, test_machine_vmcoreinfo(m)));
                _cleanup_free_ uint8_t *seed = malloc(1 + end - base);
                ASSERT_NOT_NULL(seed);
                seed[0] = 0;
                memcpy(seed + 1, mem, end - base);
                snprintf(path, sizeof(path), "%s/vmcore-printk/boot-log", corpus);
                ASSERT_OK(fixture_write(NULL, path, seed, 1 + end - base));
                /* Wrapped: eleven 48-byte blocks in 512 bytes. */
                for (unsigned i = 0; i < 11; i++) {
                        char t[41];
                        record_text(t, i);
                        (void) test_machine_printk(m, (uint64_t) i * 1000000000, CPU(i), t, 40);
                }
                memcpy(seed + 1, mem, end - base);
                seed[0] = 3;
                snprintf(path, sizeof(path), "%s/vmcore-printk/wrapped", corpus);
                ASSERT_OK(fixture_write(NULL, path, seed, 1 + end - base));
        }
        return TEST_PASS;
}
