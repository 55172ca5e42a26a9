// SPDX-License-Identifier: Apache-2.0
// The ODP flow-key attribute table (see odp_attrs.h).
#include "odp_attrs.h"

#include <stddef.h>

#define SCALAR(kind, w, bits, be) { { NULL, kind, -1, 0, w, bits, 0, be } }
#define NUM(n, off, w, bits, be) { n, K_UINT, -1, off, w, bits, 0, be }
#define ADDR(n, kind, off, w) { n, kind, -1, off, w, 0, 0, 1 }
#define TUN(n, kind, sub, w, bits) { n, kind, sub, 0, w, bits, 0, 1 }

static const struct field_spec f_u32[] = SCALAR(K_UINT, 4, 32, 0);
static const struct field_spec f_in_port[] = SCALAR(K_PORT, 4, 32, 0);
static const struct field_spec f_ct_state[] = SCALAR(K_CT_STATE, 4, 32, 0);
static const struct field_spec f_ct_zone[] = SCALAR(K_UINT, 2, 16, 0);
static const struct field_spec f_ct_label[] = SCALAR(K_U128, 16, 128, 0);
static const struct field_spec f_eth_type[] = SCALAR(K_UINT, 2, 16, 1);
static const struct field_spec f_tcp_flags[] = SCALAR(K_TCP_FLAGS, 2, 12, 1);
static const struct field_spec f_eth[] = { ADDR("src", K_MAC, 0, 6), ADDR("dst", K_MAC, 6, 6) };
/* VLAN TCI (be16): PCP in bits 13-15, CFI ("tag present" in OVS keys) bit 12, VID bits 0-11. */
static const struct field_spec f_vlan[] = {
    { "vid", K_UINT, -1, 0, 2, 12, 0, 1 }, { "pcp", K_UINT, -1, 0, 2, 3, 13, 1 },
    { "cfi", K_UINT, -1, 0, 2, 1, 12, 1 },
};
static const struct field_spec f_ipv4[] = {
    ADDR("src", K_IPV4, 0, 4), ADDR("dst", K_IPV4, 4, 4), NUM("proto", 8, 1, 8, 1),
    NUM("tos", 9, 1, 8, 1), NUM("ttl", 10, 1, 8, 1), { "frag", K_FRAG, -1, 11, 1, 8, 0, 1 },
};
static const struct field_spec f_ipv6[] = {
    ADDR("src", K_IPV6, 0, 16), ADDR("dst", K_IPV6, 16, 16), NUM("label", 32, 4, 20, 1),
    NUM("proto", 36, 1, 8, 1), NUM("tclass", 37, 1, 8, 1), NUM("hlimit", 38, 1, 8, 1),
    { "frag", K_FRAG, -1, 39, 1, 8, 0, 1 },
};
static const struct field_spec f_ports[] = { NUM("src", 0, 2, 16, 1), NUM("dst", 2, 2, 16, 1) };
static const struct field_spec f_icmp[] = { NUM("type", 0, 1, 8, 1), NUM("code", 1, 1, 8, 1) };
static const struct field_spec f_arp[] = {
    ADDR("sip", K_IPV4, 0, 4), ADDR("tip", K_IPV4, 4, 4), NUM("op", 8, 2, 16, 1),
    ADDR("sha", K_MAC, 10, 6), ADDR("tha", K_MAC, 16, 6),
};
static const struct field_spec f_nd[] = {
    ADDR("target", K_IPV6, 0, 16), ADDR("sll", K_MAC, 16, 6), ADDR("tll", K_MAC, 22, 6),
};
/* enum ovs_tunnel_key_attr: ID 0 (be64), IPV4_SRC 1, IPV4_DST 2, TOS 3, TTL 4, TP_SRC 9,
 * TP_DST 10, IPV6_SRC 12, IPV6_DST 13; each field is its own nested attribute. */
static const struct field_spec f_tunnel[] = {
    TUN("tun_id", K_UINT, 0, 8, 64), TUN("src", K_IPV4, 1, 4, 0), TUN("dst", K_IPV4, 2, 4, 0),
    TUN("ipv6_src", K_IPV6, 12, 16, 0), TUN("ipv6_dst", K_IPV6, 13, 16, 0),
    TUN("tos", K_UINT, 3, 1, 8), TUN("ttl", K_UINT, 4, 1, 8),
    TUN("tp_src", K_UINT, 9, 2, 16), TUN("tp_dst", K_UINT, 10, 2, 16),
};
/* be32 (ns << 16 | id); PT_ETH, what a missing attribute means, is ns=0,id=0. */
static const struct field_spec f_packet_type[] = { NUM("ns", 0, 2, 16, 1), NUM("id", 2, 2, 16, 1) };
static const struct field_spec f_ct_tuple4[] = {
    ADDR("src", K_IPV4, 0, 4), ADDR("dst", K_IPV4, 4, 4), NUM("proto", 12, 1, 8, 1),
    NUM("tp_src", 8, 2, 16, 1), NUM("tp_dst", 10, 2, 16, 1),
};
static const struct field_spec f_ct_tuple6[] = {
    ADDR("src", K_IPV6, 0, 16), ADDR("dst", K_IPV6, 16, 16), NUM("proto", 36, 1, 8, 1),
    NUM("tp_src", 32, 2, 16, 1), NUM("tp_dst", 34, 2, 16, 1),
};

