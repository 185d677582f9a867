/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump dmesg|uname ID|PATH: the kernel log and the utsname of the crashed kernel, read from
 * the vmcore itself (ELF or kdump-compressed) through VMCOREINFO, without vmlinux or debuginfo. */
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include "capture-config.h"
#include "dump-files.h"
#include "dumpdir.h"
#include "json.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "tinykdump-report.h"
#include "tinykdump-vmcore.h"
#include "vmcore.h"

/* Opens the dump directory a journal record names, on its target disk: the disk is found by its
 * UUID, its identity checked with libblkid, and its file system mounted read-only in a private
 * mount namespace unless it is mounted already. */
static int open_record_dir(const ReportRecord *rec, int *ret_fd) {
        _cleanup_free_ char *dev = NULL, *where = NULL, *what = NULL;
        _cleanup_close_ int target_fd = -EBADF;
        BlockIdentity id = {};
        bool mounted;
        int r;

        if (!rec->target_uuid || !rec->directory)
                return log_error_errno(-ENOENT, "The record of dump '%s' does not say where it was saved; give its path.",
                                       rec->id);
        if (asprintf(&what, "UUID=%s", rec->target_uuid) < 0)
                return log_oom();
        r = capture_target_device_from_what(what, &dev);
        if (r < 0)
                return log_error_errno(r, "Dump '%s' has an unusable target UUID '%s'.", rec->id, rec->target_uuid);
        if (access(dev, F_OK) < 0)
        {
                /* The target is usually named by the same UUID: say it once. */
                bool same = rec->target && strcasecmp(rec->target, what) == 0;
                return log_error_errno(-ENODEV, "The disk holding dump '%s' (%s%s%s) is not attached; attach it or give "
                                                "the dump's path.",
                                       rec->id, same ? what : strna(rec->target), same ? "" : ", UUID ",
                                       same ? "" : rec->target_uuid);
        }
        r = block_probe_blkid(dev, &id);
        if (r < 0)
                return log_error_errno(r, "Failed to probe %s: %m", dev);
        if (!id.uuid || strcasecmp(id.uuid, rec->target_uuid) != 0) {
                block_identity_done(&id);
                return log_error_errno(-EMEDIUMTYPE, "%s is not the file system with UUID %s.", dev, rec->target_uuid);
        }
        r = report_target_open(dev, id.fstype, &target_fd, &where, &mounted);
        block_identity_done(&id);
        if (r < 0)
                return log_error_errno(r, "Failed to open the file system on %s: %m", dev);
        r = dumpdir_open_subdir(target_fd, rec->directory, false, ret_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open %s on %s: %m", rec->directory, dev);
        return 0;
}

/* Whether the file starts like a dump: an ELF file, or makedumpfile's kdump-compressed
 * ("KDUMP   "), diskdump or flattened ("makedumpfile") formats. */
static bool has_dump_magic(int fd) {
        char m[12];

        if (pread(fd, m, sizeof(m), 0) != (ssize_t) sizeof(m))
                return false;
        return memcmp(m, "\177ELF", 4) == 0 || memcmp(m, "KDUMP   ", 8) == 0 || memcmp(m, "DISKDUMP", 8) == 0 ||
               memcmp(m, "makedumpfile", 12) == 0;
}

/* ARG is a vmcore file, a dump directory holding "vmcore", or a dump id from `tinykdump list` (looked
 * up in the journal that o names). */
static int open_vmcore_arg(const TinykdumpOptions *o, const char *arg, Vmcore **ret) {
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        struct stat st;
        int r;

        if (strchr(arg, '/') || stat(arg, &st) >= 0) {
                if (stat(arg, &st) < 0)
                        return log_error_errno(-errno, "Cannot access %s: %m", arg);
                if (S_ISDIR(st.st_mode)) {
                        dir_fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dir_fd < 0)
                                return log_error_errno(-errno, "Failed to open %s: %m", arg);
                } else {
                        fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY); /* a FIFO must not block */
                        if (fd < 0)
                                return log_error_errno(-errno, "Failed to open %s: %m", arg);
                }
        } else {
                ReportRecord *recs = NULL;
                size_t n = 0, i;

                r = report_read_records(o, &recs, &n);
                if (r < 0)
                        return r;
                r = report_records_find(recs, n, arg, &i);
                if (r == -ENOTUNIQ)
                        log_error("'%s' names more than one dump; give more of the id (see tinykdump list).", arg);
                else if (r < 0)
                        log_error("'%s' is neither a file nor a dump in the journal (see tinykdump list).", arg);
                else
                        r = open_record_dir(&recs[i], &dir_fd);
                report_records_free(recs, n);
                if (r < 0)
                        return r;
        }

        if (fd < 0) {
                fd = openat(dir_fd, DUMP_FILE_VMCORE, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
                if (fd < 0 && errno == ENOENT) {
                        if (faccessat(dir_fd, DUMP_FILE_DMESG, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                                return log_error_errno(-ENOENT, "The dump '%s' has no " DUMP_FILE_VMCORE ": only "
                                                       DUMP_FILE_DMESG " was saved (read that file itself).", arg);
                        return log_error_errno(-ENOENT, "'%s' is not a dump directory: it holds no " DUMP_FILE_VMCORE
                                               " (give a vmcore file, a dump directory or an ID from tinykdump list).",
                                               arg);
                }
                if (fd < 0 && errno == ELOOP)
                        return log_error_errno(-ELOOP, "The " DUMP_FILE_VMCORE " of '%s' is a symbolic link; tinykdump "
                                               "does not follow links on a dump target.", arg);
                if (fd < 0)
                        return log_error_errno(-errno, "Failed to open the " DUMP_FILE_VMCORE " of '%s': %m", arg);
        }
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "Failed to stat the vmcore of %s: %m", arg);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EBADFD, "The vmcore of %s is not a regular file.", arg);

        r = vmcore_open_fd(fd, ret);
        if (r == -EPROTONOSUPPORT)
                return log_error_errno(r, "%s: a vmcore format or architecture tinykdump cannot read (x86_64 ELF and "
                                          "kdump-compressed are supported; not makedumpfile's flattened format).",
                                       arg);
        if (r == -EBADMSG && !has_dump_magic(fd))
                return log_error_errno(r, "'%s' is not a crash dump (neither an ELF core nor a kdump-compressed file).", arg);
        if (r == -EBADMSG)
                return log_error_errno(r, "'%s' is a damaged or truncated crash dump: its headers do not add up.", arg);
        if (r < 0)
                return log_error_errno(r, "Failed to read the crash dump '%s': %m", arg);
        return 0;
}

