/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <syslog.h>

#include "capture-config.h"
#include "tkconf.h"
#include "util.h"

_Static_assert(TK_DEFAULT_DUMP_LEVEL == CAPTURE_DEFAULT_DUMP_LEVEL &&
               TK_DEFAULT_TIMEOUT_USEC == CAPTURE_DEFAULT_TIMEOUT_USEC,
               "tinykdump.conf and capture.conf defaults differ");

const char * const tk_config_dropin_dirs[] = {
        TK_CONFIG_DROPIN_DIR_VENDOR,
        TK_CONFIG_DROPIN_DIR_RUN,
        TK_CONFIG_DROPIN_DIR_ETC,
        NULL,
};

static const char * const target_kind_table[_TK_TARGET_KIND_MAX] = {
        [TK_TARGET_NONE] = NULL,
        [TK_TARGET_UUID] = "UUID",
        [TK_TARGET_LABEL] = "LABEL",
        [TK_TARGET_PARTUUID] = "PARTUUID",
        [TK_TARGET_PARTLABEL] = "PARTLABEL",
};

static const char * const fs_table[_TK_FS_MAX] = {
        [TK_FS_AUTO] = "auto",
        [TK_FS_VFAT] = "vfat",
        [TK_FS_EXT4] = "ext4",
        [TK_FS_XFS] = "xfs",
        [TK_FS_BTRFS] = "btrfs",
};

/* Longest label each file system stores, in bytes (mkfs.fat -n, e2label, xfs_admin -L, btrfs). */
static const size_t fs_label_max[_TK_FS_MAX] = {
        [TK_FS_AUTO] = 255,
        [TK_FS_VFAT] = 11,
        [TK_FS_EXT4] = 16,
        [TK_FS_XFS] = 12,
        [TK_FS_BTRFS] = 255,
};

static const char * const shrink_table[_TK_SHRINK_MAX] = {
        [TK_SHRINK_AUTO] = "auto",
        [TK_SHRINK_YES] = "yes",
        [TK_SHRINK_NO] = "no",
};

static const char * const erase_on_failure_table[_TK_ERASE_ON_FAILURE_MAX] = {
        [TK_ERASE_ON_FAILURE_DELETE] = "delete",
        [TK_ERASE_ON_FAILURE_KEEP] = "keep",
};

static const char *table_lookup(const char * const *table, size_t n, int i) {
        return i >= 0 && (size_t) i < n ? table[i] : NULL;
}

