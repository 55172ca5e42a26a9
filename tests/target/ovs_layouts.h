/*
 * ovs_layouts.h - byte-exact stand-ins for the Open vSwitch structures that the
 * 13 OVS USDT probes pass (directly or through pointers), x86_64 LP64, non-DPDK
 * build.
 *
 * Written for the ovstrace test target (tests/target/standin.c).  This is NOT
 * Open vSwitch code: only the offsets and sizes (facts measured with pahole on
 * a real build, see docs: shared reference ovs_usdt.md section d) are
 * reproduced.  Members we do not model are explicit padding arrays named
 * pad_<offset>; every modelled offset and every size is checked with
 * _Static_assert below, so a layout mistake is a compile error.
 *
 * Conventions:
 *   - fixed-width integer types; enums stored in structs are uint32_t (gcc
 *     gives every OVS enum used here a 4-byte unsigned underlying type);
 *   - OVS "long long" / "size_t" become int64_t / uint64_t (same size here);
 *   - pointers to OVS types we do not model are "const void *" or pointers to
 *     opaque placeholder structs.
 */
#ifndef OVSTRACE_STANDIN_OVS_LAYOUTS_H
#define OVSTRACE_STANDIN_OVS_LAYOUTS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__x86_64__) || !defined(__LP64__)
#error "ovs_layouts.h describes the x86_64 (LP64) layouts only"
#endif

