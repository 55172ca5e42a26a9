// SPDX-License-Identifier: Apache-2.0
// Flow key bytes to dump-flows text, through the attribute table the filter parser uses,
// so what `ovstrace run` prints can be pasted back as -p filter=...
#include "odp_format.h"
#include "odp_attrs.h"
#include "odp_filter.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t read_word(const unsigned char *p, int width, int be)
{
    uint64_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint64_t)p[be ? width - 1 - i : i] << (8 * i);
    return v;
}

static void format_flags(struct strbuf *out, const struct flag_name *names, int n, uint64_t v)
{
    if (!v) {
        sb_addc(out, '0');
        return;
    }
    int first = 1;
    for (int i = 0; i < n; i++)
        if (v & names[i].bit) {
            sb_printf(out, "%s%s", first ? "" : "|", names[i].name);
            first = 0;
            v &= ~(uint64_t)names[i].bit;
        }
    if (v)  /* bits without a name: keep them visible, and parseable as a number */
        sb_printf(out, "%s0x%llx", first ? "" : "|", (unsigned long long)v);
}

/* One field's value; the payload P is long enough (checked by the caller). */
static void format_value(struct strbuf *out, const struct attr_spec *as, const struct field_spec *fs,
                         const unsigned char *p)
{
    char text[INET6_ADDRSTRLEN];
    switch (fs->kind) {
    case K_IPV4:
        sb_add(out, inet_ntop(AF_INET, p, text, sizeof text));
        return;
    case K_IPV6:
        sb_add(out, inet_ntop(AF_INET6, p, text, sizeof text));
        return;
    case K_MAC:
        sb_printf(out, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
        return;
    case K_FRAG: {
        static const char *const frags[] = { "no", "first", "later" };
        if (p[0] < 3)
            sb_add(out, frags[p[0]]);
        else
            sb_printf(out, "%u", p[0]);
        return;
    }
    case K_U128: {
        /* Host (little-endian) order: print from the most significant byte down. */
        int top = 15;
        while (top > 0 && !p[top])
            top--;
        sb_printf(out, "0x%x", p[top]);
        for (int i = top - 1; i >= 0; i--)
            sb_printf(out, "%02x", p[i]);
        return;
    }
    default:
        break;
    }
    uint64_t word = read_word(p, fs->width, fs->be);
    uint64_t v = (word >> fs->shift) & (fs->bits >= 64 ? ~0ull : (1ull << fs->bits) - 1);
    if (fs->kind == K_CT_STATE)
        format_flags(out, odp_ct_flags, ODP_NCT_FLAGS, v);
    else if (fs->kind == K_TCP_FLAGS)
        format_flags(out, odp_tcp_flags, ODP_NTCP_FLAGS, v);
    else if (as->attr == 6)                    /* eth_type, as dump-flows prints it */
        sb_printf(out, "0x%04llx", (unsigned long long)v);
    else if ((as->flags & A_META) && !fs->name && fs->kind == K_UINT)
        sb_printf(out, v ? "0x%llx" : "%llu", (unsigned long long)v);   /* recirc_id(0x1), skb_mark(0) */
    else if (fs->sub == 0)                     /* tunnel tun_id */
        sb_printf(out, "0x%llx", (unsigned long long)v);
    else
        sb_printf(out, "%llu", (unsigned long long)v);
}

static void format_hex(struct strbuf *out, const unsigned char *p, size_t n)
{
    sb_add(out, "0x");
    for (size_t i = 0; i < n; i++)
        sb_printf(out, "%02x", p[i]);
}

/* tunnel(): each field is a nested OVS_TUNNEL_KEY_ATTR_* of its own. */
static void format_tunnel(struct strbuf *out, const struct attr_spec *as, const unsigned char *p, size_t len)
{
    int first = 1;
    for (size_t off = 0; off + 4 <= len;) {
        unsigned alen = p[off] | p[off + 1] << 8, type = (p[off + 2] | p[off + 3] << 8) & ODP_NLA_TYPE_MASK;
        if (alen < 4 || off + alen > len)
            break;
        for (int i = 0; i < as->nfields; i++) {
            const struct field_spec *fs = &as->fields[i];
            if (fs->sub == (int)type && alen - 4 >= (unsigned)fs->width) {
                sb_printf(out, "%s%s=", first ? "" : ",", fs->name);
                format_value(out, as, fs, p + off + 4);
                first = 0;
            }
        }
        off += (alen + 3) & ~3u;
    }
}

static void format_attrs(struct strbuf *out, const unsigned char *key, size_t len, int inner)
{
    size_t off = 0;
    int first = 1;
    while (off + 4 <= len) {
        unsigned alen = key[off] | key[off + 1] << 8, type = (key[off + 2] | key[off + 3] << 8) & ODP_NLA_TYPE_MASK;
        if (alen < 4)
            break;
        const unsigned char *p = key + off + 4;
        size_t plen = alen - 4;
        if (off + alen > len) {      /* cut short: the probe copied only part of the key */
            sb_add(out, first ? "..." : ",...");
            return;
        }
        sb_add(out, first ? "" : ",");
        first = 0;
        const struct attr_spec *as = odp_attr_by_type((int)type);
        if (!as) {
            sb_printf(out, "key%u(", type);
            format_hex(out, p, plen);
            sb_addc(out, ')');
        } else if (as->unsupported) {
            sb_printf(out, "%s(", as->name);
            format_hex(out, p, plen);
            sb_addc(out, ')');
        } else if (!as->fields) {
            sb_printf(out, "%s(", as->name);
            format_attrs(out, p, plen, 1);
            sb_addc(out, ')');
        } else if (as->attr == ODP_ATTR_TUNNEL) {
            sb_printf(out, "%s(", as->name);
            format_tunnel(out, as, p, plen);
            sb_addc(out, ')');
        } else {
            sb_printf(out, "%s(", as->name);
            int shown = 0;
            for (int i = 0; i < as->nfields; i++) {
                const struct field_spec *fs = &as->fields[i];
                if ((size_t)(fs->offset + fs->width) > plen)
                    continue;
                if (fs->name)
                    sb_printf(out, "%s%s=", shown++ ? "," : "", fs->name);
                format_value(out, as, fs, p + fs->offset);
            }
            sb_addc(out, ')');
        }
        off += (alen + 3) & ~3u;
    }
    if (off < len && !inner)
        sb_add(out, first ? "..." : ",...");
}

void odp_key_format(const unsigned char *key, size_t len, struct strbuf *out)
{
    format_attrs(out, key, len, 0);
}
