/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The walker on arbitrary memory: the input is the crashed kernel's direct map from
 * 0xffff888000000000 (physical 0), and a fixed plan walks an rb-tree rooted at +0x0, a list at
 * +0x8, an array of pointers described at +0x20 and a per-CPU variable (offsets at +0x40,
 * nr_cpu_ids at +0x80). Whatever the bytes, the walk ends, and every range it returns lies in the
 * image and is sorted and disjoint. Seeds: images with a small keyring, a list and an array. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "erase-walk.h"
#include "fuzz.h"

#define BASE UINT64_C(0xffff888000000000)

typedef struct Image {
        const uint8_t *data;
        size_t size;
} Image;

static int image_read(void *userdata, uint64_t vaddr, void *buf, size_t size) {
        const Image *im = userdata;
        if (vaddr < BASE || vaddr - BASE > im->size || size > im->size - (vaddr - BASE))
                return -EADDRNOTAVAIL;
        memcpy(buf, im->data + (vaddr - BASE), size);
        return 0;
}

/* Like a dump: whole 4 KiB pages are mapped or not (a partial last page is not). */
static int image_translate(void *userdata, uint64_t vaddr, uint64_t *ret) {
        const Image *im = userdata;
        if (vaddr < BASE || vaddr - BASE >= (im->size & ~(size_t) 4095))
                return -EADDRNOTAVAIL;
        *ret = vaddr - BASE;
        return 0;
}

static const char plan_text[] =
        "erase-plan version=1\n"
        "percpu offsets=0xffff888000000040 nr-cpu-ids=0xffff888000000080\n"
        "rule tree\n"
        "\troot addr=0xffff888000000000\n"
        "\trbtree node=0x8 max=1000\n"
        "\twhere string=0x28,0x0 equals=user\n"
        "\tfollow at=0x38\n"
        "\terase at=0x18 length=0x10 length-size=2 max=0x7fff\n"
        "end\n"
        "rule list\n"
        "\troot addr=0xffff888000000008\n"
        "\tlist node=0x10 max=1000\n"
        "\twhere value=0x20 size=4 ge=0x1\n"
        "\terase at=0x28 deref length=0x30 length-size=8 max=0x1000\n"
        "end\n"
        "rule array\n"
        "\troot addr=0xffff888000000020\n"
        "\tarray at=0x0 count=0x8 count-size=4 base=pointer stride=0x8 max=64\n"
        "\tfollow at=0x0\n"
        "\terase at=0x0 length=0x40 max=0x40\n"
        "end\n"
        "rule percpu\n"
        "\troot addr=0x100\n"
        "\tpercpu\n"
        "\terase at=0x0 length=0x20 max=0x20\n"
        "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static ErasePlan plan;
        static bool loaded;
        EraseWalk w = {};
        Image im = { data, size };
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (!loaded) {
                ConfDiagList d = {};
                if (erase_plan_parse("fuzz", plan_text, strlen(plan_text), &plan, &d) < 0)
                        abort();
                conf_diags_done(&d);
                loaded = true;
        }

        EraseMemory m = { .read = image_read, .virt_to_phys = image_translate, .userdata = &im };
        r = erase_walk(&plan, &m, &w);
        if (r == -ENOMEM)
                abort();
        if (w.n_ranges > ERASE_RANGES_MAX)
                abort();
        for (size_t i = 0; i < w.n_ranges; i++) {
                if (w.ranges[i].size == 0 || w.ranges[i].paddr >= size || w.ranges[i].size > size - w.ranges[i].paddr)
                        abort();
                if (i > 0 && w.ranges[i].paddr <= w.ranges[i - 1].paddr + w.ranges[i - 1].size - 1)
                        abort();
        }
        for (size_t i = 0; i < w.n_results; i++)
                if ((w.results[i].error != 0) != (w.results[i].what[0] != 0))
                        abort();
        erase_walk_done(&w);
        return 0;
}
