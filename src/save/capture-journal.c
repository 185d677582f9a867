/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "capture-journal.h"
#include "dump-files.h"
#include "dumpdir.h"
#include "spawn-util.h"
#include "util.h"

/* Opens the first <root>/run/log/journal/<machine id>/system.journal. */
static int open_capture_journal(const char *root, uint64_t *ret_size) {
        _cleanup_free_ char *pattern = path_join(root, "/run/log/journal/*/system.journal");
        glob_t g = {};
        int r;

        if (!pattern)
                return -ENOMEM;
        r = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (r == GLOB_NOMATCH || (r == 0 && g.gl_pathc == 0))
                r = -ENOENT;
        else if (r != 0)
                r = r == GLOB_NOSPACE ? -ENOMEM : -EIO;
        else
                r = dumpdir_open_regular_at(AT_FDCWD, g.gl_pathv[0], ret_size);
        globfree(&g);
        return r;
}

/* Copies in to out, at most max bytes (-EFBIG beyond). */
static int copy_bounded(int in, int out, uint64_t max, uint64_t *ret_total) {
        _cleanup_free_ char *buf = malloc(256 * KiB);
        uint64_t total = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = loop_read(in, buf, 256 * KiB);
                if (k < 0)
                        return (int) k;
                if (k == 0)
                        break;
                if (total + (uint64_t) k > max)
                        return -EFBIG;
                r = loop_write(out, buf, (size_t) k);
                if (r < 0)
                        return r;
                total += (uint64_t) k;
        }
        *ret_total = total;
        return 0;
}

int capture_journal_save(const char *root, int dir_fd, uint64_t *ret_size) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        uint64_t size = 0, total = 0;
        int r;

        in = open_capture_journal(root, &size);
        if (in < 0)
                return in;
        if (size > CAPTURE_JOURNAL_MAX)
                return -EFBIG;

        (void) unlinkat(dir_fd, DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE, 0);
        out = openat(dir_fd, DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
        if (out < 0)
                return -errno;
        r = copy_bounded(in, out, CAPTURE_JOURNAL_MAX, &total);
        if (r >= 0 && fsync(out) < 0)
                r = -errno;
        if (r >= 0)
                r = rename_durable_at(dir_fd, DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE, DUMP_FILE_CAPTURE_JOURNAL);
        if (r < 0) {
                /* A half copy on a full target helps nobody and keeps its blocks. */
                (void) ftruncate(out, 0);
                (void) unlinkat(dir_fd, DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE, 0);
                return r;
        }
        if (ret_size)
                *ret_size = total;
        return 0;
}

int journal_sync(uint64_t timeout_usec) {
        static const char *const paths[] = { "/usr/bin/journalctl", "/bin/journalctl" };
        const char *exe = NULL;
        int r, wstatus;

        for (size_t i = 0; i < ELEMENTSOF(paths) && !exe; i++)
                if (access(paths[i], X_OK) >= 0)
                        exe = paths[i];
        if (!exe)
                return -ENOENT;

        r = spawn_and_wait((char *[]) { (char *) exe, (char *) "--sync", NULL },
                           &(SpawnOptions) { .timeout_usec = timeout_usec, .kill_grace_usec = 500000 }, &wstatus);
        if (r < 0)
                return r;
        return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : -EPROTO;
}
