/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <syslog.h>

#include "dumpdir.h"
#include "keyvalue.h"
#include "metadata.h"
#include "util.h"

static const char *const dump_result_table[_DUMP_RESULT_MAX] = {
        [DUMP_RESULT_COMPLETE] = "complete",
        [DUMP_RESULT_DMESG_ONLY] = "dmesg-only",
        [DUMP_RESULT_FAILED] = "failed",
};

const char *dump_result_to_string(DumpResult r) {
        if (r < 0 || r >= _DUMP_RESULT_MAX)
                return NULL;
        return dump_result_table[r];
}

DumpResult dump_result_from_string(const char *s) {
        if (!s)
                return _DUMP_RESULT_INVALID;
        for (int i = 0; i < _DUMP_RESULT_MAX; i++)
                if (streq(s, dump_result_table[i]))
                        return (DumpResult) i;
        return _DUMP_RESULT_INVALID;
}

typedef enum FieldType {
        FIELD_STRING,
        FIELD_U64,
        FIELD_RESULT,
} FieldType;

typedef struct Field {
        const char *key;
        FieldType type;
        size_t offset;
} Field;

#define STR(k, f) { k, FIELD_STRING, offsetof(DumpMetadata, f) }
#define U64(k, f) { k, FIELD_U64, offsetof(DumpMetadata, f) }

/* The order in which the writer emits the fields. Keys are part of the on-disk format: never
 * rename one, only add. */
static const Field fields[] = {
        STR("TINYKDUMP_VERSION", tinykdump_version),
#define RESULT_FIELD_INDEX 1
        { "RESULT", FIELD_RESULT, offsetof(DumpMetadata, result) },
        STR("REASON", reason),
        STR("KERNEL_RELEASE", kernel_release),
        STR("BOOT_ID", boot_id),
        STR("MACHINE_ID", machine_id),
        STR("HOSTNAME", hostname),
        STR("PANIC_MESSAGE", panic_message),
        U64("CRASH_TIME_USEC", crash_time_usec),
        U64("CAPTURE_TIME_USEC", capture_time_usec),
        STR("CAPTURE_BOOT_ID", capture_boot_id),
        STR("TARGET", target),
        STR("TARGET_DEVICE", target_device),
        STR("TARGET_FSTYPE", target_fstype),
        STR("DIRECTORY", directory),
        STR("DUMP_LEVEL", dump_level),
        STR("COMPRESSION", compression),
        STR("COMPRESSION_CONFIGURED", compression_configured),
        STR("FORMAT", format),
        STR("MAKEDUMPFILE_VERSION", makedumpfile_version),
        U64("DMESG_SIZE", dmesg_size),
        U64("VMCORE_SIZE", vmcore_size),
        U64("DMESG_STATUS", dmesg_status),
        U64("MAKEDUMPFILE_STATUS", makedumpfile_status),
        U64("TARGET_WAIT_USEC", target_wait_usec),
        U64("DMESG_USEC", dmesg_usec),
        U64("VMCORE_USEC", vmcore_usec),
        U64("TOTAL_USEC", total_usec),
        STR("ERASE", erase),
        STR("ERASE_RULES", erase_rules),
        STR("ERASE_REASON", erase_reason),
        U64("ERASE_BYTES", erase_bytes),
        U64("ERASE_PAGES", erase_pages),
        U64("ERASE_USEC", erase_usec),
        U64("MEMORY_SIZE", memory_size),
        U64("TARGET_FREE", target_free),
        U64("VMCORE_ESTIMATE", vmcore_estimate),
        U64("VMCORE_MINIMUM", vmcore_minimum),
        STR("SPACE", space),
        STR("RETENTION_DELETED", retention_deleted),
        U64("RETENTION_FREED", retention_freed),
        STR("MAKEDUMPFILE_WARNING", makedumpfile_warning),
        STR("VERIFIED", verified),
        STR("VERIFY_REASON", verify_reason),
};

#define FIELD_PTR(m, f) ((uint8_t *) (m) + (f)->offset)