static int table_find(const char * const *table, size_t n, const char *s) {
        for (size_t i = 0; s && i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *tk_target_kind_to_string(TkTargetKind k) {
        return table_lookup(target_kind_table, ELEMENTSOF(target_kind_table), k);
}
const char *tk_fs_to_string(TkFileSystem f) {
        return table_lookup(fs_table, ELEMENTSOF(fs_table), f);
}
const char *tk_shrink_to_string(TkShrink s) {
        return table_lookup(shrink_table, ELEMENTSOF(shrink_table), s);
}
const char *tk_erase_on_failure_to_string(TkEraseOnFailure f) {
        return table_lookup(erase_on_failure_table, ELEMENTSOF(erase_on_failure_table), f);
}

static char *mfree_str(char *s) {
        free(s);
        return NULL;
}

static bool has_control_chars(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

int tk_config_expand(const char *template, const char *release, char **ret) {
        Buffer b = {};
        int r = 0;

        if (!template || isempty(release) || strchr(release, '/') || streq(release, ".") || streq(release, ".."))
                return -EINVAL;
        for (const char *p = template; *p && r >= 0; p++) {
                if (*p != '%') {
                        r = buffer_append(&b, p, 1);
                        continue;
                }
                /* Look at the specifier without stepping past the terminating NUL: a template
                 * ending in '%' is invalid, and the loop must not read beyond it. */
                if (p[1] == 'r')
                        r = buffer_append(&b, release, strlen(release));
                else if (p[1] == '%')
                        r = buffer_append(&b, "%", 1);
                else {
                        r = -EINVAL;
                        break;
                }
                p++;
        }
        return buffer_finish_string(&b, r, ret);
}

/* ---- parse callbacks ---- */

static int parse_path(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char **p = data;
        const char *def = (const char *) arg;
        _cleanup_free_ char *probe = NULL;
        char *n;
        int r;

        if (isempty(value)) {
                n = def ? strdup(def) : NULL;
                if (def && !n)
                        return -ENOMEM;
                free(*p);
                *p = n;
                return 0;
        }
        if (value[0] != '/')
                return conf_value_error(ctx, "path must be absolute.");
        if (strlen(value) >= PATH_MAX)
                return conf_value_error(ctx, "path is longer than %d bytes.", PATH_MAX - 1);
        if (has_control_chars(value))
                return conf_value_error(ctx, "path contains control characters.");
        r = tk_config_expand(value, "release", &probe);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_value_error(ctx, "unknown %% specifier; only %%r (kernel release) and %%%% are known.");
        n = strdup(value);
        if (!n)
                return -ENOMEM;
        free(*p);
        *p = n;
        return 0;
}

static int parse_cmdline(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char ***l = data;
        size_t total = 0, quotes = 0;

        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }
        if (has_control_chars(value))
                return conf_value_error(ctx, "command line contains control characters.");
        for (const char *p = value; *p; p++)
                if (*p == '"')
                        quotes++;
        /* An open quote would swallow the words tinykdump appends after it. */
        if (quotes % 2 != 0)
                return conf_value_error(ctx, "unbalanced double quote.");
        STRV_FOREACH(s, *l)
                total += strlen(*s) + 1;
        total += strlen(value);
        if (total > TK_CMDLINE_MAX)
                return conf_value_error(ctx, "extra command line would be %zu bytes, more than %u.", total,
                                        TK_CMDLINE_MAX);
        return strv_extend(l, value);
}

static bool is_hex_run(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char) s[i]))
                        return false;
        return true;
}

/* 8-4-4-4-12 hexadecimal digits. */
static bool is_canonical_uuid(const char *s) {
        static const size_t groups[] = { 8, 4, 4, 4, 12 };

        if (strlen(s) != 36)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                if (!is_hex_run(s, groups[i]))
                        return false;
                s += groups[i];
                if (i + 1 < ELEMENTSOF(groups) && *s++ != '-')
                        return false;
        }
        return true;
}

/* FAT volume serial as blkid shows it: XXXX-XXXX. */
static bool is_fat_serial(const char *s) {
        return strlen(s) == 9 && is_hex_run(s, 4) && s[4] == '-' && is_hex_run(s + 5, 4);
}

/* MBR partition UUID: disk signature and partition number, xxxxxxxx-NN. */
static bool is_mbr_partuuid(const char *s) {
        return strlen(s) == 11 && is_hex_run(s, 8) && s[8] == '-' && is_hex_run(s + 9, 2);
}

static char *strdup_case(const char *s, bool upper) {
        char *n = strdup(s);
        for (char *p = n; p && *p; p++)
                *p = (char) (upper ? toupper((unsigned char) *p) : tolower((unsigned char) *p));
        return n;
}

