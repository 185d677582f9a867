/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dump target as capture.conf names it: WHAT= specs and the udev symlinks they stand for. */
#include "capture-config.h"
#include "capture-internal.h"
#include "util.h"

/* ---- udev-style encoding of /dev/disk/by-* names ---- */

/* Length of the valid UTF-8 sequence for a non-ASCII character at s (at most n bytes), or 0 — what
 * libblkid's blkid_encode_string() keeps unescaped (checked against it in the unit test): basic/utf8's
 * rules (shortest form, at most U+10FFFF, no surrogates), and not U+FDD0…U+FDEF, which libblkid
 * escapes while it keeps U+FFFE. */
static size_t udev_utf8_length(const unsigned char *s, size_t n) {
        uint32_t c;
        size_t len;

        if (s[0] < 0x80)
                return 0;
        len = utf8_sequence_length((const char *) s, n, &c);
        if (len == 0 || (c >= 0xfdd0 && c <= 0xfdef))
                return 0;
        return len;
}

int udev_encode_string(const char *s, char **ret) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *) s;
        char *out, *o;
        size_t l;

        if (!s)
                return -EINVAL;
        l = strlen(s);
        if (l > CAPTURE_VALUE_MAX)
                return -EINVAL;
        out = o = malloc(l * 4 + 1);
        if (!out)
                return -ENOMEM;

        const unsigned char *end = p + l;
        while (*p) {
                size_t n = udev_utf8_length(p, (size_t) (end - p));
                if (n > 0) {
                        memcpy(o, p, n);
                        o += n;
                        p += n;
                } else if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                           strchr("#+-.:=@_", *p)) {
                        *o++ = (char) *p++;
                } else {
                        *o++ = '\\';
                        *o++ = 'x';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 0xf];
                        p++;
                }
        }
        *o = 0;
        *ret = out;
        return 0;
}

static const struct {
        const char *tag;
        const char *dir;
        bool hex_only; /* identifiers that are hex digits and dashes */
} what_tags[] = {
        { "UUID=", "/dev/disk/by-uuid/", true },
        { "LABEL=", "/dev/disk/by-label/", false },
        { "PARTUUID=", "/dev/disk/by-partuuid/", true },
        { "PARTLABEL=", "/dev/disk/by-partlabel/", false },
};

int capture_what_split(const char *what, char **ret_kind, const char **ret_value) {
        const char *eq = what ? strchr(what, '=') : NULL;
        char *kind;

        if (!eq || eq == what || eq[1] == 0)
                return -EINVAL;
        kind = strndup(what, (size_t) (eq - what));
        if (!kind)
                return -ENOMEM;
        *ret_kind = kind;
        *ret_value = eq + 1;
        return 0;
}

int capture_target_device_from_what(const char *what, char **ret) {
        _cleanup_free_ char *enc = NULL;
        const char *v;
        int r;

        if (isempty(what))
                return -EINVAL;
        if (startswith(what, "/dev/")) {
                char *s = strdup(what);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(what_tags); i++) {
                v = startswith(what, what_tags[i].tag);
                if (!v)
                        continue;
                if (isempty(v))
                        return -EINVAL;
                if (what_tags[i].hex_only && v[strspn(v, "0123456789abcdefABCDEF-")] != 0)
                        return -EINVAL;
                r = udev_encode_string(v, &enc);
                if (r < 0)
                        return r;
                /* udev cannot create a symlink named "." or "..": such a value names no device, and
                 * the path would not pass capture_config_verify() (parse must round-trip). */
                if (streq(enc, ".") || streq(enc, ".."))
                        return -EINVAL;
                /* Nor one longer than a file name may be: escaping makes a value of 4096 bytes up to
                 * four times as long, and that path would not pass capture_config_verify() either. */
                if (strlen(enc) > NAME_MAX)
                        return -ENAMETOOLONG;
                char *s = path_join(what_tags[i].dir, enc);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        return -EINVAL;
}
