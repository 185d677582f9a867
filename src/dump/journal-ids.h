/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The MESSAGE_IDs of tinykdump's journal records, defined once. Each is documented in
 * src/catalog/tinykdump.catalog, so "journalctl -x" explains it. Never change an ID: users and
 * tools match on them ("journalctl MESSAGE_ID=…"). */

#include <systemd/sd-id128.h>

/* A kernel crash whose dump was saved completely (dmesg.txt and vmcore). */
#define TK_MESSAGE_DUMP_SAVED \
        SD_ID128_MAKE(a2,62,e8,bb,7f,a2,4d,c7,97,4d,2d,ac,06,d7,ac,69)
#define TK_MESSAGE_DUMP_SAVED_STR \
        SD_ID128_MAKE_STR(a2,62,e8,bb,7f,a2,4d,c7,97,4d,2d,ac,06,d7,ac,69)

/* A kernel crash of which only the kernel log (dmesg.txt) was saved. */
#define TK_MESSAGE_DUMP_DMESG_ONLY \
        SD_ID128_MAKE(52,b9,57,d3,ae,49,47,57,91,fa,7a,35,00,2f,2f,11)
#define TK_MESSAGE_DUMP_DMESG_ONLY_STR \
        SD_ID128_MAKE_STR(52,b9,57,d3,ae,49,47,57,91,fa,7a,35,00,2f,2f,11)

/* A kernel crash whose capture failed: nothing usable was saved, or the capture was interrupted,
 * or what it left cannot be read. */
#define TK_MESSAGE_CAPTURE_FAILED \
        SD_ID128_MAKE(dd,22,86,33,ff,25,48,c8,9f,53,bf,80,35,51,3c,60)
#define TK_MESSAGE_CAPTURE_FAILED_STR \
        SD_ID128_MAKE_STR(dd,22,86,33,ff,25,48,c8,9f,53,bf,80,35,51,3c,60)

/* `tinykdump load` loaded a capture kernel into a crash kernel region below what it needs (or, with
 * [Memory] BelowNeed=refuse, refused to): the capture would likely run out of memory. */
#define TK_MESSAGE_BELOW_NEED \
        SD_ID128_MAKE(cc,6e,75,c1,c0,d2,46,3d,a5,c4,f1,7a,f3,a6,66,0e)
#define TK_MESSAGE_BELOW_NEED_STR \
        SD_ID128_MAKE_STR(cc,6e,75,c1,c0,d2,46,3d,a5,c4,f1,7a,f3,a6,66,0e)