#define FIELDS(a) a, (int)(sizeof a / sizeof a[0])
/* In the order dump-flows prints them; the hint lists them in this order. */
const struct attr_spec odp_attrs[ODP_NATTRS] = {
    { "recirc_id", 20, FIELDS(f_u32), A_META, NULL },
    { "dp_hash", 19, FIELDS(f_u32), A_META, NULL },
    { "skb_priority", 2, FIELDS(f_u32), A_META, NULL },
    { "in_port", 3, FIELDS(f_in_port), 0, NULL },
    { "skb_mark", 15, FIELDS(f_u32), A_META, NULL },
    { "ct_state", 22, FIELDS(f_ct_state), A_META, NULL },
    { "ct_zone", 23, FIELDS(f_ct_zone), A_META, NULL },
    { "ct_mark", 24, FIELDS(f_u32), A_META, NULL },
    { "ct_label", 25, FIELDS(f_ct_label), A_META, NULL },
    { "ct_tuple4", 26, FIELDS(f_ct_tuple4), A_META, NULL },
    { "ct_tuple6", 27, FIELDS(f_ct_tuple6), A_META, NULL },
    { "tunnel", 16, FIELDS(f_tunnel), A_META, NULL },
    { "packet_type", 29, FIELDS(f_packet_type), A_META, NULL },
    { "eth", 4, FIELDS(f_eth), 0, NULL },
    { "vlan", 5, FIELDS(f_vlan), A_INNER, NULL },
    { "eth_type", 6, FIELDS(f_eth_type), A_INNER, NULL },
    { "encap", 1, NULL, 0, A_INNER, NULL },
    { "ipv4", 7, FIELDS(f_ipv4), A_INNER, NULL },
    { "ipv6", 8, FIELDS(f_ipv6), A_INNER, NULL },
    { "tcp", 9, FIELDS(f_ports), A_INNER, NULL },
    { "udp", 10, FIELDS(f_ports), A_INNER, NULL },
    { "sctp", 17, FIELDS(f_ports), A_INNER, NULL },
    { "tcp_flags", 18, FIELDS(f_tcp_flags), A_INNER, NULL },
    { "icmp", 11, FIELDS(f_icmp), A_INNER, NULL },
    { "icmpv6", 12, FIELDS(f_icmp), A_INNER, NULL },
    { "arp", 13, FIELDS(f_arp), A_INNER, NULL },
    { "nd", 14, FIELDS(f_nd), A_INNER, NULL },
    { "mpls", 21, NULL, 0, 0, "mpls() is not supported in odp_flow filters yet" },
    { "nsh", 28, NULL, 0, 0, "nsh() is not supported in odp_flow filters yet" },
    { "nd_ext", 30, NULL, 0, 0, "nd_ext() is not supported in odp_flow filters (userspace datapath only)" },
};


const struct flag_name odp_ct_flags[ODP_NCT_FLAGS] = {  /* enum ct_state in templates/enums.yaml */
    { "new", 0x01 }, { "est", 0x02 }, { "rel", 0x04 }, { "rpl", 0x08 },
    { "inv", 0x10 }, { "trk", 0x20 }, { "snat", 0x40 }, { "dnat", 0x80 },
};
const struct flag_name odp_tcp_flags[ODP_NTCP_FLAGS] = {  /* lib/packets.c packet_tcp_flag_to_string */
    { "fin", 0x001 }, { "syn", 0x002 }, { "rst", 0x004 }, { "psh", 0x008 }, { "ack", 0x010 },
    { "urg", 0x020 }, { "ece", 0x040 }, { "cwr", 0x080 }, { "ns", 0x100 },
};

const struct attr_spec *odp_attr_by_type(int type)
{
    for (int i = 0; i < ODP_NATTRS; i++)
        if (odp_attrs[i].attr == type)
            return &odp_attrs[i];
    return NULL;
}
