/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one process spawner: exit status, bounded stdout capture, progress calls, the timeout
 * (SIGTERM, then SIGKILL for a child that ignores it), a program that does not exist. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "spawn-util.h"
#include "tests.h"
#include "util.h"

static uint64_t mono_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

TEST(exit_status_and_capture) {
        char *ok[] = { (char *) "/bin/sh", (char *) "-c", (char *) "echo hello; exit 2", NULL };
        char *missing[] = { (char *) "/nonexistent/makedumpfile", NULL };
        Buffer out = {};
        int wstatus;

        ASSERT_OK(spawn_and_wait(ok, &(SpawnOptions) { .capture = &out, .capture_max = 3 }, &wstatus));
        ASSERT_TRUE(WIFEXITED(wstatus));
        ASSERT_EQ(WEXITSTATUS(wstatus), 2);
        ASSERT_EQ(out.size, 3); /* bounded */
        ASSERT_TRUE(memcmp(out.data, "hel", 3) == 0);
        buffer_done(&out);

        ASSERT_ERROR(spawn_and_wait(missing, NULL, &wstatus), ENOENT);
        ASSERT_ERROR(spawn_and_wait(NULL, NULL, &wstatus), EINVAL);
        return TEST_PASS;
}

TEST(large_output_is_drained) {
        /* More than a pipe holds: the child must not block on a full pipe. */
        char *big[] = { (char *) "/bin/sh", (char *) "-c", (char *) "head -c 300000 /dev/zero", NULL };
        Buffer out = {};
        int wstatus;

        ASSERT_OK(spawn_and_wait(big, &(SpawnOptions) { .capture = &out, .capture_max = 1000 }, &wstatus));
        ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
        ASSERT_EQ(out.size, 1000);
        buffer_done(&out);
        return TEST_PASS;
}

static void count(void *userdata) {
        (*(unsigned *) userdata)++;
}

TEST(progress) {
        char *slow[] = { (char *) "/bin/sh", (char *) "-c", (char *) "sleep 0.5", NULL };
        unsigned n = 0;
        int wstatus;

        ASSERT_OK(spawn_and_wait(slow, &(SpawnOptions) { .progress_interval_usec = 100000, .progress = count, .userdata = &n },
                                 &wstatus));
        ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
        ASSERT_GE(n, 2);
        return TEST_PASS;
}

TEST(timeout_terminates) {
        char *slow[] = { (char *) "/bin/sleep", (char *) "30", NULL };
        uint64_t start = mono_usec();
        int wstatus = -1;

        ASSERT_ERROR(spawn_and_wait(slow, &(SpawnOptions) { .timeout_usec = 200000 }, &wstatus), ETIMEDOUT);
        ASSERT_EQ(wstatus, -1); /* not written on failure */
        ASSERT_LT(mono_usec() - start, 4000000);
        return TEST_PASS;
}

TEST(timeout_kills_what_ignores_term) {
        char *stubborn[] = { (char *) "/bin/sh", (char *) "-c", (char *) "trap '' TERM; while :; do sleep 0.05; done", NULL };
        uint64_t start = mono_usec();
        int wstatus;

        ASSERT_ERROR(spawn_and_wait(stubborn, &(SpawnOptions) { .timeout_usec = 100000, .kill_grace_usec = 200000 }, &wstatus),
                     ETIMEDOUT);
        ASSERT_LT(mono_usec() - start, 4000000);
        return TEST_PASS;
}

TEST(finishes_before_timeout) {
        char *quick[] = { (char *) "/bin/sh", (char *) "-c", (char *) "exit 0", NULL };
        int wstatus;

        ASSERT_OK(spawn_and_wait(quick, &(SpawnOptions) { .timeout_usec = 10000000 }, &wstatus));
        ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
        return TEST_PASS;
}
