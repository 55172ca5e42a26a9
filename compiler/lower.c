// SPDX-License-Identifier: Apache-2.0
// Lower pass: a checked recipe in, a bpftrace program out. One block per probe:
// first the spans that end there (their values become $NAME_* variables), then
// the outputs on that probe, then span counters, then the spans that start there.
// This file drives the pass and makes the blocks (attach point, pid filter), BEGIN, END,
// the script's header and bpftrace's settings; each lower_*.c lowers one part
// (lower_internal.h).
#include "lower_internal.h"
#include "gen_names.h"
#include "params.h"
#include "probespec.h"
#include "stack_budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- blocks */

static char *attach_text(struct lower *L, const struct probe_use *u)
{
    u = probe_attach(u);
    const char *path = L->opt->target_path;
    /* A uprobe's binary: --target's, else the --pid process's (check refused a uprobe without
     * either: check_options.no_binary). */
    if (!path && probe_kind_info(u->kind)->binary == BINARY_NEEDED)
        path = L->opt->uprobe_path;
    return probespec_attach(u->kind, path, u->probe ? u->probe->provider : NULL,
                            u->probe ? u->probe->name : u->target_name);
}

/* Kernel probes fire for every task: they are filtered to the traced process unless the
 * catalog says the event is not about a task of it (task: any, e.g. an upcall in softirq). */
static int kernel_probe(const struct probe_use *u)
{
    return probe_kind_info(u->kind)->kernel;
}

static int probe_filtered(const struct probe_use *u)
{
    return kernel_probe(u) && !(u->probe && u->probe->any_task);
}

/* pid == N, or pid == $1 when the pid is bpftrace's first argument. */
struct bt_expr *pid_test(struct lower *L)
{
    L->pid_arg |= !L->opt->pid;
    return bx_binary(bx_builtin("pid"), "==", L->opt->pid ? bx_int(L->opt->pid) : bx_var("$1"));
}

/* Does some use of probe U concern any task: a span end with `task: any`, or a window
 * trigger (a kernel trigger fires for whatever task hits it, as upstream kernel_delay's:
 * the packet that starts a window is processed in softirq, in any task's context)? */
int any_task_use(const struct lower *L, const struct probe_use *u)
{
    const struct window *w = &L->r->window;
    if (w->present && ((w->has_start && probe_same(&w->start, u)) || (w->has_stop && probe_same(&w->stop, u))))
        return 1;
    for (int i = 0; i < L->r->nspans; i++) {
        const struct span *s = &L->r->spans[i];
        for (int j = 0; j < span_nends(s); j++) {
            const struct span_end *e = span_end_at(s, j);
            if (e->any_task && (e->on.probe || e->on.target_name) && probe_same(&e->on, u))
                return 1;
        }
    }
    return 0;
}

struct probe_block *block_for(struct lower *L, struct vec *blocks, const struct probe_use *u)
{
    u = probe_attach(u);
    for (int i = 0; i < blocks->n; i++) {
        struct probe_block *pb = blocks->v[i];
        if (probe_same(pb->probe, u))
            return pb;
    }
    struct probe_block *pb = xcalloc(1, sizeof *pb);
    pb->probe = u;
    char *attach = attach_text(L, u);
    pb->block = bt_block_new(attach);
    pb->block->loc = u->loc;
    free(attach);
    /* -p filters USDT and uprobes to one process, but not kernel probes (before 0.24). */
    if (probe_filtered(u)) {
        pb->mixed = any_task_use(L, u);
        if (!pb->mixed)
            pb->block->pred = pid_test(L);
    } else if (!kernel_probe(u) && L->opt->target_path && L->opt->pid) {
        /* Attached by path, a probe fires in every process of that binary (a second
         * ovs-vswitchd, in another container): only the one asked for counts. */
        pb->block->pred = pid_test(L);
    }
    int other_tasks = pb->mixed || (kernel_probe(u) && !probe_filtered(u));
    L->other_tasks |= other_tasks;
    /* Run with -p (no path in the attach points), bpftrace 0.24 and later filter these too. */
    if (other_tasks && L->dl->pid_filters_all && !L->opt->target_path) {
        char v[32];
        diag_warn(L->d, u->loc, "bpftrace %s filters every probe by -p PID (0.24 and later): %s would see only the "
                  "traced process's own events, not the other tasks' this recipe needs; compile with --pid PID "
                  "(attached by path, no -p) or use ovstrace run, which does",
                  bt_version_text(L->dl->version, v, sizeof v), u->text);
    }
    vec_push(blocks, pb);
    return pb;
}

