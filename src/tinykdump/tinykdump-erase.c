/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erase-plan.h"
#include "erase-resolve.h"
#include "fs-util.h"
#include "log.h"
#include "tinykdump-erase.h"

/* [Erase] OnFailure= maps onto the plan's policy one to one. */
_Static_assert((int) TK_ERASE_ON_FAILURE_DELETE == (int) ERASE_ON_FAILURE_DELETE &&
               (int) TK_ERASE_ON_FAILURE_KEEP == (int) ERASE_ON_FAILURE_KEEP,
               "TkEraseOnFailure and EraseOnFailure differ");

static int all_unresolved(const EraseSource *src, const char *why, const TkConfig *c, ErasePlan *ret) {
        ErasePlan p = { .on_failure = (EraseOnFailure) c->erase_on_failure };
        int r;

        for (size_t i = 0; i < src->n_rules; i++) {
                bool off = strv_contains(c->erase_disable_rules, src->rules[i].name);
                EraseRule rule = {
                        .name = strdup(src->rules[i].name),
                        .state = off ? ERASE_RULE_DISABLED : ERASE_RULE_UNRESOLVED,
                        .reason = strdup(off ? "disabled by configuration" : why),
                };
                if (!rule.name || !rule.reason) {
                        erase_rule_done(&rule);
                        erase_plan_done(&p);
                        return -ENOMEM;
                }
                r = erase_plan_add_rule(&p, &rule);
                erase_rule_done(&rule);
                if (r < 0) {
                        erase_plan_done(&p);
                        return r;
                }
        }
        *ret = p;
        return 0;
}

int tinykdump_erase_plan(const TkConfig *c, const char *root, char **ret_text, size_t *ret_size) {
        _cleanup_(erase_source_done) EraseSource src = {};
        _cleanup_(erase_plan_done) ErasePlan plan = {};
        _cleanup_(conf_diags_done) ConfDiagList diags = {};
        _cleanup_free_ char *release = NULL, *msg = NULL;
        const char *dirs[] = { ERASE_RULES_DIR_VENDOR, ERASE_RULES_DIR_ETC, c->erase_rule_directory, NULL };
        size_t bad = 0;
        int r;

        if (!c->erase) {
                log_warning("Erasing secrets is disabled ([Erase] Enable=no): dumps will hold key material.");
                *ret_text = NULL;
                *ret_size = 0;
                return 0;
        }

        r = erase_source_load_dirs(root, dirs, &src, &diags);
        if (r < 0)
                return log_error_errno(r, "Failed to read the erase rules: %m");
        conf_diags_log(&diags);
        if (src.n_rules == 0)
                log_warning("No erase rules in %s or %s: nothing will be erased from dumps.", ERASE_RULES_DIR_VENDOR,
                            ERASE_RULES_DIR_ETC);

        (void) running_kernel_release(root, &release);
        EraseResolveOptions o = {
                .root = root,
                .disabled = c->erase_disable_rules,
                .on_failure = (EraseOnFailure) c->erase_on_failure,
                .kernel_release = release,
        };
        r = erase_resolve(&src, &o, &plan, &msg);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_warning("Cannot resolve any erase rule: %s", msg ?: strerror(-r));
                r = all_unresolved(&src, msg ?: "the kernel's BTF or symbols are not readable", c, &plan);
                if (r < 0)
                        return log_oom();
        }

        for (size_t i = 0; i < plan.n_rules; i++) {
                const EraseRule *rule = &plan.rules[i];
                if (rule->state == ERASE_RULE_UNRESOLVED) {
                        log_warning("Erase rule %s does not resolve on this kernel: %s. Its secrets WILL be in dumps.",
                                    rule->name, strna(rule->reason));
                        bad++;
                } else if (rule->state == ERASE_RULE_INACTIVE)
                        log_info("Erase rule %s is inactive: %s.", rule->name, strna(rule->reason));
        }
        if (bad > 0 && c->erase_refuse_unresolved)
                return log_error_errno(-ENOPKG, "%zu erase rule(s) did not resolve and [Erase] Unresolved=refuse: not arming.",
                                       bad);

        r = erase_plan_format(&plan, ret_text, ret_size);
        if (r < 0)
                return log_error_errno(r, "Failed to write the erase plan: %m");
        log_info("Erase plan: %zu rule(s) resolved, %zu unresolved, %zu inactive, %zu disabled (%zu bytes).",
                 erase_plan_count(&plan, ERASE_RULE_RESOLVED), bad, erase_plan_count(&plan, ERASE_RULE_INACTIVE),
                 erase_plan_count(&plan, ERASE_RULE_DISABLED), *ret_size);
        return 0;
}

int tinykdump_erase_record(const char *root, const char *text, size_t size) {
        _cleanup_free_ char *dir = path_join(root, LOAD_STATE_DIR);
        _cleanup_close_ int fd = -EBADF;

        if (!dir)
                return -ENOMEM;
        if (!text) {
                _cleanup_free_ char *path = path_join(root, ERASE_PLAN_STATE_PATH);
                if (!path)
                        return -ENOMEM;
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* 0600: the plan holds kernel addresses. */
        return write_atomic_at(fd, ERASE_PLAN_STATE_NAME, text, size, 0600, 0);
}

static int read_plan(const char *root, ErasePlan *ret) {
        _cleanup_(conf_diags_done) ConfDiagList d = {};
        return erase_plan_load(root, ERASE_PLAN_STATE_PATH, ret, &d);
}

void tinykdump_erase_status_json(JsonWriter *w, const char *root, bool armed) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        int r = armed ? read_plan(root, &p) : -ENOENT;

        json_key(w, "erase");
        json_object_open(w);
        json_kv_bool(w, "plan", r >= 0);
        json_key(w, "rules");
        json_array_open(w);
        for (size_t i = 0; r >= 0 && i < p.n_rules; i++) {
                json_object_open(w);
                json_kv_string(w, "name", p.rules[i].name);
                json_kv_string(w, "state", erase_rule_state_to_string(p.rules[i].state));
                if (p.rules[i].reason) /* absent, never null */
                        json_kv_string(w, "reason", p.rules[i].reason);
                json_object_close(w);
        }
        json_array_close(w);
        if (r >= 0)
                json_kv_string(w, "on_failure", erase_on_failure_to_string(p.on_failure));
        json_object_close(w);
}

void tinykdump_erase_status_print(const char *root, bool armed) {
        _cleanup_(erase_plan_done) ErasePlan p = {};
        int r;

        if (!armed)
                return;
        r = read_plan(root, &p);
        if (r == -ENOENT) {
                printf("       Erase: off — dumps keep every secret the kernel held\n");
                return;
        }
        if (r < 0) {
                printf("       Erase: plan unreadable (%s)\n", strerror(-r));
                return;
        }
        printf("       Erase: %zu rule(s) resolved, %zu unresolved, %zu inactive, %zu disabled; on failure: %s\n",
               erase_plan_count(&p, ERASE_RULE_RESOLVED), erase_plan_count(&p, ERASE_RULE_UNRESOLVED),
               erase_plan_count(&p, ERASE_RULE_INACTIVE), erase_plan_count(&p, ERASE_RULE_DISABLED),
               erase_on_failure_to_string(p.on_failure));
        for (size_t i = 0; i < p.n_rules; i++)
                printf("              %-28s %s%s%s\n", p.rules[i].name, erase_rule_state_to_string(p.rules[i].state),
                       p.rules[i].reason ? ": " : "", strempty(p.rules[i].reason));
}
