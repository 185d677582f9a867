/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "erase-vmcore.h"
#include "log.h"
#include "save-erase.h"

static void set_failed(DumpMetadata *md, const char *format, ...) _printf_(2, 3);
static void set_failed(DumpMetadata *md, const char *format, ...) {
        va_list ap;
        char *s = NULL;

        va_start(ap, format);
        if (vasprintf(&s, format, ap) < 0)
                s = NULL;
        va_end(ap);
        (void) dump_metadata_set(&md->erase, "failed");
        free(md->erase_reason);
        md->erase_reason = s;
}

/* Metadata values are at most METADATA_VALUE_MAX bytes: long per-rule texts are cut. */
#define ERASE_TEXT_CUT (METADATA_VALUE_MAX - 64)

static void cut(char *s) {
        if (!s || strlen(s) <= ERASE_TEXT_CUT)
                return;
        char *sp = s + ERASE_TEXT_CUT;
        while (sp > s && *sp != ' ')
                sp--;
        strcpy(sp, " ...");
}

/* Appends "; text" (or "text") to *s. */
static void append(char **s, const char *format, ...) _printf_(2, 3);
static void append(char **s, const char *format, ...) {
        va_list ap;
        char *t = NULL, *n = NULL;

        va_start(ap, format);
        if (vasprintf(&t, format, ap) < 0)
                t = NULL;
        va_end(ap);
        if (!t)
                return;
        if (asprintf(&n, "%s%s%s", strempty(*s), *s ? "; " : "", t) < 0)
                n = NULL;
        free(t);
        if (n) {
                free(*s);
                *s = n;
        }
}

int save_erase(const char *root, const char *vmcore_path, int dir_fd, const char *name, DumpMetadata *md) {
        _cleanup_(erase_plan_done) ErasePlan plan = {};
        _cleanup_(conf_diags_done) ConfDiagList diags = {};
        _cleanup_(erase_report_done) EraseReport rep = {};
        _cleanup_vmcore_free_ Vmcore *mem = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *rules = NULL, *gaps = NULL;
        int r;

        r = erase_plan_load(root, ERASE_PLAN_PATH, &plan, &diags);
        if (r == -ENOENT) {
                log_warning("tinykdump-save: no erase plan in the capture configuration: secrets are NOT erased from the vmcore.");
                (void) dump_metadata_set(&md->erase, "disabled");
                return 0;
        }
        if (r < 0) {
                conf_diags_log(&diags);
                set_failed(md, "cannot read the erase plan %s: %s", ERASE_PLAN_PATH, strerror(-r));
                /* Without a plan there is no policy either: the safe default. */
                goto refuse;
        }

        fd = openat(dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                set_failed(md, "cannot open %s: %s", name, strerror(errno));
                goto failed;
        }
        r = vmcore_open(vmcore_path, &mem);
        if (r < 0) {
                log_warning_errno(r, "tinykdump-save: cannot open %s to walk the crashed kernel (%m); walking the written dump.",
                                  vmcore_path);
                r = vmcore_open_fd(fd, &mem);
        }
        if (r < 0) {
                set_failed(md, "cannot read the crashed kernel's memory: %s", strerror(-r));
                goto failed;
        }

        r = erase_dump(&plan, mem, fd, &rep);
        if (r == -ENOMEM) {
                set_failed(md, "out of memory");
                goto failed;
        }
        md->erase_usec = rep.usec;
        md->erase_bytes = rep.apply.bytes;
        md->erase_pages = rep.apply.pages;
        if (erase_report_format_rules(&plan, &rep, &rules) >= 0) {
                cut(rules);
                (void) dump_metadata_set(&md->erase_rules, rules);
        }

        for (size_t i = 0; i < plan.n_rules; i++) {
                const EraseRule *rule = &plan.rules[i];
                const EraseRuleResult *res = i < rep.walk.n_results ? &rep.walk.results[i] : NULL;
                if (rule->state != ERASE_RULE_RESOLVED) {
                        if (rule->state == ERASE_RULE_UNRESOLVED) {
                                log_warning("tinykdump-save: erase rule %s was not resolved at load: %s", rule->name,
                                            strna(rule->reason));
                                append(&gaps, "%s: not resolved", rule->name);
                        }
                        continue;
                }
                if (res && res->error != 0) {
                        log_error("tinykdump-save: erase rule %s failed: %s", rule->name, res->what);
                        append(&gaps, "%s: %s", rule->name, res->what);
                } else if (res)
                        log_info("tinykdump-save: erase rule %s: %" PRIu64 " object(s), %" PRIu64 " byte(s)%s", rule->name,
                                 res->objects, res->bytes, res->clamped ? " (lengths clamped)" : "");
        }
        if (gaps) {
                cut(gaps);
                (void) dump_metadata_set(&md->erase_reason, gaps);
        }

        if (r < 0) {
                if (r != -EIO) {
                        free(md->erase_reason);
                        md->erase_reason = NULL;
                        set_failed(md, "rewriting the dump failed: %s", strerror(-r));
                } else
                        (void) dump_metadata_set(&md->erase, "failed");
                goto failed;
        }
        (void) dump_metadata_set(&md->erase, "complete");
        log_info("tinykdump-save: secrets erased: %" PRIu64 " byte(s) in %" PRIu64 " page(s) (%" PRIu64 " moved) in %.3fs.",
                 rep.apply.bytes, rep.apply.pages, rep.apply.appended, (double) rep.usec / 1e6);
        return 0;

failed:
        if (plan.on_failure == ERASE_ON_FAILURE_KEEP) {
                log_error("tinykdump-save: erasing secrets failed (%s); keeping the vmcore as configured (OnFailure=keep): "
                          "it may hold secrets.", strna(md->erase_reason));
                return 0;
        }
refuse:
        if (fd >= 0)
                (void) close(fd);
        fd = -EBADF;
        if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                log_error_errno(-errno, "tinykdump-save: cannot delete the unerased %s: %m", name);
        (void) fsync(dir_fd);
        log_error("tinykdump-save: erasing secrets failed (%s); the vmcore was deleted, dmesg.txt is kept.",
                  strna(md->erase_reason));
        return -EIO;
}
