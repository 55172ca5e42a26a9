// SPDX-License-Identifier: Apache-2.0
// `ovstrace run`: compile a recipe, find the ovs-vswitchd to trace, run bpftrace
// on it (its output tidied by run_output: no RLIMIT_MEMLOCK noise, a lost-events
// line at the end), forward Ctrl-C, and exit with bpftrace's status.
#include "bt_dialect.h"
#include "cli.h"
#include "host/host_probes.h"
#include "pipeline.h"
#include "recipe_path.h"
#include "run/plan.h"
#include "run/run_output.h"
#include "run/run_record.h"
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t last_signal;
static char child_syscall[48];      /* /proc/PID/syscall of bpftrace, set before signals are forwarded */

/* bpftrace 0.17 can miss a SIGINT that arrives while it attaches (it only sets a flag and
 * goes on until a probe prints), so a forwarded signal is sent again every 5 s while
 * bpftrace is still in its event loop, waiting in epoll_wait. Not while it is busy
 * elsewhere: that is bpftrace exiting (detaching its probes, loading and running END),
 * which took over 5 s on a busy machine, and a signal then made the kernel's verifier give
 * up on END ("Error loading program: END", status 255, no report). */
#define RESEND_SECONDS 5

/* Whether bpftrace's main thread waits in epoll_wait now; async-signal-safe (open, read). */
static int child_in_event_loop(void)
{
    int fd = open(child_syscall, O_RDONLY);
    if (fd < 0)
        return 0;
    char buf[24];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long nr = 0;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        nr = nr * 10 + (buf[i] - '0');
    if (n <= 0 || buf[0] < '0' || buf[0] > '9')
        return 0;   /* "running", or unreadable */
#ifdef SYS_epoll_wait
    if (nr == SYS_epoll_wait)
        return 1;
#endif
    return nr == SYS_epoll_pwait;
}

static void forward_signal(int sig)
{
    if (child_pid > 0) {
        kill(child_pid, sig);
        last_signal = sig;
        alarm(RESEND_SECONDS);
    }
}

static void resend_signal(int sig)
{
    (void)sig;
    if (child_pid > 0 && last_signal) {
        if (child_in_event_loop())
            kill(child_pid, last_signal);
        alarm(RESEND_SECONDS);
    }
}

/* Every process whose comm is ovs-vswitchd. */
static int find_vswitchd(int *pids, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        int pid = cli_parse_pid(de->d_name);
        if (!pid)
            continue;
        char comm[32];
        proc_comm(pid, 0, comm, sizeof comm);
        if (strcmp(comm, "ovs-vswitchd") == 0 && n < max)
            pids[n++] = pid;
    }
    closedir(d);
    return n;
}

static int choose_pid(int given)
{
    if (given)
        return given;   /* pipeline_run says if it is gone */
    int pids[16];
    int n = find_vswitchd(pids, 16);
    if (n == 1)
        return pids[0];
    if (n == 0) {
        fprintf(stderr, "ovstrace: no ovs-vswitchd is running; start one or give --pid PID\n");
    } else {
        fprintf(stderr, "ovstrace: %d ovs-vswitchd processes are running; choose one with --pid:", n);
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %d", pids[i]);
        fprintf(stderr, "\n");
    }
    return 0;
}

