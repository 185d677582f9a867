/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading the records back from the journal. At most REPORT_RECORDS_MAX records are kept (the
 * newest). */

#include "record.h"

#define REPORT_RECORDS_MAX 10000U

typedef struct sd_journal sd_journal;

/* Every tinykdump record in j, oldest first: matches the three MESSAGE_IDs and keeps only records
 * that root logged (_UID=0, a field journald sets itself), so a user cannot forge one. */
int report_journal_read(sd_journal *j, ReportRecord **ret, size_t *ret_n);
