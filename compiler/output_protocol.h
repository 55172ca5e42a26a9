// SPDX-License-Identifier: Apache-2.0
// What a script compiled for `ovstrace run` prints for run to read back: lowering writes
// these tags into the script's printf formats (lower_output.c), run's renderer reads them out of
// bpftrace's -f json records (run/run_render.c). Plain bpftrace gets no tags.
#ifndef OVSTRACE_OUTPUT_PROTOCOL_H
#define OVSTRACE_OUTPUT_PROTOCOL_H

/* The separators, control characters no recipe text can print (text is escaped). */
#define OUTPUT_GS "\035"      /* starts a held event's tag */
#define OUTPUT_RS "\036"      /* starts a piece's CPU tag, and the report's end line */
#define OUTPUT_US "\037"      /* ends a tag */

/* A piece of an event printed in pieces (a flow key) is tagged RS CPU US: run joins each
 * CPU's pieces into its event.
 * A `print: after_report` event: GS KIND INDEX US, KIND 'e' (one event), 'h' (its heading)
 * or 'H' (a heading too long for one printf, going on); run holds them until the report
 * ends. Outputs 0..OUTPUT_HELD_MAX-1 can be held (check_script.c checks the bound). */
#define OUTPUT_HELD_MAX 64

/* The line the script prints after a report's maps when the recipe has tables or events
 * held until the report. */
#define OUTPUT_DUMP_END OUTPUT_RS "dump" OUTPUT_US

#endif
