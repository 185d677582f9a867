/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resolver: rule sources + BTF + kallsyms → the resolved plan. Synthetic BTF made with
 * libbpf's writer (the sim kernel's layout, broken variants, a module as split BTF), and the
 * shipped rules against the running kernel's /sys/kernel/btf/vmlinux when it is readable. */
#include <bpf/btf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erase-builder.h"
#include "erase-resolve.h"
#include "tinykdump-erase.h"
#include "tests.h"

typedef enum Variant {
        V_GOOD,
        V_NO_DATALEN,        /* user_key_payload lost its datalen */
        V_AMBIGUOUS_CRNG,    /* two struct crng of different sizes */
        V_NO_SERIAL_NODE,
} Variant;

static int mkdir_p(const char *root, const char *rel) {
        char p[4096];
        (void) mkdir(root, 0755);
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        for (char *s = p + strlen(root) + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int write_at(const char *root, const char *rel, const void *data, size_t n) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, n) != (ssize_t) n)
                return -EIO;
        return 0;
}

/* The sim kernel's types (erase-builder.h's offsets). Returns the id of struct callback_head. */
static struct btf *sim_btf(Variant v) {
        struct btf *b = btf__new_empty();
        if (!b)
                return NULL;
        int u8 = btf__add_int(b, "unsigned char", 1, 0);
        int u16 = btf__add_int(b, "short unsigned int", 2, 0);
        int u32 = btf__add_int(b, "unsigned int", 4, 0);
        int ul = btf__add_int(b, "long unsigned int", 8, 0);
        int ch = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
        int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
        int vd = 0;
        int voidp = btf__add_ptr(b, vd);
        int charp = btf__add_ptr(b, ch);
        int cch = btf__add_const(b, ch);
        int ccharp = btf__add_ptr(b, cch);
        (void) charp;

        int rb = btf__add_struct(b, "rb_node", 24);
        int rbp = btf__add_ptr(b, rb);
        btf__add_field(b, "__rb_parent_color", ul, 0, 0);
        btf__add_field(b, "rb_right", rbp, 64, 0);
        btf__add_field(b, "rb_left", rbp, 128, 0);

        int cbh = btf__add_struct(b, "callback_head", 16);
        btf__add_field(b, "next", voidp, 0, 0);
        btf__add_field(b, "func", voidp, 64, 0);

        int tag8 = btf__add_array(b, u32, ch, 8);
        int kt = btf__add_struct(b, "key_type", SIM_KEY_TYPE_SIZE);
        btf__add_field(b, "name", ccharp, 0, 0);
        btf__add_field(b, "tag", tag8, 64, 0);
        int ktp = btf__add_ptr(b, kt);

        int data4 = btf__add_array(b, u32, voidp, 4);
        int kp = btf__add_union(b, "key_payload", 32);
        btf__add_field(b, "rcu_data0", voidp, 0, 0);
        btf__add_field(b, "data", data4, 0, 0);

        int anon_u1 = btf__add_union(b, NULL, 24);
        if (v != V_NO_SERIAL_NODE)
                btf__add_field(b, "serial_node", rb, 0, 0);
        else
                btf__add_field(b, "other_node", rb, 0, 0);
        int anon_s = btf__add_struct(b, NULL, 16);
        btf__add_field(b, "type", ktp, 0, 0);
        btf__add_field(b, "description", charp, 64, 0);
        int anon_u2 = btf__add_union(b, NULL, 32);
        btf__add_field(b, "payload", kp, 0, 0);

        btf__add_struct(b, "key", SIM_KEY_SIZE);
        btf__add_field(b, "usage", i32, 0, 0);
        btf__add_field(b, "serial", i32, 32, 0);
        btf__add_field(b, NULL, anon_u1, 64, 0);
        btf__add_field(b, "datalen", u16, SIM_KEY_DATALEN * 8, 0);
        btf__add_field(b, NULL, anon_s, SIM_KEY_TYPE * 8, 0);
        btf__add_field(b, NULL, anon_u2, SIM_KEY_PAYLOAD * 8, 0);

