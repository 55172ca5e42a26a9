// SPDX-License-Identifier: Apache-2.0
// Where recipes live: a RECIPE argument (a path or a bundled name) in, a path out; the
// list of recipes for `ovstrace list`; and a recipe's text, from its file or, for a
// bundled recipe, from the binary itself (cmake/embed_recipes.cmake).
#ifndef OVSTRACE_RECIPE_PATH_H
#define OVSTRACE_RECIPE_PATH_H

#include "source.h"
#include "util.h"

/* A bundled recipe is named "recipes/NAME.recipe" (as in the source tree) in diagnostics;
 * no path of a file is ever that string (a file there is named "./recipes/NAME.recipe"). */
#define RECIPE_BUNDLED_DIR "recipes"

/* A path when ARG names an existing file; else NAME.recipe looked up in $OVSTRACE_PATH,
 * then among the bundled recipes. NULL when nothing matches. */
char *recipe_path_resolve(const char *arg);
/* The directories of $OVSTRACE_PATH, in order (the bundled recipes come after them). */
void recipe_path_dirs(struct vec *out);
/* Every NAME.recipe found there and among the bundled ones, first match of a name wins,
 * sorted by name. */
void recipe_path_list(struct vec *paths);
/* The text of the recipe at PATH (a path recipe_path_resolve or _list gave, or any file):
 * source_load, but a bundled recipe's text is the binary's own. */
struct source *recipe_source_load(const char *path, char *err, size_t errlen);

#endif
