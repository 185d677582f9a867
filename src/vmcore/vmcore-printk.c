/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>

#include "vmcore-kernel.h"
#include "vmcore-source.h"

/* The state lives in the two top bits of a descriptor's state_var; the rest is the id
 * (kernel/printk/printk_ringbuffer.h, 64-bit). */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_FLAGS_SHIFT))
#define DATA_ID_SIZE 8                  /* struct prb_data_block starts with an unsigned long id */
#define WINDOW_ENTRIES 256U             /* descriptors and infos read in batches of this many */

_printf_(2, 3)
static void set_error(VmcoreKernelError *e, const char *fmt, ...) {
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(e->what, sizeof(e->what), fmt, ap);
        va_end(ap);
}

static int mem_read(const VmcoreMemory *mem, uint64_t vaddr, void *buf, size_t size) {
        return mem->read(mem->userdata, vaddr, buf, size);
}

/* A member that must lie inside a structure of the given size. */
static int get_member(const VmcoreInfo *info, const char *member, uint64_t field_size, uint64_t struct_size,
                      bool optional, uint64_t *ret, VmcoreKernelError *reterr) {
        uint64_t off;
        int r;

        r = vmcoreinfo_offset(info, member, &off);
        if (r == -ENOENT && optional)
                return 0;
        if (r == -ENOENT) {
                set_error(reterr, "VMCOREINFO has no OFFSET(%s)", member);
                return r;
        }
        if (r < 0) {
                char key[VMCOREINFO_KEY_MAX + 1];
                (void) snprintf(key, sizeof(key), "OFFSET(%s)", member);
                set_error(reterr, "VMCOREINFO has an invalid %s=%.32s", key, vmcoreinfo_get(info, key) ?: "");
                return r;
        }
        if (off > struct_size || field_size > struct_size - off) {
                set_error(reterr, "VMCOREINFO OFFSET(%s)=%" PRIu64 " lies outside its structure (%" PRIu64 " bytes)",
                          member, off, struct_size);
                return -EBADMSG;
        }
        *ret = off;
        return 1;
}

static int get_struct_size(const VmcoreInfo *info, const char *type, uint64_t *ret, VmcoreKernelError *reterr) {
        uint64_t v;
        int r;

        r = vmcoreinfo_size(info, type, &v);
        if (r == -ENOENT) {
                set_error(reterr, "VMCOREINFO has no SIZE(%s)", type);
                return r;
        }
        if (r < 0 || v == 0 || v > PRINTK_STRUCT_SIZE_MAX) {
                char key[VMCOREINFO_KEY_MAX + 1];
                (void) snprintf(key, sizeof(key), "SIZE(%s)", type);
                set_error(reterr, "VMCOREINFO has an invalid %s=%.32s", key, vmcoreinfo_get(info, key) ?: "");
                return -EBADMSG;
        }
        *ret = v;
        return 0;
}

/* Everything the walk needs, taken from VMCOREINFO and the ring structure itself. */
typedef struct Ring {
        uint64_t desc_size, info_size;
        uint64_t desc_state_var;        /* state_var + atomic_long_t.counter */
        uint64_t desc_begin, desc_next; /* text_blk_lpos + begin/next */
        uint64_t info_seq, info_ts, info_text_len, info_caller_id;
        bool has_seq, has_caller_id;

        uint64_t count;                 /* descriptors */
        uint64_t descs, infos;          /* kernel addresses of the arrays */
        uint64_t head_id, tail_id;
        uint64_t data_size;             /* bytes in the text data ring */
        uint64_t data;                  /* its kernel address */

        /* Batches of descriptors and infos, [base, base + n) in ring indices. */
        uint8_t *desc_win, *info_win;
        uint64_t desc_base, desc_n, info_base, info_n;
        char *text;                     /* one record's text */
} Ring;

static void ring_done(Ring *r) {
        free(r->desc_win);
        free(r->info_win);
        free(r->text);
}

