/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "conf-parser.h"
#include "log.h"
#include "util.h"

void conf_diags_done(ConfDiagList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].file);
                free(l->items[i].section);
                free(l->items[i].key);
                free(l->items[i].value);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (ConfDiagList) {};
}

static int strdup_or_null(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

_printf_(8, 0) static int conf_diags_addv(ConfDiagList *l, int level, const char *file, unsigned line,
                                          const char *section, const char *key, const char *value,
                                          const char *format, va_list ap) {
        _cleanup_free_ char *f = NULL, *m = NULL, *sec = NULL, *k = NULL, *v = NULL;

        if (level <= LOG_ERR)
                l->n_errors++;
        if (l->n >= CONF_DIAGS_MAX) {
                l->n_dropped++;
                return 0;
        }
        if (strdup_or_null(file, &f) < 0 || strdup_or_null(section, &sec) < 0 ||
            strdup_or_null(key, &k) < 0 || strdup_or_null(value, &v) < 0)
                return -ENOMEM;
        if (vasprintf(&m, format, ap) < 0) {
                m = NULL;
                return -ENOMEM;
        }
        ConfDiag *n = realloc(l->items, (l->n + 1) * sizeof(ConfDiag));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = (ConfDiag) {
                .level = level,
                .file = TAKE_PTR(f),
                .line = line,
                .section = TAKE_PTR(sec),
                .key = TAKE_PTR(k),
                .value = TAKE_PTR(v),
                .message = TAKE_PTR(m),
        };
        return 0;
}

int conf_diags_add(ConfDiagList *l, int level, const char *file, unsigned line, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = conf_diags_addv(l, level, file, line, NULL, NULL, NULL, format, ap);
        va_end(ap);
        return r;
}

int conf_diags_add_full(ConfDiagList *l, int level, const char *file, unsigned line, const char *section,
                        const char *key, const char *value, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = conf_diags_addv(l, level, file, line, section, key, value, format, ap);
        va_end(ap);
        return r;
}

char *conf_diag_format(const ConfDiag *d) {
        char *s;
        int r;

        if (d->file && d->line > 0)
                r = asprintf(&s, "%s:%u: %s", d->file, d->line, d->message);
        else if (d->file)
                r = asprintf(&s, "%s: %s", d->file, d->message);
        else
                r = asprintf(&s, "%s", d->message);
        return r < 0 ? NULL : s;
}

void conf_diags_log(const ConfDiagList *l) {
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *s = conf_diag_format(&l->items[i]);
                log_full(l->items[i].level, "%s", s ?: l->items[i].message);
        }
        if (l->n_dropped > 0)
                log_warning("%zu more configuration problems not shown.", l->n_dropped);
}

/* Copies s with control characters and backslashes escaped as \xNN, so a hostile value cannot
 * drive the terminal that shows the diagnostic. Long values are cut with "…". */
static char *escape_value(const char *s) {
        const size_t max_in = 256;
        size_t l = strlen(s), n = MIN(l, max_in);
        char *e = malloc(n * 4 + sizeof("…")), *p = e;

        if (!e)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c == 0x7f || c == '\\')
                        p += sprintf(p, "\\x%02x", c);
                else
                        *p++ = (char) c;
        }
        if (l > max_in)
                p = stpcpy(p, "…");
        *p = 0;
        return e;
}

_printf_(3, 0) static int conf_value_diagv(const ConfContext *ctx, int level, const char *format, va_list ap) {
        _cleanup_free_ char *what = NULL, *v = NULL;

        if (vasprintf(&what, format, ap) < 0) {
                what = NULL;
                return -ENOMEM;
        }
        v = escape_value(strempty(ctx->value));
        if (!v)
                return -ENOMEM;
        return conf_diags_add_full(ctx->diags, level, ctx->file, ctx->line, ctx->section, ctx->key, ctx->value,
                                   "[%s] %s=%s: %s", strna(ctx->section), ctx->key, v, what);
}

