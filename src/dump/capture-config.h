/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capture configuration: everything the capture side needs, resolved by `tinykdump load` and
 * carried into the capture initrd as CAPTURE_CONFIG_PATH inside a small newc overlay appended to the
 * initrd — so a config change never requires rebuilding the capture image.
 *
 * File format: one KEY=value per line, no quoting and no escapes; white space around key and value
 * is ignored; empty lines and lines starting with '#' are comments. Unknown keys are ignored with a
 * diagnostic (forward compatibility); a key given twice: the last one wins, except RETENTION_REPORTED,
 * of which each line adds one (and an empty one empties the list).
 *
 * Constraints on values, enforced by capture_config_serialize() with -EINVAL: no newline, no NUL, no
 * other control character, no leading or trailing white space. Within those, every value is taken
 * literally by capture_config_parse(). The same file is readable by systemd's EnvironmentFile= and
 * yields the same values with one exception: EnvironmentFile= treats a backslash as an escape
 * character and a value starting with a quote as quoted. Backslashes only occur in TARGET_DEVICE for
 * labels that udev escapes ("/dev/disk/by-label/My\x20Disk") and in free-form text (TARGET_WHAT
 * labels, TARGET_DIRECTORY, CRASHED_KERNEL_VERSION); tinykdump's own programs always read the file
 * through capture_config_parse(), and units must not take TARGET_DEVICE from EnvironmentFile=. The
 * file is not meant to be sourced by a shell (CRASHED_KERNEL_VERSION contains spaces). */

#include "conf-parser.h"
#include "macro.h"
#include "retention.h"
#include "util.h"

#define CAPTURE_CONFIG_PATH "/etc/tinykdump/capture.conf"
/* Where the capture side mounts the dump target (the generator writes the mount unit, tinykdump-save
 * writes below it). */
#define CAPTURE_TARGET_MOUNT_POINT "/run/tinykdump/target"
/* Largest capture.conf the parser accepts; a real one is well below 2 KiB. */
#define CAPTURE_CONFIG_SIZE_MAX (64 * KiB)

/* Defaults for keys missing from the file (the same defaults tinykdump.conf documents). */
#define CAPTURE_DEFAULT_DIRECTORY "tinykdump"
#define CAPTURE_DEFAULT_TIMEOUT_USEC (90 * UINT64_C(1000000))
/* How long makedumpfile may run for one file before it is stopped (SIGTERM, then SIGKILL 5 s
 * later): [Dump] TimeoutSec= in tinykdump.conf, DUMP_TIMEOUT_USEC= in capture.conf. */
#define CAPTURE_DEFAULT_DUMP_TIMEOUT_USEC (600 * UINT64_C(1000000))
/* Beyond the target wait and two makedumpfile runs: capture.journal, metadata, syncs. */
#define CAPTURE_SAVE_SLACK_USEC (120 * UINT64_C(1000000))
#define CAPTURE_DEFAULT_DUMP_LEVEL 31U
#define CAPTURE_DUMP_LEVEL_MAX 31U

/* Compression and the actions: the one set, shared by tinykdump.conf (TkConfig) and the capture side;
 * the names below are what both files spell. */
typedef enum CaptureCompression {
        CAPTURE_COMPRESSION_NONE,   /* "none" */
        CAPTURE_COMPRESSION_ZLIB,   /* "zlib"  (makedumpfile -c) */
        CAPTURE_COMPRESSION_LZO,    /* "lzo"   (-l) */
        CAPTURE_COMPRESSION_SNAPPY, /* "snappy" (-p) */
        CAPTURE_COMPRESSION_ZSTD,   /* "zstd"  (-z) */
        _CAPTURE_COMPRESSION_MAX,
        _CAPTURE_COMPRESSION_INVALID = -EINVAL,
} CaptureCompression;
/* zstd (makedumpfile -z): the fastest of the good compressors, makedumpfile's recommendation since
 * 1.7.0. A makedumpfile built without it silently ignores -z, so tinykdump-save checks
 * `makedumpfile -v` and falls back to zlib, recording both (see makedumpfile.h). */
#define CAPTURE_DEFAULT_COMPRESSION CAPTURE_COMPRESSION_ZSTD

