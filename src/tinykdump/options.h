/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The command line of tinykdump, parsed once in main() and handed to every verb as its userdata
 * (const TinykdumpOptions *): verbs read their options from here, never from globals. */

#include "macro.h"

typedef struct TinykdumpOptions {
        bool json, pretty;           /* --json=pretty|short|off */
        bool dry_run;                /* --dry-run (load): everything but kexec_file_load(2) */
        const char *journal_file;    /* --file= */
        const char *journal_dir;     /* --directory= */
        bool caller_id;              /* --caller-id= (dmesg) */
        /* list/info, as coredumpctl takes them */
        bool no_pager, no_legend;    /* --no-pager, --no-legend */
        bool reverse;                /* -r: newest first */
        size_t max_records;          /* -n N, -1: the newest N; 0 = all */
        uint64_t since, until;       /* -S, -U: crash time bounds in µs since the epoch; UINT64_MAX = unset */
        bool apply;                  /* crashkernel --apply */
        bool yes;                    /* --yes: test crashes without asking */
} TinykdumpOptions;

/* Exit codes of the verbs besides EXIT_SUCCESS and EXIT_FAILURE, documented in tinykdump(8).
 * Verbs return these (positive) or a negative errno they have already logged, which main()
 * turns into EXIT_FAILURE, as systemd's DEFINE_MAIN_FUNCTION_WITH_POSITIVE_FAILURE does. */
enum {
        EXIT_USAGE = 2,        /* bad command line */
        EXIT_NOT_ARMED = 3,    /* status: the machine is not armed (like LSB "not running") */
        EXIT_BAD_CONFIG = 6,   /* the configuration is invalid or names no dump target (LSB "not configured") */
        EXIT_BELOW_NEED = 7,   /* load: the crash kernel region is below the need and [Memory] BelowNeed=refuse */
};
