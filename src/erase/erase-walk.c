/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erase-walk.h"

/* struct rb_node { unsigned long __rb_parent_color; struct rb_node *rb_right, *rb_left; } and
 * struct list_head { struct list_head *next, *prev; }: unchanged since Linux 2.6 on 64-bit. */
#define RB_RIGHT 8
#define RB_LEFT 16
#define X86_64_PAGE 4096U

typedef struct Walker {
        const ErasePlan *plan;
        const EraseMemory *mem;
        const EraseRule *rule;
        EraseRuleResult *res;
        EraseWalk *w;
        bool counted;               /* the current object was counted in res->objects */
} Walker;

static int fail(Walker *k, int error, const char *format, ...) _printf_(3, 4);
static int fail(Walker *k, int error, const char *format, ...) {
        va_list ap;

        if (k->res->error == 0) {
                va_start(ap, format);
                vsnprintf(k->res->what, sizeof(k->res->what), format, ap);
                va_end(ap);
                k->res->error = error;
        }
        return error;
}

static bool kernel_pointer(uint64_t p) {
        /* The kernel half, and not an ERR_PTR (-MAX_ERRNO … -1). */
        return (p >> 63) && p < UINT64_MAX - 4095;
}

static int read_mem(Walker *k, uint64_t vaddr, void *buf, size_t size, const char *what) {
        int r;

        if (!kernel_pointer(vaddr) || vaddr > UINT64_MAX - size)
                return fail(k, -EADDRNOTAVAIL, "%s: 0x%" PRIx64 " is not a kernel address", what, vaddr);
        r = k->mem->read(k->mem->userdata, vaddr, buf, size);
        if (r < 0)
                return fail(k, r, "%s: cannot read %zu bytes at 0x%" PRIx64 ": %s", what, size, vaddr, strerror(-r));
        return 0;
}

static uint64_t le(const uint8_t *b, unsigned size) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
                v |= (uint64_t) b[i] << (8 * i);
        return v;
}

/* A pointer from memory: 0 and *ret = 0 for NULL, else a checked kernel pointer. */
static int read_ptr(Walker *k, uint64_t vaddr, uint64_t *ret, const char *what) {
        uint8_t b[8];
        int r;

        r = read_mem(k, vaddr, b, 8, what);
        if (r < 0)
                return r;
        uint64_t p = le(b, 8);
        if (p != 0 && !kernel_pointer(p))
                return fail(k, -EADDRNOTAVAIL, "%s: wild pointer 0x%" PRIx64 " at 0x%" PRIx64, what, p, vaddr);
        *ret = p;
        return 0;
}

static int add_offset(Walker *k, uint64_t base, uint64_t off, uint64_t *ret, const char *what) {
        if (base > UINT64_MAX - off)
                return fail(k, -EADDRNOTAVAIL, "%s: address overflow", what);
        *ret = base + off;
        return 0;
}

/* The address a path names, starting at obj. 1 found, 0 a NULL pointer on the way, < 0 error. */
static int locate(Walker *k, uint64_t obj, const ErasePath *p, uint64_t *ret, const char *what) {
        uint64_t a = 0;
        int r;

        r = add_offset(k, obj, p->off[0], &a, what);
        if (r < 0)
                return r;
        for (unsigned i = 1; i < p->n; i++) {
                uint64_t q = 0;
                r = read_ptr(k, a, &q, what);
                if (r < 0)
                        return r;
                if (q == 0)
                        return 0;
                r = add_offset(k, q, p->off[i], &a, what);
                if (r < 0)
                        return r;
        }
        *ret = a;
        return 1;
}

static int read_value(Walker *k, uint64_t obj, const EraseValue *v, uint64_t *ret, const char *what) {
        uint8_t b[8];
        uint64_t a = 0;
        int r;

        if (!v->is_field) {
                *ret = v->constant;
                return 1;
        }
        r = locate(k, obj, &v->path, &a, what);
        if (r <= 0)
                return r;
        r = read_mem(k, a, b, v->size, what);
        if (r < 0)
                return r;
        *ret = le(b, v->size);
        return 1;
}

static int compare_ranges(const void *a, const void *b) {
        const EraseRange *x = a, *y = b;
        if (x->paddr != y->paddr)
                return x->paddr < y->paddr ? -1 : 1;
        return x->size < y->size ? -1 : x->size > y->size;
}

