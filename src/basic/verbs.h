/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* A verb table for multi-verb programs, in the manner of coredumpctl. */

#define VERB_ANY ((unsigned) -1)

typedef struct Verb {
        const char *verb;
        unsigned min_args, max_args; /* counting the verb itself */
        bool is_default;             /* run when no verb is given */
        int (*dispatch)(int argc, char *argv[], void *userdata);
} Verb;

/* Find the verb named by argv[0] (or the default one when argc == 0) and check the argument count.
 * Returns NULL after saying on stderr what is wrong: a usage error. */
const Verb *verbs_find(int argc, char *argv[], const Verb verbs[], size_t n_verbs);