struct bt_expr *task_guard(struct lower *L, const struct probe_block *pb, int any_task)
{
    return pb->mixed && !any_task ? pid_test(L) : NULL;
}

/* The argument of catalog probe P that points at a struct with field NAME, or NULL. */
static const struct cat_arg *arg_with_field(const struct lower *L, const struct cat_probe *p, const char *name)
{
    for (int i = 0; i < p->nargs; i++) {
        const struct cat_struct *s = p->args[i].type.kind == T_STRUCT_PTR ? catalog_struct(L->cat, p->args[i].type.ref)
                                                                          : NULL;
        if (s && catalog_field(s, name))
            return &p->args[i];
    }
    return NULL;
}

/* In a probe that ends flows (flow_end in the catalog: result == delete), drop the deleted
 * flow from every watch list keyed by UFID, last in the block: the lists then hold live
 * flows only. Adds each list it prunes to PRUNED. */
static void forget_ended_flows(struct lower *L, struct probe_block *pb, struct vec *pruned)
{
    const struct cat_probe *p = pb->probe->probe;
    const struct cat_arg *result = p && p->flow_end ? cat_probe_arg(p, p->flow_end) : NULL;
    const struct cat_enum *en = result ? catalog_enum(L->cat, result->type.ref) : NULL;
    const struct cat_enum_value *del = en ? catalog_enum_lookup(en, "delete") : NULL;
    if (!del)
        return;
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        const struct cat_arg *holder = arg_with_field(L, p, w->id);
        const struct cat_struct *s = holder ? catalog_struct(L->cat, holder->type.ref) : NULL;
        const struct cat_field *f = s ? catalog_field(s, w->id) : NULL;
        if (!f || !is_ufid(&f->type))
            continue;
        struct bt_expr *ufid = bx_member(pointer_arg(pb->block, holder->type.ref, holder->index), "->", f->name);
        struct bt_expr *k = ufid_words(ufid, f->type.kind == T_UFID_PTR);
        struct bt_expr *deleted = bx_binary(bx_cast("uint32", arg_ref(pb->block, result->index), 0), "==",
                                            bx_int(del->value));
        vec_add_unique(&L->fields, f);
        use_type(L, &holder->type);
        L->need_u128 = 1;
        bt_comment(pb->block, "the flow is deleted: it leaves watch list %s", w->name);
        struct bt_expr *listed = bx_binary(bx_map(watch_map(w, "WATCH").s, bx_ref(k)), "!=", bx_int(0));
        bt_if(pb->block, bx_binary(deleted, "&&", listed));
        bt_delete(pb->block, bx_map(watch_map(w, "WATCH").s, k));
        map_step(pb->block, watch_map(w, "WATCH_N").s, 1);
        bt_end(pb->block);
        vec_add_unique(pruned, w);
    }
}

/* A watch list no probe of the recipe prunes only fills up: say so, naming the probes that
 * would (the catalog's flow_end probes). */
static void warn_unpruned(struct lower *L, const struct vec *pruned)
{
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        int done = 0;
        for (int j = 0; j < pruned->n; j++)
            done |= pruned->v[j] == w;
        if (done)
            continue;
        struct strbuf enders = { 0 };
        for (int j = 0; j < L->cat->nprobes; j++)
            if (L->cat->probes[j].flow_end)
                sb_printf(&enders, "%s%s", enders.len ? " or " : "", L->cat->probes[j].spec);
        diag_warn(L->d, w->loc, "watch list '%s' is never pruned: no probe of this recipe ends its entries (a "
                  "flow's deletion at %s); it fills to its capacity, %lld, and later entries are decided at every "
                  "event", w->name, enders.s ? enders.s : "no catalog probe", (long long)w->cap);
        sb_free(&enders);
    }
}

