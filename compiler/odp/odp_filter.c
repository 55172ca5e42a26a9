// SPDX-License-Identifier: Apache-2.0
// odp_flow parameters: the ODP flow-key text of `dpctl/dump-flows` (with or without -m) in,
// a list of masked byte compares over the netlink key out (struct odp_filter), plus the
// C reference matcher the tests and the compiler's self-check run against real key layouts.
// This file reads the text's structure (attributes, their fields, encap() and tunnel()) and
// matches; odp_filter_value.c turns one field's value[/mask] into a compare.
#include "odp_filter_internal.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options dump-flows prints inside tunnel(); they are not plain fields of the key. */
static const char *const tunnel_options[] = { "flags", "geneve", "vxlan", "erspan", "gtpu" };

/* The rest of a dump-flows line: what an operator may paste along with the key. */
static const char *const output_tokens[] = {
    "ufid", "packets", "bytes", "used", "actions", "dp", "flags", "offloaded", "dp-extra-info",
};

/* Record the error (message, hint or NULL, byte range); always returns -1. */
int filter_fail(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (p->errlen)
        vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    if (p->hintlen)
        snprintf(p->hint, p->hintlen, "%s", hint ? hint : "");
    if (p->err_off)
        *p->err_off = (unsigned)off;
    if (p->err_len)
        *p->err_len = (unsigned)len;
    return -1;
}

/* Record a warning (message, hint, byte range): accepted input worth a word. The first
 * one is kept, like the first error. */
