/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The printk ring and utsname readers on arbitrary kernel memory: the input (after one byte of
 * output flags) is the memory at 0xffffffff81001000, where this VMCOREINFO (Linux 7.x x86_64
 * offsets) puts prb; the ring structure, its arrays and text are wherever the pointers in the
 * input say. Reads outside the input fail as an unmapped address would. */
#include "fuzz.h"
#include "vmcore-kernel.h"

#define BASE UINT64_C(0xffffffff81001000)

static const char vmcoreinfo[] =
        "OSRELEASE=7.2.13+deb14-amd64\n"
        "SYMBOL(init_uts_ns)=ffffffff81001400\n"
        "OFFSET(uts_namespace.name)=0\n"
        "SYMBOL(prb)=ffffffff81001000\n"
        "SIZE(printk_ringbuffer)=88\n"
        "OFFSET(printk_ringbuffer.desc_ring)=0\n"
        "OFFSET(printk_ringbuffer.text_data_ring)=48\n"
        "OFFSET(printk_ringbuffer.fail)=80\n"
        "SIZE(prb_desc_ring)=48\n"
        "OFFSET(prb_desc_ring.count_bits)=0\n"
        "OFFSET(prb_desc_ring.descs)=8\n"
        "OFFSET(prb_desc_ring.infos)=16\n"
        "OFFSET(prb_desc_ring.head_id)=24\n"
        "OFFSET(prb_desc_ring.tail_id)=32\n"
        "SIZE(prb_desc)=24\n"
        "OFFSET(prb_desc.state_var)=0\n"
        "OFFSET(prb_desc.text_blk_lpos)=8\n"
        "SIZE(prb_data_blk_lpos)=16\n"
        "OFFSET(prb_data_blk_lpos.begin)=0\n"
        "OFFSET(prb_data_blk_lpos.next)=8\n"
        "SIZE(printk_info)=88\n"
        "OFFSET(printk_info.seq)=0\n"
        "OFFSET(printk_info.ts_nsec)=8\n"
        "OFFSET(printk_info.text_len)=16\n"
        "OFFSET(printk_info.caller_id)=20\n"
        "OFFSET(printk_info.dev_info)=24\n"
        "SIZE(prb_data_ring)=32\n"
        "OFFSET(prb_data_ring.size_bits)=0\n"
        "OFFSET(prb_data_ring.data)=8\n"
        "OFFSET(prb_data_ring.head_lpos)=16\n"
        "OFFSET(prb_data_ring.tail_lpos)=24\n"
        "SIZE(atomic_long_t)=8\n"
        "OFFSET(atomic_long_t.counter)=0\n";

typedef struct Flat {
        const uint8_t *data;
        size_t size;
        unsigned reads;
} Flat;

static int flat_read(void *userdata, uint64_t vaddr, void *buf, size_t size) {
        Flat *f = userdata;
        f->reads++;
        if (vaddr < BASE || vaddr - BASE > f->size || size > f->size - (vaddr - BASE))
                return -EADDRNOTAVAIL;
        memcpy(buf, f->data + (vaddr - BASE), size);
        return 0;
}

static int check_record(const PrintkRecord *r, void *userdata) {
        if (r->text_len > UINT16_MAX || (r->state != PRINTK_DESC_COMMITTED && r->state != PRINTK_DESC_FINALIZED))
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static VmcoreInfo *info = NULL;
        Buffer out = {};
        VmcoreUname u;
        VmcoreKernelError e;

        if (size < 1 || size > FUZZ_INPUT_MAX)
                return 0;
        if (!info && vmcoreinfo_parse(vmcoreinfo, sizeof(vmcoreinfo) - 1, &info, NULL) < 0)
                abort();

        Flat f = { .data = data + 1, .size = size - 1 };
        VmcoreMemory mem = { .read = flat_read, .userdata = &f };

        if (printk_ring_foreach(info, &mem, check_record, NULL, &e) < 0 && strnlen(e.what, sizeof(e.what)) == 0)
                abort();
        /* The walk reads each window of descriptors and infos once, and each record's text. */
        if (printk_dmesg(info, &mem, data[0] & 3, &out, NULL) >= 0 && out.size > 0 && out.data[out.size - 1] != '\n')
                abort();
        buffer_done(&out);
        (void) vmcore_uname_read(info, &mem, &u, NULL);
        return 0;
}
