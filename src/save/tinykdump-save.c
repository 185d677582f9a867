/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump-save: runs in the capture initrd after a panic and saves what it can to the configured
 * dump target: dmesg.txt first, then the vmcore through makedumpfile, with a metadata file saying
 * what happened. See tinykdump-save.service(8). */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "capture-config.h"
#include "capture-journal.h"
#include "dump-files.h"
#include "dumpdir.h"
#include "fs-util.h"
#include "log.h"
#include "makedumpfile.h"
#include "metadata.h"
#include "retention.h"
#include "save-erase.h"
#include "space.h"
#include "verify.h"
#include "spawn-util.h"
#include "time-util.h"
#include "util.h"
#include "vmcore.h"

#define DEFAULT_VMCORE "/proc/vmcore"
/* Upstream installs makedumpfile to /usr/sbin, Debian to /usr/bin: the first that exists. */
static const char *const makedumpfile_paths[] = { "/usr/sbin/makedumpfile", "/usr/bin/makedumpfile" };

/* How often the target is looked at again while waiting for it, and how often progress of the
 * vmcore is reported. */
#define TARGET_POLL_USEC (250 * UINT64_C(1000))
#define PROGRESS_INTERVAL_USEC (10 * UINT64_C(1000000))
/* Bounds for files read back: dmesg.txt for the panic line (the printk ring is at most a few MiB),
 * and the panic message kept in the metadata. */
#define DMESG_READ_MAX (32 * MiB)
#define PANIC_MESSAGE_MAX 512U
/* How long journalctl --sync may take before the journal is copied as it is. */
#define JOURNAL_SYNC_TIMEOUT_USEC (5 * UINT64_C(1000000))

/* Exit codes, documented in tinykdump-save.service(8). */
enum {
        EXIT_COMPLETE = 0,        /* dmesg.txt and vmcore saved */
        EXIT_USAGE = 1,           /* bad arguments or capture configuration */
        EXIT_NO_TARGET = 2,       /* target missing or not the configured file system: nothing written */
        EXIT_CAPTURE_FAILED = 3,  /* dump directory written, but not everything in it */
};

typedef struct Context {
        const char *config_path;
        const char *vmcore;
        const char *target;
        const char *makedumpfile;

        CaptureConfig config;
        TargetCheck target_check;
        int dir_fd;
        int parent_fd;            /* <target>/<directory>, the parent of the dump directories */
        char *dir_path;           /* for messages: <target>/<directory>/<name> */
        DumpMetadata md;
        MakedumpfileFeatures features;
        bool have_features;
        MakedumpfileStatus dmesg_status, vmcore_status;  /* _MAKEDUMPFILE_STATUS_MAX: did not run */
        uint64_t start_boottime;  /* when tinykdump-save started, CLOCK_BOOTTIME */
        bool erase_failed;        /* the vmcore was deleted because its secrets could not be erased */
        SpaceVerdict space;       /* room on the target for the vmcore */
        char *space_reason;       /* why the vmcore was not tried or was deleted for lack of room */
} Context;

static void help(void) {
        printf("Usage: tinykdump-save [OPTIONS]\n\n"
               "Save the crashed kernel's log and memory image to the dump target.\n"
               "Runs in the capture initrd, from tinykdump-save.service.\n\n"
               "  --config=PATH        capture configuration (default %s)\n"
               "  --vmcore=PATH        memory image to read (default %s)\n"
               "  --target=DIR         where the dump target is mounted (default %s)\n"
               "  --makedumpfile=PATH  makedumpfile binary (default %s or %s)\n"
               "  -h --help            show this help\n"
               "     --version         show the version\n",
               CAPTURE_CONFIG_PATH, DEFAULT_VMCORE, CAPTURE_TARGET_MOUNT_POINT, makedumpfile_paths[0], makedumpfile_paths[1]);
}

static int parse_argv(Context *c, int argc, char **argv) {
        enum { ARG_CONFIG = 0x100, ARG_VMCORE, ARG_TARGET, ARG_MAKEDUMPFILE, ARG_VERSION };
        static const struct option options[] = {
                { "config", required_argument, NULL, ARG_CONFIG },
                { "vmcore", required_argument, NULL, ARG_VMCORE },
                { "target", required_argument, NULL, ARG_TARGET },
                { "makedumpfile", required_argument, NULL, ARG_MAKEDUMPFILE },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int o;

        while ((o = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (o) {
                case ARG_CONFIG:
                        c->config_path = optarg;
                        break;
                case ARG_VMCORE:
                        /* makedumpfile runs in the dump directory: only absolute paths work. */
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "--vmcore= needs an absolute path, not '%s'.", optarg);
                        c->vmcore = optarg;
                        break;
                case ARG_TARGET:
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "--target= needs an absolute path, not '%s'.", optarg);
                        c->target = optarg;
                        break;
                case ARG_MAKEDUMPFILE:
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "--makedumpfile= needs an absolute path, not '%s'.", optarg);
                        c->makedumpfile = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("tinykdump-save %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "Unexpected argument '%s'.", argv[optind]);
        return 1;
}

static int load_config(Context *c) {
        _cleanup_(conf_diags_done) ConfDiagList diags = {};
        int r;

        /* The default path is looked up below $TINYKDUMP_ROOT like every other system file; an
         * explicit --config= is taken as given. */
        r = capture_config_load(c->config_path ? NULL : tk_root(), c->config_path ?: CAPTURE_CONFIG_PATH,
                                &c->config, &diags);
        conf_diags_log(&diags);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: capture failed: cannot use the capture configuration %s: %m",
                                       c->config_path ?: CAPTURE_CONFIG_PATH);
        return 0;
}

static void describe_identity(const BlockIdentity *id, char *buf, size_t l) {
        snprintf(buf, l, "TYPE=%s UUID=%s LABEL=%s PARTUUID=%s", strna(id->fstype), strna(id->uuid),
                 strna(id->label), strna(id->partuuid));
}

/* Waits (until TARGET_TIMEOUT_USEC after the capture kernel started, by CLOCK_BOOTTIME) for the
 * target to be mounted, then insists that it is the configured file system. */
static int wait_for_target(Context *c) {
        _cleanup_free_ char *kind = NULL;
        const char *value;
        char timeout[32];
        int r;

        r = capture_what_split(c->config.target_what, &kind, &value);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: capture failed: TARGET_WHAT=%s in %s is not KIND=VALUE.",
                                       strna(c->config.target_what), c->config_path ?: CAPTURE_CONFIG_PATH);
        snprintf(timeout, sizeof(timeout), "%gs", (double) c->config.target_timeout_usec / 1e6);

        for (;;) {
                target_check_done(&c->target_check);
                r = target_check(tk_root(), c->target, kind, value, c->config.target_fstype, block_probe_blkid,
                                 &c->target_check);
                if (r >= 0)
                        break;
                if ((r == -ENOENT || r == -ENOMEDIUM) && clock_now_usec(CLOCK_BOOTTIME) < c->config.target_timeout_usec) {
                        (void) usleep(TARGET_POLL_USEC);
                        continue;
                }
                if (r == -ENOENT || r == -ENOMEDIUM)
                        return log_error_errno(r, "tinykdump-save: capture failed: target %s (%s) did not appear within %s: "
                                               "nothing is mounted at %s.",
                                               c->config.target_what, strna(c->config.target_device), timeout, c->target);
                if (r == -EMEDIUMTYPE) {
                        char found[512];
                        describe_identity(&c->target_check.identity, found, sizeof(found));
                        return log_error_errno(r, "tinykdump-save: capture failed: %s mounted at %s is not the configured target %s%s%s "
                                               "(it has %s); refusing to write to it.",
                                               c->target_check.mount.source, c->target, c->config.target_what,
                                               c->config.target_fstype ? " of type " : "", strempty(c->config.target_fstype),
                                               found);
                }
                if (r == -EXDEV)
                        return log_error_errno(r, "tinykdump-save: capture failed: the device probed as %s is not the one mounted at %s "
                                                  "(%u:%u); refusing to write to it.",
                                               c->target_check.mount.source, c->target, c->target_check.mount.major,
                                               c->target_check.mount.minor);
                if (c->target_check.mount.source)
                        return log_error_errno(r, "tinykdump-save: capture failed: cannot identify %s mounted at %s: %m",
                                               c->target_check.mount.source, c->target);
                return log_error_errno(r, "tinykdump-save: capture failed: cannot check the target at %s: %m", c->target);
        }

        c->md.target_wait_usec = clock_now_usec(CLOCK_BOOTTIME);
        log_info("tinykdump-save: target %s (%s, %s) is mounted at %s.", c->config.target_what,
                 c->target_check.mount.source, c->target_check.mount.fstype, c->target);
        return 0;
}

