/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "keyvalue.h"
#include "parse-util.h"
#include "test-marker.h"

static bool boot_id_is_valid(const char *s, size_t n) {
        if (n != 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

int test_marker_format(const TestMarker *m, char **ret) {
        char *s;

        if (!boot_id_is_valid(m->boot_id, strlen(m->boot_id)))
                return -EINVAL;
        if (asprintf(&s, "BOOT_ID=%s\nTIME_USEC=%" PRIu64 "\n", m->boot_id, m->time_usec) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int test_marker_parse(const char *data, size_t size, TestMarker *ret) {
        KeyValueReader rd = KEY_VALUE_READER_INIT(data, size, 0);
        TestMarker m = {};
        bool have_id = false, have_time = false;
        KeyValue kv;
        int r;

        if (size > TEST_MARKER_MAX)
                return -EFBIG;
        while ((r = key_value_next(&rd, &kv)) > 0) {
                if (key_value_has_control(kv.text, kv.len, NULL))
                        return -EBADMSG;
                if (kv.skip)
                        continue;
                if (!kv.key)
                        return -EBADMSG;
                if (key_value_key_is(&kv, "BOOT_ID")) {
                        if (have_id || !boot_id_is_valid(kv.value, kv.value_len))
                                return -EBADMSG;
                        memcpy(m.boot_id, kv.value, 32);
                        m.boot_id[32] = 0;
                        have_id = true;
                } else if (key_value_key_is(&kv, "TIME_USEC")) {
                        char buf[24];
                        if (have_time || kv.value_len == 0 || kv.value_len >= sizeof(buf))
                                return -EBADMSG;
                        memcpy(buf, kv.value, kv.value_len);
                        buf[kv.value_len] = 0;
                        if (strspn(buf, "0123456789") != kv.value_len || safe_atou64(buf, &m.time_usec) < 0)
                                return -EBADMSG;
                        have_time = true;
                }
        }
        if (r < 0)
                return r;
        if (!have_id || !have_time)
                return -EBADMSG;
        *ret = m;
        return 0;
}

/* The directory of the marker below root, created with the parents we make 0755. */
static int open_state_dir(const char *root, bool create, int *ret_fd) {
        _cleanup_free_ char *p = path_join(root, TEST_MARKER_FILE);
        char *slash;
        int fd;

        if (!p)
                return -ENOMEM;
        slash = strrchr(p, '/');
        *slash = 0;
        if (create)
                for (char *s = p + 1;; s++)
                        if (*s == '/' || *s == 0) {
                                char c = *s;
                                *s = 0;
                                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                        return -errno;
                                *s = c;
                                if (c == 0)
                                        break;
                        }
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

static const char *marker_name(void) {
        return strrchr(TEST_MARKER_FILE, '/') + 1;
}

int test_marker_write(const char *root, const TestMarker *m) {
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *text = NULL;
        int r;

        r = test_marker_format(m, &text);
        if (r < 0)
                return r;
        r = open_state_dir(root, true, &dfd);
        if (r < 0)
                return r;
        return write_atomic_at(dfd, marker_name(), text, strlen(text), 0644, WRITE_ATOMIC_DURABLE);
}

int test_marker_read(const char *root, TestMarker *ret) {
        _cleanup_free_ char *data = NULL;
        size_t n;
        int r;

        r = read_full_file_at(root, TEST_MARKER_FILE, TEST_MARKER_MAX, &data, &n);
        if (r < 0)
                return r;
        return test_marker_parse(data, n, ret);
}

int test_marker_remove(const char *root) {
        _cleanup_close_ int dfd = -EBADF;
        int r;

        r = open_state_dir(root, false, &dfd);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (unlinkat(dfd, marker_name(), 0) < 0)
                return errno == ENOENT ? 0 : -errno;
        return RET_NERRNO(fsync(dfd));
}
