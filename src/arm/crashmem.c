/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash-memory model, pure: the /proc/iomem and crash_cma_ranges parsers, the need of a
 * capture image and the shrink policy. Reading and writing the kernel's files is in
 * crashmem-sysfs.c. */
#include <inttypes.h>

#include "crashmem.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------
 * The model's constants. Each: value, unit, and where it comes from.
 * --------------------------------------------------------------------------------------------- */

/* Purgatory segment: arch/x86/purgatory's purgatory.ro (text, data, bss and its 4 KiB stack) is
 * about 20 KiB on x86_64 and placed page-aligned by kexec_load_purgatory(). Bytes, upper bound. */
#define CRASH_PURGATORY_SIZE (64 * KiB)

/* Boot parameters segment without the command line: struct boot_params (4 KiB) plus the EFI runtime
 * map (efi_get_runtime_map_size(): tens of 40-byte descriptors) plus setup_data for EFI, the RNG
 * seed, IMA and KHO (bzImage64_load() in arch/x86/kernel/kexec-bzimage64.c). Bytes, upper bound. */
#define CRASH_BOOTPARAMS_SIZE (16 * KiB)

/* ELF core header when the kernel does not export crash_elfcorehdr_size: with CONFIG_CRASH_HOTPLUG
 * x86 sizes it for 2 + CONFIG_NR_CPUS_DEFAULT + CONFIG_CRASH_MAX_MEMORY_RANGES program headers of
 * 56 bytes (crash_load_segments() in arch/x86/kernel/crash.c); with Debian's 64 + 8192 that is
 * 462,512 bytes, with MAXSMP's 8192 CPUs 917,232. Without hotplug it is one header per CPU and
 * memory range, far less. Bytes, covers both. */
#define CRASH_ELFCOREHDR_ESTIMATE (1 * MiB)

/* Control pages that kimage_alloc_crash_control_pages() takes from the crash region: the x86
 * control page and the identity-map page tables machine_kexec_prepare() builds over all RAM
 * (a few pages per 512 GiB with 1 GiB pages). Bytes, upper bound for machines up to a few TiB. */
#define CRASH_CONTROL_PAGES (256 * KiB)

/* Kernel run-time working memory of the capture kernel (slab, per-CPU data with nr_cpus=1, page
 * tables, struct pages for the crash memory, block and USB stack). Measured on this machine: stock
 * Debian 7.2 kernel (bzImage init_size 60.3 MiB, 64 MiB footprint in this model) with a busybox
 * initrd of a few MiB saved a dump with crashkernel=104M and ran out of memory with 100M; that
 * leaves 32…36 MiB beside kernel, initrd and segments. We take the upper bound. Bytes. */
#define CAPTURE_KERNEL_WORKING (36 * MiB)

/* systemd as PID 1 plus udevd, journald and tinykdump-save/makedumpfile, beyond what the freed
 * compressed initrd gives back: the kernel frees the initrd segment once it is unpacked, so the
 * peak is the unpacking (compressed and unpacked at once) and userspace runs in the freed room.
 * Measured on this machine by tests/bench/run (docs/performance.md, 2026-12-06, floor sweep):
 * the lean sid 7.2 capture image (10,287,299 bytes zstd, 33.7 MB unpacked, init_size 60.3 MiB)
 * saved complete dumps with crashkernel=136M, 138M, 140M, 142M, 144M and 148M; 134M failed
 * unpacking the initrd ("Initramfs unpacking failed: write error"). The model's other items for
 * that image (75.0 MiB static without margin, 29.4 MiB unpacked by CRASH_INITRD_UNPACK_RATIO,
 * 36 MiB kernel working memory) come to 140.5 MiB, more than the 136 MiB that worked: nothing is
 * left to add for userspace, so 0. With both margins estimate recommends crashkernel=151M for
 * that image, the measured floor + 15 MiB. Bytes. */
#define CAPTURE_USERSPACE_WORKING (0 * MiB)

/* Unpacked/compressed size of the capture initrd when the unpacked size is unknown. Measured: the
 * zstd systemd capture initrd 58.6 MB / 21.5 MB = 2.73; rounded up to 3 (ratio). */
#define CRASH_INITRD_UNPACK_RATIO 3

/* Margins, stated: the static part is computed from exact sizes and upper bounds, so 2 MiB; the
 * run-time part rests on two VM measurements, so 8 MiB. Bytes. */
#define CRASH_STATIC_MARGIN (2 * MiB)
#define CRASH_RUNTIME_MARGIN (8 * MiB)

/* ---------------------------------------------------------------------------------------------
 * Parsers
 * --------------------------------------------------------------------------------------------- */