#define IN_SPACE_ERROR(r) ((r) == -ENOSPC || (r) == -EDQUOT || (r) == -EFBIG)

/* Deletes one file that did not get written whole: truncated first, so that its blocks are free
 * even where an unlink alone would wait for something to let go of it. Returns the bytes freed. */
static uint64_t drop_file(Context *c, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(c->dir_fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return 0;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        if (ftruncate(fd, 0) < 0)
                log_warning_errno(-errno, "tinykdump-save: cannot truncate %s/%s: %m", c->dir_path, name);
        (void) fsync(fd);
        if (unlinkat(c->dir_fd, name, 0) < 0)
                log_warning_errno(-errno, "tinykdump-save: cannot delete %s/%s: %m", c->dir_path, name);
        (void) fsync(c->dir_fd);
        log_info("tinykdump-save: deleted the partial %s/%s (%" PRIu64 " bytes) to make room for the metadata.",
                 c->dir_path, name, (uint64_t) st.st_size);
        return (uint64_t) st.st_size ?: 1;
}

/* The partial files of this capture, for a target that has run out of room. */
static uint64_t drop_incomplete(Context *c) {
        return drop_file(c, DUMP_FILE_VMCORE_INCOMPLETE) + drop_file(c, DUMP_FILE_DMESG_INCOMPLETE);
}

/* Last resort on a full target: the new metadata cannot exist next to the old one, so the old one
 * is rewritten in place (its blocks are freed by the truncate and taken again). Not atomic: a
 * capture killed in between leaves a short file, which readers reject as malformed. */
static int overwrite_metadata(Context *c, const char *text, size_t n) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = openat(c->dir_fd, DUMP_FILE_METADATA, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -ENOSPC;   /* nothing to rewrite: the target is full */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (ftruncate(fd, 0) < 0)
                return -errno;
        r = loop_pwrite(fd, text, n, 0);
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return -errno;
        log_info("tinykdump-save: the target is full: rewrote %s/%s in place.", c->dir_path, DUMP_FILE_METADATA);
        return 0;
}

static int write_metadata(Context *c) {
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r;

        c->md.total_usec = clock_now_usec(CLOCK_BOOTTIME);
        r = dump_metadata_format(&c->md, &text, &n);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: cannot format the metadata: %m");
        r = write_atomic_at(c->dir_fd, DUMP_FILE_METADATA, text, n, 0600, WRITE_ATOMIC_DURABLE);
        if (IN_SPACE_ERROR(r) && drop_incomplete(c) > 0)
                /* The explanation matters more than half a file: room made, once more. */
                r = write_atomic_at(c->dir_fd, DUMP_FILE_METADATA, text, n, 0600, WRITE_ATOMIC_DURABLE);
        if (IN_SPACE_ERROR(r))
                r = overwrite_metadata(c, text, n);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: cannot write %s/%s: %m", c->dir_path, DUMP_FILE_METADATA);
        return 0;
}

/* Records why we are not (yet) complete; written before each phase, so an interrupted capture
 * leaves a metadata file that says where it stopped. */
static int set_reason(Context *c, DumpResult result, const char *format, ...) _printf_(3, 4);
static int set_reason(Context *c, DumpResult result, const char *format, ...) {
        va_list ap;
        char *s = NULL;

        c->md.result = result;
        if (format) {
                va_start(ap, format);
                if (vasprintf(&s, format, ap) < 0)
                        s = NULL;
                va_end(ap);
                if (!s)
                        return log_oom();
        }
        free(c->md.reason);
        c->md.reason = s;
        return 0;
}

static int fill_facts(Context *c) {
        _cleanup_free_ char *boot_id = NULL;
        const CaptureConfig *cc = &c->config;
        uint64_t real = clock_now_usec(CLOCK_REALTIME), boot = clock_now_usec(CLOCK_BOOTTIME);

        (void) read_one_line_file_at(tk_root(), "/proc/sys/kernel/random/boot_id", &boot_id);
        if (boot_id) {
                /* 8-4-4-4-12 → 32 hex digits, as journalctl -b takes it */
                char *w = boot_id;
                for (const char *p = boot_id; *p; p++)
                        if (*p != '-')
                                *w++ = *p;
                *w = 0;
        }

        if (dump_metadata_set(&c->md.tinykdump_version, PACKAGE_VERSION) < 0 ||
            dump_metadata_set(&c->md.kernel_release, cc->crashed_kernel_release) < 0 ||
            dump_metadata_set(&c->md.boot_id, cc->crashed_boot_id) < 0 ||
            dump_metadata_set(&c->md.machine_id, cc->crashed_machine_id) < 0 ||
            dump_metadata_set(&c->md.hostname, cc->crashed_hostname) < 0 ||
            dump_metadata_set(&c->md.capture_boot_id, boot_id) < 0 ||
            dump_metadata_set(&c->md.target, cc->target_what) < 0 ||
            dump_metadata_set(&c->md.target_device, c->target_check.mount.source) < 0 ||
            dump_metadata_set(&c->md.target_fstype, c->target_check.mount.fstype) < 0 ||
            dump_metadata_set(&c->md.format, "kdump-compressed") < 0)
                return log_oom();

        /* The capture kernel started right after the panic: realtime minus the time since then. */
        c->md.capture_time_usec = real;
        c->md.crash_time_usec = real > boot ? real - boot : real;

        char level[16];
        snprintf(level, sizeof(level), "%u", cc->dump_level);
        if (dump_metadata_set(&c->md.dump_level, level) < 0)
                return log_oom();
        return 0;
}

static int make_dump_dir(Context *c) {
        _cleanup_close_ int target_fd = -EBADF;
        _cleanup_free_ char *name = NULL, *used = NULL;
        const char *directory = c->config.target_directory ?: CAPTURE_DEFAULT_DIRECTORY;
        struct stat st;
        int r;

        target_fd = open(c->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (target_fd < 0)
                return log_error_errno(-errno, "tinykdump-save: capture failed: cannot open %s: %m", c->target);
        /* The directory we opened must be the file system we checked. */
        if (fstat(target_fd, &st) < 0)
                return log_error_errno(-errno, "tinykdump-save: capture failed: cannot stat %s: %m", c->target);
        if (target_check_same_device(&c->target_check, &st) < 0)
                return log_error_errno(-EXDEV, "tinykdump-save: capture failed: %s is no longer on the checked device %s "
                                               "(%u:%u); refusing to write to it.",
                                       c->target, strna(c->target_check.mount.source), c->target_check.mount.major,
                                       c->target_check.mount.minor);
        r = dumpdir_open_subdir(target_fd, directory, true, &c->parent_fd);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: capture failed: cannot create %s/%s: %m", c->target, directory);

        r = dumpdir_format_name(c->md.crash_time_usec, c->config.crashed_hostname, c->config.crashed_kernel_release,
                                !fstype_forbids_colon(c->target_check.mount.fstype), &name);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: capture failed: cannot name the dump directory: %m");
        r = dumpdir_create(c->parent_fd, name, &c->dir_fd, &used);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: capture failed: cannot create %s/%s/%s: %m", c->target,
                                       directory, name);
        if (asprintf(&c->dir_path, "%s/%s/%s", c->target, directory, used) < 0)
                return log_oom();
        if (dump_metadata_set(&c->md.directory, used) < 0)
                return log_oom();
        log_info("tinykdump-save: saving to %s", c->dir_path);
        return 0;
}

static void probe_makedumpfile(Context *c) {
        _cleanup_strv_free_ char **argv = NULL;
        Buffer out = {};
        int r, wstatus;

        r = makedumpfile_version_argv(c->makedumpfile, &argv);
        if (r >= 0)
                r = spawn_and_wait(argv, &(SpawnOptions) { .capture = &out, .capture_max = MAKEDUMPFILE_VERSION_OUTPUT_MAX },
                                   &wstatus);
        if (r >= 0 && (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0))
                r = -EPROTO;
        if (r >= 0)
                r = makedumpfile_parse_features((const char *) out.data, out.size, &c->features);
        buffer_done(&out);
        if (r < 0) {
                log_warning_errno(r, "tinykdump-save: cannot tell what %s supports (%m); using the configured compression.",
                                  c->makedumpfile);
                return;
        }
        c->have_features = true;
        (void) dump_metadata_set(&c->md.makedumpfile_version, c->features.version);
}

typedef struct Progress {
        Context *c;
        const char *file;
        uint64_t start;
} Progress;

static void report_progress(void *userdata) {
        Progress *p = userdata;
        struct stat st;
        char size[FORMAT_BYTES_MAX];

        if (fstatat(p->c->dir_fd, p->file, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        log_info("tinykdump-save: vmcore: %s written after %" PRIu64 "s",
                 format_bytes(size, sizeof(size), (uint64_t) st.st_size), (clock_now_usec(CLOCK_BOOTTIME) - p->start) / 1000000);
}

/* makedumpfile's output, collected rather than inherited so that its warnings can be recorded:
 * logged line by line (log escapes control characters) once it has finished. */
static void note_output(Context *c, const Buffer *out) {
        const char *data = (const char *) out->data;
        _cleanup_free_ char *w = NULL;

        for (size_t start = 0; start < out->size;) {
                const char *nl = memchr(data + start, '\n', out->size - start);
                size_t n = nl ? (size_t) (nl - (data + start)) : out->size - start;
                if (n > 0)
                        log_info("makedumpfile: %.*s", (int) n, data + start);
                start += n + 1;
        }
        if (makedumpfile_find_warning(data, out->size, &w) < 0 || c->md.makedumpfile_warning)
                return;
        log_warning("tinykdump-save: makedumpfile warned that the dump may be incomplete: %s", w);
        c->md.makedumpfile_warning = TAKE_PTR(w);
}

static int run_makedumpfile(Context *c, char **argv, bool progress, uint64_t *ret_code, MakedumpfileStatus *ret_status) {
        Progress p = { .c = c, .file = argv[strv_length(argv) - 1], .start = clock_now_usec(CLOCK_BOOTTIME) };
        _cleanup_(buffer_done) Buffer out = {};
        int r, wstatus;

        /* makedumpfile writes relative to the dump directory: no path of ours is ever joined
         * with a name from the crashed system and handed to it. */
        if (fchdir(c->dir_fd) < 0)
                return -errno;
        r = spawn_and_wait(argv,
                           &(SpawnOptions) {
                                   .capture = &out,
                                   .capture_max = MAKEDUMPFILE_OUTPUT_MAX,
                                   .capture_stderr = true,
                                   .timeout_usec = c->config.dump_timeout_usec,
                                   .progress_interval_usec = progress ? PROGRESS_INTERVAL_USEC : 0,
                                   .progress = progress ? report_progress : NULL,
                                   .userdata = &p,
                           },
                           &wstatus);
        note_output(c, &out);
        if (r == -ETIMEDOUT) {
                char ts[FORMAT_TIMESPAN_MAX];
                log_error("tinykdump-save: %s did not finish within [Dump] TimeoutSec=%s; stopped it.",
                          argv[0], format_timespan_usec(ts, sizeof(ts), c->config.dump_timeout_usec));
                *ret_code = MAKEDUMPFILE_TIMEOUT_CODE;
                *ret_status = MAKEDUMPFILE_TIMED_OUT;
                return 0;
        }
        if (r < 0) {
                *ret_code = 127;
                *ret_status = MAKEDUMPFILE_NOT_EXECUTED;
                return r;
        }
        *ret_status = makedumpfile_status_from_wait(wstatus, ret_code);
        return 0;
}

static int save_dmesg(Context *c) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *text = NULL, *panic = NULL;
        MakedumpfileStatus s;
        uint64_t code, size, t0 = clock_now_usec(CLOCK_BOOTTIME);
        char sz[FORMAT_BYTES_MAX];
        int r;

        /* Start from nothing: no stale half of an earlier attempt in a reused directory. */
        (void) unlinkat(c->dir_fd, DUMP_FILE_DMESG_INCOMPLETE, 0);
        r = makedumpfile_dmesg_argv(c->makedumpfile, c->vmcore, DUMP_FILE_DMESG_INCOMPLETE, &argv);
        if (r < 0)
                return log_oom();
        r = run_makedumpfile(c, argv, false, &code, &s);
        c->md.dmesg_usec = clock_now_usec(CLOCK_BOOTTIME) - t0;
        c->md.dmesg_status = code;
        c->dmesg_status = s;
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: saving dmesg failed: cannot execute %s: %m", c->makedumpfile);
        if (s != MAKEDUMPFILE_COMPLETED) {
                uint64_t free_after;
                /* A target full before the crash: the half log goes, so the metadata can say so. */
                if (fd_free_bytes(c->dir_fd, &free_after) >= 0 && free_after < SPACE_FULL_THRESHOLD) {
                        char fr[FORMAT_BYTES_MAX];
                        (void) drop_file(c, DUMP_FILE_DMESG_INCOMPLETE);
                        c->space = SPACE_FULL;
                        c->md.target_free = free_after;
                        (void) dump_metadata_set(&c->md.space, space_verdict_to_string(SPACE_FULL));
                        free(c->space_reason);
                        if (asprintf(&c->space_reason, "the target is full (%s free)",
                                     format_bytes(fr, sizeof(fr), free_after)) < 0)
                                c->space_reason = NULL;
                }
                return log_error_errno(-EIO, "tinykdump-save: saving dmesg failed: makedumpfile --dump-dmesg %s (exit status %" PRIu64 ")%s%s.",
                                       makedumpfile_status_to_string(s), code, c->space_reason ? ": " : "",
                                       strempty(c->space_reason));
        }

        r = dumpdir_commit_file_at(c->dir_fd, DUMP_FILE_DMESG_INCOMPLETE, DUMP_FILE_DMESG, &size);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: saving dmesg failed: cannot sync %s/" DUMP_FILE_DMESG ": %m",
                                       c->dir_path);
        c->md.dmesg_size = size;
        log_info("tinykdump-save: dmesg saved to %s/" DUMP_FILE_DMESG " (%s)", c->dir_path, format_bytes(sz, sizeof(sz), size));

        _cleanup_free_ char *path = path_join(c->dir_path, DUMP_FILE_DMESG);
        if (!path)
                return log_oom();
        size_t n;
        r = read_full_file_at(NULL, path, DMESG_READ_MAX, &text, &n);
        if (r >= 0)
                r = dmesg_find_panic_message(text, n, PANIC_MESSAGE_MAX, &panic);
        if (r >= 0) {
                log_info("tinykdump-save: the crashed kernel said: Kernel panic - not syncing: %s", panic);
                c->md.panic_message = TAKE_PTR(panic);
        } else if (r == -ENOENT)
                log_info("tinykdump-save: no 'Kernel panic - not syncing' line in " DUMP_FILE_DMESG ".");
        else
                log_warning_errno(r, "tinykdump-save: cannot read back %s: %m", path);
        return 0;
}

/* Writes MAKEDUMPFILE_VMCOREINFO_FILE into the dump directory when the crashed kernel's VMCOREINFO
 * needs amending for makedumpfile (makedumpfile_vmcoreinfo_amend()) and returns 1; 0 when it does
 * not, or when it cannot be read here (makedumpfile then reads the note itself, as always). */
static int write_amended_vmcoreinfo(Context *c) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        _cleanup_free_ char *amended = NULL;
        const char *text = NULL;
        size_t size = 0;
        int r;

        if (vmcore_open(c->vmcore, &v) < 0)
                return 0;
        if (vmcore_get_elf(v))
                text = vmcore_elf_vmcoreinfo(vmcore_get_elf(v), &size);
        else if (vmcore_get_kdump(v))
                text = vmcore_kdump_vmcoreinfo(vmcore_get_kdump(v), &size);
        if (!text)
                return 0;
        r = makedumpfile_vmcoreinfo_amend(text, size, &amended);
        if (r == -EBADMSG) {
                log_warning("tinykdump-save: %s: the VMCOREINFO line OFFSET(page.compound_info) is not a number; "
                            "makedumpfile reads the note as it is.", c->vmcore);
                return 0;
        }
        if (r <= 0)
                return r;
        r = write_atomic_at(c->dir_fd, MAKEDUMPFILE_VMCOREINFO_FILE, amended, strlen(amended), 0600, 0);
        if (r < 0)
                return log_warning_errno(r, "tinykdump-save: cannot write %s/" MAKEDUMPFILE_VMCOREINFO_FILE " (%m); makedumpfile "
                                         "may drop compound tail pages of kernel memory as user pages.", c->dir_path), 0;
        log_info("tinykdump-save: the crashed kernel's VMCOREINFO names page.compound_info (Linux 7.1 and later); "
                 "handing it to makedumpfile with page.compound_head added (-i), so that it keeps compound tail pages.");
        return 1;
}

