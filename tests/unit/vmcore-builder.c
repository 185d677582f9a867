/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#if HAVE_LZO
#include <lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif
#if HAVE_ZLIB
#include <zlib.h>
#endif
#if HAVE_ZSTD
#include <zstd.h>
#endif

#include "vmcore-builder.h"
#include "vmcore-kdump.h"

#define PAGE UINT64_C(4096)
#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define IMG_VADDR UINT64_C(0xffffffff81000000)
#define IMG_PADDR (m->range[R_IMG].paddr)        /* default: a relocated kernel, phys_base 0x3e000000 */
#define PHYS_BASE (IMG_PADDR - (IMG_VADDR - START_KERNEL_MAP))
#define PAGE_OFFSET_L4 UINT64_C(0xffff888000000000)
#define PAGE_OFFSET_L5 UINT64_C(0xff11000000000000)
#define VMALLOC_L4 UINT64_C(0xffffc90000000000)
#define VMALLOC_L5 UINT64_C(0xffa0000000000000)
#define SME_BIT (UINT64_C(1) << 47)
#define NX_BIT (UINT64_C(1) << 63)
#define DESC_ID_MASK (~(UINT64_C(3) << 62))

/* Image offsets of the symbols. */
#define IMG_TOP_PGT 0x0000
#define IMG_PRB 0x1000
#define IMG_RB_STATIC 0x1040
#define IMG_CLEAR_SEQ 0x1300
#define IMG_UTS_NS 0x1400
#define IMG_ARRAYS 0x4000

enum { R_IMG, R_DM, R_PT, R_VM, R_ZERO, R_MAX };

typedef struct Range {
        uint64_t paddr, size;
} Range;

static const Range range_default[R_MAX] = {
        [R_IMG] = { 0x3f000000, 1 * MiB },
        [R_DM] = { 0x20000000, 1 * MiB },
        [R_PT] = { 0x30000000, 128 * KiB },
        [R_VM] = { 0x28000000, 512 * KiB },
        [R_ZERO] = { 0x10000000, 64 * KiB }, /* RAM that is all zeros (ELF: p_filesz 0) */
};

/* Everything below 17 MiB, the kernel at 16 MiB (phys_base 0): small bitmaps for fuzz seeds. */
static const Range range_compact[R_MAX] = {
        [R_IMG] = { 0x1000000, 64 * KiB },
        [R_DM] = { 0x200000, 64 * KiB },
        [R_PT] = { 0x600000, 64 * KiB },
        [R_VM] = { 0x800000, 16 * KiB },
        [R_ZERO] = { 0x100000, 16 * KiB },
};

const TestLayout test_layout_linux = {
        .prb_size = 88, .prb_desc_ring = 0, .prb_text_data_ring = 48, .prb_fail = 80,
        .dr_size = 48, .dr_count_bits = 0, .dr_descs = 8, .dr_infos = 16, .dr_head_id = 24, .dr_tail_id = 32,
        .tr_size = 32, .tr_size_bits = 0, .tr_data = 8, .tr_head_lpos = 16, .tr_tail_lpos = 24,
        .desc_size = 24, .desc_state_var = 0, .desc_text_blk_lpos = 8,
        .lpos_size = 16, .lpos_begin = 0, .lpos_next = 8,
        .info_size = 88, .info_seq = 0, .info_ts_nsec = 8, .info_text_len = 16, .info_caller_id = 20, .info_dev_info = 24,
        .uts_name = 0,
};

const TestLayout test_layout_shuffled = {
        .prb_size = 136, .prb_desc_ring = 64, .prb_text_data_ring = 8, .prb_fail = 0,
        .dr_size = 64, .dr_count_bits = 44, .dr_descs = 24, .dr_infos = 0, .dr_head_id = 32, .dr_tail_id = 8,
        .tr_size = 48, .tr_size_bits = 40, .tr_data = 16, .tr_head_lpos = 0, .tr_tail_lpos = 24,
        .desc_size = 40, .desc_state_var = 24, .desc_text_blk_lpos = 0,
        .lpos_size = 24, .lpos_begin = 16, .lpos_next = 0,
        .info_size = 120, .info_seq = 64, .info_ts_nsec = 72, .info_text_len = 100, .info_caller_id = 80, .info_dev_info = 0,
        .uts_name = 16,
};

struct TestMachine {
        TestMachineOptions o;
        Range range[R_MAX];
        TestLayout L;
        uint8_t *mem[R_MAX];
        uint64_t dm_next, pt_next;
        uint64_t page_offset, vmalloc;

        uint64_t count, dsize;
        uint64_t descs, infos, data;     /* kernel virtual addresses */
        uint64_t head_id, tail_id, head_lpos, tail_lpos, seq;

        char **vmcoreinfo;
        char *vmcoreinfo_text;
        uint64_t excluded[16];
        size_t n_excluded;
};

TestMachine *test_machine_free(TestMachine *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < R_MAX; i++)
                free(m->mem[i]);
        strv_free(m->vmcoreinfo);
        free(m->vmcoreinfo_text);
        free(m);
        return NULL;
}

static uint8_t *phys(TestMachine *m, uint64_t paddr, size_t size) {
        for (size_t i = 0; i < R_MAX; i++)
                if (paddr >= m->range[i].paddr && paddr + size <= m->range[i].paddr + m->range[i].size)
                        return m->mem[i] + (paddr - m->range[i].paddr);
        return NULL;
}

