// SPDX-License-Identifier: Apache-2.0
// ovstrace: compile Open vSwitch tracing recipes into bpftrace scripts.
// Reads the command line and hands it to the command named first.
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct command commands[] = {
    { "compile", "compile a recipe into a bpftrace script", cmd_compile, help_compile },
    { "run", "compile a recipe and run it against ovs-vswitchd", cmd_run, help_run },
    { "report", "print again the report of a run recorded with run --record", cmd_report, help_report },
    { "check", "check recipes without generating anything", cmd_check, help_check },
    { "list", "list the bundled recipes", cmd_list, help_list },
    { "help", "explain a recipe: what it shows, its parameters, an example", cmd_help_recipe, help_help },
    { "probes", "list the probes ovstrace knows, or those in a binary", cmd_probes, help_probes },
    { "layouts", "show struct layouts: the catalog's, or a binary's from its debug info", cmd_layouts, help_layouts },
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ovstrace COMMAND [ARGS]\n"
            "\n"
            "Compile declarative Open vSwitch tracing recipes into bpftrace scripts.\n"
            "\n"
            "Commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Examples:\n"
            "  ovstrace list                                   what recipes there are\n"
            "  ovstrace help reval_monitor                     what one shows, its parameters\n"
            "  ovstrace run reval_monitor                      trace the one ovs-vswitchd running\n"
            "  ovstrace compile bridge_loop | bpftrace -p $(pidof ovs-vswitchd) -\n"
            "  ovstrace probes --binary /usr/sbin/ovs-vswitchd which probes a build has\n"
            "\n"
            "Run 'ovstrace COMMAND --help' for a command's options. Recipes are found by name in\n"
            "$OVSTRACE_PATH (directories separated by ':') and then among the bundled recipes.\n");
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ovstrace: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nsee 'ovstrace %s --help'\n", cmd);
    return EXIT_USAGE;
}

int cli_option_error(const char *cmd, char **argv, const char *takes_value)
{
    const char *arg = argv[optind - 1];
    /* OPTOPT is the option missing its value, or one getopt does not know ("-x"), or 0 for
     * an unknown long option. A long option getopt names is one it knows. */
    if (optopt && !strncmp(arg, "--", 2))
        return cli_usage(cmd, "option %s needs a value", arg);
    if (optopt && strchr(takes_value, optopt))
        return cli_usage(cmd, "option -%c needs a value", optopt);
    if (optopt)
        return cli_usage(cmd, "unknown option '-%c'", optopt);
    return cli_usage(cmd, "unknown option '%s'", arg);
}

int cli_binary_option(const char *cmd, int argc, char **argv, const char **binary, int *first_arg)
{
    static const struct option longopts[] = { { "binary", required_argument, NULL, 'b' }, { NULL, 0, NULL, 0 } };
    *binary = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "b:", longopts, NULL)) != -1) {
        if (ch != 'b')
            return cli_option_error(cmd, argv, "b");
        *binary = optarg;
    }
    *first_arg = optind;
    return 0;
}

int cli_parse_pid(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v > 0 && v < 1 << 22) ? (int)v : 0;
}

/* Every command's results go to standard output: a full disk, or a file closed under it,
 * must not pass for success with a script or a report cut short. RC, or 1 after saying so. */
static int stdout_written(int rc)
{
    /* A write that failed before (the buffer filled mid-output) left its errno, which nothing
     * since has had reason to change; a failing flush now sets its own. */
    int failed = ferror(stdout), why = errno;
    if (fflush(stdout) != 0) {
        failed = 1;
        why = errno;
    }
    if (!failed)
        return rc;
    if (why)
        fprintf(stderr, "ovstrace: cannot write to standard output: %s\n", strerror(why));
    else
        fprintf(stderr, "ovstrace: cannot write to standard output\n");
    return rc ? rc : 1;
}

static int run_command(int argc, char **argv)
{
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("ovstrace %s\n", OVSTRACE_VERSION);
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, cmd) != 0)
            continue;
        for (int j = 2; j < argc && strcmp(argv[j], "--") != 0; j++) {
            if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
                commands[i].help();
                return 0;
            }
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    const char *names[NCOMMANDS];
    for (int i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = closest_name(cmd, names, NCOMMANDS);
    fprintf(stderr, "ovstrace: unknown command '%s'%s%s%s\nsee 'ovstrace --help'\n", cmd,
            near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return stdout_written(run_command(argc, argv));
}
