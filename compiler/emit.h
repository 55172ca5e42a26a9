// SPDX-License-Identifier: Apache-2.0
// Emit pass: the lowered bpftrace program in, script text out (deterministic), in the form
// of the bpftrace it is for (its dialect).
#ifndef OVSTRACE_EMIT_H
#define OVSTRACE_EMIT_H
#include "btir.h"
char *emit_script(const struct bt_program *p);
/* Expression E as bpftrace text for dialect DL, appended to O (emit_expr.c); or as a new string. */
void emit_expr(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e);
char *emit_expr_text(const struct bt_dialect *dl, const struct bt_expr *e);
#endif
