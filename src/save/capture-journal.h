/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capture side: the capture boot's own journal, saved next to the dump as capture.journal. */

#include "macro.h"

/* The capture image's journal lives in /run; it is small, but bounded all the same. */
#define CAPTURE_JOURNAL_MAX (64 * MiB)

/* Saves the capture boot's own journal (the first <root>/run/log/journal/<machine id>/system.journal)
 * into dir_fd as capture.journal, through a temporary name, fsynced; a copy of a file journald
 * keeps open, which journalctl --file= reads. -ENOENT when there is none. */
int capture_journal_save(const char *root, int dir_fd, uint64_t *ret_size);

/* Runs "journalctl --sync" (the first of /usr/bin/journalctl, /bin/journalctl), so that what was
 * logged so far is in the journal file, stopping it after timeout_usec (SIGTERM, then SIGKILL half
 * a second later). -ENOENT without journalctl, -ETIMEDOUT, -EPROTO when it failed. */
int journal_sync(uint64_t timeout_usec);