/* bpftrace needs tracefs for tracepoints; USDT works without it but complains at exit. */
static void ensure_tracefs(void)
{
    struct stat st;
    if (stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
        return;
    if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
        fprintf(stderr, "ovstrace: warning: tracefs is not mounted and could not be (%s)\n", strerror(errno));
}

/* How bpftrace's run went, beyond its exit status. */
struct run_outcome {
    int attached;           /* it attached its probes: tracing began */
    int stack_refused;      /* it refused a probe for the 512-byte BPF stack */
    int interrupted;        /* we passed it a signal (Ctrl-C, SIGTERM, SIGHUP) */
    int killed_by;          /* the signal that killed it, 0 if it exited (status 255 is no signal) */
};

/* A file descriptor that becomes readable when process PID exits (pidfd, Linux 5.3); -1 if
 * it is gone already or the kernel has none. */
static int exit_watch(int pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Ending bpftrace when the traced process exits, as -p would, when run attaches by path
 * without -p. Every event the process made is in bpftrace's buffers by then, but a SIGINT
 * makes bpftrace leave its loop without reading what is still buffered (seen on 0.27: a
 * run lost its last round, a dozen operations). So the signal waits until bpftrace has
 * read them: it sits in epoll_wait, printing nothing, at two checks DRAIN_CHECK_MS apart;
 * or DRAIN_MAX_MS after the exit at most (kernel probes may go on printing other tasks'
 * events). */
#define DRAIN_CHECK_MS 100
#define DRAIN_MAX_MS 3000

struct target_end {
    int fd;             /* pidfd of the traced process, -1: none or closed */
    int gone;           /* it has exited */
    int quiet;          /* checks in a row that found bpftrace idle */
    struct timespec at; /* when it exited */
    int signalled;
};

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void target_gone(struct target_end *te)
{
    te->gone = 1;
    clock_gettime(CLOCK_MONOTONIC, &te->at);
    if (te->fd >= 0)
        close(te->fd);
    te->fd = -1;
}

/* After each wake-up: SIGINT to bpftrace once it has read what the process left. */
static void target_end_step(struct target_end *te, int had_output)
{
    if (!te->gone || te->signalled)
        return;
    te->quiet = had_output ? 0 : child_in_event_loop() ? te->quiet + 1 : 0;
    if ((te->quiet >= 2 || ms_since(&te->at) >= DRAIN_MAX_MS) && child_pid > 0) {
        kill(child_pid, SIGINT);
        te->signalled = 1;
    }
}

/* Copy bpftrace's stdout and stderr through run_output until both close (and into RECORD).
 * WATCH_PID (0: none): end bpftrace when that process exits. */
static void relay_output(int outfd, int errfd, int watch_pid, const struct render_plan *plan, FILE *record,
                         struct run_outcome *oc)
{
    struct run_output r;
    run_output_init(&r, stdout, stderr);
    run_output_json(&r, plan);
    r.record = record;
    struct target_end te = { .fd = -1 };
    if (watch_pid) {
        te.fd = exit_watch(watch_pid);
        if (te.fd < 0 && errno == ESRCH)
            target_gone(&te);
    }
    struct pollfd fds[3] = { { .fd = outfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN },
                             { .fd = te.fd, .events = POLLIN } };
    int open_fds = 2;
    char buf[8192];
    while (open_fds > 0) {
        if (poll(fds, 3, te.gone && !te.signalled ? DRAIN_CHECK_MS : -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
            target_gone(&te);
            fds[2].fd = -1;
        }
        int had_output = 0;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            had_output = 1;
            run_output_feed(&r, i, buf, (size_t)n);
        }
        target_end_step(&te, had_output);
    }
    if (te.fd >= 0)
        close(te.fd);
    run_output_finish(&r);
    oc->stack_refused = r.stack_refused;
    oc->attached = r.attached;
}

/* BY_PATH: the script attaches to the binary's path and filters by pid itself; bpftrace runs
 * without -p and is ended here when the process exits. */
static int run_bpftrace(const struct compile_args *a, struct bt_version version, int pid, int by_path,
                        const char *script_path, const struct render_plan *plan, FILE *record, struct run_outcome *oc)
{
    const char *bpftrace = cli_bpftrace(a);
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", pid);
    char **argv = xcalloc((size_t)a->extra_argc + 8, sizeof *argv);
    int n = 0;
    argv[n++] = (char *)bpftrace;
    for (int i = 0; i < a->extra_argc; i++)
        argv[n++] = a->extra_argv[i];
    /* bpftrace 0.24 and later warn about the generated code's types and statements (0.27: 20
     * to 40 lines a recipe), nothing an operator can act on; the tests/tiers load tests show them. */
    if (bt_version_cmp(version, (struct bt_version){ 0, 24, 0 }) >= 0)
        argv[n++] = "--no-warnings";
    argv[n++] = "-f";       /* run renders the report from bpftrace's JSON (run_render.h) */
    argv[n++] = "json";
    if (!by_path) {
        argv[n++] = "-p";
        argv[n++] = pidtext;
    }
    argv[n++] = (char *)script_path;
    argv[n++] = pidtext;    /* $1: kernel probes are filtered by it */
    int errpipe[2], outpipe[2];
    if (pipe(errpipe) < 0 || pipe(outpipe) < 0) {
        free(argv);
        return 1;
    }
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Own process group: a terminal's Ctrl-C reaches us once, and we pass it on once. */
        setpgid(0, 0);
        dup2(errpipe[1], STDERR_FILENO);
        dup2(outpipe[1], STDOUT_FILENO);
        close(errpipe[0]);
        close(errpipe[1]);
        close(outpipe[0]);
        close(outpipe[1]);
        execvp(bpftrace, argv);
        fprintf(stderr, "ovstrace: cannot run %s: %s\n", bpftrace, strerror(errno));
        _exit(127);
    }
    free(argv);
    close(errpipe[1]);
    close(outpipe[1]);
    if (child < 0) {
        close(errpipe[0]);
        close(outpipe[0]);
        fprintf(stderr, "ovstrace: fork: %s\n", strerror(errno));
        return 1;
    }
    snprintf(child_syscall, sizeof child_syscall, "/proc/%d/syscall", (int)child);
    child_pid = child;
    /* SA_RESTART: a forwarded signal must not end the loop copying bpftrace's stderr. */
    struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction again = { .sa_handler = resend_signal, .sa_flags = SA_RESTART };
    sigemptyset(&again.sa_mask);
    sigaction(SIGALRM, &again, NULL);
    relay_output(outpipe[0], errpipe[0], by_path ? pid : 0, plan, record, oc);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    child_pid = 0;
    alarm(0);
    oc->interrupted = last_signal != 0;
    oc->killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* bpftrace's perf buffers are per CPU (BPFTRACE_PERF_RB_PAGES pages each, a power of two),
 * upstream's ring buffer is one: TOTAL pages spread over the CPUs, never fewer per CPU than
 * bpftrace's default of 64 (0: leave bpftrace's default). */
static long perf_rb_pages(long total)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long each = cpus > 1 ? (total + cpus - 1) / cpus : total, pages = 1;
    while (pages < each && pages < (1L << 24))
        pages <<= 1;
    return pages > 64 ? pages : 0;
}

