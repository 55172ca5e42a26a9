// SPDX-License-Identifier: Apache-2.0
// Table aggregates under `ovstrace run`: the script prints one map per value column
// (@syscalls_count, @syscalls_sum, ...); run holds them until the report's end marker, then
// joins them by key into one table: rows sorted largest first, numbers with thousands
// separators, enum keys named, a total row. With report layout `threads`, tables keyed
// first by a thread id are printed in blocks per thread, as kernel_delay.py lays them out.
#include "run_tables.h"
#include "printer.h"
#include "thousands.h"
#include "json.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define INDENT 28    /* the thread block's columns: TID (10), THREAD (16), two spaces */

struct trow {
    char *keys[RENDER_MAX_KEYS];       /* the key parts as bpftrace printed them */
    long long values[RENDER_MAX_PARTS];
    int has[RENDER_MAX_PARTS];
};

struct tdata {
    const struct render_table *t;
    const struct render_map *m;        /* the first part's map: key count, enums, thread ids */
    struct trow *rows;
    int nrows;
    int thread_key;                    /* key 0 is a thread id */
};

static const struct render_map *map_named(const struct render_plan *p, const char *name)
{
    for (int i = 0; i < p->nmaps; i++)
        if (!strcmp(p->maps[i].name, name))
            return &p->maps[i];
    return NULL;
}

int run_tables_hold(struct run_output *r, const char *at_name, struct json **v)
{
    const char *name = at_name[0] == '@' ? at_name + 1 : at_name;
    /* The names of threads that exited during the run, recorded by the script. */
    if (!strcmp(name, "_exited")) {
        json_free(r->exited);
        r->exited = *v;
        *v = NULL;
        return 1;
    }
    for (int t = 0; t < r->plan->ntables; t++) {
        const struct render_table *tb = &r->plan->tables[t];
        for (int p = 0; p < tb->nparts; p++) {
            if (strcmp(tb->parts[p], name))
                continue;
            if (!r->held)
                r->held = xcalloc((size_t)r->plan->ntables * RENDER_MAX_PARTS, sizeof *r->held);
            json_free(r->held[t * RENDER_MAX_PARTS + p]);
            r->held[t * RENDER_MAX_PARTS + p] = *v;
            *v = NULL;
            return 1;
        }
    }
    return 0;
}

/* Split bpftrace's "a,b,c" tuple key into NKEYS parts (the last takes any extra commas). */
static void split_key(const char *key, int nkeys, char **out)
{
    const char *p = key;
    for (int i = 0; i < nkeys; i++) {
        const char *comma = i + 1 < nkeys ? strchr(p, ',') : NULL;
        out[i] = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
        p = comma ? comma + 1 : p + strlen(p);
    }
}

static struct trow *row_for(struct tdata *d, char **keys, int nkeys)
{
    for (int i = 0; i < d->nrows; i++) {
        int same = 1;
        for (int k = 0; k < nkeys && same; k++)
            same = !strcmp(d->rows[i].keys[k], keys[k]);
        if (same) {
            for (int k = 0; k < nkeys; k++)
                free(keys[k]);
            return &d->rows[i];
        }
    }
    d->rows = xrealloc(d->rows, (size_t)(d->nrows + 1) * sizeof *d->rows);
    struct trow *row = &d->rows[d->nrows++];
    memset(row, 0, sizeof *row);
    memcpy(row->keys, keys, (size_t)nkeys * sizeof *keys);
    return row;
}

static void collect(struct run_output *r, int t, struct tdata *d)
{
    memset(d, 0, sizeof *d);
    d->t = &r->plan->tables[t];
    d->m = map_named(r->plan, d->t->parts[0]);
    int nkeys = d->m ? d->m->nkeys : 0;
    d->thread_key = d->m && (d->m->tid_keys & 1);
    for (int p = 0; p < d->t->nparts; p++) {
        const struct json *v = r->held ? r->held[t * RENDER_MAX_PARTS + p] : NULL;
        for (int i = 0; v && v->kind == JSON_OBJECT && i < v->n; i++) {
            char *keys[RENDER_MAX_KEYS] = { 0 };
            split_key(v->keys[i], nkeys, keys);
            struct trow *row = row_for(d, keys, nkeys);
            row->values[p] = json_as_ll(v->items[i]);
            row->has[p] = 1;
        }
    }
}

static void tdata_free(struct tdata *d)
{
    int nkeys = d->m ? d->m->nkeys : 0;
    for (int i = 0; i < d->nrows; i++)
        for (int k = 0; k < nkeys; k++)
            free(d->rows[i].keys[k]);
    free(d->rows);
}

/* A key part as shown: an enum number named unless the column asks for the number. */
static const char *key_shown(const struct tdata *d, const struct trow *row, const struct render_table_col *c)
{
    const char *raw = row->keys[c->key];
    const struct render_enum *e = c->key < RENDER_MAX_KEYS ? d->m->key_enums[c->key] : NULL;
    if (!e || c->as_number)
        return raw;
    char *end;
    long long n = strtoll(raw, &end, 10);
    for (int j = 0; *raw && !*end && j < e->n; j++)
        if (e->values[j] == n)
            return e->texts[j];
    return raw;
}

