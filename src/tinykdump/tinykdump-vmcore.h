/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs that read a saved vmcore itself: dmesg and uname. See tinykdump(8). */

#include "macro.h"

/* userdata is the const TinykdumpOptions * of options.h (json, pretty, caller_id). */
int verb_dmesg(int argc, char *argv[], void *userdata);
int verb_uname(int argc, char *argv[], void *userdata);
