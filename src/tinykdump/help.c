/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "help.h"
#include "options.h"

typedef struct HelpVerb {
        const char *verb, *args, *summary;
} HelpVerb;

static const HelpVerb help_verbs[] = {
        { "load", "", "Load the capture kernel for the next crash (replaces a loaded one)" },
        { "unload", "", "Unload the capture kernel" },
        { "status", "", "Show whether the machine is armed, the reservation and the target (default)" },
        { "estimate", "", "Show the crash memory the capture image needs and a crashkernel= line" },
        { "crashkernel", "", "Print the crashkernel= this machine should reserve (--apply: set it)" },
        { "report", "[DEVICE]", "Send a journal record for each dump on the target not yet reported" },
        { "list", "[MATCH...]", "List the crash dumps reported in the journal" },
        { "info", "[ID|MATCH...]", "Show everything about one dump (the newest by default)" },
        { "dmesg", "ID|PATH", "Print the crashed kernel's log, read from the vmcore itself" },
        { "uname", "ID|PATH", "Print the crashed kernel's uname -snrvm, read from the vmcore" },
        { "test", "", "Crash the machine on purpose to test the capture (asks first)" },
        { "help", "[VERB]", "Show this help, or the help of one verb" },
};

/* An option and the verbs it is for (NULL: every verb). */
typedef struct HelpOption {
        const char *names, *text;
        const char *const *verbs;
} HelpOption;

#define VERBS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static const HelpOption help_options[] = {
        { "-h --help", "Show this help", NULL },
        { "   --version", "Show the version", NULL },
        { "-q --quiet", "Only print warnings and errors", NULL },
        { "   --dry-run", "Check everything (image, target, memory) but do not load", VERBS("load") },
        { "   --json=MODE", "Print JSON: pretty, short or off", VERBS("status", "estimate", "crashkernel", "list", "info", "dmesg", "uname") },
        { "   --apply", "Put it on the kernel command line (GRUB or /etc/kernel/cmdline)", VERBS("crashkernel") },
        { "   --no-pager", "Do not pipe the output into a pager", VERBS("list", "info") },
        { "   --no-legend", "Do not print the column headers", VERBS("list") },
        { "-1", "Show only the newest dump", VERBS("list") },
        { "-n --lines=N", "Show only the newest N dumps", VERBS("list") },
        { "-r --reverse", "Newest first", VERBS("list") },
        { "-S --since=TIME", "Only dumps of crashes at or after TIME", VERBS("list", "info") },
        { "-U --until=TIME", "Only dumps of crashes at or before TIME", VERBS("list", "info") },
        { "   --file=PATH", "Read this journal file instead of the system journal", VERBS("list", "info", "dmesg", "uname") },
        { "   --directory=DIR", "Read the journal files in DIR", VERBS("list", "info", "dmesg", "uname") },
        { "   --yes", "Do not ask before crashing the machine", VERBS("test") },
        { "   --caller-id=BOOL", "Print the caller field \"[    T123] \" (default yes)", VERBS("dmesg") },
};

static bool option_for(const HelpOption *o, const char *verb) {
        if (!o->verbs || !verb)
                return true;
        for (const char *const *v = o->verbs; *v; v++)
                if (streq(*v, verb))
                        return true;
        return false;
}

static void print_options(const char *verb) {
        printf("\nOptions:\n");
        for (size_t i = 0; i < ELEMENTSOF(help_options); i++) {
                const HelpOption *o = &help_options[i];
                if (!option_for(o, verb))
                        continue;
                printf("  %-20s %s", o->names, o->text);
                if (!verb && o->verbs) {
                        printf(" (");
                        for (const char *const *v = o->verbs; *v; v++)
                                printf("%s%s", v == o->verbs ? "" : ", ", *v);
                        printf(")");
                }
                printf("\n");
        }
}

void help_print(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Arm this machine for kernel crash dumps, and inspect them.\n\n"
               "Commands:\n",
               program_invocation_short_name);
        for (size_t i = 0; i < ELEMENTSOF(help_verbs); i++) {
                _cleanup_free_ char *s = NULL;
                if (asprintf(&s, "%s %s", help_verbs[i].verb, help_verbs[i].args) < 0)
                        s = NULL;
                printf("  %-23s %s\n", s ?: help_verbs[i].verb, help_verbs[i].summary);
        }
        print_options(NULL);
        printf("\nMATCH is FIELD=VALUE (HOSTNAME, KERNEL, RESULT, ID, MACHINE_ID, BOOT_ID, TARGET) or an ID prefix.\n"
               "TIME is \"today\", \"yesterday\", \"-2h\", \"2026-03-01\" or \"2026-03-01 10:00:00\".\n\n"
               "Exit status: 0 success; 1 failure; 2 bad usage; 3 not armed (status, test);\n"
               "6 invalid configuration (load, test), or a capture image that cannot reach the target (load);\n"
               "7 the crash kernel region is below the capture's need and [Memory] BelowNeed=refuse (load).\n"
               "See tinykdump(8).\n");
}

int help_print_verb(const char *verb) {
        for (size_t i = 0; i < ELEMENTSOF(help_verbs); i++) {
                const HelpVerb *v = &help_verbs[i];
                if (!streq(v->verb, verb))
                        continue;
                printf("%s [OPTIONS...] %s%s%s\n\n%s.\n", program_invocation_short_name, v->verb, v->args[0] ? " " : "",
                       v->args, v->summary);
                print_options(v->verb);
                printf("\nSee tinykdump(8).\n");
                return 0;
        }
        return -ENOENT;
}

int verb_help(int argc, char *argv[], void *userdata) {
        if (argc < 2) {
                help_print();
                return EXIT_SUCCESS;
        }
        if (help_print_verb(argv[1]) < 0) {
                fprintf(stderr, "%s: unknown command '%s'\nSee '%s --help'.\n", program_invocation_short_name, argv[1],
                        program_invocation_short_name);
                return EXIT_USAGE;
        }
        return EXIT_SUCCESS;
}