static const char *fat_note(const Context *c) {
        return fstype_file_size_max(c->md.target_fstype) != UINT64_MAX ? " (vfat holds at most 4 GiB - 1 byte per file)" : "";
}

/* Appends name to the space-separated list *names of length *len, as long as the list fits one
 * metadata value. false when it does not fit (or on OOM, logged). */
static bool names_append(char **names, size_t *len, const char *name) {
        size_t l = strlen(name);
        char *nn;

        if (*len + l + 1 >= METADATA_VALUE_MAX)
                return false;
        nn = realloc(*names, *len + l + 2);
        if (!nn) {
                log_oom();
                return false;
        }
        *names = nn;
        if (*len > 0)
                nn[(*len)++] = ' ';
        memcpy(nn + *len, name, l + 1);
        *len += l;
        return true;
}

/* [Target] MaxUse=, KeepFree= (retention.h): before the vmcore, the oldest complete dumps the
 * host reported go until the limits hold, so that the room they leave counts in the space check.
 * A deletion an earlier capture was interrupted in is finished first. What went is recorded in
 * RETENTION_DELETED= and RETENTION_FREED=. */
static void apply_retention(Context *c) {
        const RetentionLimit *max_use = &c->config.retention_max_use, *keep_free = &c->config.retention_keep_free;
        char fr[FORMAT_BYTES_MAX], lim[FORMAT_BYTES_MAX], use[FORMAT_BYTES_MAX];
        _cleanup_free_ size_t *idx = NULL;
        _cleanup_free_ char *names = NULL;
        RetentionDump *d = NULL;
        uint64_t fs_size, free_bytes, used = 0, freed_total = 0, freed_plan = 0;
        struct statvfs sv;
        size_t n = 0, k, deleted = 0, len = 0;
        int r;

        if (!max_use->set && !keep_free->set)
                return;
        if (fstatvfs(c->parent_fd, &sv) < 0) {
                log_warning_errno(-errno, "tinykdump-save: retention: cannot tell the size of %s: %m; nothing deleted.", c->target);
                return;
        }
        fs_size = (uint64_t) sv.f_blocks * (sv.f_frsize ?: sv.f_bsize);
        free_bytes = (uint64_t) sv.f_bavail * (sv.f_frsize ?: sv.f_bsize);

        _cleanup_strv_free_ char **interrupted = NULL;
        r = retention_finish_interrupted(c->parent_fd, &interrupted, &freed_total);
        if (r < 0)
                log_warning_errno(r, "tinykdump-save: retention: cannot finish a deletion an earlier capture was "
                                  "interrupted in on %s: %m.", c->target);
        STRV_FOREACH(e, interrupted) {
                log_info("tinykdump-save: retention: finished deleting the dump %s, which an earlier capture was "
                         "interrupted in deleting.", *e);
                if (names_append(&names, &len, *e))
                        deleted++;
        }
        if (freed_total > 0)
                (void) fd_free_bytes(c->parent_fd, &free_bytes);

        r = retention_scan(c->parent_fd, c->md.directory, c->config.retention_reported, c->target_check.identity.uuid, &d, &n);
        if (r < 0) {
                log_warning_errno(r, "tinykdump-save: retention: cannot read the dump directories on %s: %m; nothing deleted.",
                                  c->target);
                goto record;
        }
        for (size_t i = 0; i < n; i++)
                used += d[i].bytes;
        format_bytes(fr, sizeof(fr), free_bytes);
        format_bytes(use, sizeof(use), used);
        if (!retention_over(max_use, keep_free, fs_size, used, free_bytes)) {
                log_info("tinykdump-save: retention: %zu earlier dump%s use %s, %s free: within MaxUse=/KeepFree=.", n,
                         n == 1 ? "" : "s", use, fr);
                goto record;
        }
        idx = calloc(n ?: 1, sizeof(size_t));
        if (!idx) {
                log_oom();
                goto record;
        }
        k = retention_plan(d, n, max_use, keep_free, fs_size, free_bytes, idx);
        for (size_t j = 0; j < k; j++) {
                const char *name = d[idx[j]].name;
                uint64_t freed = 0;

                /* Everything deleted is named in the metadata: no more than one value holds. */
                if (len + strlen(name) + 1 >= METADATA_VALUE_MAX)
                        break;
                r = retention_delete_dir(c->parent_fd, name, &freed);
                if (r < 0) {
                        log_warning_errno(r, "tinykdump-save: retention: cannot delete %s/%s: %m; kept.",
                                          c->target, name);
                        continue;
                }
                log_info("tinykdump-save: retention: deleted the dump %s (%s, reported, complete).", name,
                         format_bytes(fr, sizeof(fr), freed));
                freed_plan += freed;
                if (!names_append(&names, &len, name))
                        break;
                deleted++;
        }
        freed_total += freed_plan;
        (void) fd_free_bytes(c->parent_fd, &free_bytes);
        used -= MIN(used, freed_plan);
        if (retention_over(max_use, keep_free, fs_size, used, free_bytes)) {
                size_t unreported = 0, incomplete = 0, odd = 0;
                for (size_t i = 0; i + 1 < n; i++) {
                        unreported += !d[i].reported;
                        incomplete += d[i].reported && !d[i].complete;
                        odd += d[i].reported && d[i].complete && !d[i].clean;
                }
                format_bytes(fr, sizeof(fr), free_bytes);
                format_bytes(use, sizeof(use), used);
                format_bytes(lim, sizeof(lim), keep_free->set ? retention_limit_bytes(keep_free, fs_size)
                                                              : retention_limit_bytes(max_use, fs_size));
                log_warning("tinykdump-save: retention: deleted %zu dump%s, still over the limits (%s in dumps, %s free, "
                            "%s %s): %zu not reported on the host yet, %zu not complete, %zu holding other files, and "
                            "the newest are kept.", deleted, deleted == 1 ? "" : "s", use, fr,
                            keep_free->set ? "KeepFree=" : "MaxUse=", lim, unreported, incomplete, odd);
        }
record:
        if (deleted > 0) {
                (void) dump_metadata_set(&c->md.retention_deleted, names);
                c->md.retention_freed = freed_total;
                (void) syncfs(c->parent_fd);
                if (c->space == SPACE_FULL) {
                        /* dmesg.txt found it full; the vmcore gets its chance in the room made. */
                        c->space = SPACE_UNKNOWN;
                        (void) dump_metadata_set(&c->md.space, NULL);
                        free(c->space_reason);
                        c->space_reason = NULL;
                }
        }
        retention_dumps_free(d, n);
}

