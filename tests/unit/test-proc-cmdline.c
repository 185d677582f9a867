/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loader.h"
#include "proc-cmdline.h"
#include "tests.h"
#include "util.h"

static int split(const char *s, char ***ret) {
        return proc_cmdline_split(s, strlen(s), ret);
}

TEST(split_plain) {
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(split("  BOOT_IMAGE=/vmlinuz-7.2 root=UUID=abc ro\tquiet\n", &l));
        ASSERT_EQ(strv_length(l), 4);
        ASSERT_STREQ(l[0], "BOOT_IMAGE=/vmlinuz-7.2");
        ASSERT_STREQ(l[1], "root=UUID=abc");
        ASSERT_STREQ(l[2], "ro");
        ASSERT_STREQ(l[3], "quiet");
        return TEST_PASS;
}

TEST(split_quotes) {
        _cleanup_strv_free_ char **l = NULL;

        /* The kernel's next_arg(): a quoted value and a quoted whole word lose their quotes;
         * quotes in the middle of a value stay. */
        ASSERT_OK(split("a=\"b c\" \"d=e f\" g=h\"i j\"k \"bare word\" x=\"\" y=", &l));
        ASSERT_EQ(strv_length(l), 6);
        ASSERT_STREQ(l[0], "a=b c");
        ASSERT_STREQ(l[1], "d=e f");
        ASSERT_STREQ(l[2], "g=h\"i j\"k");
        ASSERT_STREQ(l[3], "bare word");
        ASSERT_STREQ(l[4], "x=");
        ASSERT_STREQ(l[5], "y=");
        return TEST_PASS;
}

TEST(split_unterminated_quote) {
        _cleanup_strv_free_ char **l = NULL;

        /* An open quote swallows the rest of the line, spaces included. */
        ASSERT_OK(split("a=\"b c d", &l));
        ASSERT_EQ(strv_length(l), 1);
        ASSERT_STREQ(l[0], "a=b c d");
        return TEST_PASS;
}

TEST(split_dashdash) {
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(split("console=ttyS0 -- single emergency", &l));
        ASSERT_EQ(strv_length(l), 1);
        ASSERT_STREQ(l[0], "console=ttyS0");
        return TEST_PASS;
}

TEST(split_empty) {
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(split("   \n", &l));
        ASSERT_NOT_NULL(l);
        ASSERT_EQ(strv_length(l), 0);
        return TEST_PASS;
}

TEST(split_nul_ends) {
        _cleanup_strv_free_ char **l = NULL;
        static const char s[] = "a=1\0b=2";

        ASSERT_OK(proc_cmdline_split(s, sizeof(s) - 1, &l));
        ASSERT_EQ(strv_length(l), 1);
        return TEST_PASS;
}

TEST(get_key) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *v = NULL, *bare = (char *) 1;

        ASSERT_OK(split("foo_bar=1 x foo-bar=2 other=3", &l));
        ASSERT_EQ(proc_cmdline_get_key(l, "foo-bar", &v), 1);
        ASSERT_STREQ(v, "2"); /* last wins, '-' == '_' */
        ASSERT_EQ(proc_cmdline_get_key(l, "x", &bare), 1);
        ASSERT_NULL(bare);
        ASSERT_EQ(proc_cmdline_get_key(l, "missing", &v), 0);
        ASSERT_STREQ(v, "2"); /* untouched */
        ASSERT_EQ(proc_cmdline_get_key(l, "oth", &v), 0);
        return TEST_PASS;
}

TEST(get_key_all) {
        _cleanup_strv_free_ char **l = NULL, **v = NULL;

        ASSERT_OK(split("crashkernel=128M console=tty0 crashkernel crashkernel=512M,cma", &l));
        ASSERT_EQ(proc_cmdline_get_key_all(l, "crashkernel", &v), 2);
        ASSERT_STREQ(v[0], "128M");
        ASSERT_STREQ(v[1], "512M,cma");
        ASSERT_NULL(v[2]);
        return TEST_PASS;
}

TEST(get_bool) {
        _cleanup_strv_free_ char **a = NULL, **b = NULL, **c = NULL, **d = NULL;
        const char *bad = NULL;
        bool v = false;

        ASSERT_OK(split("tinykdump=0 tinykdump=yes", &a));
        ASSERT_EQ(proc_cmdline_get_bool(a, "tinykdump", &v, NULL), 1);
        ASSERT_TRUE(v);
        ASSERT_OK(split("tinykdump=no", &b));
        ASSERT_EQ(proc_cmdline_get_bool(b, "tinykdump", &v, NULL), 1);
        ASSERT_FALSE(v);
        ASSERT_OK(split("quiet tinykdump", &c));
        ASSERT_EQ(proc_cmdline_get_bool(c, "tinykdump", &v, NULL), 1);
        ASSERT_TRUE(v);
        ASSERT_EQ(proc_cmdline_get_bool(c, "tinykdump.debug", &v, NULL), 0);
        ASSERT_OK(split("tinykdump=maybe", &d));
        ASSERT_ERROR(proc_cmdline_get_bool(d, "tinykdump", &v, &bad), EINVAL);
        ASSERT_STREQ(bad, "maybe");
        return TEST_PASS;
}

