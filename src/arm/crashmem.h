/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The crash memory model: what the kernel reserved (static crashkernel= region, ,low region, CMA
 * ranges), what the capture system needs, and shrinking the static part to that need. Everything is
 * read relative to a root directory so tests use fake /proc and /sys trees. */

#include "crashkernel.h"
#include "macro.h"

/* sysfs names, newest first (Linux ≥ 6.19 groups them under /sys/kernel/kexec/). */
#define CRASH_SIZE_PATH "/sys/kernel/kexec/crash_size"
#define CRASH_SIZE_PATH_OLD "/sys/kernel/kexec_crash_size"
#define CRASH_CMA_RANGES_PATH "/sys/kernel/kexec/crash_cma_ranges"
#define CRASH_CMA_RANGES_PATH_OLD "/sys/kernel/kexec_crash_cma_ranges"
#define CRASH_LOADED_PATH "/sys/kernel/kexec/crash_loaded"
#define CRASH_LOADED_PATH_OLD "/sys/kernel/kexec_crash_loaded"
#define CRASH_ELFCOREHDR_SIZE_PATH "/sys/kernel/kexec/crash_elfcorehdr_size"
#define CRASH_ELFCOREHDR_SIZE_PATH_OLD "/sys/kernel/crash_elfcorehdr_size"
#define CRASH_CPU_HOTPLUG_PATH "/sys/devices/system/cpu/crash_hotplug"
#define CRASH_MEMORY_HOTPLUG_PATH "/sys/devices/system/memory/crash_hotplug"
/* Hook for the kernel patch series in kernel-patches/ (issue 5): a kernel that can allocate the
 * static region from the crashkernel CMA area at run time announces it with this read-only file.
 * Detection is by this file only, never by kernel version. */
#define CRASH_SIZE_GROWABLE_PATH "/sys/kernel/kexec/crash_size_growable"

/* RAM size crashkernel= is evaluated against when neither /proc/iomem nor /proc/meminfo tell. */
#define CRASHMEM_RAM_UNKNOWN (UINT64_C(1) << 62)

#define CRASH_RANGES_MAX 16 /* "Crash kernel" ranges (2 in practice: high and low) */
#define CRASH_CMA_RANGES_MAX 16 /* the kernel keeps at most CRASHKERNEL_CMA_RANGES_MAX = 4 */

/* The page size the reservation and the segments are aligned to (KEXEC_CRASH_MEM_ALIGN on x86). */
#define PAGE_SIZE_X86 (4 * KiB)

typedef struct CrashRange {
        uint64_t start, end; /* inclusive, as /proc/iomem and crash_cma_ranges print them */
} CrashRange;

static inline uint64_t crash_range_size(const CrashRange *r) {
        return r->end >= r->start ? r->end - r->start + 1 : 0;
}

/* What /proc/iomem says. */
typedef struct IomemInfo {
        CrashRange crash[CRASH_RANGES_MAX]; /* "Crash kernel" resources at any nesting depth */
        size_t n_crash;
        uint64_t crash_total;     /* sum of their sizes (0 when hidden) */
        uint64_t system_ram;      /* sum of top-level "System RAM" (0 when hidden) */
        bool hidden;              /* every address reads 0: unprivileged reader (kptr_restrict-like
                                   * masking in kernel/resource.c r_show()) */
} IomemInfo;

/* Parse /proc/iomem text. Lines are "<start>-<end> : <name>" indented by two spaces per level; bad
 * lines fail with -EBADMSG, more than CRASH_RANGES_MAX crash ranges with -E2BIG. */
int iomem_parse(const char *data, size_t size, IomemInfo *ret);

/* Parse crash_cma_ranges text: one "%08llx-%08llx\n" line per range, inclusive end
 * (kernel/kexec_core.c crash_cma_ranges_show()). Empty text is zero ranges. -EBADMSG on a bad line,
 * -E2BIG beyond n_max. */
int cma_ranges_parse(const char *data, size_t size, CrashRange *ranges, size_t n_max, size_t *ret_n);

