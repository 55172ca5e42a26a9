/*
 * standin.c - the ovstrace test target: a small program that fires the 13
 * Open vSwitch USDT probes exactly as an OVS 3.5 x86_64 build with
 * --enable-usdt-probes does (same provider:name, argument order, argument
 * sizes in the stapsdt notes, and byte-exact structures behind the pointer
 * arguments, see ovs_layouts.h), driven by a deterministic scenario.
 *
 * It is built as "ovs-vswitchd" so that tools that look for the process by
 * name find it.  It is not Open vSwitch code: the function names below only
 * mirror the OVS functions that contain the probes so that user stacks look
 * plausible.
 *
 * Threads (named like OVS threads):
 *   main          main:run_start, a little work, main:poll_block, sleep -m ms
 *   handler1      per round, F new flows: dpif_recv:recv_upcall, then
 *                 dpif_netlink_operate__:op_flow_put / op_flow_execute
 *                 (and op_flow_get for every 7th flow); with -H N there
 *                 are N handlers (handler1..handlerN) taking an equal share
 *                 of each round's flows in turn (handler1 first), and -d US
 *                 is the time each takes between receiving a batch and its
 *                 first put (the "lookup")
 *   revalidator2  the leader: udpif_revalidator:start_dump, a dump phase
 *                 (revalidate:flow_result per dumped flow, with
 *                 revalidate_ukey__:entry/exit around some), a sweep phase
 *                 (revalidator_sweep__:flow_sweep_result per operational
 *                 ukey), deletes/modifies through
 *                 dpif_netlink_operate__:op_flow_del / op_flow_put, then
 *                 udpif_revalidator:sweep_done; one round every -r ms
 *
 * Flow n: ipv4 src 10.0.0.(1 + n%4), dst 10.0.1.(1 + n%2), proto tcp/udp/icmp
 * for n%3 = 0/1/2, in_port 1 + n%3, tcp/udp src port 1024 + n%60000, dst
 * port 80|443 (tcp) or 53|123 (udp), icmp echo request; flows with n%4 == 3
 * are conntrack-ed (recirc_id 1, ct_state trk|est, ct_zone 1, ct_mark,
 * ct_label, ct_tuple4).  The key is netlink-encoded in the kernel
 * datapath's attribute order (key_len 140 tcp, 132 udp/icmp, +20 with
 * ct_tuple4); the packet is a 64..100-byte Ethernet/IPv4/L4 frame.  The UFID
 * is a fixed function of n with the UUIDv4 bits set.  Every 5th flow
 * (n%5 == 4) is an action upcall (type 1), the others misses (type 0).
 *
 * Round r (r = 0, 1, ...), with F = -f flows per round and L = -a lifetime:
 *   - the revalidator asks the handler for round r's flows and waits for
 *     them, so the truth log is deterministic apart from main-thread lines
 *     and timing fields;
 *   - flow n (n = r*F + k) is created in round c = n / F; its "age" in round r
 *     is r - c; R(n) = (n % 11) + 1 is its delete reason;
 *   - dump phase: every live flow that is in the datapath fires
 *     revalidate:flow_result.  At age L it is deleted there (UKEY_DELETE, R)
 *     unless R is 7 (purge), 9 (update_fail) or 11 (flow_missing_dp), which
 *     are decided in the sweep.  Flows with R = 11 are "missing from the
 *     datapath" from age 1 on: they are not dumped (no flow_result, not
 *     counted in n_flows) and ukey->missed_dumps counts up.
 *     revalidate_ukey__:entry/exit fire around the deletions with reasons
 *     decided inside revalidate_ukey__() in OVS (1, 2, 5, 6, 10) and, in every
 *     3rd round (r % 3 == 2, a simulated reval_seq bump), around the flows of
 *     age >= 1 with (n + r) even; of those, flows with n % 5 == 2 get
 *     UKEY_MODIFY (then an op_flow_put with flags=2 from the revalidator).
 *   - sweep phase: every remaining live flow fires
 *     revalidator_sweep__:flow_sweep_result, UKEY_KEEP/FDR_NONE, except flows
 *     of age L with R in {7, 9, 11}: UKEY_DELETE with that reason.
 *   - every deleted flow fires op_flow_del (revalidator thread) and is freed.
 *
 * Truth log (-l FILE): one line per probe fire, tab-separated:
 *     PROVIDER:NAME <TAB> TID <TAB> key=value <TAB> key=value ...
 *   main:run_start / main:poll_block: iter
 *   flow lines: round flow ufid key_len in_port src dst proto tp_src tp_dst
 *   plus per probe: recv_upcall: dpif type packet_len;
 *   op_flow_put: flags mask_len actions_len nl_len; op_flow_execute:
 *   packet_len nl_len; op_flow_get / op_flow_del: nl_len;
 *   revalidate_ukey__:entry: tcp_flags; revalidate_ukey__:exit: result;
 *   flow_result / flow_sweep_result: result reason missed_dumps;
 *   start_dump: round n_flows; sweep_done: round n_flows max_wait_ms
 *   avg_n_flows max_n_flows flow_limit dump_duration.
 * The UFID is printed like OVS's UUID_FMT over ufid.u32[0..3].
 */
#define _GNU_SOURCE 1

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

#include "ovs_layouts.h"

#define NOINLINE __attribute__((noinline, noclone))

/* ------------------------------------------------------------------------
 * Options and global state.
 * ------------------------------------------------------------------------ */

struct options {
    unsigned long rounds;        /* -n, 0 = until SIGINT/SIGTERM */
    unsigned int main_ms;        /* -m */
    unsigned int reval_ms;       /* -r */
    unsigned int flows_per_round;/* -f */
    unsigned int wait_ms;        /* -w */
    bool wait_go;                /* -g */
    unsigned int lifetime;       /* -a */
    unsigned int handlers;       /* -H */
    unsigned int lookup_us;      /* -d */
    bool quiet;                  /* -q */
    const char *log_path;        /* -l */
    const char *pid_path;        /* -p */
};

static struct options opts = {
    .rounds = 0,
    .main_ms = 50,
    .reval_ms = 100,
    .flows_per_round = 4,
    .wait_ms = 0,
    .lifetime = 4,
    .handlers = 1,
};
#define MAX_HANDLERS 16

/* ofproto settings (other_config:max-idle / max-revalidator); non-static,
 * non-const globals so that sweep_done's max_wait is computed at run time
 * (a register operand in the stapsdt note, as in OVS, not an immediate). */
unsigned int ofproto_max_idle = 10000;
unsigned int ofproto_max_revalidator = 500;
#define FLOW_LIMIT 10000u
#define DP_IFINDEX 4
#define PMD_ID_NULL UINT32_MAX
#define OVS_FLOW_FAMILY 35        /* genl family ids are dynamic; plausible */
#define OVS_PACKET_FAMILY 36
#define NLM_F_REQUEST 0x1
#define NLM_F_ECHO 0x8
#define NLM_F_CREATE 0x400
#define OPERATE_MAX_OPS 32

/* Stop handling: the signal handler and the revalidator (after -n rounds)
 * write to wake_pipe; the main thread polls it (its "poll_block") and then
 * tells the workers through 'stop'. */
static volatile sig_atomic_t got_signal;
static int wake_pipe[2] = { -1, -1 };
static atomic_bool reval_done;

/* -g: SIGUSR1 says "go" (the test's tracer has attached).  The handler sets
 * got_go and wakes the main thread, which passes it on to the revalidator
 * through 'go'. */
static volatile sig_atomic_t got_go;

static pthread_mutex_t state_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond;          /* CLOCK_MONOTONIC */
static bool stop;                          /* under state_mutex */
static bool go;                            /* -g: SIGUSR1 came; state_mutex */
static long handler_request = -1;          /* round requested, state_mutex */
static long handler_done[MAX_HANDLERS];    /* round finished, state_mutex */

/* ------------------------------------------------------------------------
 * Probe accounting and the ground-truth log.
 * ------------------------------------------------------------------------ */

enum probe_id {
    P_RUN_START,
    P_POLL_BLOCK,
    P_RECV_UPCALL,
    P_OP_FLOW_PUT,
    P_OP_FLOW_DEL,
    P_OP_FLOW_EXECUTE,
    P_OP_FLOW_GET,
    P_START_DUMP,
    P_SWEEP_DONE,
    P_UKEY_ENTRY,
    P_UKEY_EXIT,
    P_FLOW_RESULT,
    P_FLOW_SWEEP_RESULT,
    N_PROBES
};

