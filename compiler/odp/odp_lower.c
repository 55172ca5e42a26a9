// SPDX-License-Identifier: Apache-2.0
// ODP filter lowering. The walk follows the form bpftrace 0.17's verifier accepts
// (reference/bpftrace_lab.md 3c, "V10"): every attribute offset starts at an
// unknown value read from memory ($len + 1 means "absent"), one u32 header read per
// attribute, and all compares after the loop, so verifier states merge.
#include "odp_lower.h"

#include <stdio.h>
#include <stdlib.h>

static int has_attr(const int *v, int n, int a)
{
    for (int i = 0; i < n; i++)
        if (v[i] == a)
            return 1;
    return 0;
}

/* The nested attributes of PARENT the filter compares, in order of first use. */
static int nested_attrs(const struct odp_filter *f, int parent, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < f->n && n < max; i++)
        if (f->m[i].parent == parent && !has_attr(out, n, f->m[i].attr))
            out[n++] = f->m[i].attr;
    return n;
}

static unsigned long long le_bytes(const unsigned char *p, int n)
{
    unsigned long long x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* $V_NAME: the walk's variables, named after its result $V. */
static struct bt_expr *walk_var(const char *v, const char *name)
{
    return bx_varf("$%s_%s", v, name);
}

/* $V = 0: the key does not match. */
static void no_match(struct bt_block *b, const char *v)
{
    bt_assign(b, bx_varf("$%s", v), bx_int(0));
}

/* A + N */
static struct bt_expr *plus(struct bt_expr *a, long long n)
{
    return bx_binary(a, "+", bx_int(n));
}

/* *(TYPE *)(AT): a read of the key's memory. */
static struct bt_expr *read_at(const char *type, struct bt_expr *at)
{
    char pointer[32];
    snprintf(pointer, sizeof pointer, "%s *", type);
    return bx_unary("*", bx_cast(pointer, bx_paren(at), 0));
}

/* The compare of one match: split into 8/4/2/1-byte reads of little-endian integers. BASE
 * (taken over) is where the attribute's payload starts. */
static void compare(struct bt_block *b, const char *v, const struct odp_match *m, struct bt_expr *base, int present)
{
    static const struct { int size; const char *type; } reads[] = { { 8, "uint64" }, { 4, "uint32" }, { 2, "uint16" },
                                                                     { 1, "uint8" } };
    bt_comment(b, "%s", m->field);
    struct bt_expr *past_end = bx_binary(bx_ref(base), ">", walk_var(v, "len"));
    if (m->width == 0) {
        bt_if(b, past_end);
        no_match(b, v);
        bt_end(b);
        bx_free(base);
        return;
    }
    bt_if(b, bx_binary(past_end, "||", bx_binary(plus(bx_ref(base), m->offset + m->width), ">", walk_var(v, "len"))));
    if (!m->if_absent || present)
        no_match(b, v);     /* inside the walk the attribute is there: too short */
    else
        bt_comment(b, "absent means 0 here, which matches");
    bt_else(b);
    int at = 0;
    while (at < m->width) {
        int r = 0;
        while (reads[r].size > m->width - at)
            r++;
        unsigned long long mask = le_bytes(m->mask + at, reads[r].size);
        unsigned long long val = le_bytes(m->value + at, reads[r].size);
        if (mask) {
            struct bt_expr *payload = bx_binary(walk_var(v, "key"), "+", bx_ref(base));
            struct bt_expr *word = read_at(reads[r].type, plus(payload, m->offset + at));
            bt_if(b, bx_binary(bx_paren(bx_binary(word, "&", bx_hex(mask, 1))), "!=", bx_hex(val, 1)));
            no_match(b, v);
            bt_end(b);
        }
        at += reads[r].size;
    }
    bt_end(b);
    bx_free(base);
}

/* Compared inside the walk: a top-level attribute whose every compare is a zero value of
 * metadata that OVS leaves out of keys when zero (absent matches), when the filter is big
 * enough for its offset variables to crowd the stack (a whole key pasted from dump-flows).
 * Small filters keep every compare after the loop: a compare inside it doubles the states
 * the verifier explores there, and several walks on one probe multiply. */
#define ODP_INLINE_ABOVE 8

static int is_inline(const struct odp_filter *f, const struct odp_match *m)
{
    if (f->nattrs <= ODP_INLINE_ABOVE || m->parent || !m->if_absent || m->attr == ODP_ATTR_ENCAP || m->attr == ODP_ATTR_TUNNEL)
        return 0;
    for (int i = 0; i < f->n; i++)
        if (f->m[i].attr == m->attr && (f->m[i].parent || !f->m[i].if_absent))
            return 0;
    return 1;
}

/* One loop over the TLVs in [START, END) (both taken over): records where each wanted
 * type's payload starts. */
static void walk_loop(struct bt_block *b, const char *v, const char *tag, struct bt_expr *start, struct bt_expr *end,
                      const int *types, int ntypes, int nest_parent_len, int max, const struct odp_filter *inl)
{
    char name[48];
    snprintf(name, sizeof name, "%soff", tag);
    struct bt_expr *off = walk_var(v, name), *hdr = walk_var(v, "hdr"), *type = walk_var(v, "type");
    bt_assign(b, bx_ref(off), start);
    char counter[48];
    snprintf(counter, sizeof counter, "%s_%si", v, tag);
    bt_loop(b, max, counter, bx_binary(plus(bx_ref(off), 4), "<=", end));
    bt_assign(b, bx_ref(hdr), read_at("uint32", bx_binary(walk_var(v, "key"), "+", bx_ref(off))));
    bt_assign(b, bx_ref(type), bx_binary(bx_paren(bx_binary(bx_ref(hdr), ">>", bx_int(16))), "&",
                                         bx_hex(ODP_NLA_TYPE_MASK, 1)));
    /* nla_len: the attribute's length, its header included. */
    struct bt_expr *nla_len = bx_binary(bx_ref(hdr), "&", bx_hex(0xffff, 4));
    for (int i = 0; i < ntypes; i++) {
        bt_if(b, bx_binary(bx_ref(type), "==", bx_int(types[i])));
        snprintf(name, sizeof name, "%so%d", tag, types[i]);
        bt_assign(b, walk_var(v, name), plus(bx_ref(off), 4));
        if (nest_parent_len && (types[i] == ODP_ATTR_ENCAP || types[i] == ODP_ATTR_TUNNEL)) {
            snprintf(name, sizeof name, "l%d", types[i]);
            bt_assign(b, walk_var(v, name), bx_ref(nla_len));
        }
        bt_end(b);
    }
    /* Zero metadata (skb_mark(0), ct_state(0)...: most of a pasted key) is compared right
     * here, so it needs no offset variable: each one is 8 bytes of a 512-byte stack. */
    for (int i = 0; inl && i < inl->n; i++) {
        const struct odp_match *m = &inl->m[i];
        if (!is_inline(inl, m))
            continue;
        bt_if(b, bx_binary(bx_ref(type), "==", bx_int(m->attr)));
        compare(b, v, m, plus(bx_ref(off), 4), 1);
        bt_end(b);
    }
    /* nla_len counts the header; anything shorter is a broken key: stop. */
    bt_if(b, bx_binary(bx_paren(bx_ref(nla_len)), "<", bx_int(4)));
    bt_break(b);
    bt_end(b);
    /* No early exit once every wanted attribute is found: the counter it needs costs stack
     * that a whole pasted key's walk does not have to spare, and the watch list already
     * makes the walk a once-per-flow cost. */
    struct bt_expr *aligned = bx_binary(bx_paren(plus(bx_paren(nla_len), 3)), "&", bx_hex(0xfffc, 4));
    bt_assign(b, bx_ref(off), bx_binary(off, "+", bx_paren(aligned)));
    bt_end(b);
    bx_free(hdr);
    bx_free(type);
}

/* $V_NAME = $V_len + 1: "not found", an unknown to the verifier (len is read from memory),
 * so absent and present states merge. */
static void not_found(struct bt_block *b, const char *v, const char *name)
{
    bt_assign(b, walk_var(v, name), plus(walk_var(v, "len"), 1));
}

void odp_lower_walk(struct bt_block *b, struct bt_expr *key, struct bt_expr *len, const struct odp_filter *f,
                    const char *v)
{
    bt_assign(b, walk_var(v, "key"), bx_cast("uint64", key, 0));
    /* A copy of the length the verifier cannot tie back to its source (netlink keys are
     * under 64 KiB): the walk's compares narrow this copy only, so code after the walk that
     * reads the same length (a key printed in pieces) starts from one state, not one per
     * path through the walk (over a million checked instructions became ninety thousand). */
    bt_assign(b, walk_var(v, "len"), bx_binary(len, "&", bx_hex(0xffff, 4)));
    /* Every variable is 8 bytes of the 512-byte stack: no spares. */
    int attrs[32], nattrs = 0;
    char name[48];
    for (int i = 0; i < f->nattrs; i++) {
        int inline_only = 0;
        for (int j = 0; j < f->n && !inline_only; j++)
            inline_only = f->m[j].attr == f->attrs[i] && is_inline(f, &f->m[j]);
        if (inline_only)
            continue;
        attrs[nattrs++] = f->attrs[i];
        snprintf(name, sizeof name, "o%d", f->attrs[i]);
        not_found(b, v, name);
        if (f->attrs[i] == ODP_ATTR_ENCAP || f->attrs[i] == ODP_ATTR_TUNNEL) {
            snprintf(name, sizeof name, "l%d", f->attrs[i]);
            not_found(b, v, name);
        }
    }
    bt_assign(b, bx_varf("$%s", v), bx_int(1));
    walk_loop(b, v, "", bx_cast("uint64", bx_int(0), 0), walk_var(v, "len"), attrs, nattrs, 1, ODP_WALK_MAX_ATTRS, f);
    static const int parents[] = { ODP_ATTR_ENCAP, ODP_ATTR_TUNNEL };
    for (int p = 0; p < 2; p++) {
        if (!has_attr(f->attrs, f->nattrs, parents[p]))
            continue;
        int nested[32];
        int n = nested_attrs(f, parents[p], nested, 32);
        char tag[16];
        snprintf(tag, sizeof tag, "n%d_", parents[p]);
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%so%d", tag, nested[i]);
            not_found(b, v, name);
        }
        /* An absent nest walks nothing: start past the end. */
        char parent[16], parent_len[16];
        snprintf(parent, sizeof parent, "o%d", parents[p]);
        snprintf(parent_len, sizeof parent_len, "l%d", parents[p]);
        struct bt_expr *payload_end = bx_usub(bx_binary(walk_var(v, parent), "+", walk_var(v, parent_len)), bx_int(4));
        struct bt_expr *present = bx_binary(walk_var(v, parent), "<=", walk_var(v, "len"));
        walk_loop(b, v, tag, walk_var(v, parent), bx_paren(bx_ternary(present, payload_end, bx_int(0))), nested, n, 0,
                  32, NULL);
    }
    for (int i = 0; i < f->n; i++) {
        const struct odp_match *m = &f->m[i];
        if (is_inline(f, m))
            continue;
        if (m->parent)
            snprintf(name, sizeof name, "n%d_o%d", m->parent, m->attr);
        else
            snprintf(name, sizeof name, "o%d", m->attr);
        compare(b, v, m, walk_var(v, name), 0);
    }
}
