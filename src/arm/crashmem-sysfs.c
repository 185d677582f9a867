/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash-memory model's reader and writer: /sys/kernel/kexec (and the older /sys/kernel)
 * attributes, /proc/iomem, /proc/meminfo and /proc/cmdline below a root directory, and the
 * shrink and grow of the reservation through crash_size. The model itself (parsers, the need)
 * is in crashmem.c and touches no file. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "crashmem.h"
#include "proc-cmdline.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------
 * Reading the kernel's state
 * --------------------------------------------------------------------------------------------- */

/* Read a one-line unsigned number from the first of paths that exists. Returns 1 and the path used,
 * 0 when none exists, -EBADMSG when the file exists but does not hold a number, other read errors
 * as they are (with *ret_path set). */
static int read_u64_first(const char *root, const char * const *paths, size_t n, uint64_t *ret,
                          const char **ret_path) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *s = NULL;
                int r = read_one_line_file_at(root, paths[i], &s);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                *ret_path = paths[i];
                if (r < 0)
                        return r;
                uint64_t v;
                if (safe_atou64(strstrip(s), &v) < 0)
                        return -EBADMSG;
                *ret = v;
                return 1;
        }
        return 0;
}

static int read_meminfo_total(const char *root, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_full_file_at(root, "/proc/meminfo", 1 * MiB, &s, NULL);
        if (r < 0)
                return r;
        for (char *line = s; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                const char *v = startswith(line, "MemTotal:");
                if (v) {
                        _cleanup_free_ char *num = NULL;
                        uint64_t kb;
                        char *t = strstrip((char *) v);
                        size_t l = strcspn(t, " ");
                        if (!streq(strstrip(t + l), "kB"))
                                return -EBADMSG;
                        num = strndup(t, l);
                        if (!num)
                                return -ENOMEM;
                        if (safe_atou64(num, &kb) < 0 || kb > UINT64_MAX / KiB)
                                return -EBADMSG;
                        *ret = kb * KiB;
                        return 1;
                }
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

static int int_file(int r, uint64_t v) {
        return r > 0 ? (v != 0) : -1;
}

/* The first of paths that exists below root into *ret (r > 0), or r == 0 when none does. Only
 * allocation failures and unparseable contents are errors; *ret_bad names the file then. */
static int read_attr(const char *root, const char * const *paths, size_t n, uint64_t *ret, const char **ret_used,
                     const char **ret_bad) {
        const char *used = NULL;
        int r;

        r = read_u64_first(root, paths, n, ret, &used);
        if (r == -EBADMSG || r == -ENOMEM) {
                *ret_bad = used;
                return r;
        }
        if (ret_used)
                *ret_used = used;
        return r < 0 ? 0 : r;
}

/* The kexec attributes in /sys/kernel (or /sys/kernel/kexec since 6.x). A read of the size that
 * fails otherwise (crash_size_show() returns EBUSY while a load holds the kexec lock) leaves the
 * size unknown but remembers the path for the writer. */
static int crashmem_read_kexec_attrs(const char *root, CrashMem *m, const char **ret_bad) {
        static const char * const size_paths[] = { CRASH_SIZE_PATH, CRASH_SIZE_PATH_OLD };
        static const char * const loaded_paths[] = { CRASH_LOADED_PATH, CRASH_LOADED_PATH_OLD };
        static const char * const elfcorehdr_paths[] = { CRASH_ELFCOREHDR_SIZE_PATH, CRASH_ELFCOREHDR_SIZE_PATH_OLD };
        static const char * const cpu_paths[] = { CRASH_CPU_HOTPLUG_PATH };
        static const char * const mem_paths[] = { CRASH_MEMORY_HOTPLUG_PATH };
        uint64_t v = 0;
        int r;

        r = read_attr(root, size_paths, ELEMENTSOF(size_paths), &v, &m->size_path, ret_bad);
        if (r < 0)
                return r;
        if (r > 0) {
                m->static_size = v;
                m->static_size_known = true;
        }
        r = read_attr(root, loaded_paths, ELEMENTSOF(loaded_paths), &v, &m->loaded_path, ret_bad);
        if (r < 0)
                return r;
        m->loaded = int_file(r, v);
        r = read_attr(root, cpu_paths, ELEMENTSOF(cpu_paths), &v, NULL, ret_bad);
        if (r < 0)
                return r;
        m->cpu_hotplug = int_file(r, v);
        r = read_attr(root, mem_paths, ELEMENTSOF(mem_paths), &v, NULL, ret_bad);
        if (r < 0)
                return r;
        m->memory_hotplug = int_file(r, v);
        r = read_attr(root, elfcorehdr_paths, ELEMENTSOF(elfcorehdr_paths), &v, NULL, ret_bad);
        if (r < 0)
                return r;
        if (r > 0)
                m->elfcorehdr_size = v;
        m->growable = exists_at(root, CRASH_SIZE_GROWABLE_PATH);
        return 0;
}

static int crashmem_read_cma(const char *root, CrashMem *m, const char **ret_bad) {
        static const char * const cma_paths[] = { CRASH_CMA_RANGES_PATH, CRASH_CMA_RANGES_PATH_OLD };

        for (size_t i = 0; i < ELEMENTSOF(cma_paths); i++) {
                _cleanup_free_ char *s = NULL;
                size_t n;
                int r;

                r = read_full_file_at(root, cma_paths[i], 64 * KiB, &s, &n);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                m->cma_path = cma_paths[i];
                if (r == -ENOMEM || r == -EFBIG) {
                        *ret_bad = cma_paths[i];
                        return r == -EFBIG ? -EBADMSG : r;
                }
                if (r < 0)
                        return 0;
                r = cma_ranges_parse(s, n, m->cma, ELEMENTSOF(m->cma), &m->n_cma);
                if (r < 0) {
                        *ret_bad = cma_paths[i];
                        return -EBADMSG;
                }
                for (size_t j = 0; j < m->n_cma; j++)
                        m->cma_size = add_sat_u64(m->cma_size, crash_range_size(&m->cma[j]));
                return 0;
        }
        return 0;
}

/* /proc/iomem and /proc/meminfo, and from them the RAM size crashkernel= range lists see. */
static int crashmem_read_ram(const char *root, CrashMem *m, const char **ret_bad) {
        _cleanup_free_ char *s = NULL;
        size_t n;
        int r;

        r = read_full_file_at(root, "/proc/iomem", 4 * MiB, &s, &n);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                r = iomem_parse(s, n, &m->iomem);
                if (r < 0) {
                        *ret_bad = "/proc/iomem";
                        return r == -ENOMEM ? r : -EBADMSG;
                }
                m->iomem_read = true;
        }

        r = read_meminfo_total(root, &m->mem_total);
        if (r == -EBADMSG || r == -ENOMEM) {
                *ret_bad = "/proc/meminfo";
                return r;
        }
        if (r <= 0)
                m->mem_total = 0;

        if (m->iomem_read && !m->iomem.hidden && m->iomem.system_ram > 0)
                m->system_ram = m->iomem.system_ram;
        else if (m->mem_total > 0)
                m->system_ram = add_sat_u64(m->mem_total, m->static_size_known ? m->static_size : 0);
        return 0;
}

static int crashmem_read_crashkernel(const char *root, CrashMem *m) {
        int r;

        r = proc_cmdline_read(root, &m->cmdline);
        if (r == -ENOMEM)
                return r;
        if (!m->cmdline) {
                m->crashkernel_error = -ENOENT;
                return 0;
        }
        r = crashkernel_parse(m->cmdline, m->system_ram > 0 ? m->system_ram : CRASHMEM_RAM_UNKNOWN, &m->crashkernel,
                              &m->crashkernel_error_pos);
        if (r == -ENOMEM)
                return r;
        m->crashkernel_error = r < 0 ? r : 0;
        return 0;
}

int crashmem_read(const char *root, CrashMem *ret, const char **ret_bad_path) {
        _cleanup_(crashmem_done) CrashMem m = {
                .loaded = -1,
                .cpu_hotplug = -1,
                .memory_hotplug = -1,
                .crashkernel_error_pos = SIZE_MAX,
        };
        const char *bad = NULL;
        int r;

        r = crashmem_read_kexec_attrs(root, &m, &bad);
        if (r >= 0)
                r = crashmem_read_cma(root, &m, &bad);
        if (r >= 0)
                r = crashmem_read_ram(root, &m, &bad);
        if (r >= 0)
                r = crashmem_read_crashkernel(root, &m);
        if (r < 0) {
                if (ret_bad_path)
                        *ret_bad_path = bad;
                return r;
        }

        *ret = m;
        m.cmdline = NULL; /* now *ret's */
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Shrink and grow
 * --------------------------------------------------------------------------------------------- */

int crashmem_read_static_size(const char *root, const CrashMem *m, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        uint64_t v;
        int r;

        if (!m->size_path)
                return -EOPNOTSUPP;
        r = read_one_line_file_at(root, m->size_path, &s);
        if (r < 0)
                return r;
        if (safe_atou64(strstrip(s), &v) < 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int read_loaded(const char *root, const CrashMem *m) {
        _cleanup_free_ char *s = NULL;

        if (!m->loaded_path)
                return m->loaded;
        if (read_one_line_file_at(root, m->loaded_path, &s) < 0)
                return m->loaded;
        return streq(strstrip(s), "1") ? 1 : 0;
}

/* Write a decimal size to the size attribute. Open errors come back as they are, write errors as
 * -errno for the caller to normalise. A regular file (a test's fake sysfs) is truncated first, as
 * a sysfs attribute needs no truncation. */
static int write_size(const char *root, const char *path, uint64_t size, bool *ret_write_failed) {
        _cleanup_free_ char *p = path_join(root, path);
        _cleanup_close_ int fd = -EBADF;
        char buf[32];
        struct stat st;

        *ret_write_failed = false;
        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)
                return -errno;
        int l = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", size);
        /* One write() on purpose, not loop_write(): a sysfs attribute parses each write() on its
         * own, so retrying the rest of a partial write would store a different size. */
        ssize_t k = write(fd, buf, (size_t) l);
        if (k < 0) {
                *ret_write_failed = true;
                return -errno;
        }
        if (k != l) {
                *ret_write_failed = true;
                return -EIO;
        }
        return 0;
}

int crashmem_shrink(const char *root, const CrashMem *m, uint64_t new_size) {
        uint64_t cur;
        bool wf;
        int r;

        if (!m->size_path)
                return -EOPNOTSUPP;
        /* The kernel rounds up to KEXEC_CRASH_MEM_ALIGN (a page on x86); do it here so the size read
         * back afterwards equals what we asked for. */
        new_size = align_up_u64(new_size, PAGE_SIZE_X86);
        r = crashmem_read_static_size(root, m, &cur);
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        if (r == -EBUSY)
                return -EAGAIN;
        if (r < 0)
                return r;
        if (new_size > cur)
                return -ERANGE;
        if (new_size == cur)
                return 0;
        if (read_loaded(root, m) == 1)
                return -EBUSY;

        r = write_size(root, m->size_path, new_size, &wf);
        if (r < 0 && wf) {
                if (r == -ENOENT) /* crash_shrink_memory(): a crash image is loaded */
                        return -EBUSY;
                if (r == -EBUSY) /* mutex_trylock() of the kexec lock failed */
                        return -EAGAIN;
        }
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        return 1;
}

int crashmem_grow(const char *root, const CrashMem *m, uint64_t new_size) {
        uint64_t cur;
        bool wf;
        int r;

        if (!m->size_path || !m->growable)
                return -EOPNOTSUPP;
        new_size = align_up_u64(new_size, PAGE_SIZE_X86);
        r = crashmem_read_static_size(root, m, &cur);
        if (r == -EBUSY)
                return -EAGAIN;
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        if (cur == new_size)
                return 0;
        if (cur > 0)
                return -EEXIST;
        if (read_loaded(root, m) == 1)
                return -EBUSY;

        r = write_size(root, m->size_path, new_size, &wf);
        if (r < 0 && wf) {
                if (r == -ENOENT)
                        return -EBUSY;
                if (r == -EBUSY)
                        return -EAGAIN;
                return r; /* EEXIST, ENOSPC, ENOMEM as the kernel patch documents them */
        }
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        return 1;
}

/* ---------------------------------------------------------------------------------------------
 * crashkernel=,cma support
 * --------------------------------------------------------------------------------------------- */

/* "6.17.3-amd64" → 6, 17; -EINVAL when it does not start with two dotted numbers. */
static int release_version(const char *release, unsigned *ret_major, unsigned *ret_minor) {
        unsigned a, b;

        if (!release || sscanf(release, "%u.%u", &a, &b) != 2)
                return -EINVAL;
        *ret_major = a;
        *ret_minor = b;
        return 0;
}

static int meminfo_has_cma(const char *root) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_full_file_at(root, "/proc/meminfo", 1 * MiB, &s, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        return startswith(s, "CmaTotal:") || strstr(s, "\nCmaTotal:");
}

int crashmem_cma_supported(const char *root, const char *release, const CrashMem *m, const char **ret_reason) {
        const char *why = NULL;
        unsigned major, minor;
        int r;

        if (release_version(release, &major, &minor) < 0)
                why = "the kernel release cannot be parsed";
        else if (major < 6 || (major == 6 && minor < 17))
                why = "the kernel is older than 6.17";
        else if (!m->cma_path)
                why = "the kernel does not export " CRASH_CMA_RANGES_PATH " (or " CRASH_CMA_RANGES_PATH_OLD ")";
        else {
                r = meminfo_has_cma(root);
                if (r < 0)
                        return r;
                if (r == 0)
                        why = "the kernel is built without CMA (no CmaTotal: in /proc/meminfo)";
        }
        if (ret_reason)
                *ret_reason = why;
        return !why;
}
