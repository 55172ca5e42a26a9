// SPDX-License-Identifier: Apache-2.0
// `ovstrace compile` and `ovstrace check`: run the pipeline on recipes and write
// the bpftrace script (compile) or a one-line verdict per recipe (check).
#include "bt_dialect.h"
#include "cli.h"
#include "host/host_probes.h"
#include "pipeline.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int compile_args_parse(const char *cmd, int argc, char **argv, struct compile_args *a)
{
    static const struct option longopts[] = {
        { "param", required_argument, NULL, 'p' }, { "output", required_argument, NULL, 'o' },
        { "target", required_argument, NULL, 't' }, { "pid", required_argument, NULL, 'P' },
        { "bpftrace", required_argument, NULL, 'B' }, { "record", required_argument, NULL, 'R' },
        { "bpftrace-version", required_argument, NULL, 'V' }, { "layouts", required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 },
    };
    memset(a, 0, sizeof *a);
    /* Everything after "--" belongs to bpftrace (run); options may come before or after the recipe. */
    int end = 1;
    while (end < argc && strcmp(argv[end], "--") != 0)
        end++;
    if (end < argc) {
        /* Ignoring them would let a user believe they were used. */
        if (strcmp(cmd, "run") != 0)
            return cli_usage(cmd, "'--' passes arguments to bpftrace, and only 'ovstrace run' runs it");
        a->extra_argc = argc - end - 1;
        a->extra_argv = argv + end + 1;
    }
    argc = end;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "p:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': vec_push(&a->params, optarg); break;
        case 'o': a->output = optarg; break;
        case 't': a->target = optarg; break;
        case 'P':
            a->pid = cli_parse_pid(optarg);
            if (!a->pid)
                return cli_usage(cmd, "--pid '%s' is not a process id", optarg);
            break;
        case 'B': a->bpftrace = optarg; break;
        case 'R': a->record = optarg; break;
        case 'V': a->bpftrace_version = optarg; break;
        case 'L': a->layouts = optarg; break;
        case '?':
            return cli_option_error(cmd, argv, "po");
        default:
            return cli_usage(cmd, "unexpected option");
        }
    }
    for (int i = optind; i < argc; i++)
        vec_push(&a->recipes, argv[i]);
    return 0;
}

const char *cli_bpftrace(const struct compile_args *a)
{
    return a->bpftrace ? a->bpftrace : getenv("BPFTRACE") ? getenv("BPFTRACE") : "bpftrace";
}

int cli_bpftrace_version(const char *cmd, const struct compile_args *a, struct bt_version *out)
{
    char v[32], oldest[32];
    const char *bpftrace = cli_bpftrace(a);
    if (a->bpftrace_version) {
        if (bt_version_parse(a->bpftrace_version, out) < 0)
            return cli_usage(cmd, "--bpftrace-version '%s' is not a version like 0.23 or 0.23.2", a->bpftrace_version);
    } else if (bt_version_of(bpftrace, out) < 0) {
        *out = BT_VERSION_OLDEST;
        fprintf(stderr, "ovstrace: could not ask %s its version; the script is for bpftrace %s (--bpftrace-version "
                "X.Y for another)\n", bpftrace, bt_version_text(*out, v, sizeof v));
        return 0;
    }
    bt_version_text(*out, v, sizeof v);
    bt_version_text(BT_VERSION_OLDEST, oldest, sizeof oldest);
    if (bt_version_cmp(*out, BT_VERSION_OLDEST) < 0) {
        if (a->bpftrace_version)
            return cli_usage(cmd, "bpftrace %s is older than %s, the oldest ovstrace supports", a->bpftrace_version, oldest);
        fprintf(stderr, "ovstrace: %s is bpftrace %s, older than %s, the oldest ovstrace supports: install a newer "
                "one, or name one with --bpftrace PATH or $BPFTRACE\n", bpftrace, v, oldest);
        return 1;
    }
    if (bt_version_cmp(*out, BT_VERSION_UNTESTED) >= 0)
        fprintf(stderr, "ovstrace: bpftrace %s is newer than the releases ovstrace is tested with; the script takes "
                "the newest form it knows (%s)\n", v, bt_dialect_range(*out));
    return 0;
}

int compile_args_parse_one(const char *cmd, int argc, char **argv, struct compile_args *a)
{
    int rc = compile_args_parse(cmd, argc, argv, a);
    if (rc || a->recipes.n == 1)
        return rc;
    int several = a->recipes.n > 1;   /* read before compile_args_free empties the list */
    compile_args_free(a);
    return several ? cli_usage(cmd, "%s takes one recipe", cmd) : cli_usage(cmd, "which recipe? (ovstrace list)");
}

void compile_args_free(struct compile_args *a)
{
    vec_free(&a->recipes);
    vec_free(&a->params);
}

