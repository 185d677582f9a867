/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump report|list|info: after the crash. A thin layer over src/report/report.c. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "capture-config.h"
#include "dumpdir.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "tinykdump-report.h"
#include "tkconf.h"
#include "util.h"

ReportArgs report_args = { .pretty = true };

/* How many lines of dmesg "info" shows. */
#define INFO_DMESG_LINES 30U

static uint64_t now_realtime(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int split_what(const char *what, char **ret_kind, const char **ret_value) {
        const char *eq = what ? strchr(what, '=') : NULL;

        if (!eq || eq == what || eq[1] == 0)
                return -EINVAL;
        *ret_kind = strndup(what, (size_t) (eq - what));
        if (!*ret_kind)
                return -ENOMEM;
        *ret_value = eq + 1;
        return 0;
}

static void notify(const DumpEntry *e, const ReportRecord *rec, bool reported, int r, void *userdata) {
        if (r < 0)
                log_warning_errno(r, "Failed to report the dump %s: %m", e->name);
        else if (reported)
                log_info("Reported %s: %s", rec->id, rec->message);
        else
                log_debug("Dump %s was reported before.", e->name);
}

int verb_report(int argc, char *argv[], void *userdata) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_free_ char *what = NULL, *kind = NULL, *devnode = NULL, *where = NULL, *real = NULL;
        _cleanup_(block_identity_done) BlockIdentity id = {};
        _cleanup_close_ int target_fd = -EBADF, parent_fd = -EBADF, state_fd = -EBADF, lock_fd = -EBADF;
        const char *value, *fstype;
        ReportStats st = {};
        bool mounted = false;
        int r;

        r = tk_config_load(tk_root(), &c);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        r = tk_config_target_what(c, &what);
        if (r < 0)
                return log_oom();
        if (!what) {
                log_info("No dump target is configured ([Target] What= in tinykdump.conf); nothing to report.");
                return 0;
        }
        r = split_what(what, &kind, &value);
        if (r < 0)
                return log_error_errno(r, "What=%s is not KIND=VALUE.", what);
        fstype = c->fs_type == TK_FS_AUTO ? NULL : tk_fs_to_string(c->fs_type);

        if (argc > 1) {
                /* A udev-started instance names the device that appeared: any file system. */
                r = report_device_from_arg(tk_root(), argv[1], &devnode);
                if (r < 0)
                        return log_error_errno(r, "Cannot tell the block device from '%s': %m", argv[1]);
        } else {
                r = capture_target_device_from_what(what, &devnode);
                if (r < 0)
                        return log_error_errno(r, "Cannot tell the device node of What=%s: %m", what);
        }
        if (access(devnode, F_OK) < 0) {
                if (argc > 1)
                        return log_error_errno(-errno, "Device %s (%s) is gone: %m", devnode, argv[1]);
                log_info("The dump target %s (%s) is not present; nothing to report.", what, devnode);
                return 0;
        }
        real = realpath(devnode, NULL);

        /* Nothing on the disk is looked at before it proves to be the configured file system. */
        r = block_probe_blkid(devnode, &id);
        if (r < 0 && argc > 1) {
                log_debug_errno(r, "Cannot probe %s (%m); not the dump target.", devnode);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot identify the dump target %s (%s): %m", what, devnode);
        if (!block_identity_matches(&id, kind, value, fstype)) {
                if (argc > 1) {
                        log_debug("%s is not the dump target %s; nothing to do.", strna(real), what);
                        return 0;
                }
                return log_error_errno(-EMEDIUMTYPE, "%s is not the dump target %s%s%s (it has TYPE=%s UUID=%s LABEL=%s); "
                                       "not reading it.", real ?: devnode, what, fstype ? " of type " : "",
                                       strempty(fstype), strna(id.fstype), strna(id.uuid), strna(id.label));
        }

        r = report_target_open(devnode, id.fstype, &target_fd, &where, &mounted);
        if (r < 0)
                return log_error_errno(r, "Failed to open the dump target %s (%s): %m", what, real ?: devnode);
        log_debug("Reading the dump target %s (%s) through %s.", what, real ?: devnode, where);

        r = dumpdir_open_subdir(target_fd, c->directory, false, &parent_fd);
        if (r == -ENOENT) {
                log_info("No dumps on %s: it has no directory %s.", what, c->directory);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot open %s on the dump target %s (a symlink or another file system is refused): %m",
                                       c->directory, what);

        r = report_state_open(tk_root(), true, &state_fd);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", REPORT_DUMPS_DIR);
        r = report_state_lock(state_fd, &lock_fd);
        if (r < 0)
                return log_error_errno(r, "Cannot lock %s: %m", REPORT_DUMPS_DIR);

        ReportTarget t = { .what = what, .uuid = id.uuid, .device = real ?: devnode, .directory = c->directory };
        r = report_dumps(parent_fd, state_fd, &t, now_realtime(), report_send_journal, NULL, notify, NULL, &st);
        if (st.skipped > 0)
                log_notice("Ignored %u entries in %s on %s that are not dump directories (or beyond %u).", st.skipped,
                           c->directory, what, REPORT_DUMPS_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to report %u of %u dump(s) on %s: %m", st.failed, st.found, what);
        log_info("%u dump(s) on %s: %u newly reported, %u reported before.", st.found, what, st.reported, st.already);
        return 0;
}

static int open_journal(sd_journal **ret) {
        int r;

        if (report_args.journal_file) {
                const char *files[] = { report_args.journal_file, NULL };
                r = sd_journal_open_files(ret, files, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal file %s: %m", report_args.journal_file);
        } else if (report_args.journal_dir) {
                r = sd_journal_open_directory(ret, report_args.journal_dir, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal directory %s: %m", report_args.journal_dir);
        } else {
                r = sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal: %m");
        }
        return 0;
}

int report_read_records(ReportRecord **ret, size_t *ret_n) {
        sd_journal *j = NULL;
        int r;

        r = open_journal(&j);
        if (r < 0)
                return r;
        r = report_journal_read(j, ret, ret_n);
        sd_journal_close(j);
        if (r < 0)
                return log_error_errno(r, "Failed to read the journal: %m");
        *ret_n = report_records_dedup(*ret, *ret_n);
        return 0;
}

int verb_list(int argc, char *argv[], void *userdata) {
        ReportRecord *recs = NULL;
        size_t n = 0;
        int r;

        r = report_read_records(&recs, &n);
        if (r < 0)
                return r;
        if (report_args.json) {
                JsonWriter w;
                json_begin(&w, stdout, report_args.pretty);
                json_array_open(&w);
                for (size_t i = 0; i < n; i++)
                        report_json_record(&w, &recs[i]);
                json_array_close(&w);
                r = json_end(&w);
                if (r < 0)
                        log_error_errno(r, "Failed to write to standard output: %m");
        } else if (n == 0)
                log_info("No crash dumps reported in the journal.");
        else
                report_print_table(stdout, recs, n);
        report_records_free(recs, n);
        return r < 0 ? r : 0;
}

int verb_info(int argc, char *argv[], void *userdata) {
        _cleanup_free_ char *dmesg = NULL;
        _cleanup_close_ int state_fd = -EBADF, fd = -EBADF;
        ReportRecord *recs = NULL;
        size_t n = 0, i;
        int r;

        r = report_read_records(&recs, &n);
        if (r < 0)
                return r;
        r = report_records_find(recs, n, argv[1], &i);
        if (r == -ENOTUNIQ)
                log_error("'%s' names more than one dump; give more of the id (see tinykdump list).", argv[1]);
        else if (r < 0)
                log_error("No crash dump '%s' in the journal (see tinykdump list).", argv[1]);
        if (r < 0) {
                report_records_free(recs, n);
                return r;
        }

        /* The host-side copy of dmesg.txt, when this machine reported the dump. */
        if (dump_dir_name_is_valid(recs[i].id) && report_state_open(tk_root(), false, &state_fd) >= 0) {
                fd = openat(state_fd, recs[i].id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        _cleanup_free_ char *p = NULL;
                        size_t l;
                        if (asprintf(&p, "/proc/self/fd/%d", fd) >= 0)
                                (void) read_full_file_at(p, REPORT_DMESG_FILENAME, REPORT_DMESG_KEEP_MAX, &dmesg, &l);
                }
        }

        if (report_args.json) {
                JsonWriter w;
                json_begin(&w, stdout, report_args.pretty);
                report_json_record(&w, &recs[i]);
                r = json_end(&w);
                if (r < 0)
                        log_error_errno(r, "Failed to write to standard output: %m");
        } else
                report_print_info(stdout, &recs[i], dmesg, INFO_DMESG_LINES);
        report_records_free(recs, n);
        return r < 0 ? r : 0;
}
