/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "keyvalue.h"
#include "util.h"
#include "vmcoreinfo.h"

typedef struct VmcoreInfoEntry {
        const char *key;
        const char *value;
} VmcoreInfoEntry;

struct VmcoreInfo {
        char *text;               /* a private copy, '=' and '\n' replaced by NULs */
        VmcoreInfoEntry *entries;
        size_t n_entries;
};

VmcoreInfo *vmcoreinfo_free(VmcoreInfo *info) {
        if (!info)
                return NULL;
        free(info->text);
        free(info->entries);
        free(info);
        return NULL;
}

static void set_error(VmcoreInfoParseError *e, unsigned line, const char *key, size_t key_len,
                      const char *value, size_t value_len, const char *what) {
        if (!e)
                return;
        *e = (VmcoreInfoParseError) { .line = line, .what = what };
        snprintf(e->key, sizeof(e->key), "%.*s", (int) MIN(key_len, (size_t) VMCOREINFO_KEY_MAX), key ?: "");
        /* The value may hold anything: copy printable bytes only. */
        size_t j = 0;
        for (size_t i = 0; value && i < value_len && j + 1 < sizeof(e->value); i++)
                e->value[j++] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
        e->value[j] = '\0';
}

int vmcoreinfo_parse(const char *data, size_t size, VmcoreInfo **ret, VmcoreInfoParseError *reterr) {
        _cleanup_vmcoreinfo_free_ VmcoreInfo *info = NULL;
        size_t n_lines = 0;

        if (!data && size > 0)
                return -EINVAL;
        size = strnlen(data ?: "", size);
        if (size > VMCOREINFO_SIZE_MAX)
                return -EFBIG;

        for (size_t i = 0; i < size; i++)
                n_lines += data[i] == '\n';
        if (size > 0 && data[size - 1] != '\n')
                n_lines++;
        if (n_lines > VMCOREINFO_LINES_MAX)
                return -EFBIG;

        info = calloc(1, sizeof(*info));
        if (!info)
                return -ENOMEM;
        info->text = malloc(size + 1);
        if (!info->text)
                return -ENOMEM;
        memcpy(info->text, data, size);
        info->text[size] = '\0';
        if (n_lines > 0) {
                info->entries = calloc(n_lines, sizeof(VmcoreInfoEntry));
                if (!info->entries)
                        return -ENOMEM;
        }

        KeyValueReader reader = KEY_VALUE_READER_INIT(info->text, size, KEY_VALUE_NO_COMMENTS);
        KeyValue kv;
        while (key_value_next(&reader, &kv) > 0) {
                /* Tolerate CRLF from a copy that went through a text editor. */
                size_t cr = kv.len > 0 && kv.text[kv.len - 1] == '\r';
                if (kv.len == cr)
                        continue;
                if (!kv.key) {
                        set_error(reterr, kv.line, kv.text, kv.len - cr, NULL, 0, "missing '='");
                        return -EBADMSG;
                }
                /* The reader hands out const views of info->text, which is ours to cut up. */
                char *key = info->text + (kv.key - info->text), *value = key + kv.key_len + 1;
                size_t key_len = kv.key_len, value_len = kv.value_len - cr;
                if (key_len == 0) {
                        set_error(reterr, kv.line, "", 0, value, value_len, "empty key");
                        return -EBADMSG;
                }
                if (key_len > VMCOREINFO_KEY_MAX) {
                        set_error(reterr, kv.line, key, key_len, value, value_len, "key too long");
                        return -EBADMSG;
                }
                if (value_len > VMCOREINFO_VALUE_MAX) {
                        set_error(reterr, kv.line, key, key_len, value, value_len, "value too long");
                        return -EBADMSG;
                }
                if (key_value_has_control(key, key_len, NULL) || key_value_has_control(value, value_len, NULL)) {
                        set_error(reterr, kv.line, key, key_len, value, value_len, "control character");
                        return -EBADMSG;
                }

                key[key_len] = '\0';
                value[value_len] = '\0';
                if (!vmcoreinfo_get(info, key))
                        info->entries[info->n_entries++] = (VmcoreInfoEntry) { .key = key, .value = value };
        }

        *ret = TAKE_PTR(info);
        return 0;
}

size_t vmcoreinfo_count(const VmcoreInfo *info) {
        return info ? info->n_entries : 0;
}

const char *vmcoreinfo_get(const VmcoreInfo *info, const char *key) {
        if (!info || !key)
                return NULL;
        for (size_t i = 0; i < info->n_entries; i++)
                if (streq(info->entries[i].key, key))
                        return info->entries[i].value;
        return NULL;
}