/* Is there room for the vmcore? Records the memory size, the free bytes and the bounds, and says
 * so before writing when the dump may not fit or may exceed the file system's file size limit.
 * Returns -ENOSPC when not even the lower bound fits: then the vmcore is not tried. */
static int check_space(Context *c, bool compressed) {
        char mem[FORMAT_BYTES_MAX], fr[FORMAT_BYTES_MAX], lo[FORMAT_BYTES_MAX], hi[FORMAT_BYTES_MAX];
        struct stat st;
        uint64_t free_bytes;
        int r;

        if (c->space == SPACE_FULL)   /* dmesg.txt found the target full already */
                return log_error_errno(-ENOSPC, "tinykdump-save: saving vmcore failed: %s; vmcore not tried.",
                                       strna(c->space_reason));
        if (stat(c->vmcore, &st) < 0 || st.st_size <= 0) {
                log_warning_errno(-errno, "tinykdump-save: cannot tell the size of %s; not checking the room on the target.",
                                  c->vmcore);
                return 0;
        }
        r = fd_free_bytes(c->dir_fd, &free_bytes);
        if (r < 0) {
                log_warning_errno(r, "tinykdump-save: cannot tell the free space on %s: %m", c->target);
                return 0;
        }
        SpaceEstimate e = space_estimate((uint64_t) st.st_size, 4096, c->config.dump_level, compressed);
        c->md.memory_size = (uint64_t) st.st_size;
        c->md.target_free = free_bytes;
        c->md.vmcore_estimate = e.max;
        c->md.vmcore_minimum = e.min;
        c->space = space_check(free_bytes, &e);
        (void) dump_metadata_set(&c->md.space, space_verdict_to_string(c->space));
        format_bytes(mem, sizeof(mem), c->md.memory_size);
        format_bytes(fr, sizeof(fr), free_bytes);
        format_bytes(lo, sizeof(lo), e.min);
        format_bytes(hi, sizeof(hi), e.max);

        if (c->space == SPACE_INSUFFICIENT) {
                free(c->space_reason);
                if (asprintf(&c->space_reason,
                             "the target has %s free, a dump of %s of memory at dump level %u needs at least %s "
                             "(up to %s); vmcore not tried", fr, mem, c->config.dump_level, lo, hi) < 0)
                        c->space_reason = NULL;
                return log_error_errno(-ENOSPC, "tinykdump-save: saving vmcore failed: %s.", strna(c->space_reason));
        }
        if (c->space == SPACE_TIGHT)
                log_warning("tinykdump-save: the target has %s free; a dump of %s of memory may need up to %s "
                            "(at least %s): trying, the partial file is deleted if it does not fit.", fr, mem, hi, lo);
        else
                log_info("tinykdump-save: the target has %s free; a dump of %s of memory needs at most %s.", fr, mem, hi);
        if (e.max > fstype_file_size_max(c->md.target_fstype))
                log_warning("tinykdump-save: the vmcore may exceed the %s file size limit%s: up to %s for %s of memory. "
                            "If it does, it is deleted and only " DUMP_FILE_DMESG " is kept; an ext4 target or a "
                            "filtering dump level avoids that.", c->md.target_fstype, fat_note(c), hi, mem);
        return 0;
}