/* A hex number of at most 16 digits, no prefix, from p up to end. */
static int parse_hex(const char **p, const char *end, uint64_t *ret) {
        const char *q = *p;
        uint64_t v = 0;
        unsigned n = 0;

        for (; q < end; q++, n++) {
                int d = unhexchar(*q);
                if (d < 0)
                        break;
                if (n >= 16)
                        return -EBADMSG;
                v = v << 4 | (unsigned) d;
        }
        if (n == 0)
                return -EBADMSG;
        *p = q;
        *ret = v;
        return 0;
}

/* "start-end" with start <= end (or both 0), advancing *p. */
static int parse_range(const char **p, const char *end, CrashRange *ret) {
        CrashRange r;

        if (parse_hex(p, end, &r.start) < 0)
                return -EBADMSG;
        if (*p >= end || **p != '-')
                return -EBADMSG;
        (*p)++;
        if (parse_hex(p, end, &r.end) < 0)
                return -EBADMSG;
        if (r.end < r.start)
                return -EBADMSG;
        *ret = r;
        return 0;
}

static const char *line_end(const char *p, const char *end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        return nl ?: end;
}

int iomem_parse(const char *data, size_t size, IomemInfo *ret) {
        IomemInfo info = {};
        const char *p = data, *end = data + size;
        bool any_nonzero = false;
        size_t n_lines = 0;

        while (p < end) {
                const char *le = line_end(p, end), *q = p;
                size_t indent = 0;
                CrashRange r;

                while (q < le && *q == ' ') {
                        q++;
                        indent++;
                }
                if (q == le) { /* blank line */
                        p = le + (le < end);
                        continue;
                }
                if (parse_range(&q, le, &r) < 0)
                        return -EBADMSG;
                /* " : name" */
                while (q < le && *q == ' ')
                        q++;
                if (q >= le || *q != ':')
                        return -EBADMSG;
                q++;
                while (q < le && *q == ' ')
                        q++;
                size_t name_len = (size_t) (le - q);
                while (name_len > 0 && (q[name_len - 1] == '\r' || q[name_len - 1] == ' '))
                        name_len--;

                n_lines++;
                if (r.start != 0 || r.end != 0)
                        any_nonzero = true;

                if (name_len == strlen("Crash kernel") && memcmp(q, "Crash kernel", name_len) == 0) {
                        if (info.n_crash >= CRASH_RANGES_MAX)
                                return -E2BIG;
                        info.crash[info.n_crash++] = r;
                        info.crash_total = add_sat_u64(info.crash_total, crash_range_size(&r));
                } else if (indent == 0 && name_len == strlen("System RAM") && memcmp(q, "System RAM", name_len) == 0)
                        info.system_ram = add_sat_u64(info.system_ram, crash_range_size(&r));

                p = le + (le < end);
        }

        if (n_lines > 0 && !any_nonzero) {
                /* r_show() prints zeros to readers without CAP_SYS_ADMIN: nothing but names is
                 * known. */
                info.hidden = true;
                info.crash_total = 0;
                info.system_ram = 0;
        }
        *ret = info;
        return 0;
}

int cma_ranges_parse(const char *data, size_t size, CrashRange *ranges, size_t n_max, size_t *ret_n) {
        const char *p = data, *end = data + size;
        size_t n = 0;

        while (p < end) {
                const char *le = line_end(p, end), *q = p;
                CrashRange r;

                while (q < le && (*q == ' ' || *q == '\t'))
                        q++;
                if (q == le) {
                        p = le + (le < end);
                        continue;
                }
                if (parse_range(&q, le, &r) < 0)
                        return -EBADMSG;
                while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
                        q++;
                if (q != le)
                        return -EBADMSG;
                if (n >= n_max)
                        return -E2BIG;
                ranges[n++] = r;
                p = le + (le < end);
        }
        *ret_n = n;
        return 0;
}

void crashmem_done(CrashMem *m) {
        free(m->cmdline);
        m->cmdline = NULL;
}

bool crashmem_has_static(const CrashMem *m) {
        if (m->static_size_known)
                return m->static_size > 0;
        return m->iomem_read && m->iomem.n_crash > 0 && (m->iomem.hidden || m->iomem.crash_total > 0);
}

/* ---------------------------------------------------------------------------------------------
 * The need
 * --------------------------------------------------------------------------------------------- */

