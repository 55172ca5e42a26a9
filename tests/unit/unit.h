// SPDX-License-Identifier: Apache-2.0
// A tiny test harness: TAP-style "ok N - what" lines and a closing
// "N passed, M failed" line, exit status 1 on any failure.
#ifndef OVSTRACE_UNIT_H
#define OVSTRACE_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

/* Run a shell command built like printf; its exit status, or -1. */
static int unit_run(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int unit_run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    fflush(stdout);
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int unit_done(void)
{
    printf("%d passed, %d failed\n", unit_pass, unit_fail);
    return unit_fail ? 1 : 0;
}

#endif