TEST(read_env_override) {
        _cleanup_free_ char *p = path_join(test_tmpdir(), "cmdline-override");
        _cleanup_free_ char *s = NULL;
        FILE *f = fopen(p, "we");

        ASSERT_NOT_NULL(f);
        fputs("tinykdump=0 console=ttyS0\n", f);
        fclose(f);
        ASSERT_EQ(setenv(PROC_CMDLINE_ENV, p, 1), 0);
        ASSERT_OK(proc_cmdline_read("/nonexistent", &s));
        ASSERT_EQ(unsetenv(PROC_CMDLINE_ENV), 0);
        ASSERT_STREQ(s, "tinykdump=0 console=ttyS0");
        return TEST_PASS;
}

TEST(read_root) {
        _cleanup_free_ char *root = path_join(test_srcdir(), "unit/rootfs/cma");
        _cleanup_free_ char *s = NULL;

        ASSERT_EQ(unsetenv(PROC_CMDLINE_ENV), 0);
        ASSERT_OK(proc_cmdline_read(root, &s));
        ASSERT_STREQ(s, "BOOT_IMAGE=/boot/vmlinuz-7.2.0-1-amd64 root=UUID=3a5c0e1e-0c3f-4b8e-9f0e-2d7f4d1c6b11 ro "
                        "console=ttyS0,115200 crashkernel=128M crashkernel=512M,cma quiet");
        ASSERT_ERROR(proc_cmdline_read("/nonexistent-root", &s), ENOENT);
        return TEST_PASS;
}

TEST(build_capture) {
        _cleanup_strv_free_ char **run = NULL, **extra = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(split("BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro console=tty0 console=ttyS0,115200 "
                        "crashkernel=1G-:256M quiet splash resume=UUID=x rd.luks.uuid=y systemd.unit=rescue.target "
                        "hugepages=100 nr_cpus=8 loglevel=7 earlycon=uart8250,io,0x3f8 foo=\"a b\" tinykdump=1 "
                        "-- init-arg",
                        &run));
        ASSERT_OK(split("loglevel=4 console=ttyS1 nr_cpus=1 reset_devices", &extra));
        ASSERT_OK(proc_cmdline_build_capture(run, extra, &s));
        ASSERT_STREQ(s, "ro console=tty0 console=ttyS0,115200 earlycon=uart8250,io,0x3f8 foo=\"a b\" "
                        "loglevel=4 console=ttyS1 nr_cpus=1 reset_devices");
        return TEST_PASS;
}

/* A second panic inside the capture kernel must reboot it: tinykdump's fixed words carry panic=,
 * and whatever the running system or KernelCommandLine= says (panic=0 waits forever), the
 * fixed one comes last, so it is the one the kernel keeps. */
TEST(capture_cmdline_reboots_on_panic) {
        static const char *const fixed[] = { CAPTURE_CMDLINE_FIXED };
        _cleanup_strv_free_ char **run = NULL, **extra = NULL;
        _cleanup_free_ char *s = NULL;
        const char *last = NULL;

        ASSERT_OK(split("root=/dev/sda1 panic=0 oops=panic", &run));
        ASSERT_OK(split("panic=0", &extra));
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                ASSERT_OK(strv_extend(&extra, fixed[i]));
        ASSERT_OK(proc_cmdline_build_capture(run, extra, &s));
        for (const char *p = s; (p = strstr(p, "panic=")); p++)
                if (p == s || p[-1] == ' ')
                        last = p;
        ASSERT_NOT_NULL(last);
        ASSERT_TRUE(startswith(last, "panic=") && last[6] >= '1' && last[6] <= '9');
        return TEST_PASS;
}

TEST(build_capture_round_trip) {
        _cleanup_strv_free_ char **run = NULL, **back = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(split("a=\"x y\" \"b c\" g=h\"i j\"k plain", &run));
        ASSERT_OK(proc_cmdline_build_capture(run, NULL, &s));
        ASSERT_OK(split(s, &back));
        ASSERT_EQ(strv_length(back), 4);
        for (size_t i = 0; i < 4; i++)
                ASSERT_STREQ(back[i], run[i]);
        return TEST_PASS;
}

TEST(build_capture_unbalanced_quote) {
        char *run[] = { (char *) "console=ttyS0", (char *) "foo=a\"b", (char *) "", NULL };
        char *extra[] = { (char *) "nr_cpus=1", NULL };
        _cleanup_free_ char *s = NULL;
        _cleanup_strv_free_ char **back = NULL;

        /* foo=a"b would open a quote that swallows nr_cpus=1: it cannot be passed on. */
        ASSERT_OK(proc_cmdline_build_capture(run, extra, &s));
        ASSERT_STREQ(s, "console=ttyS0 nr_cpus=1");
        ASSERT_OK(split(s, &back));
        ASSERT_EQ(strv_length(back), 2);
        ASSERT_ERROR(proc_cmdline_join(run, &s), EINVAL);
        return TEST_PASS;
}

TEST(build_capture_errors) {
        char *bad_quote[] = { (char *) "a=\"x", NULL }; /* unbalanced quote */
        char *empty[] = { (char *) "", NULL };
        _cleanup_strv_free_ char **big = NULL;
        char *s = NULL;

        ASSERT_ERROR(proc_cmdline_build_capture(NULL, bad_quote, &s), EINVAL);
        ASSERT_ERROR(proc_cmdline_build_capture(NULL, empty, &s), EINVAL);
        for (int i = 0; i < 300; i++)
                ASSERT_OK(strv_extend(&big, "console=ttyS0"));
        ASSERT_ERROR(proc_cmdline_build_capture(NULL, big, &s), E2BIG);
        ASSERT_NULL(s);
        return TEST_PASS;
}
