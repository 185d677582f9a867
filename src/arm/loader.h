/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `tinykdump load` as a library: resolve the capture image (UKI or kernel + initrd), build the
 * capture command line and the configuration overlay, size the crash memory, shrink the static
 * reservation when that is the policy, and call kexec_file_load(2) through the seam in kexec.h.
 * Nothing here prints: failures come back as an errno and a sentence for the user. */

#include "bzimage.h"
#include "capture-config.h"
#include "crashmem.h"
#include "tkconf.h"
#include "util.h"

/* Words every capture command line ends with, after the running system's kept words and the
 * configuration's KernelCommandLine=. Each is there for a reason:
 *   irqpoll              devices of the crashed kernel may still raise (shared) interrupts
 *   nr_cpus=1            one CPU is enough to save a dump; saves per-CPU memory in a small region
 *   reset_devices        drivers reset hardware the crashed kernel left running
 *   cgroup_disable=memory  the memory controller's bookkeeping costs memory and buys nothing here
 *   mce=off numa=off     no machine-check polling, one node: less memory, fewer surprises
 *   udev.children_max=2  udev workers are the largest user-space memory users in the capture
 *   panic=10             a capture kernel that panics itself reboots instead of hanging
 *   acpi_no_memhotplug transparent_hugepage=never hest_disable novmcoredd
 *                        features that cost memory or touch firmware state of the crashed system
 *   cma=0 hugetlb_cma=0  the capture kernel must not carve CMA areas out of its little RAM
 *   systemd.show_status=auto  progress on the console only when slow or failing */
#define CAPTURE_CMDLINE_FIXED                                                                        \
        "irqpoll", "nr_cpus=1", "reset_devices", "cgroup_disable=memory", "mce=off", "numa=off",    \
                "udev.children_max=2", "panic=10", "acpi_no_memhotplug", "transparent_hugepage=never", \
                "hest_disable", "novmcoredd", "cma=0", "hugetlb_cma=0", "systemd.show_status=auto"

/* The largest capture image file (UKI, kernel or initrd) we read into memory. */
#define CAPTURE_IMAGE_FILE_MAX (1 * GiB)

/* Where `tinykdump load` records what it loaded, for `tinykdump status` (tmpfs, gone on reboot). */
#define LOAD_STATE_DIR "/run/tinykdump"
#define LOAD_STATE_NAME "loaded"
#define LOAD_STATE_PATH LOAD_STATE_DIR "/" LOAD_STATE_NAME
/* The configuration overlay as loaded (a newc cpio), to load the same capture kernel again when a
 * reload fails. */
#define LOAD_OVERLAY_NAME "loaded-overlay.cpio"
#define LOAD_OVERLAY_PATH LOAD_STATE_DIR "/" LOAD_OVERLAY_NAME
/* Written when a load shrank the static reservation: from what, to what, when. It outlives
 * unload and reload, as the shrink does (only a reboot restores the reservation). */
#define SHRINK_RECORD_NAME "shrunk"
#define SHRINK_RECORD_PATH LOAD_STATE_DIR "/" SHRINK_RECORD_NAME

typedef struct CaptureImage {
        char *image_path;          /* the UKI, or NULL */
        char *kernel_path;         /* the kernel file, or NULL when from a UKI */
        char *initrd_path;         /* the initrd file, or NULL when from a UKI (or none in it) */
        uint8_t *file;             /* the UKI's or the kernel file's bytes */
        size_t file_size;
        uint8_t *initrd_file;      /* a separate initrd file's bytes */
        size_t initrd_file_size;
        const uint8_t *kernel;     /* into file */
        size_t kernel_size;
        const uint8_t *initrd;     /* into file or initrd_file; NULL when none */
        size_t initrd_size;
        char *embedded_cmdline;    /* a UKI's .cmdline, or NULL */
        char *embedded_release;    /* a UKI's .uname, or NULL */
        BzImage bz;
} CaptureImage;

void capture_image_done(CaptureImage *i);

/* Open the capture image the configuration names, with %r = release, reading files below root.
 * Errors: -ENOENT (a file is missing), -ENOEXEC/-EPROTONOSUPPORT (not a kernel kexec_file_load()
 * takes), -EBADMSG (a malformed UKI or bzImage), -EOPNOTSUPP (a PE file that is not a UKI),
 * -EFBIG; *ret_message says which file and why. */
int capture_image_open(const TkConfig *c, const char *root, const char *release, CaptureImage *ret,
                       char **ret_message);

/* The label of the kernel for messages: the UKI path or the kernel path. */
const char *capture_image_name(const CaptureImage *i);

