/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd unit names derived from paths, and escaping for values written into unit files: what a
 * generator needs to name the mount unit of a directory and the device unit of a /dev path the way
 * systemd itself names them (systemd-escape --path, systemd.unit(5) "String Escaping"). */

#include "macro.h"

/* Longest valid unit name, suffix included (systemd's UNIT_NAME_MAX less the NUL). */
#define UNIT_NAME_LENGTH_MAX 255U

/* Escape a path into a unit name prefix like `systemd-escape --path`: duplicate and trailing
 * slashes and "." components are dropped, leading slashes are skipped, "/" alone becomes "-",
 * each remaining "/" becomes "-", and every byte other than ASCII alphanumerics, ':', '_' and a
 * '.' that is not the first character becomes "\xNN" (lowercase hex). Fails with -EINVAL for an
 * empty path or one with a ".." component. */
int unit_name_path_escape(const char *path, char **ret);

/* unit_name_path_escape(path) followed by suffix (".mount", ".device", …; must start with '.').
 * Fails with -ENAMETOOLONG when the name would exceed UNIT_NAME_LENGTH_MAX (systemd then uses a
 * hashed name that this does not reproduce). */
int unit_name_from_path(const char *path, const char *suffix, char **ret);

/* Double every '%', so that a string is taken literally by unit file settings that expand
 * specifiers (What=, Where=, Description=, RequiresMountsFor=, …). */
int unit_escape_specifiers(const char *s, char **ret);
