// SPDX-License-Identifier: Apache-2.0
// Parameters: the typed values a recipe declares, from their defaults and from
// `-p name=value` on the command line, validated before anything is generated.
#ifndef OVSTRACE_PARAMS_H
#define OVSTRACE_PARAMS_H

#include "recipe.h"

struct odp_ports;

/* Apply every default, then each "name=value" assignment; port names in a flow filter
 * through PORTS (NULL: a name is an error). Errors go to d: positioned for defaults,
 * plain for command-line values. Returns 0 when clean. */
int params_bind(struct recipe *r, char *const *assignments, int n, const struct odp_ports *ports, struct diag *d);
/* Parse TEXT as a value of P's type into P. 0 or -1 with a message in err. */
int param_set(struct param *p, const char *text, char *err, size_t errlen);
const char *param_type_name(enum param_type t);
/* An int as recipes write it: -?DIGITS or -?0xHEX, within 64 bits. 0, or -1 with a message. */
int parse_int64(const char *text, long long *out, char *err, size_t errlen);
/* The value as text, as -p would take it back ("500ms", "true", "10"). */
char *param_value_text(const struct param *p);

#endif
