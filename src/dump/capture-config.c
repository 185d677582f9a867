/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>

#include <systemd/sd-id128.h>

#include "capture-config.h"
#include "cpio.h"
#include "keyvalue.h"

/* Longest value we write or accept for any key; real values are far shorter. */
#define CAPTURE_VALUE_MAX 4096U
#define USEC_PER_SEC UINT64_C(1000000)

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
        capture_config_init(c);
}

/* ---- udev-style encoding of /dev/disk/by-* names ---- */

/* Length of the valid, minimally encoded UTF-8 sequence for a non-ASCII character at s, or 0. */
static size_t utf8_valid_sequence(const unsigned char *s) {
        size_t len;
        uint32_t c;

        if (s[0] < 0x80)
                return 0;
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2;
                c = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3;
                c = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4;
                c = s[0] & 0x07;
        } else
                return 0;

        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }

        /* Shortest form only, at most U+10FFFF, no surrogates, not U+FDD0…U+FDEF — exactly what libblkid
         * accepts (checked against blkid_encode_string() in the unit test), which keeps U+FFFE. */
        size_t needed = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (needed != len || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef))
                return 0;
        return len;
}

int udev_encode_string(const char *s, char **ret) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *) s;
        char *out, *o;
        size_t l;

        if (!s)
                return -EINVAL;
        l = strlen(s);
        if (l > CAPTURE_VALUE_MAX)
                return -EINVAL;
        out = o = malloc(l * 4 + 1);
        if (!out)
                return -ENOMEM;

        while (*p) {
                size_t n = utf8_valid_sequence(p);
                if (n > 0) {
                        memcpy(o, p, n);
                        o += n;
                        p += n;
                } else if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                           strchr("#+-.:=@_", *p)) {
                        *o++ = (char) *p++;
                } else {
                        *o++ = '\\';
                        *o++ = 'x';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 0xf];
                        p++;
                }
        }
        *o = 0;
        *ret = out;
        return 0;
}

static const struct {
        const char *tag;
        const char *dir;
        bool hex_only; /* identifiers that are hex digits and dashes */
} what_tags[] = {
        { "UUID=", "/dev/disk/by-uuid/", true },
        { "LABEL=", "/dev/disk/by-label/", false },
        { "PARTUUID=", "/dev/disk/by-partuuid/", true },
        { "PARTLABEL=", "/dev/disk/by-partlabel/", false },
};

int capture_what_split(const char *what, char **ret_kind, const char **ret_value) {
        const char *eq = what ? strchr(what, '=') : NULL;
        char *kind;

        if (!eq || eq == what || eq[1] == 0)
                return -EINVAL;
        kind = strndup(what, (size_t) (eq - what));
        if (!kind)
                return -ENOMEM;
        *ret_kind = kind;
        *ret_value = eq + 1;
        return 0;
}

