/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "json.h"
#include "utf8.h"

void json_begin(JsonWriter *w, FILE *f, bool pretty) {
        *w = (JsonWriter) { .f = f, .pretty = pretty };
        w->first[0] = true;
}

static void indent(JsonWriter *w) {
        if (!w->pretty)
                return;
        fputc('\n', w->f);
        for (unsigned i = 0; i < w->depth; i++)
                fputs("  ", w->f);
}

/* Called before every value or key: writes the separating comma and indentation. */
static void before_item(JsonWriter *w) {
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (!w->first[w->depth])
                fputc(',', w->f);
        w->first[w->depth] = false;
        if (w->depth > 0)
                indent(w);
}

static void open_container(JsonWriter *w, char c) {
        before_item(w);
        fputc(c, w->f);
        if (w->depth + 1 < JSON_DEPTH_MAX)
                w->depth++;
        w->first[w->depth] = true;
}

static void close_container(JsonWriter *w, char c) {
        bool empty = w->first[w->depth];
        if (w->depth > 0)
                w->depth--;
        if (!empty)
                indent(w);
        fputc(c, w->f);
}

void json_object_open(JsonWriter *w) {
        open_container(w, '{');
}
void json_object_close(JsonWriter *w) {
        close_container(w, '}');
}
void json_array_open(JsonWriter *w) {
        open_container(w, '[');
}
void json_array_close(JsonWriter *w) {
        close_container(w, ']');
}

static void write_escaped(FILE *f, const char *s) {
        size_t n = strlen(s);

        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s, *end = p + n; p < end; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else if (*p < 0x80)
                                fputc(*p, f);
                        else {
                                size_t k = utf8_sequence_length((const char *) p, (size_t) (end - p), NULL);
                                if (k == 0)
                                        fputs("\\ufffd", f); /* not UTF-8: JSON cannot carry it */
                                else {
                                        fwrite(p, 1, k, f);
                                        p += k - 1;
                                }
                        }
                }
        fputc('"', f);
}

void json_key(JsonWriter *w, const char *key) {
        before_item(w);
        write_escaped(w->f, key);
        fputs(w->pretty ? ": " : ":", w->f);
        w->after_key = true;
}

void json_string(JsonWriter *w, const char *s) {
        if (!s)
                return json_null(w);
        before_item(w);
        write_escaped(w->f, s);
}

void json_u64(JsonWriter *w, uint64_t v) {
        before_item(w);
        fprintf(w->f, "%" PRIu64, v);
}

void json_i64(JsonWriter *w, int64_t v) {
        before_item(w);
        fprintf(w->f, "%" PRIi64, v);
}

void json_bool(JsonWriter *w, bool b) {
        before_item(w);
        fputs(b ? "true" : "false", w->f);
}

void json_null(JsonWriter *w) {
        before_item(w);
        fputs("null", w->f);
}

int json_end(JsonWriter *w) {
        fputc('\n', w->f);
        if (fflush(w->f) != 0 || ferror(w->f))
                return -EIO;
        return 0;
}
