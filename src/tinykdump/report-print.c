/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The output of "tinykdump list" and "tinykdump info": a table, JSON, the long form. */
#include <inttypes.h>
#include <time.h>

#include "parse-util.h"
#include "report-print.h"
#include "state.h"
#include "strv.h"
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

/* The columns, what matters most first. */
enum { COL_TIME, COL_ID, COL_HOST, COL_MACHINE, COL_RESULT, COL_SIZE, COL_KERNEL, COL_PANIC, _COL_MAX };

static const char *const col_names[_COL_MAX] = { "TIME", "ID", "HOSTNAME", "MACHINE_ID", "RESULT", "SIZE", "KERNEL",
                                                 "PANIC" };

/* The cells of one record. */
typedef struct Row {
        char time[64], size[FORMAT_BYTES_MAX], result[64];
        char *id, *machine;
        const char *cells[_COL_MAX];
} Row;

/* How many characters of s tell it apart from every other string in all (as git abbreviates a
 * commit): at least min, at most all of s. An ID equal to s (a record listed twice) does not count. */
size_t unique_prefix_len(const char *s, char *const *all, size_t min) {
        size_t l = strlen(s), need = MIN(min, l);

        STRV_FOREACH(a, all) {
                size_t k = 0;

                if (streq(*a, s))
                        continue;
                while (k < l && (*a)[k] == s[k])
                        k++;
                need = MAX(need, MIN(k + 1, l));
        }
        return need;
}

static void row_fill(Row *w, const ReportRecord *r, char *const *ids, char *const *machines) {
        *w = (Row) {};
        strcpy(w->time, "-");
        strcpy(w->size, "-");
        /* Minutes and the zone: the seconds are in "info" and in the ID. */
        if (r->md.crash_time_usec != METADATA_UNSET) {
                time_t t = (time_t) (r->md.crash_time_usec / 1000000);
                struct tm tm;
                if (!localtime_r(&t, &tm) || strftime(w->time, sizeof(w->time), "%Y-%m-%d %H:%M %Z", &tm) == 0)
                        strcpy(w->time, "-");
        }
        if (r->md.vmcore_size != METADATA_UNSET)
                format_bytes(w->size, sizeof(w->size), r->md.vmcore_size);
        if (r->id)
                w->id = strndup(r->id, unique_prefix_len(r->id, ids, TABLE_ID_MIN));
        if (r->md.machine_id)
                w->machine = strndup(r->md.machine_id, unique_prefix_len(r->md.machine_id, machines, TABLE_MACHINE_ID_MIN));
        w->cells[COL_TIME] = w->time;
        w->cells[COL_ID] = w->id ?: r->id;
        w->cells[COL_HOST] = r->md.hostname;
        w->cells[COL_MACHINE] = w->machine ?: r->md.machine_id;
        w->cells[COL_KERNEL] = r->md.kernel_release;
        w->cells[COL_RESULT] = r->result ?: report_kind_to_string(r->kind);
        if (r->test == 1 && w->cells[COL_RESULT]) { /* a crash "tinykdump test" caused */
                snprintf(w->result, sizeof(w->result), "%s (test)", w->cells[COL_RESULT]);
                w->cells[COL_RESULT] = w->result;
        }
        w->cells[COL_SIZE] = w->size;
        w->cells[COL_PANIC] = r->md.panic_message;
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

static size_t table_width(const size_t *width, const bool *show) {
        size_t total = 0, shown = 0;

        for (size_t c = 0; c < _COL_MAX; c++)
                if (show[c]) {
                        total += width[c];
                        shown++;
                }
        return total + (shown > 0 ? shown - 1 : 0);
}

/* Fits the table into columns: the panic message gives way first (down to PANIC_MIN), then the
 * machine ID column goes (the hostname names the machine; "info" and --json have the ID), then
 * the panic message, and last the kernel release and hostname are cut to 8 characters. */
#define PANIC_MIN 10U
static void table_fit(size_t *width, bool *show, unsigned columns) {
        size_t total;

        while (columns > 0 && (total = table_width(width, show)) > columns) {
                size_t excess = total - columns;

                if (show[COL_PANIC] && width[COL_PANIC] > PANIC_MIN)
                        width[COL_PANIC] -= MIN(excess, width[COL_PANIC] - PANIC_MIN);
                else if (show[COL_MACHINE])
                        show[COL_MACHINE] = false;
                else if (show[COL_PANIC])
                        show[COL_PANIC] = false;
                else if (width[COL_KERNEL] > 8)
                        width[COL_KERNEL] -= MIN(excess, width[COL_KERNEL] - 8);
                else if (show[COL_HOST] && width[COL_HOST] > 8)
                        width[COL_HOST] -= MIN(excess, width[COL_HOST] - 8);
                else
                        break;
        }
}

void report_print_table(FILE *f, const ReportRecord *recs, size_t n, const TableStyle *style) {
        size_t width[_COL_MAX];
        bool show[_COL_MAX];
        _cleanup_free_ Row *rows = calloc(MAX(n, 1U), sizeof(Row));
        _cleanup_free_ char **machines = calloc(n + 1, sizeof(char *)), **ids = calloc(n + 1, sizeof(char *));
        size_t last = 0, nm = 0, ni = 0;

        if (!rows || !machines || !ids)
                return;
        /* The fleet view: records from more than one machine (a journal that
         * systemd-journal-remote collected) name the machine of each. */
        const char *machine = NULL, *host = NULL;
        bool fleet = false;
        for (size_t i = 0; i < n; i++) {
                fleet = differs(&machine, recs[i].md.machine_id) || differs(&host, recs[i].md.hostname) || fleet;
                if (recs[i].md.machine_id)
                        machines[nm++] = recs[i].md.machine_id;
                if (recs[i].id)
                        ids[ni++] = recs[i].id;
        }
        for (size_t c = 0; c < _COL_MAX; c++) {
                show[c] = fleet || (c != COL_HOST && c != COL_MACHINE);
                width[c] = style->legend ? strlen(col_names[c]) : 1;
        }
        for (size_t i = 0; i < n; i++) {
                row_fill(&rows[i], &recs[i], style->all_ids ?: ids, machines);
                for (size_t c = 0; c < _COL_MAX; c++) {
                        _cleanup_free_ char *t = report_one_line(rows[i].cells[c] ?: "-", 4096);
                        if (t)
                                width[c] = MAX(width[c], text_width(t));
                }
        }
        table_fit(width, show, style->columns);
        for (size_t c = 0; c < _COL_MAX; c++)
                if (show[c])
                        last = c;

        if (style->legend) {
                for (size_t c = 0; c < _COL_MAX; c++)
                        if (show[c])
                                print_cell(f, col_names[c], width[c], c == last, NULL);
                fputc('\n', f);
        }
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < _COL_MAX; c++)
                        if (show[c])
                                print_cell(f, rows[i].cells[c], width[c], c == last,
                                           style->color && c == COL_RESULT ?
                                                   result_color(recs[i].result ?: report_kind_to_string(recs[i].kind)) : NULL);
                fputc('\n', f);
                free(rows[i].id);
                free(rows[i].machine);
        }
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
        if (streq(k, "test")) { /* a yes/no fact: true, or absent */
                if (u == 1)
                        json_kv_bool(w, k, true);
                return;
        }
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