#define OVS_LAYOUT_OFFSET(type, member, off) \
    _Static_assert(offsetof(type, member) == (off), \
                   #type "." #member " must be at offset " #off)
#define OVS_LAYOUT_SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

/* ------------------------------------------------------------------------
 * Enums passed as probe arguments (ofproto/ofproto-dpif-upcall.c, lib/dpif.h).
 * ------------------------------------------------------------------------ */

/* ofproto/ofproto-dpif-upcall.c */
enum reval_result {
    UKEY_KEEP = 0,
    UKEY_DELETE = 1,
    UKEY_MODIFY = 2,
};

/* ofproto/ofproto-dpif-upcall.c (3.4+; FDR_FLOW_MISSING_DP since 3.5/3.4.1) */
enum flow_del_reason {
    FDR_NONE = 0,
    FDR_AVOID_CACHING = 1,
    FDR_BAD_ODP_FIT = 2,
    FDR_FLOW_IDLE = 3,
    FDR_FLOW_LIMIT = 4,
    FDR_FLOW_WILDCARDED = 5,
    FDR_NO_OFPROTO = 6,
    FDR_PURGE = 7,
    FDR_TOO_EXPENSIVE = 8,
    FDR_UPDATE_FAIL = 9,
    FDR_XLATION_ERROR = 10,
    FDR_FLOW_MISSING_DP = 11,
};

/* ofproto/ofproto-dpif-upcall.c: udpif_key.state */
enum ukey_state {
    UKEY_CREATED = 0,
    UKEY_VISIBLE = 1,
    UKEY_OPERATIONAL = 2,
    UKEY_INCONSISTENT = 3,
    UKEY_EVICTING = 4,
    UKEY_EVICTED = 5,
    UKEY_DELETED = 6,
};

/* lib/dpif.h */
enum dpif_upcall_type {
    DPIF_UC_MISS = 0,
    DPIF_UC_ACTION = 1,
};

/* lib/dpif.h */
enum dpif_op_type {
    DPIF_OP_FLOW_PUT = 1,
    DPIF_OP_FLOW_DEL = 2,
    DPIF_OP_EXECUTE = 3,
    DPIF_OP_FLOW_GET = 4,
};

/* lib/dpif.h */
enum dpif_flow_put_flags {
    DPIF_FP_CREATE = 1 << 0,
    DPIF_FP_MODIFY = 1 << 1,
    DPIF_FP_ZERO_STATS = 1 << 2,
    DPIF_FP_PROBE = 1 << 3,
};

_Static_assert(sizeof(enum reval_result) == 4, "enum reval_result is 4 bytes");
_Static_assert(sizeof(enum flow_del_reason) == 4, "enum flow_del_reason is 4 bytes");
_Static_assert(sizeof(enum dpif_upcall_type) == 4, "enum dpif_upcall_type is 4 bytes");
_Static_assert(sizeof(enum ukey_state) == 4, "enum ukey_state is 4 bytes");

/* ------------------------------------------------------------------------
 * Small building blocks.
 * ------------------------------------------------------------------------ */

/* include/openvswitch/types.h: 128-bit value (UFID).  Little-endian order of
 * the u64 halves (lo first). */
typedef union {
    uint32_t u32[4];
    struct {
        uint64_t lo, hi;
    } u64;
} ovs_u128;
OVS_LAYOUT_SIZE(ovs_u128, 16);
_Static_assert(_Alignof(ovs_u128) == 8, "ovs_u128 is 8-byte aligned");

/* include/openvswitch/list.h */
struct ovs_list {
    struct ovs_list *prev;
    struct ovs_list *next;
};
OVS_LAYOUT_SIZE(struct ovs_list, 16);

/* lib/cmap.h: one pointer */
struct cmap_node {
    struct cmap_node *next;
};
OVS_LAYOUT_SIZE(struct cmap_node, 8);

/* lib/netlink.h (linux/netlink.h): attribute header.  nla_len counts header
 * plus payload without trailing padding; the next attribute starts at
 * (nla_len + 3) & ~3. */
struct nlattr {
    uint16_t nla_len;
    uint16_t nla_type;
};
OVS_LAYOUT_SIZE(struct nlattr, 4);

/* linux/netlink.h */
struct nlmsghdr {
    uint32_t nlmsg_len;
    uint16_t nlmsg_type;
    uint16_t nlmsg_flags;
    uint32_t nlmsg_seq;
    uint32_t nlmsg_pid;
};
OVS_LAYOUT_SIZE(struct nlmsghdr, 16);

/* linux/genetlink.h */
struct genlmsghdr {
    uint8_t cmd;
    uint8_t version;
    uint16_t reserved;
};
OVS_LAYOUT_SIZE(struct genlmsghdr, 4);

/* include/linux/openvswitch.h */
struct ovs_header {
    int32_t dp_ifindex;
};
OVS_LAYOUT_SIZE(struct ovs_header, 4);

/* lib/dpif.h */
struct dpif_flow_stats {
    uint64_t n_packets;          /*  0 */
    uint64_t n_bytes;            /*  8 */
    int64_t used;                /* 16: long long, ms, 0 = never */
    uint16_t tcp_flags;          /* 24 */
    uint8_t pad_26[6];
};
OVS_LAYOUT_OFFSET(struct dpif_flow_stats, n_packets, 0);
OVS_LAYOUT_OFFSET(struct dpif_flow_stats, n_bytes, 8);
OVS_LAYOUT_OFFSET(struct dpif_flow_stats, used, 16);
OVS_LAYOUT_OFFSET(struct dpif_flow_stats, tcp_flags, 24);
OVS_LAYOUT_SIZE(struct dpif_flow_stats, 32);

/* include/openvswitch/ofpbuf.h */
struct ofpbuf {
    void *base;                  /*  0 */
    void *data;                  /*  8 */
    uint32_t size;               /* 16 */
    uint32_t allocated;          /* 20 */
    void *header;                /* 24 */
    void *msg;                   /* 32 */
    struct ovs_list list_node;   /* 40 */
    uint32_t source;             /* 56: enum ofpbuf_source */
    uint8_t pad_60[4];
};
OVS_LAYOUT_OFFSET(struct ofpbuf, base, 0);
OVS_LAYOUT_OFFSET(struct ofpbuf, data, 8);
OVS_LAYOUT_OFFSET(struct ofpbuf, size, 16);
OVS_LAYOUT_OFFSET(struct ofpbuf, allocated, 20);
OVS_LAYOUT_OFFSET(struct ofpbuf, header, 24);
OVS_LAYOUT_OFFSET(struct ofpbuf, msg, 32);
OVS_LAYOUT_OFFSET(struct ofpbuf, list_node, 40);
OVS_LAYOUT_OFFSET(struct ofpbuf, source, 56);
OVS_LAYOUT_SIZE(struct ofpbuf, 64);

/* Opaque placeholders: only pointers to these are passed to probes
 * (revalidate_ukey__:entry arg4/arg5).  Their contents are not modelled. */
struct recirc_refs {
    uint8_t opaque_[16];
};
struct xlate_cache {
    uint8_t opaque_[64];
};

/* ------------------------------------------------------------------------
 * lib/dp-packet.h: struct dp_packet (non-DPDK build), 568 bytes.
 * dp_packet_data(b) = base_ + data_ofs (NULL if data_ofs == UINT16_MAX),
 * dp_packet_size(b) = size_.
 * ------------------------------------------------------------------------ */
struct dp_packet {
    void *base_;                 /*   0 */
    uint16_t allocated_;         /*   8 */
    uint16_t data_ofs;           /*  10 */
    uint32_t size_;              /*  12 */
    uint32_t ol_flags;           /*  16: offload flags (3.5; master reshuffled from here on) */
    uint32_t rss_hash;           /*  20 */
    uint32_t flow_mark;          /*  24 */
    uint16_t tso_segsz;          /*  28 */
    uint8_t source;              /*  30: enum dp_packet_source (packed) */
    uint8_t pad_31[1];
    uint16_t l2_pad_size;        /*  32 */
    uint16_t l2_5_ofs;           /*  34 */
    uint16_t l3_ofs;             /*  36 */
    uint16_t l4_ofs;             /*  38 */
    uint16_t inner_l3_ofs;       /*  40 */
    uint16_t inner_l4_ofs;       /*  42 */
    uint32_t cutlen;             /*  44 */
    uint32_t packet_type;        /*  48: ovs_be32 */
    uint16_t csum_start;         /*  52 */
    uint16_t csum_offset;        /*  54 */
    uint64_t md[64];             /*  56: union { struct pkt_metadata md;
                                  *       uint64_t data[8]; } (512 bytes),
                                  *       not modelled */
};
OVS_LAYOUT_OFFSET(struct dp_packet, base_, 0);
OVS_LAYOUT_OFFSET(struct dp_packet, allocated_, 8);
OVS_LAYOUT_OFFSET(struct dp_packet, data_ofs, 10);
OVS_LAYOUT_OFFSET(struct dp_packet, size_, 12);
OVS_LAYOUT_OFFSET(struct dp_packet, ol_flags, 16);
OVS_LAYOUT_OFFSET(struct dp_packet, rss_hash, 20);
OVS_LAYOUT_OFFSET(struct dp_packet, flow_mark, 24);
OVS_LAYOUT_OFFSET(struct dp_packet, tso_segsz, 28);
OVS_LAYOUT_OFFSET(struct dp_packet, source, 30);
OVS_LAYOUT_OFFSET(struct dp_packet, l2_pad_size, 32);
OVS_LAYOUT_OFFSET(struct dp_packet, l3_ofs, 36);
OVS_LAYOUT_OFFSET(struct dp_packet, cutlen, 44);
OVS_LAYOUT_OFFSET(struct dp_packet, packet_type, 48);
OVS_LAYOUT_OFFSET(struct dp_packet, csum_start, 52);
OVS_LAYOUT_OFFSET(struct dp_packet, md, 56);
OVS_LAYOUT_SIZE(struct dp_packet, 568);

/* ------------------------------------------------------------------------
 * lib/dpif-provider.h: struct dpif (40 bytes in OVS 3.2-3.6; master appends
 * offload_provider_collection and grows it to 48, which moves every later
 * dpif_netlink member by 8).
 * lib/dpif-netlink.c: struct dpif_netlink (168 in 3.x), struct dpif first.
 * ------------------------------------------------------------------------ */
struct dpif_class;               /* only "type" (first member) is modelled */
struct dpif_class_head {
    const char *type;            /* 0: e.g. "system" */
};

struct dpif {
    const struct dpif_class_head *dpif_class;   /*  0 */
    char *base_name;                            /*  8 */
    char *full_name;                            /* 16: "system@ovs-system" */
    uint8_t netflow_engine_type;                /* 24 */
    uint8_t netflow_engine_id;                  /* 25 */
    uint8_t pad_26[6];
    int64_t current_ms;                         /* 32: long long */
};
OVS_LAYOUT_OFFSET(struct dpif, dpif_class, 0);
OVS_LAYOUT_OFFSET(struct dpif, base_name, 8);
OVS_LAYOUT_OFFSET(struct dpif, full_name, 16);
OVS_LAYOUT_OFFSET(struct dpif, netflow_engine_type, 24);
OVS_LAYOUT_OFFSET(struct dpif, netflow_engine_id, 25);
OVS_LAYOUT_OFFSET(struct dpif, current_ms, 32);
OVS_LAYOUT_SIZE(struct dpif, 40);

struct dpif_netlink {
    struct dpif dpif;            /*   0 */
    int32_t dp_ifindex;          /*  40 */
    uint32_t user_features;      /*  44 */
    uint8_t pad_48[72];          /*  48: struct fat_rwlock upcall_lock */
    const void *handlers;        /* 120: struct dpif_handler * */
    uint32_t n_handlers;         /* 128 */
    uint8_t pad_132[4];
    const void *channels;        /* 136: struct dpif_channel * */
    int32_t uc_array_size;       /* 144 */
    uint8_t pad_148[4];
    const void *port_notifier;   /* 152: struct nl_sock * */
    bool refresh_channels;       /* 160 */
    uint8_t pad_161[7];
};
OVS_LAYOUT_OFFSET(struct dpif_netlink, dpif, 0);
OVS_LAYOUT_OFFSET(struct dpif_netlink, dpif.full_name, 16);
OVS_LAYOUT_OFFSET(struct dpif_netlink, dp_ifindex, 40);
OVS_LAYOUT_OFFSET(struct dpif_netlink, user_features, 44);
OVS_LAYOUT_OFFSET(struct dpif_netlink, pad_48, 48);
OVS_LAYOUT_OFFSET(struct dpif_netlink, handlers, 120);
OVS_LAYOUT_OFFSET(struct dpif_netlink, n_handlers, 128);
OVS_LAYOUT_OFFSET(struct dpif_netlink, channels, 136);
OVS_LAYOUT_OFFSET(struct dpif_netlink, uc_array_size, 144);
OVS_LAYOUT_OFFSET(struct dpif_netlink, port_notifier, 152);
OVS_LAYOUT_OFFSET(struct dpif_netlink, refresh_channels, 160);
OVS_LAYOUT_SIZE(struct dpif_netlink, 168);

/* lib/dpif-netlink.c: struct dpif_netlink_flow (120), probe arg2 of
 * op_flow_put / op_flow_del / op_flow_get. */
struct dpif_netlink_flow {
    uint8_t cmd;                          /*   0: OVS_FLOW_CMD_* */
    uint8_t pad_1[3];
    uint32_t nlmsg_flags;                 /*   4 */
    int32_t dp_ifindex;                   /*   8 */
    uint8_t pad_12[4];
    const struct nlattr *key;             /*  16 */
    uint64_t key_len;                     /*  24: size_t */
    const struct nlattr *mask;            /*  32 */
    uint64_t mask_len;                    /*  40 */
    const struct nlattr *actions;         /*  48 */
    uint64_t actions_len;                 /*  56 */
    ovs_u128 ufid;                        /*  64 */
    bool ufid_present;                    /*  80 */
    bool ufid_terse;                      /*  81 */
    uint8_t pad_82[6];
    const void *stats;                    /*  88: const struct ovs_flow_stats * */
    const uint8_t *tcp_flags;             /*  96 */
    const uint64_t *used;                 /* 104: const ovs_32aligned_u64 * */
    bool clear;                           /* 112 */
    bool probe;                           /* 113 */
    uint8_t pad_114[6];
};
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, cmd, 0);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, nlmsg_flags, 4);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, dp_ifindex, 8);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, key, 16);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, key_len, 24);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, mask, 32);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, mask_len, 40);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, actions, 48);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, actions_len, 56);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, ufid, 64);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, ufid_present, 80);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, ufid_terse, 81);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, stats, 88);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, tcp_flags, 96);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, used, 104);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, clear, 112);
OVS_LAYOUT_OFFSET(struct dpif_netlink_flow, probe, 113);
OVS_LAYOUT_SIZE(struct dpif_netlink_flow, 120);

