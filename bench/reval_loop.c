// SPDX-License-Identifier: Apache-2.0
// Benchmark target: fires revalidate:flow_result in a tight loop over F flows, with
// OVS 3.5's udpif_key layout and kernel-datapath-like netlink keys (14 attributes),
// as a revalidator does for every flow on every round. Prints ns per probe hit.
//   reval_loop [-n HITS] [-f FLOWS] [-w MS before starting]
#define _GNU_SOURCE 1
#include "../tests/target/ovs_layouts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

static size_t put_attr(unsigned char *buf, size_t off, unsigned short type, const void *p, unsigned short len)
{
    unsigned short hdr[2] = { (unsigned short)(4 + len), type };
    memcpy(buf + off, hdr, 4);
    memcpy(buf + off + 4, p, len);
    size_t n = (4u + len + 3u) & ~3u;
    memset(buf + off + 4 + len, 0, n - 4 - len);
    return off + n;
}

/* The attributes in the kernel's order: metadata first, then L2-L4 (IPv4/UDP). */
static size_t build_key(unsigned char *buf, unsigned i)
{
    unsigned zero = 0, port = 1 + i % 3;
    unsigned char eth[12] = { 0x50, 0x54, 0, 0, (unsigned char)i, 1, 0x50, 0x54, 0, 0, 1, 1 };
    unsigned short etype = htobe16(0x0800);
    unsigned char ip[12] = { 10, 0, 0, (unsigned char)(1 + i % 250), 10, 0, 1, 1, 17, 0, 64, 0 };
    unsigned short l4[2] = { htobe16((unsigned short)(1000 + i)), htobe16(53) };
    unsigned char label[16] = { 0 };
    size_t off = 0;
    off = put_attr(buf, off, 20, &zero, 4);   /* recirc_id */
    off = put_attr(buf, off, 19, &zero, 4);   /* dp_hash */
    off = put_attr(buf, off, 2, &zero, 4);    /* skb_priority */
    off = put_attr(buf, off, 3, &port, 4);    /* in_port */
    off = put_attr(buf, off, 15, &zero, 4);   /* skb_mark */
    off = put_attr(buf, off, 22, &zero, 4);   /* ct_state */
    off = put_attr(buf, off, 23, &zero, 2);   /* ct_zone */
    off = put_attr(buf, off, 24, &zero, 4);   /* ct_mark */
    off = put_attr(buf, off, 25, label, 16);  /* ct_label */
    off = put_attr(buf, off, 4, eth, 12);     /* eth */
    off = put_attr(buf, off, 6, &etype, 2);   /* eth_type */
    off = put_attr(buf, off, 7, ip, 12);      /* ipv4 */
    off = put_attr(buf, off, 10, l4, 4);      /* udp */
    return off;
}

static __attribute__((noinline)) void revalidate(struct udpif *udpif, struct udpif_key *ukey)
{
    int result = 0, reason = 0;
    DTRACE_PROBE4(revalidate, flow_result, udpif, ukey, result, reason);
}

int main(int argc, char **argv)
{
    long hits = 2000000, flows = 1000, wait_ms = 0;
    int c;
    while ((c = getopt(argc, argv, "n:f:w:")) != -1) {
        if (c == 'n') hits = atol(optarg);
        else if (c == 'f') flows = atol(optarg);
        else if (c == 'w') wait_ms = atol(optarg);
        else return 2;
    }
    if (flows < 1 || hits < 1)
        return 2;
    static struct udpif udpif;
    struct udpif_key *ukeys = calloc((size_t)flows, sizeof *ukeys);
    unsigned char (*keys)[256] = calloc((size_t)flows, 256);
    for (long i = 0; i < flows; i++) {
        ukeys[i].key = (const struct nlattr *)keys[i];
        ukeys[i].key_len = build_key(keys[i], (unsigned)i);
        ukeys[i].ufid.u32[0] = 0x1000 + (unsigned)i;
        ukeys[i].ufid.u32[1] = 0x4000u << 16;
        ukeys[i].ufid.u32[2] = 0x8000u << 16;
        ukeys[i].ufid.u32[3] = (unsigned)i * 2654435761u;
    }
    usleep((useconds_t)wait_ms * 1000);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long n = 0; n < hits; n++)
        revalidate(&udpif, &ukeys[n % flows]);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("%ld hits over %ld flows: %.1f ns/hit\n", hits, flows, ns / hits);
    free(ukeys);
    free(keys);
    return 0;
}