/* The physical address of a virtual one, by the machine's own bookkeeping (not its page tables). */
static bool virt_to_phys(const TestMachine *m, uint64_t vaddr, uint64_t *ret) {
        if (vaddr >= IMG_VADDR && vaddr - IMG_VADDR < m->range[R_IMG].size) {
                *ret = vaddr - IMG_VADDR + IMG_PADDR;
                return true;
        }
        if (vaddr >= m->page_offset && vaddr - m->page_offset < (UINT64_C(1) << 40)) {
                *ret = vaddr - m->page_offset;
                return true;
        }
        if (vaddr >= m->vmalloc && vaddr - m->vmalloc < m->range[R_VM].size) {
                /* Pages in reverse physical order. */
                uint64_t k = (vaddr - m->vmalloc) / PAGE, n = m->range[R_VM].size / PAGE;
                *ret = m->range[R_VM].paddr + (n - 1 - k) * PAGE + (vaddr & (PAGE - 1));
                return true;
        }
        return false;
}

uint8_t *test_machine_virt(TestMachine *m, uint64_t vaddr, size_t size) {
        uint64_t p;
        if (size == 0 || !virt_to_phys(m, vaddr, &p) || !virt_to_phys(m, vaddr + size - 1, &p))
                return NULL;
        /* Only ranges that are contiguous physically. */
        uint64_t p0;
        (void) virt_to_phys(m, vaddr, &p0);
        if (p != p0 + size - 1)
                return NULL;
        return phys(m, p0, size);
}

static void wbytes(TestMachine *m, uint64_t vaddr, const void *data, size_t size) {
        const uint8_t *d = data;
        for (size_t i = 0; i < size; i++) {
                uint64_t p;
                if (!virt_to_phys(m, vaddr + i, &p) || !phys(m, p, 1))
                        abort();
                *phys(m, p, 1) = d[i];
        }
}

