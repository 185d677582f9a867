/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs about crashes that happened: report, list, info. See tinykdump(8). */

#include "macro.h"
#include "report.h"

typedef struct ReportArgs {
        bool json, pretty;           /* --json= */
        const char *journal_file;    /* --file= */
        const char *journal_dir;     /* --directory= */
} ReportArgs;

/* Filled by the option parser in tinykdump.c. */
extern ReportArgs report_args;

/* Every tinykdump record in the journal (or --file=/--directory=), deduplicated; logs failures. */
int report_read_records(ReportRecord **ret, size_t *ret_n);

int verb_report(int argc, char *argv[], void *userdata);
int verb_list(int argc, char *argv[], void *userdata);
int verb_info(int argc, char *argv[], void *userdata);
