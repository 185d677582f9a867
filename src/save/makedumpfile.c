/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "makedumpfile.h"
#include "util.h"

extern char **environ;

MakedumpfileStatus makedumpfile_status_from_wait(int wstatus, uint64_t *ret_code) {
        if (WIFSIGNALED(wstatus)) {
                if (ret_code)
                        *ret_code = 128 + (uint64_t) WTERMSIG(wstatus);
                return MAKEDUMPFILE_KILLED;
        }
        if (!WIFEXITED(wstatus)) {
                if (ret_code)
                        *ret_code = 255;
                return MAKEDUMPFILE_UNKNOWN;
        }
        int code = WEXITSTATUS(wstatus);
        if (ret_code)
                *ret_code = (uint64_t) code;
        switch (code) {
        case 0:
                return MAKEDUMPFILE_COMPLETED;
        case 1:
                return MAKEDUMPFILE_FAILED;
        case 2:
                return MAKEDUMPFILE_WRONG_RELEASE;
        case 3:
                return MAKEDUMPFILE_ANALYSIS_FAILED;
        case 4:
                return MAKEDUMPFILE_OUTPUT_FAILED;
        case 126:
        case 127:
                return MAKEDUMPFILE_NOT_EXECUTED;
        default:
                return MAKEDUMPFILE_UNKNOWN;
        }
}

const char *makedumpfile_status_to_string(MakedumpfileStatus s) {
        static const char *const table[_MAKEDUMPFILE_STATUS_MAX] = {
                [MAKEDUMPFILE_COMPLETED] = "completed",
                [MAKEDUMPFILE_FAILED] = "failed",
                [MAKEDUMPFILE_WRONG_RELEASE] = "failed: the kernel release of vmcore and vmlinux differ",
                [MAKEDUMPFILE_ANALYSIS_FAILED] = "failed: illegal page descriptor in the vmcore",
                [MAKEDUMPFILE_OUTPUT_FAILED] = "failed to write its output",
                [MAKEDUMPFILE_NOT_EXECUTED] = "could not be executed",
                [MAKEDUMPFILE_KILLED] = "was killed by a signal",
                [MAKEDUMPFILE_UNKNOWN] = "failed with an unknown exit status",
        };
        if ((unsigned) s >= _MAKEDUMPFILE_STATUS_MAX)
                return NULL;
        return table[s];
}

void makedumpfile_features_done(MakedumpfileFeatures *f) {
        free(f->version);
        *f = (MakedumpfileFeatures) {};
}

int makedumpfile_parse_features(const char *data, size_t size, MakedumpfileFeatures *ret) {
        static const char version_marker[] = "version ";
        MakedumpfileFeatures f = {};

        if (size > MAKEDUMPFILE_VERSION_OUTPUT_MAX)
                return -EFBIG;
        if (size > 0 && !data)
                return -EINVAL;

        f.supported[CAPTURE_COMPRESSION_NONE] = true;
        f.supported[CAPTURE_COMPRESSION_ZLIB] = true;

        for (size_t pos = 0; pos < size;) {
                const char *l = data + pos;
                const char *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                pos += n + (nl ? 1 : 0);

                const char *v = n > sizeof(version_marker) ? memmem(l, n, version_marker, sizeof(version_marker) - 1) : NULL;
                if (v && !f.version && startswith(l, "makedumpfile")) {
                        v += sizeof(version_marker) - 1;
                        size_t vn = 0;
                        while (v + vn < l + n && vn < 32 &&
                               ((v[vn] >= '0' && v[vn] <= '9') || v[vn] == '.' || v[vn] == '-' ||
                                (v[vn] >= 'a' && v[vn] <= 'z')))
                                vn++;
                        if (vn > 0) {
                                f.version = strndup(v, vn);
                                if (!f.version)
                                        return -ENOMEM;
                        }
                        continue;
                }

                /* "<name><white space><enabled|disabled>" */
                size_t k = 0;
                while (k < n && l[k] != ' ' && l[k] != '\t')
                        k++;
                size_t s = k;
                while (s < n && (l[s] == ' ' || l[s] == '\t'))
                        s++;
                if (k == 0 || s == k)
                        continue;
                bool enabled;
                if (n - s == strlen("enabled") && memcmp(l + s, "enabled", n - s) == 0)
                        enabled = true;
                else if (n - s == strlen("disabled") && memcmp(l + s, "disabled", n - s) == 0)
                        enabled = false;
                else
                        continue;
                static const struct {
                        const char *name;
                        CaptureCompression c;
                } names[] = {
                        { "lzo", CAPTURE_COMPRESSION_LZO },
                        { "snappy", CAPTURE_COMPRESSION_SNAPPY },
                        { "zstd", CAPTURE_COMPRESSION_ZSTD },
                };
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if (strlen(names[i].name) == k && strncasecmp(l, names[i].name, k) == 0)
                                f.supported[names[i].c] = enabled;
        }

        *ret = f;
        return 0;
}

