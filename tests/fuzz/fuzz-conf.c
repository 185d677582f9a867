/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump.conf parser on arbitrary bytes as one main file. Checks on every input: diagnostics
 * format, the JSON rendering works, and the effective configuration written as INI parses back
 * into the same INI text, with no new errors; and a valid configuration gives settings that the
 * capture side's capture.conf accepts. */
#include "capture-config.h"
#include "fuzz.h"
#include "tkconf.h"
#include "util.h"

/* What the loader puts into capture.conf; a valid tinykdump.conf must never fail there. */
static void check_capture_config(const TkConfig *c) {
        CaptureConfig cc;
        _cleanup_free_ char *why = NULL;

        capture_config_init(&cc);
        if (tk_config_target_what(c, &cc.target_what) < 0)
                goto finish;
        if (c->fs_type != TK_FS_AUTO && !(cc.target_fstype = strdup(tk_fs_to_string(c->fs_type))))
                goto finish;
        if (!(cc.target_directory = strdup(c->directory)))
                goto finish;
        cc.target_timeout_usec = c->timeout_usec;
        cc.dump_level = c->dump_level;
        cc.dump_compression = c->compression;
        cc.failure_action = c->failure_action;
        cc.final_action = c->final_action;
        if (capture_config_verify(&cc, &why) == -EINVAL) {
                fprintf(stderr, "capture.conf rejects a valid tinykdump.conf: %s\n", strna(why));
                abort();
        }
finish:
        capture_config_done(&cc);
}

static const char *body(const char *ini) {
        const char *s = strstr(ini, "\n[Capture]");
        if (!s)
                abort();
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_tk_config_free_ TkConfig *c = NULL, *d = NULL;
        _cleanup_free_ char *ini = NULL, *ini2 = NULL, *json = NULL;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        if (tk_config_load_data("fuzz.conf", (const char *) data, size, &c) < 0)
                return 0;

        for (size_t i = 0; i < c->diags.n; i++) {
                _cleanup_free_ char *s = conf_diag_format(&c->diags.items[i]);
                if (!s)
                        return 0;
                /* Every diagnostic about the file names it. */
                if (c->diags.items[i].file && !startswith(s, "fuzz.conf"))
                        abort();
        }
        if (c->diags.n > CONF_DIAGS_MAX || c->diags.n_errors > c->diags.n + c->diags.n_dropped)
                abort();

        if (tk_config_is_valid(c))
                check_capture_config(c);

        if (tk_config_format_json(c, &json) < 0 || tk_config_format_ini(c, &ini) < 0)
                return 0;
        if (tk_config_load_data("effective.conf", ini, strlen(ini), &d) < 0)
                return 0;
        /* A rendering has no syntax or value errors; only what needs several keys together (the
         * missing target, a What= that FileSystemType= contradicts) carries over, and only from an
         * invalid configuration. */
        for (size_t i = 0; i < d->diags.n; i++)
                if (d->diags.items[i].file &&
                    (tk_config_is_valid(c) || !startswith(d->diags.items[i].message, "[Target] What=")))
                        abort();
        if (tk_config_is_valid(c) && !tk_config_is_valid(d))
                abort();
        if (tk_config_format_ini(d, &ini2) < 0)
                return 0;
        if (!streq(body(ini), body(ini2)))
                abort();
        return 0;
}
