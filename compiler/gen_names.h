// SPDX-License-Identifier: Apache-2.0
// The names the lowering pass makes from a recipe's names: a span's variables and maps, a
// watch list's maps. They live in a namespace no recipe name can enter.
//
// A recipe's names are [a-z][a-z0-9_]* (load.c, valid_ident). Every name made from one
// carries an upper-case tag right after it: $lat_START, @_lat_V_len, @_seen_WATCH_N. The
// first upper-case letter ends the recipe's part, so two made names are equal only when
// they are made from the same recipe name with the same tag. Names the compiler makes on its
// own ($arg2, $fp1, $tp_pid, $now, @_on, @_win_start, @_enum_E) have no upper-case letter,
// and a recipe's own aggregates are @NAME: neither can equal a made name.
#ifndef OVSTRACE_GEN_NAMES_H
#define OVSTRACE_GEN_NAMES_H

#include "recipe.h"

/* Big enough for a sigil, two 48-character names and a tag (load.c limits names to 48). */
struct gen_name {
    char s[128];
};

/* A span's own variable or map: span_var(s, "START") is $lat_START, span_map @_lat_START. */
struct gen_name span_var(const struct span *s, const char *tag);
struct gen_name span_map(const struct span *s, const char *tag);
/* A span's capture or count NAME: $lat_V_len and @_lat_V_len. */
struct gen_name span_value_var(const struct span *s, const char *name);
struct gen_name span_value_map(const struct span *s, const char *name);
/* A watch list's map: watch_map(w, "WATCH") is @_seen_WATCH, "WATCH_N" its entry count. */
struct gen_name watch_map(const struct watch *w, const char *tag);

#endif
