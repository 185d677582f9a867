/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Erasure of a kdump-compressed file end to end: a synthetic crashed machine with keys and RNG
 * state, written as makedumpfile writes it with every compression; the plan walked over the file
 * itself, the pages rewritten; then every page decompressed and searched, the raw file searched
 * for the secrets and for the pages' old compressed bytes, dmesg compared, and makedumpfile run
 * on the result. */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "erase-builder.h"
#include "erase-vmcore.h"
#include "makedumpfile.h"
#include "save-erase.h"
#include "spawn-util.h"
#include <sys/stat.h>
#include "tests.h"

static const char user_secret[] = "CANARY-user-7f3a9c1e55d04b2a8e6f";
static const char logon_secret[] = "CANARY-logon-0b1c2d3e4f5a6b7c8d9e0f";

typedef struct Dump {
        TestMachine *m;
        SimKernel k;
        uint64_t user_data, logon_data;
        uint8_t cpu_keys[2][32], base_key[32];
        char path[4096];
} Dump;

static void dump_done(Dump *d) {
        test_machine_free(d->m);
}

static int write_file(const char *path, const void *p, size_t n) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, p, n) != (ssize_t) n)
                return -EIO;
        return 0;
}

/* What makedumpfile 1.7.2 needs beyond what our reader needs, so that it reads the synthetic
 * files too: a FLATMEM mem_map (zeroed page structs in an unused part of the direct map) and
 * struct page's layout. Zero pages must be in the file (not excluded): makedumpfile refuses to
 * read a page the dump leaves out. */
static void makedumpfile_compat(TestMachine *m) {
        uint64_t mem_map = test_machine_symbol(m, "page_offset") + 0x20000000 + 0xc0000;
        uint8_t *p = test_machine_virt(m, UINT64_C(0xffffffff81002000), 8);
        if (!p)
                abort();
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t) (mem_map >> (8 * i));
        if (test_machine_set_vmcoreinfo(m, "SYMBOL(mem_map)", "ffffffff81002000") < 0 ||
            test_machine_set_vmcoreinfo(m, "SIZE(page)", "64") < 0 ||
            test_machine_set_vmcoreinfo(m, "OFFSET(page.flags)", "0") < 0 ||
            test_machine_set_vmcoreinfo(m, "OFFSET(page._refcount)", "52") < 0 ||
            test_machine_set_vmcoreinfo(m, "OFFSET(page.mapping)", "24") < 0 ||
            test_machine_set_vmcoreinfo(m, "OFFSET(page.lru)", "8") < 0 ||
            test_machine_set_vmcoreinfo(m, "NUMBER(PG_slab)", "9") < 0)
                abort();
}

static int make_dump(Dump *d, uint32_t compression, const char *name) {
        static const TestMachineOptions o = { .count_bits = 6, .size_bits = 12, .uts_offset = true };
        Buffer b = {};
        int r;

        d->m = test_machine_new(&o);
        if (!d->m)
                return -ENOMEM;
        (void) test_machine_printk(d->m, 1000000, 1, "Linux version 7.2.13", 20);
        (void) test_machine_printk(d->m, 2000000, 1, "Kernel panic - not syncing: sysrq triggered crash", 49);
        sim_kernel_on_machine(&d->k, d->m);
        (void) sim_add_key(&d->k, 5, d->k.type_keyring, "", 0, 0, NULL);
        (void) sim_add_key(&d->k, 17, d->k.type_user, user_secret, sizeof(user_secret) - 1, 0, &d->user_data);
        (void) sim_add_key(&d->k, 3, d->k.type_logon, logon_secret, sizeof(logon_secret) - 1, 0, &d->logon_data);
        for (unsigned c = 0; c < 2; c++)
                for (unsigned i = 0; i < 32; i++)
                        d->cpu_keys[c][i] = (uint8_t) (0xa0 + c * 32 + i);
        for (unsigned i = 0; i < 32; i++)
                d->base_key[i] = (uint8_t) (0x30 + i);
        sim_add_crngs(&d->k, 2, (const uint8_t (*)[32]) d->cpu_keys, d->base_key);

        makedumpfile_compat(d->m);
        r = test_machine_write_kdump(d->m, compression, false, 2, &b);
        if (r < 0)
                return r;
        snprintf(d->path, sizeof(d->path), "%s/%s", test_tmpdir(), name);
        r = write_file(d->path, b.data, b.size);
        buffer_done(&b);
        return r;
}

