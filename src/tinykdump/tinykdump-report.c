/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump report|list|info: after the crash. A thin layer over src/report/ and the printers in
 * report-print.c. Verbs read their options from the TinykdumpOptions handed to them as userdata and
 * return EXIT_SUCCESS or a negative errno they have logged. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "capture-config.h"
#include "dumpdir.h"
#include "json.h"
#include "log.h"
#include "options.h"
#include "pager.h"
#include "report-filter.h"
#include "report-print.h"
#include "report.h"
#include "strv.h"
#include "time-util.h"
#include "tinykdump-report.h"
#include "tkconf.h"
#include "util.h"

/* How many lines of dmesg "info" shows. */
#define INFO_DMESG_LINES 30U

static void notify(const DumpEntry *e, const ReportRecord *rec, bool reported, int r, void *userdata) {
        if (r < 0)
                log_warning_errno(r, "Failed to report the dump %s: %m", e->name);
        else if (reported)
                log_info("Reported %s: %s", rec->id, rec->message);
        else
                log_debug("Dump %s was reported before.", e->name);
}

/* The configured target, as far as "report" needs it. */
typedef struct ReportWant {
        TkConfig *config;
        char *what, *kind;
        const char *value, *fstype;
        const char *arg;             /* the device a udev-started instance names, or NULL */
} ReportWant;

static void report_want_done(ReportWant *w) {
        tk_config_free(w->config);
        free(w->what);
        free(w->kind);
        *w = (ReportWant) {};
}

/* The device node to look at: the argument's, or the configured one's. 0 when there is nothing
 * to do (logged), 1 with *ret_devnode, or a logged error. */
static int find_device(const ReportWant *w, char **ret_devnode) {
        _cleanup_free_ char *devnode = NULL;
        int r;

        if (w->arg) {
                /* A udev-started instance names the device that appeared: any file system. */
                r = report_device_from_arg(tk_root(), w->arg, &devnode);
                if (r < 0)
                        return log_error_errno(r, "Cannot tell the block device from '%s': %m", w->arg);
        } else {
                r = capture_target_device_from_what(w->what, &devnode);
                if (r < 0)
                        return log_error_errno(r, "Cannot tell the device node of What=%s: %m", w->what);
        }
        if (access(devnode, F_OK) < 0) {
                if (w->arg)
                        return log_error_errno(-errno, "Device %s (%s) is gone: %m", devnode, w->arg);
                log_info("The dump target %s (%s) is not present; nothing to report.", w->what, devnode);
                return 0;
        }
        *ret_devnode = TAKE_PTR(devnode);
        return 1;
}

/* Nothing on the disk is looked at before it proves to be the configured file system. 0 when it
 * is not and that is fine (logged), 1 when it is, or a logged error. */
