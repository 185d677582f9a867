/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "log.h"
#include "pager.h"
#include "parse-util.h"

static pid_t pager_pid = 0;

void terminal_get(Terminal *ret) {
        const char *e;
        struct winsize ws = {};
        uint32_t c;

        *ret = (Terminal) { .tty = isatty(STDOUT_FILENO) > 0 };
        /* $COLUMNS wins, also when the output is not a terminal (as in systemd). */
        e = getenv("COLUMNS");
        if (e && safe_atou32(e, &c) >= 0 && c > 0)
                ret->columns = c;
        if (!ret->tty)
                return;
        e = getenv("TERM");
        ret->color = !getenv("NO_COLOR") && !(e && streq(e, "dumb"));
        if (ret->columns > 0)
                return;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                ret->columns = ws.ws_col;
        else
                ret->columns = 80;
}

static const char *pager_command(void) {
        const char *p = getenv("SYSTEMD_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (!p)
                return "less";
        if (isempty(p) || streq(p, "cat"))
                return NULL;
        return p;
}

void pager_open(bool enabled) {
        const char *cmd;
        int fds[2];
        pid_t pid;

        if (!enabled || pager_pid > 0 || isatty(STDOUT_FILENO) <= 0)
                return;
        cmd = pager_command();
        if (!cmd)
                return;
        fflush(stdout);
        if (pipe2(fds, O_CLOEXEC) < 0) {
                log_debug_errno(-errno, "Failed to create the pager pipe: %m");
                return;
        }
        pid = fork();
        if (pid < 0) {
                log_debug_errno(-errno, "Failed to fork the pager: %m");
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                /* The pager reads the pipe; it keeps the terminal as its stdout and stderr. */
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                (void) setenv("LESS", "FRSXMK", 0);
                (void) setenv("LESSCHARSET", "utf-8", 0);
                (void) signal(SIGPIPE, SIG_DFL);
                execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
                _exit(127);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                log_debug_errno(-errno, "Failed to redirect to the pager: %m");
                close(fds[0]);
                close(fds[1]);
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        close(fds[0]);
        close(fds[1]);
        /* Quitting the pager early must not kill us with SIGPIPE: writes then fail quietly. */
        (void) signal(SIGPIPE, SIG_IGN);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        (void) fflush(stdout);
        (void) fclose(stdout);
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