        int flex = btf__add_array(b, u32, ch, 0);
        btf__add_struct(b, "user_key_payload", SIM_UKP_DATA);
        btf__add_field(b, "rcu", cbh, 0, 0);
        if (v != V_NO_DATALEN)
                btf__add_field(b, "datalen", u16, SIM_UKP_DATALEN * 8, 0);
        btf__add_field(b, "data", flex, SIM_UKP_DATA * 8, 0);

        int k32 = btf__add_array(b, u32, u8, 32);
        int crng = btf__add_struct(b, "crng", SIM_CRNG_SIZE);
        btf__add_field(b, "key", k32, 0, 0);
        btf__add_field(b, "generation", ul, 256, 0);
        if (v == V_AMBIGUOUS_CRNG) {
                btf__add_struct(b, "crng", 48);
                btf__add_field(b, "key", k32, 0, 0);
        }
        (void) crng;
        return b;
}

/* A module's split BTF: struct trusted_key_payload { rcu; unsigned int key_len; … u8 key[129]; }. */
static struct btf *module_btf(struct btf *base) {
        struct btf *b = btf__new_empty_split(base);
        if (!b)
                return NULL;
        int u8 = btf__find_by_name_kind(base, "unsigned char", BTF_KIND_INT);
        int u32 = btf__find_by_name_kind(base, "unsigned int", BTF_KIND_INT);
        int cbh = btf__find_by_name_kind(base, "callback_head", BTF_KIND_STRUCT);
        int k129 = btf__add_array(b, u32, u8, 129);
        btf__add_struct(b, "trusted_key_payload", 0x98);
        btf__add_field(b, "rcu", cbh, 0, 0);
        btf__add_field(b, "key_len", u32, 0x10 * 8, 0);
        btf__add_field(b, "blob_len", u32, 0x14 * 8, 0);
        btf__add_field(b, "key", k129, 0x1a * 8, 0);
        return b;
}

static int setup_root(const char *root, Variant v, bool with_module, const SimKernel *k) {
        struct btf *b = sim_btf(v);
        uint32_t n;
        int r;

        if (!b)
                return -ENOMEM;
        r = mkdir_p(root, "sys/kernel/btf");
        if (r >= 0)
                r = mkdir_p(root, "proc");
        const void *raw = btf__raw_data(b, &n);
        if (r >= 0)
                r = write_at(root, "sys/kernel/btf/vmlinux", raw, n);
        if (r >= 0 && with_module) {
                struct btf *m = module_btf(b);
                const void *mraw = m ? btf__raw_data(m, &n) : NULL;
                r = mraw ? write_at(root, "sys/kernel/btf/trusted", mraw, n) : -ENOMEM;
                btf__free(m);
        }
        btf__free(b);
        if (r >= 0) {
                _cleanup_free_ char *ks = sim_kallsyms(k);
                r = write_at(root, "proc/kallsyms", ks, strlen(ks));
        }
        return r;
}

static const char sim_rules[] =
        "rule keyring-user\n"
        "        root symbol=key_serial_tree\n"
        "        rbtree type=key node=serial_node\n"
        "        where string=type->name equals=user\n"
        "        follow at=payload.data[0] type=user_key_payload\n"
        "        erase at=data length=datalen max=32767\n"
        "end\n"
        "rule keyring-logon\n"
        "        root symbol=key_serial_tree\n"
        "        rbtree type=key node=serial_node\n"
        "        where string=type->name equals=logon\n"
        "        follow at=payload.data[0] type=user_key_payload\n"
        "        erase at=data length=datalen max=32767\n"
        "end\n"
        "rule rng-base-crng\n"
        "        root symbol=base_crng type=crng\n"
        "        erase at=key\n"
        "end\n"
        "rule rng-percpu-crng\n"
        "        root symbol=crngs type=crng\n"
        "        percpu\n"
        "        erase at=key\n"
        "end\n";

static const char trusted_rule[] =
        "rule keyring-trusted\n"
        "        module trusted\n"
        "        root symbol=key_serial_tree\n"
        "        rbtree type=key node=serial_node\n"
        "        where string=type->name equals=trusted\n"
        "        follow at=payload.data[0] type=trusted_key_payload\n"
        "        erase at=key length=key_len\n"
        "end\n";

