// SPDX-License-Identifier: Apache-2.0
// What bpftrace's -f json output says differently from one version to the next, undone
// before run_render.c reads it, so the same events render the same report on every
// supported bpftrace, and a recording made with one replays alike anywhere. Measured on
// 0.17.0, 0.23.2 and 0.27.1 (tests/e2e/tier_reports.sh compares their reports):
//   - a 64-bit unsigned map key from 2^63 on: 0.17 and 0.23 print it negative (as signed),
//     0.27 as it is; shown unsigned (the recipe's type says so).
//   - a truth value as a map key (a comparison): 1 or 0 up to 0.23, true or false in 0.27;
//     shown true or false.
//   - a string in a map key: 0.23 escapes it twice ("q\\\"x" for q"x); undone.
//   - blank lines around map dumps (0.17, 0.23), "count" in attached_probes (0.27): the
//     renderer already ignores both.
#ifndef OVSTRACE_RUN_JSON_COMPAT_H
#define OVSTRACE_RUN_JSON_COMPAT_H

#include "json.h"
#include "plan.h"

/* Rewrite in place the keys of a map, hist or stats record's DATA, printed by the bpftrace
 * PLAN names, into one form. */
void run_json_compat_keys(const struct render_plan *plan, struct json *data);

#endif