static int key_is_number(const struct tdata *d, const struct render_table_col *c)
{
    return c->as_number || (c->key == 0 && d->thread_key);
}

/* The text of column C in ROW (KEYS shown, numbers with separators). */
static void cell(const struct tdata *d, const struct trow *row, const struct render_table_col *c, char *out, size_t n)
{
    if (c->key >= 0)
        snprintf(out, n, "%s", key_shown(d, row, c));
    else if (row->has[c->part])
        render_thousands(out, n, row->values[c->part]);
    else
        snprintf(out, n, "-");
}

static const struct tdata *sort_data;

static int row_order(const void *a, const void *b)
{
    const struct trow *x = a, *y = b;
    int p = sort_data->t->sort_part;
    if (x->values[p] != y->values[p])
        return x->values[p] < y->values[p] ? 1 : -1;
    int nkeys = sort_data->m ? sort_data->m->nkeys : 0;
    for (int k = 0; k < nkeys; k++) {
        int c = strcmp(x->keys[k], y->keys[k]);
        if (c)
            return c;
    }
    return 0;
}

static int shown(const struct tdata *d, const struct render_table_col *c, int grouped)
{
    return !(grouped && c->key == 0 && d->thread_key);
}

/* Widths of the shown columns over every row (so a thread's block lines up with the next). */
static void widths(const struct tdata *d, int grouped, int *w)
{
    char buf[128];
    for (int i = 0; i < d->t->ncols; i++) {
        const struct render_table_col *c = &d->t->cols[i];
        w[i] = (int)strlen(c->header);
        for (int j = 0; j < d->nrows && shown(d, c, grouped); j++) {
            cell(d, &d->rows[j], c, buf, sizeof buf);
            int n = (int)strlen(buf);
            w[i] = n > w[i] ? n : w[i];
        }
        if (c->key >= 0 && !key_is_number(d, c) && w[i] < 16)
            w[i] = 16;
        if (c->key < 0 && w[i] < 10)
            w[i] = 10;
    }
}

static void table_line(struct run_output *r, const struct tdata *d, const int *w, int grouped, const char *indent,
                       const struct trow *row, int header)
{
    struct strbuf out = { 0 };
    char buf[128];
    sb_add(&out, indent);
    int first = 1;
    for (int i = 0; i < d->t->ncols; i++) {
        const struct render_table_col *c = &d->t->cols[i];
        if (!shown(d, c, grouped))
            continue;
        if (header)
            snprintf(buf, sizeof buf, "%s", c->header);
        else
            cell(d, row, c, buf, sizeof buf);
        int left = c->key >= 0 && !key_is_number(d, c);
        sb_printf(&out, "%s%*s", first ? "" : "  ", left ? -w[i] : w[i], buf);
        first = 0;
    }
    while (out.len && out.s[out.len - 1] == ' ')
        out.s[--out.len] = '\0';
    run_output_line(r, out.s);
    sb_free(&out);
}

/* The total row: LABEL over the key columns, sums under count() and sum() columns. */
static void total_line(struct run_output *r, const struct tdata *d, const int *w, int grouped, const char *indent,
                       const struct trow *rows, int nrows)
{
    const struct render_table *t = d->t;
    long long sums[RENDER_MAX_PARTS] = { 0 };
    long long counted = 0;
    for (int j = 0; j < nrows; j++) {
        const struct render_table_col *first = NULL;
        for (int i = 0; i < t->ncols && !first; i++)
            if (t->cols[i].key >= 0 && shown(d, &t->cols[i], grouped))
                first = &t->cols[i];
        if (t->total_except && first && !strcmp(key_shown(d, &rows[j], first), t->total_except))
            continue;
        counted++;
        for (int p = 0; p < t->nparts; p++)
            sums[p] += rows[j].values[p];
    }
    if (!counted)
        return;
    /* The label spans the key columns; the values keep their columns. */
    int keyw = 0, nkey = 0;
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].key >= 0 && shown(d, &t->cols[i], grouped))
            keyw += (nkey++ ? 2 : 0) + w[i];
    struct strbuf out = { 0 };
    sb_printf(&out, "%s%-*s", indent, keyw, t->total_label);
    char buf[64];
    for (int i = 0; i < t->ncols; i++) {
        const struct render_table_col *c = &t->cols[i];
        if (c->key >= 0)
            continue;
        if (c->summed)
            render_thousands(buf, sizeof buf, sums[c->part]);
        else
            buf[0] = '\0';
        sb_printf(&out, "  %*s", w[i], buf);
    }
    while (out.len && out.s[out.len - 1] == ' ')
        out.s[--out.len] = '\0';
    run_output_line(r, out.s);
    sb_free(&out);
}

