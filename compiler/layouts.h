// SPDX-License-Identifier: Apache-2.0
// Struct layouts from the traced binary: the catalog and a binary path in; the
// catalog's offsets and sizes replaced by what the binary's DWARF says, or a
// warning that the bundled layouts are used because there is no debug info.
#ifndef OVSTRACE_LAYOUTS_H
#define OVSTRACE_LAYOUTS_H

#include "catalog.h"

/* Offsets of fields the binary's DWARF lacks become LAYOUT_MISSING: reading one is an error. */
#define LAYOUT_MISSING (-1)

/* Returns a one-line description of where layouts came from (for the script's header);
 * the caller frees it. NULL, with an error, when the binary cannot be read at all. */
char *layouts_apply(struct catalog *cat, const char *binary, struct diag *d);

#endif
