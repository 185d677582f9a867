/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <strings.h>
#include <sys/wait.h>

#include "makedumpfile.h"
#include "util.h"

MakedumpfileStatus makedumpfile_status_from_wait(int wstatus, uint64_t *ret_code) {
        if (WIFSIGNALED(wstatus)) {
                if (ret_code)
                        *ret_code = 128 + (uint64_t) WTERMSIG(wstatus);
                return MAKEDUMPFILE_KILLED;
        }
        if (!WIFEXITED(wstatus)) {
                if (ret_code)
                        *ret_code = 255;
                return MAKEDUMPFILE_UNKNOWN;
        }
        int code = WEXITSTATUS(wstatus);
        if (ret_code)
                *ret_code = (uint64_t) code;
        switch (code) {
        case 0:
                return MAKEDUMPFILE_COMPLETED;
        case 1:
                return MAKEDUMPFILE_FAILED;
        case 2:
                return MAKEDUMPFILE_WRONG_RELEASE;
        case 3:
                return MAKEDUMPFILE_ANALYSIS_FAILED;
        case 4:
                return MAKEDUMPFILE_OUTPUT_FAILED;
        case 126:
        case 127:
                return MAKEDUMPFILE_NOT_EXECUTED;
        default:
                return MAKEDUMPFILE_UNKNOWN;
        }
}

const char *makedumpfile_status_to_string(MakedumpfileStatus s) {
        static const char *const table[_MAKEDUMPFILE_STATUS_MAX] = {
                [MAKEDUMPFILE_COMPLETED] = "completed",
                [MAKEDUMPFILE_FAILED] = "failed",
                [MAKEDUMPFILE_WRONG_RELEASE] = "failed: the kernel release of vmcore and vmlinux differ",
                [MAKEDUMPFILE_ANALYSIS_FAILED] = "failed: illegal page descriptor in the vmcore",
                [MAKEDUMPFILE_OUTPUT_FAILED] = "failed to write its output",
                [MAKEDUMPFILE_NOT_EXECUTED] = "could not be executed",
                [MAKEDUMPFILE_KILLED] = "was killed by a signal",
                [MAKEDUMPFILE_UNKNOWN] = "failed with an unknown exit status",
                [MAKEDUMPFILE_TIMED_OUT] = "did not finish within its time limit and was stopped",
        };
        if ((unsigned) s >= _MAKEDUMPFILE_STATUS_MAX)
                return NULL;
        return table[s];
}

void makedumpfile_features_done(MakedumpfileFeatures *f) {
        free(f->version);
        *f = (MakedumpfileFeatures) {};
}

int makedumpfile_parse_features(const char *data, size_t size, MakedumpfileFeatures *ret) {
        static const char version_marker[] = "version ";
        MakedumpfileFeatures f = {};

        if (size > MAKEDUMPFILE_VERSION_OUTPUT_MAX)
                return -EFBIG;
        if (size > 0 && !data)
                return -EINVAL;

        f.supported[CAPTURE_COMPRESSION_NONE] = true;
        f.supported[CAPTURE_COMPRESSION_ZLIB] = true;

        for (size_t pos = 0; pos < size;) {
                const char *l = data + pos;
                const char *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                pos += n + (nl ? 1 : 0);

                const char *v = n > sizeof(version_marker) ? memmem(l, n, version_marker, sizeof(version_marker) - 1) : NULL;
                if (v && !f.version && startswith(l, "makedumpfile")) {
                        v += sizeof(version_marker) - 1;
                        size_t vn = 0;
                        while (v + vn < l + n && vn < 32 &&
                               ((v[vn] >= '0' && v[vn] <= '9') || v[vn] == '.' || v[vn] == '-' ||
                                (v[vn] >= 'a' && v[vn] <= 'z')))
                                vn++;
                        if (vn > 0) {
                                f.version = strndup(v, vn);
                                if (!f.version)
                                        return -ENOMEM;
                        }
                        continue;
                }

                /* "<name><white space><enabled|disabled>" */
                size_t k = 0;
                while (k < n && l[k] != ' ' && l[k] != '\t')
                        k++;
                size_t s = k;
                while (s < n && (l[s] == ' ' || l[s] == '\t'))
                        s++;
                if (k == 0 || s == k)
                        continue;
                bool enabled;
                if (n - s == strlen("enabled") && memcmp(l + s, "enabled", n - s) == 0)
                        enabled = true;
                else if (n - s == strlen("disabled") && memcmp(l + s, "disabled", n - s) == 0)
                        enabled = false;
                else
                        continue;
                static const struct {
                        const char *name;
                        CaptureCompression c;
                } names[] = {
                        { "lzo", CAPTURE_COMPRESSION_LZO },
                        { "snappy", CAPTURE_COMPRESSION_SNAPPY },
                        { "zstd", CAPTURE_COMPRESSION_ZSTD },
                };
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if (strlen(names[i].name) == k && strncasecmp(l, names[i].name, k) == 0)
                                f.supported[names[i].c] = enabled;
        }

        *ret = f;
        return 0;
}

CaptureCompression makedumpfile_effective_compression(CaptureCompression wanted, const MakedumpfileFeatures *f) {
        if (wanted < 0 || wanted >= _CAPTURE_COMPRESSION_MAX)
                return CAPTURE_COMPRESSION_ZLIB;
        if (!f || f->supported[wanted])
                return wanted;
        return CAPTURE_COMPRESSION_ZLIB;
}

static const char *compression_option(CaptureCompression c) {
        switch (c) {
        case CAPTURE_COMPRESSION_ZLIB:
                return "-c";
        case CAPTURE_COMPRESSION_LZO:
                return "-l";
        case CAPTURE_COMPRESSION_SNAPPY:
                return "-p";
        case CAPTURE_COMPRESSION_ZSTD:
                return "-z";
        default:
                return NULL; /* none: kdump-compressed format with every page stored plain */
        }
}

