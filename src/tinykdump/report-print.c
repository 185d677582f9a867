/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The output of "tinykdump list" and "tinykdump info": a table, JSON, the long form. */
#include <inttypes.h>
#include <time.h>

#include "parse-util.h"
#include "report-print.h"
#include "state.h"
#include "util.h"

/* Characters, not bytes: count the UTF-8 lead bytes. */
static size_t text_width(const char *s) {
        size_t chars = 0;

        for (const char *p = s; *p; p++)
                chars += ((unsigned char) *p & 0xc0) != 0x80;
        return chars;
}

/* s cut to width characters for a cell, control characters replaced, "…" at a cut. */
static char *cell_text(const char *s, size_t width) {
        _cleanup_free_ char *c = report_one_line(s ?: "-", 4096);
        size_t chars = 0, i;

        if (!c)
                return NULL;
        if (text_width(c) <= width)
                return TAKE_PTR(c);
        if (width == 0)
                return strdup("");
        /* Keep width-1 characters and add "…". */
        for (i = 0; c[i]; i++) {
                if (((unsigned char) c[i] & 0xc0) != 0x80) {
                        if (chars == width - 1)
                                break;
                        chars++;
                }
        }
        c[i] = 0;
        char *r;
        if (asprintf(&r, "%s…", c) < 0)
                return NULL;
        return r;
}

static void print_cell(FILE *f, const char *s, size_t width, bool last, const char *color) {
        _cleanup_free_ char *c = cell_text(s, width);
        const char *t = c ?: "-";

        if (color)
                fprintf(f, "%s%s\033[0m", color, t);
        else
                fputs(t, f);
        if (!last)
                for (size_t i = text_width(t); i < width + 1; i++)
                        fputc(' ', f);
}

/* The columns, what matters most first: a pager chops what does not fit on the right. */
enum { COL_TIME, COL_ID, COL_RESULT, COL_SIZE, COL_HOST, COL_MACHINE, COL_KERNEL, COL_PANIC, COL_WHERE, _COL_MAX };

static const char *const col_names[_COL_MAX] = { "TIME", "ID", "RESULT", "SIZE", "HOSTNAME", "MACHINE_ID", "KERNEL",
                                                 "PANIC", "WHERE" };

/* The cells of one record. */
typedef struct Row {
        char time[64], size[FORMAT_BYTES_MAX];
        char *where;
        const char *cells[_COL_MAX];
} Row;

/* Where the dump is: the target and the directory holding the dump directories (the dump's
 * own directory name is its ID, in the column before). */
static char *row_where(const ReportRecord *r) {
        _cleanup_free_ char *dir = r->directory ? strdup(r->directory) : NULL;
        char *slash, *s;

        if (dir && (slash = strrchr(dir, '/')))
                *slash = 0;
        else if (dir) /* the dump directory at the target's root */
                dir[0] = 0;
        if (asprintf(&s, "%s:%s", r->target ?: "?", dir ? (dir[0] ? dir : "/") : "?") < 0)
                return NULL;
        return s;
}

