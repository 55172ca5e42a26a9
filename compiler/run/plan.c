// SPDX-License-Identifier: Apache-2.0
// The render plan of a checked recipe (see plan.h): its outputs and tables in, what run's
// renderer needs of each aggregate out.
#include "plan.h"
#include "check.h"      /* the recipe, and enum_prints_text */
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

void render_plan_build(const struct recipe *r, const struct catalog *cat, void *into)
{
    struct render_plan *plan = into;
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

void render_plan_free(struct render_plan *p)
{
    for (int i = 0; i < p->nmaps; i++) {
        free(p->maps[i].name);
        free(p->maps[i].title);
        for (int k = 0; k < RENDER_MAX_KEYS; k++) {
            struct render_enum *e = p->maps[i].key_enums[k];
            if (!e)
                continue;
            for (int j = 0; j < e->n; j++)
                free(e->texts[j]);
            free(e->texts);
            free(e->values);
            free(e);
        }
    }
    free(p->maps);
    for (int i = 0; i < p->ntables; i++) {
        struct render_table *t = &p->tables[i];
        free(t->title);
        for (int j = 0; j < t->nparts; j++)
            free(t->parts[j]);
        for (int j = 0; j < t->ncols; j++)
            free(t->cols[j].header);
        free(t->cols);
        free(t->total_label);
        free(t->total_except);
    }
    free(p->tables);
    memset(p, 0, sizeof *p);
}