void dump_metadata_init(DumpMetadata *m) {
        *m = (DumpMetadata) { .result = DUMP_RESULT_FAILED };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].type == FIELD_U64)
                        *(uint64_t *) FIELD_PTR(m, &fields[i]) = METADATA_UNSET;
}

void dump_metadata_done(DumpMetadata *m) {
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].type == FIELD_STRING) {
                        char **p = (char **) FIELD_PTR(m, &fields[i]);
                        free(*p);
                        *p = NULL;
                }
}

int dump_metadata_set(char **field, const char *s) {
        char *c = NULL;

        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        free(*field);
        *field = c;
        return 0;
}

int dump_metadata_copy(const DumpMetadata *src, DumpMetadata *ret) {
        DumpMetadata m = *src;

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].type == FIELD_STRING)
                        *(char **) FIELD_PTR(&m, &fields[i]) = NULL;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].type == FIELD_STRING &&
                    dump_metadata_set((char **) FIELD_PTR(&m, &fields[i]),
                                      *(char * const *) ((const uint8_t *) src + fields[i].offset)) < 0) {
                        dump_metadata_done(&m);
                        return -ENOMEM;
                }
        *ret = m;
        return 0;
}

static bool needs_escape(unsigned char c) {
        return c < 0x20 || c == 0x7f || c == '\\';
}

