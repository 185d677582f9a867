/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>

#include "util.h"

char *path_join(const char *a, const char *b) {
        char *p;

        if (isempty(a))
                a = "";
        if (isempty(b))
                return strdup(isempty(a) ? "/" : a);
        while (*b == '/' && *a)
                b++;
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        if (asprintf(&p, "%.*s%s%s", (int) la, a, *a && *b ? "/" : "", b) < 0)
                return NULL;
        return p;
}

const char *tk_root(void) {
        const char *e = getenv("TINYKDUMP_ROOT");
        return isempty(e) ? NULL : e;
}

int read_full_file_at(const char *root, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0, allocated = 0;

        p = path_join(root, path);
        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        for (;;) {
                if (allocated - n < 4096 + 1 && allocated < max + 2) {
                        size_t na = allocated == 0 ? 4096 + 1 : allocated * 2;
                        /* One byte beyond max to notice a file that is too large, one for the NUL. */
                        if (na > max + 2)
                                na = max + 2;
                        char *nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                ssize_t k = read(fd, buf + n, allocated - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max)
                        return -EFBIG;
        }

        buf[n] = 0;
        if (ret_size)
                *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_one_line_file_at(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_full_file_at(root, path, 64 * KiB, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

int write_string_file_at(const char *root, const char *path, const char *s) {
        _cleanup_free_ char *p = path_join(root, path);
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(s);

        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t k = write(fd, s, l);
        if (k < 0)
                return -errno;
        if ((size_t) k != l)
                return -EIO;
        return 0;
}

char *strstrip(char *s) {
        while (isspace((unsigned char) *s))
                s++;
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char) s[l - 1]))
                s[--l] = 0;
        return s;
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
        uint64_t v = 0;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;

        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char) p[2])) {
                p += 2;
                for (; isxdigit((unsigned char) *p); p++) {
                        unsigned d = isdigit((unsigned char) *p) ? (unsigned) (*p - '0')
                                                                 : (unsigned) (tolower((unsigned char) *p) - 'a' + 10);
                        if (v > (UINT64_MAX - d) / 16)
                                return -ERANGE;
                        v = v * 16 + d;
                }
        } else
                for (; isdigit((unsigned char) *p); p++) {
                        unsigned d = (unsigned) (*p - '0');
                        if (v > (UINT64_MAX - d) / 10)
                                return -ERANGE;
                        v = v * 10 + d;
                }

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

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        STRV_FOREACH(s, l)
                n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **nl;

        if (!value)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(value);
                return -ENOMEM;
        }
        nl[n] = value;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

bool strv_contains(char * const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

int buffer_append(Buffer *b, const void *p, size_t n) {
        if (n == 0)
                return 0;
        if (b->size > SIZE_MAX - n)
                return -ENOMEM;
        if (b->size + n > b->allocated) {
                size_t na = MAX(b->allocated * 2, b->size + n);
                na = MAX(na, (size_t) 4096);
                uint8_t *d = realloc(b->data, na);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->allocated = na;
        }
        if (p)
                memcpy(b->data + b->size, p, n);
        else
                memset(b->data + b->size, 0, n);
        b->size += n;
        return 0;
}

int buffer_append_zero(Buffer *b, size_t n) {
        return buffer_append(b, NULL, n);
}

int buffer_pad(Buffer *b, size_t alignment) {
        size_t rem = b->size % alignment;
        return rem == 0 ? 0 : buffer_append_zero(b, alignment - rem);
}

void buffer_done(Buffer *b) {
        free(b->data);
        *b = (Buffer) {};
}
