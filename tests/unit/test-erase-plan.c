/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The erase plan's two parsers: rule sources and the resolved plan, round trips and refusals. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erase-plan.h"
#include "tests.h"

static const char resolved[] =
        "# comment\n"
        "erase-plan version=1\n"
        "kernel release=7.2.13+deb14-amd64\n"
        "on-failure keep\n"
        "percpu offsets=0xffffffff83e1c2a0 nr-cpu-ids=0xffffffff83d6a0c4\n"
        "rule keyring-user\n"
        "\troot addr=0xffffffff8412a1e8\n"
        "\trbtree node=0x8 max=262144\n"
        "\twhere string=0x58,0x0 equals=user\n"
        "\tfollow at=0xa0\n"
        "\terase at=0x18 length=0x10 length-size=2 max=0x7fff\n"
        "end\n"
        "rule rng-percpu-crng\n"
        "\troot addr=0x2a040\n"
        "\tpercpu\n"
        "\terase at=0x0 length=0x20 max=0x20\n"
        "end\n"
        "rule dm\n"
        "\troot addr=0xffffffffc0a01000\n"
        "\trbtree node=0x0 max=65536\n"
        "\tfollow at=0x38\n"
        "\tarray at=0x40 count=0x18 count-size=4 base=pointer stride=0x68 max=65536\n"
        "\twhere value=0x10 size=8 le=0x400\n"
        "\terase at=0x20 deref length=0x40 max=0x40\n"
        "end\n"
        "unresolved keyring-trusted reason=\"module trusted is not loaded, \\\"quoted\\\"\"\n"
        "disabled rng-base-crng reason=\"disabled by configuration\"\n"
        "inactive dm-crypt-key\n";

TEST(plan_parse) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};

        ASSERT_OK(erase_plan_parse("erase.plan", resolved, strlen(resolved), &p, &d));
        ASSERT_EQ(d.n, 0);
        ASSERT_STREQ(p.kernel_release, "7.2.13+deb14-amd64");
        ASSERT_EQ(p.on_failure, ERASE_ON_FAILURE_KEEP);
        ASSERT_TRUE(p.have_percpu);
        ASSERT_U64_EQ(p.nr_cpu_ids, 0xffffffff83d6a0c4);
        ASSERT_EQ(p.n_rules, 6);
        ASSERT_EQ(erase_plan_count(&p, ERASE_RULE_RESOLVED), 3);
        const EraseRule *r = &p.rules[0];
        ASSERT_STREQ(r->name, "keyring-user");
        ASSERT_EQ(r->n_steps, 5);
        ASSERT_EQ(r->steps[2].kind, ERASE_STEP_WHERE_STRING);
        ASSERT_EQ(r->steps[2].at.n, 2);
        ASSERT_U64_EQ(r->steps[2].at.off[0], 0x58);
        ASSERT_STREQ(r->steps[2].string, "user");
        ASSERT_TRUE(r->steps[4].length.is_field);
        ASSERT_EQ(r->steps[4].length.size, 2);
        ASSERT_U64_EQ(r->steps[4].max, 0x7fff);
        ASSERT_EQ(p.rules[2].steps[3].kind, ERASE_STEP_ARRAY);
        ASSERT_TRUE(p.rules[2].steps[3].deref);
        ASSERT_EQ(p.rules[2].steps[4].cmp, ERASE_CMP_LE);
        ASSERT_TRUE(p.rules[2].steps[5].deref);
        ASSERT_EQ(p.rules[3].state, ERASE_RULE_UNRESOLVED);
        ASSERT_STREQ(p.rules[3].reason, "module trusted is not loaded, \"quoted\"");
        ASSERT_EQ(p.rules[4].state, ERASE_RULE_DISABLED);
        ASSERT_EQ(p.rules[5].state, ERASE_RULE_INACTIVE);
        ASSERT_NULL(p.rules[5].reason);
        return TEST_PASS;
}

TEST(plan_round_trip) {
        _cleanup_(erase_plan_done) ErasePlan p = {}, q = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t na, nb;

        ASSERT_OK(erase_plan_parse(NULL, resolved, strlen(resolved), &p, &d));
        ASSERT_OK(erase_plan_format(&p, &a, &na));
        ASSERT_EQ(strlen(a), na);
        ASSERT_OK(erase_plan_parse(NULL, a, na, &q, &d));
        ASSERT_OK(erase_plan_format(&q, &b, &nb));
        ASSERT_STREQ(a, b);
        ASSERT_EQ(d.n, 0);
        return TEST_PASS;
}

