/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs about crashes that happened: report, list, info. See tinykdump(8). Each takes the
 * TinykdumpOptions as its userdata. */

#include "macro.h"
#include "options.h"
#include "report.h"

/* Every tinykdump record in the journal (or o's --file=/--directory=), deduplicated; logs
 * failures. */
int report_read_records(const TinykdumpOptions *o, ReportRecord **ret, size_t *ret_n);

int verb_report(int argc, char *argv[], void *userdata);
int verb_list(int argc, char *argv[], void *userdata);
int verb_info(int argc, char *argv[], void *userdata);