/* A block's string variables and its biggest statement must fit the stack together. */
static void check_block_stack(struct lower *L, const struct probe_block *pb)
{
    const struct stack_budget *sb = &pb->block->stack;
    if (getenv("OVSTRACE_STACK_DEBUG"))    /* for measuring the model (tests/limits/README.md) */
        fprintf(stderr, "stack %s %d vars %d temp %d peak %d piled %d\n", pb->probe->text, stack_budget_total(sb),
                sb->vars, sb->vars_temp, sb->peak, sb->piled);
    if (stack_budget_total(sb) <= STACK_MAX || sb->peak > STACK_MAX)
        return;    /* it fits, or its biggest statement alone did not and was reported */
    char v[32];
    if (sb->piled) {
        diag_error(L->d, sb->piled_loc, "probe %s needs %d bytes of BPF stack and bpftrace %s has room for %d: its %d "
                   "events of up to %d bytes of columns each keep room of their own there (bpftrace's on_stack_limit), "
                   "%d in all, beside %d for the rest: print fewer events or columns on this probe", pb->probe->text,
                   stack_budget_total(sb), bt_version_text(L->opt->bpftrace, v, sizeof v), STACK_MAX, sb->npiled,
                   sb->piled_max, sb->piled, stack_budget_total(sb) - sb->piled);
        return;
    }
    diag_error(L->d, sb->peak ? sb->peak_loc : sb->vars_loc,
               "probe %s needs %d bytes of BPF stack and bpftrace %s has room for %d: %s takes %d while %s "
               "keep %d (and %d to read them): print or capture fewer strings", pb->probe->text,
               stack_budget_total(sb), bt_scopes_variables(L->opt->bpftrace) ? "0.21 and later" : "0.17", STACK_MAX,
               sb->peak_what ? sb->peak_what : "its biggest statement", sb->peak,
               sb->vars_what, sb->vars, sb->vars_temp);
}

static void lower_blocks(struct lower *L)
{
    const struct recipe *r = L->r;
    struct vec blocks = { 0 };
    /* Phase order inside a block: span ends, outputs, counters, span starts. */
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ntos && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].tos[j]))
                span_end(L, &r->spans[i], j, block_for(L, &blocks, &r->spans[i].tos[j].on));
    for (int i = 0; i < blocks.n; i++) {
        struct probe_block *pb = blocks.v[i];
        for (int j = 0; j < pb->ended.n; j++)
            span_outputs(L, pb->ended.v[j], pb);
    }
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (o->on.span || !output_live(o))
            continue;
        struct probe_block *pb = block_for(L, &blocks, &o->on);
        struct bt_expr *guard = task_guard(L, pb, 0);
        if (guard)
            bt_if(pb->block, guard);
        lower_output(L, o, probe_attach(&o->on), pb->block);
        if (guard)
            bt_end(pb->block);
    }
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ncounts && span_live(&r->spans[i]); j++)
            span_count(L, &r->spans[i], &r->spans[i].counts[j], block_for(L, &blocks, &r->spans[i].counts[j].on));
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].nfroms && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].froms[j]))
                span_start(L, &r->spans[i], j, block_for(L, &blocks, &r->spans[i].froms[j].on));
    lower_window(L, &blocks);
    struct vec pruned = { 0 };
    for (int i = 0; i < blocks.n; i++)
        forget_ended_flows(L, blocks.v[i], &pruned);
    warn_unpruned(L, &pruned);
    vec_free(&pruned);
    for (int i = 0; i < blocks.n; i++) {
        struct probe_block *pb = blocks.v[i];
        check_block_stack(L, pb);
        vec_push(&L->P->blocks, pb->block);
        vec_free(&pb->ended);
        free(pb);
    }
    vec_free(&blocks);
}

/* ------------------------------------------------------------ BEGIN / END */

static int same_columns(const struct output *a, const struct output *b)
{
    if (a->ncols != b->ncols)
        return 0;
    for (int i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].name, b->cols[i].name) != 0 || column_shown(&a->cols[i]) != column_shown(&b->cols[i]))
            return 0;
    /* A titled or held event has its own header. */
    return !a->title && !b->title && !a->after_report && !b->after_report;
}

static void lower_begin(struct lower *L)
{
    const struct recipe *r = L->r;
    struct bt_block *b = L->P->begin;
    struct strbuf banner = { 0 };
    sb_printf(&banner, "Tracing %s: %s Hit Ctrl-C to end.", r->name, r->summary);
    bt_print_text(b, "", banner.s);
    sb_free(&banner);
    const struct output *shown[16];
    int nshown = 0;
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (o->kind != OUT_EVENT || !output_live(o))
            continue;
        int dup = 0;
        for (int j = 0; j < nshown; j++)
            dup |= same_columns(shown[j], o);
        if (dup || nshown == 16)
            continue;
        shown[nshown++] = o;
        event_header(L, o);
    }
}

