/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <syslog.h>

#include <systemd/sd-id128.h>

#include "capture-config.h"
#include "capture-internal.h"
#include "keyvalue.h"
#include "retention.h"
#include "strv.h"

static const char * const compression_names[_CAPTURE_COMPRESSION_MAX] = {
        [CAPTURE_COMPRESSION_NONE] = "none",
        [CAPTURE_COMPRESSION_ZLIB] = "zlib",
        [CAPTURE_COMPRESSION_LZO] = "lzo",
        [CAPTURE_COMPRESSION_SNAPPY] = "snappy",
        [CAPTURE_COMPRESSION_ZSTD] = "zstd",
};

static const char * const action_names[_CAPTURE_ACTION_MAX] = {
        [CAPTURE_ACTION_REBOOT] = "reboot",
        [CAPTURE_ACTION_POWEROFF] = "poweroff",
        [CAPTURE_ACTION_HALT] = "halt",
        [CAPTURE_ACTION_SHELL] = "shell",
};

const char *capture_compression_to_string(CaptureCompression c) {
        return (unsigned) c < _CAPTURE_COMPRESSION_MAX ? compression_names[c] : NULL;
}

CaptureCompression capture_compression_from_string(const char *s) {
        for (unsigned i = 0; s && i < _CAPTURE_COMPRESSION_MAX; i++)
                if (streq(compression_names[i], s))
                        return (CaptureCompression) i;
        return _CAPTURE_COMPRESSION_INVALID;
}

const char *capture_action_to_string(CaptureAction a) {
        return (unsigned) a < _CAPTURE_ACTION_MAX ? action_names[a] : NULL;
}

CaptureAction capture_action_from_string(const char *s) {
        for (unsigned i = 0; s && i < _CAPTURE_ACTION_MAX; i++)
                if (streq(action_names[i], s))
                        return (CaptureAction) i;
        return _CAPTURE_ACTION_INVALID;
}

void capture_config_init(CaptureConfig *c) {
        *c = (CaptureConfig) {
                .target_timeout_usec = CAPTURE_DEFAULT_TIMEOUT_USEC,
                .dump_timeout_usec = CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC,
                .dump_level = CAPTURE_DEFAULT_DUMP_LEVEL,
                .dump_compression = CAPTURE_DEFAULT_COMPRESSION,
                .failure_action = CAPTURE_DEFAULT_ACTION,
                .final_action = CAPTURE_DEFAULT_ACTION,
        };
}

void capture_config_done(CaptureConfig *c) {
        free(c->target_what);
        free(c->target_device);
        free(c->target_fstype);
        free(c->target_directory);
        free(c->crashed_boot_id);
        free(c->crashed_machine_id);
        free(c->crashed_hostname);
        free(c->crashed_kernel_release);
        free(c->crashed_kernel_version);
        free(c->crashed_machine);
        free(c->tinykdump_version);
        strv_free(c->retention_reported);
        capture_config_init(c);
}

/* ---- validation ---- */

bool capture_value_is_clean(const char *s) {
        size_t l = strlen(s);

        if (l == 0 || l > CAPTURE_VALUE_MAX)
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 0x7f)
                        return false;
        return s[0] != ' ' && s[l - 1] != ' ';
}

/* Relative path with non-empty components, none of them "." or "..". */
static bool path_is_safe_relative(const char *s) {
        if (isempty(s) || s[0] == '/')
                return false;
        for (const char *p = s;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (p[n] == 0)
                        return true;
                p += n + 1;
        }
}

static bool device_path_is_valid(const char *s) {
        const char *rest = startswith(s, "/dev/");
        return rest && path_is_safe_relative(rest);
}

static bool fstype_is_valid(const char *s) {
        return !isempty(s) && strlen(s) <= 64 &&
               s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._+-")] == 0;
}

/* 32 lowercase hex digits, the form sd_id128_to_string() produces. */
static bool id128_is_normalized(const char *s) {
        sd_id128_t id;
        char buf[SD_ID128_STRING_MAX];

        if (!s || strlen(s) != 32 || sd_id128_from_string(s, &id) < 0 || sd_id128_is_null(id))
                return false;
        return streq(sd_id128_to_string(id, buf), s);
}

