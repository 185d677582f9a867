/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump load: build the plan, check it, load it in place of what is loaded (and load that
 * again when the new one fails); what status says about it. */
#include <inttypes.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "dumpdir.h"
#include "erase-plan.h"
#include "format-mib.h"
#include "log.h"
#include "modcheck.h"
#include "options.h"
#include "record.h"
#include "tinykdump-erase.h"
#include "tinykdump-load.h"
#include "udev-rule.h"



/* What happened to the capture kernel that was loaded before a failed load. */
static void log_reload_outcome(const ReloadReport *rep, const LoadState *previous) {
        if (!rep->replaced)
                return;
        if (rep->restored)
                log_warning("The capture kernel loaded before (%s) was loaded again: the machine stays armed with it.",
                            strna(previous->image ?: previous->kernel));
        else if (!rep->restorable)
                log_error("The capture kernel loaded before could not be loaded again (%s); the machine is not armed "
                          "now. Fix the error above and run 'tinykdump load'.",
                          strna(rep->not_restorable));
        else
                log_error("Loading the capture kernel loaded before again failed too (%s); the machine is not armed "
                          "now. Fix the error above and run 'tinykdump load'.",
                          strna(rep->restore_message));
}

static void log_loaded(const LoadPlan *p, const LoadResult *res) {
        if (res->grown)
                log_info("Allocated the %s crash kernel region from CMA (need %s); it returns to the system on unload.",
                         MIB(res->static_after), MIB(p->need_static));
        if (res->shrunk)
                log_info("Shrank the static crash kernel reservation from %s to %s (need %s%s): %s returned to the "
                         "system until the next reboot; a larger capture image cannot be loaded before then.",
                         MIB(res->static_before), MIB(res->static_after), MIB(p->need_static),
                         p->cma ? ", run-time memory comes from CMA" : "", MIB(res->static_before - res->static_after));
        log_info("Armed: %s (kernel %s, initrd %s with configuration overlay) loaded in %" PRIu64
                 " ms; %s mode, static reservation %s (need %s)%s%s; dumps go to %s.",
                 capture_image_name(&p->image), MIB(p->image.kernel_size), MIB(p->initrd_total),
                 div_round_up_u64(res->load_usec, 1000), p->cma ? "CMA" : "classic", MIB(res->static_after),
                 MIB(p->need_static), p->cma ? ", CMA " : "", p->cma ? MIB(p->mem.cma_size) : "",
                 p->capture.target_what);
}

static void log_dry_run(const LoadPlan *p) {
        log_info("Dry run: would load %s (kernel %s, initrd %s with configuration overlay) in %s mode, static "
                 "reservation %s (need %s)%s%s; dumps go to %s.",
                 capture_image_name(&p->image), MIB(p->image.kernel_size), MIB(p->initrd_total),
                 p->cma ? "CMA" : "classic", MIB(p->mem.static_size), MIB(p->need_static),
                 p->shrink ? ", shrinking it to " : "", p->shrink ? MIB(p->shrink_to) : "", p->capture.target_what);
        if (p->mem.loaded > 0)
                log_info("A capture kernel is loaded now; 'tinykdump load' would replace it.");
}

/* ---- does the capture image have what the target needs? ---- */

typedef struct ImageCheck {
        ModuleCheck mc;
        char *index_dir;
        char *fstype;            /* NULL: not known (FileSystemType=auto and the target absent) */
        bool fstype_configured;  /* … from FileSystemType=, else from blkid */
        bool device_walked;
        int result;              /* needs the image cannot meet, or -ENOENT (no index), or an error */
} ImageCheck;

static void image_check_done(ImageCheck *t) {
        module_check_done(&t->mc);
        free(t->index_dir);
        free(t->fstype);
        *t = (ImageCheck) {};
}

/* The configured image's file for the running kernel (for status, which builds no plan). */
static int configured_image_file(const TkConfig *c, char **ret) {
        _cleanup_free_ char *release = NULL;
        int r;

        r = running_kernel_release(tk_root(), &release);
        if (r < 0)
                return r;
        return tk_config_expand(c->image ?: c->kernel, release, ret);
}

