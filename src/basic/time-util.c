/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>

#include "parse-util.h"
#include "time-util.h"

uint64_t clock_now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

int parse_timespan_usec(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* Longest first where one is a prefix of another. */
                { "usec", 1ULL },
                { "us", 1ULL },
                { "msec", 1000ULL },
                { "ms", 1000ULL },
                { "seconds", 1000000ULL },
                { "second", 1000000ULL },
                { "sec", 1000000ULL },
                { "s", 1000000ULL },
                { "minutes", 60000000ULL },
                { "minute", 60000000ULL },
                { "min", 60000000ULL },
                { "m", 60000000ULL },
                { "hours", 3600000000ULL },
                { "hour", 3600000000ULL },
                { "hr", 3600000000ULL },
                { "h", 3600000000ULL },
                { "days", 86400000000ULL },
                { "day", 86400000000ULL },
                { "d", 86400000000ULL },
        };
        const char *p = s;
        uint64_t total = 0;
        bool any = false;

        if (!s)
                return -EINVAL;
        for (;;) {
                while (isspace((unsigned char) *p))
                        p++;
                if (*p == 0)
                        break;

                uint64_t v;
                int r = parse_u64_digits(&p, 10, &v);
                if (r < 0)
                        return r;
                while (isspace((unsigned char) *p))
                        p++;

                uint64_t mult = 1000000ULL;
                size_t k = 0;
                while (isalpha((unsigned char) p[k]))
                        k++;
                if (k > 0) {
                        bool found = false;
                        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                                if (strlen(units[i].suffix) == k && strneq(p, units[i].suffix, k)) {
                                        mult = units[i].usec;
                                        found = true;
                                        break;
                                }
                        if (!found)
                                return -EINVAL;
                        p += k;
                }
                if (v > UINT64_MAX / mult)
                        return -ERANGE;
                v *= mult;
                if (total > UINT64_MAX - v)
                        return -ERANGE;
                total += v;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

char *format_timespan_usec(char *buf, size_t l, uint64_t usec) {
        if (usec % 1000000ULL == 0)
                snprintf(buf, l, "%" PRIu64 "s", (uint64_t) (usec / 1000000ULL));
        else if (usec % 1000ULL == 0)
                snprintf(buf, l, "%" PRIu64 "ms", (uint64_t) (usec / 1000ULL));
        else
                snprintf(buf, l, "%" PRIu64 "us", usec);
        return buf;
}
