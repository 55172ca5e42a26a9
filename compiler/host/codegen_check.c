// SPDX-License-Identifier: Apache-2.0
// codegen_check: run `bpftrace --emit-elf` on a script and read its verdict.
#include "codegen_check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The first line that says what went wrong (not the RLIMIT_MEMLOCK notice). */
static char *first_error(const char *err)
{
    for (const char *l = err; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n && !memmem(l, n, "RLIMIT_MEMLOCK", 14) && (memmem(l, n, "ERROR", 5) || memmem(l, n, "rror:", 5)))
            return xstrndup(l, n);
        l += n + (e != NULL);
    }
    return NULL;
}

/* LLVM names the function it gave up on: "in function usdt:...:op_flow_put i64 (i8*)". */
static char *named_probe(const char *err)
{
    const char *p = strstr(err, "in function ");
    if (!p)
        return NULL;
    p += strlen("in function ");
    size_t n = strcspn(p, " \n");
    return n ? xstrndup(p, n) : NULL;
}

void codegen_check(const char *bpftrace, struct bt_version version, const char *script, int pid,
                   struct codegen_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->built = -1;
    char *src = write_temp_script(script);
    if (!src) {
        v->message = xstrdup("cannot write the script to a temporary file");
        return;
    }
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", pid ? pid : 1);
    /* The ELF itself is not wanted: bpftrace building it is the answer. */
    char *argv[8];
    int n = 0;
    argv[n++] = (char *)bpftrace;
    if (bt_version_cmp(version, (struct bt_version){ 0, 21, 0 }) >= 0) {
        argv[n++] = "--dry-run";
    } else {
        argv[n++] = "--emit-elf";
        argv[n++] = "/dev/null";
    }
    if (pid) {
        argv[n++] = "-p";
        argv[n++] = pidtext;
    }
    argv[n++] = src;
    argv[n++] = pidtext;
    argv[n] = NULL;
    int status = 0;
    char *err = run_capture(argv, 0, &status);
    if (!err) {
        v->message = xasprintf("cannot run %s", bpftrace);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        v->message = xasprintf("%s is not installed", bpftrace);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        v->built = 1;
    } else {
        v->built = 0;
        v->stack = strstr(err, "BPF stack limit") != NULL;
        v->probe = named_probe(err);
        v->message = first_error(err);
        if (!v->message)
            v->message = xasprintf("bpftrace exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    free(err);
    unlink(src);
    free(src);
}

void codegen_verdict_free(struct codegen_verdict *v)
{
    free(v->probe);
    free(v->message);
    memset(v, 0, sizeof *v);
}
