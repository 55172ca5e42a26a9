// SPDX-License-Identifier: Apache-2.0
// A number in, its text with thousands separators out ("1,234,567"): how run's report,
// tables and window lines show counts and nanoseconds.
#ifndef OVSTRACE_RUN_THOUSANDS_H
#define OVSTRACE_RUN_THOUSANDS_H

void render_thousands(char *out, unsigned long outlen, long long v);

#endif