static int resolve_text(const char *root, const char *rules, char **disabled, ErasePlan *ret, char **ret_message) {
        _cleanup_(erase_source_done) EraseSource s = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        EraseResolveOptions o = { .root = root, .disabled = disabled };
        int r = erase_source_parse("test.rules", rules, strlen(rules), &s, &d);
        if (r < 0)
                return r;
        if (d.n > 0)
                return -EBADMSG;
        return erase_resolve(&s, &o, ret, ret_message);
}

static const EraseRule *rule(const ErasePlan *p, const char *name) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (streq(p->rules[i].name, name))
                        return &p->rules[i];
        return NULL;
}

TEST(resolve_matches_the_hand_written_plan_and_erases) {
        _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
        _cleanup_(erase_plan_done) ErasePlan p = {}, want = {};
        _cleanup_(erase_walk_done) EraseWalk w = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        _cleanup_free_ char *root = path_join(test_tmpdir(), "good"), *a = NULL, *b = NULL, *hand = NULL, *msg = NULL;
        static const uint8_t keys[2][32] = { { 1 }, { 2 } }, base[32] = { 3 };
        uint64_t ud;
        size_t na, nb;
        SimKernel k;

        ASSERT_NOT_NULL(mem);
        sim_kernel_on_memory(&k, mem);
        (void) sim_add_key(&k, 4, k.type_user, "secret", 6, 0, &ud);
        sim_add_crngs(&k, 2, keys, base);
        ASSERT_OK(setup_root(root, V_GOOD, false, &k));

        ASSERT_OK(resolve_text(root, sim_rules, NULL, &p, &msg));
        ASSERT_EQ(erase_plan_count(&p, ERASE_RULE_RESOLVED), 4);
        ASSERT_OK(erase_plan_format(&p, &a, &na));
        for (char *l = a, *e; l && *l; l = e ? e + 1 : NULL) {
                e = strchr(l, '\n');
                printf("# %.*s\n", e ? (int) (e - l) : (int) strlen(l), l);
        }
        hand = sim_plan_text(&k);
        ASSERT_OK(erase_plan_parse(NULL, hand, strlen(hand), &want, &d));
        ASSERT_OK(erase_plan_format(&want, &b, &nb));
        ASSERT_STREQ(a, b);

        EraseMemory m = sim_erase_memory(mem);
        ASSERT_OK(erase_walk(&p, &m, &w));
        ASSERT_EQ(w.results[0].bytes, 6);
        ASSERT_EQ(w.results[3].objects, 2);
        return TEST_PASS;
}

