/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/statvfs.h>

#include "space.h"
#include "util.h"

static const char *const space_verdict_table[_SPACE_VERDICT_MAX] = {
        [SPACE_OK] = "ok",
        [SPACE_TIGHT] = "tight",
        [SPACE_INSUFFICIENT] = "insufficient",
        [SPACE_FULL] = "full",
        [SPACE_FILE_LIMIT] = "file-limit",
};

const char *space_verdict_to_string(SpaceVerdict v) {
        if (v <= SPACE_UNKNOWN || v >= _SPACE_VERDICT_MAX)
                return NULL;
        return space_verdict_table[v];
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
        return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

SpaceEstimate space_estimate(uint64_t memory_size, uint64_t page_size, unsigned dump_level, bool compressed) {
        uint64_t pages, bitmaps, max;

        if (page_size == 0)
                page_size = 4096;
        pages = memory_size / page_size + (memory_size % page_size != 0);
        /* Two bitmaps of one bit per page frame. */
        bitmaps = sat_mul(2, pages / 8 + (pages % 8 != 0));
        max = sat_add(sat_add(sat_add(KDUMP_HEADERS_MAX, bitmaps), sat_mul(pages, KDUMP_PAGE_DESC_SIZE)),
                      sat_mul(pages, page_size));
        if (dump_level == 0 && !compressed)
                return (SpaceEstimate) { .min = max, .max = max };
        return (SpaceEstimate) { .min = sat_add(KDUMP_HEADERS_MAX, bitmaps), .max = max };
}

SpaceVerdict space_check(uint64_t free_bytes, const SpaceEstimate *e) {
        if (free_bytes < sat_add(e->min, SPACE_RESERVE))
                return SPACE_INSUFFICIENT;
        if (free_bytes < sat_add(e->max, SPACE_RESERVE))
                return SPACE_TIGHT;
        return SPACE_OK;
}

uint64_t fstype_file_size_max(const char *fstype) {
        if (fstype && (streq(fstype, "vfat") || streq(fstype, "msdos") || streq(fstype, "fat")))
                return FAT_FILE_SIZE_MAX;
        return UINT64_MAX;
}

SpaceVerdict space_classify_failure(const char *fstype, uint64_t free_after, uint64_t partial_size) {
        uint64_t limit = fstype_file_size_max(fstype);

        if (limit != UINT64_MAX && partial_size != UINT64_MAX && partial_size + FAT_FILE_SIZE_SLACK >= limit)
                return SPACE_FILE_LIMIT;
        if (free_after < SPACE_FULL_THRESHOLD)
                return SPACE_FULL;
        return SPACE_UNKNOWN;
}

int fd_free_bytes(int fd, uint64_t *ret) {
        struct statvfs sv;

        if (fstatvfs(fd, &sv) < 0)
                return -errno;
        *ret = sat_mul((uint64_t) sv.f_bavail, sv.f_frsize ?: sv.f_bsize);
        return 0;
}
