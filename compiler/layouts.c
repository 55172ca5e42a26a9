// SPDX-License-Identifier: Apache-2.0
// Layouts from DWARF: for every struct in the catalog that the binary describes,
// take its size and its members' offsets from the debug info (pahole is not
// needed), and check the members' sizes against the catalog's types.
#include "layouts.h"
#include "dwarf_layout.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long catalog_field_size(const struct catalog *cat, const struct cat_field *f)
{
    if (f->type.kind == T_STRUCT) {
        const struct cat_struct *s = catalog_struct(cat, f->type.ref);
        return s ? s->size : 0;
    }
    return f->type.size;
}

static const struct dwarf_member *member(const struct dwarf_struct *ds, const char *name)
{
    for (int i = 0; i < ds->nmembers; i++)
        if (ds->members[i].name && strcmp(ds->members[i].name, name) == 0)
            return &ds->members[i];
    return NULL;
}

/* One struct: returns how many of its fields the DWARF had. */
static int apply_struct(struct catalog *cat, struct cat_struct *s, const struct dwarf_struct *ds, const char *binary,
                        struct diag *d)
{
    int found = 0;
    s->size = (int)ds->size;
    for (int i = 0; i < s->nfields; i++) {
        struct cat_field *f = &s->fields[i];
        const struct dwarf_member *m = member(ds, f->c_name);
        if (!m) {
            f->offset = LAYOUT_MISSING;
            continue;
        }
        long want = catalog_field_size(cat, f);
        /* Bitfields report size 0; and a catalog size of 0 means "not known". */
        if (m->size && want && m->size != want)
            diag_warn(d, loc_make(NULL, 0, 0), "%s: struct %s member %s is %ld bytes, the catalog reads %ld", binary,
                      s->name, f->c_name, m->size, want);
        f->offset = (int)m->offset;
        found++;
    }
    return found;
}

char *layouts_apply(struct catalog *cat, const char *binary, struct diag *d)
{
    char err[512];
    /* Debug info missing falls back to the bundled layouts; a binary that cannot be read at all
     * (not there, a FIFO, a directory) is an error. */
    int fd = open_regular_file(binary, err, sizeof err);
    if (fd < 0) {
        diag_error(d, loc_make(NULL, 0, 0), "%s", err);
        return NULL;
    }
    close(fd);
    struct dwarf_layouts *dw = dwarf_open(binary, err, sizeof err);
    if (!dw) {
        diag_warn(d, loc_make(NULL, 0, 0), "%s; using the bundled struct layouts (those of Open vSwitch 3.5, x86_64)",
                  err);
        return xasprintf("bundled struct layouts (Open vSwitch 3.5, x86_64): no debug info in %s", binary);
    }
    int structs = 0, fields = 0;
    for (int i = 0; i < cat->nstructs; i++) {
        struct dwarf_struct ds;
        /* Structs the binary does not describe keep their bundled layout (their code may
         * live in a library); lowering warns if the recipe reads one. */
        if (dwarf_find_struct(dw, cat->structs[i].name, &ds) < 0) {
            cat->structs[i].source = LAYOUT_NOT_IN_DWARF;
            continue;
        }
        fields += apply_struct(cat, &cat->structs[i], &ds, binary, d);
        cat->structs[i].source = LAYOUT_DWARF;
        structs++;
        dwarf_struct_release(&ds);
    }
    char *desc = xasprintf("struct layouts from the DWARF of %s (%d structs, %d fields)", dwarf_source(dw), structs,
                           fields);
    dwarf_close(dw);
    return desc;
}
