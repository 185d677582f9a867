/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <endian.h>
#include <sys/wait.h>

#include "fixtures.h"
#include "pe.h"
#include "tests.h"
#include "util.h"

/* PE images come from fixture_pe(): DOS header, "PE\0\0", COFF header, a 240-byte optional header,
 * the section table, each section's data at a 512-byte file alignment, then (for long section
 * names) a COFF string table. */
#define FILE_ALIGN 512U
typedef FixtureSection TestSection;
#define build_pe fixture_pe

static const char linux_data[] = "MZ-fake-bzImage-payload";
static const char initrd_data[] = "07070100000000-fake-initrd";
static const char cmdline_data[] = "console=ttyS0 reset_devices\n\0\0\0\0";
static const char uname_data[] = "7.2.13-amd64";
static const char osrel_data[] = "ID=debian\nVERSION_ID=sid\n";

TEST(uki_basic) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".osrel", osrel_data, sizeof(osrel_data) - 1 },
                { ".cmdline", cmdline_data, sizeof(cmdline_data) - 1 },
                { ".uname", uname_data, sizeof(uname_data) - 1 },
                { ".initrd", initrd_data, sizeof(initrd_data) - 1 },
                { ".linux", linux_data, sizeof(linux_data) - 1 },
        };
        UkiImage uki;
        _cleanup_free_ char *cmdline = NULL, *uname = NULL;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        ASSERT_EQ(uki.machine, PE_MACHINE_X86_64);
        ASSERT_EQ(uki.n_profiles, 0);

        const UkiRange *l = &uki.sections[UKI_SECTION_LINUX];
        ASSERT_TRUE(l->present);
        ASSERT_U64_EQ(l->size, sizeof(linux_data) - 1);
        ASSERT_TRUE(memcmp(b.data + l->offset, linux_data, l->size) == 0);
        const UkiRange *i = &uki.sections[UKI_SECTION_INITRD];
        ASSERT_U64_EQ(i->size, sizeof(initrd_data) - 1);
        ASSERT_TRUE(memcmp(b.data + i->offset, initrd_data, i->size) == 0);
        /* .cmdline is NUL-padded: its size ends at the first NUL */
        ASSERT_U64_EQ(uki.sections[UKI_SECTION_CMDLINE].size, strlen(cmdline_data));
        ASSERT_FALSE(uki.sections[UKI_SECTION_PROFILE].present);

        ASSERT_OK(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_CMDLINE, 4096, &cmdline));
        ASSERT_STREQ(cmdline, "console=ttyS0 reset_devices");
        ASSERT_OK(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_UNAME, 4096, &uname));
        ASSERT_STREQ(uname, "7.2.13-amd64");
        ASSERT_ERROR(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_PROFILE, 4096, &uname), ENOENT);
        ASSERT_ERROR(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_OSREL, 4, &uname), EFBIG);
        ASSERT_STREQ(uki_section_to_string(UKI_SECTION_INITRD), ".initrd");
        return TEST_PASS;
}

TEST(not_a_uki) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".setup", linux_data, 100 > sizeof(linux_data) ? sizeof(linux_data) : 100 },
                { ".text", linux_data, sizeof(linux_data) },
        };
        UkiImage uki;
        PeImage *pe = malloc(sizeof(PeImage));

        ASSERT_NOT_NULL(pe);
        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(pe_parse(b.data, b.size, pe));
        ASSERT_EQ(pe->n_sections, 2);
        ASSERT_TRUE(pe->pe32_plus);
        ASSERT_EQ(pe->subsystem, 10);
        ASSERT_NOT_NULL(pe_find_section(pe, ".text"));
        ASSERT_NULL(pe_find_section(pe, ".linux"));
        free(pe);
        ASSERT_ERROR(uki_parse(b.data, b.size, &uki), EOPNOTSUPP);
        ASSERT_ERROR(uki_parse("MZ", 2, &uki), EBADMSG);
        ASSERT_ERROR(uki_parse("\x7f" "ELF", 4, &uki), EBADMSG);
        return TEST_PASS;
}

TEST(virtual_size) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".linux", linux_data, sizeof(linux_data), .vsize = 5 },             /* smaller VirtualSize wins */
                { ".initrd", initrd_data, sizeof(initrd_data), .vsize = 100000 },     /* raw size (512) wins */
                { ".uname", uname_data, sizeof(uname_data), .force_vsize = true },    /* VirtualSize 0: raw size */
        };
        UkiImage uki;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        ASSERT_U64_EQ(uki.sections[UKI_SECTION_LINUX].size, 5);
        ASSERT_U64_EQ(uki.sections[UKI_SECTION_INITRD].size, FILE_ALIGN);
        ASSERT_U64_EQ(uki.sections[UKI_SECTION_UNAME].size, strlen(uname_data));
        return TEST_PASS;
}