static void w64(TestMachine *m, uint64_t vaddr, uint64_t v) {
        uint8_t b[8];
        for (size_t i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        wbytes(m, vaddr, b, 8);
}

static void w32(TestMachine *m, uint64_t vaddr, uint32_t v) {
        uint8_t b[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };
        wbytes(m, vaddr, b, 4);
}

static void w16(TestMachine *m, uint64_t vaddr, uint16_t v) {
        uint8_t b[2] = { (uint8_t) v, (uint8_t) (v >> 8) };
        wbytes(m, vaddr, b, 2);
}

static uint64_t r64(TestMachine *m, uint64_t vaddr) {
        uint64_t v = 0, p;
        for (size_t i = 0; i < 8; i++) {
                if (!virt_to_phys(m, vaddr + i, &p) || !phys(m, p, 1))
                        abort();
                v |= (uint64_t) *phys(m, p, 1) << (8 * i);
        }
        return v;
}

static uint64_t pte_flags(const TestMachine *m) {
        return 0x3 | (m->o.sme ? SME_BIT : 0);
}

/* Maps one page of the given size, allocating tables in the page table range. */
static void map_page(TestMachine *m, uint64_t vaddr, uint64_t paddr, uint64_t size) {
        static const unsigned s5[] = { 48, 39, 30, 21, 12 }, s4[] = { 39, 30, 21, 12 };
        const unsigned *shifts = m->o.l5 ? s5 : s4;
        size_t levels = m->o.l5 ? 5 : 4;
        uint64_t table = IMG_PADDR + IMG_TOP_PGT;

        for (size_t i = 0; i < levels; i++) {
                uint8_t *e = phys(m, table + ((vaddr >> shifts[i]) & 511) * 8, 8);
                uint64_t v = 0;
                if (!e)
                        abort();
                if ((UINT64_C(1) << shifts[i]) == size) {
                        v = (paddr & ~(size - 1)) | pte_flags(m) | NX_BIT | (size > PAGE ? 0x80 : 0);
                        for (size_t j = 0; j < 8; j++)
                                e[j] = (uint8_t) (v >> (8 * j));
                        return;
                }
                for (size_t j = 0; j < 8; j++)
                        v |= (uint64_t) e[j] << (8 * j);
                if (!(v & 1)) {
                        uint64_t t = m->range[R_PT].paddr + m->pt_next;
                        m->pt_next += PAGE;
                        if (m->pt_next > m->range[R_PT].size)
                                abort();
                        v = t | pte_flags(m);
                        for (size_t j = 0; j < 8; j++)
                                e[j] = (uint8_t) (v >> (8 * j));
                }
                table = v & UINT64_C(0x000ffffffffff000) & ~SME_BIT;
        }
        abort();
}

static uint64_t alloc_in(TestMachine *m, TestRingPlace place, uint64_t *img_next, uint64_t size) {
        uint64_t a;
        if (place == TEST_RING_IMAGE) {
                a = IMG_VADDR + *img_next;
                *img_next = align_up_u64(*img_next + size, 64);
                if (*img_next > m->range[R_IMG].size)
                        abort();
        } else {
                a = m->page_offset + m->range[R_DM].paddr + m->dm_next;
                m->dm_next = align_up_u64(m->dm_next + size, 64);
                if (m->dm_next > m->range[R_DM].size)
                        abort();
        }
        return a;
}

static void vi_add(TestMachine *m, const char *fmt, ...) _printf_(2, 3);
static void vi_add(TestMachine *m, const char *fmt, ...) {
        va_list ap;
        char *s;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        if (strv_consume(&m->vmcoreinfo, s) < 0)
                abort();
}

static void write_uts(TestMachine *m, uint64_t a) {
        const char *f[6] = { "Linux", "crashbox", m->o.release,
                             "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-05-02)", "x86_64", "(none)" };
        for (size_t i = 0; i < 6; i++)
                wbytes(m, a + i * 65, f[i], strlen(f[i]));
}

static void write_ring_header(TestMachine *m) {
        const TestLayout *L = &m->L;
        uint64_t rb = IMG_VADDR + IMG_RB_STATIC, dr = rb + L->prb_desc_ring, tr = rb + L->prb_text_data_ring;
        w64(m, dr + L->dr_head_id, m->head_id);
        w64(m, dr + L->dr_tail_id, m->tail_id);
        w64(m, tr + L->tr_head_lpos, m->head_lpos);
        w64(m, tr + L->tr_tail_lpos, m->tail_lpos);
}

static uint64_t desc_addr(const TestMachine *m, uint64_t id) {
        return m->descs + (id & (m->count - 1)) * m->L.desc_size;
}

static uint64_t info_addr(const TestMachine *m, uint64_t id) {
        return m->infos + (id & (m->count - 1)) * m->L.info_size;
}

TestMachine *test_machine_new(const TestMachineOptions *o) {
        _cleanup_test_machine_free_ TestMachine *m = calloc(1, sizeof(*m));
        uint64_t img_next = IMG_ARRAYS;

        if (!m)
                return NULL;
        m->o = *o;
        memcpy(m->range, o->compact ? range_compact : range_default, sizeof(m->range));
        m->L = *(o->layout ?: &test_layout_linux);
        if (!m->o.release)
                m->o.release = "7.2.13+deb14-amd64";
        if (!m->o.direct_map_page)
                m->o.direct_map_page = PAGE;
        for (size_t i = 0; i < R_MAX; i++) {
                m->mem[i] = calloc(1, m->range[i].size);
                if (!m->mem[i])
                        return NULL;
        }
        m->page_offset = o->l5 ? PAGE_OFFSET_L5 : PAGE_OFFSET_L4;
        m->vmalloc = o->l5 ? VMALLOC_L5 : VMALLOC_L4;
        m->count = UINT64_C(1) << o->count_bits;
        m->dsize = UINT64_C(1) << o->size_bits;

        /* Page tables: the kernel image (2 MiB pages, as the kernel maps itself), the direct
         * map over the DM range, the vmalloc area page by page. */
        map_page(m, IMG_VADDR, IMG_PADDR, 2 * MiB);

        for (uint64_t p = m->range[R_DM].paddr & ~(m->o.direct_map_page - 1);
             p < m->range[R_DM].paddr + m->range[R_DM].size; p += m->o.direct_map_page)
                map_page(m, m->page_offset + p, p, m->o.direct_map_page);
        for (uint64_t v = 0; v < m->range[R_VM].size; v += PAGE) {
                uint64_t p;
                (void) virt_to_phys(m, m->vmalloc + v, &p);
                map_page(m, m->vmalloc + v, p, PAGE);
        }

        /* The ring. */
        const TestLayout *L = &m->L;
        m->descs = alloc_in(m, o->place, &img_next, m->count * L->desc_size);
        m->infos = alloc_in(m, o->place, &img_next, m->count * L->info_size);
        if (o->text_in_vmalloc) {
                if (m->dsize > m->range[R_VM].size)
                        return NULL;
                m->data = m->vmalloc;
        } else
                m->data = alloc_in(m, o->place, &img_next, m->dsize);

        uint64_t rb = IMG_VADDR + IMG_RB_STATIC, dr = rb + L->prb_desc_ring, tr = rb + L->prb_text_data_ring;
        w64(m, IMG_VADDR + IMG_PRB, rb);
        w32(m, dr + L->dr_count_bits, o->count_bits);
        w64(m, dr + L->dr_descs, m->descs);
        w64(m, dr + L->dr_infos, m->infos);
        w32(m, tr + L->tr_size_bits, o->size_bits);
        w64(m, tr + L->tr_data, m->data);

        /* As the kernel initialises it: the last descriptor reusable with the id just before the
         * first, ids and positions just below their wrap. */
        m->head_id = m->tail_id = (0 - (m->count + 1)) & DESC_ID_MASK;
        m->head_lpos = m->tail_lpos = 0 - m->dsize;
        w64(m, desc_addr(m, m->head_id) + L->desc_state_var, m->head_id | (UINT64_C(3) << 62));
        w64(m, desc_addr(m, m->head_id) + L->desc_text_blk_lpos + L->lpos_begin, 1);
        w64(m, desc_addr(m, m->head_id) + L->desc_text_blk_lpos + L->lpos_next, 1);
        write_ring_header(m);

        write_uts(m, IMG_VADDR + IMG_UTS_NS + o->uts_name_offset);

        vi_add(m, "OSRELEASE=%s", m->o.release);
        vi_add(m, "BUILD-ID=3f1e0a9c5b2d4e6f8a7b9c0d1e2f3a4b5c6d7e8f");
        vi_add(m, "PAGESIZE=4096");
        vi_add(m, "SYMBOL(init_uts_ns)=%" PRIx64, IMG_VADDR + IMG_UTS_NS);
        if (o->uts_offset)
                vi_add(m, "OFFSET(uts_namespace.name)=%" PRIu64, o->uts_name_offset);
        vi_add(m, "SYMBOL(_stext)=%" PRIx64, IMG_VADDR);
        vi_add(m, "SYMBOL(prb)=%" PRIx64, IMG_VADDR + IMG_PRB);
        vi_add(m, "SYMBOL(printk_rb_static)=%" PRIx64, rb);
        vi_add(m, "SYMBOL(clear_seq)=%" PRIx64, IMG_VADDR + IMG_CLEAR_SEQ);
        vi_add(m, "SIZE(printk_ringbuffer)=%" PRIu64, L->prb_size);
        vi_add(m, "OFFSET(printk_ringbuffer.desc_ring)=%" PRIu64, L->prb_desc_ring);
        vi_add(m, "OFFSET(printk_ringbuffer.text_data_ring)=%" PRIu64, L->prb_text_data_ring);
        vi_add(m, "OFFSET(printk_ringbuffer.fail)=%" PRIu64, L->prb_fail);
        vi_add(m, "SIZE(prb_desc_ring)=%" PRIu64, L->dr_size);
        vi_add(m, "OFFSET(prb_desc_ring.count_bits)=%" PRIu64, L->dr_count_bits);
        vi_add(m, "OFFSET(prb_desc_ring.descs)=%" PRIu64, L->dr_descs);
        vi_add(m, "OFFSET(prb_desc_ring.infos)=%" PRIu64, L->dr_infos);
        vi_add(m, "OFFSET(prb_desc_ring.head_id)=%" PRIu64, L->dr_head_id);
        vi_add(m, "OFFSET(prb_desc_ring.tail_id)=%" PRIu64, L->dr_tail_id);
        vi_add(m, "SIZE(prb_desc)=%" PRIu64, L->desc_size);
        vi_add(m, "OFFSET(prb_desc.state_var)=%" PRIu64, L->desc_state_var);
        vi_add(m, "OFFSET(prb_desc.text_blk_lpos)=%" PRIu64, L->desc_text_blk_lpos);
        vi_add(m, "SIZE(prb_data_blk_lpos)=%" PRIu64, L->lpos_size);
        vi_add(m, "OFFSET(prb_data_blk_lpos.begin)=%" PRIu64, L->lpos_begin);
        vi_add(m, "OFFSET(prb_data_blk_lpos.next)=%" PRIu64, L->lpos_next);
        vi_add(m, "SIZE(printk_info)=%" PRIu64, L->info_size);
        vi_add(m, "OFFSET(printk_info.seq)=%" PRIu64, L->info_seq);
        vi_add(m, "OFFSET(printk_info.ts_nsec)=%" PRIu64, L->info_ts_nsec);
        vi_add(m, "OFFSET(printk_info.text_len)=%" PRIu64, L->info_text_len);
        vi_add(m, "OFFSET(printk_info.caller_id)=%" PRIu64, L->info_caller_id);
        vi_add(m, "OFFSET(printk_info.dev_info)=%" PRIu64, L->info_dev_info);
        vi_add(m, "SIZE(dev_printk_info)=64");
        vi_add(m, "OFFSET(dev_printk_info.subsystem)=0");
        vi_add(m, "LENGTH(printk_info_subsystem)=16");
        vi_add(m, "OFFSET(dev_printk_info.device)=16");
        vi_add(m, "LENGTH(printk_info_device)=48");
        vi_add(m, "SIZE(prb_data_ring)=%" PRIu64, L->tr_size);
        vi_add(m, "OFFSET(prb_data_ring.size_bits)=%" PRIu64, L->tr_size_bits);
        vi_add(m, "OFFSET(prb_data_ring.data)=%" PRIu64, L->tr_data);
        vi_add(m, "OFFSET(prb_data_ring.head_lpos)=%" PRIu64, L->tr_head_lpos);
        vi_add(m, "OFFSET(prb_data_ring.tail_lpos)=%" PRIu64, L->tr_tail_lpos);
        vi_add(m, "SIZE(atomic_long_t)=8");
        vi_add(m, "OFFSET(atomic_long_t.counter)=0");
        vi_add(m, "SIZE(latched_seq)=24");
        vi_add(m, "OFFSET(latched_seq.val)=8");
        vi_add(m, "CRASHTIME=1779000000");
        vi_add(m, "NUMBER(phys_base)=%" PRId64, (int64_t) PHYS_BASE);
        vi_add(m, "SYMBOL(init_top_pgt)=%" PRIx64, IMG_VADDR + IMG_TOP_PGT);
        vi_add(m, "NUMBER(pgtable_l5_enabled)=%d", o->l5 ? 1 : 0);
        vi_add(m, "KERNELOFFSET=0");
        vi_add(m, "NUMBER(KERNEL_IMAGE_SIZE)=1073741824");
        vi_add(m, "NUMBER(sme_mask)=%" PRIu64, o->sme ? SME_BIT : 0);

        return TAKE_PTR(m);
}

static uint64_t next_lpos(const TestMachine *m, uint64_t begin, uint64_t size) {
        uint64_t next = begin + size;
        if (begin >> m->o.size_bits == next >> m->o.size_bits)
                return next;
        return ((next >> m->o.size_bits) << m->o.size_bits) + size;
}

static void set_state(TestMachine *m, uint64_t id, unsigned state) {
        uint64_t a = desc_addr(m, id) + m->L.desc_state_var;
        w64(m, a, (r64(m, a) & DESC_ID_MASK) | (uint64_t) state << 62);
}

/* data_push_tail(): make the oldest blocks reusable until lpos. */
static void push_data_tail(TestMachine *m, uint64_t lpos) {
        while ((int64_t) (lpos - m->tail_lpos) > 0) {
                uint64_t id = r64(m, m->data + (m->tail_lpos & (m->dsize - 1)));
                uint64_t d = desc_addr(m, id);
                if ((r64(m, d + m->L.desc_state_var) & DESC_ID_MASK) != id)
                        abort();
                set_state(m, id, 3);
                m->tail_lpos = r64(m, d + m->L.desc_text_blk_lpos + m->L.lpos_next);
        }
}

uint64_t test_machine_printk(TestMachine *m, uint64_t ts_nsec, uint32_t caller_id, const char *text, size_t len) {
        const TestLayout *L = &m->L;
        uint64_t id = (m->head_id + 1) & DESC_ID_MASK;

        /* desc_push_tail() when the new id takes the tail's slot. */
        if (((id - m->count) & DESC_ID_MASK) == m->tail_id) {
                uint64_t d = desc_addr(m, m->tail_id);
                uint64_t next = r64(m, d + L->desc_text_blk_lpos + L->lpos_next);
                if (!(next & 1))
                        push_data_tail(m, next);
                m->tail_id = (m->tail_id + 1) & DESC_ID_MASK;
        }

        uint64_t size = align_up_u64(len + 8, 8);
        uint64_t begin = m->head_lpos, next = next_lpos(m, begin, size);
        push_data_tail(m, next - m->dsize);

        w64(m, m->data + (begin & (m->dsize - 1)), id);
        uint64_t at = begin & (m->dsize - 1);
        if (begin >> m->o.size_bits != next >> m->o.size_bits) {
                w64(m, m->data, id);
                at = 0;
        }
        wbytes(m, m->data + at + 8, text, len);
        m->head_lpos = next;

        uint64_t d = desc_addr(m, id), i = info_addr(m, id);
        w64(m, d + L->desc_state_var, id | (UINT64_C(2) << 62));
        w64(m, d + L->desc_text_blk_lpos + L->lpos_begin, begin);
        w64(m, d + L->desc_text_blk_lpos + L->lpos_next, next);
        w64(m, i + L->info_seq, m->seq++);
        w64(m, i + L->info_ts_nsec, ts_nsec);
        w16(m, i + L->info_text_len, (uint16_t) len);
        w32(m, i + L->info_caller_id, caller_id);
        m->head_id = id;
        write_ring_header(m);
        return id;
}

void test_machine_set_state(TestMachine *m, uint64_t id, unsigned state) {
        set_state(m, id, state);
}

void test_machine_set_desc_id(TestMachine *m, uint64_t id, uint64_t other_id) {
        uint64_t a = desc_addr(m, id) + m->L.desc_state_var;
        w64(m, a, (r64(m, a) & ~DESC_ID_MASK) | (other_id & DESC_ID_MASK));
}

uint64_t test_machine_head_id(const TestMachine *m) {
        return m->head_id;
}

uint64_t test_machine_tail_id(const TestMachine *m) {
        return m->tail_id;
}

uint64_t test_machine_symbol(const TestMachine *m, const char *name) {
        if (streq(name, "prb"))
                return IMG_VADDR + IMG_PRB;
        if (streq(name, "printk_rb_static"))
                return IMG_VADDR + IMG_RB_STATIC;
        if (streq(name, "init_uts_ns"))
                return IMG_VADDR + IMG_UTS_NS;
        if (streq(name, "init_top_pgt"))
                return IMG_VADDR + IMG_TOP_PGT;
        if (streq(name, "descs"))
                return m->descs;
        if (streq(name, "infos"))
                return m->infos;
        if (streq(name, "data"))
                return m->data;
        if (streq(name, "page_offset"))
                return m->page_offset;
        if (streq(name, "vmalloc"))
                return m->vmalloc;
        abort();
}

const char *test_machine_vmcoreinfo(const TestMachine *m) {
        TestMachine *mm = (TestMachine *) m;
        Buffer b = {};
        STRV_FOREACH(l, m->vmcoreinfo)
                if (buffer_append(&b, *l, strlen(*l)) < 0 || buffer_append(&b, "\n", 1) < 0)
                        abort();
        if (buffer_append(&b, "", 1) < 0)
                abort();
        free(mm->vmcoreinfo_text);
        mm->vmcoreinfo_text = (char *) b.data;
        return mm->vmcoreinfo_text;
}

int test_machine_set_vmcoreinfo(TestMachine *m, const char *key, const char *value) {
        size_t kl = strlen(key);
        for (char **l = m->vmcoreinfo; l && *l; l++)
                if (strneq(*l, key, kl) && (*l)[kl] == '=') {
                        free(*l);
                        if (!value) {
                                for (char **k = l; *k; k++)
                                        k[0] = k[1];
                                return 0;
                        }
                        if (asprintf(l, "%s=%s", key, value) < 0)
                                return -ENOMEM;
                        return 0;
                }
        if (!value)
                return 0;
        char *s;
        if (asprintf(&s, "%s=%s", key, value) < 0)
                return -ENOMEM;
        return strv_consume(&m->vmcoreinfo, s);
}

void test_machine_exclude_page(TestMachine *m, uint64_t paddr) {
        if (m->n_excluded < ELEMENTSOF(m->excluded))
                m->excluded[m->n_excluded++] = paddr & ~(PAGE - 1);
}

uint64_t test_machine_zero_page(const TestMachine *m) {
        return m->range[R_ZERO].paddr + PAGE;
}

/* Notes: NT_PRSTATUS "CORE" per CPU (a struct elf_prstatus of 336 bytes with pr_pid set), then
 * VMCOREINFO. */
static int write_notes(TestMachine *m, unsigned n_cpus, Buffer *b) {
        const char *vi = test_machine_vmcoreinfo(m);
        uint32_t vi_size = (uint32_t) strlen(vi);

        for (unsigned c = 0; c < n_cpus; c++) {
                uint32_t h[3] = { 5, 336, NT_PRSTATUS };
                uint8_t desc[336] = {};
                desc[32] = (uint8_t) (c + 1);
                if (buffer_append(b, h, sizeof(h)) < 0 || buffer_append(b, "CORE\0\0\0", 8) < 0 ||
                    buffer_append(b, desc, sizeof(desc)) < 0)
                        return -ENOMEM;
        }
        uint32_t h[3] = { 11, vi_size, 0 };
        if (buffer_append(b, h, sizeof(h)) < 0 || buffer_append(b, "VMCOREINFO\0\0", 12) < 0 ||
            buffer_append(b, vi, vi_size) < 0 || buffer_pad(b, 4) < 0)
                return -ENOMEM;
        return 0;
}

static bool page_is_zero(const uint8_t *p) {
        for (size_t i = 0; i < PAGE; i++)
                if (p[i])
                        return false;
        return true;
}

int test_machine_write_elf_sparse(TestMachine *m, unsigned n_cpus, Buffer *out) {
        _cleanup_(buffer_done) Buffer notes = {}, ph = {}, data = {};
        int r;

        r = write_notes(m, n_cpus, &notes);
        if (r < 0)
                return r;
        /* Runs of pages with the same zeroness, per range. */
        for (size_t i = 0; i < R_MAX; i++)
                for (uint64_t p = 0; p < m->range[i].size;) {
                        bool zero = page_is_zero(m->mem[i] + p);
                        uint64_t q = p + PAGE;
                        while (q < m->range[i].size && page_is_zero(m->mem[i] + q) == zero)
                                q += PAGE;
                        Elf64_Phdr h = { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = data.size,
                                         .p_vaddr = m->page_offset + m->range[i].paddr + p,
                                         .p_paddr = m->range[i].paddr + p, .p_filesz = zero ? 0 : q - p,
                                         .p_memsz = q - p, .p_align = PAGE };
                        if (buffer_append(&ph, &h, sizeof(h)) < 0 ||
                            (!zero && buffer_append(&data, m->mem[i] + p, q - p) < 0))
                                return -ENOMEM;
                        p = q;
                }

        size_t phnum = 1 + ph.size / sizeof(Elf64_Phdr);
        Elf64_Ehdr eh = {
                .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
                .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t) phnum,
        };
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        uint64_t notes_off = sizeof(eh) + phnum * sizeof(Elf64_Phdr), data_off = notes_off + notes.size;
        Elf64_Phdr nh = { .p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = notes.size, .p_memsz = notes.size };
        Elf64_Phdr *loads = (Elf64_Phdr *) ph.data;
        for (size_t i = 0; i + 1 < phnum; i++)
                loads[i].p_offset += data_off;
        if (buffer_append(out, &eh, sizeof(eh)) < 0 || buffer_append(out, &nh, sizeof(nh)) < 0 ||
            buffer_append(out, ph.data, ph.size) < 0 || buffer_append(out, notes.data, notes.size) < 0 ||
            buffer_append(out, data.data, data.size) < 0)
                return -ENOMEM;
        return 0;
}

