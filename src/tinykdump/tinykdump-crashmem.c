/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tinykdump estimate` and `tinykdump crashkernel [--apply]`: the crash memory model for this
 * machine, the recommended crashkernel= and writing it into the boot configuration (a GRUB
 * drop-in plus update-grub, or /etc/kernel/cmdline for kernel-install). See tinykdump(8). */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "format-mib.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "proc-cmdline.h"
#include "spawn-util.h"
#include "tinykdump-crashmem.h"

void crash_recommendation_done(CrashRecommendation *r) {
        free(r->release);
        free(r->kernel);
        free(r->image_missing);
        crashmem_done(&r->mem);
        *r = (CrashRecommendation) {};
}

static int set_message(char **ret_message, int error, const char *format, ...) _printf_(3, 4);
static int set_message(char **ret_message, int error, const char *format, ...) {
        va_list ap;

        free(*ret_message);
        *ret_message = NULL;
        va_start(ap, format);
        if (vasprintf(ret_message, format, ap) < 0)
                *ret_message = NULL;
        va_end(ap);
        return error;
}

/* The installed kernel of release below root: where kernel-install takes it from, then Debian's
 * /boot. */
static int read_installed_kernel(const char *root, const char *release, char **ret_path, char **ret_data,
                                 size_t *ret_size) {
        static const char *const dirs[][2] = { { "/usr/lib/modules/", "/vmlinuz" }, { "/boot/vmlinuz-", "" } };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;
                int r;

                if (asprintf(&p, "%s%s%s", dirs[i][0], release, dirs[i][1]) < 0)
                        return -ENOMEM;
                r = read_full_file_at(root, p, CAPTURE_IMAGE_FILE_MAX, ret_data, ret_size);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                *ret_path = TAKE_PTR(p);
                return 0;
        }
        return -ENOENT;
}

/* The capture command line's length without the image: the running command line (load keeps most
 * of it) plus the words load always adds. An upper bound for the boot parameters segment. */
static uint64_t estimated_cmdline_size(const CrashMem *m) {
        static const char *const fixed[] = { CAPTURE_CMDLINE_FIXED };
        uint64_t n = (m->cmdline ? strlen(m->cmdline) : 0) + 1;

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                n += strlen(fixed[i]) + 1;
        return n;
}

static int recommend_from_installed_kernel(const char *root, CrashRecommendation *rec, char **ret_message) {
        _cleanup_free_ char *data = NULL;
        const char *bad = NULL;
        size_t size = 0;
        int r;

        r = read_installed_kernel(root, rec->release, &rec->kernel, &data, &size);
        if (r == -ENOENT)
                return set_message(ret_message, r,
                                   "%s Neither is the kernel %s installed (/usr/lib/modules/%s/vmlinuz, /boot/vmlinuz-%s), "
                                   "so there is nothing to size the crash memory from.",
                                   rec->image_missing, rec->release, rec->release, rec->release);
        if (r < 0)
                return set_message(ret_message, r, "Failed to read the installed kernel of %s: %s", rec->release,
                                   strerror(-r));
        r = bzimage_parse(data, size, &rec->bz);
        if (r < 0 || bzimage_crash_footprint(&rec->bz) == 0)
                return set_message(ret_message, r < 0 ? r : -EPROTONOSUPPORT,
                                   "%s is not an x86 bzImage that states its init_size.", rec->kernel);

        r = crashmem_read(root, &rec->mem, &bad);
        if (r < 0)
                return set_message(ret_message, r, "Failed to read the crash kernel reservation%s%s: %s",
                                   bad ? " from " : "", strempty(bad), strerror(-r));
        rec->initrd_size = CRASH_INITRD_ESTIMATE;
        CrashNeedInput in = {
                .kernel_footprint = bzimage_crash_footprint(&rec->bz),
                .initrd_size = rec->initrd_size,
                .cmdline_size = estimated_cmdline_size(&rec->mem),
                .elfcorehdr_size = rec->mem.elfcorehdr_size,
        };
        r = crashmem_compute_need(&in, &rec->need);
        if (r < 0)
                return set_message(ret_message, r, "Cannot size the crash memory: %s", strerror(-r));
        rec->cma = crashmem_has_cma(&rec->mem);
        rec->need_static = crashmem_need_for_mode(&rec->need, rec->cma);
        rec->estimated = true;
        return 0;
}

int crash_recommend(const char *root, const TkConfig *c, CrashRecommendation *ret, char **ret_message) {
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        _cleanup_(load_plan_done) LoadPlan p = {};
        int r;

        r = running_kernel_release(root, &rec.release);
        if (r < 0)
                return set_message(ret_message, r, "Cannot determine the running kernel release: %s", strerror(-r));

        r = load_plan_build(root, c, LOAD_PLAN_ESTIMATE, &p, ret_message);
        if (r == -ENOENT) {
                rec.image_missing = TAKE_PTR(*ret_message);
                if (!rec.image_missing)
                        return -ENOMEM;
                r = recommend_from_installed_kernel(root, &rec, ret_message);
                if (r < 0)
                        return r;
        } else if (r < 0)
                return r;
        else {
                rec.kernel = strdup(capture_image_name(&p.image));
                if (!rec.kernel)
                        return -ENOMEM;
                rec.bz = p.image.bz;
                rec.initrd_size = p.initrd_total;
                rec.mem = p.mem;
                p.mem = (CrashMem) {}; /* now rec's */
                rec.need = p.need;
                rec.cma = p.cma;
                rec.need_static = p.need_static;
                rec.grow = p.grow;
                rec.grow_to = p.grow_to;
        }

        r = crashmem_cma_supported(root, rec.release, &rec.mem, &rec.cma_reason);
        if (r < 0)
                return r;
        rec.cma_supported = r > 0;
        *ret = rec;
        rec = (CrashRecommendation) {};
        ret->recommended = ret->cma_supported ? ret->need.cma : ret->need.classic;
        return 0;
}

CrashReservationFit crash_reservation_fit(const CrashRecommendation *r) {
        const CrashMem *m = &r->mem;

        if (!crashmem_has_static(m) && !crashmem_has_cma(m))
                return CRASH_FIT_NONE;
        if (r->grow)
                return CRASH_FIT_OK;
        if (m->static_size_known && m->static_size < r->need_static)
                return CRASH_FIT_TOO_SMALL;
        if (r->cma && m->cma_size < r->need.runtime_need)
                return CRASH_FIT_CMA_TOO_SMALL;
        if (!r->cma && r->cma_supported)
                return CRASH_FIT_CMA_POSSIBLE;
        return CRASH_FIT_OK;
}

/* ---- estimate ---- */

static int estimate_print_json(const CrashRecommendation *p, bool pretty) {
        const CrashNeed *n = &p->need;
        JsonWriter w;
        int r;

        json_begin(&w, stdout, pretty);
        json_object_open(&w);
        json_kv_string(&w, "kernel", p->kernel);
        json_kv_u64(&w, "kernel_init_size", p->bz.init_size);
        json_kv_u64(&w, "kernel_alignment", p->bz.kernel_alignment);
        json_kv_u64(&w, "initrd_size", p->initrd_size);
        json_kv_bool(&w, "estimated", p->estimated);
        json_key(&w, "items");
        json_array_open(&w);
        for (size_t i = 0; i < n->n_items; i++) {
                json_object_open(&w);
                json_kv_string(&w, "label", n->items[i].label);
                json_kv_u64(&w, "bytes", n->items[i].bytes);
                json_kv_string(&w, "part", n->items[i].part == CRASH_NEED_STATIC ? "static" : "runtime");
                json_object_close(&w);
        }
        json_array_close(&w);
        json_kv_u64(&w, "static_need", n->static_need);
        json_kv_u64(&w, "runtime_need", n->runtime_need);
        json_kv_u64(&w, "classic_need", n->classic_need);
        json_key(&w, "recommended");
        json_object_open(&w);
        json_kv_string(&w, "classic", n->classic);
        json_kv_string(&w, "cma", n->cma);
        json_kv_string(&w, "this_machine", p->recommended);
        json_object_close(&w);
        json_key(&w, "current");
        json_object_open(&w);
        json_kv_u64(&w, "static_size", p->mem.static_size);
        json_kv_u64(&w, "cma_size", p->mem.cma_size);
        json_kv_string(&w, "mode", p->cma ? "cma" : "classic");
        json_kv_u64(&w, "need", p->need_static);
        json_kv_bool(&w, "sufficient", p->grow || p->mem.static_size >= p->need_static);
        json_kv_bool(&w, "growable", p->mem.growable);
        if (p->grow)
                json_kv_u64(&w, "grow_to", p->grow_to);
        json_object_close(&w);
        json_object_close(&w);
        r = json_end(&w);
        if (r < 0)
                return log_error_errno(r, "Failed to write to standard output: %m");
        return 0;
}

static void estimate_print_text(const CrashRecommendation *p) {
        const CrashNeed *n = &p->need;
        char v[8];

        if (p->estimated)
                printf("%s\nThis is an ESTIMATE from the installed kernel and an assumed capture initrd of %s. "
                       "For the exact numbers build the capture image (tinykdump-build-image) and run "
                       "'tinykdump estimate' again.\n\n",
                       p->image_missing, MIB(p->initrd_size));
        printf("%s %s: boot protocol %s, init_size %s, alignment %s\n", p->estimated ? "Installed kernel" : "Capture kernel",
               p->kernel, bzimage_version_string(p->bz.version, v, sizeof(v)), MIB(p->bz.init_size),
               MIB(p->bz.kernel_alignment));
        printf("\n%-44s %12s  %s\n", "NEED", "SIZE", "WHERE");
        for (size_t i = 0; i < n->n_items; i++)
                printf("%-44s %12s  %s\n", n->items[i].label, MIB(n->items[i].bytes),
                       n->items[i].part == CRASH_NEED_STATIC ? "static region" : "static (classic) or CMA");
        printf("%-44s %12s\n", "static region, CMA mode", MIB(n->static_need));
        printf("%-44s %12s\n", "static region, classic mode", MIB(n->classic_need));
        printf("\nRecommended kernel command line:\n  classic: %s\n  CMA:     %s\n", n->classic, n->cma);
        if (p->cma_supported)
                printf("  This kernel supports crashkernel=,cma: use the CMA line (tinykdump crashkernel --apply).\n");
        else
                printf("  CMA mode is not available: %s; use the classic line (tinykdump crashkernel --apply).\n",
                       p->cma_reason);
        if (p->mem.growable)
                printf("  This kernel allocates the static region from CMA at load time: crashkernel=%" PRIu64 "M,cma alone "
                       "suffices, and nothing is withheld while no capture kernel is loaded.\n",
                       div_round_up_u64(n->cma_size, MiB) + div_round_up_u64(n->static_need, MiB));
        if (p->grow)
                printf("\nNow: static %s, CMA %s → load allocates %s from CMA\n", MIB(p->mem.static_size),
                       MIB(p->mem.cma_size), MIB(p->grow_to));
        else
                printf("\nNow: static %s, CMA %s → %s mode needs %s static: %s\n", MIB(p->mem.static_size),
                       MIB(p->mem.cma_size), p->cma ? "CMA" : "classic", MIB(p->need_static),
                       p->mem.static_size >= p->need_static ? "sufficient" : "TOO SMALL");
}

/* The recommendation for a verb, errors logged. The configuration names the capture image; its
 * diagnostics matter to estimate, which shows the whole model, and are noise for crashkernel, which
 * needs only the image paths. */
static int recommend_logged(const char *root, bool show_diagnostics, CrashRecommendation *ret) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_free_ char *msg = NULL;
        int r;

        r = tk_config_load(root, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration: %m");
        if (show_diagnostics)
                conf_diags_log(&c->diags);
        r = crash_recommend(root, c, ret, &msg);
        if (r < 0)
                return log_error_errno(r, "%s", msg ?: strerror(-r));
        return 0;
}

int verb_estimate(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        int r;

        r = recommend_logged(tk_root(), true, &rec);
        if (r < 0)
                return r;
        if (o->json)
                return estimate_print_json(&rec, o->pretty);
        estimate_print_text(&rec);
        return EXIT_SUCCESS;
}

/* ---- crashkernel [--apply] ---- */

int boot_config_detect(const char *root, BootConfig *ret) {
        static const char *const install_confs[] = { "/etc/kernel/install.conf", "/usr/lib/kernel/install.conf" };

        /* kernel-install(8) reads the first of these that exists. */
        for (size_t i = 0; i < ELEMENTSOF(install_confs); i++) {
                _cleanup_free_ char *s = NULL;
                int r = read_full_file_at(root, install_confs[i], 64 * KiB, &s, NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
                        const char *v = startswith(strstrip(line), "layout=");
                        if (v && (streq(v, "uki") || streq(v, "bls"))) {
                                *ret = BOOT_CONFIG_KERNEL_INSTALL;
                                return 0;
                        }
                }
                break;
        }
        if (exists_at(root, "/etc/default/grub")) {
                *ret = BOOT_CONFIG_GRUB;
                return 0;
        }
        if (exists_at(root, CRASHKERNEL_KERNEL_CMDLINE)) {
                *ret = BOOT_CONFIG_KERNEL_INSTALL;
                return 0;
        }
        return -EOPNOTSUPP;
}

/* The next word of s at *p (white space separated, a double-quoted part may hold spaces), as a
 * pointer and length; false at the end. */
static bool next_word(const char *s, size_t *p, const char **ret, size_t *ret_len) {
        size_t i = *p, start;
        bool quoted = false;

        while (s[i] && strchr(" \t\n\r", s[i]))
                i++;
        if (!s[i])
                return false;
        start = i;
        for (; s[i] && (quoted || !strchr(" \t\n\r", s[i])); i++)
                if (s[i] == '"')
                        quoted = !quoted;
        *ret = s + start;
        *ret_len = i - start;
        *p = i;
        return true;
}

static bool word_is(const char *w, size_t l, const char *prefix) {
        size_t n = strlen(prefix);
        return l >= n && strncmp(w, prefix, n) == 0;
}

int kernel_cmdline_replace(const char *root, const char *old, const char *words, char **ret) {
        _cleanup_free_ char *base = NULL, *out = NULL;
        bool from_proc = false;
        size_t pos = 0, len = 0, n = 0;
        const char *w;
        FILE *f;
        int r;

        if (!old) {
                r = read_full_file_at(root, "/usr/lib/kernel/cmdline", 64 * KiB, &base, NULL);
                if (r == -ENOENT) {
                        r = proc_cmdline_read(root, &base);
                        from_proc = true;
                }
                if (r < 0)
                        return r;
                old = base;
        }

        f = open_memstream(&out, &len);
        if (!f)
                return -ENOMEM;
        while (next_word(old, &pos, &w, &n)) {
                if (word_is(w, n, "crashkernel="))
                        continue;
                if (from_proc && (word_is(w, n, "BOOT_IMAGE=") || word_is(w, n, "initrd=")))
                        continue;
                fprintf(f, "%.*s ", (int) n, w);
        }
        fprintf(f, "%s\n", words);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        return 0;
}

int grub_dropin_text(const char *words, char **ret) {
        return asprintf(ret,
                        "# Written by \"tinykdump crashkernel --apply\": the crash memory reservation tinykdump\n"
                        "# recommends for this machine (tinykdump(8)). Delete this file and run update-grub to\n"
                        "# drop it; run \"tinykdump crashkernel --apply\" again after a kernel or capture image\n"
                        "# change to update it.\n"
                        "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT %s\"\n",
                        words) < 0 ? -ENOMEM : 0;
}

/* An executable called name in $PATH. */
static int find_in_path(const char *name, char **ret) {
        const char *path = getenv("PATH") ?: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *p = path_join(d, name);
                if (!p)
                        return -ENOMEM;
                if (access(p, X_OK) == 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENOENT;
}

/* Other crashkernel= settings in GRUB's configuration end up on the same command line; say where. */
static void grub_warn_other_settings(const char *root) {
        _cleanup_free_ char *dir = path_join(root, CRASHKERNEL_GRUB_DROPIN_DIR);
        _cleanup_strv_free_ char **files = NULL;
        DIR *d;

        if (strv_extend(&files, "/etc/default/grub") < 0 || !dir)
                return;
        d = opendir(dir);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d))) {
                        _cleanup_free_ char *p = NULL;
                        size_t l = strlen(de->d_name);
                        if (l < 4 || !streq(de->d_name + l - 4, ".cfg") || streq(de->d_name, CRASHKERNEL_GRUB_DROPIN))
                                continue;
                        if (asprintf(&p, CRASHKERNEL_GRUB_DROPIN_DIR "/%s", de->d_name) < 0 ||
                            strv_consume(&files, TAKE_PTR(p)) < 0)
                                break;
                }
                closedir(d);
        }
        STRV_FOREACH(fn, files) {
                _cleanup_free_ char *s = NULL;
                unsigned line = 0;

                if (read_full_file_at(root, *fn, 1 * MiB, &s, NULL) < 0)
                        continue;
                for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        line++;
                        char *t = strstrip(l);
                        if (t[0] != '#' && strstr(t, "crashkernel="))
                                log_warning("%s:%u also sets crashkernel= (%s). Both end up on the kernel command line; "
                                            "remove it there so that only tinykdump's reservation applies.",
                                            *fn, line, t);
                }
        }
}

/* Replace (or, data NULL, remove) name in the directory dir below root. */
static int put_file(const char *root, const char *dir, const char *name, const char *data) {
        _cleanup_free_ char *d = path_join(root, dir);
        _cleanup_close_ int fd = -EBADF;

        if (!d)
                return -ENOMEM;
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!data)
                return unlinkat(fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        return write_atomic_at(fd, name, data, strlen(data), 0644, WRITE_ATOMIC_DURABLE);
}

static int read_optional(const char *root, const char *path, char **ret) {
        int r = read_full_file_at(root, path, 1 * MiB, ret, NULL);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        return r;
}

static int apply_grub(const char *root, const char *words) {
        const char *path = CRASHKERNEL_GRUB_DROPIN_DIR "/" CRASHKERNEL_GRUB_DROPIN;
        _cleanup_free_ char *old = NULL, *text = NULL, *update_grub = NULL;
        int r, wstatus;

        r = grub_dropin_text(words, &text);
        if (r < 0)
                return log_oom();
        r = read_optional(root, path, &old);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        grub_warn_other_settings(root);
        if (old && streq(old, text)) {
                log_info("%s already sets %s; nothing changed.", path, words);
                return 0;
        }
        r = find_in_path("update-grub", &update_grub);
        if (r == -ENOENT)
                return log_error_errno(r, "update-grub is not in $PATH (Debian: package grub2-common), so %s cannot take "
                                       "effect; nothing changed. Add '%s' to your boot loader's kernel command line yourself.",
                                       path, words);
        if (r < 0)
                return log_oom();

        r = put_file(root, CRASHKERNEL_GRUB_DROPIN_DIR, CRASHKERNEL_GRUB_DROPIN, text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        log_info("Wrote %s: %s. Running %s.", path, words, update_grub);

        r = spawn_and_wait((char *[]) { update_grub, NULL }, NULL, &wstatus);
        if (r >= 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
                return 1;
        /* Put the old state back, so that a rerun tries again instead of finding nothing to do. */
        int k = put_file(root, CRASHKERNEL_GRUB_DROPIN_DIR, CRASHKERNEL_GRUB_DROPIN, old);
        if (k < 0)
                log_error_errno(k, "Failed to restore %s: %m", path);
        if (r < 0)
                return log_error_errno(r, "Failed to run %s: %m", update_grub);
        log_error("%s failed (%s %d); %s.", update_grub, WIFEXITED(wstatus) ? "exit status" : "signal",
                  WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus),
                  k < 0 ? "could not put the drop-in back as it was" : "the drop-in is as it was before");
        return -EIO;
}

static int apply_kernel_install(const char *root, const char *words, const char *release) {
        _cleanup_free_ char *old = NULL, *text = NULL;
        int r;

        r = read_optional(root, CRASHKERNEL_KERNEL_CMDLINE, &old);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", CRASHKERNEL_KERNEL_CMDLINE);
        r = kernel_cmdline_replace(root, old, words, &text);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s does not exist and the running kernel command line cannot be read: %m",
                                       CRASHKERNEL_KERNEL_CMDLINE);
        if (old && streq(old, text)) {
                log_info("%s already has %s; nothing changed.", CRASHKERNEL_KERNEL_CMDLINE, words);
                return 0;
        }
        r = put_file(root, "/etc/kernel", "cmdline", text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", CRASHKERNEL_KERNEL_CMDLINE);
        log_info("Wrote %s: %s%s. kernel-install puts it into the boot entry (or UKI) of every kernel it installs; "
                 "for the running kernel's entry run 'kernel-install add %s /usr/lib/modules/%s/vmlinuz'.",
                 CRASHKERNEL_KERNEL_CMDLINE, words, old ? "" : " (created from the running kernel command line)",
                 release, release);
        return 1;
}

int crashkernel_apply(const char *root, BootConfig how, const char *words, const char *release) {
        return how == BOOT_CONFIG_GRUB ? apply_grub(root, words) : apply_kernel_install(root, words, release);
}

static int crashkernel_print_json(const CrashRecommendation *rec, CrashReservationFit fit, bool pretty) {
        static const char *const fits[] = {
                [CRASH_FIT_OK] = "ok",
                [CRASH_FIT_NONE] = "none",
                [CRASH_FIT_TOO_SMALL] = "too-small",
                [CRASH_FIT_CMA_POSSIBLE] = "cma-possible",
                [CRASH_FIT_CMA_TOO_SMALL] = "cma-too-small",
        };
        JsonWriter w;
        int r;

        json_begin(&w, stdout, pretty);
        json_object_open(&w);
        json_kv_string(&w, "recommended", rec->recommended);
        json_kv_string(&w, "mode", rec->cma_supported ? "cma" : "classic");
        json_kv_bool(&w, "cma_supported", rec->cma_supported);
        if (!rec->cma_supported)
                json_kv_string(&w, "cma_unsupported_reason", rec->cma_reason);
        json_kv_bool(&w, "estimated", rec->estimated);
        json_kv_string(&w, "kernel", rec->kernel);
        json_kv_string(&w, "release", rec->release);
        json_kv_string(&w, "current", fits[fit]);
        json_object_close(&w);
        r = json_end(&w);
        if (r < 0)
                return log_error_errno(r, "Failed to write to standard output: %m");
        return 0;
}

static void crashkernel_explain(const CrashRecommendation *rec, CrashReservationFit fit) {
        const CrashMem *m = &rec->mem;

        if (rec->cma_supported)
                log_info("CMA mode: the kernel %s supports crashkernel=,cma; the capture system's run-time memory (%s) "
                         "stays usable by this system until a crash.", rec->release, MIB(rec->need.cma_size));
        else
                log_info("Classic mode: %s.", rec->cma_reason);
        if (rec->estimated)
                log_notice("Estimated from the installed kernel %s and an assumed %s capture initrd: no capture image "
                           "exists yet. Run tinykdump-build-image, then this command again, for the exact size.",
                           rec->kernel, MIB(rec->initrd_size));
        else
                log_info("Sized for the capture image %s (initrd with configuration %s).", rec->kernel,
                         MIB(rec->initrd_size));
        switch (fit) {
        case CRASH_FIT_NONE:
                log_info("Now: no crash memory is reserved.");
                break;
        case CRASH_FIT_OK:
                log_info("Now: static %s, CMA %s: sufficient.", MIB(m->static_size), MIB(m->cma_size));
                break;
        case CRASH_FIT_TOO_SMALL:
                log_info("Now: static %s, CMA %s: TOO SMALL, the %s mode needs %s static.", MIB(m->static_size),
                         MIB(m->cma_size), rec->cma ? "CMA" : "classic", MIB(rec->need_static));
                break;
        case CRASH_FIT_CMA_POSSIBLE:
                log_info("Now: classic, static %s; CMA mode would keep %s usable until a crash.", MIB(m->static_size),
                         MIB(rec->need.cma_size));
                break;
        case CRASH_FIT_CMA_TOO_SMALL:
                log_info("Now: CMA %s, less than the %s the capture system needs at run time.", MIB(m->cma_size),
                         MIB(rec->need.runtime_need));
                break;
        }
}

int verb_crashkernel(int argc, char *argv[], void *userdata) {
        const TinykdumpOptions *o = userdata;
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        const char *root = tk_root();
        CrashReservationFit fit;
        BootConfig how;
        int r;

        r = recommend_logged(root, false, &rec);
        if (r < 0)
                return r;
        fit = crash_reservation_fit(&rec);

        if (!o->apply) {
                if (o->json)
                        return crashkernel_print_json(&rec, fit, o->pretty);
                printf("%s\n", rec.recommended);
                crashkernel_explain(&rec, fit);
                return EXIT_SUCCESS;
        }

        r = boot_config_detect(root, &how);
        if (r == -EOPNOTSUPP) {
                log_error("Neither /etc/default/grub (GRUB) nor %s (kernel-install) exists, and kernel-install's "
                          "install.conf names no layout=bls or layout=uki: add '%s' to your boot loader's kernel "
                          "command line yourself.",
                          CRASHKERNEL_KERNEL_CMDLINE, rec.recommended);
                return EXIT_FAILURE;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to find out how this system configures its kernel command line: %m");
        if (rec.estimated)
                log_warning("No capture image exists yet; applying the estimate. Run tinykdump-build-image and then "
                            "'tinykdump crashkernel --apply' again for the exact size.");
        r = crashkernel_apply(root, how, rec.recommended, rec.release);
        if (r < 0)
                return r;
        if (r > 0)
                log_notice("Reboot for the new reservation (%s) to take effect.", rec.recommended);
        else if (fit != CRASH_FIT_OK)
                log_notice("The running kernel does not have this reservation yet: reboot for it to take effect.");
        return EXIT_SUCCESS;
}
