/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one UTF-8 validator. */

#include "macro.h"

/* Length (1…4) of the valid UTF-8 sequence at s, reading at most n bytes, or 0 when it is not one:
 * overlong forms, surrogates and values beyond U+10FFFF are invalid. When ret_codepoint is not
 * NULL it receives the character. ASCII (also NUL) has length 1. */
size_t utf8_sequence_length(const char *s, size_t n, uint32_t *ret_codepoint);

/* Whether the n bytes at s are valid UTF-8 throughout. */
bool utf8_is_valid_n(const char *s, size_t n);
