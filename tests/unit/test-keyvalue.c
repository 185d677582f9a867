/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one KEY=VALUE line reader: lines, comments, the first '=', stripping, no trailing newline. */
#include "keyvalue.h"
#include "tests.h"

static int next(KeyValueReader *r, KeyValue *kv) {
        return key_value_next(r, kv);
}

TEST(plain) {
        static const char text[] = "# comment\n\nA=1\nB==x y \nno equals\n=v\nC=";
        KeyValueReader r = KEY_VALUE_READER_INIT(text, sizeof(text) - 1, 0);
        KeyValue kv;

        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(kv.skip);
        ASSERT_EQ(kv.line, 1);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(kv.skip);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_FALSE(kv.skip);
        ASSERT_TRUE(key_value_key_is(&kv, "A"));
        ASSERT_FALSE(key_value_key_is(&kv, "AB"));
        ASSERT_EQ(kv.value_len, 1);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(key_value_key_is(&kv, "B"));
        ASSERT_EQ(kv.value_len, 5); /* "=x y ": split at the first '=', bytes kept */
        ASSERT_TRUE(memcmp(kv.value, "=x y ", 5) == 0);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_NULL(kv.key);
        ASSERT_EQ(kv.len, 9);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_NOT_NULL(kv.key);
        ASSERT_EQ(kv.key_len, 0);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(key_value_key_is(&kv, "C"));
        ASSERT_EQ(kv.value_len, 0);
        ASSERT_EQ(kv.line, 7);
        ASSERT_EQ(next(&r, &kv), 0);
        ASSERT_EQ(next(&r, &kv), 0);
        return TEST_PASS;
}

TEST(strip) {
        static const char text[] = "  # indented comment\r\n \tKEY \t=  value with  spaces \r\n";
        KeyValueReader r = KEY_VALUE_READER_INIT(text, sizeof(text) - 1, KEY_VALUE_STRIP);
        KeyValue kv;

        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(kv.skip);
        ASSERT_EQ(next(&r, &kv), 1);
        ASSERT_TRUE(key_value_key_is(&kv, "KEY"));
        ASSERT_EQ(kv.value_len, strlen("value with  spaces"));
        ASSERT_TRUE(memcmp(kv.value, "value with  spaces", kv.value_len) == 0);
        ASSERT_EQ(next(&r, &kv), 0);
        return TEST_PASS;
}

TEST(control) {
        ASSERT_FALSE(key_value_has_control("abc", 3, NULL));
        ASSERT_TRUE(key_value_has_control("a\tb", 3, NULL));
        ASSERT_FALSE(key_value_has_control("a\tb\r", 4, "\t\r"));
        ASSERT_TRUE(key_value_has_control("a\0b", 3, "\t"));
        ASSERT_TRUE(key_value_has_control("\x7f", 1, "\t"));

        KeyValueReader r = KEY_VALUE_READER_INIT(NULL, 0, 0);
        KeyValue kv;
        ASSERT_EQ(key_value_next(&r, &kv), 0);
        return TEST_PASS;
}
