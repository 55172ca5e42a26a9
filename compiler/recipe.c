// SPDX-License-Identifier: Apache-2.0
// The recipe model (recipe.h): a recipe in, its parts found by name, the probe a use of one
// attaches to, and every part freed. Shared by the passes; the load pass builds the model.
#include "recipe.h"

#include <stdlib.h>
#include <string.h>

static void probe_use_free(struct probe_use *u)
{
    free(u->text);
    free(u->target_name);
}

static void exprs_free(struct expr **v, int n)
{
    for (int i = 0; i < n; i++)
        expr_free(v[i]);
    free(v);
}

static void span_end_free(struct span_end *e)
{
    probe_use_free(&e->on);
    exprs_free(e->keys, e->keys ? e->nkeys : 0);
    free(e->key_nodes);
    expr_free(e->where);
}

static void span_free(struct span *s)
{
    free(s->name);
    for (int i = 0; i < s->nfroms; i++)
        span_end_free(&s->froms[i]);
    free(s->froms);
    for (int i = 0; i < s->ntos; i++)
        span_end_free(&s->tos[i]);
    free(s->tos);
    free(s->key_nodes);
    for (int i = 0; i < s->ncaptures; i++) {
        free(s->captures[i].name);
        exprs_free(s->captures[i].values, s->captures[i].values ? s->nfroms : 0);
    }
    free(s->captures);
    for (int i = 0; i < s->ncounts; i++) {
        free(s->counts[i].name);
        probe_use_free(&s->counts[i].on);
        exprs_free(s->counts[i].keys, s->counts[i].keys ? s->nkeys : 0);
    }
    free(s->counts);
}

static void output_free(struct output *o)
{
    probe_use_free(&o->on);
    expr_free(o->where);
    for (int i = 0; i < o->ncols; i++) {
        free(o->cols[i].name);
        free(o->cols[i].format);
        expr_free(o->cols[i].value);
        expr_free(o->cols[i].when);
    }
    free(o->cols);
    free(o->name);
    free(o->title);
    expr_free(o->value);
    exprs_free(o->by, o->nby);
}

void recipe_free(struct recipe *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nparams; i++) {
        struct param *p = &r->params[i];
        free(p->name);
        free(p->help);
        free(p->sval);
        if (p->flow) {
            odp_filter_free(p->flow);
            free(p->flow);
        }
        for (int j = 0; j < p->nchoices; j++)
            free(p->choices[j]);
        free(p->choices);
    }
    free(r->params);
    for (int i = 0; i < r->nspans; i++)
        span_free(&r->spans[i]);
    free(r->spans);
    for (int i = 0; i < r->noutputs; i++)
        output_free(&r->outputs[i]);
    free(r->outputs);
    for (int i = 0; i < r->ntables; i++) {
        struct table *t = &r->tables[i];
        for (int j = 0; j < t->ncols; j++)
            free(t->cols[j].name);
        free(t->cols);
        free(t->name);
        free(t->title);
        free(t->total_label);
        free(t->total_except);
    }
    free(r->tables);
    for (int i = 0; i < r->nwatches; i++) {
        free(r->watches[i].name);
        free(r->watches[i].id);
        expr_free(r->watches[i].follow);
        expr_free(r->watches[i].capacity);
    }
    free(r->watches);
    probe_use_free(&r->window.start);
    probe_use_free(&r->window.stop);
    free(r->name); free(r->summary); free(r->about); free(r->usage); free(r->example);
    free(r->origin); free(r->ovs);
    ytree_free(r->root);
    source_free(r->src);
    for (int i = 0; i < r->cli_sources.n; i++)
        source_free(r->cli_sources.v[i]);
    vec_free(&r->cli_sources);
    free(r);
}

struct param *recipe_param(struct recipe *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return &r->params[i];
    return NULL;
}

struct span *recipe_span(struct recipe *r, const char *name)
{
    for (int i = 0; i < r->nspans; i++)
        if (strcmp(r->spans[i].name, name) == 0)
            return &r->spans[i];
    return NULL;
}

struct watch *recipe_watch(const struct recipe *r, const char *name)
{
    for (int i = 0; i < r->nwatches; i++)
        if (strcmp(r->watches[i].name, name) == 0)
            return &r->watches[i];
    return NULL;
}

long recipe_map_keys_max(const struct recipe *r)
{
    long most = 0;
    for (int i = 0; i < r->nwatches; i++)
        if (r->watches[i].used && r->watches[i].cap > most)
            most = (long)r->watches[i].cap;
    return most > WATCH_DEFAULT_CAPACITY ? most : 0;
}

const struct probe_use *probe_attach(const struct probe_use *u)
{
    return u->span ? &u->span->tos[0].on : u;
}

int probe_same(const struct probe_use *a, const struct probe_use *b)
{
    a = probe_attach(a);
    b = probe_attach(b);
    if (a->kind != b->kind)
        return 0;
    if (a->probe || b->probe)
        return a->probe == b->probe;
    return a->target_name && b->target_name && strcmp(a->target_name, b->target_name) == 0;
}
