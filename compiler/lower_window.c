// SPDX-License-Identifier: Apache-2.0
// Lower pass, timers and state kept across probes: the recipe's window in, its state
// machine (@_on), triggers and interval timer out; likewise the thread set thread() reads
// and the periodic report's timer.
#include "lower_internal.h"
#include "gen_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @_on == STATE: the window is in that state (lower_window). */
struct bt_expr *window_is(const char *op, int state)
{
    return bx_binary(bx_map("@_on", NULL), op, bx_int(state));
}

/* ------------------------------------------------------------------ windows
 *
 * A window's state is the global @_on: 0 armed (waiting for the start trigger), 1 open,
 * 2 closed and being reported, 3 done (the last of `count` windows reported). bpftrace
 * performs print() and clear() asynchronously, in user space, after the probe returns; a
 * window that reopened at once could lose its first events to the previous window's
 * clear(). So a closed window rests in state 2 for the interval (at least WINDOW_REST_MS)
 * and the timer reopens or re-arms it. exit() is asynchronous too: a busy bpftrace took
 * over a second to get to it, so after the last window the state stays 3, where nothing
 * reopens a window (END would report it as one more). */
#define WINDOW_REST_MS 20
#define WINDOW_TICK_MS 10

/* "# WHAT EXTRA @TIME": EXTRA_FMT printing EXTRA (taken over; NULL: none), then $now's time. */
void stamp(struct bt_block *b, const char *what, const char *extra_fmt, struct bt_expr *extra)
{
    char fmt[128];
    snprintf(fmt, sizeof fmt, "# %s%s @%%s\n", what, extra_fmt);
    struct bt_expr *args = bx_list(0);
    if (extra)
        bx_list_add(args, extra);
    bx_list_add(args, bx_call("strftime", bx_list(2, bx_str("%Y-%m-%dT%H:%M:%S.%f"), bx_var("$now"))));
    bt_eval(b, bx_printf(fmt, args));
}

/* clear(MAP) */
void clear_map(struct bt_block *b, const char *map)
{
    bt_eval(b, bx_call("clear", bx_map(map, NULL)));
}

/* Forget every started span: with `spans: inside` a span counts only if it starts in the window. */
void clear_spans(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->nspans; i++) {
        const struct span *s = &L->r->spans[i];
        if (!span_live(s))
            continue;
        clear_map(b, span_map(s, "START").s);
        if (s->slots) {
            clear_map(b, span_map(s, "RING").s);
            bt_delete(b, span_at(s, "N", NULL));
        }
        if (s->queue) {
            clear_map(b, span_map(s, "HEAD").s);
            clear_map(b, span_map(s, "TAIL").s);
        }
        for (int j = 0; j < s->ncaptures; j++)
            clear_map(b, span_value_map(s, s->captures[j].name).s);
        for (int j = 0; j < s->ncounts; j++)
            clear_map(b, span_value_map(s, s->counts[j].name).s);
    }
}

void clear_aggregates(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].kind == OUT_AGG && output_live(&L->r->outputs[i]))
            bt_eval(b, bx_call("clear", bx_mapf(NULL, "@%s", L->r->outputs[i].name)));
}

/* MAP = VALUE, MAP a map without key. */
static void set_map(struct bt_block *b, const char *map, struct bt_expr *value)
{
    bt_assign(b, bx_map(map, NULL), value);
}

/* Enter window STATE (1 open, 2 closed) at one clock reading, kept in TIME_MAP, and say so.
 * Window lines read the clock once: each nsecs is a new reading, and the delta printed
 * must equal the difference of the trigger times printed. */
static void window_enter(struct bt_block *b, int state, const char *time_map, const char *what, int triggered)
{
    bt_assign(b, bx_var("$now"), bx_builtin("nsecs"));
    set_map(b, "@_on", bx_int(state));
    set_map(b, time_map, bx_var("$now"));
    if (triggered)
        stamp(b, what, " (trigger@%llu)", bx_var("$now"));
    else
        stamp(b, what, "", NULL);
}

static void window_open(struct bt_block *b, int triggered)
{
    window_enter(b, 1, "@_win_start", "Start sampling", triggered);
}

/* Report the closing window's aggregates, count it, and end the run after `count` windows;
 * the dump's line says DELTA (taken over; NULL: none). */
static void window_report(struct lower *L, struct bt_block *b, const char *dump_fmt, struct bt_expr *delta)
{
    stamp(b, dump_fmt, delta ? " %llu ns" : "", delta);
    report_lines(L, b, 1);
    map_step(b, "@_windows", 0);
    if (L->r->window.count > 0) {
        bt_if(b, bx_binary(bx_map("@_windows", NULL), ">=", bx_int(L->r->window.count)));
        set_map(b, "@_on", bx_int(3));
        bt_eval(b, bx_call("exit", NULL));
        bt_end(b);
    }
}

static void window_close(struct lower *L, struct bt_block *b, int by_trigger)
{
    const struct window *w = &L->r->window;
    window_enter(b, 2, "@_win_end", "Stop sampling", by_trigger);
    if (by_trigger && w->has_start) {
        /* Both triggers: the stop-start delta decides whether the window is reported. */
        bt_assign(b, bx_var("$delta"), bx_usub(bx_var("$now"), bx_map("@_win_start", NULL)));
        if (!w->min_delta_ns) {
            window_report(L, b, "Triggered sample dump, stop-start delta", bx_var("$delta"));
            return;
        }
        bt_if(b, bx_binary(bx_var("$delta"), ">=", bx_uint(w->min_delta_ns)));
        window_report(L, b, "Triggered sample dump, stop-start delta", bx_var("$delta"));
        bt_else(b);
        stamp(b, "Sample dump skipped, delta", " %llu ns", bx_var("$delta"));
        clear_aggregates(L, b);
        bt_end(b);
    } else {
        window_report(L, b, "Sample dump", NULL);
    }
}

