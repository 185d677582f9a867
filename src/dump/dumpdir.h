/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The dump target and the dump directories on it: checking that the mounted file system is the
 * configured one, naming and creating "<target>/<dir>/<time>-<host>-<release>/", and writing
 * files into it so that a crash of the capture itself never leaves a half-written file under
 * its final name. */

#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"
#include "mountinfo.h"

/* Bound for one name component taken from the crashed system. */
#define DUMPDIR_COMPONENT_MAX 64U
/* How many "_N" suffixes dumpdir_create() tries before giving up. */
#define DUMPDIR_SUFFIX_MAX 999U
/* Longest dump directory name the readers open (a file name). */
#define DUMPDIR_NAME_MAX 255U

/* Is name a dump directory name we are willing to open: 1..DUMPDIR_NAME_MAX bytes of
 * [A-Za-z0-9._+:-], not starting with '.' (so neither "." nor ".." nor hidden files). */
bool dump_dir_name_is_valid(const char *name);

/* Reading what is in a dump directory, which is untrusted: opens name in dir_fd read-only without
 * following a symlink or blocking on a FIFO; -EBADFD unless it is a regular file. */
int dumpdir_open_regular_at(int dir_fd, const char *name, uint64_t *ret_size);

/* The regular file name in dir_fd (as above), NUL-terminated: all of it, -EFBIG above max bytes;
 * or with tail set, its last at most max bytes. A file that shrinks while read gives what there is. */
int dumpdir_read_file_at(int dir_fd, const char *name, size_t max, bool tail, char **ret, size_t *ret_size);

/* What a block device holds, from libblkid. Strings may be NULL. */
typedef struct BlockIdentity {
        char *fstype;
        char *uuid;
        char *label;
        char *partuuid;
        char *partlabel;
        dev_t devnum;   /* the device number probed (st_rdev), 0 when not a block device or unknown */
} BlockIdentity;

void block_identity_done(BlockIdentity *b);

/* The seam for tests: how a device node is probed. */
typedef int (*BlockProbeFunc)(const char *devnode, BlockIdentity *ret);
/* The real one: libblkid low-level probe (superblocks with UUID/LABEL/TYPE, partition entry
 * details for PART_ENTRY_UUID and PART_ENTRY_NAME). libblkid's 0/1/-2/-1 become 0/-ENODATA/-ENOTUNIQ/-EIO. */
int block_probe_blkid(const char *devnode, BlockIdentity *ret);

/* Is id the configured target? kind is "UUID", "LABEL", "PARTUUID" or "PARTLABEL"; UUIDs compare
 * without regard to case, labels exactly; fstype (NULL or "auto" for any) must match id->fstype. */
bool block_identity_matches(const BlockIdentity *id, const char *kind, const char *value, const char *fstype);

typedef struct TargetCheck {
        MountEntry mount;
        BlockIdentity identity;
} TargetCheck;

void target_check_done(TargetCheck *t);

/* Is the directory st (an fstat() of the opened target) on the device that was checked: st_dev
 * equal to the mount's device number and to the probed device's st_rdev (when known; btrfs
 * excepted, its subvolumes have anonymous device numbers). 0 or -EXDEV. */
int target_check_same_device(const TargetCheck *t, const struct stat *st);

/* Checks that target_path is a mount point (by root's /proc/self/mountinfo and the device
 * number of target_path itself) and that the mounted device is the configured file system.
 * Returns -ENOENT (target_path missing), -ENOMEDIUM (not a mount point, or another device is
 * mounted over it), -EMEDIUMTYPE (a different file system is mounted; *ret still says which),
 * or the probe's error. *ret is filled whenever the mount was found. */
int target_check(const char *root, const char *target_path, const char *kind, const char *value,
                 const char *fstype, BlockProbeFunc probe, TargetCheck *ret);

/* File systems that cannot store ':' in names (FAT family, exFAT, NTFS). */
bool fstype_forbids_colon(const char *fstype);

/* One name component from untrusted text: bytes other than [A-Za-z0-9._+-] become '_',
 * leading dots become '_', at most max bytes, empty or NULL becomes "unknown". */
char *dumpdir_sanitize_component(const char *s, size_t max);

/* "<YYYY-MM-DDTHH:MM:SS>-<hostname>-<release>" in UTC (the capture system has no time zone).
 * With colons_ok false the time is written "YYYY-MM-DDTHH-MM-SS". */
int dumpdir_format_name(uint64_t realtime_usec, const char *hostname, const char *release, bool colons_ok,
                        char **ret);

/* Opens the relative directory subdir (e.g. "tinykdump" or "crash/dumps") below target_fd, with
 * create creating missing components (mode 0700), never following symlinks and never leaving the
 * target's file system: -EXDEV if a component is another mount, -EINVAL for ".." or an absolute
 * path, -ENOENT when missing (without create), -ELOOP or -ENOTDIR for a symlink or a file. The
 * capture side writes through it, the reporter and the vmcore readers read through it. */
int dumpdir_open_subdir(int target_fd, const char *subdir, bool create, int *ret_fd);

/* mkdir name (0700) in parent_fd; if it exists, name_2, name_3, … Returns the open directory and
 * the name actually used. */
int dumpdir_create(int parent_fd, const char *name, int *ret_fd, char **ret_name);

/* fsync a file someone else wrote, optionally returning its size; -EISDIR etc. if not regular. */
int fsync_file_at(int dir_fd, const char *name, uint64_t *ret_size);

/* A file someone else wrote under its incomplete name, made final: fsync (its size in
 * ret_size, may be NULL), mode 0600, rename_durable_at() (fs-util.h) to name. */
int dumpdir_commit_file_at(int dir_fd, const char *incomplete, const char *name, uint64_t *ret_size);
