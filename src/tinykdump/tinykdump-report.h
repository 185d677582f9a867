/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs about crashes that happened: report, list, info. See tinykdump(8). Each takes the
 * TinykdumpOptions as its userdata. */

#include "macro.h"
#include "report.h"

/* options.h; not included here because tinykdump.c still has its own exit-code enum. */
typedef struct TinykdumpOptions TinykdumpOptions;

/* The options as tinykdump.c's option parser still fills them in this branch; a verb handed
 * NULL userdata reads these instead. Goes away when main() passes TinykdumpOptions to every verb. */
typedef struct ReportArgs {
        bool json, pretty;           /* --json= */
        const char *journal_file;    /* --file= */
        const char *journal_dir;     /* --directory= */
} ReportArgs;
extern ReportArgs report_args;

/* Every tinykdump record in the journal (or o's --file=/--directory=), deduplicated; logs
 * failures. o NULL: report_args. */
int report_read_records(const TinykdumpOptions *o, ReportRecord **ret, size_t *ret_n);

int verb_report(int argc, char *argv[], void *userdata);
int verb_list(int argc, char *argv[], void *userdata);
int verb_info(int argc, char *argv[], void *userdata);