static int append_escaped(Buffer *b, const char *s) {
        static const char hex[] = "0123456789abcdef";
        int r;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (!needs_escape(*p)) {
                        r = buffer_append(b, p, 1);
                } else {
                        char e[4] = { '\\', 0, 0, 0 };
                        size_t n = 2;
                        switch (*p) {
                        case '\\': e[1] = '\\'; break;
                        case '\n': e[1] = 'n'; break;
                        case '\t': e[1] = 't'; break;
                        case '\r': e[1] = 'r'; break;
                        default:
                                e[1] = 'x';
                                e[2] = hex[*p >> 4];
                                e[3] = hex[*p & 15];
                                n = 4;
                        }
                        r = buffer_append(b, e, n);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int dump_metadata_format(const DumpMetadata *m, char **ret, size_t *ret_size) {
        Buffer b = {};
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(fields) && r >= 0; i++) {
                const Field *f = &fields[i];
                const uint8_t *p = (const uint8_t *) m + f->offset;
                char num[24];
                const char *v;

                switch (f->type) {
                case FIELD_STRING:
                        v = *(char * const *) p;
                        break;
                case FIELD_U64: {
                        uint64_t u = *(const uint64_t *) p;
                        if (u == METADATA_UNSET) {
                                v = NULL;
                                break;
                        }
                        snprintf(num, sizeof(num), "%" PRIu64, u);
                        v = num;
                        break;
                }
                case FIELD_RESULT:
                        v = dump_result_to_string(*(const DumpResult *) p);
                        if (!v)
                                r = -EINVAL;
                        break;
                default:
                        v = NULL;
                }
                if (!v || r < 0)
                        continue;

                r = buffer_append(&b, f->key, strlen(f->key));
                if (r >= 0)
                        r = buffer_append(&b, "=", 1);
                if (r >= 0)
                        r = append_escaped(&b, v);
                if (r >= 0)
                        r = buffer_append(&b, "\n", 1);
        }
        if (r >= 0)
                r = buffer_append(&b, "", 1);
        if (r < 0) {
                buffer_done(&b);
                return r;
        }
        if (ret_size)
                *ret_size = b.size - 1;
        *ret = (char *) b.data;
        return 0;
}

/* Records where and why the reader stopped: key and value as they stood in the file, cut to
 * METADATA_DIAG_KEY_MAX and METADATA_DIAG_VALUE_MAX bytes, with control bytes as '?', so a caller
 * can print "file:line: key=value: reason" without keeping the input around. */
static int metadata_error(ConfDiagList *diags, unsigned line, const char *key, size_t key_len, const char *value,
                          size_t value_len, const char *what) {
        char k[METADATA_DIAG_KEY_MAX + 1], v[METADATA_DIAG_VALUE_MAX + 1];

        if (!diags)
                return -EBADMSG;
        key_len = MIN(key_len, sizeof(k) - 1);
        for (size_t i = 0; i < key_len; i++)
                k[i] = (key[i] >= 0x20 && key[i] < 0x7f) ? key[i] : '?';
        k[key_len] = 0;
        value_len = MIN(value_len, sizeof(v) - 1);
        for (size_t i = 0; i < value_len; i++)
                v[i] = ((unsigned char) value[i] >= 0x20 && value[i] != 0x7f) ? value[i] : '?';
        v[value_len] = 0;
        if (conf_diags_add_full(diags, LOG_ERR, DUMP_FILE_METADATA, line, NULL, k, v, "%s", what) < 0)
                return -ENOMEM;
        return -EBADMSG;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Unescape value[0..n) into a new string. Returns -EBADMSG with *what set on bad input. */
static int unescape_value(const char *value, size_t n, char **ret, const char **what) {
        _cleanup_free_ char *s = NULL;
        size_t k = 0;

        if (n > METADATA_VALUE_MAX * 4) {
                *what = "value too long";
                return -EBADMSG;
        }
        s = malloc(n + 1);
        if (!s)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) value[i];

                if (c < 0x20 || c == 0x7f) {
                        *what = "control character in value";
                        return -EBADMSG;
                }
                if (c != '\\') {
                        s[k++] = (char) c;
                        continue;
                }
                if (++i >= n) {
                        *what = "value ends in a lone backslash";
                        return -EBADMSG;
                }
                switch (value[i]) {
                case '\\': s[k++] = '\\'; break;
                case 'n': s[k++] = '\n'; break;
                case 't': s[k++] = '\t'; break;
                case 'r': s[k++] = '\r'; break;
                case 'x': {
                        int hi = i + 2 < n ? unhex(value[i + 1]) : -1;
                        int lo = hi >= 0 ? unhex(value[i + 2]) : -1;
                        if (lo < 0) {
                                *what = "bad \\x escape";
                                return -EBADMSG;
                        }
                        if (hi == 0 && lo == 0) {
                                *what = "\\x00 in value";
                                return -EBADMSG;
                        }
                        s[k++] = (char) (hi * 16 + lo);
                        i += 2;
                        break;
                }
                default:
                        *what = "unknown escape";
                        return -EBADMSG;
                }
        }
        if (k > METADATA_VALUE_MAX) {
                *what = "value too long";
                return -EBADMSG;
        }
        s[k] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

static bool key_valid(const char *key, size_t n) {
        if (n == 0 || n > METADATA_KEY_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
                        return false;
        return true;
}

static void metadata_donep(DumpMetadata *m) {
        dump_metadata_done(m);
}

/* Stores the unescaped value s of field f into m; -EBADMSG with *what on a bad value. */
static int metadata_assign(DumpMetadata *m, const Field *f, char **s, const char **what) {
        uint8_t *p = FIELD_PTR(m, f);

        switch (f->type) {
        case FIELD_STRING:
                *(char **) p = TAKE_PTR(*s);
                return 0;
        case FIELD_U64: {
                uint64_t u;
                /* Plain decimal only: no sign, no hex, no leading white space. */
                bool digits = (*s)[0] != 0 && strspn(*s, "0123456789") == strlen(*s);
                if (!digits || ((*s)[0] == '0' && (*s)[1] != 0) || safe_atou64(*s, &u) < 0 || u == METADATA_UNSET) {
                        *what = "invalid number";
                        return -EBADMSG;
                }
                *(uint64_t *) p = u;
                return 0;
        }
        case FIELD_RESULT: {
                DumpResult dr = dump_result_from_string(*s);
                if (dr < 0) {
                        *what = "unknown result";
                        return -EBADMSG;
                }
                *(DumpResult *) p = dr;
                return 0;
        }
        }
        return -EINVAL;
}

/* One line that is not a comment. */
static int metadata_parse_line(DumpMetadata *m, const KeyValue *kv, bool *seen, ConfDiagList *diags) {
        _cleanup_free_ char *s = NULL;
        const char *what = NULL;
        size_t idx;
        int r;

        if (!kv->key)
                return metadata_error(diags, kv->line, "", 0, kv->text, kv->len, "missing '='");
        if (!key_valid(kv->key, kv->key_len))
                return metadata_error(diags, kv->line, kv->key, kv->key_len, kv->value, kv->value_len, "invalid key");
        for (idx = 0; idx < ELEMENTSOF(fields); idx++)
                if (key_value_key_is(kv, fields[idx].key))
                        break;
        if (idx >= ELEMENTSOF(fields))
                return 0; /* written by a newer version */
        if (seen[idx])
                return metadata_error(diags, kv->line, kv->key, kv->key_len, kv->value, kv->value_len, "duplicate key");
        seen[idx] = true;

        r = unescape_value(kv->value, kv->value_len, &s, &what);
        if (r >= 0)
                r = metadata_assign(m, &fields[idx], &s, &what);
        if (r == -EBADMSG)
                return metadata_error(diags, kv->line, kv->key, kv->key_len, kv->value, kv->value_len, what);
        return r;
}

int dump_metadata_parse(const char *data, size_t size, DumpMetadata *ret, ConfDiagList *diags) {
        _cleanup_(metadata_donep) DumpMetadata m;
        KeyValueReader reader = KEY_VALUE_READER_INIT(data, size, 0);
        bool seen[ELEMENTSOF(fields)] = {};
        KeyValue kv;
        int r;

        dump_metadata_init(&m);

        if (size > METADATA_FILE_MAX)
                return -EFBIG;
        if (size > 0 && !data)
                return -EINVAL;

        while (key_value_next(&reader, &kv) > 0) {
                if (memchr(kv.text, 0, kv.len))
                        return metadata_error(diags, kv.line, "", 0, kv.text, kv.len, "NUL byte in line");
                if (kv.skip)
                        continue;
                r = metadata_parse_line(&m, &kv, seen, diags);
                if (r < 0)
                        return r;
        }
        if (!seen[RESULT_FIELD_INDEX])
                return metadata_error(diags, 0, "RESULT", strlen("RESULT"), "", 0, "no RESULT= line");

        *ret = m;
        m = (DumpMetadata) {};
        return 0;
}

int dump_metadata_read_at(int dir_fd, DumpMetadata *ret, ConfDiagList *diags) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r;

        r = dumpdir_read_file_at(dir_fd, DUMP_FILE_METADATA, METADATA_FILE_MAX, false, &buf, &n);
        if (r < 0)
                return r;
        return dump_metadata_parse(buf, n, ret, diags);
}

int dmesg_find_panic_message(const char *data, size_t size, size_t max, char **ret) {
        static const char marker[] = "Kernel panic - not syncing: ";
        const size_t ml = sizeof(marker) - 1;

        if (size > 0 && !data)
                return -EINVAL;

        for (size_t pos = 0; pos < size;) {
                const char *l = data + pos;
                const char *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                pos += n + (nl ? 1 : 0);

                /* The marker anywhere in the line: after a timestamp, a caller ID, a level. */
                const char *m = n >= ml ? memmem(l, n, marker, ml) : NULL;
                if (!m)
                        continue;
                const char *v = m + ml;
                size_t vn = n - (size_t) (v - l);
                while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
                        vn--;
                if (vn > max) {
                        /* Do not split a UTF-8 sequence. */
                        vn = max;
                        while (vn > 0 && ((unsigned char) v[vn] & 0xc0) == 0x80)
                                vn--;
                }
                /* Cut at a NUL, should the log hold one. */
                const char *z = memchr(v, 0, vn);
                if (z)
                        vn = (size_t) (z - v);

                char *s = strndup(v, vn);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        return -ENOENT;
}