static int parse_one(const char *text, char **ret_message) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        ConfDiagList d = {};
        int r = erase_plan_parse("x.plan", text, strlen(text), &p, &d);
        *ret_message = d.n > 0 ? conf_diag_format(&d.items[0]) : NULL;
        conf_diags_done(&d);
        return r;
}

TEST(plan_refusals) {
        static const struct {
                const char *text;
                const char *message;
        } cases[] = {
                { "", "x.plan: empty plan" },
                { "erase-plan version=2\n", "x.plan:1: the plan must start with 'erase-plan version=1'" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\terase at=0 length=1 max=1\n",
                  "x.plan:4: rule without end" },
                { "erase-plan version=1\nrule a\n\terase at=0 length=1 max=1\nend\n", "x.plan:4: a rule needs a root and at most 32 steps" },
                { "erase-plan version=1\nrule a\n\troot addr=0x1000\n\terase at=0 length=1 max=1\nend\n",
                  "x.plan:5: root address is not a kernel address" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\terase at=0 length=1 max=0x10001\nend\n",
                  "x.plan:5: erase path, length or max out of range" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\trbtree node=0 max=262145\n\terase at=0 length=1 max=1\nend\n",
                  "x.plan:6: node offset or max out of range" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\tfollow at=1,2,3,4,5,6,7,8,9\n",
                  "x.plan:4: follow needs at=" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\tfollow at=0x100001\n",
                  "x.plan:4: follow needs at=" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\tpercpu\n\terase at=0 length=1 max=1\nend\n",
                  "x.plan:6: percpu without a plan-wide percpu line" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\tfollow at=0\nend\n", "x.plan:5: a rule erases nothing" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000 addr=1\n", "x.plan:3: unknown or repeated word" },
                { "erase-plan version=1\nrule a\n\twhere string=0 equals=\"a b\"\n", "x.plan:3: where string= needs equals=" },
                { "erase-plan version=1\nrule a\n\tbogus\n", "x.plan:3: unknown step" },
                { "erase-plan version=1\nrule a\n\troot addr=\"unterminated\n", "x.plan:3: unterminated quoted string" },
                { "erase-plan version=1\nrule bad/name\n", "x.plan:2: bad or repeated rule name" },
                { "erase-plan version=1\nunresolved a\nunresolved a\n", "x.plan:3: bad or repeated rule name" },
                { "erase-plan version=1\non-failure explode\n", "x.plan:2: on-failure takes delete or keep, once" },
                { "erase-plan version=1\nrule a\n\troot addr=0xffffffff81000000\n\twhere value=0 size=3 eq=1\n", "x.plan:4: where value= needs size=" },
                { "erase-plan version=1\nx\x01y\n", "x.plan:2: control character" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *m = NULL;
                int r = parse_one(cases[i].text, &m);
                if (r != -EBADMSG || !m || !streq(m, cases[i].message)) {
                        printf("# case %zu: %d %s\n", i, r, strna(m));
                        return TEST_FAIL;
                }
        }
        return TEST_PASS;
}

TEST(plan_size_limits) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        _cleanup_free_ char *big = malloc(ERASE_TEXT_MAX + 2);

        ASSERT_NOT_NULL(big);
        memset(big, '#', ERASE_TEXT_MAX + 1);
        ASSERT_ERROR(erase_plan_parse(NULL, big, ERASE_TEXT_MAX + 1, &p, &d), EFBIG);

        /* A line longer than ERASE_LINE_MAX. */
        memcpy(big, "erase-plan version=1\n", 21);
        memset(big + 21, 'a', ERASE_LINE_MAX + 10);
        ASSERT_ERROR(erase_plan_parse(NULL, big, 21 + ERASE_LINE_MAX + 10, &p, &d), EBADMSG);
        return TEST_PASS;
}

static const char source[] =
        "# a comment\n"
        "rule keyring-user\n"
        "        about \"payloads of 'user' keys\"\n"
        "        root symbol=key_serial_tree\n"
        "        rbtree type=key node=serial_node\n"
        "        where string=type->name equals=user\n"
        "        follow at=payload.data[0] type=user_key_payload\n"
        "        erase at=data length=datalen max=32767\n"
        "end\n"
        "rule broken\n"
        "        root symbol=x unknown=1\n"
        "        erase at=0\n"
        "end\n"
        "rule dm\n"
        "        module dm_mod\n"
        "        module dm_crypt\n"
        "        root symbol=name_rb_tree\n"
        "        erase at=key deref length=key_size max=4096\n"
        "end\n"
        "rule empty\n"
        "end\n"
        "stray line\n"
        "rule unterminated\n"
        "        root symbol=y\n";

