/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The crash memory verbs: `estimate` (the model, item by item) and `crashkernel [--apply]` (the
 * recommended crashkernel= for this machine, written the distribution's way), and the
 * recommendation `status` compares the running reservation with. With a capture image the
 * recommendation is exact; without one it is sized from the installed kernel and a stated initrd
 * estimate (CRASH_INITRD_ESTIMATE). */

#include "bzimage.h"
#include "capture-config.h" /* tkconf.h uses its enums */
#include "crashmem.h"
#include "tkconf.h"

typedef struct CrashRecommendation {
        char *release;             /* the running kernel */
        char *kernel;              /* the kernel sized: the capture image's (UKI or vmlinuz) or the installed one */
        bool estimated;            /* no capture image: the installed kernel and CRASH_INITRD_ESTIMATE */
        char *image_missing;       /* when estimated: the loader's sentence about the missing image */
        BzImage bz;
        uint64_t initrd_size;      /* with the configuration overlay; the estimate when estimated */
        CrashMem mem;
        CrashNeed need;
        bool cma;                  /* CMA ranges are reserved now */
        uint64_t need_static;      /* what the static region must hold in the current mode */
        bool grow;                 /* load would allocate the region from CMA (kernel-patches/) … */
        uint64_t grow_to;          /* … of this size */
        bool cma_supported;        /* the kernel honours crashkernel=,cma */
        const char *cma_reason;    /* why not, when !cma_supported */
        const char *recommended;   /* need.cma when cma_supported, else need.classic */
} CrashRecommendation;

void crash_recommendation_done(CrashRecommendation *r);

/* Size the crash memory for this machine from the capture image the configuration names, or,
 * when that does not exist (-ENOENT), from the installed kernel of the running release
 * (/usr/lib/modules/RELEASE/vmlinuz, /boot/vmlinuz-RELEASE) and CRASH_INITRD_ESTIMATE. Errors come
 * with a sentence in *ret_message. */
int crash_recommend(const char *root, const TkConfig *c, CrashRecommendation *ret, char **ret_message);

/* How the running reservation compares with the recommendation. */
typedef enum CrashReservationFit {
        CRASH_FIT_OK,              /* it holds the need, in the recommended mode */
        CRASH_FIT_NONE,            /* nothing is reserved */
        CRASH_FIT_TOO_SMALL,       /* the static region cannot hold the need of its mode */
        CRASH_FIT_CMA_POSSIBLE,    /* classic, but the kernel could keep the run-time part in CMA */
        CRASH_FIT_CMA_TOO_SMALL,   /* CMA mode with less CMA than the capture system's run time needs */
} CrashReservationFit;

CrashReservationFit crash_reservation_fit(const CrashRecommendation *r);

/* The verbs (userdata: const TinykdumpOptions *). */
int verb_estimate(int argc, char *argv[], void *userdata);
int verb_crashkernel(int argc, char *argv[], void *userdata);

/* ---- --apply, exposed for the tests ---- */

typedef enum BootConfig {
        BOOT_CONFIG_GRUB,          /* /etc/default/grub.d/ drop-in + update-grub (Debian) */
        BOOT_CONFIG_KERNEL_INSTALL, /* /etc/kernel/cmdline (kernel-install, type 1 entries or UKIs) */
} BootConfig;

#define CRASHKERNEL_GRUB_DROPIN_DIR "/etc/default/grub.d"
#define CRASHKERNEL_GRUB_DROPIN "tinykdump.cfg"
#define CRASHKERNEL_KERNEL_CMDLINE "/etc/kernel/cmdline"

/* Which way this system's kernel command line is configured: kernel-install when install.conf
 * says layout=uki or layout=bls, else GRUB when /etc/default/grub exists, else kernel-install when
 * /etc/kernel/cmdline exists; -EOPNOTSUPP when none of these. */
int boot_config_detect(const char *root, BootConfig *ret);

/* The new /etc/kernel/cmdline: old (NULL: the file does not exist, then /usr/lib/kernel/cmdline or
 * the running command line without BOOT_IMAGE= and initrd=, as kernel-install does) with every
 * crashkernel= word replaced by words, other words kept as they are (quotes included). */
int kernel_cmdline_replace(const char *root, const char *old, const char *words, char **ret);

/* The /etc/default/grub.d/tinykdump.cfg text for words. */
int grub_dropin_text(const char *words, char **ret);

/* Write words the system's way below root. Returns 1 when something changed, 0 when everything
 * already said so; logs what it does and every error (negative errno). */
int crashkernel_apply(const char *root, BootConfig how, const char *words, const char *release);