static const char *const probe_names[N_PROBES] = {
    [P_RUN_START] = "main:run_start",
    [P_POLL_BLOCK] = "main:poll_block",
    [P_RECV_UPCALL] = "dpif_recv:recv_upcall",
    [P_OP_FLOW_PUT] = "dpif_netlink_operate__:op_flow_put",
    [P_OP_FLOW_DEL] = "dpif_netlink_operate__:op_flow_del",
    [P_OP_FLOW_EXECUTE] = "dpif_netlink_operate__:op_flow_execute",
    [P_OP_FLOW_GET] = "dpif_netlink_operate__:op_flow_get",
    [P_START_DUMP] = "udpif_revalidator:start_dump",
    [P_SWEEP_DONE] = "udpif_revalidator:sweep_done",
    [P_UKEY_ENTRY] = "revalidate_ukey__:entry",
    [P_UKEY_EXIT] = "revalidate_ukey__:exit",
    [P_FLOW_RESULT] = "revalidate:flow_result",
    [P_FLOW_SWEEP_RESULT] = "revalidator_sweep__:flow_sweep_result",
};

static atomic_ulong probe_counts[N_PROBES];
static FILE *truth_log;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local pid_t my_tid;

static pid_t
current_tid(void)
{
    if (!my_tid) {
        my_tid = gettid();
    }
    return my_tid;
}

/* Records one probe fire: counts it and, with -l, writes a truth-log line
 * "NAME\tTID\t<fields>".  'fmt' gives the tab-separated key=value fields. */
static void truth(enum probe_id id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
truth(enum probe_id id, const char *fmt, ...)
{
    atomic_fetch_add(&probe_counts[id], 1);
    if (!truth_log) {
        return;
    }

    va_list args;
    va_start(args, fmt);
    pthread_mutex_lock(&log_mutex);
    fprintf(truth_log, "%s\t%d\t", probe_names[id], (int) current_tid());
    vfprintf(truth_log, fmt, args);
    fputc('\n', truth_log);
    pthread_mutex_unlock(&log_mutex);
    va_end(args);
}

/* ------------------------------------------------------------------------
 * Time helpers.
 * ------------------------------------------------------------------------ */

static int64_t
time_msec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec
deadline_after_ms(int64_t base_ms, unsigned int ms)
{
    int64_t t = base_ms + ms;
    struct timespec ts = {
        .tv_sec = t / 1000,
        .tv_nsec = (long) (t % 1000) * 1000000L,
    };
    return ts;
}

/* Waits until 'deadline' (CLOCK_MONOTONIC) or until stop is requested.
 * Returns false if stop was requested.  Caller must not hold state_mutex. */
static bool
sleep_until(const struct timespec *deadline)
{
    bool ok;

    pthread_mutex_lock(&state_mutex);
    while (!stop) {
        if (pthread_cond_timedwait(&state_cond, &state_mutex, deadline)
            == ETIMEDOUT) {
            break;
        }
    }
    ok = !stop;
    pthread_mutex_unlock(&state_mutex);
    return ok;
}

/* -g: waits until the main thread has seen SIGUSR1, or until stop is
 * requested.  Returns false if stop was requested. */
static bool
wait_for_go(void)
{
    bool ok;

    pthread_mutex_lock(&state_mutex);
    while (!stop && !go) {
        pthread_cond_wait(&state_cond, &state_mutex);
    }
    ok = !stop;
    pthread_mutex_unlock(&state_mutex);
    return ok;
}

/* ------------------------------------------------------------------------
 * Flows: one udpif_key plus everything the stand-in keeps about it.
 * ------------------------------------------------------------------------ */

#define KEYBUF_SIZE 192
#define PKT_HEADROOM 64
#define PKT_MAX 100

struct sflow {
    struct udpif_key ukey;       /* must be first; passed to probes */

    uint64_t n;                  /* flow number */
    unsigned long created_round;
    enum flow_del_reason reason; /* R(n), used when the flow retires */

    /* Flow fields (host byte order). */
    uint32_t in_port;
    uint32_t ip_src, ip_dst;
    uint8_t proto, ttl;
    uint16_t tp_src, tp_dst;     /* ICMP: type, code */
    bool ct;                     /* conntrack-ed (recirculated) flow */
    uint32_t pkt_len;
    uint32_t out_port;

    char ufid_str[40];
    char ip_src_str[16], ip_dst_str[16];

    _Alignas(8) uint8_t keybuf[KEYBUF_SIZE];
    _Alignas(8) uint8_t maskbuf[KEYBUF_SIZE];
    _Alignas(8) uint8_t actions[16];
    size_t actions_len;
};

static struct sflow **live_flows;        /* creation order */
static size_t n_live, live_cap;
static pthread_mutex_t flows_mutex = PTHREAD_MUTEX_INITIALIZER;

static struct sflow *
sflow_from_ukey(const struct udpif_key *ukey)
{
    return (struct sflow *) ((char *) ukey - offsetof(struct sflow, ukey));
}

static void
live_flows_append(struct sflow *f)
{
    pthread_mutex_lock(&flows_mutex);
    if (n_live == live_cap) {
        size_t cap = live_cap ? live_cap * 2 : 64;
        struct sflow **p = realloc(live_flows, cap * sizeof *p);
        if (!p) {
            perror("realloc");
            abort();
        }
        live_flows = p;
        live_cap = cap;
    }
    live_flows[n_live++] = f;
    pthread_mutex_unlock(&flows_mutex);
}

/* Drops the entries set to NULL, keeping the order. */
static void
live_flows_compact(void)
{
    size_t j = 0;

    pthread_mutex_lock(&flows_mutex);
    for (size_t i = 0; i < n_live; i++) {
        if (live_flows[i]) {
            live_flows[j++] = live_flows[i];
        }
    }
    n_live = j;
    pthread_mutex_unlock(&flows_mutex);
}

static void
format_ufid(const ovs_u128 *ufid, char *s, size_t size)
{
    snprintf(s, size, "%08x-%04x-%04x-%04x-%04x%08x",
             ufid->u32[0], ufid->u32[1] >> 16, ufid->u32[1] & 0xffff,
             ufid->u32[2] >> 16, ufid->u32[2] & 0xffff, ufid->u32[3]);
}

static void
format_ip(uint32_t ip, char *s, size_t size)
{
    snprintf(s, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
             (ip >> 8) & 0xff, ip & 0xff);
}

/* splitmix64 finaliser: a fixed bijective mix, so UFIDs are deterministic. */
static uint64_t
mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* A deterministic UFID for flow 'n', with the UUID version-4 and variant
 * bits set the way OVS sets them on its (hash-based) UFIDs. */
static void
make_ufid(uint64_t n, ovs_u128 *ufid)
{
    ufid->u64.lo = mix64(2 * n + UINT64_C(0x4f56537472616365));
    ufid->u64.hi = mix64(2 * n + 1 + UINT64_C(0x4f56537472616365));
    ufid->u32[1] = (ufid->u32[1] & ~UINT32_C(0xf000)) | UINT32_C(0x4000);
    ufid->u32[2] = (ufid->u32[2] & UINT32_C(0x3fffffff)) | UINT32_C(0x80000000);
}

/* ------------------------------------------------------------------------
 * Netlink encoding.
 * ------------------------------------------------------------------------ */

#define NLA_ALIGN(len) (((len) + 3u) & ~3u)

struct nlbuf {
    uint8_t *data;
    size_t size;
    size_t cap;
};

static void *
nl_put(struct nlbuf *b, uint16_t type, const void *payload, size_t len)
{
    size_t total = NLA_ALIGN(sizeof(struct nlattr) + len);
    if (b->size + total > b->cap || sizeof(struct nlattr) + len > UINT16_MAX) {
        fprintf(stderr, "standin: netlink buffer overflow\n");
        abort();
    }

    uint8_t *p = b->data + b->size;
    struct nlattr nla = {
        .nla_len = (uint16_t) (sizeof(struct nlattr) + len),
        .nla_type = type,
    };
    memcpy(p, &nla, sizeof nla);
    if (len) {
        memcpy(p + sizeof nla, payload, len);
    }
    memset(p + sizeof nla + len, 0, total - sizeof nla - len);
    b->size += total;
    return p + sizeof nla;
}

static void
nl_put_u32(struct nlbuf *b, uint16_t type, uint32_t v)
{
    nl_put(b, type, &v, sizeof v);
}

static void
nl_put_u16(struct nlbuf *b, uint16_t type, uint16_t v)
{
    nl_put(b, type, &v, sizeof v);
}

/* Builds the flow key (or, with 'mask', the megaflow mask) in the attribute
 * order the kernel datapath uses for upcall keys: recirc_id, dp_hash,
 * priority, in_port, skb_mark, ct_state, ct_zone, ct_mark, ct_label,
 * [ct_tuple4 for conntrack-ed flows], eth, eth_type, ipv4, tcp/udp/icmp,
 * tcp_flags (TCP only). */
static size_t
build_key(const struct sflow *f, bool mask, uint8_t *buf, size_t cap)
{
    struct nlbuf b = { .data = buf, .size = 0, .cap = cap };
    uint32_t all32 = UINT32_MAX;

    nl_put_u32(&b, OVS_KEY_ATTR_RECIRC_ID, mask ? all32 : (f->ct ? 1 : 0));
    nl_put_u32(&b, OVS_KEY_ATTR_DP_HASH, 0);
    nl_put_u32(&b, OVS_KEY_ATTR_PRIORITY, 0);
    nl_put_u32(&b, OVS_KEY_ATTR_IN_PORT, mask ? all32 : f->in_port);
    nl_put_u32(&b, OVS_KEY_ATTR_SKB_MARK, 0);
    nl_put_u32(&b, OVS_KEY_ATTR_CT_STATE,
               f->ct ? (mask ? 0x3f : 0x22) : 0);   /* 0x22 = trk|est */
    nl_put_u16(&b, OVS_KEY_ATTR_CT_ZONE, f->ct && !mask ? 1 : 0);
    nl_put_u32(&b, OVS_KEY_ATTR_CT_MARK,
               f->ct && !mask ? (uint32_t) (0x100 + f->n % 256) : 0);

    uint8_t label[16] = { 0 };
    if (f->ct && !mask) {
        label[0] = (uint8_t) f->n;
        label[15] = 0xab;
    }
    nl_put(&b, OVS_KEY_ATTR_CT_LABELS, label, sizeof label);

    /* Conntrack-ed flows also carry the original direction tuple. */
    if (f->ct) {
        struct ovs_key_ct_tuple_ipv4 tuple = {
            .ipv4_src = mask ? 0 : htobe32(f->ip_src),
            .ipv4_dst = mask ? 0 : htobe32(f->ip_dst),
            .src_port = mask ? 0 : htobe16(f->tp_src),
            .dst_port = mask ? 0 : htobe16(f->tp_dst),
            .ipv4_proto = mask ? 0 : f->proto,
        };
        nl_put(&b, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4, &tuple, sizeof tuple);
    }

    struct ovs_key_ethernet eth;
    if (mask) {
        memset(&eth, 0xff, sizeof eth);
    } else {
        const uint8_t src[6] = { 0x50, 0x54, 0x00, 0x00, 0x00,
                                 (uint8_t) (f->ip_src & 0xff) };
        const uint8_t dst[6] = { 0x50, 0x54, 0x00, 0x00, 0x01,
                                 (uint8_t) (f->ip_dst & 0xff) };
        memcpy(eth.eth_src, src, 6);
        memcpy(eth.eth_dst, dst, 6);
    }
    nl_put(&b, OVS_KEY_ATTR_ETHERNET, &eth, sizeof eth);
    nl_put_u16(&b, OVS_KEY_ATTR_ETHERTYPE, mask ? 0xffff : htobe16(0x0800));

    struct ovs_key_ipv4 ip = {
        .ipv4_src = mask ? all32 : htobe32(f->ip_src),
        .ipv4_dst = mask ? all32 : htobe32(f->ip_dst),
        .ipv4_proto = mask ? 0xff : f->proto,
        .ipv4_tos = 0,
        .ipv4_ttl = mask ? 0 : f->ttl,
        .ipv4_frag = mask ? 0xff : 0,       /* OVS_FRAG_TYPE_NONE */
    };
    nl_put(&b, OVS_KEY_ATTR_IPV4, &ip, sizeof ip);

    if (f->proto == 6 || f->proto == 17) {
        uint16_t ports[2] = {
            mask ? 0xffff : htobe16(f->tp_src),
            mask ? 0xffff : htobe16(f->tp_dst),
        };
        nl_put(&b, f->proto == 6 ? OVS_KEY_ATTR_TCP : OVS_KEY_ATTR_UDP,
               ports, sizeof ports);
        if (f->proto == 6) {
            nl_put_u16(&b, OVS_KEY_ATTR_TCP_FLAGS,
                       mask ? 0 : htobe16(0x002));  /* SYN */
        }
    } else {
        uint8_t icmp[2] = {
            mask ? 0xff : (uint8_t) f->tp_src,
            mask ? 0xff : (uint8_t) f->tp_dst,
        };
        nl_put(&b, OVS_KEY_ATTR_ICMP, icmp, sizeof icmp);
    }
    return b.size;
}

static uint16_t
ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t) p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += (uint32_t) p[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, (uint16_t) (v >> 16));
    put_be16(p + 2, (uint16_t) v);
}