TEST(resolve_failures_are_per_rule) {
        static const struct {
                Variant v;
                const char *rule;
                const char *reason;
        } cases[] = {
                { V_NO_DATALEN, "keyring-user", "struct user_key_payload has no member datalen" },
                { V_AMBIGUOUS_CRNG, "rng-base-crng", "struct crng is ambiguous in BTF (40 and 48 bytes)" },
                { V_NO_SERIAL_NODE, "keyring-logon", "struct key has no member serial_node" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
                _cleanup_(erase_plan_done) ErasePlan p = {};
                _cleanup_free_ char *msg = NULL;
                char root[4096];
                SimKernel k;

                sim_kernel_on_memory(&k, mem);
                snprintf(root, sizeof(root), "%s/broken-%zu", test_tmpdir(), i);
                ASSERT_OK(setup_root(root, cases[i].v, false, &k));
                ASSERT_OK(resolve_text(root, sim_rules, NULL, &p, &msg));
                const EraseRule *r = rule(&p, cases[i].rule);
                ASSERT_NOT_NULL(r);
                ASSERT_EQ(r->state, ERASE_RULE_UNRESOLVED);
                ASSERT_STREQ(r->reason, cases[i].reason);
                /* The rest still resolved. */
                ASSERT_GE(erase_plan_count(&p, ERASE_RULE_RESOLVED), 1);
        }
        return TEST_PASS;
}

TEST(resolve_symbols_modules_disabled) {
        _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
        _cleanup_free_ char *root = path_join(test_tmpdir(), "mods"), *root2 = path_join(test_tmpdir(), "nomods");
        _cleanup_free_ char *msg = NULL, *rules = NULL;
        _cleanup_strv_free_ char **disabled = NULL;
        SimKernel k;

        sim_kernel_on_memory(&k, mem);
        ASSERT_OK(setup_root(root, V_GOOD, true, &k));
        ASSERT_OK(setup_root(root2, V_GOOD, false, &k));
        ASSERT_TRUE(asprintf(&rules, "%s%s"
                             "rule missing-symbol\n root symbol=no_such_symbol type=crng\n erase at=key\nend\n"
                             "rule bad-path\n root symbol=base_crng type=crng\n erase at=key[40]\nend\n"
                             "rule flex-needs-max\n root symbol=key_serial_tree\n rbtree type=key node=serial_node\n"
                             " follow at=payload.data[0] type=user_key_payload\n erase at=data length=datalen\nend\n"
                             "rule inline-and-symbol\n root symbol=key_serial_tree\n rbtree type=key node=serial_node\n"
                             " where string=type->tag prefix=us\n where value=payload.data[1] eq=symbol(base_crng)+8\n"
                             " erase at=serial\nend\n"
                             "rule inline-too-long\n root symbol=key_serial_tree\n rbtree type=key node=serial_node\n"
                             " where string=type->tag equals=12345678\n erase at=serial\nend\n",
                             sim_rules, trusted_rule) > 0);
        ASSERT_OK(strv_extend(&disabled, "rng-base-crng"));

        {
                _cleanup_(erase_plan_done) ErasePlan p = {};
                ASSERT_OK(resolve_text(root, rules, disabled, &p, &msg));
                const EraseRule *t = rule(&p, "keyring-trusted");
                ASSERT_EQ(t->state, ERASE_RULE_RESOLVED);
                /* key_len bounded by key[129] from BTF. */
                ASSERT_U64_EQ(t->steps[t->n_steps - 1].max, 129);
                ASSERT_U64_EQ(t->steps[t->n_steps - 1].at.off[0], 0x1a);
                ASSERT_EQ(rule(&p, "rng-base-crng")->state, ERASE_RULE_DISABLED);
                ASSERT_STREQ(rule(&p, "missing-symbol")->reason, "symbol no_such_symbol is not in /proc/kallsyms");
                ASSERT_STREQ(rule(&p, "bad-path")->reason, "index 40 beyond 32 elements in key[40]");
                ASSERT_STREQ(rule(&p, "flex-needs-max")->reason,
                             "erase at=data: length datalen read at capture time needs max=");
                const EraseRule *ia = rule(&p, "inline-and-symbol");
                ASSERT_EQ(ia->state, ERASE_RULE_RESOLVED);
                ASSERT_TRUE(ia->steps[2].inline_string && ia->steps[2].prefix);
                ASSERT_EQ(ia->steps[2].at.n, 2);
                ASSERT_U64_EQ(ia->steps[2].at.off[1], 8);
                ASSERT_U64_EQ(ia->steps[3].value, k.base_crng + 8);
                ASSERT_STREQ(rule(&p, "inline-too-long")->reason, "where string=type->tag: longer than the array");
        }
        {
                _cleanup_(erase_plan_done) ErasePlan p = {};
                ASSERT_OK(resolve_text(root2, rules, NULL, &p, &msg));
                const EraseRule *t = rule(&p, "keyring-trusted");
                ASSERT_EQ(t->state, ERASE_RULE_INACTIVE);
                ASSERT_STREQ(t->reason, "struct trusted_key_payload not found (module trusted is not loaded)");
        }
        return TEST_PASS;
}

TEST(resolve_refuses_without_btf_or_addresses) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        _cleanup_free_ char *msg = NULL, *root = path_join(test_tmpdir(), "empty");
        _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
        SimKernel k;

        ASSERT_OK(mkdir_p(test_tmpdir(), "empty/proc"));
        ASSERT_TRUE(resolve_text(root, sim_rules, NULL, &p, &msg) < 0);
        ASSERT_NOT_NULL(msg);
        printf("# %s\n", msg);

        /* kallsyms as an unprivileged reader sees it: all zeros. */
        free(msg);
        msg = NULL;
        sim_kernel_on_memory(&k, mem);
        ASSERT_OK(setup_root(root, V_GOOD, false, &k));
        static const char zeros[] = "0000000000000000 T _text\n0000000000000000 d key_serial_tree\n";
        ASSERT_OK(write_at(root, "proc/kallsyms", zeros, strlen(zeros)));
        ASSERT_ERROR(resolve_text(root, sim_rules, NULL, &p, &msg), EPERM);
        printf("# %s\n", msg);
        return TEST_PASS;
}

