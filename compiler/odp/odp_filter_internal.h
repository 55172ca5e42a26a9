// SPDX-License-Identifier: Apache-2.0
// The flow filter parser's own declarations, for odp_filter*.c only: its state, how it records
// an error or a warning, the character classes it reads by, and what odp_filter.c (the text's
// structure: attributes, fields) calls in odp_filter_value.c (a field's value and mask).
#ifndef OVSTRACE_ODP_FILTER_INTERNAL_H
#define OVSTRACE_ODP_FILTER_INTERNAL_H

#include "odp_filter.h"
#include "odp_attrs.h"

#include <stddef.h>
#include <string.h>

/* The parser's state: the text and where in it, the filter being filled, where errors go. */
struct parser {
    const char *t;
    size_t len, pos;
    struct odp_filter *out;
    int cap;
    char *err, *hint;
    size_t errlen, hintlen;
    unsigned *err_off, *err_len;
    const struct odp_ports *ports;     /* NULL: port names are an error */
};

/* odp_filter.c: record the error (message, hint or NULL, byte range); always returns -1. */
int filter_fail(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Record a warning (message, hint, byte range): accepted input worth a word. The first
 * one is kept, like the first error. */
void filter_warn(struct parser *p, size_t off, size_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The filter text's character classes: ASCII, whatever the locale says. */
static inline int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static inline int is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int is_name(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static inline int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(s, name, n) == 0;
}

/* odp_filter_value.c: a field's value. FNAME takes what FS's kind does (a hint, into OUT). */
void field_hint(const char *fname, const struct field_spec *fs, char *out, size_t n);
/* "tcp()" or a bare "tcp": the attribute must be in the key, whatever its fields hold. */
void add_presence(struct parser *p, const struct attr_spec *as, int parent, size_t off, size_t len);
/* One value[/mask] of field FS: [S, E) in the text; the compare's text is [RS, RE). */
int parse_value(struct parser *p, const struct attr_spec *as, const struct field_spec *fs, int parent,
                const char *fname, size_t s, size_t e, size_t rs, size_t re);

#endif