static int add_range(Walker *k, uint64_t paddr, uint64_t size) {
        EraseWalk *w = k->w;

        /* Adjacent to the last one (the common case: one object's bytes): extend it. */
        if (w->n_ranges > 0 && w->ranges[w->n_ranges - 1].paddr + w->ranges[w->n_ranges - 1].size == paddr) {
                w->ranges[w->n_ranges - 1].size += size;
                return 0;
        }
        if (w->n_ranges >= ERASE_RANGES_MAX)
                return fail(k, -E2BIG, "more than %u ranges to erase", ERASE_RANGES_MAX);
        if (w->n_ranges >= w->allocated) {
                size_t n = MAX(w->allocated * 2, (size_t) 64);
                n = MIN(n, (size_t) ERASE_RANGES_MAX);
                EraseRange *p = reallocarray(w->ranges, n, sizeof(EraseRange));
                if (!p)
                        return -ENOMEM;
                w->ranges = p;
                w->allocated = n;
        }
        w->ranges[w->n_ranges++] = (EraseRange) { .paddr = paddr, .size = size };
        return 0;
}

/* Virtual [vaddr, vaddr+size) page by page to physical ranges. */
static int collect(Walker *k, uint64_t vaddr, uint64_t size) {
        int r;

        if (size == 0)
                return 0;
        if (!kernel_pointer(vaddr) || vaddr > UINT64_MAX - size)
                return fail(k, -EADDRNOTAVAIL, "erase: 0x%" PRIx64 " is not a kernel address", vaddr);
        if (!k->counted) {
                k->res->objects++;
                k->counted = true;
        }
        k->res->bytes += size;
        while (size > 0) {
                uint64_t p, n = MIN(size, X86_64_PAGE - (vaddr % X86_64_PAGE));
                r = k->mem->virt_to_phys(k->mem->userdata, vaddr, &p);
                if (r < 0)
                        return fail(k, r, "erase: cannot translate 0x%" PRIx64 ": %s", vaddr, strerror(-r));
                r = add_range(k, p, n);
                if (r < 0)
                        return r;
                vaddr += n;
                size -= n;
        }
        return 0;
}

/* A set of addresses for cycle detection: open addressing, grown up to what max nodes need. */
typedef struct Seen {
        uint64_t *slots;
        size_t n, cap;
} Seen;

static void seen_done(Seen *s) {
        free(s->slots);
        *s = (Seen) {};
}

static uint64_t hash64(uint64_t x) {
        x ^= x >> 33;
        x *= UINT64_C(0xff51afd7ed558ccd);
        x ^= x >> 33;
        return x;
}

/* 1 added, 0 already there, -ENOMEM. Addresses are never 0 here. */
static int seen_add(Seen *s, uint64_t a) {
        if ((s->n + 1) * 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                uint64_t *slots = calloc(cap, sizeof(uint64_t));
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < s->cap; i++)
                        if (s->slots[i]) {
                                size_t j = hash64(s->slots[i]) & (cap - 1);
                                while (slots[j])
                                        j = (j + 1) & (cap - 1);
                                slots[j] = s->slots[i];
                        }
                free(s->slots);
                s->slots = slots;
                s->cap = cap;
        }
        size_t j = hash64(a) & (s->cap - 1);
        while (s->slots[j]) {
                if (s->slots[j] == a)
                        return 0;
                j = (j + 1) & (s->cap - 1);
        }
        s->slots[j] = a;
        s->n++;
        return 1;
}

static int run(Walker *k, size_t i, uint64_t obj);

static int visit(Walker *k, size_t next, uint64_t obj, uint64_t *count, uint64_t max, const char *what) {
        if (++*count > max)
                return fail(k, -E2BIG, "%s: more than %" PRIu64 " objects", what, max);
        k->res->visited++;
        bool saved = k->counted;
        k->counted = false;
        int r = run(k, next, obj);
        k->counted = saved;
        return r;
}

static int node_pointer(Walker *k, uint64_t p, const char *what) {
        if (p % 8 != 0)
                return fail(k, -EADDRNOTAVAIL, "%s: misaligned node pointer 0x%" PRIx64, what, p);
        return 0;
}