TEST(profiles) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".osrel", osrel_data, sizeof(osrel_data) - 1 },
                { ".cmdline", "base", 4 },
                { ".uname", uname_data, sizeof(uname_data) - 1 },
                { ".linux", linux_data, sizeof(linux_data) - 1 },
                { ".initrd", initrd_data, sizeof(initrd_data) - 1 },
                { ".profile", "ID=default\nTITLE=Default\n", 25 },
                { ".profile", "ID=debug\n", 9 },
                { ".cmdline", "debug", 5 },
                { ".linux", "other", 5 },
        };
        UkiImage uki;
        _cleanup_free_ char *cmdline = NULL, *profile = NULL;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        ASSERT_EQ(uki.n_profiles, 2);
        /* Profile 0 has no overrides: base .cmdline and .linux; the second profile is not used. */
        ASSERT_OK(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_CMDLINE, 100, &cmdline));
        ASSERT_STREQ(cmdline, "base");
        ASSERT_U64_EQ(uki.sections[UKI_SECTION_LINUX].size, sizeof(linux_data) - 1);
        ASSERT_OK(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_PROFILE, 100, &profile));
        ASSERT_STREQ(profile, "ID=default\nTITLE=Default");
        return TEST_PASS;
}

TEST(profile_overrides_base) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".cmdline", "base", 4 },
                { ".profile", "ID=a\n", 5 },
                { ".cmdline", "profile-a", 9 },
                { ".linux", linux_data, sizeof(linux_data) - 1 },
        };
        UkiImage uki;
        _cleanup_free_ char *cmdline = NULL;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        ASSERT_EQ(uki.n_profiles, 1);
        ASSERT_OK(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_CMDLINE, 100, &cmdline));
        ASSERT_STREQ(cmdline, "profile-a");
        ASSERT_TRUE(uki.sections[UKI_SECTION_LINUX].present);
        return TEST_PASS;
}

TEST(long_names) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".linux", linux_data, sizeof(linux_data) - 1 },
                { ".a-very-long-section-name", "x", 1 },
        };
        PeImage *pe = malloc(sizeof(PeImage));

        ASSERT_NOT_NULL(pe);
        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(pe_parse(b.data, b.size, pe));
        ASSERT_STREQ(pe->sections[1].name, ".a-very-long-section-name");
        ASSERT_NOT_NULL(pe_find_section(pe, ".a-very-long-section-name"));

        /* A long name without a string table is malformed. */
        put_le32(b.data + 0x80 + 4 + 8, 0);
        ASSERT_ERROR(pe_parse(b.data, b.size, pe), EBADMSG);
        /* So is a string table pointer beyond the file. */
        put_le32(b.data + 0x80 + 4 + 8, (uint32_t) b.size);
        ASSERT_ERROR(pe_parse(b.data, b.size, pe), EBADMSG);
        free(pe);
        return TEST_PASS;
}

/* Offsets in the image build_pe() makes for a single-section UKI. */
#define LFANEW 0x80U
#define TABLE (LFANEW + 24U + 240U)

TEST(malformed) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".linux", linux_data, sizeof(linux_data) - 1 },
                { ".initrd", initrd_data, sizeof(initrd_data) - 1 },
        };
        UkiImage uki;
        uint8_t *copy;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        copy = malloc(b.size);
        ASSERT_NOT_NULL(copy);

#define MUTATE(stmt, err)                                      \
        do {                                                   \
                memcpy(copy, b.data, b.size);                  \
                uint8_t *d = copy;                             \
                stmt;                                          \
                ASSERT_ERROR(uki_parse(copy, b.size, &uki), err); \
        } while (0)

        MUTATE(d[0] = 'X', EBADMSG);                                  /* no MZ */
        MUTATE(put_le32(d + 0x3c, 0xfffffff0), EBADMSG);                 /* e_lfanew beyond the file */
        MUTATE(put_le32(d + 0x3c, (uint32_t) b.size - 10), EBADMSG);     /* headers cut off */
        MUTATE(d[LFANEW + 2] = 'X', EBADMSG);                         /* no PE\0\0 */
        MUTATE(put_le16(d + LFANEW + 24, 0x107), EBADMSG);               /* optional header magic (ROM) */
        MUTATE(put_le16(d + LFANEW + 20, 50), EBADMSG);                  /* optional header too small */
        MUTATE(put_le16(d + LFANEW + 6, 97), EBADMSG);                   /* too many sections */
        MUTATE(put_le16(d + LFANEW + 6, 60), EBADMSG);                   /* section table beyond the headers' data */
        MUTATE(put_le32(d + TABLE + 16, 0xfffffe00), EBADMSG);           /* raw size beyond the file */
        MUTATE(put_le32(d + TABLE + 20, 0xfffffff0), EBADMSG);           /* raw pointer beyond the file */
        MUTATE(put_le32(d + TABLE + 20, 0x40), EBADMSG);                 /* section data inside the headers */
        MUTATE(put_le32(d + TABLE + 40 + 20, FILE_ALIGN), EBADMSG);      /* .initrd overlaps .linux */
        MUTATE(memcpy(d + TABLE + 40, ".linux\0", 8), EBADMSG);       /* .linux twice */
        MUTATE(put_le32(d + TABLE + 8, 0); put_le32(d + TABLE + 16, 0), EBADMSG); /* empty .linux */
        MUTATE(memcpy(d + TABLE, ".linuy\0", 8), EOPNOTSUPP);         /* no .linux */