static int image_check_run(const TkConfig *c, const char *image_file, const char *fstype, const char *device,
                            bool present, ImageCheck *t) {
        int r;

        t->fstype_configured = c->fs_type != TK_FS_AUTO;
        if (fstype && !(t->fstype = strdup(fstype)))
                return log_oom();
        /* Beside the file itself, not beside a symlink to it (/usr/lib/tinykdump/capture/vmlinuz-R). */
        _cleanup_free_ char *resolved = NULL;
        if (resolve_below(tk_root(), image_file, &resolved) >= 0)
                image_file = resolved;
        r = module_check_index_dir(image_file, &t->index_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot name the module index directory of %s: %m", image_file);
        if (t->fstype) {
                r = module_check_need_fs(&t->mc, t->fstype);
                if (r < 0)
                        return log_error_errno(r, "Cannot check the file system type '%s': %m", t->fstype);
        }
        if (present && device) {
                r = module_check_need_device(&t->mc, tk_root(), device);
                if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "Cannot read the drivers of %s from sysfs; not checking them: %m", device);
                t->device_walked = r >= 0;
        }
        t->result = module_check_resolve(&t->mc, tk_root(), t->index_dir);
        return 0;
}

static void log_missing_need(const TkConfig *c, const ImageCheck *t, const ModuleNeed *n, const char *image) {
        if (t->fstype_configured && startswith(n->lookup, "fs-") && c->fs_type_file)
                log_error("%s:%u: [Target] FileSystemType=%s: the capture image %s cannot mount %s, it has no module "
                          "for %s. Set FileSystemType= to a file system the image has (or format the target with "
                          "one), or add the module to the image and rebuild it with tinykdump-build-image.",
                          c->fs_type_file, c->fs_type_line, t->fstype, image, t->fstype, n->lookup);
        else
                log_error("The capture image %s has no module for %s (%s): the dump could not be saved to the "
                          "target. Add it to the image and rebuild it with tinykdump-build-image%s.",
                          image, n->lookup, n->why,
                          startswith(n->lookup, "fs-") ? ", or format the target with a file system the image has" : "");
}

/* load: EXIT_BAD_CONFIG when the image cannot reach the target; 0 when it can or the check cannot be
 * made (said as a warning). */
static int load_check_target(const TkConfig *c, const LoadPlan *p, bool verbose) {
        _cleanup_(image_check_done) ImageCheck t = {};
        const char *image = p->image.image_path ?: p->image.kernel_path;
        int r;

        r = image_check_run(c, image, p->capture.target_fstype, p->target_device, p->target_present, &t);
        if (r < 0)
                return r;
        if (t.result == -ENOENT) {
                log_warning("Cannot check that the capture image has the drivers and file system the target needs: "
                            "%s does not exist (images built by tinykdump-build-image have it; rebuild the image).",
                            t.index_dir);
                return 0;
        }
        if (t.result < 0)
                return log_error_errno(t.result, "Failed to read the module indexes in %s: %m", t.index_dir);
        for (size_t i = 0; i < t.mc.n_needs; i++) {
                const ModuleNeed *n = &t.mc.needs[i];
                if (!n->found)
                        log_missing_need(c, &t, n, image);
                else if (verbose)
                        log_info("Target needs %s (%s): %s%s.", n->lookup, n->why, n->found,
                                 n->builtin ? ", built into the capture kernel" : " in the image");
        }
        if (t.result > 0)
                return EXIT_BAD_CONFIG;
        if (!t.fstype)
                log_notice("The target's file system is not known (FileSystemType=auto and the target is absent): "
                           "not checked against the capture image.");
        if (!t.device_walked)
                log_notice("The target is not present: its drivers were not checked against the capture image.");
        if (verbose)
                log_info("The capture image has the %zu module(s) the target needs (index %s).", t.mc.n_needs,
                         t.index_dir);
        return 0;
}

/* FileSystemType= set, and the target present with another file system on it: the capture mounts
 * only the configured type, so it would not save to this target. Said, not refused: the target
 * may be replaced before a crash, as it may be attached later when absent. */
