/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tinykdump status`: what is wrong, and the next step for each. See status-steps.h. */
#include <stdarg.h>
#include <systemd/sd-bus.h>

#include "format-mib.h"
#include "loader.h"
#include "proc-cmdline.h"
#include "status-steps.h"

void unit_state_done(UnitState *s) {
        free(s->active_state);
        free(s->result);
        free(s->unit_file_state);
        *s = (UnitState) {};
}

int unit_state_query_bus(const char *unit, UnitState *ret) {
        _cleanup_(unit_state_done) UnitState s = {};
        _cleanup_free_ char *path = NULL;
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                               "ActiveState", NULL, &s.active_state);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                               "UnitFileState", NULL, &s.unit_file_state);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path,
                                               "org.freedesktop.systemd1.Service", "Result", NULL, &s.result);
        sd_bus_flush_close_unref(bus);
        if (r < 0)
                return r;
        *ret = s;
        s = (UnitState) {};
        return 0;
}

void status_steps_done(StatusSteps *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].problem);
                free(s->items[i].step);
        }
        *s = (StatusSteps) {};
}

static int add(StatusSteps *s, const char *id, bool blocks, const char *problem, const char *step, ...)
        _printf_(5, 6);
static int add(StatusSteps *s, const char *id, bool blocks, const char *problem, const char *step, ...) {
        StatusStep *t;
        va_list ap;
        int r;

        if (s->n >= ELEMENTSOF(s->items))
                return 0;
        t = &s->items[s->n];
        t->id = id;
        t->blocks_arming = blocks;
        t->problem = strdup(problem);
        va_start(ap, step);
        r = vasprintf(&t->step, step, ap);
        va_end(ap);
        if (!t->problem || r < 0) {
                free(t->problem);
                return -ENOMEM;
        }
        s->n++;
        return 0;
}

static const char *fit_problem(CrashReservationFit fit) {
        switch (fit) {
        case CRASH_FIT_TOO_SMALL:
                return "the crash reservation is too small for the capture image";
        case CRASH_FIT_CMA_POSSIBLE:
                return "the crash reservation is classic, but this kernel could keep the capture system's run-time "
                       "memory in CMA, usable by this system until a crash";
        case CRASH_FIT_CMA_TOO_SMALL:
                return "the CMA part of the reservation is smaller than the capture system needs at run time";
        default:
                return NULL;
        }
}

static bool unit_enabled(const char *state) {
        /* What "systemctl is-enabled" calls enabled: pulled in by its own [Install] at boot. */
        return streq(state, "enabled") || streq(state, "enabled-runtime") || streq(state, "linked") ||
               streq(state, "linked-runtime") || streq(state, "alias");
}

int status_steps_compute(const StatusFacts *f, StatusSteps *ret) {
        _cleanup_(status_steps_done) StatusSteps s = {};
        const char *reboot_kernel = "boot a kernel built with CONFIG_KEXEC_FILE and CONFIG_CRASH_DUMP (Debian's are)";
        int r = 0;

        if (!f->crash_support)
                r = add(&s, "no-crash-support", !f->armed,
                        "this kernel has no crash dump support (neither /sys/kernel/kexec/crash_loaded nor "
                        "/sys/kernel/kexec_crash_loaded exists)", "%s", reboot_kernel);
        else if (f->kexec_file == 0)
                r = add(&s, "no-kexec-file", !f->armed,
                        "this kernel is built without kexec_file_load(2) (CONFIG_KEXEC_FILE is not set in its "
                        "/boot/config-*), which tinykdump loads the capture kernel with", "%s", reboot_kernel);
        if (r >= 0 && f->cmdline_disabled)
                r = add(&s, "disabled-on-cmdline", !f->armed,
                        "tinykdump=0 is on the kernel command line, so no boot is armed",
                        "remove it from the boot loader configuration (GRUB: /etc/default/grub, /etc/default/grub.d/; "
                        "kernel-install: /etc/kernel/cmdline) and reboot");
        if (r >= 0 && !f->reserved) {
                if (f->crashkernel_given)
                        r = add(&s, "reservation-failed", !f->armed,
                                "the kernel reserved no crash memory for the crashkernel= on its command line",
                                "see why in the kernel log (journalctl -k -g crashkernel), then run 'tinykdump "
                                "crashkernel --apply' and reboot");
                else
                        r = add(&s, "no-reservation", !f->armed,
                                "no crash memory is reserved (crashkernel= is not on the kernel command line)",
                                "run 'tinykdump crashkernel --apply' and reboot");
        } else if (r >= 0 && f->armed && f->memory_short) {
                /* The same fact as "reservation-differs", said as what it means for the armed capture. */
                _cleanup_free_ char *w = status_memory_warning(f);
                if (!w)
                        return -ENOMEM;
                r = add(&s, "below-need", false, w,
                        "run 'tinykdump crashkernel --apply' (it sets %s) and reboot, or load a smaller capture image",
                        f->have_recommendation ? f->recommended : "the crashkernel= that fits");
        } else if (r >= 0 && f->have_recommendation && fit_problem(f->fit))
                r = add(&s, "reservation-differs", !f->armed && f->fit == CRASH_FIT_TOO_SMALL, fit_problem(f->fit),
                        "run 'tinykdump crashkernel --apply' (it sets %s) and reboot", f->recommended);
        if (r >= 0 && !f->have_config_file)
                r = add(&s, "no-config", !f->armed, "there is no configuration file (tinykdump.conf(5))",
                        "name the dump partition: mkdir -p /etc/tinykdump/tinykdump.conf.d && printf "
                        "'[Target]\\nWhat=LABEL=CRASH\\n' >/etc/tinykdump/tinykdump.conf.d/50-target.conf "
                        "(LABEL=, UUID=, PARTUUID= or PARTLABEL=)");
        else if (r >= 0 && !f->have_target)
                r = add(&s, "no-target", !f->armed, "no dump target is configured ([Target] What= is not set)",
                        "set [Target] What= to LABEL=, UUID=, PARTUUID= or PARTLABEL= of the dump partition, e.g. in "
                        "/etc/tinykdump/tinykdump.conf.d/50-target.conf");
        /* A missing target is an error of the configuration too: not twice. */
        if (r >= 0 && !f->config_valid && (f->have_target || f->config_errors > 1))
                r = add(&s, "config-invalid", !f->armed, "the configuration has errors (listed under Config)",
                        "fix each at the file and line named, then systemctl restart %s", LOAD_UNIT);
        if (r >= 0 && f->unit && f->unit->active_state && streq(f->unit->active_state, "failed"))
                r = add(&s, "load-failed", !f->armed, LOAD_UNIT " failed",
                        "read why with 'journalctl -b -u %s' (result: %s), fix it, then systemctl restart %s",
                        LOAD_UNIT, strna(f->unit->result), LOAD_UNIT);
        if (r >= 0 && f->unit && f->unit->unit_file_state && !unit_enabled(f->unit->unit_file_state))
                r = add(&s, "not-enabled", false, LOAD_UNIT " is not enabled, so boots are not armed",
                        "systemctl enable --now %s", LOAD_UNIT);
        if (r >= 0 && !f->armed && !status_steps_blocking(&s))
                r = add(&s, "not-loaded", true, "no capture kernel is loaded",
                        "systemctl start %s (or tinykdump load), and read what it says", LOAD_UNIT);
        if (r < 0)
                return r;
        *ret = s;
        s = (StatusSteps) {};
        return 0;
}

const StatusStep *status_steps_blocking(const StatusSteps *s) {
        for (size_t i = 0; i < s->n; i++)
                if (s->items[i].blocks_arming)
                        return &s->items[i];
        return NULL;
}

/* CONFIG_KEXEC_FILE in /boot/config-RELEASE: 1, 0, or -1 when there is no such file or line. */
static int kernel_config_kexec_file(const char *root, const char *release) {
        _cleanup_free_ char *path = NULL, *s = NULL;

        if (!release || asprintf(&path, "/boot/config-%s", release) < 0)
                return -1;
        if (read_full_file_at(root, path, 4 * MiB, &s, NULL) < 0)
                return -1;
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (streq(l, "CONFIG_KEXEC_FILE=y"))
                        return 1;
                if (streq(l, "# CONFIG_KEXEC_FILE is not set"))
                        return 0;
        }
        return -1;
}

int status_facts_gather(const char *root, const CrashMem *m, const TkConfig *c, bool armed, const UnitState *unit,
                        CrashRecommendation *rec, StatusFacts *ret) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *release = NULL, *what = NULL, *msg = NULL;
        StatusFacts f = {
                .armed = armed,
                .crash_support = m->loaded_path != NULL,
                .reserved = crashmem_has_static(m) || crashmem_has_cma(m),
                .crashkernel_given = m->crashkernel_error != -ENOENT,
                .have_config_file = c->files && c->files[0],
                .config_valid = tk_config_is_valid(c),
                .config_errors = c->diags.n_errors,
                .unit = unit,
        };
        bool enabled;
        int r;

        if (running_kernel_release(root, &release) == -ENOMEM)
                return -ENOMEM;
        f.kexec_file = kernel_config_kexec_file(root, release);

        if (m->cmdline) {
                r = proc_cmdline_split(m->cmdline, strlen(m->cmdline), &words);
                if (r == -ENOMEM)
                        return r;
                f.cmdline_disabled = r >= 0 && proc_cmdline_get_bool(words, "tinykdump", &enabled, NULL) > 0 && !enabled;
        }

        r = tk_config_target_what(c, &what);
        if (r == -ENOMEM)
                return r;
        f.have_target = r >= 0 && what;

        /* The recommendation needs a capture image or an installed kernel; without either there is
         * nothing to compare with, and `crashkernel` says why. */
        r = crash_recommend(root, c, rec, &msg);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                f.have_recommendation = true;
                f.fit = crash_reservation_fit(rec);
                f.recommended = rec->recommended;
        }
        *ret = f;
        return 0;
}

char *status_memory_warning(const StatusFacts *f) {
        char *w = NULL;

        if (!f->memory_short)
                return NULL;
        if (asprintf(&w, "armed, but the capture will likely run out of memory: need %s, have %s (%s)",
                     MIB(f->memory_need), MIB(f->memory_have),
                     streq(f->memory_short, "cma") ? "CMA reservation" : "static reservation") < 0)
                return NULL;
        return w;
}

void status_steps_print(const StatusSteps *s) {
        for (size_t i = 0; i < s->n; i++)
                printf("%s %s.\n              → %s\n", i == 0 ? "        Next:" : "             ", s->items[i].problem,
                       s->items[i].step);
}

void status_steps_json(JsonWriter *w, const StatusSteps *s) {
        json_key(w, "next_steps");
        json_array_open(w);
        for (size_t i = 0; i < s->n; i++) {
                json_object_open(w);
                json_kv_string(w, "id", s->items[i].id);
                json_kv_string(w, "problem", s->items[i].problem);
                json_kv_string(w, "step", s->items[i].step);
                json_object_close(w);
        }
        json_array_close(w);
}