/* After a failed vmcore: a full target or a file size limit explains it; then the partial file
 * goes first, so that the metadata that says so fits. */
static void explain_failure(Context *c, uint64_t partial_size) {
        char fr[FORMAT_BYTES_MAX], sz[FORMAT_BYTES_MAX], hi[FORMAT_BYTES_MAX];
        uint64_t free_after = UINT64_MAX;
        SpaceVerdict v;

        (void) fd_free_bytes(c->dir_fd, &free_after);
        v = space_classify_failure(c->md.target_fstype, free_after, partial_size);
        if (v == SPACE_UNKNOWN)
                return;
        c->space = v;
        (void) dump_metadata_set(&c->md.space, space_verdict_to_string(v));
        (void) drop_file(c, DUMP_FILE_VMCORE_INCOMPLETE);
        c->md.vmcore_size = METADATA_UNSET;

        format_bytes(sz, sizeof(sz), partial_size);
        format_bytes(hi, sizeof(hi), c->md.vmcore_estimate != METADATA_UNSET ? c->md.vmcore_estimate : 0);
        format_bytes(fr, sizeof(fr), c->md.target_free != METADATA_UNSET ? c->md.target_free : 0);
        free(c->space_reason);
        if (v == SPACE_FILE_LIMIT)
                (void) asprintf(&c->space_reason,
                                "the vmcore reached the %s file size limit%s after %s (up to %s needed); the partial "
                                "vmcore was deleted", c->md.target_fstype, fat_note(c), sz, hi);
        else
                (void) asprintf(&c->space_reason,
                                "the target filled up after %s of the vmcore (%s free before it, up to %s needed); the "
                                "partial vmcore was deleted", sz, fr, hi);
        log_error("tinykdump-save: saving vmcore failed: %s.", strna(c->space_reason));
}

