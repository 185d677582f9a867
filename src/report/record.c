/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <syslog.h>
#include <time.h>

#include "dump-files.h"
#include "journal-ids.h"
#include "record.h"
#include "util.h"

static const char *const kind_table[_REPORT_KIND_MAX] = {
        [REPORT_DUMP_SAVED] = "saved",
        [REPORT_DMESG_ONLY] = "dmesg-only",
        [REPORT_CAPTURE_FAILED] = "failed",
};

static const char *const message_id_table[_REPORT_KIND_MAX] = {
        [REPORT_DUMP_SAVED] = TK_MESSAGE_DUMP_SAVED_STR,
        [REPORT_DMESG_ONLY] = TK_MESSAGE_DUMP_DMESG_ONLY_STR,
        [REPORT_CAPTURE_FAILED] = TK_MESSAGE_CAPTURE_FAILED_STR,
};

const char *report_kind_to_string(ReportKind k) {
        return k >= 0 && k < _REPORT_KIND_MAX ? kind_table[k] : NULL;
}

const char *report_kind_to_message_id(ReportKind k) {
        return k >= 0 && k < _REPORT_KIND_MAX ? message_id_table[k] : NULL;
}

ReportKind report_kind_from_message_id(const char *s) {
        if (!s)
                return _REPORT_KIND_INVALID;
        for (int i = 0; i < _REPORT_KIND_MAX; i++)
                if (streq(s, message_id_table[i]))
                        return (ReportKind) i;
        return _REPORT_KIND_INVALID;
}

/* The journal fields of a record after MESSAGE_ID, PRIORITY and MESSAGE, in the order they are
 * sent, each the record's own or one of its metadata's. Names are part of the interface
 * (documented in tinykdump(8) and the catalog): only add. */
typedef enum RecordFieldType { RF_STRING, RF_U64 } RecordFieldType;

typedef struct RecordField {
        const char *key;
        RecordFieldType type;
        size_t offset;
} RecordField;

#define RS(k, f) { "TINYKDUMP_" k, RF_STRING, offsetof(ReportRecord, f) }
#define RU(k, f) { "TINYKDUMP_" k, RF_U64, offsetof(ReportRecord, f) }

static const RecordField record_fields[] = {
        RS("ID", id),
        RS("DIRECTORY", directory),
        RS("TARGET", target),
        RS("TARGET_UUID", target_uuid),
        RS("TARGET_DEVICE", target_device),
        RS("KERNEL_RELEASE", md.kernel_release),
        RS("CRASHED_BOOT_ID", md.boot_id),
        RS("CRASHED_MACHINE_ID", md.machine_id),
        RS("HOSTNAME", md.hostname),
        RU("CRASH_TIMESTAMP", md.crash_time_usec),
        RS("PANIC_MESSAGE", md.panic_message),
        RS("RESULT", result),
        RS("REASON", reason),
        RU("VMCORE_SIZE", md.vmcore_size),
        RU("DMESG_SIZE", md.dmesg_size),
        RS("DUMP_LEVEL", md.dump_level),
        RS("COMPRESSION", md.compression),
        RS("FORMAT", md.format),
        RU("MAKEDUMPFILE_STATUS", md.makedumpfile_status),
        RU("TARGET_WAIT_USEC", md.target_wait_usec),
        RU("DMESG_USEC", md.dmesg_usec),
        RU("VMCORE_USEC", md.vmcore_usec),
        RU("TOTAL_USEC", md.total_usec),
        RS("CAPTURE_BOOT_ID", md.capture_boot_id),
        RS("CAPTURE_JOURNAL", capture_journal),
        RS("VERSION", md.tinykdump_version),
        RS("DMESG_TAIL", dmesg_tail),
        RS("ERASE", md.erase),
        RS("ERASE_RULES", md.erase_rules),
        RS("ERASE_REASON", md.erase_reason),
        RU("ERASE_BYTES", md.erase_bytes),
        RU("TEST", test),
        RS("SPACE", md.space),
        RU("MEMORY_SIZE", md.memory_size),
        RU("TARGET_FREE", md.target_free),
        RU("VMCORE_ESTIMATE", md.vmcore_estimate),
        RS("MAKEDUMPFILE_WARNING", md.makedumpfile_warning),
        RS("VERIFIED", md.verified),
        RS("VERIFY_REASON", md.verify_reason),
        RS("RETENTION_DELETED", md.retention_deleted),
        RU("RETENTION_FREED", md.retention_freed),
};