static int argv_add(char ***l, const char *s) {
        return strv_extend(l, s);
}

/* The value of the line "KEY=value" in text[0..size), or NULL; *ret_len its length. */
static const char *vmcoreinfo_line_value(const char *text, size_t size, const char *key, size_t *ret_len) {
        size_t kl = strlen(key);

        for (const char *p = text, *end = text + size; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ?: end;
                if ((size_t) (eol - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
                        *ret_len = (size_t) (eol - p - kl - 1);
                        return p + kl + 1;
                }
                p = eol + 1;
        }
        return NULL;
}

int makedumpfile_vmcoreinfo_amend(const char *text, size_t size, char **ret) {
        const char *v, *release, *page_size;
        size_t vl, rl, pl;

        size = strnlen(text, size);
        if (vmcoreinfo_line_value(text, size, "OFFSET(page.compound_head)", &vl))
                return 0;
        v = vmcoreinfo_line_value(text, size, "OFFSET(page.compound_info)", &vl);
        if (!v)
                return 0;
        if (vl == 0 || vl > 9 || strspn(v, "0123456789") < vl)
                return -EBADMSG;
        /* The two lines makedumpfile requires of every VMCOREINFO file; without them it refuses
         * the note too, amended or not. */
        release = vmcoreinfo_line_value(text, size, "OSRELEASE", &rl);
        page_size = vmcoreinfo_line_value(text, size, "PAGESIZE", &pl);
        if (!release || !page_size)
                return 0;

        char *s;
        if (asprintf(&s, "OSRELEASE=%.*s\nPAGESIZE=%.*s\nOFFSET(page.compound_head)=%.*s\n", (int) rl, release,
                     (int) pl, page_size, (int) vl, v) < 0)
                return -ENOMEM;
        *ret = s;
        return 1;
}

int makedumpfile_dump_argv(const char *binary, unsigned dump_level, CaptureCompression compression,
                           const char *vmcoreinfo, const char *vmcore, const char *output, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char level[16], msg[16];

        if (isempty(binary) || isempty(vmcore) || isempty(output) || (vmcoreinfo && isempty(vmcoreinfo)))
                return -EINVAL;
        if (dump_level > CAPTURE_DUMP_LEVEL_MAX)
                return -EINVAL;
        if (compression < 0 || compression >= _CAPTURE_COMPRESSION_MAX)
                return -EINVAL;

        snprintf(level, sizeof(level), "%u", dump_level);
        snprintf(msg, sizeof(msg), "%d", MAKEDUMPFILE_MESSAGE_LEVEL);
        const char *opt = compression_option(compression);

        if (argv_add(&l, binary) < 0 || argv_add(&l, "-d") < 0 || argv_add(&l, level) < 0 ||
            (opt && argv_add(&l, opt) < 0) ||
            (vmcoreinfo && (argv_add(&l, "-i") < 0 || argv_add(&l, vmcoreinfo) < 0)) ||
            argv_add(&l, "--message-level") < 0 || argv_add(&l, msg) < 0 ||
            argv_add(&l, vmcore) < 0 || argv_add(&l, output) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int makedumpfile_dmesg_argv(const char *binary, const char *vmcore, const char *output, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char msg[16];

        if (isempty(binary) || isempty(vmcore) || isempty(output))
                return -EINVAL;
        snprintf(msg, sizeof(msg), "%d", MAKEDUMPFILE_MESSAGE_LEVEL);
        if (argv_add(&l, binary) < 0 || argv_add(&l, "--dump-dmesg") < 0 ||
            argv_add(&l, "--message-level") < 0 || argv_add(&l, msg) < 0 ||
            argv_add(&l, vmcore) < 0 || argv_add(&l, output) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int makedumpfile_version_argv(const char *binary, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        if (isempty(binary))
                return -EINVAL;
        if (argv_add(&l, binary) < 0 || argv_add(&l, "-v") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool line_has(const char *l, size_t n, const char *what) {
        size_t k = strlen(what);
        for (size_t i = 0; i + k <= n; i++)
                if (memcmp(l + i, what, k) == 0)
                        return true;
        return false;
}

int makedumpfile_find_warning(const char *data, size_t size, char **ret) {
        _cleanup_free_ char *w = NULL;
        size_t used = 0;

        w = malloc(MAKEDUMPFILE_WARNING_MAX + 1);
        if (!w)
                return -ENOMEM;
        for (size_t start = 0; start < size;) {
                const char *l = data + start;
                const char *nl = memchr(l, '\n', size - start);
                size_t n = nl ? (size_t) (nl - l) : size - start;

                start += n + 1;
                if (!line_has(l, n, "not supported") && !line_has(l, n, "may be incomplete"))
                        continue;
                while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == ' '))
                        n--;
                if (used > 0 && used < MAKEDUMPFILE_WARNING_MAX)
                        w[used++] = ' ';
                for (size_t i = 0; i < n && used < MAKEDUMPFILE_WARNING_MAX; i++) {
                        unsigned char c = (unsigned char) l[i];
                        w[used++] = c < 0x20 || c == 0x7f ? '?' : (char) c;
                }
        }
        if (used == 0)
                return -ENOENT;
        /* Never end inside a UTF-8 sequence cut short. */
        while (used > 0 && ((unsigned char) w[used - 1] & 0xc0) == 0x80)
                used--;
        if (used > 0 && ((unsigned char) w[used - 1] & 0xc0) == 0xc0)
                used--;
        while (used > 0 && w[used - 1] == ' ')
                used--;
        if (used == 0)
                return -ENOENT;
        w[used] = 0;
        *ret = TAKE_PTR(w);
        return 0;
}
