/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel= evaluated the way Linux does it. The kernel works on the raw command line string (it
 * looks for the substring "crashkernel=" and ends words at ' ' only), and so does this file: the goal
 * is to predict what the kernel reserved, quirks included. Each quirk kept on purpose is marked. */
#include <ctype.h>

#include "crashkernel.h"
#include "parse-util.h"

#define CK_NAME "crashkernel="

uint64_t kernel_memparse(const char *s, const char **ret_end) {
        const char *p = s;
        unsigned base = 10;
        uint64_t v = 0;

        /* simple_strtoull(s, &end, 0): radix from the prefix, no sign, no white space. */
        if (p[0] == '0') {
                if ((p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char) p[2])) {
                        base = 16;
                        p += 2;
                } else
                        base = 8;
        }
        for (;; p++) {
                int d = unhexchar(*p);
                if (d < 0 || (unsigned) d >= base)
                        break;
                v = v * base + (unsigned) d; /* wraps like the kernel's _parse_integer() */
        }

        /* Quirk kept: the suffix is taken even when no digit was, so "M" parses as 0 and consumes
         * one character. */
        unsigned shift = 0;
        switch (*p) {
        case 'E': case 'e': shift += 10; _fallthrough_;
        case 'P': case 'p': shift += 10; _fallthrough_;
        case 'T': case 't': shift += 10; _fallthrough_;
        case 'G': case 'g': shift += 10; _fallthrough_;
        case 'M': case 'm': shift += 10; _fallthrough_;
        case 'K': case 'k': shift += 10;
                p++;
                break;
        default:
                break;
        }
        v = shift >= 64 ? 0 : v << shift;

        if (ret_end)
                *ret_end = p;
        return v;
}

static const char * const suffixes[] = { ",high", ",low", ",cma" };

static const char *word_end(const char *p) {
        const char *e = strchr(p, ' ');
        return e ?: p + strlen(p);
}

static bool ends_with(const char *start, const char *end, const char *suffix) {
        size_t l = strlen(suffix);
        return (size_t) (end - start) >= l && memcmp(end - l, suffix, l) == 0;
}

/* get_last_crashkernel(): the last "crashkernel=" occurrence whose word ends in suffix, or, for
 * suffix NULL, in none of the known suffixes. Quirk kept: a substring match, so "xcrashkernel=" and
 * a value that itself contains "crashkernel=" count too. */
static const char *last_crashkernel(const char *cmdline, const char *suffix) {
        const char *found = NULL;

        for (const char *p = strstr(cmdline, CK_NAME); p; p = strstr(p + 1, CK_NAME)) {
                const char *e = word_end(p);
                if (suffix) {
                        if (ends_with(p, e, suffix))
                                found = p;
                } else {
                        bool any = false;
                        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                                any = any || ends_with(p, e, suffixes[i]);
                        if (!any)
                                found = p;
                }
        }
        return found;
}

/* parse_crashkernel_mem(): ramsize-range:size[,...][@offset] */
static int parse_mem(const char *cur, uint64_t system_ram, uint64_t *size, uint64_t *base) {
        /* Quirk kept: rounding wraps for absurd sizes, as in the kernel's roundup(). */
        uint64_t total = (system_ram + CRASHKERNEL_RANGE_RAM_ROUNDUP - 1) / CRASHKERNEL_RANGE_RAM_ROUNDUP *
                         CRASHKERNEL_RANGE_RAM_ROUNDUP;
        const char *tmp;

        do {
                uint64_t start, end = UINT64_MAX, sz;

                start = kernel_memparse(cur, &tmp);
                if (cur == tmp)
                        return -EINVAL; /* memory value expected */
                cur = tmp;
                if (*cur != '-')
                        return -EINVAL; /* '-' expected */
                cur++;
                if (*cur != ':') {
                        end = kernel_memparse(cur, &tmp);
                        if (cur == tmp)
                                return -EINVAL;
                        cur = tmp;
                        if (end <= start)
                                return -ERANGE;
                }
                if (*cur != ':')
                        return -EINVAL; /* ':' expected */
                cur++;
                sz = kernel_memparse(cur, &tmp);
                if (cur == tmp)
                        return -EINVAL;
                cur = tmp;
                if (sz >= total)
                        return -EFBIG; /* "invalid size" */
                if (total >= start && total < end) {
                        *size = sz;
                        break;
                }
        } while (*cur++ == ',');

        if (*size > 0) {
                while (*cur && *cur != ' ' && *cur != '@')
                        cur++;
                if (*cur == '@') {
                        cur++;
                        *base = kernel_memparse(cur, &tmp);
                        if (cur == tmp)
                                return -EINVAL;
                }
        }
        return 0;
}

/* parse_crashkernel_simple(): size[@offset] */
static int parse_simple(const char *s, uint64_t *size, uint64_t *base) {
        const char *cur;

        *size = kernel_memparse(s, &cur);
        if (cur == s)
                return -EINVAL;
        if (*cur == '@')
                *base = kernel_memparse(cur + 1, &cur); /* quirk kept: no check that a number followed */
        else if (*cur != ' ' && *cur != '\0')
                return -EINVAL;
        return 0;
}

/* parse_crashkernel_suffix(): size,suffix. Like the kernel, *size is set before the suffix is
 * checked, which matters for ,cma whose errors the kernel ignores. */