/* Writes the Ethernet + IPv4 + L4 frame of flow 'f' (f->pkt_len bytes). */
static void
build_packet(const struct sflow *f, uint8_t *p)
{
    const size_t l4_hdr = f->proto == 6 ? 20 : 8;
    const size_t ip_len = f->pkt_len - 14;

    memset(p, 0, f->pkt_len);
    /* Ethernet: dst, src, type. */
    const uint8_t dst[6] = { 0x50, 0x54, 0x00, 0x00, 0x01,
                             (uint8_t) (f->ip_dst & 0xff) };
    const uint8_t src[6] = { 0x50, 0x54, 0x00, 0x00, 0x00,
                             (uint8_t) (f->ip_src & 0xff) };
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    put_be16(p + 12, 0x0800);

    /* IPv4. */
    uint8_t *ip = p + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put_be16(ip + 2, (uint16_t) ip_len);
    put_be16(ip + 4, (uint16_t) f->n);
    put_be16(ip + 6, 0x4000);               /* DF */
    ip[8] = f->ttl;
    ip[9] = f->proto;
    put_be32(ip + 12, f->ip_src);
    put_be32(ip + 16, f->ip_dst);
    put_be16(ip + 10, ip_checksum(ip, 20));

    /* L4 header and payload. */
    uint8_t *l4 = ip + 20;
    if (f->proto == 6) {
        put_be16(l4, f->tp_src);
        put_be16(l4 + 2, f->tp_dst);
        put_be32(l4 + 4, (uint32_t) (1000 + f->n));
        l4[12] = 5 << 4;
        l4[13] = 0x02;                      /* SYN */
        put_be16(l4 + 14, 65535);
    } else if (f->proto == 17) {
        put_be16(l4, f->tp_src);
        put_be16(l4 + 2, f->tp_dst);
        put_be16(l4 + 4, (uint16_t) (ip_len - 20));
    } else {
        l4[0] = (uint8_t) f->tp_src;        /* echo request */
        l4[1] = (uint8_t) f->tp_dst;
        put_be16(l4 + 4, (uint16_t) f->n);  /* identifier */
        put_be16(l4 + 6, 1);                /* sequence */
    }
    for (size_t i = 14 + 20 + l4_hdr; i < f->pkt_len; i++) {
        p[i] = (uint8_t) (f->n + i);
    }
    if (f->proto == 1) {
        put_be16(l4 + 2, ip_checksum(l4, ip_len - 20));
    }
}

static struct sflow *
sflow_create(uint64_t n, unsigned long round)
{
    struct sflow *f = calloc(1, sizeof *f);
    if (!f) {
        perror("calloc");
        abort();
    }

    f->n = n;
    f->created_round = round;
    f->reason = (enum flow_del_reason) (n % 11 + 1);
    f->in_port = (uint32_t) (1 + n % 3);
    f->out_port = 1 + (f->in_port % 3);
    f->ip_src = (10u << 24) | (0u << 16) | (0u << 8) | (uint32_t) (1 + n % 4);
    f->ip_dst = (10u << 24) | (0u << 16) | (1u << 8) | (uint32_t) (1 + n % 2);
    /* The TTL only keeps keys of simultaneously live ICMP flows distinct. */
    f->ttl = (uint8_t) (64 - (n / 12) % 32);
    f->ct = n % 4 == 3;
    switch (n % 3) {
    case 0:
        f->proto = 6;
        f->tp_src = (uint16_t) (1024 + n % 60000);
        f->tp_dst = n % 2 ? 443 : 80;
        break;
    case 1:
        f->proto = 17;
        f->tp_src = (uint16_t) (1024 + n % 60000);
        f->tp_dst = n % 2 ? 123 : 53;
        break;
    default:
        f->proto = 1;
        f->tp_src = 8;                      /* echo request */
        f->tp_dst = 0;
        break;
    }
    f->pkt_len = (uint32_t) (64 + (n * 7) % 37);          /* 64..100 */

    /* Actions: output:out_port. */
    struct nlbuf ab = { .data = f->actions, .size = 0, .cap = sizeof f->actions };
    nl_put_u32(&ab, OVS_ACTION_ATTR_OUTPUT, f->out_port);
    f->actions_len = ab.size;

    struct udpif_key *ukey = &f->ukey;
    ukey->key_len = build_key(f, false, f->keybuf, sizeof f->keybuf);
    ukey->key = (const struct nlattr *) f->keybuf;
    ukey->mask_len = build_key(f, true, f->maskbuf, sizeof f->maskbuf);
    ukey->mask = (const struct nlattr *) f->maskbuf;
    make_ufid(n, &ukey->ufid);
    ukey->ufid_present = true;
    ukey->hash = ukey->ufid.u32[0] ^ ukey->ufid.u32[3];
    ukey->pmd_id = PMD_ID_NULL;
    ukey->stats.tcp_flags = f->proto == 6 ? 0x002 : 0;
    ukey->dp_layer = "ovs";
    ukey->created = time_msec();
    ukey->state = UKEY_CREATED;
    ukey->state_thread = (uint32_t) current_tid();

    format_ufid(&ukey->ufid, f->ufid_str, sizeof f->ufid_str);
    format_ip(f->ip_src, f->ip_src_str, sizeof f->ip_src_str);
    format_ip(f->ip_dst, f->ip_dst_str, sizeof f->ip_dst_str);
    return f;
}