/* --record FILE: the header (the recipe's text, parameters, pid, ports, time zone); the
 * run adds bpftrace's output and the thread names it looks up (run_record.h). */
static FILE *open_record(const char *path, const struct pipeline_result *res, const struct compile_args *a, int pid,
                         struct bt_version bpftrace)
{
    FILE *f = fopen(path, "w");
    char err[256];
    struct source *src = f ? recipe_source_load(res->recipe_path, err, sizeof err) : NULL;
    if (!f || !src) {
        fprintf(stderr, "ovstrace: cannot record to '%s': %s\n", path, f ? err : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    char version[32];
    struct record_header h = { .recipe = res->recipe_name, .source = src->text, .params = a->params,
                               .ports = res->ports, .pid = pid, .utc_offset = record_utc_offset(),
                               .bpftrace = (char *)bt_version_text(bpftrace, version, sizeof version) };
    record_write_header(f, &h);
    source_free(src);
    return f;
}

/* Set bpftrace's setting NAME to VALUE unless the environment already asks for as much. */
static void env_at_least(const char *name, long value)
{
    const char *now = getenv(name);
    if (!value || (now && atol(now) >= value))
        return;
    char text[24];
    snprintf(text, sizeof text, "%ld", value);
    setenv(name, text, 1);
}

/* bpftrace's LLVM message names a function, not a line of the recipe: compile again with
 * bpftrace building the script (pipeline.c), which puts the refusal on the recipe. */
static void explain_stack_refusal(const struct pipeline_options *run_opts, const struct compile_args *a)
{
    struct pipeline_options o = *run_opts;
    o.bpftrace_build = cli_bpftrace(a);
    o.checked = NULL;     /* the plan is made already */
    struct pipeline_result res;
    pipeline_run(&o, &res);
    pipeline_result_free(&res);
}

/* After bpftrace: what the operator cannot tell from the report alone. */
static void say_how_it_ended(int status, const struct run_outcome *oc, int pid, const char *comm)
{
    const char *who = comm[0] ? comm : "the process";
    /* bpftrace's own words for a target gone at start-up are "Error initializing context for probe". */
    char why[64];
    int gone = proc_gone(pid, why, sizeof why) != NULL;    /* a zombie has exited too */
    if (oc->killed_by && !oc->interrupted)
        fprintf(stderr, "ovstrace: bpftrace was killed by signal %d (%s)%s\n", oc->killed_by, strsignal(oc->killed_by),
                oc->attached ? ": its final statistics were not printed" : "");
    else if (status != 0 && !oc->attached)
        fprintf(stderr, "ovstrace: bpftrace stopped (status %d) before attaching its probes: nothing was traced\n",
                status);
    if (gone && oc->attached && !oc->interrupted)
        fprintf(stderr, "ovstrace: %s (pid %d) exited during the run; the report covers the time until then\n", who,
                pid);
    else if (gone && status != 0)
        fprintf(stderr, "ovstrace: %s (pid %d) is gone: it exited while bpftrace was starting or running\n", who, pid);
}

int cmd_run(int argc, char **argv)
{
    struct compile_args a;
    int rc = compile_args_parse_one("run", argc, argv, &a);
    if (rc)
        return rc;
    int pid = choose_pid(a.pid);
    if (!pid) {
        compile_args_free(&a);
        return 1;
    }
    struct pipeline_options o = { .recipe_arg = a.recipes.v[0], .params = (char **)a.params.v, .nparams = a.params.n,
                                  .target_path = a.target, .pid = pid, .mode = PIPELINE_RUN_PID_ATTACH,
                                  .layouts_release = a.layouts };
    /* The renderer's plan, from the recipe the pipeline hands over (run/plan.h). */
    struct render_plan plan = { .pid = pid };
    o.checked = render_plan_build;
    o.checked_ctx = &plan;
    rc = cli_bpftrace_version("run", &a, &o.bpftrace);    /* the bpftrace about to run is asked */
    if (rc) {
        compile_args_free(&a);
        return rc;
    }
    /* bpftrace 0.24 and later apply -p to kernel probes too, and kernel_delay's wake-ups or
     * upcall_cost's softirq upcalls come from other tasks: there the script attaches to the
     * process's binary by path (/proc/PID/exe) and filters by pid itself, without -p. */
    int by_path = bt_dialect_of(o.bpftrace).pid_filters_all;
    o.mode = by_path ? PIPELINE_RUN : PIPELINE_RUN_PID_ATTACH;
    plan.bpftrace = o.bpftrace;
    struct pipeline_result res;
    rc = pipeline_run(&o, &res);
    char *path = rc == 0 ? write_temp_script(res.script) : NULL;
    if (rc == 0 && !path)
        rc = 1;
    if (path) {
        ensure_tracefs();
        /* Refuse what bpftrace would refuse after a long start-up, with the reason. */
        if (host_probes_report(&res.kernel_probes, res.recipe_path, stderr)) {
            fprintf(stderr, "ovstrace: not running %s here\n", res.recipe_name);
            unlink(path);
            free(path);
            pipeline_result_free(&res);
            render_plan_free(&plan);
            compile_args_free(&a);
            return 1;
        }
        char name[32];
        proc_comm(pid, 0, name, sizeof name);
        char *comm = text_escaped(name);    /* a process names itself: shown escaped (util.h) */
        fprintf(stderr, "ovstrace: tracing %s pid %d with %s\n", comm[0] ? comm : "process", pid, res.recipe_name);
        /* Watch lists bigger than bpftrace's default map size need bigger maps; the
         * recipe's event buffer (kernel_delay's buffer_page_count) sets bpftrace's. */
        if (!bt_scopes_variables(o.bpftrace)) {  /* later ones read the script's config block */
            env_at_least("BPFTRACE_MAP_KEYS_MAX", res.map_keys_max);
            /* bpftrace 0.17-0.20 make a new bcc symbol cache for every user-stack frame they
             * print unless told to keep one, and bcc before 0.33 closes a file descriptor of
             * uninitialised memory each time it makes one (bcc pull request 5193): now and then
             * a map or perf event of the running program, and END cannot read its maps.
             * One cache for the traced program leaves one such close in a run, not thousands.
             * Later versions keep one cache per process by default. */
            setenv("BPFTRACE_CACHE_USER_SYMBOLS", "1", 0);
        }
        env_at_least("BPFTRACE_PERF_RB_PAGES", perf_rb_pages(res.event_buffer_pages));
        FILE *record = a.record ? open_record(a.record, &res, &a, pid, o.bpftrace) : NULL;
        struct run_outcome oc = { 0 };
        rc = a.record && !record ? 1 : run_bpftrace(&a, o.bpftrace, pid, by_path, path, &plan, record, &oc);
        if (rc != 0 && oc.stack_refused)
            explain_stack_refusal(&o, &a);
        if (!a.record || record)
            say_how_it_ended(rc, &oc, pid, comm);
        /* A write that failed on the way (a full disk) leaves only the error flag: fclose
         * flushes nothing more and succeeds. */
        int unwritten = record && ferror(record);
        int write_errno = errno;
        if (record && (fclose(record) != 0 || unwritten)) {
            fprintf(stderr, "ovstrace: writing %s failed: %s\n", a.record, strerror(unwritten ? write_errno : errno));
            rc = 1;
        } else if (record) {    /* the recipe as it was given: a file's path, or a bundled recipe's name */
            fprintf(stderr, "ovstrace: recorded to %s; ovstrace report %s %s prints this report again\n", a.record,
                    (const char *)a.recipes.v[0], a.record);
        }
        free(comm);
        unlink(path);
        free(path);
    }
    pipeline_result_free(&res);
    render_plan_free(&plan);
    compile_args_free(&a);
    return rc;
}

void help_run(void)
{
    printf("usage: ovstrace run RECIPE [-p NAME=VALUE]... [--pid PID] [--target PATH] [--record FILE]\n"
           "                    [--layouts X.Y] [-- BPFTRACE-ARGS]\n"
           "\n"
           "Compile RECIPE and run it with bpftrace against ovs-vswitchd until Ctrl-C (or until the\n"
           "recipe's window ends, or the process exits). Final statistics are printed on the way out.\n"
           "\n"
           "  -p, --param NAME=VALUE   set a recipe parameter (ovstrace help RECIPE lists them)\n"
           "      --pid PID            trace this process (default: the one running ovs-vswitchd)\n"
           "      --target PATH        attach by binary path instead of to the process\n"
           "      --bpftrace PATH      the bpftrace to run (default: $BPFTRACE, else bpftrace in PATH);\n"
           "                           the script is compiled for its version (bpftrace --version)\n"
           "      --record FILE        also save what bpftrace printed, to print the report again\n"
           "                           later with: ovstrace report RECIPE FILE\n"
           LAYOUTS_HELP
           "  -- ARGS                  pass ARGS to bpftrace, e.g. -- -v\n"
           "\n"
           "run reads bpftrace's JSON output (-f json) and renders the report: flow keys as\n"
           "dpctl/dump-flows prints them (paste one back as -p filter=...), tables sorted largest\n"
           "first with thousands separators, thread ids with their names, and a last line saying\n"
           "how many events bpftrace lost. in_port(NAME) in a filter is looked up in the traced\n"
           "ovs-vswitchd's dpctl/show.\n"
           "\n"
           "The exit status is bpftrace's: 0 after Ctrl-C or when ovs-vswitchd exits (the report is\n"
           "printed either way), 128+N when bpftrace was killed by signal N. The script is written\n"
           "to a temporary file and removed afterwards; use 'ovstrace compile' to keep it.\n");
}
