/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/btf.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erase-resolve.h"

#define KALLSYMS_MAX (64 * MiB)
#define MODULES_MAX 16U

typedef struct Module {
        char *name;
        struct btf *btf;          /* split on vmlinux; NULL when not loaded */
        bool tried;
} Module;

typedef struct Symbol {
        char *name;
        char *module;             /* NULL: vmlinux */
        uint64_t addr;
        unsigned count;           /* how often this name/module pair was seen */
} Symbol;

typedef struct Ctx {
        const EraseResolveOptions *o;
        struct btf *vmlinux;
        Module mods[MODULES_MAX];
        size_t n_mods;
        Symbol *syms;
        size_t n_syms;
        bool any_address;         /* kallsyms showed a non-zero address */
} Ctx;

typedef struct TypeRef {
        struct btf *btf;
        int32_t id;               /* 0: no type known (raw offsets) */
} TypeRef;

/* What a rule's resolution is working with. */
typedef struct RuleCtx {
        Ctx *c;
        const EraseSourceRule *src;
        struct btf *btfs[MODULES_MAX + 1];  /* the rule's loaded modules, then vmlinux */
        size_t n_btfs;
        char *missing_module;     /* a named module that is not loaded */
        bool for_module;          /* the failure is something that module would have provided */
        char *why;                /* the first failure */
} RuleCtx;