/* The script to -o PATH, else to stdout (whose failure main says). */
static int write_output(const char *path, const char *text)
{
    if (!path) {
        fputs(text, stdout);
        return 0;
    }
    FILE *f = fopen(path, "w");
    int failed = !f || fputs(text, f) < 0;
    if ((f && fclose(f) != 0) || failed) {
        fprintf(stderr, "ovstrace: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int cmd_compile(int argc, char **argv)
{
    struct compile_args a;
    int rc = compile_args_parse_one("compile", argc, argv, &a);
    if (rc)
        return rc;
    struct pipeline_options o = { .mode = PIPELINE_COMPILE, .recipe_arg = a.recipes.v[0], .params = (char **)a.params.v, .nparams = a.params.n,
                                  .target_path = a.target, .pid = a.pid, .layouts_release = a.layouts };
    rc = cli_bpftrace_version("compile", &a, &o.bpftrace);
    if (rc) {
        compile_args_free(&a);
        return rc;
    }
    struct pipeline_result res;
    rc = pipeline_run(&o, &res);
    if (rc == 0)
        rc = write_output(a.output, res.script);
    pipeline_result_free(&res);
    compile_args_free(&a);
    return rc;
}

/* With a binary to build against (USDT probes are resolved in it) and root (bpftrace needs
 * it even to generate code), check has bpftrace build each script: what it refuses is an
 * error on the recipe. --bpftrace PATH names the bpftrace; a missing one is skipped. */
static const char *check_builder(const struct compile_args *a)
{
    if (!(a->target || a->pid) || geteuid() != 0)
        return NULL;
    return cli_bpftrace(a);
}

int cmd_check(int argc, char **argv)
{
    struct compile_args a;
    int rc = compile_args_parse("check", argc, argv, &a);
    if (rc)
        return rc;
    if (a.recipes.n == 0) {
        compile_args_free(&a);
        return cli_usage("check", "which recipes? (ovstrace list)");
    }
    struct bt_version version;
    rc = cli_bpftrace_version("check", &a, &version);
    if (rc) {
        compile_args_free(&a);
        return rc;
    }
    int failed = 0;
    for (int i = 0; i < a.recipes.n; i++) {
        struct pipeline_options o = { .recipe_arg = a.recipes.v[i], .params = (char **)a.params.v, .nparams = a.params.n,
                                      .target_path = a.target, .pid = a.pid, .mode = PIPELINE_CHECK,
                                      .layouts_release = a.layouts,
                                      .bpftrace_build = check_builder(&a), .bpftrace = version };
        struct pipeline_result res;
        if (pipeline_run(&o, &res) == 0) {
            printf("%s: ok, %d probe%s", res.recipe_path, res.nprobes, res.nprobes == 1 ? "" : "s");
            if (res.needs_ovs)
                printf(", needs Open vSwitch >= %s", res.needs_ovs);
            if (res.built_by_bpftrace)
                printf(", bpftrace builds it");
            printf("\n");
            fflush(stdout);
            if (host_probes_report(&res.kernel_probes, res.recipe_path, stdout))
                failed = 1;
        } else {
            failed = 1;
        }
        pipeline_result_free(&res);
    }
    compile_args_free(&a);
    return failed;
}

void help_compile(void)
{
    printf("usage: ovstrace compile RECIPE [-p NAME=VALUE]... [-o FILE] [--target PATH | --pid PID]\n"
           "                        [--bpftrace-version X.Y] [--layouts X.Y]\n"
           "\n"
           "Compile RECIPE (a file, or the name of a bundled recipe) into a bpftrace script and\n"
           "write it to standard output. Nothing is written when the recipe has errors.\n"
           "\n"
           "  -p, --param NAME=VALUE   set a recipe parameter (ovstrace help RECIPE lists them)\n"
           "  -o, --output FILE        write the script to FILE instead of standard output\n"
           "      --target PATH        attach to this ovs-vswitchd binary (every process running it)\n"
           "      --pid PID            attach to this process's binary, and filter kernel probes by PID\n"
           "      --bpftrace-version X.Y   the bpftrace that will run the script (default: ask the one\n"
           "                           in $BPFTRACE or PATH; 0.17 when there is none). bpftrace 0.21\n"
           "                           and later need another form of script than 0.17 to 0.20\n"
           LAYOUTS_HELP
           "\n"
           "Without --target or --pid the script attaches to the process bpftrace is given:\n"
           "  ovstrace compile reval_monitor | bpftrace -p $(pidof ovs-vswitchd) -\n"
           "Recipes with kernel probes (tracepoints, kprobes) also take the PID as first argument:\n"
           "  ovstrace compile kernel_delay | bpftrace -p PID - PID\n");
}

void help_check(void)
{
    printf("usage: ovstrace check RECIPE... [-p NAME=VALUE]... [--target PATH | --pid PID] [--bpftrace PATH]\n"
           "                      [--bpftrace-version X.Y] [--layouts X.Y]\n"
           "\n"
           "Load, type-check and lower each RECIPE without printing a script. Prints one line\n"
           "per good recipe and positioned errors for the others. Then says which of a recipe's\n"
           "kernel probes this host lacks (tracepoints looked up in tracefs, kprobe functions in\n"
           "/proc/kallsyms, kprobes themselves in tracefs's kprobe_events), e.g.\n"
           "  upcall_cost.recipe: this host lacks 2 of its 2 kernel probes:\n"
           "    tracepoint:openvswitch:ovs_dp_upcall     no openvswitch tracepoints in this kernel ...\n"
           "\n"
           "With --target PATH or --pid PID, as root, bpftrace also builds each script (its code\n"
           "generation, nothing loaded: --bpftrace PATH picks the bpftrace) and the line ends in\n"
           "'bpftrace builds it'; what bpftrace would refuse, such as an event too wide for the\n"
           "512-byte BPF stack, is an error on the recipe instead (not when this host lacks the\n"
           "recipe's kernel probes: bpftrace needs them to build it, and check says which are\n"
           "missing). The script is for the bpftrace --bpftrace-version names, else the one\n"
           "--bpftrace (or $BPFTRACE, or PATH) runs.\n"
           "Struct layouts are chosen as for compile:\n"
           LAYOUTS_HELP
           "Exits 1 if any recipe failed or cannot run on this host.\n");
}
