/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NULL-terminated string vectors. */

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char * const *l);
int strv_extend(char ***l, const char *value);
int strv_consume(char ***l, char *value); /* takes value, frees it on failure */
/* Append the formatted string. */
int strv_extendf(char ***l, const char *format, ...) _printf_(2, 3);
bool strv_contains(char * const *l, const char *s);
#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)
