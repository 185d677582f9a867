/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>

#include "verify.h"
#include "vmcore.h"
#include "util.h"

void dump_verdict_done(DumpVerdict *v) {
        free(v->reason);
        *v = (DumpVerdict) {};
}

static int verdict(DumpVerdict *ret, bool ok, const char *format, ...) _printf_(3, 4);
static int verdict(DumpVerdict *ret, bool ok, const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        *ret = (DumpVerdict) { .ok = ok, .reason = s };
        return 0;
}

/* One symbol: the page-table walk agrees with the image mapping, and its bytes are in the dump.
 * 1 checked, 0 not named in VMCOREINFO, negative errno with *what set on a mismatch. */
static int check_symbol(Vmcore *v, const VmcoreInfo *info, const char *name, char *what, size_t l) {
        uint64_t sym, p_image, p_walk;
        uint8_t b[8];
        int r;

        if (vmcoreinfo_symbol(info, name, &sym) < 0)
                return 0;
        r = vmcore_virt_to_phys(v, sym, &p_image);
        if (r < 0) {
                snprintf(what, l, "%s (0x%" PRIx64 ") cannot be translated: %s", name, sym, strerror(-r));
                return r;
        }
        r = vmcore_walk_page_tables(v, sym, &p_walk);
        if (r < 0) {
                snprintf(what, l, "the page tables do not map %s (0x%" PRIx64 "): %s", name, sym, strerror(-r));
                return r;
        }
        if (p_walk != p_image) {
                snprintf(what, l, "the page tables map %s (0x%" PRIx64 ") to 0x%" PRIx64 ", the kernel image is at 0x%" PRIx64,
                         name, sym, p_walk, p_image);
                return -EBADMSG;
        }
        r = vmcore_read_virt(v, sym, b, sizeof(b));
        if (r < 0) {
                snprintf(what, l, "%s (0x%" PRIx64 ", physical 0x%" PRIx64 ") is not readable: %s", name, sym, p_image,
                         r == -ENODATA ? "its page is not in the dump" : strerror(-r));
                return r;
        }
        return 1;
}

int dump_verify_fd(int fd, const char *expected_release, DumpVerdict *ret) {
        _cleanup_vmcore_free_ Vmcore *v = NULL;
        int r;

        r = vmcore_open_fd(fd, &v);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return verdict(ret, false, "the header does not read as a dump: %s", strerror(-r));
        return dump_verify(v, expected_release, ret);
}

int dump_verify(Vmcore *v, const char *expected_release, DumpVerdict *ret) {
        static const char *const symbols[] = { VERIFY_SYMBOLS };
        const VmcoreInfo *info = NULL;
        VmcoreInfoParseError perr = {};
        VmcoreKernelError kerr = {};
        VmcoreUname uts;
        Buffer log = {};
        char what[256];
        unsigned n_symbols = 0, lines = 0;
        const char *release;
        int r;

        r = vmcore_get_vmcoreinfo(v, &info, &perr);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return verdict(ret, false, "the dump has no VMCOREINFO");
        if (r < 0)
                return verdict(ret, false, "its VMCOREINFO does not parse: %s", strerror(-r));
        release = vmcoreinfo_osrelease(info);
        if (!release)
                return verdict(ret, false, "its VMCOREINFO names no OSRELEASE");
        if (expected_release && !streq(release, expected_release))
                return verdict(ret, false, "its VMCOREINFO is of kernel %s, the crashed kernel was %s", release,
                               expected_release);

        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                r = check_symbol(v, info, symbols[i], what, sizeof(what));
                if (r < 0)
                        return verdict(ret, false, "%s", what);
                if (r == 0 && i < VERIFY_SYMBOLS_REQUIRED)
                        return verdict(ret, false, "its VMCOREINFO names no %s", symbols[i]);
                n_symbols += r;
        }

        r = vmcore_uname(v, &uts, &kerr);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return verdict(ret, false, "utsname is not readable: %s", kerr.what[0] ? kerr.what : strerror(-r));
        if (!streq(uts.release, release))
                return verdict(ret, false, "utsname says kernel %s, VMCOREINFO %s", uts.release, release);

        r = vmcore_dmesg(v, 0, &log, &kerr);
        if (r == -ENOMEM) {
                buffer_done(&log);
                return r;
        }
        if (r < 0) {
                buffer_done(&log);
                return verdict(ret, false, "the printk ring is not readable: %s", kerr.what[0] ? kerr.what : strerror(-r));
        }
        for (size_t i = 0; i < log.size; i++)
                lines += ((const char *) log.data)[i] == '\n';
        buffer_done(&log);
        if (lines == 0)
                return verdict(ret, false, "the printk ring is empty");

        return verdict(ret, true, "header, VMCOREINFO of %s, %u kernel symbols through the page tables, utsname, "
                                  "printk ring (%u lines) read back", release, n_symbols, lines);
}