/* ------------------------------------------------------------------------
 * lib/dpif.h: DPIF operations.
 * ------------------------------------------------------------------------ */
struct dpif_flow_put {
    uint32_t flags;                       /*  0: enum dpif_flow_put_flags */
    uint8_t pad_4[4];
    const struct nlattr *key;             /*  8 */
    uint64_t key_len;                     /* 16: size_t */
    const struct nlattr *mask;            /* 24 */
    uint64_t mask_len;                    /* 32 */
    const struct nlattr *actions;         /* 40 */
    uint64_t actions_len;                 /* 48 */
    const ovs_u128 *ufid;                 /* 56: optional, may be NULL */
    uint32_t pmd_id;                      /* 64: unsigned */
    uint8_t pad_68[4];
    struct dpif_flow_stats *stats;        /* 72: output */
};
OVS_LAYOUT_OFFSET(struct dpif_flow_put, flags, 0);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, key, 8);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, key_len, 16);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, mask, 24);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, mask_len, 32);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, actions, 40);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, actions_len, 48);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, ufid, 56);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, pmd_id, 64);
OVS_LAYOUT_OFFSET(struct dpif_flow_put, stats, 72);
OVS_LAYOUT_SIZE(struct dpif_flow_put, 80);

struct dpif_flow_del {
    const struct nlattr *key;             /*  0 */
    uint64_t key_len;                     /*  8 */
    const ovs_u128 *ufid;                 /* 16 */
    bool terse;                           /* 24 */
    uint8_t pad_25[3];
    uint32_t pmd_id;                      /* 28 */
    struct dpif_flow_stats *stats;        /* 32 */
};
OVS_LAYOUT_OFFSET(struct dpif_flow_del, key, 0);
OVS_LAYOUT_OFFSET(struct dpif_flow_del, key_len, 8);
OVS_LAYOUT_OFFSET(struct dpif_flow_del, ufid, 16);
OVS_LAYOUT_OFFSET(struct dpif_flow_del, terse, 24);
OVS_LAYOUT_OFFSET(struct dpif_flow_del, pmd_id, 28);
OVS_LAYOUT_OFFSET(struct dpif_flow_del, stats, 32);
OVS_LAYOUT_SIZE(struct dpif_flow_del, 40);

