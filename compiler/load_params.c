// SPDX-License-Identifier: Apache-2.0
// Load pass, parameters: a recipe's `params:` mapping in, its struct param entries (type,
// default node, min/max, enum values, help) out; values are bound later (params.c).
#include "load_internal.h"
#include "params.h"

#include <string.h>

/* ---- params ---- */

static const char *const param_types[] = { "int", "duration", "bool", "enum", "string", "odp_flow", "probe", NULL };

static void load_param(struct loader *L, const struct ynode *key, const struct ynode *spec, struct param *p)
{
    static const char *const keys[] = { "type", "default", "min", "max", "values", "help", NULL };
    if (!named_entry(L, key, spec, "parameter", keys, &p->name, &p->loc))
        return;
    const struct ynode *t = want(L, ymap_get(spec, "type"), Y_SCALAR, "type");
    if (!t) {
        if (!ymap_get(spec, "type"))
            diag_error(L->d, key->loc, "parameter '%s' has no type", p->name);
        return;
    }
    int i = 0;
    while (param_types[i] && strcmp(param_types[i], t->value) != 0)
        i++;
    if (!param_types[i]) {
        diag_error(L->d, t->loc, "unknown parameter type '%s'", t->value);
        const char *near = closest_name(t->value, param_types, 7);
        diag_hint(L->d, near ? "did you mean '%s'?" : "types are int, duration, bool, enum, string, odp_flow, probe%s",
                  near ? near : "");
        return;
    }
    p->type = (enum param_type)i;
    p->help = printable_of(L, spec, "help", 1);
    p->default_node = ymap_get(spec, "default");
    const struct ynode *values = ymap_get(spec, "values");
    if (p->type == P_ENUM) {
        if (too_many(L, values, RECIPE_MAX_ENTRIES, "values in an enum"))
            return;
        if (!want(L, values, Y_SEQ, "values") || values->n == 0) {
            if (!values)
                diag_error(L->d, t->loc, "an enum parameter needs a 'values' list");
            else if (values->kind == Y_SEQ)
                diag_error(L->d, values->loc, "an enum parameter needs at least one value");
            return;
        }
        p->choices = xcalloc((size_t)values->n, sizeof *p->choices);
        for (int j = 0; j < values->n; j++) {
            const struct ynode *v = want(L, values->items[j], Y_SCALAR, "an enum value");
            if (!v)
                continue;
            size_t at;
            if (text_problem(v->value, v->vlen, &at))
                diag_error(L->d, v->loc, "an enum value must be printable, one-line text");
            for (int k = 0; k < p->nchoices; k++)
                if (!strcmp(p->choices[k], v->value)) {
                    diag_error(L->d, v->loc, "enum value '%s' is listed twice", v->value);
                    break;
                }
            p->choices[p->nchoices++] = xstrdup(v->value);
        }
    } else if (values) {
        diag_error(L->d, ymap_key(spec, "values")->loc, "'values' is only for enum parameters");
    }
    for (int m = 0; m < 2; m++) {
        const char *mk = m ? "max" : "min";
        const struct ynode *v = want(L, ymap_get(spec, mk), Y_SCALAR, mk);
        if (!v)
            continue;
        if (p->type != P_INT) {
            diag_error(L->d, ymap_key(spec, mk)->loc, "'%s' is only for int parameters", mk);
            continue;
        }
        long long x;
        char err[160];
        if (parse_int64(v->value, &x, err, sizeof err) < 0) {
            diag_error(L->d, v->loc, "'%s' must be an integer: %s", mk, err);
            continue;
        }
        if (m) { p->has_max = 1; p->max = x; } else { p->has_min = 1; p->min = x; }
    }
    if (p->has_min && p->has_max && p->min > p->max)
        diag_error(L->d, ymap_get(spec, "max")->loc, "'max' (%lld) is below 'min' (%lld)", (long long)p->max,
                   (long long)p->min);
}

void load_params(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "params") || too_many(L, map, RECIPE_MAX_ENTRIES, "parameters in a recipe"))
        return;
    L->r->params = xcalloc((size_t)map->n, sizeof *L->r->params);
    for (int i = 0; i < map->n; i++)
        load_param(L, map->keys[i], map->items[i], &L->r->params[L->r->nparams++]);
}
