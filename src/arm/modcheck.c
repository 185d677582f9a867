/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <sys/stat.h>

#include "modcheck.h"
#include "log.h"
#include "util.h"

void module_check_done(ModuleCheck *c) {
        for (size_t i = 0; i < c->n_needs; i++) {
                free(c->needs[i].lookup);
                free(c->needs[i].why);
                free(c->needs[i].found);
        }
        free(c->needs);
        free(c->device_sysfs);
        *c = (ModuleCheck) {};
}

static int add_need(ModuleCheck *c, const char *lookup, const char *why) {
        ModuleNeed *n;

        for (size_t i = 0; i < c->n_needs; i++)
                if (streq(c->needs[i].lookup, lookup))
                        return 0;
        n = realloc(c->needs, (c->n_needs + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->needs = n;
        n = &c->needs[c->n_needs];
        *n = (ModuleNeed) { .lookup = strdup(lookup), .why = strdup(why) };
        if (!n->lookup || !n->why) {
                free(n->lookup);
                free(n->why);
                return -ENOMEM;
        }
        c->n_needs++;
        return 0;
}

int module_check_need_fs(ModuleCheck *c, const char *fstype) {
        _cleanup_free_ char *alias = NULL, *why = NULL;
        int r;

        if (isempty(fstype) || strchr(fstype, '/'))
                return -EINVAL;
        if (asprintf(&alias, "fs-%s", fstype) < 0 || asprintf(&why, "the file system %s", fstype) < 0)
                return -ENOMEM;
        r = add_need(c, alias, why);
        if (r < 0)
                return r;
        /* FAT_DEFAULT_CODEPAGE is 437: mounting vfat without codepage= loads it. */
        if (streq(fstype, "vfat"))
                r = add_need(c, "nls_cp437", "vfat's default code page 437");
        return r;
}

/* The kernel's name of the device behind a /dev path: follow symlinks (by-uuid/… → ../../sdb1). */
static int devnode_name(const char *root, const char *devnode, char **ret) {
        _cleanup_free_ char *path = strdup(devnode);

        if (!path)
                return -ENOMEM;
        for (unsigned hops = 0; hops < 16; hops++) {
                _cleanup_free_ char *full = path_join(root, path);
                char target[PATH_MAX];
                ssize_t k;

                if (!full)
                        return -ENOMEM;
                k = readlink(full, target, sizeof(target) - 1);
                if (k < 0) {
                        if (errno != EINVAL && errno != ENOENT)
                                return -errno;
                        /* Not a symlink (or, in a test's root, no node at all): the name is the
                         * kernel's; /sys/class/block/<name> tells whether the device exists. */
                        const char *b = strrchr(path, '/');
                        char *n = strdup(b ? b + 1 : path);
                        if (!n)
                                return -ENOMEM;
                        *ret = n;
                        return 0;
                }
                target[k] = 0;
                char *next;
                if (target[0] == '/')
                        next = strdup(target);
                else {
                        char *slash = strrchr(path, '/');
                        if (slash)
                                *slash = 0;
                        next = path_join(path, target);
                }
                if (!next)
                        return -ENOMEM;
                free(path);
                path = next;
        }
        return -ELOOP;
}

/* The module behind <dir>/driver, or NULL for no driver or one built into the running kernel. */
static int bound_module(const char *dir, char **ret_module, char **ret_driver) {
        _cleanup_free_ char *d = path_join(dir, "driver"), *m = path_join(dir, "driver/module");
        char target[PATH_MAX];
        ssize_t k;

        if (!d || !m)
                return -ENOMEM;
        *ret_module = *ret_driver = NULL;
        k = readlink(d, target, sizeof(target) - 1);
        if (k < 0)
                return 0;
        target[k] = 0;
        *ret_driver = strdup(basename(target));
        k = readlink(m, target, sizeof(target) - 1);
        if (k >= 0) {
                target[k] = 0;
                *ret_module = strdup(basename(target));
        }
        if (!*ret_driver || (k >= 0 && !*ret_module))
                return -ENOMEM;
        return 0;
}

int module_check_need_device(ModuleCheck *c, const char *root, const char *devnode) {
        _cleanup_free_ char *name = NULL, *link = NULL, *dir = NULL, *devices = NULL, *top = NULL;
        size_t ltop;
        int r;

        r = devnode_name(root, devnode, &name);
        if (r < 0)
                return r;
        devices = path_join(root, "/sys/devices");
        if (!devices || asprintf(&link, "%s/sys/class/block/%s", strempty(root), name) < 0)
                return -ENOMEM;
        dir = realpath(link, NULL);
        top = realpath(devices, NULL);
        if (!dir || !top)
                return -errno;
        c->device_sysfs = strdup(dir);
        if (!c->device_sysfs)
                return -ENOMEM;

        /* From the partition up to the bus: every driver that is a module must be in the image. */
        ltop = strlen(top);
        while (strlen(dir) > ltop && startswith(dir, top) && dir[ltop] == '/') {
                _cleanup_free_ char *module = NULL, *driver = NULL, *why = NULL;
                char *slash = strrchr(dir, '/');

                r = bound_module(dir, &module, &driver);
                if (r < 0)
                        return r;
                if (module) {
                        if (asprintf(&why, "the driver %s of %s", driver, slash + 1) < 0)
                                return -ENOMEM;
                        r = add_need(c, module, why);
                        if (r < 0)
                                return r;
                }
                *slash = 0;
        }
        return 0;
}

int module_check_index_dir(const char *image_file, char **ret) {
        const char *slash = strrchr(image_file, '/');
        char *d;

        if (!slash)
                return -EINVAL;
        if (asprintf(&d, "%.*s/" MODCHECK_INDEX_DIR, (int) (slash - image_file), image_file) < 0)
                return -ENOMEM;
        *ret = d;
        return 0;
}

/* The first module the lookup finds that is in the image: a file in modules.dep, or built in. */
static int lookup_one(struct kmod_ctx *ctx, ModuleNeed *n) {
        struct kmod_list *list = NULL, *l;
        int r;

        r = kmod_module_new_from_lookup(ctx, n->lookup, &list);
        if (r < 0)
                return r;
        kmod_list_foreach(l, list) {
                struct kmod_module *m = kmod_module_get_module(l);
                bool builtin = kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN;
                if (builtin || kmod_module_get_path(m)) {
                        n->found = strdup(kmod_module_get_name(m));
                        n->builtin = builtin;
                }
                kmod_module_unref(m);
                if (n->found)
                        break;
        }
        kmod_module_unref_list(list);
        return 0;
}

/* libkmod logs to stderr by default: an image's module index names .ko files that are not kept
 * beside it (only the indexes are), and libkmod says so for every lookup. What it says is for
 * debugging the lookup, so it goes to our log at debug level. */
_printf_(6, 0)
static void kmod_log_debug(void *data, int priority, const char *file, int line, const char *fn,
                           const char *format, va_list args) {
        _cleanup_free_ char *s = NULL;
        size_t l;

        if (log_get_max_level() < LOG_DEBUG || vasprintf(&s, format, args) < 0)
                return;
        l = strlen(s);
        if (l > 0 && s[l - 1] == '\n')
                s[l - 1] = 0;
        log_internal(LOG_DEBUG, 0, file, line, fn, "libkmod (priority %d): %s", priority, s);
}

int module_check_resolve(ModuleCheck *c, const char *root, const char *index_dir) {
        _cleanup_free_ char *dir = path_join(root, index_dir), *dep = NULL;
        static const char *const no_config[] = { NULL };
        struct kmod_ctx *ctx;
        int missing = 0, r = 0;

        if (!dir)
                return -ENOMEM;
        dep = path_join(dir, "modules.dep.bin");
        if (!dep)
                return -ENOMEM;
        if (access(dep, R_OK) < 0)
                return -errno;
        /* No modprobe.d: the image's own configuration is not what this machine's says. */
        ctx = kmod_new(dir, no_config);
        if (!ctx)
                return -ENOMEM;
        kmod_set_log_fn(ctx, kmod_log_debug, NULL);
        for (size_t i = 0; i < c->n_needs; i++) {
                ModuleNeed *n = &c->needs[i];
                free(n->found);
                n->found = NULL;
                n->builtin = false;
                r = lookup_one(ctx, n);
                if (r < 0)
                        break;
                missing += !n->found;
        }
        kmod_unref(ctx);
        return r < 0 ? r : missing;
}