/* Sizes and member offsets of the ring structures, from VMCOREINFO. */
typedef struct RingLayout {
        uint64_t prb_size, desc_ring_size, data_ring_size, blk_lpos_size, atomic_size;
        uint64_t o_desc_ring, o_text_ring, o_count_bits, o_descs, o_infos, o_head_id, o_tail_id;
        uint64_t o_size_bits, o_data, o_counter, o_state_var, o_text_blk, o_begin, o_next;
} RingLayout;

static int ring_layout_sizes(RingLayout *l, Ring *ring, const VmcoreInfo *info, VmcoreKernelError *reterr) {
        int r;

        l->atomic_size = 8;
        if ((r = get_struct_size(info, "printk_ringbuffer", &l->prb_size, reterr)) < 0 ||
            (r = get_struct_size(info, "prb_desc_ring", &l->desc_ring_size, reterr)) < 0 ||
            (r = get_struct_size(info, "prb_data_ring", &l->data_ring_size, reterr)) < 0 ||
            (r = get_struct_size(info, "prb_desc", &ring->desc_size, reterr)) < 0 ||
            (r = get_struct_size(info, "prb_data_blk_lpos", &l->blk_lpos_size, reterr)) < 0 ||
            (r = get_struct_size(info, "printk_info", &ring->info_size, reterr)) < 0)
                return r;
        /* atomic_long_t is a long in a struct; older VMCOREINFO may lack its entries. */
        if (vmcoreinfo_get(info, "SIZE(atomic_long_t)") &&
            (r = get_struct_size(info, "atomic_long_t", &l->atomic_size, reterr)) < 0)
                return r;
        l->o_counter = 0;
        if (l->atomic_size < 8 ||
            (r = get_member(info, "atomic_long_t.counter", 8, l->atomic_size, true, &l->o_counter, reterr)) < 0)
                return r < 0 ? r : -EBADMSG;
        return 0;
}

static int ring_layout_members(RingLayout *l, Ring *ring, const VmcoreInfo *info, VmcoreKernelError *reterr) {
        uint64_t as = l->atomic_size, drs = l->desc_ring_size, dts = l->data_ring_size;
        int r;

        if ((r = get_member(info, "printk_ringbuffer.desc_ring", drs, l->prb_size, false, &l->o_desc_ring, reterr)) < 0 ||
            (r = get_member(info, "printk_ringbuffer.text_data_ring", dts, l->prb_size, false, &l->o_text_ring, reterr)) < 0 ||
            (r = get_member(info, "prb_desc_ring.count_bits", 4, drs, false, &l->o_count_bits, reterr)) < 0 ||
            (r = get_member(info, "prb_desc_ring.descs", 8, drs, false, &l->o_descs, reterr)) < 0 ||
            (r = get_member(info, "prb_desc_ring.infos", 8, drs, false, &l->o_infos, reterr)) < 0 ||
            (r = get_member(info, "prb_desc_ring.head_id", as, drs, false, &l->o_head_id, reterr)) < 0 ||
            (r = get_member(info, "prb_desc_ring.tail_id", as, drs, false, &l->o_tail_id, reterr)) < 0 ||
            (r = get_member(info, "prb_data_ring.size_bits", 4, dts, false, &l->o_size_bits, reterr)) < 0 ||
            (r = get_member(info, "prb_data_ring.data", 8, dts, false, &l->o_data, reterr)) < 0 ||
            (r = get_member(info, "prb_desc.state_var", as, ring->desc_size, false, &l->o_state_var, reterr)) < 0 ||
            (r = get_member(info, "prb_desc.text_blk_lpos", l->blk_lpos_size, ring->desc_size, false, &l->o_text_blk, reterr)) < 0 ||
            (r = get_member(info, "prb_data_blk_lpos.begin", 8, l->blk_lpos_size, false, &l->o_begin, reterr)) < 0 ||
            (r = get_member(info, "prb_data_blk_lpos.next", 8, l->blk_lpos_size, false, &l->o_next, reterr)) < 0 ||
            (r = get_member(info, "printk_info.text_len", 2, ring->info_size, false, &ring->info_text_len, reterr)) < 0)
                return r;

        ring->desc_state_var = l->o_state_var + l->o_counter;
        ring->desc_begin = l->o_text_blk + l->o_begin;
        ring->desc_next = l->o_text_blk + l->o_next;
        return 0;
}

