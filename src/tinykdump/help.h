/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The help of tinykdump: one table of verbs and options, printed whole by "tinykdump --help" and
 * per verb by "tinykdump VERB --help" and "tinykdump help VERB". tinykdump(8) is checked against
 * it by tests/cli/test-help-man. */

#include "macro.h"

void help_print(void);
/* The usage of one verb and the options it takes; -ENOENT for no such verb. */
int help_print_verb(const char *verb);
/* "tinykdump help [VERB]" */
int verb_help(int argc, char *argv[], void *userdata);
