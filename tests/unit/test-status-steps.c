/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tinykdump status`: each problem it names with the next step, on fake roots (the kernel's files,
 * /boot/config-RELEASE, an installed kernel, the configuration) and with systemd's answer about
 * tinykdump-load.service given as it would come over D-Bus. A healthy machine gets no step at all,
 * so every check below can fail. */
#include "crashmem.h"
#include "fixtures.h"
#include "status-steps.h"
#include "tests.h"

#define RELEASE "7.2.0-test"

typedef struct Case {
        const char *cmdline;       /* default: crashkernel=256M */
        const char *crash_size;    /* default: 256 MiB */
        bool no_crash_loaded;      /* no crash_loaded attribute: no crash support */
        const char *crash_loaded;  /* default "1" */
        const char *kconfig;       /* /boot/config-RELEASE, NULL: none */
        const char *config;        /* tinykdump.conf, NULL: none; default a target */
        bool no_config;
        const UnitState *unit;
        const char *memory_short;  /* what load recorded: "static", "cma" or NULL */
} Case;

static const UnitState unit_ok = { (char *) "active", (char *) "success", (char *) "enabled" };

/* The ids of the steps for c, space-separated, and whether the first blocking one is *ret_blocking. */
static char *steps_for(const char *name, const Case *c, char **ret_blocking) {
        _cleanup_free_ char *root = fixture_mkdtemp(name), *ids = NULL;
        _cleanup_free_ uint8_t *kernel = fixture_bzimage(1 * MiB, FIXTURE_DEBIAN_INIT_SIZE);
        _cleanup_(crashmem_done) CrashMem m = {};
        _cleanup_tk_config_free_ TkConfig *conf = NULL;
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        _cleanup_(status_steps_done) StatusSteps s = {};
        StatusFacts f;
        size_t len = 0;
        FILE *out;

        if (!root || !kernel ||
            fixture_write_string(root, "/proc/cmdline", c->cmdline ?: "root=/dev/vda crashkernel=256M\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/osrelease", RELEASE "\n") < 0 ||
            fixture_write_string(root, "/proc/meminfo", "MemTotal:        4000000 kB\n") < 0 ||
            fixture_write_string(root, "/sys/kernel/kexec/crash_size", c->crash_size ?: "268435456\n") < 0 ||
            fixture_write(root, "/boot/vmlinuz-" RELEASE, kernel, 1 * MiB) < 0)
                return NULL;
        if (!c->no_crash_loaded &&
            fixture_write_string(root, "/sys/kernel/kexec/crash_loaded", c->crash_loaded ?: "1\n") < 0)
                return NULL;
        if (c->kconfig && fixture_write_string(root, "/boot/config-" RELEASE, c->kconfig) < 0)
                return NULL;
        if (!c->no_config &&
            fixture_write_string(root, TK_CONFIG_FILE, c->config ?: "[Target]\nWhat=LABEL=CRASH\n") < 0)
                return NULL;

        if (crashmem_read(root, &m, NULL) < 0 || tk_config_load(root, &conf) < 0 ||
            status_facts_gather(root, &m, conf, m.loaded > 0, c->unit ?: &unit_ok, &rec, &f) < 0)
                return NULL;
        if (c->memory_short) {
                f.memory_short = c->memory_short;
                f.memory_need = 190 * MiB;
                f.memory_have = m.static_size;
        }
        if (status_steps_compute(&f, &s) < 0)
                return NULL;

        out = open_memstream(&ids, &len);
        if (!out)
                return NULL;
        for (size_t i = 0; i < s.n; i++) {
                fprintf(out, "%s%s", i ? " " : "", s.items[i].id);
                /* every step says what to do */
                if (isempty(s.items[i].step) || isempty(s.items[i].problem))
                        fprintf(out, " EMPTY");
        }
        fclose(out);
        const StatusStep *b = status_steps_blocking(&s);
        *ret_blocking = strdup(b ? b->id : "");
        return TAKE_PTR(ids);
}

#define ASSERT_STEPS(name, c, want_ids, want_blocking)                        \
        do {                                                                  \
                _cleanup_free_ char *_blk = NULL;                               \
                _cleanup_free_ char *_ids = steps_for(name, c, &_blk);          \
                ASSERT_NOT_NULL(_ids);                                        \
                ASSERT_STREQ(_ids, want_ids);                                 \
                ASSERT_STREQ(_blk, want_blocking);                              \
        } while (0)

TEST(healthy_machine_has_no_steps) {
        ASSERT_STEPS("healthy", (&(Case) { .kconfig = "CONFIG_KEXEC_FILE=y\n" }), "", "");
        return 0;
}

TEST(reservation_differs) {
        /* 64 MiB cannot hold the capture kernel (init_size alone is 60.3 MiB) */
        ASSERT_STEPS("small", (&(Case) { .crash_size = "67108864\n", .crash_loaded = "0\n",
                                         .cmdline = "crashkernel=64M\n" }),
                     "reservation-differs", "reservation-differs");
        return 0;
}

TEST(armed_below_need) {
        /* Armed into 64 MiB: the step says what the armed capture will do, instead of
         * "reservation-differs", and does not block (it is armed). */
        ASSERT_STEPS("armed-small", (&(Case) { .crash_size = "67108864\n", .cmdline = "crashkernel=64M\n",
                                               .kconfig = "CONFIG_KEXEC_FILE=y\n", .memory_short = "static" }),
                     "below-need", "");
        return 0;
}

TEST(memory_warning_text) {
        StatusFacts f = { .armed = true, .memory_short = "static", .memory_need = 189 * MiB + 600 * KiB,
                          .memory_have = 120 * MiB };
        _cleanup_free_ char *w = status_memory_warning(&f), *c = NULL;

        ASSERT_STREQ(w, "armed, but the capture will likely run out of memory: need 189.6 MiB, have 120 MiB "
                        "(static reservation)");
        f.memory_short = "cma";
        c = status_memory_warning(&f);
        ASSERT_STREQ(c, "armed, but the capture will likely run out of memory: need 189.6 MiB, have 120 MiB "
                        "(CMA reservation)");
        f.memory_short = NULL;
        ASSERT_NULL(status_memory_warning(&f));
        return 0;
}

TEST(kernel_without_kexec_file) {
        ASSERT_STEPS("nokexecfile", (&(Case) { .kconfig = "CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n",
                                               .crash_loaded = "0\n" }),
                     "no-kexec-file", "no-kexec-file");
        return 0;
}

TEST(kernel_without_crash_support) {
        /* Not "crashkernel= missing": the kernel itself cannot. */
        ASSERT_STEPS("nocrash", (&(Case) { .no_crash_loaded = true, .crash_size = "0\n", .cmdline = "quiet\n" }),
                     "no-crash-support no-reservation", "no-crash-support");
        return 0;
}

TEST(disabled_on_cmdline) {
        ASSERT_STEPS("off", (&(Case) { .cmdline = "crashkernel=256M tinykdump=0\n", .crash_loaded = "0\n" }),
                     "disabled-on-cmdline", "disabled-on-cmdline");
        ASSERT_STEPS("offno", (&(Case) { .cmdline = "crashkernel=256M tinykdump=no\n", .crash_loaded = "0\n" }),
                     "disabled-on-cmdline", "disabled-on-cmdline");
        return 0;
}

TEST(no_reservation) {
        ASSERT_STEPS("noreserve", (&(Case) { .cmdline = "quiet\n", .crash_size = "0\n", .crash_loaded = "0\n" }),
                     "no-reservation", "no-reservation");
        ASSERT_STEPS("failedreserve", (&(Case) { .cmdline = "crashkernel=64G\n", .crash_size = "0\n",
                                                 .crash_loaded = "0\n" }),
                     "reservation-failed", "reservation-failed");
        return 0;
}

TEST(no_configuration) {
        ASSERT_STEPS("noconf", (&(Case) { .no_config = true, .crash_loaded = "0\n" }), "no-config", "no-config");
        ASSERT_STEPS("notarget", (&(Case) { .config = "[Dump]\nLevel=31\n", .crash_loaded = "0\n" }), "no-target",
                     "no-target");
        ASSERT_STEPS("badconf", (&(Case) { .config = "[Target]\nWhat=LABEL=CRASH\n[Dump]\nLevel=99\n",
                                           .crash_loaded = "0\n" }),
                     "config-invalid", "config-invalid");
        return 0;
}

TEST(load_service_failed) {
        static const UnitState failed = { (char *) "failed", (char *) "exit-code", (char *) "enabled" };
        ASSERT_STEPS("failed", (&(Case) { .crash_loaded = "0\n", .unit = &failed }), "load-failed", "load-failed");
        return 0;
}

TEST(not_enabled) {
        static const UnitState disabled = { (char *) "inactive", (char *) "success", (char *) "disabled" };
        /* Not enabled, nothing loaded: enabling is the step, and the reason is that nothing is loaded. */
        ASSERT_STEPS("disabled", (&(Case) { .crash_loaded = "0\n", .unit = &disabled }), "not-enabled not-loaded",
                     "not-loaded");
        /* Armed by hand: still say that the next boot will not be. */
        ASSERT_STEPS("byhand", (&(Case) { .unit = &disabled }), "not-enabled", "");
        return 0;
}