/* The common flow fields of a truth-log line (without leading/trailing tab). */
#define FLOW_FMT "flow=%" PRIu64 "\tufid=%s\tkey_len=%zu\tin_port=%u" \
                 "\tsrc=%s\tdst=%s\tproto=%u\ttp_src=%u\ttp_dst=%u"
#define FLOW_ARGS(f) (f)->n, (f)->ufid_str, (size_t) (f)->ukey.key_len, \
                     (f)->in_port, (f)->ip_src_str, (f)->ip_dst_str, \
                     (unsigned) (f)->proto, (unsigned) (f)->tp_src, \
                     (unsigned) (f)->tp_dst

/* ------------------------------------------------------------------------
 * The datapath interface: struct dpif_netlink and dpif_netlink_operate__().
 * ------------------------------------------------------------------------ */

static const struct dpif_class_head dpif_netlink_class = { .type = "system" };
static char dp_base_name[] = "ovs-system";
static char dp_full_name[] = "system@ovs-system";
static struct dpif_netlink the_dpif;
static struct udpif the_udpif;
static atomic_uint nl_seq;

static struct ofpbuf *
request_start(uint16_t family, uint16_t flags, uint8_t cmd, size_t payload)
{
    size_t cap = sizeof(struct nlmsghdr) + sizeof(struct genlmsghdr)
                 + sizeof(struct ovs_header) + payload;
    struct ofpbuf *buf = calloc(1, sizeof *buf);
    uint8_t *data = calloc(1, cap);
    if (!buf || !data) {
        perror("calloc");
        abort();
    }

    struct nlmsghdr nlh = {
        .nlmsg_len = 0,                     /* set by request_finish() */
        .nlmsg_type = family,
        .nlmsg_flags = flags,
        .nlmsg_seq = atomic_fetch_add(&nl_seq, 1) + 1,
        .nlmsg_pid = 0,
    };
    struct genlmsghdr genl = { .cmd = cmd, .version = 1, .reserved = 0 };
    struct ovs_header ovsh = { .dp_ifindex = the_dpif.dp_ifindex };
    memcpy(data, &nlh, sizeof nlh);
    memcpy(data + sizeof nlh, &genl, sizeof genl);
    memcpy(data + sizeof nlh + sizeof genl, &ovsh, sizeof ovsh);

    buf->base = data;
    buf->data = data;
    buf->size = (uint32_t) (sizeof nlh + sizeof genl + sizeof ovsh);
    buf->allocated = (uint32_t) cap;
    buf->source = 0;                        /* OFPBUF_MALLOC */
    return buf;
}

static struct nlbuf
request_attrs(struct ofpbuf *buf)
{
    struct nlbuf b = {
        .data = buf->data,
        .size = buf->size,
        .cap = buf->allocated,
    };
    return b;
}

static void
request_finish(struct ofpbuf *buf, const struct nlbuf *b)
{
    uint32_t len = (uint32_t) b->size;
    buf->size = len;
    memcpy(buf->data, &len, sizeof len);    /* nlmsghdr.nlmsg_len */
}

static void
request_free(struct ofpbuf *buf)
{
    free(buf->base);
    free(buf);
}

/* Encodes a flow request (OVS_FLOW_CMD_*) from 'flow' into a new ofpbuf. */
static struct ofpbuf *
dpif_netlink_flow_to_ofpbuf(const struct dpif_netlink_flow *flow)
{
    size_t payload = 3 * (sizeof(struct nlattr) + KEYBUF_SIZE) + 64;
    struct ofpbuf *buf = request_start(OVS_FLOW_FAMILY,
                                       (uint16_t) (NLM_F_REQUEST | NLM_F_ECHO
                                                   | flow->nlmsg_flags),
                                       flow->cmd, payload);
    struct nlbuf b = request_attrs(buf);

    if (flow->ufid_present) {
        nl_put(&b, OVS_FLOW_ATTR_UFID, &flow->ufid, sizeof flow->ufid);
    }
    if (flow->ufid_terse) {
        nl_put_u32(&b, OVS_FLOW_ATTR_UFID_FLAGS,
                   OVS_UFID_F_OMIT_KEY | OVS_UFID_F_OMIT_MASK
                   | OVS_UFID_F_OMIT_ACTIONS);
    }
    if (flow->key_len) {
        nl_put(&b, OVS_FLOW_ATTR_KEY, flow->key, flow->key_len);
    }
    if (flow->mask_len) {
        nl_put(&b, OVS_FLOW_ATTR_MASK, flow->mask, flow->mask_len);
    }
    if (flow->actions_len) {
        nl_put(&b, OVS_FLOW_ATTR_ACTIONS, flow->actions, flow->actions_len);
    }
    request_finish(buf, &b);
    return buf;
}

static void
flow_init(struct dpif_netlink_flow *flow, uint8_t cmd, const ovs_u128 *ufid)
{
    memset(flow, 0, sizeof *flow);
    flow->cmd = cmd;
    flow->dp_ifindex = the_dpif.dp_ifindex;
    if (ufid) {
        flow->ufid = *ufid;
        flow->ufid_present = true;
    }
}

/* Executes 'n_ops' operations; 'owners[i]' is the stand-in flow behind
 * ops[i] (used for the truth log only).  Fires one
 * dpif_netlink_operate__:op_* probe per operation, like OVS does while it
 * encodes the netlink requests. */
NOINLINE void
dpif_netlink_operate__(struct dpif_netlink *dpif, struct dpif_op **ops,
                       struct sflow **owners, size_t n_ops)
{
    for (size_t i = 0; i < n_ops; i++) {
        struct dpif_op *op = ops[i];
        const struct sflow *f = owners[i];
        struct dpif_netlink_flow flow;
        struct ofpbuf *request;

        switch (op->type) {
        case DPIF_OP_FLOW_PUT: {
            struct dpif_flow_put *put = &op->u.flow_put;

            flow_init(&flow, OVS_FLOW_CMD_NEW, put->ufid);
            flow.nlmsg_flags = put->flags & DPIF_FP_CREATE ? NLM_F_CREATE : 0;
            flow.key = put->key;
            flow.key_len = put->key_len;
            flow.mask = put->mask;
            flow.mask_len = put->mask_len;
            flow.actions = put->actions;
            flow.actions_len = put->actions_len;
            flow.clear = (put->flags & DPIF_FP_ZERO_STATS) != 0;
            flow.probe = (put->flags & DPIF_FP_PROBE) != 0;
            request = dpif_netlink_flow_to_ofpbuf(&flow);

            DTRACE_PROBE4(dpif_netlink_operate__, op_flow_put,
                          dpif, put, &flow, request);
            truth(P_OP_FLOW_PUT, FLOW_FMT "\tflags=%u\tmask_len=%zu"
                  "\tactions_len=%zu\tnl_len=%u",
                  FLOW_ARGS(f), (unsigned) put->flags,
                  (size_t) put->mask_len, (size_t) put->actions_len,
                  request->size);
            break;
        }

        case DPIF_OP_FLOW_DEL: {
            struct dpif_flow_del *del = &op->u.flow_del;

            flow_init(&flow, OVS_FLOW_CMD_DEL, del->ufid);
            flow.ufid_terse = del->terse;
            if (!del->ufid) {
                flow.key = del->key;
                flow.key_len = del->key_len;
            }
            request = dpif_netlink_flow_to_ofpbuf(&flow);

            DTRACE_PROBE4(dpif_netlink_operate__, op_flow_del,
                          dpif, del, &flow, request);
            truth(P_OP_FLOW_DEL, FLOW_FMT "\tnl_len=%u",
                  FLOW_ARGS(f), request->size);
            break;
        }

        case DPIF_OP_EXECUTE: {
            struct dpif_execute *execute = &op->u.execute;
            const struct dp_packet *pkt = execute->packet;
            const void *pkt_data = pkt->data_ofs == UINT16_MAX
                                   ? NULL
                                   : (const uint8_t *) pkt->base_ + pkt->data_ofs;
            uint32_t pkt_size = pkt->size_;
            size_t payload = 3 * sizeof(struct nlattr) + pkt_size
                             + KEYBUF_SIZE + execute->actions_len + 16;

            request = request_start(OVS_PACKET_FAMILY, NLM_F_REQUEST,
                                    OVS_PACKET_CMD_EXECUTE, payload);
            struct nlbuf b = request_attrs(request);
            nl_put(&b, OVS_PACKET_ATTR_PACKET, pkt_data, pkt_size);
            nl_put(&b, OVS_PACKET_ATTR_KEY, f->ukey.key, f->ukey.key_len);
            nl_put(&b, OVS_PACKET_ATTR_ACTIONS, execute->actions,
                   execute->actions_len);
            request_finish(request, &b);

            DTRACE_PROBE5(dpif_netlink_operate__, op_flow_execute,
                          dpif, execute, pkt_data, pkt_size, request);
            truth(P_OP_FLOW_EXECUTE, FLOW_FMT "\tpacket_len=%u\tnl_len=%u",
                  FLOW_ARGS(f), pkt_size, request->size);
            break;
        }

        case DPIF_OP_FLOW_GET: {
            struct dpif_flow_get *get = &op->u.flow_get;

            flow_init(&flow, OVS_FLOW_CMD_GET, get->ufid);
            if (!get->ufid) {
                flow.key = get->key;
                flow.key_len = get->key_len;
            }
            request = dpif_netlink_flow_to_ofpbuf(&flow);

            DTRACE_PROBE4(dpif_netlink_operate__, op_flow_get,
                          dpif, get, &flow, request);
            truth(P_OP_FLOW_GET, FLOW_FMT "\tnl_len=%u",
                  FLOW_ARGS(f), request->size);
            break;
        }

        default:
            continue;
        }

        /* "Transact": nothing to send, the datapath always agrees. */
        op->error = 0;
        request_free(request);
    }
}

