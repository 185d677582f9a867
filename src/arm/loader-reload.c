/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reloading without leaving the machine unarmed, and the record of a shrunk reservation. */
#include <inttypes.h>

#include "cpio.h"
#include "kexec.h"
#include "loader-internal.h"
#include "sha256.h"

/* The saved overlay is capture.conf and the erase plan: far below this. */
#define LOAD_OVERLAY_MAX (16 * MiB)

void load_restore_done(LoadRestore *r) {
        load_state_done(&r->state);
        capture_image_done(&r->image);
        free(r->overlay);
        *r = (LoadRestore) {};
}

void reload_report_done(ReloadReport *r) {
        free(r->not_restorable);
        free(r->restore_message);
        *r = (ReloadReport) {};
}

static int check_hash(const char *path, const void *data, size_t size, const char *want, char **ret_message) {
        char hex[SHA256_HEX_SIZE];

        if (!want)
                return loader_message(ret_message, -ESTALE, "%s: no hash of %s was recorded when it was loaded.",
                                      LOAD_STATE_PATH, path);
        if (!streq(sha256_hex(data, size, hex), want))
                return loader_message(ret_message, -ESTALE,
                                      "%s changed since it was loaded (SHA-256 %.16s…, loaded %.16s…).", path, hex,
                                      want);
        return 0;
}

/* The files as recorded: the resolved paths, else (a state file of an older tinykdump) the configured ones. */
static int restore_paths(const LoadState *st, CaptureImage *i, char **ret_message) {
        if (st->image_file || st->image) {
                i->image_path = strdup(st->image_file ?: st->image);
                return i->image_path ? 0 : -ENOMEM;
        }
        if (!(st->kernel_file ?: st->kernel) || !(st->initrd_file ?: st->initrd))
                return loader_message(ret_message, -EBADMSG, "%s names no capture kernel.", LOAD_STATE_PATH);
        i->kernel_path = strdup(st->kernel_file ?: st->kernel);
        i->initrd_path = strdup(st->initrd_file ?: st->initrd);
        return i->kernel_path && i->initrd_path ? 0 : -ENOMEM;
}

static int restore_check(const LoadRestore *r, char **ret_message) {
        const CaptureImage *i = &r->image;
        const LoadState *st = &r->state;
        uint64_t initrd_total;
        int k;

        if (i->image_path)
                k = check_hash(i->image_path, i->file, i->file_size, st->image_sha256, ret_message);
        else {
                k = check_hash(i->kernel_path, i->file, i->file_size, st->kernel_sha256, ret_message);
                if (k >= 0)
                        k = check_hash(i->initrd_path, i->initrd_file, i->initrd_file_size, st->initrd_sha256,
                                       ret_message);
        }
        if (k < 0)
                return k;
        initrd_total = i->initrd_size + (r->overlay_size > 0 ? cpio_initrd_padding(i->initrd_size) : 0) +
                       r->overlay_size;
        if (initrd_total != st->initrd_size)
                return loader_message(ret_message, -ESTALE,
                                      "%s does not match %s: the initrd would be %" PRIu64 " bytes, %" PRIu64
                                      " were loaded.",
                                      LOAD_OVERLAY_PATH, LOAD_STATE_PATH, initrd_total, st->initrd_size);
        return 0;
}

int load_restore_prepare(const char *root, LoadRestore *ret, char **ret_message) {
        _cleanup_(load_restore_done) LoadRestore r = {};
        int k;

        k = load_state_read(root, &r.state);
        if (k == -ENOENT)
                return loader_message(ret_message, k, "%s does not exist: the loaded capture kernel was not loaded by "
                                                      "tinykdump (or its record is lost).",
                                      LOAD_STATE_PATH);
        if (k < 0)
                return loader_message(ret_message, k, "Cannot read %s: %s", LOAD_STATE_PATH, strerror(-k));
        if (!r.state.cmdline)
                return loader_message(ret_message, -EBADMSG, "%s records no command line.", LOAD_STATE_PATH);
        k = restore_paths(&r.state, &r.image, ret_message);
        if (k < 0)
                return k;
        k = capture_image_read(root, &r.image, ret_message);
        if (k < 0)
                return k;
        k = read_full_file_at(root, LOAD_OVERLAY_PATH, LOAD_OVERLAY_MAX, &r.overlay, &r.overlay_size);
        if (k < 0)
                return loader_message(ret_message, k, "Cannot read %s: %s", LOAD_OVERLAY_PATH, strerror(-k));
        k = restore_check(&r, ret_message);
        if (k < 0)
                return k;
        *ret = r;
        r = (LoadRestore) {};
        return 0;
}