typedef struct CrashMem {
        /* Static part (crashk_res + crashk_low_res), from the size attribute. */
        uint64_t static_size;
        bool static_size_known;
        const char *size_path;      /* CRASH_SIZE_PATH or CRASH_SIZE_PATH_OLD as found, or NULL; the
                                     * shrink writes here */
        IomemInfo iomem;
        bool iomem_read;            /* /proc/iomem could be read at all */

        CrashRange cma[CRASH_CMA_RANGES_MAX];
        size_t n_cma;
        uint64_t cma_size;          /* sum of the CMA ranges */
        const char *cma_path;       /* which file, or NULL when neither exists (kernel < 6.17 or
                                     * ranges not exported) */

        int loaded;                 /* crash_loaded: 1 or 0, -1 when unknown */
        const char *loaded_path;
        int cpu_hotplug;            /* crash_hotplug: 1 the kernel updates a loaded image on hotplug,
                                     * 0 it does not (user space must reload), -1 no such file */
        int memory_hotplug;
        uint64_t elfcorehdr_size;   /* crash_elfcorehdr_size, 0 when not exported */
        bool growable;              /* CRASH_SIZE_GROWABLE_PATH exists */

        uint64_t mem_total;         /* MemTotal from /proc/meminfo, 0 when unknown */
        uint64_t system_ram;        /* RAM size for crashkernel= range lists: iomem System RAM when
                                     * visible, else MemTotal + static_size (the reservation is not
                                     * part of MemTotal); an under-estimate the kernel's 128 MiB
                                     * rounding mostly hides; 0 when unknown */

        char *cmdline;              /* the running kernel's command line, NULL when unreadable */
        int crashkernel_error;      /* 0, or crashkernel_parse()'s error */
        size_t crashkernel_error_pos;
        Crashkernel crashkernel;    /* valid when crashkernel_error == 0; with system_ram unknown it is
                                     * evaluated for CRASHMEM_RAM_UNKNOWN, so a range list then
                                     * resolves to its entry for the largest machines */
} CrashMem;

/* Read everything above from root (NULL for /). Missing files are not errors (fields stay
 * "unknown"); only allocation failure and unparseable contents of files that exist are:
 * -EBADMSG with *ret_bad_path (optional) naming the file. The command line is read with
 * proc_cmdline_read(), so $TINYKDUMP_PROC_CMDLINE applies. */
int crashmem_read(const char *root, CrashMem *ret, const char **ret_bad_path);
void crashmem_done(CrashMem *m);

static inline bool crashmem_has_cma(const CrashMem *m) {
        return m->n_cma > 0;
}
/* A static region exists (size attribute > 0, or iomem shows one). */
bool crashmem_has_static(const CrashMem *m);

/* ---- crashkernel=X,cma support ---- */

/* Whether the running kernel honours crashkernel=Y,cma (Linux ≥ 6.17, CONFIG_CMA): its release is
 * 6.17 or newer, it exports the crash CMA ranges (CRASH_CMA_RANGES_PATH or the older name, only
 * kernels with the ,cma code have them) and /proc/meminfo has a CmaTotal: line (only kernels built
 * with CONFIG_CMA print it). Returns 1, or 0 with *ret_reason (optional) saying which is missing in
 * a sentence fragment ("the kernel is older than 6.17"); -ENOMEM. */
int crashmem_cma_supported(const char *root, const char *release, const CrashMem *m, const char **ret_reason);

/* ---- The need ---- */

/* The capture initrd size `estimate` and `crashkernel` assume when no capture image exists yet
 * (tinykdump-build-image has not run): the product image of Debian's 7.2 and 6.12 kernels is
 * 15.3 MiB (zstd, measured on this project's test images), and a machine needing more storage
 * drivers than the test guests adds some; 20 MiB covers that with a margin. Bytes, a stated
 * estimate: the exact number comes from the built image. */
#define CRASH_INITRD_ESTIMATE (20 * MiB)

typedef struct CrashNeedInput {
        uint64_t kernel_footprint;  /* bzimage_crash_footprint() of the capture kernel */
        uint64_t initrd_size;       /* initrd as loaded: image's initrd + the config overlay */
        uint64_t initrd_unpacked;   /* unpacked size (what lives in tmpfs); 0 = unknown, then
                                     * estimated as CRASH_INITRD_UNPACK_RATIO × initrd_size */
        uint64_t cmdline_size;      /* capture command line, with NUL */
        uint64_t elfcorehdr_size;   /* CrashMem.elfcorehdr_size, 0 = estimate */
} CrashNeedInput;