typedef struct LoadPlan {
        char *release;             /* running kernel release */
        CaptureImage image;
        CaptureConfig capture;     /* what goes into the overlay */
        Buffer overlay;            /* the newc overlay with capture.conf */
        uint64_t initrd_total;     /* initrd + padding + overlay, as loaded */
        char *cmdline;             /* the capture command line */

        CrashMem mem;
        CrashNeed need;
        bool cma;                  /* CMA ranges provide the capture kernel's run-time memory */
        uint64_t need_static;      /* what the static region must hold in this mode */
        bool shrink;               /* shrink the static region before loading … */
        uint64_t shrink_to;        /* … to this size */
        bool grow;                 /* allocate the static region from CMA before loading (a kernel with
                                    * kernel-patches/ and an empty region) … */
        uint64_t grow_to;          /* … of this size */

        char *target_device;       /* /dev/disk/by-…/… of the dump target */
        bool target_present;       /* it exists now */
} LoadPlan;

typedef enum LoadPlanFlags {
        /* For `estimate`: a configuration without a dump target, or with errors, still sizes memory. */
        LOAD_PLAN_ESTIMATE = 1 << 0,
} LoadPlanFlags;

void load_plan_done(LoadPlan *p);

/* Everything short of touching the kernel. Errors come with *ret_message. */
int load_plan_build(const char *root, const TkConfig *c, LoadPlanFlags flags, LoadPlan *ret, char **ret_message);
/* The same with extra files in the configuration overlay (the resolved erase plan). */
int load_plan_build_with(const char *root, const TkConfig *c, LoadPlanFlags flags, const CaptureOverlayFile *extra,
                         size_t n_extra, LoadPlan *ret, char **ret_message);

/* ---- Does the region hold the need? ----
 * In classic mode the static region holds everything: the capture kernel, its initrd and the
 * capture system's run-time memory (need.classic_need). In CMA mode the static region holds the
 * kernel, initrd and segments (need.static_need) and the CMA ranges the run-time memory
 * (need.runtime_need). A region below its part of the need still loads, but the capture kernel then
 * fails ("No working init found", the OOM killer): `load` says so, or refuses ([Memory]
 * BelowNeed=refuse). */

typedef enum LoadMemoryPart {
        LOAD_MEMORY_ENOUGH,        /* both parts hold their need */
        LOAD_MEMORY_UNKNOWN,       /* the static size is not known: nothing can be said */
        LOAD_MEMORY_STATIC,        /* the static region is below its need (in either mode) */
        LOAD_MEMORY_CMA,           /* CMA mode: the CMA ranges are below the run-time need */
        _LOAD_MEMORY_PART_MAX,
} LoadMemoryPart;

typedef struct LoadMemoryFit {
        LoadMemoryPart part;
        uint64_t need, have;       /* bytes, of the part that is short (0 when ENOUGH/UNKNOWN) */
} LoadMemoryFit;

/* The fit of the plan's region as it will be after the planned grow or shrink. */
LoadMemoryFit load_plan_memory_fit(const LoadPlan *p);
/* "static", "cma"; NULL for ENOUGH and UNKNOWN. */
const char *load_memory_part_to_string(LoadMemoryPart part);
/* The region's name in a sentence: "the static crash kernel reservation", "the CMA reservation". */
const char *load_memory_part_describe(LoadMemoryPart part);

/* The journal record of a load whose region is below the need (MESSAGE_ID TK_MESSAGE_BELOW_NEED in
 * journal-ids.h): "KEY=value" fields, MESSAGE= and PRIORITY= included. outcome is "armed" or
 * "refused"; recommended the crashkernel= words that would fit. */
int load_memory_record(const LoadPlan *p, const LoadMemoryFit *fit, const char *outcome, const char *recommended,
                       char ***ret);

typedef struct LoadResult {
        uint64_t static_before;    /* static reservation before, 0 when unknown */
        uint64_t static_after;     /* … after a shrink (= before when none) */
        bool shrunk;
        bool grown;                /* the region was allocated from CMA for this load */
        uint64_t load_usec;        /* time in kexec_file_load(2) */
} LoadResult;

/* The fit after load_plan_execute(): of the region as the kernel really sized it. */
LoadMemoryFit load_result_memory_fit(const LoadPlan *p, const LoadResult *res);

/* Grow or shrink when planned, then kexec_file_load(2) the plan as the crash kernel and record it in
 * LOAD_STATE_PATH below root. A failed load returns the syscall's errno and a sentence from
 * kexec_error_message(). */