typedef enum CaptureAction {
        CAPTURE_ACTION_REBOOT,   /* "reboot" */
        CAPTURE_ACTION_POWEROFF, /* "poweroff" */
        CAPTURE_ACTION_HALT,     /* "halt" */
        CAPTURE_ACTION_SHELL,    /* "shell": FAILURE_ACTION only, for debugging */
        _CAPTURE_ACTION_MAX,
        _CAPTURE_ACTION_INVALID = -EINVAL,
} CaptureAction;
#define CAPTURE_DEFAULT_ACTION CAPTURE_ACTION_REBOOT

const char *capture_compression_to_string(CaptureCompression c);
CaptureCompression capture_compression_from_string(const char *s); /* -EINVAL when unknown */
const char *capture_action_to_string(CaptureAction a);
CaptureAction capture_action_from_string(const char *s);            /* -EINVAL when unknown */

typedef struct CaptureConfig {
        /* The dump target. */
        char *target_what;                 /* TARGET_WHAT: "UUID=…", "LABEL=…", "PARTUUID=…" or "PARTLABEL=…" (required) */
        char *target_device;               /* TARGET_DEVICE: "/dev/disk/by-uuid/…"; derived from WHAT when missing */
        char *target_fstype;               /* TARGET_FSTYPE: NULL = let mount probe */
        char *target_directory;            /* TARGET_DIRECTORY: relative, no "..", default CAPTURE_DEFAULT_DIRECTORY */
        uint64_t target_timeout_usec;      /* TARGET_TIMEOUT_USEC: how long to wait for the device */
        uint64_t dump_timeout_usec;        /* DUMP_TIMEOUT_USEC: makedumpfile's limit per run; written when not the default */

        /* What to dump and what to do afterwards. */
        unsigned dump_level;               /* DUMP_LEVEL: makedumpfile -d, 0…31 */
        CaptureCompression dump_compression; /* DUMP_COMPRESSION */
        CaptureAction failure_action;      /* FAILURE_ACTION */
        CaptureAction final_action;        /* FINAL_ACTION (never SHELL) */

        /* Retention (retention.h): [Target] MaxUse= and KeepFree= of tinykdump.conf, and which dumps
         * on the target the host had reported when it was loaded ("<target key>/<name>"). Not
         * written when unset or empty. */
        RetentionLimit retention_max_use;  /* RETENTION_MAX_USE: bytes or N% */
        RetentionLimit retention_keep_free; /* RETENTION_KEEP_FREE */
        char **retention_reported;         /* RETENTION_REPORTED: one per line, at most RETENTION_REPORTED_MAX */

        /* Facts about the system that will crash, recorded with the dump. NULL when unknown. */
        char *crashed_boot_id;             /* CRASHED_BOOT_ID: 32 lowercase hex digits, as journalctl -b takes it */
        char *crashed_machine_id;          /* CRASHED_MACHINE_ID: 32 lowercase hex digits */
        char *crashed_hostname;            /* CRASHED_HOSTNAME */
        char *crashed_kernel_release;      /* CRASHED_KERNEL_RELEASE: uname -r */
        char *crashed_kernel_version;      /* CRASHED_KERNEL_VERSION: uname -v */
        char *crashed_machine;             /* CRASHED_MACHINE: uname -m */
        uint64_t loaded_at_usec;           /* LOADED_AT_USEC: CLOCK_REALTIME when it was loaded, 0 = unknown */
        char *tinykdump_version;           /* TINYKDUMP_VERSION of the loader */
} CaptureConfig;

/* Set every field to its default (strings NULL, target_directory unset = default on serialize). */
void capture_config_init(CaptureConfig *c);
void capture_config_done(CaptureConfig *c);

/* Check a config the way the parser does: required TARGET_WHAT, known WHAT syntax, TARGET_DEVICE an
 * absolute normalised path under /dev/, directory relative without "." or ".." components, level in
 * range, FINAL_ACTION not shell, IDs 32 hex digits, values without control characters. On failure
 * returns -EINVAL and, when ret_message is non-NULL, a sentence naming the key and value. */
