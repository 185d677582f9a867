/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capture-config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(capture_config_done) CaptureConfig c, again;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        size_t n, n2;

        capture_config_init(&c);
        capture_config_init(&again);
        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (capture_config_parse(data, size, "fuzz.conf", &c, &diag) < 0)
                return 0;

        /* Whatever parses must serialise, and parse back to the same text. */
        if (capture_config_serialize(&c, &text, &n) < 0)
                abort();
        if (capture_config_parse(text, n, "fuzz.conf", &again, NULL) < 0)
                abort();
        if (capture_config_serialize(&again, &text2, &n2) < 0 || n != n2 || memcmp(text, text2, n) != 0)
                abort();
        return 0;
}
