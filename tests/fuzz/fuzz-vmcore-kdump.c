/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kdump-compressed reader on arbitrary bytes, seeded with makedumpfile-style files of every
 * compression: header, sub-header, VMCOREINFO and notes, bitmaps, page descriptors and page
 * data through zlib, lzo, snappy and zstd. Then the whole dump as tinykdump dmesg reads it. */
#include "fuzz.h"
#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        VmcoreSource src;
        VmcoreKdump *k = NULL;
        Vmcore *v = NULL;
        Buffer out = {};
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        vmcore_source_init_memory(&src, data, size);
        r = vmcore_kdump_open(&src, &k);
        if (r >= 0) {
                const VmcoreKdumpHeader *h = vmcore_kdump_header(k);
                uint8_t *page = malloc(h->block_size);
                if (!page)
                        abort();
                if (h->n_dumped > h->max_mapnr || h->start_pfn > h->end_pfn || h->end_pfn > h->max_mapnr)
                        abort();
                /* The first pages, then a spread over the whole range; at most 256 reads. */
                uint64_t step = h->max_mapnr / 128 + 1;
                for (uint64_t pfn = 0; pfn < 128 && pfn < h->max_mapnr; pfn++)
                        (void) vmcore_kdump_read_page(k, pfn, page);
                for (uint64_t pfn = 0; pfn < h->max_mapnr; pfn += step)
                        (void) vmcore_kdump_read_page(k, pfn, page);
                free(page);
                vmcore_kdump_free(k);
        }

        r = vmcore_open_memory(data, size, &v);
        if (r < 0)
                return 0;
        (void) vmcore_dmesg(v, 0, &out, NULL);
        buffer_done(&out);
        vmcore_free(v);
        return 0;
}
