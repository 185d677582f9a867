/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz.h"
#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PeImage *pe;
        UkiImage uki;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        pe = malloc(sizeof(PeImage));
        if (!pe)
                return 0;
        if (pe_parse(data, size, pe) >= 0)
                for (size_t i = 0; i < pe->n_sections; i++) {
                        const PeSection *s = &pe->sections[i];
                        /* Every section the parser hands out lies within the input. */
                        if (s->offset > size || s->size > size - s->offset || strlen(s->name) > PE_SECTION_NAME_MAX)
                                abort();
                }
        free(pe);

        if (uki_parse(data, size, &uki) < 0)
                return 0;
        for (unsigned t = 0; t < _UKI_SECTION_MAX; t++) {
                const UkiRange *r = &uki.sections[t];
                char *s = NULL;
                if (r->present && (r->offset > size || r->size > size - r->offset))
                        abort();
                if (uki_section_strdup(&uki, data, size, t, 64 * 1024, &s) >= 0)
                        free(s);
        }
        return 0;
}
