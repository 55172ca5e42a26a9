// SPDX-License-Identifier: Apache-2.0
// The type model shared by the catalog and the checker: catalog type strings
// ("struct udpif_key *", "enum flow_del_reason", "odp_key(key_len)") in, types out.
#ifndef OVSTRACE_TYPES_H
#define OVSTRACE_TYPES_H

enum tkind {
    T_VOID,
    T_INT,          /* size/is_signed; be = stored in network order */
    T_BOOL,
    T_STR,          /* a string value (comm, str(...), a literal) */
    T_CSTR,         /* const char * in the target: read with str() */
    T_CHARS,        /* char[N] inline (tracepoint comm fields) */
    T_DLSTR,        /* tracepoint __data_loc string */
    T_IPV4,         /* 4 bytes, network order */
    T_IPV6,         /* 16 bytes */
    T_MAC,          /* 6 bytes */
    T_UFID,         /* inline ovs_u128 */
    T_UFID_PTR,     /* const ovs_u128 * */
    T_ENUM,         /* ref = enum name */
    T_STRUCT,       /* ref = struct name, inline */
    T_STRUCT_PTR,   /* ref = struct name */
    T_PTR,          /* opaque pointer */
    T_ODP_KEY,      /* pointer to OVS_KEY_ATTR_* netlink list; len_field = its length */
    T_BYTES,        /* pointer to raw bytes; len_field = its length */
    T_DURATION,     /* nanoseconds once read; unit_ns = the unit stored in the target */
    T_TIMESTAMP,    /* nsecs-clock value */
    T_STACK,        /* ustack()/kstack() */
};

struct type {
    enum tkind kind;
    int size;          /* bytes as stored in the target (0: not applicable) */
    int is_signed;
    int be;
    long unit_ns;
    int array_len;     /* T_CHARS */
    int is_tid;        /* T_INT naming a thread (tid, sched_switch's next_pid): run shows its name */
    char *ref;         /* owned */
    char *len_field;   /* owned */
};

/* Parse a catalog type string. SIZE (0 = default) overrides integer width, as
 * USDT notes give 4-byte enums. Returns 0, or -1 with a message in err. */
int type_parse(const char *text, int size, struct type *out, char *err, unsigned errlen);
void type_copy(struct type *dst, const struct type *src);
void type_release(struct type *t);
struct type type_int(int size, int is_signed);
struct type type_simple(enum tkind kind);

/* Human name for messages: "u32", "enum flow_del_reason", "struct udpif_key *". */
const char *type_name(const struct type *t, char *buf, unsigned buflen);
/* The name with its article, for messages: "an odp_key", "a u32". */
const char *type_a(const struct type *t, char *buf, unsigned buflen);

int type_is_integer(const struct type *t);   /* int, bool, enum, duration, timestamp */
int type_is_string(const struct type *t);    /* any of the string kinds */
int type_is_pointer(const struct type *t);

#endif