struct dpif_flow_get {
    const struct nlattr *key;             /*  0 */
    uint64_t key_len;                     /*  8 */
    const ovs_u128 *ufid;                 /* 16 */
    uint32_t pmd_id;                      /* 24 */
    uint8_t pad_28[4];
    struct ofpbuf *buffer;                /* 32 */
    const void *flow;                     /* 40: struct dpif_flow * (output) */
};
OVS_LAYOUT_OFFSET(struct dpif_flow_get, key, 0);
OVS_LAYOUT_OFFSET(struct dpif_flow_get, key_len, 8);
OVS_LAYOUT_OFFSET(struct dpif_flow_get, ufid, 16);
OVS_LAYOUT_OFFSET(struct dpif_flow_get, pmd_id, 24);
OVS_LAYOUT_OFFSET(struct dpif_flow_get, buffer, 32);
OVS_LAYOUT_OFFSET(struct dpif_flow_get, flow, 40);
OVS_LAYOUT_SIZE(struct dpif_flow_get, 48);

struct dpif_execute {
    const struct nlattr *actions;         /*  0 */
    uint64_t actions_len;                 /*  8 */
    bool needs_help;                      /* 16 */
    bool probe;                           /* 17 */
    uint8_t pad_18[2];
    uint32_t mtu;                         /* 20 */
    uint64_t hash;                        /* 24 */
    const void *flow;                     /* 32: const struct flow * (master: 40, after upcall_pid) */
    struct dp_packet *packet;             /* 40 (master: 48) */
};
OVS_LAYOUT_OFFSET(struct dpif_execute, actions, 0);
OVS_LAYOUT_OFFSET(struct dpif_execute, actions_len, 8);
OVS_LAYOUT_OFFSET(struct dpif_execute, needs_help, 16);
OVS_LAYOUT_OFFSET(struct dpif_execute, probe, 17);
OVS_LAYOUT_OFFSET(struct dpif_execute, mtu, 20);
OVS_LAYOUT_OFFSET(struct dpif_execute, hash, 24);
OVS_LAYOUT_OFFSET(struct dpif_execute, flow, 32);
OVS_LAYOUT_OFFSET(struct dpif_execute, packet, 40);
OVS_LAYOUT_SIZE(struct dpif_execute, 48);

