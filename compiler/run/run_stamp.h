// SPDX-License-Identifier: Apache-2.0
// Window lines under `ovstrace run`, as upstream kernel_delay prints them: the script says
//   # Triggered sample dump, stop-start delta 1187986454 ns @2026-11-23T14:52:01.298021
// (bpftrace 0.17 has no UTC time and no digit grouping), run prints
//   # Triggered sample dump, stop-start delta 1,187,986,454 ns @2026-11-23T14:52:01.298021 (13:52:01 UTC)
#ifndef OVSTRACE_RUN_STAMP_H
#define OVSTRACE_RUN_STAMP_H

/* LINE as run shows it (malloc'd), or NULL when it is not a window line. */
char *run_stamp_line(const char *line);

#endif
