/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "erase-plan.h"

static const char *const rule_state_table[_ERASE_RULE_STATE_MAX] = {
        [ERASE_RULE_RESOLVED] = "resolved",
        [ERASE_RULE_UNRESOLVED] = "unresolved",
        [ERASE_RULE_INACTIVE] = "inactive",
        [ERASE_RULE_DISABLED] = "disabled",
};

static const char *const step_kind_table[_ERASE_STEP_KIND_MAX] = {
        [ERASE_STEP_ROOT] = "root",
        [ERASE_STEP_PERCPU] = "percpu",
        [ERASE_STEP_RBTREE] = "rbtree",
        [ERASE_STEP_LIST] = "list",
        [ERASE_STEP_ARRAY] = "array",
        [ERASE_STEP_FOLLOW] = "follow",
        [ERASE_STEP_WHERE_STRING] = "where",
        [ERASE_STEP_WHERE_VALUE] = "where",
        [ERASE_STEP_ERASE] = "erase",
};

static const char *const compare_table[_ERASE_CMP_MAX] = {
        [ERASE_CMP_EQ] = "eq", [ERASE_CMP_NE] = "ne", [ERASE_CMP_LT] = "lt",
        [ERASE_CMP_LE] = "le", [ERASE_CMP_GT] = "gt", [ERASE_CMP_GE] = "ge",
};

static const char *const on_failure_table[_ERASE_ON_FAILURE_MAX] = {
        [ERASE_ON_FAILURE_DELETE] = "delete",
        [ERASE_ON_FAILURE_KEEP] = "keep",
};

const char *erase_rule_state_to_string(EraseRuleState s) {
        return s >= 0 && s < _ERASE_RULE_STATE_MAX ? rule_state_table[s] : NULL;
}

const char *erase_step_kind_to_string(EraseStepKind k) {
        return k >= 0 && k < _ERASE_STEP_KIND_MAX ? step_kind_table[k] : NULL;
}

const char *erase_compare_to_string(EraseCompare c) {
        return c >= 0 && c < _ERASE_CMP_MAX ? compare_table[c] : NULL;
}

const char *erase_on_failure_to_string(EraseOnFailure f) {
        return f >= 0 && f < _ERASE_ON_FAILURE_MAX ? on_failure_table[f] : NULL;
}

int erase_on_failure_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(on_failure_table); i++)
                if (streq(s, on_failure_table[i]))
                        return (int) i;
        return -EINVAL;
}

void erase_step_done(EraseStep *s) {
        free(s->string);
        *s = (EraseStep) {};
}

void erase_rule_done(EraseRule *r) {
        free(r->name);
        free(r->reason);
        for (size_t i = 0; i < r->n_steps; i++)
                erase_step_done(&r->steps[i]);
        free(r->steps);
        *r = (EraseRule) {};
}

void erase_plan_done(ErasePlan *p) {
        free(p->kernel_release);
        for (size_t i = 0; i < p->n_rules; i++)
                erase_rule_done(&p->rules[i]);
        free(p->rules);
        *p = (ErasePlan) {};
}

int erase_plan_add_rule(ErasePlan *p, EraseRule *r) {
        if (p->n_rules >= ERASE_RULES_MAX)
                return -E2BIG;
        EraseRule *n = reallocarray(p->rules, p->n_rules + 1, sizeof(EraseRule));
        if (!n)
                return -ENOMEM;
        p->rules = n;
        p->rules[p->n_rules++] = *r;
        *r = (EraseRule) {};
        return 0;
}

size_t erase_plan_count(const ErasePlan *p, EraseRuleState s) {
        size_t n = 0;
        for (size_t i = 0; i < p->n_rules; i++)
                n += p->rules[i].state == s;
        return n;
}

/* ---- the shared line syntax ---- */

typedef struct Words {
        char *kind;               /* first word */
        char *arg;                /* second word when it is bare (rule NAME, unresolved NAME, on-failure X) */
        size_t n;
        char *keys[16];
        char *values[16];         /* NULL for bare words */
} Words;

static void words_done(Words *w) {
        free(w->kind);
        free(w->arg);
        for (size_t i = 0; i < w->n; i++) {
                free(w->keys[i]);
                free(w->values[i]);
        }
        *w = (Words) {};
}

static bool name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.", c);
}

static bool valid_name(const char *s) {
        if (isempty(s) || strlen(s) > ERASE_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!name_char(*p))
                        return false;
        return true;
}

