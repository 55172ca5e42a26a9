// SPDX-License-Identifier: Apache-2.0
// What the libFuzzer harnesses share: their entry points; the probe catalog, loaded once;
// and for code that opens a path (the ELF and DWARF readers), the input written to a file
// in a private directory, made once per process and removed at exit.
#ifndef OVSTRACE_FUZZ_HARNESS_H
#define OVSTRACE_FUZZ_HARNESS_H

#include "catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* libFuzzer's entry points, which each harness defines. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The catalog is the same for every input and takes most of a compile's time. */
static inline struct catalog *fuzz_catalog_load(void)
{
    struct diag d;
    diag_init(&d);
    struct catalog *cat = catalog_load(&d);
    if (d.errors)
        abort();
    diag_free(&d);
    return cat;
}

static char fuzz_dir[4096];
static char fuzz_path[4096 + 16];

static inline void fuzz_file_remove(void)
{
    unlink(fuzz_path);
    rmdir(fuzz_dir);
}

/* The directory holds nothing but the input, so what the code looks for beside it (a
 * debug file named by .gnu_debuglink) is never a file of this host. run.sh names it
 * ($OVSTRACE_FUZZ_DIR): its path is compared with others, and libFuzzer mutates inputs
 * with what was compared, so a random name would make its gate do different work. */
static inline const char *fuzz_file_init(void)
{
    const char *named = getenv("OVSTRACE_FUZZ_DIR"), *tmp = getenv("TMPDIR");
    if (named && *named) {
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s", named);
        if (mkdir(fuzz_dir, 0700) != 0 && errno != EEXIST)
            abort();
    } else {
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/ovstrace-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir))
            abort();
    }
    snprintf(fuzz_path, sizeof fuzz_path, "%s/binary", fuzz_dir);
    atexit(fuzz_file_remove);
    return fuzz_dir;
}

/* The input as the file's whole content; its path. */
static inline const char *fuzz_file_write(const uint8_t *data, size_t size)
{
    int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
        abort();
    return fuzz_path;
}

#endif
