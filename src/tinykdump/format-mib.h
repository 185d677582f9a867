/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sizes as tinykdump's verbs print them: whole MiB exactly ("192 MiB"), else one decimal ("70.3 MiB"),
 * below 1 MiB in KiB. MIB(b) formats into a compound literal, for printf() arguments. */

#include <inttypes.h>
#include <stdio.h>

#include "macro.h"

static inline const char *mib(char *buf, size_t l, uint64_t bytes) {
        if (bytes > 0 && bytes < MiB)
                snprintf(buf, l, "%.1f KiB", (double) bytes / (double) KiB);
        else if (bytes % MiB == 0)
                snprintf(buf, l, "%" PRIu64 " MiB", bytes / MiB);
        else
                snprintf(buf, l, "%.1f MiB", (double) bytes / (double) MiB);
        return buf;
}
#define MIB(b) mib((char[32]) {}, 32, (b))
