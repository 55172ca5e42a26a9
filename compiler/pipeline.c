// SPDX-License-Identifier: Apache-2.0
// The compiler pipeline: options in, a script (or only diagnostics) out. A list of named
// steps over one state (struct pipeline), stopping at the first that leaves errors; the
// host's facts (the binary, ovs-vswitchd's port names) are gathered in one step and
// handed to the passes, which are functions of the recipe, the catalog and those facts.
#include "pipeline.h"
#include "host/host_probes.h"
#include "host/ovs_ports.h"
#include "check.h"
#include "host/codegen_check.h"
#include "emit.h"
#include "load.h"
#include "lower.h"
#include "params.h"
#include "probespec.h"
#include "recipe_path.h"
#include "host/layouts.h"
#include "host/target.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Only these characters may name a binary inside a bpftrace attach point. */
static int safe_path(const char *p)
{
    if (!*p || strlen(p) > 1024)
        return 0;
    for (; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-", *p))
            return 0;
    return 1;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* in_port(NAME) in a filter: ask the traced ovs-vswitchd for the number (and remember the
 * answer, for a recording), or look it up among the known ports (a report). */
struct port_lookup {
    const struct pipeline_options *o;
    struct pipeline_result *res;
};

static int resolve_port(const char *name, size_t len, uint32_t *port, char *why, size_t whylen, void *ctx)
{
    struct port_lookup *pl = ctx;
    if (pl->o->known_ports) {
        for (int i = 0; i < pl->o->known_ports->n; i++) {
            const char *known = pl->o->known_ports->v[i];
            if (!strncmp(known, name, len) && known[len] == '=') {
                *port = (uint32_t)strtoul(known + len + 1, NULL, 10);
                return 0;
            }
        }
        snprintf(why, whylen, "the recording does not know this port");
        return -1;
    }
    if (ovs_port_number(pl->o->pid, name, len, port, why, whylen) != 0)
        return -1;
    vec_push(&pl->res->ports, xasprintf("%.*s=%u", (int)len, name, *port));
    return 0;
}

/* The block bpftrace named: its attach point, or for `usdt::P:N` (bpftrace -p puts the
 * binary it found between the colons) a name ending in ":P:N". */
/* bpftrace 0.21 and later name a probe's function after its attach point with every
 * character but letters and digits made '_' (the binary -p found inserted as 0.17 does),
 * and an index after it: "_loc0_2" (0.23), "_1" (0.27). */
static char *mangled(const char *s)
{
    char *m = xstrdup(s);
    for (char *p = m; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    return m;
}

static int index_suffix(const char *s)
{
    if (!strncmp(s, "_loc", 4)) {
        s += 4;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s++ != '_' || !(*s >= '0' && *s <= '9'))
        return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    return !*s;
}

/* Is PROBE, as bpftrace named it, block B's: its attach point, or for `usdt::P:N` (bpftrace -p
 * puts the binary it found between the colons) a name ending in ":P:N"; or either mangled. */
static int names_block(const struct bt_block *b, const char *probe)
{
    size_t pl = strlen(probe);
    int usdt_pid = !strncmp(b->attach, "usdt::", 6);
    const char *tail = b->attach + strlen("usdt:");   /* ":P:N" */
    size_t tl = strlen(tail);
    if (!strcmp(b->attach, probe) || (usdt_pid && tl < pl && !strcmp(probe + pl - tl, tail)))
        return 1;
    char *m = mangled(usdt_pid ? tail : b->attach);
    size_t ml = strlen(m);
    int found = 0;
    for (const char *q = strstr(probe, m); q && !found; q = strstr(q + 1, m))
        found = (usdt_pid ? q > probe : q == probe) && index_suffix(q + ml);
    free(m);
    return found;
}

static const struct bt_block *named_block(const struct bt_program *prog, const char *probe)
{
    for (int i = 0; probe && i < prog->blocks.n; i++)
        if (names_block(prog->blocks.v[i], probe))
            return prog->blocks.v[i];
    return NULL;
}

/* Where bpftrace's stack refusal of block B goes: the estimate's biggest statement, else its
 * string variables, else (it counted nothing there: a version whose model is off) the
 * probe's own line; nowhere when the block is not known. */
static struct loc refusal_loc(const struct bt_block *b)
{
    if (!b)
        return loc_make(NULL, 0, 0);
    if (b->stack.peak_loc.src)
        return b->stack.peak_loc;
    return b->stack.vars_loc.src ? b->stack.vars_loc : b->loc;
}

/* Build the script with bpftrace; a refusal becomes an error on the recipe. 1: it built. */
static int bpftrace_builds(const struct pipeline_options *o, const struct bt_program *prog, const char *script,
                           struct diag *d)
{
    struct codegen_verdict v;
    codegen_check(o->bpftrace_build, o->bpftrace, script, o->mode == PIPELINE_RUN_PID_ATTACH ? o->pid : 0, &v);
    if (v.built == 0 && v.stack) {
        const struct bt_block *b = named_block(prog, v.probe);
        const struct stack_budget *sb = b ? &b->stack : NULL;
        struct loc at = refusal_loc(b);
        char ver[32];
        bt_version_text(o->bpftrace.major || o->bpftrace.minor ? o->bpftrace : BT_VERSION_OLDEST, ver, sizeof ver);
        diag_error(d, at, "bpftrace %.*s cannot fit probe %s into the 512-byte BPF stack (ovstrace counted %d of "
                   "%d bytes, but LLVM lays it out less tightly): print fewer columns or strings on this probe, "
                   "or use fewer string keys and captures", (int)(strrchr(ver, '.') - ver), ver,
                   b ? b->attach : v.probe ? v.probe : "?",
                   sb ? stack_budget_total(sb) : 0, STACK_MAX);
    } else if (v.built == 0) {
        diag_error(d, loc_make(NULL, 0, 0), "bpftrace refused the generated script (an ovstrace bug: please "
                   "report it with the recipe): %s", v.message);
    }
    int built = v.built == 1;
    codegen_verdict_free(&v);
    return built;
}

/* What the steps share: the options, the result being filled, and what each step made. */
struct pipeline {
    const struct pipeline_options *o;
    struct pipeline_result *res;
    struct diag d;
    char *path;                   /* the recipe's file (its name, for a recipe in memory) */
    struct host_facts {           /* the host, as the passes see it (step host) */
        char *exe;                /* /proc/PID/exe for --pid */
        const char *binary;       /* whose probes and struct layouts: --target, else exe */
        const char *target;       /* the binary attach points name; NULL: bpftrace -p attaches */
        struct port_lookup port_lookup;
        struct odp_ports port_names;
        const struct odp_ports *ports;  /* in_port(NAME): ovs-vswitchd's answer, or the recording's;
                                         * NULL: neither (a port name is an error) */
        char *layouts;            /* the struct layouts applied (step layouts), for the script's header */
    } host;
    struct catalog *cat;
    struct recipe *r;
    struct check_result cr;
    struct bt_program *prog;
};

static int is_run(enum pipeline_mode m)
{
    return m == PIPELINE_RUN || m == PIPELINE_RUN_PID_ATTACH || m == PIPELINE_REPORT;
}

/* The recipe: a path, a name on OVSTRACE_PATH or a bundled one; or the caller's text. */
static void step_resolve(struct pipeline *p)
{
    const struct pipeline_options *o = p->o;
    p->path = o->recipe_text ? xstrdup(o->recipe_arg) : recipe_path_resolve(o->recipe_arg);
    if (!p->path) {
        diag_error(&p->d, loc_make(NULL, 0, 0), "no recipe '%s': not a file, and not found in OVSTRACE_PATH or "
                   "the bundled recipes", o->recipe_arg);
        diag_hint(&p->d, "ovstrace list shows the bundled recipes");
    }
}

/* The host's facts: the traced binary (--target, else the process's /proc/PID/exe; the
 * script names it in its attach points unless bpftrace -p does the attaching) and where
 * port names come from. */
static void step_host(struct pipeline *p)
{
    const struct pipeline_options *o = p->o;
    struct host_facts *h = &p->host;
    h->exe = o->pid ? xasprintf("/proc/%d/exe", o->pid) : NULL;
    char gone[64];
    if (o->pid && proc_gone(o->pid, gone, sizeof gone)) {
        /* Said before the probes are read: "cannot open /proc/N/exe" would hide why. */
        diag_error(&p->d, loc_make(NULL, 0, 0), "%s (--pid)", gone);
        diag_hint(&p->d, "pidof ovs-vswitchd, or /run/openvswitch/ovs-vswitchd.pid, gives the running one");
    }
    h->binary = o->target_path ? o->target_path : h->exe;
    h->target = o->target_path ? o->target_path : o->mode == PIPELINE_RUN_PID_ATTACH ? NULL : h->exe;
    if (h->target && !safe_path(h->target))
        diag_error(&p->d, loc_make(NULL, 0, 0), "--target '%s': use a path of letters, digits and / . _ + -",
                   h->target);
    h->port_lookup = (struct port_lookup){ o, p->res };
    h->port_names = (struct odp_ports){ resolve_port, &h->port_lookup };
    h->ports = o->pid || o->known_ports ? &h->port_names : NULL;
}

static void step_load(struct pipeline *p)
{
    const struct pipeline_options *o = p->o;
    p->cat = o->catalog ? o->catalog : catalog_load(&p->d);
    if (p->d.errors)
        return;
    p->r = o->recipe_text ? load_recipe_source(source_from_string(p->path, o->recipe_text, o->recipe_len), &p->d)
                          : load_recipe(p->path, &p->d);
}

static void step_bind(struct pipeline *p)
{
    params_bind(p->r, p->o->params, p->o->nparams, p->host.ports, &p->d);
}

static void step_check(struct pipeline *p)
{
    /* What lowering will have: a binary for uprobes (report makes no script), run's output. */
    enum pipeline_mode m = p->o->mode;
    struct check_options co = { .no_binary = !p->o->target_path && !p->o->pid && m != PIPELINE_REPORT,
                                .for_run = m == PIPELINE_RUN || m == PIPELINE_RUN_PID_ATTACH };
    check_recipe(p->r, p->cat, &co, &p->d, &p->cr);
}

/* The binary's probes must be the ones the recipe names. */
static void step_probes(struct pipeline *p)
{
    if (p->host.binary)
        target_check_probes(p->r, p->host.binary, p->o->pid, &p->d);
}

/* Struct layouts: --layouts, else that binary's DWARF, else its release's bundled ones. */
static void step_layouts(struct pipeline *p)
{
    if (p->host.binary || p->o->layouts_release)
        p->host.layouts = layouts_apply(p->cat, p->host.binary, p->o->pid, p->o->layouts_release, &p->d);
}

static void step_lower(struct pipeline *p)
{
    const struct pipeline_options *o = p->o;
    struct lower_options lo = {
        .target_path = p->host.target, .pid = o->pid, .uprobe_path = p->host.exe,
        .recipe_file = base_name(p->path), .layouts = p->host.layouts, .layout_binary = p->host.binary,
        .needs_ovs = p->cr.needs_ovs, .for_run = is_run(o->mode),
        .bpftrace = o->bpftrace.major || o->bpftrace.minor ? o->bpftrace : BT_VERSION_OLDEST,
    };
    p->prog = lower_recipe(p->r, p->cat, &lo, &p->d);
}

/* The script's text (check wants one only for bpftrace to build), its probe count and the
 * kernel probes it needs, which the caller looks for on this host. */
static void step_emit(struct pipeline *p)
{
    struct pipeline_result *res = p->res;
    res->nprobes = p->prog->blocks.n;
    for (int i = 0; i < p->prog->blocks.n; i++) {
        const char *at = ((const struct bt_block *)p->prog->blocks.v[i])->attach;
        int kernel = probe_kind_of(at) && probe_kind_of(at)->kernel;
        for (int j = 0; kernel && j < res->kernel_probes.n; j++)
            kernel = strcmp(res->kernel_probes.v[j], at) != 0;
        if (kernel)
            vec_push(&res->kernel_probes, xstrdup(at));
    }
    if (p->o->mode != PIPELINE_CHECK || p->o->bpftrace_build)
        res->script = emit_script(p->prog);
}

/* bpftrace builds the script when asked; it cannot build one whose kernel probes this host
 * lacks (it reads their formats here): the caller says which are missing, as without a build. */
static void step_build(struct pipeline *p)
{
    if (p->o->bpftrace_build && !host_probes_report(&p->res->kernel_probes, NULL, NULL))
        p->res->built_by_bpftrace = bpftrace_builds(p->o, p->prog, p->res->script, &p->d);
}

/* The steps, in order. A step runs in the modes of its mask, and only while no step before
 * it left an error. */
#define IN(mode) (1u << (mode))
#define ALL_MODES (IN(PIPELINE_COMPILE) | IN(PIPELINE_CHECK) | IN(PIPELINE_RUN) | IN(PIPELINE_RUN_PID_ATTACH) | \
                   IN(PIPELINE_REPORT))
#define SCRIPT_MODES (ALL_MODES & ~IN(PIPELINE_REPORT))
static const struct pipeline_step {
    const char *name;
    void (*run)(struct pipeline *p);
    unsigned modes;
} pipeline_steps[] = {
    { "resolve", step_resolve, ALL_MODES },
    { "host", step_host, ALL_MODES },
    { "load", step_load, ALL_MODES },
    { "bind", step_bind, ALL_MODES },
    { "check", step_check, ALL_MODES },
    { "probes", step_probes, ALL_MODES },
    { "layouts", step_layouts, ALL_MODES },
    { "lower", step_lower, SCRIPT_MODES },
    { "emit", step_emit, SCRIPT_MODES },
    { "build", step_build, SCRIPT_MODES },
};

/* Diagnostics out (while the recipe's source is alive: they point into it), the result's
 * summary of the recipe and the caller's hook for a recipe that passed; then everything freed. */
static int pipeline_finish(struct pipeline *p)
{
    int failed = p->d.errors > 0;
    struct pipeline_result *res = p->res;
    diag_flush(&p->d, p->o->diag_out ? p->o->diag_out : stderr);
    if (!failed && p->r) {
        res->recipe_name = xstrdup(p->r->name);
        res->summary = xstrdup(p->r->summary);
        res->needs_ovs = p->cr.needs_ovs ? xstrdup(p->cr.needs_ovs) : NULL;
        res->map_keys_max = recipe_map_keys_max(p->r);
        res->event_buffer_pages = (long)p->r->event_buffer_pages;
        if (p->o->checked)
            p->o->checked(p->r, p->cat, p->o->checked_ctx);
    }
    res->recipe_path = p->path;
    free(p->host.layouts);
    free(p->host.exe);
    bt_program_free(p->prog);
    check_result_free(&p->cr);
    recipe_free(p->r);
    if (p->cat != p->o->catalog)
        catalog_free(p->cat);
    diag_free(&p->d);
    if (failed) {
        free(res->script);
        res->script = NULL;
    }
    return failed ? 1 : 0;
}

int pipeline_run(const struct pipeline_options *o, struct pipeline_result *res)
{
    memset(res, 0, sizeof *res);
    struct pipeline p = { .o = o, .res = res };
    diag_init(&p.d);
    for (size_t i = 0; i < sizeof pipeline_steps / sizeof pipeline_steps[0] && !p.d.errors; i++)
        if (pipeline_steps[i].modes & IN(o->mode))
            pipeline_steps[i].run(&p);
    return pipeline_finish(&p);
}

void pipeline_result_free(struct pipeline_result *res)
{
    free(res->script);
    free(res->recipe_path);
    free(res->recipe_name);
    free(res->summary);
    free(res->needs_ovs);
    vec_free_strings(&res->kernel_probes);
    vec_free_strings(&res->ports);
    memset(res, 0, sizeof *res);
}