static int rule_fail(RuleCtx *rc, const char *format, ...) _printf_(2, 3);
static int rule_fail(RuleCtx *rc, const char *format, ...) {
        va_list ap;
        char *s = NULL;

        if (rc->why)
                return -ENOENT;
        va_start(ap, format);
        if (vasprintf(&s, format, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return -ENOMEM;
        rc->why = s;
        return -ENOENT;
}

/* ---- kallsyms ---- */

static bool wanted(char * const *names, const char *name) {
        return strv_contains(names, name);
}

static int load_kallsyms(Ctx *c, char * const *names) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file_at(c->o->root, c->o->kallsyms ?: "/proc/kallsyms", KALLSYMS_MAX, &text, &size);
        if (r < 0)
                return r;
        for (char *line = text, *next; line && *line; line = next) {
                char *nl = strchr(line, '\n');
                next = nl ? nl + 1 : NULL;
                if (nl)
                        *nl = 0;
                /* "ffffffff81000000 T _text" or "… t name\t[module]" */
                char *sp1 = strchr(line, ' ');
                if (!sp1 || sp1[1] == 0 || sp1[2] != ' ')
                        continue;
                char *name = sp1 + 3, *mod = NULL;
                char *tab = strpbrk(name, " \t");
                if (tab) {
                        *tab = 0;
                        mod = strchr(tab + 1, '[');
                        if (mod) {
                                mod++;
                                char *e = strchr(mod, ']');
                                if (e)
                                        *e = 0;
                        }
                }
                *sp1 = 0;
                uint64_t addr = strtoull(line, NULL, 16);
                if (addr != 0)
                        c->any_address = true;
                if (!wanted(names, name))
                        continue;
                size_t i;
                for (i = 0; i < c->n_syms; i++)
                        if (streq(c->syms[i].name, name) && streq(strempty(c->syms[i].module), strempty(mod)))
                                break;
                if (i < c->n_syms) {
                        c->syms[i].count++;
                        continue;
                }
                Symbol *n = reallocarray(c->syms, c->n_syms + 1, sizeof(Symbol));
                if (!n)
                        return -ENOMEM;
                c->syms = n;
                c->syms[c->n_syms] = (Symbol) { .name = strdup(name), .module = mod ? strdup(mod) : NULL, .addr = addr, .count = 1 };
                if (!c->syms[c->n_syms].name || (mod && !c->syms[c->n_syms].module))
                        return -ENOMEM;
                c->n_syms++;
        }
        return 0;
}

/* A symbol in vmlinux or one of the rule's modules: 0, or -ENOENT with a reason. module: where
 * the rule says the symbol lives (NULL: vmlinux or any of the rule's modules). */
static int find_symbol(RuleCtx *rc, const char *name, const char *module, uint64_t *ret) {
        Ctx *c = rc->c;
        const Symbol *found = NULL;

        for (size_t i = 0; i < c->n_syms; i++) {
                const Symbol *s = &c->syms[i];
                if (!streq(s->name, name))
                        continue;
                bool in_scope = !s->module || strv_contains(rc->src->modules, s->module);
                if (!in_scope)
                        continue;
                if (s->count > 1 || found)
                        return rule_fail(rc, "symbol %s is ambiguous in /proc/kallsyms", name);
                found = s;
        }
        if (!found && module && rc->missing_module && streq(module, rc->missing_module)) {
                rc->for_module = !rc->why;
                return rule_fail(rc, "symbol %s is not in /proc/kallsyms (module %s is not loaded)", name, module);
        }
        if (!found)
                return rule_fail(rc, "symbol %s is not in /proc/kallsyms", name);
        *ret = found->addr;
        return 0;
}

/* ---- BTF ---- */

static struct btf *module_btf(Ctx *c, const char *name) {
        for (size_t i = 0; i < c->n_mods; i++)
                if (streq(c->mods[i].name, name))
                        return c->mods[i].btf;
        if (c->n_mods >= MODULES_MAX)
                return NULL;
        Module *m = &c->mods[c->n_mods];
        m->name = strdup(name);
        if (!m->name)
                return NULL;
        c->n_mods++;
        _cleanup_free_ char *rel = path_join(c->o->btf_dir ?: "/sys/kernel/btf", name);
        _cleanup_free_ char *full = rel ? path_join(c->o->root, rel) : NULL;
        if (full) {
                struct btf *b = btf__parse_split(full, c->vmlinux);
                m->btf = b; /* NULL (errno set) when missing or broken */
        }
        m->tried = true;
        return m->btf;
}

static int32_t skip_mods(const struct btf *b, int32_t id) {
        for (unsigned n = 0; n < 64 && id > 0; n++) {
                const struct btf_type *t = btf__type_by_id(b, (uint32_t) id);
                if (!t)
                        return -1;
                switch (btf_kind(t)) {
                case BTF_KIND_TYPEDEF:
                case BTF_KIND_CONST:
                case BTF_KIND_VOLATILE:
                case BTF_KIND_RESTRICT:
                case BTF_KIND_TYPE_TAG:
                        id = (int32_t) t->type;
                        continue;
                default:
                        return id;
                }
        }
        return -1;
}

/* struct or union NAME: unique by size among the candidates, else ambiguous. */
static int find_type(RuleCtx *rc, const char *name, TypeRef *ret) {
        for (size_t k = 0; k < rc->n_btfs; k++) {
                struct btf *b = rc->btfs[k];
                uint32_t n = btf__type_cnt(b);
                int32_t found = 0;
                int64_t size = -1;
                for (uint32_t id = 1; id < n; id++) {
                        const struct btf_type *t = btf__type_by_id(b, id);
                        if (!t || (!btf_is_struct(t) && !btf_is_union(t)) || btf_vlen(t) == 0)
                                continue;
                        const char *tn = btf__name_by_offset(b, t->name_off);
                        if (!tn || !streq(tn, name))
                                continue;
                        if (found && size != (int64_t) t->size)
                                return rule_fail(rc, "struct %s is ambiguous in BTF (%" PRId64 " and %u bytes)", name, size,
                                                 t->size);
                        if (!found) {
                                found = (int32_t) id;
                                size = t->size;
                        }
                }
                if (found) {
                        *ret = (TypeRef) { b, found };
                        return 0;
                }
        }
        if (rc->missing_module) {
                rc->for_module = !rc->why;
                return rule_fail(rc, "struct %s not found (module %s is not loaded)", name, rc->missing_module);
        }
        return rule_fail(rc, "struct %s is not in the kernel's BTF", name);
}

static const char *type_name(const TypeRef *t) {
        const struct btf_type *bt = t->btf ? btf__type_by_id(t->btf, (uint32_t) t->id) : NULL;
        const char *n = bt ? btf__name_by_offset(t->btf, bt->name_off) : NULL;
        return isempty(n) ? "(anonymous)" : n;
}

/* A member by name, looking into anonymous struct/union members. bit offset and type. */
static bool find_member(const struct btf *b, int32_t sid, const char *name, uint64_t *ret_bits, int32_t *ret_type,
                        unsigned depth) {
        const struct btf_type *t = btf__type_by_id(b, (uint32_t) sid);
        if (!t || depth > 8 || (!btf_is_struct(t) && !btf_is_union(t)))
                return false;
        const struct btf_member *m = btf_members(t);
        for (uint16_t i = 0; i < btf_vlen(t); i++) {
                const char *mn = btf__name_by_offset(b, m[i].name_off);
                uint64_t bits = btf_member_bit_offset(t, i);
                if (!isempty(mn)) {
                        if (streq(mn, name)) {
                                if (btf_member_bitfield_size(t, i) != 0)
                                        return false;
                                *ret_bits = bits;
                                *ret_type = (int32_t) m[i].type;
                                return true;
                        }
                        continue;
                }
                int32_t inner = skip_mods(b, (int32_t) m[i].type);
                uint64_t ib;
                if (inner > 0 && find_member(b, inner, name, &ib, ret_type, depth + 1)) {
                        *ret_bits = bits + ib;
                        return true;
                }
        }
        return false;
}

typedef struct PathInfo {
        ErasePath path;
        TypeRef type;             /* modifiers skipped; id 0 when unknown */
        int64_t size;             /* of the final member, -1 unknown */
        bool is_ptr;
        TypeRef pointee;
        bool is_array;
        uint32_t nelems;
        int64_t elem_size;
        bool is_int;
} PathInfo;

static void describe(PathInfo *pi) {
        const struct btf_type *t = pi->type.id > 0 ? btf__type_by_id(pi->type.btf, (uint32_t) pi->type.id) : NULL;
        pi->size = -1;
        pi->is_ptr = pi->is_array = pi->is_int = false;
        if (!t)
                return;
        pi->size = btf__resolve_size(pi->type.btf, (uint32_t) pi->type.id);
        if (btf_is_ptr(t)) {
                pi->is_ptr = true;
                pi->pointee = (TypeRef) { pi->type.btf, skip_mods(pi->type.btf, (int32_t) t->type) };
        } else if (btf_is_array(t)) {
                pi->is_array = true;
                pi->nelems = btf_array(t)->nelems;
                int32_t e = skip_mods(pi->type.btf, (int32_t) btf_array(t)->type);
                pi->elem_size = e > 0 ? btf__resolve_size(pi->type.btf, (uint32_t) e) : -1;
                pi->pointee = (TypeRef) { pi->type.btf, e };
        } else if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t))
                pi->is_int = true;
}