struct dpif_op {
    uint32_t type;                        /* 0: enum dpif_op_type */
    int32_t error;                        /* 4 */
    union {                               /* 8 */
        struct dpif_flow_put flow_put;
        struct dpif_flow_del flow_del;
        struct dpif_execute execute;
        struct dpif_flow_get flow_get;
    } u;
};
OVS_LAYOUT_OFFSET(struct dpif_op, type, 0);
OVS_LAYOUT_OFFSET(struct dpif_op, error, 4);
OVS_LAYOUT_OFFSET(struct dpif_op, u, 8);
OVS_LAYOUT_SIZE(struct dpif_op, 88);

/* lib/dpif.h: struct dpif_upcall (664); the packet is the first member. */
struct dpif_upcall {
    struct dp_packet packet;              /*   0 */
    uint32_t type;                        /* 568: enum dpif_upcall_type */
    uint8_t pad_572[4];
    struct nlattr *key;                   /* 576 */
    uint64_t key_len;                     /* 584: size_t */
    ovs_u128 ufid;                        /* 592 */
    struct nlattr *mru;                   /* 608 */
    struct nlattr *hash;                  /* 616 */
    struct nlattr *cutlen;                /* 624 */
    struct nlattr *userdata;              /* 632 (master: 640, after a uint32_t pid) */
    struct nlattr *out_tun_key;           /* 640 */
    struct nlattr *actions;               /* 648 */
};
OVS_LAYOUT_OFFSET(struct dpif_upcall, packet, 0);
OVS_LAYOUT_OFFSET(struct dpif_upcall, packet.size_, 12);
OVS_LAYOUT_OFFSET(struct dpif_upcall, type, 568);
OVS_LAYOUT_OFFSET(struct dpif_upcall, key, 576);
OVS_LAYOUT_OFFSET(struct dpif_upcall, key_len, 584);
OVS_LAYOUT_OFFSET(struct dpif_upcall, ufid, 592);
OVS_LAYOUT_OFFSET(struct dpif_upcall, mru, 608);
OVS_LAYOUT_OFFSET(struct dpif_upcall, hash, 616);
OVS_LAYOUT_OFFSET(struct dpif_upcall, cutlen, 624);
OVS_LAYOUT_OFFSET(struct dpif_upcall, userdata, 632);
OVS_LAYOUT_OFFSET(struct dpif_upcall, out_tun_key, 640);
OVS_LAYOUT_OFFSET(struct dpif_upcall, actions, 648);
OVS_LAYOUT_SIZE(struct dpif_upcall, 656);