/* The saved vmcore, read back with tinykdump's own readers: makedumpfile's exit status 0 is not
 * taken as proof (see verify.h). Only -ENOMEM fails; the verdict goes into the metadata. */
static int verify_vmcore(Context *c) {
        _cleanup_(dump_verdict_done) DumpVerdict d = {};
        _cleanup_close_ int fd = -EBADF;
        uint64_t t0 = clock_now_usec(CLOCK_BOOTTIME);
        int r;

        fd = dumpdir_open_regular_at(c->dir_fd, DUMP_FILE_VMCORE, NULL);
        if (fd < 0) {
                if (asprintf(&d.reason, "cannot open it again: %s", strerror(-fd)) < 0)
                        return log_oom();
        } else {
                r = dump_verify_fd(fd, c->config.crashed_kernel_release, &d);
                if (r < 0)
                        return log_oom();
        }
        if (dump_metadata_set(&c->md.verified, d.ok ? "yes" : "no") < 0)
                return log_oom();
        c->md.verify_reason = TAKE_PTR(d.reason);
        if (d.ok)
                log_info("tinykdump-save: vmcore verified in %.1fs: %s", (double) (clock_now_usec(CLOCK_BOOTTIME) - t0) / 1e6,
                         c->md.verify_reason);
        else
                log_error("tinykdump-save: vmcore saved, but reading it back failed: %s", c->md.verify_reason);
        return 0;
}