int load_restore_execute(const LoadRestore *r, char **ret_message) {
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF;
        int k;

        k = stage_images(&r->image, r->overlay, r->overlay_size, &kernel_fd, &initrd_fd, ret_message);
        if (k < 0)
                return k;
        k = kexec_load_crash(kernel_fd, initrd_fd, r->state.cmdline);
        if (k < 0) {
                KexecErrorContext ctx = {
                        .kernel_path = capture_image_name(&r->image),
                        .cmdline_len = strlen(r->state.cmdline),
                };
                if (ret_message) {
                        free(*ret_message);
                        *ret_message = kexec_error_message(k, &ctx);
                }
        }
        return k;
}

/* The new load failed (error, message) and nothing is loaded: load the previous capture kernel again. */
static void restore_previous(const char *root, LoadRestore *old, int error, const char *message,
                             ReloadReport *rep) {
        int k;

        k = load_restore_execute(old, &rep->restore_message);
        if (k < 0) {
                rep->restore_error = k;
                (void) load_state_remove(root);
                return;
        }
        rep->restored = true;
        /* The state file describes the previous load again, and says that a reload failed. */
        old->state.reload_failed_at_usec = clock_now_usec(CLOCK_REALTIME);
        free(old->state.reload_error);
        old->state.reload_error = strdup(message ?: strerror(-error));
        (void) load_state_write(root, &old->state);
}

int load_plan_replace(const char *root, LoadPlan *p, LoadResult *ret, ReloadReport *ret_reload, char **ret_message) {
        _cleanup_(load_restore_done) LoadRestore old = {};
        ReloadReport rep = {};
        int r;

        if (p->mem.loaded > 0) {
                rep.replaced = true;
                /* Read the previous capture kernel back now: a rebuild may remove its files meanwhile. */
                rep.restorable = load_restore_prepare(root, &old, &rep.not_restorable) >= 0;

                r = kexec_unload_crash();
                if (r < 0) {
                        _cleanup_free_ char *m = kexec_error_message(r, NULL);
                        *ret_reload = rep;
                        return loader_message(ret_message, r, "Failed to unload the previous crash kernel: %s",
                                              strna(m));
                }
                p->mem.loaded = 0;
        }

        r = load_plan_execute(root, p, ret, ret_message);
        if (r < 0 && rep.replaced) {
                if (rep.restorable)
                        restore_previous(root, &old, r, ret_message ? *ret_message : NULL, &rep);
                else
                        (void) load_state_remove(root);
        }
        *ret_reload = rep;
        return r;
}

/* ---- the shrink record ---- */

static int parse_record_u64(const ConfContext *ctx, const char *value, void *data, uintptr_t arg) {
        if (safe_atou64(value, data) < 0)
                return conf_value_error(ctx, "not an unsigned number.");
        return 0;
}

static const ConfTableItem shrink_record_table[] = {
        { "Shrunk", "From", parse_record_u64, 0, offsetof(ShrinkRecord, from) },
        { "Shrunk", "To", parse_record_u64, 0, offsetof(ShrinkRecord, to) },
        { "Shrunk", "AtUSec", parse_record_u64, 0, offsetof(ShrinkRecord, at_usec) },
        {},
};

int shrink_record_read(const char *root, ShrinkRecord *ret) {
        _cleanup_free_ char *text = NULL;
        ConfDiagList diags = {};
        ShrinkRecord rec = {};
        size_t size;
        int r;

        r = read_full_file_at(root, SHRINK_RECORD_PATH, 64 * KiB, &text, &size);
        if (r < 0)
                return r;
        r = conf_parse_data(SHRINK_RECORD_PATH, text, size, shrink_record_table, &rec, &diags);
        if (r >= 0 && (diags.n_errors > 0 || rec.from == 0 || rec.to >= rec.from))
                r = -EBADMSG;
        conf_diags_done(&diags);
        if (r < 0)
                return r;
        *ret = rec;
        return 0;
}