static void load_check_target_fstype(const TkConfig *c, const LoadPlan *p) {
        _cleanup_(block_identity_done) BlockIdentity id = {};
        _cleanup_free_ char *dev = NULL;
        const char *want = tk_fs_to_string(c->fs_type);
        int r;

        if (c->fs_type == TK_FS_AUTO || !p->target_present || !p->target_device)
                return;
        dev = path_join(tk_root(), p->target_device);
        if (!dev) {
                log_oom();
                return;
        }
        r = block_probe_blkid(dev, &id);
        if (r < 0) {
                log_debug_errno(r, "Cannot probe the file system of %s: %m", dev);
                return;
        }
        if (!id.fstype || streq(id.fstype, want))
                return;
        if (c->fs_type_file)
                log_warning("%s:%u: [Target] FileSystemType=%s, but the target %s (%s) holds %s now: the capture "
                            "mounts only %s and would save nothing to it. Format the target as %s, or set "
                            "FileSystemType=%s (or auto: the type found at load).",
                            c->fs_type_file, c->fs_type_line, want, p->capture.target_what, p->target_device,
                            id.fstype, want, want, id.fstype);
        else
                log_warning("[Target] FileSystemType=%s, but the target %s (%s) holds %s now: the capture mounts "
                            "only %s and would save nothing to it.",
                            want, p->capture.target_what, p->target_device, id.fstype, want);
}

/* ---- is the region below the need? ---- */

/* The crashkernel= words that would fit, as `tinykdump crashkernel` recommends them. */
static const char *memory_recommended(const LoadPlan *p) {
        return crashmem_cma_supported(tk_root(), p->release, &p->mem, NULL) > 0 ? p->need.cma : p->need.classic;
}

/* The journal record (TK_MESSAGE_BELOW_NEED); not for a fake root, whose load is not the system's. */
static void memory_record(const LoadPlan *p, const LoadMemoryFit *fit, const char *outcome) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ struct iovec *iov = NULL;
        size_t n;
        int r;

        if (tk_root())
                return;
        r = load_memory_record(p, fit, outcome, memory_recommended(p), &fields);
        if (r < 0) {
                log_oom();
                return;
        }
        n = strv_length(fields);
        iov = calloc(n, sizeof(struct iovec));
        if (!iov) {
                log_oom();
                return;
        }
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        r = sd_journal_sendv(iov, (int) n);
        if (r < 0)
                log_warning_errno(r, "Cannot write the journal record of the too small reservation: %m");
}

/* load: EXIT_BELOW_NEED when the region it would load into is below the need and [Memory]
 * BelowNeed=refuse; else 0, with a warning when it is below. Nothing is unloaded before this. */
static int load_check_memory(const TkConfig *c, const LoadPlan *p, bool dry_run) {
        LoadMemoryFit fit = load_plan_memory_fit(p);

        if (fit.part == LOAD_MEMORY_UNKNOWN) {
                log_notice("The size of the static crash kernel reservation is not known: cannot check it against "
                           "the capture's need of %s.", MIB(p->need_static));
                return 0;
        }
        if (fit.part == LOAD_MEMORY_ENOUGH)
                return 0;
        log_warning("The capture will likely run out of memory: %s holds %s, the capture needs %s there%s. Run "
                    "'tinykdump crashkernel --apply' (it sets %s) and reboot, or load a smaller capture image.",
                    load_memory_part_describe(fit.part), MIB(fit.have), MIB(fit.need),
                    fit.part == LOAD_MEMORY_CMA ? " (the capture system's run-time memory)"
                    : p->cma ? " (kernel, initrd and segments)"
                             : " (in classic mode it holds the capture system's run-time memory too)",
                    memory_recommended(p));
        if (!c->refuse_below_need)
                return 0;
        log_error("[Memory] BelowNeed=refuse: %s a capture kernel into it; %s.", dry_run ? "would not load" : "not loading",
                  p->mem.loaded > 0 ? "the capture kernel loaded now stays loaded" : "nothing is loaded");
        if (!dry_run)
                memory_record(p, &fit, "refused");
        return EXIT_BELOW_NEED;
}

