/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal fields read back by "tinykdump list|info" (the input is a record: fields separated by
 * NUL bytes, as sd_journal_enumerate_data() hands them over), and what is built from them: the
 * fields must survive a round trip through report_record_to_fields(), the human message must stay
 * one line, and printing must not crash. dmesg_tail() runs on the whole input. */
#include "fuzz.h"
#include "report-print.h"
#include "report.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ReportRecord r, back;
        char **fields = NULL, **fields2 = NULL, *msg = NULL, *tail = NULL, *out = NULL;
        size_t outsize;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        if (dmesg_tail((const char *) data, size, 1 + size % 50, 1 + size % 4096, &tail) >= 0) {
                if (strlen(tail) > 1 + size % 4096)
                        abort();
                for (const char *p = tail; *p; p++)
                        if ((unsigned char) *p < 0x20 && *p != '\n' && *p != '\t')
                                abort();
                free(tail);
        }

        report_record_init(&r);
        for (size_t pos = 0; pos < size;) {
                const uint8_t *end = memchr(data + pos, 0, size - pos);
                size_t n = end ? (size_t) (end - (data + pos)) : size - pos;
                (void) report_record_add_field(&r, data + pos, n);
                pos += n + 1;
        }

        if (report_format_message(&r, &msg) >= 0) {
                if (strchr(msg, '\n'))
                        abort();
                free(msg);
        }

        FILE *f = open_memstream(&out, &outsize);
        if (f) {
                report_print_table(f, &r, 1, &(TableStyle) { .columns = 60, .color = true, .legend = true });
                report_print_info(f, &r, NULL, 10, 60);
                JsonWriter w;
                json_begin(&w, f, false);
                report_json_record(&w, &r);
                (void) json_end(&w);
                fclose(f);
                free(out);
        }

        if (report_record_to_fields(&r, &fields) >= 0) {
                report_record_init(&back);
                STRV_FOREACH(x, fields)
                        if (report_record_add_field(&back, *x, strlen(*x)) < 0)
                                abort();
                if (report_record_to_fields(&back, &fields2) < 0)
                        abort();
                /* MESSAGE= may differ only when the input had none (then both are formatted). */
                if (strv_length(fields) != strv_length(fields2))
                        abort();
                for (size_t i = 0; fields[i]; i++)
                        if (!streq(fields[i], fields2[i]))
                                abort();
                strv_free(fields2);
                report_record_done(&back);
                strv_free(fields);
        }
        report_record_done(&r);
        return 0;
}