#define RF_STR(r, f) ((char **) ((uint8_t *) (r) + (f)->offset))
#define RF_U64(r, f) ((uint64_t *) ((uint8_t *) (r) + (f)->offset))

void report_record_init(ReportRecord *r) {
        *r = (ReportRecord) { .kind = _REPORT_KIND_INVALID, .journal_time_usec = METADATA_UNSET, .test = METADATA_UNSET };
        dump_metadata_init(&r->md);
}

void report_record_done(ReportRecord *r) {
        free(r->message);
        free(r->id);
        free(r->directory);
        free(r->target);
        free(r->target_uuid);
        free(r->target_device);
        free(r->result);
        free(r->reason);
        free(r->capture_journal);
        free(r->dmesg_tail);
        dump_metadata_done(&r->md);
        report_record_init(r);
}

void report_records_free(ReportRecord *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                report_record_done(&r[i]);
        free(r);
}

void report_record_foreach_field(const ReportRecord *r, ReportFieldFunc f, void *userdata) {
        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++) {
                const RecordField *rf = &record_fields[i];
                if (rf->type == RF_STRING)
                        f(rf->key, false, *RF_STR(r, rf), METADATA_UNSET, userdata);
                else
                        f(rf->key, true, NULL, *RF_U64(r, rf), userdata);
        }
}

/* The outcome a dump directory shows, and why it is not complete. */
static int record_outcome(const DumpEntry *e, DumpResult *ret_result, char **ret_reason) {
        const DumpMetadata *m = &e->md;
        _cleanup_free_ char *reason = NULL;
        DumpResult result;
        int k;

        if (e->metadata_error == -EBADMSG && e->metadata_diags.n > 0) {
                const ConfDiag *p = &e->metadata_diags.items[0];
                if (p->line > 0)
                        k = asprintf(&reason, "%s/%s:%u: %s=%s: %s", e->name, DUMP_FILE_METADATA, p->line, strempty(p->key),
                                     strempty(p->value), p->message);
                else
                        k = asprintf(&reason, "%s/%s: %s", e->name, DUMP_FILE_METADATA, p->message);
                if (k < 0)
                        return -ENOMEM;
                result = DUMP_RESULT_FAILED;
        } else if (e->metadata_error < 0) {
                if (asprintf(&reason, "%s/%s: %s", e->name, DUMP_FILE_METADATA,
                             e->metadata_error == -ENOENT ? "missing (the capture stopped before writing it)"
                                                          : strerror(-e->metadata_error)) < 0)
                        return -ENOMEM;
                result = DUMP_RESULT_FAILED;
        } else {
                result = m->result;
                if (result == DUMP_RESULT_COMPLETE && !e->has_vmcore) {
                        result = e->has_dmesg ? DUMP_RESULT_DMESG_ONLY : DUMP_RESULT_FAILED;
                        reason = strdup("the metadata says complete, but there is no vmcore");
                } else if (result != DUMP_RESULT_FAILED && !e->has_dmesg && !e->has_vmcore) {
                        result = DUMP_RESULT_FAILED;
                        reason = strdup("neither " DUMP_FILE_DMESG " nor " DUMP_FILE_VMCORE " is there");
                } else if (m->reason)
                        reason = strdup(m->reason);
                if ((result != m->result || m->reason) && !reason)
                        return -ENOMEM;
        }
        *ret_result = result;
        *ret_reason = TAKE_PTR(reason);
        return 0;
}

static int set_str(char **field, const char *s) {
        return dump_metadata_set(field, s);
}

