// SPDX-License-Identifier: Apache-2.0
// Diagnostics: every pass reports errors here with a source location; the
// pipeline prints them in source order, with the source line and a caret.
#ifndef OVSTRACE_DIAG_H
#define OVSTRACE_DIAG_H

#include "source.h"

#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
    enum diag_level level;
    struct loc loc;          /* loc.src == NULL: no position (command-line input) */
    char *msg;
    char *hint;              /* printed as "hint: ..." under the caret, may be NULL */
    int seq;                 /* keeps the report order stable for equal positions */
};

struct diag {
    struct diag_entry *v;
    int n, cap;
    int errors;
    int color;               /* colour only on a terminal */
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, struct loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Attach a hint to the most recent diagnostic. */
void diag_hint(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print everything collected so far in source order, then forget it. */
void diag_flush(struct diag *d, FILE *out);

#endif