NOINLINE void
dpif_netlink_operate(struct dpif_netlink *dpif, struct dpif_op **ops,
                     struct sflow **owners, size_t n_ops)
{
    while (n_ops > 0) {
        size_t chunk = n_ops < OPERATE_MAX_OPS ? n_ops : OPERATE_MAX_OPS;
        dpif_netlink_operate__(dpif, ops, owners, chunk);
        ops += chunk;
        owners += chunk;
        n_ops -= chunk;
    }
}

NOINLINE void
dpif_operate(struct dpif *dpif, struct dpif_op **ops, struct sflow **owners,
             size_t n_ops)
{
    struct dpif_netlink *nl = (struct dpif_netlink *) dpif;  /* dpif is first */
    dpif_netlink_operate(nl, ops, owners, n_ops);
    __asm__ volatile("");                   /* keep this frame: no tail call */
}

/* ------------------------------------------------------------------------
 * Handler thread: upcalls and flow installation.
 * ------------------------------------------------------------------------ */

static void
fill_upcall(struct dpif_upcall *upcall, const struct sflow *f,
            uint8_t *pktbuf, size_t pktbuf_size)
{
    memset(upcall, 0, sizeof *upcall);
    build_packet(f, pktbuf + PKT_HEADROOM);

    struct dp_packet *p = &upcall->packet;
    p->base_ = pktbuf;
    p->allocated_ = (uint16_t) pktbuf_size;
    p->data_ofs = PKT_HEADROOM;
    p->size_ = f->pkt_len;
    p->source = 0;                          /* DPBUF_MALLOC */
    p->l2_pad_size = 0;
    p->l2_5_ofs = UINT16_MAX;
    p->l3_ofs = 14;
    p->l4_ofs = 34;
    p->inner_l3_ofs = UINT16_MAX;
    p->inner_l4_ofs = UINT16_MAX;
    p->cutlen = 0;
    p->packet_type = 0;                     /* PT_ETH: ns 0, id 0 */

    /* Every 5th flow is an action upcall (e.g. a userspace() action). */
    upcall->type = f->n % 5 == 4 ? DPIF_UC_ACTION : DPIF_UC_MISS;
    upcall->key = (struct nlattr *) f->ukey.key;
    upcall->key_len = f->ukey.key_len;
    upcall->ufid = f->ukey.ufid;
}

/* Receives one upcall (lib/dpif.c dpif_recv(): the probe fires after the
 * provider returned it). */
NOINLINE int
dpif_recv(struct dpif *dpif, struct dpif_upcall *upcall,
          const struct sflow *f, unsigned long round)
{
    const struct dp_packet *pkt = &upcall->packet;
    void *data = pkt->data_ofs == UINT16_MAX
                 ? NULL : (uint8_t *) pkt->base_ + pkt->data_ofs;

    DTRACE_PROBE6(dpif_recv, recv_upcall, dpif->full_name,
                  (enum dpif_upcall_type) upcall->type, data,
                  (uint32_t) pkt->size_, upcall->key,
                  (size_t) upcall->key_len);
    truth(P_RECV_UPCALL, "round=%lu\t" FLOW_FMT "\tdpif=%s\ttype=%u"
          "\tpacket_len=%u", round, FLOW_ARGS(f), dpif->full_name,
          (unsigned) upcall->type, pkt->size_);
    return 0;
}

struct upcall_batch_entry {
    struct sflow *flow;
    struct dpif_upcall upcall;
    _Alignas(8) uint8_t pktbuf[PKT_HEADROOM + PKT_MAX];
    struct dpif_op ops[3];
    uint8_t flow_reply_stub[64];            /* struct dpif_flow (get) */
    struct ofpbuf get_buffer;
    _Alignas(8) uint8_t get_buffer_stub[256];
};

/* Installs the flows of a batch: per upcall a put and an execute (and a get
 * for every 7th flow), all passed to one dpif_operate() call. */
NOINLINE void
handle_upcalls(struct udpif *udpif, struct upcall_batch_entry *batch,
               size_t n)
{
    struct dpif_op **ops = calloc(3 * n, sizeof *ops);
    struct sflow **owners = calloc(3 * n, sizeof *owners);
    size_t n_ops = 0;

    if (!ops || !owners) {
        perror("calloc");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        struct upcall_batch_entry *e = &batch[i];
        struct sflow *f = e->flow;

        struct dpif_op *op = &e->ops[0];
        memset(op, 0, sizeof *op);
        op->type = DPIF_OP_FLOW_PUT;
        op->u.flow_put.flags = DPIF_FP_CREATE;
        op->u.flow_put.key = f->ukey.key;
        op->u.flow_put.key_len = f->ukey.key_len;
        op->u.flow_put.mask = f->ukey.mask;
        op->u.flow_put.mask_len = f->ukey.mask_len;
        op->u.flow_put.actions = (const struct nlattr *) f->actions;
        op->u.flow_put.actions_len = f->actions_len;
        op->u.flow_put.ufid = &f->ukey.ufid;
        op->u.flow_put.pmd_id = PMD_ID_NULL;
        op->u.flow_put.stats = NULL;
        owners[n_ops] = f;
        ops[n_ops++] = op;

        op = &e->ops[1];
        memset(op, 0, sizeof *op);
        op->type = DPIF_OP_EXECUTE;
        op->u.execute.actions = (const struct nlattr *) f->actions;
        op->u.execute.actions_len = f->actions_len;
        op->u.execute.needs_help = false;
        op->u.execute.probe = false;
        op->u.execute.mtu = 0;
        op->u.execute.hash = 0;
        op->u.execute.flow = NULL;
        op->u.execute.packet = &e->upcall.packet;
        owners[n_ops] = f;
        ops[n_ops++] = op;

        if (f->n % 7 == 6) {
            op = &e->ops[2];
            memset(op, 0, sizeof *op);
            memset(&e->get_buffer, 0, sizeof e->get_buffer);
            e->get_buffer.base = e->get_buffer_stub;
            e->get_buffer.data = e->get_buffer_stub;
            e->get_buffer.allocated = sizeof e->get_buffer_stub;
            e->get_buffer.source = 2;       /* OFPBUF_STUB */
            op->type = DPIF_OP_FLOW_GET;
            op->u.flow_get.key = f->ukey.key;
            op->u.flow_get.key_len = f->ukey.key_len;
            op->u.flow_get.ufid = &f->ukey.ufid;
            op->u.flow_get.pmd_id = PMD_ID_NULL;
            op->u.flow_get.buffer = &e->get_buffer;
            op->u.flow_get.flow = e->flow_reply_stub;
            owners[n_ops] = f;
            ops[n_ops++] = op;
        }
    }

    dpif_operate(udpif->dpif, ops, owners, n_ops);

    for (size_t i = 0; i < n; i++) {
        struct sflow *f = batch[i].flow;
        f->ukey.state = UKEY_OPERATIONAL;
        f->ukey.dump_seq = 0;
        live_flows_append(f);
    }
    free(ops);
    free(owners);
}

#define UPCALL_MAX_BATCH 64

/* Receives and handles handler H's share of the upcalls of one round, in
 * batches of up to UPCALL_MAX_BATCH, as OVS's handlers do: read a batch,
 * look its flows up (-d), then queue their puts and executes. */
