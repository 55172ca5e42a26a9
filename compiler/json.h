// SPDX-License-Identifier: Apache-2.0
// Just enough JSON for `bpftrace -f json`: one value per line, objects, arrays, strings,
// numbers, true/false/null. Object members keep their order.
#ifndef OVSTRACE_JSON_H
#define OVSTRACE_JSON_H

#include <stddef.h>

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_kind kind;
    double number;           /* JSON_NUMBER, JSON_BOOL (0/1) */
    long long integer;       /* JSON_NUMBER when is_integer */
    int is_integer;
    char *str;               /* JSON_STRING: decoded bytes, NUL-terminated */
    size_t len;
    struct json **items;     /* JSON_ARRAY, JSON_OBJECT: the values */
    char **keys;             /* JSON_OBJECT: the member names */
    int n;
};

/* Parse the LEN bytes at TEXT as one JSON value (surrounding white space allowed). NULL on
 * malformed input. bpftrace 0.17 writes bytes >= 0x80 in strings as \uffffffXX (a sign-
 * extended char): those come back as the byte XX. */
struct json *json_parse(const char *text, size_t len);
void json_free(struct json *j);
/* OBJ's member KEY, or NULL (also when OBJ is not an object). */
const struct json *json_get(const struct json *obj, const char *key);
/* V as a whole number: 0 when V is not a number, a fraction truncated, a value out of
 * range clamped to LLONG_MIN..LLONG_MAX (converting it would be undefined behaviour). */
long long json_as_ll(const struct json *v);

#endif
