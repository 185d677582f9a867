/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "verbs.h"

const Verb *verbs_find(int argc, char *argv[], const Verb verbs[], size_t n_verbs) {
        const Verb *v = NULL;
        unsigned n = (unsigned) argc;

        for (size_t i = 0; i < n_verbs; i++)
                if (argc > 0 ? streq(argv[0], verbs[i].verb) : verbs[i].is_default) {
                        v = &verbs[i];
                        break;
                }
        if (!v) {
                if (argc > 0)
                        log_error("Unknown command verb '%s'. See --help.", argv[0]);
                else
                        log_error("Command verb required. See --help.");
                return NULL;
        }
        if (argc == 0)
                n = 1; /* the default verb counts as given */
        if (v->min_args != VERB_ANY && n < v->min_args) {
                log_error("Too few arguments for '%s'. See --help.", v->verb);
                return NULL;
        }
        if (v->max_args != VERB_ANY && n > v->max_args) {
                log_error("Too many arguments for '%s'. See --help.", v->verb);
                return NULL;
        }
        return v;
}
