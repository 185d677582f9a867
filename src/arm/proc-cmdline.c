/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proc-cmdline.h"
#include "util.h"

/* The kernel's isspace(): its ctype table marks the usual six plus Latin-1 NBSP (0xa0). */
static bool kernel_isspace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
               (unsigned char) c == 0xa0;
}

int proc_cmdline_read(const char *root, char **ret) {
        _cleanup_free_ char *s = NULL;
        const char *e = getenv(PROC_CMDLINE_ENV);
        size_t n;
        int r;

        if (!isempty(e))
                r = read_full_file_at(NULL, e, PROC_CMDLINE_MAX, &s, &n);
        else
                r = read_full_file_at(root, "/proc/cmdline", PROC_CMDLINE_MAX, &s, &n);
        if (r < 0)
                return r;
        /* An embedded NUL ends the line, as it does for the kernel. */
        n = strnlen(s, n);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
                n--;
        s[n] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

/* One word starting at p (already past leading white space), following lib/cmdline.c next_arg():
 * returns the unquoted word in *ret (or NULL for a lone "--"), and where the next word may start. */
static int next_word(const char *p, const char *end, char **ret, const char **ret_next) {
        bool in_quote = false, quoted = false;
        size_t i, equals = 0, len;

        if (p < end && *p == '"') {
                p++;
                in_quote = quoted = true;
        }
        len = (size_t) (end - p);
        for (i = 0; i < len; i++) {
                if (kernel_isspace(p[i]) && !in_quote)
                        break;
                /* Like the kernel, a '=' at index 0 does not count as the separator. */
                if (equals == 0 && p[i] == '=')
                        equals = i;
                if (p[i] == '"')
                        in_quote = !in_quote;
        }

        /* Assemble param, '=', value with the quotes next_arg() removes taken out. */
        size_t param_len = equals ? equals : i;
        const char *val = equals ? p + equals + 1 : NULL;
        size_t val_len = equals ? i - equals - 1 : 0;
        bool closing_stripped = false;

        if (val && val_len > 0 && *val == '"') {
                val++;
                val_len--;
                if (i > 0 && p[i - 1] == '"' && val_len > 0) {
                        val_len--;
                        closing_stripped = true;
                }
        }
        if (quoted && i > 0 && p[i - 1] == '"' && !closing_stripped) {
                if (val) {
                        if (val_len > 0)
                                val_len--;
                } else if (param_len > 0)
                        param_len--;
        }

        *ret_next = p + i;

        if (!val && param_len == 2 && strneq(p, "--", 2)) {
                *ret = NULL;
                return 0;
        }

        char *w = malloc(param_len + (val ? 1 + val_len : 0) + 1);
        if (!w)
                return -ENOMEM;
        memcpy(w, p, param_len);
        if (val) {
                w[param_len] = '=';
                memcpy(w + param_len + 1, val, val_len);
                w[param_len + 1 + val_len] = 0;
        } else
                w[param_len] = 0;
        *ret = w;
        return 1;
}

int proc_cmdline_split(const char *data, size_t size, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = data, *end;
        int r;

        size = strnlen(data, size);
        if (size > PROC_CMDLINE_MAX)
                return -E2BIG;
        end = data + size;

        /* An empty vector rather than NULL, so callers can tell "no words" from "not read". */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        for (;;) {
                char *w;

                while (p < end && kernel_isspace(*p))
                        p++;
                if (p >= end)
                        break;
                r = next_word(p, end, &w, &p);
                if (r < 0)
                        return r;
                if (r == 0) /* "--": the rest is for init */
                        break;
                r = strv_consume(&l, w);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

/* parameq(): compare parameter names with '-' and '_' equal, over n bytes of a, all of b. */
static bool param_eq(const char *a, size_t n, const char *b) {
        size_t i;

        for (i = 0; i < n; i++) {
                char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
                if (b[i] == 0 || x != y)
                        return false;
        }
        return b[i] == 0;
}

const char *proc_cmdline_word_value(const char *word, const char *key, bool *ret_has_value) {
        const char *eq = strchr(word, '=');
        size_t n = eq && eq != word ? (size_t) (eq - word) : strlen(word);

        if (!param_eq(word, n, key))
                return NULL;
        if (ret_has_value)
                *ret_has_value = eq && eq != word;
        return eq && eq != word ? eq + 1 : "";
}

/* The value of the last word that sets key (the one the kernel uses), or NULL. */
static const char *find_last(char * const *words, const char *key, bool *ret_has_value) {
        const char *found = NULL;

        *ret_has_value = false;
        STRV_FOREACH(w, words) {
                bool has_value;
                const char *v = proc_cmdline_word_value(*w, key, &has_value);
                if (v) {
                        found = v;
                        *ret_has_value = has_value;
                }
        }
        return found;
}

int proc_cmdline_get_key(char * const *words, const char *key, char **ret) {
        bool found_has_value;
        const char *found = find_last(words, key, &found_has_value);

        if (!found)
                return 0;
        if (found_has_value) {
                char *c = strdup(found);
                if (!c)
                        return -ENOMEM;
                *ret = c;
        } else
                *ret = NULL;
        return 1;
}

int proc_cmdline_get_key_all(char * const *words, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int n = 0, r;

        if (!l)
                return -ENOMEM;
        STRV_FOREACH(w, words) {
                bool has_value;
                const char *v = proc_cmdline_word_value(*w, key, &has_value);
                if (!v || !has_value)
                        continue;
                r = strv_extend(&l, v);
                if (r < 0)
                        return r;
                n++;
        }
        *ret = TAKE_PTR(l);
        return n;
}

int proc_cmdline_get_bool(char * const *words, const char *key, bool *ret, const char **ret_bad_value) {
        bool found_has_value;
        const char *found = find_last(words, key, &found_has_value);

        if (!found)
                return 0;
        if (!found_has_value) {
                *ret = true;
                return 1;
        }
        int b = parse_boolean(found);
        if (b < 0) {
                if (ret_bad_value)
                        *ret_bad_value = found;
                return -EINVAL;
        }
        *ret = b;
        return 1;
}

/* Keys of the running system's boot that must not reach the capture kernel. Reasons:
 *  boot loader and root: the capture system boots its own initrd and mounts only the dump target;
 *  resume: a capture kernel must never resume a hibernation image;
 *  systemd boot targets and rd.* (dracut / systemd initrd) options describe the normal boot;
 *  memory sizing: the capture kernel has tens of MiB, huge pages or CMA areas cannot fit;
 *  CPU layout: tinykdump appends nr_cpus=1, isolation lists name CPUs that will not exist;
 *  quiet/splash: the capture system reports progress on the console. */
static const char * const capture_drop_keys[] = {
        "BOOT_IMAGE", "initrd", "initrdmem", "crashkernel",
        "root", "rootflags", "rootfstype", "rootwait", "rootdelay", "nfsroot", "ip",
        "resume", "resume_offset", "hibernate",
        "init", "rdinit",
        "systemd.unit", "systemd.wants", "systemd.mask", "systemd.run", "systemd.run_success_action",
        "systemd.run_failure_action", "systemd.firstboot", "systemd.volatile", "systemd.mount-extra",
        "systemd.swap-extra", "systemd.default_standard_output",
        "quiet", "splash", "plymouth.enable",
        "hugepages", "hugepagesz", "default_hugepagesz", "hugetlb_cma", "cma", "mem", "memmap",
        "movablecore", "kernelcore", "memhp_default_state", "transparent_hugepage", "log_buf_len",
        "swiotlb", "slub_debug", "page_owner", "numa",
        "nr_cpus", "maxcpus", "possible_cpus", "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity",
        "tinykdump",
};
static const char * const capture_drop_prefixes[] = {
        "rd.", "luks.", "tinykdump.",
};
/* Keys that may appear several times with different meaning: an extra word adds to them. */
static const char * const capture_repeatable_keys[] = {
        "console", "earlycon",
};

static bool key_in(const char *word, const char * const *keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (proc_cmdline_word_value(word, keys[i], NULL))
                        return true;
        return false;
}

static bool capture_drops(const char *word) {
        if (key_in(word, capture_drop_keys, ELEMENTSOF(capture_drop_keys)))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(capture_drop_prefixes); i++)
                if (startswith(word, capture_drop_prefixes[i]))
                        return true;
        return false;
}

/* The key part of word, as a new string. */
static char *word_key(const char *word) {
        const char *eq = strchr(word, '=');
        return eq && eq != word ? strndup(word, (size_t) (eq - word)) : strdup(word);
}

/* Does text split back into exactly the one word w, leaving no quote open that would swallow the
 * words after it? Checked by parsing text followed by a sentinel word. */
static bool round_trips(const char *text, const char *w) {
        _cleanup_free_ char *t = NULL, *back = NULL, *sentinel = NULL;
        const char *next, *end;

        if (isempty(text) || kernel_isspace(text[0]))
                return false;
        if (asprintf(&t, "%s x", text) < 0)
                return false;
        end = t + strlen(t);
        if (next_word(t, end, &back, &next) <= 0 || !streq(back, w))
                return false;
        while (next < end && kernel_isspace(*next))
                next++;
        if (next_word(next, end, &sentinel, &next) <= 0)
                return false;
        return next == end && streq(sentinel, "x");
}

/* Append w so that the kernel's next_arg() gives back exactly w: as it is, as key="value", or as
 * "word" — the first form that round-trips. -EINVAL when none does (e.g. white space and an
 * unbalanced quote in one word). */
static int append_word(Buffer *b, const char *w) {
        _cleanup_free_ char *c = NULL;
        const char *eq = strchr(w, '=');
        int r;

        if (isempty(w))
                return -EINVAL;

        if (round_trips(w, w))
                c = strdup(w);
        else {
                if (eq && eq != w) {
                        if (asprintf(&c, "%.*s\"%s\"", (int) (eq - w + 1), w, eq + 1) < 0)
                                return -ENOMEM;
                        if (!round_trips(c, w)) {
                                free(c);
                                c = NULL;
                        }
                }
                if (!c) {
                        if (asprintf(&c, "\"%s\"", w) < 0)
                                return -ENOMEM;
                        if (!round_trips(c, w))
                                return -EINVAL;
                }
        }
        if (!c)
                return -ENOMEM;

        if (b->size > 0) {
                r = buffer_append(b, " ", 1);
                if (r < 0)
                        return r;
        }
        return buffer_append(b, c, strlen(c));
}

static int join_checked(char * const *a, char * const *b, char * const *skip_mask_a, bool drop_bad_a, size_t max,
                        char **ret) {
        _cleanup_(buffer_done) Buffer buf = {};
        size_t i = 0;
        int r;

        STRV_FOREACH(w, a) {
                bool skip = skip_mask_a && skip_mask_a[i];
                i++;
                if (skip)
                        continue;
                r = append_word(&buf, *w);
                if (r == -EINVAL && drop_bad_a)
                        continue;
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(w, b) {
                r = append_word(&buf, *w);
                if (r < 0)
                        return r;
        }
        if (max > 0 && buf.size + 1 > max)
                return -E2BIG;
        r = buffer_append(&buf, "", 1);
        if (r < 0)
                return r;
        *ret = (char *) TAKE_PTR(buf.data);
        return 0;
}

int proc_cmdline_join(char * const *words, char **ret) {
        return join_checked(words, NULL, NULL, false, 0, ret);
}

int proc_cmdline_build_capture(char * const *running, char * const *extra, char **ret) {
        size_t n = strv_length(running);
        _cleanup_free_ char **skip = calloc(n + 1, sizeof(char *)); /* used as a boolean mask */

        if (!skip)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const char *w = running[i];
                _cleanup_free_ char *key = NULL;

                if (capture_drops(w)) {
                        skip[i] = (char *) w;
                        continue;
                }
                key = word_key(w);
                if (!key)
                        return -ENOMEM;
                if (key_in(w, capture_repeatable_keys, ELEMENTSOF(capture_repeatable_keys)))
                        continue;
                STRV_FOREACH(e, extra)
                        if (proc_cmdline_word_value(*e, key, NULL)) {
                                skip[i] = (char *) w;
                                break;
                        }
        }

        return join_checked(running, extra, skip, true, CAPTURE_CMDLINE_MAX, ret);
}
