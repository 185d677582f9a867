/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump load: build the plan, check it, load it in place of what is loaded (and load that
 * again when the new one fails); what status says about it. */
#include <inttypes.h>

#include "erase-plan.h"
#include "format-mib.h"
#include "log.h"
#include "options.h"
#include "record.h"
#include "tinykdump-erase.h"
#include "tinykdump-load.h"



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
        log_loaded(p, &res);
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
