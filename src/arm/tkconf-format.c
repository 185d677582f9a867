/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration written out: as tinykdump.conf (INI) and as JSON, for `tinykdump status` and
 * the tests. */
#include <inttypes.h>
#include <stdarg.h>
#include <syslog.h>

#include "capture-config.h"
#include "tkconf.h"
#include "util.h"

static int bprintf(Buffer *b, const char *format, ...) _printf_(2, 3);
static int bprintf(Buffer *b, const char *format, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(&s, format, ap);
        va_end(ap);
        if (n < 0) {
                s = NULL;
                return -ENOMEM;
        }
        return buffer_append(b, s, (size_t) n);
}

/* Sizes written so they parse back exactly. */
static int bprint_size(Buffer *b, uint64_t v) {
        if (v != 0 && v % GiB == 0)
                return bprintf(b, "%" PRIu64 "G", v / GiB);
        if (v != 0 && v % MiB == 0)
                return bprintf(b, "%" PRIu64 "M", v / MiB);
        if (v != 0 && v % KiB == 0)
                return bprintf(b, "%" PRIu64 "K", v / KiB);
        return bprintf(b, "%" PRIu64, v);
}

static int finish(Buffer *b, int r, char **ret) {
        if (r >= 0)
                r = buffer_append_zero(b, 1);
        if (r < 0) {
                buffer_done(b);
                return r;
        }
        *ret = (char *) b->data;
        return 0;
}

int tk_config_format_ini(const TkConfig *c, char **ret) {
        char ts[FORMAT_TIMESPAN_MAX];
        Buffer b = {};
        int r;

        r = bprintf(&b, "# Effective tinykdump configuration%s\n", strv_length(c->files) > 0 ? ", from:" : " (defaults only)");
        STRV_FOREACH(f, c->files) {
                if (r < 0)
                        break;
                /* File names come from readdir(): keep them from breaking out of the comment. */
                r = bprintf(&b, "#   ");
                for (const char *p = *f; *p && r >= 0; p++)
                        r = (unsigned char) *p < 0x20 || *p == 0x7f ? bprintf(&b, "\\x%02x", (unsigned char) *p)
                                                                   : buffer_append(&b, p, 1);
                if (r >= 0)
                        r = bprintf(&b, "\n");
        }
        if (r >= 0)
                r = bprintf(&b, "\n[Capture]\nImage=%s\nKernel=%s\nInitrd=%s\nKernelCommandLine=\n", strempty(c->image),
                            c->kernel, c->initrd);
        STRV_FOREACH(s, c->kernel_command_line)
                if (r >= 0)
                        r = bprintf(&b, "KernelCommandLine=%s\n", *s);
        if (r >= 0)
                r = bprintf(&b, "\n[Target]\nWhat=%s%s%s\nDirectory=%s\nFileSystemType=%s\nTimeoutSec=%s\n",
                            c->target_kind != TK_TARGET_NONE ? tk_target_kind_to_string(c->target_kind) : "",
                            c->target_kind != TK_TARGET_NONE ? "=" : "", strempty(c->target_value), c->directory,
                            tk_fs_to_string(c->fs_type), format_timespan_usec(ts, sizeof(ts), c->timeout_usec));
        if (r >= 0)
                r = bprintf(&b, "\n[Dump]\nLevel=%" PRIu32 "\nCompression=%s\n", c->dump_level,
                            capture_compression_to_string(c->compression));
        if (r >= 0)
                r = bprintf(&b, "\n[Actions]\nFailureAction=%s\nFinalAction=%s\n\n[Memory]\nShrinkReservation=%s\nMargin=",
                            capture_action_to_string(c->failure_action), capture_action_to_string(c->final_action),
                            tk_shrink_to_string(c->shrink_reservation));
        if (r >= 0 && c->margin != TK_MARGIN_UNSET)
                r = bprint_size(&b, c->margin);
        if (r >= 0)
                r = bprintf(&b, "\n");
        return finish(&b, r, ret);
}

