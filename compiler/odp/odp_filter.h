// SPDX-License-Identifier: Apache-2.0
// odp_flow parameters: parse and validate an ODP flow-key filter (the text
// `ovs-appctl dpctl/dump-flows` prints, e.g. "ipv4(src=10.0.0.0/24,proto=6),tcp(dst=80)")
// into byte compares over a netlink-encoded flow key; a reference matcher in C.
#ifndef OVSTRACE_ODP_FILTER_H
#define OVSTRACE_ODP_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Attributes that nest other attributes (include/linux/openvswitch.h). */
#define ODP_ATTR_ENCAP 1         /* OVS_KEY_ATTR_ENCAP: a VLAN packet's inner key attributes */
#define ODP_ATTR_TUNNEL 16       /* OVS_KEY_ATTR_TUNNEL: OVS_TUNNEL_KEY_ATTR_* */
/* Compare nla_type under this mask: the kernel may set NLA_F_NESTED (0x8000) on nests. */
#define ODP_NLA_TYPE_MASK 0x3fff

/* One compare: (key bytes at [offset, offset+width) of the payload of attribute `attr`
 * (nested inside `parent` when parent != 0) & mask) == value.
 * Values and masks are in the byte order of the netlink payload: network order for
 * addresses, ports, eth_type, VLAN TCI, tcp_flags, ipv6 label, tun_id, packet_type;
 * little-endian (x86_64 host order) for the u32 metadata in_port, skb_priority,
 * skb_mark, recirc_id, dp_hash, ct_mark, ct_state, for the u16 ct_zone and for the
 * 128-bit ct_label. value & ~mask is always 0 (values are masked) and mask is never all zero (a field
 * whose mask is zero, as `-m` prints them, makes no compare). */
struct odp_match {
    int attr;            /* OVS_KEY_ATTR_*; OVS_TUNNEL_KEY_ATTR_* when parent is TUNNEL */
    int parent;          /* 0, ODP_ATTR_ENCAP or ODP_ATTR_TUNNEL */
    int offset;          /* byte offset in the attribute's payload */
    int width;           /* 1, 2, 4, 8, 16 (ipv6, ct_label) or 6 (mac) */
    unsigned char value[16], mask[16];
    const char *field;   /* "ipv4.src", "encap.tcp.dst", "tunnel.tun_id", "ct_state": messages, comments */
    unsigned text_off, text_len;   /* where in the filter text it came from */
    int if_absent;       /* the compare's result when the attribute (or its parent) is not in
                          * the key: 1 only for a zero value of metadata OVS leaves out of keys
                          * when it is 0 (skb_priority, skb_mark, dp_hash, recirc_id, ct_*,
                          * packet_type, tunnel fields); header attributes must be present */
};

struct odp_filter {
    struct odp_match *m;
    int n;               /* 0: the filter matches every key (everything was wildcarded) */
    int attrs[32];       /* distinct top-level attributes the compares read (a nested compare
                          * reads its parent), in order of first use */
    int nattrs;
    /* Set for the first thing accepted but worth a warning: a value with bits outside its
     * mask (compared masked, as OVS does), a tunnel option that is not compared. With its
     * byte range in the text and a hint; "" otherwise. */
    char warning[160], warn_hint[160];
    unsigned warn_off, warn_len;
};

/* Port names in in_port(NAME), as dump-flows prints them: NUMBER turns NAME (LEN bytes)
 * into the datapath port number, or returns -1 with a reason in WHY. A fact of the host
 * (ovs-vswitchd's answer) or of a recording, handed in by whoever has it. */
struct odp_ports {
    int (*number)(const char *name, size_t len, uint32_t *port, char *why, size_t whylen, void *ctx);
    void *ctx;
};

/* Parse TEXT, port names through PORTS (NULL: a port name is an error). 0 on success. On
 * error returns -1, leaves OUT empty (freeable), and fills ERR with a message ("unknown
 * field 'srcc' in ipv4() (did you mean 'src'?)"), HINT with a hint or "" ("ipv4() fields
 * are src, dst, proto, tos, ttl, frag"), and *ERR_OFF and *ERR_LEN with the byte range in
 * TEXT the error is about. */
int odp_filter_parse(const char *text, const struct odp_ports *ports, struct odp_filter *out, char *err,
                     size_t errlen, char *hint, size_t hintlen, unsigned *err_off, unsigned *err_len);
void odp_filter_free(struct odp_filter *f);

/* Does KEY (a netlink-encoded flow key, LEN bytes of 4-byte aligned TLVs) match F?
 * The reference semantics the compiled filter must have: every compare holds; a
 * compare whose attribute (or parent) is missing gives its if_absent; a payload too
 * short for offset+width does not match. Nested ENCAP/TUNNEL are searched one level deep. */
int odp_filter_match(const struct odp_filter *f, const unsigned char *key, size_t len);

#endif