/* The byte offset in s after at most n characters. */
static size_t chars_to_bytes(const char *s, size_t n) {
        size_t i = 0;

        for (; s[i]; i++)
                if (((unsigned char) s[i] & 0xc0) != 0x80 && n-- == 0)
                        break;
        return i;
}

/* "           Label: value", the value wrapped at spaces to fit columns (0: no limit), the
 * continuation lines under its start; a word longer than a line stays whole. */
#define INFO_VALUE_COLUMN 18U
static void print_str(FILE *f, const char *label, const char *s, unsigned columns) {
        _cleanup_free_ char *c = NULL;
        size_t avail = columns > INFO_VALUE_COLUMN + 20 ? columns - INFO_VALUE_COLUMN : 0;
        const char *p;

        if (!s)
                return;
        c = report_one_line(s, 1024);
        p = c ?: "?";
        fprintf(f, "%16s: ", label);
        while (avail > 0 && text_width(p) > avail) {
                size_t end = chars_to_bytes(p, avail), cut = end;

                while (cut > 0 && p[cut] != ' ')
                        cut--;
                if (cut == 0) /* no space in the line: up to the next one */
                        cut = strcspn(p + end, " ") + end;
                if (!p[cut])
                        break;
                fprintf(f, "%.*s\n%*s", (int) cut, p, (int) INFO_VALUE_COLUMN, "");
                p += cut + 1;
        }
        fprintf(f, "%s\n", p);
}

