// SPDX-License-Identifier: Apache-2.0
// YAML documents as a small tree of scalars, mappings and sequences, each node
// remembering where it came from so later passes can point at it.
#ifndef OVSTRACE_YAMLTREE_H
#define OVSTRACE_YAMLTREE_H

#include "diag.h"

enum ynode_kind { Y_SCALAR, Y_MAP, Y_SEQ };
enum yscalar_style { YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED };

struct ynode {
    enum ynode_kind kind;
    struct loc loc;              /* the node's first character .. its end */
    /* Y_SCALAR */
    char *value;
    size_t vlen;                 /* may hold NUL bytes: checked by users that care */
    enum yscalar_style style;
    /* Y_MAP: keys[i] -> items[i]; Y_SEQ: items[i] */
    int n;
    struct ynode **keys;
    struct ynode **items;
};

/* Parse one YAML document. NULL (with diagnostics) on a syntax error, an alias,
 * a duplicate key or a non-scalar key. An empty document yields an empty map. */
struct ynode *ytree_load(const struct source *src, struct diag *d);
void ytree_free(struct ynode *n);

/* Mapping lookup: the value node for KEY, or NULL. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* The key node for KEY (for pointing at a key rather than its value). */
struct ynode *ymap_key(const struct ynode *map, const char *key);

/* Location of byte OFF (LEN bytes) inside a scalar's value, mapped back into the
 * source even through quotes and block indentation. */
struct loc yscalar_loc(const struct ynode *scalar, unsigned off, unsigned len);

const char *ynode_kind_name(enum ynode_kind k);

#endif
