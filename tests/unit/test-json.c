/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json.h"
#include "tests.h"

static char *render(bool pretty, void (*fn)(JsonWriter *w)) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        JsonWriter w;

        if (!f)
                return NULL;
        json_begin(&w, f, pretty);
        fn(&w);
        (void) json_end(&w);
        fclose(f);
        return buf;
}

static void doc(JsonWriter *w) {
        json_object_open(w);
        json_kv_bool(w, "armed", true);
        json_kv_u64(w, "static", 67108864);
        json_kv_string(w, "why", "a \"quoted\"\nline\x01");
        json_key(w, "ranges");
        json_array_open(w);
        json_u64(w, 1);
        json_null(w);
        json_array_close(w);
        json_key(w, "empty");
        json_object_open(w);
        json_object_close(w);
        json_kv_i64(w, "neg", -5);
        json_object_close(w);
}

TEST(compact) {
        _cleanup_free_ char *s = render(false, doc);
        ASSERT_STREQ(s, "{\"armed\":true,\"static\":67108864,\"why\":\"a \\\"quoted\\\"\\nline\\u0001\","
                        "\"ranges\":[1,null],\"empty\":{},\"neg\":-5}\n");
        return TEST_PASS;
}

TEST(pretty) {
        _cleanup_free_ char *s = render(true, doc);
        ASSERT_STREQ(s, "{\n  \"armed\": true,\n  \"static\": 67108864,\n  \"why\": \"a \\\"quoted\\\"\\nline\\u0001\",\n"
                        "  \"ranges\": [\n    1,\n    null\n  ],\n  \"empty\": {},\n  \"neg\": -5\n}\n");
        return TEST_PASS;
}

static void utf8_doc(JsonWriter *w) {
        json_array_open(w);
        json_string(w, "Crash \xc3\xbc \xf0\x9f\x98\x80");    /* valid: passed through */
        json_string(w, "bad \xff and \xc3 and \xed\xa0\x80"); /* not UTF-8: U+FFFD each */
        json_array_close(w);
}

/* The one JSON writer emits only valid JSON: bytes that are not UTF-8 become U+FFFD. */
TEST(utf8) {
        _cleanup_free_ char *s = render(false, utf8_doc);
        ASSERT_STREQ(s, "[\"Crash \xc3\xbc \xf0\x9f\x98\x80\",\"bad \\ufffd and \\ufffd and \\ufffd\\ufffd\\ufffd\"]\n");
        return TEST_PASS;
}
