/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small reader for systemd-style INI files: "[Section]", "Key=Value", "#" and ";" comments,
 * white space trimmed, a trailing backslash continues the line. The reader never prints:
 * every problem becomes a ConfDiag (level, file, line, message) that programs print with
 * conf_diags_log(). Files are read relative to a root directory so tests can use fake trees. */

#include "macro.h"
#include "time-util.h"

/* Limits for one configuration file and one logical line (after joining continuations). */
#define CONF_FILE_MAX (1 * MiB)
#define CONF_LINE_MAX (4 * KiB)
/* At most this many diagnostics are kept; one more says that the rest were dropped. */
#define CONF_DIAGS_MAX 256U
/* At most this many drop-in files are read. */
#define CONF_DROPINS_MAX 1024U

/* The one error-detail type of every parser that reports diagnostics (configuration, capture
 * configuration, metadata, …): where (file, line, section, key), what (value) and why. */
typedef struct ConfDiag {
        int level;      /* syslog level: LOG_ERR makes the configuration invalid, LOG_WARNING does not */
        char *file;     /* path as on the running system (without the root prefix), or NULL */
        unsigned line;  /* 1-based, or 0 when not about one line */
        char *section;  /* "Dump", or NULL when not about a section */
        char *key;      /* "Level", or NULL when not about one key */
        char *value;    /* the offending value as read (may hold control characters), or NULL */
        char *message;  /* e.g. "[Dump] Level=40: dump level must be between 0 and 31." */
} ConfDiag;

typedef struct ConfDiagList {
        ConfDiag *items;
        size_t n;
        size_t n_errors;   /* counts dropped ones too */
        size_t n_dropped;
} ConfDiagList;

void conf_diags_done(ConfDiagList *l);
/* Appends a diagnostic; file may be NULL, line 0. Returns -ENOMEM only. */
int conf_diags_add(ConfDiagList *l, int level, const char *file, unsigned line, const char *format, ...)
        _printf_(5, 6);
/* The same with the section, key and value it is about (each may be NULL). */
int conf_diags_add_full(ConfDiagList *l, int level, const char *file, unsigned line, const char *section,
                        const char *key, const char *value, const char *format, ...) _printf_(8, 9);
static inline bool conf_diags_has_errors(const ConfDiagList *l) {
        return l->n_errors > 0;
}
/* "file:line: message" (or "file: message", or "message"), as users see it. */
char *conf_diag_format(const ConfDiag *d);
/* Prints every diagnostic through log.h at its level, for programs. */
void conf_diags_log(const ConfDiagList *l);

/* Where a value came from; handed to parse callbacks so they can report precisely. */
typedef struct ConfContext {
        const char *file;
        unsigned line;
        const char *section;
        const char *key;
        const char *value;
        ConfDiagList *diags;
} ConfContext;

/* Records "[Section] Key=Value: <message>" as an error at the context's file and line (control
 * characters in the value are escaped) and returns -EINVAL (or -ENOMEM). */
int conf_value_error(const ConfContext *ctx, const char *format, ...) _printf_(2, 3);
/* The same as a warning; returns 0 (or -ENOMEM). */
int conf_value_warning(const ConfContext *ctx, const char *format, ...) _printf_(2, 3);

/* Parses value (already trimmed; "" for an empty assignment, which should reset to the default)
 * into data. On a bad value, report with conf_value_error() and leave data unchanged.
 * Return -ENOMEM to abort parsing; any other negative value only marks the line as bad. */
typedef int (*ConfParseFunc)(const ConfContext *ctx, const char *value, void *data, uintptr_t arg);

typedef struct ConfTableItem {
        const char *section;
        const char *key;
        ConfParseFunc parse;
        uintptr_t arg;     /* passed through to parse */
        size_t offset;     /* data = (uint8_t *) userdata + offset */
} ConfTableItem;

/* Parses one file's contents. filename is used in diagnostics only. table ends with an
 * item whose section is NULL. Unknown sections and keys are warnings, syntax errors and bad
 * values are errors; parsing always continues to the end. Returns 0, or -ENOMEM. */
int conf_parse_data(const char *filename, const char *data, size_t size, const ConfTableItem *table,
                    void *userdata, ConfDiagList *diags);

/* The files a configuration consists of, in the order they are applied: the main file
 * (main_path if it exists below root, else vendor_path if that exists; a symlink to /dev/null
 * masks), then every "*.conf" in dropin_dirs (NULL-terminated, lowest priority first) sorted by
 * file name, where a file in a later directory replaces the same-named one in earlier
 * directories, and one linked to /dev/null masks it. Paths are returned without the root
 * prefix. Unreadable directories are reported in diags. */
int conf_files_list(const char *root, const char *main_path, const char *vendor_path,
                    const char * const *dropin_dirs, ConfDiagList *diags, char ***ret);

/* conf_files_list(), then conf_parse_data() on each file read below root. Missing files are
 * fine; files that cannot be read, or are larger than CONF_FILE_MAX, are errors. When
 * ret_files is not NULL it receives the files that were read. Returns 0, or -ENOMEM. */
int conf_parse_config_file(const char *root, const char *main_path, const char *vendor_path,
                           const char * const *dropin_dirs, const ConfTableItem *table, void *userdata,
                           ConfDiagList *diags, char ***ret_files);
