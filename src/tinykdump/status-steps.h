/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What `tinykdump status` says is wrong and the next step for each: the facts are gathered from the
 * kernel, the configuration, the recommendation of `crashkernel` and systemd (over D-Bus), and turned
 * into steps by a pure function, so that every case is testable on fake roots. */

#include "crashmem.h"
#include "json.h"
#include "tinykdump-crashmem.h"
#include "tkconf.h"

#define LOAD_UNIT "tinykdump-load.service"

/* What systemd says about tinykdump-load.service; strings NULL when unknown. */
typedef struct UnitState {
        char *active_state;        /* "active", "failed", "inactive", … */
        char *result;              /* Service.Result: "success", "exit-code", "exec-condition", … */
        char *unit_file_state;     /* "enabled", "disabled", "masked", … */
} UnitState;

void unit_state_done(UnitState *s);

/* Ask the system manager over D-Bus (sd-bus). Errors: no bus (not booted with systemd, or no
 * permission) as a negative errno; the caller then treats the state as unknown. */
int unit_state_query_bus(const char *unit, UnitState *ret);

typedef struct StatusFacts {
        bool armed;
        bool crash_support;        /* the kernel has crash dump support (crash_loaded attribute) */
        int kexec_file;            /* CONFIG_KEXEC_FILE per /boot/config-RELEASE: 1, 0, -1 unknown */
        bool cmdline_disabled;     /* tinykdump= false on the kernel command line */
        bool reserved;             /* a static region or CMA ranges */
        bool crashkernel_given;    /* crashkernel= on the kernel command line */
        bool have_recommendation;
        CrashReservationFit fit;
        const char *recommended;   /* the words of `crashkernel` */
        bool have_config_file;
        bool have_target;
        bool config_valid;
        size_t config_errors;
        const UnitState *unit;     /* NULL when systemd could not be asked */
        /* Armed, but load recorded that the region is below the need (LoadState.memory_short):
         * "static" or "cma", or NULL. */
        const char *memory_short;
        uint64_t memory_need, memory_have;
} StatusFacts;

typedef struct StatusStep {
        const char *id;            /* "no-crash-support", "reservation-differs", … (tinykdump(8)) */
        char *problem;
        char *step;
        bool blocks_arming;        /* the reason the machine is not armed, when it is not */
} StatusStep;

#define STATUS_STEPS_MAX 12

typedef struct StatusSteps {
        StatusStep items[STATUS_STEPS_MAX];
        size_t n;
} StatusSteps;

void status_steps_done(StatusSteps *s);

/* The steps for the facts, the ones that keep the machine from arming first. -ENOMEM. */
int status_steps_compute(const StatusFacts *f, StatusSteps *ret);

/* The first step that blocks arming, or NULL. */
const StatusStep *status_steps_blocking(const StatusSteps *s);

/* Gather the facts that are not in CrashMem and TkConfig: CONFIG_KEXEC_FILE, tinykdump= on the
 * command line, the recommendation (*rec, which must be freed). unit may be NULL. */
int status_facts_gather(const char *root, const CrashMem *m, const TkConfig *c, bool armed, const UnitState *unit,
                        CrashRecommendation *rec, StatusFacts *ret);

/* "armed, but the capture will likely run out of memory: need X, have Y (…)" when f->memory_short,
 * else NULL. */
char *status_memory_warning(const StatusFacts *f);

void status_steps_print(const StatusSteps *s);
void status_steps_json(JsonWriter *w, const StatusSteps *s);
