// SPDX-License-Identifier: Apache-2.0
// The traced binary: its path (and the OVS libraries a live process maps) in;
// out, a verdict on every USDT probe a checked recipe uses (present, argument
// count and sizes as the catalog expects), before anything is emitted.
#ifndef OVSTRACE_TARGET_H
#define OVSTRACE_TARGET_H

#include "recipe.h"

/* Check R's USDT probes against the notes of BINARY and, when PID is set, of the
 * libopenvswitch/libofproto libraries that process maps (shared-library builds keep
 * their probes there). Errors go to d at the probe's position. Returns 0 when clean. */
int target_check_probes(struct recipe *r, const char *binary, int pid, struct diag *d);

#endif