static int json_string(Buffer *b, const char *s) {
        int r;

        if (!s)
                return bprintf(b, "null");
        r = buffer_append(b, "\"", 1);
        for (size_t i = 0, n = strlen(s); i < n && r >= 0;) {
                unsigned char c = (unsigned char) s[i];
                size_t k = utf8_sequence_length(s + i, n - i, NULL);

                if (c == '"' || c == '\\')
                        r = bprintf(b, "\\%c", c);
                else if (c < 0x20 || c == 0x7f)
                        r = bprintf(b, "\\u%04x", c);
                else if (k == 0) {
                        r = bprintf(b, "\\ufffd"); /* not UTF-8: JSON cannot carry it */
                        k = 1;
                } else
                        r = buffer_append(b, s + i, k);
                i += k ?: 1;
        }
        if (r >= 0)
                r = buffer_append(b, "\"", 1);
        return r;
}

static int json_key_string(Buffer *b, const char *key, const char *value, bool comma) {
        int r = bprintf(b, "\"%s\":", key);
        if (r >= 0)
                r = json_string(b, value);
        if (r >= 0 && comma)
                r = buffer_append(b, ",", 1);
        return r;
}

static int json_strv(Buffer *b, char * const *l) {
        int r = buffer_append(b, "[", 1);
        STRV_FOREACH(s, l) {
                if (r >= 0 && s != l)
                        r = buffer_append(b, ",", 1);
                if (r >= 0)
                        r = json_string(b, *s);
        }
        if (r >= 0)
                r = buffer_append(b, "]", 1);
        return r;
}

int tk_config_format_json(const TkConfig *c, char **ret) {
        _cleanup_free_ char *what = NULL;
        Buffer b = {};
        int r;

        r = tk_config_target_what(c, &what);
        if (r < 0)
                return r;

        r = bprintf(&b, "{\"valid\":%s,\"files\":", tk_config_is_valid(c) ? "true" : "false");
        if (r >= 0)
                r = json_strv(&b, c->files);
        if (r >= 0)
                r = bprintf(&b, ",\"diagnostics\":[");
        for (size_t i = 0; i < c->diags.n && r >= 0; i++) {
                const ConfDiag *d = &c->diags.items[i];
                r = bprintf(&b, "%s{\"level\":\"%s\",", i > 0 ? "," : "", d->level <= LOG_ERR ? "error" : "warning");
                if (r >= 0)
                        r = json_key_string(&b, "file", d->file, true);
                if (r >= 0)
                        r = bprintf(&b, "\"line\":%u,", d->line);
                if (r >= 0)
                        r = json_key_string(&b, "message", d->message, false);
                if (r >= 0)
                        r = buffer_append(&b, "}", 1);
        }
        if (r >= 0)
                r = bprintf(&b, "],\"Capture\":{");
        if (r >= 0)
                r = json_key_string(&b, "Image", c->image, true);
        if (r >= 0)
                r = json_key_string(&b, "Kernel", c->kernel, true);
        if (r >= 0)
                r = json_key_string(&b, "Initrd", c->initrd, true);
        if (r >= 0)
                r = bprintf(&b, "\"KernelCommandLine\":");
        if (r >= 0)
                r = json_strv(&b, c->kernel_command_line);
        if (r >= 0)
                r = bprintf(&b, "},\"Target\":{");
        if (r >= 0)
                r = json_key_string(&b, "What", what, true);
        if (r >= 0)
                r = json_key_string(&b, "Directory", c->directory, true);
        if (r >= 0)
                r = json_key_string(&b, "FileSystemType", tk_fs_to_string(c->fs_type), true);
        if (r >= 0)
                r = bprintf(&b, "\"TimeoutUSec\":%" PRIu64 "},\"Dump\":{\"Level\":%" PRIu32 ",", c->timeout_usec,
                            c->dump_level);
        if (r >= 0)
                r = json_key_string(&b, "Compression", capture_compression_to_string(c->compression), false);
        if (r >= 0)
                r = bprintf(&b, "},\"Actions\":{");
        if (r >= 0)
                r = json_key_string(&b, "FailureAction", capture_action_to_string(c->failure_action), true);
        if (r >= 0)
                r = json_key_string(&b, "FinalAction", capture_action_to_string(c->final_action), false);
        if (r >= 0)
                r = bprintf(&b, "},\"Memory\":{");
        if (r >= 0)
                r = json_key_string(&b, "ShrinkReservation", tk_shrink_to_string(c->shrink_reservation), true);
        if (r >= 0)
                r = c->margin == TK_MARGIN_UNSET ? bprintf(&b, "\"Margin\":null")
                                                 : bprintf(&b, "\"Margin\":%" PRIu64, c->margin);
        if (r >= 0)
                r = bprintf(&b, "}}");
        return finish(&b, r, ret);
}
