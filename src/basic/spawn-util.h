/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one way tinykdump runs another program: posix_spawn() (argv[0] is a path, no $PATH
 * search), stdin on /dev/null, stdout inherited or collected, all signals unblocked in the child;
 * then a wait on a pidfd (polling every 100 ms on kernels without one), optionally bounded by a
 * timeout after which the child gets SIGTERM and, kill_grace_usec later, SIGKILL. */

#include "macro.h"
#include "util.h"

typedef struct SpawnOptions {
        /* Collect stdout here instead of inheriting it: at most capture_max bytes are kept, more
         * is read and dropped (so the child never blocks on a full pipe). */
        Buffer *capture;
        size_t capture_max;
        /* With capture: stderr goes into the same pipe (for programs that warn on either). */
        bool capture_stderr;
        /* 0: wait as long as it takes. Otherwise SIGTERM after timeout_usec, SIGKILL after
         * kill_grace_usec more (0: SPAWN_KILL_GRACE_USEC_DEFAULT). */
        uint64_t timeout_usec;
        uint64_t kill_grace_usec;
        /* Called every progress_interval_usec (0: never) while the child runs. */
        uint64_t progress_interval_usec;
        void (*progress)(void *userdata);
        void *userdata;
} SpawnOptions;

#define SPAWN_KILL_GRACE_USEC_DEFAULT UINT64_C(5000000)

/* Runs argv and reaps it. Returns 0 with the waitpid() status in *ret_wstatus; -ETIMEDOUT when
 * it had to be stopped (it is reaped then too); another negative errno when it could not be
 * started (-ENOENT: no such program) or waited for. o may be NULL. */
int spawn_and_wait(char * const *argv, const SpawnOptions *o, int *ret_wstatus);
