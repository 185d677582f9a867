/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "vmcore-kernel.h"

#define UTS_FIELDS 6
#define UTS_SIZE (UTS_FIELDS * VMCORE_UTS_LEN)

/* Offsets of name in struct uts_namespace that kernels before 5.11 (no OFFSET(uts_namespace.name)
 * in VMCOREINFO) used: 4 behind a struct kref up to 4.x, 0 since the kref moved behind it. */
static const uint64_t probe_offsets[] = { 0, 4 };

static const char *const source_table[_VMCORE_UNAME_SOURCE_MAX] = {
        [VMCORE_UNAME_INIT_UTS_NS] = "init_uts_ns",
        [VMCORE_UNAME_INIT_UTS_NS_PROBED] = "init_uts_ns (name offset guessed: VMCOREINFO has no OFFSET(uts_namespace.name))",
};

const char *vmcore_uname_source_to_string(VmcoreUnameSource s) {
        if (s < 0 || s >= _VMCORE_UNAME_SOURCE_MAX)
                return NULL;
        return source_table[s];
}

/* Copies the six fields; fails unless each is NUL-terminated. */
static int decode(const uint8_t *b, VmcoreUname *u) {
        char *const fields[UTS_FIELDS] = { u->sysname, u->nodename, u->release, u->version, u->machine, u->domainname };

        for (size_t i = 0; i < UTS_FIELDS; i++) {
                const uint8_t *f = b + i * VMCORE_UTS_LEN;
                size_t n = strnlen((const char *) f, VMCORE_UTS_LEN);
                if (n == VMCORE_UTS_LEN)
                        return -EBADMSG;
                for (size_t j = 0; j < n; j++)
                        fields[i][j] = f[j] >= 0x20 && f[j] < 0x7f ? (char) f[j] : '?';
                fields[i][n] = '\0';
        }
        return 0;
}

int vmcore_uname_read(const VmcoreInfo *info, const VmcoreMemory *mem, VmcoreUname *ret,
                      VmcoreKernelError *reterr) {
        uint8_t buf[UTS_SIZE + 8];
        uint64_t addr, off;
        VmcoreUname u = {};
        int r;

        r = vmcoreinfo_symbol(info, "init_uts_ns", &addr);
        if (r < 0) {
                if (reterr)
                        snprintf(reterr->what, sizeof(reterr->what), "VMCOREINFO has %s SYMBOL(init_uts_ns)",
                                 r == -ENOENT ? "no" : "an invalid");
                return r;
        }

        r = vmcoreinfo_offset(info, "uts_namespace.name", &off);
        if (r >= 0) {
                if (off > 4096 || addr > UINT64_MAX - off - UTS_SIZE) {
                        if (reterr)
                                snprintf(reterr->what, sizeof(reterr->what),
                                         "VMCOREINFO OFFSET(uts_namespace.name)=%" PRIu64 " is out of range", off);
                        return -EBADMSG;
                }
                r = mem->read(mem->userdata, addr + off, buf, UTS_SIZE);
                if (r < 0) {
                        if (reterr)
                                snprintf(reterr->what, sizeof(reterr->what), "cannot read init_uts_ns at 0x%" PRIx64, addr + off);
                        return r;
                }
                r = decode(buf, &u);
                if (r < 0) {
                        if (reterr)
                                snprintf(reterr->what, sizeof(reterr->what), "init_uts_ns holds unterminated strings");
                        return r;
                }
                u.source = VMCORE_UNAME_INIT_UTS_NS;
                *ret = u;
                return 0;
        }
        if (r != -ENOENT) {
                if (reterr)
                        snprintf(reterr->what, sizeof(reterr->what), "VMCOREINFO has an invalid OFFSET(uts_namespace.name)");
                return r;
        }

        /* No offset: accept a candidate only if it names Linux and the release VMCOREINFO gives. */
        const char *release = vmcoreinfo_osrelease(info);
        if (isempty(release)) {
                if (reterr)
                        snprintf(reterr->what, sizeof(reterr->what),
                                 "VMCOREINFO has neither OFFSET(uts_namespace.name) nor OSRELEASE");
                return -ENOENT;
        }
        if (addr > UINT64_MAX - sizeof(buf)) {
                if (reterr)
                        snprintf(reterr->what, sizeof(reterr->what), "SYMBOL(init_uts_ns) is out of range");
                return -EBADMSG;
        }
        r = mem->read(mem->userdata, addr, buf, sizeof(buf));
        if (r < 0) {
                if (reterr)
                        snprintf(reterr->what, sizeof(reterr->what), "cannot read init_uts_ns at 0x%" PRIx64, addr);
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(probe_offsets); i++) {
                if (decode(buf + probe_offsets[i], &u) < 0)
                        continue;
                if (streq(u.sysname, "Linux") && streq(u.release, release)) {
                        u.source = VMCORE_UNAME_INIT_UTS_NS_PROBED;
                        *ret = u;
                        return 0;
                }
        }
        if (reterr)
                snprintf(reterr->what, sizeof(reterr->what),
                         "init_uts_ns holds no utsname for release \"%.64s\" at the offsets kernels used", release);
        return -EBADMSG;
}