int test_machine_write_elf(TestMachine *m, unsigned n_cpus, Buffer *out) {
        _cleanup_(buffer_done) Buffer notes = {};
        size_t phnum = 2 + R_MAX;
        int r;

        r = write_notes(m, n_cpus, &notes);
        if (r < 0)
                return r;

        Elf64_Ehdr eh = {
                .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
                .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t) phnum,
        };
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;

        uint64_t off = align_up_u64(sizeof(eh) + phnum * sizeof(Elf64_Phdr), 8);
        Elf64_Phdr ph[2 + R_MAX] = {};
        ph[0] = (Elf64_Phdr) { .p_type = PT_NOTE, .p_offset = off, .p_filesz = notes.size, .p_memsz = notes.size };
        off = align_up_u64(off + notes.size, PAGE);
        /* The kernel text, as /proc/vmcore has it: the same bytes as the RAM segment below. */
        ph[1] = (Elf64_Phdr) { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
                               .p_vaddr = IMG_VADDR, .p_paddr = IMG_PADDR,
                               .p_filesz = m->range[R_IMG].size, .p_memsz = m->range[R_IMG].size, .p_align = PAGE };
        off += m->range[R_IMG].size;
        for (size_t i = 0; i < R_MAX; i++) {
                uint64_t filesz = i == R_ZERO ? 0 : m->range[i].size;
                ph[2 + i] = (Elf64_Phdr) { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
                                           .p_vaddr = m->page_offset + m->range[i].paddr, .p_paddr = m->range[i].paddr,
                                           .p_filesz = filesz, .p_memsz = m->range[i].size, .p_align = PAGE };
                off += filesz;
        }

        if (buffer_append(out, &eh, sizeof(eh)) < 0 || buffer_append(out, ph, sizeof(ph)) < 0 ||
            buffer_pad(out, 8) < 0 || buffer_append(out, notes.data, notes.size) < 0 || buffer_pad(out, PAGE) < 0 ||
            buffer_append(out, m->mem[R_IMG], m->range[R_IMG].size) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < R_MAX; i++)
                if (i != R_ZERO && buffer_append(out, m->mem[i], m->range[i].size) < 0)
                        return -ENOMEM;
        return 0;
}