int report_record_from_dump(const DumpEntry *e, const ReportTarget *t, const char *id, ReportRecord *ret) {
        _cleanup_(report_record_done) ReportRecord r;
        _cleanup_free_ char *dir = NULL;
        DumpResult result;
        int k;

        report_record_init(&r);
        k = record_outcome(e, &result, &r.reason);
        if (k < 0)
                return k;
        r.kind = result == DUMP_RESULT_COMPLETE ? REPORT_DUMP_SAVED :
                 result == DUMP_RESULT_DMESG_ONLY ? REPORT_DMESG_ONLY : REPORT_CAPTURE_FAILED;

        if (asprintf(&dir, "%s/%s", t && t->directory ? t->directory : "", e->name) < 0)
                return -ENOMEM;
        r.directory = strdup(dir[0] == '/' ? dir + 1 : dir);
        if (!r.directory)
                return -ENOMEM;
        if (e->has_capture_journal && asprintf(&r.capture_journal, "%s/%s", r.directory, DUMP_FILE_CAPTURE_JOURNAL) < 0)
                return -ENOMEM;

        if (dump_metadata_copy(&e->md, &r.md) < 0 || set_str(&r.id, id ?: e->name) < 0 ||
            set_str(&r.target, t ? t->what : e->md.target) < 0 || set_str(&r.target_uuid, t ? t->uuid : NULL) < 0 ||
            set_str(&r.target_device, t ? t->device : NULL) < 0 ||
            set_str(&r.result, dump_result_to_string(result)) < 0 || set_str(&r.dmesg_tail, e->dmesg_tail) < 0)
                return -ENOMEM;

        if (r.md.crash_time_usec == METADATA_UNSET)
                (void) dump_dir_name_time(e->name, &r.md.crash_time_usec);
        /* What is there beats what the metadata remembers. */
        r.md.vmcore_size = e->has_vmcore ? e->vmcore_size : METADATA_UNSET;
        r.md.dmesg_size = e->has_dmesg ? e->dmesg_size : METADATA_UNSET;

        k = report_format_message(&r, &r.message);
        if (k < 0)
                return k;

        *ret = r;
        report_record_init(&r);
        return 0;
}

