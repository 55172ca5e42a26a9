// SPDX-License-Identifier: Apache-2.0
// Lower pass, struct definitions: the types and fields a checked recipe reads in, the C
// struct declarations bpftrace needs for them (only the fields read, at their catalog
// offsets, padded between) out.
#include "lower_internal.h"
#include "host/layouts.h"

#include <stdlib.h>
#include <string.h>

void use_type(struct lower *L, const struct type *t)
{
    if (t->kind == T_UFID || t->kind == T_UFID_PTR)
        L->need_u128 = 1;
    if ((t->kind == T_STRUCT || t->kind == T_STRUCT_PTR) && t->ref) {
        const struct cat_struct *s = catalog_struct(L->cat, t->ref);
        if (s)
            vec_add_unique(&L->structs, s);
    }
}


static void collect(struct lower *L, const struct expr *e)
{
    if (!e)
        return;
    use_type(L, &e->type);
    if (e->ref == REF_FIELD)
        vec_add_unique(&L->fields, e->field);
    collect(L, e->lhs);
    collect(L, e->rhs);
    for (int i = 0; i < e->nargs; i++)
        collect(L, e->args[i]);
}

static const char *c_int(int size, int is_signed)
{
    switch (size) {
    case 1: return is_signed ? "signed char" : "unsigned char";
    case 2: return is_signed ? "short" : "unsigned short";
    case 4: return is_signed ? "int" : "unsigned int";
    default: return is_signed ? "long" : "unsigned long";
    }
}

static void c_decl(struct strbuf *b, const struct cat_field *f)
{
    const struct type *t = &f->type;
    switch (t->kind) {
    case T_INT: case T_ENUM: case T_DURATION: case T_BOOL:
        sb_printf(b, "%s %s;", c_int(t->size ? t->size : 1, t->is_signed), f->name); break;
    case T_CSTR: sb_printf(b, "char *%s;", f->name); break;
    case T_IPV4: sb_printf(b, "unsigned int %s;", f->name); break;
    case T_IPV6: sb_printf(b, "unsigned char %s[16];", f->name); break;
    case T_MAC: sb_printf(b, "unsigned char %s[6];", f->name); break;
    case T_UFID: sb_printf(b, "struct ovs_u128 %s;", f->name); break;
    case T_UFID_PTR: sb_printf(b, "struct ovs_u128 *%s;", f->name); break;
    case T_STRUCT: sb_printf(b, "struct %s %s;", t->ref, f->name); break;
    case T_STRUCT_PTR: sb_printf(b, "struct %s *%s;", t->ref, f->name); break;
    case T_CHARS: sb_printf(b, "char %s[%d];", f->name, t->array_len); break;
    case T_ODP_KEY: case T_BYTES: sb_printf(b, "unsigned char *%s;", f->name); break;
    default: sb_printf(b, "unsigned long %s;", f->name); break;
    }
}

static int field_size(const struct lower *L, const struct cat_field *f)
{
    if (f->type.kind == T_STRUCT) {
        const struct cat_struct *s = catalog_struct(L->cat, f->type.ref);
        return s ? s->size : 0;
    }
    return f->type.size ? f->type.size : 8;
}

static int field_cmp(const void *a, const void *b)
{
    const struct cat_field *x = *(const struct cat_field *const *)a, *y = *(const struct cat_field *const *)b;
    return x->offset - y->offset;
}

