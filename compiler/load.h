// SPDX-License-Identifier: Apache-2.0
// Load pass: recipe YAML in, recipe model with parsed expressions out.
#ifndef OVSTRACE_LOAD_H
#define OVSTRACE_LOAD_H
#include "recipe.h"
#endif
