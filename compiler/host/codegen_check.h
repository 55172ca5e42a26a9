// SPDX-License-Identifier: Apache-2.0
// Ask bpftrace itself whether it can build a script: `bpftrace --emit-elf` parses it,
// checks it and generates its BPF code (the 512-byte stack is checked there), loading
// nothing; from 0.21 on `--dry-run` does that and has the kernel's verifier load it, attaching
// nothing (0.27's --emit-elf writes the ELF and then runs the script). The lowering's stack estimate (stack_budget.h) catches the plain cases with a
// position; this catches what LLVM lays out less tidily than the estimate says.
#ifndef OVSTRACE_CODEGEN_CHECK_H
#define OVSTRACE_CODEGEN_CHECK_H

#include "bt_version.h"

struct codegen_verdict {
    int built;           /* 1: bpftrace built it; 0: it refused; -1: bpftrace could not be asked */
    int stack;           /* refused for the BPF stack */
    char *probe;         /* the probe it named ("in function PROBE"), or NULL */
    char *message;       /* its first error line, or why it could not be asked */
};

/* Build SCRIPT with BPFTRACE (a path or a name in PATH), of version VERSION. PID, when not
 * 0, is passed as -p PID (scripts whose USDT probes name no binary) and as $1 either way. */
void codegen_check(const char *bpftrace, struct bt_version version, const char *script, int pid,
                   struct codegen_verdict *v);
void codegen_verdict_free(struct codegen_verdict *v);

#endif