/* ------------------------------------------------------------------------
 * ofproto/ofproto-dpif-upcall.c: struct udpif_key (1576) and struct udpif
 * (256).
 * ------------------------------------------------------------------------ */
struct udpif_key {
    struct cmap_node cmap_node;           /*    0 */
    const struct nlattr *key;             /*    8 */
    uint64_t key_len;                     /*   16: size_t */
    const struct nlattr *mask;            /*   24 */
    uint64_t mask_len;                    /*   32 */
    ovs_u128 ufid;                        /*   40 */
    bool ufid_present;                    /*   56 */
    uint8_t pad_57[3];
    uint32_t hash;                        /*   60 */
    uint32_t pmd_id;                      /*   64: unsigned */
    uint8_t pad_68[4];
    uint8_t pad_72[48];                   /*   72: struct ovs_mutex mutex */
    struct dpif_flow_stats stats;         /*  120 */
    const char *dp_layer;                 /*  152: "ovs", "tc", ... */
    int64_t created;                      /*  160: long long, ms */
    uint64_t dump_seq;                    /*  168 */
    uint64_t reval_seq;                   /*  176 */
    uint32_t state;                       /*  184: enum ukey_state */
    uint32_t missed_dumps;                /*  188 */
    uint32_t state_thread;                /*  192: unsigned */
    uint8_t pad_196[1364];                /*  196: state_where, actions,
                                           *  xcache, keybuf/maskbuf union,
                                           *  key_recirc_id, recircs,
                                           *  in_netdev, offloaded,
                                           *  flow_pps_rate, flow_time */
    uint64_t flow_packets;                /* 1560 */
    uint64_t flow_backlog_packets;        /* 1568 */
};
OVS_LAYOUT_OFFSET(struct udpif_key, cmap_node, 0);
OVS_LAYOUT_OFFSET(struct udpif_key, key, 8);
OVS_LAYOUT_OFFSET(struct udpif_key, key_len, 16);
OVS_LAYOUT_OFFSET(struct udpif_key, mask, 24);
OVS_LAYOUT_OFFSET(struct udpif_key, mask_len, 32);
OVS_LAYOUT_OFFSET(struct udpif_key, ufid, 40);
OVS_LAYOUT_OFFSET(struct udpif_key, ufid_present, 56);
OVS_LAYOUT_OFFSET(struct udpif_key, hash, 60);
OVS_LAYOUT_OFFSET(struct udpif_key, pmd_id, 64);
OVS_LAYOUT_OFFSET(struct udpif_key, pad_72, 72);
OVS_LAYOUT_OFFSET(struct udpif_key, stats, 120);
OVS_LAYOUT_OFFSET(struct udpif_key, stats.tcp_flags, 144);
OVS_LAYOUT_OFFSET(struct udpif_key, dp_layer, 152);
OVS_LAYOUT_OFFSET(struct udpif_key, created, 160);
OVS_LAYOUT_OFFSET(struct udpif_key, dump_seq, 168);
OVS_LAYOUT_OFFSET(struct udpif_key, reval_seq, 176);
OVS_LAYOUT_OFFSET(struct udpif_key, state, 184);
OVS_LAYOUT_OFFSET(struct udpif_key, missed_dumps, 188);
OVS_LAYOUT_OFFSET(struct udpif_key, state_thread, 192);
OVS_LAYOUT_OFFSET(struct udpif_key, flow_packets, 1560);
OVS_LAYOUT_OFFSET(struct udpif_key, flow_backlog_packets, 1568);
OVS_LAYOUT_SIZE(struct udpif_key, 1576);

