/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

static const char *log_ident = "tinykdump";
static LogTarget log_target = LOG_TARGET_AUTO;
static int log_max_level = LOG_INFO;
static int kmsg_fd = -EBADF;

void log_setup(const char *ident, LogTarget target) {
        log_ident = ident;
        log_target = target;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_parse_environment(void) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
                [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        const char *e = getenv("TINYKDUMP_LOG_LEVEL");
        int v;

        if (isempty(e))
                return;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(e, names[i])) {
                        log_max_level = (int) i;
                        return;
                }
        if (safe_atoi(e, &v) >= 0 && v >= 0 && v <= LOG_DEBUG)
                log_max_level = v;
}

static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        struct stat st;
        unsigned long long dev, ino;

        if (isempty(e) || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

static void write_kmsg(int level, const char *msg) {
        char buf[1024];

        if (kmsg_fd < 0)
                kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (kmsg_fd < 0) {
                fprintf(stderr, "%s: %s\n", log_ident, msg);
                return;
        }
        int n = snprintf(buf, sizeof(buf), "<%d>%s[%d]: %s\n", level, log_ident, (int) getpid(), msg);
        /* One write() on purpose, not loop_write(): /dev/kmsg takes a record per write(), so a
         * retried remainder would be a second, broken record. */
        if (n > 0)
                (void) !write(kmsg_fd, buf, (size_t) MIN(n, (int) sizeof(buf) - 1));
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        char msg[2048];
        va_list ap;
        int saved_errno = errno;

        if (error < 0)
                error = -error;

        if (level <= log_max_level) {
                errno = error;
                va_start(ap, format);
                vsnprintf(msg, sizeof(msg), format, ap);
                va_end(ap);

                switch (log_target) {
                case LOG_TARGET_KMSG:
                        write_kmsg(level, msg);
                        break;
                case LOG_TARGET_AUTO:
                        if (stderr_is_journal()) {
                                fprintf(stderr, "<%d>%s\n", level, msg);
                                break;
                        }
                        _fallthrough_;
                case LOG_TARGET_CONSOLE:
                        if (log_max_level >= LOG_DEBUG)
                                fprintf(stderr, "%s: %s:%d %s: %s\n", log_ident, file, line, func, msg);
                        else
                                fprintf(stderr, "%s\n", msg);
                        break;
                }
        }

        errno = saved_errno;
        return -error;
}
