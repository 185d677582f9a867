/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The reporter's marks on the host: /var/lib/tinykdump/dumps/<id>/source names the dump directory
 * and the target (its file system UUID) of each reported dump (see state.h). The reporter writes
 * them; `tinykdump load` reads them to tell the capture side which dumps on the target were
 * reported and so may go under [Target] MaxUse=/KeepFree= (retention.h). */

#include "macro.h"

/* Below the root directory: the host-side state. */
#define REPORT_STATE_DIR "/var/lib/tinykdump"
#define REPORT_DUMPS_DIR REPORT_STATE_DIR "/dumps"
#define REPORT_SOURCE_FILENAME "source"
#define REPORT_SOURCE_MAX (4 * KiB)

/* The host-side source file of a reported dump. */
typedef struct ReportSource {
        char *target;
        char *target_uuid;
        char *directory;
        char *name;
        uint64_t reported_usec;
} ReportSource;

void report_source_done(ReportSource *s);
int report_source_format(const ReportSource *s, char **ret, size_t *ret_size);
/* KEY=value lines; unknown keys ignored; control characters, a key given twice or a missing
 * NAME= are -EBADMSG; more than REPORT_SOURCE_MAX is -EFBIG. */
int report_source_parse(const char *data, size_t size, ReportSource *ret);

/* A target's file system UUID (or other identity text) as a key: lower case, only [0-9a-z] kept.
 * "" when nothing is left. */
char *target_key_clean(const char *s);