static void add_item(CrashNeed *n, const char *label, uint64_t bytes, CrashNeedPart part) {
        /* CRASH_NEED_ITEMS_MAX exceeds the fixed number of items crashmem_compute_need() adds. */
        n->items[n->n_items++] = (CrashNeedItem) { .label = label, .bytes = bytes, .part = part };
        if (part == CRASH_NEED_STATIC)
                n->static_need = add_sat_u64(n->static_need, bytes);
        else
                n->runtime_need = add_sat_u64(n->runtime_need, bytes);
}

static uint64_t mib_round(uint64_t v) {
        return align_up_u64(v, MiB);
}

int crashmem_compute_need(const CrashNeedInput *in, CrashNeed *ret) {
        CrashNeed n = {};
        uint64_t unpacked;

        if (in->kernel_footprint == 0)
                return -EINVAL;

        add_item(&n, "kernel (init_size aligned, plus placement)", align_up_u64(in->kernel_footprint, PAGE_SIZE_X86),
                 CRASH_NEED_STATIC);
        add_item(&n, "initrd with configuration overlay", align_up_u64(in->initrd_size, PAGE_SIZE_X86),
                 CRASH_NEED_STATIC);
        add_item(&n, "boot parameters and command line",
                 align_up_u64(add_sat_u64(CRASH_BOOTPARAMS_SIZE, in->cmdline_size), PAGE_SIZE_X86), CRASH_NEED_STATIC);
        add_item(&n, "purgatory", CRASH_PURGATORY_SIZE, CRASH_NEED_STATIC);
        if (in->elfcorehdr_size > 0)
                add_item(&n, "ELF core header", align_up_u64(in->elfcorehdr_size, PAGE_SIZE_X86), CRASH_NEED_STATIC);
        else
                add_item(&n, "ELF core header (estimated)", CRASH_ELFCOREHDR_ESTIMATE, CRASH_NEED_STATIC);
        add_item(&n, "kexec control pages and page tables", CRASH_CONTROL_PAGES, CRASH_NEED_STATIC);
        add_item(&n, "margin (static part)", CRASH_STATIC_MARGIN, CRASH_NEED_STATIC);

        if (in->initrd_unpacked > 0)
                add_item(&n, "unpacked initrd (tmpfs)", align_up_u64(in->initrd_unpacked, PAGE_SIZE_X86),
                         CRASH_NEED_RUNTIME);
        else {
                unpacked = in->initrd_size > UINT64_MAX / CRASH_INITRD_UNPACK_RATIO
                                   ? UINT64_MAX
                                   : in->initrd_size * CRASH_INITRD_UNPACK_RATIO;
                add_item(&n, "unpacked initrd (tmpfs, estimated)", align_up_u64(unpacked, PAGE_SIZE_X86),
                         CRASH_NEED_RUNTIME);
        }
        add_item(&n, "capture kernel working memory", CAPTURE_KERNEL_WORKING, CRASH_NEED_RUNTIME);
        add_item(&n, "capture userspace working memory", CAPTURE_USERSPACE_WORKING, CRASH_NEED_RUNTIME);
        add_item(&n, "margin (run time)", CRASH_RUNTIME_MARGIN, CRASH_NEED_RUNTIME);

        n.classic_need = add_sat_u64(n.static_need, n.runtime_need);
        n.classic_size = mib_round(n.classic_need);
        n.cma_static_size = mib_round(n.static_need);
        n.cma_size = mib_round(n.runtime_need);
        if (n.classic_size == UINT64_MAX || n.cma_static_size == UINT64_MAX || n.cma_size == UINT64_MAX)
                return -EFBIG;

        snprintf(n.classic, sizeof(n.classic), "crashkernel=%" PRIu64 "M", n.classic_size / MiB);
        snprintf(n.cma, sizeof(n.cma), "crashkernel=%" PRIu64 "M crashkernel=%" PRIu64 "M,cma",
                 n.cma_static_size / MiB, n.cma_size / MiB);

        *ret = n;
        return 0;
}

uint64_t crashmem_need_for_mode(const CrashNeed *need, bool cma) {
        return cma ? need->static_need : need->classic_need;
}

/* ---------------------------------------------------------------------------------------------
 * The shrink policy (the sysfs writes are in crashmem-sysfs.c)
 * --------------------------------------------------------------------------------------------- */

int crashmem_shrink_policy(const CrashMem *m, const CrashNeed *need, bool asked, uint64_t *ret_target) {
        bool cma = crashmem_has_cma(m);
        uint64_t target;

        if (!m->size_path || !m->static_size_known || m->loaded == 1)
                return 0;
        if (!cma && !asked)
                return 0;
        target = cma ? need->cma_static_size : need->classic_size;
        if (m->static_size <= target)
                return 0;
        *ret_target = target;
        return 1;
}