/* Whether the needle is in any decoded page of the dump, or in its raw bytes. */
static int find_in_dump(const char *path, const void *needle, size_t n, bool *ret_pages, bool *ret_raw) {
        _cleanup_free_ char *raw = NULL;
        size_t size;
        VmcoreSource src;
        VmcoreKdump *k = NULL;
        int r;

        r = read_full_file_at(NULL, path, 64 * MiB, &raw, &size);
        if (r < 0)
                return r;
        *ret_raw = memmem(raw, size, needle, n) != NULL;
        vmcore_source_init_memory(&src, raw, size);
        r = vmcore_kdump_open(&src, &k);
        if (r < 0)
                return r;
        const VmcoreKdumpHeader *h = vmcore_kdump_header(k);
        uint8_t *prev = calloc(2, h->block_size);
        *ret_pages = false;
        /* Pages in pairs, so a needle across a page boundary is found too (physically adjacent). */
        for (uint64_t pfn = 0; pfn < h->max_mapnr; pfn++) {
                memmove(prev, prev + h->block_size, h->block_size);
                r = vmcore_kdump_read_page(k, pfn, prev + h->block_size);
                if (r == -ENODATA) {
                        memset(prev + h->block_size, 0, h->block_size);
                        continue;
                }
                if (r < 0)
                        break;
                if (memmem(prev, 2 * h->block_size, needle, n))
                        *ret_pages = true;
        }
        free(prev);
        vmcore_kdump_free(k);
        return r == -ENODATA ? 0 : r;
}

static char *dmesg_of(const char *path) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        Buffer out = {};
        if (vmcore_open(path, &v) < 0 || vmcore_dmesg(v, 0, &out, NULL) < 0 || buffer_append(&out, "", 1) < 0) {
                buffer_done(&out);
                return NULL;
        }
        return (char *) out.data;
}

/* The old compressed bytes of the page holding paddr. */
static int old_blob(const char *path, uint64_t paddr, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        VmcoreSource src;
        VmcoreKdump *k = NULL;
        uint8_t d[24];
        uint64_t pos;
        int r;

        if (fd < 0)
                return -errno;
        r = vmcore_source_init_fd(&src, fd);
        if (r >= 0)
                r = vmcore_kdump_open(&src, &k);
        if (r < 0)
                return r;
        r = vmcore_kdump_page_desc_pos(k, paddr / 4096, &pos);
        if (r >= 0)
                r = vmcore_source_read(&src, pos, d, sizeof(d));
        uint32_t size = vmcore_le32(d + 8);
        uint8_t *blob = r >= 0 ? malloc(size) : NULL;
        if (r >= 0 && !blob)
                r = -ENOMEM;
        if (r >= 0)
                r = vmcore_source_read(&src, vmcore_le64(d), blob, size);
        vmcore_kdump_free(k);
        if (r < 0) {
                free(blob);
                return r;
        }
        *ret = blob;
        *ret_size = size;
        return 0;
}

static int run_makedumpfile(char **argv, int *ret_status) {
        Buffer b = {};
        int r, ws;

        SpawnOptions o = { .capture = &b, .capture_max = 64 * KiB };

        r = spawn_and_wait(argv, &o, &ws);
        buffer_done(&b);
        if (r < 0)
                return r;
        *ret_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
        return 0;
}

static const char *makedumpfile_bin(void) {
        const char *bin = access("/usr/sbin/makedumpfile", X_OK) >= 0 ? "/usr/sbin/makedumpfile" : "/usr/bin/makedumpfile";
        return access(bin, X_OK) >= 0 ? bin : NULL;
}