/* The shipped rules against the running kernel's BTF: with its own kallsyms (data symbols need
 * CONFIG_KALLSYMS_ALL), and with a kallsyms that names every symbol, to check the layouts. */
TEST(resolve_shipped_rules_on_the_live_kernel) {
        _cleanup_(erase_source_done) EraseSource s = {};
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        const char *dirs[] = { "/../src/erase/erase.d", NULL };

        if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
                TEST_SKIP("no /sys/kernel/btf/vmlinux on this host (CONFIG_DEBUG_INFO_BTF off?)");
        ASSERT_OK(erase_source_load_dirs(test_srcdir(), dirs, &s, &d));

        /* Every symbol the rules name, at made-up kernel addresses. */
        _cleanup_free_ char *root = path_join(test_tmpdir(), "live");
        ASSERT_OK(mkdir_p(root, "proc"));
        Buffer ks = {};
        _cleanup_strv_free_ char **seen = NULL;
        uint64_t a = UINT64_C(0xffffffff82000000);
        const char *extra[] = { "__per_cpu_offset", "nr_cpu_ids" };
        for (size_t i = 0; i < s.n_rules + ELEMENTSOF(extra); i++) {
                const char *sym = i < s.n_rules ? erase_source_step_get(&s.rules[i].steps[0], "symbol") : extra[i - s.n_rules];
                char line[256];
                if (strv_contains(seen, sym))
                        continue;
                ASSERT_OK(strv_extend(&seen, sym));
                int l = snprintf(line, sizeof(line), "%016" PRIx64 " d %s\n", a += 0x1000, sym);
                ASSERT_OK(buffer_append(&ks, line, (size_t) l));
        }
        ASSERT_OK(write_at(root, "proc/kallsyms", ks.data, ks.size));
        buffer_done(&ks);

        _cleanup_free_ char *ksyms = path_join(root, "proc/kallsyms");
        for (unsigned pass = 0; pass < 2; pass++) {
                _cleanup_(erase_plan_done) ErasePlan p = {};
                _cleanup_free_ char *msg = NULL;
                EraseResolveOptions o = { .kallsyms = pass == 0 ? ksyms : NULL };
                int r = erase_resolve(&s, &o, &p, &msg);
                if (r < 0) {
                        printf("# %s: %s\n", pass == 0 ? "live BTF, synthetic kallsyms" : "live BTF and kallsyms", strna(msg));
                        ASSERT_EQ(pass, 1); /* only the real kallsyms may be unreadable */
                        continue;
                }
                printf("# %s:\n", pass == 0 ? "live BTF, synthetic kallsyms" : "live BTF and kallsyms");
                for (size_t i = 0; i < p.n_rules; i++)
                        printf("#   %-28s %-10s %s\n", p.rules[i].name, erase_rule_state_to_string(p.rules[i].state),
                               strempty(p.rules[i].reason));
                _cleanup_free_ char *text = NULL;
                size_t n;
                ASSERT_OK(erase_plan_format(&p, &text, &n));
                printf("#   plan: %zu bytes\n", n);
                struct btf *live = pass == 0 ? btf__parse("/sys/kernel/btf/vmlinux", NULL) : NULL;
                bool has_key = live && btf__find_by_name_kind(live, "user_key_payload", BTF_KIND_STRUCT) > 0;
                btf__free(live);
                if (has_key) {
                        /* Where the host kernel has the types, these layouts must resolve. */
                        ASSERT_EQ(rule(&p, "keyring-user")->state, ERASE_RULE_RESOLVED);
                        ASSERT_EQ(rule(&p, "rng-percpu-crng")->state, ERASE_RULE_RESOLVED);
                }
        }
        return TEST_PASS;
}