/* One word: bare, key=value, key="quoted", or "quoted". Returns the position after it. */
static int parse_word(const char *p, char **ret_key, char **ret_value, const char **ret_end, const char **ret_why) {
        _cleanup_free_ char *key = NULL, *value = NULL;
        const char *start = p;

        if (*p != '"') {
                while (*p && *p != ' ' && *p != '\t' && *p != '=' && *p != '"')
                        p++;
                key = strndup(start, (size_t) (p - start));
                if (!key)
                        return -ENOMEM;
                if (*p == '"') {
                        *ret_why = "unexpected '\"'";
                        return -EBADMSG;
                }
                if (*p != '=') {
                        *ret_key = TAKE_PTR(key);
                        *ret_value = NULL;
                        *ret_end = p;
                        return 0;
                }
                p++;
        }
        if (*p == '"') {
                size_t n = 0;
                p++;
                value = malloc(strlen(p) + 1);
                if (!value)
                        return -ENOMEM;
                for (;; p++) {
                        if (*p == 0) {
                                *ret_why = "unterminated quoted string";
                                return -EBADMSG;
                        }
                        if (*p == '"')
                                break;
                        if (*p == '\\') {
                                p++;
                                if (*p != '"' && *p != '\\') {
                                        *ret_why = "only \\\" and \\\\ are escapes";
                                        return -EBADMSG;
                                }
                        }
                        value[n++] = *p;
                }
                value[n] = 0;
                p++;
                if (*p && *p != ' ' && *p != '\t') {
                        *ret_why = "text after a closing quote";
                        return -EBADMSG;
                }
        } else {
                const char *v = p;
                while (*p && *p != ' ' && *p != '\t') {
                        if (*p == '"' || *p == '=') {
                                *ret_why = "unexpected '\"' or '=' in a value";
                                return -EBADMSG;
                        }
                        p++;
                }
                value = strndup(v, (size_t) (p - v));
                if (!value)
                        return -ENOMEM;
        }
        if (!key) {
                /* A bare quoted word: key "" */
                key = strdup("");
                if (!key)
                        return -ENOMEM;
        }
        *ret_key = TAKE_PTR(key);
        *ret_value = TAKE_PTR(value);
        *ret_end = p;
        return 0;
}

static int split_line(const char *line, Words *ret, const char **ret_why) {
        Words w = {};
        const char *p = line;
        int r;

        for (const char *c = line; *c; c++)
                if ((unsigned char) *c < 0x20 && *c != '\t') {
                        *ret_why = "control character";
                        return -EBADMSG;
                }

        for (;;) {
                char *k, *v;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p || *p == '#')
                        break;
                r = parse_word(p, &k, &v, &p, ret_why);
                if (r < 0) {
                        words_done(&w);
                        return r;
                }
                if (!w.kind) {
                        if (v || isempty(k)) {
                                free(k);
                                free(v);
                                words_done(&w);
                                *ret_why = "a line starts with a bare word";
                                return -EBADMSG;
                        }
                        w.kind = k;
                        continue;
                }
                if (w.n >= ELEMENTSOF(w.keys)) {
                        free(k);
                        free(v);
                        words_done(&w);
                        *ret_why = "too many words";
                        return -EBADMSG;
                }
                w.keys[w.n] = k;
                w.values[w.n] = v;
                w.n++;
        }
        *ret = w;
        return 0;
}

static const char *words_get(const Words *w, const char *key) {
        for (size_t i = 0; i < w->n; i++)
                if (w->values[i] && streq(w->keys[i], key))
                        return w->values[i];
        return NULL;
}

static bool words_has_bare(const Words *w, const char *word) {
        for (size_t i = 0; i < w->n; i++)
                if (!w->values[i] && streq(w->keys[i], word))
                        return true;
        return false;
}

/* Whether every word of w is one of the allowed keys ("key=" for key=value, "word" for bare). */
static const char *words_check(const Words *w, const char *const *allowed) {
        for (size_t i = 0; i < w->n; i++) {
                bool ok = false;
                for (const char *const *a = allowed; *a; a++) {
                        size_t l = strlen(*a);
                        if (l > 0 && (*a)[l - 1] == '=') {
                                if (w->values[i] && strlen(w->keys[i]) == l - 1 && strneq(w->keys[i], *a, l - 1))
                                        ok = true;
                        } else if (!w->values[i] && streq(w->keys[i], *a))
                                ok = true;
                }
                if (!ok)
                        return w->keys[i];
                for (size_t j = 0; j < i; j++)
                        if (streq(w->keys[j], w->keys[i]))
                                return w->keys[i];
        }
        return NULL;
}

/* Iterates over the lines of a text: copies each into buf (NUL-terminated). */
typedef struct LineReader {
        const char *data;
        size_t size, pos;
        unsigned line;
        char buf[ERASE_LINE_MAX + 1];
} LineReader;

/* A reader over at most ERASE_TEXT_MAX bytes of text (-EFBIG for more). */
static int line_reader_new(const char *data, size_t size, LineReader **ret) {
        LineReader *lr;

        if (size > ERASE_TEXT_MAX)
                return -EFBIG;
        lr = calloc(1, sizeof(*lr));
        if (!lr)
                return -ENOMEM;
        lr->data = data;
        lr->size = size;
        *ret = lr;
        return 0;
}

/* 1 a line, 0 the end, -EBADMSG a line too long or with a NUL. */
static int next_line(LineReader *lr) {
        if (lr->pos >= lr->size)
                return 0;
        const char *start = lr->data + lr->pos;
        const char *nl = memchr(start, '\n', lr->size - lr->pos);
        size_t l = nl ? (size_t) (nl - start) : lr->size - lr->pos;
        lr->pos += l + (nl ? 1 : 0);
        lr->line++;
        if (l > ERASE_LINE_MAX || memchr(start, 0, l))
                return -EBADMSG;
        memcpy(lr->buf, start, l);
        lr->buf[l] = 0;
        if (l > 0 && lr->buf[l - 1] == '\r')
                lr->buf[l - 1] = 0;
        return 1;
}

/* ---- numbers and paths of the resolved plan ---- */

static int parse_u64(const char *s, uint64_t *ret) {
        return s ? safe_atou64(s, ret) : -EINVAL;
}

