// SPDX-License-Identifier: Apache-2.0
// Load pass: recipe YAML in, recipe model with parsed expressions out.
#ifndef OVSTRACE_LOAD_H
#define OVSTRACE_LOAD_H
#include "recipe.h"

/* The recipe at PATH (a file, or a path recipe_path.h gave for a bundled one) in, the recipe
 * model (expressions parsed) out; errors go to D. NULL only when the text cannot be read;
 * otherwise the caller frees the recipe with recipe_free, errors or not. */
struct recipe *load_recipe(const char *path, struct diag *d);
/* The same from a source already read (taken over). */
struct recipe *load_recipe_source(struct source *src, struct diag *d);
#endif