/* A C member path on type cur: "a.b[2]->c", or a plain number (a raw offset, no type). */
static int resolve_path(RuleCtx *rc, const TypeRef *cur, const char *expr, PathInfo *ret) {
        PathInfo pi = { .path.n = 1 };
        uint64_t num;
        const char *p = expr;

        if (isempty(expr))
                return rule_fail(rc, "empty path");
        if (safe_atou64(expr, &num) >= 0) {
                if (num > ERASE_OFFSET_MAX)
                        return rule_fail(rc, "offset %s out of range", expr);
                pi.path.off[0] = num;
                pi.size = -1;
                *ret = pi;
                return 0;
        }
        if (!cur->btf || cur->id <= 0)
                return rule_fail(rc, "path %s on an object of unknown type (give type=)", expr);

        TypeRef t = *cur;
        uint64_t off = 0;
        bool need_member = true;
        for (;;) {
                if (need_member) {
                        char name[128];
                        size_t l = 0;
                        while (isalnum((unsigned char) p[l]) || p[l] == '_')
                                l++;
                        if (l == 0 || l >= sizeof(name))
                                return rule_fail(rc, "bad path %s", expr);
                        memcpy(name, p, l);
                        name[l] = 0;
                        p += l;
                        uint64_t bits;
                        int32_t mt;
                        int32_t sid = skip_mods(t.btf, t.id);
                        if (sid <= 0 || !find_member(t.btf, sid, name, &bits, &mt, 0)) {
                                rc->for_module = rc->missing_module && !rc->why;
                                return rule_fail(rc, "struct %s has no member %s%s%s%s", type_name(&(TypeRef) { t.btf, sid }), name,
                                                 rc->missing_module ? " (module " : "", strempty(rc->missing_module),
                                                 rc->missing_module ? " is not loaded)" : "");
                        }
                        if (bits % 8 != 0)
                                return rule_fail(rc, "member %s is not byte-aligned", name);
                        off += bits / 8;
                        t.id = skip_mods(t.btf, mt);
                        need_member = false;
                        continue;
                }
                if (*p == 0)
                        break;
                if (*p == '.') {
                        p++;
                        need_member = true;
                        continue;
                }
                if (p[0] == '-' && p[1] == '>') {
                        const struct btf_type *bt = btf__type_by_id(t.btf, (uint32_t) t.id);
                        if (!bt || !btf_is_ptr(bt))
                                return rule_fail(rc, "'->' on a member that is not a pointer in %s", expr);
                        if (off > ERASE_OFFSET_MAX || pi.path.n >= ERASE_PATH_MAX)
                                return rule_fail(rc, "path %s too long", expr);
                        pi.path.off[pi.path.n - 1] = off;
                        pi.path.n++;
                        off = 0;
                        t.id = skip_mods(t.btf, (int32_t) bt->type);
                        p += 2;
                        need_member = true;
                        continue;
                }
                if (*p == '[') {
                        char *end;
                        unsigned long idx = strtoul(p + 1, &end, 0);
                        if (end == p + 1 || *end != ']')
                                return rule_fail(rc, "bad index in %s", expr);
                        const struct btf_type *bt = btf__type_by_id(t.btf, (uint32_t) t.id);
                        if (!bt || !btf_is_array(bt))
                                return rule_fail(rc, "'[]' on a member that is not an array in %s", expr);
                        const struct btf_array *a = btf_array(bt);
                        if (a->nelems != 0 && idx >= a->nelems)
                                return rule_fail(rc, "index %lu beyond %u elements in %s", idx, a->nelems, expr);
                        int32_t e = skip_mods(t.btf, (int32_t) a->type);
                        int64_t es = e > 0 ? btf__resolve_size(t.btf, (uint32_t) e) : -1;
                        if (es <= 0)
                                return rule_fail(rc, "array element of unknown size in %s", expr);
                        off += idx * (uint64_t) es;
                        t.id = e;
                        p = end + 1;
                        continue;
                }
                return rule_fail(rc, "bad path %s", expr);
        }
        if (off > ERASE_OFFSET_MAX)
                return rule_fail(rc, "offset of %s out of range", expr);
        pi.path.off[pi.path.n - 1] = off;
        pi.type = t;
        describe(&pi);
        *ret = pi;
        return 0;
}

