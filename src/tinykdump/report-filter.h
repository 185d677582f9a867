/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which records "tinykdump list|info" show: coredumpctl's -S/-U, field matches, -r and -n. */

#include "record.h"

/* A point in time as journalctl's --since= takes it, as far as it can be read without doubt:
 * "now", "today", "yesterday", "tomorrow" (local midnight), "@SECONDS", "YYYY-MM-DD", "YYYY-MM-DD
 * HH:MM" and "YYYY-MM-DD HH:MM:SS" (also with "T" between; local time, or UTC with a trailing
 * " UTC"), and a time span before or after now: "-1h", "+30min", "2d ago" (the units of
 * parse_timespan_usec()). now is µs since the epoch. -EINVAL when it is none of these. */
int parse_time_spec(const char *s, uint64_t now, uint64_t *ret);

/* A positional argument of list/info: "FIELD=VALUE" (HOSTNAME, KERNEL, RESULT, ID, MACHINE_ID,
 * BOOT_ID, TARGET; also with TINYKDUMP_ in front, as the journal names them), or an ID prefix.
 * Returns 0 when s is valid, -EINVAL for an unknown FIELD. */
int report_match_check(const char *s);

/* Whether r passes the matches (the same field given twice: either value; different fields:
 * all of them) and lies within [since, until] (UINT64_MAX: unbounded), by its crash time or,
 * when that is unknown, the time it was logged. */
bool report_record_matches(const ReportRecord *r, char **matches, uint64_t since, uint64_t until);

/* Keeps the records that match in place (oldest first), frees the others; then the newest
 * max (0: all), newest first if reverse. Returns the new count. */
size_t report_records_filter(ReportRecord *recs, size_t n, char **matches, uint64_t since, uint64_t until,
                             size_t max, bool reverse);
