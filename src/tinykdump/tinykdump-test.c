/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump test: checks that the machine is armed and the dump target is there, asks (unless
 * --yes), records the self-test marker durably, syncs and crashes the kernel through
 * /proc/sysrq-trigger. The reporter of the next boot marks the dump of the crashed boot as a test
 * (src/report/test-marker.h). Everything is read and written below tk_root(), so a fake root
 * runs every step but the crash itself: there the "trigger" is a plain file, and a kernel that is
 * still running afterwards is a failure. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "capture-config.h"
#include "crashmem.h"
#include "fs-util.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "time-util.h"
#include "tinykdump-test.h"
#include "tkconf.h"
#include "util.h"

#define SYSRQ_TRIGGER "/proc/sysrq-trigger"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* The dump target must be configured and present, or the crash would lose the dump. */
static int check_target(const char *root, char **ret_what, char **ret_device) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_free_ char *what = NULL, *device = NULL;
        int r;

        r = tk_config_load(root, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        conf_diags_log(&c->diags);
        if (!tk_config_is_valid(c) || tk_config_target_what(c, &what) < 0 || !what) {
                log_error("The configuration is invalid or names no dump target ([Target] What=); "
                          "see 'tinykdump status'. Not crashing.");
                return EXIT_BAD_CONFIG;
        }
        r = capture_target_device_from_what(what, &device);
        if (r < 0)
                return log_error_errno(r, "Cannot tell the device node of What=%s: %m", what);
        if (!exists_at(root, device)) {
                log_error("The dump target %s (%s) is not present: the capture would have nowhere to write. "
                          "Plug it in, then run the test again. Not crashing.", what, device);
                return EXIT_FAILURE;
        }
        *ret_what = TAKE_PTR(what);
        *ret_device = TAKE_PTR(device);
        return 0;
}

static int check_armed(const char *root) {
        _cleanup_(crashmem_done) CrashMem m = {};
        const char *bad = NULL;
        int r;

        r = crashmem_read(root, &m, &bad);
        if (r < 0)
                return log_error_errno(r, "Failed to read the crash kernel state%s%s: %m", bad ? " from " : "", strempty(bad));
        if (m.loaded <= 0) {
                log_error("The machine is not armed: no capture kernel is loaded (%s says %s). "
                          "See 'tinykdump status'. Not crashing.", strna(m.loaded_path), m.loaded < 0 ? "nothing" : "0");
                return EXIT_NOT_ARMED;
        }
        return 0;
}

/* 1 when the user typed "yes", 0 otherwise. */
static int confirm(const char *what, const char *device) {
        char line[64] = {};

        fprintf(stderr,
                "This crashes the running kernel NOW, to test the capture: unsaved data is lost and the machine\n"
                "reboots through the capture kernel, which saves a dump to %s (%s).\n"
                "Type \"yes\" to crash the machine: ",
                what, device);
        fflush(stderr);
        if (!fgets(line, sizeof(line), stdin))
                return 0;
        line[strcspn(line, "\n")] = 0;
        return streq(line, "yes");
}

int verb_test(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        const char *root = tk_root();
        _cleanup_free_ char *what = NULL, *device = NULL, *raw = NULL;
        _cleanup_free_ char *trigger = NULL;
        _cleanup_close_ int fd = -EBADF;
        TestMarker m = {};
        int r;

        r = check_armed(root);
        if (r != 0)
                return r;
        r = check_target(root, &what, &device);
        if (r != 0)
                return r;

        if (!o->yes) {
                if (!isatty(STDIN_FILENO)) {
                        log_error("Refusing to crash the machine without confirmation: standard input is not a terminal. "
                                  "Use 'tinykdump test --yes' to crash it anyway.");
                        return EXIT_FAILURE;
                }
                if (confirm(what, device) <= 0) {
                        log_info("Not confirmed; not crashing.");
                        return EXIT_FAILURE;
                }
        }

        r = read_one_line_file_at(root, BOOT_ID_PATH, &raw);
        if (r < 0)
                return log_error_errno(r, "Failed to read the boot ID from %s: %m", BOOT_ID_PATH);
        /* "8f3c…-…" → 32 hex digits, as the crashed boot's ID is recorded. */
        size_t j = 0;
        for (const char *p = raw; *p && j < 32; p++)
                if (*p != '-')
                        m.boot_id[j++] = *p;
        m.time_usec = clock_now_usec(CLOCK_REALTIME);
        r = test_marker_write(root, &m);
        if (r == -EINVAL)
                return log_error_errno(r, "%s holds '%s', not a boot ID: %m", BOOT_ID_PATH, raw);
        if (r < 0)
                return log_error_errno(r, "Failed to write the self-test marker %s: %m", TEST_MARKER_FILE);

        trigger = path_join(root, SYSRQ_TRIGGER);
        if (!trigger)
                return log_oom();
        fd = open(trigger, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = log_error_errno(-errno, "Cannot open %s: %m. Not crashing.", SYSRQ_TRIGGER);
                (void) test_marker_remove(root);
                return r;
        }
        log_notice("Crashing the kernel of boot %s now (sysrq c); the dump goes to %s. "
                   "After the reboot, 'tinykdump list' shows it as a test.", m.boot_id, what);
        sync();
        r = loop_write(fd, "c", 1);
        if (r < 0)
                return log_error_errno(r, "Failed to write to %s: %m", SYSRQ_TRIGGER);
        /* Only a fake root (or a kernel without sysrq) gets here. */
        log_error("The kernel is still running after 'c' was written to %s.", SYSRQ_TRIGGER);
        return EXIT_FAILURE;
}