char *report_one_line(const char *s, size_t max) {
        size_t n = strlen(s), cut = n > max ? max : n;
        char *r;

        while (cut < n && cut > 0 && ((unsigned char) s[cut] & 0xc0) == 0x80)
                cut--;
        r = malloc(cut + sizeof("…"));
        if (!r)
                return NULL;
        for (size_t i = 0; i < cut; i++) {
                unsigned char c = (unsigned char) s[i];
                r[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        r[cut] = 0;
        if (cut < n)
                strcat(r, "…");
        return r;
}

void report_format_time(uint64_t usec, char *buf, size_t l) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == METADATA_UNSET || !localtime_r(&t, &tm) || strftime(buf, l, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, l, "an unknown time");
}

int report_format_message(const ReportRecord *r, char **ret) {
        _cleanup_free_ char *kernel = NULL, *panic = NULL, *dir = NULL, *target = NULL, *reason = NULL;
        char when[64], size[FORMAT_BYTES_MAX], *s;
        const DumpMetadata *m = &r->md;
        int k;

        kernel = report_one_line(m->kernel_release ?: "(unknown release)", 128);
        panic = m->panic_message ? report_one_line(m->panic_message, REPORT_PANIC_IN_MESSAGE_MAX) : strdup("");
        dir = report_one_line(r->directory ?: "(unknown directory)", 512);
        target = report_one_line(r->target ?: "the dump target", 256);
        reason = report_one_line(r->reason ?: "no reason recorded", 512);
        if (!kernel || !panic || !dir || !target || !reason)
                return -ENOMEM;
        report_format_time(m->crash_time_usec, when, sizeof(when));

        const char *q1 = m->panic_message ? ": '" : "", *q2 = m->panic_message ? "'" : "";
        switch (r->kind) {
        case REPORT_DUMP_SAVED:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — dump saved to %s on %s, %s.", kernel, when, q1, panic,
                             q2, dir, target,
                             m->vmcore_size == METADATA_UNSET ? "size unknown" : format_bytes(size, sizeof(size), m->vmcore_size));
                break;
        case REPORT_DMESG_ONLY:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — only its log was saved, to %s on %s: %s.", kernel, when,
                             q1, panic, q2, dir, target, reason);
                break;
        default:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — the crash dump could not be saved to %s on %s: %s.",
                             kernel, when, q1, panic, q2, dir, target, reason);
        }
        if (k < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int report_record_to_fields(const ReportRecord *r, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *mid = report_kind_to_message_id(r->kind);
        char *s;

        if (!mid)
                return -EINVAL;
        if (!r->message && report_format_message(r, &msg) < 0)
                return -ENOMEM;

        /* LOG_CRIT for every outcome: the event is a kernel crash, which is at least as bad as
         * the process crash systemd-coredump logs at LOG_CRIT; "journalctl -p crit" shows both.
         * The MESSAGE_ID tells the outcomes apart. */
        if (asprintf(&s, "MESSAGE_ID=%s", mid) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;
        if (asprintf(&s, "PRIORITY=%d", LOG_CRIT) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;
        if (asprintf(&s, "MESSAGE=%s", r->message ?: msg) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++) {
                const RecordField *f = &record_fields[i];
                int k;

                if (f->type == RF_STRING) {
                        const char *v = *RF_STR(r, f);
                        if (!v)
                                continue;
                        k = asprintf(&s, "%s=%s", f->key, v);
                } else {
                        uint64_t v = *RF_U64(r, f);
                        if (v == METADATA_UNSET)
                                continue;
                        k = asprintf(&s, "%s=%" PRIu64, f->key, v);
                }
                if (k < 0 || strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool field_key_is(const char *data, size_t keylen, const char *key) {
        return strlen(key) == keylen && memcmp(data, key, keylen) == 0;
}

int report_record_add_field(ReportRecord *r, const void *data, size_t size) {
        const char *d = data, *eq;
        size_t keylen, vlen;
        char *v;

        if (size > 0 && !data)
                return -EINVAL;
        eq = memchr(d, '=', size);
        if (!eq || eq == d)
                return -EBADMSG;
        keylen = (size_t) (eq - d);
        vlen = size - keylen - 1;
        if (memchr(eq + 1, 0, vlen))
                return -EBADMSG;
        if (vlen > REPORT_FIELD_MAX)
                vlen = REPORT_FIELD_MAX;

        char **target = NULL;
        uint64_t *number = NULL;
        bool is_mid = false;
        if (field_key_is(d, keylen, "MESSAGE"))
                target = &r->message;
        else if (field_key_is(d, keylen, "MESSAGE_ID"))
                is_mid = true;
        else if (field_key_is(d, keylen, "__REALTIME_TIMESTAMP"))
                number = &r->journal_time_usec;
        else
                for (size_t i = 0; i < ELEMENTSOF(record_fields); i++)
                        if (field_key_is(d, keylen, record_fields[i].key)) {
                                if (record_fields[i].type == RF_STRING)
                                        target = RF_STR(r, &record_fields[i]);
                                else
                                        number = RF_U64(r, &record_fields[i]);
                                break;
                        }
        if (!target && !number && !is_mid)
                return 0;

        v = strndup(eq + 1, vlen);
        if (!v)
                return -ENOMEM;
        if (is_mid) {
                r->kind = report_kind_from_message_id(v);
                free(v);
        } else if (number) {
                uint64_t u;
                /* Only plain decimal digits: "0x…" and the like are not ours. */
                bool digits = vlen > 0 && strspn(v, "0123456789") == vlen;
                *number = digits && safe_atou64(v, &u) >= 0 ? u : METADATA_UNSET;
                free(v);
        } else {
                free(*target);
                *target = v;
        }
        return 0;
}

int report_records_find(const ReportRecord *recs, size_t n, const char *id_or_prefix, size_t *ret_index) {
        size_t found = SIZE_MAX, l;

        if (isempty(id_or_prefix))
                return -EINVAL;
        for (size_t i = n; i > 0; i--)
                if (recs[i - 1].id && streq(recs[i - 1].id, id_or_prefix)) {
                        *ret_index = i - 1;
                        return 0;
                }
        l = strlen(id_or_prefix);
        for (size_t i = n; i > 0; i--) {
                const ReportRecord *r = &recs[i - 1];
                if (!r->id || strncmp(r->id, id_or_prefix, l) != 0)
                        continue;
                if (found != SIZE_MAX && !streq(recs[found].id, r->id))
                        return -ENOTUNIQ;
                if (found == SIZE_MAX)
                        found = i - 1;
        }
        if (found == SIZE_MAX)
                return -ENOENT;
        *ret_index = found;
        return 0;
}

size_t report_records_keep(ReportRecord *recs, size_t n,
                           bool (*keep)(const ReportRecord *recs, size_t n, size_t i, void *userdata), void *userdata) {
        size_t w = 0;

        for (size_t i = 0; i < n; i++) {
                if (!keep(recs, n, i, userdata)) {
                        report_record_done(&recs[i]);
                        continue;
                }
                if (w != i) {
                        recs[w] = recs[i];
                        report_record_init(&recs[i]);
                }
                w++;
        }
        return w;
}

/* A record stays unless a later one has the same id. */
static bool no_later_duplicate(const ReportRecord *recs, size_t n, size_t i, void *userdata) {
        if (!recs[i].id)
                return true;
        for (size_t j = i + 1; j < n; j++)
                if (recs[j].id && streq(recs[i].id, recs[j].id))
                        return false;
        return true;
}

size_t report_records_dedup(ReportRecord *recs, size_t n) {
        return report_records_keep(recs, n, no_later_duplicate, NULL);
}

