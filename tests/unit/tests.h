/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny TAP harness. Each TEST(name) registers itself in the "tk_tests" ELF section; the
 * main() below runs them all (or those named on the command line) and prints TAP.
 * A test fails by returning through one of the ASSERT_* macros; it skips with
 * TEST_SKIP("why"). A binary whose tests all skip exits 77 so meson reports SKIP. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

typedef enum { TEST_PASS, TEST_FAIL, TEST_SKIPPED } TestResult;

typedef struct TestCase {
        const char *name;
        TestResult (*func)(void);
} TestCase;

#define TEST(n)                                                                         \
        static TestResult test_##n(void);                                               \
        static const TestCase test_case_##n                                             \
                __attribute__((used, section("tk_tests"), aligned(sizeof(void *)))) = { \
                        .name = #n, .func = test_##n };                                 \
        static TestResult test_##n(void)

/* The directory holding tests/ sources, set by meson in the environment. */
const char *test_srcdir(void);
/* A fresh private temporary directory for this test binary (removed at exit). */
const char *test_tmpdir(void);

#define TEST_SKIP(...)                                           \
        do {                                                     \
                printf("# skip: " __VA_ARGS__);                  \
                printf("\n");                                    \
                return TEST_SKIPPED;                             \
        } while (0)

#define ASSERT_TRUE(expr)                                                               \
        do {                                                                            \
                if (!(expr)) {                                                          \
                        printf("# %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)
#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_INT_OP(a, op, b)                                                         \
        do {                                                                            \
                intmax_t _a = (intmax_t) (a), _b = (intmax_t) (b);                      \
                if (!(_a op _b)) {                                                      \
                        printf("# %s:%d: %s " #op " %s failed: %jd vs %jd\n", __FILE__, __LINE__, #a, #b, _a, _b); \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)
#define ASSERT_EQ(a, b) ASSERT_INT_OP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_INT_OP(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_INT_OP(a, <, b)
#define ASSERT_LE(a, b) ASSERT_INT_OP(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_INT_OP(a, >, b)
#define ASSERT_GE(a, b) ASSERT_INT_OP(a, >=, b)

#define ASSERT_U64_EQ(a, b)                                                             \
        do {                                                                            \
                uint64_t _a = (uint64_t) (a), _b = (uint64_t) (b);                      \
                if (_a != _b) {                                                         \
                        printf("# %s:%d: %s == %s failed: %" PRIu64 " vs %" PRIu64 "\n", __FILE__, __LINE__, #a, #b, _a, _b); \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)

/* r >= 0, printing the errno name on failure. */
#define ASSERT_OK(expr)                                                                 \
        do {                                                                            \
                intmax_t _r = (intmax_t) (expr);                                        \
                if (_r < 0) {                                                           \
                        printf("# %s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, strerror((int) -_r)); \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)

/* expr returns exactly -err. */
#define ASSERT_ERROR(expr, err)                                                         \
        do {                                                                            \
                intmax_t _r = (intmax_t) (expr);                                        \
                if (_r != -(intmax_t) (err)) {                                          \
                        printf("# %s:%d: %s returned %jd (%s), expected -%s\n", __FILE__, __LINE__, #expr, _r, \
                               _r < 0 ? strerror((int) -_r) : "success", #err);           \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)

#define ASSERT_STREQ(a, b)                                                              \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                \
                        printf("# %s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", __FILE__, __LINE__, #a, #b, \
                               _a ?: "(null)", _b ?: "(null)");                         \
                        return TEST_FAIL;                                               \
                }                                                                       \
        } while (0)

#define ASSERT_NULL(p) ASSERT_TRUE((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT_TRUE((p) != NULL)