/* Strict unsigned parse of a whole string in the given base, no sign, no white space. */
static int parse_u64_base(const char *s, unsigned base, uint64_t *ret) {
        uint64_t v = 0;

        if (isempty(s))
                return -EBADMSG;
        for (const char *p = s; *p; p++) {
                unsigned d;
                if (*p >= '0' && *p <= '9')
                        d = *p - '0';
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                        d = *p - 'a' + 10;
                else if (base == 16 && *p >= 'A' && *p <= 'F')
                        d = *p - 'A' + 10;
                else
                        return -EBADMSG;
                if (v > (UINT64_MAX - d) / base)
                        return -EBADMSG;
                v = v * base + d;
        }
        *ret = v;
        return 0;
}

static int parse_hex(const char *s, uint64_t *ret) {
        if (!s)
                return -ENOENT;
        const char *h = startswith(s, "0x") ?: startswith(s, "0X") ?: s;
        return parse_u64_base(h, 16, ret);
}

static int parse_dec(const char *s, uint64_t *ret) {
        if (!s)
                return -ENOENT;
        return parse_u64_base(s, 10, ret);
}

static int lookup(const VmcoreInfo *info, const char *kind, const char *name, const char **ret) {
        char key[VMCOREINFO_KEY_MAX + 1];

        if (!name)
                return -EINVAL;
        int k = snprintf(key, sizeof(key), "%s(%s)", kind, name);
        if (k < 0 || (size_t) k >= sizeof(key))
                return -ENOENT; /* longer than any key we kept */
        const char *v = vmcoreinfo_get(info, key);
        if (!v)
                return -ENOENT;
        *ret = v;
        return 0;
}

static int lookup_dec(const VmcoreInfo *info, const char *prefix, const char *name, uint64_t *ret) {
        const char *v;
        int r = lookup(info, prefix, name, &v);
        return r < 0 ? r : parse_dec(v, ret);
}

int vmcoreinfo_symbol(const VmcoreInfo *info, const char *name, uint64_t *ret) {
        const char *v;
        int r = lookup(info, "SYMBOL", name, &v);
        return r < 0 ? r : parse_hex(v, ret);
}

int vmcoreinfo_offset(const VmcoreInfo *info, const char *member, uint64_t *ret) {
        return lookup_dec(info, "OFFSET", member, ret);
}

int vmcoreinfo_size(const VmcoreInfo *info, const char *type, uint64_t *ret) {
        return lookup_dec(info, "SIZE", type, ret);
}

int vmcoreinfo_length(const VmcoreInfo *info, const char *name, uint64_t *ret) {
        return lookup_dec(info, "LENGTH", name, ret);
}

int vmcoreinfo_number(const VmcoreInfo *info, const char *name, int64_t *ret) {
        const char *v;
        uint64_t u;
        int r;

        r = lookup(info, "NUMBER", name, &v);
        if (r < 0)
                return r;
        if (startswith(v, "0x") || startswith(v, "0X")) {
                r = parse_hex(v, &u);
                if (r < 0)
                        return r;
                *ret = (int64_t) u; /* the kernel printed an unsigned long in hex */
                return 0;
        }
        bool neg = v[0] == '-';
        r = parse_dec(v + neg, &u);
        if (r < 0)
                return r;
        if (neg ? u > (uint64_t) INT64_MAX + 1 : u > (uint64_t) INT64_MAX)
                return -EBADMSG;
        *ret = neg ? (int64_t) (0 - u) : (int64_t) u;
        return 0;
}

int vmcoreinfo_page_size(const VmcoreInfo *info, uint64_t *ret) {
        uint64_t v;
        int r;

        r = parse_dec(vmcoreinfo_get(info, "PAGESIZE"), &v);
        if (r < 0)
                return r;
        if (v < 4 * KiB || v > MiB || (v & (v - 1)) != 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int vmcoreinfo_kernel_offset(const VmcoreInfo *info, uint64_t *ret) {
        return parse_hex(vmcoreinfo_get(info, "KERNELOFFSET"), ret);
}

int vmcoreinfo_crash_time(const VmcoreInfo *info, uint64_t *ret) {
        return parse_dec(vmcoreinfo_get(info, "CRASHTIME"), ret);
}

const char *vmcoreinfo_osrelease(const VmcoreInfo *info) {
        return vmcoreinfo_get(info, "OSRELEASE");
}