static int walk_rbtree(Walker *k, size_t i, uint64_t root) {
        const EraseStep *s = &k->rule->steps[i];
        _cleanup_(seen_done) Seen seen = {};
        uint64_t stack[ERASE_RBTREE_DEPTH_MAX], node, count = 0;
        size_t depth = 0;
        int r;

        r = read_ptr(k, root, &node, "rbtree root");
        if (r < 0)
                return r;
        for (;;) {
                /* Down the left spine. */
                while (node) {
                        r = node_pointer(k, node, "rbtree");
                        if (r < 0)
                                return r;
                        r = seen_add(&seen, node);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                return fail(k, -ELOOP, "rbtree: node 0x%" PRIx64 " reached twice (a cycle)", node);
                        if (depth >= ERASE_RBTREE_DEPTH_MAX)
                                return fail(k, -ELOOP, "rbtree: deeper than %u", ERASE_RBTREE_DEPTH_MAX);
                        stack[depth++] = node;
                        r = read_ptr(k, node + RB_LEFT, &node, "rbtree left");
                        if (r < 0)
                                return r;
                }
                if (depth == 0)
                        return 0;
                node = stack[--depth];
                if (node < s->node)
                        return fail(k, -EADDRNOTAVAIL, "rbtree: node 0x%" PRIx64 " below its offset", node);
                r = visit(k, i + 1, node - s->node, &count, s->max, "rbtree");
                if (r < 0)
                        return r;
                r = read_ptr(k, node + RB_RIGHT, &node, "rbtree right");
                if (r < 0)
                        return r;
        }
}

