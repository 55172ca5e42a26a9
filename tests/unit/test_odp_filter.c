// SPDX-License-Identifier: Apache-2.0
// Unit tests of the odp_flow filter: parse filter texts, then match them against
// netlink flow keys built here the way the kernel datapath lays them out; and the
// exact message, hint and byte range of every kind of error.
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L  /* inet_pton */
#endif
#include "odp/odp_filter.h"
#include "odp/odp_format.h"
#include "host/ovs_ports.h"
#include "unit.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- A small netlink key builder ---------------------------------------------------- */

struct kb {
    unsigned char b[512];
    size_t n;
    size_t nest[4];
    int depth;
};

static void put(struct kb *k, int type, const void *p, size_t len)
{
    uint16_t nla_len = (uint16_t)(4 + len), nla_type = (uint16_t)type;
    memcpy(k->b + k->n, &nla_len, 2);
    memcpy(k->b + k->n + 2, &nla_type, 2);
    if (len)
        memcpy(k->b + k->n + 4, p, len);
    k->n += (4 + len + 3) & ~(size_t)3;
}
static void u32le(struct kb *k, int type, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    put(k, type, b, 4);
}
static void u16le(struct kb *k, int type, uint16_t v)
{
    unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
    put(k, type, b, 2);
}
static void be16(struct kb *k, int type, uint16_t v)
{
    unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };
    put(k, type, b, 2);
}
static void u8(struct kb *k, int type, uint8_t v) { put(k, type, &v, 1); }
static void nest_start(struct kb *k, int type)
{
    k->nest[k->depth++] = k->n;
    put(k, type, NULL, 0);
}
static void nest_end(struct kb *k)
{
    size_t at = k->nest[--k->depth];
    uint16_t len = (uint16_t)(k->n - at);
    memcpy(k->b + at, &len, 2);
}
static void w32(unsigned char *p, uint32_t v)  /* big-endian */
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}
static void w16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static uint32_t ip(int a, int b, int c, int d) { return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d; }
static void mac(unsigned char *p, const char *s)
{
    unsigned v[6];
    sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
    for (int i = 0; i < 6; i++)
        p[i] = (unsigned char)v[i];
}
static void in6(unsigned char *p, const char *s) { inet_pton(AF_INET6, s, p); }

enum { ENCAP = 1, PRIORITY, IN_PORT, ETHERNET, VLAN, ETHERTYPE, IPV4, IPV6, TCP, UDP, ICMP, ICMPV6, ARP, ND,
       SKB_MARK, TUNNEL, SCTP, TCP_FLAGS, DP_HASH, RECIRC_ID, MPLS, CT_STATE, CT_ZONE, CT_MARK, CT_LABELS,
       CT_TUPLE4, CT_TUPLE6 };
enum { T_ID, T_IPV4_SRC, T_IPV4_DST, T_TOS, T_TTL, T_DF, T_CSUM, T_OAM, T_GENEVE, T_TP_SRC, T_TP_DST,
       T_VXLAN, T_IPV6_SRC, T_IPV6_DST, T_PAD };

static void eth(struct kb *k, const char *src, const char *dst)
{
    unsigned char e[12];
    mac(e, src);
    mac(e + 6, dst);
    put(k, ETHERNET, e, 12);
}
static void ipv4(struct kb *k, uint32_t src, uint32_t dst, int proto, int tos, int ttl, int frag)
{
    unsigned char v[12];
    w32(v, src);
    w32(v + 4, dst);
    v[8] = (unsigned char)proto; v[9] = (unsigned char)tos; v[10] = (unsigned char)ttl; v[11] = (unsigned char)frag;
    put(k, IPV4, v, 12);
}
static void ipv6(struct kb *k, const char *src, const char *dst, uint32_t label, int proto, int hlimit)
{
    unsigned char v[40] = { 0 };
    in6(v, src);
    in6(v + 16, dst);
    w32(v + 32, label);
    v[36] = (unsigned char)proto; v[38] = (unsigned char)hlimit;
    put(k, IPV6, v, 40);
}
static void ports(struct kb *k, int type, int src, int dst)
{
    unsigned char v[4];
    w16(v, (uint16_t)src);
    w16(v + 2, (uint16_t)dst);
    put(k, type, v, 4);
}
/* What every key from the kernel datapath starts with (ovs_nla_put_key order). */
static void meta(struct kb *k, uint32_t recirc, uint32_t prio, uint32_t port, uint32_t mark, uint32_t ct_state)
{
    u32le(k, RECIRC_ID, recirc);
    u32le(k, PRIORITY, prio);
    u32le(k, IN_PORT, port);
    u32le(k, SKB_MARK, mark);
    u32le(k, CT_STATE, ct_state);
    u16le(k, CT_ZONE, 0);
    u32le(k, CT_MARK, 0);
    unsigned char label[16] = { 0 };
    put(k, CT_LABELS, label, 16);
}

#define NKEYS 10
/* T: IPv4/TCP   R: the reply    U: IPv4/UDP (first fragment)   6: IPv6 neighbour solicitation
 * A: ARP        V: VLAN 10 with IPv4/TCP inside encap   N: from a VXLAN tunnel
 * C: conntrack metadata set   M: a key with no metadata but in_port   X: IPv6/TCP */
static const char key_names[NKEYS + 1] = "TRU6AVNCMX";
static struct kb keys[NKEYS];