/* "N", "sizeof(NAME)" or sums of them: a constant. */
static int resolve_const(RuleCtx *rc, const char *expr, uint64_t *ret) {
        uint64_t sum = 0;
        const char *p = expr;

        for (;;) {
                char term[128];
                const char *plus = strchr(p, '+');
                size_t l = plus ? (size_t) (plus - p) : strlen(p);
                uint64_t v;
                if (l == 0 || l >= sizeof(term))
                        return rule_fail(rc, "bad number %s", expr);
                memcpy(term, p, l);
                term[l] = 0;
                if (strneq(term, "symbol(", 7) && term[l - 1] == ')') {
                        /* An address, e.g. of a struct crypto_type to compare a cra_type with. */
                        term[l - 1] = 0;
                        int r = find_symbol(rc, term + 7, NULL, &v);
                        if (r < 0)
                                return r;
                } else if (strneq(term, "sizeof(", 7) && term[l - 1] == ')') {
                        term[l - 1] = 0;
                        TypeRef t;
                        int r = find_type(rc, term + 7, &t);
                        if (r < 0)
                                return r;
                        int64_t s = btf__resolve_size(t.btf, (uint32_t) t.id);
                        if (s < 0)
                                return rule_fail(rc, "no size for %s", term + 7);
                        v = (uint64_t) s;
                } else if (safe_atou64(term, &v) < 0)
                        return rule_fail(rc, "bad number %s", expr);
                if (sum > UINT64_MAX - v)
                        return rule_fail(rc, "number %s overflows", expr);
                sum += v;
                if (!plus)
                        break;
                p = plus + 1;
        }
        *ret = sum;
        return 0;
}

/* A constant or an integer member (or, with allow_ptr, a pointer compared as a number): EraseValue. */
static int resolve_value(RuleCtx *rc, const TypeRef *cur, const char *expr, bool allow_ptr, EraseValue *ret) {
        uint64_t c;
        PathInfo pi;
        int r;

        if (!expr)
                return rule_fail(rc, "missing value");
        if (isdigit((unsigned char) expr[0]) || strneq(expr, "sizeof(", 7) || strneq(expr, "symbol(", 7)) {
                r = resolve_const(rc, expr, &c);
                if (r < 0)
                        return r;
                *ret = (EraseValue) { .constant = c };
                return 0;
        }
        r = resolve_path(rc, cur, expr, &pi);
        if (r < 0)
                return r;
        if (!(pi.is_int || (allow_ptr && pi.is_ptr)) || (pi.size != 1 && pi.size != 2 && pi.size != 4 && pi.size != 8))
                return rule_fail(rc, "%s is not an integer member", expr);
        *ret = (EraseValue) { .is_field = true, .path = pi.path, .size = (unsigned) pi.size };
        return 0;
}

