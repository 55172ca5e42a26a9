// SPDX-License-Identifier: Apache-2.0
// ODP filter lowering. The walk follows the form bpftrace 0.17's verifier accepts
// (reference/bpftrace_lab.md 3c, "V10"): every attribute offset starts at an
// unknown value read from memory ($len + 1 means "absent"), one u32 header read per
// attribute, and all compares after the loop, so verifier states merge.
#include "odp_lower.h"
#include <stdio.h>

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

/* One loop over the TLVs in [START, END): records where each wanted type's payload starts. */
static void walk_loop(struct bt_block *b, const char *v, const char *tag, const char *start, const char *end,
                      const int *types, int ntypes, int nest_parent_len, int max)
{
    bt_line(b, "$%s_%soff = %s;", v, tag, start);
    bt_line(b, "$%s_%si = 0;", v, tag);
    bt_line(b, "while ($%s_%si < %d && $%s_%soff + 4 <= %s) {", v, tag, max, v, tag, end);
    bt_line(b, "$%s_hdr = *(uint32 *)($%s_key + $%s_%soff);", v, v, v, tag);
    bt_line(b, "$%s_type = ($%s_hdr >> 16) & 0x%x;", v, v, ODP_NLA_TYPE_MASK);
    for (int i = 0; i < ntypes; i++) {
        bt_line(b, "if ($%s_type == %d) {", v, types[i]);
        bt_line(b, "$%s_%so%d = $%s_%soff + 4;", v, tag, types[i], v, tag);
        if (nest_parent_len && (types[i] == ODP_ATTR_ENCAP || types[i] == ODP_ATTR_TUNNEL))
            bt_line(b, "$%s_l%d = $%s_hdr & 0xffff;", v, types[i], v);
        bt_line(b, "}");
    }
    /* nla_len counts the header; anything shorter is a broken key: stop. */
    bt_line(b, "if (($%s_hdr & 0xffff) < 4) {", v);
    bt_line(b, "break;");
    bt_line(b, "}");
    bt_line(b, "$%s_%soff = $%s_%soff + ((($%s_hdr & 0xffff) + 3) & 0xfffc);", v, tag, v, tag, v);
    bt_line(b, "$%s_%si++;", v, tag);
    bt_line(b, "}");
}

static unsigned long long le_bytes(const unsigned char *p, int n)
{
    unsigned long long x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* The compare of one match: split into 8/4/2/1-byte reads of little-endian integers. */
static void compare(struct bt_block *b, const char *v, const struct odp_match *m, const char *base)
{
    static const struct { int size; const char *type; } reads[] = { { 8, "uint64" }, { 4, "uint32" }, { 2, "uint16" },
                                                                     { 1, "uint8" } };
    bt_line(b, "// %s", m->field);
    if (m->width == 0) {
        bt_line(b, "if (%s > $%s_len) {", base, v);
        bt_line(b, "$%s = 0;", v);
        bt_line(b, "}");
        return;
    }
    bt_line(b, "if (%s > $%s_len || %s + %d > $%s_len) {", base, v, base, m->offset + m->width, v);
    if (!m->if_absent)
        bt_line(b, "$%s = 0;", v);
    else
        bt_line(b, "// absent means 0 here, which matches");
    bt_line(b, "} else {");
    int at = 0;
    while (at < m->width) {
        int r = 0;
        while (reads[r].size > m->width - at)
            r++;
        unsigned long long mask = le_bytes(m->mask + at, reads[r].size);
        unsigned long long val = le_bytes(m->value + at, reads[r].size);
        if (mask) {
            bt_line(b, "if ((*(%s *)($%s_key + %s + %d) & 0x%llx) != 0x%llx) {", reads[r].type, v, base,
                    m->offset + at, mask, val);
            bt_line(b, "$%s = 0;", v);
            bt_line(b, "}");
        }
        at += reads[r].size;
    }
    bt_line(b, "}");
}

void odp_lower_walk(struct bt_block *b, const char *key, const char *len, const struct odp_filter *f, const char *v)
{
    bt_line(b, "$%s_key = (uint64)%s;", v, key);
    bt_line(b, "$%s_len = (uint64)%s;", v, len);
    /* "Not found" is an unknown to the verifier, so absent and present states merge. */
    bt_line(b, "$%s_nf = $%s_len + 1;", v, v);
    for (int i = 0; i < f->nattrs; i++) {
        bt_line(b, "$%s_o%d = $%s_nf;", v, f->attrs[i], v);
        if (f->attrs[i] == ODP_ATTR_ENCAP || f->attrs[i] == ODP_ATTR_TUNNEL)
            bt_line(b, "$%s_l%d = $%s_nf;", v, f->attrs[i], v);
    }
    char end[48];
    snprintf(end, sizeof end, "$%s_len", v);
    walk_loop(b, v, "", "(uint64)0", end, f->attrs, f->nattrs, 1, ODP_WALK_MAX_ATTRS);
    static const int parents[] = { ODP_ATTR_ENCAP, ODP_ATTR_TUNNEL };
    for (int p = 0; p < 2; p++) {
        if (!has_attr(f->attrs, f->nattrs, parents[p]))
            continue;
        int nested[32];
        int n = nested_attrs(f, parents[p], nested, 32);
        char tag[16], start[64], end[96];
        snprintf(tag, sizeof tag, "n%d_", parents[p]);
        for (int i = 0; i < n; i++)
            bt_line(b, "$%s_%so%d = $%s_nf;", v, tag, nested[i], v);
        /* An absent nest walks nothing: start past the end. */
        snprintf(start, sizeof start, "$%s_o%d", v, parents[p]);
        snprintf(end, sizeof end, "($%s_o%d <= $%s_len ? $%s_o%d + $%s_l%d - 4 : 0)", v, parents[p], v, v, parents[p],
                 v, parents[p]);
        walk_loop(b, v, tag, start, end, nested, n, 0, 32);
    }
    bt_line(b, "$%s = 1;", v);
    for (int i = 0; i < f->n; i++) {
        const struct odp_match *m = &f->m[i];
        char base[48];
        if (m->parent)
            snprintf(base, sizeof base, "$%s_n%d_o%d", v, m->parent, m->attr);
        else
            snprintf(base, sizeof base, "$%s_o%d", v, m->attr);
        compare(b, v, m, base);
    }
}