static int run_makedumpfile_dmesg(const char *dump, const char *out, int *ret_status) {
        const char *bin = makedumpfile_bin();
        char *argv[] = { (char *) bin, (char *) "--dump-dmesg", (char *) dump, (char *) out, NULL };

        if (!bin)
                return -ENOENT;
        (void) unlink(out);
        return run_makedumpfile(argv, ret_status);
}

/* makedumpfile reading every page of the dump: a re-dump with -d 0, compressed with zlib. */
static int run_makedumpfile_redump(const char *dump, const char *out, int *ret_status) {
        const char *bin = makedumpfile_bin();
        char *argv[] = { (char *) bin, (char *) "-c", (char *) "-d", (char *) "0", (char *) dump, (char *) out, NULL };

        if (!bin)
                return -ENOENT;
        (void) unlink(out);
        return run_makedumpfile(argv, ret_status);
}

static TestResult erase_one(uint32_t compression, const char *name) {
        _cleanup_(dump_done) Dump d = {};
        _cleanup_(erase_plan_done) ErasePlan plan = {};
        _cleanup_(conf_diags_done) ConfDiagList diags = {};
        _cleanup_(erase_report_done) EraseReport rep = {};
        _cleanup_free_ char *plan_text = NULL, *before = NULL, *after = NULL, *rules = NULL;
        _cleanup_free_ uint8_t *blob_user = NULL;
        size_t blob_user_size;
        bool in_pages, in_raw;
        char md_before[4200], md_after[4200];
        int st_before = -1, st_after = -1;

        ASSERT_OK(make_dump(&d, compression, name));
        uint64_t user_p, logon_p;
        ASSERT_OK(vmcore_virt_to_phys_test(d.path, d.user_data, &user_p));
        ASSERT_OK(vmcore_virt_to_phys_test(d.path, d.logon_data, &logon_p));

        /* The secrets are in the dump before. */
        ASSERT_OK(find_in_dump(d.path, user_secret, sizeof(user_secret) - 1, &in_pages, &in_raw));
        ASSERT_TRUE(in_pages);
        ASSERT_OK(find_in_dump(d.path, d.cpu_keys[1], 32, &in_pages, &in_raw));
        ASSERT_TRUE(in_pages);
        ASSERT_OK(old_blob(d.path, user_p, &blob_user, &blob_user_size));
        before = dmesg_of(d.path);
        ASSERT_NOT_NULL(before);
        snprintf(md_before, sizeof(md_before), "%s.dmesg-before", d.path);
        snprintf(md_after, sizeof(md_after), "%s.dmesg-after", d.path);
        int mr = run_makedumpfile_dmesg(d.path, md_before, &st_before);

        plan_text = sim_plan_text(&d.k);
        ASSERT_OK(erase_plan_parse(NULL, plan_text, strlen(plan_text), &plan, &diags));

        {
                _cleanup_vmcore_free_ Vmcore *v = NULL;
                _cleanup_close_ int fd = open(d.path, O_RDWR | O_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                ASSERT_OK(vmcore_open(d.path, &v));
                ASSERT_OK(erase_dump(&plan, v, fd, &rep));
        }
        ASSERT_TRUE(rep.verified);
        ASSERT_EQ(rep.walk.results[0].objects, 1);
        ASSERT_EQ(rep.walk.results[0].bytes, sizeof(user_secret) - 1);
        ASSERT_EQ(rep.walk.results[1].bytes, sizeof(logon_secret) - 1);
        ASSERT_EQ(rep.walk.results[3].objects, 2);
        ASSERT_GE(rep.apply.pages, 2);
        ASSERT_OK(erase_report_format_rules(&plan, &rep, &rules));
        printf("# %s: %s; %" PRIu64 " pages rewritten, %" PRIu64 " appended, %" PRIu64 " us\n", name, rules, rep.apply.pages,
               rep.apply.appended, rep.usec);
        ASSERT_STREQ(rules, "keyring-user=1/32 keyring-logon=1/35 rng-base-crng=1/32 rng-percpu-crng=2/64");

        /* Gone from every decoded page and from the raw file; the old compressed bytes too. */
        ASSERT_OK(find_in_dump(d.path, user_secret, sizeof(user_secret) - 1, &in_pages, &in_raw));
        ASSERT_FALSE(in_pages);
        ASSERT_FALSE(in_raw);
        ASSERT_OK(find_in_dump(d.path, logon_secret, sizeof(logon_secret) - 1, &in_pages, &in_raw));
        ASSERT_FALSE(in_pages || in_raw);
        for (unsigned c = 0; c < 2; c++) {
                ASSERT_OK(find_in_dump(d.path, d.cpu_keys[c], 32, &in_pages, &in_raw));
                ASSERT_FALSE(in_pages || in_raw);
        }
        ASSERT_OK(find_in_dump(d.path, d.base_key, 32, &in_pages, &in_raw));
        ASSERT_FALSE(in_pages || in_raw);
        {
                _cleanup_free_ char *raw = NULL;
                size_t size;
                ASSERT_OK(read_full_file_at(NULL, d.path, 64 * MiB, &raw, &size));
                if (blob_user_size >= 16)
                        ASSERT_NULL(memmem(raw, size, blob_user, blob_user_size));
        }
        /* The pattern where the secret was. */
        ASSERT_OK(find_in_dump(d.path, "TKERASEDTKERASED", 16, &in_pages, &in_raw));
        ASSERT_TRUE(in_pages);

        /* The log is untouched, by our reader and by makedumpfile's. */
        after = dmesg_of(d.path);
        ASSERT_NOT_NULL(after);
        ASSERT_STREQ(before, after);
        if (mr == -ENOENT)
                printf("# makedumpfile not installed: read-back by makedumpfile not checked\n");
        else if (st_before != 0)
                printf("# makedumpfile --dump-dmesg cannot read this compression even before erasure (exit %d): "
                       "read-back not checked\n", st_before);
        else {
                _cleanup_free_ char *a = NULL, *b = NULL;
                char redump[4200];
                size_t na, nb;
                int st_redump = -1;
                ASSERT_OK(run_makedumpfile_dmesg(d.path, md_after, &st_after));
                ASSERT_EQ(st_after, 0);
                ASSERT_OK(read_full_file_at(NULL, md_before, 1 * MiB, &a, &na));
                ASSERT_OK(read_full_file_at(NULL, md_after, 1 * MiB, &b, &nb));
                ASSERT_EQ(na, nb);
                ASSERT_TRUE(memcmp(a, b, na) == 0);
                /* Every page through makedumpfile: a re-dump of the erased file, itself without the
                 * secrets. */
                snprintf(redump, sizeof(redump), "%s.redump", d.path);
                ASSERT_OK(run_makedumpfile_redump(d.path, redump, &st_redump));
                ASSERT_EQ(st_redump, 0);
                ASSERT_OK(find_in_dump(redump, user_secret, sizeof(user_secret) - 1, &in_pages, &in_raw));
                ASSERT_FALSE(in_pages || in_raw);
                ASSERT_OK(find_in_dump(redump, "TKERASEDTKERASED", 16, &in_pages, &in_raw));
                ASSERT_TRUE(in_pages);
                printf("# makedumpfile reads the erased file: --dump-dmesg identical (%zu bytes), -d 0 re-dump of every "
                       "page complete and without the secrets\n", nb);
        }
        return TEST_PASS;
}

TEST(erase_raw) {
        return erase_one(0, "raw.vmcore");
}
TEST(erase_zlib) {
        return erase_one(VMCORE_KDUMP_COMPRESSED_ZLIB, "zlib.vmcore");
}
TEST(erase_lzo) {
        return erase_one(VMCORE_KDUMP_COMPRESSED_LZO, "lzo.vmcore");
}
TEST(erase_snappy) {
        return erase_one(VMCORE_KDUMP_COMPRESSED_SNAPPY, "snappy.vmcore");
}
TEST(erase_zstd) {
        return erase_one(VMCORE_KDUMP_COMPRESSED_ZSTD, "zstd.vmcore");
}

/* A page that compresses better before than after: its new data goes to the end of the file and
 * the old slot is zeroed. */
TEST(erase_appends_when_larger) {
        static const uint32_t methods[] = { VMCORE_KDUMP_COMPRESSED_ZLIB, VMCORE_KDUMP_COMPRESSED_ZSTD,
                                            VMCORE_KDUMP_COMPRESSED_LZO, VMCORE_KDUMP_COMPRESSED_SNAPPY };
        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                _cleanup_(dump_done) Dump d = {};
                _cleanup_free_ uint8_t *blob = NULL;
                size_t blob_size;
                char name[32];
                EraseApplyStats st = {};

                snprintf(name, sizeof(name), "append-%zu.vmcore", i);
                ASSERT_OK(make_dump(&d, 0, name));
                /* Rewrite with a page of 'Q's in the direct map. */
                uint64_t va = test_machine_symbol(d.m, "page_offset") + 0x20000000 + 0x80000;
                uint8_t *p = test_machine_virt(d.m, va, 4096);
                ASSERT_NOT_NULL(p);
                memset(p, 'Q', 4096);
                memcpy(p + 100, "CANARY-append-1234567890", 24);
                Buffer b = {};
                ASSERT_OK(test_machine_write_kdump(d.m, methods[i], false, 1, &b));
                ASSERT_OK(write_file(d.path, b.data, b.size));
                buffer_done(&b);
                uint64_t pa;
                ASSERT_OK(vmcore_virt_to_phys_test(d.path, va, &pa));
                ASSERT_OK(old_blob(d.path, pa, &blob, &blob_size));

                EraseRange r[] = { { pa + 100, 24 }, { pa + 1000, 2000 } };
                _cleanup_close_ int fd = open(d.path, O_RDWR | O_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                ASSERT_OK(erase_kdump_apply(fd, r, ELEMENTSOF(r), &st));
                ASSERT_EQ(st.pages, 1);
                ASSERT_EQ(st.bytes, 2024);
                printf("# method %#x: old slot %zu bytes, appended %" PRIu64 "\n", methods[i], blob_size, st.appended);
                ASSERT_EQ(erase_kdump_verify(fd, r, ELEMENTSOF(r)), 1);

                bool in_pages, in_raw;
                ASSERT_OK(find_in_dump(d.path, "CANARY-append", 13, &in_pages, &in_raw));
                ASSERT_FALSE(in_pages || in_raw);
                _cleanup_free_ char *raw = NULL;
                size_t size;
                ASSERT_OK(read_full_file_at(NULL, d.path, 64 * MiB, &raw, &size));
                ASSERT_NULL(memmem(raw, size, blob, blob_size));

                /* makedumpfile reads the moved page (where it was built with the method). */
                char redump[4200];
                int status = -1;
                snprintf(redump, sizeof(redump), "%s.redump", d.path);
                if (run_makedumpfile_redump(d.path, redump, &status) >= 0 && status == 0) {
                        ASSERT_OK(find_in_dump(redump, "CANARY-append", 13, &in_pages, &in_raw));
                        ASSERT_FALSE(in_pages || in_raw);
                        printf("# method %#x: makedumpfile re-dumps every page of it\n", methods[i]);
                }
        }
        return TEST_PASS;
}

TEST(erase_filtered_page_is_absent) {
        _cleanup_(dump_done) Dump d = {};
        EraseApplyStats st = {};
        Buffer b = {};

        ASSERT_OK(make_dump(&d, VMCORE_KDUMP_COMPRESSED_ZSTD, "filtered.vmcore"));
        uint64_t va = test_machine_symbol(d.m, "page_offset") + 0x20000000 + 0x90000;
        uint8_t *p = test_machine_virt(d.m, va, 4096);
        ASSERT_NOT_NULL(p);
        memset(p, 'F', 4096);
        test_machine_exclude_page(d.m, 0x20000000 + 0x90000);
        ASSERT_OK(test_machine_write_kdump(d.m, VMCORE_KDUMP_COMPRESSED_ZSTD, true, 1, &b));
        ASSERT_OK(write_file(d.path, b.data, b.size));
        buffer_done(&b);

        EraseRange r[] = { { 0x20000000 + 0x90000 + 10, 100 } };
        _cleanup_close_ int fd = open(d.path, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(erase_kdump_apply(fd, r, 1, &st));
        ASSERT_EQ(st.pages, 0);
        ASSERT_EQ(st.absent_bytes, 100);
        return TEST_PASS;
}

TEST(erase_refuses_non_kdump) {
        char path[4096];
        EraseApplyStats st;
        EraseRange r[] = { { 0x1000, 8 } };

        snprintf(path, sizeof(path), "%s/junk", test_tmpdir());
        ASSERT_OK(write_file(path, "not a dump at all, not a dump at all", 36));
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_ERROR(erase_kdump_apply(fd, r, 1, &st), EBADMSG);
        return TEST_PASS;
}

/* tinykdump-save's erasing step (src/save/save-erase.c): the plan from the capture overlay, the
 * file makedumpfile wrote, the metadata, and the failure policy. */
typedef struct SaveCase {
        Dump d;
        char root[4096], dir[4096];
        int dir_fd;
        DumpMetadata md;
} SaveCase;

static void save_case_done(SaveCase *s) {
        dump_done(&s->d);
        if (s->dir_fd >= 0)
                (void) close(s->dir_fd);
        dump_metadata_done(&s->md);
}

static int save_case_setup(SaveCase *s, const char *name, const char *plan_text) {
        char p[8192];
        int r;

        s->dir_fd = -EBADF;
        dump_metadata_init(&s->md);
        snprintf(s->root, sizeof(s->root), "%s/%s-root", test_tmpdir(), name);
        snprintf(s->dir, sizeof(s->dir), "%s/%s-dump", test_tmpdir(), name);
        snprintf(p, sizeof(p), "%s/etc/tinykdump", s->root);
        if (mkdir(s->root, 0755) < 0 || mkdir(s->dir, 0755) < 0)
                return -errno;
        snprintf(p, sizeof(p), "%s/etc", s->root);
        (void) mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/tinykdump", s->root);
        (void) mkdir(p, 0755);
        r = make_dump(&s->d, VMCORE_KDUMP_COMPRESSED_ZSTD, name);
        if (r < 0)
                return r;
        if (plan_text) {
                _cleanup_free_ char *text = NULL;
                if (streq(plan_text, "sim"))
                        plan_text = text = sim_plan_text(&s->d.k);
                snprintf(p, sizeof(p), "%s/etc/tinykdump/erase.plan", s->root);
                r = write_file(p, plan_text, strlen(plan_text));
                if (r < 0)
                        return r;
        }
        /* The dump makedumpfile "wrote" into the dump directory. */
        _cleanup_free_ char *raw = NULL;
        size_t n;
        r = read_full_file_at(NULL, s->d.path, 64 * MiB, &raw, &n);
        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "%s/vmcore.incomplete", s->dir);
        r = write_file(p, raw, n);
        if (r < 0)
                return r;
        s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return s->dir_fd < 0 ? -errno : 0;
}

TEST(save_erase_complete) {
        _cleanup_(save_case_done) SaveCase s = {};
        char p[8192];
        bool in_pages, in_raw;

        ASSERT_OK(save_case_setup(&s, "save-ok", "sim"));
        /* The crashed kernel's memory: the original dump (as /proc/vmcore would be). */
        ASSERT_OK(save_erase(s.root, s.d.path, s.dir_fd, "vmcore.incomplete", &s.md));
        ASSERT_STREQ(s.md.erase, "complete");
        ASSERT_STREQ(s.md.erase_rules, "keyring-user=1/32 keyring-logon=1/35 rng-base-crng=1/32 rng-percpu-crng=2/64");
        ASSERT_U64_EQ(s.md.erase_bytes, 32 + 35 + 32 + 64);
        ASSERT_GE(s.md.erase_pages, 2);
        ASSERT_NULL(s.md.erase_reason);
        snprintf(p, sizeof(p), "%s/vmcore.incomplete", s.dir);
        ASSERT_OK(find_in_dump(p, user_secret, sizeof(user_secret) - 1, &in_pages, &in_raw));
        ASSERT_FALSE(in_pages || in_raw);
        return TEST_PASS;
}

TEST(save_erase_no_plan_is_disabled) {
        _cleanup_(save_case_done) SaveCase s = {};

        ASSERT_OK(save_case_setup(&s, "save-none", NULL));
        ASSERT_OK(save_erase(s.root, s.d.path, s.dir_fd, "vmcore.incomplete", &s.md));
        ASSERT_STREQ(s.md.erase, "disabled");
        ASSERT_EQ(faccessat(s.dir_fd, "vmcore.incomplete", F_OK, 0), 0);
        return TEST_PASS;
}

/* A walk that fails (a cycle in the keyring): on-failure=delete removes the file, keep keeps it. */
static TestResult save_failure(const char *policy, bool expect_kept) {
        _cleanup_(save_case_done) SaveCase s = {};
        char name[64];

        snprintf(name, sizeof(name), "save-fail-%s", policy);
        ASSERT_OK(save_case_setup(&s, name, NULL));
        _cleanup_free_ char *text = sim_plan_text(&s.d.k);
        char *on = strstr(text, "on-failure delete");
        ASSERT_NOT_NULL(on);
        char *fixed = NULL;
        ASSERT_TRUE(asprintf(&fixed, "%.*son-failure %s%s", (int) (on - text), text, policy, on + strlen("on-failure delete")) > 0);
        char p[8192];
        snprintf(p, sizeof(p), "%s/etc/tinykdump/erase.plan", s.root);
        ASSERT_OK(write_file(p, fixed, strlen(fixed)));
        free(fixed);

        /* Corrupt the keyring in the memory the walk reads: the root's left child points back. */
        uint64_t root = sim_r64(&s.d.k, s.d.k.key_serial_tree);
        uint64_t left = sim_r64(&s.d.k, root + 16);
        ASSERT_NE(left, 0);
        sim_w64(&s.d.k, left + 16, root);
        Buffer b = {};
        char mem[4200];
        snprintf(mem, sizeof(mem), "%s.memory", s.d.path);
        ASSERT_OK(test_machine_write_kdump(s.d.m, VMCORE_KDUMP_COMPRESSED_ZSTD, true, 2, &b));
        ASSERT_OK(write_file(mem, b.data, b.size));
        buffer_done(&b);

        int r = save_erase(s.root, mem, s.dir_fd, "vmcore.incomplete", &s.md);
        ASSERT_STREQ(s.md.erase, "failed");
        ASSERT_NOT_NULL(s.md.erase_reason);
        printf("# %s: %s; rules %s\n", policy, s.md.erase_reason, strna(s.md.erase_rules));
        ASSERT_NOT_NULL(strstr(s.md.erase_reason, "keyring-user: rbtree: node"));
        ASSERT_NOT_NULL(strstr(s.md.erase_rules, "keyring-user=failed"));
        if (expect_kept) {
                ASSERT_OK(r);
                ASSERT_EQ(faccessat(s.dir_fd, "vmcore.incomplete", F_OK, 0), 0);
        } else {
                ASSERT_ERROR(r, EIO);
                ASSERT_TRUE(faccessat(s.dir_fd, "vmcore.incomplete", F_OK, 0) < 0 && errno == ENOENT);
        }
        return TEST_PASS;
}

TEST(save_erase_failure_deletes) {
        return save_failure("delete", false);
}

TEST(save_erase_failure_keep) {
        return save_failure("keep", true);
}

TEST(save_erase_broken_plan_deletes) {
        _cleanup_(save_case_done) SaveCase s = {};

        ASSERT_OK(save_case_setup(&s, "save-broken", "erase-plan version=1\nrule x\n"));
        ASSERT_ERROR(save_erase(s.root, s.d.path, s.dir_fd, "vmcore.incomplete", &s.md), EIO);
        ASSERT_STREQ(s.md.erase, "failed");
        ASSERT_TRUE(faccessat(s.dir_fd, "vmcore.incomplete", F_OK, 0) < 0);
        return TEST_PASS;
}