static int parse_path(const char *s, ErasePath *ret) {
        ErasePath p = {};
        const char *c = s;

        if (isempty(s))
                return -EINVAL;
        for (;;) {
                char num[32];
                const char *comma = strchr(c, ',');
                size_t l = comma ? (size_t) (comma - c) : strlen(c);
                if (l == 0 || l >= sizeof(num) || p.n >= ERASE_PATH_MAX)
                        return -EINVAL;
                memcpy(num, c, l);
                num[l] = 0;
                if (safe_atou64(num, &p.off[p.n]) < 0 || p.off[p.n] > ERASE_OFFSET_MAX)
                        return -EINVAL;
                p.n++;
                if (!comma)
                        break;
                c = comma + 1;
        }
        *ret = p;
        return 0;
}

static int format_path(FILE *f, const ErasePath *p) {
        for (unsigned i = 0; i < p->n; i++)
                fprintf(f, "%s0x%" PRIx64, i > 0 ? "," : "", p->off[i]);
        return 0;
}

static bool valid_size(unsigned s) {
        return s == 1 || s == 2 || s == 4 || s == 8;
}

static bool valid_string(const char *s) {
        if (isempty(s) || strlen(s) > ERASE_STRING_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x21 || (unsigned char) *p >= 0x7f || *p == '"' || *p == '\\' || *p == '=')
                        return false;
        return true;
}

static bool valid_path(const ErasePath *p) {
        if (p->n < 1 || p->n > ERASE_PATH_MAX)
                return false;
        for (unsigned i = 0; i < p->n; i++)
                if (p->off[i] > ERASE_OFFSET_MAX)
                        return false;
        return true;
}

static bool valid_value(const EraseValue *v) {
        return !v->is_field || (valid_path(&v->path) && valid_size(v->size));
}

/* The bounds a resolved rule must keep; the same check for the writer and the reader. */
const char *erase_rule_check(const EraseRule *r, bool have_percpu) {
        if (!valid_name(r->name))
                return "invalid rule name";
        if (r->state != ERASE_RULE_RESOLVED)
                return r->n_steps == 0 ? NULL : "only resolved rules have steps";
        if (r->n_steps < 2 || r->n_steps > ERASE_STEPS_MAX)
                return "a rule needs a root and at most 32 steps";
        if (r->steps[0].kind != ERASE_STEP_ROOT)
                return "a rule starts with root";
        bool erases = false;
        for (size_t i = 0; i < r->n_steps; i++) {
                const EraseStep *s = &r->steps[i];
                switch (s->kind) {
                case ERASE_STEP_ROOT:
                        if (i != 0)
                                return "root in the middle of a rule";
                        /* A per-CPU symbol is an offset (small on kernels with a zero-based
                         * per-CPU area); anything else must be a kernel address. */
                        if (!(s->addr >> 63) && !(r->n_steps > 1 && r->steps[1].kind == ERASE_STEP_PERCPU))
                                return "root address is not a kernel address";
                        break;
                case ERASE_STEP_PERCPU:
                        if (!have_percpu)
                                return "percpu without a plan-wide percpu line";
                        break;
                case ERASE_STEP_RBTREE:
                case ERASE_STEP_LIST:
                        if (s->node > ERASE_OFFSET_MAX || s->max == 0 || s->max > ERASE_WALK_NODES_MAX)
                                return "node offset or max out of range";
                        break;
                case ERASE_STEP_ARRAY:
                        if (!valid_path(&s->at) || !valid_value(&s->count) || s->stride == 0 ||
                            s->stride > ERASE_OFFSET_MAX || s->max == 0 || s->max > ERASE_WALK_NODES_MAX)
                                return "array path, count, stride or max out of range";
                        break;
                case ERASE_STEP_FOLLOW:
                        if (!valid_path(&s->at))
                                return "follow path out of range";
                        break;
                case ERASE_STEP_WHERE_STRING:
                        if (!valid_path(&s->at) || !valid_string(s->string))
                                return "where string= path or text invalid";
                        break;
                case ERASE_STEP_WHERE_VALUE:
                        if (!valid_path(&s->at) || !valid_size(s->size) || s->cmp < 0 || s->cmp >= _ERASE_CMP_MAX)
                                return "where value= path, size or comparison invalid";
                        break;
                case ERASE_STEP_ERASE:
                        if (!valid_path(&s->at) || !valid_value(&s->length) || s->max == 0 || s->max > ERASE_LENGTH_MAX)
                                return "erase path, length or max out of range";
                        erases = true;
                        break;
                default:
                        return "unknown step";
                }
        }
        if (!erases)
                return "a rule erases nothing";
        if (r->steps[r->n_steps - 1].kind != ERASE_STEP_ERASE)
                return "a rule ends with erase";
        return NULL;
}

static void format_value(FILE *f, const char *key, const EraseValue *v) {
        if (v->is_field) {
                fprintf(f, " %s=", key);
                format_path(f, &v->path);
                fprintf(f, " %s-size=%u", key, v->size);
        } else
                fprintf(f, " %s=0x%" PRIx64, key, v->constant);
}

static void format_quoted(FILE *f, const char *s) {
        fputc('"', f);
        for (const char *p = s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fputc('\\', f);
                fputc((unsigned char) *p < 0x20 ? '?' : *p, f);
        }
        fputc('"', f);
}