NOINLINE void
recv_upcalls(struct udpif *udpif, unsigned long round, unsigned int h)
{
    const uint64_t F = opts.flows_per_round;
    const uint64_t lo = F * h / opts.handlers, hi = F * (h + 1) / opts.handlers;
    struct upcall_batch_entry *batch = calloc(UPCALL_MAX_BATCH, sizeof *batch);

    if (!batch) {
        perror("calloc");
        abort();
    }
    for (uint64_t k = lo; k < hi; ) {
        size_t n = 0;
        for (; n < UPCALL_MAX_BATCH && k < hi; n++, k++) {
            struct upcall_batch_entry *e = &batch[n];
            struct sflow *f = sflow_create(round * F + k, round);

            e->flow = f;
            fill_upcall(&e->upcall, f, e->pktbuf, sizeof e->pktbuf);
            dpif_recv(udpif->dpif, &e->upcall, f, round);
            f->ukey.state = UKEY_VISIBLE;
        }
        if (opts.lookup_us) {
            struct timespec ts = { opts.lookup_us / 1000000,
                                   (long) (opts.lookup_us % 1000000) * 1000 };
            while (nanosleep(&ts, &ts) && errno == EINTR) {
                continue;
            }
        }
        handle_upcalls(udpif, batch, n);
    }
    free(batch);
}

struct handler_arg {
    struct udpif *udpif;
    unsigned int index;
};

/* Handler threads take their turns in index order, so the flows (and the
 * truth log) stay deterministic: handler H starts round R once handler H-1
 * has finished it. */