typedef enum CrashNeedPart {
        CRASH_NEED_STATIC,  /* must be in the static region in either mode */
        CRASH_NEED_RUNTIME, /* capture system run-time memory: static region in classic mode, CMA
                             * ranges in CMA mode */
} CrashNeedPart;

typedef struct CrashNeedItem {
        const char *label;  /* "kernel (init_size, aligned)", "initrd", … */
        uint64_t bytes;
        CrashNeedPart part;
} CrashNeedItem;

#define CRASH_NEED_ITEMS_MAX 16
#define CRASHKERNEL_STRING_MAX 64

typedef struct CrashNeed {
        CrashNeedItem items[CRASH_NEED_ITEMS_MAX];
        size_t n_items;
        uint64_t static_need;       /* sum of CRASH_NEED_STATIC items (margin included) */
        uint64_t runtime_need;      /* sum of CRASH_NEED_RUNTIME items (margin included) */
        uint64_t classic_need;      /* static_need + runtime_need: a classic crashkernel= */
        /* Recommendations, whole MiB: */
        uint64_t classic_size;      /* classic_need rounded up */
        uint64_t cma_static_size;   /* static_need rounded up */
        uint64_t cma_size;          /* runtime_need rounded up */
        char classic[CRASHKERNEL_STRING_MAX]; /* "crashkernel=190M" */
        char cma[CRASHKERNEL_STRING_MAX];     /* "crashkernel=70M crashkernel=128M,cma" */
} CrashNeed;

/* The model; see the constants in crashmem.c for every number, its unit and where it was measured.
 * -EINVAL when kernel_footprint is 0 (unknown kernel). */
int crashmem_compute_need(const CrashNeedInput *in, CrashNeed *ret);

/* Bytes the static region must hold for the given mode: need->static_need with CMA,
 * need->classic_need without. */
uint64_t crashmem_need_for_mode(const CrashNeed *need, bool cma);

/* ---- Shrinking and growing ---- */

/* Should the static region be shrunk before loading, and to what? Returns 1 and sets *ret_target
 * (page-aligned, >= the need for the mode) when:
 *   - the size attribute is known and writable in principle, nothing is loaded, and
 *   - the static size exceeds the need for the mode, and
 *   - CMA ranges exist (then shrinking is automatic) or `asked` is true (classic mode: opt-in).
 * Returns 0 otherwise. */
int crashmem_shrink_policy(const CrashMem *m, const CrashNeed *need, bool asked, uint64_t *ret_target);

/* Write new_size (rounded up to a page, as the kernel does) to m->size_path below root. Only ever
 * shrinks. Errors, normalised from the kernel's crash_shrink_memory():
 *   -EOPNOTSUPP  no size attribute;
 *   -ERANGE      new_size is larger than the current static size (use crashmem_grow());
 *   -EBUSY       a crash kernel is loaded (kernel: ENOENT) — unload first;
 *   -EAGAIN      the kexec lock is held by a concurrent load (kernel: EBUSY) — retry;
 *   other negative errno from the write.
 * Returns 0 when nothing had to change, 1 when it wrote. */
int crashmem_shrink(const char *root, const CrashMem *m, uint64_t new_size);

/* Grow (allocate) the static region from CMA on a kernel with CRASH_SIZE_GROWABLE_PATH (issue 5's
 * patch). Errors: -EOPNOTSUPP (kernel cannot), -EBUSY (loaded; kernel ENOENT), -EEXIST (a region is
 * already allocated), -ENOSPC (no CMA area can ever hold it), -ENOMEM (pages could not be migrated
 * now; retrying may help), -EAGAIN (kexec lock busy). */
int crashmem_grow(const char *root, const CrashMem *m, uint64_t new_size);

/* Re-read the size attribute (after a shrink or grow). */
int crashmem_read_static_size(const char *root, const CrashMem *m, uint64_t *ret);