struct udpif {
    struct ovs_list list_node;            /*   0 */
    struct dpif *dpif;                    /*  16 */
    const void *backer;                   /*  24: struct dpif_backer * */
    const void *handlers;                 /*  32: struct handler * */
    uint32_t n_handlers;                  /*  40 */
    uint8_t pad_44[4];
    const void *revalidators;             /*  48: struct revalidator * */
    uint32_t n_revalidators;              /*  56 */
    uint8_t pad_60[12];                   /*  60: struct latch exit_latch */
    const void *reval_seq;                /*  72: struct seq * */
    bool reval_exit;                      /*  80 */
    uint8_t pad_81[7];
    uint8_t pad_88[8];                    /*  88: struct ovs_barrier reval_barrier */
    const void *dump;                     /*  96: struct dpif_flow_dump * */
    int64_t dump_duration;                /* 104: long long, ms */
    const void *dump_seq;                 /* 112: struct seq * */
    uint8_t enable_ufid;                  /* 120: atomic_bool */
    bool pause;                           /* 121 */
    uint8_t pad_122[2];
    uint8_t pad_124[12];                  /* 124: struct latch pause_latch */
    uint8_t pad_136[8];                   /* 136: struct ovs_barrier pause_barrier */
    const void *ukeys;                    /* 144: struct umap * */
    uint32_t max_n_flows;                 /* 152: unsigned */
    uint32_t avg_n_flows;                 /* 156: unsigned */
    uint32_t flow_limit;                  /* 160: atomic_uint */
    uint32_t n_flows;                     /* 164: atomic_uint */
    int64_t n_flows_timestamp;            /* 168: atomic_llong */
    uint8_t pad_176[48];                  /* 176: struct ovs_mutex n_flows_mutex */
    const void *conns;                    /* 224: struct unixctl_conn ** */
    uint64_t conn_seq;                    /* 232 */
    uint64_t n_conns;                     /* 240: size_t */
    int64_t offload_rebalance_time;       /* 248: long long */
};
OVS_LAYOUT_OFFSET(struct udpif, list_node, 0);
OVS_LAYOUT_OFFSET(struct udpif, dpif, 16);
OVS_LAYOUT_OFFSET(struct udpif, backer, 24);
OVS_LAYOUT_OFFSET(struct udpif, handlers, 32);
OVS_LAYOUT_OFFSET(struct udpif, n_handlers, 40);
OVS_LAYOUT_OFFSET(struct udpif, revalidators, 48);
OVS_LAYOUT_OFFSET(struct udpif, n_revalidators, 56);
OVS_LAYOUT_OFFSET(struct udpif, pad_60, 60);
OVS_LAYOUT_OFFSET(struct udpif, reval_seq, 72);
OVS_LAYOUT_OFFSET(struct udpif, reval_exit, 80);
OVS_LAYOUT_OFFSET(struct udpif, pad_88, 88);
OVS_LAYOUT_OFFSET(struct udpif, dump, 96);
OVS_LAYOUT_OFFSET(struct udpif, dump_duration, 104);
OVS_LAYOUT_OFFSET(struct udpif, dump_seq, 112);
OVS_LAYOUT_OFFSET(struct udpif, enable_ufid, 120);
OVS_LAYOUT_OFFSET(struct udpif, pause, 121);
OVS_LAYOUT_OFFSET(struct udpif, pad_124, 124);
OVS_LAYOUT_OFFSET(struct udpif, pad_136, 136);
OVS_LAYOUT_OFFSET(struct udpif, ukeys, 144);
OVS_LAYOUT_OFFSET(struct udpif, max_n_flows, 152);
OVS_LAYOUT_OFFSET(struct udpif, avg_n_flows, 156);
OVS_LAYOUT_OFFSET(struct udpif, flow_limit, 160);
OVS_LAYOUT_OFFSET(struct udpif, n_flows, 164);
OVS_LAYOUT_OFFSET(struct udpif, n_flows_timestamp, 168);
OVS_LAYOUT_OFFSET(struct udpif, pad_176, 176);
OVS_LAYOUT_OFFSET(struct udpif, conns, 224);
OVS_LAYOUT_OFFSET(struct udpif, conn_seq, 232);
OVS_LAYOUT_OFFSET(struct udpif, n_conns, 240);
OVS_LAYOUT_OFFSET(struct udpif, offload_rebalance_time, 248);
OVS_LAYOUT_SIZE(struct udpif, 256);

