/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays fuzz inputs (files, or every file in directories) through LLVMFuzzerTestOneInput(),
 * one TAP line per input, so the corpus and the kept crashers run under plain meson test. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "macro.h"
#include "util.h"

static unsigned n_inputs;

static int run_one(const char *path) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = read_full_file_at(NULL, path, FUZZ_INPUT_MAX * 4, &buf, &size);
        if (r < 0) {
                printf("not ok %u - %s: %s\n", ++n_inputs, path, strerror(-r));
                return r;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) buf, size);
        printf("ok %u - %s\n", ++n_inputs, path);
        fflush(stdout);
        return 0;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

static int run_path(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0) {
                printf("not ok %u - %s: %m\n", ++n_inputs, path);
                return -errno;
        }
        if (!S_ISDIR(st.st_mode))
                return run_one(path);

        _cleanup_closedir_ DIR *d = opendir(path);
        _cleanup_strv_free_ char **names = NULL;
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                if (strv_consume(&names, path_join(path, de->d_name)) < 0)
                        return -ENOMEM;
        }
        if (names)
                qsort(names, strv_length(names), sizeof(char *), compare);
        int ret = 0;
        STRV_FOREACH(n, names) {
                int r = run_one(*n);
                if (r < 0)
                        ret = r;
        }
        return ret;
}

int main(int argc, char **argv) {
        int ret = 0;

        printf("TAP version 13\n");
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i]) < 0)
                        ret = 1;
        /* An empty input runs too: the target must cope with it. */
        (void) LLVMFuzzerTestOneInput((const uint8_t *) "", 0);
        printf("ok %u - (empty input)\n", ++n_inputs);
        printf("1..%u\n", n_inputs);
        return ret;
}
