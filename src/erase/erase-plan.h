/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The erase plan: which bytes of the crashed kernel's memory must never reach a saved dump.
 *
 * Two texts share one line syntax — "KIND word key=value key=\"quoted value\"", '#' comments,
 * blank lines ignored:
 *
 *  - Rule sources (erase.d/NAME.rules, shipped and site-local), symbolic: type and member names that
 *    the resolver (erase-resolve.h) looks up in the running kernel's BTF, symbol names it looks
 *    up in /proc/kallsyms.
 *
 *        rule keyring-user
 *                about "payloads of 'user' keys"
 *                root symbol=key_serial_tree
 *                rbtree type=key node=serial_node
 *                where string=type->name equals=user
 *                follow at=payload.data[0] type=user_key_payload
 *                erase at=data length=datalen
 *        end
 *
 *  - The resolved plan (ERASE_PLAN_PATH in the capture overlay), numbers only: what the capture
 *    side executes without BTF or symbols.
 *
 *        erase-plan version=1
 *        kernel release=6.12.48+deb13-amd64
 *        on-failure delete
 *        percpu offsets=0xffffffff83e1c2a0 nr-cpu-ids=0xffffffff83d6a0c4
 *        rule keyring-user
 *                root addr=0xffffffff8412a1e8
 *                rbtree node=0x8 max=262144
 *                where string=0x58,0x0 equals=user
 *                follow at=0xa0
 *                erase at=0x18 length=0x10 length-size=2 max=0x7fff
 *        end
 *        unresolved keyring-trusted reason="module trusted is not loaded"
 *
 * A rule is a pipeline over kernel objects (virtual addresses). Steps:
 *   root addr=A [type=T]           the object at A (the symbol's address)
 *   percpu                         each CPU's copy: A + __per_cpu_offset[cpu], cpu < nr_cpu_ids
 *   rbtree node=N [max=M]          A is a struct rb_root; each node minus N (in-order)
 *   list node=N [max=M]            A is a struct list_head; each entry minus N
 *   array at=P count=C [base=pointer|inline] stride=S [max=M]
 *                                  C elements of S bytes at P (base=pointer: at the pointer in P)
 *   follow at=P                    the object the pointer at P points to (NULL ends the branch)
 *   where string=P equals=S [inline] [prefix]
 *                                  keep objects whose char * at P points to the string S (inline:
 *                                  whose char array at P holds it; prefix: starts with S)
 *   where value=P size=Z OP=V      keep objects whose Z-byte integer at P compares (eq ne lt le gt ge)
 *   erase at=P [deref] length=L [length-size=Z] max=M
 *                                  erase min(L, M) bytes at P (deref: at the pointer in P); L is a
 *                                  constant, or with length-size= the integer at path L
 * A path P is "o1,o2,…": the address obj+o1, then for each further o: *(that address) + o — so
 * "type->name" of struct key resolves to "0x58,0x0". In sources a path is C syntax on the current
 * type: "payload.data[0]", "type->name", "base.__crt_alg->cra_ctxsize".
 *
 * Both parsers report through ConfDiagList (conf-parser.h): file, line, message. */

#include <stdbool.h>
#include <stdint.h>

#include "conf-parser.h"
#include "util.h"

/* Where `tinykdump load` puts the resolved plan in the capture overlay, next to capture.conf. */
#define ERASE_PLAN_PATH "/etc/tinykdump/erase.plan"
/* Rule sources: shipped, then site directories; a file in a later directory replaces the
 * same-named file in earlier ones (as configuration drop-ins do). */
#define ERASE_RULES_DIR_VENDOR PKGLIBDIR "/erase.d"
#define ERASE_RULES_DIR_ETC SYSCONFDIR "/tinykdump/erase.d"

#define ERASE_PLAN_VERSION 1
/* Bounds of the parsers. */
#define ERASE_TEXT_MAX (256 * KiB)        /* a rules file or a resolved plan */
#define ERASE_LINE_MAX 1024U
#define ERASE_RULES_MAX 256U
#define ERASE_STEPS_MAX 32U
#define ERASE_PATH_MAX 8U
#define ERASE_NAME_MAX 64U
#define ERASE_STRING_MAX 64U              /* where string=…: kernel type names are short */
#define ERASE_OFFSET_MAX (1U << 20)          /* an offset in a path, a node offset, a stride */
/* Bounds of the walk (erase-walk.h), also the largest max= a plan may ask for. */
#define ERASE_WALK_NODES_MAX (256U * 1024U)  /* objects one rbtree/list/array step yields */
#define ERASE_LENGTH_MAX (64U * 1024U)       /* bytes one erase step erases in one object */
#define ERASE_CPUS_MAX 8192U                 /* Debian's NR_CPUS */

typedef enum EraseStepKind {
        ERASE_STEP_ROOT,
        ERASE_STEP_PERCPU,
        ERASE_STEP_RBTREE,
        ERASE_STEP_LIST,
        ERASE_STEP_ARRAY,
        ERASE_STEP_FOLLOW,
        ERASE_STEP_WHERE_STRING,
        ERASE_STEP_WHERE_VALUE,
        ERASE_STEP_ERASE,
        _ERASE_STEP_KIND_MAX,
} EraseStepKind;

typedef enum EraseCompare {
        ERASE_CMP_EQ,
        ERASE_CMP_NE,
        ERASE_CMP_LT,
        ERASE_CMP_LE,
        ERASE_CMP_GT,
        ERASE_CMP_GE,
        _ERASE_CMP_MAX,
} EraseCompare;

typedef struct ErasePath {
        unsigned n;                       /* 1…ERASE_PATH_MAX */
        uint64_t off[ERASE_PATH_MAX];
} ErasePath;

/* A constant, or an integer of size 1, 2, 4 or 8 bytes read at a path. */
typedef struct EraseValue {
        bool is_field;
        uint64_t constant;
        ErasePath path;
        unsigned size;
} EraseValue;

typedef struct EraseStep {
        EraseStepKind kind;
        uint64_t addr;                    /* root */
        uint64_t node;                    /* rbtree, list: offset of the rb_node/list_head in the object */
        ErasePath at;                     /* array, follow, where, erase */
        bool deref;                       /* array base=pointer, erase deref */
        EraseValue count;                 /* array */
        uint64_t stride;                  /* array */
        uint64_t max;                     /* rbtree, list, array: objects; erase: bytes */
        char *string;                     /* where string= */
        bool inline_string;               /* where string=: the text is at P (a char array), not behind it */
        bool prefix;                      /* where string=: the text starts with string */
        EraseCompare cmp;                 /* where value= */
        unsigned size;                    /* where value= */
        uint64_t value;                   /* where value= */
        EraseValue length;                /* erase */
} EraseStep;

typedef enum EraseRuleState {
        ERASE_RULE_RESOLVED,              /* has steps: the capture side applies it */
        ERASE_RULE_UNRESOLVED,            /* a type, member or symbol is missing: reason */
        ERASE_RULE_INACTIVE,              /* a module it needs is not loaded: reason */
        ERASE_RULE_DISABLED,              /* by configuration */
        _ERASE_RULE_STATE_MAX,
} EraseRuleState;

const char *erase_rule_state_to_string(EraseRuleState s) _pure_;   /* "resolved", "unresolved", … */
const char *erase_step_kind_to_string(EraseStepKind k) _pure_;
const char *erase_compare_to_string(EraseCompare c) _pure_;

typedef struct EraseRule {
        char *name;                       /* [a-z0-9-_.], at most ERASE_NAME_MAX */
        EraseRuleState state;
        char *reason;                     /* unresolved, inactive, disabled: why */
        EraseStep *steps;
        size_t n_steps;
} EraseRule;

typedef enum EraseOnFailure {
        ERASE_ON_FAILURE_DELETE,          /* delete the unerased vmcore, keep dmesg.txt (default) */
        ERASE_ON_FAILURE_KEEP,            /* keep the vmcore with what could be erased, say so */
        _ERASE_ON_FAILURE_MAX,
} EraseOnFailure;

const char *erase_on_failure_to_string(EraseOnFailure f) _pure_;
int erase_on_failure_from_string(const char *s) _pure_;            /* -EINVAL when unknown */

typedef struct ErasePlan {
        char *kernel_release;
        EraseOnFailure on_failure;
        bool have_percpu;
        uint64_t percpu_offsets;          /* &__per_cpu_offset[0] */
        uint64_t nr_cpu_ids;              /* &nr_cpu_ids (unsigned int) */
        EraseRule *rules;
        size_t n_rules;
} ErasePlan;

void erase_step_done(EraseStep *s);
void erase_rule_done(EraseRule *r);
void erase_plan_done(ErasePlan *p);
/* Appends a rule (moved in: *r is zeroed). -E2BIG beyond ERASE_RULES_MAX. */
int erase_plan_add_rule(ErasePlan *p, EraseRule *r);
size_t erase_plan_count(const ErasePlan *p, EraseRuleState s);
/* NULL when the rule keeps every bound the reader enforces, else why not. */
const char *erase_rule_check(const EraseRule *r, bool have_percpu);

/* Renders the resolved plan (NUL-terminated; *ret_size excludes it). -EINVAL when a rule breaks
 * the bounds the parser enforces (so what is written always reads back the same). */
int erase_plan_format(const ErasePlan *p, char **ret, size_t *ret_size);

/* Parses a resolved plan. Every problem is an error in diags ("FILE:LINE: message"); returns
 * -EBADMSG then, -EFBIG above ERASE_TEXT_MAX, -ENOMEM. ret written only on success. A plan
 * whose rules all checked out is safe to walk: every bound is within the limits above. */
int erase_plan_parse(const char *filename, const char *data, size_t size, ErasePlan *ret, ConfDiagList *diags);
int erase_plan_load(const char *root, const char *path, ErasePlan *ret, ConfDiagList *diags);

/* Rule sources. */
typedef struct EraseSourceStep {
        EraseStepKind kind;
        unsigned line;
        char **keys;                      /* parallel to values; a bare word has value NULL */
        char **values;
} EraseSourceStep;

typedef struct EraseSourceRule {
        char *name;
        char *about;
        char *file;                       /* where it was defined, for messages */
        unsigned line;
        char **modules;                   /* "module NAME" lines: BTF and symbols also from these */
        EraseSourceStep *steps;
        size_t n_steps;
} EraseSourceRule;

typedef struct EraseSource {
        EraseSourceRule *rules;
        size_t n_rules;
} EraseSource;

void erase_source_done(EraseSource *s);
/* Parses one rules file and appends its rules; a rule whose name exists already replaces it (a
 * later file overrides). Syntax errors are errors in diags and the broken rule is dropped; other
 * rules are still read. Returns 0, -EFBIG or -ENOMEM. */
int erase_source_parse(const char *filename, const char *data, size_t size, EraseSource *s, ConfDiagList *diags);
/* Every "NAME.rules" of the given directories (NULL-terminated, lowest priority first) below root,
 * sorted by file name, a later directory's file replacing a same-named one; a file linked to
 * /dev/null masks. */
int erase_source_load_dirs(const char *root, const char * const *dirs, EraseSource *s, ConfDiagList *diags);
/* The value of key in a source step, or NULL. has_word: whether the bare word is present. */
const char *erase_source_step_get(const EraseSourceStep *st, const char *key);
bool erase_source_step_has_word(const EraseSourceStep *st, const char *word);