/* `tinykdump load`'s part (src/tinykdump/tinykdump-erase.c): rules from the erase.d directories
 * below a root, the configuration's DisableRules=, Unresolved= and Enable=, and the state file. */
TEST(load_side_plan_and_policy) {
        _cleanup_(sim_memory_freep) SimMemory *mem = sim_memory_new();
        _cleanup_free_ char *root = path_join(test_tmpdir(), "load"), *text = NULL;
        static const char broken_rule[] = "rule needs-a-missing-struct\n root symbol=base_crng type=no_such_struct\n erase at=x\nend\n";
        SimKernel k;
        size_t n;

        sim_kernel_on_memory(&k, mem);
        ASSERT_OK(setup_root(root, V_GOOD, false, &k));
        ASSERT_OK(mkdir_p(root, "usr/lib/tinykdump/erase.d"));
        ASSERT_OK(mkdir_p(root, "etc/tinykdump/erase.d"));
        ASSERT_OK(mkdir_p(root, "run/tinykdump"));
        ASSERT_OK(write_at(root, "usr/lib/tinykdump/erase.d/50-tinykdump.rules", sim_rules, strlen(sim_rules)));

        _cleanup_tk_config_free_ TkConfig *c = tk_config_new();
        ASSERT_NOT_NULL(c);
        ASSERT_OK(strv_extend(&c->erase_disable_rules, "rng-base-crng"));
        ASSERT_OK(tinykdump_erase_plan(c, root, &text, &n));
        ASSERT_NOT_NULL(text);
        ASSERT_NOT_NULL(strstr(text, "rule keyring-user\n"));
        ASSERT_NOT_NULL(strstr(text, "disabled rng-base-crng reason=\"disabled by configuration\"\n"));

        /* Recorded for status, 0600. */
        ASSERT_OK(tinykdump_erase_record(root, text, n));
        _cleanup_free_ char *state = path_join(root, ERASE_PLAN_STATE_PATH);
        struct stat st;
        ASSERT_OK(RET_NERRNO(stat(state, &st)));
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_OK(tinykdump_erase_record(root, NULL, 0));
        ASSERT_TRUE(access(state, F_OK) < 0);

        /* A site rule that does not resolve: a warning, or with Unresolved=refuse no plan. */
        ASSERT_OK(write_at(root, "etc/tinykdump/erase.d/90-site.rules", broken_rule, strlen(broken_rule)));
        free(text);
        text = NULL;
        ASSERT_OK(tinykdump_erase_plan(c, root, &text, &n));
        ASSERT_NOT_NULL(strstr(text, "unresolved needs-a-missing-struct reason=\"struct no_such_struct is not in the kernel's BTF\""));
        c->erase_refuse_unresolved = true;
        free(text);
        text = NULL;
        ASSERT_ERROR(tinykdump_erase_plan(c, root, &text, &n), ENOPKG);

        /* Enable=no: no plan at all. */
        c->erase = false;
        ASSERT_OK(tinykdump_erase_plan(c, root, &text, &n));
        ASSERT_NULL(text);

        /* No BTF: every rule unresolved, still a plan (the capture side records the gap). */
        c->erase = true;
        c->erase_refuse_unresolved = false;
        _cleanup_free_ char *btf = path_join(root, "sys/kernel/btf/vmlinux");
        ASSERT_OK(RET_NERRNO(unlink(btf)));
        ASSERT_OK(tinykdump_erase_plan(c, root, &text, &n));
        ASSERT_NOT_NULL(strstr(text, "unresolved keyring-user reason=\"Cannot read the kernel's BTF from "));
        return TEST_PASS;
}
