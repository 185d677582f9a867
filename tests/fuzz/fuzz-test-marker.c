/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The self-test marker /var/lib/tinykdump/test-pending: whatever test_marker_parse() accepts,
 * test_marker_format() writes and test_marker_parse() reads back to the same values. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "test-marker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TestMarker m, m2;
        char *text;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (test_marker_parse((const char *) data, size, &m) < 0)
                return 0;
        if (size > TEST_MARKER_MAX || strlen(m.boot_id) != 32)
                abort();
        if (test_marker_format(&m, &text) < 0)
                abort();
        if (test_marker_parse(text, strlen(text), &m2) < 0)
                abort();
        if (!streq(m.boot_id, m2.boot_id) || m.time_usec != m2.time_usec)
                abort();
        free(text);
        return 0;
}