static int resolve_type_arg(RuleCtx *rc, const char *name, TypeRef *ret) {
        if (!name) {
                *ret = (TypeRef) {};
                return 0;
        }
        return find_type(rc, name, ret);
}

static int resolve_max(RuleCtx *rc, const char *s, uint64_t def, uint64_t limit, uint64_t *ret) {
        uint64_t v = def;
        if (s && safe_atou64(s, &v) < 0)
                return rule_fail(rc, "bad max=%s", s);
        if (v == 0 || v > limit)
                return rule_fail(rc, "max=%" PRIu64 " out of range (1…%" PRIu64 ")", v, limit);
        *ret = v;
        return 0;
}

static int resolve_step(RuleCtx *rc, const EraseSourceStep *st, TypeRef *cur, EraseStep *out, bool *uses_percpu) {
        const char *type = erase_source_step_get(st, "type");
        PathInfo pi;
        TypeRef t;
        int r;

        *out = (EraseStep) { .kind = st->kind };
        switch (st->kind) {
        case ERASE_STEP_ROOT: {
                const char *sym = erase_source_step_get(st, "symbol");
                if (!sym)
                        return rule_fail(rc, "root needs symbol=");
                r = find_symbol(rc, sym, erase_source_step_get(st, "module"), &out->addr);
                if (r < 0)
                        return r;
                r = resolve_type_arg(rc, type, cur);
                return r;
        }
        case ERASE_STEP_PERCPU:
                *uses_percpu = true;
                return 0;
        case ERASE_STEP_RBTREE:
        case ERASE_STEP_LIST: {
                const char *node = erase_source_step_get(st, "node");
                if (!type || !node)
                        return rule_fail(rc, "%s needs type= and node=", erase_step_kind_to_string(st->kind));
                r = find_type(rc, type, &t);
                if (r < 0)
                        return r;
                r = resolve_path(rc, &t, node, &pi);
                if (r < 0)
                        return r;
                if (pi.path.n != 1)
                        return rule_fail(rc, "node=%s must be a member of %s itself", node, type);
                out->node = pi.path.off[0];
                r = resolve_max(rc, erase_source_step_get(st, "max"), ERASE_WALK_NODES_MAX, ERASE_WALK_NODES_MAX, &out->max);
                if (r < 0)
                        return r;
                *cur = t;
                return 0;
        }
        case ERASE_STEP_ARRAY: {
                const char *at = erase_source_step_get(st, "at"), *base = erase_source_step_get(st, "base");
                const char *stride = erase_source_step_get(st, "stride");
                r = resolve_path(rc, cur, at ?: "", &pi);
                if (r < 0)
                        return r;
                out->at = pi.path;
                if (base)
                        out->deref = streq(base, "pointer");
                else
                        out->deref = pi.is_ptr;
                r = resolve_value(rc, cur, erase_source_step_get(st, "count"), false, &out->count);
                if (r < 0)
                        return r;
                TypeRef elem = out->deref && pi.is_ptr ? pi.pointee : pi.is_array ? pi.pointee : (TypeRef) {};
                if (type && streq(type, "pointer")) {
                        out->stride = 8;
                        elem = (TypeRef) {};
                } else if (type) {
                        r = find_type(rc, type, &elem);
                        if (r < 0)
                                return r;
                }
                if (stride) {
                        r = resolve_const(rc, stride, &out->stride);
                        if (r < 0)
                                return r;
                } else if (!out->stride) {
                        int64_t s = elem.btf && elem.id > 0 ? btf__resolve_size(elem.btf, (uint32_t) elem.id) : -1;
                        if (s <= 0)
                                return rule_fail(rc, "array at=%s: element size unknown (give type= or stride=)", at);
                        out->stride = (uint64_t) s;
                }
                if (out->stride == 0 || out->stride > ERASE_OFFSET_MAX)
                        return rule_fail(rc, "array stride out of range");
                r = resolve_max(rc, erase_source_step_get(st, "max"), ERASE_WALK_NODES_MAX, ERASE_WALK_NODES_MAX, &out->max);
                if (r < 0)
                        return r;
                *cur = elem;
                return 0;
        }
        case ERASE_STEP_FOLLOW: {
                const char *at = erase_source_step_get(st, "at");
                r = resolve_path(rc, cur, at ?: "", &pi);
                if (r < 0)
                        return r;
                if (pi.type.id > 0 && !pi.is_ptr)
                        return rule_fail(rc, "follow at=%s: not a pointer", at);
                out->at = pi.path;
                if (type)
                        return find_type(rc, type, cur);
                const struct btf_type *pt = pi.pointee.id > 0 ? btf__type_by_id(pi.pointee.btf, (uint32_t) pi.pointee.id) : NULL;
                if (!pt || (!btf_is_struct(pt) && !btf_is_union(pt)))
                        return rule_fail(rc, "follow at=%s: pointer to an unknown type (give type=)", at);
                *cur = pi.pointee;
                return 0;
        }
        case ERASE_STEP_WHERE_STRING: {
                const char *s = erase_source_step_get(st, "string"), *eq = erase_source_step_get(st, "equals");
                const char *prefix = erase_source_step_get(st, "prefix");
                if (!!eq == !!prefix || strlen(eq ?: prefix) > ERASE_STRING_MAX)
                        return rule_fail(rc, "where string= needs equals= or prefix= (at most %u bytes)", ERASE_STRING_MAX);
                r = resolve_path(rc, cur, s, &pi);
                if (r < 0)
                        return r;
                /* A char * points to the text; a char array holds it (bounded by its size). */
                if (pi.is_array && pi.elem_size == 1) {
                        if (pi.nelems != 0 && strlen(eq ?: prefix) + (eq ? 1 : 0) > pi.nelems)
                                return rule_fail(rc, "where string=%s: longer than the array", s);
                        out->inline_string = true;
                } else if (pi.type.id > 0 && !pi.is_ptr)
                        return rule_fail(rc, "where string=%s: neither a pointer nor a char array", s);
                out->at = pi.path;
                out->prefix = !!prefix;
                out->string = strdup(eq ?: prefix);
                return out->string ? 0 : -ENOMEM;
        }
        case ERASE_STEP_WHERE_VALUE: {
                const char *v = erase_source_step_get(st, "value");
                EraseValue val;
                r = resolve_value(rc, cur, v, true, &val);
                if (r < 0)
                        return r;
                if (!val.is_field)
                        return rule_fail(rc, "where value=%s: not a member", v);
                out->at = val.path;
                out->size = val.size;
                out->cmp = _ERASE_CMP_MAX;
                for (EraseCompare c = 0; c < _ERASE_CMP_MAX; c++) {
                        const char *x = erase_source_step_get(st, erase_compare_to_string(c));
                        if (!x)
                                continue;
                        if (out->cmp != _ERASE_CMP_MAX)
                                return rule_fail(rc, "where: more than one comparison");
                        out->cmp = c;
                        r = resolve_const(rc, x, &out->value);
                        if (r < 0)
                                return r;
                }
                if (out->cmp == _ERASE_CMP_MAX)
                        return rule_fail(rc, "where value= needs eq=, ne=, lt=, le=, gt= or ge=");
                return 0;
        }
        case ERASE_STEP_ERASE: {
                const char *at = erase_source_step_get(st, "at"), *len = erase_source_step_get(st, "length");
                const char *max = erase_source_step_get(st, "max");
                r = resolve_path(rc, cur, at ?: "", &pi);
                if (r < 0)
                        return r;
                out->at = pi.path;
                out->deref = erase_source_step_has_word(st, "deref");
                if (out->deref && pi.type.id > 0 && !pi.is_ptr)
                        return rule_fail(rc, "erase at=%s deref: not a pointer", at);
                /* What BTF bounds: a fixed-size array or member erased in place. */
                uint64_t bound = UINT64_MAX;
                if (!out->deref && pi.size > 0 && !(pi.is_array && pi.nelems == 0))
                        bound = (uint64_t) pi.size;
                if (!len || streq(len, "sizeof")) {
                        if (bound == UINT64_MAX)
                                return rule_fail(rc, "erase at=%s: size unknown (flexible array or pointer): give length=", at);
                        out->length = (EraseValue) { .constant = bound };
                } else {
                        r = resolve_value(rc, cur, len, false, &out->length);
                        if (r < 0)
                                return r;
                }
                uint64_t m = bound;
                if (max) {
                        r = resolve_const(rc, max, &m);
                        if (r < 0)
                                return r;
                        m = MIN(m, bound);
                } else if (!out->length.is_field)
                        m = MIN(out->length.constant, bound);
                if (m == UINT64_MAX)
                        return rule_fail(rc, "erase at=%s: length %s read at capture time needs max=", at, len);
                if (m == 0 || m > ERASE_LENGTH_MAX)
                        return rule_fail(rc, "erase at=%s: max %" PRIu64 " out of range (1…%u)", at, m, ERASE_LENGTH_MAX);
                out->max = m;
                return 0;
        }
        default:
                return rule_fail(rc, "unknown step");
        }
}

