/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <strings.h>

#include "parse-util.h"

char *strstrip(char *s) {
        while (isspace((unsigned char) *s))
                s++;
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char) s[l - 1]))
                s[--l] = 0;
        return s;
}

int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                return (c | 0x20) - 'a' + 10;
        return -EINVAL;
}

int parse_u64_digits(const char **p, unsigned base, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        if (base != 10 && base != 16)
                return -EINVAL;
        if (unhexchar(*s) < 0 || (unsigned) unhexchar(*s) >= base)
                return -EINVAL;
        for (;; s++) {
                int k = unhexchar(*s);
                if (k < 0 || (unsigned) k >= base)
                        break;
                unsigned d = (unsigned) k;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (isempty(s) || !(isdigit((unsigned char) s[0])))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 0);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        char *end;
        long v;

        if (isempty(s) || isspace((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int parse_size_prefix(const char *s, uint64_t *ret, const char **ret_end) {
        static const struct {
                char c;
                unsigned shift;
        } suffixes[] = {
                { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 }, { 'E', 60 },
        };
        const char *p = s;
        uint64_t v;
        int r;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char) p[2])) {
                p += 2;
                r = parse_u64_digits(&p, 16, &v);
        } else
                r = parse_u64_digits(&p, 10, &v);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (toupper((unsigned char) *p) == suffixes[i].c) {
                        if (v > (UINT64_MAX >> suffixes[i].shift))
                                return -ERANGE;
                        v <<= suffixes[i].shift;
                        p++;
                        break;
                }

        *ret = v;
        if (ret_end)
                *ret_end = p;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        const char *end;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_size_prefix(s, &v, &end);
        if (r < 0)
                return r;
        /* Accept "64M", "64MB", "64MiB", "64B" (plain bytes). */
        if (end > s && isalpha((unsigned char) end[-1]) && end[0] == 'i' && end[1] == 'B')
                end += 2;
        else if (end[0] == 'B')
                end++;
        if (*end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

char *format_bytes(char *buf, size_t l, uint64_t bytes) {
        static const char units[] = "KMGTPE";

        if (bytes < KiB) {
                snprintf(buf, l, "%" PRIu64 "B", bytes);
                return buf;
        }
        unsigned i = 0;
        uint64_t div = KiB;
        while (i + 1 < sizeof(units) - 1 && bytes / div >= 1024) {
                div *= 1024;
                i++;
        }
        if (bytes % div == 0)
                snprintf(buf, l, "%" PRIu64 "%c", bytes / div, units[i]);
        else
                snprintf(buf, l, "%.1f%c", (double) bytes / (double) div, units[i]);
        return buf;
}

int parse_boolean(const char *v) {
        static const char * const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char * const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}
