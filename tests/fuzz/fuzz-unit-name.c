/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit names from arbitrary paths: the escaped name must use only unit name characters, never
 * start with '.', fit UNIT_NAME_LENGTH_MAX, and decode back to the simplified path. */
#include "fuzz.h"
#include "unit-name.h"

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* The reference: components without empty ones and ".", joined by '/'; NULL for ".." or none. */
static char *simplify(const char *p, bool *ret_dotdot) {
        size_t n = strlen(p);
        char *s = malloc(n + 1), *t = s;
        bool first = true;

        *ret_dotdot = false;
        if (!s)
                abort();
        while (*p) {
                size_t l;

                while (*p == '/')
                        p++;
                l = strcspn(p, "/");
                if (l == 0)
                        break;
                if (l == 2 && p[0] == '.' && p[1] == '.')
                        *ret_dotdot = true;
                if (!(l == 1 && p[0] == '.')) {
                        if (!first)
                                *t++ = '/';
                        memcpy(t, p, l);
                        t += l;
                        first = false;
                }
                p += l;
        }
        *t = '\0';
        return s;
}

static void check_name(const char *in, const char *name) {
        _cleanup_free_ char *decoded = NULL, *ref = NULL;
        bool dotdot;
        char *t;

        if (name[0] == '.')
                abort();

        decoded = malloc(strlen(name) + 1);
        if (!decoded)
                abort();
        t = decoded;
        for (const char *c = name; *c; c++) {
                if (*c == '\\') {
                        int h, l;

                        if (c[1] != 'x' || (h = unhex(c[2])) < 0 || (l = unhex(c[3])) < 0)
                                abort();
                        *t++ = (char) (h << 4 | l);
                        c += 3;
                } else if (*c == '-')
                        *t++ = '/';
                else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                         (*c >= '0' && *c <= '9') || *c == ':' || *c == '_' || *c == '.')
                        *t++ = *c;
                else
                        abort();
        }
        *t = '\0';

        ref = simplify(in, &dotdot);
        if (dotdot)
                abort(); /* must have been refused */
        if (ref[0] == '\0') {
                if (!streq(decoded, "/") || in[0] != '/')
                        abort();
        } else if (!streq(decoded, ref))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const suffixes[] = { ".mount", ".device", ".service", ".x" };
        _cleanup_free_ char *in = NULL, *e = NULL, *u = NULL, *s = NULL;
        const char *suffix;
        int r;

        if (size < 1 || size > FUZZ_INPUT_MAX)
                return 0;
        suffix = suffixes[data[0] % ELEMENTSOF(suffixes)];
        in = strndup((const char *) data + 1, size - 1);
        if (!in)
                return 0;

        r = unit_name_path_escape(in, &e);
        if (r >= 0)
                check_name(in, e);
        else if (r != -EINVAL && r != -ENOMEM)
                abort();

        r = unit_name_from_path(in, suffix, &u);
        if (r >= 0) {
                size_t l = strlen(u), ls = strlen(suffix);

                if (!e || l > UNIT_NAME_LENGTH_MAX || l < ls || !streq(u + l - ls, suffix) ||
                    !strneq(u, e, l - ls) || strlen(e) != l - ls)
                        abort();
        } else if (r == -ENAMETOOLONG) {
                if (!e || strlen(e) + strlen(suffix) <= UNIT_NAME_LENGTH_MAX)
                        abort();
        } else if (e && r != -ENOMEM)
                abort();

        r = unit_escape_specifiers(in, &s);
        if (r >= 0) {
                /* Undo the doubling: every '%' must come in pairs and yield the input back. */
                const char *p = s, *q = in;

                for (; *p; p++, q++) {
                        if (*p != *q)
                                abort();
                        if (*p == '%' && *++p != '%')
                                abort();
                }
                if (*q)
                        abort();
        }
        return 0;
}
