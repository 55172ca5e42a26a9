// SPDX-License-Identifier: Apache-2.0
// Where recipes live: a RECIPE argument (a path or a bundled name) in, a file
// path out; and the list of bundled recipes for `ovstrace list`.
#ifndef OVSTRACE_RECIPE_PATH_H
#define OVSTRACE_RECIPE_PATH_H

#include "util.h"

/* A path when ARG names an existing file; else NAME.recipe looked up in
 * $OVSTRACE_PATH, then the bundled directories. NULL when nothing matches. */
char *recipe_path_resolve(const char *arg);
/* Directories searched, in order (OVSTRACE_PATH entries, source tree, installed). */
void recipe_path_dirs(struct vec *out);
/* Every NAME.recipe found in those directories, first match of a name wins, sorted by name. */
void recipe_path_list(struct vec *paths);

#endif