/* Only the fields the recipe reads, at their catalog offsets, with explicit padding between. */
static char *struct_def(struct lower *L, const struct cat_struct *s)
{
    const struct cat_field *used[64];
    int n = 0;
    for (int i = 0; i < L->fields.n && n < 64; i++)
        for (int j = 0; j < s->nfields; j++)
            if (L->fields.v[i] == &s->fields[j])
                used[n++] = &s->fields[j];
    /* No layouts for a stripped binary of an unknown release: refused once, with the ways out. */
    if (s->source == LAYOUT_UNKNOWN && n && !L->d->errors)
        layouts_refuse(L->cat, s, used[0]->name, L->d);
    for (int i = 0; i < n && s->source != LAYOUT_UNKNOWN; i++)
        if (used[i]->offset == LAYOUT_MISSING && s->source == LAYOUT_BUNDLED)
            diag_error(L->d, loc_make(NULL, 0, 0), "Open vSwitch %s has no member %s in struct %s (the recipe reads "
                       "it as %s.%s)%s%s", L->cat->layouts_release, used[i]->c_name, s->name, s->name, used[i]->name,
                       used[i]->since ? ": it was added in " : "", used[i]->since ? used[i]->since : "");
        else if (used[i]->offset == LAYOUT_MISSING)
            diag_error(L->d, loc_make(NULL, 0, 0), "the debug info of %s has no member %s in struct %s (the recipe "
                       "reads it as %s.%s): this Open vSwitch differs from the catalog", L->opt->layout_binary,
                       used[i]->c_name, s->name, s->name, used[i]->name);
    if (s->source == LAYOUT_NOT_IN_DWARF && n)
        diag_warn(L->d, loc_make(NULL, 0, 0), "the debug info of %s does not describe struct %s; using its bundled "
                  "layout", L->opt->layout_binary, s->name);
    qsort(used, (size_t)n, sizeof used[0], field_cmp);
    struct strbuf b = { 0 };
    sb_printf(&b, "struct %s {", s->name);
    int at = 0;
    for (int i = 0; i < n; i++) {
        if (used[i]->offset > at)
            sb_printf(&b, "\n    char _pad_%d[%d];", at, used[i]->offset - at);
        sb_add(&b, "\n    ");
        c_decl(&b, used[i]);
        at = used[i]->offset + field_size(L, used[i]);
    }
    if (s->size > at)
        sb_printf(&b, "\n    char _pad_%d[%d];", at, s->size - at);
    sb_add(&b, "\n};");
    return sb_steal(&b);
}

void emit_structs(struct lower *L)
{
    /* A struct used inline by another must come first; pointers may refer ahead. */
    for (int i = 0; i < L->structs.n; i++) {
        const struct cat_struct *s = L->structs.v[i];
        for (int j = 0; j < s->nfields; j++)
            if (s->fields[j].type.kind == T_STRUCT)
                for (int k = 0; k < L->fields.n; k++)
                    if (L->fields.v[k] == &s->fields[j])
                        use_type(L, &s->fields[j].type);
    }
    if (L->need_u128)
        vec_push(&L->P->structs, xstrdup("struct ovs_u128 {\n    unsigned int u32[4];\n};"));
    int *done = xcalloc((size_t)L->structs.n + 1, sizeof *done);
    for (int pass = 0; pass < L->structs.n; pass++) {
        for (int i = 0; i < L->structs.n; i++) {
            if (done[i])
                continue;
            const struct cat_struct *s = L->structs.v[i];
            int ready = 1;
            for (int j = 0; j < s->nfields && ready; j++) {
                if (s->fields[j].type.kind != T_STRUCT)
                    continue;
                for (int k = 0; k < L->structs.n; k++)
                    if (!done[k] && k != i && strcmp(((const struct cat_struct *)L->structs.v[k])->name,
                                                     s->fields[j].type.ref) == 0)
                        ready = 0;
            }
            if (ready) {
                done[i] = 1;
                vec_push(&L->P->structs, struct_def(L, s));
            }
        }
    }
    free(done);
}
void collect_all(struct lower *L)
{
    const struct recipe *r = L->r;
    for (int i = 0; i < r->nspans; i++) {
        const struct span *s = &r->spans[i];
        for (int j = 0; j < span_nends(s); j++) {
            const struct span_end *e = span_end_at(s, j);
            for (int k = 0; k < s->nkeys; k++)
                collect(L, e->keys[k]);
            collect(L, e->where);
            for (int c = 0; c < s->ncaptures && j < s->nfroms; c++)
                collect(L, s->captures[c].values[j]);
        }
        for (int k = 0; k < s->nkeys; k++)
            for (int c = 0; c < s->ncounts; c++)
                if (s->counts[c].keys)
                    collect(L, s->counts[c].keys[k]);
    }
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (!output_live(o))
            continue;
        collect(L, o->where);
        collect(L, o->value);
        for (int c = 0; c < o->ncols; c++)
            if (column_shown(&o->cols[c]))
                collect(L, o->cols[c].value);
        for (int c = 0; c < o->nby; c++)
            collect(L, o->by[c]);
    }
}

