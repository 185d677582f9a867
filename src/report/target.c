/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mountinfo.h"
#include "target.h"
#include "util.h"

int report_device_from_arg(const char *root, const char *arg, char **ret) {
        _cleanup_free_ char *p = NULL, *line = NULL;
        unsigned major, minor;
        char extra, *s;

        if (!arg)
                return -EINVAL;
        if (startswith(arg, "/dev/")) {
                s = strdup(arg);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        if (!startswith(arg, "/sys/") || strstr(arg, "/../") || strlen(arg) > 4096)
                return -EINVAL;
        p = path_join(arg, "dev");
        if (!p)
                return -ENOMEM;
        int r = read_one_line_file_at(root, p, &line);
        if (r < 0)
                return r;
        if (sscanf(line, "%u:%u%c", &major, &minor, &extra) != 2)
                return -EBADMSG;
        if (asprintf(&s, "/dev/block/%u:%u", major, minor) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Mounts devnode read-only where only this process sees it, and only through the returned fd: in
 * a new private mount namespace, detached again at once, so it is gone when the fd is closed or
 * the process dies, and no directory is left behind. */
static int mount_private(const char *devnode, const char *fstype) {
        char run_tmpl[] = "/run/tinykdump/report.XXXXXX", tmp_tmpl[] = "/tmp/tinykdump-report.XXXXXX";
        char *tmpl = run_tmpl;
        int fd, r;

        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        /* A sandbox may keep /run read-only; /tmp is then the service's own (PrivateTmp=). */
        if ((mkdir("/run/tinykdump", 0755) < 0 && errno != EEXIST) || !mkdtemp(tmpl)) {
                tmpl = tmp_tmpl;
                if (!mkdtemp(tmpl))
                        return -errno;
        }
        if (mount(devnode, tmpl, isempty(fstype) || streq(fstype, "auto") ? NULL : fstype,
                  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                r = -errno;
                (void) rmdir(tmpl);
                return r;
        }
        fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = fd < 0 ? -errno : fd;
        (void) umount2(tmpl, MNT_DETACH);
        (void) rmdir(tmpl);
        return r;
}

int report_target_open(const char *devnode, const char *fstype, int *ret_fd, char **ret_where, bool *ret_mounted) {
        _cleanup_free_ char *mountinfo = NULL, *where = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat dev_st, st;
        size_t n;
        int r;

        if (stat(devnode, &dev_st) < 0)
                return -errno;
        if (!S_ISBLK(dev_st.st_mode))
                return -ENOTBLK;

        r = read_full_file_at(NULL, "/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, &n);
        if (r < 0)
                return r;
        r = mountinfo_find_devnum(mountinfo, n, major(dev_st.st_rdev), minor(dev_st.st_rdev), &where);
        if (r < 0 && r != -ENOENT)
                return r;
        bool mounted = r == -ENOENT;
        if (!mounted) {
                fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
        } else {
                fd = mount_private(devnode, fstype);
                if (fd < 0)
                        return fd;
                where = strdup("a private read-only mount");
                if (!where)
                        return -ENOMEM;
        }

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != dev_st.st_rdev && !(fstype && streq(fstype, "btrfs")))
                return -EXDEV;   /* something else is mounted over it now */
        *ret_fd = TAKE_FD(fd);
        if (ret_where)
                *ret_where = TAKE_PTR(where);
        if (ret_mounted)
                *ret_mounted = mounted;
        return 0;
}
