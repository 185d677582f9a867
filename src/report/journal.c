/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <systemd/sd-journal.h>

#include "journal.h"
#include "util.h"

int report_journal_read(sd_journal *j, ReportRecord **ret, size_t *ret_n) {
        ReportRecord *list = NULL;
        size_t n = 0;
        int r;

        (void) sd_journal_set_data_threshold(j, REPORT_FIELD_MAX);
        for (int k = 0; k < _REPORT_KIND_MAX; k++) {
                char m[64];
                snprintf(m, sizeof(m), "MESSAGE_ID=%s", report_kind_to_message_id((ReportKind) k));
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        r = sd_journal_add_conjunction(j);
        if (r < 0)
                return r;
        r = sd_journal_add_match(j, "_UID=0", 0);
        if (r < 0)
                return r;

        SD_JOURNAL_FOREACH(j) {
                ReportRecord rec;
                const void *d;
                size_t l;
                uint64_t t;

                report_record_init(&rec);
                SD_JOURNAL_FOREACH_DATA(j, d, l) {
                        r = report_record_add_field(&rec, d, l);
                        if (r == -ENOMEM) {
                                report_record_done(&rec);
                                report_records_free(list, n);
                                return r;
                        }
                }
                if (sd_journal_get_realtime_usec(j, &t) >= 0)
                        rec.journal_time_usec = t;
                if (rec.kind < 0 || !rec.id) {
                        report_record_done(&rec);
                        continue;
                }
                if (n >= REPORT_RECORDS_MAX) {
                        /* Keep the newest: drop the oldest. */
                        report_record_done(&list[0]);
                        memmove(list, list + 1, (n - 1) * sizeof(ReportRecord));
                        n--;
                }
                ReportRecord *nl = realloc(list, (n + 1) * sizeof(ReportRecord));
                if (!nl) {
                        report_record_done(&rec);
                        report_records_free(list, n);
                        return -ENOMEM;
                }
                list = nl;
                list[n++] = rec;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}