static int kernel_error(int r, const char *arg, const VmcoreKernelError *e) {
        if (r == -ENODATA)
                return log_error_errno(r, "%s: the pages holding it were filtered out of the dump%s%s.", arg,
                                       e->what[0] ? ": " : "", e->what);
        if (r == -EOPNOTSUPP)
                return log_error_errno(r, "%s: %s%spages are compressed with a codec this tinykdump was built without "
                                          "(meson options zlib, lzo, snappy, zstd).", arg, e->what, e->what[0] ? ": " : "");
        return log_error_errno(r, "%s: %s%s%m", arg, e->what, e->what[0] ? ": " : "");
}

/* One log record as a JSON object (see "JSON OUTPUT" in tinykdump(8)). */
static int dmesg_json_record(const PrintkRecord *r, void *userdata) {
        JsonWriter *w = userdata;
        _cleanup_free_ char *text = strndup(r->text, r->text_len);

        if (!text)
                return -ENOMEM;
        json_object_open(w);
        json_kv_u64(w, "time_nsec", r->ts_nsec);
        if (r->has_caller_id) {
                bool cpu = r->caller_id & 0x80000000U;
                json_kv_u64(w, cpu ? "caller_cpu" : "caller_tid", r->caller_id & ~0x80000000U);
        }
        json_kv_string(w, "message", text);
        json_object_close(w);
        return 0;
}

static int dmesg_json(Vmcore *v, const char *arg, bool pretty) {
        VmcoreKernelError e = {};
        JsonWriter w;
        int r;

        /* Collected first, so that an unreadable log prints no partial document. */
        _cleanup_free_ char *doc = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&doc, &size);
        if (!f)
                return log_oom();
        json_begin(&w, f, pretty);
        json_array_open(&w);
        r = vmcore_dmesg_foreach(v, dmesg_json_record, &w, &e);
        json_array_close(&w);
        if (r >= 0)
                r = json_end(&w);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r == -ENOMEM ? log_oom() : kernel_error(r, arg, &e);
        if (fwrite(doc, 1, size, stdout) != size || fflush(stdout) != 0)
                return log_error_errno(-EIO, "Failed to write to standard output.");
        return 0;
}

int verb_dmesg(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        _cleanup_(buffer_done) Buffer out = {};
        VmcoreKernelError e = {};
        int r;

        r = open_vmcore_arg(o, argv[1], &v);
        if (r < 0)
                return r;
        if (o->json)
                return dmesg_json(v, argv[1], o->pretty);
        r = vmcore_dmesg(v, o->caller_id ? PRINTK_FORMAT_CALLER_ID : 0, &out, &e);
        if (r < 0)
                return kernel_error(r, argv[1], &e);
        if (out.size > 0 && fwrite(out.data, 1, out.size, stdout) != out.size)
                return log_error_errno(-EIO, "Failed to write to standard output.");
        if (fflush(stdout) != 0)
                return log_error_errno(-errno, "Failed to write to standard output: %m");
        return 0;
}

int verb_uname(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        VmcoreKernelError e = {};
        VmcoreUname u;
        int r;

        r = open_vmcore_arg(o, argv[1], &v);
        if (r < 0)
                return r;
        r = vmcore_uname(v, &u, &e);
        if (r < 0)
                return kernel_error(r, argv[1], &e);

        if (o->json) {
                JsonWriter w;
                json_begin(&w, stdout, o->pretty);
                json_object_open(&w);
                json_kv_string(&w, "sysname", u.sysname);
                json_kv_string(&w, "nodename", u.nodename);
                json_kv_string(&w, "release", u.release);
                json_kv_string(&w, "version", u.version);
                json_kv_string(&w, "machine", u.machine);
                json_kv_string(&w, "domainname", u.domainname);
                json_object_close(&w);
                r = json_end(&w);
                if (r < 0)
                        return log_error_errno(r, "Failed to write to standard output: %m");
                return 0;
        }
        /* The fields of `uname -snrvm`, in its order. */
        printf("%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
        return 0;
}