static void build_keys(void)
{
    struct kb *k;
    unsigned char v[40];

    k = &keys[0];  /* T */
    meta(k, 0, 0, 1, 0, 0);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 0, 7), ip(10, 0, 1, 1), 6, 0, 64, 0);
    ports(k, TCP, 34567, 80);
    be16(k, TCP_FLAGS, 0x002);

    k = &keys[1];  /* R */
    meta(k, 0, 0, 2, 0, 0);
    eth(k, "50:54:00:00:01:01", "50:54:00:00:00:01");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 1, 1), ip(10, 0, 0, 7), 6, 0, 63, 0);
    ports(k, TCP, 80, 34567);
    be16(k, TCP_FLAGS, 0x012);

    k = &keys[2];  /* U */
    meta(k, 0, 3, 2, 0x10, 0);
    eth(k, "aa:bb:cc:00:00:01", "ff:ff:ff:ff:ff:ff");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(192, 168, 1, 10), ip(8, 8, 8, 8), 17, 0x10, 63, 1);
    ports(k, UDP, 5353, 53);

    k = &keys[3];  /* 6: no skb_mark/ct attributes at all */
    u32le(k, IN_PORT, 3);
    eth(k, "aa:bb:cc:dd:ee:01", "33:33:ff:00:00:02");
    be16(k, ETHERTYPE, 0x86dd);
    ipv6(k, "2001:db8::1", "ff02::1:ff00:2", 0x12345, 58, 255);
    unsigned char ic[2] = { 135, 0 };  /* struct ovs_key_icmpv6 { type, code } */
    put(k, ICMPV6, ic, 2);
    memset(v, 0, sizeof v);
    in6(v, "2001:db8::2");
    mac(v + 16, "aa:bb:cc:dd:ee:01");
    put(k, ND, v, 28);

    k = &keys[4];  /* A */
    meta(k, 0, 0, 1, 0, 0);
    eth(k, "00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff");
    be16(k, ETHERTYPE, 0x0806);
    memset(v, 0, sizeof v);
    w32(v, ip(10, 0, 0, 1));
    w32(v + 4, ip(10, 0, 0, 2));
    w16(v + 8, 1);
    mac(v + 10, "00:11:22:33:44:55");
    put(k, ARP, v, 24);

    k = &keys[5];  /* V: the kernel sets NLA_F_NESTED on some nests; the matcher must ignore it */
    meta(k, 0, 0, 4, 0, 0);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x8100);
    be16(k, VLAN, 0x1000 | 3 << 13 | 10);
    nest_start(k, ENCAP | 0x8000);
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 0, 7), ip(10, 0, 1, 1), 6, 0, 64, 0);
    ports(k, TCP, 34567, 22);
    nest_end(k);

    k = &keys[6];  /* N: a PAD before the be64 ID, as nla_put_be64 may add; TOS 0 left out */
    u32le(k, RECIRC_ID, 0);
    u32le(k, PRIORITY, 0);
    nest_start(k, TUNNEL);
    put(k, T_PAD, NULL, 0);
    unsigned char id[8] = { 0, 0, 0, 0, 0, 0, 0, 5 };
    put(k, T_ID, id, 8);
    w32(v, ip(192, 168, 0, 1));
    put(k, T_IPV4_SRC, v, 4);
    w32(v, ip(192, 168, 0, 2));
    put(k, T_IPV4_DST, v, 4);
    u8(k, T_TTL, 64);
    put(k, T_DF, NULL, 0);
    be16(k, T_TP_SRC, 51234);
    be16(k, T_TP_DST, 4789);
    nest_end(k);
    u32le(k, IN_PORT, 5);
    u32le(k, SKB_MARK, 0);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 0, 7), ip(10, 0, 1, 1), 17, 0, 64, 0);
    ports(k, UDP, 1000, 2000);

    k = &keys[7];  /* C */
    u32le(k, RECIRC_ID, 7);
    u32le(k, DP_HASH, 0x1234);
    u32le(k, PRIORITY, 0);
    u32le(k, IN_PORT, 1);
    u32le(k, SKB_MARK, 0);
    u32le(k, CT_STATE, 0x22);
    u16le(k, CT_ZONE, 5);
    u32le(k, CT_MARK, 0xab);
    unsigned char label[16] = { 1 };
    put(k, CT_LABELS, label, 16);
    memset(v, 0, sizeof v);
    w32(v, ip(10, 0, 0, 7));
    w32(v + 4, ip(10, 0, 1, 1));
    w16(v + 8, 34567);
    w16(v + 10, 80);
    v[12] = 6;
    put(k, CT_TUPLE4, v, 13);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 0, 7), ip(10, 0, 1, 1), 6, 0, 64, 0);
    ports(k, TCP, 34567, 80);
    be16(k, TCP_FLAGS, 0x010);

    k = &keys[8];  /* M */
    u32le(k, IN_PORT, 1);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x0800);
    ipv4(k, ip(10, 0, 0, 7), ip(10, 0, 1, 1), 6, 0, 64, 0);
    ports(k, TCP, 34567, 80);

    k = &keys[9];  /* X */
    meta(k, 0, 0, 6, 0, 0);
    memset(v, 0, sizeof v);
    in6(v, "2001:db8:0:1::10");
    in6(v + 16, "2001:db8::1");
    w16(v + 32, 40000);
    w16(v + 34, 443);
    v[36] = 6;
    put(k, CT_TUPLE6, v, 37);
    eth(k, "50:54:00:00:00:01", "50:54:00:00:01:01");
    be16(k, ETHERTYPE, 0x86dd);
    ipv6(k, "2001:db8:0:1::10", "2001:db8::1", 0, 6, 64);
    ports(k, TCP, 40000, 443);
    be16(k, TCP_FLAGS, 0x018);
}

/* ---- Filters that parse, and what they match (one '1'/'0' per key, in key_names order) ---- */

