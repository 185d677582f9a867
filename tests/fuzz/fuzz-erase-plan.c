/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The erase plan's readers on arbitrary bytes: the resolved plan (the capture side's input) must
 * not crash or exceed its bounds, and what it accepts must format and parse back to the same
 * text; the rule-source reader runs on the same input. */
#include <stdlib.h>

#include "erase-plan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ErasePlan p = {}, q = {};
        EraseSource s = {};
        ConfDiagList d = {};
        char *a = NULL, *b = NULL;
        size_t na, nb;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = erase_plan_parse("fuzz.plan", (const char *) data, size, &p, &d);
        if (r >= 0) {
                if (p.n_rules > ERASE_RULES_MAX)
                        abort();
                for (size_t i = 0; i < p.n_rules; i++)
                        if (erase_rule_check(&p.rules[i], p.have_percpu))
                                abort();
                if (erase_plan_format(&p, &a, &na) < 0)
                        abort();
                if (erase_plan_parse("fuzz.plan", a, na, &q, &d) < 0)
                        abort();
                if (erase_plan_format(&q, &b, &nb) < 0 || na != nb || memcmp(a, b, na) != 0)
                        abort();
        } else if (r == -EBADMSG && d.n == 0)
                abort(); /* a refusal always says why */
        erase_plan_done(&p);
        erase_plan_done(&q);
        free(a);
        free(b);

        (void) erase_source_parse("fuzz.rules", (const char *) data, size, &s, &d);
        if (s.n_rules > ERASE_RULES_MAX)
                abort();
        erase_source_done(&s);
        conf_diags_done(&d);
        return 0;
}
