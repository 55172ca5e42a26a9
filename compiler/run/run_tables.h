// SPDX-License-Identifier: Apache-2.0
// Table aggregates under `ovstrace run`: their maps held until the report ends, then
// joined into tables (or kernel_delay's blocks per thread).
#ifndef OVSTRACE_RUN_TABLES_H
#define OVSTRACE_RUN_TABLES_H

struct run_output;
struct json;

/* A map record: when the map is a table's column, keep *V (taken; *V set to NULL), return 1. */
int run_tables_hold(struct run_output *r, const char *at_name, struct json **v);
/* The report ended (the script's OUTPUT_DUMP_END line, or the run's end): print the tables. */
void run_tables_render(struct run_output *r);
void run_tables_free(struct run_output *r);

#endif
