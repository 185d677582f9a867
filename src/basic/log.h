/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Programs log; library code returns errors and at most logs at debug level. */
typedef enum LogTarget {
        LOG_TARGET_AUTO,    /* the journal's stream protocol when stderr is connected to it, else plain stderr */
        LOG_TARGET_CONSOLE, /* plain stderr */
        LOG_TARGET_KMSG,    /* /dev/kmsg, for generators and early capture code */
} LogTarget;

void log_setup(const char *ident, LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_parse_environment(void); /* $TINYKDUMP_LOG_LEVEL=debug|info|notice|warning|err|<n> */

/* Logs at level; when error is nonzero, %m in format expands to strerror(-error | error).
 * Returns -abs(error), or 0 when error is 0, so callers can "return log_error_errno(r, …);". */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
