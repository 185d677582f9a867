/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "verbs.h"

VerbFindError verbs_find(int argc, char *argv[], const Verb verbs[], size_t n_verbs, const Verb **ret) {
        const Verb *v = NULL;
        unsigned n = (unsigned) argc;

        for (size_t i = 0; i < n_verbs; i++)
                if (argc > 0 ? streq(argv[0], verbs[i].verb) : verbs[i].is_default) {
                        v = &verbs[i];
                        break;
                }
        if (!v)
                return argc > 0 ? VERB_FIND_UNKNOWN : VERB_FIND_MISSING;
        *ret = v;
        if (argc == 0)
                n = 1; /* the default verb counts as given */
        if (v->min_args != VERB_ANY && n < v->min_args)
                return VERB_FIND_TOO_FEW;
        if (v->max_args != VERB_ANY && n > v->max_args)
                return VERB_FIND_TOO_MANY;
        return VERB_FIND_OK;
}
