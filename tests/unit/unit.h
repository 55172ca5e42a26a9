// SPDX-License-Identifier: Apache-2.0
// A tiny test harness: TAP-style "ok N - what" lines and a closing
// "N passed, M failed" line, exit status 1 on any failure.
#ifndef OVSTRACE_UNIT_H
#define OVSTRACE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define EXPECT(cond, ...) do { \
        if (cond) { unit_pass++; printf("ok %d - ", unit_pass + unit_fail); } \
        else { unit_fail++; printf("not ok %d - %s:%d: ", unit_pass + unit_fail, __FILE__, __LINE__); } \
        printf(__VA_ARGS__); printf("\n"); } while (0)

#define EXPECT_STR(got, want, what) do { \
        const char *g_ = (got), *w_ = (want); \
        int ok_ = g_ && w_ && strcmp(g_, w_) == 0; \
        EXPECT(ok_, "%s", what); \
        if (!ok_) printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

static int unit_done(void)
{
    printf("%d passed, %d failed\n", unit_pass, unit_fail);
    return unit_fail ? 1 : 0;
}

#endif
