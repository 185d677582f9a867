/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Output for "tinykdump list" and "tinykdump info". dmesg (may be NULL) is the host-side copy of
 * dmesg.txt; without it the record's tail is shown. At most dmesg_lines lines of it. */

#include <stdio.h>

#include "json.h"
#include "record.h"

void report_print_table(FILE *f, const ReportRecord *recs, size_t n);
void report_json_record(JsonWriter *w, const ReportRecord *r);
void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines);