static const struct { const char *filter, *want; } matches[] = {
    /* masks and prefixes */
    { "ipv4(src=10.0.0.0/24)", "1000001110" },
    { "ipv4(src=10.0.1.0/24)", "0100000000" },
    { "ipv4(src=10.0.0.0/255.255.255.0)", "1000001110" },
    { "ipv4(src=10.0.0.0/0xffffff00)", "1000001110" },
    { "ipv4(src=10.0.0.7/32)", "1000001110" },
    { "ipv4(dst=0.0.0.0/0)", "1111111111" },  /* a zero mask makes no compare, even of an absent ipv4 */
    /* presence: name() or a bare name asks only that the attribute be in the key */
    { "tcp", "1100000111" },
    { "tcp()", "1100000111" },
    { "ipv4", "1110001110" },
    { "ipv4,tcp", "1100000110" },
    { "encap()", "0000010000" },
    { "eth_type(0x8100),encap", "0000010000" },
    { "tunnel()", "0000001000" },
    { "encap(tcp)", "0000010000" },
    /* the seed's bugs: numeric subfields match; every field is compared; masks are honoured */
    { "ipv4(proto=6)", "1100000110" },
    { "ipv4(proto=0x6,ttl=64)", "1000000110" },
    { "ipv4(src=10.0.0.7,dst=10.0.1.1)", "1000001110" },
    { "ipv4(src=10.0.0.7,dst=10.0.0.7)", "0000000000" },
    { "ipv4(dst=10.0.1.1),tcp(dst=81)", "0000000000" },
    { "tcp(dst=80)", "1000000110" },
    { "tcp(src=80)", "0100000000" },
    { "tcp(dst=0/0xff00)", "1000000110" },
    { "tcp(dst=443),ipv6(proto=6)", "0000000001" },
    { "udp(dst=53),ipv4(frag=first)", "0010000000" },
    { "ipv4(frag=no)", "1100001110" },
    { "ipv4(tos=0x10)", "0010000000" },
    { "sctp(dst=80)", "0000000000" },
    { "icmp(type=8,code=0)", "0000000000" },
    /* L2 */
    { "eth_type(0x0800)", "1110001110" },
    { "eth_type(0x86dd)", "0001000001" },
    { "eth(src=50:54:00:00:00:01)", "1000011111" },
    { "eth(src=50:54:00:00:00:00/ff:ff:ff:00:00:00)", "1100011111" },
    { "eth(dst=ff:ff:ff:ff:ff:ff)", "0010100000" },
    { "eth()", "1111111111" },
    /* VLAN: the TCI, and the inner headers in encap() */
    { "eth_type(0x8100),vlan(vid=10)", "0000010000" },
    { "vlan(vid=10,pcp=3,cfi=1)", "0000010000" },
    { "vlan(pcp=2)", "0000000000" },
    { "encap(eth_type(0x0800),ipv4(src=10.0.0.0/24),tcp(dst=22))", "0000010000" },
    { "encap(tcp(dst=80))", "0000000000" },
    { "ipv4(src=10.0.0.7),tcp(dst=22)", "0000000000" },
    /* metadata: u32 in host order; missing metadata reads as 0 */
    { "in_port(1)", "1000100110" },
    { "in_port(0x2)", "0110000000" },
    { "skb_mark(0x10)", "0010000000" },
    { "skb_mark(0)", "1101111111" },
    { "skb_priority(3)", "0010000000" },
    { "recirc_id(0)", "1111111011" },
    { "recirc_id(7),dp_hash(0x1234)", "0000000100" },
    { "dp_hash(0x4/0xf)", "0000000100" },
    { "packet_type(ns=0,id=0)", "1111111111" },
    { "packet_type(ns=1,id=0x800)", "0000000000" },
    /* conntrack */
    { "ct_state(+trk)", "0000000100" },
    { "ct_state(-trk)", "1111111011" },
    { "ct_state(est|trk)", "0000000100" },
    { "ct_state(trk,est)", "0000000100" },
    { "ct_state(trk)", "0000000000" },
    { "ct_state(0x20/0x20)", "0000000100" },
    { "ct_state(+trk+new)", "0000000000" },
    { "ct_state(-new+est-rel-rpl-inv+trk-snat-dnat)", "0000000100" },
    { "ct_zone(5),ct_mark(0xab)", "0000000100" },
    { "ct_mark(0xa0/0xf0)", "0000000100" },
    { "ct_label(0x1)", "0000000100" },
    { "ct_label(0)", "1111111011" },
    { "ct_tuple4(src=10.0.0.7,dst=10.0.1.1,proto=6,tp_src=34567,tp_dst=80)", "0000000100" },
    { "ct_tuple6(src=2001:db8:0:1::10,tp_dst=443,proto=6)", "0000000001" },
    /* tunnel: nested OVS_TUNNEL_KEY_ATTR_*; fields the kernel leaves out when 0 read as 0 */
    { "tunnel(tun_id=0x5,src=192.168.0.1,dst=192.168.0.2,tp_dst=4789)", "0000001000" },
    { "tunnel(tun_id=0x5/0xff,ttl=64)", "0000001000" },
    { "tunnel(tos=0)", "1111111111" },
    { "tunnel(tun_id=6)", "0000000000" },
    { "tunnel(ipv6_dst=2001:db8::1)", "0000000000" },
    /* IPv6, ICMPv6, ND, ARP */
    { "ipv6(src=2001:db8::/32)", "0001000001" },
    { "ipv6(src=2001:db8::1/128,label=0x12345,hlimit=255)", "0001000000" },
    { "ipv6(dst=2001:db8::/ffff:ffff::)", "0000000001" },
    { "icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=aa:bb:cc:dd:ee:01)", "0001000000" },
    { "nd(tll=00:00:00:00:00:00)", "0001000000" },
    { "arp(sip=10.0.0.1,tip=10.0.0.2,op=1)", "0000100000" },
    { "arp(op=2)", "0000000000" },
    { "arp(sha=00:11:22:00:00:00/ff:ff:ff:00:00:00)", "0000100000" },
    /* TCP flags */
    { "tcp_flags(syn)", "1000000000" },
    { "tcp_flags(+syn)", "1100000000" },
    { "tcp_flags(+ack-syn)", "0000000101" },
    { "tcp_flags(0x10/0x10)", "0100000101" },
    /* pasted from dpctl/dump-flows, -m and not */
    { "recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(1),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),"
      "ct_mark(0/0),ct_label(0/0),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:01:01),"
      "eth_type(0x0800),ipv4(src=10.0.0.7/0.0.0.0,dst=10.0.1.1/0.0.0.0,proto=6/0,tos=0/0,ttl=64/0,frag=no),"
      "tcp(src=34567/0,dst=80/0)", "1000000010" },
    { "recirc_id(0),in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:01:01),eth_type(0x0800),"
      "ipv4(src=10.0.0.7,dst=10.0.1.1,proto=6,frag=no),tcp(dst=80)", "1000000010" },
    { " ipv4( src = 10.0.0.0/24 , proto = 6 ) , tcp( dst = 80 ) ", "1000000110" },
};

