/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Output for "tinykdump list" and "tinykdump info". dmesg (may be NULL) is the host-side copy of
 * dmesg.txt; without it the record's tail is shown. At most dmesg_lines lines of it. */

#include <stdio.h>

#include "json.h"
#include "record.h"

/* How the table is drawn: columns is the width to fit (0: no limit), color whether RESULT is
 * coloured, legend whether the header line is printed. all_ids are the IDs of every record in the
 * journal (NULL-terminated; NULL: those of the records printed): the ID column shows the shortest prefix that tells an ID apart
 * from all of them (at least TABLE_ID_MIN characters, the crash date), which "info" accepts; a
 * machine ID is likewise cut to what tells it apart among the records listed. */
typedef struct TableStyle {
        unsigned columns;
        bool color, legend;
        char *const *all_ids;
} TableStyle;

#define TABLE_ID_MIN 10U
#define TABLE_MACHINE_ID_MIN 8U

/* How many characters of s tell it apart from every other string in all (NULL-terminated, may be
 * NULL): at least min (or all of s when shorter); strings equal to s do not count. */
size_t unique_prefix_len(const char *s, char *const *all, size_t min);

void report_print_table(FILE *f, const ReportRecord *recs, size_t n, const TableStyle *style);
void report_json_record(JsonWriter *w, const ReportRecord *r);
/* What "Erased:" says: ERASE= as it is, and for "complete" how many rules ran and why the others
 * did not, counted from ERASE_RULES= ("NAME=OBJECTS/BYTES" ran; "NAME=unresolved|inactive|disabled|
 * failed"); "complete" with no rule run is "nothing". NULL when erase is NULL; -ENOMEM only. */
int report_erase_summary(const char *erase, const char *rules, char **ret);
/* Long values are wrapped at spaces to fit columns (0: no limit). */
void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines, unsigned columns);