static void *
udpif_upcall_handler(void *arg_)
{
    const struct handler_arg *arg = arg_;
    const unsigned int h = arg->index;
    char name[16];

    snprintf(name, sizeof name, "handler%u", h + 1);
    pthread_setname_np(pthread_self(), name);
    current_tid();

    for (;;) {
        long round;

        pthread_mutex_lock(&state_mutex);
        while (!stop && (handler_request <= handler_done[h]
                         || (h && handler_done[h - 1] < handler_request))) {
            pthread_cond_wait(&state_cond, &state_mutex);
        }
        if (stop) {
            pthread_mutex_unlock(&state_mutex);
            break;
        }
        round = handler_request;
        pthread_mutex_unlock(&state_mutex);

        recv_upcalls(arg->udpif, (unsigned long) round, h);

        pthread_mutex_lock(&state_mutex);
        handler_done[h] = round;
        pthread_cond_broadcast(&state_cond);
        pthread_mutex_unlock(&state_mutex);
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * Revalidator thread.
 * ------------------------------------------------------------------------ */

static bool
is_sweep_reason(enum flow_del_reason r)
{
    return r == FDR_PURGE || r == FDR_UPDATE_FAIL || r == FDR_FLOW_MISSING_DP;
}

/* Reasons OVS decides inside revalidate_ukey__(). */
static bool
is_xlate_reason(enum flow_del_reason r)
{
    return r == FDR_AVOID_CACHING || r == FDR_BAD_ODP_FIT
           || r == FDR_FLOW_WILDCARDED || r == FDR_NO_OFPROTO
           || r == FDR_XLATION_ERROR;
}

static unsigned long
flow_age(const struct sflow *f, unsigned long round)
{
    return round - f->created_round;
}

/* A flow that will retire with FDR_FLOW_MISSING_DP is gone from the datapath
 * from age 1 on. */
static bool
flow_in_datapath(const struct sflow *f, unsigned long round)
{
    return !(f->reason == FDR_FLOW_MISSING_DP && flow_age(f, round) >= 1);
}

/* "Re-translates" a flow: fires revalidate_ukey__:entry and :exit around the
 * decision that the scenario has already made ('want', 'want_reason'). */
NOINLINE enum reval_result
revalidate_ukey__(struct udpif *udpif, const struct udpif_key *ukey,
                  uint16_t tcp_flags, struct ofpbuf *odp_actions,
                  struct recirc_refs *recircs, struct xlate_cache *xcache,
                  enum reval_result want, enum flow_del_reason want_reason,
                  enum flow_del_reason *del_reason, unsigned long round)
{
    const struct sflow *f = sflow_from_ukey(ukey);
    enum reval_result result;

    DTRACE_PROBE6(revalidate_ukey__, entry, udpif, ukey, tcp_flags,
                  odp_actions, recircs, xcache);
    truth(P_UKEY_ENTRY, "round=%lu\t" FLOW_FMT "\ttcp_flags=%u",
          round, FLOW_ARGS(f), (unsigned) tcp_flags);

    /* The new actions: the same output action. */
    struct nlbuf b = {
        .data = odp_actions->data,
        .size = 0,
        .cap = odp_actions->allocated,
    };
    nl_put_u32(&b, OVS_ACTION_ATTR_OUTPUT, f->out_port);
    odp_actions->size = (uint32_t) b.size;

    result = want;
    *del_reason = want_reason;

    DTRACE_PROBE3(revalidate_ukey__, exit, udpif, ukey, result);
    truth(P_UKEY_EXIT, "round=%lu\t" FLOW_FMT "\tresult=%u",
          round, FLOW_ARGS(f), (unsigned) result);
    return result;
}

NOINLINE enum reval_result
revalidate_ukey(struct udpif *udpif, struct udpif_key *ukey,
                enum reval_result want, enum flow_del_reason want_reason,
                enum flow_del_reason *del_reason, unsigned long round)
{
    _Alignas(8) uint8_t odp_actions_stub[64];
    struct ofpbuf odp_actions = {
        .base = odp_actions_stub,
        .data = odp_actions_stub,
        .size = 0,
        .allocated = sizeof odp_actions_stub,
        .source = 2,                        /* OFPBUF_STUB */
    };
    struct recirc_refs recircs = { { 0 } };
    struct xlate_cache xcache = { { 0 } };

    return revalidate_ukey__(udpif, ukey, ukey->stats.tcp_flags, &odp_actions,
                             &recircs, &xcache, want, want_reason, del_reason,
                             round);
}

struct reval_ops {
    struct dpif_op *ops;
    struct dpif_op **op_ptrs;
    struct sflow **owners;
    size_t n;
};

static void
reval_ops_init(struct reval_ops *r, size_t max)
{
    size_t m = max ? max : 1;
    r->ops = calloc(m, sizeof *r->ops);
    r->op_ptrs = calloc(m, sizeof *r->op_ptrs);
    r->owners = calloc(m, sizeof *r->owners);
    r->n = 0;
    if (!r->ops || !r->op_ptrs || !r->owners) {
        perror("calloc");
        abort();
    }
}

static void
reval_ops_destroy(struct reval_ops *r)
{
    free(r->ops);
    free(r->op_ptrs);
    free(r->owners);
}

static void
reval_op_del(struct reval_ops *r, struct sflow *f)
{
    struct dpif_op *op = &r->ops[r->n];
    op->type = DPIF_OP_FLOW_DEL;
    op->u.flow_del.key = f->ukey.key;
    op->u.flow_del.key_len = f->ukey.key_len;
    op->u.flow_del.ufid = &f->ukey.ufid;
    op->u.flow_del.terse = true;
    op->u.flow_del.pmd_id = f->ukey.pmd_id;
    op->u.flow_del.stats = &f->ukey.stats;
    r->op_ptrs[r->n] = op;
    r->owners[r->n] = f;
    r->n++;
}

static void
reval_op_modify(struct reval_ops *r, struct sflow *f)
{
    struct dpif_op *op = &r->ops[r->n];
    op->type = DPIF_OP_FLOW_PUT;
    op->u.flow_put.flags = DPIF_FP_MODIFY;
    op->u.flow_put.key = f->ukey.key;
    op->u.flow_put.key_len = f->ukey.key_len;
    op->u.flow_put.mask = f->ukey.mask;
    op->u.flow_put.mask_len = f->ukey.mask_len;
    op->u.flow_put.actions = (const struct nlattr *) f->actions;
    op->u.flow_put.actions_len = f->actions_len;
    op->u.flow_put.ufid = &f->ukey.ufid;
    op->u.flow_put.pmd_id = f->ukey.pmd_id;
    op->u.flow_put.stats = NULL;
    r->op_ptrs[r->n] = op;
    r->owners[r->n] = f;
    r->n++;
}

/* Pushes the queued operations to the datapath, then frees the deleted
 * flows (their live_flows slots have already been cleared). */
static void
push_dp_ops(struct udpif *udpif, struct reval_ops *r)
{
    if (r->n) {
        dpif_operate(udpif->dpif, r->op_ptrs, r->owners, r->n);
    }
    for (size_t i = 0; i < r->n; i++) {
        if (r->ops[i].type == DPIF_OP_FLOW_DEL) {
            r->owners[i]->ukey.state = UKEY_DELETED;
            free(r->owners[i]);
        }
    }
    r->n = 0;
}

/* Dump phase: one revalidate:flow_result per flow found in the datapath. */
NOINLINE void
revalidate(struct udpif *udpif, unsigned long round, uint64_t dump_seq)
{
    const bool reval_seq_changed = round % 3 == 2;
    struct reval_ops ops;

    reval_ops_init(&ops, n_live);
    for (size_t i = 0; i < n_live; i++) {
        struct sflow *f = live_flows[i];
        struct udpif_key *ukey = &f->ukey;
        const unsigned long age = flow_age(f, round);
        enum reval_result result = UKEY_KEEP;
        enum flow_del_reason reason = FDR_NONE;
        bool xlate = false;

        if (!flow_in_datapath(f, round)) {
            ukey->missed_dumps++;
            continue;
        }
        ukey->missed_dumps = 0;
        ukey->dump_seq = dump_seq;

        if (age >= opts.lifetime && !is_sweep_reason(f->reason)) {
            result = UKEY_DELETE;
            reason = f->reason;
            xlate = is_xlate_reason(reason);
        } else {
            uint64_t pkts = 1 + f->n % 3;
            ukey->stats.n_packets += pkts;
            ukey->stats.n_bytes += pkts * f->pkt_len;
            ukey->stats.used = time_msec();
            if (f->proto == 6 && age >= 1) {
                ukey->stats.tcp_flags = 0x012;    /* SYN|ACK */
            }
            ukey->flow_packets = ukey->stats.n_packets;
            if (reval_seq_changed && age >= 1 && (f->n + round) % 2 == 0) {
                xlate = true;
                if (f->n % 5 == 2) {
                    result = UKEY_MODIFY;
                }
            }
        }

        if (xlate) {
            enum flow_del_reason r2 = FDR_NONE;
            result = revalidate_ukey(udpif, ukey, result, reason, &r2, round);
            reason = r2;
            ukey->reval_seq = round;
        }

        DTRACE_PROBE4(revalidate, flow_result, udpif, ukey, result, reason);
        truth(P_FLOW_RESULT, "round=%lu\t" FLOW_FMT "\tresult=%u\treason=%u"
              "\tmissed_dumps=%u", round, FLOW_ARGS(f), (unsigned) result,
              (unsigned) reason, ukey->missed_dumps);

        if (result == UKEY_DELETE) {
            ukey->state = UKEY_EVICTING;
            live_flows[i] = NULL;
            reval_op_del(&ops, f);
        } else if (result == UKEY_MODIFY) {
            reval_op_modify(&ops, f);
        }
    }
    push_dp_ops(udpif, &ops);
    live_flows_compact();
    reval_ops_destroy(&ops);
}

/* Sweep phase: one revalidator_sweep__:flow_sweep_result per operational
 * ukey. */
NOINLINE void
revalidator_sweep__(struct udpif *udpif, bool purge, unsigned long round)
{
    struct reval_ops ops;

    reval_ops_init(&ops, n_live);
    for (size_t i = 0; i < n_live; i++) {
        struct sflow *f = live_flows[i];
        struct udpif_key *ukey = &f->ukey;
        enum reval_result result = UKEY_KEEP;
        enum flow_del_reason reason = FDR_NONE;

        if (purge || (flow_age(f, round) >= opts.lifetime
                      && is_sweep_reason(f->reason))) {
            result = UKEY_DELETE;
            reason = purge ? FDR_PURGE : f->reason;
            if (reason == FDR_UPDATE_FAIL) {
                ukey->state = UKEY_INCONSISTENT;
            }
        }

        DTRACE_PROBE4(revalidator_sweep__, flow_sweep_result, udpif, ukey,
                      result, reason);
        truth(P_FLOW_SWEEP_RESULT, "round=%lu\t" FLOW_FMT "\tresult=%u"
              "\treason=%u\tmissed_dumps=%u", round, FLOW_ARGS(f),
              (unsigned) result, (unsigned) reason, ukey->missed_dumps);

        if (result == UKEY_DELETE) {
            ukey->state = UKEY_EVICTING;
            live_flows[i] = NULL;
            reval_op_del(&ops, f);
        }
    }
    push_dp_ops(udpif, &ops);
    live_flows_compact();
    reval_ops_destroy(&ops);
}

NOINLINE void
revalidator_sweep(struct udpif *udpif, unsigned long round)
{
    revalidator_sweep__(udpif, false, round);
    __asm__ volatile("");                   /* keep this frame: no tail call */
}

static uint32_t
count_datapath_flows(unsigned long round)
{
    uint32_t n = 0;
    for (size_t i = 0; i < n_live; i++) {
        n += flow_in_datapath(live_flows[i], round);
    }
    return n;
}

/* Asks the handler for round 'round' and waits for it.  False on stop. */
static bool
run_handler_round(unsigned long round)
{
    bool ok;

    pthread_mutex_lock(&state_mutex);
    handler_request = (long) round;
    pthread_cond_broadcast(&state_cond);
    while (!stop && handler_done[opts.handlers - 1] < (long) round) {
        pthread_cond_wait(&state_cond, &state_mutex);
    }
    ok = !stop;
    pthread_mutex_unlock(&state_mutex);
    return ok;
}

static void
wake_main(void)
{
    char c = 'r';
    if (write(wake_pipe[1], &c, 1) < 0) {
        /* Pipe full: main is being woken anyway. */
    }
}

static void *
udpif_revalidator(void *arg)
{
    struct udpif *udpif = arg;

    pthread_setname_np(pthread_self(), "revalidator2");
    current_tid();

    int64_t start = time_msec();
    struct timespec deadline = deadline_after_ms(start, opts.wait_ms);
    if (opts.wait_go ? !wait_for_go()
        : opts.wait_ms && !sleep_until(&deadline)) {
        goto out;
    }

    for (unsigned long round = 0; !opts.rounds || round < opts.rounds;
         round++) {
        start = time_msec();
        if (!run_handler_round(round)) {
            break;
        }

        /* Leader: "create the dump". */
        size_t n_flows = count_datapath_flows(round);
        if (n_flows > udpif->max_n_flows) {
            udpif->max_n_flows = (uint32_t) n_flows;
        }
        udpif->avg_n_flows = (uint32_t) ((udpif->avg_n_flows + n_flows) / 2);
        udpif->n_flows = (uint32_t) n_flows;
        udpif->n_flows_timestamp = start;
        udpif->dump = &the_udpif;           /* any non-NULL handle */

        DTRACE_PROBE2(udpif_revalidator, start_dump, udpif, n_flows);
        truth(P_START_DUMP, "round=%lu\tn_flows=%zu", round, n_flows);

        revalidate(udpif, round, round + 1);
        revalidator_sweep(udpif, round);

        udpif->dump = NULL;
        udpif->dump_duration = time_msec() - start;

        unsigned int max_wait = ofproto_max_idle < ofproto_max_revalidator
                                ? ofproto_max_idle : ofproto_max_revalidator;
        DTRACE_PROBE3(udpif_revalidator, sweep_done, udpif, n_flows, max_wait);
        truth(P_SWEEP_DONE, "round=%lu\tn_flows=%zu\tmax_wait_ms=%u"
              "\tavg_n_flows=%u\tmax_n_flows=%u\tflow_limit=%u"
              "\tdump_duration=%" PRId64, round, n_flows, max_wait,
              udpif->avg_n_flows, udpif->max_n_flows, udpif->flow_limit,
              udpif->dump_duration);

        if (opts.rounds && round + 1 >= opts.rounds) {
            break;
        }
        deadline = deadline_after_ms(start, opts.reval_ms);
        if (!sleep_until(&deadline)) {
            break;
        }
    }

out:
    atomic_store(&reval_done, true);
    wake_main();
    return NULL;
}

/* ------------------------------------------------------------------------
 * Main thread.
 * ------------------------------------------------------------------------ */

static volatile uint64_t bridge_sink;

/* "A little work" per main-loop iteration. */
NOINLINE void
bridge_run(uint64_t iter)
{
    uint64_t h = iter;
    for (int i = 0; i < 2000; i++) {
        h = mix64(h + (uint64_t) i);
    }
    bridge_sink = h;
}

/* Blocks for up to 'ms' milliseconds (-1: forever) on the wake pipe.
 * Returns true if the main loop must exit. */
static bool
poll_block(int ms)
{
    struct pollfd pfd = { .fd = wake_pipe[0], .events = POLLIN };
    int64_t end = time_msec() + (ms < 0 ? 0 : ms);

    for (;;) {
        if (got_signal || atomic_load(&reval_done)) {
            return true;
        }
        int64_t left = end - time_msec();
        if (left <= 0) {
            return false;
        }
        int rc = poll(&pfd, 1, (int) (left > INT_MAX ? INT_MAX : left));
        if (rc > 0) {
            char buf[64];
            while (read(wake_pipe[0], buf, sizeof buf) > 0) {
                continue;
            }
        }
    }
}

/* -g: blocks on the wake pipe until SIGUSR1, then lets the revalidator go.
 * Returns true if the main loop must exit (a stop signal came first). */
static bool
poll_go(void)
{
    struct pollfd pfd = { .fd = wake_pipe[0], .events = POLLIN };

    while (!got_go) {
        if (got_signal || atomic_load(&reval_done)) {
            return true;
        }
        if (poll(&pfd, 1, -1) > 0) {
            char buf[64];
            while (read(wake_pipe[0], buf, sizeof buf) > 0) {
                continue;
            }
        }
    }
    pthread_mutex_lock(&state_mutex);
    go = true;
    pthread_cond_broadcast(&state_cond);
    pthread_mutex_unlock(&state_mutex);
    return false;
}

/* SIGINT, SIGTERM: stop.  SIGUSR1: "go" for -g, harmless without it (so a
 * test may always send it).  Either wakes the main thread. */
static void
signal_handler(int sig)
{
    int saved = errno;
    char c = (char) sig;

    if (sig == SIGUSR1) {
        got_go = 1;
    } else {
        got_signal = 1;
    }
    if (write(wake_pipe[1], &c, 1) < 0) {
        /* Nothing to do. */
    }
    errno = saved;
}

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: ovs-vswitchd [-n ROUNDS] [-m MS] [-r MS] [-f N] [-w MS | -g]"
            " [-a ROUNDS] [-H N] [-d US] [-q] [-l FILE] [-p FILE] [-V]\n"
            "ovstrace test stand-in: fires the 13 OVS USDT probes.\n"
            "  -n ROUNDS  revalidator rounds, 0 = until SIGINT/SIGTERM"
            " (default 0)\n"
            "  -m MS      main-loop sleep after main:poll_block (default 50)\n"
            "  -r MS      revalidator round period (default 100)\n"
            "  -f N       new flows per round (default 4)\n"
            "  -w MS      wait before the first round / main-loop iteration"
            " (default 0)\n"
            "  -g         wait for SIGUSR1 instead (a test sends it once its"
            " tracer has attached)\n"
            "  -a ROUNDS  flow lifetime in rounds before it is deleted"
            " (default 4)\n"
            "  -H N       handler threads, handler1..handlerN, each taking"
            " an equal share of a round's flows (default 1, at most 16)\n"
            "  -d US      each handler's lookup: microseconds between"
            " receiving a batch and its first put (default 0)\n"
            "  -q         quiet: no probe counts on stderr at exit\n"
            "  -l FILE    write the ground-truth log (one line per probe"
            " fire)\n"
            "  -p FILE    write the pid to FILE (removed at exit)\n"
            "  -V         the version, as Open vSwitch 3.5.0 says it\n");
}

