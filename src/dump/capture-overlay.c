/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading side of capture.conf: the facts about the running system it records, and the newc
 * overlay that carries it into the capture initrd. */
#include <inttypes.h>
#include <sys/utsname.h>

#include <systemd/sd-id128.h>

#include "capture-config.h"
#include "capture-internal.h"
#include "cpio.h"
#include "time-util.h"
#include "util.h"

/* ---- facts about the running system ---- */

static int read_fact(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_one_line_file_at(root, path, &s);
        if (r < 0)
                return r;
        char *t = strstrip(s);
        if (!capture_value_is_clean(t))
                return -EBADMSG;
        char *n = strdup(t);
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

static int set_string(char **field, const char *value) {
        char *n = strdup(value);
        if (!n)
                return -ENOMEM;
        free(*field);
        *field = n;
        return 0;
}

int capture_config_gather_facts(CaptureConfig *c, const char *root) {
        _cleanup_free_ char *boot_id = NULL, *machine_id = NULL, *hostname = NULL, *release = NULL,
                            *version = NULL, *machine = NULL, *raw = NULL;
        struct utsname u;
        uint64_t now;
        bool have_uname = false;
        int r;

        if (!root && uname(&u) >= 0)
                have_uname = true;

        r = read_one_line_file_at(root, "/proc/sys/kernel/random/boot_id", &raw);
        if (r < 0)
                return r;
        r = capture_normalize_id128(strstrip(raw), &boot_id);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        free(raw);
        raw = NULL;

        /* An image without a machine ID (first boot, initrd, container) is not an error. */
        r = read_one_line_file_at(root, "/etc/machine-id", &raw);
        if (r >= 0 && capture_normalize_id128(strstrip(raw), &machine_id) == -ENOMEM)
                return -ENOMEM;

        r = read_fact(root, "/proc/sys/kernel/osrelease", &release);
        if (r < 0 && have_uname)
                r = (release = strdup(u.release)) ? 0 : -ENOMEM;
        if (r < 0)
                return r;

        r = read_fact(root, "/proc/sys/kernel/hostname", &hostname);
        if (r < 0 && have_uname && capture_value_is_clean(u.nodename))
                r = (hostname = strdup(u.nodename)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;
        r = read_fact(root, "/proc/sys/kernel/version", &version);
        if (r < 0 && have_uname && capture_value_is_clean(u.version))
                r = (version = strdup(u.version)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;
        r = read_fact(root, "/proc/sys/kernel/arch", &machine);
        if (r < 0 && have_uname && capture_value_is_clean(u.machine))
                r = (machine = strdup(u.machine)) ? 0 : -ENOMEM;
        if (r == -ENOMEM)
                return r;

        r = set_string(&c->tinykdump_version, PACKAGE_VERSION);
        if (r < 0)
                return r;

        free(c->crashed_boot_id);
        c->crashed_boot_id = TAKE_PTR(boot_id);
        free(c->crashed_machine_id);
        c->crashed_machine_id = TAKE_PTR(machine_id);
        free(c->crashed_hostname);
        c->crashed_hostname = TAKE_PTR(hostname);
        free(c->crashed_kernel_release);
        c->crashed_kernel_release = TAKE_PTR(release);
        free(c->crashed_kernel_version);
        c->crashed_kernel_version = TAKE_PTR(version);
        free(c->crashed_machine);
        c->crashed_machine = TAKE_PTR(machine);

        now = clock_now_usec(CLOCK_REALTIME);
        if (now > 0)
                c->loaded_at_usec = now;
        return 0;
}

/* ---- the overlay ---- */

int capture_overlay_build_full(const CaptureConfig *c, const CaptureOverlayFile *extra, size_t n_extra,
                               Buffer *ret) {
        _cleanup_free_ char *text = NULL;
        CpioWriter w;
        size_t size;
        int r;

        if (ret->size > 0 || ret->data)
                return -EINVAL;
        if (n_extra > 0 && !extra)
                return -EINVAL;
        r = capture_config_serialize(c, &text, &size);
        if (r < 0)
                return r;

        cpio_writer_init(&w, c->loaded_at_usec / USEC_PER_SEC);
        r = cpio_writer_add_directory(&w, "/etc/tinykdump", 0755);
        if (r >= 0)
                r = cpio_writer_add_file(&w, CAPTURE_CONFIG_PATH, 0644, text, size);
        for (size_t i = 0; r >= 0 && i < n_extra; i++) {
                if (!extra[i].path || extra[i].path[0] != '/')
                        r = -EINVAL;
                else
                        r = cpio_writer_add_file(&w, extra[i].path, extra[i].mode, extra[i].data, extra[i].size);
        }
        if (r >= 0)
                r = cpio_writer_finish(&w, ret);
        cpio_writer_done(&w);
        return r;
}

int capture_overlay_build(const CaptureConfig *c, Buffer *ret) {
        return capture_overlay_build_full(c, NULL, 0, ret);
}
