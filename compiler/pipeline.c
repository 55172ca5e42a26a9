// SPDX-License-Identifier: Apache-2.0
// The compiler pipeline: resolve the recipe, then load, bind parameters, check,
// lower and emit, stopping at the first pass that reports errors.
#include "pipeline.h"
#include "host_probes.h"
#include "ovs_ports.h"
#include "check.h"
#include "codegen_check.h"
#include "emit.h"
#include "load.h"
#include "lower.h"
#include "params.h"
#include "probespec.h"
#include "recipe_path.h"
#include "layouts.h"
#include "target.h"
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

/* What run's renderer needs to know of each aggregate: its keys, which are thread ids. */
static struct render_enum *render_enum_of(const struct cat_enum *en)
{
    struct render_enum *e = xcalloc(1, sizeof *e);
    e->values = xcalloc((size_t)en->nvalues + 1, sizeof *e->values);
    e->texts = xcalloc((size_t)en->nvalues + 1, sizeof *e->texts);
    for (int i = 0; i < en->nvalues; i++) {
        e->values[i] = en->values[i].value;
        e->texts[i] = xstrdup(en->values[i].text ? en->values[i].text : en->values[i].name);
    }
    e->n = en->nvalues;
    return e;
}

_Static_assert(TABLE_MAX_VALUES <= RENDER_MAX_PARTS && TABLE_MAX_KEYS <= RENDER_MAX_KEYS,
               "run joins every column a table may have");

/* Table aggregates: which maps are whose columns, and how the table is shown. */
static void plan_tables(const struct recipe *r, struct render_plan *plan)
{
    plan->by_thread = r->report_by_thread;
    plan->tables = xcalloc((size_t)r->ntables + 1, sizeof *plan->tables);
    for (int i = 0; i < r->ntables; i++) {
        const struct table *t = &r->tables[i];
        struct render_table *rt = &plan->tables[plan->ntables++];
        rt->title = xstrdup(t->title ? t->title : t->name);
        rt->total_label = t->total_label ? xstrdup(t->total_label) : NULL;
        rt->total_except = t->total_except ? xstrdup(t->total_except) : NULL;
        rt->cols = xcalloc((size_t)t->ncols, sizeof *rt->cols);
        rt->sort_part = -1;
        for (int j = 0; j < t->ncols; j++) {
            struct render_table_col *c = &rt->cols[rt->ncols++];
            c->header = xstrdup(t->cols[j].name);
            c->key = t->cols[j].key;
            c->as_number = t->cols[j].as_number;
            c->part = -1;
            if (t->cols[j].part < 0 || rt->nparts == RENDER_MAX_PARTS)
                continue;
            const struct output *o = &r->outputs[t->cols[j].part];
            c->part = rt->nparts;
            c->summed = o->fn == AGG_COUNT || o->fn == AGG_SUM;
            /* Sorted by the first sum() (kernel_delay: total time), else the first value. */
            if (o->fn == AGG_SUM && rt->sort_part < 0)
                rt->sort_part = c->part;
            rt->parts[rt->nparts++] = xstrdup(o->name);
        }
        if (rt->sort_part < 0)
            rt->sort_part = 0;
    }
}

static void plan_aggregates(const struct recipe *r, const struct catalog *cat, int pid, struct render_plan *plan)
{
    plan->pid = pid;
    plan_tables(r, plan);
    plan->maps = xcalloc((size_t)r->noutputs + 1, sizeof *plan->maps);
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (o->kind != OUT_AGG)
            continue;
        struct render_map *m = &plan->maps[plan->nmaps++];
        m->name = xstrdup(o->name);
        m->has_title = o->title != NULL;
        m->title = o->title ? xstrdup(o->title) : NULL;
        m->nkeys = o->nby;
        for (int k = 0; k < o->nby && k < RENDER_MAX_KEYS; k++) {
            const struct expr *by = o->by[k];
            if (by->type.is_tid)
                m->tid_keys |= 1u << k;
            if (by->type.kind == T_INT && by->type.size == 8 && !by->type.is_signed)
                m->u64_keys |= 1u << k;
            if (by->type.kind == T_BOOL)
                m->bool_keys |= 1u << k;
            /* The script keeps enum keys as numbers under run (lower.c agg_key). */
            if (by->type.kind == T_ENUM && enum_prints_text(cat, &by->type))
                m->key_enums[k] = render_enum_of(catalog_enum(cat, by->type.ref));
        }
    }
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
        if (o->for_run)
            plan_aggregates(r, cat, o->pid, &res->plan);
        res->plan.bpftrace = o->bpftrace;
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
    render_plan_free(&res->plan);
    vec_free_strings(&res->kernel_probes);
    vec_free_strings(&res->ports);
    memset(res, 0, sizeof *res);
}
