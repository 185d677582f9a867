/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: the running kernel's command line, optionally followed by a NUL and the extra words for the
 * capture command line. */
#include "fuzz.h"
#include "proc-cmdline.h"
#include "util.h"

static bool word_in(const char *w, char * const *a, char * const *b) {
        return strv_contains(a, w) || strv_contains(b, w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **words = NULL, **extra = NULL, **back = NULL, **back2 = NULL, **all = NULL;
        _cleanup_free_ char *joined = NULL, *capture = NULL, *v = NULL;
        const char *d = (const char *) data, *nul;
        bool b;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        nul = memchr(d, 0, size);
        if (proc_cmdline_split(d, size, &words) < 0)
                abort();
        if (nul && proc_cmdline_split(nul + 1, size - (size_t) (nul + 1 - d), &extra) < 0)
                abort();

        (void) proc_cmdline_get_key(words, "crashkernel", &v);
        if (proc_cmdline_get_key_all(words, "console", &all) < 0)
                abort();
        r = proc_cmdline_get_bool(words, "tinykdump", &b, NULL);
        if (r < 0 && r != -EINVAL)
                abort();

        /* Whatever joins must split back into the same words. */
        if (proc_cmdline_join(words, &joined) >= 0) {
                if (proc_cmdline_split(joined, strlen(joined), &back) < 0)
                        abort();
                if (strv_length(back) != strv_length(words))
                        abort();
                for (size_t i = 0; words[i]; i++)
                        if (!streq(words[i], back[i]))
                                abort();
        }

        /* The capture command line fits, and holds only running or extra words, every extra one. */
        r = proc_cmdline_build_capture(words, extra, &capture);
        if (r < 0) {
                if (r != -EINVAL && r != -E2BIG && r != -ENOMEM)
                        abort();
                return 0;
        }
        if (strlen(capture) + 1 > CAPTURE_CMDLINE_MAX)
                abort();
        if (proc_cmdline_split(capture, strlen(capture), &back2) < 0)
                abort();
        STRV_FOREACH(w, back2)
                if (!word_in(*w, words, extra))
                        abort();
        STRV_FOREACH(e, extra)
                if (!strv_contains(back2, *e))
                        abort();
        return 0;
}