/* The members of printk_info besides text_len: the timestamp, and the optional seq and caller_id. */
static int ring_info_members(Ring *ring, const VmcoreInfo *info, VmcoreKernelError *reterr) {
        int r;

        /* The timestamp: ts_nsec; kernels that keep several clocks have a struct ts whose mono
         * member is the same clock. */
        r = get_member(info, "printk_info.ts_nsec", 8, ring->info_size, true, &ring->info_ts, reterr);
        if (r < 0)
                return r;
        if (r == 0) {
                uint64_t o_ts, o_mono;
                if ((r = get_member(info, "printk_info.ts", 8, ring->info_size, false, &o_ts, reterr)) < 0)
                        return r;
                r = get_member(info, "ktime_timestamps.mono", 8, ring->info_size - o_ts, true, &o_mono, reterr);
                if (r < 0)
                        return r;
                if (r == 0) {
                        set_error(reterr, "VMCOREINFO has no OFFSET(printk_info.ts_nsec)");
                        return -ENOENT;
                }
                ring->info_ts = o_ts + o_mono;
        }
        r = get_member(info, "printk_info.seq", 8, ring->info_size, true, &ring->info_seq, reterr);
        if (r < 0)
                return r;
        ring->has_seq = r > 0;
        r = get_member(info, "printk_info.caller_id", 4, ring->info_size, true, &ring->info_caller_id, reterr);
        if (r < 0)
                return r;
        ring->has_caller_id = r > 0;
        return 0;
}

/* The ring structure itself: prb is a pointer to it (printk_rb_static, or printk_rb_dynamic when
 * log_buf_len= enlarged the buffer). */
static int ring_read_struct(Ring *ring, const RingLayout *l, const VmcoreMemory *mem, uint64_t prb_ptr,
                            VmcoreKernelError *reterr) {
        uint8_t buf[PRINTK_STRUCT_SIZE_MAX], p[8];
        uint64_t prb;
        int r;

        r = mem_read(mem, prb_ptr, p, sizeof(p));
        if (r < 0) {
                set_error(reterr, "cannot read prb at 0x%" PRIx64, prb_ptr);
                return r;
        }
        prb = vmcore_le64(p);
        r = mem_read(mem, prb, buf, l->prb_size);
        if (r < 0) {
                set_error(reterr, "cannot read the printk ring buffer at 0x%" PRIx64, prb);
                return r;
        }

        const uint8_t *dr = buf + l->o_desc_ring, *tr = buf + l->o_text_ring;
        uint32_t count_bits = vmcore_le32(dr + l->o_count_bits), size_bits = vmcore_le32(tr + l->o_size_bits);
        if (count_bits > PRINTK_COUNT_BITS_MAX) {
                set_error(reterr, "descriptor ring count_bits %" PRIu32 " out of range", count_bits);
                return -EBADMSG;
        }
        if (size_bits > PRINTK_SIZE_BITS_MAX || size_bits < 4) {
                set_error(reterr, "text data ring size_bits %" PRIu32 " out of range", size_bits);
                return -EBADMSG;
        }
        ring->count = UINT64_C(1) << count_bits;
        ring->data_size = UINT64_C(1) << size_bits;
        ring->descs = vmcore_le64(dr + l->o_descs);
        ring->infos = vmcore_le64(dr + l->o_infos);
        ring->head_id = vmcore_le64(dr + l->o_head_id + l->o_counter) & DESC_ID_MASK;
        ring->tail_id = vmcore_le64(dr + l->o_tail_id + l->o_counter) & DESC_ID_MASK;
        ring->data = vmcore_le64(tr + l->o_data);

        /* Tail to head can span at most the whole ring: anything else is not a ring. */
        if (((ring->head_id - ring->tail_id) & DESC_ID_MASK) >= ring->count) {
                set_error(reterr, "descriptor ring head id 0x%" PRIx64 " and tail id 0x%" PRIx64 " are more than %" PRIu64 " apart",
                          ring->head_id, ring->tail_id, ring->count);
                return -EBADMSG;
        }
        /* The arrays must not wrap around the address space. */
        if (ring->descs > UINT64_MAX - ring->count * ring->desc_size ||
            ring->infos > UINT64_MAX - ring->count * ring->info_size ||
            ring->data > UINT64_MAX - ring->data_size) {
                set_error(reterr, "printk ring arrays wrap around the address space");
                return -EBADMSG;
        }
        return 0;
}

