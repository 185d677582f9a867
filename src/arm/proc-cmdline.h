/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel command line: reading it (with a test override), splitting it into words the way the
 * kernel does, looking keys up, and deriving the capture kernel's command line from it. */

#include "macro.h"

/* Environment variable naming a file to read instead of <root>/proc/cmdline (like systemd's
 * $SYSTEMD_PROC_CMDLINE, but a file, so generator tests can point at fixtures). */
#define PROC_CMDLINE_ENV "TINYKDUMP_PROC_CMDLINE"

/* Largest command line we accept from a file. The kernel's own limit is COMMAND_LINE_SIZE (2048 on
 * x86, larger elsewhere, and bootconfig can add more); this bounds a hostile or broken override. */
#define PROC_CMDLINE_MAX (64 * KiB)

/* Largest command line the capture kernel accepts: x86 COMMAND_LINE_SIZE, including the NUL that
 * kexec_file_load() requires. */
#define CAPTURE_CMDLINE_MAX 2048

/* Read the command line: the file named by $TINYKDUMP_PROC_CMDLINE when set, else
 * <root>/proc/cmdline. The trailing newline is removed. */
int proc_cmdline_read(const char *root, char **ret);

/* Split into words like the kernel's next_arg(): white space separates words except inside double
 * quotes; a word that starts with a quote, or a value that starts with one, has that quote and the
 * matching closing quote removed (so "a=b c" and a="b c" both yield the word `a=b c`). Words after a
 * lone "--" belong to init and are not returned. data need not be NUL-terminated; a NUL ends it.
 * Fails with -E2BIG beyond PROC_CMDLINE_MAX bytes. */
int proc_cmdline_split(const char *data, size_t size, char ***ret);

/* Does word have the key `key` (compared like the kernel's parameq(): '-' and '_' are the same)?
 * Returns the value (after '='), "" for "key=", or NULL when the key differs. *ret_has_value tells
 * a bare "key" (false) from "key=" (true); pass NULL when it does not matter. */
const char *proc_cmdline_word_value(const char *word, const char *key, bool *ret_has_value);

/* The value of the last `key=value` word (last wins, as for most single-valued kernel parameters).
 * Returns 1 and sets *ret (a copy, NULL for a bare "key") when found, 0 when the key is absent
 * (*ret untouched). */
int proc_cmdline_get_key(char * const *words, const char *key, char **ret);

/* Every value of a repeated key, in order (e.g. console=, crashkernel=). Returns the number found;
 * *ret is set (possibly to an empty vector) on success. Bare "key" words are skipped. */
int proc_cmdline_get_key_all(char * const *words, const char *key, char ***ret);

/* A boolean key like tinykdump=0|1|no|yes|false|true|off|on; a bare "key" means true. Last wins.
 * Returns 1 when found (and sets *ret), 0 when absent, -EINVAL when the last value is not a
 * boolean (*ret_bad_value, if given, then points into words at the bad value). */
int proc_cmdline_get_bool(char * const *words, const char *key, bool *ret, const char **ret_bad_value);

/* parse_boolean() (1, 0 or -EINVAL) is in parse-util.h. */

/* Build the capture kernel's command line from the running kernel's words:
 *  - drop what belongs to the running system's boot only: BOOT_IMAGE=, initrd=, crashkernel=, root=,
 *    rootflags=, rootfstype=, resume=, systemd.unit= and friends, rd.* (dracut), init=, quiet, splash,
 *    memory sizing options (hugepages, cma=, mem=…), CPU count options (nr_cpus=, maxcpus=) — the full
 *    list is capture_drop_keys[] in proc-cmdline.c;
 *  - keep the rest (console=, earlycon=, loglevel=, ignore_loglevel, module blacklists, …);
 *  - drop a kept word whose key one of `extra` also sets, unless the key may repeat (console=);
 *  - append `extra` in order (the configuration's words, then tinykdump's fixed ones).
 * Values containing white space are re-quoted as key="value" (or "word"), so that the kernel splits
 * the result back into exactly these words. A running word no quoting can carry (an unbalanced
 * double quote, which would swallow every word after it, or an empty word) is dropped; such an
 * extra word fails with -EINVAL. -E2BIG when the result (plus its NUL) exceeds
 * CAPTURE_CMDLINE_MAX. */
int proc_cmdline_build_capture(char * const *running, char * const *extra, char **ret);

/* Join words into a command line, quoting as above; -EINVAL for a word that cannot be carried. */
int proc_cmdline_join(char * const *words, char **ret);