static int parse_suffix(const char *s, uint64_t *size, const char *suffix) {
        const char *cur;
        size_t l = strlen(suffix);

        *size = kernel_memparse(s, &cur);
        if (cur == s)
                return -EINVAL;
        if (strncmp(cur, suffix, l) != 0)
                return -EINVAL;
        cur += l;
        if (*cur != ' ' && *cur != '\0')
                return -EINVAL;
        return 0;
}

/* __parse_crashkernel() */
static int parse_one(const char *cmdline, uint64_t system_ram, const char *suffix, uint64_t *size,
                     uint64_t *base, size_t *pos) {
        const char *ck = last_crashkernel(cmdline, suffix);

        *size = 0;
        *base = 0;
        if (!ck)
                return -ENOENT;
        *pos = (size_t) (ck - cmdline);
        ck += strlen(CK_NAME);

        if (suffix)
                return parse_suffix(ck, size, suffix);

        const char *colon = strchr(ck, ':'), *space = strchr(ck, ' ');
        if (colon && (!space || colon < space))
                return parse_mem(ck, system_ram, size, base);
        return parse_simple(ck, size, base);
}

int crashkernel_parse(const char *cmdline, uint64_t system_ram, Crashkernel *ret, size_t *ret_error_pos) {
        Crashkernel c = {
                .static_pos = SIZE_MAX,
                .low_pos = SIZE_MAX,
                .cma_pos = SIZE_MAX,
        };
        uint64_t ignored_base;
        size_t pos = SIZE_MAX;
        int r;

#define FAIL(e, p)                                     \
        do {                                           \
                if (ret_error_pos)                     \
                        *ret_error_pos = (p);          \
                return (e);                            \
        } while (0)

        if (!cmdline || !strstr(cmdline, CK_NAME))
                FAIL(-ENOENT, SIZE_MAX);

        /* crashkernel=X[@offset] or the range list */
        r = parse_one(cmdline, system_ram, NULL, &c.size, &c.offset, &pos);
        if (r < 0 && r != -ENOENT)
                FAIL(r, pos);
        if (r >= 0) {
                const char *v = cmdline + pos + strlen(CK_NAME);
                const char *colon = strchr(v, ':'), *space = strchr(v, ' ');
                c.static_pos = pos;
                c.range_list = colon && (!space || colon < space);
        } else {
                /* No plain form: crashkernel=X,high, with an optional ,low. */
                pos = SIZE_MAX;
                r = parse_one(cmdline, 0, ",high", &c.size, &ignored_base, &pos);
                if (r == -ENOENT) {
                        /* Only ,low or ,cma words (or the ,low of a range list): the kernel
                         * reserves nothing, not even the CMA part. */
                        size_t p2 = SIZE_MAX;
                        uint64_t dummy;
                        if (parse_one(cmdline, 0, ",cma", &dummy, &ignored_base, &p2) != -ENOENT ||
                            parse_one(cmdline, 0, ",low", &dummy, &ignored_base, &p2) != -ENOENT)
                                FAIL(-ENOMSG, p2);
                        FAIL(-ENOENT, SIZE_MAX);
                }
                if (r < 0)
                        FAIL(r, pos);
                if (c.size == 0)
                        FAIL(-ENODATA, pos);
                c.high = true;
                c.static_pos = pos;

                pos = SIZE_MAX;
                r = parse_one(cmdline, 0, ",low", &c.low, &ignored_base, &pos);
                if (r == -ENOENT) {
                        c.low = CRASHKERNEL_DEFAULT_LOW_SIZE;
                        c.low_default = true;
                } else if (r < 0)
                        FAIL(r, pos);
                else
                        c.low_pos = pos;
        }

        /* Optional CMA part; the kernel ignores its parse errors but keeps the size it read. */
        pos = SIZE_MAX;
        r = parse_one(cmdline, 0, ",cma", &c.cma, &ignored_base, &pos);
        if (r != -ENOENT)
                c.cma_pos = pos;

        if (c.size == 0)
                FAIL(-ENODATA, c.static_pos);
        if (c.size >= system_ram)
                FAIL(-EFBIG, c.static_pos);
#undef FAIL

        *ret = c;
        return 0;
}

const char *crashkernel_strerror(int error) {
        switch (error < 0 ? -error : error) {
        case ENOENT:
                return "no crashkernel= on the kernel command line";
        case EINVAL:
                return "malformed crashkernel= value";
        case ERANGE:
                return "a crashkernel= range ends before it starts";
        case EFBIG:
                return "the crashkernel= size is not smaller than the system's RAM";
        case ENODATA:
                return "the crashkernel= size is zero, or no range of the list matches this machine's RAM size";
        case ENOMSG:
                return "crashkernel= has only ,cma or ,low parts and no static size; the kernel reserves nothing";
        case ENOMEM:
                return "out of memory";
        default:
                return NULL;
        }
}

char *crashkernel_word_at(const char *cmdline, size_t pos) {
        if (!cmdline || pos >= strlen(cmdline))
                return NULL;
        const char *p = cmdline + pos;
        if (strneq(p, CK_NAME, strlen(CK_NAME)))
                p += strlen(CK_NAME);
        return strndup(p, (size_t) (word_end(p) - p));
}