static void lower_enums(struct lower *L)
{
    for (int i = 0; i < L->enums.n; i++) {
        const struct cat_enum *en = L->enums.v[i];
        for (int j = 0; j < en->nvalues; j++) {
            /* Enum names are printed by a map lookup: cheaper than a chain of ifs. */
            const char *name = en->values[j].text ? en->values[j].text : en->values[j].name;
            bt_assign(L->P->begin, bx_mapf(bx_int(en->values[j].value), "@_enum_%s", en->name), bx_str(name));
        }
    }
}

static void lower_end(struct lower *L)
{
    const struct recipe *r = L->r;
    struct bt_block *b = L->P->end;
    if (r->window.present) {
        /* Ctrl-C or the target's exit ends an open window: it is reported like any other. */
        bt_if(b, window_is("==", 1));
        bt_assign(b, bx_var("$now"), bx_builtin("nsecs"));
        stamp(b, "Stop sampling", "", NULL);
        stamp(b, "Sample dump", "", NULL);
        report_lines(L, b, 0);
        bt_end(b);
        if (r->window.has_start) {
            bt_if(b, bx_binary(bx_map("@_missed", NULL), ">", bx_int(0)));
            bt_eval(b, bx_printf("\n# WARNING: %d start triggers came while a window was open or being reported; "
                                 "they were ignored\n", bx_list(1, bx_map("@_missed", NULL))));
            bt_end(b);
        }
    } else {
        report_lines(L, b, 0);
    }
    /* Clear everything, so bpftrace's automatic dump at exit prints nothing twice. */
    clear_aggregates(L, b);
    clear_spans(L, b);
    if (r->uses_threads)
        clear_map(b, "@_threads");
    if (r->uses_threads && r->report_by_thread && L->opt->for_run)
        clear_map(b, "@_exited");
    for (int i = 0; i < L->enums.n; i++)
        bt_eval(b, bx_call("clear", bx_mapf(NULL, "@_enum_%s", ((const struct cat_enum *)L->enums.v[i])->name)));
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        const char *full = watch_map(w, "WATCH_FULL").s;
        bt_if(b, bx_binary(bx_map(full, NULL), ">", bx_int(0)));
        char fmt[160];
        snprintf(fmt, sizeof fmt, "\nwatch list %s was full (%lld entries) %%d times; those were decided again\n",
                 w->name, (long long)w->cap);
        bt_eval(b, bx_printf(fmt, bx_list(1, bx_map(full, NULL))));
        bt_end(b);
        clear_map(b, watch_map(w, "WATCH").s);
        bt_delete(b, bx_map(watch_map(w, "WATCH_N").s, NULL));
        bt_delete(b, bx_map(full, NULL));
    }
    static const char *const window_maps[] = { "@_on", "@_windows", "@_win_start", "@_win_end", "@_missed" };
    for (int i = 0; r->window.present && i < 5; i++)
        if (i < 4 || r->window.has_start)
            bt_delete(b, bx_map(window_maps[i], NULL));
}