int capture_normalize_id128(const char *s, char **ret) {
        sd_id128_t id;
        char buf[SD_ID128_STRING_MAX];

        if (sd_id128_from_string(s, &id) < 0 || sd_id128_is_null(id))
                return -EINVAL;
        char *n = strdup(sd_id128_to_string(id, buf));
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

/* Every key of capture.conf, in the order the serializer writes them. */
typedef enum ValueType {
        VALUE_STRING,
        VALUE_ID128,
        VALUE_U64,
        VALUE_LEVEL,
        VALUE_COMPRESSION,
        VALUE_ACTION,
        VALUE_LIMIT,     /* RetentionLimit: bytes or N% */
        VALUE_ENTRIES,   /* char **: each assignment adds one, "KEY=" empties the list */
} ValueType;

static const struct {
        const char *key;
        ValueType type;
        size_t offset;
} capture_keys[] = {
        { "TARGET_WHAT", VALUE_STRING, offsetof(CaptureConfig, target_what) },
        { "TARGET_DEVICE", VALUE_STRING, offsetof(CaptureConfig, target_device) },
        { "TARGET_FSTYPE", VALUE_STRING, offsetof(CaptureConfig, target_fstype) },
        { "TARGET_DIRECTORY", VALUE_STRING, offsetof(CaptureConfig, target_directory) },
        { "TARGET_TIMEOUT_USEC", VALUE_U64, offsetof(CaptureConfig, target_timeout_usec) },
        { "DUMP_LEVEL", VALUE_LEVEL, offsetof(CaptureConfig, dump_level) },
        { "DUMP_COMPRESSION", VALUE_COMPRESSION, offsetof(CaptureConfig, dump_compression) },
        { "DUMP_TIMEOUT_USEC", VALUE_U64, offsetof(CaptureConfig, dump_timeout_usec) },
        { "FAILURE_ACTION", VALUE_ACTION, offsetof(CaptureConfig, failure_action) },
        { "FINAL_ACTION", VALUE_ACTION, offsetof(CaptureConfig, final_action) },
        { "CRASHED_BOOT_ID", VALUE_ID128, offsetof(CaptureConfig, crashed_boot_id) },
        { "CRASHED_MACHINE_ID", VALUE_ID128, offsetof(CaptureConfig, crashed_machine_id) },
        { "CRASHED_HOSTNAME", VALUE_STRING, offsetof(CaptureConfig, crashed_hostname) },
        { "CRASHED_KERNEL_RELEASE", VALUE_STRING, offsetof(CaptureConfig, crashed_kernel_release) },
        { "CRASHED_KERNEL_VERSION", VALUE_STRING, offsetof(CaptureConfig, crashed_kernel_version) },
        { "CRASHED_MACHINE", VALUE_STRING, offsetof(CaptureConfig, crashed_machine) },
        { "RETENTION_MAX_USE", VALUE_LIMIT, offsetof(CaptureConfig, retention_max_use) },
        { "RETENTION_KEEP_FREE", VALUE_LIMIT, offsetof(CaptureConfig, retention_keep_free) },
        { "RETENTION_REPORTED", VALUE_ENTRIES, offsetof(CaptureConfig, retention_reported) },
        { "LOADED_AT_USEC", VALUE_U64, offsetof(CaptureConfig, loaded_at_usec) },
        { "TINYKDUMP_VERSION", VALUE_STRING, offsetof(CaptureConfig, tinykdump_version) },
};

static int fail(char **ret_message, const char *format, ...) _printf_(2, 3);
static int fail(char **ret_message, const char *format, ...) {
        if (ret_message) {
                va_list ap;
                va_start(ap, format);
                if (vasprintf(ret_message, format, ap) < 0)
                        *ret_message = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

int capture_config_verify(const CaptureConfig *c, char **ret_message) {
        _cleanup_free_ char *dev = NULL;

        for (size_t i = 0; i < ELEMENTSOF(capture_keys); i++) {
                const char *v;
                if (capture_keys[i].type != VALUE_STRING && capture_keys[i].type != VALUE_ID128)
                        continue;
                v = *(char * const *) ((const uint8_t *) c + capture_keys[i].offset);
                if (v && !capture_value_is_clean(v))
                        return fail(ret_message,
                                    "%s=%s: value is empty, too long, has surrounding spaces or control characters.",
                                    capture_keys[i].key, v);
        }

        if (!c->target_what)
                return fail(ret_message, "TARGET_WHAT= is missing.");
        if (startswith(c->target_what, "/dev/") || capture_target_device_from_what(c->target_what, &dev) < 0)
                return fail(ret_message,
                            "TARGET_WHAT=%s: expected UUID=, LABEL=, PARTUUID= or PARTLABEL= with a valid value.",
                            c->target_what);
        if (c->target_device && !device_path_is_valid(c->target_device))
                return fail(ret_message, "TARGET_DEVICE=%s: expected an absolute, normalised path below /dev/.",
                            c->target_device);
        if (c->target_fstype && !fstype_is_valid(c->target_fstype))
                return fail(ret_message, "TARGET_FSTYPE=%s: not a file system type name.", c->target_fstype);
        if (c->target_directory && !path_is_safe_relative(c->target_directory))
                return fail(ret_message,
                            "TARGET_DIRECTORY=%s: expected a relative path without empty, \".\" or \"..\" components.",
                            c->target_directory);
        if (c->dump_timeout_usec == 0)
                return fail(ret_message, "DUMP_TIMEOUT_USEC=0: makedumpfile needs a time limit.");
        if (c->dump_level > CAPTURE_DUMP_LEVEL_MAX)
                return fail(ret_message, "DUMP_LEVEL=%u: out of range 0…%u.", c->dump_level, CAPTURE_DUMP_LEVEL_MAX);
        if (!capture_compression_to_string(c->dump_compression))
                return fail(ret_message, "DUMP_COMPRESSION=%d: unknown compression.", (int) c->dump_compression);
        if (!capture_action_to_string(c->failure_action))
                return fail(ret_message, "FAILURE_ACTION=%d: unknown action.", (int) c->failure_action);
        if (!capture_action_to_string(c->final_action) || c->final_action == CAPTURE_ACTION_SHELL)
                return fail(ret_message, "FINAL_ACTION=%s: expected reboot, poweroff or halt.",
                            strna(capture_action_to_string(c->final_action)));
        if (c->retention_max_use.set && c->retention_max_use.percent && c->retention_max_use.value > 100)
                return fail(ret_message, "RETENTION_MAX_USE=%" PRIu64 "%%: more than 100%%.", c->retention_max_use.value);
        if (c->retention_keep_free.set && c->retention_keep_free.percent && c->retention_keep_free.value > 100)
                return fail(ret_message, "RETENTION_KEEP_FREE=%" PRIu64 "%%: more than 100%%.", c->retention_keep_free.value);
        size_t n_reported = 0, reported_bytes = 0;
        STRV_FOREACH(e, c->retention_reported) {
                if (!retention_reported_entry_is_valid(*e))
                        return fail(ret_message, "RETENTION_REPORTED=%s: expected TARGETKEY/DUMPDIRECTORY.", *e);
                n_reported++;
                reported_bytes += strlen(*e) + 1;
        }
        if (n_reported > RETENTION_REPORTED_MAX || reported_bytes > RETENTION_REPORTED_BYTES_MAX)
                return fail(ret_message, "RETENTION_REPORTED= given %zu times (%zu bytes): at most %u (%u bytes).",
                            n_reported, reported_bytes, RETENTION_REPORTED_MAX, (unsigned) RETENTION_REPORTED_BYTES_MAX);
        if (c->crashed_boot_id && !id128_is_normalized(c->crashed_boot_id))
                return fail(ret_message, "CRASHED_BOOT_ID=%s: expected 32 lowercase hexadecimal digits.",
                            c->crashed_boot_id);
        if (c->crashed_machine_id && !id128_is_normalized(c->crashed_machine_id))
                return fail(ret_message, "CRASHED_MACHINE_ID=%s: expected 32 lowercase hexadecimal digits.",
                            c->crashed_machine_id);
        return 0;
}

uint64_t capture_save_deadline_usec(const CaptureConfig *c) {
        return c->target_timeout_usec + 2 * c->dump_timeout_usec + CAPTURE_SAVE_SLACK_USEC;
}

/* ---- serialization ---- */

int capture_config_serialize(const CaptureConfig *c, char **ret, size_t *ret_size) {
        _cleanup_free_ char *dev = NULL, *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        r = capture_config_verify(c, NULL);
        if (r < 0)
                return r;
        if (!c->target_device) {
                r = capture_target_device_from_what(c->target_what, &dev);
                if (r < 0)
                        return r;
        }

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        fprintf(f, "# tinykdump capture configuration, resolved by 'tinykdump load' (tinykdump %s).\n"
                   "# Read in the capture initrd by tinykdump-generator and tinykdump-save.\n",
                c->tinykdump_version ?: PACKAGE_VERSION);
        fprintf(f, "TARGET_WHAT=%s\n", c->target_what);
        fprintf(f, "TARGET_DEVICE=%s\n", c->target_device ?: dev);
        if (c->target_fstype)
                fprintf(f, "TARGET_FSTYPE=%s\n", c->target_fstype);
        fprintf(f, "TARGET_DIRECTORY=%s\n", c->target_directory ?: CAPTURE_DEFAULT_DIRECTORY);
        fprintf(f, "TARGET_TIMEOUT_USEC=%" PRIu64 "\n", c->target_timeout_usec);
        fprintf(f, "DUMP_LEVEL=%u\n", c->dump_level);
        fprintf(f, "DUMP_COMPRESSION=%s\n", capture_compression_to_string(c->dump_compression));
        if (c->dump_timeout_usec != CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC)
                fprintf(f, "DUMP_TIMEOUT_USEC=%" PRIu64 "\n", c->dump_timeout_usec);
        fprintf(f, "FAILURE_ACTION=%s\n", capture_action_to_string(c->failure_action));
        fprintf(f, "FINAL_ACTION=%s\n", capture_action_to_string(c->final_action));
        char limit[32];
        if (c->retention_max_use.set)
                fprintf(f, "RETENTION_MAX_USE=%s\n", retention_limit_format(&c->retention_max_use, limit, sizeof(limit)));
        if (c->retention_keep_free.set)
                fprintf(f, "RETENTION_KEEP_FREE=%s\n", retention_limit_format(&c->retention_keep_free, limit, sizeof(limit)));
        STRV_FOREACH(e, c->retention_reported)
                fprintf(f, "RETENTION_REPORTED=%s\n", *e);

        /* The facts about the crashed system, as far as known. */
        for (size_t i = 0; i < ELEMENTSOF(capture_keys); i++) {
                const char *v;

                /* Only the string and id128 fields hold a pointer; read no other field as one. */
                if ((capture_keys[i].type != VALUE_STRING && capture_keys[i].type != VALUE_ID128) ||
                    !startswith(capture_keys[i].key, "CRASHED_"))
                        continue;
                memcpy(&v, (const uint8_t *) c + capture_keys[i].offset, sizeof(v));
                if (v)
                        fprintf(f, "%s=%s\n", capture_keys[i].key, v);
        }
        if (c->loaded_at_usec > 0)
                fprintf(f, "LOADED_AT_USEC=%" PRIu64 "\n", c->loaded_at_usec);
        if (c->tinykdump_version)
                fprintf(f, "TINYKDUMP_VERSION=%s\n", c->tinykdump_version);

        r = ferror(f) ? -ENOMEM : 0;
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;

        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

/* ---- parsing ---- */

/* Assigns one value; returns -EINVAL with a reason for the diagnostic. */
static int assign(CaptureConfig *c, ValueType type, size_t offset, const char *value, const char **reason) {
        void *field = (uint8_t *) c + offset;
        uint64_t u;
        int r;

        switch (type) {
        case VALUE_STRING:
        case VALUE_ID128: {
                char **s = field;
                char *n = NULL;
                if (isempty(value)) { /* "KEY=" unsets */
                        free(*s);
                        *s = NULL;
                        return 0;
                }
                if (strlen(value) > CAPTURE_VALUE_MAX) {
                        *reason = "value too long";
                        return -EINVAL;
                }
                if (type == VALUE_ID128) {
                        r = capture_normalize_id128(value, &n);
                        if (r == -EINVAL)
                                *reason = "expected a 128-bit ID (32 hexadecimal digits)";
                        if (r < 0)
                                return r;
                } else {
                        n = strdup(value);
                        if (!n)
                                return -ENOMEM;
                }
                free(*s);
                *s = n;
                return 0;
        }
        case VALUE_LIMIT:
                r = retention_limit_parse(value, (RetentionLimit *) field);
                if (r < 0) {
                        *reason = "expected a size in bytes (K, M, G, T suffixes) or a percentage 0%…100%";
                        return -EINVAL;
                }
                return 0;
        case VALUE_ENTRIES: {
                char ***l = field;
                if (isempty(value)) {
                        *l = strv_free(*l);
                        return 0;
                }
                if (!retention_reported_entry_is_valid(value)) {
                        *reason = "expected TARGETKEY/DUMPDIRECTORY";
                        return -EINVAL;
                }
                return strv_extend(l, value);
        }
        case VALUE_U64:
                r = safe_atou64(value, &u);
                if (r < 0 || !isdigit((unsigned char) value[0]) || startswith(value, "0x")) {
                        *reason = "expected a decimal number";
                        return -EINVAL;
                }
                *(uint64_t *) field = u;
                return 0;
        case VALUE_LEVEL:
                r = safe_atou64(value, &u);
                if (r < 0 || u > CAPTURE_DUMP_LEVEL_MAX || startswith(value, "0x")) {
                        *reason = "expected a dump level 0…31";
                        return -EINVAL;
                }
                *(unsigned *) field = (unsigned) u;
                return 0;
        case VALUE_COMPRESSION: {
                CaptureCompression v = capture_compression_from_string(value);
                if (v < 0) {
                        *reason = "expected none, zlib, lzo, snappy or zstd";
                        return -EINVAL;
                }
                *(CaptureCompression *) field = v;
                return 0;
        }
        case VALUE_ACTION: {
                CaptureAction v = capture_action_from_string(value);
                if (v < 0) {
                        *reason = "expected reboot, poweroff, halt or shell";
                        return -EINVAL;
                }
                *(CaptureAction *) field = v;
                return 0;
        }
        }
        return -EINVAL;
}

static bool key_is_valid(const char *k, size_t n) {
        return n > 0 && strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") >= n;
}

/* One line that is not a comment: unknown keys and malformed lines are warnings and ignored, a bad
 * value is an error (-EINVAL). */
static int capture_config_parse_line(CaptureConfig *c, const KeyValue *kv, const char *filename, ConfDiagList *diags) {
        _cleanup_free_ char *key = NULL, *value = NULL;
        const char *reason = NULL;
        size_t i;
        int r;

        if (!kv->key)
                return conf_diags_add_full(diags, LOG_WARNING, filename, kv->line, NULL, NULL, NULL,
                                           "'%.*s' is not KEY=value, ignoring.", (int) kv->len, kv->text);
        key = strndup(kv->key, kv->key_len);
        value = strndup(kv->value, kv->value_len);
        if (!key || !value)
                return -ENOMEM;
        if (!key_is_valid(kv->key, kv->key_len))
                return conf_diags_add_full(diags, LOG_WARNING, filename, kv->line, NULL, key, value,
                                           "invalid key name '%s' (value '%s'), ignoring.", key, value);
        for (i = 0; i < ELEMENTSOF(capture_keys); i++)
                if (streq(capture_keys[i].key, key))
                        break;
        if (i >= ELEMENTSOF(capture_keys))
                return conf_diags_add_full(diags, LOG_WARNING, filename, kv->line, NULL, key, value,
                                           "unknown key %s=%s, ignoring.", key, value);

        r = assign(c, capture_keys[i].type, capture_keys[i].offset, value, &reason);
        if (r == -EINVAL &&
            conf_diags_add_full(diags, LOG_ERR, filename, kv->line, NULL, key, value, "invalid value for %s: '%s': %s.",
                                key, value, reason ?: "not valid") < 0)
                return -ENOMEM;
        return r;
}

/* Defaults for what the file left out, and the checks on the whole. */
static int capture_config_finish(CaptureConfig *c, const char *filename, ConfDiagList *diags) {
        _cleanup_free_ char *message = NULL;
        int r;

        if (!c->target_directory) {
                c->target_directory = strdup(CAPTURE_DEFAULT_DIRECTORY);
                if (!c->target_directory)
                        return -ENOMEM;
        }
        r = capture_config_verify(c, &message);
        if (r < 0) {
                if (conf_diags_add_full(diags, LOG_ERR, filename, 0, NULL, NULL, NULL, "%s",
                                        message ?: "invalid configuration.") < 0)
                        return -ENOMEM;
                return r;
        }
        if (!c->target_device)
                return capture_target_device_from_what(c->target_what, &c->target_device);
        return 0;
}

int capture_config_parse(const void *data, size_t size, const char *filename, CaptureConfig *ret,
                         ConfDiagList *diags) {
        _cleanup_(capture_config_done) CaptureConfig c;
        _cleanup_(conf_diags_done) ConfDiagList scratch = {};
        KeyValueReader reader = KEY_VALUE_READER_INIT(data, size, KEY_VALUE_STRIP);
        KeyValue kv;
        int r;

        capture_config_init(&c);
        if (!filename)
                filename = CAPTURE_CONFIG_PATH;
        if (!diags)
                diags = &scratch;
        if (!data && size > 0)
                return -EINVAL;
        if (size > CAPTURE_CONFIG_SIZE_MAX) {
                if (conf_diags_add_full(diags, LOG_ERR, filename, 0, NULL, NULL, NULL,
                                        "file is larger than %" PRIu64 " bytes, refusing.",
                                        (uint64_t) CAPTURE_CONFIG_SIZE_MAX) < 0)
                        return -ENOMEM;
                return -EFBIG;
        }

        while (key_value_next(&reader, &kv) > 0) {
                /* Control characters anywhere (comments too), tab and CR aside. */
                for (size_t i = 0; i < kv.len; i++) {
                        unsigned char ch = (unsigned char) kv.text[i];
                        if ((ch >= ' ' || ch == '\t' || ch == '\r') && ch != 0x7f)
                                continue;
                        if (conf_diags_add_full(diags, LOG_ERR, filename, kv.line, NULL, NULL, NULL,
                                                "line contains control character 0x%02x, refusing.", ch) < 0)
                                return -ENOMEM;
                        return -EBADMSG;
                }
                if (kv.skip)
                        continue;
                r = capture_config_parse_line(&c, &kv, filename, diags);
                if (r < 0)
                        return r;
        }

        r = capture_config_finish(&c, filename, diags);
        if (r < 0)
                return r;
        *ret = c;
        capture_config_init(&c); /* ownership moved to *ret */
        return 0;
}

int capture_config_load(const char *root, const char *path, CaptureConfig *ret, ConfDiagList *diags) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        if (!path)
                path = CAPTURE_CONFIG_PATH;
        r = read_full_file_at(root, path, CAPTURE_CONFIG_SIZE_MAX, &buf, &size);
        if (r < 0) {
                if (diags && conf_diags_add_full(diags, LOG_ERR, path, 0, NULL, NULL, NULL, "cannot read: %s",
                                                 strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }
        return capture_config_parse(buf, size, path, ret, diags);
}
