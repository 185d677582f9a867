/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* The one JSON writer, streaming, for --json output and the configuration's JSON form. Commas and
 * nesting are tracked here, so callers only say what comes next. Keys and strings are escaped;
 * bytes that are not UTF-8 become U+FFFD, which JSON can carry. */

#define JSON_DEPTH_MAX 16

typedef struct JsonWriter {
        FILE *f;
        bool pretty;
        unsigned depth;
        bool first[JSON_DEPTH_MAX];
        bool after_key;
} JsonWriter;

void json_begin(JsonWriter *w, FILE *f, bool pretty);
void json_object_open(JsonWriter *w);
void json_object_close(JsonWriter *w);
void json_array_open(JsonWriter *w);
void json_array_close(JsonWriter *w);
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *s); /* NULL → null */
void json_u64(JsonWriter *w, uint64_t v);
void json_i64(JsonWriter *w, int64_t v);
void json_bool(JsonWriter *w, bool b);
void json_null(JsonWriter *w);
/* Terminates the document with a newline; returns -EIO if writing failed. */
int json_end(JsonWriter *w);

/* key + value in one call */
#define json_kv_string(w, k, v) (json_key((w), (k)), json_string((w), (v)))
#define json_kv_u64(w, k, v) (json_key((w), (k)), json_u64((w), (v)))
#define json_kv_i64(w, k, v) (json_key((w), (k)), json_i64((w), (v)))
#define json_kv_bool(w, k, v) (json_key((w), (k)), json_bool((w), (v)))