static void lower_header(struct lower *L)
{
    const struct recipe *r = L->r;
    struct vec *h = &L->P->header;
    vec_push(h, xasprintf("%s: %s", r->name, r->summary));
    vec_push(h, xasprintf("Generated by ovstrace %s from %s; edit the recipe, not this script.", OVSTRACE_VERSION,
                          L->opt->recipe_file));
    struct strbuf p = { 0 };
    for (int i = 0; i < r->nparams; i++) {
        char *v = param_value_text(&r->params[i]);
        sb_printf(&p, "%s%s=%s", i ? " " : "", r->params[i].name, v);
        free(v);
    }
    vec_push(h, xasprintf("Parameters: %s", r->nparams ? p.s : "(none)"));
    sb_free(&p);
    char v[32];
    vec_push(h, xasprintf("For bpftrace %s (this form suits %s); ovstrace compile --bpftrace-version X.Y targets "
                          "another.", bt_version_text(L->opt->bpftrace, v, sizeof v), bt_dialect_range(L->opt->bpftrace)));
    if (L->opt->needs_ovs)
        vec_push(h, xasprintf("Needs Open vSwitch %s or later, built with --enable-usdt-probes.", L->opt->needs_ovs));
    if (L->opt->layouts)
        vec_push(h, xasprintf("Layouts: %s.", L->opt->layouts));
    else if (L->structs.n)
        vec_push(h, xasprintf("Layouts: bundled struct layouts of Open vSwitch %s (x86_64); compile --target BINARY "
                              "or --layouts X.Y for another release.", L->cat->layouts_release));
    for (int i = 0; i < r->nwatches; i++)
        if (r->watches[i].used)
            vec_push(h, xasprintf("Watch list %s: up to %lld entries by %s, each dropped when its flow is deleted.",
                                  r->watches[i].name, (long long)r->watches[i].cap, r->watches[i].id));
    if (r->event_buffer_pages)
        vec_push(h, xasprintf("Event buffer: %llu pages over all CPUs; bpftrace's are per CPU (BPFTRACE_PERF_RB_PAGES, "
                              "64 by default): ovstrace run sets it to %llu/CPUs, rounded up to a power of two, at least 64.",
                              (unsigned long long)r->event_buffer_pages, (unsigned long long)r->event_buffer_pages));
    if (recipe_map_keys_max(r) && !L->dl->config_block)
        vec_push(h, xasprintf("Needs BPFTRACE_MAP_KEYS_MAX=%ld in bpftrace's environment (ovstrace run sets it).",
                              recipe_map_keys_max(r)));
    if (L->opt->target_path)
        vec_push(h, xasprintf("Attaches to %s.", L->opt->target_path));
    else if (L->other_tasks && L->dl->pid_filters_all)
        vec_push(h, xasprintf("Run: ovstrace compile %s --pid $(pidof ovs-vswitchd) | bpftrace - (not -p: from 0.24 "
                              "it hides the other tasks' events from kernel probes)", r->name));
    else
        vec_push(h, xasprintf("Run: ovstrace compile %s | bpftrace -p $(pidof ovs-vswitchd) -%s", r->name,
                              L->pid_arg ? " $(pidof ovs-vswitchd)" : ""));
}

/* bpftrace's settings, in the script where the version has a config block: no ".." after a
 * string that fills its buffer (text is printed in 63-byte pieces, bt_print_text); watch
 * lists past the default map size. Before 0.24.1, bpftrace sized its scratch buffer for a
 * large map key wrongly when several aggregations share the key (kernel_delay's interrupt
 * tables on 0.23: "invalid access to map value"): short strings and keys up to 128 bytes kept
 * on the stack avoid it. 68 bytes, as buf() holds 4 bytes less than max_strlen there: with
 * 64, 0.23 printed 60 of each 64-byte piece of a flow key or netlink message. (From 0.24 on,
 * 64 is too short for bpftrace's own error texts: "String is too long" in its stdlib.) */
static void lower_config(struct lower *L)
{
    if (!L->dl->config_block)
        return;    /* 0.17 to 0.20: ovstrace run sets BPFTRACE_* in bpftrace's environment */
    vec_push(&L->P->config, xstrdup("str_trunc_trailer = \"\""));
    /* A probe that is not there stops bpftrace instead of being left out (0.27's default; 0.17
     * and 0.23 leave a USDT probe missing under -p out whatever this says: `ovstrace check` and
     * `run` refuse one before bpftrace starts, on every version). */
    vec_push(&L->P->config, xstrdup("missing_probes = \"error\""));
    if (L->dl->small_strings) {
        vec_push(&L->P->config, xstrdup("max_strlen = 68"));
        vec_push(&L->P->config, xasprintf("on_stack_limit = %d", L->dl->on_stack_limit));
    }
    if (recipe_map_keys_max(L->r))
        vec_push(&L->P->config, xasprintf("max_map_keys = %ld", recipe_map_keys_max(L->r)));
}

struct bt_program *lower_recipe(const struct recipe *r, const struct catalog *cat, const struct lower_options *opt,
                                struct diag *d)
{
    struct lower L = { .r = r, .cat = cat, .opt = opt, .d = d, .P = bt_program_new() };
    L.P->dialect = bt_dialect_of(opt->bpftrace);
    L.dl = &L.P->dialect;
    collect_all(&L);
    lower_begin(&L);
    lower_blocks(&L);
    lower_threads(&L);
    lower_report_timer(&L);
    lower_end(&L);
    lower_enums(&L);
    lower_header(&L);    /* last: it says what the script turned out to need */
    lower_config(&L);
    emit_structs(&L);
    vec_free(&L.structs);
    vec_free(&L.fields);
    vec_free(&L.enums);
    memo_truncate(&L, 0);
    vec_free(&L.walks);
    vec_free(&L.watches);
    if (d->errors) {
        bt_program_free(L.P);
        return NULL;
    }
    return L.P;
}