/* ROWS of one table: header, rows, total; FIRST_PREFIX replaces the indent of the title line. */
static void table_block(struct run_output *r, const struct tdata *d, struct trow *rows, int nrows, int grouped,
                        const char *indent, const char *title_prefix)
{
    int w[64];
    widths(d, grouped, w);
    sort_data = d;
    qsort(rows, (size_t)nrows, sizeof *rows, row_order);
    char *title = xasprintf("%s%s", title_prefix ? title_prefix : indent, d->t->title);
    run_output_line(r, title);
    free(title);
    table_line(r, d, w, grouped, indent, NULL, 1);
    for (int j = 0; j < nrows; j++)
        table_line(r, d, w, grouped, indent, &rows[j], 0);
    if (d->t->total_label)
        total_line(r, d, w, grouped, indent, rows, nrows);
}

/* Threads by name, as kernel_delay.py sorts them; threads of one name by id. */
static int thread_order(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[1], y[1]);
    if (c)
        return c;
    long tx = atol(x[0]), ty = atol(y[0]);
    return (tx > ty) - (tx < ty);
}

/* kernel_delay's layout: one block per thread, its tables one after the other. */
static void by_thread(struct run_output *r, struct tdata *data, int n)
{
    char **threads = NULL;    /* pairs: tid, name */
    int nthreads = 0;
    for (int t = 0; t < n; t++) {
        for (int j = 0; data[t].thread_key && j < data[t].nrows; j++) {
            const char *tid = data[t].rows[j].keys[0];
            int seen = 0;
            for (int i = 0; i < nthreads && !seen; i++)
                seen = !strcmp(threads[2 * i], tid);
            if (seen)
                continue;
            threads = xrealloc(threads, (size_t)(nthreads + 1) * 2 * sizeof *threads);
            char name[64];
            run_thread_name(r, atol(tid), name, sizeof name);
            const struct json *gone = json_get(r->exited, tid);
            if (!name[0] && gone && gone->kind == JSON_STRING)
                snprintf(name, sizeof name, "%s", gone->str);
            threads[2 * nthreads] = xstrdup(tid);
            threads[2 * nthreads + 1] = name[0] ? xstrdup(name) : xasprintf("<unknown:%d/%s>", r->plan->pid, tid);
            nthreads++;
        }
    }
    if (!nthreads)
        return;
    qsort(threads, (size_t)nthreads, 2 * sizeof *threads, thread_order);
    run_output_line(r, "TID        THREAD           <RESOURCE SPECIFIC>");
    run_output_line(r, "---------- ---------------- "
                       "----------------------------------------------------------------------------");
    char indent[INDENT + 1];
    memset(indent, ' ', INDENT);
    indent[INDENT] = '\0';
    for (int i = 0; i < nthreads; i++) {
        int first = 1;
        for (int t = 0; t < n; t++) {
            struct tdata *d = &data[t];
            if (!d->thread_key)
                continue;
            struct trow *mine = xcalloc((size_t)d->nrows + 1, sizeof *mine);
            int nmine = 0;
            for (int j = 0; j < d->nrows; j++)
                if (!strcmp(d->rows[j].keys[0], threads[2 * i]))
                    mine[nmine++] = d->rows[j];
            if (nmine) {
                if (!first)
                    run_output_line(r, "");
                char *head = xasprintf("%10s %-16s ", threads[2 * i], threads[2 * i + 1]);
                table_block(r, d, mine, nmine, 1, indent, first ? head : NULL);
                free(head);
                first = 0;
            }
            free(mine);
        }
        run_output_line(r, "");
    }
    for (int i = 0; i < 2 * nthreads; i++)
        free(threads[i]);
    free(threads);
}

void run_tables_render(struct run_output *r)
{
    if (!r->plan || !r->plan->ntables)
        return;
    struct tdata *data = xcalloc((size_t)r->plan->ntables, sizeof *data);
    for (int t = 0; t < r->plan->ntables; t++)
        collect(r, t, &data[t]);
    if (r->plan->by_thread)
        by_thread(r, data, r->plan->ntables);
    for (int t = 0; t < r->plan->ntables; t++) {
        struct tdata *d = &data[t];
        if (r->plan->by_thread && d->thread_key)
            continue;
        run_output_line(r, "");
        if (!d->nrows) {
            run_output_line(r, d->t->title);
            run_output_line(r, "  (none)");
            continue;
        }
        table_block(r, d, d->rows, d->nrows, 0, "  ", "");
    }
    for (int t = 0; t < r->plan->ntables; t++)
        tdata_free(&data[t]);
    free(data);
    if (r->held)
        for (int i = 0; i < r->plan->ntables * RENDER_MAX_PARTS; i++) {
            json_free(r->held[i]);
            r->held[i] = NULL;
        }
}

void run_tables_free(struct run_output *r)
{
    if (r->held && r->plan)
        for (int i = 0; i < r->plan->ntables * RENDER_MAX_PARTS; i++)
            json_free(r->held[i]);
    free(r->held);
    r->held = NULL;
    json_free(r->exited);
    r->exited = NULL;
}