static int resolve_rule(Ctx *c, const EraseSourceRule *src, EraseRule *ret, bool *uses_percpu) {
        RuleCtx rc = { .c = c, .src = src };
        _cleanup_(erase_rule_done) EraseRule rule = {};
        TypeRef cur = {};
        int r = 0;

        rule.name = strdup(src->name);
        if (!rule.name)
                return -ENOMEM;

        STRV_FOREACH(m, src->modules) {
                struct btf *b = module_btf(c, *m);
                if (b && rc.n_btfs < MODULES_MAX)
                        rc.btfs[rc.n_btfs++] = b;
                else if (!b && !rc.missing_module)
                        rc.missing_module = *m;
        }
        rc.btfs[rc.n_btfs++] = c->vmlinux;

        if (src->n_steps == 0 || src->steps[0].kind != ERASE_STEP_ROOT)
                r = rule_fail(&rc, "a rule starts with root");
        for (size_t i = 0; r >= 0 && i < src->n_steps; i++) {
                EraseStep s = {};
                r = resolve_step(&rc, &src->steps[i], &cur, &s, uses_percpu);
                if (r >= 0) {
                        EraseStep *n = reallocarray(rule.steps, rule.n_steps + 1, sizeof(EraseStep));
                        if (!n) {
                                erase_step_done(&s);
                                return -ENOMEM;
                        }
                        rule.steps = n;
                        rule.steps[rule.n_steps++] = s;
                } else
                        erase_step_done(&s);
        }
        if (r == -ENOMEM) {
                free(rc.why);
                return r;
        }
        if (r >= 0) {
                const char *bad = erase_rule_check(&rule, true);
                if (bad)
                        r = rule_fail(&rc, "%s", bad);
        }
        if (r < 0) {
                for (size_t i = 0; i < rule.n_steps; i++)
                        erase_step_done(&rule.steps[i]);
                free(rule.steps);
                rule.steps = NULL;
                rule.n_steps = 0;
                rule.state = rc.for_module ? ERASE_RULE_INACTIVE : ERASE_RULE_UNRESOLVED;
                rule.reason = rc.why;
                rc.why = NULL;
        }
        free(rc.why);
        *ret = rule;
        rule = (EraseRule) {};
        return 0;
}

