// SPDX-License-Identifier: Apache-2.0
// The probe catalog: templates/*.yaml (embedded in the binary) in, lookup tables
// of probes, struct layouts and enums out.
#ifndef OVSTRACE_CATALOG_H
#define OVSTRACE_CATALOG_H

#include "diag.h"
#include "types.h"

#include <stdint.h>

struct cat_arg {
    char *name;
    struct type type;
    int index;               /* argN for USDT/kprobes; field order for tracepoints */
    char *bpftrace;          /* a derived argument: the catalog's bpftrace expression for it, or NULL */
};

/* What each kind is, how it is written and attached: probespec.c's table, one entry per kind
 * in this order. PK_COUNT is not a kind: the table's size, checked at build time. */
enum probe_kind { PK_USDT, PK_TRACEPOINT, PK_KPROBE, PK_KRETPROBE, PK_UPROBE, PK_URETPROBE, PK_COUNT };

struct cat_probe {
    char *spec;              /* "usdt:revalidate:flow_result" */
    enum probe_kind kind;
    char *provider;          /* USDT provider / tracepoint category; NULL for kprobes */
    char *name;              /* probe / tracepoint / function name */
    char *since;             /* first OVS release (USDT only) */
    char *datapath;          /* any | netlink | userspace, or NULL */
    char *doc;
    int any_task;            /* kernel probe that fires in any task's context: no pid filter */
    char *flow_end;          /* enum argument whose value "delete" ends the ukey's flow, or NULL */
    struct cat_arg *args;
    int nargs;
};

struct cat_field {
    char *name;
    char *c_name;            /* the member's name in OVS's C source (DWARF); usually name */
    int offset;
    struct type type;
    char *since;
};

/* Offsets of fields a release lacks (a binary's DWARF, or that release's bundled layouts) are
 * LAYOUT_MISSING: reading one is an error. */
#define LAYOUT_MISSING (-1)

/* LAYOUT_UNKNOWN: a stripped binary of a release without bundled layouts, and no --layouts:
 * reading the struct is refused (layouts_refuse in layouts.h says how to get debug info). */
enum layout_source { LAYOUT_BUNDLED, LAYOUT_DWARF, LAYOUT_NOT_IN_DWARF, LAYOUT_UNKNOWN };

struct cat_struct {
    char *name;
    int size;
    enum layout_source source;   /* where size and offsets came from */
    char *where;
    struct cat_field *fields;
    int nfields;
};

struct cat_enum_value {
    int64_t value;
    char *name, *c, *text, *since;
};

struct cat_enum {
    char *name;
    int size;
    int flags;
    struct cat_enum_value *values;
    int nvalues;
};

struct catalog {
    struct cat_probe *probes;
    int nprobes;
    struct cat_struct *structs;
    int nstructs;
    struct cat_enum *enums;
    int nenums;
    /* The Open vSwitch release whose bundled layouts (templates/layouts/) the structs have,
     * e.g. "3.5": catalog_load applies LAYOUTS_DEFAULT_RELEASE, layouts_apply another or a
     * binary's DWARF (structs marked LAYOUT_DWARF). */
    char *layouts_release;
    char *layouts_unknown;   /* LAYOUT_UNKNOWN structs: why no layouts could be chosen */
};

/* Load the embedded templates. Errors (a broken template) are reported in d. */
struct catalog *catalog_load(struct diag *d);
void catalog_free(struct catalog *c);

const struct cat_probe *catalog_probe(const struct catalog *c, enum probe_kind kind, const char *provider,
                                      const char *name);
const struct cat_struct *catalog_struct(const struct catalog *c, const char *name);
const struct cat_field *catalog_field(const struct cat_struct *s, const char *name);
const struct cat_enum *catalog_enum(const struct catalog *c, const char *name);
/* Find a value by short name or C name (case-sensitive). */
const struct cat_enum_value *catalog_enum_lookup(const struct cat_enum *e, const char *name);
const struct cat_arg *cat_probe_arg(const struct cat_probe *p, const char *name);

/* Compare dotted versions: <0, 0, >0. */
int version_cmp(const char *a, const char *b);

#endif
