/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "crashmem.h"
#include "proc-cmdline.h"
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

/* systemd as PID 1 plus udevd, journald and tinykdump-save/makedumpfile. Measured on this machine:
 * the systemd capture initrd (21.5 MB zstd, 58.6 MB unpacked) boots as a normal VM with 192 MiB of
 * RAM and not with 160 MiB. 64 MiB kernel + 20.5 MiB compressed + 55.9 MiB unpacked initrd +
 * 36 MiB kernel working memory leave at most 15.6 MiB at 192 MiB; 16 MiB puts the model's boundary
 * at the measured one. Bytes. */
#define CAPTURE_USERSPACE_WORKING (16 * MiB)

/* Unpacked/compressed size of the capture initrd when the unpacked size is unknown. Measured: the
 * zstd systemd capture initrd 58.6 MB / 21.5 MB = 2.73; rounded up to 3 (ratio). */
#define CRASH_INITRD_UNPACK_RATIO 3

/* Margins, stated: the static part is computed from exact sizes and upper bounds, so 2 MiB; the
 * run-time part rests on two VM measurements, so 8 MiB. Bytes. */
#define CRASH_STATIC_MARGIN (2 * MiB)
#define CRASH_RUNTIME_MARGIN (8 * MiB)

#define PAGE_SIZE_X86 (4 * KiB)

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
 * Shrink and grow
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
