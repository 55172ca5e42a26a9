// SPDX-License-Identifier: Apache-2.0
// odp_flow parameters: the ODP flow-key text of `dpctl/dump-flows` (with or without -m) in,
// a list of masked byte compares over the netlink key out (struct odp_filter), plus the
// C reference matcher the tests and the compiler's self-check run against real key layouts.
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L  /* inet_pton, inet_ntop */
#endif
#include "odp_filter.h"
#include "odp_attrs.h"
#include "util.h"

#include <arpa/inet.h>
#include <sys/socket.h>
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


struct parser {
    const char *t;
    size_t len, pos;
    struct odp_filter *out;
    int cap;
    char *err, *hint;
    size_t errlen, hintlen;
    unsigned *err_off, *err_len;
    const struct odp_ports *ports;     /* NULL: port names are an error */
};

/* Record the error (message, hint or NULL, byte range); always returns -1. */
static int fail(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
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
static void warn(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void warn(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
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

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_name(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void skip_ws(struct parser *p, size_t end)
{
    while (p->pos < end && is_space(p->t[p->pos]))
        p->pos++;
}

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(s, name, n) == 0;
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
                return fail(p, i, 1, NULL, "parentheses nested too deeply");
            stack[depth++] = i;
        } else if (p->t[i] == ')') {
            if (depth == 0)
                return fail(p, i, 1, NULL, "unbalanced parentheses: this ')' has no matching '('");
            depth--;
        }
    }
    if (depth)
        return fail(p, stack[depth - 1], 1, NULL, "unbalanced parentheses: this '(' is never closed");
    return 0;
}

/* A number: decimal or 0x hex. 0 ok, -1 not a number, -2 more than 64 bits, -3 a leading 0
 * (OVS's %i reads "010" as octal 8, which nobody means; dump-flows never prints it). */
static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    *v = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (n == 2)
            return -1;
        for (size_t i = 2; i < n; i++) {
            int d = hexval(s[i]);
            if (d < 0)
                return -1;
            if (x >> 60)
                return -2;
            x = x << 4 | (uint64_t)d;
        }
    } else {
        if (n == 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (!is_digit(s[i]))
                return -1;
        if (n > 1 && s[0] == '0')
            return -3;
        for (size_t i = 0; i < n; i++) {
            uint64_t d = (uint64_t)(s[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                return -2;
            x = x * 10 + d;
        }
    }
    *v = x;
    return 0;
}

/* A 128-bit number into 16 bytes, most significant first. */
static int parse_u128(const char *s, size_t n, unsigned char be[16])
{
    memset(be, 0, 16);
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t i = 2;
        if (n == 2)
            return -1;
        for (size_t j = 2; j < n; j++)
            if (hexval(s[j]) < 0)
                return -1;
        while (i < n - 1 && s[i] == '0')
            i++;
        if (n - i > 32)
            return -2;
        for (size_t j = n, k = 0; j > i; j--, k++) {
            int d = hexval(s[j - 1]);
            be[15 - k / 2] |= (unsigned char)(k % 2 ? d << 4 : d);
        }
        return 0;
    }
    uint64_t v;
    int r = parse_u64(s, n, &v);
    for (int i = 0; i < 8; i++)
        be[15 - i] = (unsigned char)(v >> (8 * i));
    return r;
}

static int parse_ipv4(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t start = i;
        while (i < n && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
            return -1;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
    }
    return i == n ? 0 : -1;
}

static int parse_ipv6(const char *s, size_t n, unsigned char out[16])
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

static int parse_mac(const char *s, size_t n, unsigned char out[6])
{
    size_t i = 0;
    for (int part = 0; part < 6; part++) {
        int v = 0, digits = 0;
        while (i < n && digits < 2 && hexval(s[i]) >= 0) {
            v = v * 16 + hexval(s[i++]);
            digits++;
        }
        if (!digits)
            return -1;
        out[part] = (unsigned char)v;
        if (part < 5) {
            if (i >= n || s[i] != ':')
                return -1;
            i++;
        }
    }
    return i == n ? 0 : -1;
}

/* A CIDR prefix length: all digits, no leading zero. -1 if it is not one. */
static int parse_prefix(const char *s, size_t n)
{
    uint64_t v;
    if (n == 0 || n > 3 || parse_u64(s, n, &v) != 0 || (n >= 2 && s[1] == 'x'))
        return -1;
    return (int)v;
}

static void prefix_mask(int len, unsigned char *m, int width)
{
    memset(m, 0, (size_t)width);
    for (int i = 0; i < len; i++)
        m[i / 8] |= (unsigned char)(0x80 >> (i % 8));
}

static void put_word(unsigned char *b, int width, int be, uint64_t v)
{
    for (int i = 0; i < width && i < 8; i++)
        b[be ? width - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static int all_zero(const unsigned char *b, int n)
{
    for (int i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Bytes of a K_IPV4, K_IPV6, K_MAC or K_U128 (little-endian) field, printed like dump-flows does. */
static void format_bytes(enum kind kind, const unsigned char *b, int width, char *out, size_t n)
{
    switch (kind) {
    case K_IPV4:
        snprintf(out, n, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        break;
    case K_IPV6:
        if (!inet_ntop(AF_INET6, b, out, (socklen_t)n))
            snprintf(out, n, "?");
        break;
    case K_MAC:
        snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        break;
    default: {  /* K_U128 in little-endian bytes */
        struct strbuf s = { 0 };
        int i = width - 1;
        while (i > 0 && !b[i])
            i--;
        sb_printf(&s, "0x%x", b[i]);
        for (i--; i >= 0; i--)
            sb_printf(&s, "%02x", b[i]);
        snprintf(out, n, "%s", s.s);
        sb_free(&s);
    }
    }
}

static const char *describe(const struct field_spec *fs)
{
    switch (fs->kind) {
    case K_IPV4:
        return "an IPv4 address with an optional /PREFIX or /MASK (10.0.0.0/24, 10.0.0.0/255.255.255.0)";
    case K_IPV6:
        return "an IPv6 address with an optional /PREFIX or /MASK (2001:db8::/32, 2001:db8::/ffff:ffff::)";
    case K_MAC:
        return "a MAC address with an optional /MASK (aa:bb:cc:00:00:00/ff:ff:ff:00:00:00)";
    case K_FRAG:
        return "no, first or later";
    case K_CT_STATE:
        return "a number[/MASK], flags to set or clear (+trk-new) or exact flags (trk|est); "
               "flags are new, est, rel, rpl, inv, trk, snat, dnat";
    case K_TCP_FLAGS:
        return "a number[/MASK], flags to set or clear (+syn-ack) or exact flags (syn|ack); "
               "flags are fin, syn, rst, psh, ack, urg, ece, cwr, ns";
    case K_U128:
        return "a 128-bit number, decimal or 0x hex, with an optional /MASK";
    default:
        return NULL;
    }
}

static void field_hint(const char *fname, const struct field_spec *fs, char *out, size_t n)
{
    const char *d = describe(fs);
    if (d)
        snprintf(out, n, "%s takes %s", fname, d);
    else
        snprintf(out, n, "%s takes %s %d-bit number, decimal or 0x hex, with an optional /MASK", fname,
                 fs->bits == 8 ? "an" : "a", fs->bits);
}

static void add_attr(struct odp_filter *f, int attr)
{
    for (int i = 0; i < f->nattrs; i++)
        if (f->attrs[i] == attr)
            return;
    if (f->nattrs < 32)
        f->attrs[f->nattrs++] = attr;
}

static void add_match(struct parser *p, const struct attr_spec *as, const struct field_spec *fs, int parent,
                      const char *fname, const unsigned char *val, const unsigned char *msk, size_t off,
                      size_t len)
{
    struct odp_filter *f = p->out;
    if (f->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        f->m = xrealloc(f->m, (size_t)p->cap * sizeof *f->m);
    }
    struct odp_match *m = &f->m[f->n++];
    memset(m, 0, sizeof *m);
    if (as->attr == ODP_ATTR_TUNNEL) {
        m->parent = ODP_ATTR_TUNNEL;
        m->attr = fs->sub;
    } else {
        m->parent = parent;
        m->attr = as->attr;
    }
    m->offset = fs->offset;
    m->width = fs->width;
    memcpy(m->value, val, (size_t)fs->width);
    memcpy(m->mask, msk, (size_t)fs->width);
    m->field = xstrdup(fname);
    m->text_off = (unsigned)off;
    m->text_len = (unsigned)len;
    m->if_absent = (as->flags & A_META) && all_zero(val, fs->width);
    add_attr(f, m->parent ? m->parent : m->attr);
}

/* "tcp()" or a bare "tcp": the attribute must be in the key, whatever its fields hold. */
static void add_presence(struct parser *p, const struct attr_spec *as, int parent, size_t off, size_t len)
{
    static const struct field_spec present = { 0 };
    static const unsigned char none[1] = { 0 };
    char fname[64];
    snprintf(fname, sizeof fname, "%s%s present", parent == ODP_ATTR_ENCAP ? "encap." : "", as->name);
    add_match(p, as, &present, parent, fname, none, none, off, len);
    struct odp_match *m = &p->out->m[p->out->n - 1];
    m->attr = as->attr;         /* tunnel() itself, not one of its sub-attributes */
    m->parent = parent;
    m->if_absent = 0;
}

/* Flags: "+trk-new" (set/clear, masked) or "trk|est" / "trk,est" (exactly these set). */
static int parse_flags(struct parser *p, const struct field_spec *fs, const char *fname, size_t s, size_t e,
                       uint64_t *v, uint64_t *m)
{
    const struct flag_name *names = fs->kind == K_CT_STATE ? odp_ct_flags : odp_tcp_flags;
    int nnames = fs->kind == K_CT_STATE ? 8 : 9;
    const char *list = fs->kind == K_CT_STATE ? "new, est, rel, rpl, inv, trk, snat, dnat"
                                              : "fin, syn, rst, psh, ack, urg, ece, cwr, ns";
    const char *t = p->t;
    int masked = 0;
    for (size_t i = s; i < e; i++)
        if (t[i] == '+' || t[i] == '-')
            masked = 1;
    uint64_t full = fs->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << fs->bits) - 1;
    *v = 0;
    *m = masked ? 0 : full;
    uint64_t seen = 0;
    size_t i = s;
    while (i < e) {
        int set = 1;
        if (masked) {
            if (t[i] != '+' && t[i] != '-') {
                size_t j = i;
                while (j < e && t[j] != '+' && t[j] != '-')
                    j++;
                char h[160];
                snprintf(h, sizeof h, "write +%.*s to require it, -%.*s to require it clear", (int)(j - i), t + i,
                         (int)(j - i), t + i);
                return fail(p, i, j - i, h, "'%.*s' in %s needs a '+' (set) or '-' (clear) before it", (int)(j - i),
                            t + i, fname);
            }
            set = t[i] == '+';
            i++;
        }
        size_t ns = i;
        while (i < e && is_name(t[i]))
            i++;
        if (i == ns) {
            char h[200];
            snprintf(h, sizeof h, "%s flags are %s", fname, list);
            return fail(p, i < e ? i : e - 1, 1, h, "expected a %s flag name", fname);
        }
        const struct flag_name *fl = NULL;
        for (int k = 0; k < nnames; k++)
            if (name_is(t + ns, i - ns, names[k].name))
                fl = &names[k];
        if (!fl) {
            const char *cands[9];
            char word[32];
            for (int k = 0; k < nnames; k++)
                cands[k] = names[k].name;
            snprintf(word, sizeof word, "%.*s", (int)(i - ns < 31 ? i - ns : 31), t + ns);
            const char *near = closest_name(word, cands, nnames);
            char h[200];
            snprintf(h, sizeof h, "%s flags are %s", fname, list);
            if (near)
                return fail(p, ns, i - ns, h, "unknown %s flag '%.*s' (did you mean '%s'?)", fname, (int)(i - ns),
                            t + ns, near);
            return fail(p, ns, i - ns, h, "unknown %s flag '%.*s'", fname, (int)(i - ns), t + ns);
        }
        if (seen & fl->bit)
            return fail(p, ns, i - ns, NULL, "flag '%s' given twice in %s", fl->name, fname);
        seen |= fl->bit;
        if (masked)
            *m |= fl->bit;
        if (set)
            *v |= fl->bit;
        if (!masked && i < e) {
            if (t[i] != '|' && t[i] != ',')
                return fail(p, i, 1, NULL, "unexpected '%c' in %s flags: separate exact flags with '|'", t[i], fname);
            i++;
            if (i == e)
                return fail(p, i - 1, 1, NULL, "expected a %s flag name after '%c'", fname, t[i - 1]);
        }
    }
    return 0;
}

/* A field's value text split at '/': the value is [s, s+vn), the mask [ms, ms+mn). */
struct vtext {
    const char *fname;   /* "ipv4.src", for messages */
    size_t s, e, ms, vn, mn;
    int has_mask;
    char hint[256];      /* what the field takes */
};

/* A value with bits outside its mask, "10.0.0.1/24": the userspace datapath's dump-flows
 * prints unmasked values like this, and ovs-dpctl takes them, so it is compared masked;
 * the first one is noted for a warning in case it was a typo. */
static void note_outside_mask(struct parser *p, const struct vtext *x, const char *masked, const char *mask)
{
    warn(p, x->s, x->e - x->s, "the bits outside a mask are ignored, as in ovs-dpctl (the userspace datapath's "
         "dump-flows prints such values)", "value %.*s has bits outside mask %s; comparing %s/%.*s", (int)x->vn,
         p->t + x->s, mask, masked, (int)x->mn, p->t + x->ms);
}

static int frag_value(struct parser *p, const struct vtext *x, uint64_t *v)
{
    static const char *const frags[] = { "no", "first", "later" };  /* enum ovs_frag_type */
    const char *t = p->t;
    for (int k = 0; k < 3; k++)
        if (name_is(t + x->s, x->vn, frags[k])) {
            if (x->has_mask)
                return fail(p, x->ms - 1, x->mn + 1, x->hint, "%s takes no mask: it is always matched exactly",
                            x->fname);
            *v = (uint64_t)k;
            return 0;
        }
    char word[32];
    snprintf(word, sizeof word, "%.*s", (int)(x->vn < 31 ? x->vn : 31), t + x->s);
    const char *near = closest_name(word, frags, 3);
    if (near)
        return fail(p, x->s, x->vn, x->hint, "'%s' is not a frag value (did you mean '%s'?)", word, near);
    return fail(p, x->s, x->vn, x->hint, "'%s' is not a frag value", word);
}

/* A number field (K_UINT, K_PORT, K_FRAG, flags) into VAL/MSK. 1: the mask is zero, no compare. */
static int number_field(struct parser *p, const struct field_spec *fs, const struct vtext *x, unsigned char *val,
                        unsigned char *msk)
{
    const char *t = p->t;
    uint64_t full = fs->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << fs->bits) - 1;
    uint64_t v = 0, m = full;
    if (fs->kind == K_FRAG) {
        if (frag_value(p, x, &v))
            return -1;
    } else if ((fs->kind == K_CT_STATE || fs->kind == K_TCP_FLAGS) && !is_digit(t[x->s])) {
        if (parse_flags(p, fs, x->fname, x->s, x->e, &v, &m))
            return -1;
    } else {
        int r = parse_u64(t + x->s, x->vn, &v);
        if (r == -1 && fs->kind == K_PORT && is_alpha(t[x->s])) {
            /* dump-flows prints port names; the key holds the datapath port number. */
            char why[200] = "";
            uint32_t port;
            const struct odp_ports *ports = p->ports;
            if (ports && ports->number(t + x->s, x->vn, &port, why, sizeof why, ports->ctx) == 0) {
                v = port;
                r = 0;
            } else if (ports) {
                return fail(p, x->s, x->vn, "dump the flows with port numbers: ovs-appctl dpctl/dump-flows --no-names",
                            "in_port(%.*s): %s", (int)x->vn, t + x->s, why);
            } else {
                return fail(p, x->s, x->vn, "give --pid (or use ovstrace run) so ovstrace can ask ovs-vswitchd, or "
                            "dump the flows with port numbers: ovs-appctl dpctl/dump-flows --no-names",
                            "in_port takes a datapath port number, not a port name ('%.*s')", (int)x->vn, t + x->s);
            }
        }
        if (r == -1)
            return fail(p, x->s, x->vn, x->hint, "'%.*s' is not a number", (int)x->vn, t + x->s);
        if (r == -3)
            return fail(p, x->s, x->vn, x->hint, "'%.*s' has a leading zero: write it in decimal or 0x hex",
                        (int)x->vn, t + x->s);
        if (r == -2 || v > full)
            return fail(p, x->s, x->vn, x->hint, "%.*s does not fit %s (%d bits)", (int)x->vn, t + x->s, x->fname,
                        fs->bits);
        if (x->has_mask) {
            r = parse_u64(t + x->ms, x->mn, &m);
            if (r == -1)
                return fail(p, x->ms, x->mn, x->hint, "mask '%.*s' is not a number", (int)x->mn, t + x->ms);
            if (r == -3)
                return fail(p, x->ms, x->mn, x->hint, "mask '%.*s' has a leading zero: write it in 0x hex",
                            (int)x->mn, t + x->ms);
            if (r == -2 || m > full)
                return fail(p, x->ms, x->mn, x->hint, "mask %.*s does not fit %s (%d bits)", (int)x->mn, t + x->ms,
                            x->fname, fs->bits);
        }
    }
    if (m == 0)
        return 1;
    if (v & ~m) {
        int hex = x->vn > 2 && t[x->s] == '0' && (t[x->s + 1] == 'x' || t[x->s + 1] == 'X');
        char masked[32];
        snprintf(masked, sizeof masked, hex ? "0x%llx" : "%llu", (unsigned long long)(v & m));
        char mtext[24];
        snprintf(mtext, sizeof mtext, "0x%llx", (unsigned long long)m);
        note_outside_mask(p, x, masked, mtext);
        v &= m;
    }
    put_word(val, fs->width, fs->be, v << fs->shift);
    put_word(msk, fs->width, fs->be, m << fs->shift);
    return 0;
}

static int parse_bytes_kind(enum kind kind, const char *s, size_t n, unsigned char *out)
{
    switch (kind) {
    case K_IPV4: return parse_ipv4(s, n, out);
    case K_IPV6: return parse_ipv6(s, n, out);
    case K_MAC: return parse_mac(s, n, out);
    default: return parse_u128(s, n, out);
    }
}

/* An address or 128-bit field (K_IPV4, K_IPV6, K_MAC, K_U128) into VAL/MSK. 1: zero mask. */
static int bytes_field(struct parser *p, const struct field_spec *fs, const struct vtext *x, unsigned char *val,
                       unsigned char *msk)
{
    static const char *const what[] = { [K_IPV4] = "an IPv4 address", [K_IPV6] = "an IPv6 address",
                                        [K_MAC] = "a MAC address", [K_U128] = "a number" };
    static const char *const mwhat[] = { [K_IPV4] = "an IPv4 mask", [K_IPV6] = "an IPv6 mask",
                                         [K_MAC] = "a MAC mask", [K_U128] = "a number" };
    const char *t = p->t;
    int w = fs->width;
    int r = parse_bytes_kind(fs->kind, t + x->s, x->vn, val);
    if (r == -2)
        return fail(p, x->s, x->vn, x->hint, "%.*s does not fit %s (128 bits)", (int)x->vn, t + x->s, x->fname);
    if (r == -3)
        return fail(p, x->s, x->vn, x->hint, "'%.*s' has a leading zero: write it in decimal or 0x hex",
                    (int)x->vn, t + x->s);
    if (r)
        return fail(p, x->s, x->vn, x->hint, "'%.*s' is not %s", (int)x->vn, t + x->s, what[fs->kind]);
    memset(msk, 0xff, (size_t)w);
    if (x->has_mask) {
        int ip = fs->kind == K_IPV4 || fs->kind == K_IPV6;
        int prefix = ip ? parse_prefix(t + x->ms, x->mn) : -1;
        uint64_t m;
        if (prefix >= 0) {  /* CIDR: operators write it, though OVS itself wants a dotted mask */
            if (prefix > 8 * w)
                return fail(p, x->ms, x->mn, x->hint, "/%.*s is not a valid prefix length for %s (0 to %d)",
                            (int)x->mn, t + x->ms, x->fname, 8 * w);
            prefix_mask(prefix, msk, w);
        } else if (fs->kind == K_IPV4 && x->mn > 2 && t[x->ms] == '0' && (t[x->ms + 1] | 0x20) == 'x') {
            if (parse_u64(t + x->ms, x->mn, &m) || m > 0xffffffffu)
                return fail(p, x->ms, x->mn, x->hint, "'%.*s' is not an IPv4 mask", (int)x->mn, t + x->ms);
            put_word(msk, 4, 1, m);
        } else {
            r = parse_bytes_kind(fs->kind, t + x->ms, x->mn, msk);
            if (r == -2)
                return fail(p, x->ms, x->mn, x->hint, "mask %.*s does not fit %s (128 bits)", (int)x->mn, t + x->ms,
                            x->fname);
            if (r)
                return fail(p, x->ms, x->mn, x->hint, "'%.*s' is not %s", (int)x->mn, t + x->ms, mwhat[fs->kind]);
        }
    }
    if (fs->kind == K_U128) {  /* ct_label is an ovs_u128 in host (little-endian) order */
        for (int i = 0; i < 8; i++) {
            unsigned char c = val[i];
            val[i] = val[15 - i];
            val[15 - i] = c;
            c = msk[i];
            msk[i] = msk[15 - i];
            msk[15 - i] = c;
        }
    }
    if (all_zero(msk, w))
        return 1;
    int outside = 0;
    unsigned char masked[16];
    for (int i = 0; i < w; i++) {
        masked[i] = val[i] & msk[i];
        outside |= val[i] & ~msk[i];
    }
    if (outside) {
        char mtext[64], sugg[64];
        format_bytes(fs->kind, msk, w, mtext, sizeof mtext);
        format_bytes(fs->kind, masked, w, sugg, sizeof sugg);
        note_outside_mask(p, x, sugg, mtext);
        memcpy(val, masked, (size_t)w);
    }
    return 0;
}

/* One value[/mask] of field FS: [S, E) in the text; the compare's text is [RS, RE). */
static int parse_value(struct parser *p, const struct attr_spec *as, const struct field_spec *fs, int parent,
                       const char *fname, size_t s, size_t e, size_t rs, size_t re)
{
    struct vtext x = { .fname = fname, .s = s, .e = e };
    size_t slash = s;
    while (slash < e && p->t[slash] != '/')
        slash++;
    x.has_mask = slash < e;
    x.ms = x.has_mask ? slash + 1 : e;
    x.vn = slash - s;
    x.mn = e - x.ms;
    field_hint(fname, fs, x.hint, sizeof x.hint);
    if (x.vn == 0)
        return fail(p, s, e > s ? e - s : 1, x.hint, "missing value for %s", fname);
    if (x.has_mask && x.mn == 0)
        return fail(p, slash, 1, x.hint, "missing mask after '/' in %s", fname);
    if ((fs->kind == K_CT_STATE || fs->kind == K_TCP_FLAGS) && !is_digit(p->t[s]))
        x.has_mask = 0;  /* flags: parse_flags reads [s, e) whole */

    unsigned char val[16] = { 0 }, msk[16] = { 0 };
    int r;
    if (fs->kind == K_IPV4 || fs->kind == K_IPV6 || fs->kind == K_MAC || fs->kind == K_U128)
        r = bytes_field(p, fs, &x, val, msk);
    else
        r = number_field(p, fs, &x, val, msk);
    if (r == 0)
        add_match(p, as, fs, parent, fname, val, msk, rs, re - rs);
    return r < 0 ? -1 : 0;
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
            return fail(p, ns, 1, hint, "expected a field name in %s(), found '%c'", as->name, t[ns]);
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
                    warn(p, ns, c + 1 - ns, "flows that differ only in it match too",
                         "tunnel %.*s(...) is not compared; the other tunnel() fields are", (int)(ne - ns), t + ns);
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
                return fail(p, ns, ne - ns, hint, "unknown field '%s' in %s() (did you mean '%s'?)", word, as->name,
                            near);
            return fail(p, ns, ne - ns, hint, "unknown field '%s' in %s()", word, as->name);
        }
        if (p->pos >= close || t[p->pos] != '=')
            return fail(p, p->pos < close ? p->pos : ne, 1, NULL, "expected '=' after '%s' in %s()", fs->name,
                        as->name);
        if (seen & (1u << fi))
            return fail(p, ns, ne - ns, NULL, "field '%s' given twice in %s()", fs->name, as->name);
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
                return fail(p, g, ge - g, NULL, "unexpected '%.*s' after %.*s(...) in %s()", (int)(ge - g), t + g,
                            (int)(ne - ns), t + ns, as->name);
            return fail(p, g, ge - g, NULL, "unexpected '%.*s' after %s=%.*s in %s()", (int)(ge - g), t + g,
                        fs->name, (int)(ve - vs), t + vs, as->name);
        }
        p->pos++;
        skip_ws(p, close);
        if (p->pos == close)
            return fail(p, p->pos - 1, 1, hint, "expected a field after ',' in %s()", as->name);
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
        return fail(p, open, close + 1 - open, hint, "missing value in %s()", as->name);
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
        return fail(p, 0, p->len, "write the key part of a dump-flows line, e.g. ipv4(src=10.0.0.0/24),tcp(dst=80)",
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
                    return fail(p, ns, ne + 1 - ns,
                                "the key is the name(...) list after 'ufid:..., ' and before ', packets:'",
                                "'%.*s:' is dump-flows output, not part of the flow key; paste only the key part",
                                (int)(ne - ns), t + ns);
        }
        if (ne == ns) {
            attr_list_hint(hint, sizeof hint, parent == ODP_ATTR_ENCAP);
            return fail(p, ns, 1, hint, "expected an attribute name, found '%c'", t[ns]);
        }
        skip_ws(p, end);
        if (p->pos < end && t[p->pos] == '=') {
            size_t ve = p->pos;
            while (ve < end && t[ve] != ',')
                ve++;
            return fail(p, ns, ve - ns, "an odp_flow filter is a datapath flow key, e.g. tcp(dst=80), "
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
                return fail(p, ns, ne - ns, hint, "unknown attribute '%s' (did you mean '%s'?)", word, near);
            return fail(p, ns, ne - ns, hint, "unknown attribute '%s'", word);
        }
        if (as->unsupported)
            return fail(p, ns, ne - ns, NULL, "%s", as->unsupported);
        if (parent == ODP_ATTR_ENCAP && !(as->flags & A_INNER)) {
            attr_list_hint(hint, sizeof hint, 1);
            return fail(p, ns, ne - ns, hint, "%s() cannot be inside encap(), which holds a VLAN packet's inner headers",
                        as->name);
        }
        if (parent == ODP_ATTR_ENCAP && as->attr == ODP_ATTR_ENCAP)
            return fail(p, ns, ne - ns, NULL, "encap() inside encap() (a doubly tagged packet) is not supported yet");
        int presence_only = p->pos >= end || t[p->pos] != '(';
        if (presence_only && (!as->fields || as->fields[0].name)) {
            /* A bare "tcp" or "encap": the attribute is there (upstream's filter took it too). */
            if (seen & (1ull << as->attr))
                return fail(p, ns, ne - ns, NULL, "%s given twice", as->name);
            seen |= 1ull << as->attr;
            add_presence(p, as, parent, ns, ne - ns);
            p->pos = ne - 1;
            goto next;
        }
        if (presence_only) {
            snprintf(hint, sizeof hint, "write %s(%s)", as->name,
                     !as->fields ? "ATTRIBUTES" : as->fields[0].name ? "FIELD=VALUE,..." : "VALUE");
            return fail(p, ns, ne - ns, hint, "expected '(' after '%s'", as->name);
        }
        if (seen & (1ull << as->attr))
            return fail(p, ns, ne - ns, NULL, "%s() given twice", as->name);
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
            return fail(p, g, ge - g, NULL, "unexpected '%.*s' after %s(...): attributes are separated by ','",
                        (int)(ge - g), t + g, as->name);
        }
        p->pos++;
        skip_ws(p, end);
        if (p->pos == end) {
            attr_list_hint(hint, sizeof hint, parent == ODP_ATTR_ENCAP);
            return fail(p, p->pos - 1, 1, hint, "expected an attribute after ','");
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