static int check_identity(const ReportWant *w, const char *devnode, const char *real, BlockIdentity *ret) {
        _cleanup_(block_identity_done) BlockIdentity id = {};
        int r;

        r = block_probe_blkid(devnode, &id);
        if (r < 0 && w->arg) {
                log_debug_errno(r, "Cannot probe %s (%m); not the dump target.", devnode);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot identify the dump target %s (%s): %m", w->what, devnode);
        if (!block_identity_matches(&id, w->kind, w->value, w->fstype)) {
                if (w->arg) {
                        log_debug("%s is not the dump target %s; nothing to do.", strna(real), w->what);
                        return 0;
                }
                return log_error_errno(-EMEDIUMTYPE, "%s is not the dump target %s%s%s (it has TYPE=%s UUID=%s LABEL=%s); "
                                       "not reading it.", real ?: devnode, w->what, w->fstype ? " of type " : "",
                                       strempty(w->fstype), strna(id.fstype), strna(id.uuid), strna(id.label));
        }
        *ret = id;
        id = (BlockIdentity) {};
        return 1;
}

/* Reports the dumps in parent_fd under the state directory's lock. */
static int report_locked(const ReportWant *w, int parent_fd, const ReportTarget *t) {
        _cleanup_close_ int state_fd = -EBADF, lock_fd = -EBADF;
        ReportStats st = {};
        int r;

        r = report_state_open(tk_root(), true, &state_fd);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", REPORT_DUMPS_DIR);
        r = report_state_lock(state_fd, &lock_fd);
        if (r < 0)
                return log_error_errno(r, "Cannot lock %s: %m", REPORT_DUMPS_DIR);

        /* "tinykdump test" crashed the boot its marker names: that boot's dump is a test. */
        TestMarker marker = {};
        bool have_marker = false;
        r = test_marker_read(tk_root(), &marker);
        if (r >= 0)
                have_marker = true;
        else if (r != -ENOENT)
                log_warning_errno(r, "Ignoring the self-test marker %s: %m", TEST_MARKER_FILE);

        r = report_dumps(parent_fd, state_fd, t, have_marker ? marker.boot_id : NULL, clock_now_usec(CLOCK_REALTIME),
                         report_send_journal, NULL, notify, NULL, &st);
        int k;
        if (st.tests > 0) {
                k = test_marker_remove(tk_root());
                if (k < 0)
                        log_warning_errno(k, "Failed to remove the self-test marker %s: %m", TEST_MARKER_FILE);
                else
                        log_info("The dump of boot %s was the self test \"tinykdump test\" started; removed %s.",
                                 marker.boot_id, TEST_MARKER_FILE);
        }
        unsigned dropped = 0;
        uint64_t freed = 0;
        k = report_state_prune(state_fd, REPORT_STATE_BYTES_MAX, &dropped, &freed);
        if (k < 0)
                log_warning_errno(k, "Cannot trim the dmesg.txt copies in %s: %m", REPORT_DUMPS_DIR);
        else if (dropped > 0)
                log_info("Dropped the dmesg.txt copies of the %u oldest reported dump(s) in %s (%" PRIu64 " bytes); "
                         "%s keeps at most %u MiB of them.", dropped, REPORT_DUMPS_DIR, freed, REPORT_DUMPS_DIR,
                         (unsigned) (REPORT_STATE_BYTES_MAX / MiB));
        if (st.skipped > 0)
                log_notice("Ignored %u entries in %s on %s that are not dump directories (or beyond %u).", st.skipped,
                           w->config->directory, w->what, REPORT_DUMPS_MAX);
        if (st.deferred > 0)
                log_notice("Reported the newest %u dump(s) on %s; %u older one(s) are left for the next run "
                           "(at most %u per run).", st.reported, w->what, st.deferred, REPORT_RUN_RECORDS_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to report %u of %u dump(s) on %s: %m", st.failed, st.found, w->what);
        log_info("%u dump(s) on %s: %u newly reported, %u reported before.", st.found, w->what, st.reported, st.already);
        return EXIT_SUCCESS;
}

static int report_load_want(int argc, char *argv[], ReportWant *w) {
        int r;

        r = tk_config_load(tk_root(), &w->config);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        r = tk_config_target_what(w->config, &w->what);
        if (r < 0)
                return log_oom();
        if (!w->what) {
                log_info("No dump target is configured ([Target] What= in tinykdump.conf); nothing to report.");
                return 0;
        }
        r = capture_what_split(w->what, &w->kind, &w->value);
        if (r < 0)
                return log_error_errno(r, "What=%s is not KIND=VALUE.", w->what);
        w->fstype = w->config->fs_type == TK_FS_AUTO ? NULL : tk_fs_to_string(w->config->fs_type);
        w->arg = argc > 1 ? argv[1] : NULL;
        return 1;
}

int verb_report(int argc, char *argv[], void *userdata) {
        _cleanup_(report_want_done) ReportWant w = {};
        _cleanup_free_ char *devnode = NULL, *where = NULL, *real = NULL;
        _cleanup_(block_identity_done) BlockIdentity id = {};
        _cleanup_close_ int target_fd = -EBADF, parent_fd = -EBADF;
        bool mounted = false;
        int r;

        r = report_load_want(argc, argv, &w);
        if (r <= 0)
                return r;
        r = find_device(&w, &devnode);
        if (r <= 0)
                return r;
        real = realpath(devnode, NULL);
        r = check_identity(&w, devnode, real, &id);
        if (r <= 0)
                return r;

        r = report_target_open(devnode, id.fstype, &target_fd, &where, &mounted);
        if (r == -EPROTONOSUPPORT)
                return log_error_errno(r, "The dump target %s (%s) has file system type %s; only vfat and ext4 (what the "
                                          "capture image writes) are mounted by the reporter. Not reading it.",
                                       w.what, real ?: devnode, strna(id.fstype));
        if (r < 0)
                return log_error_errno(r, "Failed to open the dump target %s (%s): %m", w.what, real ?: devnode);
        log_debug("Reading the dump target %s (%s) through %s.", w.what, real ?: devnode, where);

        r = dumpdir_open_subdir(target_fd, w.config->directory, false, &parent_fd);
        if (r == -ENOENT) {
                log_info("No dumps on %s: it has no directory %s.", w.what, w.config->directory);
                return EXIT_SUCCESS;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot open %s on the dump target %s (a symlink or another file system is refused): %m",
                                       w.config->directory, w.what);

        ReportTarget t = { .what = w.what, .uuid = id.uuid, .device = real ?: devnode, .directory = w.config->directory };
        return report_locked(&w, parent_fd, &t);
}

static int open_journal(const TinykdumpOptions *o, sd_journal **ret) {
        int r;

        if (o->journal_file) {
                const char *files[] = { o->journal_file, NULL };
                r = sd_journal_open_files(ret, files, 0);
                if (r == -EBADMSG || r == -EPROTONOSUPPORT || r == -ENODATA || r == -EINVAL)
                        return log_error_errno(r, "'%s' is not a journal file.", o->journal_file);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal file '%s': %m", o->journal_file);
        } else if (o->journal_dir) {
                r = sd_journal_open_directory(ret, o->journal_dir, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal directory %s: %m", o->journal_dir);
        } else {
                r = sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the journal: %m");
        }
        return 0;
}

int report_read_records(const TinykdumpOptions *o, ReportRecord **ret, size_t *ret_n) {
        ReportRecord *recs = NULL;
        sd_journal *j = NULL;
        size_t n = 0;
        int r;

        r = open_journal(o, &j);
        if (r < 0)
                return r;
        r = report_journal_read(j, &recs, &n);
        sd_journal_close(j);
        if (r < 0)
                return log_error_errno(r, "Failed to read the journal: %m");
        *ret_n = report_records_dedup(recs, n);
        *ret = recs;
        return 0;
}

/* Ends a JSON document on stdout; logs a write error. */
static int json_finish(JsonWriter *w) {
        int r = json_end(w);

        if (r < 0)
                return log_error_errno(r, "Failed to write to standard output: %m");
        return EXIT_SUCCESS;
}

/* The positional arguments of list/info: FIELD=VALUE matches and ID prefixes. EXIT_USAGE (after
 * saying why) for an unknown field, else 0. */
static int check_matches(char **matches) {
        STRV_FOREACH(m, matches)
                if (report_match_check(*m) < 0) {
                        log_error("Unknown field in the match '%s': use HOSTNAME=, KERNEL=, RESULT=, ID=, MACHINE_ID=, "
                                  "BOOT_ID= or TARGET=, or give a dump ID.", *m);
                        return EXIT_USAGE;
                }
        return 0;
}

/* The records o and the matches select, oldest first (newest first with -r); with ret_all_ids,
 * also the IDs of all records in the journal, before the selection. */
static int read_selected(const TinykdumpOptions *o, char **matches, size_t max, bool reverse, ReportRecord **ret,
                         size_t *ret_n, char ***ret_all_ids) {
        ReportRecord *recs = NULL;
        size_t n = 0;
        int r;

        r = report_read_records(o, &recs, &n);
        if (r < 0)
                return r;
        if (ret_all_ids) {
                _cleanup_strv_free_ char **ids = NULL;
                for (size_t i = 0; i < n; i++)
                        if (recs[i].id && strv_extend(&ids, recs[i].id) < 0) {
                                report_records_free(recs, n);
                                return log_oom();
                        }
                *ret_all_ids = TAKE_PTR(ids);
        }
        *ret_n = report_records_filter(recs, n, matches, o->since, o->until, max, reverse);
        *ret = recs;
        return 0;
}

static bool filtered(const TinykdumpOptions *o, char **matches) {
        return o->since != UINT64_MAX || o->until != UINT64_MAX || (matches && *matches);
}

int verb_list(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_strv_free_ char **all_ids = NULL;
        ReportRecord *recs = NULL;
        size_t n = 0;
        Terminal t;
        int r;

        r = check_matches(argv + 1);
        if (r > 0)
                return r;
        r = read_selected(o, argv + 1, o->max_records, o->reverse, &recs, &n, &all_ids);
        if (r < 0)
                return r;
        if (o->json) {
                JsonWriter w;
                json_begin(&w, stdout, o->pretty);
                json_array_open(&w);
                for (size_t i = 0; i < n; i++)
                        report_json_record(&w, &recs[i]);
                json_array_close(&w);
                r = json_finish(&w);
        } else if (n == 0)
                log_info(filtered(o, argv + 1) ? "No crash dumps in the journal match." :
                                                 "No crash dumps reported in the journal.");
        else {
                terminal_get(&t);
                pager_open(!o->no_pager);
                report_print_table(stdout, recs, n,
                                   &(TableStyle) { .columns = t.columns, .color = t.color, .legend = !o->no_legend,
                                                  .all_ids = all_ids });
                pager_close();
        }
        report_records_free(recs, n);
        return r < 0 ? r : EXIT_SUCCESS;
}

/* The host-side copy of dmesg.txt of dump id, when this machine reported it; NULL otherwise. */
static char *read_host_dmesg(const char *id) {
        _cleanup_close_ int state_fd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *p = NULL;
        char *dmesg = NULL;
        size_t l;

        if (!dump_dir_name_is_valid(id) || report_state_open(tk_root(), false, &state_fd) < 0)
                return NULL;
        fd = openat(state_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || asprintf(&p, "/proc/self/fd/%d", fd) < 0)
                return NULL;
        if (read_full_file_at(p, REPORT_DMESG_FILENAME, REPORT_DMESG_KEEP_MAX, &dmesg, &l) < 0)
                return NULL;
        return dmesg;
}

/* The record info shows: the one the ID among args names (a unique prefix will do), else the
 * newest that matches. */
static int info_pick(const ReportRecord *recs, size_t n, char **args, bool any_filter, size_t *ret) {
        const char *id = NULL;
        int r;

        STRV_FOREACH(a, args)
                if (!strchr(*a, '='))
                        id = *a;
        if (n == 0) {
                if (id)
                        return log_error_errno(-ENOENT, "No crash dump '%s' in the journal (see tinykdump list).", id);
                if (any_filter)
                        return log_error_errno(-ENOENT, "No crash dump in the journal matches (see tinykdump list).");
                return log_error_errno(-ENOENT, "No crash dumps reported in the journal.");
        }
        if (!id) {
                *ret = n - 1;
                return 0;
        }
        r = report_records_find(recs, n, id, ret);
        if (r == -ENOTUNIQ)
                return log_error_errno(r, "'%s' names more than one dump; give more of the ID (see tinykdump list).", id);
        if (r < 0)
                return log_error_errno(r, "No crash dump '%s' in the journal (see tinykdump list).", id);
        return 0;
}

int verb_info(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_free_ char *dmesg = NULL;
        ReportRecord *recs = NULL;
        size_t n = 0, i;
        int r;

        r = check_matches(argv + 1);
        if (r > 0)
                return r;
        r = read_selected(o, argv + 1, 0, false, &recs, &n, NULL);
        if (r < 0)
                return r;
        r = info_pick(recs, n, argv + 1, filtered(o, argv + 1), &i);
        if (r < 0) {
                report_records_free(recs, n);
                return r;
        }

        dmesg = read_host_dmesg(recs[i].id);
        if (o->json) {
                JsonWriter w;
                json_begin(&w, stdout, o->pretty);
                report_json_record(&w, &recs[i]);
                r = json_finish(&w);
        } else {
                Terminal t;
                terminal_get(&t);
                pager_open(!o->no_pager);
                report_print_info(stdout, &recs[i], dmesg, INFO_DMESG_LINES, t.columns);
                pager_close();
        }
        report_records_free(recs, n);
        return r < 0 ? r : EXIT_SUCCESS;
}