static bool excluded(const TestMachine *m, uint64_t paddr) {
        for (size_t i = 0; i < m->n_excluded; i++)
                if (m->excluded[i] == paddr)
                        return true;
        return false;
}

/* Compressed size, or 0 when compression does not shrink the page or its codec was compiled out
 * (stored raw). */
static size_t compress_page(uint32_t compression, const uint8_t *in, uint8_t *out, size_t out_size) {
        switch (compression) {
#if HAVE_ZLIB
        case VMCORE_KDUMP_COMPRESSED_ZLIB: {
                uLongf n = out_size;
                if (compress2(out, &n, in, PAGE, Z_BEST_SPEED) != Z_OK)
                        return 0;
                return n < PAGE ? n : 0;
        }
#endif
#if HAVE_LZO
        case VMCORE_KDUMP_COMPRESSED_LZO: {
                static uint8_t wrkmem[LZO1X_1_MEM_COMPRESS];
                lzo_uint n = out_size;
                if (lzo1x_1_compress(in, PAGE, out, &n, wrkmem) != LZO_E_OK)
                        return 0;
                return n < PAGE ? n : 0;
        }
#endif
#if HAVE_SNAPPY
        case VMCORE_KDUMP_COMPRESSED_SNAPPY: {
                size_t n = out_size;
                if (snappy_compress((const char *) in, PAGE, (char *) out, &n) != SNAPPY_OK)
                        return 0;
                return n < PAGE ? n : 0;
        }
#endif
#if HAVE_ZSTD
        case VMCORE_KDUMP_COMPRESSED_ZSTD: {
                size_t n = ZSTD_compress(out, out_size, in, PAGE, 1);
                if (ZSTD_isError(n))
                        return 0;
                return n < PAGE ? n : 0;
        }
#endif
        default:
                return 0;
        }
}