int capture_target_device_from_what(const char *what, char **ret) {
        _cleanup_free_ char *enc = NULL;
        const char *v;
        int r;

        if (isempty(what))
                return -EINVAL;
        if (startswith(what, "/dev/")) {
                char *s = strdup(what);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(what_tags); i++) {
                v = startswith(what, what_tags[i].tag);
                if (!v)
                        continue;
                if (isempty(v))
                        return -EINVAL;
                if (what_tags[i].hex_only && v[strspn(v, "0123456789abcdefABCDEF-")] != 0)
                        return -EINVAL;
                r = udev_encode_string(v, &enc);
                if (r < 0)
                        return r;
                char *s = path_join(what_tags[i].dir, enc);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        return -EINVAL;
}

/* ---- validation ---- */

static bool value_is_clean(const char *s) {
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

static int normalize_id128(const char *s, char **ret) {
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
        { "FAILURE_ACTION", VALUE_ACTION, offsetof(CaptureConfig, failure_action) },
        { "FINAL_ACTION", VALUE_ACTION, offsetof(CaptureConfig, final_action) },
        { "CRASHED_BOOT_ID", VALUE_ID128, offsetof(CaptureConfig, crashed_boot_id) },
        { "CRASHED_MACHINE_ID", VALUE_ID128, offsetof(CaptureConfig, crashed_machine_id) },
        { "CRASHED_HOSTNAME", VALUE_STRING, offsetof(CaptureConfig, crashed_hostname) },
        { "CRASHED_KERNEL_RELEASE", VALUE_STRING, offsetof(CaptureConfig, crashed_kernel_release) },
        { "CRASHED_KERNEL_VERSION", VALUE_STRING, offsetof(CaptureConfig, crashed_kernel_version) },
        { "CRASHED_MACHINE", VALUE_STRING, offsetof(CaptureConfig, crashed_machine) },
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
                if (v && !value_is_clean(v))
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
        if (c->dump_level > CAPTURE_DUMP_LEVEL_MAX)
                return fail(ret_message, "DUMP_LEVEL=%u: out of range 0…%u.", c->dump_level, CAPTURE_DUMP_LEVEL_MAX);
        if (!capture_compression_to_string(c->dump_compression))
                return fail(ret_message, "DUMP_COMPRESSION=%d: unknown compression.", (int) c->dump_compression);
        if (!capture_action_to_string(c->failure_action))
                return fail(ret_message, "FAILURE_ACTION=%d: unknown action.", (int) c->failure_action);
        if (!capture_action_to_string(c->final_action) || c->final_action == CAPTURE_ACTION_SHELL)
                return fail(ret_message, "FINAL_ACTION=%s: expected reboot, poweroff or halt.",
                            strna(capture_action_to_string(c->final_action)));
        if (c->crashed_boot_id && !id128_is_normalized(c->crashed_boot_id))
                return fail(ret_message, "CRASHED_BOOT_ID=%s: expected 32 lowercase hexadecimal digits.",
                            c->crashed_boot_id);
        if (c->crashed_machine_id && !id128_is_normalized(c->crashed_machine_id))
                return fail(ret_message, "CRASHED_MACHINE_ID=%s: expected 32 lowercase hexadecimal digits.",
                            c->crashed_machine_id);
        return 0;
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
        fprintf(f, "FAILURE_ACTION=%s\n", capture_action_to_string(c->failure_action));
        fprintf(f, "FINAL_ACTION=%s\n", capture_action_to_string(c->final_action));

        /* The facts about the crashed system, as far as known. */
        for (size_t i = 0; i < ELEMENTSOF(capture_keys); i++) {
                const char *v = *(char * const *) ((const uint8_t *) c + capture_keys[i].offset);
                if (startswith(capture_keys[i].key, "CRASHED_") && v)
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
                        r = normalize_id128(value, &n);
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

/* ---- facts about the running system ---- */

static int read_fact(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_one_line_file_at(root, path, &s);
        if (r < 0)
                return r;
        char *t = strstrip(s);
        if (!value_is_clean(t))
                return -EBADMSG;
        char *n = strdup(t);
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

static int set_string(char **field, const char *value) {
        char *n = strdup(value);
        if (!n)
                return -ENOMEM;
        free(*field);
        *field = n;
        return 0;
}

int capture_config_gather_facts(CaptureConfig *c, const char *root) {
        _cleanup_free_ char *boot_id = NULL, *machine_id = NULL, *hostname = NULL, *release = NULL,
                            *version = NULL, *machine = NULL, *raw = NULL;
        struct utsname u;
        struct timespec ts;
        bool have_uname = false;
        int r;

        if (!root && uname(&u) >= 0)
                have_uname = true;

        r = read_one_line_file_at(root, "/proc/sys/kernel/random/boot_id", &raw);
        if (r < 0)
                return r;
        r = normalize_id128(strstrip(raw), &boot_id);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        free(raw);
        raw = NULL;

        /* An image without a machine ID (first boot, initrd, container) is not an error. */
        r = read_one_line_file_at(root, "/etc/machine-id", &raw);
        if (r >= 0 && normalize_id128(strstrip(raw), &machine_id) == -ENOMEM)
                return -ENOMEM;

        r = read_fact(root, "/proc/sys/kernel/osrelease", &release);
        if (r < 0 && have_uname)
                r = (release = strdup(u.release)) ? 0 : -ENOMEM;
        if (r < 0)
                return r;

        r = read_fact(root, "/proc/sys/kernel/hostname", &hostname);
        if (r < 0 && have_uname && value_is_clean(u.nodename))
                r = (hostname = strdup(u.nodename)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;
        r = read_fact(root, "/proc/sys/kernel/version", &version);
        if (r < 0 && have_uname && value_is_clean(u.version))
                r = (version = strdup(u.version)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;
        r = read_fact(root, "/proc/sys/kernel/arch", &machine);
        if (r < 0 && have_uname && value_is_clean(u.machine))
                r = (machine = strdup(u.machine)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;

        r = set_string(&c->tinykdump_version, PACKAGE_VERSION);
        if (r < 0)
                return r;

        free(c->crashed_boot_id);
        c->crashed_boot_id = TAKE_PTR(boot_id);
        free(c->crashed_machine_id);
        c->crashed_machine_id = TAKE_PTR(machine_id);
        free(c->crashed_hostname);
        c->crashed_hostname = TAKE_PTR(hostname);
        free(c->crashed_kernel_release);
        c->crashed_kernel_release = TAKE_PTR(release);
        free(c->crashed_kernel_version);
        c->crashed_kernel_version = TAKE_PTR(version);
        free(c->crashed_machine);
        c->crashed_machine = TAKE_PTR(machine);

        if (clock_gettime(CLOCK_REALTIME, &ts) >= 0)
                c->loaded_at_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        return 0;
}

/* ---- the overlay ---- */

int capture_overlay_build_full(const CaptureConfig *c, const CaptureOverlayFile *extra, size_t n_extra,
                               Buffer *ret) {
        _cleanup_free_ char *text = NULL;
        CpioWriter w;
        size_t size;
        int r;

        if (ret->size > 0 || ret->data)
                return -EINVAL;
        if (n_extra > 0 && !extra)
                return -EINVAL;
        r = capture_config_serialize(c, &text, &size);
        if (r < 0)
                return r;

        cpio_writer_init(&w, c->loaded_at_usec / USEC_PER_SEC);
        r = cpio_writer_add_directory(&w, "/etc/tinykdump", 0755);
        if (r >= 0)
                r = cpio_writer_add_file(&w, CAPTURE_CONFIG_PATH, 0644, text, size);
        for (size_t i = 0; r >= 0 && i < n_extra; i++) {
                if (!extra[i].path || extra[i].path[0] != '/')
                        r = -EINVAL;
                else
                        r = cpio_writer_add_file(&w, extra[i].path, extra[i].mode, extra[i].data, extra[i].size);
        }
        if (r >= 0)
                r = cpio_writer_finish(&w, ret);
        cpio_writer_done(&w);
        return r;
}

int capture_overlay_build(const CaptureConfig *c, Buffer *ret) {
        return capture_overlay_build_full(c, NULL, 0, ret);
}
