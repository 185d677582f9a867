/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* makedumpfile(8) at the boundary: its command lines, what its build supports, its exit codes.
 *
 * Exit codes (makedumpfile(8), DIAGNOSTICS; makedumpfile.h): 0 completed, 1 failed, 2 the vmcore's
 * kernel release does not match the given vmlinux. Releases before 1.6 also used 3 (analysis failed:
 * illegal page descriptor) and 4 (output failed). makedumpfile never reports a "partial" dump
 * through its exit code: any nonzero code means the output file is not a complete dump. */

#include "capture-config.h"
#include "macro.h"

/* Console-friendly message level: common messages and errors, no progress indicator (bit 0),
 * whose carriage returns flood a serial console and the journal. tinykdump-save reports progress
 * itself. */
#define MAKEDUMPFILE_MESSAGE_LEVEL 6

/* The code the metadata records for a makedumpfile stopped at its timeout, as timeout(1) exits. */
#define MAKEDUMPFILE_TIMEOUT_CODE 124U

/* Bound for the output of makedumpfile -v. */
#define MAKEDUMPFILE_VERSION_OUTPUT_MAX (16 * KiB)

typedef enum MakedumpfileStatus {
        MAKEDUMPFILE_COMPLETED,      /* exit 0 */
        MAKEDUMPFILE_FAILED,         /* exit 1 */
        MAKEDUMPFILE_WRONG_RELEASE,  /* exit 2 */
        MAKEDUMPFILE_ANALYSIS_FAILED,/* exit 3 (before 1.6) */
        MAKEDUMPFILE_OUTPUT_FAILED,  /* exit 4 (before 1.6) */
        MAKEDUMPFILE_NOT_EXECUTED,   /* could not be started (exit 126/127 from a wrapper too) */
        MAKEDUMPFILE_KILLED,         /* terminated by a signal */
        MAKEDUMPFILE_UNKNOWN,        /* any other exit code */
        MAKEDUMPFILE_TIMED_OUT,      /* stopped after DUMP_TIMEOUT_USEC (TERM, then KILL); code 124 */
        _MAKEDUMPFILE_STATUS_MAX,
} MakedumpfileStatus;

/* Normalises a waitpid() status. ret_code (optional) gets the exit code, or 128+N for signal N,
 * the shell's convention, as the metadata records it. */
MakedumpfileStatus makedumpfile_status_from_wait(int wstatus, uint64_t *ret_code);
/* A sentence fragment for users, e.g. "makedumpfile failed (exit status 1)" is built by the
 * caller from "failed"; this returns "completed", "failed", "vmcore and vmlinux kernel releases
 * differ", … */
const char *makedumpfile_status_to_string(MakedumpfileStatus s) _pure_;

/* What `makedumpfile -v` says about the build. zlib is always built in. */
typedef struct MakedumpfileFeatures {
        char *version;                          /* "1.7.2", or NULL if not found */
        bool supported[_CAPTURE_COMPRESSION_MAX];
} MakedumpfileFeatures;

void makedumpfile_features_done(MakedumpfileFeatures *f);

/* Parses `makedumpfile -v` output: "makedumpfile: version 1.7.2 (released on …)" and lines
 * "lzo\tenabled", "snappy\tdisabled", "zstd\tenabled". A compression that is not mentioned counts
 * as unsupported (old releases print nothing about it and do not know it). -EFBIG above
 * MAKEDUMPFILE_VERSION_OUTPUT_MAX. */
int makedumpfile_parse_features(const char *data, size_t size, MakedumpfileFeatures *ret);

/* The compression to ask for: the configured one when the build supports it, else zlib (which
 * every build has). A build without zstd silently ignores -z and writes an uncompressed dump, so
 * this check is not optional. f may be NULL (unknown build): the configured one. */
CaptureCompression makedumpfile_effective_compression(CaptureCompression wanted, const MakedumpfileFeatures *f);

/* Linux 7.1 renamed struct page's compound_head to compound_info, and VMCOREINFO's
 * OFFSET(page.compound_head) line with it. makedumpfile up to 1.7.9 looks only for the old name;
 * without it, it cannot tell a compound tail page and judges the first tail page of every
 * compound kernel allocation (slabs of order >= 1, large kmallocs) on its own: that page's mapping
 * slot holds the folio's mapcounts (-1), whose low bit reads as PAGE_MAPPING_ANON, so dump level
 * bit 8 drops it as a user page, with whatever kernel objects it holds. The amendment is a
 * VMCOREINFO file for makedumpfile's -i with just that line under the old name: makedumpfile takes
 * the values of -i first and fills in every other one from the /proc/vmcore note. Only this line
 * and the two every such file needs: SYMBOL() values from -i would be moved by the KASLR offset a
 * second time (-i expects the unrelocated ones of makedumpfile -g).
 *
 * Returns 1 and in *ret "OSRELEASE=…\nPAGESIZE=…\nOFFSET(page.compound_head)=N\n" (N:
 * compound_info's value) when text[0..size) has an OFFSET(page.compound_info) line, no
 * OFFSET(page.compound_head) line, and OSRELEASE and PAGESIZE; 0 and *ret untouched when there is
 * nothing to amend; -EBADMSG when compound_info's value is not a decimal number. */
int makedumpfile_vmcoreinfo_amend(const char *text, size_t size, char **ret);

/* The amended VMCOREINFO's file name in the dump directory, while makedumpfile runs. */
#define MAKEDUMPFILE_VMCOREINFO_FILE "vmcoreinfo.makedumpfile"

/* makedumpfile's warnings that a dump may be incomplete although it exits 0 (1.7.8 on Linux 7.2:
 * "The kernel version is not supported." and "The created dumpfile may be incomplete."): the
 * lines of its output that contain "not supported" or "may be incomplete", joined by " ", other
 * control bytes as '?', cut to MAKEDUMPFILE_WARNING_MAX bytes. -ENOENT when there are none. */
#define MAKEDUMPFILE_WARNING_MAX 512U
#define MAKEDUMPFILE_OUTPUT_MAX (64 * KiB)
int makedumpfile_find_warning(const char *data, size_t size, char **ret);

/* Command lines. binary is the program path; vmcore the input; output the file to write;
 * vmcoreinfo NULL or a VMCOREINFO file for -i (see makedumpfile_vmcoreinfo_amend()). */
int makedumpfile_dump_argv(const char *binary, unsigned dump_level, CaptureCompression compression,
                           const char *vmcoreinfo, const char *vmcore, const char *output, char ***ret);
int makedumpfile_dmesg_argv(const char *binary, const char *vmcore, const char *output, char ***ret);
int makedumpfile_version_argv(const char *binary, char ***ret);
