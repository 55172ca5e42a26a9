// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the DWARF layout reader (dwarf_layout.c, over elfutils' libdw): the
// input is a binary, as `ovstrace layouts --binary`, `compile --target` and `run` read one.
// Every struct of the catalog is looked up in its debug info, as layouts_apply does; a
// stripped input sends the reader after its debug file, which the private directory never
// holds (fuzz_harness.h), so that no file of this host is read.
#include "host/dwarf_layout.h"
#include "fuzz_harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct catalog *cat;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cat = fuzz_catalog_load();
    /* Debug files by build-id are looked for under $OVSTRACE_DEBUG_ROOT/usr/lib/debug. */
    setenv("OVSTRACE_DEBUG_ROOT", fuzz_file_init(), 1);
    return 0;
}

/* A size never negative; every member's type spelled. */
static void check_struct(const struct dwarf_struct *s)
{
    if (s->size < 0 || s->nmembers < 0 || (s->nmembers > 0) != (s->members != NULL))
        abort();
    for (int i = 0; i < s->nmembers; i++)
        if (!s->members[i].type_name)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    char err[512];
    struct dwarf_layouts *d = dwarf_open(path, err, sizeof err);
    if (!d)
        return 0;
    if (!dwarf_source(d))
        abort();
    for (int i = 0; i < cat->nstructs; i++) {
        struct dwarf_struct s;
        if (dwarf_find_struct(d, cat->structs[i].name, &s) == 0)
            check_struct(&s);
        dwarf_struct_release(&s);
    }
    dwarf_close(d);
    return 0;
}