/* ------------------------------------------------------------------------
 * include/linux/openvswitch.h: netlink constants used to build flow keys and
 * requests.
 * ------------------------------------------------------------------------ */
enum ovs_key_attr_standin {
    OVS_KEY_ATTR_PRIORITY = 2,
    OVS_KEY_ATTR_IN_PORT = 3,
    OVS_KEY_ATTR_ETHERNET = 4,
    OVS_KEY_ATTR_ETHERTYPE = 6,
    OVS_KEY_ATTR_IPV4 = 7,
    OVS_KEY_ATTR_TCP = 9,
    OVS_KEY_ATTR_UDP = 10,
    OVS_KEY_ATTR_ICMP = 11,
    OVS_KEY_ATTR_SKB_MARK = 15,
    OVS_KEY_ATTR_TCP_FLAGS = 18,
    OVS_KEY_ATTR_DP_HASH = 19,
    OVS_KEY_ATTR_RECIRC_ID = 20,
    OVS_KEY_ATTR_CT_STATE = 22,
    OVS_KEY_ATTR_CT_ZONE = 23,
    OVS_KEY_ATTR_CT_MARK = 24,
    OVS_KEY_ATTR_CT_LABELS = 25,
    OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 = 26,
};

/* OVS_KEY_ATTR_ETHERNET payload: source first. */
struct ovs_key_ethernet {
    uint8_t eth_src[6];
    uint8_t eth_dst[6];
};
OVS_LAYOUT_SIZE(struct ovs_key_ethernet, 12);

/* OVS_KEY_ATTR_IPV4 payload (addresses in network order). */
struct ovs_key_ipv4 {
    uint32_t ipv4_src;
    uint32_t ipv4_dst;
    uint8_t ipv4_proto;
    uint8_t ipv4_tos;
    uint8_t ipv4_ttl;
    uint8_t ipv4_frag;                    /* enum ovs_frag_type */
};
OVS_LAYOUT_SIZE(struct ovs_key_ipv4, 12);

/* OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 payload: 13 bytes, so nla_len is 17 and
 * the attribute is followed by 3 bytes of padding. */
struct ovs_key_ct_tuple_ipv4 {
    uint32_t ipv4_src;                    /* ovs_be32 */
    uint32_t ipv4_dst;                    /* ovs_be32 */
    uint16_t src_port;                    /* ovs_be16 */
    uint16_t dst_port;                    /* ovs_be16 */
    uint8_t ipv4_proto;
} __attribute__((packed));
OVS_LAYOUT_OFFSET(struct ovs_key_ct_tuple_ipv4, src_port, 8);
OVS_LAYOUT_OFFSET(struct ovs_key_ct_tuple_ipv4, ipv4_proto, 12);
OVS_LAYOUT_SIZE(struct ovs_key_ct_tuple_ipv4, 13);

enum ovs_flow_attr_standin {
    OVS_FLOW_ATTR_KEY = 1,
    OVS_FLOW_ATTR_ACTIONS = 2,
    OVS_FLOW_ATTR_MASK = 7,
    OVS_FLOW_ATTR_UFID = 9,
    OVS_FLOW_ATTR_UFID_FLAGS = 10,
};

enum ovs_flow_cmd_standin {
    OVS_FLOW_CMD_NEW = 1,
    OVS_FLOW_CMD_DEL = 2,
    OVS_FLOW_CMD_GET = 3,
};

enum ovs_packet_standin {
    OVS_PACKET_CMD_EXECUTE = 3,
    OVS_PACKET_ATTR_PACKET = 1,
    OVS_PACKET_ATTR_KEY = 2,
    OVS_PACKET_ATTR_ACTIONS = 3,
};

#define OVS_ACTION_ATTR_OUTPUT 1          /* u32 datapath port */
#define OVS_UFID_F_OMIT_KEY (1u << 0)
#define OVS_UFID_F_OMIT_MASK (1u << 1)
#define OVS_UFID_F_OMIT_ACTIONS (1u << 2)

#endif /* OVSTRACE_STANDIN_OVS_LAYOUTS_H */
