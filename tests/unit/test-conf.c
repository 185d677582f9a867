/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump.conf: keys, defaults, errors, file precedence, output. */
#include <sys/stat.h>
#include <syslog.h>

#include "tests.h"
#include "tkconf.h"
#include "util.h"

#define UUID_EXT4 "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"

/* Parses text as one file "t.conf", with a valid target appended unless it sets What= itself (so
 * line numbers are those of text). */
static TkConfig *parse(const char *text) {
        _cleanup_free_ char *s = NULL;
        TkConfig *c = NULL;

        if (strstr(text, "What="))
                s = strdup(text);
        else if (asprintf(&s, "%s\n[Target]\nWhat=UUID=" UUID_EXT4 "\n", text) < 0)
                s = NULL;
        if (!s || tk_config_load_data("t.conf", s, strlen(s), &c) < 0)
                return NULL;
        return c;
}

/* The one diagnostic as users see it, or NULL if there is not exactly one. */
static char *only_diag(const TkConfig *c) {
        if (!c || c->diags.n != 1)
                return NULL;
        return conf_diag_format(&c->diags.items[0]);
}

/* Asserts that text gives exactly one error and that it reads expected. */
#define ASSERT_BAD(text, expected)                                              \
        do {                                                                    \
                _cleanup_tk_config_free_ TkConfig *_c = parse(text);            \
                ASSERT_NOT_NULL(_c);                                            \
                _cleanup_free_ char *_d = only_diag(_c);                        \
                ASSERT_STREQ(_d, expected);                                     \
                ASSERT_EQ(_c->diags.items[0].level, LOG_ERR);                   \
                ASSERT_FALSE(tk_config_is_valid(_c));                           \
        } while (0)

#define ASSERT_GOOD(c, text)                                                    \
        _cleanup_tk_config_free_ TkConfig *c = parse(text);                     \
        ASSERT_NOT_NULL(c);                                                     \
        if (c->diags.n > 0) {                                                   \
                _cleanup_free_ char *_d = conf_diag_format(&c->diags.items[0]); \
                printf("# unexpected: %s\n", _d);                               \
        }                                                                       \
        ASSERT_EQ(c->diags.n, 0);                                               \
        ASSERT_TRUE(tk_config_is_valid(c))

TEST(defaults) {
        _cleanup_tk_config_free_ TkConfig *c = tk_config_new();

        ASSERT_NOT_NULL(c);
        ASSERT_NULL(c->image);
        ASSERT_STREQ(c->kernel, PKGLIBDIR "/capture/vmlinuz-%r");
        ASSERT_STREQ(c->initrd, PKGLIBDIR "/capture/initrd-%r.img");
        ASSERT_NULL(c->kernel_command_line);
        ASSERT_EQ(c->target_kind, TK_TARGET_NONE);
        ASSERT_STREQ(c->directory, "tinykdump");
        ASSERT_EQ(c->fs_type, TK_FS_AUTO);
        ASSERT_U64_EQ(c->timeout_usec, 90 * 1000000ULL);
        ASSERT_EQ(c->dump_level, 31);
        ASSERT_EQ(c->compression, TK_COMPRESSION_ZLIB);
        ASSERT_EQ(c->failure_action, TK_ACTION_REBOOT);
        ASSERT_EQ(c->final_action, TK_ACTION_REBOOT);
        ASSERT_EQ(c->shrink_reservation, TK_SHRINK_AUTO);
        ASSERT_U64_EQ(c->margin, TK_MARGIN_UNSET);
        return TEST_PASS;
}

TEST(missing_target_is_an_error) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_OK(tk_config_load_data("t.conf", "[Dump]\nLevel=1\n", 15, &c));
        ASSERT_FALSE(tk_config_is_valid(c));
        ASSERT_EQ(c->diags.n, 1);
        ASSERT_NULL(c->diags.items[0].file);
        ASSERT_TRUE(strstr(c->diags.items[0].message, "[Target] What= is not set") != NULL);
        return TEST_PASS;
}

TEST(error_text_names_file_line_section_key_value) {
        ASSERT_BAD("[Dump]\n# a comment\nLevel=40\n", "t.conf:3: [Dump] Level=40: dump level must be between 0 and 31.");
        return TEST_PASS;
}
