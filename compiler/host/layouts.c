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

/* Why nothing can be read from the structs marked LAYOUT_UNKNOWN: BINARY's release has no
 * bundled layouts (VERSION, or "" when it has no version text ovstrace reads), and WHAT. */
static void set_unknown(struct catalog *cat, const char *binary, const char *version, const char *what)
{
    char *list = layouts_bundled_list();
    free(cat->layouts_unknown);
    cat->layouts_unknown = *version
        ? xasprintf("%s %s, and it is Open vSwitch %s, a release ovstrace has no struct layouts for (it has %s)",
                    binary, what, version, list)
        : xasprintf("%s %s, and no Open vSwitch version text ovstrace can read (it has the struct layouts of %s)",
                    binary, what, list);
    free(list);
}

/* BINARY's DWARF over the catalog: returns the description. Structs it does not describe
 * (their code may live in a library) keep the layouts of BINARY's release when BUNDLED, and
 * are unknown otherwise: the default release's would be a guess. */
static char *apply_dwarf(struct catalog *cat, struct dwarf_layouts *dw, const char *binary, const char *version,
                         int bundled, struct diag *d)
{
    int structs = 0, fields = 0, unknown = 0;
    for (int i = 0; i < cat->nstructs; i++) {
        struct dwarf_struct ds;
        if (dwarf_find_struct(dw, cat->structs[i].name, &ds) < 0) {
            cat->structs[i].source = bundled ? LAYOUT_NOT_IN_DWARF : LAYOUT_UNKNOWN;
            unknown += !bundled;
            continue;
        }
        fields += apply_struct(cat, &cat->structs[i], &ds, binary, d);
        cat->structs[i].source = LAYOUT_DWARF;
        structs++;
        dwarf_struct_release(&ds);
    }
    if (unknown)
        set_unknown(cat, binary, version, "has debug info without some of the structs");
    return xasprintf("struct layouts from the DWARF of %s (%d structs, %d fields)", dwarf_source(dw), structs, fields);
}

/* The version text of the libopenvswitch process PID maps, when its binary has none (a
 * shared-library build keeps lib/util.c there). */
static void version_from_mapped_lib(int pid, char *version, size_t len)
{
    char maps[64], line[4096];
    snprintf(maps, sizeof maps, "/proc/%d/maps", pid);
    FILE *f = fopen(maps, "r");
    while (f && !*version && fgets(line, sizeof line, f)) {
        char *path = strchr(line, '/');
        if (!path || !strstr(path, "/libopenvswitch"))
            continue;
        path[strcspn(path, "\n")] = '\0';
        char *in_ns = xasprintf("/proc/%d/root%s", pid, path);    /* as the process sees it */
        elf_read_ovs_version(in_ns, version, len);
        free(in_ns);
    }
    if (f)
        fclose(f);
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

char *layouts_apply(struct catalog *cat, const char *binary, int pid, const char *release, struct diag *d)
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
    if (elf_read_ovs_version(binary, version, sizeof version) < 0 && pid)
        version_from_mapped_lib(pid, version, sizeof version);
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
        char *desc = apply_dwarf(cat, dw, binary, version, bundled, d);
        dwarf_close(dw);
        return desc;
    }
    if (bundled)
        return xasprintf("bundled struct layouts of Open vSwitch %s (x86_64): %s is %s, without debug info",
                         cat->layouts_release, binary, version);
    set_unknown(cat, binary, version, "has no debug info");
    for (int i = 0; i < cat->nstructs; i++)
        cat->structs[i].source = LAYOUT_UNKNOWN;
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
