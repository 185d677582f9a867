/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every fuzz target defines this; fuzz-main.c replays a corpus through it under plain meson test,
 * and -Dfuzzing=true links the same file with libFuzzer instead. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fuzz inputs larger than this are ignored, so a target never spends minutes on one input. */
#define FUZZ_INPUT_MAX (256 * 1024)