static void test_matches(void)
{
    for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
        struct odp_filter f;
        char err[256], hint[512], got[NKEYS + 1];
        unsigned off = 0, len = 0;
        if (odp_filter_parse(matches[i].filter, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len)) {
            EXPECT(0, "%s parses", matches[i].filter);
            printf("#   error at %u+%u: %s\n", off, len, err);
            continue;
        }
        int sane = 1;
        for (int j = 0; j < f.n; j++) {
            const struct odp_match *m = &f.m[j];
            int zero = 1;
            for (int b = 0; b < m->width; b++) {
                sane &= !(m->value[b] & ~m->mask[b]);
                zero &= !m->mask[b];
            }
            sane &= (!zero || m->width == 0) && m->text_off + m->text_len <= strlen(matches[i].filter);
        }
        for (int k = 0; k < NKEYS; k++)
            got[k] = odp_filter_match(&f, keys[k].b, keys[k].n) ? '1' : '0';
        got[NKEYS] = 0;
        char what[400];
        snprintf(what, sizeof what, "%s matches %s of %s", matches[i].filter, matches[i].want, key_names);
        EXPECT_STR(got, matches[i].want, what);
        EXPECT(sane, "%s: every compare has a nonzero mask, no value bit outside it, a text range", matches[i].filter);
        odp_filter_free(&f);
    }
}

/* ---- Errors: exact message, byte range and hint ---------------------------------------- */

