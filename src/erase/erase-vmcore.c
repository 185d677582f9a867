/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "erase-vmcore.h"

static int memory_read(void *userdata, uint64_t vaddr, void *buf, size_t size) {
        return vmcore_read_virt(userdata, vaddr, buf, size);
}

static int memory_translate(void *userdata, uint64_t vaddr, uint64_t *ret) {
        return vmcore_virt_to_phys(userdata, vaddr, ret);
}

EraseMemory erase_memory_from_vmcore(Vmcore *v) {
        return (EraseMemory) { .read = memory_read, .virt_to_phys = memory_translate, .userdata = v };
}

void erase_report_done(EraseReport *r) {
        erase_walk_done(&r->walk);
        *r = (EraseReport) {};
}

static uint64_t now_usec(void) {
        struct timespec ts;
        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int erase_dump(const ErasePlan *plan, Vmcore *memory, int kdump_fd, EraseReport *ret) {
        EraseMemory mem = erase_memory_from_vmcore(memory);
        uint64_t t0 = now_usec();
        int r, r_walk;

        *ret = (EraseReport) {};
        r_walk = erase_walk(plan, &mem, &ret->walk);
        if (r_walk == -ENOMEM)
                return r_walk;

        r = erase_kdump_apply(kdump_fd, ret->walk.ranges, ret->walk.n_ranges, &ret->apply);
        if (r >= 0) {
                r = erase_kdump_verify(kdump_fd, ret->walk.ranges, ret->walk.n_ranges);
                if (r >= 0) {
                        ret->verified = r > 0;
                        r = r > 0 ? 0 : -EBADMSG;
                }
        }
        ret->usec = now_usec() - t0;
        if (r < 0)
                return r;
        return r_walk;
}

int erase_report_format_rules(const ErasePlan *plan, const EraseReport *r, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_rules; i++) {
                const EraseRule *rule = &plan->rules[i];
                fprintf(f, "%s%s=", i > 0 ? " " : "", rule->name);
                if (rule->state != ERASE_RULE_RESOLVED)
                        fputs(erase_rule_state_to_string(rule->state), f);
                else if (i < r->walk.n_results && r->walk.results[i].error != 0)
                        fputs("failed", f);
                else if (i < r->walk.n_results)
                        fprintf(f, "%" PRIu64 "/%" PRIu64, r->walk.results[i].objects, r->walk.results[i].bytes);
                else
                        fputs("not-run", f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
