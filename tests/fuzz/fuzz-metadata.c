/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dump metadata reader on arbitrary bytes: it must not crash, hang or allocate beyond its
 * bounds, and whatever it accepts must format and parse back to the same text (the writer's output
 * is the reader's canonical form). The panic-line finder runs on the same input. */
#include "fuzz.h"
#include "metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DumpMetadata m, m2;
        ConfDiagList e = {};
        char *text = NULL, *text2 = NULL, *panic = NULL;
        size_t n, n2;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = dmesg_find_panic_message((const char *) data, size, 512, &panic);
        if (r >= 0) {
                if (strlen(panic) > 512)
                        abort();
                free(panic);
        }

        r = dump_metadata_parse((const char *) data, size, &m, &e);
        if (r == -EBADMSG) {
                /* The error position is within the input and the copies are terminated. */
                size_t lines = 1;
                for (size_t i = 0; i < size; i++)
                        lines += data[i] == '\n';
                /* Line 0 only for "no RESULT=", which is about the whole file. */
                if (e.n != 1)
                        abort();
                const ConfDiag *d = &e.items[0];
                if ((d->line == 0 && !streq(d->key, "RESULT")) || d->line > lines)
                        abort();
                if (!d->message || !d->key || !d->value || strlen(d->key) > METADATA_DIAG_KEY_MAX ||
                    strlen(d->value) > METADATA_DIAG_VALUE_MAX)
                        abort();
                conf_diags_done(&e);
                return 0;
        }
        if (r < 0)
                return 0;

        if (dump_metadata_format(&m, &text, &n) < 0)
                abort();
        if (dump_metadata_parse(text, n, &m2, NULL) < 0)
                abort();
        if (dump_metadata_format(&m2, &text2, &n2) < 0)
                abort();
        if (n != n2 || memcmp(text, text2, n) != 0)
                abort();

        free(text);
        free(text2);
        dump_metadata_done(&m);
        dump_metadata_done(&m2);
        return 0;
}
