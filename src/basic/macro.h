/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _public_ __attribute__((visibility("default")))
#define _unused_ __attribute__((unused))
#define _fallthrough_ __attribute__((fallthrough))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _must_check_ __attribute__((warn_unused_result))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#define KiB ((uint64_t) 1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Round x up to a multiple of the power of two a; saturates to UINT64_MAX on overflow. */
static inline uint64_t align_up_u64(uint64_t x, uint64_t a) {
        if (a == 0)
                return x;
        if (x > UINT64_MAX - (a - 1))
                return UINT64_MAX;
        return (x + a - 1) & ~(a - 1);
}

static inline uint64_t div_round_up_u64(uint64_t x, uint64_t d) {
        return x / d + !!(x % d);
}

/* Saturating addition: sizes in the memory model never wrap. */
static inline uint64_t add_sat_u64(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')
#define strna(s) ((s) ?: "n/a")
#define strempty(s) ((s) ?: "")
#define yes_no(b) ((b) ? "yes" : "no")

static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Take ownership of a pointer or fd, leaving the variable empty so its cleanup does nothing. */
#define TAKE_PTR(p)                                 \
        ({                                          \
                __typeof__(p) _p_ = (p);            \
                (p) = NULL;                         \
                _p_;                                \
        })
#define TAKE_FD(fd)                                 \
        ({                                          \
                int _fd_ = (fd);                    \
                (fd) = -EBADF;                      \
                _fd_;                               \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Generates a cleanup helper for a type with its own destructor returning void or a pointer. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)      \
        static inline void func##p(type *p) {        \
                if (*p)                              \
                        func(*p);                    \
        }

/* errno that is never 0, for "return -errno" after a libc call that may not have set it. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                              \
        ({                                            \
                int _r_ = (expr);                     \
                _r_ < 0 ? negative_errno() : _r_;     \
        })
