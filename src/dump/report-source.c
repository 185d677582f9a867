/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "keyvalue.h"
#include "report-source.h"
#include "util.h"

void report_source_done(ReportSource *s) {
        free(s->target);
        free(s->target_uuid);
        free(s->directory);
        free(s->name);
        *s = (ReportSource) {};
}

static bool value_ok(const char *s) {
        if (!s)
                return true;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

int report_source_format(const ReportSource *s, char **ret, size_t *ret_size) {
        char *t;
        int k;

        if (!s->name || !value_ok(s->target) || !value_ok(s->target_uuid) || !value_ok(s->directory) ||
            !value_ok(s->name))
                return -EINVAL;
        k = asprintf(&t, "# tinykdump: this dump was reported to the journal; see tinykdump info\n"
                         "NAME=%s\nDIRECTORY=%s\nTARGET=%s\nTARGET_UUID=%s\nREPORTED_USEC=%" PRIu64 "\n",
                     s->name, strempty(s->directory), strempty(s->target), strempty(s->target_uuid), s->reported_usec);
        if (k < 0)
                return -ENOMEM;
        if ((size_t) k > REPORT_SOURCE_MAX) {
                free(t);
                return -EFBIG;
        }
        *ret = t;
        *ret_size = (size_t) k;
        return 0;
}

/* Takes the value of kv into *field; a key given twice is -EBADMSG. */
static int source_set(char **field, const KeyValue *kv) {
        if (*field)
                return -EBADMSG;
        *field = strndup(kv->value, kv->value_len);
        return *field ? 0 : -ENOMEM;
}

static int source_set_usec(uint64_t *field, bool *seen, const KeyValue *kv) {
        char num[24];

        if (*seen || kv->value_len == 0 || kv->value_len >= sizeof(num))
                return -EBADMSG;
        memcpy(num, kv->value, kv->value_len);
        num[kv->value_len] = 0;
        if (strspn(num, "0123456789") != kv->value_len || safe_atou64(num, field) < 0)
                return -EBADMSG;
        *seen = true;
        return 0;
}

int report_source_parse(const char *data, size_t size, ReportSource *ret) {
        _cleanup_(report_source_done) ReportSource s = {};
        KeyValueReader reader = KEY_VALUE_READER_INIT(data, size, 0);
        bool have_usec = false;
        KeyValue kv;
        int r = 0;

        if (size > REPORT_SOURCE_MAX)
                return -EFBIG;
        if (size > 0 && !data)
                return -EINVAL;

        while (r >= 0 && key_value_next(&reader, &kv) > 0) {
                if (kv.skip)
                        continue;
                if (key_value_has_control(kv.text, kv.len, NULL) || !kv.key || kv.key_len == 0)
                        return -EBADMSG;
                if (key_value_key_is(&kv, "NAME"))
                        r = source_set(&s.name, &kv);
                else if (key_value_key_is(&kv, "DIRECTORY"))
                        r = source_set(&s.directory, &kv);
                else if (key_value_key_is(&kv, "TARGET"))
                        r = source_set(&s.target, &kv);
                else if (key_value_key_is(&kv, "TARGET_UUID"))
                        r = source_set(&s.target_uuid, &kv);
                else if (key_value_key_is(&kv, "REPORTED_USEC"))
                        r = source_set_usec(&s.reported_usec, &have_usec, &kv);
        }
        if (r < 0)
                return r;
        if (!s.name)
                return -EBADMSG;
        *ret = s;
        s = (ReportSource) {};
        return 0;
}

char *target_key_clean(const char *s) {
        char *r = malloc(strlen(s) + 1), *w = r;

        if (!r)
                return NULL;
        for (; *s; s++) {
                char c = *s;
                if (c >= 'A' && c <= 'Z')
                        c = (char) (c - 'A' + 'a');
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                        *w++ = c;
        }
        *w = 0;
        return r;
}