int report_erase_summary(const char *erase, const char *rules, char **ret) {
        static const char *const states[] = { "unresolved", "inactive", "disabled", "failed" };
        size_t ran = 0, other = 0, count[ELEMENTSOF(states)] = {}, w = 0;
        char why[160] = "";
        char *s;
        int r;

        if (!erase) {
                *ret = NULL;
                return 0;
        }
        if (!streq(erase, "complete") || !rules) {
                s = strdup(erase);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        for (const char *p = rules; *p;) {
                size_t n = strcspn(p, " ");
                const char *eq = memchr(p, '=', n);

                if (eq) {
                        const char *v = eq + 1;
                        size_t vn = n - (size_t) (v - p), i;

                        for (i = 0; i < ELEMENTSOF(states); i++)
                                if (strlen(states[i]) == vn && memcmp(v, states[i], vn) == 0)
                                        break;
                        if (i < ELEMENTSOF(states))
                                count[i]++;
                        else if (vn > 0 && memchr(v, '/', vn))
                                ran++;
                        else
                                other++;
                } else if (n > 0)
                        other++;
                p += n;
                p += strspn(p, " ");
        }
        /* At most five counts of 20 digits and their names: the buffer cannot overflow. */
        for (size_t i = 0; i <= ELEMENTSOF(states); i++) {
                size_t c = i < ELEMENTSOF(states) ? count[i] : other;
                if (c > 0)
                        w += (size_t) snprintf(why + w, sizeof(why) - w, "%s%zu %s", w > 0 ? ", " : "", c,
                                               i < ELEMENTSOF(states) ? states[i] : "unreadable");
        }
        if (ran == 0)
                r = asprintf(&s, "nothing: no rule ran%s%s%s", w > 0 ? " (" : "", why, w > 0 ? ")" : "");
        else
                r = asprintf(&s, "complete: %zu rule%s ran%s%s", ran, ran == 1 ? "" : "s", w > 0 ? "; " : "", why);
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines, unsigned columns) {
        char when[64], size[FORMAT_BYTES_MAX];

        print_str(f, "ID", r->id, columns);
        print_str(f, "Result", r->result ?: report_kind_to_string(r->kind), columns);
        print_str(f, "Reason", r->reason, columns);
        if (r->test == 1)
                print_str(f, "Self test", "yes (tinykdump test crashed this boot on purpose)", columns);
        report_format_time(r->md.crash_time_usec, when, sizeof(when));
        print_str(f, "Crashed at", when, columns);
        print_str(f, "Kernel", r->md.kernel_release, columns);
        print_str(f, "Hostname", r->md.hostname, columns);
        print_str(f, "Boot ID", r->md.boot_id, columns);
        print_str(f, "Machine ID", r->md.machine_id, columns);
        print_str(f, "Panic", r->md.panic_message, columns);
        print_str(f, "Target", r->target, columns);
        print_str(f, "Target UUID", r->target_uuid, columns);
        print_str(f, "Device", r->target_device, columns);
        print_str(f, "Directory", r->directory, columns);
        if (r->md.vmcore_size != METADATA_UNSET)
                print_str(f, "Vmcore", format_bytes(size, sizeof(size), r->md.vmcore_size), columns);
        if (r->md.dmesg_size != METADATA_UNSET)
                print_str(f, "Dmesg", format_bytes(size, sizeof(size), r->md.dmesg_size), columns);
        print_str(f, "Dump level", r->md.dump_level, columns);
        print_str(f, "Compression", r->md.compression, columns);
        print_str(f, "Format", r->md.format, columns);
        _cleanup_free_ char *erased = NULL;
        if (report_erase_summary(r->md.erase, r->md.erase_rules, &erased) < 0)
                erased = NULL;
        print_str(f, "Erased", erased ?: r->md.erase, columns);
        print_str(f, "Erase rules", r->md.erase_rules, columns);
        print_str(f, "Erase problem", r->md.erase_reason, columns);
        if (r->md.space) {
                char fr[FORMAT_BYTES_MAX], mem[FORMAT_BYTES_MAX], est[FORMAT_BYTES_MAX], line[256];
                snprintf(line, sizeof(line), "%s (%s free for %s of memory, up to %s needed)", r->md.space,
                         r->md.target_free != METADATA_UNSET ? format_bytes(fr, sizeof(fr), r->md.target_free) : "?",
                         r->md.memory_size != METADATA_UNSET ? format_bytes(mem, sizeof(mem), r->md.memory_size) : "?",
                         r->md.vmcore_estimate != METADATA_UNSET ? format_bytes(est, sizeof(est), r->md.vmcore_estimate) : "?");
                print_str(f, "Target space", line, columns);
        }
        if (r->md.retention_deleted) {
                _cleanup_free_ char *line = NULL;
                char fr[FORMAT_BYTES_MAX];
                size_t k = 1;
                for (const char *p = r->md.retention_deleted; *p; p++)
                        k += *p == ' ';
                if (asprintf(&line, "deleted %zu older dump%s (%s): %s", k, k == 1 ? "" : "s",
                             r->md.retention_freed != METADATA_UNSET ? format_bytes(fr, sizeof(fr), r->md.retention_freed) : "?",
                             r->md.retention_deleted) < 0)
                        line = NULL;
                print_str(f, "Retention", line ?: r->md.retention_deleted, columns);
        }
        print_str(f, "makedumpfile warned", r->md.makedumpfile_warning, columns);
        print_str(f, "Verified", r->md.verified, columns);
        print_str(f, "Verification", r->md.verify_reason, columns);
        if (r->md.makedumpfile_status != METADATA_UNSET)
                fprintf(f, "%16s: %" PRIu64 "\n", "makedumpfile", r->md.makedumpfile_status);
        /* TARGET_WAIT_USEC is CLOCK_BOOTTIME of the capture kernel when the target was mounted. */
        if (r->md.target_wait_usec != METADATA_UNSET)
                fprintf(f, "%16s: %.1fs after the capture kernel started\n", "Target mounted",
                        (double) r->md.target_wait_usec / 1e6);
        print_usec(f, "Dmesg took", r->md.dmesg_usec);
        print_usec(f, "Vmcore took", r->md.vmcore_usec);
        print_usec(f, "Capture total", r->md.total_usec);
        print_str(f, "Capture boot", r->md.capture_boot_id, columns);
        print_str(f, "Capture journal", r->capture_journal, columns);
        print_str(f, "Capture version", r->md.tinykdump_version, columns);
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
