// SPDX-License-Identifier: Apache-2.0
// The ODP flow-key attribute table: for each OVS_KEY_ATTR_* the name dump-flows prints and
// where each field sits in the netlink payload (struct ovs_key_* of the kernel's
// include/uapi/linux/openvswitch.h, written down as offsets). The filter parser reads text
// through it; the key formatter prints bytes through it.
#ifndef OVSTRACE_ODP_ATTRS_H
#define OVSTRACE_ODP_ATTRS_H

/* How a field's text becomes bytes. */
enum kind {
    K_UINT,      /* a number of `bits` bits at bit `shift` of a `width`-byte word */
    K_PORT,      /* in_port: a number; dpctl may print a port name instead */
    K_IPV4,      /* A.B.C.D[/PREFIX | /A.B.C.D | /0xMASK] */
    K_IPV6,      /* inet6[/PREFIX | /inet6] */
    K_MAC,       /* aa:bb:cc:dd:ee:ff[/mask] */
    K_FRAG,      /* no|first|later (enum ovs_frag_type), always exact */
    K_CT_STATE,  /* a number[/mask], "+trk-new" (masked) or "trk|est" (exact) */
    K_TCP_FLAGS, /* the same with TCP flag names */
    K_U128,      /* ct_label: a 128-bit number */
};

struct field_spec {
    const char *name;    /* NULL: the attribute's value itself, name(VALUE) */
    enum kind kind;
    int sub;             /* in tunnel(): the OVS_TUNNEL_KEY_ATTR_* holding the field; else -1 */
    int offset, width;   /* in the payload (struct ovs_key_* of include/linux/openvswitch.h) */
    int bits, shift;     /* K_UINT, K_PORT, flags: value bits and their position in the word */
    int be;              /* network byte order; else little-endian (x86_64 host order) */
};

enum {
    A_META = 1,   /* OVS leaves it out of a key when it is 0: a missing attribute reads as zeros */
    A_INNER = 2,  /* may appear inside encap() (a VLAN packet's inner headers) */
};

struct attr_spec {
    const char *name;
    int attr;                        /* OVS_KEY_ATTR_* */
    const struct field_spec *fields; /* NULL: encap(), nested attributes */
    int nfields;
    unsigned flags;
    const char *unsupported;         /* why it cannot be filtered on, or NULL */
};

struct flag_name {
    const char *name;
    unsigned bit;
};
#define ODP_NATTRS 30
extern const struct attr_spec odp_attrs[ODP_NATTRS];
#define ODP_NCT_FLAGS 8
#define ODP_NTCP_FLAGS 9
extern const struct flag_name odp_ct_flags[ODP_NCT_FLAGS];
extern const struct flag_name odp_tcp_flags[ODP_NTCP_FLAGS];

/* The entry for attribute type TYPE at the top level or in encap(), or NULL. */
const struct attr_spec *odp_attr_by_type(int type);

#endif
