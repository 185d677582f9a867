/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump: arm the machine for kernel crash dumps and inspect the result. A thin main() over
 * the libraries in src/ (arm, report, vmcore, dump, basic): every verb is a few calls into them
 * plus printing. */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "crashmem.h"
#include "erase-plan.h"
#include "format-mib.h"
#include "help.h"
#include "json.h"
#include "kexec.h"
#include "loader.h"
#include "proc-cmdline.h"
#include "status-steps.h"
#include "report-filter.h"
#include "time-util.h"
#include "log.h"
#include "options.h"
#include "tinykdump-crashmem.h"
#include "tinykdump-erase.h"
#include "tinykdump-load.h"
#include "tinykdump-report.h"
#include "tinykdump-test.h"
#include "tinykdump-vmcore.h"
#include "tkconf.h"
#include "udev-rule.h"
#include "verbs.h"

static const char *root(void) {
        return tk_root();
}

static int verb_unload(int argc, char *argv[], void *userdata) {
        _cleanup_(load_state_done) LoadState st = {};
        bool grown;
        int r;

        grown = load_state_read(root(), &st) >= 0 && st.grown;
        r = kexec_unload_crash();
        if (r < 0) {
                _cleanup_free_ char *m = kexec_error_message(r, NULL);
                return log_error_errno(r, "Failed to unload the crash kernel: %s", strna(m));
        }
        (void) load_state_remove(root());
        (void) tinykdump_erase_record(root(), NULL, 0);
        r = report_udev_rule_remove(root());
        if (r < 0)
                log_warning_errno(r, "Cannot remove %s/%s: %m", REPORT_UDEV_RULE_DIR, REPORT_UDEV_RULE_NAME);
        log_info("Crash kernel unloaded.");

        if (grown) {
                /* The load allocated the region from CMA: give it back. */
                _cleanup_(crashmem_done) CrashMem m = {};
                const char *bad = NULL;

                r = crashmem_read(root(), &m, &bad);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the crash kernel reservation%s%s: %m",
                                               bad ? " from " : "", strempty(bad));
                r = crashmem_shrink(root(), &m, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to return the %s crash kernel region to CMA: %m",
                                               MIB(m.static_size));
                log_info("Returned the %s crash kernel region to CMA.", MIB(m.static_size));
        }
        return EXIT_SUCCESS;
}

static void json_ranges(JsonWriter *w, const char *key, const CrashRange *ranges, size_t n) {
        json_key(w, key);
        json_array_open(w);
        for (size_t i = 0; i < n; i++) {
                json_object_open(w);
                json_kv_u64(w, "start", ranges[i].start);
                json_kv_u64(w, "end", ranges[i].end);
                json_kv_u64(w, "size", crash_range_size(&ranges[i]));
                json_object_close(w);
        }
        json_array_close(w);
}

static const char *tristate(int v) {
        return v < 0 ? "unknown" : v ? "yes" : "no";
}

/* Everything `status` shows, gathered before printing. */
typedef struct Status {
        TkConfig *config;
        CrashMem mem;
        LoadState state;
        bool have_state;
        char *what, *device;
        bool valid, target_present, armed;
        const char *why; /* why not armed, or NULL */
        char *warning;   /* armed, but below the need: status_memory_warning(), or NULL */
        UnitState unit;
        CrashRecommendation rec;
        StatusSteps steps;
} Status;

static void status_done(Status *s) {
        tk_config_free(s->config);
        crashmem_done(&s->mem);
        load_state_done(&s->state);
        free(s->what);
        free(s->device);
        unit_state_done(&s->unit);
        crash_recommendation_done(&s->rec);
        status_steps_done(&s->steps);
        free(s->warning);
}

