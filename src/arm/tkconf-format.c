/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration written out: as tinykdump.conf (INI) and as JSON, for `tinykdump status` and
 * the tests. */
#include <inttypes.h>
#include <stdarg.h>
#include <syslog.h>

#include "capture-config.h"
#include "json.h"
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

static int bprint_limit(Buffer *b, const RetentionLimit *l) {
        return l->percent ? bprintf(b, "%" PRIu64 "%%", l->value) : bprint_size(b, l->value);
}

static void json_limit(JsonWriter *w, const char *key, const RetentionLimit *l) {
        char buf[32];

        json_key(w, key);
        if (!l->set)
                json_null(w);
        else if (l->percent)
                json_string(w, retention_limit_format(l, buf, sizeof(buf)));
        else
                json_u64(w, l->value);
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
                r = bprintf(&b, "MaxUse=");
        if (r >= 0 && c->max_use.set)
                r = bprint_limit(&b, &c->max_use);
        if (r >= 0)
                r = bprintf(&b, "\nKeepFree=");
        if (r >= 0 && c->keep_free.set)
                r = bprint_limit(&b, &c->keep_free);
        if (r >= 0)
                r = bprintf(&b, "\n");
        if (r >= 0)
                r = bprintf(&b, "\n[Dump]\nLevel=%" PRIu32 "\nCompression=%s\nTimeoutSec=%s\n", c->dump_level,
                            capture_compression_to_string(c->compression),
                            format_timespan_usec(ts, sizeof(ts), c->dump_timeout_usec));
        if (r >= 0)
                r = bprintf(&b, "\n[Actions]\nFailureAction=%s\nFinalAction=%s\n\n[Memory]\nShrinkReservation=%s\nMargin=",
                            capture_action_to_string(c->failure_action), capture_action_to_string(c->final_action),
                            tk_shrink_to_string(c->shrink_reservation));
        if (r >= 0 && c->margin != TK_MARGIN_UNSET)
                r = bprint_size(&b, c->margin);
        if (r >= 0)
                r = bprintf(&b, "\nBelowNeed=%s", c->refuse_below_need ? "refuse" : "warn");
        if (r >= 0)
                r = bprintf(&b, "\n\n[Erase]\nEnable=%s\nOnFailure=%s\nUnresolved=%s\nDisableRules=", yes_no(c->erase),
                            tk_erase_on_failure_to_string(c->erase_on_failure), c->erase_refuse_unresolved ? "refuse" : "warn");
        STRV_FOREACH(n, c->erase_disable_rules)
                if (r >= 0)
                        r = bprintf(&b, "%s%s", n == c->erase_disable_rules ? "" : " ", *n);
        if (r >= 0)
                r = bprintf(&b, "\nRuleDirectory=%s\n", strempty(c->erase_rule_directory));
        return buffer_finish_string(&b, r, ret);
}

static void json_strv(JsonWriter *w, const char *key, char * const *l) {
        json_key(w, key);
        json_array_open(w);
        STRV_FOREACH(s, l)
                json_string(w, *s);
        json_array_close(w);
}

static void json_diagnostics(JsonWriter *w, const ConfDiagList *diags) {
        json_key(w, "diagnostics");
        json_array_open(w);
        for (size_t i = 0; i < diags->n; i++) {
                const ConfDiag *d = &diags->items[i];
                json_object_open(w);
                json_kv_string(w, "level", d->level <= LOG_ERR ? "error" : "warning");
                json_kv_string(w, "file", d->file);
                json_kv_u64(w, "line", d->line);
                json_kv_string(w, "message", d->message);
                json_object_close(w);
        }
        json_array_close(w);
}

static void json_settings(JsonWriter *w, const TkConfig *c, const char *what) {
        json_key(w, "Capture");
        json_object_open(w);
        json_kv_string(w, "Image", c->image);
        json_kv_string(w, "Kernel", c->kernel);
        json_kv_string(w, "Initrd", c->initrd);
        json_strv(w, "KernelCommandLine", c->kernel_command_line);
        json_object_close(w);
        json_key(w, "Target");
        json_object_open(w);
        json_kv_string(w, "What", what);
        json_kv_string(w, "Directory", c->directory);
        json_kv_string(w, "FileSystemType", tk_fs_to_string(c->fs_type));
        json_kv_u64(w, "TimeoutUSec", c->timeout_usec);
        json_limit(w, "MaxUse", &c->max_use);
        json_limit(w, "KeepFree", &c->keep_free);
        json_object_close(w);
        json_key(w, "Dump");
        json_object_open(w);
        json_kv_u64(w, "Level", c->dump_level);
        json_kv_string(w, "Compression", capture_compression_to_string(c->compression));
        json_kv_u64(w, "TimeoutUSec", c->dump_timeout_usec);
        json_object_close(w);
        json_key(w, "Actions");
        json_object_open(w);
        json_kv_string(w, "FailureAction", capture_action_to_string(c->failure_action));
        json_kv_string(w, "FinalAction", capture_action_to_string(c->final_action));
        json_object_close(w);
        json_key(w, "Memory");
        json_object_open(w);
        json_kv_string(w, "ShrinkReservation", tk_shrink_to_string(c->shrink_reservation));
        json_key(w, "Margin");
        if (c->margin == TK_MARGIN_UNSET)
                json_null(w);
        else
                json_u64(w, c->margin);
        json_kv_string(w, "BelowNeed", c->refuse_below_need ? "refuse" : "warn");
        json_object_close(w);
        json_key(w, "Erase");
        json_object_open(w);
        json_kv_bool(w, "Enable", c->erase);
        json_kv_string(w, "OnFailure", tk_erase_on_failure_to_string(c->erase_on_failure));
        json_kv_string(w, "Unresolved", c->erase_refuse_unresolved ? "refuse" : "warn");
        json_strv(w, "DisableRules", c->erase_disable_rules);
        json_kv_string(w, "RuleDirectory", c->erase_rule_directory);
        json_object_close(w);
}

int tk_config_format_json(const TkConfig *c, char **ret) {
        _cleanup_free_ char *what = NULL, *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0;
        JsonWriter w;
        int r;

        r = tk_config_target_what(c, &what);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        json_begin(&w, f, false);
        json_object_open(&w);
        json_kv_bool(&w, "valid", tk_config_is_valid(c));
        json_strv(&w, "files", c->files);
        json_diagnostics(&w, &c->diags);
        json_settings(&w, c, what);
        json_object_close(&w);
        r = json_end(&w);
        if (r < 0)
                return -ENOMEM; /* a memory stream fails only to allocate */
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        /* One line, without json_end()'s newline. */
        if (size > 0 && buf[size - 1] == '\n')
                buf[size - 1] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}
