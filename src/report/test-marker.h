/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The self-test marker, /var/lib/tinykdump/test-pending: "tinykdump test" writes it (durably)
 * just before it crashes the machine on purpose, naming the boot it crashes; the reporter marks
 * the dump whose crashed boot ID matches as a test (TINYKDUMP_TEST=1) and removes the marker.
 * KEY=value lines:
 *
 *     BOOT_ID=<32 lower-case hex digits>
 *     TIME_USEC=<CLOCK_REALTIME µs when the test was started>
 */

#include "macro.h"

#define TEST_MARKER_FILE "/var/lib/tinykdump/test-pending"
#define TEST_MARKER_MAX 1024U

typedef struct TestMarker {
        char boot_id[33];
        uint64_t time_usec;
} TestMarker;

/* The text of a marker; boot_id must be 32 lower-case hex digits (-EINVAL otherwise). */
int test_marker_format(const TestMarker *m, char **ret);
/* Unknown keys are ignored; a missing or malformed BOOT_ID= or TIME_USEC=, a key given twice or
 * control characters are -EBADMSG, more than TEST_MARKER_MAX bytes -EFBIG. */
int test_marker_parse(const char *data, size_t size, TestMarker *ret);

/* Below root (NULL = /): writes the marker atomically and durably (file and directory synced),
 * creating /var/lib/tinykdump when needed; reads it (-ENOENT when there is none); removes it
 * (0 also when there was none). */
int test_marker_write(const char *root, const TestMarker *m);
int test_marker_read(const char *root, TestMarker *ret);
int test_marker_remove(const char *root);