static int status_gather(Status *s) {
        const char *bad = NULL;
        int r;

        r = tk_config_load(root(), &s->config);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        s->valid = tk_config_is_valid(s->config);

        r = crashmem_read(root(), &s->mem, &bad);
        if (r < 0)
                return log_error_errno(r, "Failed to read the crash kernel reservation%s%s: %m", bad ? " from " : "",
                                       strempty(bad));
        s->have_state = load_state_read(root(), &s->state) >= 0;

        if (tk_config_target_what(s->config, &s->what) >= 0 && s->what &&
            capture_target_device_from_what(s->what, &s->device) >= 0)
                s->target_present = exists_at(root(), s->device);

        s->armed = s->mem.loaded > 0;

        /* What is wrong and what to do, from the same facts; systemd is only asked on the real root. */
        StatusFacts f;
        bool have_unit = !root() && unit_state_query_bus(LOAD_UNIT, &s->unit) >= 0;
        r = status_facts_gather(root(), &s->mem, s->config, s->armed, have_unit ? &s->unit : NULL, &s->rec, &f);
        if (r >= 0 && s->armed && s->have_state && s->state.memory_short) {
                f.memory_short = s->state.memory_short;
                f.memory_need = s->state.memory_need;
                f.memory_have = s->state.memory_have;
                s->warning = status_memory_warning(&f);
                if (!s->warning)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = status_steps_compute(&f, &s->steps);
        if (r < 0)
                return log_oom();
        const StatusStep *b = status_steps_blocking(&s->steps);
        s->why = s->armed || !b ? NULL : b->problem;
        return 0;
}

static void status_json_reservation(JsonWriter *w, const CrashMem *m) {
        json_key(w, "reservation");
        json_object_open(w);
        json_kv_u64(w, "static_size", m->static_size);
        json_kv_bool(w, "static_size_known", m->static_size_known);
        if (m->size_path)
                json_kv_string(w, "static_size_path", m->size_path);
        json_ranges(w, "static_ranges", m->iomem.crash, m->iomem.n_crash);
        json_kv_u64(w, "cma_size", m->cma_size);
        json_ranges(w, "cma_ranges", m->cma, m->n_cma);
        json_kv_bool(w, "growable", m->growable);
        json_kv_u64(w, "system_ram", m->system_ram);
        json_object_close(w);
}

static void status_json_capture(JsonWriter *w, const Status *s) {
        const LoadState *st = &s->state;

        if (!s->armed || !s->have_state)
                return;
        json_key(w, "capture");
        json_object_open(w);
        if (st->image)
                json_kv_string(w, "image", st->image);
        if (st->kernel)
                json_kv_string(w, "kernel", st->kernel);
        if (st->initrd)
                json_kv_string(w, "initrd", st->initrd);
        if (st->cmdline)
                json_kv_string(w, "cmdline", st->cmdline);
        if (st->mode)
                json_kv_string(w, "mode", st->mode);
        json_kv_u64(w, "loaded_at_usec", st->loaded_at_usec);
        json_kv_u64(w, "kernel_size", st->kernel_size);
        json_kv_u64(w, "initrd_size", st->initrd_size);
        json_kv_u64(w, "need_static", st->need_static);
        json_kv_u64(w, "static_before", st->static_before);
        json_kv_u64(w, "static_after", st->static_after);
        json_kv_bool(w, "grown", st->grown);
        json_object_close(w);
}

/* A diagnostic as {level, file, line, section, key, value, message}; what it is not about is absent. */
static void json_conf_diag(JsonWriter *w, const ConfDiag *d) {
        json_object_open(w);
        json_kv_string(w, "level", d->level <= LOG_ERR ? "error" : "warning");
        if (d->file)
                json_kv_string(w, "file", d->file);
        if (d->line > 0)
                json_kv_u64(w, "line", d->line);
        if (d->section)
                json_kv_string(w, "section", d->section);
        if (d->key)
                json_kv_string(w, "key", d->key);
        if (d->value)
                json_kv_string(w, "value", d->value);
        json_kv_string(w, "message", d->message);
        json_object_close(w);
}

static void status_json_config(JsonWriter *w, const Status *s) {
        const TkConfig *c = s->config;

        json_key(w, "config");
        json_object_open(w);
        json_kv_bool(w, "valid", s->valid);
        json_kv_u64(w, "errors", c->diags.n_errors);
        json_key(w, "files");
        json_array_open(w);
        STRV_FOREACH(f, c->files)
                json_string(w, *f);
        json_array_close(w);
        json_key(w, "diagnostics");
        json_array_open(w);
        for (size_t i = 0; i < c->diags.n; i++)
                json_conf_diag(w, &c->diags.items[i]);
        json_array_close(w);
        json_object_close(w);
}

static int status_print_json(const Status *s, bool pretty) {
        JsonWriter w;
        int r;

        json_begin(&w, stdout, pretty);
        json_object_open(&w);
        json_kv_bool(&w, "armed", s->armed);
        if (s->why)
                json_kv_string(&w, "reason", s->why);
        if (s->warning) {
                json_kv_string(&w, "warning", s->warning);
                json_key(&w, "memory_short");
                json_object_open(&w);
                json_kv_string(&w, "part", s->state.memory_short);
                json_kv_u64(&w, "need", s->state.memory_need);
                json_kv_u64(&w, "have", s->state.memory_have);
                json_object_close(&w);
        }
        status_json_reservation(&w, &s->mem);
        if (s->mem.loaded >= 0) /* absent: the kernel does not say */
                json_kv_bool(&w, "loaded", s->mem.loaded > 0);
        status_json_capture(&w, s);
        tinykdump_load_status_json(&w, root(), &s->state, s->armed && s->have_state);
        tinykdump_erase_status_json(&w, root(), s->armed && s->have_state);
        json_key(&w, "hotplug");
        json_object_open(&w);
        if (s->mem.cpu_hotplug >= 0) /* absent: the kernel does not say */
                json_kv_bool(&w, "cpu", s->mem.cpu_hotplug > 0);
        if (s->mem.memory_hotplug >= 0)
                json_kv_bool(&w, "memory", s->mem.memory_hotplug > 0);
        json_object_close(&w);
        json_key(&w, "target");
        json_object_open(&w);
        if (s->what)
                json_kv_string(&w, "what", s->what);
        if (s->device)
                json_kv_string(&w, "device", s->device);
        json_kv_bool(&w, "present", s->target_present);
        json_object_close(&w);
        tinykdump_load_status_image_json(&w, s->config, s->device, s->target_present);
        status_json_config(&w, s);
        status_steps_json(&w, &s->steps);
        json_object_close(&w);
        r = json_end(&w);
        if (r < 0)
                return log_error_errno(r, "Failed to write to standard output: %m");
        return 0;
}

static void status_print_text(const Status *s) {
        const CrashMem *m = &s->mem;
        const LoadState *st = &s->state;
        const TkConfig *c = s->config;

        if (s->warning)
                printf("       State: %s\n", s->warning);
        else
                printf("       State: %s%s%s\n", s->armed ? "armed" : "not armed", s->why ? " — " : "", strempty(s->why));
        printf(" Reservation: static %s", m->static_size_known ? MIB(m->static_size) : "unknown");
        for (size_t i = 0; i < m->iomem.n_crash; i++)
                printf("%s%#" PRIx64 "-%#" PRIx64, i == 0 ? " at " : ", ", m->iomem.crash[i].start,
                       m->iomem.crash[i].end);
        if (m->n_cma > 0)
                printf("; CMA %s in %zu range(s)", MIB(m->cma_size), m->n_cma);
        else
                printf("; no CMA");
        printf("%s\n", m->growable ? "; growable from CMA" : "");
        if (s->armed && s->have_state) {
                printf("      Loaded: %s (%s mode)\n", st->image ?: st->kernel, strna(st->mode));
                if (st->initrd)
                        printf("      Initrd: %s (%s with overlay)\n", st->initrd, MIB(st->initrd_size));
                printf("     Cmdline: %s\n", strna(st->cmdline));
                printf("        Need: %s static (was %s, now %s)\n", MIB(st->need_static), MIB(st->static_before),
                       MIB(st->static_after));
        } else
                printf("      Loaded: %s\n", tristate(m->loaded));
        tinykdump_load_status_print(root(), &s->state, s->armed && s->have_state);
        tinykdump_erase_status_print(root(), s->armed && s->have_state);
        printf("      Target: %s%s%s%s\n", s->what ?: "(not configured)", s->device ? " → " : "", strempty(s->device),
               s->what ? (s->target_present ? " (present)" : " (not present)") : "");
        tinykdump_load_status_image_print(c, s->device, s->target_present);
        printf("     Hotplug: kernel updates the loaded image itself on CPU hotplug: %s, memory hotplug: %s\n",
               tristate(m->cpu_hotplug), tristate(m->memory_hotplug));
        printf("      Config: %s", s->valid ? "valid" : "INVALID");
        if (c->diags.n > 0)
                printf(", %zu diagnostic(s):\n", c->diags.n);
        else
                printf("\n");
        for (size_t i = 0; i < c->diags.n; i++) {
                _cleanup_free_ char *d = conf_diag_format(&c->diags.items[i]);
                printf("              %s\n", strna(d));
        }
        status_steps_print(&s->steps);
}

static int verb_status(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_(status_done) Status s = {};
        int r;

        r = status_gather(&s);
        if (r < 0)
                return r;
        if (o->json) {
                r = status_print_json(&s, o->pretty);
                if (r < 0)
                        return r;
        } else
                status_print_text(&s);
        return s.armed ? EXIT_SUCCESS : EXIT_NOT_ARMED;
}

/* getopt's complaints in our words, with the short program name and where to look:
 * "tinykdump: unrecognized option '--foo'", "See 'tinykdump --help'." */
static int usage_error(const char *arg, bool missing_argument) {
        const char *p = program_invocation_short_name;

        if (missing_argument && arg && startswith(arg, "--"))
                fprintf(stderr, "%s: option '%s' requires an argument\n", p, arg);
        else if (missing_argument)
                fprintf(stderr, "%s: option requires an argument -- '%c'\n", p, optopt);
        else if (optopt == 0 && arg)
                fprintf(stderr, "%s: unrecognized option '%s'\n", p, arg);
        else if (arg && startswith(arg, "--"))
                fprintf(stderr, "%s: option '%s' does not take an argument\n", p, arg);
        else
                fprintf(stderr, "%s: invalid option -- '%c'\n", p, optopt);
        fprintf(stderr, "See '%s --help'.\n", p);
        return -EINVAL;
}

enum { ARG_VERSION = 0x100, ARG_JSON, ARG_FILE, ARG_DIRECTORY, ARG_CALLER_ID, ARG_NO_PAGER, ARG_NO_LEGEND, ARG_APPLY, ARG_YES, ARG_DRY_RUN };

/* The options that take a value to check: --json=, --caller-id=, -n, -S/--since=, -U/--until=. */
static int parse_value_option(int c, const char *arg, uint64_t now, TinykdumpOptions *o) {
        int r;

        switch (c) {
        case ARG_JSON:
                if (!arg || streq(arg, "pretty"))
                        o->json = true, o->pretty = true;
                else if (streq(arg, "short"))
                        o->json = true, o->pretty = false;
                else if (streq(arg, "off"))
                        o->json = false;
                else
                        return log_error_errno(-EINVAL, "Unknown --json= mode '%s': use pretty, short or off.",
                                               arg);
                break;
        case ARG_CALLER_ID: {
                int b = parse_boolean(arg);
                if (b < 0)
                        return log_error_errno(b, "--caller-id= takes a boolean, not '%s'.", arg);
                o->caller_id = b;
                break;
        }
        case 'n': {
                uint64_t u;
                if (safe_atou64(arg, &u) < 0 || u == 0 || u > SIZE_MAX)
                        return log_error_errno(-EINVAL, "-n takes a number of dumps greater than 0, not '%s'.", arg);
                o->max_records = (size_t) u;
                break;
        }
        case 'S':
        case 'U':
                r = parse_time_spec(arg, now, c == 'S' ? &o->since : &o->until);
                if (r < 0)
                        return log_error_errno(r, "--%s= takes a time like \"today\", \"yesterday\", \"-2h\", "
                                               "\"2026-03-01\" or \"2026-03-01 10:00:00\", not '%s'.",
                                               c == 'S' ? "since" : "until", arg);
                break;
        default:
                return log_error_errno(-EINVAL, "Unhandled option");
        }
        return 0;
}

/* Returns 1 to run a verb, 2 for --help (of the verb, when one is named), 0 to exit successfully
 * (--version), or a negative errno already logged (a usage error). */
static int parse_argv(int argc, char *argv[], TinykdumpOptions *o) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", optional_argument, NULL, ARG_JSON },
                { "quiet", no_argument, NULL, 'q' },
                { "file", required_argument, NULL, ARG_FILE },
                { "directory", required_argument, NULL, ARG_DIRECTORY },
                { "caller-id", required_argument, NULL, ARG_CALLER_ID },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "yes", no_argument, NULL, ARG_YES },
                { "reverse", no_argument, NULL, 'r' },
                { "lines", required_argument, NULL, 'n' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                { "apply", no_argument, NULL, ARG_APPLY },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                {},
        };
        uint64_t now = clock_now_usec(CLOCK_REALTIME);
        bool want_help = false;
        int c, r;

        /* Leading ':': getopt stays quiet and we say what was wrong, with the short name. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hq1n:rS:U:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        want_help = true;
                        break;
                case ARG_VERSION:
                        printf("tinykdump %s\n", PACKAGE_VERSION);
                        return 0;
                case 'q':
                        log_set_max_level(LOG_WARNING);
                        break;
                case ARG_FILE:
                        o->journal_file = optarg;
                        break;
                case ARG_DIRECTORY:
                        o->journal_dir = optarg;
                        break;
                case ARG_NO_PAGER:
                        o->no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        o->no_legend = true;
                        break;
                case ARG_YES:
                        o->yes = true;
                        break;
                case ARG_DRY_RUN:
                        o->dry_run = true;
                        break;
                case 'r':
                        o->reverse = true;
                        break;
                case ARG_APPLY:
                        o->apply = true;
                        break;
                case '1':
                        o->max_records = 1;
                        break;
                case ARG_JSON:
                case ARG_CALLER_ID:
                case 'n':
                case 'S':
                case 'U':
                        r = parse_value_option(c, optarg, now, o);
                        if (r < 0)
                                return r;
                        break;
                case ':':
                        return usage_error(argv[optind - 1], true);
                case '?':
                        return usage_error(argv[optind - 1], false);
                default:
                        return log_error_errno(-EINVAL, "Unhandled option");
                }
        return want_help ? 2 : 1;
}

int main(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "load", 1, 1, false, verb_load },
                { "unload", 1, 1, false, verb_unload },
                { "status", 1, 1, true, verb_status },
                { "estimate", 1, 1, false, verb_estimate },
                { "crashkernel", 1, 1, false, verb_crashkernel },
                { "report", 1, 2, false, verb_report },
                { "list", 1, VERB_ANY, false, verb_list },
                { "info", 1, VERB_ANY, false, verb_info },
                { "dmesg", 2, 2, false, verb_dmesg },
                { "uname", 2, 2, false, verb_uname },
                { "test", 1, 1, false, verb_test },
                { "help", 1, 2, false, verb_help },
        };
        TinykdumpOptions options = {
                .pretty = true,
                .caller_id = true,
                .since = UINT64_MAX,
                .until = UINT64_MAX,
        };
        const Verb *v = NULL;
        int r;

        log_setup("tinykdump", LOG_TARGET_AUTO);
        log_parse_environment();

        r = parse_argv(argc, argv, &options);
        if (r < 0)
                return EXIT_USAGE;
        if (r == 0)
                return EXIT_SUCCESS;
        if (r == 2) {
                /* "tinykdump load --help": the verb's help; else (or for an unknown verb) all of it. */
                if (optind >= argc || help_print_verb(argv[optind]) < 0)
                        help_print();
                return EXIT_SUCCESS;
        }

        switch (verbs_find(argc - optind, argv + optind, verbs, ELEMENTSOF(verbs), &v)) {
        case VERB_FIND_OK:
                break;
        case VERB_FIND_MISSING:
                log_error("Command verb required. See '%s --help'.", program_invocation_short_name);
                return EXIT_USAGE;
        case VERB_FIND_UNKNOWN:
                log_error("Unknown command verb '%s'. See '%s --help'.", argv[optind], program_invocation_short_name);
                return EXIT_USAGE;
        case VERB_FIND_TOO_FEW:
                log_error("Too few arguments for '%s'. See '%s %s --help'.", v->verb, program_invocation_short_name, v->verb);
                return EXIT_USAGE;
        case VERB_FIND_TOO_MANY:
                log_error("Too many arguments for '%s'. See '%s %s --help'.", v->verb, program_invocation_short_name, v->verb);
                return EXIT_USAGE;
        }

        if (optind >= argc)
                r = v->dispatch(1, (char *[]) { (char *) v->verb, NULL }, &options);
        else
                r = v->dispatch(argc - optind, argv + optind, &options);
        /* Verbs return 0, a positive exit status, or a negative errno they have already logged. */
        return r < 0 ? EXIT_FAILURE : r;
}