static bool
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (!s || !*s || *s == '-') {
        return false;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static bool
parse_uint(const char *s, unsigned int max, unsigned int *out)
{
    unsigned long v;
    if (!parse_ulong(s, max, &v)) {
        return false;
    }
    *out = (unsigned int) v;
    return true;
}

static void
parse_options(int argc, char *argv[])
{
    int c;

    while ((c = getopt(argc, argv, "n:m:r:f:w:ga:H:d:ql:p:hV")) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = parse_ulong(optarg, ULONG_MAX / 2, &opts.rounds);
            break;
        case 'm':
            ok = parse_uint(optarg, 3600000, &opts.main_ms);
            break;
        case 'r':
            ok = parse_uint(optarg, 3600000, &opts.reval_ms);
            break;
        case 'f':
            ok = parse_uint(optarg, 100000, &opts.flows_per_round);
            break;
        case 'w':
            ok = parse_uint(optarg, 3600000, &opts.wait_ms);
            break;
        case 'g':
            opts.wait_go = true;
            break;
        case 'a':
            ok = parse_uint(optarg, 1000000, &opts.lifetime)
                 && opts.lifetime >= 1;
            break;
        case 'H':
            ok = parse_uint(optarg, MAX_HANDLERS, &opts.handlers)
                 && opts.handlers >= 1;
            break;
        case 'd':
            ok = parse_uint(optarg, 10000000, &opts.lookup_us);
            break;
        case 'q':
            opts.quiet = true;
            break;
        case 'l':
            opts.log_path = optarg;
            break;
        case 'p':
            opts.pid_path = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_SUCCESS);
        case 'V':
            /* The version text of a real build, where ovstrace reads a stripped binary's
             * release from (its structs are 3.5's: ovs_layouts.h). argv[0] keeps the
             * format from being folded into another string. */
            printf("%s (Open vSwitch) 3.5.0\n", argv[0]);
            exit(EXIT_SUCCESS);
        default:
            usage(stderr);
            exit(2);
        }
        if (!ok) {
            fprintf(stderr, "ovs-vswitchd: bad value for -%c: %s\n", c, optarg);
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ovs-vswitchd: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        exit(2);
    }
}

static void
setup_datapath(void)
{
    memset(&the_dpif, 0, sizeof the_dpif);
    the_dpif.dpif.dpif_class = &dpif_netlink_class;
    the_dpif.dpif.base_name = dp_base_name;
    the_dpif.dpif.full_name = dp_full_name;
    the_dpif.dpif.current_ms = time_msec();
    the_dpif.dp_ifindex = DP_IFINDEX;
    the_dpif.user_features = 0;
    the_dpif.n_handlers = opts.handlers;
    the_dpif.uc_array_size = 0;

    memset(&the_udpif, 0, sizeof the_udpif);
    the_udpif.list_node.prev = &the_udpif.list_node;
    the_udpif.list_node.next = &the_udpif.list_node;
    the_udpif.dpif = &the_dpif.dpif;
    the_udpif.n_handlers = opts.handlers;
    the_udpif.n_revalidators = 1;
    the_udpif.enable_ufid = 1;
    the_udpif.flow_limit = FLOW_LIMIT;
}

int
main(int argc, char *argv[])
{
    parse_options(argc, argv);

    if (opts.log_path) {
        truth_log = fopen(opts.log_path, "w");
        if (!truth_log) {
            fprintf(stderr, "ovs-vswitchd: %s: %s\n", opts.log_path,
                    strerror(errno));
            return EXIT_FAILURE;
        }
        setvbuf(truth_log, NULL, _IOLBF, 0);
    }
    if (opts.pid_path) {
        FILE *pf = fopen(opts.pid_path, "w");
        if (!pf) {
            fprintf(stderr, "ovs-vswitchd: %s: %s\n", opts.pid_path,
                    strerror(errno));
            return EXIT_FAILURE;
        }
        fprintf(pf, "%d\n", (int) getpid());
        fclose(pf);
    }

    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        perror("pipe2");
        return EXIT_FAILURE;
    }

    pthread_condattr_t cattr;
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&state_cond, &cattr);
    pthread_condattr_destroy(&cattr);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                        /* no SA_RESTART */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    setup_datapath();
    current_tid();

    /* Signals go to the main thread only. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    pthread_t handlers[MAX_HANDLERS], revalidator;
    struct handler_arg handler_args[MAX_HANDLERS];
    for (unsigned int h = 0; h < opts.handlers; h++) {
        handler_done[h] = -1;
        handler_args[h] = (struct handler_arg) { &the_udpif, h };
        if (pthread_create(&handlers[h], NULL, udpif_upcall_handler,
                           &handler_args[h])) {
            fprintf(stderr, "ovs-vswitchd: pthread_create failed\n");
            abort();
        }
    }
    if (pthread_create(&revalidator, NULL, udpif_revalidator, &the_udpif)) {
        fprintf(stderr, "ovs-vswitchd: pthread_create failed\n");
        abort();
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    /* Main loop, as in vswitchd/ovs-vswitchd.c main(). */
    bool exiting = opts.wait_go ? poll_go()
                   : opts.wait_ms ? poll_block((int) opts.wait_ms) : false;
    for (uint64_t iter = 0; !exiting && !got_signal; iter++) {
        DTRACE_PROBE(main, run_start);
        truth(P_RUN_START, "iter=%" PRIu64, iter);

        bridge_run(iter);

        DTRACE_PROBE(main, poll_block);
        truth(P_POLL_BLOCK, "iter=%" PRIu64, iter);
        exiting = poll_block((int) opts.main_ms);
    }

    pthread_mutex_lock(&state_mutex);
    stop = true;
    pthread_cond_broadcast(&state_cond);
    pthread_mutex_unlock(&state_mutex);
    for (unsigned int h = 0; h < opts.handlers; h++) {
        pthread_join(handlers[h], NULL);
    }
    pthread_join(revalidator, NULL);

    /* Flows still installed at exit are freed without firing probes. */
    for (size_t i = 0; i < n_live; i++) {
        free(live_flows[i]);
    }
    free(live_flows);
    live_flows = NULL;
    n_live = live_cap = 0;

    if (!opts.quiet) {
        fprintf(stderr, "ovs-vswitchd (ovstrace stand-in): probe fire counts\n");
        for (int i = 0; i < N_PROBES; i++) {
            fprintf(stderr, "  %-40s %lu\n", probe_names[i],
                    atomic_load(&probe_counts[i]));
        }
    }

    if (truth_log) {
        fclose(truth_log);
    }
    if (opts.pid_path) {
        unlink(opts.pid_path);
    }
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    pthread_cond_destroy(&state_cond);
    return EXIT_SUCCESS;
}
