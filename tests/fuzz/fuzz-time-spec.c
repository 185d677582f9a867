/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TIME of "tinykdump list|info -S/-U" (parse_time_spec() in src/tinykdump/report-filter.c):
 * whatever it accepts gives the same answer twice, never UINT64_MAX (which means "no bound"),
 * "now" is now, a span before now ("-1h", "2d ago") is not after it, one after now ("+30min")
 * not before it, an "@SECONDS" is that many seconds, and a date lies between 1970 and the first
 * second of the year 10000 ("9999-12-31 23:59:60 UTC"). Each input is read against three clocks:
 * the epoch, a day in 2026 and the end of time. */
#include "fuzz.h"
#include "report-filter.h"
#include "util.h"

#define YEAR_10000_USEC (UINT64_C(253402300800) * 1000000)

static bool ends_with(const char *s, const char *suffix) {
        size_t l = strlen(s), k = strlen(suffix);
        return l >= k && streq(s + l - k, suffix);
}

static void check(const char *s, uint64_t now) {
        uint64_t t, t2;

        if (parse_time_spec(s, now, &t) < 0)
                return;
        if (parse_time_spec(s, now, &t2) < 0 || t != t2 || t == UINT64_MAX)
                abort();
        if (streq(s, "now") && t != now)
                abort();
        if (s[0] == '-' && t > now)
                abort();
        if (s[0] == '+' && t < now)
                abort();
        if (ends_with(s, " ago") && t > now)
                abort();
        if (s[0] == '@' && t % 1000000 != 0)
                abort();
        if (s[0] >= '0' && s[0] <= '9' && !ends_with(s, " ago") && t > YEAR_10000_USEC)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;

        if (size > 1024)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        check(s, 0);
        check(s, UINT64_C(1772359200000000));
        check(s, UINT64_MAX - 1);
        return 0;
}