#undef MUTATE

        /* Every truncation fails cleanly; only the complete image parses. */
        for (size_t n = 0; n < b.size; n++)
                ASSERT_ERROR(uki_parse(b.data, n, &uki), EBADMSG);
        free(copy);
        return TEST_PASS;
}

TEST(text_sections_reject_control_bytes) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".linux", linux_data, sizeof(linux_data) - 1 },
                { ".cmdline", "quiet\x1b[31m", 10 },
        };
        UkiImage uki;
        char *c = NULL;

        build_pe(s, ELEMENTSOF(s), &b);
        ASSERT_OK(uki_parse(b.data, b.size, &uki));
        ASSERT_ERROR(uki_section_strdup(&uki, b.data, b.size, UKI_SECTION_CMDLINE, 100, &c), EBADMSG);
        ASSERT_NULL(c);
        return TEST_PASS;
}

/* The same reader against images written by an independent implementation: python3-pefile checks
 * what our writer produces, and objcopy (binutils) adds sections to a PE the way ukify's predecessors
 * did. Skipped when the tools are missing. */
TEST(pefile_agrees) {
        _cleanup_(buffer_done) Buffer b = {};
        const TestSection s[] = {
                { ".osrel", osrel_data, sizeof(osrel_data) - 1 },
                { ".cmdline", cmdline_data, sizeof(cmdline_data) - 1 },
                { ".linux", linux_data, sizeof(linux_data) - 1 },
        };
        _cleanup_free_ char *path = path_join(test_tmpdir(), "uki.efi");
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        FILE *f;

        if (system("/usr/bin/python3 -c 'import pefile' 2>/dev/null") != 0)
                TEST_SKIP("python3-pefile not installed");
        build_pe(s, ELEMENTSOF(s), &b);
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        ASSERT_EQ(fwrite(b.data, 1, b.size, f), b.size);
        fclose(f);

        _cleanup_free_ char *outp = path_join(test_tmpdir(), "pefile.out");
        ASSERT_TRUE(asprintf(&cmd,
                             "/usr/bin/python3 -c 'import pefile,sys; p=pefile.PE(sys.argv[1]); "
                             "print(\" \".join(\"%%s:%%d:%%d\" %% (s.Name.rstrip(b\"\\0\").decode(), s.PointerToRawData, "
                             "min(s.Misc_VirtualSize, s.SizeOfRawData)) for s in p.sections))' %s > %s",
                             path, outp) >= 0);
        ASSERT_EQ(system(cmd), 0);
        ASSERT_OK(read_one_line_file_at(NULL, outp, &out));

        PeImage *pe = malloc(sizeof(PeImage));
        ASSERT_NOT_NULL(pe);
        ASSERT_OK(pe_parse(b.data, b.size, pe));
        char mine[512] = "";
        for (size_t i = 0; i < pe->n_sections; i++)
                snprintf(mine + strlen(mine), sizeof(mine) - strlen(mine), "%s%s:%" PRIu64 ":%" PRIu64,
                         i ? " " : "", pe->sections[i].name, pe->sections[i].offset, pe->sections[i].size);
        free(pe);
        ASSERT_STREQ(mine, out);
        return TEST_PASS;
}

/* A real UKI, when ukify and a kernel are available (not on the Debian 12 build host). */
TEST(real_uki) {
        const char *p = getenv("TINYKDUMP_TEST_UKI");
        _cleanup_free_ char *data = NULL, *uname = NULL;
        size_t size;
        UkiImage uki;

        if (isempty(p))
                TEST_SKIP("$TINYKDUMP_TEST_UKI not set (build one with ukify to test a real image)");
        ASSERT_OK(read_full_file_at(NULL, p, 1024 * MiB, &data, &size));
        ASSERT_OK(uki_parse(data, size, &uki));
        ASSERT_TRUE(uki.sections[UKI_SECTION_LINUX].size > 1 * MiB);
        ASSERT_TRUE(memcmp(data + uki.sections[UKI_SECTION_LINUX].offset, "MZ", 2) == 0);
        if (uki.sections[UKI_SECTION_UNAME].present)
                ASSERT_OK(uki_section_strdup(&uki, data, size, UKI_SECTION_UNAME, 4096, &uname));
        return TEST_PASS;
}
