// SPDX-License-Identifier: Apache-2.0
// The compiler pipeline: resolve the recipe, then load, bind parameters, check,
// lower and emit, stopping at the first pass that reports errors.
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
    codegen_check(o->bpftrace_build, o->bpftrace, script, o->pid_filter_only ? o->pid : 0, &v);
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

int pipeline_run(const struct pipeline_options *o, struct pipeline_result *res)
{
    memset(res, 0, sizeof *res);
    struct diag d;
    diag_init(&d);
    FILE *diag_out = o->diag_out ? o->diag_out : stderr;
    char *path = o->recipe_text ? xstrdup(o->recipe_arg) : recipe_path_resolve(o->recipe_arg);
    if (!path) {
        diag_error(&d, loc_make(NULL, 0, 0), "no recipe '%s': not a file, and not found in OVSTRACE_PATH or the "
                   "bundled recipes", o->recipe_arg);
        diag_hint(&d, "ovstrace list shows the bundled recipes");
        diag_flush(&d, diag_out);
        diag_free(&d);
        return 1;
    }
    /* The binary: --target, else the process's /proc/PID/exe. The script names it in its
     * attach points unless bpftrace -p does the attaching (run). */
    char *exe = o->pid ? xasprintf("/proc/%d/exe", o->pid) : NULL;
    char gone[64];
    if (o->pid && proc_gone(o->pid, gone, sizeof gone)) {
        /* Said before the probes are read: "cannot open /proc/N/exe" would hide why. */
        diag_error(&d, loc_make(NULL, 0, 0), "%s (--pid)", gone);
        diag_hint(&d, "pidof ovs-vswitchd, or /run/openvswitch/ovs-vswitchd.pid, gives the running one");
    }
    const char *binary = o->target_path ? o->target_path : exe;
    const char *target = o->target_path ? o->target_path : o->pid_filter_only ? NULL : exe;
    if (target && !safe_path(target))
        diag_error(&d, loc_make(NULL, 0, 0), "--target '%s': use a path of letters, digits and / . _ + -", target);
    struct catalog *cat = o->catalog ? o->catalog : catalog_load(&d);
    struct recipe *r = d.errors         ? NULL
                       : o->recipe_text ? load_recipe_source(source_from_string(path, o->recipe_text, o->recipe_len), &d)
                                        : load_recipe(path, &d);
    struct check_result cr = { 0 };
    if (r && !d.errors) {
        struct port_lookup pl = { o, res };
        if (o->pid || o->known_ports)
            odp_filter_set_port_resolver(resolve_port, &pl);
        params_bind(r, o->params, o->nparams, &d);
        odp_filter_set_port_resolver(NULL, NULL);
    }
    if (r && !d.errors) {
        /* What lowering will have: a binary for uprobes (report makes no script), run's output. */
        struct check_options co = { .no_binary = !o->target_path && !o->pid && !o->plan_only,
                                    .for_run = o->for_run && !o->plan_only };
        check_recipe(r, cat, &co, &d, &cr);
    }
    /* The binary's probes must be the ones the recipe names. */
    if (r && !d.errors && binary)
        target_check_probes(r, binary, o->pid, &d);
    /* Struct layouts: --layouts, else that binary's DWARF, else its release's bundled ones. */
    char *layouts = r && !d.errors && (binary || o->layouts_release)
                        ? layouts_apply(cat, binary, o->pid, o->layouts_release, &d) : NULL;
    struct bt_program *prog = NULL;
    if (r && !d.errors && !o->plan_only) {
        struct lower_options lo = {
            .target_path = target, .pid = o->pid, .uprobe_path = exe, .recipe_file = base_name(path),
            .layouts = layouts, .layout_binary = binary, .needs_ovs = cr.needs_ovs, .for_run = o->for_run,
            .bpftrace = o->bpftrace.major || o->bpftrace.minor ? o->bpftrace : BT_VERSION_OLDEST,
        };
        prog = lower_recipe(r, cat, &lo, &d);
    }
    free(layouts);
    free(exe);
    if (prog && !d.errors) {
        res->nprobes = prog->blocks.n;
        for (int i = 0; i < prog->blocks.n; i++) {
            const char *at = ((const struct bt_block *)prog->blocks.v[i])->attach;
            int kernel = probe_kind_of(at) && probe_kind_of(at)->kernel;
            for (int j = 0; kernel && j < res->kernel_probes.n; j++)
                kernel = strcmp(res->kernel_probes.v[j], at) != 0;
            if (kernel)
                vec_push(&res->kernel_probes, xstrdup(at));
        }
        if (!o->stop_after_check || o->bpftrace_build)
            res->script = emit_script(prog);
        /* bpftrace cannot build a script whose kernel probes this host lacks (it reads their
         * formats here): the caller says which are missing, as without a build. */
        if (o->bpftrace_build && !host_probes_report(&res->kernel_probes, NULL, NULL))
            res->built_by_bpftrace = bpftrace_builds(o, prog, res->script, &d);
    }
    /* Print while the recipe's source is still alive: diagnostics point into it. */
    int failed = d.errors > 0;
    diag_flush(&d, diag_out);
    if (!failed && r) {
        res->recipe_name = xstrdup(r->name);
        res->summary = xstrdup(r->summary);
        res->needs_ovs = cr.needs_ovs ? xstrdup(cr.needs_ovs) : NULL;
        res->map_keys_max = recipe_map_keys_max(r);
        res->event_buffer_pages = (long)r->event_buffer_pages;
        if (o->checked)
            o->checked(r, cat, o->checked_ctx);
    }
    res->recipe_path = path;
    bt_program_free(prog);
    check_result_free(&cr);
    recipe_free(r);
    if (cat != o->catalog)
        catalog_free(cat);
    diag_free(&d);
    if (failed) {
        free(res->script);
        res->script = NULL;
    }
    return failed ? 1 : 0;
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
