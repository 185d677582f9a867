/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn-util.h"
#include "time-util.h"

extern char **environ;

static int spawn_child(char * const *argv, int out_fd, bool err_too, pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none;
        int r;

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
        if (r == 0 && out_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (r == 0 && out_fd >= 0 && err_too)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        if (r == 0)
                r = posix_spawn(ret_pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return -r;
}

/* Reads what is there from the child's stdout into o->capture; closes *fd at EOF. */
static int drain_pipe(int *fd, const SpawnOptions *o, bool all) {
        char buf[4096];

        while (*fd >= 0) {
                ssize_t n = read(*fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? 0 : -errno;
                if (n == 0) {
                        (void) close(TAKE_FD(*fd));
                        return 0;
                }
                if (o->capture->size < o->capture_max &&
                    buffer_append(o->capture, buf, MIN((size_t) n, o->capture_max - o->capture->size)) < 0)
                        return -ENOMEM;
                if (!all)
                        return 0;
        }
        return 0;
}

/* Milliseconds until the earliest of the deadlines (UINT64_MAX: none), at most 100 without a pidfd. */
static int poll_timeout_ms(uint64_t now, const uint64_t *deadlines, size_t n, bool have_pidfd) {
        uint64_t next = UINT64_MAX;

        for (size_t i = 0; i < n; i++)
                next = MIN(next, deadlines[i]);
        if (next == UINT64_MAX)
                return have_pidfd ? -1 : 100;
        uint64_t ms = next <= now ? 0 : (next - now + 999) / 1000;
        return (int) MIN(ms, have_pidfd ? (uint64_t) INT32_MAX : 100);
}

typedef struct Deadlines {
        uint64_t progress;   /* next progress call, UINT64_MAX: none */
        uint64_t stop;       /* next signal, UINT64_MAX: none */
        uint64_t grace;
        bool timed_out;      /* SIGTERM sent */
} Deadlines;

/* Calls progress and sends the signals whose time has come. */
static void handle_deadlines(pid_t pid, const SpawnOptions *o, Deadlines *d) {
        uint64_t now = clock_now_usec(CLOCK_MONOTONIC);

        if (now >= d->progress) {
                o->progress(o->userdata);
                d->progress = clock_now_usec(CLOCK_MONOTONIC) + o->progress_interval_usec;
        }
        if (now >= d->stop) {
                /* First ask, then insist. */
                (void) kill(pid, d->timed_out ? SIGKILL : SIGTERM);
                d->stop = d->timed_out ? UINT64_MAX : now + d->grace;
                d->timed_out = true;
        }
}

/* Waits for the child, collecting its output into o->capture. 0 with *ret_wstatus once it is
 * reaped, -ETIMEDOUT when it had to be stopped. */
static int wait_child(pid_t pid, int pidfd, int *out_r, const SpawnOptions *o, int *ret_wstatus) {
        uint64_t now = clock_now_usec(CLOCK_MONOTONIC);
        Deadlines d = {
                .progress = o->progress && o->progress_interval_usec > 0 ? now + o->progress_interval_usec : UINT64_MAX,
                .stop = o->timeout_usec > 0 ? now + o->timeout_usec : UINT64_MAX,
                .grace = o->kill_grace_usec ?: SPAWN_KILL_GRACE_USEC_DEFAULT,
        };
        int r;

        for (;;) {
                int wstatus;
                pid_t k = waitpid(pid, &wstatus, WNOHANG);
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k == pid) {
                        r = *out_r >= 0 ? drain_pipe(out_r, o, true) : 0;
                        if (r < 0)
                                return r;
                        if (d.timed_out)
                                return -ETIMEDOUT;
                        *ret_wstatus = wstatus;
                        return 0;
                }

                struct pollfd pfd[2] = {
                        { .fd = *out_r, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                uint64_t deadlines[2] = { d.progress, d.stop };
                /* poll() ignores negative fds. */
                (void) poll(pfd, 2, poll_timeout_ms(clock_now_usec(CLOCK_MONOTONIC), deadlines, ELEMENTSOF(deadlines), pidfd >= 0));
                if (*out_r >= 0 && (pfd[0].revents & (POLLIN | POLLHUP))) {
                        r = drain_pipe(out_r, o, false);
                        if (r < 0) {
                                (void) kill(pid, SIGKILL);
                                (void) waitpid(pid, NULL, 0);
                                return r;
                        }
                }
                handle_deadlines(pid, o, &d);
        }
}

static const SpawnOptions no_options = {};

int spawn_and_wait(char * const *argv, const SpawnOptions *o, int *ret_wstatus) {
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF, pidfd = -EBADF;
        pid_t pid;
        int r;

        if (!argv || !argv[0] || !ret_wstatus)
                return -EINVAL;
        if (!o)
                o = &no_options;
        if (o->capture) {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                out_r = p[0];
                out_w = p[1];
        }
        r = spawn_child(argv, out_w, o->capture_stderr, &pid);
        if (r < 0)
                return r;
        (void) close(TAKE_FD(out_w));

        /* A pidfd wakes us the moment the child exits; without one (Linux < 5.3) we poll. */
#ifdef SYS_pidfd_open
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0); /* always close-on-exec */
#endif
        return wait_child(pid, pidfd, &out_r, o, ret_wstatus);
}