static int save_vmcore(Context *c) {
        _cleanup_strv_free_ char **argv = NULL;
        MakedumpfileStatus s;
        uint64_t code, size, t0 = clock_now_usec(CLOCK_BOOTTIME);
        char sz[FORMAT_BYTES_MAX];
        CaptureCompression wanted = c->config.dump_compression;
        CaptureCompression used;
        int r;

        used = makedumpfile_effective_compression(wanted, c->have_features ? &c->features : NULL);
        if (used != wanted) {
                log_warning("tinykdump-save: %s %s was built without %s support; using %s.", c->makedumpfile,
                            strna(c->features.version), strna(capture_compression_to_string(wanted)),
                            strna(capture_compression_to_string(used)));
                (void) dump_metadata_set(&c->md.compression_configured, capture_compression_to_string(wanted));
        }
        if (dump_metadata_set(&c->md.compression, capture_compression_to_string(used)) < 0)
                return log_oom();

        apply_retention(c);
        r = check_space(c, used != CAPTURE_COMPRESSION_NONE);
        (void) write_metadata(c);
        if (r < 0)
                return r;

        (void) unlinkat(c->dir_fd, DUMP_FILE_VMCORE_INCOMPLETE, 0);
        bool amended = write_amended_vmcoreinfo(c) > 0;
        r = makedumpfile_dump_argv(c->makedumpfile, c->config.dump_level, used,
                                   amended ? MAKEDUMPFILE_VMCOREINFO_FILE : NULL, c->vmcore, DUMP_FILE_VMCORE_INCOMPLETE, &argv);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: saving vmcore failed: bad options: %m");
        log_info("tinykdump-save: saving vmcore (dump level %u, %s compression)", c->config.dump_level,
                 strna(capture_compression_to_string(used)));

        r = run_makedumpfile(c, argv, true, &code, &s);
        c->md.vmcore_usec = clock_now_usec(CLOCK_BOOTTIME) - t0;
        if (amended)
                (void) unlinkat(c->dir_fd, MAKEDUMPFILE_VMCOREINFO_FILE, 0);
        c->md.makedumpfile_status = code;
        c->vmcore_status = s;
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: saving vmcore failed: cannot execute %s: %m", c->makedumpfile);
        if (s != MAKEDUMPFILE_COMPLETED) {
                /* Keep vmcore.incomplete for forensics (the metadata says it is not a dump) —
                 * unless it filled the target: then it goes, for the metadata's sake. */
                if (fsync_file_at(c->dir_fd, DUMP_FILE_VMCORE_INCOMPLETE, &size) >= 0)
                        c->md.vmcore_size = size;
                else
                        size = UINT64_MAX;
                explain_failure(c, size);
                return log_error_errno(-EIO, "tinykdump-save: saving vmcore failed: makedumpfile %s (exit status %" PRIu64 ").",
                                       makedumpfile_status_to_string(s), code);
        }

        /* Secrets out before the dump becomes visible as vmcore (the commit fsync()s what was rewritten). */
        r = save_erase(tk_root(), c->vmcore, c->dir_fd, DUMP_FILE_VMCORE_INCOMPLETE, &c->md);
        if (r < 0) {
                c->erase_failed = true;
                return r;
        }

        r = dumpdir_commit_file_at(c->dir_fd, DUMP_FILE_VMCORE_INCOMPLETE, DUMP_FILE_VMCORE, &size);
        if (r < 0)
                return log_error_errno(r, "tinykdump-save: saving vmcore failed: cannot sync %s/" DUMP_FILE_VMCORE ": %m",
                                       c->dir_path);
        c->md.vmcore_size = size;
        log_info("tinykdump-save: vmcore saved to %s/" DUMP_FILE_VMCORE " (%s in %.1fs)", c->dir_path,
                 format_bytes(sz, sizeof(sz), size), (double) c->md.vmcore_usec / 1e6);
        return verify_vmcore(c);
}

/* What a makedumpfile run ended with, for REASON= and the journal. A timeout names the setting the
 * user wrote in tinykdump.conf, [Dump] TimeoutSec=, with its value. */
static const char *status_text(const Context *c, MakedumpfileStatus s, uint64_t code, char *buf, size_t l) {
        char ts[FORMAT_TIMESPAN_MAX];

        if (s == MAKEDUMPFILE_COMPLETED)
                snprintf(buf, l, "succeeded but its output could not be synced");
        else if (s == MAKEDUMPFILE_TIMED_OUT)
                snprintf(buf, l, "did not finish within [Dump] TimeoutSec=%s and was stopped (exit status %" PRIu64 ")",
                         format_timespan_usec(ts, sizeof(ts), c->config.dump_timeout_usec), code);
        else if (s >= 0 && s < _MAKEDUMPFILE_STATUS_MAX)
                snprintf(buf, l, "%s (exit status %" PRIu64 ")", makedumpfile_status_to_string(s), code);
        else
                snprintf(buf, l, "did not run");
        return buf;
}

/* Last: the capture boot's own journal, up to the line above, as capture.journal next to the dump
 * (journalctl --file= reads it). Best effort: the dump is already saved and synced. */
static void save_capture_journal(Context *c) {
        uint64_t size;
        char sz[FORMAT_BYTES_MAX];
        int r;

        /* Under a fake root (tests) there is no journald of its own to sync. */
        r = tk_root() ? 0 : journal_sync(JOURNAL_SYNC_TIMEOUT_USEC);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "tinykdump-save: journalctl --sync failed (%m); the journal copy may miss the last lines.");
        r = capture_journal_save(tk_root(), c->dir_fd, &size);
        if (r == -ENOENT)
                log_info("tinykdump-save: no journal in /run/log/journal; %s not saved.", DUMP_FILE_CAPTURE_JOURNAL);
        else if (r < 0)
                log_warning_errno(r, "tinykdump-save: cannot save the capture journal to %s/%s: %m", c->dir_path,
                                  DUMP_FILE_CAPTURE_JOURNAL);
        else
                log_info("tinykdump-save: capture journal saved to %s/%s (%s)", c->dir_path, DUMP_FILE_CAPTURE_JOURNAL,
                         format_bytes(sz, sizeof(sz), size));
}