TEST(source_parse) {
        _cleanup_(erase_source_done) EraseSource s = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};

        ASSERT_OK(erase_source_parse("a.rules", source, strlen(source), &s, &d));
        ASSERT_EQ(s.n_rules, 2);
        ASSERT_STREQ(s.rules[0].name, "keyring-user");
        ASSERT_STREQ(s.rules[0].about, "payloads of 'user' keys");
        ASSERT_EQ(s.rules[0].n_steps, 5);
        ASSERT_EQ(s.rules[0].steps[2].kind, ERASE_STEP_WHERE_STRING);
        ASSERT_STREQ(erase_source_step_get(&s.rules[0].steps[3], "at"), "payload.data[0]");
        ASSERT_STREQ(s.rules[1].name, "dm");
        ASSERT_EQ(strv_length(s.rules[1].modules), 2);
        ASSERT_TRUE(erase_source_step_has_word(&s.rules[1].steps[1], "deref"));
        ASSERT_EQ(d.n, 4);
        _cleanup_free_ char *m0 = conf_diag_format(&d.items[0]), *m3 = conf_diag_format(&d.items[3]);
        ASSERT_STREQ(m0, "a.rules:11: root: unknown or repeated word 'unknown'; ignoring rule broken.");
        ASSERT_STREQ(m3, "a.rules:24: rule unterminated has no 'end'; ignoring it.");

        /* A later file replaces a rule of the same name. */
        static const char over[] = "rule dm\n root symbol=other\n erase at=0 length=1\nend\n";
        ASSERT_OK(erase_source_parse("b.rules", over, strlen(over), &s, &d));
        ASSERT_EQ(s.n_rules, 2);
        ASSERT_STREQ(erase_source_step_get(&s.rules[1].steps[0], "symbol"), "other");
        ASSERT_STREQ(s.rules[1].file, "b.rules");
        return TEST_PASS;
}

TEST(source_shipped_rules) {
        _cleanup_(erase_source_done) EraseSource s = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        const char *dirs[] = { "/../src/erase/erase.d", NULL };

        ASSERT_OK(erase_source_load_dirs(test_srcdir(), dirs, &s, &d));
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *m = conf_diag_format(&d.items[i]);
                printf("# %s\n", m);
        }
        ASSERT_EQ(d.n, 0);
        ASSERT_GE(s.n_rules, 10);
        return TEST_PASS;
}

TEST(source_dirs_override_and_mask) {
        const char *t = test_tmpdir();
        _cleanup_free_ char *vendor = path_join(t, "vendor"), *etc = path_join(t, "etc");
        _cleanup_(erase_source_done) EraseSource s = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        char p[4096];

        ASSERT_OK(RET_NERRNO(mkdir(vendor, 0755)));
        ASSERT_OK(RET_NERRNO(mkdir(etc, 0755)));
        snprintf(p, sizeof(p), "%s/50-a.rules", vendor);
        FILE *f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        fputs("rule a\n root symbol=a\n erase at=0 length=1\nend\nrule b\n root symbol=b\n erase at=0 length=1\nend\n", f);
        fclose(f);
        snprintf(p, sizeof(p), "%s/60-masked.rules", vendor);
        f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        fputs("rule masked\n root symbol=m\n erase at=0 length=1\nend\n", f);
        fclose(f);
        snprintf(p, sizeof(p), "%s/60-masked.rules", etc);
        ASSERT_OK(RET_NERRNO(symlink("/dev/null", p)));
        snprintf(p, sizeof(p), "%s/70-site.rules", etc);
        f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        fputs("rule b\n root symbol=site_b\n erase at=0 length=1\nend\nrule c\n root symbol=c\n erase at=0 length=1\nend\n", f);
        fclose(f);

        const char *dirs[] = { "/vendor", "/etc", "/missing", NULL };
        ASSERT_OK(erase_source_load_dirs(t, dirs, &s, &d));
        ASSERT_EQ(d.n, 0);
        ASSERT_EQ(s.n_rules, 3);
        ASSERT_STREQ(s.rules[0].name, "a");
        ASSERT_STREQ(s.rules[1].name, "b");
        ASSERT_STREQ(erase_source_step_get(&s.rules[1].steps[0], "symbol"), "site_b");
        ASSERT_STREQ(s.rules[2].name, "c");
        return TEST_PASS;
}
