/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Time: the one clock reader, and systemd-style time spans. */

#include <time.h>

#include "macro.h"

/* clock_gettime(clock) in microseconds (CLOCK_REALTIME: since the epoch). */
uint64_t clock_now_usec(clockid_t clock);

/* systemd time span subset: a sequence of "<number>[unit]" with optional white space between,
 * units us/usec, ms/msec, s/sec/second(s), m/min/minute(s), h/hr/hour(s), d/day(s); no unit means
 * seconds. "90", "90s", "2min", "1min 30s". Returns -EINVAL or -ERANGE. */
int parse_timespan_usec(const char *s, uint64_t *ret);
/* The shortest exact rendering parse_timespan_usec() reads back: "90s", "1500ms". buf holds
 * FORMAT_TIMESPAN_MAX bytes. */
#define FORMAT_TIMESPAN_MAX 32
char *format_timespan_usec(char *buf, size_t l, uint64_t usec);