/* The overall deadline of tinykdump-save.service (TimeoutStartSec=, written by the generator):
 * the target wait, two makedumpfile runs (dmesg, vmcore) at their limit, and
 * CAPTURE_SAVE_SLACK_USEC. When it passes, systemd stops the service and OnFailure= runs the
 * failure action; what was saved (dmesg.txt first) and the metadata of the step it stopped in stay. */
uint64_t capture_save_deadline_usec(const CaptureConfig *c) _pure_;

int capture_config_verify(const CaptureConfig *c, char **ret_message);

/* Render as capture.conf text (NUL-terminated; *ret_size excludes the NUL). Keys are written in a
 * fixed order, NULL strings are omitted, TARGET_DEVICE is derived from TARGET_WHAT when unset, and a
 * header comment names the tinykdump version. -EINVAL when capture_config_verify() fails. */
int capture_config_serialize(const CaptureConfig *c, char **ret, size_t *ret_size);

/* Parse capture.conf text (need not be NUL-terminated; above CAPTURE_CONFIG_SIZE_MAX: -EFBIG).
 * filename is used in diagnostics only (NULL: CAPTURE_CONFIG_PATH). Diagnostics are appended to
 * diags when it is non-NULL, on failure too: warnings (LOG_WARNING) about unknown keys and
 * malformed lines that were ignored, and the error (LOG_ERR), each with file, line, key and value
 * (conf_diag_format() renders "FILE:LINE: message"). Errors: -EINVAL for an invalid value or a
 * missing TARGET_WHAT, -EBADMSG for a line that is not KEY=value text (NUL or other control
 * bytes), -ENOMEM. ret written only on success. */
int capture_config_parse(const void *data, size_t size, const char *filename, CaptureConfig *ret,
                         ConfDiagList *diags);

/* Read and parse a file below root (NULL = /). */
int capture_config_load(const char *root, const char *path, CaptureConfig *ret, ConfDiagList *diags);

/* Splits a WHAT= spec "KIND=VALUE" into a copy of KIND and a pointer to VALUE inside what.
 * -EINVAL when either is empty or there is no '='. */
int capture_what_split(const char *what, char **ret_kind, const char **ret_value);

/* The udev symlink for a WHAT= spec: "UUID=x" → "/dev/disk/by-uuid/x", "LABEL=x" → by-label,
 * "PARTUUID=x" → by-partuuid, "PARTLABEL=x" → by-partlabel. The value is encoded as udev encodes
 * ID_FS_LABEL_ENC and friends (libblkid's blkid_encode_string(): anything but ASCII alphanumerics,
 * "#+-.:=@_" and valid UTF-8 becomes \xNN, so "a/b c" → "a\x2fb\x20c"). A path starting with /dev/
 * is returned as is. -EINVAL for anything else or an empty value. */
int capture_target_device_from_what(const char *what, char **ret);

/* Encode a string the way udev does for /dev/disk/by-* names (see above). */
int udev_encode_string(const char *s, char **ret);

/* Fill the CRASHED_* facts, LOADED_AT_USEC (now) and TINYKDUMP_VERSION from the running system,
 * relative to root (NULL = /): boot ID from /proc/sys/kernel/random/boot_id, machine ID from
 * /etc/machine-id (left NULL when missing, empty or "uninitialized"), hostname, kernel release,
 * version and machine from /proc/sys/kernel/{hostname,osrelease,version,arch} (uname(2) for the
 * real root when a file is missing). Fails only when the boot ID or kernel release cannot be read. */
int capture_config_gather_facts(CaptureConfig *c, const char *root);

/* An extra file to put into the overlay next to capture.conf. */
typedef struct CaptureOverlayFile {
        const char *path;   /* absolute, e.g. "/etc/tinykdump/makedumpfile.conf" */
        mode_t mode;        /* permission bits */
        const void *data;
        size_t size;
} CaptureOverlayFile;

/* Build the newc overlay: CAPTURE_CONFIG_PATH (0644, directories 0755, mtime LOADED_AT_USEC) plus the
 * extra files. *ret must be empty; its size is a multiple of 4. Append it to the initrd after
 * cpio_initrd_padding() zero bytes. */
int capture_overlay_build(const CaptureConfig *c, Buffer *ret);
int capture_overlay_build_full(const CaptureConfig *c, const CaptureOverlayFile *extra, size_t n_extra,
                               Buffer *ret);