/* Load the plan in place of what is loaded; on failure say what became of the previous one. */
static int load_replace(LoadPlan *p, const char *erase_plan, size_t erase_plan_size) {
        _cleanup_(reload_report_done) ReloadReport rep = {};
        _cleanup_(load_state_done) LoadState previous = {};
        _cleanup_free_ char *msg = NULL;
        LoadResult res = {};
        int r;

        if (p->mem.loaded > 0)
                (void) load_state_read(tk_root(), &previous);
        r = load_plan_replace(tk_root(), p, &res, &rep, &msg);
        if (r < 0) {
                log_error_errno(r, "%s", msg ?: strerror(-r));
                log_reload_outcome(&rep, &previous);
                if (!rep.restored)
                        (void) tinykdump_erase_record(tk_root(), NULL, 0);
                return r;
        }
        if (rep.replaced && !rep.restorable)
                log_notice("The capture kernel loaded before could not have been loaded again had this load failed: %s",
                           strna(rep.not_restorable));
        r = tinykdump_erase_record(tk_root(), erase_plan, erase_plan_size);
        if (r < 0)
                log_warning_errno(r, "Cannot record the erase plan in %s for status: %m", ERASE_PLAN_STATE_PATH);
        /* Only the target starts the reporter when plugged in (90-tinykdump-report.rules). */
        bool narrow = true;
        r = report_udev_rule_write(tk_root(), p->capture.target_what, &narrow);
        if (r < 0)
                log_warning_errno(r, "Cannot write %s/%s; a dump target plugged in later is not reported until "
                                  "\"tinykdump report\" runs: %m", REPORT_UDEV_RULE_DIR, REPORT_UDEV_RULE_NAME);
        else if (!narrow)
                log_notice("The dump target %s cannot be matched exactly by a udev rule; every file system plugged "
                           "in starts the reporter, which checks it and exits.", p->capture.target_what);
        log_loaded(p, &res);
        LoadMemoryFit fit = load_result_memory_fit(p, &res);
        if (fit.part == LOAD_MEMORY_STATIC || fit.part == LOAD_MEMORY_CMA)
                memory_record(p, &fit, "armed");
        return EXIT_SUCCESS;
}

int verb_load(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_free_ char *msg = NULL, *erase_plan = NULL;
        size_t erase_plan_size = 0;
        int r;

        r = tk_config_load(tk_root(), &c);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        conf_diags_log(&c->diags);
        if (!tk_config_is_valid(c)) {
                log_error("The configuration is invalid (%zu error(s) above); not loading a capture kernel.",
                          c->diags.n_errors);
                return EXIT_BAD_CONFIG;
        }

        /* The resolved erase plan travels in the overlay next to capture.conf (none with Enable=no). */
        r = tinykdump_erase_plan(c, tk_root(), &erase_plan, &erase_plan_size);
        if (r < 0)
                return r;
        CaptureOverlayFile extra = { .path = ERASE_PLAN_PATH, .mode = 0600, .data = erase_plan, .size = erase_plan_size };

        r = load_plan_build_with(tk_root(), c, 0, &extra, erase_plan ? 1 : 0, &p, &msg);
        if (r == -EDESTADDRREQ) {
                /* No [Target] What=: the configuration names no dump target. */
                log_error("%s", msg ?: strerror(-r));
                return EXIT_BAD_CONFIG;
        }
        if (r < 0)
                return log_error_errno(r, "%s", msg ?: strerror(-r));
        if (!p.target_present)
                log_warning("The dump target %s (%s) is not present now; the dump will only be saved if it is "
                            "attached when the system crashes.",
                            p.capture.target_what, p.target_device);
        load_check_target_fstype(c, &p);

        r = load_check_target(c, &p, o->dry_run);
        if (r != 0)
                return r;
        r = load_check_memory(c, &p, o->dry_run);
        if (r != 0)
                return r;
        if (o->dry_run) {
                log_dry_run(&p);
                return EXIT_SUCCESS;
        }
        return load_replace(&p, erase_plan, erase_plan_size);
}

/* ---- status ---- */

void tinykdump_load_status_print(const char *root, const LoadState *st, bool have_state) {
        ShrinkRecord rec;
        char t[64];

        if (shrink_record_read(root, &rec) >= 0) {
                report_format_time(rec.at_usec, t, sizeof(t));
                printf("      Shrunk: static reservation %s → %s by tinykdump load at %s; only a reboot restores it\n",
                       MIB(rec.from), MIB(rec.to), t);
        }
        if (have_state && st->reload_failed_at_usec > 0) {
                report_format_time(st->reload_failed_at_usec, t, sizeof(t));
                printf("      Reload: failed at %s (%s); the capture kernel above was loaded again\n", t,
                       strna(st->reload_error));
        }
}

