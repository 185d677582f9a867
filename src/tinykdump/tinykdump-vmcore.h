/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs that read a saved vmcore itself: dmesg and uname. See tinykdump(8). */

#include "macro.h"

typedef struct VmcoreArgs {
        bool json, pretty;           /* --json= */
        bool caller_id;              /* --caller-id=: print the "[    T123] " field */
} VmcoreArgs;

extern VmcoreArgs vmcore_args;

int verb_dmesg(int argc, char *argv[], void *userdata);
int verb_uname(int argc, char *argv[], void *userdata);
