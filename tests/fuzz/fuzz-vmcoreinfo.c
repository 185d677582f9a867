/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VMCOREINFO parser on arbitrary bytes: no crash, hang or unbounded allocation; an error
 * names a line within the input; every typed lookup of whatever keys it kept stays in bounds. */
#include "fuzz.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        VmcoreInfo *info = NULL;
        VmcoreInfoParseError e;
        uint64_t u;
        int64_t n;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = vmcoreinfo_parse((const char *) data, size, &info, &e);
        if (r == -EBADMSG) {
                size_t lines = 1;
                for (size_t i = 0; i < size; i++)
                        lines += data[i] == '\n';
                if (e.line == 0 || e.line > lines || !e.what ||
                    strnlen(e.key, sizeof(e.key)) == sizeof(e.key) || strnlen(e.value, sizeof(e.value)) == sizeof(e.value))
                        abort();
                return 0;
        }
        if (r < 0)
                return 0;

        if (vmcoreinfo_count(info) > VMCOREINFO_LINES_MAX)
                abort();
        (void) vmcoreinfo_symbol(info, "prb", &u);
        (void) vmcoreinfo_symbol(info, "init_uts_ns", &u);
        (void) vmcoreinfo_offset(info, "printk_info.ts_nsec", &u);
        (void) vmcoreinfo_size(info, "printk_ringbuffer", &u);
        (void) vmcoreinfo_length(info, "printk_info_device", &u);
        (void) vmcoreinfo_number(info, "phys_base", &n);
        (void) vmcoreinfo_number(info, "sme_mask", &n);
        if (vmcoreinfo_page_size(info, &u) >= 0 && (u < 4096 || (u & (u - 1))))
                abort();
        (void) vmcoreinfo_kernel_offset(info, &u);
        (void) vmcoreinfo_crash_time(info, &u);
        const char *rel = vmcoreinfo_osrelease(info);
        if (rel && strlen(rel) > VMCOREINFO_VALUE_MAX)
                abort();
        vmcoreinfo_free(info);
        return 0;
}