static void row_fill(Row *w, const ReportRecord *r) {
        *w = (Row) {};
        strcpy(w->time, "-");
        strcpy(w->size, "-");
        if (r->md.crash_time_usec != METADATA_UNSET) {
                time_t t = (time_t) (r->md.crash_time_usec / 1000000);
                struct tm tm;
                if (!localtime_r(&t, &tm) || strftime(w->time, sizeof(w->time), "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                        strcpy(w->time, "-");
        }
        if (r->md.vmcore_size != METADATA_UNSET)
                format_bytes(w->size, sizeof(w->size), r->md.vmcore_size);
        w->where = row_where(r);
        w->cells[COL_TIME] = w->time;
        w->cells[COL_ID] = r->id;
        w->cells[COL_HOST] = r->md.hostname;
        w->cells[COL_MACHINE] = r->md.machine_id;
        w->cells[COL_KERNEL] = r->md.kernel_release;
        w->cells[COL_RESULT] = r->result ?: report_kind_to_string(r->kind);
        w->cells[COL_SIZE] = w->size;
        w->cells[COL_PANIC] = r->md.panic_message;
        w->cells[COL_WHERE] = w->where;
}

/* Whether s is known and differs from the first known value seen, kept in *first. */
static bool differs(const char **first, const char *s) {
        if (!s)
                return false;
        if (!*first) {
                *first = s;
                return false;
        }
        return !streq(*first, s);
}

static const char *result_color(const char *result) {
        if (!result)
                return NULL;
        if (streq(result, "complete"))
                return "\033[0;32m";
        if (streq(result, "dmesg-only"))
                return "\033[0;33m";
        if (streq(result, "failed"))
                return "\033[0;31m";
        return NULL;
}

void report_print_table(FILE *f, const ReportRecord *recs, size_t n, const TableStyle *style) {
        size_t width[_COL_MAX], total = 0;
        bool show[_COL_MAX];
        Row *rows = calloc(MAX(n, 1U), sizeof(Row));

        if (!rows)
                return;
        /* The fleet view: records from more than one machine (a journal that
         * systemd-journal-remote collected) name the machine of each. */
        const char *machine = NULL, *host = NULL;
        bool fleet = false;
        for (size_t i = 0; i < n && !fleet; i++)
                fleet = differs(&machine, recs[i].md.machine_id) || differs(&host, recs[i].md.hostname);
        for (size_t c = 0; c < _COL_MAX; c++)
                show[c] = fleet || (c != COL_HOST && c != COL_MACHINE);
        for (size_t c = 0; c < _COL_MAX; c++)
                width[c] = style->legend ? strlen(col_names[c]) : 1;
        for (size_t i = 0; i < n; i++) {
                row_fill(&rows[i], &recs[i]);
                for (size_t c = 0; c < _COL_MAX; c++) {
                        _cleanup_free_ char *t = report_one_line(rows[i].cells[c] ?: "-", 4096);
                        if (t)
                                width[c] = MAX(width[c], text_width(t));
                }
        }
        for (size_t c = 0; c < _COL_MAX; c++)
                if (show[c])
                        total += width[c] + (c + 1 < _COL_MAX);

        /* Too wide for the terminal: cut the free-text columns (panic message, where, then the
         * kernel release), the widest first, down to a few characters; the rest stays whole
         * (the pager chops). */
        while (style->columns > 0 && total > style->columns) {
                size_t c = width[COL_PANIC] >= width[COL_WHERE] ? COL_PANIC : COL_WHERE;

                if (width[c] <= 8)
                        c = COL_KERNEL;
                if (width[c] <= 8)
                        break;
                width[c]--;
                total--;
        }

        if (style->legend) {
                for (size_t c = 0; c < _COL_MAX; c++)
                        if (show[c])
                                print_cell(f, col_names[c], width[c], c + 1 == _COL_MAX, NULL);
                fputc('\n', f);
        }
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < _COL_MAX; c++)
                        if (show[c])
                                print_cell(f, rows[i].cells[c], width[c], c + 1 == _COL_MAX,
                                           style->color && c == COL_RESULT ? result_color(rows[i].cells[c]) : NULL);
                fputc('\n', f);
                free(rows[i].where);
        }
        free(rows);
}

/* One field of a record as JSON (see "JSON OUTPUT" in tinykdump(8)): numbers as numbers, an
 * unknown value absent rather than null. The dump level is makedumpfile's -d number. */
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
        if (!is_number && s && streq(k, "dump_level") && s[0] && strspn(s, "0123456789") == strlen(s) &&
            safe_atou64(s, &u) >= 0)
                is_number = true;
        if (is_number ? u == METADATA_UNSET : !s)
                return;
        json_key(w, k);
        if (is_number)
                json_u64(w, u);
        else
                json_string(w, s);
}

void report_json_record(JsonWriter *w, const ReportRecord *r) {
        json_object_open(w);
        json_kv_string(w, "id", r->id);
        json_kv_string(w, "kind", report_kind_to_string(r->kind));
        json_kv_string(w, "message_id", report_kind_to_message_id(r->kind));
        report_record_foreach_field(r, json_field, w);
        if (r->journal_time_usec != METADATA_UNSET)
                json_kv_u64(w, "journal_time_usec", r->journal_time_usec);
        if (r->message)
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
        print_str(f, "Erased", r->md.erase);
        print_str(f, "Erase rules", r->md.erase_rules);
        print_str(f, "Erase problem", r->md.erase_reason);
        if (r->md.makedumpfile_status != METADATA_UNSET)
                fprintf(f, "%16s: %" PRIu64 "\n", "makedumpfile", r->md.makedumpfile_status);
        /* TARGET_WAIT_USEC is CLOCK_BOOTTIME of the capture kernel when the target was mounted. */
        if (r->md.target_wait_usec != METADATA_UNSET)
                fprintf(f, "%16s: %.1fs after the capture kernel started\n", "Target mounted",
                        (double) r->md.target_wait_usec / 1e6);
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
