/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one reader of "KEY=value" line files (the capture configuration, a dump's metadata, the
 * reporter's source file): splits text into lines, tells blank lines and '#' comments apart,
 * splits the rest at the first '='. What a key may be, how a value is unescaped and which bytes
 * are refused is each format's business; the reader hands every line over, comments included,
 * so a format can refuse bytes anywhere. */

#include "macro.h"

typedef enum KeyValueFlags {
        /* Blanks (space, tab, CR) around the line, before '=' and after it are not part of the
         * key or value; a comment may be indented. Without it, bytes are taken as they are. */
        KEY_VALUE_STRIP = 1 << 0,
        /* No comments: a line starting with '#' is a line like any other (VMCOREINFO has none). */
        KEY_VALUE_NO_COMMENTS = 1 << 1,
} KeyValueFlags;

typedef struct KeyValue {
        unsigned line;               /* 1-based */
        const char *text;            /* the line without its newline (with KEY_VALUE_STRIP, stripped) */
        size_t len;
        bool skip;                   /* blank or a comment */
        const char *key;             /* NULL when the line has no '=' (or is skipped) */
        size_t key_len;
        const char *value;
        size_t value_len;
} KeyValue;

typedef struct KeyValueReader {
        const char *data;
        size_t size, pos;
        unsigned line;
        KeyValueFlags flags;
} KeyValueReader;

#define KEY_VALUE_READER_INIT(d, s, f) ((KeyValueReader) { .data = (d), .size = (s), .flags = (f) })

/* The next line: 1 with *ret filled, 0 at the end of the text. */
int key_value_next(KeyValueReader *r, KeyValue *ret);

/* Is the key of kv exactly key? */
bool key_value_key_is(const KeyValue *kv, const char *key);

/* Does s[0..n) hold a control character (below 0x20 or 0x7f), other than those in allowed? */
bool key_value_has_control(const char *s, size_t n, const char *allowed);
