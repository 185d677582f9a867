/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/self/mountinfo (by path and by device) and `makedumpfile -v` output on arbitrary bytes:
 * tinykdump-save reads both before it writes a byte, so neither may crash, hang or allocate
 * without bound. */
#include "fuzz.h"
#include "makedumpfile.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const paths[] = { "/run/tinykdump/target", "/", "/mnt/with space" };
        MakedumpfileFeatures f;
        MountEntry e;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (mountinfo_find((const char *) data, size, paths[i], &e) >= 0) {
                        if (!e.mount_point || !e.fstype || !e.source || !streq(e.mount_point, paths[i]))
                                abort();
                        mount_entry_done(&e);
                }

        char *mp = NULL;
        if (mountinfo_find_devnum((const char *) data, size, 8, 1, &mp) >= 0) {
                if (!mp)
                        abort();
                free(mp);
        }

        if (makedumpfile_parse_features((const char *) data, size, &f) >= 0) {
                if (!f.supported[CAPTURE_COMPRESSION_ZLIB] || (f.version && strlen(f.version) > 32))
                        abort();
                makedumpfile_features_done(&f);
        }
        return 0;
}
