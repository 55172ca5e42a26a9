// SPDX-License-Identifier: Apache-2.0
// Struct layouts from the traced binary: the catalog and a binary path in; the
// catalog's offsets and sizes replaced by what the binary's DWARF says, or a
// warning that the bundled layouts are used because there is no debug info.
#ifndef OVSTRACE_LAYOUTS_H
#define OVSTRACE_LAYOUTS_H

#include "catalog.h"

/* Scripts compiled without a target binary read the structs as this release lays them out
 * (Debian 13's); --layouts names another. */
#define LAYOUTS_DEFAULT_RELEASE "3.5"

/* Choose the layouts of the structs a script reads, for a script that attaches to BINARY:
 *   RELEASE given (--layouts X.Y): that release's bundled layouts, whatever BINARY is;
 *   else BINARY's DWARF (its own, or its debug file), when it has some (structs it lacks: those
 *        of BINARY's release, else unknown);
 *   else the bundled layouts of the Open vSwitch release BINARY says it is (its version text;
 *        when BINARY has none and PID is not 0, that of the libopenvswitch PID maps);
 *   else none: the structs become LAYOUT_UNKNOWN and reading one is refused (layouts_refuse).
 * Returns a one-line description of where the layouts came from (the script's header); the
 * caller frees it. NULL, with an error, when the binary cannot be read at all or RELEASE has
 * no bundled layouts. BINARY NULL: only RELEASE (or the default) applies. */
char *layouts_apply(struct catalog *cat, const char *binary, int pid, const char *release, struct diag *d);

/* The error for reading struct S (as S.FIELD) when no layouts could be chosen, with the ways
 * to get debug info and the --layouts override as hints. */
void layouts_refuse(const struct catalog *cat, const struct cat_struct *s, const char *field, struct diag *d);

/* --- the bundled layouts (layouts_bundled.c): templates/layouts/ovs-X.Y.yaml, embedded --- */

/* Give cat's structs the bundled sizes and offsets of RELEASE ("4.0", or a version of that
 * series such as "4.0.1"). Returns 0; -1 when no bundle is for that release (cat unchanged).
 * A bundle that does not describe every catalog field is an internal error, in d. */
int layouts_use_bundled(struct catalog *cat, const char *release, struct diag *d);

/* "3.1, 3.5, 4.0": the releases with bundled layouts, oldest first. The caller frees it. */
char *layouts_bundled_list(void);

/* RELEASE's series, MAJOR.MINOR, into out ("4.0.1" -> "4.0"). */
void layouts_series(const char *release, char *out, size_t outlen);

#endif
