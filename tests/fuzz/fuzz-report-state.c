/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The small parsers behind "tinykdump report": the host-side source file (whatever it accepts
 * formats and parses back to the same values), mountinfo lookup by device number, and the crash
 * time in a dump directory name from the target. */
#include "fuzz.h"
#include "mountinfo.h"
#include "report.h"

static bool streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && streq(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ReportSource s, s2;
        char *text = NULL, *mp = NULL, *name;
        size_t n;
        uint64_t u;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        if (report_source_parse((const char *) data, size, &s) >= 0) {
                if (!s.name)
                        abort();
                if (report_source_format(&s, &text, &n) >= 0) {
                        if (report_source_parse(text, n, &s2) < 0)
                                abort();
                        /* Empty and missing are the same in the file. */
                        if (!streq(s.name, s2.name) || s.reported_usec != s2.reported_usec ||
                            !streq_null(isempty(s.directory) ? NULL : s.directory, isempty(s2.directory) ? NULL : s2.directory))
                                abort();
                        report_source_done(&s2);
                        free(text);
                }
                report_source_done(&s);
        }

        if (size >= 2) {
                if (mountinfo_find_devnum((const char *) data + 2, size - 2, data[0], data[1], &mp) >= 0) {
                        if (!mp)
                                abort();
                        free(mp);
                }
        }

        name = strndup((const char *) data, size);
        if (name) {
                if (dump_dir_name_time(name, &u) >= 0 && u > UINT64_C(253402300800) * 1000000)
                        abort();   /* after year 9999 */
                (void) dump_dir_name_is_valid(name);
                free(name);
        }
        return 0;
}