static int parse_what(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        TkConfig *c = data;
        TkTargetKind kind;
        _cleanup_free_ char *v = NULL, *file = NULL;
        const char *e;

        if (isempty(value)) {
                c->target_kind = TK_TARGET_NONE;
                c->target_value = mfree_str(c->target_value);
                c->what_file = mfree_str(c->what_file);
                c->what_line = 0;
                return 0;
        }

        if ((e = startswith(value, "UUID="))) {
                kind = TK_TARGET_UUID;
                if (is_canonical_uuid(e))
                        v = strdup_case(e, false);
                else if (is_fat_serial(e))
                        v = strdup_case(e, true);
                else
                        return conf_value_error(ctx, "UUID must be 8-4-4-4-12 hexadecimal digits, "
                                                     "or XXXX-XXXX for a FAT file system.");
        } else if ((e = startswith(value, "PARTUUID="))) {
                kind = TK_TARGET_PARTUUID;
                if (is_canonical_uuid(e) || is_mbr_partuuid(e))
                        v = strdup_case(e, false);
                else
                        return conf_value_error(ctx, "PARTUUID must be 8-4-4-4-12 hexadecimal digits (GPT), "
                                                     "or xxxxxxxx-NN (MBR).");
        } else if ((e = startswith(value, "LABEL=")) || (e = startswith(value, "PARTLABEL="))) {
                bool part = startswith(value, "PARTLABEL=");
                size_t chars = 0;

                kind = part ? TK_TARGET_PARTLABEL : TK_TARGET_LABEL;
                if (isempty(e))
                        return conf_value_error(ctx, "label is empty.");
                if (has_control_chars(e))
                        return conf_value_error(ctx, "label contains control characters.");
                for (size_t i = 0, n = strlen(e); i < n;) {
                        size_t k = utf8_sequence_length(e + i, n - i, NULL);
                        if (k == 0)
                                return conf_value_error(ctx, "label is not valid UTF-8.");
                        chars += k == 4 ? 2 : 1; /* UTF-16 code units */
                        i += k;
                }
                if (!part && strlen(e) > fs_label_max[TK_FS_AUTO])
                        return conf_value_error(ctx, "label is longer than %zu bytes.", fs_label_max[TK_FS_AUTO]);
                /* A GPT partition name holds 36 UTF-16 code units. */
                if (part && chars > TK_PARTLABEL_MAX)
                        return conf_value_error(ctx, "partition label is longer than %u characters.", TK_PARTLABEL_MAX);
                /* The capture waits for udev's link /dev/disk/by-(part)label/<escaped label>, the
                 * path capture_target_device_from_what() makes; a label it refuses names no device. */
                _cleanup_free_ char *dev = NULL, *enc = NULL;
                int r = capture_target_device_from_what(value, &dev);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENAMETOOLONG && udev_encode_string(e, &enc) >= 0)
                        return conf_value_error(ctx, "label is %zu bytes as udev escapes it for /dev/disk/by-%s/ "
                                                     "(a space or a character such as \"/\", \"!\" or \"{\" takes 4), "
                                                     "longer than a file name may be (%d): no device link can have it.",
                                                strlen(enc), part ? "partlabel" : "label", NAME_MAX);
                if (r < 0)
                        return conf_value_error(ctx, "label \"%s\" cannot be a device link's name in /dev/disk/by-%s/.",
                                                e, part ? "partlabel" : "label");
                v = strdup(e);
        } else
                return conf_value_error(ctx, "dump target must be UUID=…, LABEL=…, PARTUUID=… or PARTLABEL=….");
        if (!v)
                return -ENOMEM;
        if (ctx->file) {
                file = strdup(ctx->file);
                if (!file)
                        return -ENOMEM;
        }

        c->target_kind = kind;
        free(c->target_value);
        c->target_value = TAKE_PTR(v);
        free(c->what_file);
        c->what_file = TAKE_PTR(file);
        c->what_line = ctx->line;
        return 0;
}

