/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/iomem and crash_cma_ranges text, both parsers on every input. */
#include "crashmem.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CrashRange r[CRASH_CMA_RANGES_MAX];
        IomemInfo i;
        size_t n;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (iomem_parse((const char *) data, size, &i) >= 0) {
                uint64_t total = 0;
                if (i.n_crash > CRASH_RANGES_MAX)
                        abort();
                for (size_t k = 0; k < i.n_crash; k++) {
                        if (i.crash[k].end < i.crash[k].start)
                                abort();
                        total = add_sat_u64(total, crash_range_size(&i.crash[k]));
                }
                if (i.hidden ? (i.crash_total != 0 || i.system_ram != 0) : i.crash_total != total)
                        abort();
        }
        if (cma_ranges_parse((const char *) data, size, r, ELEMENTSOF(r), &n) >= 0) {
                if (n > ELEMENTSOF(r))
                        abort();
                for (size_t k = 0; k < n; k++)
                        if (r[k].end < r[k].start)
                                abort();
        }
        return 0;
}
