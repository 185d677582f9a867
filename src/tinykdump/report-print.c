/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The output of "tinykdump list" and "tinykdump info": a table, JSON, the long form. */
#include <inttypes.h>
#include <time.h>

#include "report-print.h"
#include "state.h"
#include "util.h"

static void print_cell(FILE *f, const char *s, size_t width, bool last) {
        _cleanup_free_ char *c = report_one_line(s ?: "-", last ? 1024 : width);

        if (!c) {
                fputs("-", f);
                return;
        }
        if (last)
                fputs(c, f);
        else {
                /* Pad by characters, not bytes: count UTF-8 lead bytes. */
                size_t chars = 0;
                for (const char *p = c; *p; p++)
                        chars += ((unsigned char) *p & 0xc0) != 0x80;
                fputs(c, f);
                for (size_t i = chars; i < width + 1; i++)
                        fputc(' ', f);
        }
}

void report_print_table(FILE *f, const ReportRecord *recs, size_t n) {
        size_t wid = 2, wkernel = 6;

        for (size_t i = 0; i < n; i++) {
                if (recs[i].id)
                        wid = MAX(wid, MIN(strlen(recs[i].id), 64));
                if (recs[i].md.kernel_release)
                        wkernel = MAX(wkernel, MIN(strlen(recs[i].md.kernel_release), 40));
        }
        print_cell(f, "TIME", 23, false);
        print_cell(f, "ID", wid, false);
        print_cell(f, "KERNEL", wkernel, false);
        print_cell(f, "RESULT", 10, false);
        print_cell(f, "SIZE", 6, false);
        print_cell(f, "PANIC", 40, false);
        print_cell(f, "WHERE", 0, true);
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
                const ReportRecord *r = &recs[i];
                char when[64] = "-", size[FORMAT_BYTES_MAX] = "-";
                _cleanup_free_ char *where = NULL;

                if (r->md.crash_time_usec != METADATA_UNSET) {
                        time_t t = (time_t) (r->md.crash_time_usec / 1000000);
                        struct tm tm;
                        if (!localtime_r(&t, &tm) || strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S", &tm) == 0)
                                snprintf(when, sizeof(when), "-");
                }
                if (r->md.vmcore_size != METADATA_UNSET)
                        format_bytes(size, sizeof(size), r->md.vmcore_size);
                if (asprintf(&where, "%s:%s", r->target ?: "?", r->directory ?: "?") < 0)
                        where = NULL;
                print_cell(f, when, 23, false);
                print_cell(f, r->id, wid, false);
                print_cell(f, r->md.kernel_release, wkernel, false);
                print_cell(f, r->result ?: report_kind_to_string(r->kind), 10, false);
                print_cell(f, size, 6, false);
                print_cell(f, r->md.panic_message, 40, false);
                print_cell(f, where, 200, true);
                fputc('\n', f);
        }
}

static void json_field(const char *key, bool is_number, const char *s, uint64_t u, void *userdata) {
        JsonWriter *w = userdata;
        char k[64];
        size_t j = 0;

        /* "TINYKDUMP_KERNEL_RELEASE" → "kernel_release" */
        for (const char *p = key + strlen("TINYKDUMP_"); *p && j + 1 < sizeof(k); p++)
                k[j++] = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        k[j] = 0;
        if (streq(k, "id"))
                return;
        json_key(w, k);
        if (!is_number)
                json_string(w, s);
        else if (u == METADATA_UNSET)
                json_null(w);
        else
                json_u64(w, u);
}

void report_json_record(JsonWriter *w, const ReportRecord *r) {
        json_object_open(w);
        json_kv_string(w, "id", r->id);
        json_kv_string(w, "kind", report_kind_to_string(r->kind));
        json_kv_string(w, "message_id", report_kind_to_message_id(r->kind));
        report_record_foreach_field(r, json_field, w);
        json_key(w, "journal_time_usec");
        if (r->journal_time_usec == METADATA_UNSET)
                json_null(w);
        else
                json_u64(w, r->journal_time_usec);
        json_kv_string(w, "message", r->message);
        json_object_close(w);
}

static void print_usec(FILE *f, const char *label, uint64_t usec) {
        if (usec == METADATA_UNSET)
                return;
        fprintf(f, "%16s: %.1fs\n", label, (double) usec / 1e6);
}

static void print_str(FILE *f, const char *label, const char *s) {
        _cleanup_free_ char *c = NULL;

        if (!s)
                return;
        c = report_one_line(s, 1024);
        fprintf(f, "%16s: %s\n", label, c ?: "?");
}

void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines) {
        char when[64], size[FORMAT_BYTES_MAX];

        print_str(f, "ID", r->id);
        print_str(f, "Result", r->result ?: report_kind_to_string(r->kind));
        print_str(f, "Reason", r->reason);
        report_format_time(r->md.crash_time_usec, when, sizeof(when));
        print_str(f, "Crashed at", when);
        print_str(f, "Kernel", r->md.kernel_release);
        print_str(f, "Hostname", r->md.hostname);
        print_str(f, "Boot ID", r->md.boot_id);
        print_str(f, "Machine ID", r->md.machine_id);
        print_str(f, "Panic", r->md.panic_message);
        print_str(f, "Target", r->target);
        print_str(f, "Target UUID", r->target_uuid);
        print_str(f, "Device", r->target_device);
        print_str(f, "Directory", r->directory);
        if (r->md.vmcore_size != METADATA_UNSET)
                print_str(f, "Vmcore", format_bytes(size, sizeof(size), r->md.vmcore_size));
        if (r->md.dmesg_size != METADATA_UNSET)
                print_str(f, "Dmesg", format_bytes(size, sizeof(size), r->md.dmesg_size));
        print_str(f, "Dump level", r->md.dump_level);
        print_str(f, "Compression", r->md.compression);
        print_str(f, "Format", r->md.format);
        if (r->md.makedumpfile_status != METADATA_UNSET)
                fprintf(f, "%16s: %" PRIu64 "\n", "makedumpfile", r->md.makedumpfile_status);
        print_usec(f, "Target wait", r->md.target_wait_usec);
        print_usec(f, "Dmesg took", r->md.dmesg_usec);
        print_usec(f, "Vmcore took", r->md.vmcore_usec);
        print_usec(f, "Capture total", r->md.total_usec);
        print_str(f, "Capture boot", r->md.capture_boot_id);
        print_str(f, "Capture journal", r->capture_journal);
        print_str(f, "Capture version", r->md.tinykdump_version);
        if (r->md.boot_id)
                fprintf(f, "%16s: journalctl -b %s\n", "Crashed boot log", r->md.boot_id);

        const char *log = dmesg ?: r->dmesg_tail;
        if (!log)
                return;
        _cleanup_free_ char *tail = NULL;
        if (dmesg_tail(log, strlen(log), dmesg_lines, REPORT_DMESG_KEEP_MAX, &tail) < 0)
                return;
        fprintf(f, "\nLast lines of the kernel log%s:\n", dmesg ? "" : " (from the journal record)");
        for (const char *p = tail; *p;) {
                const char *nl = strchrnul(p, '\n');
                fprintf(f, "  %.*s\n", (int) (nl - p), p);
                p = *nl ? nl + 1 : nl;
        }
}