static int ring_setup(Ring *ring, const VmcoreInfo *info, const VmcoreMemory *mem, VmcoreKernelError *reterr) {
        RingLayout l = {};
        uint64_t prb_ptr;
        int r;

        r = vmcoreinfo_symbol(info, "prb", &prb_ptr);
        if (r == -ENOENT) {
                if (vmcoreinfo_get(info, "SYMBOL(log_buf)")) {
                        set_error(reterr, "the kernel uses the printk log buffer of Linux before 5.10, which is not supported");
                        return -EPROTONOSUPPORT;
                }
                set_error(reterr, "VMCOREINFO has no SYMBOL(prb)");
                return r;
        }
        if (r < 0) {
                set_error(reterr, "VMCOREINFO has an invalid SYMBOL(prb)");
                return r;
        }

        r = ring_layout_sizes(&l, ring, info, reterr);
        if (r < 0)
                return r;
        r = ring_layout_members(&l, ring, info, reterr);
        if (r < 0)
                return r;
        r = ring_info_members(ring, info, reterr);
        if (r < 0)
                return r;
        r = ring_read_struct(ring, &l, mem, prb_ptr, reterr);
        if (r < 0)
                return r;

        ring->desc_win = malloc(WINDOW_ENTRIES * ring->desc_size);
        ring->info_win = malloc(WINDOW_ENTRIES * ring->info_size);
        ring->text = malloc(UINT16_MAX);
        if (!ring->desc_win || !ring->info_win || !ring->text)
                return -ENOMEM;
        return 0;
}

/* The entry at index from an array read in windows of WINDOW_ENTRIES. */
static int window_get(const VmcoreMemory *mem, uint64_t array, uint64_t count, uint64_t entry_size,
                      uint8_t *win, uint64_t *base, uint64_t *n, uint64_t index, const uint8_t **ret,
                      const char *what, VmcoreKernelError *reterr) {
        int r;

        if (index < *base || index >= *base + *n) {
                uint64_t k = MIN((uint64_t) WINDOW_ENTRIES, count - index);
                *n = 0;
                r = mem_read(mem, array + index * entry_size, win, k * entry_size);
                if (r < 0) {
                        set_error(reterr, "cannot read %s at 0x%" PRIx64, what, array + index * entry_size);
                        return r;
                }
                *base = index;
                *n = k;
        }
        *ret = win + (index - *base) * entry_size;
        return 0;
}

