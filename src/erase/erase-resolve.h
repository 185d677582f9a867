/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Turns rule sources (erase-plan.h) into a resolved plan for the running kernel: struct sizes
 * and member offsets from BTF (/sys/kernel/btf/vmlinux, and /sys/kernel/btf/<module> parsed
 * as split BTF on top of it for each "module" a rule names), addresses from /proc/kallsyms
 * (module symbols too; valid for this boot under KASLR). Links libbpf: used by `tinykdump`
 * only, never by the capture side.
 *
 * Resolution fails per rule: a missing type, member, symbol or an ambiguous one makes the rule
 * "unresolved" with a sentence naming what is missing; when a module the rule names is not loaded
 * and that is why, the rule is "inactive". Disabled rules are listed as "disabled". */

#include "erase-plan.h"

typedef struct EraseResolveOptions {
        const char *root;              /* NULL: the real root; /sys and /proc below it */
        const char *btf_dir;           /* NULL: /sys/kernel/btf */
        const char *kallsyms;          /* NULL: /proc/kallsyms */
        char **disabled;               /* rule names */
        EraseOnFailure on_failure;
        const char *kernel_release;    /* recorded in the plan, may be NULL */
} EraseResolveOptions;

/* -ENOENT when vmlinux BTF is missing, -EPERM when kallsyms shows no addresses (not root, or
 * kptr_restrict), errors reading them, -ENOMEM; *ret_message then says which. Per-rule failures
 * are not errors: see the plan's rule states. */
int erase_resolve(const EraseSource *src, const EraseResolveOptions *o, ErasePlan *ret, char **ret_message);
