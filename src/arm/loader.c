/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>

#include "cpio.h"
#include "dumpdir.h"
#include "journal-ids.h"
#include "kexec.h"
#include "loader-internal.h"
#include "log.h"
#include "pe.h"
#include "report-source.h"
#include "proc-cmdline.h"
#include "sha256.h"

int loader_message(char **ret_message, int error, const char *format, ...) {
        va_list ap;

        if (ret_message) {
                free(*ret_message);
                *ret_message = NULL;
                va_start(ap, format);
                if (vasprintf(ret_message, format, ap) < 0)
                        *ret_message = NULL;
                va_end(ap);
        }
        return error;
}

int running_kernel_release(const char *root, char **ret) {
        _cleanup_free_ char *s = NULL;
        struct utsname u;

        if (read_one_line_file_at(root, "/proc/sys/kernel/osrelease", &s) >= 0 && !isempty(strstrip(s))) {
                char *t = strdup(strstrip(s));
                if (!t)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        if (root)
                return -ENOENT; /* a fake root must say which kernel it pretends to run */
        if (uname(&u) < 0)
                return -errno;
        s = strdup(u.release);
        if (!s)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

void capture_image_done(CaptureImage *i) {
        free(i->image_path);
        free(i->kernel_path);
        free(i->initrd_path);
        free(i->file);
        free(i->initrd_file);
        free(i->embedded_cmdline);
        free(i->embedded_release);
        *i = (CaptureImage) {};
}

const char *capture_image_name(const CaptureImage *i) {
        return i->image_path ?: i->kernel_path ?: "the capture kernel";
}

static int read_image_file(const char *root, const char *path, uint8_t **ret, size_t *ret_size, char **ret_message) {
        char *data = NULL;
        size_t size;
        int r;

        r = read_full_file_at(root, path, CAPTURE_IMAGE_FILE_MAX, &data, &size);
        if (r == -ENOENT)
                return loader_message(ret_message, r, "Capture image file %s does not exist.", path);
        if (r == -EFBIG)
                return loader_message(ret_message, r, "Capture image file %s is larger than %" PRIu64 " MiB.", path,
                               CAPTURE_IMAGE_FILE_MAX / MiB);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to read capture image file %s: %s", path, strerror(-r));
        *ret = (uint8_t *) data;
        *ret_size = size;
        return 0;
}

static int check_kernel(CaptureImage *i, char **ret_message) {
        int r;

        r = bzimage_parse(i->kernel, i->kernel_size, &i->bz);
        if (r == -ENOEXEC)
                return loader_message(ret_message, r, "%s is not an x86 bzImage kernel.", capture_image_name(i));
        if (r < 0)
                return loader_message(ret_message, r, "%s has a malformed bzImage header: %s", capture_image_name(i),
                               strerror(-r));
        r = bzimage_check_kexec_file(&i->bz);
        if (r == -EPROTONOSUPPORT) {
                char v[8];
                return loader_message(ret_message, r, "%s uses boot protocol %s; kexec_file_load(2) needs 2.12 or newer.",
                               capture_image_name(i), bzimage_version_string(i->bz.version, v, sizeof(v)));
        }
        if (r < 0)
                return loader_message(ret_message, r, "%s is not a 64-bit kernel that can be loaded above 4 GiB.",
                               capture_image_name(i));
        if (bzimage_crash_footprint(&i->bz) == 0)
                return loader_message(ret_message, -EPROTONOSUPPORT, "%s does not state init_size/kernel_alignment.",
                               capture_image_name(i));
        return 0;
}

/* The UKI at i->image_path, or the kernel and initrd at i->kernel_path/i->initrd_path. */
int capture_image_read(const char *root, CaptureImage *i, char **ret_message) {
        int r;

        if (i->image_path) {
                UkiImage uki;

                r = read_image_file(root, i->image_path, &i->file, &i->file_size, ret_message);
                if (r < 0)
                        return r;
                r = uki_parse(i->file, i->file_size, &uki);
                if (r == -EOPNOTSUPP)
                        return loader_message(ret_message, r, "%s is a PE image but not a UKI: it has no .linux section.",
                                       i->image_path);
                if (r < 0)
                        return loader_message(ret_message, r == -ENOEXEC ? r : -EBADMSG,
                                       "%s is not a valid unified kernel image (PE/COFF): %s", i->image_path,
                                       strerror(-r));
                const UkiRange *l = &uki.sections[UKI_SECTION_LINUX], *in = &uki.sections[UKI_SECTION_INITRD];
                i->kernel = i->file + l->offset;
                i->kernel_size = l->size;
                if (in->present && in->size > 0) {
                        i->initrd = i->file + in->offset;
                        i->initrd_size = in->size;
                }
                r = uki_section_strdup(&uki, i->file, i->file_size, UKI_SECTION_CMDLINE, CAPTURE_CMDLINE_MAX,
                                       &i->embedded_cmdline);
                if (r < 0 && r != -ENOENT && r != -ENODATA)
                        return loader_message(ret_message, r, "%s: unusable .cmdline section: %s", i->image_path,
                                       strerror(-r));
                r = uki_section_strdup(&uki, i->file, i->file_size, UKI_SECTION_UNAME, 256, &i->embedded_release);
                if (r < 0 && r != -ENOENT && r != -ENODATA)
                        return loader_message(ret_message, r, "%s: unusable .uname section: %s", i->image_path,
                                       strerror(-r));
        } else {
                r = read_image_file(root, i->kernel_path, &i->file, &i->file_size, ret_message);
                if (r < 0)
                        return r;
                i->kernel = i->file;
                i->kernel_size = i->file_size;
                r = read_image_file(root, i->initrd_path, &i->initrd_file, &i->initrd_file_size, ret_message);
                if (r < 0)
                        return r;
                i->initrd = i->initrd_file;
                i->initrd_size = i->initrd_file_size;
        }
        return check_kernel(i, ret_message);
}

int capture_image_open(const TkConfig *c, const char *root, const char *release, CaptureImage *ret,
                       char **ret_message) {
        _cleanup_(capture_image_done) CaptureImage i = {};
        int r;

        if (c->image) {
                r = tk_config_expand(c->image, release, &i.image_path);
                if (r < 0)
                        return loader_message(ret_message, r, "Cannot expand Image=%s.", c->image);
        } else {
                r = tk_config_expand(c->kernel, release, &i.kernel_path);
                if (r < 0)
                        return loader_message(ret_message, r, "Cannot expand Kernel=%s.", c->kernel);
                r = tk_config_expand(c->initrd, release, &i.initrd_path);
                if (r < 0)
                        return loader_message(ret_message, r, "Cannot expand Initrd=%s.", c->initrd);
        }
        r = capture_image_read(root, &i, ret_message);
        if (r < 0)
                return r;

        *ret = i;
        i = (CaptureImage) {};
        return 0;
}

void load_plan_done(LoadPlan *p) {
        free(p->release);
        capture_image_done(&p->image);
        capture_config_done(&p->capture);
        buffer_done(&p->overlay);
        free(p->cmdline);
        crashmem_done(&p->mem);
        free(p->target_device);
        *p = (LoadPlan) {};
}

static int build_cmdline(const char *root, const TkConfig *c, const CaptureImage *image, char **ret,
                         char **ret_message) {
        static const char *const fixed[] = { CAPTURE_CMDLINE_FIXED };
        _cleanup_free_ char *running = NULL;
        _cleanup_strv_free_ char **words = NULL, **extra = NULL;
        int r;

        r = proc_cmdline_read(root, &running);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to read the kernel command line: %s", strerror(-r));
        r = proc_cmdline_split(running, strlen(running), &words);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to parse the kernel command line: %s", strerror(-r));

        /* A UKI's own .cmdline first: the image builder knows what its image needs. */
        if (image->embedded_cmdline) {
                _cleanup_strv_free_ char **e = NULL;
                r = proc_cmdline_split(image->embedded_cmdline, strlen(image->embedded_cmdline), &e);
                if (r < 0)
                        return loader_message(ret_message, r, "%s: cannot parse .cmdline: %s", image->image_path,
                                       strerror(-r));
                STRV_FOREACH(w, e)
                        if (strv_extend(&extra, *w) < 0)
                                return -ENOMEM;
        }
        STRV_FOREACH(line, c->kernel_command_line) {
                _cleanup_strv_free_ char **e = NULL;
                r = proc_cmdline_split(*line, strlen(*line), &e);
                if (r < 0)
                        return loader_message(ret_message, r, "KernelCommandLine=%s cannot be parsed: %s", *line,
                                       strerror(-r));
                STRV_FOREACH(w, e)
                        if (strv_extend(&extra, *w) < 0)
                                return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (strv_extend(&extra, fixed[i]) < 0)
                        return -ENOMEM;

        r = proc_cmdline_build_capture(words, extra, ret);
        if (r == -E2BIG)
                return loader_message(ret_message, r, "The capture command line would exceed %d bytes.", CAPTURE_CMDLINE_MAX);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to build the capture command line: %s", strerror(-r));
        return 0;
}

static int fill_capture_config(const char *root, const TkConfig *c, LoadPlan *p, LoadPlanFlags flags,
                               const CaptureOverlayFile *extra, size_t n_extra, char **ret_message) {
        CaptureConfig *cc = &p->capture;
        int r;

        capture_config_init(cc);
        r = tk_config_target_what(c, &cc->target_what);
        if (r < 0)
                return r;
        if (!cc->target_what) {
                if (flags & LOAD_PLAN_ESTIMATE)
                        return 0;
                return loader_message(ret_message, -EDESTADDRREQ,
                               "No dump target is configured: set [Target] What= in tinykdump.conf.");
        }
        r = capture_target_device_from_what(cc->target_what, &p->target_device);
        if (r < 0)
                return loader_message(ret_message, r, "Cannot derive a device path from What=%s.", cc->target_what);
        cc->target_device = strdup(p->target_device);
        if (!cc->target_device)
                return -ENOMEM;

        _cleanup_free_ char *dev = path_join(root, p->target_device);
        struct stat st;
        if (!dev)
                return -ENOMEM;
        p->target_present = stat(dev, &st) >= 0 || lstat(dev, &st) >= 0;

        if (c->fs_type != TK_FS_AUTO) {
                cc->target_fstype = strdup(tk_fs_to_string(c->fs_type));
                if (!cc->target_fstype)
                        return -ENOMEM;
        } else if (!root && p->target_present) {
                /* Record what is on the disk now, so the capture side mounts it with the right type. */
                BlockIdentity id = {};
                if (block_probe_blkid(p->target_device, &id) >= 0 && id.fstype)
                        cc->target_fstype = TAKE_PTR(id.fstype);
                block_identity_done(&id);
        }
        cc->target_directory = strdup(c->directory);
        if (!cc->target_directory)
                return -ENOMEM;
        cc->target_timeout_usec = c->timeout_usec;
        cc->dump_level = c->dump_level;
        cc->dump_compression = c->compression;
        cc->dump_timeout_usec = c->dump_timeout_usec;
        cc->failure_action = c->failure_action;
        cc->final_action = c->final_action;
        cc->retention_max_use = c->max_use;
        cc->retention_keep_free = c->keep_free;
        if (c->max_use.set || c->keep_free.set) {
                /* Which dumps on the target the host reported, as of now: the capture side deletes
                 * no other. An older list only ever means fewer dumps may go. */
                r = retention_reported_collect(root, c->directory, &cc->retention_reported);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_debug_errno(r, "Cannot read the reported dumps in %s: %m", REPORT_DUMPS_DIR);
        }

        r = capture_config_gather_facts(cc, root);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to read the boot ID and kernel release: %s", strerror(-r));

        _cleanup_free_ char *why = NULL;
        r = capture_config_verify(cc, &why);
        if (r < 0)
                return loader_message(ret_message, r, "Invalid capture configuration: %s", strna(why));
        r = capture_overlay_build_full(cc, extra, n_extra, &p->overlay);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to build the configuration overlay: %s", strerror(-r));
        return 0;
}

int load_plan_build(const char *root, const TkConfig *c, LoadPlanFlags flags, LoadPlan *ret, char **ret_message) {
        return load_plan_build_with(root, c, flags, NULL, 0, ret, ret_message);
}

int load_plan_build_with(const char *root, const TkConfig *c, LoadPlanFlags flags, const CaptureOverlayFile *extra,
                         size_t n_extra, LoadPlan *ret, char **ret_message) {
        _cleanup_(load_plan_done) LoadPlan p = {};
        const char *bad = NULL;
        int r;

        if (!(flags & LOAD_PLAN_ESTIMATE) && !tk_config_is_valid(c))
                return loader_message(ret_message, -EINVAL, "The configuration is invalid; refusing to load.");

        r = running_kernel_release(root, &p.release);
        if (r < 0)
                return loader_message(ret_message, r, "Cannot determine the running kernel release: %s", strerror(-r));

        r = capture_image_open(c, root, p.release, &p.image, ret_message);
        if (r < 0)
                return r;

        r = build_cmdline(root, c, &p.image, &p.cmdline, ret_message);
        if (r < 0)
                return r;
        r = bzimage_check_cmdline(&p.image.bz, strlen(p.cmdline) + 1);
        if (r < 0)
                return loader_message(ret_message, r, "The capture command line (%zu bytes) is too long for %s (%u bytes).",
                               strlen(p.cmdline), capture_image_name(&p.image), p.image.bz.cmdline_size);

        r = fill_capture_config(root, c, &p, flags, extra, n_extra, ret_message);
        if (r < 0)
                return r;
        p.initrd_total = p.image.initrd_size + (p.overlay.size > 0 ? cpio_initrd_padding(p.image.initrd_size) : 0) +
                         p.overlay.size;

        r = crashmem_read(root, &p.mem, &bad);
        if (r < 0)
                return loader_message(ret_message, r, "Failed to read the crash kernel reservation%s%s: %s",
                               bad ? " from " : "", strempty(bad), strerror(-r));
        p.cma = crashmem_has_cma(&p.mem);

        CrashNeedInput in = {
                .kernel_footprint = bzimage_crash_footprint(&p.image.bz),
                .initrd_size = p.initrd_total,
                .cmdline_size = strlen(p.cmdline) + 1,
                .elfcorehdr_size = p.mem.elfcorehdr_size,
        };
        r = crashmem_compute_need(&in, &p.need);
        if (r < 0)
                return loader_message(ret_message, r, "Cannot size the crash memory: %s", strerror(-r));
        p.need_static = crashmem_need_for_mode(&p.need, p.cma);

        if (p.mem.growable && p.cma && p.mem.static_size_known && p.mem.static_size == 0) {
                /* The kernel can allocate the region from CMA now: take exactly the need. */
                p.grow = true;
                p.grow_to = c->margin != TK_MARGIN_UNSET ? add_sat_u64(p.need_static, c->margin) : p.need_static;
        } else if (c->shrink_reservation != TK_SHRINK_NO) {
                uint64_t target;
                r = crashmem_shrink_policy(&p.mem, &p.need, c->shrink_reservation == TK_SHRINK_YES, &target);
                if (r < 0)
                        return loader_message(ret_message, r, "Cannot decide whether to shrink the reservation: %s",
                                       strerror(-r));
                if (r > 0) {
                        if (c->margin != TK_MARGIN_UNSET)
                                target = MIN(add_sat_u64(target, c->margin), p.mem.static_size);
                        p.shrink = target < p.mem.static_size;
                        p.shrink_to = target;
                }
        }

        *ret = p;
        p = (LoadPlan) {};
        return 0;
}

/* ---- does the region hold the need? ---- */

static LoadMemoryFit memory_fit_for(const LoadPlan *p, uint64_t static_size, bool static_size_known) {
        if (!static_size_known)
                return (LoadMemoryFit) { .part = LOAD_MEMORY_UNKNOWN };
        if (static_size < p->need_static)
                return (LoadMemoryFit) { .part = LOAD_MEMORY_STATIC, .need = p->need_static, .have = static_size };
        if (p->cma && p->mem.cma_size < p->need.runtime_need)
                return (LoadMemoryFit) { .part = LOAD_MEMORY_CMA, .need = p->need.runtime_need, .have = p->mem.cma_size };
        return (LoadMemoryFit) { .part = LOAD_MEMORY_ENOUGH };
}

LoadMemoryFit load_plan_memory_fit(const LoadPlan *p) {
        /* A grow takes at least grow_to (the kernel may round up); a shrink never goes below the need. */
        if (p->grow)
                return memory_fit_for(p, p->grow_to, true);
        return memory_fit_for(p, p->shrink ? p->shrink_to : p->mem.static_size, p->shrink || p->mem.static_size_known);
}

LoadMemoryFit load_result_memory_fit(const LoadPlan *p, const LoadResult *res) {
        return memory_fit_for(p, res->static_after, p->mem.static_size_known || res->shrunk || res->grown);
}

static const char *const memory_part_table[_LOAD_MEMORY_PART_MAX] = {
        [LOAD_MEMORY_STATIC] = "static",
        [LOAD_MEMORY_CMA] = "cma",
};

const char *load_memory_part_to_string(LoadMemoryPart part) {
        return part >= 0 && part < _LOAD_MEMORY_PART_MAX ? memory_part_table[part] : NULL;
}

const char *load_memory_part_describe(LoadMemoryPart part) {
        return part == LOAD_MEMORY_CMA ? "the CMA reservation" : "the static crash kernel reservation";
}

int load_memory_record(const LoadPlan *p, const LoadMemoryFit *fit, const char *outcome, const char *recommended,
                       char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char need[FORMAT_BYTES_MAX], have[FORMAT_BYTES_MAX];
        const char *part = load_memory_part_to_string(fit->part);
        bool armed = streq(outcome, "armed");

        if (!part)
                return -EINVAL;
        format_bytes(need, sizeof(need), fit->need);
        format_bytes(have, sizeof(have), fit->have);
        if (strv_extendf(&l, "MESSAGE_ID=%s", TK_MESSAGE_BELOW_NEED_STR) < 0 ||
            strv_extendf(&l, "PRIORITY=%d", armed ? LOG_WARNING : LOG_ERR) < 0 ||
            strv_extendf(&l, "MESSAGE=%s %s%s %s (%s) is below its need (%s)%s the capture %s likely run out of "
                             "memory.", armed ? "Armed" : "Refused to load", capture_image_name(&p->image),
                         armed ? ", but" : ":", load_memory_part_describe(fit->part), have, need,
                         armed ? ":" : ",", armed ? "will" : "would") < 0 ||
            strv_extendf(&l, "TINYKDUMP_LOAD=%s", outcome) < 0 ||
            strv_extendf(&l, "TINYKDUMP_MODE=%s", p->cma ? "cma" : "classic") < 0 ||
            strv_extendf(&l, "TINYKDUMP_MEMORY_PART=%s", part) < 0 ||
            strv_extendf(&l, "TINYKDUMP_MEMORY_NEED=%" PRIu64, fit->need) < 0 ||
            strv_extendf(&l, "TINYKDUMP_MEMORY_HAVE=%" PRIu64, fit->have) < 0 ||
            strv_extendf(&l, "TINYKDUMP_KERNEL_IMAGE=%s", capture_image_name(&p->image)) < 0 ||
            strv_extendf(&l, "TINYKDUMP_INITRD_SIZE=%" PRIu64, p->initrd_total) < 0)
                return -ENOMEM;
        if (recommended && strv_extendf(&l, "TINYKDUMP_RECOMMENDED=%s", recommended) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int memfd_with(const char *name, const void *a, size_t na, size_t pad, const void *b, size_t nb) {
        _cleanup_close_ int fd = -EBADF;
        static const uint8_t zeros[4] = {};
        const struct {
                const void *p;
                size_t n;
        } parts[] = { { a, na }, { zeros, pad }, { b, nb } };

        fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                int r = loop_write(fd, parts[i].p, parts[i].n);
                if (r < 0)
                        return r;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int resolve_below(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *full = path_join(root, path), *real = NULL, *rroot = NULL;
        const char *rel;

        if (!full)
                return -ENOMEM;
        real = realpath(full, NULL);
        if (!real)
                return -errno;
        rel = real;
        if (root) {
                rroot = realpath(root, NULL);
                if (!rroot)
                        return -errno;
                rel = startswith(real, rroot);
                if (!rel || (*rel != '/' && *rel != 0))
                        return -EXDEV; /* a symlink out of the root */
        }
        char *t = strdup(isempty(rel) ? "/" : rel);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int state_dir_open(const char *root) {
        _cleanup_free_ char *dir = path_join(root, LOAD_STATE_DIR);
        int fd;

        if (!dir)
                return -ENOMEM;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* What to record so that this image can be loaded again: resolved paths and hashes of its files. */
static int state_files(const char *root, const CaptureImage *i, LoadState *s, char hashes[3][SHA256_HEX_SIZE]) {
        int r;

        if (i->image_path) {
                r = resolve_below(root, i->image_path, &s->image_file);
                if (r < 0)
                        return r;
                s->image_sha256 = sha256_hex(i->file, i->file_size, hashes[0]);
                return 0;
        }
        r = resolve_below(root, i->kernel_path, &s->kernel_file);
        if (r < 0)
                return r;
        r = resolve_below(root, i->initrd_path, &s->initrd_file);
        if (r < 0)
                return r;
        s->kernel_sha256 = sha256_hex(i->file, i->file_size, hashes[1]);
        s->initrd_sha256 = sha256_hex(i->initrd_file, i->initrd_file_size, hashes[2]);
        return 0;
}

static int write_state(const char *root, const LoadPlan *p, const LoadResult *res) {
        _cleanup_free_ char *image_file = NULL, *kernel_file = NULL, *initrd_file = NULL;
        _cleanup_close_ int fd = -EBADF;
        char hashes[3][SHA256_HEX_SIZE];
        LoadState s = {
                .image = p->image.image_path,
                .kernel = p->image.kernel_path,
                .initrd = p->image.initrd_path,
                .cmdline = p->cmdline,
                .target = p->capture.target_what,
                .mode = (char *) (p->cma ? "cma" : "classic"),
                .loaded_at_usec = p->capture.loaded_at_usec,
                .kernel_size = p->image.kernel_size,
                .initrd_size = p->initrd_total,
                .need_static = p->need_static,
                .static_before = res->static_before,
                .static_after = res->static_after,
                .grown = res->grown,
        };
        LoadMemoryFit fit = load_result_memory_fit(p, res);
        int r;

        s.memory_short = (char *) load_memory_part_to_string(fit.part);
        s.memory_need = fit.need;
        s.memory_have = fit.have;
        r = state_files(root, &p->image, &s, hashes);
        image_file = s.image_file, kernel_file = s.kernel_file, initrd_file = s.initrd_file;
        if (r < 0)
                return r;
        fd = state_dir_open(root);
        if (fd < 0)
                return fd;
        /* The overlay first: a state file always comes with the overlay it describes. /run does not
         * survive a reboot: no need to make either durable. */
        r = write_atomic_at(fd, LOAD_OVERLAY_NAME, p->overlay.data, p->overlay.size, 0600, 0);
        if (r < 0)
                return r;
        return load_state_write(root, &s);
}

int load_state_write(const char *root, const LoadState *s) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = load_state_format(s, &text);
        if (r < 0)
                return r;
        fd = state_dir_open(root);
        if (fd < 0)
                return fd;
        return write_atomic_at(fd, LOAD_STATE_NAME, text, strlen(text), 0644, 0);
}

/* Keep the size the reservation had before the first shrink of this boot. */
static int write_shrink_record(const char *root, uint64_t from, uint64_t to) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        ShrinkRecord old;

        if (shrink_record_read(root, &old) >= 0 && old.from > from)
                from = old.from;
        if (asprintf(&text,
                     "# Written by tinykdump load: the static crash kernel reservation was shrunk; only a reboot\n"
                     "# restores it.\n[Shrunk]\nFrom=%" PRIu64 "\nTo=%" PRIu64 "\nAtUSec=%" PRIu64 "\n",
                     from, to, clock_now_usec(CLOCK_REALTIME)) < 0)
                return -ENOMEM;
        fd = state_dir_open(root);
        if (fd < 0)
                return fd;
        return write_atomic_at(fd, SHRINK_RECORD_NAME, text, strlen(text), 0644, 0);
}

/* Shrink the static reservation or grow it from CMA, as planned, and record the sizes in res. */
static int resize_reservation(const char *root, LoadPlan *p, LoadResult *res, char **ret_message) {
        uint64_t now;
        int r;

        if (p->shrink) {
                r = crashmem_shrink(root, &p->mem, p->shrink_to);
                if (r < 0)
                        return loader_message(ret_message, r,
                                       "Failed to shrink the crash kernel reservation from %" PRIu64 " to %" PRIu64
                                       " bytes: %s",
                                       p->mem.static_size, p->shrink_to, strerror(-r));
                res->static_after = crashmem_read_static_size(root, &p->mem, &now) >= 0 ? now : p->shrink_to;
                res->shrunk = res->static_after < res->static_before;
                /* Irreversible until reboot: `status` must be able to say so after unload and reload. */
                if (res->shrunk)
                        (void) write_shrink_record(root, res->static_before, res->static_after);
        }

        if (p->grow) {
                r = crashmem_grow(root, &p->mem, p->grow_to);
                if (r < 0)
                        return loader_message(ret_message, r, "Failed to allocate the %" PRIu64 " MiB crash kernel region from "
                                                       "CMA: %s",
                                       div_round_up_u64(p->grow_to, MiB), crashmem_grow_strerror(r));
                res->static_after = crashmem_read_static_size(root, &p->mem, &now) >= 0 ? now : p->grow_to;
                res->grown = true;
        }
        return 0;
}

/* The kernel, and the initrd with the configuration overlay appended, in memfds for kexec_file_load(). */
int stage_images(const CaptureImage *i, const void *overlay, size_t overlay_size, int *ret_kernel_fd,
                        int *ret_initrd_fd, char **ret_message) {
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF;

        kernel_fd = memfd_with("tinykdump-kernel", i->kernel, i->kernel_size, 0, NULL, 0);
        if (kernel_fd < 0)
                return loader_message(ret_message, kernel_fd, "Failed to stage the capture kernel: %s", strerror(-kernel_fd));
        if (i->initrd_size > 0 || overlay_size > 0) {
                size_t pad = overlay_size > 0 ? cpio_initrd_padding(i->initrd_size) : 0;
                initrd_fd = memfd_with("tinykdump-initrd", i->initrd, i->initrd_size, pad, overlay, overlay_size);
                if (initrd_fd < 0)
                        return loader_message(ret_message, initrd_fd, "Failed to stage the capture initrd: %s",
                                       strerror(-initrd_fd));
        }
        *ret_kernel_fd = TAKE_FD(kernel_fd);
        *ret_initrd_fd = TAKE_FD(initrd_fd);
        return 0;
}

int load_plan_execute(const char *root, LoadPlan *p, LoadResult *ret, char **ret_message) {
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF;
        LoadResult res = {
                .static_before = p->mem.static_size,
                .static_after = p->mem.static_size,
        };
        int r;

        if (p->mem.loaded > 0)
                return loader_message(ret_message, -EBUSY,
                               "A crash kernel is already loaded; run 'tinykdump unload' first (or reload).");

        r = resize_reservation(root, p, &res, ret_message);
        if (r < 0)
                return r;
        r = stage_images(&p->image, p->overlay.data, p->overlay.size, &kernel_fd, &initrd_fd, ret_message);
        if (r < 0)
                return r;

        uint64_t t0 = clock_now_usec(CLOCK_MONOTONIC);
        r = kexec_load_crash(kernel_fd, initrd_fd, p->cmdline);
        res.load_usec = clock_now_usec(CLOCK_MONOTONIC) - t0;
        if (r < 0 && res.grown)
                /* Do not keep memory withheld for a capture kernel that is not there. */
                (void) crashmem_shrink(root, &p->mem, 0);
        if (r < 0) {
                KexecErrorContext ctx = {
                        .kernel_path = capture_image_name(&p->image),
                        .need_static = p->need_static,
                        .have_static = res.static_after,
                        .reservation_known = p->mem.static_size_known,
                        .cmdline_len = strlen(p->cmdline),
                };
                if (ret_message) {
                        free(*ret_message);
                        *ret_message = kexec_error_message(r, &ctx);
                }
                return r;
        }

        /* The load happened; failing to record it only costs `status` its details. */
        (void) write_state(root, p, &res);

        if (ret)
                *ret = res;
        return 0;
}

/* ---- the state file, in tinykdump.conf syntax so conf-parser.c reads it ---- */

void load_state_done(LoadState *s) {
        free(s->image);
        free(s->kernel);
        free(s->initrd);
        free(s->cmdline);
        free(s->target);
        free(s->mode);
        free(s->image_file);
        free(s->kernel_file);
        free(s->initrd_file);
        free(s->image_sha256);
        free(s->kernel_sha256);
        free(s->initrd_sha256);
        free(s->reload_error);
        free(s->memory_short);
        *s = (LoadState) {};
}

int load_state_format(const LoadState *s, char **ret) {
        char *t = NULL;
        if (asprintf(&t,
                     "# Written by tinykdump load; read by tinykdump status.\n"
                     "[Loaded]\n"
                     "Image=%s\nKernel=%s\nInitrd=%s\nCommandLine=%s\nTarget=%s\nMode=%s\n"
                     "LoadedAtUSec=%" PRIu64 "\nKernelSize=%" PRIu64 "\nInitrdSize=%" PRIu64 "\n"
                     "NeedStatic=%" PRIu64 "\nStaticBefore=%" PRIu64 "\nStaticAfter=%" PRIu64 "\n"
                     "Grown=%" PRIu64 "\n"
                     "ImageFile=%s\nKernelFile=%s\nInitrdFile=%s\n"
                     "ImageSHA256=%s\nKernelSHA256=%s\nInitrdSHA256=%s\n"
                     "MemoryShort=%s\nMemoryNeed=%" PRIu64 "\nMemoryHave=%" PRIu64 "\n"
                     "ReloadFailedAtUSec=%" PRIu64 "\nReloadError=%s\n",
                     strempty(s->image), strempty(s->kernel), strempty(s->initrd), strempty(s->cmdline),
                     strempty(s->target), strempty(s->mode), s->loaded_at_usec, s->kernel_size, s->initrd_size,
                     s->need_static, s->static_before, s->static_after, s->grown, strempty(s->image_file),
                     strempty(s->kernel_file), strempty(s->initrd_file), strempty(s->image_sha256),
                     strempty(s->kernel_sha256), strempty(s->initrd_sha256), strempty(s->memory_short), s->memory_need, s->memory_have,
                     s->reload_failed_at_usec,
                     strempty(s->reload_error)) < 0)
                return -ENOMEM;
        *ret = t;
        return 0;
}

static int parse_state_string(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        char **s = data;
        char *n = NULL;

        if (!isempty(value)) {
                n = strdup(value);
                if (!n)
                        return -ENOMEM;
        }
        free(*s);
        *s = n;
        return 0;
}

static int parse_state_u64(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        uint64_t v;
        if (safe_atou64(value, &v) < 0)
                return conf_value_error(ctx, "not an unsigned number.");
        *(uint64_t *) data = v;
        return 0;
}

static const ConfTableItem load_state_table[] = {
        { "Loaded", "Image", parse_state_string, 0, offsetof(LoadState, image) },
        { "Loaded", "Kernel", parse_state_string, 0, offsetof(LoadState, kernel) },
        { "Loaded", "Initrd", parse_state_string, 0, offsetof(LoadState, initrd) },
        { "Loaded", "CommandLine", parse_state_string, 0, offsetof(LoadState, cmdline) },
        { "Loaded", "Target", parse_state_string, 0, offsetof(LoadState, target) },
        { "Loaded", "Mode", parse_state_string, 0, offsetof(LoadState, mode) },
        { "Loaded", "LoadedAtUSec", parse_state_u64, 0, offsetof(LoadState, loaded_at_usec) },
        { "Loaded", "KernelSize", parse_state_u64, 0, offsetof(LoadState, kernel_size) },
        { "Loaded", "InitrdSize", parse_state_u64, 0, offsetof(LoadState, initrd_size) },
        { "Loaded", "NeedStatic", parse_state_u64, 0, offsetof(LoadState, need_static) },
        { "Loaded", "StaticBefore", parse_state_u64, 0, offsetof(LoadState, static_before) },
        { "Loaded", "StaticAfter", parse_state_u64, 0, offsetof(LoadState, static_after) },
        { "Loaded", "Grown", parse_state_u64, 0, offsetof(LoadState, grown) },
        { "Loaded", "ImageFile", parse_state_string, 0, offsetof(LoadState, image_file) },
        { "Loaded", "KernelFile", parse_state_string, 0, offsetof(LoadState, kernel_file) },
        { "Loaded", "InitrdFile", parse_state_string, 0, offsetof(LoadState, initrd_file) },
        { "Loaded", "ImageSHA256", parse_state_string, 0, offsetof(LoadState, image_sha256) },
        { "Loaded", "KernelSHA256", parse_state_string, 0, offsetof(LoadState, kernel_sha256) },
        { "Loaded", "InitrdSHA256", parse_state_string, 0, offsetof(LoadState, initrd_sha256) },
        { "Loaded", "MemoryShort", parse_state_string, 0, offsetof(LoadState, memory_short) },
        { "Loaded", "MemoryNeed", parse_state_u64, 0, offsetof(LoadState, memory_need) },
        { "Loaded", "MemoryHave", parse_state_u64, 0, offsetof(LoadState, memory_have) },
        { "Loaded", "ReloadFailedAtUSec", parse_state_u64, 0, offsetof(LoadState, reload_failed_at_usec) },
        { "Loaded", "ReloadError", parse_state_string, 0, offsetof(LoadState, reload_error) },
        {},
};

int load_state_parse(const char *filename, const char *data, size_t size, LoadState *ret, ConfDiagList *diags) {
        LoadState s = {};
        int r;

        r = conf_parse_data(filename, data, size, load_state_table, &s, diags);
        if (r < 0) {
                load_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int load_state_read(const char *root, LoadState *ret) {
        _cleanup_free_ char *text = NULL;
        ConfDiagList diags = {};
        size_t size;
        int r;

        r = read_full_file_at(root, LOAD_STATE_PATH, 64 * KiB, &text, &size);
        if (r < 0)
                return r;
        r = load_state_parse(LOAD_STATE_PATH, text, size, ret, &diags);
        conf_diags_done(&diags);
        return r;
}

const char *crashmem_grow_strerror(int error) {
        switch (error < 0 ? -error : error) {
        case EEXIST:
                return "a crash kernel region is already allocated";
        case ENOSPC:
                return "no CMA area can ever hold it: raise crashkernel=…,cma";
        case ENOMEM:
                return "pages in the CMA area could not be migrated now (pinned or unmovable); retrying later may succeed";
        case EAGAIN:
                return "a concurrent kexec load or unload holds the lock; retry";
        case EBUSY:
                return "a crash kernel is loaded; unload it first";
        case EOPNOTSUPP:
                return "the running kernel cannot grow the region";
        default:
                return strerror(error < 0 ? -error : error);
        }
}

int load_state_remove(const char *root) {
        static const char *const paths[] = { LOAD_STATE_PATH, LOAD_OVERLAY_PATH };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *p = path_join(root, paths[i]);
                if (!p)
                        return -ENOMEM;
                if (unlink(p) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}
