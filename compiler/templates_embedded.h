// SPDX-License-Identifier: Apache-2.0
// The templates/*.yaml files and the bundled recipes, embedded at build time by
// cmake/embed.cmake and cmake/embed_recipes.cmake.
#ifndef OVSTRACE_TEMPLATES_EMBEDDED_H
#define OVSTRACE_TEMPLATES_EMBEDDED_H
#include <stddef.h>
struct embedded_file {
    const char *path;
    const char *text;
    size_t len;
};
extern const struct embedded_file template_probes, template_structs, template_enums, template_syscalls;
/* templates/layouts/ovs-X.Y.yaml, oldest release first; NULL ends the list. */
extern const struct embedded_file *const template_layouts[];
/* recipes/NAME.recipe (path "NAME.recipe"), sorted by name; a NULL path ends the list. */
extern const struct embedded_file bundled_recipes[];
#endif
