/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A whole dump from arbitrary bytes, seeded with ELF cores: header, program headers, notes,
 * VMCOREINFO, x86_64 page-table walks, the printk ring and init_uts_ns. Whatever opens must
 * read without crashing, hanging or allocating beyond the readers' bounds. */
#include "fuzz.h"
#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Vmcore *v = NULL;
        Buffer out = {};
        VmcoreUname u;
        uint8_t b[64];
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        r = vmcore_open_memory(data, size, &v);
        if (r < 0)
                return 0;

        VmcoreElf *e = vmcore_get_elf(v);
        if (e) {
                size_t n;
                const VmcoreElfSegment *s = vmcore_elf_segments(e, &n);
                for (size_t i = 0; i < n && i < 64; i++) {
                        (void) vmcore_read_phys(v, s[i].paddr, b, sizeof(b));
                        (void) vmcore_read_phys(v, s[i].paddr + s[i].memsz - 1, b, 1);
                }
        }
        (void) vmcore_read_virt(v, UINT64_C(0xffffffff81000000), b, sizeof(b));
        (void) vmcore_read_virt(v, UINT64_C(0xffff888000000000), b, sizeof(b));

        r = vmcore_dmesg(v, PRINTK_FORMAT_CALLER_ID, &out, NULL);
        if (r >= 0 && out.size > 0 && out.data[out.size - 1] != '\n')
                abort();
        buffer_done(&out);
        if (vmcore_uname(v, &u, NULL) >= 0 && strnlen(u.release, sizeof(u.release)) == sizeof(u.release))
                abort();
        vmcore_free(v);
        return 0;
}
