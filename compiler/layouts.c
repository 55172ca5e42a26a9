// SPDX-License-Identifier: Apache-2.0
// Choosing struct layouts for a traced binary: its DWARF when it has some (for every struct in
// the catalog that the binary describes, its size and its members' offsets, pahole not
// needed, members' sizes checked against the catalog's types), else the bundled layouts of
// the release its version text names, else none, and reading a struct is refused.
#include "layouts.h"
#include "dwarf_layout.h"
#include "elf_notes.h"
#include "util.h"

#include <stdio.h>
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

/* BINARY's DWARF over the catalog: returns the description, or NULL (dw not opened). */
static char *apply_dwarf(struct catalog *cat, struct dwarf_layouts *dw, const char *binary, struct diag *d)
{
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
    return xasprintf("struct layouts from the DWARF of %s (%d structs, %d fields)", dwarf_source(dw), structs, fields);
}

/* No DWARF and no bundle for the binary's release: nothing may be read from a struct. */
static void mark_unknown(struct catalog *cat, const char *binary, const char *version)
{
    char *list = layouts_bundled_list();
    free(cat->layouts_unknown);
    cat->layouts_unknown = *version
        ? xasprintf("%s has no debug info, and it is Open vSwitch %s, a release ovstrace has no struct layouts for "
                    "(it has %s)", binary, version, list)
        : xasprintf("%s has no debug info, and no Open vSwitch version text ovstrace can read (it has the struct "
                    "layouts of %s)", binary, list);
    free(list);
    for (int i = 0; i < cat->nstructs; i++)
        cat->structs[i].source = LAYOUT_UNKNOWN;
}

static int bundled_or_error(struct catalog *cat, const char *release, struct diag *d)
{
    if (layouts_use_bundled(cat, release, d) == 0)
        return 0;
    char *list = layouts_bundled_list();
    diag_error(d, loc_make(NULL, 0, 0), "--layouts %s: ovstrace has the struct layouts of Open vSwitch %s, not %s",
               release, list, release);
    free(list);
    return -1;
}

char *layouts_apply(struct catalog *cat, const char *binary, const char *release, struct diag *d)
{
    char err[512], version[32] = "", series[32];
    if (!binary) {
        if (!release)
            return NULL;
        return bundled_or_error(cat, release, d) ? NULL
                                                 : xasprintf("bundled struct layouts of Open vSwitch %s (x86_64), as "
                                                             "--layouts says", cat->layouts_release);
    }
    /* Debug info missing falls back to the bundled layouts; a binary that cannot be read at all
     * (not there, a FIFO, a directory) is an error. */
    int fd = open_regular_file(binary, err, sizeof err);
    if (fd < 0) {
        diag_error(d, loc_make(NULL, 0, 0), "%s", err);
        return NULL;
    }
    close(fd);
    elf_read_ovs_version(binary, version, sizeof version);
    if (release) {
        if (bundled_or_error(cat, release, d))
            return NULL;
        layouts_series(version, series, sizeof series);
        if (*version && strcmp(series, cat->layouts_release) != 0)
            diag_warn(d, loc_make(NULL, 0, 0), "%s is Open vSwitch %s; reading its structs as %s lays them out, as "
                      "--layouts says", binary, version, cat->layouts_release);
        return xasprintf("bundled struct layouts of Open vSwitch %s (x86_64), as --layouts says", cat->layouts_release);
    }
    /* The binary's own release first: structs its DWARF lacks keep that release's layout. */
    int bundled = *version && layouts_use_bundled(cat, version, d) == 0;
    struct dwarf_layouts *dw = dwarf_open(binary, err, sizeof err);
    if (dw) {
        char *desc = apply_dwarf(cat, dw, binary, d);
        dwarf_close(dw);
        return desc;
    }
    if (bundled)
        return xasprintf("bundled struct layouts of Open vSwitch %s (x86_64): %s is %s, without debug info",
                         cat->layouts_release, binary, version);
    mark_unknown(cat, binary, version);
    return xasprintf("none (%s has no debug info and is %s%s)", binary, *version ? "Open vSwitch " : "",
                     *version ? version : "no release ovstrace knows");
}

void layouts_refuse(const struct catalog *cat, const struct cat_struct *s, const char *field, struct diag *d)
{
    diag_error(d, loc_make(NULL, 0, 0), "the recipe reads %s.%s, and ovstrace cannot know where that is: %s",
               s->name, field, cat->layouts_unknown ? cat->layouts_unknown : "no struct layouts");
    diag_hint(d, "give ovstrace that build's debug info: the distribution's debug package (Debian/Ubuntu: "
              "openvswitch-switch-dbgsym; Fedora/RHEL: dnf debuginfo-install openvswitch), or "
              "debuginfod-find debuginfo BINARY (ovstrace reads debuginfod's cache), or --target an unstripped build "
              "of the same source; or, knowing the build lays its structs out as a release ovstrace has, say which: "
              "--layouts X.Y");
}
