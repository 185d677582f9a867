/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* tinykdump's configuration: tinykdump.conf(5). Keys, defaults, validation, and the resolved
 * TkConfig that `tinykdump load` and the generator work from. The capture side does not read it:
 * `load` passes the settings on in capture.conf (capture-config.h). */

#include "conf-parser.h"

/* Where the configuration lives (below the root directory given to tk_config_load()).
 * SYSCONFDIR and PKGLIBDIR come from meson's config.h ("/etc", "/usr/lib/tinykdump" with
 * prefix=/usr). */
#define TK_CONFIG_FILE SYSCONFDIR "/tinykdump/tinykdump.conf"
#define TK_CONFIG_VENDOR_FILE PKGLIBDIR "/tinykdump.conf"
#define TK_CONFIG_DROPIN_DIR_VENDOR PKGLIBDIR "/tinykdump.conf.d"
#define TK_CONFIG_DROPIN_DIR_RUN "/run/tinykdump/tinykdump.conf.d"
#define TK_CONFIG_DROPIN_DIR_ETC SYSCONFDIR "/tinykdump/tinykdump.conf.d"
/* NULL-terminated, lowest priority first; a path unit watches these and the two files above. */
extern const char * const tk_config_dropin_dirs[];

/* Where tinykdump-build-image(8) puts the capture image of each installed kernel; CAPTURE_DIR is
 * "/var/lib/tinykdump/capture" (meson's localstatedir). */
#define TK_DEFAULT_KERNEL CAPTURE_DIR "/%r/vmlinuz"
#define TK_DEFAULT_INITRD CAPTURE_DIR "/%r/initrd.img"
#define TK_DEFAULT_DIRECTORY "tinykdump"
#define TK_DEFAULT_TIMEOUT_USEC (90ULL * 1000000ULL)
#define TK_TIMEOUT_MIN_USEC (1ULL * 1000000ULL)
#define TK_TIMEOUT_MAX_USEC (3600ULL * 1000000ULL)
#define TK_DEFAULT_DUMP_LEVEL 31U
/* [Dump] TimeoutSec=: between TK_DUMP_TIMEOUT_MIN_USEC and TK_DUMP_TIMEOUT_MAX_USEC. */
#define TK_DUMP_TIMEOUT_MIN_USEC (10ULL * 1000000ULL)
#define TK_DUMP_TIMEOUT_MAX_USEC (24ULL * 3600ULL * 1000000ULL)
#define TK_DUMP_LEVEL_MAX 31U
/* Upper bound for [Memory] Margin=: more is a typo, not a margin. */
#define TK_MARGIN_MAX (1 * GiB)
/* The extra capture command line may not exceed the x86 COMMAND_LINE_SIZE on its own. */
#define TK_CMDLINE_MAX 2048U
#define TK_DIRECTORY_MAX 1024U
#define TK_PARTLABEL_MAX 36U

typedef enum TkTargetKind {
        TK_TARGET_NONE,       /* What= not set: the configuration is not usable for load */
        TK_TARGET_UUID,
        TK_TARGET_LABEL,
        TK_TARGET_PARTUUID,
        TK_TARGET_PARTLABEL,  /* GPT partition name */
        _TK_TARGET_KIND_MAX,
} TkTargetKind;

typedef enum TkFileSystem {
        TK_FS_AUTO,           /* let the mount detect it */
        TK_FS_VFAT,
        TK_FS_EXT4,
        TK_FS_XFS,
        TK_FS_BTRFS,
        _TK_FS_MAX,
} TkFileSystem;

/* Compression and the actions are the capture side's enums (capture-config.h): one set, from
 * tinykdump.conf to the capture overlay. The default compression, CAPTURE_DEFAULT_COMPRESSION, is
 * zstd (makedumpfile -z): the fastest of the good compressors, makedumpfile's recommendation since
 * 1.7.0. A makedumpfile built without it silently ignores -z, so tinykdump-save checks
 * `makedumpfile -v` and falls back to zlib, recording both (see makedumpfile.h). */
typedef enum TkShrink {
        TK_SHRINK_AUTO,       /* shrink the static part when CMA provides the run-time memory */
        TK_SHRINK_YES,        /* also in classic mode */
        TK_SHRINK_NO,
        _TK_SHRINK_MAX,
} TkShrink;

#define TK_MARGIN_UNSET UINT64_MAX

typedef enum TkEraseOnFailure {
        TK_ERASE_ON_FAILURE_DELETE,  /* delete the unerased vmcore, keep dmesg.txt */
        TK_ERASE_ON_FAILURE_KEEP,    /* keep it, marked as not (fully) erased */
        _TK_ERASE_ON_FAILURE_MAX,
} TkEraseOnFailure;