static const struct { const char *filter, *msg; unsigned off, len; const char *hint; } errors[] = {
    { "ipv4(srcc=10.0.0.1)", "unknown field 'srcc' in ipv4() (did you mean 'src'?)", 5, 4,
      "ipv4() fields are src, dst, proto, tos, ttl, frag" },
    { "tcp(port=80)", "unknown field 'port' in tcp()", 4, 4, "tcp() fields are src, dst" },
    { "ipv5(src=1.1.1.1)", "unknown attribute 'ipv5' (did you mean 'ipv4'?)", 0, 4,
      "attributes are recirc_id, dp_hash, skb_priority, in_port, skb_mark, ct_state, ct_zone, ct_mark, ct_label, "
      "ct_tuple4, ct_tuple6, tunnel, packet_type, eth, vlan, eth_type, encap, ipv4, ipv6, tcp, udp, sctp, "
      "tcp_flags, icmp, icmpv6, arp, nd" },
    { "in_port(1),foo(1)", "unknown attribute 'foo'", 11, 3, NULL },
    { "ipv4(proto=256)", "256 does not fit ipv4.proto (8 bits)", 11, 3,
      "ipv4.proto takes an 8-bit number, decimal or 0x hex, with an optional /MASK" },
    { "tcp(dst=65536)", "65536 does not fit tcp.dst (16 bits)", 8, 5, NULL },
    { "vlan(vid=4096)", "4096 does not fit vlan.vid (12 bits)", 9, 4, NULL },
    { "ipv6(label=0x100000)", "0x100000 does not fit ipv6.label (20 bits)", 11, 8, NULL },
    { "encap(ipv4(ttl=300))", "300 does not fit encap.ipv4.ttl (8 bits)", 15, 3, NULL },
    { "tcp(dst=80/0x10000)", "mask 0x10000 does not fit tcp.dst (16 bits)", 11, 7, NULL },
    { "ipv4(src=10.0.0.300)", "'10.0.0.300' is not an IPv4 address", 9, 10,
      "ipv4.src takes an IPv4 address with an optional /PREFIX or /MASK (10.0.0.0/24, 10.0.0.0/255.255.255.0)" },
    { "ipv4(src=10.0.0.0/33)", "/33 is not a valid prefix length for ipv4.src (0 to 32)", 18, 2, NULL },
    { "ipv4(src=10.0.0.0/255.255.0.256)", "'255.255.0.256' is not an IPv4 mask", 18, 13, NULL },
    { "ipv6(src=2001:db8::zz)", "'2001:db8::zz' is not an IPv6 address", 9, 12, NULL },
    { "ipv6(src=2001:db8::/129)", "/129 is not a valid prefix length for ipv6.src (0 to 128)", 20, 3, NULL },
    { "eth(src=aa:bb:cc:dd:ee)", "'aa:bb:cc:dd:ee' is not a MAC address", 8, 14, NULL },
    { "tcp(dst=http)", "'http' is not a number", 8, 4, NULL },
    { "ipv4(ttl=010)", "'010' has a leading zero: write it in decimal or 0x hex", 9, 3, NULL },
    { "ct_label(0x1000000000000000000000000000000000)",
      "0x1000000000000000000000000000000000 does not fit ct_label (128 bits)", 9, 36, NULL },
    /* structure */
    { "ipv4(src=1.1.1.1", "unbalanced parentheses: this '(' is never closed", 4, 1, NULL },
    { "encap(eth_type(0x0800),ipv4(src=1.1.1.1)", "unbalanced parentheses: this '(' is never closed", 5, 1, NULL },
    { "tcp(dst=80))", "unbalanced parentheses: this ')' has no matching '('", 11, 1, NULL },
    { "ipv4(src=1.1.1.1) x", "unexpected 'x' after ipv4(...): attributes are separated by ','", 18, 1, NULL },
    { "ipv4(src=1.1.1.1)tcp(dst=1)", "unexpected 'tcp' after ipv4(...): attributes are separated by ','", 17, 3,
      NULL },
    { "ipv4(src=1.1.1.1 dst=2.2.2.2)", "unexpected 'dst=2.2.2.2' after src=1.1.1.1 in ipv4()", 17, 11, NULL },
    { "ipv4(src=1.1.1.1),", "expected an attribute after ','", 17, 1, NULL },
    { "ipv4(src=1.1.1.1,)", "expected a field after ',' in ipv4()", 16, 1, NULL },
    { "ipv4(src 1.1.1.1)", "expected '=' after 'src' in ipv4()", 9, 1, NULL },
    { "", "empty flow filter", 0, 0,
      "write the key part of a dump-flows line, e.g. ipv4(src=10.0.0.0/24),tcp(dst=80)" },
    { "   ", "empty flow filter", 0, 3, NULL },
    { "ipv4(src=1.1.1.1,src=1.1.1.2)", "field 'src' given twice in ipv4()", 17, 3, NULL },
    { "ipv4(src=1.1.1.1),ipv4(dst=1.1.1.1)", "ipv4() given twice", 18, 4, NULL },
    { "ipv4(src=)", "missing value for ipv4.src", 9, 1, NULL },
    { "ipv4(src=1.1.1.1/)", "missing mask after '/' in ipv4.src", 16, 1, NULL },
    { "recirc_id()", "missing value in recirc_id()", 9, 2, NULL },
    { "in_port", "expected '(' after 'in_port'", 0, 7, "write in_port(VALUE)" },
    { "tcp,tcp(dst=80)", "tcp() given twice", 4, 3, NULL },
    /* what operators paste */
    { "ufid:8ec495e9-55a8-4adf-b21b-0ae112fe4bd5, recirc_id(0),in_port(1)",
      "'ufid:' is dump-flows output, not part of the flow key; paste only the key part", 0, 5,
      "the key is the name(...) list after 'ufid:..., ' and before ', packets:'" },
    { "in_port(1),eth_type(0x0800), packets:0, bytes:0, used:never, actions:2",
      "'packets:' is dump-flows output, not part of the flow key; paste only the key part", 29, 8, NULL },
    { "in_port(1), actions:drop",
      "'actions:' is dump-flows output, not part of the flow key; paste only the key part", 12, 8, NULL },
    { "in_port(p1)", "in_port takes a datapath port number, not a port name ('p1')", 8, 2,
      "give --pid (or use ovstrace run) so ovstrace can ask ovs-vswitchd, or dump the flows with port numbers: ovs-appctl dpctl/dump-flows --no-names" },
    { "tcp,tp_dst=80", "'tp_dst=80' is not a flow key attribute", 4, 9, NULL },
    { "tp_dst=80", "'tp_dst=80' is not a flow key attribute", 0, 9,
      "an odp_flow filter is a datapath flow key, e.g. tcp(dst=80), not OpenFlow match fields like tp_dst=80" },
    /* enums and flags */
    { "ipv4(frag=yes)", "'yes' is not a frag value", 10, 3, "ipv4.frag takes no, first or later" },
    { "ipv6(frag=frst)", "'frst' is not a frag value (did you mean 'first'?)", 10, 4, NULL },
    { "ipv4(frag=no/0xff)", "ipv4.frag takes no mask: it is always matched exactly", 12, 5, NULL },
    { "ct_state(+trak)", "unknown ct_state flag 'trak' (did you mean 'trk'?)", 10, 4,
      "ct_state flags are new, est, rel, rpl, inv, trk, snat, dnat" },
    { "ct_state(trk-new)", "'trk' in ct_state needs a '+' (set) or '-' (clear) before it", 9, 3,
      "write +trk to require it, -trk to require it clear" },
    { "ct_state(+trk+trk)", "flag 'trk' given twice in ct_state", 14, 3, NULL },
    { "tcp_flags(syn|fin|)", "expected a tcp_flags flag name after '|'", 17, 1, NULL },
    { "tcp_flags(syn&ack)", "unexpected '&' in tcp_flags flags: separate exact flags with '|'", 13, 1, NULL },
    /* not supported, or not where they are */
    { "encap(in_port(1))", "in_port() cannot be inside encap(), which holds a VLAN packet's inner headers", 6, 7,
      "encap() holds vlan, eth_type, ipv4, ipv6, tcp, udp, sctp, tcp_flags, icmp, icmpv6, arp, nd" },
    { "encap(encap(ipv4()))", "encap() inside encap() (a doubly tagged packet) is not supported yet", 6, 5, NULL },
    { "mpls(label=1)", "mpls() is not supported in odp_flow filters yet", 0, 4, NULL },
};

