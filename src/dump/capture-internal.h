/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by capture-config.c, capture-target.c and capture-overlay.c; not part of the contract. */

#include "macro.h"

/* Longest value we write or accept for any key; real values are far shorter. */
#define CAPTURE_VALUE_MAX 4096U
#define USEC_PER_SEC UINT64_C(1000000)

/* Non-empty, at most CAPTURE_VALUE_MAX bytes, no control characters, no surrounding spaces. */
bool capture_value_is_clean(const char *s);

/* A 128-bit ID in any form sd_id128_from_string() takes, as 32 lower-case hex digits; -EINVAL for
 * a malformed or null ID. */
int capture_normalize_id128(const char *s, char **ret);
