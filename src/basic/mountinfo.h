/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /proc/self/mountinfo (proc(5)): the one parser. A line is
 *   id parent maj:min root mount-point options [optional…] - fstype source super-options
 * with space, tab, newline and backslash in paths escaped as \ooo. Every line must be well formed
 * (-EBADMSG otherwise); the text is at most MOUNTINFO_MAX bytes (-EFBIG). */

#include "macro.h"

#define MOUNTINFO_MAX (4 * MiB)

typedef struct MountEntry {
        unsigned major, minor;
        char *root;          /* unescaped: the directory of the file system mounted here, "/" for all of it */
        char *mount_point;   /* unescaped */
        char *fstype;
        char *source;        /* unescaped, e.g. "/dev/sdb1" */
} MountEntry;

void mount_entry_done(MountEntry *e);

/* Parses one line (without its newline). */
int mountinfo_parse_line(const char *line, size_t n, MountEntry *ret);

typedef bool (*MountEntryFilter)(const MountEntry *e, const void *userdata);

/* The last entry for which filter returns true (later mounts cover earlier ones). -ENOENT when
 * there is none. */
int mountinfo_find_last(const char *data, size_t size, MountEntryFilter filter, const void *userdata, MountEntry *ret);

/* The mount that is visible at the absolute path (trailing slashes ignored). -EINVAL for a
 * relative path, -ENOENT when nothing is mounted exactly there. */
int mountinfo_find(const char *data, size_t size, const char *path, MountEntry *ret);

/* The mount point of the last mount of device major:minor that shows the file system's root
 * (a bind mount of a subdirectory does not count). -ENOENT when there is none. */
int mountinfo_find_devnum(const char *data, size_t size, unsigned major, unsigned minor, char **ret);