int conf_value_error(const ConfContext *ctx, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = conf_value_diagv(ctx, LOG_ERR, format, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

int conf_value_warning(const ConfContext *ctx, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = conf_value_diagv(ctx, LOG_WARNING, format, ap);
        va_end(ap);
        return r;
}

static bool key_char_ok(char c) {
        return isalnum((unsigned char) c) || c == '_' || c == '-' || c == '.';
}

static bool section_char_ok(char c) {
        return isalnum((unsigned char) c) || c == '_' || c == '-' || c == '.' || c == ' ';
}

typedef struct ParseState {
        const char *filename;
        const ConfTableItem *table;
        void *userdata;
        ConfDiagList *diags;
        char *section;          /* NULL before the first header */
        bool section_known;
        bool section_warned;
} ParseState;

static bool table_has_section(const ConfTableItem *table, const char *section) {
        for (const ConfTableItem *t = table; t->section; t++)
                if (streq(t->section, section))
                        return true;
        return false;
}

static int parse_section_line(ParseState *s, unsigned line, char *l) {
        size_t n = strlen(l);

        /* Keys below an invalid header are skipped quietly; the header itself is the error. */
        free(s->section);
        s->section = NULL;
        s->section_known = false;
        s->section_warned = true;

        /* l starts with '['. */
        if (n < 2 || l[n - 1] != ']') {
                _cleanup_free_ char *e = escape_value(l);
                return conf_diags_add(s->diags, LOG_ERR, s->filename, line,
                                      "Invalid section header \"%s\": missing ']'.", strna(e));
        }
        l[n - 1] = 0;
        char *name = strstrip(l + 1);
        bool ok = !isempty(name);
        for (const char *p = name; *p && ok; p++)
                ok = section_char_ok(*p);
        if (!ok) {
                _cleanup_free_ char *e = escape_value(name);
                return conf_diags_add(s->diags, LOG_ERR, s->filename, line, "Invalid section name \"[%s]\".",
                                      strna(e));
        }
        s->section = strdup(name);
        if (!s->section)
                return -ENOMEM;
        s->section_known = table_has_section(s->table, name);
        if (!s->section_known)
                return conf_diags_add_full(s->diags, LOG_WARNING, s->filename, line, name, NULL, NULL,
                                           "Unknown section [%s], ignoring its keys.", name);
        return 0;
}

static int parse_assignment(ParseState *s, unsigned line, char *l) {
        char *eq = strchr(l, '=');

        if (!eq) {
                _cleanup_free_ char *e = escape_value(l);
                return conf_diags_add(s->diags, LOG_ERR, s->filename, line,
                                      "Missing '=' in \"%s\": expected Key=Value.", strna(e));
        }
        *eq = 0;
        char *key = strstrip(l), *value = strstrip(eq + 1);
        bool ok = !isempty(key);
        for (const char *p = key; *p && ok; p++)
                ok = key_char_ok(*p);
        if (!ok) {
                _cleanup_free_ char *e = escape_value(key);
                return conf_diags_add(s->diags, LOG_ERR, s->filename, line, "Invalid key name \"%s\".",
                                      strna(e));
        }

        if (!s->section) {
                if (s->section_warned)
                        return 0;
                return conf_diags_add_full(s->diags, LOG_WARNING, s->filename, line, NULL, key, value,
                                           "Assignment %s= outside of any section, ignoring.", key);
        }
        if (!s->section_known)
                return 0; /* already warned about the section */

        const ConfTableItem *found = NULL, *similar = NULL;
        for (const ConfTableItem *t = s->table; t->section; t++) {
                if (!streq(t->section, s->section))
                        continue;
                if (streq(t->key, key)) {
                        found = t;
                        break;
                }
                if (strcasecmp(t->key, key) == 0)
                        similar = t;
        }
        if (!found) {
                if (similar)
                        return conf_diags_add_full(s->diags, LOG_WARNING, s->filename, line, s->section, key, value,
                                                   "[%s] Unknown key %s=, ignoring. Did you mean %s=?", s->section,
                                                   key, similar->key);
                return conf_diags_add_full(s->diags, LOG_WARNING, s->filename, line, s->section, key, value,
                                           "[%s] Unknown key %s=, ignoring.", s->section, key);
        }

        ConfContext ctx = {
                .file = s->filename,
                .line = line,
                .section = s->section,
                .key = found->key,
                .value = value,
                .diags = s->diags,
        };
        /* Only reachable through a continuation ("a\\" + "\\" at the end of a line). Such a value
         * cannot be written back without turning into a continuation itself. */
        size_t vl = strlen(value);
        if (vl > 0 && value[vl - 1] == '\\') {
                int k = conf_value_error(&ctx, "value ends with a backslash.");
                return k == -ENOMEM ? k : 0;
        }

        int r = found->parse(&ctx, value, (uint8_t *) s->userdata + found->offset, found->arg);
        return r == -ENOMEM ? r : 0;
}

static int parse_line(ParseState *s, unsigned line, char *l) {
        l = strstrip(l);
        if (l[0] == 0 || l[0] == '#' || l[0] == ';')
                return 0;
        if (l[0] == '[')
                return parse_section_line(s, line, l);
        return parse_assignment(s, line, l);
}

static int finish_line(ParseState *s, char *logical, size_t len, unsigned line, bool too_long) {
        if (too_long)
                return conf_diags_add(s->diags, LOG_ERR, s->filename, line, "Line is longer than %u bytes, ignoring it.",
                                      (unsigned) CONF_LINE_MAX);
        logical[len] = 0;
        return parse_line(s, line, logical);
}

int conf_parse_data(const char *filename, const char *data, size_t size, const ConfTableItem *table,
                    void *userdata, ConfDiagList *diags) {
        _cleanup_free_ char *logical = NULL;
        size_t logical_len = 0;
        unsigned logical_line = 0;       /* first physical line of the logical line being joined */
        bool line_too_long = false;
        ParseState s = {
                .filename = filename,
                .table = table,
                .userdata = userdata,
                .diags = diags,
        };
        int r = 0;

        if (size > CONF_FILE_MAX)
                return conf_diags_add(diags, LOG_ERR, filename, 0, "File is larger than %" PRIu64 " bytes, ignoring it.",
                                      (uint64_t) CONF_FILE_MAX);
        if (memchr(data, 0, size))
                return conf_diags_add(diags, LOG_ERR, filename, 0, "File contains a NUL byte, ignoring it.");

        logical = malloc(CONF_LINE_MAX + 1);
        if (!logical)
                return -ENOMEM;

        unsigned line = 0;
        for (size_t pos = 0; pos < size;) {
                const char *start = data + pos, *nl = memchr(start, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - start) : size - pos;
                pos += len + (nl ? 1 : 0);
                line++;

                /* Drop a CR of CRLF line ends, and trailing white space. */
                while (len > 0 && isspace((unsigned char) start[len - 1]))
                        len--;

                if (logical_line == 0) {
                        logical_line = line;
                        logical_len = 0;
                        line_too_long = false;
                } else {
                        /* Comment lines inside a continuation are skipped, as systemd does. */
                        const char *p = start;
                        while (p < start + len && isspace((unsigned char) *p))
                                p++;
                        if (p < start + len && (*p == '#' || *p == ';'))
                                continue;
                }

                bool cont = len > 0 && start[len - 1] == '\\';
                if (cont)
                        len--;

                if (!line_too_long) {
                        if (logical_len + len + 1 > CONF_LINE_MAX)
                                line_too_long = true;
                        else {
                                memcpy(logical + logical_len, start, len);
                                logical_len += len;
                                if (cont)
                                        logical[logical_len++] = ' ';
                        }
                }
                if (cont && pos < size)
                        continue;

                r = finish_line(&s, logical, logical_len, logical_line, line_too_long);
                logical_line = 0;
                if (r < 0)
                        break;
        }
        /* The file ended inside a continuation whose last lines were comments. */
        if (r >= 0 && logical_line != 0)
                r = finish_line(&s, logical, logical_len, logical_line, line_too_long);

        free(s.section);
        return r;
}

static int dropin_compare(const void *a, const void *b) {
        const char *x = *(char * const *) a, *y = *(char * const *) b;
        return strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

enum {
        CONF_FILE_MISSING,
        CONF_FILE_PRESENT,
        CONF_FILE_MASKED,       /* a symlink to /dev/null */
};

/* Whether path exists below root. Errors other than ENOENT count as present: reading the file
 * reports them with its name. */
static int conf_file_state(const char *root, const char *path) {
        _cleanup_free_ char *p = path_join(root, path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        if (lstat(p, &st) < 0)
                return errno == ENOENT ? CONF_FILE_MISSING : CONF_FILE_PRESENT;
        if (S_ISLNK(st.st_mode)) {
                char target[sizeof("/dev/null")];
                ssize_t k = readlink(p, target, sizeof(target));
                if (k == (ssize_t) strlen("/dev/null") && memcmp(target, "/dev/null", (size_t) k) == 0)
                        return CONF_FILE_MASKED;
        }
        return CONF_FILE_PRESENT;
}

/* Adds the *.conf files of the drop-in directory dir (below root) to *dropins: a name already
 * there from an earlier directory is replaced (or masked) by this one. */
static int conf_dropins_add_dir(const char *root, const char *dir, ConfDiagList *diags, char ***dropins,
                                size_t *n_dropins) {
        _cleanup_free_ char *p = path_join(root, dir);
        _cleanup_closedir_ DIR *d = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        d = opendir(p);
        if (!d) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return conf_diags_add(diags, LOG_ERR, dir, 0, "Failed to open drop-in directory: %s",
                                      strerror(errno));
        }
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l <= 5 || !streq(de->d_name + l - 5, ".conf"))
                        continue;

                _cleanup_free_ char *path = path_join(dir, de->d_name);
                if (!path)
                        return -ENOMEM;

                /* A later directory replaces (or masks) the same name from earlier ones. */
                bool replaced = false;
                for (size_t i = 0; *dropins && (*dropins)[i]; i++)
                        if (streq(strrchr((*dropins)[i], '/') + 1, de->d_name)) {
                                free((*dropins)[i]);
                                (*dropins)[i] = TAKE_PTR(path);
                                replaced = true;
                                break;
                        }
                if (replaced)
                        continue;
                if (*n_dropins >= CONF_DROPINS_MAX)
                        return conf_diags_add(diags, LOG_ERR, dir, 0, "More than %u drop-in files, ignoring the rest.",
                                              CONF_DROPINS_MAX);
                r = strv_consume(dropins, TAKE_PTR(path));
                if (r < 0)
                        return r;
                (*n_dropins)++;
        }
        return 0;
}

int conf_files_list(const char *root, const char *main_path, const char *vendor_path,
                    const char * const *dropin_dirs, ConfDiagList *diags, char ***ret) {
        _cleanup_strv_free_ char **files = NULL, **dropins = NULL;
        int r;

        if (main_path) {
                /* /etc shadows /usr/lib entirely; a masked main file hides the vendor file too. */
                r = conf_file_state(root, main_path);
                if (r < 0)
                        return r;
                if (r == CONF_FILE_PRESENT)
                        r = strv_extend(&files, main_path);
                else if (r == CONF_FILE_MISSING && vendor_path) {
                        r = conf_file_state(root, vendor_path);
                        if (r < 0)
                                return r;
                        r = r == CONF_FILE_PRESENT ? strv_extend(&files, vendor_path) : 0;
                } else
                        r = 0;
                if (r < 0)
                        return r;
        }

        size_t n_dropins = 0;
        for (const char * const *dir = dropin_dirs; dir && *dir; dir++) {
                r = conf_dropins_add_dir(root, *dir, diags, &dropins, &n_dropins);
                if (r < 0)
                        return r;
        }

        if (dropins)
                qsort(dropins, strv_length(dropins), sizeof(char *), dropin_compare);
        STRV_FOREACH(f, dropins) {
                r = conf_file_state(root, *f);
                if (r < 0)
                        return r;
                if (r != CONF_FILE_PRESENT)
                        continue; /* masked */
                r = strv_extend(&files, *f);
                if (r < 0)
                        return r;
        }

        if (!files) {
                files = calloc(1, sizeof(char *));
                if (!files)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(files);
        return 0;
}

int conf_parse_config_file(const char *root, const char *main_path, const char *vendor_path,
                           const char * const *dropin_dirs, const ConfTableItem *table, void *userdata,
                           ConfDiagList *diags, char ***ret_files) {
        _cleanup_strv_free_ char **files = NULL, **read = NULL;
        int r;

        r = conf_files_list(root, main_path, vendor_path, dropin_dirs, diags, &files);
        if (r < 0)
                return r;

        STRV_FOREACH(f, files) {
                _cleanup_free_ char *data = NULL, *p = path_join(root, *f);
                struct stat st;
                size_t size;

                if (!p)
                        return -ENOMEM;
                /* A FIFO or device would block or never end: only regular files are read. */
                if (stat(p, &st) >= 0 && !S_ISREG(st.st_mode)) {
                        r = conf_diags_add(diags, LOG_ERR, *f, 0, "Not a regular file, ignoring it.");
                        if (r < 0)
                                return r;
                        continue;
                }
                r = read_full_file_at(root, *f, CONF_FILE_MAX, &data, &size);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT)
                        continue; /* raced with removal */
                if (r == -EFBIG) {
                        r = conf_diags_add(diags, LOG_ERR, *f, 0, "File is larger than %" PRIu64 " bytes, ignoring it.",
                                           (uint64_t) CONF_FILE_MAX);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0) {
                        r = conf_diags_add(diags, LOG_ERR, *f, 0, "Failed to read: %s", strerror(-r));
                        if (r < 0)
                                return r;
                        continue;
                }
                r = conf_parse_data(*f, data, size, table, userdata, diags);
                if (r < 0)
                        return r;
                r = strv_extend(&read, *f);
                if (r < 0)
                        return r;
        }

        if (ret_files) {
                if (!read) {
                        read = calloc(1, sizeof(char *));
                        if (!read)
                                return -ENOMEM;
                }
                *ret_files = TAKE_PTR(read);
        }
        return 0;
}
