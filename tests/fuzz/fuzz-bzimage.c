/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bzimage.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        BzImage b;
        char buf[16];

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (bzimage_parse(data, size, &b) < 0)
                return 0;
        if (b.setup_size >= size || b.setup_size + b.kernel_size != size)
                abort();
        if (b.payload_length > 0 && (uint64_t) b.payload_offset + b.payload_length > b.kernel_size)
                abort();
        uint64_t f = bzimage_crash_footprint(&b);
        if (f != 0 && f < (uint64_t) b.init_size + b.kernel_alignment)
                abort();
        (void) bzimage_check_kexec_file(&b);
        (void) bzimage_check_cmdline(&b, size);
        (void) bzimage_version_string(b.version, buf, sizeof(buf));
        return 0;
}
