/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ftw.h>
#include <stdlib.h>

#include "tests.h"

extern const TestCase __start_tk_tests[];
extern const TestCase __stop_tk_tests[];

static char *tmpdir;

const char *test_srcdir(void) {
        const char *e = getenv("TK_TEST_SRCDIR");
        return e ?: ".";
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(p);
        return 0;
}

static void cleanup_tmpdir(void) {
        if (tmpdir && !getenv("TK_TEST_KEEP_TMP"))
                (void) nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(void) {
        if (!tmpdir) {
                char t[] = "/tmp/tinykdump-test-XXXXXX";
                if (!mkdtemp(t)) {
                        perror("mkdtemp");
                        abort();
                }
                tmpdir = strdup(t);
                atexit(cleanup_tmpdir);
        }
        return tmpdir;
}

static bool selected(int argc, char **argv, const char *name) {
        if (argc <= 1)
                return true;
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], name))
                        return true;
        return false;
}

int main(int argc, char **argv) {
        unsigned n = 0, failed = 0, skipped = 0, i = 0;

        for (const TestCase *t = __start_tk_tests; t < __stop_tk_tests; t++)
                if (selected(argc, argv, t->name))
                        n++;

        printf("TAP version 13\n1..%u\n", n);
        for (const TestCase *t = __start_tk_tests; t < __stop_tk_tests; t++) {
                if (!selected(argc, argv, t->name))
                        continue;
                fflush(stdout);
                TestResult r = t->func();
                i++;
                switch (r) {
                case TEST_PASS:
                        printf("ok %u - %s\n", i, t->name);
                        break;
                case TEST_SKIPPED:
                        printf("ok %u - %s # SKIP\n", i, t->name);
                        skipped++;
                        break;
                case TEST_FAIL:
                        printf("not ok %u - %s\n", i, t->name);
                        failed++;
                        break;
                }
        }
        fflush(stdout);
        if (failed > 0)
                return 1;
        if (n > 0 && skipped == n)
                return 77;
        return 0;
}
