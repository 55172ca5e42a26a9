// SPDX-License-Identifier: Apache-2.0
// odp_flow parameters, values: one field's value[/mask] text (a number, flags, frag, an
// address, a 128-bit label) in, a masked byte compare added to the filter out (struct
// odp_match), or an error with its byte range and a hint saying what the field takes.
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L  /* inet_pton, inet_ntop */
#endif
#include "odp_filter_internal.h"
#include "util.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

void field_hint(const char *fname, const struct field_spec *fs, char *out, size_t n)
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
void add_presence(struct parser *p, const struct attr_spec *as, int parent, size_t off, size_t len)
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
                return filter_fail(p, i, j - i, h, "'%.*s' in %s needs a '+' (set) or '-' (clear) before it",
                                   (int)(j - i), t + i, fname);
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
            return filter_fail(p, i < e ? i : e - 1, 1, h, "expected a %s flag name", fname);
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
                return filter_fail(p, ns, i - ns, h, "unknown %s flag '%.*s' (did you mean '%s'?)", fname,
                                   (int)(i - ns), t + ns, near);
            return filter_fail(p, ns, i - ns, h, "unknown %s flag '%.*s'", fname, (int)(i - ns), t + ns);
        }
        if (seen & fl->bit)
            return filter_fail(p, ns, i - ns, NULL, "flag '%s' given twice in %s", fl->name, fname);
        seen |= fl->bit;
        if (masked)
            *m |= fl->bit;
        if (set)
            *v |= fl->bit;
        if (!masked && i < e) {
            if (t[i] != '|' && t[i] != ',')
                return filter_fail(p, i, 1, NULL, "unexpected '%c' in %s flags: separate exact flags with '|'", t[i],
                                   fname);
            i++;
            if (i == e)
                return filter_fail(p, i - 1, 1, NULL, "expected a %s flag name after '%c'", fname, t[i - 1]);
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
    filter_warn(p, x->s, x->e - x->s, "the bits outside a mask are ignored, as in ovs-dpctl (the userspace datapath's "
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
                return filter_fail(p, x->ms - 1, x->mn + 1, x->hint, "%s takes no mask: it is always matched exactly",
                                   x->fname);
            *v = (uint64_t)k;
            return 0;
        }
    char word[32];
    snprintf(word, sizeof word, "%.*s", (int)(x->vn < 31 ? x->vn : 31), t + x->s);
    const char *near = closest_name(word, frags, 3);
    if (near)
        return filter_fail(p, x->s, x->vn, x->hint, "'%s' is not a frag value (did you mean '%s'?)", word, near);
    return filter_fail(p, x->s, x->vn, x->hint, "'%s' is not a frag value", word);
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
                return filter_fail(p, x->s, x->vn,
                                   "dump the flows with port numbers: ovs-appctl dpctl/dump-flows --no-names",
                                   "in_port(%.*s): %s", (int)x->vn, t + x->s, why);
            } else {
                return filter_fail(p, x->s, x->vn, "give --pid (or use ovstrace run) so ovstrace can ask ovs-vswitchd, "
                                   "or dump the flows with port numbers: ovs-appctl dpctl/dump-flows --no-names",
                                   "in_port takes a datapath port number, not a port name ('%.*s')", (int)x->vn,
                                   t + x->s);
            }
        }
        if (r == -1)
            return filter_fail(p, x->s, x->vn, x->hint, "'%.*s' is not a number", (int)x->vn, t + x->s);
        if (r == -3)
            return filter_fail(p, x->s, x->vn, x->hint, "'%.*s' has a leading zero: write it in decimal or 0x hex",
                               (int)x->vn, t + x->s);
        if (r == -2 || v > full)
            return filter_fail(p, x->s, x->vn, x->hint, "%.*s does not fit %s (%d bits)", (int)x->vn, t + x->s,
                               x->fname, fs->bits);
        if (x->has_mask) {
            r = parse_u64(t + x->ms, x->mn, &m);
            if (r == -1)
                return filter_fail(p, x->ms, x->mn, x->hint, "mask '%.*s' is not a number", (int)x->mn, t + x->ms);
            if (r == -3)
                return filter_fail(p, x->ms, x->mn, x->hint, "mask '%.*s' has a leading zero: write it in 0x hex",
                                   (int)x->mn, t + x->ms);
            if (r == -2 || m > full)
                return filter_fail(p, x->ms, x->mn, x->hint, "mask %.*s does not fit %s (%d bits)", (int)x->mn,
                                   t + x->ms, x->fname, fs->bits);
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
        return filter_fail(p, x->s, x->vn, x->hint, "%.*s does not fit %s (128 bits)", (int)x->vn, t + x->s, x->fname);
    if (r == -3)
        return filter_fail(p, x->s, x->vn, x->hint, "'%.*s' has a leading zero: write it in decimal or 0x hex",
                           (int)x->vn, t + x->s);
    if (r)
        return filter_fail(p, x->s, x->vn, x->hint, "'%.*s' is not %s", (int)x->vn, t + x->s, what[fs->kind]);
    memset(msk, 0xff, (size_t)w);
    if (x->has_mask) {
        int ip = fs->kind == K_IPV4 || fs->kind == K_IPV6;
        int prefix = ip ? parse_prefix(t + x->ms, x->mn) : -1;
        uint64_t m;
        if (prefix >= 0) {  /* CIDR: operators write it, though OVS itself wants a dotted mask */
            if (prefix > 8 * w)
                return filter_fail(p, x->ms, x->mn, x->hint, "/%.*s is not a valid prefix length for %s (0 to %d)",
                                   (int)x->mn, t + x->ms, x->fname, 8 * w);
            prefix_mask(prefix, msk, w);
        } else if (fs->kind == K_IPV4 && x->mn > 2 && t[x->ms] == '0' && (t[x->ms + 1] | 0x20) == 'x') {
            if (parse_u64(t + x->ms, x->mn, &m) || m > 0xffffffffu)
                return filter_fail(p, x->ms, x->mn, x->hint, "'%.*s' is not an IPv4 mask", (int)x->mn, t + x->ms);
            put_word(msk, 4, 1, m);
        } else {
            r = parse_bytes_kind(fs->kind, t + x->ms, x->mn, msk);
            if (r == -2)
                return filter_fail(p, x->ms, x->mn, x->hint, "mask %.*s does not fit %s (128 bits)", (int)x->mn,
                                   t + x->ms, x->fname);
            if (r)
                return filter_fail(p, x->ms, x->mn, x->hint, "'%.*s' is not %s", (int)x->mn, t + x->ms,
                                   mwhat[fs->kind]);
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
int parse_value(struct parser *p, const struct attr_spec *as, const struct field_spec *fs, int parent,
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
        return filter_fail(p, s, e > s ? e - s : 1, x.hint, "missing value for %s", fname);
    if (x.has_mask && x.mn == 0)
        return filter_fail(p, slash, 1, x.hint, "missing mask after '/' in %s", fname);
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
