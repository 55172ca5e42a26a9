// SPDX-License-Identifier: Apache-2.0
// Struct layouts from a traced binary's DWARF: in goes the path of an ELF file (or a stripped one
// whose debug file can be found), out come named structs with their size and direct members.
#ifndef OVSTRACE_DWARF_LAYOUT_H
#define OVSTRACE_DWARF_LAYOUT_H

#include <stddef.h>

/* One direct member. Anonymous members (an unnamed union or struct inside the struct) have
 * name NULL and are listed so that a caller could descend into them later. Bitfields have
 * size 0 (they cannot be read as a whole number of bytes) and an approximate offset: the byte
 * holding their first bit, or with old DWARF their storage unit. A flexible array has size 0. */
struct dwarf_member {
    char *name;      /* NULL for an anonymous member */
    long offset;     /* bytes from the start of the struct */
    long size;       /* bytes; 0 for a bitfield or a flexible array */
    int is_pointer;  /* 1 if the type is a pointer once typedefs and qualifiers are peeled */
    char *type_name; /* C spelling, best effort: "struct udpif_key", "unsigned int", "char *" */
};

struct dwarf_struct {
    char *name; /* the name asked for */
    long size;
    struct dwarf_member *members; /* in declaration order */
    int nmembers;
};

/* An opened binary's DWARF, with its index of struct names (built on the first lookup). */
struct dwarf_layouts;

/* Opens PATH's debug info: the file's own .debug_info, else a separate debug file found by
 * build-id (ROOT/usr/lib/debug/.build-id/xx/rest.debug) or by .gnu_debuglink (next to the
 * binary, in its .debug/ directory, or in ROOT/usr/lib/debug/<dir of the binary>), where ROOT
 * is $OVSTRACE_DEBUG_ROOT or "" (tests use it). A debug file whose build-id differs from the
 * binary's is refused, since its offsets would be silently wrong. Returns NULL with a
 * one-line reason in err when the file cannot be opened, is not ELF, or has no debug info. */
struct dwarf_layouts *dwarf_open(const char *path, char *err, size_t errlen);

/* The file the DWARF was read from: PATH itself or the debug file found for it. */
const char *dwarf_source(const struct dwarf_layouts *d);

/* Finds the definition of struct or union NAME (declarations are skipped), or of a typedef
 * NAME naming an anonymous struct or union (OVS's ovs_u128). Only file-scope types are
 * found; when several compilation units define NAME, the first one wins. Returns 0 and fills
 * out (free it with dwarf_struct_release), or -1 when there is no such definition. */
int dwarf_find_struct(struct dwarf_layouts *d, const char *name, struct dwarf_struct *out);

/* Frees what dwarf_find_struct put in s and leaves it empty. */
void dwarf_struct_release(struct dwarf_struct *s);

/* Frees d and closes its files; NULL is fine. */
void dwarf_close(struct dwarf_layouts *d);

#endif
