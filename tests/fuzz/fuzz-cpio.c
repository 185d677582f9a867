/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpio.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CpioReader r;
        CpioEntry e;
        int k;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        cpio_reader_init(&r, data, size);
        while ((k = cpio_reader_next(&r, &e)) > 0) {
                /* Names and data point into the input, names are terminated there. */
                if ((const uint8_t *) e.name < data || (const uint8_t *) e.name + e.name_len >= data + size ||
                    e.name[e.name_len] != 0 || strlen(e.name) != e.name_len)
                        abort();
                if (e.data < data || e.size > (size_t) (data + size - e.data))
                        abort();
        }
        if (k != 0 && k != -EBADMSG && k != -EOPNOTSUPP)
                abort();

        (void) cpio_find(data, size, "etc/tinykdump/capture.conf", &e);
        return 0;
}
