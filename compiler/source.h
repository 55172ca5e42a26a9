// SPDX-License-Identifier: Apache-2.0
// Source buffers: a recipe file (or embedded template) held in memory, and the
// mapping from byte offsets to the line:column positions diagnostics print.
#ifndef OVSTRACE_SOURCE_H
#define OVSTRACE_SOURCE_H

#include <stddef.h>

struct source {
    char *path;     /* as the user named it; printed in diagnostics */
    char *text;     /* NUL-terminated copy of the contents */
    size_t len;     /* length in bytes (the text may hold NUL bytes before it) */
    /* Where each line starts: [0] is 0, [k] follows the k-th '\n'. Positions are looked up
     * for every YAML node; scanning from the top each time made big inputs quadratic. */
    unsigned *line_starts;
    int nlines;
};

/* A span of bytes inside a source. Offsets become line:col only when printed. */
struct loc {
    const struct source *src;
    unsigned off;
    unsigned len;
};

struct source *source_load(const char *path, char *err, size_t errlen);
struct source *source_from_string(const char *name, const char *text, size_t len);
void source_free(struct source *s);

/* Bytes of the character at OFF: a valid UTF-8 sequence, else 1 (each byte of broken
 * text is a column of its own). */
unsigned source_char_len(const struct source *s, unsigned off);
/* 1-based line and column (columns count UTF-8 characters, as editors do). */
void source_linecol(const struct source *s, unsigned off, int *line, int *col);
/* Only the 1-based line: a binary search, however long the line. */
int source_line_of(const struct source *s, unsigned off);
/* The byte offset of the start of 1-based LINE and the line's length without its newline. */
unsigned source_line_start(const struct source *s, int line, unsigned *linelen);
/* Byte offset of a 0-based (line, character column) pair, as libyaml reports marks. */
unsigned source_offset_of(const struct source *s, int line0, int col0);

/* Counting columns from a line's start for every position is quadratic on a recipe of one
 * 4 MiB line. A cursor (zeroed to start) remembers where the last lookup stopped, and the next
 * one on the same line goes on from there when it lies further along: libyaml's marks and
 * diagnostics sorted by position come in that order. A cursor serves one of the two lookups. */
struct source_cursor {
    const struct source *src;
    int line;                 /* 1-based; 0: nothing remembered */
    unsigned off;             /* a character's first byte on that line */
    int col;                  /* its column, as the lookup that set it counts */
};
void source_cursor_linecol(const struct source *s, struct source_cursor *c, unsigned off, int *line, int *col);
unsigned source_cursor_offset(const struct source *s, struct source_cursor *c, int line0, int col0);

struct loc loc_make(const struct source *s, unsigned off, unsigned len);

#endif