void filter_warn(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
{
    struct odp_filter *f = p->out;
    if (f->warning[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->warning, sizeof f->warning, fmt, ap);
    va_end(ap);
    snprintf(f->warn_hint, sizeof f->warn_hint, "%s", hint);
    f->warn_off = (unsigned)off;
    f->warn_len = (unsigned)len;
}

static void skip_ws(struct parser *p, size_t end)
{
    while (p->pos < end && is_space(p->t[p->pos]))
        p->pos++;
}

/* The closing parenthesis of the one at OPEN (the text was checked to be balanced). */
static size_t find_close(const struct parser *p, size_t open)
{
    int depth = 0;
    for (size_t i = open; i < p->len; i++) {
        if (p->t[i] == '(')
            depth++;
        else if (p->t[i] == ')' && --depth == 0)
            return i;
    }
    return p->len;
}

static int check_parens(struct parser *p)
{
    size_t stack[64];
    int depth = 0;
    for (size_t i = 0; i < p->len; i++) {
        if (p->t[i] == '(') {
            if (depth == 64)
                return filter_fail(p, i, 1, NULL, "parentheses nested too deeply");
            stack[depth++] = i;
        } else if (p->t[i] == ')') {
            if (depth == 0)
                return filter_fail(p, i, 1, NULL, "unbalanced parentheses: this ')' has no matching '('");
            depth--;
        }
    }
    if (depth)
        return filter_fail(p, stack[depth - 1], 1, NULL, "unbalanced parentheses: this '(' is never closed");
    return 0;
}

static int parse_attr_list(struct parser *p, int parent, size_t end);

static void field_list(const struct attr_spec *as, char *out, size_t n)
{
    struct strbuf s = { 0 };
    sb_printf(&s, "%s() fields are ", as->name);
    for (int i = 0; i < as->nfields; i++)
        sb_printf(&s, "%s%s", i ? ", " : "", as->fields[i].name);
    snprintf(out, n, "%s", s.s);
    sb_free(&s);
}

/* name(field=value,...) between OPEN and CLOSE. */
static int parse_fields(struct parser *p, const struct attr_spec *as, int parent, size_t open, size_t close)
{
    const char *t = p->t;
    char hint[256];
    unsigned seen = 0;
    const char *prefix = parent == ODP_ATTR_ENCAP ? "encap." : "";
    p->pos = open + 1;
    skip_ws(p, close);
    if (p->pos == close) {
        add_presence(p, as, parent, open - strlen(as->name), close + 1 - (open - strlen(as->name)));
        return 0;
    }
    for (;;) {
        size_t ns = p->pos;
        while (p->pos < close && is_name(t[p->pos]))
            p->pos++;
        size_t ne = p->pos;
        field_list(as, hint, sizeof hint);
        if (ne == ns)
            return filter_fail(p, ns, 1, hint, "expected a field name in %s(), found '%c'", as->name, t[ns]);
        skip_ws(p, close);
        /* The field and value just read, for an error about what follows them; fs stays
         * NULL after a tunnel option, which jumps over their reading. */
        const struct field_spec *fs = NULL;
        size_t vs = 0, ve = 0;
        if (as->attr == ODP_ATTR_TUNNEL && p->pos < close && t[p->pos] == '(') {
            for (size_t k = 0; k < sizeof tunnel_options / sizeof tunnel_options[0]; k++)
                if (name_is(t + ns, ne - ns, tunnel_options[k])) {
                    /* Pasted from dump-flows: keep the rest of tunnel(), say this part is not compared. */
                    size_t c = find_close(p, p->pos);
                    filter_warn(p, ns, c + 1 - ns, "flows that differ only in it match too",
                                "tunnel %.*s(...) is not compared; the other tunnel() fields are", (int)(ne - ns),
                                t + ns);
                    p->pos = c + 1;
                    goto next_field;
                }
        }
        int fi = 0;
        for (; fi < as->nfields; fi++)
            if (name_is(t + ns, ne - ns, as->fields[fi].name)) {
                fs = &as->fields[fi];
                break;
            }
        if (!fs) {
            const char *cands[16];
            char word[64];
            for (int k = 0; k < as->nfields; k++)
                cands[k] = as->fields[k].name;
            snprintf(word, sizeof word, "%.*s", (int)(ne - ns < 63 ? ne - ns : 63), t + ns);
            const char *near = closest_name(word, cands, as->nfields);
            if (near)
                return filter_fail(p, ns, ne - ns, hint, "unknown field '%s' in %s() (did you mean '%s'?)", word,
                                   as->name, near);
            return filter_fail(p, ns, ne - ns, hint, "unknown field '%s' in %s()", word, as->name);
        }
        if (p->pos >= close || t[p->pos] != '=')
            return filter_fail(p, p->pos < close ? p->pos : ne, 1, NULL, "expected '=' after '%s' in %s()", fs->name,
                               as->name);
        if (seen & (1u << fi))
            return filter_fail(p, ns, ne - ns, NULL, "field '%s' given twice in %s()", fs->name, as->name);
        seen |= 1u << fi;
        p->pos++;
        skip_ws(p, close);
        vs = p->pos;
        while (p->pos < close && t[p->pos] != ',' && t[p->pos] != '(' && !is_space(t[p->pos]))
            p->pos++;
        ve = p->pos;
        char fname[64];
        snprintf(fname, sizeof fname, "%s%s.%s", prefix, as->name, fs->name);
        if (parse_value(p, as, fs, parent, fname, vs, ve, ns, ve))
            return -1;
    next_field:
        skip_ws(p, close);
        if (p->pos == close)
            return 0;
        if (t[p->pos] != ',') {
            size_t g = p->pos, ge = g;
            while (ge < close && t[ge] != ',')
                ge++;
            if (!fs)
                return filter_fail(p, g, ge - g, NULL, "unexpected '%.*s' after %.*s(...) in %s()", (int)(ge - g),
                                   t + g, (int)(ne - ns), t + ns, as->name);
            return filter_fail(p, g, ge - g, NULL, "unexpected '%.*s' after %s=%.*s in %s()", (int)(ge - g), t + g,
                               fs->name, (int)(ve - vs), t + vs, as->name);
        }
        p->pos++;
        skip_ws(p, close);
        if (p->pos == close)
            return filter_fail(p, p->pos - 1, 1, hint, "expected a field after ',' in %s()", as->name);
    }
}

/* name(VALUE) between OPEN and CLOSE. */
static int parse_scalar(struct parser *p, const struct attr_spec *as, int parent, size_t ns, size_t open,
                        size_t close)
{
    size_t s = open + 1, e = close;
    char fname[64];
    while (s < e && is_space(p->t[s]))
        s++;
    while (e > s && is_space(p->t[e - 1]))
        e--;
    snprintf(fname, sizeof fname, "%s%s", parent == ODP_ATTR_ENCAP ? "encap." : "", as->name);
    if (s == e) {
        char hint[256];
        field_hint(fname, &as->fields[0], hint, sizeof hint);
        return filter_fail(p, open, close + 1 - open, hint, "missing value in %s()", as->name);
    }
    return parse_value(p, as, &as->fields[0], parent, fname, s, e, ns, close + 1);
}

static void attr_list_hint(char *out, size_t n, int inner)
{
    struct strbuf s = { 0 };
    sb_add(&s, inner ? "encap() holds " : "attributes are ");
    int first = 1;
    for (int i = 0; i < ODP_NATTRS; i++) {
        if (odp_attrs[i].unsupported || (inner && (!(odp_attrs[i].flags & A_INNER) || odp_attrs[i].attr == ODP_ATTR_ENCAP)))
            continue;
        sb_printf(&s, "%s%s", first ? "" : ", ", odp_attrs[i].name);
        first = 0;
    }
    snprintf(out, n, "%s", s.s);
    sb_free(&s);
}

/* Attributes separated by ',' from p->pos up to END (the text's end or encap's ')'). */
static int parse_attr_list(struct parser *p, int parent, size_t end)
{
    const char *t = p->t;
    char hint[512];
    unsigned long long seen = 0;
    skip_ws(p, end);
    if (p->pos == end) {
        if (parent)
            return 0;  /* encap(): wildcarded */
        return filter_fail(p, 0, p->len,
                           "write the key part of a dump-flows line, e.g. ipv4(src=10.0.0.0/24),tcp(dst=80)",
                           "empty flow filter");
    }
    for (;;) {
        size_t ns = p->pos;
        while (p->pos < end && (is_name(t[p->pos]) || t[p->pos] == '-'))
            p->pos++;
        size_t ne = p->pos;
        if (ne < end && t[ne] == ':') {
            for (size_t k = 0; k < sizeof output_tokens / sizeof output_tokens[0]; k++)
                if (name_is(t + ns, ne - ns, output_tokens[k]))
                    return filter_fail(p, ns, ne + 1 - ns,
                                       "the key is the name(...) list after 'ufid:..., ' and before ', packets:'",
                                       "'%.*s:' is dump-flows output, not part of the flow key; paste only the key part",
                                       (int)(ne - ns), t + ns);
        }
        if (ne == ns) {
            attr_list_hint(hint, sizeof hint, parent == ODP_ATTR_ENCAP);
            return filter_fail(p, ns, 1, hint, "expected an attribute name, found '%c'", t[ns]);
        }
        skip_ws(p, end);
        if (p->pos < end && t[p->pos] == '=') {
            size_t ve = p->pos;
            while (ve < end && t[ve] != ',')
                ve++;
            return filter_fail(p, ns, ve - ns, "an odp_flow filter is a datapath flow key, e.g. tcp(dst=80), "
                               "not OpenFlow match fields like tp_dst=80",
                               "'%.*s' is not a flow key attribute", (int)(ve - ns), t + ns);
        }
        const struct attr_spec *as = NULL;
        for (int i = 0; i < ODP_NATTRS; i++)
            if (name_is(t + ns, ne - ns, odp_attrs[i].name))
                as = &odp_attrs[i];
        if (!as) {
            const char *cands[ODP_NATTRS];
            int nc = 0;
            char word[64];
            for (int i = 0; i < ODP_NATTRS; i++)
                if (!odp_attrs[i].unsupported)
                    cands[nc++] = odp_attrs[i].name;
            snprintf(word, sizeof word, "%.*s", (int)(ne - ns < 63 ? ne - ns : 63), t + ns);
            const char *near = closest_name(word, cands, nc);
            attr_list_hint(hint, sizeof hint, 0);
            if (near)
                return filter_fail(p, ns, ne - ns, hint, "unknown attribute '%s' (did you mean '%s'?)", word, near);
            return filter_fail(p, ns, ne - ns, hint, "unknown attribute '%s'", word);
        }
        if (as->unsupported)
            return filter_fail(p, ns, ne - ns, NULL, "%s", as->unsupported);
        if (parent == ODP_ATTR_ENCAP && !(as->flags & A_INNER)) {
            attr_list_hint(hint, sizeof hint, 1);
            return filter_fail(p, ns, ne - ns, hint,
                               "%s() cannot be inside encap(), which holds a VLAN packet's inner headers", as->name);
        }
        if (parent == ODP_ATTR_ENCAP && as->attr == ODP_ATTR_ENCAP)
            return filter_fail(p, ns, ne - ns, NULL,
                               "encap() inside encap() (a doubly tagged packet) is not supported yet");
        int presence_only = p->pos >= end || t[p->pos] != '(';
        if (presence_only && (!as->fields || as->fields[0].name)) {
            /* A bare "tcp" or "encap": the attribute is there (upstream's filter took it too). */
            if (seen & (1ull << as->attr))
                return filter_fail(p, ns, ne - ns, NULL, "%s given twice", as->name);
            seen |= 1ull << as->attr;
            add_presence(p, as, parent, ns, ne - ns);
            p->pos = ne - 1;
            goto next;
        }
        if (presence_only) {
            snprintf(hint, sizeof hint, "write %s(%s)", as->name,
                     !as->fields ? "ATTRIBUTES" : as->fields[0].name ? "FIELD=VALUE,..." : "VALUE");
            return filter_fail(p, ns, ne - ns, hint, "expected '(' after '%s'", as->name);
        }
        if (seen & (1ull << as->attr))
            return filter_fail(p, ns, ne - ns, NULL, "%s() given twice", as->name);
        seen |= 1ull << as->attr;
        size_t open = p->pos, close = find_close(p, open);
        int r;
        if (!as->fields) {
            p->pos = open + 1;
            int before = p->out->n;
            r = parse_attr_list(p, ODP_ATTR_ENCAP, close);
            if (!r && p->out->n == before)
                add_presence(p, as, parent, ns, close + 1 - ns);    /* encap(): a VLAN packet */
        } else if (!as->fields[0].name) {
            r = parse_scalar(p, as, parent, ns, open, close);
        } else {
            r = parse_fields(p, as, parent, open, close);
        }
        if (r)
            return -1;
        p->pos = close;
    next:
        p->pos++;
        skip_ws(p, end);
        if (p->pos == end)
            return 0;
        if (t[p->pos] != ',') {
            size_t g = p->pos, ge = g;
            while (ge < end && t[ge] != ',' && t[ge] != '(' && !is_space(t[ge]))
                ge++;
            if (ge == g)
                ge = g + 1;
            return filter_fail(p, g, ge - g, NULL, "unexpected '%.*s' after %s(...): attributes are separated by ','",
                               (int)(ge - g), t + g, as->name);
        }
        p->pos++;
        skip_ws(p, end);
        if (p->pos == end) {
            attr_list_hint(hint, sizeof hint, parent == ODP_ATTR_ENCAP);
            return filter_fail(p, p->pos - 1, 1, hint, "expected an attribute after ','");
        }
    }
}

int odp_filter_parse(const char *text, const struct odp_ports *ports, struct odp_filter *out, char *err,
                     size_t errlen, char *hint, size_t hintlen, unsigned *err_off, unsigned *err_len)
{
    struct parser p = { .t = text ? text : "", .out = out, .err = err, .errlen = errlen, .hint = hint,
                        .hintlen = hintlen, .err_off = err_off, .err_len = err_len, .ports = ports };
    p.len = strlen(p.t);
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = 0;
    if (hintlen)
        hint[0] = 0;
    if (check_parens(&p) || parse_attr_list(&p, 0, p.len)) {
        odp_filter_free(out);
        return -1;
    }
    return 0;
}

void odp_filter_free(struct odp_filter *f)
{
    for (int i = 0; i < f->n; i++)
        free((char *)f->m[i].field);
    free(f->m);
    memset(f, 0, sizeof *f);
}

/* The payload of the first attribute of TYPE in [buf, buf+len), or NULL. */
static const unsigned char *find_attr(const unsigned char *buf, size_t len, int type, size_t *plen)
{
    size_t off = 0;
    while (off + 4 <= len) {
        uint16_t nla_len, nla_type;
        memcpy(&nla_len, buf + off, 2);
        memcpy(&nla_type, buf + off + 2, 2);
        if (nla_len < 4 || nla_len > len - off)
            return NULL;  /* malformed: stop where the key stops making sense */
        if ((nla_type & ODP_NLA_TYPE_MASK) == type) {
            *plen = nla_len - 4u;
            return buf + off + 4;
        }
        off += (nla_len + 3u) & ~3u;
    }
    return NULL;
}

int odp_filter_match(const struct odp_filter *f, const unsigned char *key, size_t len)
{
    for (int i = 0; i < f->n; i++) {
        const struct odp_match *m = &f->m[i];
        const unsigned char *a = key;
        size_t alen = len;
        if (m->parent)
            a = find_attr(key, len, m->parent, &alen);
        if (a)
            a = find_attr(a, alen, m->attr, &alen);
        if (!a) {
            if (!m->if_absent)
                return 0;
            continue;
        }
        if (alen < (size_t)(m->offset + m->width))
            return 0;
        for (int j = 0; j < m->width; j++)
            if ((a[m->offset + j] & m->mask[j]) != m->value[j])
                return 0;
    }
    return 1;
}