typedef struct TkConfig {
        /* [Capture] — paths may contain %r (running kernel release) and %%. */
        char *image;                 /* UKI; NULL: kernel + initrd */
        char *kernel;                /* never NULL */
        char *initrd;                /* never NULL */
        char **kernel_command_line;  /* one entry per assignment, in order; NULL when empty */

        /* [Target] */
        TkTargetKind target_kind;
        char *target_value;          /* normalised: UUIDs lowercase, FAT volume IDs uppercase */
        char *directory;             /* relative, never NULL */
        TkFileSystem fs_type;
        uint64_t timeout_usec;
        RetentionLimit max_use;      /* MaxUse=: unset (default) = no limit */
        RetentionLimit keep_free;    /* KeepFree=: unset (default) = no limit */

        /* [Dump] */
        uint32_t dump_level;
        CaptureCompression compression;
        uint64_t dump_timeout_usec;

        /* [Actions] */
        CaptureAction failure_action;
        CaptureAction final_action;

        /* [Memory] */
        TkShrink shrink_reservation;
        uint64_t margin;             /* TK_MARGIN_UNSET: the memory model's own margin */
        bool refuse_below_need;      /* BelowNeed=refuse: do not load into a region below the need */

        /* [Erase] — secrets kept out of dumps (src/erase/, tinykdump.conf(5) ERASING SECRETS) */
        bool erase;                  /* Enable= */
        TkEraseOnFailure erase_on_failure; /* OnFailure= */
        bool erase_refuse_unresolved; /* Unresolved=refuse: a rule that does not resolve prevents arming */
        char **erase_disable_rules;  /* DisableRules=, names */
        char *erase_rule_directory;  /* RuleDirectory=: an extra directory of *.rules, highest priority */

        /* What was read and what was wrong with it. */
        char **files;                /* files applied, in order, without the root prefix */
        ConfDiagList diags;

        /* Where What= was last set, for checks against FileSystemType=. */
        char *what_file;
        unsigned what_line;
        /* Where FileSystemType= was last set (not "auto"), for the check against the capture image. */
        char *fs_type_file;
        unsigned fs_type_line;
} TkConfig;

/* A configuration holding only the defaults. */
TkConfig *tk_config_new(void);
TkConfig *tk_config_free(TkConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(TkConfig *, tk_config_free);
#define _cleanup_tk_config_free_ _cleanup_(tk_config_freep)

/* Reads the main file, vendor file and drop-ins below root (NULL: the real root) and checks
 * the result. *ret is set even when the configuration is invalid: look at
 * tk_config_is_valid() and print c->diags. Returns -ENOMEM only. */
int tk_config_load(const char *root, TkConfig **ret);

/* The same for a single buffer, as one main file named filename (fuzzers, tests). */
int tk_config_load_data(const char *filename, const char *data, size_t size, TkConfig **ret);

/* False when any error was found, including "no dump target configured". */
bool tk_config_is_valid(const TkConfig *c);

/* The effective configuration in tinykdump.conf syntax (every key, parseable back to the same
 * TkConfig), preceded by comments naming the files read. */
int tk_config_format_ini(const TkConfig *c, char **ret);
/* The same as a JSON object: {"valid":…,"files":[…],"diagnostics":[…],"Capture":{…},…}. */
int tk_config_format_json(const TkConfig *c, char **ret);

/* Expands %r to release and %% to %, for Image=, Kernel=, Initrd=. -EINVAL on other specifiers. */
int tk_config_expand(const char *template, const char *release, char **ret);
/* The extra capture command line: the KernelCommandLine= assignments joined by spaces ("" if none). */
int tk_config_extra_cmdline(const TkConfig *c, char **ret);
/* What= as written back ("UUID=…", "LABEL=…", "PARTUUID=…", "PARTLABEL=…"; the form
 * capture-config.h's TARGET_WHAT takes), or NULL when unset. */
int tk_config_target_what(const TkConfig *c, char **ret);

const char *tk_target_kind_to_string(TkTargetKind k);   /* "UUID", "LABEL", "PARTUUID", "PARTLABEL" */
const char *tk_fs_to_string(TkFileSystem f);            /* "auto", "vfat", … */
const char *tk_shrink_to_string(TkShrink s);            /* "auto", "yes", "no" */
const char *tk_erase_on_failure_to_string(TkEraseOnFailure f); /* "delete", "keep" */