static int run(Context *c) {
        char buf1[128], buf2[128];
        int r, r_dmesg, r_vmcore;

        r = load_config(c);
        if (r < 0)
                return EXIT_USAGE;

        log_info("tinykdump-save: capturing the crash of %s %s (boot %s)", strna(c->config.crashed_hostname),
                 strna(c->config.crashed_kernel_release), strna(c->config.crashed_boot_id));

        r = wait_for_target(c);
        if (r < 0)
                return EXIT_NO_TARGET;

        r = fill_facts(c);
        if (r < 0)
                return EXIT_CAPTURE_FAILED;
        r = make_dump_dir(c);
        if (r < 0)
                return EXIT_CAPTURE_FAILED;

        (void) set_reason(c, DUMP_RESULT_FAILED, "interrupted while saving dmesg");
        (void) write_metadata(c);

        probe_makedumpfile(c);

        r_dmesg = save_dmesg(c);
        (void) set_reason(c, r_dmesg >= 0 ? DUMP_RESULT_DMESG_ONLY : DUMP_RESULT_FAILED, "interrupted while saving vmcore");
        (void) write_metadata(c);

        r_vmcore = save_vmcore(c);

        if (c->erase_failed)
                (void) set_reason(c, r_dmesg >= 0 ? DUMP_RESULT_DMESG_ONLY : DUMP_RESULT_FAILED,
                                  DUMP_FILE_VMCORE " deleted: erasing secrets from it failed: %s", strna(c->md.erase_reason));
        else if (r_vmcore >= 0 && r_dmesg >= 0 && c->md.erase && streq(c->md.erase, "failed"))
                (void) set_reason(c, DUMP_RESULT_COMPLETE,
                                  DUMP_FILE_VMCORE " kept (OnFailure=keep) although erasing secrets failed: %s",
                                  strna(c->md.erase_reason));
        else if (r_vmcore >= 0 && c->md.verified && streq(c->md.verified, "no"))
                (void) set_reason(c, DUMP_RESULT_COMPLETE, DUMP_FILE_VMCORE " saved, but reading it back failed: %s%s%s",
                                  strna(c->md.verify_reason), c->md.makedumpfile_warning ? "; makedumpfile warned: " : "",
                                  strempty(c->md.makedumpfile_warning));
        else if (r_vmcore >= 0 && r_dmesg >= 0)
                (void) set_reason(c, DUMP_RESULT_COMPLETE, NULL);
        else if (r_vmcore >= 0)
                (void) set_reason(c, DUMP_RESULT_COMPLETE, DUMP_FILE_DMESG " not saved: makedumpfile --dump-dmesg %s",
                                  status_text(c, c->dmesg_status, c->md.dmesg_status, buf1, sizeof(buf1)));
        else if (r_dmesg >= 0 && c->space_reason && c->vmcore_status == _MAKEDUMPFILE_STATUS_MAX)
                (void) set_reason(c, DUMP_RESULT_DMESG_ONLY, DUMP_FILE_VMCORE " not saved: %s", c->space_reason);
        else if (r_dmesg >= 0 && c->space_reason)
                (void) set_reason(c, DUMP_RESULT_DMESG_ONLY, DUMP_FILE_VMCORE " not saved: makedumpfile %s: %s",
                                  status_text(c, c->vmcore_status, c->md.makedumpfile_status, buf1, sizeof(buf1)),
                                  c->space_reason);
        else if (r_dmesg >= 0)
                (void) set_reason(c, DUMP_RESULT_DMESG_ONLY, DUMP_FILE_VMCORE " not saved: makedumpfile %s",
                                  status_text(c, c->vmcore_status, c->md.makedumpfile_status, buf1, sizeof(buf1)));
        else
                (void) set_reason(c, DUMP_RESULT_FAILED, "nothing saved: makedumpfile --dump-dmesg %s; makedumpfile %s%s%s",
                                  status_text(c, c->dmesg_status, c->md.dmesg_status, buf1, sizeof(buf1)),
                                  status_text(c, c->vmcore_status, c->md.makedumpfile_status, buf2, sizeof(buf2)),
                                  c->space_reason ? ": " : "", strempty(c->space_reason));

        r = write_metadata(c);
        if (syncfs(c->dir_fd) < 0)
                log_warning_errno(-errno, "tinykdump-save: syncfs on %s failed: %m", c->target);

        int ret;
        if (c->md.result == DUMP_RESULT_COMPLETE && !c->md.reason && r >= 0) {
                log_info("tinykdump-save: capture complete: %s", c->dir_path);
                ret = EXIT_COMPLETE;
        } else {
                log_error("tinykdump-save: capture failed: %s: %s", dump_result_to_string(c->md.result),
                          c->md.reason ?: "the metadata could not be written");
                ret = EXIT_CAPTURE_FAILED;
        }
        save_capture_journal(c);
        return ret;
}

int main(int argc, char **argv) {
        Context c = {
                .vmcore = DEFAULT_VMCORE,
                .target = CAPTURE_TARGET_MOUNT_POINT,
                .dir_fd = -EBADF,
                .parent_fd = -EBADF,
                .dmesg_status = _MAKEDUMPFILE_STATUS_MAX,
                .vmcore_status = _MAKEDUMPFILE_STATUS_MAX,
        };
        int r, ret;

        log_setup("tinykdump-save", LOG_TARGET_AUTO);
        log_parse_environment();

        r = parse_argv(&c, argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (!c.makedumpfile) {
                c.makedumpfile = makedumpfile_paths[0];
                for (size_t i = 0; i < ELEMENTSOF(makedumpfile_paths); i++)
                        if (access(makedumpfile_paths[i], X_OK) >= 0) {
                                c.makedumpfile = makedumpfile_paths[i];
                                break;
                        }
        }

        /* Dumps hold the whole kernel memory: nothing we create is for anyone else. */
        umask(0077);

        capture_config_init(&c.config);
        dump_metadata_init(&c.md);
        c.start_boottime = clock_now_usec(CLOCK_BOOTTIME);

        ret = run(&c);

        capture_config_done(&c.config);
        target_check_done(&c.target_check);
        dump_metadata_done(&c.md);
        makedumpfile_features_done(&c.features);
        free(c.dir_path);
        free(c.space_reason);
        if (c.dir_fd >= 0)
                (void) close(c.dir_fd);
        if (c.parent_fd >= 0)
                (void) close(c.parent_fd);
        return ret;
}