static void put32(uint8_t *p, uint32_t v) {
        for (size_t i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
        for (size_t i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

int test_machine_write_kdump(TestMachine *m, uint32_t compression, bool exclude_zero, unsigned n_cpus, Buffer *out) {
        _cleanup_(buffer_done) Buffer notes = {}, descs = {}, data = {};
        _cleanup_free_ uint8_t *bitmap1 = NULL, *bitmap2 = NULL;
        uint8_t cbuf[2 * PAGE + 1024];
        int r;

#if HAVE_LZO
        if (lzo_init() != LZO_E_OK)
                return -EIO;
#endif
        r = write_notes(m, n_cpus, &notes);
        if (r < 0)
                return r;
        const char *vi = test_machine_vmcoreinfo(m);
        size_t vi_size = strlen(vi);

        uint64_t max_paddr = 0;
        for (size_t i = 0; i < R_MAX; i++)
                max_paddr = MAX(max_paddr, m->range[i].paddr + m->range[i].size);
        uint64_t max_mapnr = max_paddr / PAGE;
        uint64_t bitmap_len = align_up_u64(div_round_up_u64(max_mapnr, 8), PAGE); /* one bitmap */
        uint64_t sub_size = VMCORE_KDUMP_SUB_SIZE + vi_size + notes.size;
        uint64_t sub_blocks = div_round_up_u64(sub_size, PAGE);
        uint64_t bitmap_off = PAGE * (1 + sub_blocks);
        uint64_t desc_off = bitmap_off + 2 * bitmap_len;

        bitmap1 = calloc(1, bitmap_len);
        bitmap2 = calloc(1, bitmap_len);
        if (!bitmap1 || !bitmap2)
                return -ENOMEM;

        /* Pages in pfn order: ranges sorted by address. */
        size_t order[R_MAX];
        for (size_t i = 0; i < R_MAX; i++)
                order[i] = i;
        for (size_t i = 0; i < R_MAX; i++)
                for (size_t j = i + 1; j < R_MAX; j++)
                        if (m->range[order[j]].paddr < m->range[order[i]].paddr) {
                                size_t t = order[i];
                                order[i] = order[j];
                                order[j] = t;
                        }

        uint64_t n_dumped = 0;
        for (size_t k = 0; k < R_MAX; k++)
                for (uint64_t p = 0; p < m->range[order[k]].size; p += PAGE) {
                        uint64_t paddr = m->range[order[k]].paddr + p, pfn = paddr / PAGE;
                        bitmap1[pfn / 8] |= 1 << (pfn % 8);
                        if (excluded(m, paddr) || (exclude_zero && page_is_zero(m->mem[order[k]] + p)))
                                continue;
                        bitmap2[pfn / 8] |= 1 << (pfn % 8);
                        n_dumped++;
                }

        uint64_t data_off = desc_off + n_dumped * VMCORE_KDUMP_PAGE_DESC_SIZE;
        bool have_zero = false;
        uint64_t zero_off = 0;
        if (!exclude_zero) {
                /* makedumpfile writes one zero page first and points every zero page at it. */
                if (buffer_append_zero(&data, PAGE) < 0)
                        return -ENOMEM;
                have_zero = true;
                zero_off = data_off;
        }

        for (size_t k = 0; k < R_MAX; k++)
                for (uint64_t p = 0; p < m->range[order[k]].size; p += PAGE) {
                        uint64_t paddr = m->range[order[k]].paddr + p, pfn = paddr / PAGE;
                        const uint8_t *page = m->mem[order[k]] + p;
                        uint8_t d[VMCORE_KDUMP_PAGE_DESC_SIZE] = {};

                        if (!(bitmap2[pfn / 8] & (1 << (pfn % 8))))
                                continue;
                        if (have_zero && page_is_zero(page)) {
                                put64(d, zero_off);
                                put32(d + 8, PAGE);
                        } else {
                                size_t n = compress_page(compression, page, cbuf, sizeof(cbuf));
                                put64(d, data_off + data.size);
                                put32(d + 8, n > 0 ? (uint32_t) n : PAGE);
                                put32(d + 12, n > 0 ? compression : 0);
                                if (buffer_append(&data, n > 0 ? cbuf : page, n > 0 ? n : PAGE) < 0)
                                        return -ENOMEM;
                        }
                        if (buffer_append(&descs, d, sizeof(d)) < 0)
                                return -ENOMEM;
                }

        uint8_t hdr[PAGE] = {};
        memcpy(hdr, VMCORE_KDUMP_SIGNATURE, 8);
        put32(hdr + VMCORE_KDUMP_HDR_VERSION, 6);
        const char *uts[6] = { "Linux", "crashbox", m->o.release, "#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-05-02)",
                               "x86_64", "(none)" };
        for (size_t i = 0; i < 6; i++)
                memcpy(hdr + VMCORE_KDUMP_HDR_UTSNAME + i * 65, uts[i], strlen(uts[i]));
        put64(hdr + VMCORE_KDUMP_HDR_TIMESTAMP, 1779000000);
        put32(hdr + VMCORE_KDUMP_HDR_STATUS, compression);
        put32(hdr + VMCORE_KDUMP_HDR_BLOCK_SIZE, PAGE);
        put32(hdr + VMCORE_KDUMP_HDR_SUB_HDR_SIZE, (uint32_t) sub_blocks);
        put32(hdr + VMCORE_KDUMP_HDR_BITMAP_BLOCKS, (uint32_t) (2 * bitmap_len / PAGE));
        put32(hdr + VMCORE_KDUMP_HDR_MAX_MAPNR, (uint32_t) max_mapnr);
        put32(hdr + VMCORE_KDUMP_HDR_NR_CPUS, n_cpus);

        _cleanup_free_ uint8_t *sub = calloc(1, sub_blocks * PAGE);
        if (!sub)
                return -ENOMEM;
        put64(sub + VMCORE_KDUMP_SUB_PHYS_BASE, PHYS_BASE);
        put32(sub + VMCORE_KDUMP_SUB_DUMP_LEVEL, exclude_zero ? 1 : 0);
        put64(sub + VMCORE_KDUMP_SUB_OFFSET_VMCOREINFO, PAGE + VMCORE_KDUMP_SUB_SIZE);
        put64(sub + VMCORE_KDUMP_SUB_SIZE_VMCOREINFO, vi_size);
        put64(sub + VMCORE_KDUMP_SUB_OFFSET_NOTE, PAGE + VMCORE_KDUMP_SUB_SIZE + vi_size);
        put64(sub + VMCORE_KDUMP_SUB_SIZE_NOTE, notes.size);
        put64(sub + VMCORE_KDUMP_SUB_START_PFN_64, 0);
        put64(sub + VMCORE_KDUMP_SUB_END_PFN_64, max_mapnr);
        put64(sub + VMCORE_KDUMP_SUB_MAX_MAPNR_64, max_mapnr);
        memcpy(sub + VMCORE_KDUMP_SUB_SIZE, vi, vi_size);
        memcpy(sub + VMCORE_KDUMP_SUB_SIZE + vi_size, notes.data, notes.size);

        if (buffer_append(out, hdr, sizeof(hdr)) < 0 || buffer_append(out, sub, sub_blocks * PAGE) < 0 ||
            buffer_append(out, bitmap1, bitmap_len) < 0 || buffer_append(out, bitmap2, bitmap_len) < 0 ||
            buffer_append(out, descs.data, descs.size) < 0 || buffer_append(out, data.data, data.size) < 0)
                return -ENOMEM;
        return 0;
}
