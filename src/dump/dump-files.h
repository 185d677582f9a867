/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The files of one dump directory, "<target>/<Directory>/<time>-<host>-<release>/", as the capture
 * side writes them and the host reads them. Names are part of the interface (tinykdump(8),
 * tinykdump-save.service(8)); this is the one place they are spelled. A file is written under its
 * name plus DUMP_FILE_INCOMPLETE_SUFFIX and renamed when complete. */

#define DUMP_FILE_METADATA "metadata"
#define DUMP_FILE_DMESG "dmesg.txt"
#define DUMP_FILE_VMCORE "vmcore"
#define DUMP_FILE_CAPTURE_JOURNAL "capture.journal"

#define DUMP_FILE_INCOMPLETE_SUFFIX ".incomplete"
#define DUMP_FILE_DMESG_INCOMPLETE DUMP_FILE_DMESG DUMP_FILE_INCOMPLETE_SUFFIX
#define DUMP_FILE_VMCORE_INCOMPLETE DUMP_FILE_VMCORE DUMP_FILE_INCOMPLETE_SUFFIX
#define DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE DUMP_FILE_CAPTURE_JOURNAL DUMP_FILE_INCOMPLETE_SUFFIX
