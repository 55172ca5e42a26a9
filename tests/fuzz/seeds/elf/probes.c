// SPDX-License-Identifier: Apache-2.0
// A small program for the ELF seeds of fuzz_elf_notes and fuzz_dwarf_layout
// (make_elf_seeds.sh builds it several ways): USDT probes of every argument size, with
// semaphores, a probe fired at two sites; and structs in the shapes the DWARF reader
// walks: nesting, an anonymous union, bitfields, a flexible array, a typedef'd anonymous
// union (as OVS's ovs_u128), pointers, qualifiers, arrays and a function pointer.
#define _SDT_HAS_SEMAPHORES 1
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/sdt.h>

/* With _SDT_HAS_SEMAPHORES every probe of the unit has one. */
#define SEMAPHORE(name) unsigned short seedprov_##name##_semaphore __attribute__((section(".probes")))
SEMAPHORE(zero);
SEMAPHORE(sizes);
SEMAPHORE(flow);
SEMAPHORE(twice);
SEMAPHORE(sem);

typedef union {
    uint8_t bytes[8];
    struct {
        uint32_t hash;
        uint16_t zone, mark;
    } parts;
} flow_tag;

struct cmap_node {
    struct cmap_node *next;
};

struct udpif_key {
    struct cmap_node cmap_node;
    const void *key;
    size_t key_len;
    flow_tag tag;
    union {
        int as_int;
        char as_chars[4];
    };
    unsigned int flags : 3, dumped : 1;
    char *const name;
    const char *volatile label;
    _Atomic int refcount;
    int matrix[2][3];
    void (*callback)(struct udpif_key *, int);
    unsigned char tail[];
};

typedef struct udpif_key udpif_key_t;

struct flow {
    uint32_t in_port;
    uint8_t dl_dst[6];
    uint16_t dl_type;
    struct udpif_key *ukey;
    udpif_key_t **ukeys;
};

static volatile long sink;

static void fire_sem(unsigned char c)
{
    if (seedprov_sem_semaphore)
        DTRACE_PROBE1(seedprov, sem, c);
}

int main(int argc, char **argv)
{
    struct flow f = { .in_port = (uint32_t)argc, .dl_type = 0x0800 };
    struct udpif_key k = { .key_len = (size_t)argc };
    signed char c = (signed char)argv[0][0];
    short s = (short)argc;
    long long big = (long long)argc * 1000003LL;
    double d = argc / 3.0;

    f.ukey = &k;
    DTRACE_PROBE(seedprov, zero);
    DTRACE_PROBE4(seedprov, sizes, c, s, argc, big);
    DTRACE_PROBE3(seedprov, flow, &f, &k, d);
    if (argc > 1)
        DTRACE_PROBE1(seedprov, twice, big);
    else
        DTRACE_PROBE1(seedprov, twice, s);
    fire_sem((unsigned char)argc);
    sink = (long)f.dl_type + k.refcount;
    return 0;
}
