/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The crashed kernel's data structures, found and decoded through VMCOREINFO only (no vmlinux,
 * no debug info): the lockless printk ring buffer (Linux ≥ 5.10, kernel/printk/
 * printk_ringbuffer.[ch]) and init_uts_ns. Memory is read through a callback, so these readers
 * work on a Vmcore (vmcore.h) as well as on a plain buffer (tests, fuzzers).
 *
 * Every pointer, size and index taken from the dump is checked: ring sizes are bounded (see
 * below), the descriptor walk visits at most one ring's worth of ids, and a record's text is
 * at most 64 KiB (text_len is 16 bits). */

#include "util.h"
#include "vmcoreinfo.h"

/* Reads size bytes at a kernel virtual address: 0, or a negative errno (-ENODATA when the dump
 * does not hold the page, -EADDRNOTAVAIL when the address is not mapped, …). */
typedef struct VmcoreMemory {
        int (*read)(void *userdata, uint64_t vaddr, void *buf, size_t size);
        void *userdata;
} VmcoreMemory;

/* A sentence about what was wrong, for messages: "VMCOREINFO has no OFFSET(prb_desc.state_var)",
 * "descriptor ring count_bits 40 out of range", "cannot read prb_desc_ring.descs at 0x…". */
typedef struct VmcoreKernelError {
        char what[160];
} VmcoreKernelError;

/* Bounds. The kernel caps log_buf_len at 2 GiB (LOG_BUF_LEN_MAX): size_bits ≤ 31, and
 * count_bits = size_bits - 5 (PRB_AVGBITS). */
#define PRINTK_SIZE_BITS_MAX 31U
#define PRINTK_COUNT_BITS_MAX 26U
#define PRINTK_STRUCT_SIZE_MAX 4096U    /* any SIZE() of a ring structure */

typedef enum PrintkDescState {
        PRINTK_DESC_RESERVED = 0,       /* being written: skipped */
        PRINTK_DESC_COMMITTED = 1,      /* complete, could still be extended: shown */
        PRINTK_DESC_FINALIZED = 2,      /* complete: shown */
        PRINTK_DESC_REUSABLE = 3,       /* freed: skipped */
} PrintkDescState;

typedef struct PrintkRecord {
        uint64_t id;                    /* descriptor id */
        PrintkDescState state;
        uint64_t seq;                   /* 0 when VMCOREINFO does not give OFFSET(printk_info.seq) */
        uint64_t ts_nsec;               /* local_clock() at the printk, nanoseconds */
        bool has_caller_id;
        uint32_t caller_id;             /* bit 31 set: CPU number, else thread id */
        const char *text;               /* not NUL-terminated, may contain anything */
        size_t text_len;
} PrintkRecord;

/* Calls f for each committed or finalized record with text, oldest first, as makedumpfile's
 * --dump-dmesg selects them: ids from the descriptor ring's tail to its head; a descriptor
 * whose state names another id, data-less records (failed or empty-line blocks) and blocks too
 * small for their id are skipped; a wrapped block's text is at the start of the data ring;
 * text_len is cut to the block. f returns < 0 to stop (returned as is), ≥ 0 to go on.
 * -ENOENT a needed VMCOREINFO key is missing (-EPROTONOSUPPORT when the dump has the old,
 * pre-5.10 log_buf instead), -EBADMSG out-of-range ring parameters, read errors as returned. */
int printk_ring_foreach(const VmcoreInfo *info, const VmcoreMemory *mem,
                        int (*f)(const PrintkRecord *r, void *userdata), void *userdata,
                        VmcoreKernelError *reterr);

/* Output flags. Default output: "[%5llu.%06lu] text" per record, continuation lines of a
 * multi-line record indented under the text, unprintable bytes as \xNN, as makedumpfile 1.7.2–
 * 1.7.4 print it. */
#define PRINTK_FORMAT_CALLER_ID (1U << 0)          /* "[    T123] " after the time, as makedumpfile ≥ 1.7.5 */
#define PRINTK_FORMAT_SIGN_EXTEND_ESCAPES (1U << 1) /* bytes ≥ 0x80 as makedumpfile prints them on x86_64:
                                                    * "\xffffffc3" (a signed char through %02x) */

/* Appends one record's lines to out. */
int printk_record_format(const PrintkRecord *r, unsigned flags, Buffer *out);

/* The whole log, formatted, into out. */
int printk_dmesg(const VmcoreInfo *info, const VmcoreMemory *mem, unsigned flags, Buffer *out,
                 VmcoreKernelError *reterr);

/* struct new_utsname, 65 bytes a field. */
#define VMCORE_UTS_LEN 65

typedef enum VmcoreUnameSource {
        VMCORE_UNAME_INIT_UTS_NS,        /* init_uts_ns + OFFSET(uts_namespace.name) */
        VMCORE_UNAME_INIT_UTS_NS_PROBED, /* kernel before 5.11 without the offset: found by
                                          * matching sysname "Linux" and OSRELEASE at offset 0 or 4 */
        _VMCORE_UNAME_SOURCE_MAX,
} VmcoreUnameSource;

typedef struct VmcoreUname {
        char sysname[VMCORE_UTS_LEN];    /* NUL-terminated; bytes outside printable ASCII become '?' */
        char nodename[VMCORE_UTS_LEN];
        char release[VMCORE_UTS_LEN];
        char version[VMCORE_UTS_LEN];
        char machine[VMCORE_UTS_LEN];
        char domainname[VMCORE_UTS_LEN];
        VmcoreUnameSource source;
} VmcoreUname;

/* Reads init_uts_ns's name. -ENOENT without SYMBOL(init_uts_ns), -EBADMSG when the fields are
 * not NUL-terminated strings or (probing) nothing matched, read errors as returned. */
int vmcore_uname_read(const VmcoreInfo *info, const VmcoreMemory *mem, VmcoreUname *ret,
                      VmcoreKernelError *reterr);
const char *vmcore_uname_source_to_string(VmcoreUnameSource s) _pure_;
