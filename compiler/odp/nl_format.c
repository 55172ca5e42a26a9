// SPDX-License-Identifier: Apache-2.0
// Netlink requests of the openvswitch generic netlink families, decoded for dpif_op_nl_monitor.
// The numbers are the kernel's uapi (include/uapi/linux/openvswitch.h): facts, not code.
#include "nl_format.h"

#include "odp_format.h"

#include <stdint.h>
#include <string.h>

#define NLMSG_HDRLEN 16      /* len u32, type u16, flags u16, seq u32, pid u32 */
#define GENL_HDRLEN 4        /* cmd u8, version u8, reserved u16 */
#define OVS_HDRLEN 4         /* dp_ifindex s32 */
#define NLA_HDRLEN 4         /* nla_len u16, nla_type u16 (with the nested/byte-order flags) */
#define NLA_TYPE_MASK 0x3fff
#define HEX_MAX 64           /* raw attributes print their first 64 bytes */

static const char *const flow_cmds[] = { "unspec", "new", "del", "get", "set" };
static const char *const packet_cmds[] = { "unspec", "miss", "action", "execute" };

enum attr_kind { A_HEX, A_KEY, A_ACTIONS, A_U32, A_U64, A_UFID, A_FLAG };
struct attr_name {
    const char *name;
    enum attr_kind kind;
};