void tinykdump_load_status_json(JsonWriter *w, const char *root, const LoadState *st, bool have_state) {
        ShrinkRecord rec;

        if (shrink_record_read(root, &rec) >= 0) {
                json_key(w, "shrunk");
                json_object_open(w);
                json_kv_u64(w, "from", rec.from);
                json_kv_u64(w, "to", rec.to);
                json_kv_u64(w, "at_usec", rec.at_usec);
                json_object_close(w);
        }
        if (have_state && st->reload_failed_at_usec > 0) {
                json_key(w, "reload_failed");
                json_object_open(w);
                json_kv_u64(w, "at_usec", st->reload_failed_at_usec);
                if (st->reload_error)
                        json_kv_string(w, "error", st->reload_error);
                json_object_close(w);
        }
}

/* status runs the same check as load, for the configured image and the target as it is now. */
static int status_image_check(const TkConfig *c, const char *device, bool present, ImageCheck *t) {
        _cleanup_free_ char *image = NULL;
        _cleanup_(block_identity_done) BlockIdentity id = {};
        const char *fstype = NULL;
        int r;

        r = configured_image_file(c, &image);
        if (r < 0)
                return r;
        if (c->fs_type != TK_FS_AUTO)
                fstype = tk_fs_to_string(c->fs_type);
        else if (present && !tk_root() && block_probe_blkid(device, &id) >= 0)
                fstype = id.fstype;
        return image_check_run(c, image, fstype, device, present, t);
}

void tinykdump_load_status_image_print(const TkConfig *c, const char *device, bool present) {
        _cleanup_(image_check_done) ImageCheck t = {};

        if ((!c->image && !c->kernel) || status_image_check(c, device, present, &t) < 0)
                return;
        if (t.result == -ENOENT) {
                printf(" Image check: not possible, %s does not exist (rebuild the image)\n", t.index_dir);
                return;
        }
        if (t.result < 0) {
                printf(" Image check: failed to read %s: %s\n", t.index_dir, strerror(-t.result));
                return;
        }
        printf(" Image check: %s", t.result > 0 ? "MISSING" : "ok,");
        for (size_t i = 0, k = 0; i < t.mc.n_needs; i++) {
                const ModuleNeed *n = &t.mc.needs[i];
                if (t.result > 0 && n->found)
                        continue;
                printf("%s%s", k++ > 0 ? ", " : " ", n->lookup);
                if (!n->found)
                        printf(" (%s)", n->why);
        }
        if (t.result == 0)
                printf(" %s%s", t.mc.n_needs > 0 ? "in the image" : "nothing to check",
                       !t.fstype ? "; file system unknown" : "");
        printf("%s\n", t.device_walked ? "" : "; target absent, drivers not checked");
}

void tinykdump_load_status_image_json(JsonWriter *w, const TkConfig *c, const char *device, bool present) {
        _cleanup_(image_check_done) ImageCheck t = {};

        if ((!c->image && !c->kernel) || status_image_check(c, device, present, &t) < 0)
                return;
        json_key(w, "image_check");
        json_object_open(w);
        json_kv_string(w, "index", t.index_dir);
        json_kv_bool(w, "checked", t.result >= 0);
        if (t.fstype)
                json_kv_string(w, "fstype", t.fstype);
        json_kv_bool(w, "drivers_checked", t.device_walked);
        if (t.result >= 0)
                json_kv_u64(w, "missing", (uint64_t) t.result);
        json_key(w, "needs");
        json_array_open(w);
        for (size_t i = 0; t.result >= 0 && i < t.mc.n_needs; i++) {
                const ModuleNeed *n = &t.mc.needs[i];
                json_object_open(w);
                json_kv_string(w, "lookup", n->lookup);
                json_kv_string(w, "why", n->why);
                if (n->found)
                        json_kv_string(w, "module", n->found);
                json_kv_bool(w, "builtin", n->builtin);
                json_object_close(w);
        }
        json_array_close(w);
        json_object_close(w);
}
