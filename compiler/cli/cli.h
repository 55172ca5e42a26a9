// SPDX-License-Identifier: Apache-2.0
// The command table: each `ovstrace COMMAND` is a function in its own file.
#ifndef OVSTRACE_CLI_H
#define OVSTRACE_CLI_H

#include "bt_version.h"
#include "host/layouts.h"
#include "util.h"

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*help)(void);
};

int cmd_compile(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_help_recipe(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_layouts(int argc, char **argv);
int cmd_report(int argc, char **argv);
void help_compile(void);
void help_check(void);
void help_list(void);
void help_help(void);
void help_probes(void);
void help_run(void);
void help_layouts(void);
void help_report(void);

/* Usage error: message to stderr, "see ovstrace CMD --help", exit status 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt's '?' for ARGV's options: an option it does not know, or one (getopt's OPTOPT; those
 * in TAKES_VALUE, or a long one) given without its value. Returns the usage error's status. */
int cli_option_error(const char *cmd, char **argv, const char *takes_value);
/* Parse `[--binary PATH] [ARG...]` (probes, layouts): sets *binary and *first_arg, the
 * index of the first positional argument. Returns 0, or the usage error's exit status. */
int cli_binary_option(const char *cmd, int argc, char **argv, const char **binary, int *first_arg);
/* Parse a PID option value; 0 if invalid. */
int cli_parse_pid(const char *s);

#define EXIT_USAGE 2

/* --layouts in the help of compile, check and run. */
#define LAYOUTS_HELP                                                                                              \
    "      --layouts X.Y        read Open vSwitch's structs as release X.Y lays them out, whatever\n"            \
    "                           the binary (ovstrace layouts --help lists the releases). Otherwise\n"           \
    "                           --target/--pid's binary decides: its DWARF debug info, else the\n"              \
    "                           layouts of the release its version text names; a stripped build of\n"           \
    "                           another release is refused when the recipe reads a struct. Without\n"          \
    "                           a binary: those of Open vSwitch " LAYOUTS_DEFAULT_RELEASE "\n"

/* Options shared by compile, check and run. */
struct compile_args {
    struct vec recipes;         /* positional RECIPE arguments */
    struct vec params;          /* -p NAME=VALUE */
    const char *target;         /* --target PATH */
    int pid;                    /* --pid PID */
    const char *output;         /* -o FILE (compile) */
    const char *bpftrace;       /* --bpftrace PATH (run) */
    const char *record;         /* --record FILE (run) */
    const char *bpftrace_version;   /* --bpftrace-version X.Y */
    const char *layouts;        /* --layouts X.Y: that OVS release's bundled struct layouts */
    int extra_argc;             /* after "--" (run): passed to bpftrace */
    char **extra_argv;
};
int compile_args_parse(const char *cmd, int argc, char **argv, struct compile_args *a);
/* The same for a command of exactly one recipe (compile, run): 0, or its exit status. */
int compile_args_parse_one(const char *cmd, int argc, char **argv, struct compile_args *a);
void compile_args_free(struct compile_args *a);
/* The bpftrace to run: --bpftrace PATH, else $BPFTRACE, else bpftrace in PATH. */
const char *cli_bpftrace(const struct compile_args *a);
/* The bpftrace the script is for: --bpftrace-version, else the version of cli_bpftrace()
 * (asked), else the oldest supported, said on stderr. 0, or a usage error's exit status. */
int cli_bpftrace_version(const char *cmd, const struct compile_args *a, struct bt_version *out);

#endif
