/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* A verb table for multi-verb programs, in the manner of coredumpctl. */

#define VERB_ANY ((unsigned) -1)

typedef struct Verb {
        const char *verb;
        unsigned min_args, max_args; /* counting the verb itself */
        bool is_default;             /* run when no verb is given */
        /* Returns 0, a positive exit status, or a negative errno it has already logged. */
        int (*dispatch)(int argc, char *argv[], void *userdata);
} Verb;

/* What is wrong with a command line, for the program to say. */
typedef enum VerbFindError {
        VERB_FIND_OK = 0,
        VERB_FIND_MISSING,  /* no verb given and no default one */
        VERB_FIND_UNKNOWN,  /* argv[0] names no verb */
        VERB_FIND_TOO_FEW,  /* fewer arguments than the verb takes */
        VERB_FIND_TOO_MANY, /* more arguments than the verb takes */
} VerbFindError;

/* Finds the verb named by argv[0] (or the default one when argc == 0) and checks the argument
 * count. On VERB_FIND_OK *ret is the verb; on TOO_FEW and TOO_MANY it is the verb found too (for
 * the message); otherwise it is left alone. Never prints. */
VerbFindError verbs_find(int argc, char *argv[], const Verb verbs[], size_t n_verbs, const Verb **ret);