/* ---- Accepted with a positioned warning: values with bits outside their mask (compared
 * masked), tunnel options dump-flows prints (not compared) ---- */

static const struct {
    const char *filter, *warning;
    unsigned off, len;
    const char *same_as;     /* the filter it must match exactly like */
} warnings[] = {
    { "tunnel(tun_id=0x5,flags(-df+csum))", "tunnel flags(...) is not compared; the other tunnel() fields are", 18, 15,
      "tunnel(tun_id=0x5)" },
    { "tunnel(geneve({class=0x102,type=0x80,len=4,0xa/0xf}),tun_id=0x5),in_port(5)",
      "tunnel geneve(...) is not compared; the other tunnel() fields are", 7, 45, "tunnel(tun_id=0x5),in_port(5)" },
    { "ipv4(src=10.0.0.1/24)", "value 10.0.0.1 has bits outside mask 255.255.255.0; comparing 10.0.0.0/24", 9, 11,
      "ipv4(src=10.0.0.0/24)" },
    { "ipv4(src=10.0.1.1/255.255.255.0)",
      "value 10.0.1.1 has bits outside mask 255.255.255.0; comparing 10.0.1.0/255.255.255.0", 9, 22,
      "ipv4(src=10.0.1.0/24)" },
    { "tcp(dst=80/0xff00)", "value 80 has bits outside mask 0xff00; comparing 0/0xff00", 8, 9, "tcp(dst=0/0xff00)" },
    { "ipv6(src=2001:db8::1/64)", "value 2001:db8::1 has bits outside mask ffff:ffff:ffff:ffff::; comparing "
      "2001:db8::/64", 9, 14, "ipv6(src=2001:db8::/64)" },
    { "eth(dst=01:00:5e:00:00:01/01:00:00:00:00:00)", "value 01:00:5e:00:00:01 has bits outside mask "
      "01:00:00:00:00:00; comparing 01:00:00:00:00:00/01:00:00:00:00:00", 8, 35,
      "eth(dst=01:00:00:00:00:00/01:00:00:00:00:00)" },
    { "ct_mark(0x11/0xf0)", "value 0x11 has bits outside mask 0xf0; comparing 0x10/0xf0", 8, 9, "ct_mark(0x10/0xf0)" },
    { "tcp(src=7/0xf),udp(dst=0x13/0xff)", "", 0, 0, NULL },
};

