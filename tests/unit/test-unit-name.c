/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "unit-name.h"

/* Expected values are what systemd-escape --path (systemd 252) prints for the same input. */
static TestResult check_escape(const char *path, const char *expected) {
        _cleanup_free_ char *e = NULL;

        ASSERT_OK(unit_name_path_escape(path, &e));
        ASSERT_STREQ(e, expected);
        return TEST_PASS;
}

#define CHECK_ESCAPE(p, x)                                          \
        do {                                                        \
                if (check_escape((p), (x)) != TEST_PASS) {          \
                        printf("# for input '%s'\n", (p));          \
                        return TEST_FAIL;                           \
                }                                                   \
        } while (0)

TEST(path_escape_matches_systemd_escape) {
        CHECK_ESCAPE("/run/tinykdump/target", "run-tinykdump-target");
        CHECK_ESCAPE("/", "-");
        CHECK_ESCAPE("//", "-");
        CHECK_ESCAPE("/./", "-");
        CHECK_ESCAPE("/.", "-");
        CHECK_ESCAPE("/dev/disk/by-uuid/1234-ABCD", "dev-disk-by\\x2duuid-1234\\x2dABCD");
        CHECK_ESCAPE("/dev/disk/by-label/My\\x20Dump", "dev-disk-by\\x2dlabel-My\\x5cx20Dump");
        CHECK_ESCAPE("/a//b/", "a-b");
        CHECK_ESCAPE("/.hidden/x", "\\x2ehidden-x");
        CHECK_ESCAPE("/a/./b", "a-b");
        CHECK_ESCAPE("/a/.b", "a-.b");
        CHECK_ESCAPE("/x%y", "x\\x25y");
        CHECK_ESCAPE("/\xc3\xbc", "\\xc3\\xbc");
        CHECK_ESCAPE("/a b", "a\\x20b");
        CHECK_ESCAPE("/a:b_c.d", "a:b_c.d");
        CHECK_ESCAPE("/-", "\\x2d");
        CHECK_ESCAPE("rel/path", "rel-path");
        CHECK_ESCAPE("./a", "a");
        return TEST_PASS;
}

TEST(path_escape_refuses) {
        char *e = NULL;

        ASSERT_ERROR(unit_name_path_escape("", &e), EINVAL);
        ASSERT_ERROR(unit_name_path_escape(".", &e), EINVAL);
        ASSERT_ERROR(unit_name_path_escape("/..", &e), EINVAL);
        ASSERT_ERROR(unit_name_path_escape("/a/../b", &e), EINVAL);
        ASSERT_ERROR(unit_name_path_escape("/a/..", &e), EINVAL);
        ASSERT_TRUE(e == NULL);
        return TEST_PASS;
}

TEST(from_path) {
        _cleanup_free_ char *m = NULL, *d = NULL, *root = NULL;
        char *e = NULL;
        char longpath[300];

        ASSERT_OK(unit_name_from_path("/run/tinykdump/target", ".mount", &m));
        ASSERT_STREQ(m, "run-tinykdump-target.mount");
        ASSERT_OK(unit_name_from_path("/dev/disk/by-uuid/1234-ABCD", ".device", &d));
        ASSERT_STREQ(d, "dev-disk-by\\x2duuid-1234\\x2dABCD.device");
        ASSERT_OK(unit_name_from_path("/", ".mount", &root));
        ASSERT_STREQ(root, "-.mount");

        ASSERT_ERROR(unit_name_from_path("/a", "mount", &e), EINVAL);
        ASSERT_ERROR(unit_name_from_path("/a", ".", &e), EINVAL);

        /* 249 + ".device" (7) = 256 > 255; one character less fits exactly. */
        longpath[0] = '/';
        memset(longpath + 1, 'a', 249);
        longpath[250] = '\0';
        ASSERT_ERROR(unit_name_from_path(longpath, ".device", &e), ENAMETOOLONG);
        longpath[249] = '\0';
        ASSERT_OK(unit_name_from_path(longpath, ".device", &e));
        ASSERT_EQ(strlen(e), UNIT_NAME_LENGTH_MAX);
        free(e);
        /* Escapes count: 63 spaces are 252 bytes escaped. */
        memset(longpath + 1, ' ', 63);
        longpath[64] = '\0';
        e = NULL;
        ASSERT_ERROR(unit_name_from_path(longpath, ".device", &e), ENAMETOOLONG);
        ASSERT_TRUE(e == NULL);
        return TEST_PASS;
}

TEST(escape_specifiers) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        ASSERT_OK(unit_escape_specifiers("/dev/disk/by-label/100%", &a));
        ASSERT_STREQ(a, "/dev/disk/by-label/100%%");
        ASSERT_OK(unit_escape_specifiers("%%%n", &b));
        ASSERT_STREQ(b, "%%%%%%n");
        ASSERT_OK(unit_escape_specifiers("", &c));
        ASSERT_STREQ(c, "");
        return TEST_PASS;
}
