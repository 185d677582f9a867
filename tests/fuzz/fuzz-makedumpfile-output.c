/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scan of makedumpfile's output for its "may be incomplete" warnings on arbitrary bytes:
 * bounded, one line of text without control characters, or -ENOENT. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "makedumpfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *w = NULL;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        r = makedumpfile_find_warning((const char *) data, size, &w);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                abort();
        if (!w[0] || strlen(w) > MAKEDUMPFILE_WARNING_MAX)
                abort();
        for (const char *p = w; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        abort();
        free(w);
        return 0;
}
