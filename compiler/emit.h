// SPDX-License-Identifier: Apache-2.0
// Emit pass: the lowered bpftrace program in, script text out (deterministic).
#ifndef OVSTRACE_EMIT_H
#define OVSTRACE_EMIT_H
#include "btir.h"
char *emit_script(const struct bt_program *p);
#endif
