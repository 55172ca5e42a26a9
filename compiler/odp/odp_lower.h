// SPDX-License-Identifier: Apache-2.0
// ODP filter lowering: a parsed filter and the bpftrace expressions of a key's
// pointer and length in; statements that walk the netlink key once and set a
// variable to 1 when every compare holds (0 otherwise) out, as data (btir.h).
#ifndef OVSTRACE_ODP_LOWER_H
#define OVSTRACE_ODP_LOWER_H

#include "btir.h"
#include "odp_filter.h"

/* Attributes a walk visits at most: a kernel-datapath key has about 15 (bpftrace 0.17's
 * verifier accepts this loop form up to several hundred iterations). */
#define ODP_WALK_MAX_ATTRS 64

/* Add to B the walk for F over KEY (a pointer) of LEN bytes (a uint64), setting $VAR; KEY and
 * LEN are taken over (btexpr.h). */
void odp_lower_walk(struct bt_block *b, struct bt_expr *key, struct bt_expr *len, const struct odp_filter *f,
                    const char *var);

#endif