static int walk_list(Walker *k, size_t i, uint64_t head) {
        const EraseStep *s = &k->rule->steps[i];
        _cleanup_(seen_done) Seen seen = {};
        uint64_t pos, count = 0;
        int r;

        r = read_ptr(k, head, &pos, "list head");
        if (r < 0)
                return r;
        while (pos != head) {
                if (pos == 0)
                        return fail(k, -EADDRNOTAVAIL, "list: NULL next pointer");
                r = node_pointer(k, pos, "list");
                if (r < 0)
                        return r;
                r = seen_add(&seen, pos);
                if (r < 0)
                        return r;
                if (r == 0)
                        return fail(k, -ELOOP, "list: entry 0x%" PRIx64 " reached twice (a cycle)", pos);
                if (pos < s->node)
                        return fail(k, -EADDRNOTAVAIL, "list: entry 0x%" PRIx64 " below its offset", pos);
                r = visit(k, i + 1, pos - s->node, &count, s->max, "list");
                if (r < 0)
                        return r;
                r = read_ptr(k, pos, &pos, "list next");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int walk_array(Walker *k, size_t i, uint64_t obj) {
        const EraseStep *s = &k->rule->steps[i];
        uint64_t base = 0, n = 0, count = 0;
        int r;

        r = locate(k, obj, &s->at, &base, "array");
        if (r <= 0)
                return r;
        if (s->deref) {
                r = read_ptr(k, base, &base, "array base");
                if (r < 0)
                        return r;
                if (base == 0)
                        return 0;
        }
        r = read_value(k, obj, &s->count, &n, "array count");
        if (r <= 0)
                return r;
        if (n > s->max)
                return fail(k, -E2BIG, "array: %" PRIu64 " elements, more than %" PRIu64, n, s->max);
        for (uint64_t e = 0; e < n; e++) {
                uint64_t a;
                /* n ≤ 2^18, stride ≤ 2^20: no overflow of the product. */
                a = 0;
                r = add_offset(k, base, e * s->stride, &a, "array");
                if (r < 0)
                        return r;
                r = visit(k, i + 1, a, &count, s->max, "array");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int walk_percpu(Walker *k, size_t i, uint64_t obj) {
        uint8_t b[4];
        uint64_t count = 0;
        int r;

        r = read_mem(k, k->plan->nr_cpu_ids, b, 4, "nr_cpu_ids");
        if (r < 0)
                return r;
        uint64_t n = le(b, 4);
        if (n == 0 || n > ERASE_CPUS_MAX)
                return fail(k, -EBADMSG, "nr_cpu_ids %" PRIu64 " out of range", n);
        for (uint64_t cpu = 0; cpu < n; cpu++) {
                uint8_t o[8];
                r = read_mem(k, k->plan->percpu_offsets + cpu * 8, o, 8, "__per_cpu_offset");
                if (r < 0)
                        return r;
                uint64_t a = obj + le(o, 8); /* wraps as the kernel's per_cpu_ptr() does */
                r = visit(k, i + 1, a, &count, ERASE_CPUS_MAX, "percpu");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int where_string(Walker *k, const EraseStep *s, uint64_t obj) {
        char buf[ERASE_STRING_MAX + 1];
        uint64_t a = 0, str = 0;
        size_t l = strlen(s->string), n = s->prefix ? l : l + 1;
        int r;

        r = locate(k, obj, &s->at, &a, "where string");
        if (r <= 0)
                return r;
        if (s->inline_string)
                str = a;
        else {
                r = read_ptr(k, a, &str, "where string");
                if (r < 0 || str == 0)
                        return r;
        }
        /* The text (and its NUL unless a prefix is asked for), no more: a string may end right
         * before unmapped memory. */
        r = read_mem(k, str, buf, n, "where string");
        if (r < 0)
                return r;
        return memcmp(buf, s->string, l) == 0 && (s->prefix || buf[l] == 0);
}

static int where_value(Walker *k, const EraseStep *s, uint64_t obj) {
        EraseValue v = { .is_field = true, .path = s->at, .size = s->size };
        uint64_t x;
        int r;

        r = read_value(k, obj, &v, &x, "where value");
        if (r <= 0)
                return r;
        switch (s->cmp) {
        case ERASE_CMP_EQ: return x == s->value;
        case ERASE_CMP_NE: return x != s->value;
        case ERASE_CMP_LT: return x < s->value;
        case ERASE_CMP_LE: return x <= s->value;
        case ERASE_CMP_GT: return x > s->value;
        case ERASE_CMP_GE: return x >= s->value;
        default: return 0;
        }
}

static int do_erase(Walker *k, const EraseStep *s, uint64_t obj) {
        uint64_t a = 0, len = 0;
        int r;

        r = locate(k, obj, &s->at, &a, "erase");
        if (r <= 0)
                return r;
        if (s->deref) {
                r = read_ptr(k, a, &a, "erase");
                if (r < 0 || a == 0)
                        return r;
        }
        r = read_value(k, obj, &s->length, &len, "erase length");
        if (r <= 0)
                return r;
        if (len > s->max) {
                k->res->clamped++;
                len = s->max;
        }
        return collect(k, a, len);
}

static int run(Walker *k, size_t i, uint64_t obj) {
        int r;

        for (; i < k->rule->n_steps; i++) {
                const EraseStep *s = &k->rule->steps[i];
                switch (s->kind) {
                case ERASE_STEP_ROOT:
                        obj = s->addr;
                        break;
                case ERASE_STEP_PERCPU:
                        return walk_percpu(k, i, obj);
                case ERASE_STEP_RBTREE:
                        return walk_rbtree(k, i, obj);
                case ERASE_STEP_LIST:
                        return walk_list(k, i, obj);
                case ERASE_STEP_ARRAY:
                        return walk_array(k, i, obj);
                case ERASE_STEP_FOLLOW: {
                        uint64_t a = 0;
                        r = locate(k, obj, &s->at, &a, "follow");
                        if (r <= 0)
                                return r;
                        r = read_ptr(k, a, &obj, "follow");
                        if (r < 0 || obj == 0)
                                return r;
                        break;
                }
                case ERASE_STEP_WHERE_STRING:
                        r = where_string(k, s, obj);
                        if (r <= 0)
                                return r;
                        break;
                case ERASE_STEP_WHERE_VALUE:
                        r = where_value(k, s, obj);
                        if (r <= 0)
                                return r;
                        break;
                case ERASE_STEP_ERASE:
                        r = do_erase(k, s, obj);
                        if (r < 0)
                                return r;
                        break;
                default:
                        return fail(k, -EINVAL, "unknown step");
                }
        }
        return 0;
}

void erase_walk_done(EraseWalk *w) {
        free(w->results);
        free(w->ranges);
        *w = (EraseWalk) {};
}

int erase_walk(const ErasePlan *plan, const EraseMemory *mem, EraseWalk *ret) {
        _cleanup_(erase_walk_done) EraseWalk w = {};
        int r;

        w.results = calloc(MAX(plan->n_rules, (size_t) 1), sizeof(EraseRuleResult));
        if (!w.results)
                return -ENOMEM;
        w.n_results = plan->n_rules;

        for (size_t i = 0; i < plan->n_rules; i++) {
                const EraseRule *rule = &plan->rules[i];
                if (rule->state != ERASE_RULE_RESOLVED)
                        continue;
                Walker k = { .plan = plan, .mem = mem, .rule = rule, .res = &w.results[i], .w = &w };
                r = run(&k, 0, 0);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (w.results[i].error == 0)
                                (void) fail(&k, r, "%s", strerror(-r));
                        w.n_failed++;
                }
        }

        /* Sort and merge overlaps. */
        if (w.n_ranges > 0) {
                qsort(w.ranges, w.n_ranges, sizeof(EraseRange), compare_ranges);
                size_t o = 0;
                for (size_t i = 1; i < w.n_ranges; i++) {
                        EraseRange *last = &w.ranges[o];
                        if (w.ranges[i].paddr <= last->paddr + last->size) {
                                uint64_t end = MAX(last->paddr + last->size, w.ranges[i].paddr + w.ranges[i].size);
                                last->size = end - last->paddr;
                        } else
                                w.ranges[++o] = w.ranges[i];
                }
                w.n_ranges = o + 1;
        }

        r = w.n_failed > 0 ? -EIO : 0;
        *ret = w;
        w = (EraseWalk) {};
        return r;
}
