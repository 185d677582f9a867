/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: an optional first line "ram=<bytes>" giving the system RAM size (default 4 GiB), then the
 * kernel command line. */
#include "crashkernel.h"
#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        const char *cmdline;
        uint64_t ram = 4 * GiB;
        Crashkernel c;
        size_t pos = 0;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        cmdline = s;
        if (startswith(s, "ram=")) {
                char *nl = strchr(s, '\n');
                if (nl) {
                        *nl = 0;
                        (void) parse_size(s + 4, &ram);
                        cmdline = nl + 1;
                }
        }

        r = crashkernel_parse(cmdline, ram, &c, &pos);
        if (r < 0) {
                if (!crashkernel_strerror(r))
                        abort();
                if (pos != SIZE_MAX && pos >= strlen(cmdline))
                        abort();
                return 0;
        }
        /* What the kernel would reserve is never zero and always below RAM. */
        if (c.size == 0 || c.size >= ram)
                abort();
        if (c.static_pos == SIZE_MAX || c.static_pos >= strlen(cmdline))
                abort();
        if (c.high && (c.range_list || c.offset != 0))
                abort();
        if (!c.high && (c.low != 0 || c.low_default))
                abort();
        if (c.low_default && c.low != CRASHKERNEL_DEFAULT_LOW_SIZE)
                abort();
        size_t ps[] = { c.static_pos, c.low_pos, c.cma_pos };
        for (size_t i = 0; i < ELEMENTSOF(ps); i++) {
                if (ps[i] == SIZE_MAX)
                        continue;
                _cleanup_free_ char *w = crashkernel_word_at(cmdline, ps[i]);
                if (!w)
                        abort();
        }
        return 0;
}