int load_plan_execute(const char *root, LoadPlan *p, LoadResult *ret, char **ret_message);

/* What LOAD_STATE_PATH says about the loaded capture kernel. */
typedef struct LoadState {
        char *image;
        char *kernel;
        char *initrd;
        char *cmdline;
        char *target;
        char *mode;                /* "cma" or "classic" */
        uint64_t loaded_at_usec;   /* CLOCK_REALTIME */
        uint64_t kernel_size;
        uint64_t initrd_size;      /* as loaded, overlay included */
        uint64_t need_static;
        uint64_t static_before;
        uint64_t static_after;
        uint64_t grown;            /* 1: the region was allocated from CMA by the load; unload frees it */
        /* What was loaded, to load it again when a reload fails: the files behind the configured
         * paths (symlinks resolved, so an image rebuilt under the same name is not mistaken for
         * it) and the SHA-256 of their contents; the overlay is in LOAD_OVERLAY_PATH. */
        char *image_file, *kernel_file, *initrd_file;
        char *image_sha256, *kernel_sha256, *initrd_sha256;
        /* The loaded region is below the need: "static" or "cma" (load_memory_part_to_string()) and
         * the part's need and size, or NULL/0. */
        char *memory_short;
        uint64_t memory_need, memory_have;
        /* The last reload of this capture kernel failed (then it was loaded again), or 0/NULL. */
        uint64_t reload_failed_at_usec;
        char *reload_error;
} LoadState;

void load_state_done(LoadState *s);
int load_state_format(const LoadState *s, char **ret);
/* Parse the state file's text; diagnostics (unexpected keys, bad numbers) go to diags. */
int load_state_parse(const char *filename, const char *data, size_t size, LoadState *ret, ConfDiagList *diags);
/* Read it below root: -ENOENT when nothing was recorded. */
int load_state_read(const char *root, LoadState *ret);
/* Write it below root, atomically. */
int load_state_write(const char *root, const LoadState *s);
/* A sentence for an error of crashmem_grow(). */
const char *crashmem_grow_strerror(int error);

/* Remove it and the saved overlay (after an unload). Missing is fine. */
int load_state_remove(const char *root);

/* ---- Reloading safely ----
 * kexec_file_load(2) frees the loaded crash image before it loads a new one, so a reload that
 * fails would leave the machine unarmed. load_plan_replace() loads the plan in place of what is
 * loaded and, when that fails, loads the previous capture kernel again from what LOAD_STATE_PATH
 * recorded (its files, checked against their SHA-256, the saved overlay and command line). */

typedef struct LoadRestore {
        LoadState state;
        CaptureImage image;
        char *overlay;
        size_t overlay_size;
} LoadRestore;

void load_restore_done(LoadRestore *r);
/* Read the recorded capture kernel back and check it is still the one that was loaded: -ENOENT
 * nothing was recorded; -ESTALE a file changed (its hash differs); other errors from reading.
 * *ret_message says which file and why. */
int load_restore_prepare(const char *root, LoadRestore *ret, char **ret_message);
/* Load it again as the crash kernel (nothing may be loaded). */
int load_restore_execute(const LoadRestore *r, char **ret_message);

typedef struct ReloadReport {
        bool replaced;             /* a capture kernel was loaded before this load */
        bool restorable;           /* … and it could have been loaded again */
        char *not_restorable;      /* why not (a sentence), when !restorable */
        bool restored;             /* the new load failed and the previous one is loaded again */
        int restore_error;         /* the new load failed and so did loading the previous one again */
        char *restore_message;     /* … a sentence about that */
} ReloadReport;

void reload_report_done(ReloadReport *r);

/* load_plan_execute() in place of whatever is loaded; see above. Returns the new load's result;
 * *ret_reload says what happened to the previous capture kernel. */
int load_plan_replace(const char *root, LoadPlan *p, LoadResult *ret, ReloadReport *ret_reload, char **ret_message);

/* ---- The shrink record ---- */
typedef struct ShrinkRecord {
        uint64_t from;             /* static reservation before the first shrink of this boot */
        uint64_t to;               /* after the last one */
        uint64_t at_usec;          /* CLOCK_REALTIME of the last one */
} ShrinkRecord;

/* -ENOENT when nothing was shrunk this boot. */
int shrink_record_read(const char *root, ShrinkRecord *ret);

/* path below root with its symlinks resolved, as a path below root: -EXDEV when it leads out of root. */
int resolve_below(const char *root, const char *path, char **ret);

/* The running kernel's release below root: <root>/proc/sys/kernel/osrelease, else uname(2). */
int running_kernel_release(const char *root, char **ret);