static void test_warnings(void)
{
    for (size_t i = 0; i < sizeof warnings / sizeof warnings[0]; i++) {
        struct odp_filter f, g;
        char err[256], hint[256];
        unsigned off = 99, len = 99;
        int r = odp_filter_parse(warnings[i].filter, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
        EXPECT(r == 0, "'%s' parses (%s)", warnings[i].filter, r ? err : "ok");
        if (r)
            continue;
        if (!warnings[i].same_as) {
            /* Values inside their masks: no warning at all. */
            EXPECT_STR(f.warning, "", warnings[i].filter);
            odp_filter_free(&f);
            continue;
        }
        EXPECT_STR(f.warning, warnings[i].warning, warnings[i].filter);
        EXPECT(f.warn_off == warnings[i].off && f.warn_len == warnings[i].len,
               "'%s': warning at byte %u, %u long (got %u, %u)", warnings[i].filter, warnings[i].off,
               warnings[i].len, f.warn_off, f.warn_len);
        r = odp_filter_parse(warnings[i].same_as, NULL, &g, err, sizeof err, hint, sizeof hint, &off, &len);
        int same = r == 0 && !g.warning[0];
        for (int k = 0; same && k < NKEYS; k++)
            same = odp_filter_match(&f, keys[k].b, keys[k].n) == odp_filter_match(&g, keys[k].b, keys[k].n);
        EXPECT(same, "'%s' matches every test key as '%s' does", warnings[i].filter, warnings[i].same_as);
        odp_filter_free(&g);
        odp_filter_free(&f);
    }
}

/* ---- Keys printed as text (what `ovstrace run` shows) parse back and match their key ---- */

static void test_format(void)
{
    for (int k = 0; k < NKEYS; k++) {
        struct strbuf text = { 0 };
        odp_key_format(keys[k].b, keys[k].n, &text);
        struct odp_filter f;
        char err[256], hint[256];
        unsigned off, len;
        int r = odp_filter_parse(text.s, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
        EXPECT(r == 0 && !f.warning[0] && odp_filter_match(&f, keys[k].b, keys[k].n),
               "key %c printed as %s parses back (%s) and matches it", key_names[k], text.s, r ? err : "ok");
        if (r == 0)
            odp_filter_free(&f);
        sb_free(&text);
    }
    struct strbuf text = { 0 };
    odp_key_format(keys[0].b, keys[0].n, &text);
    EXPECT_STR(text.s, "recirc_id(0),skb_priority(0),in_port(1),skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),"
               "ct_label(0x0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:01:01),eth_type(0x0800),"
               "ipv4(src=10.0.0.7,dst=10.0.1.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=34567,dst=80),tcp_flags(syn)",
               "an IPv4/TCP key reads as dump-flows prints it");
    sb_free(&text);
    odp_key_format(keys[0].b, 30, &text);
    EXPECT_STR(text.s, "recirc_id(0),skb_priority(0),in_port(1),...", "a key cut short ends with ,...");
    sb_free(&text);
}

/* ---- in_port(NAME): resolved by the port list of the running ovs-vswitchd ---- */

static const char show[] = "dummy@ovs-dummy:\n  lookups: hit:0 missed:0 lost:0\n  flows: 0\n"
                           "  port 0: ovs-dummy (internal)\n  port 1: br0 (dummy-internal)\n  port 2: p1 (dummy)\n"
                           "  port 10: vhu-x\n";

static int fake_ports(const char *name, size_t len, uint32_t *port, char *why, size_t whylen, void *ctx)
{
    if (ovs_ports_parse(ctx, name, len, port) == 0)
        return 0;
    snprintf(why, whylen, "no datapath port '%.*s'", (int)len, name);
    return -1;
}

static void test_port_names(void)
{
    uint32_t port = 99;
    EXPECT(ovs_ports_parse(show, "p1", 2, &port) == 0 && port == 2, "dpctl/show: p1 is port 2");
    EXPECT(ovs_ports_parse(show, "vhu-x", 5, &port) == 0 && port == 10, "dpctl/show: a port without a type");
    EXPECT(ovs_ports_parse(show, "p", 1, &port) == -1, "dpctl/show: no prefix matches");
    const struct odp_ports names = { fake_ports, (void *)show };
    struct odp_filter f, g;
    char err[256], hint[256];
    unsigned off, len;
    int r = odp_filter_parse("in_port(p1),eth_type(0x0800)", &names, &f, err, sizeof err, hint, sizeof hint, &off, &len);
    int q = odp_filter_parse("in_port(2),eth_type(0x0800)", &names, &g, err, sizeof err, hint, sizeof hint, &off, &len);
    int same = r == 0 && q == 0;
    for (int k = 0; same && k < NKEYS; k++)
        same = odp_filter_match(&f, keys[k].b, keys[k].n) == odp_filter_match(&g, keys[k].b, keys[k].n);
    EXPECT(same, "in_port(p1) filters like in_port(2)");
    if (r == 0)
        odp_filter_free(&f);
    if (q == 0)
        odp_filter_free(&g);
    r = odp_filter_parse("in_port(p9)", &names, &f, err, sizeof err, hint, sizeof hint, &off, &len);
    EXPECT(r == -1 && off == 8 && len == 2, "an unknown port name is an error at the name (%u+%u)", off, len);
    EXPECT_STR(err, "in_port(p9): no datapath port 'p9'", "the resolver's reason is the message");
}

/* ovs-vswitchd's JSON-RPC reply to dpctl/show (OVS 3.5), read in pieces as reads deliver it:
 * whole only at its last byte; then its text, or its error. */
static void test_unixctl_reply(void)
{
    static const char reply[] = "{\"id\":0,\"result\":\"dummy@ovs-dummy:\\n  port 1: p1 (dummy)\\n\",\"error\":null}";
    struct unixctl_reply r = { 0 };
    int whole_early = 0, whole = 0;
    for (size_t i = 0; i < sizeof reply - 1; i += 10) {
        whole = unixctl_reply_add(&r, reply + i, sizeof reply - 1 - i < 10 ? sizeof reply - 1 - i : 10);
        whole_early |= whole && i + 10 < sizeof reply - 1;
    }
    char err[256] = "";
    char *text = unixctl_reply_text(&r, "ctl dpctl/show", err, sizeof err);
    uint32_t port = 0;
    EXPECT(whole && !whole_early && text && ovs_ports_parse(text, "p1", 2, &port) == 0 && port == 1,
           "a reply read in pieces is whole at its end; p1 is port 1 in its text");
    free(text);
    unixctl_reply_free(&r);
    static const char refused[] = "{\"id\":0,\"error\":\"\\\"no/such\\\" is not a valid command\"}";
    unixctl_reply_add(&r, refused, sizeof refused - 1);
    text = unixctl_reply_text(&r, "ctl no/such", err, sizeof err);
    EXPECT(!text && !strcmp(err, "ctl no/such: \"no/such\" is not a valid command"), "an error reply is the message");
    unixctl_reply_free(&r);
    unixctl_reply_add(&r, reply, 20);
    text = unixctl_reply_text(&r, "ctl dpctl/show", err, sizeof err);
    EXPECT(!text && !strcmp(err, "ctl dpctl/show: no answer"), "a reply cut short is no answer");
    unixctl_reply_free(&r);
}

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        struct odp_filter f;
        char err[256], hint[512];
        unsigned off = 99, len = 99;
        int r = odp_filter_parse(errors[i].filter, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
        char what[400];
        snprintf(what, sizeof what, "error for '%s'", errors[i].filter);
        EXPECT_STR(r ? err : "(parsed)", errors[i].msg, what);
        EXPECT(r && off == errors[i].off && len == errors[i].len, "'%s': error at byte %u, %u long (got %u, %u)",
               errors[i].filter, errors[i].off, errors[i].len, off, len);
        if (errors[i].hint) {
            snprintf(what, sizeof what, "hint for '%s'", errors[i].filter);
            EXPECT_STR(hint, errors[i].hint, what);
        }
        EXPECT(f.n == 0 && f.m == NULL, "'%s': the filter is left empty", errors[i].filter);
    }
}

/* ---- The compares themselves: byte order, nesting, attrs, text ranges ------------------- */

static const struct odp_match *find(const struct odp_filter *f, const char *field)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->m[i].field, field) == 0)
            return &f->m[i];
    return NULL;
}

static int bytes_are(const unsigned char *b, const char *hex)
{
    char s[40] = "";
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", b[i]);
    return strcmp(s, hex) == 0;
}

