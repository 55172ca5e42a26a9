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

/* The compare of one match: split into 8/4/2/1-byte reads of little-endian integers. */
static void compare(struct bt_block *b, const char *v, const struct odp_match *m, const char *base, int present)
{
    static const struct { int size; const char *type; } reads[] = { { 8, "uint64" }, { 4, "uint32" }, { 2, "uint16" },
                                                                     { 1, "uint8" } };
    bt_line(b, "// %s", m->field);
    if (m->width == 0) {
        bt_if(b, "%s > $%s_len", base, v);
        bt_line(b, "$%s = 0;", v);
        bt_end(b);
        return;
    }
    bt_if(b, "%s > $%s_len || %s + %d > $%s_len", base, v, base, m->offset + m->width, v);
    if (!m->if_absent || present)
        bt_line(b, "$%s = 0;", v);     /* inside the walk the attribute is there: too short */
    else
        bt_line(b, "// absent means 0 here, which matches");
    bt_else(b);
    int at = 0;
    while (at < m->width) {
        int r = 0;
        while (reads[r].size > m->width - at)
            r++;
        unsigned long long mask = le_bytes(m->mask + at, reads[r].size);
        unsigned long long val = le_bytes(m->value + at, reads[r].size);
        if (mask) {
            bt_if(b, "(*(%s *)($%s_key + %s + %d) & 0x%llx) != 0x%llx", reads[r].type, v, base,
                    m->offset + at, mask, val);
            bt_line(b, "$%s = 0;", v);
            bt_end(b);
        }
        at += reads[r].size;
    }
    bt_end(b);
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

/* One loop over the TLVs in [START, END): records where each wanted type's payload starts. */
static void walk_loop(struct bt_block *b, const char *v, const char *tag, const char *start, const char *end,
                      const int *types, int ntypes, int nest_parent_len, int max, const struct odp_filter *inl)
{
    bt_line(b, "$%s_%soff = %s;", v, tag, start);
    char counter[48];
    snprintf(counter, sizeof counter, "%s_%si", v, tag);
    bt_loop(b, max, counter, "$%s_%soff + 4 <= %s", v, tag, end);
    bt_line(b, "$%s_hdr = *(uint32 *)($%s_key + $%s_%soff);", v, v, v, tag);
    bt_line(b, "$%s_type = ($%s_hdr >> 16) & 0x%x;", v, v, ODP_NLA_TYPE_MASK);
    for (int i = 0; i < ntypes; i++) {
        bt_if(b, "$%s_type == %d", v, types[i]);
        bt_line(b, "$%s_%so%d = $%s_%soff + 4;", v, tag, types[i], v, tag);
        if (nest_parent_len && (types[i] == ODP_ATTR_ENCAP || types[i] == ODP_ATTR_TUNNEL))
            bt_line(b, "$%s_l%d = $%s_hdr & 0xffff;", v, types[i], v);
        bt_end(b);
    }
    /* Zero metadata (skb_mark(0), ct_state(0)...: most of a pasted key) is compared right
     * here, so it needs no offset variable: each one is 8 bytes of a 512-byte stack. */
    for (int i = 0; inl && i < inl->n; i++) {
        const struct odp_match *m = &inl->m[i];
        if (!is_inline(inl, m))
            continue;
        char base[48];
        snprintf(base, sizeof base, "$%s_%soff + 4", v, tag);
        bt_if(b, "$%s_type == %d", v, m->attr);
        compare(b, v, m, base, 1);
        bt_end(b);
    }
    /* nla_len counts the header; anything shorter is a broken key: stop. */
    bt_if(b, "($%s_hdr & 0xffff) < 4", v);
    bt_line(b, "break;");
    bt_end(b);
    /* No early exit once every wanted attribute is found: the counter it needs costs stack
     * that a whole pasted key's walk does not have to spare, and the watch list already
     * makes the walk a once-per-flow cost. */
    bt_line(b, "$%s_%soff = $%s_%soff + ((($%s_hdr & 0xffff) + 3) & 0xfffc);", v, tag, v, tag, v);
    bt_end(b);
}


void odp_lower_walk(struct bt_block *b, const struct bt_dialect *dl, const char *key, const char *len, const struct odp_filter *f, const char *v)
{
    bt_line(b, "$%s_key = (uint64)%s;", v, key);
    /* A copy of the length the verifier cannot tie back to its source (netlink keys are
     * under 64 KiB): the walk's compares narrow this copy only, so code after the walk that
     * reads the same length (a key printed in pieces) starts from one state, not one per
     * path through the walk (over a million checked instructions became ninety thousand). */
    bt_line(b, "$%s_len = %s & 0xffff;", v, len);
    /* "Not found" is $len + 1, an unknown to the verifier (len is read from memory), so absent
     * and present states merge. Every variable is 8 bytes of the 512-byte stack: no spares. */
    int attrs[32], nattrs = 0;
    for (int i = 0; i < f->nattrs; i++) {
        int inline_only = 0;
        for (int j = 0; j < f->n && !inline_only; j++)
            inline_only = f->m[j].attr == f->attrs[i] && is_inline(f, &f->m[j]);
        if (inline_only)
            continue;
        attrs[nattrs++] = f->attrs[i];
        bt_line(b, "$%s_o%d = $%s_len + 1;", v, f->attrs[i], v);
        if (f->attrs[i] == ODP_ATTR_ENCAP || f->attrs[i] == ODP_ATTR_TUNNEL)
            bt_line(b, "$%s_l%d = $%s_len + 1;", v, f->attrs[i], v);
    }
    bt_line(b, "$%s = 1;", v);
    char end[48];
    snprintf(end, sizeof end, "$%s_len", v);
    walk_loop(b, v, "", "(uint64)0", end, attrs, nattrs, 1, ODP_WALK_MAX_ATTRS, f);
    static const int parents[] = { ODP_ATTR_ENCAP, ODP_ATTR_TUNNEL };
    for (int p = 0; p < 2; p++) {
        if (!has_attr(f->attrs, f->nattrs, parents[p]))
            continue;
        int nested[32];
        int n = nested_attrs(f, parents[p], nested, 32);
        char tag[16], start[64], end[160];
        snprintf(tag, sizeof tag, "n%d_", parents[p]);
        for (int i = 0; i < n; i++)
            bt_line(b, "$%s_%so%d = $%s_len + 1;", v, tag, nested[i], v);
        /* An absent nest walks nothing: start past the end. */
        snprintf(start, sizeof start, "$%s_o%d", v, parents[p]);
        char nest_end[64];
        snprintf(nest_end, sizeof nest_end, "$%s_o%d + $%s_l%d", v, parents[p], v, parents[p]);
        char *payload_end = bt_usub(dl, nest_end, "4");
        snprintf(end, sizeof end, "($%s_o%d <= $%s_len ? %s : 0)", v, parents[p], v, payload_end);
        free(payload_end);
        walk_loop(b, v, tag, start, end, nested, n, 0, 32, NULL);
    }
    for (int i = 0; i < f->n; i++) {
        const struct odp_match *m = &f->m[i];
        if (is_inline(f, m))
            continue;
        char base[48];
        if (m->parent)
            snprintf(base, sizeof base, "$%s_n%d_o%d", v, m->parent, m->attr);
        else
            snprintf(base, sizeof base, "$%s_o%d", v, m->attr);
        compare(b, v, m, base, 0);
    }
}