static void ctx_done(Ctx *c) {
        btf__free(c->vmlinux);
        for (size_t i = 0; i < c->n_mods; i++) {
                free(c->mods[i].name);
                btf__free(c->mods[i].btf);
        }
        for (size_t i = 0; i < c->n_syms; i++) {
                free(c->syms[i].name);
                free(c->syms[i].module);
        }
        free(c->syms);
}

static int message(char **ret_message, int r, const char *format, ...) _printf_(3, 4);
static int message(char **ret_message, int r, const char *format, ...) {
        va_list ap;
        if (ret_message) {
                va_start(ap, format);
                if (vasprintf(ret_message, format, ap) < 0)
                        *ret_message = NULL;
                va_end(ap);
        }
        return r;
}

int erase_resolve(const EraseSource *src, const EraseResolveOptions *o, ErasePlan *ret, char **ret_message) {
        _cleanup_(ctx_done) Ctx c = { .o = o };
        _cleanup_(erase_plan_done) ErasePlan plan = {};
        _cleanup_strv_free_ char **names = NULL;
        bool uses_percpu = false;
        int r;

        _cleanup_free_ char *rel = path_join(o->btf_dir ?: "/sys/kernel/btf", "vmlinux");
        _cleanup_free_ char *vmlinux = rel ? path_join(o->root, rel) : NULL;
        if (!vmlinux)
                return -ENOMEM;
        c.vmlinux = btf__parse(vmlinux, NULL);
        if (!c.vmlinux)
                return message(ret_message, errno > 0 ? -errno : -ENOENT, "Cannot read the kernel's BTF from %s: %s", vmlinux,
                               strerror(errno > 0 ? errno : ENOENT));

        if (strv_extend(&names, "__per_cpu_offset") < 0 || strv_extend(&names, "nr_cpu_ids") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < src->n_rules; i++)
                for (size_t j = 0; j < src->rules[i].n_steps; j++) {
                        const EraseSourceStep *st = &src->rules[i].steps[j];
                        const char *s = erase_source_step_get(st, "symbol");
                        if (s && !strv_contains(names, s) && strv_extend(&names, s) < 0)
                                return -ENOMEM;
                        /* symbol(NAME) in numbers */
                        for (size_t v = 0; st->keys && st->keys[v]; v++)
                                for (const char *p = st->values[v]; p && (p = strstr(p, "symbol(")); p++) {
                                        const char *e = strchr(p + 7, ')');
                                        if (!e)
                                                break;
                                        _cleanup_free_ char *n = strndup(p + 7, (size_t) (e - p - 7));
                                        if (!n)
                                                return -ENOMEM;
                                        if (!strv_contains(names, n) && strv_extend(&names, n) < 0)
                                                return -ENOMEM;
                                }
                }
        r = load_kallsyms(&c, names);
        if (r < 0)
                return message(ret_message, r, "Cannot read %s: %s", o->kallsyms ?: "/proc/kallsyms", strerror(-r));
        if (!c.any_address)
                return message(ret_message, -EPERM, "%s shows no addresses (not root, or kernel.kptr_restrict=2).",
                               o->kallsyms ?: "/proc/kallsyms");

        plan.on_failure = o->on_failure;
        if (!isempty(o->kernel_release)) {
                /* For people reading the plan: made to fit its syntax (printable, no blanks, quotes,
                 * backslashes or '=', at most ERASE_STRING_MAX bytes). */
                plan.kernel_release = strndup(o->kernel_release, ERASE_STRING_MAX);
                if (!plan.kernel_release)
                        return -ENOMEM;
                for (char *x = plan.kernel_release; *x; x++)
                        if ((unsigned char) *x <= 0x20 || (unsigned char) *x >= 0x7f || strchr("\"\\=", *x))
                                *x = '_';
        }

        for (size_t i = 0; i < src->n_rules; i++) {
                EraseRule rule = {};
                if (strv_contains(o->disabled, src->rules[i].name)) {
                        rule.name = strdup(src->rules[i].name);
                        rule.reason = strdup("disabled by configuration");
                        rule.state = ERASE_RULE_DISABLED;
                        if (!rule.name || !rule.reason) {
                                erase_rule_done(&rule);
                                return -ENOMEM;
                        }
                } else {
                        bool percpu = false;
                        r = resolve_rule(&c, &src->rules[i], &rule, &percpu);
                        if (r < 0)
                                return r;
                        if (percpu && rule.state == ERASE_RULE_RESOLVED)
                                uses_percpu = true;
                }
                r = erase_plan_add_rule(&plan, &rule);
                erase_rule_done(&rule);
                if (r < 0)
                        return message(ret_message, r, "Too many erase rules (at most %u).", ERASE_RULES_MAX);
        }

        if (uses_percpu) {
                RuleCtx rc = { .c = &c, .src = &(EraseSourceRule) {} };
                if (find_symbol(&rc, "__per_cpu_offset", NULL, &plan.percpu_offsets) < 0 ||
                    find_symbol(&rc, "nr_cpu_ids", NULL, &plan.nr_cpu_ids) < 0) {
                        /* Every per-CPU rule becomes unresolved. */
                        for (size_t i = 0; i < plan.n_rules; i++) {
                                EraseRule *ru = &plan.rules[i];
                                bool pc = false;
                                for (size_t j = 0; j < ru->n_steps; j++)
                                        pc = pc || ru->steps[j].kind == ERASE_STEP_PERCPU;
                                if (!pc)
                                        continue;
                                for (size_t j = 0; j < ru->n_steps; j++)
                                        erase_step_done(&ru->steps[j]);
                                free(ru->steps);
                                ru->steps = NULL;
                                ru->n_steps = 0;
                                ru->state = ERASE_RULE_UNRESOLVED;
                                free(ru->reason);
                                ru->reason = strdup(rc.why ?: "per-CPU symbols missing");
                        }
                } else
                        plan.have_percpu = true;
                free(rc.why);
        }

        /* Whatever the checks of the plan reader refuse must not be written: re-check by formatting. */
        _cleanup_free_ char *text = NULL;
        size_t n;
        r = erase_plan_format(&plan, &text, &n);
        if (r < 0)
                return message(ret_message, r, "The resolved erase plan is out of bounds.");

        *ret = plan;
        plan = (ErasePlan) {};
        return 0;
}
