/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "unit-name.h"

static bool unit_char_is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ':' || c == '_' || c == '.';
}

static char *escape_byte(char *t, unsigned char c) {
        static const char hex[] = "0123456789abcdef";

        *t++ = '\\';
        *t++ = 'x';
        *t++ = hex[c >> 4];
        *t++ = hex[c & 15];
        return t;
}

int unit_name_path_escape(const char *path, char **ret) {
        size_t n;
        char *buf, *t;
        bool first = true;

        if (!path || !*path)
                return -EINVAL;

        /* Each input byte becomes at most 4 output bytes; "-" needs 1. */
        n = strlen(path);
        if (n > (SIZE_MAX - 2) / 4)
                return -ENOMEM;
        buf = malloc(n * 4 + 2);
        if (!buf)
                return -ENOMEM;
        t = buf;

        for (const char *p = path; *p; ) {
                const char *c;
                size_t l;

                /* One component at a time; slashes between components collapse. */
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                c = p;
                l = strcspn(c, "/");
                p = c + l;

                if (l == 1 && c[0] == '.')
                        continue;
                if (l == 2 && c[0] == '.' && c[1] == '.') {
                        free(buf);
                        return -EINVAL;
                }

                if (!first)
                        *t++ = '-';
                for (size_t i = 0; i < l; i++) {
                        /* No unit name starts with '.', so a "/.dir" does not make a hidden one. */
                        if (unit_char_is_plain(c[i]) && !(first && i == 0 && c[i] == '.'))
                                *t++ = c[i];
                        else
                                t = escape_byte(t, (unsigned char) c[i]);
                }
                first = false;
        }

        if (first) {
                /* Nothing but slashes and "." components: the root directory, or nothing at all. */
                if (path[0] != '/') {
                        free(buf);
                        return -EINVAL;
                }
                *t++ = '-';
        }
        *t = '\0';

        *ret = buf;
        return 0;
}

int unit_name_from_path(const char *path, const char *suffix, char **ret) {
        _cleanup_free_ char *e = NULL;
        size_t le, ls;
        char *s;
        int r;

        if (!suffix || suffix[0] != '.' || !suffix[1])
                return -EINVAL;

        r = unit_name_path_escape(path, &e);
        if (r < 0)
                return r;

        le = strlen(e);
        ls = strlen(suffix);
        if (le + ls > UNIT_NAME_LENGTH_MAX)
                return -ENAMETOOLONG;

        s = malloc(le + ls + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, e, le);
        memcpy(s + le, suffix, ls + 1);

        *ret = s;
        return 0;
}

int unit_escape_specifiers(const char *s, char **ret) {
        size_t n = 0, l;
        char *buf, *t;

        if (!s)
                return -EINVAL;

        l = strlen(s);
        for (const char *p = s; *p; p++)
                n += *p == '%';
        if (l > SIZE_MAX - 1 - n)
                return -ENOMEM;

        buf = malloc(l + n + 1);
        if (!buf)
                return -ENOMEM;
        t = buf;
        for (const char *p = s; *p; p++) {
                *t++ = *p;
                if (*p == '%')
                        *t++ = '%';
        }
        *t = '\0';

        *ret = buf;
        return 0;
}
