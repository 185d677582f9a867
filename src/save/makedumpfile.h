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

/* Command lines. binary is the program path; vmcore the input; output the file to write. */
int makedumpfile_dump_argv(const char *binary, unsigned dump_level, CaptureCompression compression,
                           const char *vmcore, const char *output, char ***ret);
int makedumpfile_dmesg_argv(const char *binary, const char *vmcore, const char *output, char ***ret);
int makedumpfile_version_argv(const char *binary, char ***ret);