static void test_compares(void)
{
    const char *text = "in_port(5),vlan(vid=10,pcp=3),encap(ipv4(src=10.0.0.0/24)),tunnel(tun_id=0x1234,tp_dst=4789),"
                       "ct_zone(5),ct_state(+trk-new),eth_type(0x0800)";
    struct odp_filter f;
    char err[256], hint[512];
    unsigned off, len;
    int r = odp_filter_parse(text, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
    EXPECT(r == 0 && f.n == 9, "the compare list parses (%d compares)", f.n);
    if (r)
        return;
    const struct odp_match *m = find(&f, "in_port");
    EXPECT(m && m->attr == 3 && m->parent == 0 && m->width == 4 && bytes_are(m->value, "05000000")
           && bytes_are(m->mask, "ffffffff") && !m->if_absent, "in_port: u32, little-endian, must be present");
    m = find(&f, "vlan.vid");
    EXPECT(m && m->attr == 5 && m->width == 2 && bytes_are(m->value, "000a") && bytes_are(m->mask, "0fff"),
           "vlan.vid: low 12 bits of the be16 TCI");
    m = find(&f, "vlan.pcp");
    EXPECT(m && bytes_are(m->value, "6000") && bytes_are(m->mask, "e000"), "vlan.pcp: bits 13-15 of the TCI");
    m = find(&f, "encap.ipv4.src");
    EXPECT(m && m->parent == 1 && m->attr == 7 && m->offset == 0 && bytes_are(m->value, "0a000000")
           && bytes_are(m->mask, "ffffff00"), "encap.ipv4.src: nested in ENCAP, /24 as a mask");
    EXPECT(m && m->text_off == 41 && m->text_len == 15 && strncmp(text + m->text_off, "src=10.0.0.0/24", 15) == 0,
           "encap.ipv4.src: its text range is 'src=10.0.0.0/24'");
    m = find(&f, "tunnel.tun_id");
    EXPECT(m && m->parent == 16 && m->attr == 0 && m->width == 8 && bytes_are(m->value, "0000000000001234"),
           "tunnel.tun_id: OVS_TUNNEL_KEY_ATTR_ID (0), be64");
    m = find(&f, "tunnel.tp_dst");
    EXPECT(m && m->parent == 16 && m->attr == 10 && m->width == 2 && bytes_are(m->value, "12b5"),
           "tunnel.tp_dst: OVS_TUNNEL_KEY_ATTR_TP_DST (10), be16");
    m = find(&f, "ct_zone");
    EXPECT(m && m->attr == 23 && m->width == 2 && bytes_are(m->value, "0500"), "ct_zone: u16 in host order");
    m = find(&f, "ct_state");
    EXPECT(m && bytes_are(m->value, "20000000") && bytes_are(m->mask, "21000000") && !m->if_absent,
           "ct_state(+trk-new): value 0x20, mask 0x21, u32 host order");
    EXPECT(m && m->text_off == (unsigned)(strstr(text, "ct_state") - text) && m->text_len == 18,
           "ct_state: its text range is the whole ct_state(+trk-new)");
    m = find(&f, "eth_type");
    EXPECT(m && m->attr == 6 && bytes_are(m->value, "0800"), "eth_type: be16");
    int want[] = { 3, 5, 1, 16, 23, 22, 6 };
    int ok = f.nattrs == 7;
    for (int i = 0; ok && i < 7; i++)
        ok = f.attrs[i] == want[i];
    EXPECT(ok, "attrs: the top-level attributes read, parents for nested ones, in order of use");
    odp_filter_free(&f);

    r = odp_filter_parse("skb_mark(0),ct_label(0x1/0x3),tunnel(ttl=0),ipv4(ttl=0)", NULL, &f, err, sizeof err, hint,
                         sizeof hint, &off, &len);
    EXPECT(r == 0 && f.n == 4, "zero-valued metadata parses");
    EXPECT(r == 0 && find(&f, "skb_mark")->if_absent && !find(&f, "ct_label")->if_absent
           && find(&f, "tunnel.ttl")->if_absent && !find(&f, "ipv4.ttl")->if_absent,
           "if_absent: only a zero value of metadata matches a missing attribute");
    EXPECT(r == 0 && bytes_are(find(&f, "ct_label")->value, "01000000000000000000000000000000")
           && bytes_are(find(&f, "ct_label")->mask, "03000000000000000000000000000000"),
           "ct_label: a 128-bit number in host (little-endian) order");
    odp_filter_free(&f);

    /* Everything wildcarded: no compares, matches every key. */
    r = odp_filter_parse("dp_hash(0/0),ct_state(0/0),eth(src=00:00:00:00:00:00/00:00:00:00:00:00)", NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
    EXPECT(r == 0 && f.n == 0 && f.nattrs == 0 && odp_filter_match(&f, keys[0].b, keys[0].n),
           "a filter of zero masks makes no compare and matches everything");
    odp_filter_free(&f);

    /* No room for messages: still a clean failure. */
    r = odp_filter_parse("ipv4(", NULL, &f, NULL, 0, NULL, 0, NULL, NULL);
    EXPECT(r == -1 && f.n == 0, "errors without message buffers");

    /* A truncated or malformed key never matches past its end. */
    r = odp_filter_parse("tcp(dst=80)", NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len);
    EXPECT(r == 0 && !odp_filter_match(&f, keys[0].b, keys[0].n - 8 - 8),
           "a key cut before tcp() does not match tcp(dst=80)");
    unsigned char bad[8] = { 2, 0, 9, 0, 0, 0, 0, 0 };  /* nla_len 2 < 4 */
    EXPECT(r == 0 && !odp_filter_match(&f, bad, sizeof bad), "a malformed TLV stops the walk");
    odp_filter_free(&f);
}

int main(void)
{
    build_keys();
    test_matches();
    test_errors();
    test_warnings();
    test_format();
    test_port_names();
    test_unixctl_reply();
    test_compares();
    return unit_done();
}