int erase_plan_format(const ErasePlan *p, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        for (size_t i = 0; i < p->n_rules; i++)
                if (erase_rule_check(&p->rules[i], p->have_percpu))
                        return -EINVAL;
        if (p->kernel_release && !valid_string(p->kernel_release))
                return -EINVAL;
        if (p->n_rules > ERASE_RULES_MAX)
                return -EINVAL;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# tinykdump erase plan, resolved by tinykdump " PACKAGE_VERSION " from the running kernel's\n"
                   "# BTF and /proc/kallsyms; read by tinykdump-save. Generated: do not edit.\n");
        fprintf(f, "erase-plan version=%d\n", ERASE_PLAN_VERSION);
        if (p->kernel_release)
                fprintf(f, "kernel release=%s\n", p->kernel_release);
        fprintf(f, "on-failure %s\n", erase_on_failure_to_string(p->on_failure));
        if (p->have_percpu)
                fprintf(f, "percpu offsets=0x%" PRIx64 " nr-cpu-ids=0x%" PRIx64 "\n", p->percpu_offsets, p->nr_cpu_ids);
        for (size_t i = 0; i < p->n_rules; i++) {
                const EraseRule *r = &p->rules[i];
                if (r->state != ERASE_RULE_RESOLVED) {
                        fprintf(f, "%s %s", erase_rule_state_to_string(r->state), r->name);
                        if (r->reason) {
                                fputs(" reason=", f);
                                format_quoted(f, r->reason);
                        }
                        fputc('\n', f);
                        continue;
                }
                fprintf(f, "rule %s\n", r->name);
                for (size_t j = 0; j < r->n_steps; j++) {
                        const EraseStep *s = &r->steps[j];
                        fprintf(f, "\t%s", erase_step_kind_to_string(s->kind));
                        switch (s->kind) {
                        case ERASE_STEP_ROOT:
                                fprintf(f, " addr=0x%" PRIx64, s->addr);
                                break;
                        case ERASE_STEP_PERCPU:
                                break;
                        case ERASE_STEP_RBTREE:
                        case ERASE_STEP_LIST:
                                fprintf(f, " node=0x%" PRIx64 " max=%" PRIu64, s->node, s->max);
                                break;
                        case ERASE_STEP_ARRAY:
                                fputs(" at=", f);
                                format_path(f, &s->at);
                                format_value(f, "count", &s->count);
                                fprintf(f, " base=%s stride=0x%" PRIx64 " max=%" PRIu64, s->deref ? "pointer" : "inline",
                                        s->stride, s->max);
                                break;
                        case ERASE_STEP_FOLLOW:
                                fputs(" at=", f);
                                format_path(f, &s->at);
                                break;
                        case ERASE_STEP_WHERE_STRING:
                                fputs(" string=", f);
                                format_path(f, &s->at);
                                fprintf(f, " equals=%s%s%s", s->string, s->inline_string ? " inline" : "",
                                        s->prefix ? " prefix" : "");
                                break;
                        case ERASE_STEP_WHERE_VALUE:
                                fputs(" value=", f);
                                format_path(f, &s->at);
                                fprintf(f, " size=%u %s=0x%" PRIx64, s->size, erase_compare_to_string(s->cmp), s->value);
                                break;
                        case ERASE_STEP_ERASE:
                                fputs(" at=", f);
                                format_path(f, &s->at);
                                if (s->deref)
                                        fputs(" deref", f);
                                format_value(f, "length", &s->length);
                                fprintf(f, " max=0x%" PRIx64, s->max);
                                break;
                        default:
                                break;
                        }
                        fputc('\n', f);
                }
                fputs("end\n", f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* ---- the resolved plan's reader ---- */

static int parse_value(const Words *w, const char *key, EraseValue *ret) {
        char sizekey[32];
        const char *v = words_get(w, key), *sz;
        uint32_t size;

        snprintf(sizekey, sizeof(sizekey), "%s-size", key);
        sz = words_get(w, sizekey);
        if (!v)
                return -EINVAL;
        if (!sz) {
                *ret = (EraseValue) {};
                return parse_u64(v, &ret->constant);
        }
        *ret = (EraseValue) { .is_field = true };
        if (safe_atou32(sz, &size) < 0 || !valid_size(size))
                return -EINVAL;
        ret->size = size;
        return parse_path(v, &ret->path);
}

static int parse_step(const Words *w, EraseStep *s, const char **ret_why) {
        static const char *const root_keys[] = { "addr=", NULL };
        static const char *const none_keys[] = { NULL };
        static const char *const walk_keys[] = { "node=", "max=", NULL };
        static const char *const array_keys[] = { "at=", "count=", "count-size=", "base=", "stride=", "max=", NULL };
        static const char *const follow_keys[] = { "at=", NULL };
        static const char *const wstr_keys[] = { "string=", "equals=", "inline", "prefix", NULL };
        static const char *const wval_keys[] = { "value=", "size=", "eq=", "ne=", "lt=", "le=", "gt=", "ge=", NULL };
        static const char *const erase_keys[] = { "at=", "deref", "length=", "length-size=", "max=", NULL };
        const char *k = w->kind;
        const char *bad;

        *s = (EraseStep) {};
#define CHECK(keys)                                             \
        do {                                                    \
                bad = words_check(w, keys);                     \
                if (bad) {                                      \
                        *ret_why = "unknown or repeated word";  \
                        return -EBADMSG;                        \
                }                                               \
        } while (0)
#define NEED(expr, why)                 \
        do {                            \
                if ((expr) < 0) {       \
                        *ret_why = why; \
                        return -EBADMSG; \
                }                       \
        } while (0)

        if (streq(k, "root")) {
                CHECK(root_keys);
                s->kind = ERASE_STEP_ROOT;
                NEED(parse_u64(words_get(w, "addr"), &s->addr), "root needs addr=");
        } else if (streq(k, "percpu")) {
                CHECK(none_keys);
                s->kind = ERASE_STEP_PERCPU;
        } else if (streq(k, "rbtree") || streq(k, "list")) {
                CHECK(walk_keys);
                s->kind = streq(k, "rbtree") ? ERASE_STEP_RBTREE : ERASE_STEP_LIST;
                NEED(parse_u64(words_get(w, "node"), &s->node), "needs node=");
                NEED(parse_u64(words_get(w, "max"), &s->max), "needs max=");
        } else if (streq(k, "array")) {
                CHECK(array_keys);
                const char *base = words_get(w, "base");
                s->kind = ERASE_STEP_ARRAY;
                NEED(parse_path(words_get(w, "at"), &s->at), "array needs at=");
                NEED(parse_value(w, "count", &s->count), "array needs count=");
                NEED(parse_u64(words_get(w, "stride"), &s->stride), "array needs stride=");
                NEED(parse_u64(words_get(w, "max"), &s->max), "array needs max=");
                if (!base || !(streq(base, "pointer") || streq(base, "inline"))) {
                        *ret_why = "array needs base=pointer or base=inline";
                        return -EBADMSG;
                }
                s->deref = streq(base, "pointer");
        } else if (streq(k, "follow")) {
                CHECK(follow_keys);
                s->kind = ERASE_STEP_FOLLOW;
                NEED(parse_path(words_get(w, "at"), &s->at), "follow needs at=");
        } else if (streq(k, "where") && words_get(w, "string")) {
                CHECK(wstr_keys);
                s->kind = ERASE_STEP_WHERE_STRING;
                NEED(parse_path(words_get(w, "string"), &s->at), "bad string= path");
                const char *e = words_get(w, "equals");
                if (!e || !valid_string(e)) {
                        *ret_why = "where string= needs equals=";
                        return -EBADMSG;
                }
                s->string = strdup(e);
                if (!s->string)
                        return -ENOMEM;
                s->inline_string = words_has_bare(w, "inline");
                s->prefix = words_has_bare(w, "prefix");
        } else if (streq(k, "where") && words_get(w, "value")) {
                CHECK(wval_keys);
                uint32_t size;
                s->kind = ERASE_STEP_WHERE_VALUE;
                NEED(parse_path(words_get(w, "value"), &s->at), "bad value= path");
                NEED(safe_atou32(words_get(w, "size") ?: "", &size), "where value= needs size=");
                NEED(valid_size(size) ? 0 : -EINVAL, "where value= needs size=");
                s->size = size;
                s->cmp = _ERASE_CMP_MAX;
                for (EraseCompare c = 0; c < _ERASE_CMP_MAX; c++) {
                        const char *v = words_get(w, compare_table[c]);
                        if (!v)
                                continue;
                        if (s->cmp != _ERASE_CMP_MAX) {
                                *ret_why = "more than one comparison";
                                return -EBADMSG;
                        }
                        s->cmp = c;
                        NEED(parse_u64(v, &s->value), "bad number");
                }
        } else if (streq(k, "erase")) {
                CHECK(erase_keys);
                s->kind = ERASE_STEP_ERASE;
                NEED(parse_path(words_get(w, "at"), &s->at), "erase needs at=");
                s->deref = words_has_bare(w, "deref");
                NEED(parse_value(w, "length", &s->length), "erase needs length=");
                NEED(parse_u64(words_get(w, "max"), &s->max), "erase needs max=");
        } else {
                *ret_why = "unknown step";
                return -EBADMSG;
        }
#undef CHECK
#undef NEED
        return 0;
}

static int add_step(EraseRule *r, EraseStep *s) {
        if (r->n_steps >= ERASE_STEPS_MAX)
                return -E2BIG;
        EraseStep *n = reallocarray(r->steps, r->n_steps + 1, sizeof(EraseStep));
        if (!n)
                return -ENOMEM;
        r->steps = n;
        r->steps[r->n_steps++] = *s;
        *s = (EraseStep) {};
        return 0;
}

static int plan_error(ConfDiagList *diags, const char *filename, unsigned line, const char *why) {
        int r = conf_diags_add(diags, LOG_ERR, filename, line, "%s", why);
        return r < 0 ? r : -EBADMSG;
}

int erase_plan_parse(const char *filename, const char *data, size_t size, ErasePlan *ret, ConfDiagList *diags) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        _cleanup_(erase_rule_done) EraseRule cur = {};
        _cleanup_free_ LineReader *lr = NULL;
        bool in_rule = false, have_header = false, have_failure = false;
        int r;

        filename = filename ?: ERASE_PLAN_PATH;
        r = line_reader_new(data, size, &lr);
        if (r < 0)
                return r;

        for (;;) {
                Words w = {};
                const char *why = NULL;

                r = next_line(lr);
                if (r == 0)
                        break;
                if (r < 0)
                        return plan_error(diags, filename, lr->line, "line too long or with a NUL byte");
                r = split_line(lr->buf, &w, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return plan_error(diags, filename, lr->line, why);
                if (!w.kind)
                        continue;

                /* Header lines. */
                if (!have_header) {
                        const char *v = words_get(&w, "version");
                        bool ok = streq(w.kind, "erase-plan") && w.n == 1 && v && streq(v, "1");
                        words_done(&w);
                        if (!ok)
                                return plan_error(diags, filename, lr->line, "the plan must start with 'erase-plan version=1'");
                        have_header = true;
                        continue;
                }

                if (in_rule) {
                        if (streq(w.kind, "end") && w.n == 0) {
                                words_done(&w);
                                const char *bad = erase_rule_check(&cur, p.have_percpu);
                                if (bad)
                                        return plan_error(diags, filename, lr->line, bad);
                                r = erase_plan_add_rule(&p, &cur);
                                if (r == -E2BIG)
                                        return plan_error(diags, filename, lr->line, "too many rules");
                                if (r < 0)
                                        return r;
                                in_rule = false;
                                continue;
                        }
                        EraseStep s = {};
                        r = parse_step(&w, &s, &why);
                        words_done(&w);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return plan_error(diags, filename, lr->line, why);
                        r = add_step(&cur, &s);
                        erase_step_done(&s);
                        if (r == -E2BIG)
                                return plan_error(diags, filename, lr->line, "too many steps");
                        if (r < 0)
                                return r;
                        continue;
                }

                if (streq(w.kind, "kernel")) {
                        const char *v = words_get(&w, "release");
                        if (w.n != 1 || !v || !valid_string(v) || p.kernel_release) {
                                words_done(&w);
                                return plan_error(diags, filename, lr->line, "bad kernel line");
                        }
                        p.kernel_release = strdup(v);
                        words_done(&w);
                        if (!p.kernel_release)
                                return -ENOMEM;
                } else if (streq(w.kind, "on-failure")) {
                        int f = w.n == 1 && !w.values[0] ? erase_on_failure_from_string(w.keys[0]) : -EINVAL;
                        words_done(&w);
                        if (f < 0 || have_failure)
                                return plan_error(diags, filename, lr->line, "on-failure takes delete or keep, once");
                        p.on_failure = f;
                        have_failure = true;
                } else if (streq(w.kind, "percpu")) {
                        int a = parse_u64(words_get(&w, "offsets"), &p.percpu_offsets);
                        int b = parse_u64(words_get(&w, "nr-cpu-ids"), &p.nr_cpu_ids);
                        bool ok = a >= 0 && b >= 0 && w.n == 2 && !p.have_percpu && (p.percpu_offsets >> 63) &&
                                  (p.nr_cpu_ids >> 63) && p.n_rules == 0;
                        words_done(&w);
                        if (!ok)
                                return plan_error(diags, filename, lr->line, "bad percpu line (before the rules, kernel addresses)");
                        p.have_percpu = true;
                } else if (streq(w.kind, "rule") || streq(w.kind, "unresolved") || streq(w.kind, "inactive") ||
                           streq(w.kind, "disabled")) {
                        bool rule = streq(w.kind, "rule");
                        const char *reason = words_get(&w, "reason");
                        bool ok = w.n >= 1 && !w.values[0] && valid_name(w.keys[0]) &&
                                  (rule ? w.n == 1 : (w.n == 1 || (w.n == 2 && reason && strlen(reason) <= ERASE_LINE_MAX)));
                        for (size_t i = 0; ok && i < p.n_rules; i++)
                                if (streq(p.rules[i].name, w.keys[0]))
                                        ok = false;
                        if (!ok) {
                                words_done(&w);
                                return plan_error(diags, filename, lr->line, "bad or repeated rule name");
                        }
                        cur.name = TAKE_PTR(w.keys[0]);
                        cur.state = rule ? ERASE_RULE_RESOLVED
                                         : streq(w.kind, "unresolved") ? ERASE_RULE_UNRESOLVED
                                         : streq(w.kind, "inactive") ? ERASE_RULE_INACTIVE : ERASE_RULE_DISABLED;
                        if (reason) {
                                cur.reason = strdup(reason);
                                if (!cur.reason) {
                                        words_done(&w);
                                        return -ENOMEM;
                                }
                        }
                        words_done(&w);
                        if (rule)
                                in_rule = true;
                        else {
                                r = erase_plan_add_rule(&p, &cur);
                                if (r == -E2BIG)
                                        return plan_error(diags, filename, lr->line, "too many rules");
                                if (r < 0)
                                        return r;
                        }
                } else {
                        words_done(&w);
                        return plan_error(diags, filename, lr->line, "unknown line");
                }
        }
        if (!have_header)
                return plan_error(diags, filename, 0, "empty plan");
        if (in_rule)
                return plan_error(diags, filename, lr->line, "rule without end");
        *ret = p;
        p = (ErasePlan) {};
        return 0;
}

int erase_plan_load(const char *root, const char *path, ErasePlan *ret, ConfDiagList *diags) {
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r;

        r = read_full_file_at(root, path, ERASE_TEXT_MAX, &text, &n);
        if (r < 0)
                return r;
        return erase_plan_parse(path, text, n, ret, diags);
}

/* ---- rule sources ---- */

static void source_step_done(EraseSourceStep *s) {
        strv_free(s->keys);
        free(s->values); /* shares nothing: values freed one by one below */
}

static void source_rule_done(EraseSourceRule *r) {
        free(r->name);
        free(r->about);
        free(r->file);
        strv_free(r->modules);
        for (size_t i = 0; i < r->n_steps; i++) {
                for (size_t j = 0; r->steps[i].keys && r->steps[i].keys[j]; j++)
                        free(r->steps[i].values[j]);
                source_step_done(&r->steps[i]);
        }
        free(r->steps);
        *r = (EraseSourceRule) {};
}

void erase_source_done(EraseSource *s) {
        for (size_t i = 0; i < s->n_rules; i++)
                source_rule_done(&s->rules[i]);
        free(s->rules);
        *s = (EraseSource) {};
}

const char *erase_source_step_get(const EraseSourceStep *st, const char *key) {
        for (size_t i = 0; st->keys && st->keys[i]; i++)
                if (st->values[i] && streq(st->keys[i], key))
                        return st->values[i];
        return NULL;
}

bool erase_source_step_has_word(const EraseSourceStep *st, const char *word) {
        for (size_t i = 0; st->keys && st->keys[i]; i++)
                if (!st->values[i] && streq(st->keys[i], word))
                        return true;
        return false;
}

static const struct {
        const char *kind;
        const char *const keys[12];
} source_syntax[] = {
        { "root", { "symbol=", "type=", "module=", NULL } },
        { "percpu", { NULL } },
        { "rbtree", { "type=", "node=", "max=", NULL } },
        { "list", { "type=", "node=", "max=", NULL } },
        { "array", { "at=", "count=", "base=", "type=", "stride=", "max=", NULL } },
        { "follow", { "at=", "type=", NULL } },
        { "where", { "string=", "equals=", "prefix=", "value=", "eq=", "ne=", "lt=", "le=", "gt=", "ge=", NULL } },
        { "erase", { "at=", "deref", "length=", "max=", NULL } },
};

static int source_error(ConfDiagList *diags, const char *filename, unsigned line, const char *format, ...)
        _printf_(4, 5);
static int source_error(ConfDiagList *diags, const char *filename, unsigned line, const char *format, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;

        va_start(ap, format);
        if (vasprintf(&m, format, ap) < 0)
                m = NULL;
        va_end(ap);
        if (!m)
                return -ENOMEM;
        return conf_diags_add(diags, LOG_ERR, filename, line, "%s", m);
}

static int source_add_rule(EraseSource *s, EraseSourceRule *r) {
        for (size_t i = 0; i < s->n_rules; i++)
                if (streq(s->rules[i].name, r->name)) {
                        source_rule_done(&s->rules[i]);
                        s->rules[i] = *r;
                        *r = (EraseSourceRule) {};
                        return 0;
                }
        if (s->n_rules >= ERASE_RULES_MAX)
                return -E2BIG;
        EraseSourceRule *n = reallocarray(s->rules, s->n_rules + 1, sizeof(EraseSourceRule));
        if (!n)
                return -ENOMEM;
        s->rules = n;
        s->rules[s->n_rules++] = *r;
        *r = (EraseSourceRule) {};
        return 0;
}

int erase_source_parse(const char *filename, const char *data, size_t size, EraseSource *s, ConfDiagList *diags) {
        _cleanup_(source_rule_done) EraseSourceRule cur = {};
        _cleanup_free_ LineReader *lr = NULL;
        bool in_rule = false, broken = false;
        int r;

        r = line_reader_new(data, size, &lr);
        if (r < 0)
                return r;

        for (;;) {
                Words w = {};
                const char *why = NULL;

                r = next_line(lr);
                if (r == 0)
                        break;
                if (r < 0) {
                        r = source_error(diags, filename, lr->line, "line too long or with a NUL byte; ignoring.");
                        if (r < 0)
                                return r;
                        broken = true;
                        continue;
                }
                r = split_line(lr->buf, &w, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = source_error(diags, filename, lr->line, "%s; ignoring the rule.", why);
                        if (r < 0)
                                return r;
                        broken = true;
                        continue;
                }
                if (!w.kind)
                        continue;

                if (!in_rule) {
                        if (!streq(w.kind, "rule") || w.n != 1 || w.values[0] || !valid_name(w.keys[0])) {
                                words_done(&w);
                                r = source_error(diags, filename, lr->line, "expected 'rule NAME'; ignoring the line.");
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        cur.name = TAKE_PTR(w.keys[0]);
                        cur.file = strdup(filename ?: "-");
                        cur.line = lr->line;
                        words_done(&w);
                        if (!cur.file)
                                return -ENOMEM;
                        in_rule = true;
                        broken = false;
                        continue;
                }

                if (streq(w.kind, "end") && w.n == 0) {
                        words_done(&w);
                        in_rule = false;
                        if (!broken && cur.n_steps == 0) {
                                r = source_error(diags, filename, lr->line, "rule %s has no steps; ignoring it.", cur.name);
                                if (r < 0)
                                        return r;
                                broken = true;
                        }
                        if (broken) {
                                source_rule_done(&cur);
                                continue;
                        }
                        r = source_add_rule(s, &cur);
                        if (r == -E2BIG) {
                                r = source_error(diags, filename, lr->line, "more than %u rules; ignoring the rest.", ERASE_RULES_MAX);
                                source_rule_done(&cur);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (r < 0)
                                return r;
                        continue;
                }
                if (broken) {
                        words_done(&w);
                        continue;
                }
                if (streq(w.kind, "about")) {
                        bool ok = w.n == 1 && w.values[0] && isempty(w.keys[0]) && !cur.about;
                        if (ok)
                                cur.about = TAKE_PTR(w.values[0]);
                        words_done(&w);
                        if (!ok) {
                                r = source_error(diags, filename, lr->line, "expected 'about \"TEXT\"' once; ignoring rule %s.", cur.name);
                                if (r < 0)
                                        return r;
                                broken = true;
                        }
                        continue;
                }
                if (streq(w.kind, "module")) {
                        bool ok = w.n == 1 && !w.values[0] && valid_name(w.keys[0]);
                        if (ok && strv_extend(&cur.modules, w.keys[0]) < 0) {
                                words_done(&w);
                                return -ENOMEM;
                        }
                        words_done(&w);
                        if (!ok) {
                                r = source_error(diags, filename, lr->line, "expected 'module NAME'; ignoring rule %s.", cur.name);
                                if (r < 0)
                                        return r;
                                broken = true;
                        }
                        continue;
                }

                size_t k;
                for (k = 0; k < ELEMENTSOF(source_syntax); k++)
                        if (streq(w.kind, source_syntax[k].kind))
                                break;
                const char *bad = k < ELEMENTSOF(source_syntax) ? words_check(&w, source_syntax[k].keys) : w.kind;
                if (bad || cur.n_steps >= ERASE_STEPS_MAX) {
                        r = source_error(diags, filename, lr->line, "%s: unknown or repeated word '%s'; ignoring rule %s.",
                                         w.kind, bad ?: "(too many steps)", cur.name);
                        words_done(&w);
                        if (r < 0)
                                return r;
                        broken = true;
                        continue;
                }
                EraseSourceStep st = { .kind = k == 0 ? ERASE_STEP_ROOT : (EraseStepKind) k, .line = lr->line };
                /* source_syntax follows EraseStepKind up to where; erase is the last. */
                if (streq(w.kind, "where"))
                        st.kind = words_get(&w, "string") ? ERASE_STEP_WHERE_STRING : ERASE_STEP_WHERE_VALUE;
                else if (streq(w.kind, "erase"))
                        st.kind = ERASE_STEP_ERASE;
                st.keys = calloc(w.n + 1, sizeof(char *));
                st.values = calloc(w.n + 1, sizeof(char *));
                if (!st.keys || !st.values) {
                        free(st.keys);
                        free(st.values);
                        words_done(&w);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < w.n; i++) {
                        st.keys[i] = TAKE_PTR(w.keys[i]);
                        st.values[i] = TAKE_PTR(w.values[i]);
                }
                words_done(&w);
                EraseSourceStep *n = reallocarray(cur.steps, cur.n_steps + 1, sizeof(EraseSourceStep));
                if (!n) {
                        for (size_t j = 0; st.keys[j]; j++)
                                free(st.values[j]);
                        source_step_done(&st);
                        return -ENOMEM;
                }
                cur.steps = n;
                cur.steps[cur.n_steps++] = st;
        }
        if (in_rule) {
                r = source_error(diags, filename, lr->line, "rule %s has no 'end'; ignoring it.", cur.name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int erase_source_load_dirs(const char *root, const char * const *dirs, EraseSource *s, ConfDiagList *diags) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        int r;

        /* Collect name → path, later directories replacing earlier ones. */
        for (const char * const *d = dirs; d && *d; d++) {
                _cleanup_free_ char *full = path_join(root, *d);
                _cleanup_closedir_ DIR *dir = NULL;
                if (!full)
                        return -ENOMEM;
                dir = opendir(full);
                if (!dir) {
                        if (errno != ENOENT)
                                (void) conf_diags_add(diags, LOG_WARNING, *d, 0, "cannot read the directory: %s", strerror(errno));
                        continue;
                }
                struct dirent *de;
                while ((de = readdir(dir))) {
                        size_t l = strlen(de->d_name);
                        if (de->d_name[0] == '.' || l < 7 || !streq(de->d_name + l - 6, ".rules"))
                                continue;
                        _cleanup_free_ char *p = path_join(*d, de->d_name);
                        if (!p)
                                return -ENOMEM;
                        size_t i;
                        for (i = 0; names && names[i]; i++)
                                if (streq(names[i], de->d_name))
                                        break;
                        if (names && names[i]) {
                                free(paths[i]);
                                paths[i] = TAKE_PTR(p);
                        } else {
                                if (strv_extend(&names, de->d_name) < 0 || strv_consume(&paths, TAKE_PTR(p)) < 0)
                                        return -ENOMEM;
                        }
                        if (strv_length(names) > CONF_DROPINS_MAX)
                                return -E2BIG;
                }
        }

        /* Sort by name, keeping the pairing. */
        size_t n = strv_length(names);
        _cleanup_free_ char **pairs = calloc(n + 1, sizeof(char *));
        if (!pairs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (asprintf(&pairs[i], "%s/%s", names[i], paths[i]) < 0) {
                        for (size_t j = 0; j < i; j++)
                                free(pairs[j]);
                        return -ENOMEM;
                }
        }
        qsort(pairs, n, sizeof(char *), compare_strings);

        r = 0;
        for (size_t i = 0; i < n; i++) {
                const char *path = strchr(pairs[i], '/') + 1;
                _cleanup_free_ char *full = path_join(root, path), *text = NULL;
                struct stat st;
                size_t size;
                if (!full) {
                        r = -ENOMEM;
                        break;
                }
                if (stat(full, &st) >= 0 && S_ISCHR(st.st_mode))
                        continue; /* linked to /dev/null: masked */
                int q = read_full_file_at(root, path, ERASE_TEXT_MAX, &text, &size);
                if (q < 0) {
                        (void) conf_diags_add(diags, LOG_ERR, path, 0, "cannot read the rules: %s", strerror(-q));
                        continue;
                }
                q = erase_source_parse(path, text, size, s, diags);
                if (q == -ENOMEM) {
                        r = q;
                        break;
                }
        }
        for (size_t i = 0; i < n; i++)
                free(pairs[i]);
        return r;
}
