// SPDX-License-Identifier: Apache-2.0
// Parse pass, per expression: a YAML scalar holding an expression in, an
// expression tree out (NULL after reporting positioned errors).
#ifndef OVSTRACE_PARSE_H
#define OVSTRACE_PARSE_H

#include "ast.h"
#include "diag.h"
#include "yamltree.h"

struct expr *parse_expr(const struct ynode *scalar, struct diag *d);

#endif
