/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump-save's read-back of a saved dump on arbitrary bytes: it must not crash, hang or
 * allocate beyond the readers' bounds, and it always gives a verdict with a reason. */
#include <stdlib.h>

#include "fuzz.h"
#include "verify.h"
#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Vmcore *v = NULL;
        DumpVerdict d = {};

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (vmcore_open_memory(data, size, &v) < 0)
                return 0;
        if (dump_verify(v, size % 2 ? "7.2.13-amd64" : NULL, &d) < 0)
                abort();
        if (!d.reason || !d.reason[0])
                abort();
        dump_verdict_done(&d);
        vmcore_free(v);
        return 0;
}