static int parse_directory(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char **p = data;
        _cleanup_free_ char *n = NULL;

        if (isempty(value)) {
                n = strdup(TK_DEFAULT_DIRECTORY);
                if (!n)
                        return -ENOMEM;
                free(*p);
                *p = TAKE_PTR(n);
                return 0;
        }
        if (value[0] == '/')
                return conf_value_error(ctx, "directory must be relative to the target file system's root.");
        if (strlen(value) > TK_DIRECTORY_MAX)
                return conf_value_error(ctx, "directory is longer than %u bytes.", TK_DIRECTORY_MAX);
        if (has_control_chars(value))
                return conf_value_error(ctx, "directory contains control characters.");

        n = strdup(value);
        if (!n)
                return -ENOMEM;
        size_t l = strlen(n);
        while (l > 0 && n[l - 1] == '/')
                n[--l] = 0;
        for (const char *s = n; *s;) {
                size_t k = strcspn(s, "/");
                if (k == 0)
                        return conf_value_error(ctx, "directory contains an empty path component (\"//\").");
                if ((k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
                        return conf_value_error(ctx, "directory may not contain \".\" or \"..\" components.");
                if (k > 255)
                        return conf_value_error(ctx, "directory has a component longer than 255 bytes.");
                s += k;
                if (*s == '/')
                        s++;
        }
        free(*p);
        *p = TAKE_PTR(n);
        return 0;
}

static int parse_fs(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        TkConfig *c = data;
        char *file = NULL;
        int i;

        if (isempty(value)) {
                c->fs_type = TK_FS_AUTO;
                c->fs_type_file = mfree_str(c->fs_type_file);
                c->fs_type_line = 0;
                return 0;
        }
        i = table_find(fs_table, ELEMENTSOF(fs_table), value);
        if (i < 0)
                return conf_value_error(ctx, "file system type must be one of auto, vfat, ext4, xfs, btrfs.");
        if (ctx->file && !(file = strdup(ctx->file)))
                return -ENOMEM;
        c->fs_type = (TkFileSystem) i;
        free(c->fs_type_file);
        c->fs_type_file = file;
        c->fs_type_line = ctx->line;
        return 0;
}

static int parse_timeout(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        uint64_t *t = data, v;
        int r;

        if (isempty(value)) {
                *t = TK_DEFAULT_TIMEOUT_USEC;
                return 0;
        }
        r = parse_timespan_usec(value, &v);
        if (r < 0 || v < TK_TIMEOUT_MIN_USEC || v > TK_TIMEOUT_MAX_USEC)
                return conf_value_error(ctx, "timeout must be a time span between 1s and 1h, e.g. \"90s\" or \"2min\".");
        *t = v;
        return 0;
}

static int parse_dump_timeout(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        uint64_t *t = data, v;

        if (isempty(value)) {
                *t = CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC;
                return 0;
        }
        if (parse_timespan_usec(value, &v) < 0 || v < TK_DUMP_TIMEOUT_MIN_USEC || v > TK_DUMP_TIMEOUT_MAX_USEC)
                return conf_value_error(ctx, "timeout must be a time span between 10s and 24h, e.g. \"10min\".");
        *t = v;
        return 0;
}

/* [Target] MaxUse=, KeepFree=: a size or a percentage of the target file system; "" = off. */
static int parse_retention_limit(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        int r = retention_limit_parse(value, data);

        if (r == -ERANGE)
                return conf_value_error(ctx, "a percentage of the file system cannot be more than 100%%.");
        if (r < 0)
                return conf_value_error(ctx, "must be a size (bytes, or with K, M, G, T) or a percentage of the file "
                                             "system, e.g. \"4G\" or \"20%%\".");
        return 0;
}

static bool all_digits(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

static int parse_level(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        uint32_t *l = data, v;

        if (isempty(value)) {
                *l = TK_DEFAULT_DUMP_LEVEL;
                return 0;
        }
        if (!all_digits(value) || safe_atou32(value, &v) < 0 || v > TK_DUMP_LEVEL_MAX)
                return conf_value_error(ctx, "dump level must be between 0 and %u.", TK_DUMP_LEVEL_MAX);
        *l = v;
        return 0;
}

static int parse_compression(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        CaptureCompression *c = data, i;

        if (isempty(value)) {
                *c = CAPTURE_DEFAULT_COMPRESSION;
                return 0;
        }
        i = capture_compression_from_string(value);
        if (i < 0)
                return conf_value_error(ctx, "compression must be one of zlib, lzo, snappy, zstd, none.");
        *c = i;
        return 0;
}

static int parse_action(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        CaptureAction *a = data, i;
        bool allow_shell = arg == 1;

        if (isempty(value)) {
                *a = CAPTURE_DEFAULT_ACTION;
                return 0;
        }
        i = capture_action_from_string(value);
        if (i == CAPTURE_ACTION_SHELL && !allow_shell)
                return conf_value_error(ctx, "shell is only allowed for FailureAction=; "
                                             "action must be one of reboot, poweroff, halt.");
        if (i < 0)
                return conf_value_error(ctx, "action must be one of reboot, poweroff, halt%s.",
                                        allow_shell ? ", shell" : "");
        *a = i;
        return 0;
}

static int parse_shrink(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        static const char * const yes[] = { "yes", "true", "on", "1" }, * const no[] = { "no", "false", "off", "0" };
        TkShrink *s = data;

        if (isempty(value) || streq(value, "auto")) {
                *s = TK_SHRINK_AUTO;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (streq(value, yes[i])) {
                        *s = TK_SHRINK_YES;
                        return 0;
                }
                if (streq(value, no[i])) {
                        *s = TK_SHRINK_NO;
                        return 0;
                }
        }
        return conf_value_error(ctx, "must be auto, yes or no.");
}

static int parse_margin(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        uint64_t *m = data, v;

        if (isempty(value)) {
                *m = TK_MARGIN_UNSET;
                return 0;
        }
        if (parse_size(value, &v) < 0 || v > TK_MARGIN_MAX)
                return conf_value_error(ctx, "margin must be a size of at most 1G, e.g. \"8M\".");
        *m = v;
        return 0;
}

static int parse_yes_no(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        bool *b = data;
        int k;

        if (isempty(value)) {
                *b = arg;
                return 0;
        }
        k = parse_boolean(value);
        if (k < 0)
                return conf_value_error(ctx, "must be yes or no.");
        *b = k;
        return 0;
}

static int parse_erase_on_failure(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        TkEraseOnFailure *f = data;
        int k = isempty(value) ? TK_ERASE_ON_FAILURE_DELETE
                               : table_find(erase_on_failure_table, ELEMENTSOF(erase_on_failure_table), value);

        if (k < 0)
                return conf_value_error(ctx, "must be delete or keep.");
        *f = k;
        return 0;
}

/* [Erase] Unresolved=, [Memory] BelowNeed=: warn (false) or refuse (true). */
static int parse_warn_refuse(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        bool *refuse = data;

        if (isempty(value) || streq(value, "warn"))
                *refuse = false;
        else if (streq(value, "refuse"))
                *refuse = true;
        else
                return conf_value_error(ctx, "must be warn or refuse.");
        return 0;
}

static int parse_rule_names(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char ***l = data;
        _cleanup_free_ char *copy = strdup(value);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                for (const char *p = w; *p; p++)
                        if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
                                return conf_value_error(ctx, "'%s' is not a rule name.", w);
                if (!strv_contains(*l, w) && strv_extend(l, w) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_rule_directory(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char **d = data;
        char *c;

        if (isempty(value)) {
                *d = mfree_str(*d);
                return 0;
        }
        if (value[0] != '/' || strlen(value) > TK_DIRECTORY_MAX)
                return conf_value_error(ctx, "must be an absolute directory path.");
        c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*d);
        *d = c;
        return 0;
}

#define FIELD(f) offsetof(TkConfig, f)

static const ConfTableItem tk_config_table[] = {
        { "Capture", "Image",             parse_path,        0,                                FIELD(image) },
        { "Capture", "Kernel",            parse_path,        (uintptr_t) TK_DEFAULT_KERNEL,    FIELD(kernel) },
        { "Capture", "Initrd",            parse_path,        (uintptr_t) TK_DEFAULT_INITRD,    FIELD(initrd) },
        { "Capture", "KernelCommandLine", parse_cmdline,     0,                                FIELD(kernel_command_line) },
        { "Target",  "What",              parse_what,        0,                                0 },
        { "Target",  "Directory",         parse_directory,   0,                                FIELD(directory) },
        { "Target",  "FileSystemType",    parse_fs,          0,                                0 },
        { "Target",  "TimeoutSec",        parse_timeout,     0,                                FIELD(timeout_usec) },
        { "Target",  "MaxUse",            parse_retention_limit, 0,                            FIELD(max_use) },
        { "Target",  "KeepFree",          parse_retention_limit, 0,                            FIELD(keep_free) },
        { "Dump",    "Level",             parse_level,       0,                                FIELD(dump_level) },
        { "Dump",    "Compression",       parse_compression, 0,                                FIELD(compression) },
        { "Dump",    "TimeoutSec",        parse_dump_timeout, 0,                               FIELD(dump_timeout_usec) },
        { "Actions", "FailureAction",     parse_action,      1,                                FIELD(failure_action) },
        { "Actions", "FinalAction",       parse_action,      0,                                FIELD(final_action) },
        { "Memory",  "ShrinkReservation", parse_shrink,      0,                                FIELD(shrink_reservation) },
        { "Memory",  "Margin",            parse_margin,      0,                                FIELD(margin) },
        { "Memory",  "BelowNeed",         parse_warn_refuse, 0,                                FIELD(refuse_below_need) },
        { "Erase",   "Enable",            parse_yes_no,      true,                             FIELD(erase) },
        { "Erase",   "OnFailure",         parse_erase_on_failure, 0,                           FIELD(erase_on_failure) },
        { "Erase",   "Unresolved",        parse_warn_refuse, 0,                                FIELD(erase_refuse_unresolved) },
        { "Erase",   "DisableRules",      parse_rule_names,  0,                                FIELD(erase_disable_rules) },
        { "Erase",   "RuleDirectory",     parse_rule_directory, 0,                             FIELD(erase_rule_directory) },
        {}
};

TkConfig *tk_config_new(void) {
        TkConfig *c = calloc(1, sizeof(TkConfig));

        if (!c)
                return NULL;
        *c = (TkConfig) {
                .kernel = strdup(TK_DEFAULT_KERNEL),
                .initrd = strdup(TK_DEFAULT_INITRD),
                .directory = strdup(TK_DEFAULT_DIRECTORY),
                .target_kind = TK_TARGET_NONE,
                .fs_type = TK_FS_AUTO,
                .timeout_usec = TK_DEFAULT_TIMEOUT_USEC,
                .dump_level = TK_DEFAULT_DUMP_LEVEL,
                .compression = CAPTURE_DEFAULT_COMPRESSION,
                .dump_timeout_usec = CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC,
                .failure_action = CAPTURE_DEFAULT_ACTION,
                .final_action = CAPTURE_DEFAULT_ACTION,
                .shrink_reservation = TK_SHRINK_AUTO,
                .margin = TK_MARGIN_UNSET,
                .erase = true,
                .erase_on_failure = TK_ERASE_ON_FAILURE_DELETE,
        };
        if (!c->kernel || !c->initrd || !c->directory)
                return tk_config_free(c);
        return c;
}

TkConfig *tk_config_free(TkConfig *c) {
        if (!c)
                return NULL;
        free(c->image);
        free(c->kernel);
        free(c->initrd);
        strv_free(c->kernel_command_line);
        free(c->target_value);
        free(c->directory);
        strv_free(c->files);
        strv_free(c->erase_disable_rules);
        free(c->erase_rule_directory);
        conf_diags_done(&c->diags);
        free(c->what_file);
        free(c->fs_type_file);
        free(c);
        return NULL;
}

/* An error about [Target] What= found by the checks of the whole configuration. */
_printf_(2, 3) static int what_error(TkConfig *c, const char *format, ...) {
        _cleanup_free_ char *what = NULL, *m = NULL;
        va_list ap;
        int r;

        r = tk_config_target_what(c, &what);
        if (r < 0)
                return r;
        va_start(ap, format);
        r = vasprintf(&m, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return conf_diags_add_full(&c->diags, LOG_ERR, c->what_file, c->what_line, "Target", "What", what,
                                   "[Target] What=%s: %s", strna(what), m);
}

/* Checks that need the whole configuration. */
static int tk_config_check(TkConfig *c) {
        int r;

        if (c->target_kind == TK_TARGET_NONE)
                return conf_diags_add_full(&c->diags, LOG_ERR, NULL, 0, "Target", "What", NULL,
                                           "[Target] What= is not set: there is nowhere to save a dump. "
                                           "Set it to UUID=…, LABEL=…, PARTUUID=… or PARTLABEL=… of the dump partition.");

        if (c->target_kind == TK_TARGET_LABEL && c->fs_type != TK_FS_AUTO &&
            strlen(c->target_value) > fs_label_max[c->fs_type]) {
                r = what_error(c, "label is longer than %zu bytes, the most %s can store.", fs_label_max[c->fs_type],
                               fs_table[c->fs_type]);
                if (r < 0)
                        return r;
        }
        if (c->target_kind == TK_TARGET_UUID && c->fs_type != TK_FS_AUTO &&
            is_fat_serial(c->target_value) != (c->fs_type == TK_FS_VFAT)) {
                if (c->fs_type == TK_FS_VFAT)
                        r = what_error(c, "FileSystemType=vfat, but FAT volume IDs have the form XXXX-XXXX.");
                else
                        r = what_error(c, "a XXXX-XXXX UUID is a FAT volume ID, but FileSystemType=%s.",
                                       fs_table[c->fs_type]);
                if (r < 0)
                        return r;
        }
        if (c->image && (!streq(c->kernel, TK_DEFAULT_KERNEL) || !streq(c->initrd, TK_DEFAULT_INITRD))) {
                r = conf_diags_add_full(&c->diags, LOG_WARNING, NULL, 0, "Capture", "Image", c->image,
                                        "[Capture] Image= is set, so Kernel= and Initrd= are ignored.");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Takes c: runs the checks of the whole configuration and hands c to *ret. */
static int tk_config_check_and_return(TkConfig *c, TkConfig **ret) {
        _cleanup_tk_config_free_ TkConfig *owned = c;
        int r;

        r = tk_config_check(owned);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(owned);
        return 0;
}

int tk_config_load(const char *root, TkConfig **ret) {
        _cleanup_tk_config_free_ TkConfig *c = tk_config_new();
        int r;

        if (!c)
                return -ENOMEM;
        r = conf_parse_config_file(root, TK_CONFIG_FILE, TK_CONFIG_VENDOR_FILE, tk_config_dropin_dirs, tk_config_table,
                                   c, &c->diags, &c->files);
        if (r < 0)
                return r;
        return tk_config_check_and_return(TAKE_PTR(c), ret);
}

int tk_config_load_data(const char *filename, const char *data, size_t size, TkConfig **ret) {
        _cleanup_tk_config_free_ TkConfig *c = tk_config_new();
        int r;

        if (!c)
                return -ENOMEM;
        r = conf_parse_data(filename, data, size, tk_config_table, c, &c->diags);
        if (r < 0)
                return r;
        if (filename) {
                r = strv_extend(&c->files, filename);
                if (r < 0)
                        return r;
        }
        return tk_config_check_and_return(TAKE_PTR(c), ret);
}

bool tk_config_is_valid(const TkConfig *c) {
        return c && !conf_diags_has_errors(&c->diags);
}

int tk_config_extra_cmdline(const TkConfig *c, char **ret) {
        Buffer b = {};
        int r = 0;

        STRV_FOREACH(s, c->kernel_command_line) {
                if (b.size > 0)
                        r = buffer_append(&b, " ", 1);
                if (r >= 0)
                        r = buffer_append(&b, *s, strlen(*s));
                if (r < 0)
                        break;
        }
        return buffer_finish_string(&b, r, ret);
}

int tk_config_target_what(const TkConfig *c, char **ret) {
        char *s;

        if (c->target_kind == TK_TARGET_NONE) {
                *ret = NULL;
                return 0;
        }
        if (asprintf(&s, "%s=%s", tk_target_kind_to_string(c->target_kind), c->target_value) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