CaptureCompression makedumpfile_effective_compression(CaptureCompression wanted, const MakedumpfileFeatures *f) {
        if (wanted < 0 || wanted >= _CAPTURE_COMPRESSION_MAX)
                return CAPTURE_COMPRESSION_ZLIB;
        if (!f || f->supported[wanted])
                return wanted;
        return CAPTURE_COMPRESSION_ZLIB;
}

static const char *compression_option(CaptureCompression c) {
        switch (c) {
        case CAPTURE_COMPRESSION_ZLIB:
                return "-c";
        case CAPTURE_COMPRESSION_LZO:
                return "-l";
        case CAPTURE_COMPRESSION_SNAPPY:
                return "-p";
        case CAPTURE_COMPRESSION_ZSTD:
                return "-z";
        default:
                return NULL; /* none: kdump-compressed format with every page stored plain */
        }
}

static int argv_add(char ***l, const char *s) {
        return strv_extend(l, s);
}

int makedumpfile_dump_argv(const char *binary, unsigned dump_level, CaptureCompression compression,
                           const char *vmcore, const char *output, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char level[16], msg[16];

        if (isempty(binary) || isempty(vmcore) || isempty(output))
                return -EINVAL;
        if (dump_level > CAPTURE_DUMP_LEVEL_MAX)
                return -EINVAL;
        if (compression < 0 || compression >= _CAPTURE_COMPRESSION_MAX)
                return -EINVAL;

        snprintf(level, sizeof(level), "%u", dump_level);
        snprintf(msg, sizeof(msg), "%d", MAKEDUMPFILE_MESSAGE_LEVEL);
        const char *opt = compression_option(compression);

        if (argv_add(&l, binary) < 0 || argv_add(&l, "-d") < 0 || argv_add(&l, level) < 0 ||
            (opt && argv_add(&l, opt) < 0) ||
            argv_add(&l, "--message-level") < 0 || argv_add(&l, msg) < 0 ||
            argv_add(&l, vmcore) < 0 || argv_add(&l, output) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int makedumpfile_dmesg_argv(const char *binary, const char *vmcore, const char *output, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char msg[16];

        if (isempty(binary) || isempty(vmcore) || isempty(output))
                return -EINVAL;
        snprintf(msg, sizeof(msg), "%d", MAKEDUMPFILE_MESSAGE_LEVEL);
        if (argv_add(&l, binary) < 0 || argv_add(&l, "--dump-dmesg") < 0 ||
            argv_add(&l, "--message-level") < 0 || argv_add(&l, msg) < 0 ||
            argv_add(&l, vmcore) < 0 || argv_add(&l, output) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int makedumpfile_version_argv(const char *binary, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        if (isempty(binary))
                return -EINVAL;
        if (argv_add(&l, binary) < 0 || argv_add(&l, "-v") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int spawn_and_wait(char * const *argv, uint64_t interval_usec, void (*progress)(void *userdata), void *userdata,
                   Buffer *capture, size_t capture_max, int *ret_wstatus) {
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none;
        pid_t pid;
        int r;

        if (!argv || !argv[0])
                return -EINVAL;

        if (capture) {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                out_r = p[0];
                out_w = p[1];
        }

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        sigemptyset(&none);
        r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0 && capture)
                r = posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        if (r == 0)
                r = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return -r;
        if (out_w >= 0)
                (void) close(TAKE_FD(out_w));

        /* A pidfd wakes us the moment the child exits; without one (Linux < 5.3) we poll. */
        _cleanup_close_ int pidfd = -EBADF;
#ifdef SYS_pidfd_open
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0); /* always close-on-exec */
#endif

        uint64_t next = interval_usec > 0 ? now_usec(CLOCK_MONOTONIC) + interval_usec : UINT64_MAX;
        for (;;) {
                int wstatus;
                pid_t k = waitpid(pid, &wstatus, WNOHANG);
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k == pid) {
                        /* Drain what is left in the pipe. */
                        while (out_r >= 0) {
                                char buf[4096];
                                ssize_t n = read(out_r, buf, sizeof(buf));
                                if (n <= 0)
                                        break;
                                if (capture->size < capture_max &&
                                    buffer_append(capture, buf, MIN((size_t) n, capture_max - capture->size)) < 0)
                                        return -ENOMEM;
                        }
                        *ret_wstatus = wstatus;
                        return 0;
                }

                struct pollfd pfd[2] = {
                        { .fd = out_r, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                /* poll() ignores negative fds; with neither it just sleeps. */
                (void) poll(pfd, 2, 100);
                if (out_r >= 0 && (pfd[0].revents & (POLLIN | POLLHUP))) {
                        char buf[4096];
                        ssize_t n = read(out_r, buf, sizeof(buf));
                        if (n == 0)
                                (void) close(TAKE_FD(out_r));
                        else if (n > 0 && capture->size < capture_max &&
                                 buffer_append(capture, buf, MIN((size_t) n, capture_max - capture->size)) < 0) {
                                (void) kill(pid, SIGKILL);
                                (void) waitpid(pid, NULL, 0);
                                return -ENOMEM;
                        }
                }

                if (progress && now_usec(CLOCK_MONOTONIC) >= next) {
                        progress(userdata);
                        next = now_usec(CLOCK_MONOTONIC) + interval_usec;
                }
        }
}