int printk_ring_foreach(const VmcoreInfo *info, const VmcoreMemory *mem,
                        int (*f)(const PrintkRecord *r, void *userdata), void *userdata,
                        VmcoreKernelError *reterr) {
        _cleanup_(ring_done) Ring ring = {};
        int r;

        r = ring_setup(&ring, info, mem, reterr);
        if (r < 0)
                return r;

        /* At most count ids, the head included: checked in ring_setup(). */
        for (uint64_t id = ring.tail_id;; id = (id + 1) & DESC_ID_MASK) {
                const uint8_t *desc, *inf;
                uint64_t index = id & (ring.count - 1);

                r = window_get(mem, ring.descs, ring.count, ring.desc_size, ring.desc_win, &ring.desc_base,
                               &ring.desc_n, index, &desc, "prb_desc_ring.descs", reterr);
                if (r < 0)
                        return r;

                uint64_t sv = vmcore_le64(desc + ring.desc_state_var);
                PrintkDescState state = (PrintkDescState) (sv >> DESC_FLAGS_SHIFT);
                if ((sv & DESC_ID_MASK) != id ||
                    (state != PRINTK_DESC_COMMITTED && state != PRINTK_DESC_FINALIZED))
                        goto next;

                /* Data-less blocks have begin == next; a wrapping block keeps its text at the start of
                 * the ring. Positions are taken modulo the ring size, as makedumpfile does. */
                uint64_t begin = vmcore_le64(desc + ring.desc_begin) & (ring.data_size - 1);
                uint64_t next = vmcore_le64(desc + ring.desc_next) & (ring.data_size - 1);
                if (begin == next)
                        goto next;
                if (begin > next)
                        begin = 0;
                begin += DATA_ID_SIZE;
                if (begin > next)
                        goto next; /* too small to hold its id: corrupt */

                r = window_get(mem, ring.infos, ring.count, ring.info_size, ring.info_win, &ring.info_base,
                               &ring.info_n, index, &inf, "prb_desc_ring.infos", reterr);
                if (r < 0)
                        return r;

                size_t text_len = MIN((uint64_t) vmcore_le16(inf + ring.info_text_len), next - begin);
                r = mem_read(mem, ring.data + begin, ring.text, text_len);
                if (r < 0) {
                        set_error(reterr, "cannot read the text of record id 0x%" PRIx64 " at 0x%" PRIx64, id, ring.data + begin);
                        return r;
                }

                PrintkRecord rec = {
                        .id = id,
                        .state = state,
                        .seq = ring.has_seq ? vmcore_le64(inf + ring.info_seq) : 0,
                        .ts_nsec = vmcore_le64(inf + ring.info_ts),
                        .has_caller_id = ring.has_caller_id,
                        .caller_id = ring.has_caller_id ? vmcore_le32(inf + ring.info_caller_id) : 0,
                        .text = ring.text,
                        .text_len = text_len,
                };
                r = f(&rec, userdata);
                if (r < 0)
                        return r;
        next:
                if (id == ring.head_id)
                        break;
        }
        return 0;
}

int printk_record_format(const PrintkRecord *r, unsigned flags, Buffer *out) {
        char prefix[64];
        int k, n;

        k = snprintf(prefix, sizeof(prefix), "[%5" PRIu64 ".%06" PRIu64 "] ",
                     r->ts_nsec / 1000000000, r->ts_nsec % 1000000000 / 1000);
        if ((flags & PRINTK_FORMAT_CALLER_ID) && r->has_caller_id) {
                char id[16];
                (void) snprintf(id, sizeof(id), "%c%" PRIu32, (r->caller_id & 0x80000000U) ? 'C' : 'T',
                                r->caller_id & ~0x80000000U);
                k += snprintf(prefix + k, sizeof(prefix) - k, "[%8s] ", id);
        }
        if (buffer_append(out, prefix, k) < 0)
                return -ENOMEM;

        for (size_t i = 0; i < r->text_len; i++) {
                unsigned char c = r->text[i];
                char esc[16];

                if (c == '\n') {
                        if (buffer_append(out, "\n", 1) < 0 || buffer_append(out, NULL, k) < 0)
                                return -ENOMEM;
                        memset(out->data + out->size - k, ' ', k);
                        continue;
                }
                /* isprint() || isspace() in the C locale. */
                if ((c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r')) {
                        if (buffer_append(out, &c, 1) < 0)
                                return -ENOMEM;
                        continue;
                }
                if ((flags & PRINTK_FORMAT_SIGN_EXTEND_ESCAPES) && c >= 0x80)
                        n = snprintf(esc, sizeof(esc), "\\x%02x", (unsigned) (int) (signed char) c);
                else
                        n = snprintf(esc, sizeof(esc), "\\x%02x", (unsigned) c);
                if (buffer_append(out, esc, n) < 0)
                        return -ENOMEM;
        }
        return buffer_append(out, "\n", 1) < 0 ? -ENOMEM : 0;
}

typedef struct FormatContext {
        unsigned flags;
        Buffer *out;
} FormatContext;

static int format_one(const PrintkRecord *r, void *userdata) {
        FormatContext *c = userdata;
        return printk_record_format(r, c->flags, c->out);
}

int printk_dmesg(const VmcoreInfo *info, const VmcoreMemory *mem, unsigned flags, Buffer *out,
                 VmcoreKernelError *reterr) {
        FormatContext c = { .flags = flags, .out = out };
        return printk_ring_foreach(info, mem, format_one, &c, reterr);
}
