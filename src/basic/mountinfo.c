/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "mountinfo.h"

void mount_entry_done(MountEntry *e) {
        free(e->root);
        free(e->mount_point);
        free(e->fstype);
        free(e->source);
        *e = (MountEntry) {};
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s, size_t n) {
        char *r = malloc(n + 1), *d = r;

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        *d++ = (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                        i += 3;
                } else
                        *d++ = s[i];
        }
        *d = 0;
        return r;
}

/* Splits one line into white-space separated fields, at most max, returning how many. */
static size_t split_fields(const char *l, size_t n, const char **f, size_t *fl, size_t max) {
        size_t k = 0;

        for (size_t i = 0; i < n && k < max;) {
                while (i < n && (l[i] == ' ' || l[i] == '\t'))
                        i++;
                if (i >= n)
                        break;
                size_t start = i;
                while (i < n && l[i] != ' ' && l[i] != '\t')
                        i++;
                f[k] = l + start;
                fl[k] = i - start;
                k++;
        }
        return k;
}

static int parse_devnum(const char *f, size_t fl, unsigned *ret_major, unsigned *ret_minor) {
        char buf[32], extra;
        unsigned ma, mi;

        if (fl >= sizeof(buf))
                return -EBADMSG;
        memcpy(buf, f, fl);
        buf[fl] = 0;
        /* Digits only ("%u" would take "+1" or " 1"). */
        if (buf[0] < '0' || buf[0] > '9' || sscanf(buf, "%u:%u%c", &ma, &mi, &extra) != 2)
                return -EBADMSG;
        *ret_major = ma;
        *ret_minor = mi;
        return 0;
}

int mountinfo_parse_line(const char *line, size_t n, MountEntry *ret) {
        enum { FIELDS_MAX = 64 };
        const char *f[FIELDS_MAX];
        size_t fl[FIELDS_MAX], k, sep = 0;
        MountEntry e = {};

        if (n > 0 && !line)
                return -EINVAL;
        k = split_fields(line, n, f, fl, FIELDS_MAX);
        if (k < 5)
                return -EBADMSG;
        for (size_t i = 6; i < k; i++)
                if (fl[i] == 1 && f[i][0] == '-') {
                        sep = i;
                        break;
                }
        if (sep == 0 || sep + 2 >= k)
                return -EBADMSG;
        if (parse_devnum(f[2], fl[2], &e.major, &e.minor) < 0)
                return -EBADMSG;

        e.root = unescape_octal(f[3], fl[3]);
        e.mount_point = unescape_octal(f[4], fl[4]);
        e.fstype = unescape_octal(f[sep + 1], fl[sep + 1]);
        e.source = unescape_octal(f[sep + 2], fl[sep + 2]);
        if (!e.root || !e.mount_point || !e.fstype || !e.source) {
                mount_entry_done(&e);
                return -ENOMEM;
        }
        *ret = e;
        return 0;
}

int mountinfo_find_last(const char *data, size_t size, MountEntryFilter filter, const void *userdata, MountEntry *ret) {
        _cleanup_(mount_entry_done) MountEntry found = {};
        bool have = false;

        if (size > MOUNTINFO_MAX)
                return -EFBIG;
        if ((size > 0 && !data) || !filter)
                return -EINVAL;

        for (size_t pos = 0; pos < size;) {
                const char *l = data + pos, *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                MountEntry e;
                int r;

                pos += n + (nl ? 1 : 0);
                if (n == 0)
                        continue;
                r = mountinfo_parse_line(l, n, &e);
                if (r < 0)
                        return r;
                if (!filter(&e, userdata)) {
                        mount_entry_done(&e);
                        continue;
                }
                mount_entry_done(&found);
                found = e;
                have = true;
        }
        if (!have)
                return -ENOENT;
        *ret = found;
        found = (MountEntry) {};
        return 0;
}

typedef struct PathMatch {
        const char *path;
        size_t len;
} PathMatch;

static bool match_path(const MountEntry *e, const void *userdata) {
        const PathMatch *m = userdata;

        return strlen(e->mount_point) == m->len && memcmp(e->mount_point, m->path, m->len) == 0;
}

int mountinfo_find(const char *data, size_t size, const char *path, MountEntry *ret) {
        PathMatch m = { .path = path };

        if (!path || path[0] != '/')
                return -EINVAL;
        /* Compare without trailing slashes ("/" stays "/"). */
        m.len = strlen(path);
        while (m.len > 1 && path[m.len - 1] == '/')
                m.len--;
        return mountinfo_find_last(data, size, match_path, &m, ret);
}

typedef struct DevnumMatch {
        unsigned major, minor;
} DevnumMatch;

static bool match_devnum_root(const MountEntry *e, const void *userdata) {
        const DevnumMatch *m = userdata;

        return e->major == m->major && e->minor == m->minor && streq(e->root, "/");
}

int mountinfo_find_devnum(const char *data, size_t size, unsigned major, unsigned minor, char **ret) {
        _cleanup_(mount_entry_done) MountEntry e = {};
        int r;

        r = mountinfo_find_last(data, size, match_devnum_root, &(DevnumMatch) { major, minor }, &e);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(e.mount_point);
        return 0;
}