/* @_on == STATE && nsecs - TIME_MAP >= NS: the window has been in that state that long. */
static struct bt_expr *window_for(int state, const char *time_map, uint64_t ns)
{
    struct bt_expr *since = bx_usub(bx_builtin("nsecs"), bx_map(time_map, NULL));
    return bx_binary(window_is("==", state), "&&", bx_binary(since, ">=", bx_uint(ns)));
}

void lower_window(struct lower *L, struct vec *blocks)
{
    const struct window *w = &L->r->window;
    if (!w->present)
        return;
    if (w->has_start) {
        /* Triggers are any-task uses (any_task_use): no pid guard. */
        struct probe_block *pb = block_for(L, blocks, &w->start);
        bt_if(pb->block, window_is("==", 0));
        window_open(pb->block, 1);
        bt_else_if(pb->block, window_is("!=", 3));
        map_step(pb->block, "@_missed", 0);
        bt_end(pb->block);
        struct strbuf m = { 0 };
        sb_printf(&m, "# Waiting for the start trigger, %s", w->start.text[0] == '$' ? "" : w->start.text);
        if (w->start.text[0] == '$') {
            const struct param *p = recipe_param((struct recipe *)L->r, w->start.text + 1);
            sb_add(&m, p && p->sval ? p->sval : w->start.text);
        }
        bt_print_text(L->P->begin, "", m.s);
        sb_free(&m);
    } else {
        window_open(L->P->begin, 0);
    }
    if (w->has_stop) {
        struct probe_block *pb = block_for(L, blocks, &w->stop);
        bt_if(pb->block, window_is("==", 1));
        window_close(L, pb->block, 1);
        bt_end(pb->block);
    }
    char tick[32];
    snprintf(tick, sizeof tick, "interval:ms:%d", WINDOW_TICK_MS);
    struct bt_block *t = bt_block_new(tick);
    if (!w->has_stop && w->time_ns) {
        bt_if(t, window_for(1, "@_win_start", w->time_ns));
        window_close(L, t, 0);
        bt_end(t);
    }
    uint64_t rest = w->interval_ns > WINDOW_REST_MS * 1000000ull ? w->interval_ns : WINDOW_REST_MS * 1000000ull;
    bt_if(t, window_for(2, "@_win_end", rest));
    if (w->has_start)
        set_map(t, "@_on", bx_int(0));
    else
        window_open(t, 0);
    bt_end(t);
    vec_push(&L->P->timers, t);
}

/* A block of the thread set's upkeep: a kernel probe in the traced process's tasks. */
static struct bt_block *thread_block(struct lower *L, const char *attach)
{
    struct bt_block *b = bt_block_new(attach);
    b->pred = pid_test(L);
    vec_push(&L->P->blocks, b);
    return b;
}

/* @_threads[(uint64)TID], TID taken over. */
static struct bt_expr *thread_entry(struct bt_expr *tid)
{
    return bx_map("@_threads", bx_cast("uint64", tid, 0));
}

/* TID is one of the traced process's threads. */
static void thread_known(struct bt_block *b, struct bt_expr *tid)
{
    bt_assign(b, thread_entry(tid), bx_int(1));
}

/* The traced process's threads, for thread(X): known at compile time when the pid is
 * (listed from /proc in BEGIN), else learnt as each thread is first switched out. New
 * threads join when created, and leave when they exit. */
void lower_threads(struct lower *L)
{
    if (!L->r->uses_threads)
        return;
    struct bt_block *b = L->P->begin;
    if (L->opt->pid) {
        int *tids = NULL;
        int n = proc_threads(L->opt->pid, &tids);
        for (int i = 0; i < n; i++)
            thread_known(b, bx_int(tids[i]));
        free(tids);
        if (n <= 0)
            thread_known(b, bx_int(L->opt->pid));
    } else {
        thread_known(b, bx_var("$1"));
        L->pid_arg = 1;
        struct bt_block *learn = thread_block(L, "tracepoint:sched:sched_switch");
        bt_comment(learn, "a thread of the traced process that runs is one of its threads");
        thread_known(learn, bx_builtin("tid"));
    }
    struct bt_block *born = thread_block(L, "tracepoint:task:task_newtask");
    bt_comment(born, "CLONE_THREAD: a thread, not a child process");
    bt_if(born, bx_binary(bx_tp_field("clone_flags"), "&", bx_hex(0x10000, 1)));
    thread_known(born, bx_tp_field("pid"));
    bt_end(born);
    struct bt_block *gone = thread_block(L, "tracepoint:sched:sched_process_exit");
    bt_delete(gone, thread_entry(bx_builtin("tid")));
    if (L->opt->for_run && L->r->report_by_thread) {
        bt_comment(gone, "run names threads from /proc, where an exited one is gone: keep its name");
        bt_assign(gone, bx_map("@_exited", bx_builtin("tid")), bx_builtin("comm"));
    }
}

void lower_report_timer(struct lower *L)
{
    if (!L->r->report_every_ns)
        return;
    uint64_t ms = L->r->report_every_ns / 1000000;
    char *attach = ms % 1000 == 0 ? xasprintf("interval:s:%llu", (unsigned long long)(ms / 1000))
                                  : xasprintf("interval:ms:%llu", (unsigned long long)ms);
    struct bt_block *t = bt_block_new(attach);
    free(attach);
    bt_eval(t, bx_call("time", bx_str("%H:%M:%S\n")));
    report_lines(L, t, L->r->report_reset);
    vec_push(&L->P->timers, t);
}