static const struct attr_name flow_attrs[] = {
    { "unspec", A_HEX },     { "key", A_KEY },    { "actions", A_ACTIONS }, { "stats", A_HEX },
    { "tcp_flags", A_HEX },  { "used", A_U64 },   { "clear", A_FLAG },      { "mask", A_KEY },
    { "probe", A_FLAG },     { "ufid", A_UFID },  { "ufid_flags", A_U32 },  { "pad", A_HEX },
};
static const struct attr_name packet_attrs[] = {
    { "unspec", A_HEX }, { "packet", A_HEX },    { "key", A_KEY },      { "actions", A_ACTIONS },
    { "userdata", A_HEX }, { "egress_tun_key", A_HEX }, { "unused1", A_HEX }, { "unused2", A_HEX },
    { "probe", A_FLAG }, { "mru", A_HEX },       { "len", A_U32 },      { "hash", A_U64 },
    { "upcall_pid", A_U32 },
};
static const char *const actions[] = {
    "unspec", "output", "userspace", "set", "push_vlan", "pop_vlan", "sample", "recirc", "hash",
    "push_mpls", "pop_mpls", "set_masked", "ct", "trunc", "push_eth", "pop_eth", "ct_clear",
    "push_nsh", "pop_nsh", "meter", "clone", "check_pkt_len", "add_mpls", "dec_ttl", "drop", "psample",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Host order, as the kernel and OVS write these (x86_64: little endian); unaligned-safe. */
static uint64_t host_word(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void hex_bytes(struct strbuf *out, const unsigned char *p, size_t n)
{
    size_t shown = n > HEX_MAX ? HEX_MAX : n;
    for (size_t i = 0; i < shown; i++)
        sb_printf(out, "%02x", p[i]);
    if (shown < n)
        sb_add(out, "...");
}

/* An action list: output(2),set(0x...),... */
static void format_actions(struct strbuf *out, const unsigned char *p, size_t len)
{
    size_t off = 0;
    int first = 1;
    while (off + NLA_HDRLEN <= len) {
        unsigned alen = (unsigned)host_word(p + off, 2), type = (unsigned)host_word(p + off + 2, 2) & NLA_TYPE_MASK;
        if (alen < NLA_HDRLEN)
            break;
        size_t body = alen - NLA_HDRLEN, have = off + alen <= len ? body : len - off - NLA_HDRLEN;
        const unsigned char *v = p + off + NLA_HDRLEN;
        sb_add(out, first ? "" : ",");
        first = 0;
        if (type < COUNT(actions))
            sb_add(out, actions[type]);
        else
            sb_printf(out, "action<%u>", type);
        if (type == 1 && have >= 4)
            sb_printf(out, "(%u)", (unsigned)host_word(v, 4));
        else if (have) {
            sb_add(out, "(0x");
            hex_bytes(out, v, have);
            sb_add(out, ")");
        }
        if (off + alen > len) {
            sb_add(out, ",...");
            return;
        }
        off += (alen + 3u) & ~3u;
    }
    if (first)
        sb_add(out, "drop");
}

static void format_attr(struct strbuf *out, const struct attr_name *a, const unsigned char *v, size_t have)
{
    switch (a->kind) {
    case A_KEY:
        odp_key_format(v, have, out);
        return;
    case A_ACTIONS:
        format_actions(out, v, have);
        return;
    case A_U32:
        if (have == 4) {
            sb_printf(out, "%u", (unsigned)host_word(v, 4));
            return;
        }
        break;
    case A_U64:
        if (have == 8) {
            sb_printf(out, "%llu", (unsigned long long)host_word(v, 8));
            return;
        }
        break;
    case A_UFID:
        if (have == 16) {
            /* As OVS prints UFIDs: the four 32-bit words in host order, 8-4-4-4-12. */
            uint32_t w[4];
            for (int i = 0; i < 4; i++)
                w[i] = (uint32_t)host_word(v + 4 * i, 4);
            sb_printf(out, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16,
                      w[2] & 0xffff, w[3]);
            return;
        }
        break;
    case A_FLAG:
        if (!have) {
            sb_add(out, "yes");
            return;
        }
        break;
    case A_HEX:
        break;
    }
    sb_printf(out, "(%zu bytes) ", have);
    hex_bytes(out, v, have);
}

void nl_msg_format(const unsigned char *msg, size_t len, enum nl_family family, const char *indent,
                   struct strbuf *out)
{
    const size_t hdrs = NLMSG_HDRLEN + GENL_HDRLEN + OVS_HDRLEN;
    if (len < hdrs) {
        sb_add(out, "(message cut short: ");
        hex_bytes(out, msg, len);
        sb_add(out, ")");
        return;
    }
    const char *const *cmds = family == NL_FAMILY_FLOW ? flow_cmds : packet_cmds;
    size_t ncmds = family == NL_FAMILY_FLOW ? COUNT(flow_cmds) : COUNT(packet_cmds);
    unsigned cmd = msg[NLMSG_HDRLEN];
    sb_printf(out, "nlmsghdr: len %u, type %u, flags 0x%x, seq %u, pid %u; genl: cmd ",
              (unsigned)host_word(msg, 4), (unsigned)host_word(msg + 4, 2), (unsigned)host_word(msg + 6, 2),
              (unsigned)host_word(msg + 8, 4), (unsigned)host_word(msg + 12, 4));
    if (cmd < ncmds)
        sb_printf(out, "%s", cmds[cmd]);
    else
        sb_printf(out, "%u", cmd);
    sb_printf(out, ", version %u; ovs_header: dp_ifindex %d", msg[NLMSG_HDRLEN + 1],
              (int)(int32_t)host_word(msg + NLMSG_HDRLEN + GENL_HDRLEN, 4));
    const struct attr_name *names = family == NL_FAMILY_FLOW ? flow_attrs : packet_attrs;
    size_t nnames = family == NL_FAMILY_FLOW ? COUNT(flow_attrs) : COUNT(packet_attrs);
    const char *prefix = family == NL_FAMILY_FLOW ? "OVS_FLOW_ATTR_" : "OVS_PACKET_ATTR_";
    size_t off = hdrs;
    while (off + NLA_HDRLEN <= len) {
        unsigned alen = (unsigned)host_word(msg + off, 2), type = (unsigned)host_word(msg + off + 2, 2) & NLA_TYPE_MASK;
        sb_printf(out, "\n%s", indent);
        if (alen < NLA_HDRLEN) {
            sb_printf(out, "(bad attribute length %u)", alen);
            return;
        }
        int cut = off + alen > len;
        size_t have = cut ? len - off - NLA_HDRLEN : alen - NLA_HDRLEN;
        struct attr_name unknown = { NULL, A_HEX };
        const struct attr_name *a = type < nnames ? &names[type] : &unknown;
        char upper[32] = "";
        for (size_t i = 0; a->name && a->name[i] && i + 1 < sizeof upper; i++)
            upper[i] = (char)(a->name[i] >= 'a' && a->name[i] <= 'z' ? a->name[i] - 32 : a->name[i]);
        if (a->name)
            sb_printf(out, "%s%s: ", prefix, upper);
        else
            sb_printf(out, "%s<%u>: ", prefix, type);
        format_attr(out, a, msg + off + NLA_HDRLEN, have);
        if (cut) {
            sb_printf(out, " (cut short: %u bytes, %zu captured)", alen - NLA_HDRLEN, have);
            return;
        }
        off += (alen + 3u) & ~3u;
    }
}
