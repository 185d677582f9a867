/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "parse-util.h"
#include "report-filter.h"
#include "time-util.h"
#include "util.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_DAY (UINT64_C(86400) * USEC_PER_SEC)

static int local_midnight(uint64_t now, int days, uint64_t *ret) {
        time_t t = (time_t) (now / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return -EINVAL;
        tm.tm_mday += days;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

static int parse_date_time(const char *s, uint64_t *ret) {
        _cleanup_free_ char *c = strdup(s);
        struct tm tm = { .tm_isdst = -1 };
        bool utc = false;
        int n = 0, k;
        char *e;
        time_t t;

        if (!c)
                return -ENOMEM;
        e = c + strlen(c);
        if (e - c > 4 && streq(e - 4, " UTC")) {
                e[-4] = 0;
                utc = true;
        }
        k = sscanf(c, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n);
        if (k != 3 || n != 10)
                return -EINVAL;
        if (c[n] == ' ' || c[n] == 'T') {
                const char *p = c + n + 1;
                int m = 0;

                if (sscanf(p, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 || m != 5)
                        return -EINVAL;
                p += m;
                if (*p == ':') {
                        if (sscanf(p, ":%2d%n", &tm.tm_sec, &m) != 1 || m != 3)
                                return -EINVAL;
                        p += m;
                }
                if (*p)
                        return -EINVAL;
        } else if (c[n])
                return -EINVAL;
        if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
            tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        t = utc ? timegm(&tm) : mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

int parse_time_spec(const char *s, uint64_t now, uint64_t *ret) {
        uint64_t u;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "now")) {
                *ret = now;
                return 0;
        }
        if (streq(s, "today"))
                return local_midnight(now, 0, ret);
        if (streq(s, "yesterday"))
                return local_midnight(now, -1, ret);
        if (streq(s, "tomorrow"))
                return local_midnight(now, 1, ret);
        if (s[0] == '@') {
                r = safe_atou64(s + 1, &u);
                if (r < 0 || u > UINT64_MAX / USEC_PER_SEC)
                        return -EINVAL;
                *ret = u * USEC_PER_SEC;
                return 0;
        }
        if (s[0] == '-' || s[0] == '+') {
                r = parse_timespan_usec(s + 1, &u);
                if (r < 0)
                        return -EINVAL;
                if (s[0] == '-')
                        *ret = u > now ? 0 : now - u;
                else
                        *ret = u > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + u;
                return 0;
        }
        size_t l = strlen(s);
        if (l > 4 && streq(s + l - 4, " ago")) {
                _cleanup_free_ char *span = strndup(s, l - 4);
                if (!span)
                        return -ENOMEM;
                if (parse_timespan_usec(span, &u) < 0)
                        return -EINVAL;
                *ret = u > now ? 0 : now - u;
                return 0;
        }
        return parse_date_time(s, ret);
}

/* The fields a match may name, and the record's value for each. */
static const char *match_field(const char *s, size_t *ret_len) {
        static const char *const fields[] = { "HOSTNAME", "KERNEL", "KERNEL_RELEASE", "RESULT", "ID",
                                              "MACHINE_ID", "CRASHED_MACHINE_ID", "BOOT_ID", "CRASHED_BOOT_ID",
                                              "TARGET" };
        const char *eq = strchr(s, '=');

        if (!eq)
                return NULL;
        if (startswith(s, "TINYKDUMP_"))
                s += strlen("TINYKDUMP_");
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if ((size_t) (eq - s) == strlen(fields[i]) && strneq(s, fields[i], strlen(fields[i]))) {
                        *ret_len = (size_t) (eq - s);
                        return fields[i];
                }
        return "";
}

int report_match_check(const char *s) {
        size_t l;
        const char *f = match_field(s, &l);

        return !f || *f ? 0 : -EINVAL;
}

static const char *record_value(const ReportRecord *r, const char *field) {
        if (streq(field, "HOSTNAME"))
                return r->md.hostname;
        if (streq(field, "KERNEL") || streq(field, "KERNEL_RELEASE"))
                return r->md.kernel_release;
        if (streq(field, "RESULT"))
                return r->result ?: report_kind_to_string(r->kind);
        if (streq(field, "ID"))
                return r->id;
        if (streq(field, "MACHINE_ID") || streq(field, "CRASHED_MACHINE_ID"))
                return r->md.machine_id;
        if (streq(field, "BOOT_ID") || streq(field, "CRASHED_BOOT_ID"))
                return r->md.boot_id;
        if (streq(field, "TARGET"))
                return r->target;
        return NULL;
}

/* The canonical name of a field, so that KERNEL= and KERNEL_RELEASE= count as one field. */
static const char *canonical(const char *f) {
        if (streq(f, "KERNEL_RELEASE"))
                return "KERNEL";
        if (streq(f, "CRASHED_MACHINE_ID"))
                return "MACHINE_ID";
        if (streq(f, "CRASHED_BOOT_ID"))
                return "BOOT_ID";
        return f;
}

static bool one_match(const ReportRecord *r, const char *m) {
        size_t l;
        const char *f = match_field(m, &l), *v;

        if (!f) /* a bare ID prefix */
                return r->id && startswith(r->id, m);
        v = record_value(r, f);
        return v && streq(v, strchr(m, '=') + 1);
}

bool report_record_matches(const ReportRecord *r, char **matches, uint64_t since, uint64_t until) {
        uint64_t t = r->md.crash_time_usec != METADATA_UNSET ? r->md.crash_time_usec : r->journal_time_usec;

        if (since != UINT64_MAX && (t == METADATA_UNSET || t < since))
                return false;
        if (until != UINT64_MAX && (t == METADATA_UNSET || t > until))
                return false;
        /* For each field named: does any of its values match? */
        STRV_FOREACH(m, matches) {
                size_t l;
                const char *f = match_field(*m, &l);
                bool any = false;

                STRV_FOREACH(k, matches) {
                        size_t l2;
                        const char *g = match_field(*k, &l2);
                        if ((!f) != (!g) || (f && !streq(canonical(f), canonical(g))))
                                continue;
                        if (one_match(r, *k)) {
                                any = true;
                                break;
                        }
                }
                if (!any)
                        return false;
        }
        return true;
}

typedef struct FilterArgs {
        char **matches;
        uint64_t since, until;
} FilterArgs;

static bool filter_keep(const ReportRecord *recs, size_t n, size_t i, void *userdata) {
        const FilterArgs *a = userdata;
        return report_record_matches(&recs[i], a->matches, a->since, a->until);
}

size_t report_records_filter(ReportRecord *recs, size_t n, char **matches, uint64_t since, uint64_t until,
                             size_t max, bool reverse) {
        FilterArgs a = { .matches = matches, .since = since, .until = until };
        size_t w, skip;

        w = report_records_keep(recs, n, filter_keep, &a);
        skip = max > 0 && w > max ? w - max : 0;
        for (size_t i = 0; i < skip; i++)
                report_record_done(&recs[i]);
        if (skip > 0) {
                memmove(recs, recs + skip, (w - skip) * sizeof(ReportRecord));
                for (size_t i = w - skip; i < w; i++)
                        report_record_init(&recs[i]);
                w -= skip;
        }
        if (reverse)
                for (size_t i = 0; i < w / 2; i++) {
                        ReportRecord t = recs[i];
                        recs[i] = recs[w - 1 - i];
                        recs[w - 1 - i] = t;
                }
        return w;
}
