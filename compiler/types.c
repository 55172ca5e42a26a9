// SPDX-License-Identifier: Apache-2.0
// The type model: parse catalog type strings, copy and name types for messages.
#include "types.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct type type_int(int size, int is_signed)
{
    struct type t = { .kind = T_INT, .size = size, .is_signed = is_signed };
    return t;
}

struct type type_simple(enum tkind kind)
{
    struct type t = { .kind = kind };
    return t;
}

void type_copy(struct type *dst, const struct type *src)
{
    *dst = *src;
    dst->ref = src->ref ? xstrdup(src->ref) : NULL;
    dst->len_field = src->len_field ? xstrdup(src->len_field) : NULL;
}

void type_release(struct type *t)
{
    free(t->ref);
    free(t->len_field);
    t->ref = t->len_field = NULL;
}

static int parse_with_len(const char *text, const char *prefix, struct type *out, enum tkind kind)
{
    size_t pl = strlen(prefix);
    if (strncmp(text, prefix, pl) != 0 || text[pl] != '(')
        return 0;
    const char *end = strchr(text + pl, ')');
    if (!end || end[1] || end == text + pl + 1)
        return -1;
    out->kind = kind;
    out->size = 8;
    out->len_field = xstrndup(text + pl + 1, (size_t)(end - text - pl - 1));
    return 1;
}

static const struct { const char *name; int size, is_signed, be; } int_types[] = {
    { "u8", 1, 0, 0 }, { "u16", 2, 0, 0 }, { "u32", 4, 0, 0 }, { "u64", 8, 0, 0 },
    { "s8", 1, 1, 0 }, { "s16", 2, 1, 0 }, { "s32", 4, 1, 0 }, { "s64", 8, 1, 0 },
    { "be16", 2, 0, 1 }, { "be32", 4, 0, 1 }, { "be64", 8, 0, 1 },
};

static int parse_named(const char *text, struct type *out)
{
    for (size_t i = 0; i < sizeof int_types / sizeof int_types[0]; i++) {
        if (strcmp(text, int_types[i].name) == 0) {
            *out = type_int(int_types[i].size, int_types[i].is_signed);
            out->be = int_types[i].be;
            return 1;
        }
    }
    if (strcmp(text, "tid") == 0) {
        *out = type_int(4, 1);
        out->is_tid = 1;
        return 1;
    }
    static const struct { const char *name; enum tkind kind; int size; } simple[] = {
        { "bool", T_BOOL, 1 }, { "string", T_CSTR, 8 }, { "data_loc_string", T_DLSTR, 4 },
        { "ipv4", T_IPV4, 4 }, { "ipv6", T_IPV6, 16 }, { "mac", T_MAC, 6 }, { "ufid", T_UFID, 16 },
        { "ufid *", T_UFID_PTR, 8 }, { "ptr", T_PTR, 8 },
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(text, simple[i].name) == 0) {
            *out = type_simple(simple[i].kind);
            out->size = simple[i].size;
            return 1;
        }
    }
    return 0;
}

static int parse_duration_type(const char *text, struct type *out)
{
    static const struct { const char *text; long ns; } units[] = {
        { "duration(ns)", 1 }, { "duration(us)", 1000 }, { "duration(ms)", 1000000 }, { "duration(s)", 1000000000 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(text, units[i].text) == 0) {
            *out = type_simple(T_DURATION);
            out->size = 8;
            /* Durations are never negative; unsigned keeps bpftrace's division quiet. */
            out->unit_ns = units[i].ns;
            return 1;
        }
    }
    return 0;
}

int type_parse(const char *text, int size, struct type *out, char *err, unsigned errlen)
{
    memset(out, 0, sizeof *out);
    int r;
    if (parse_named(text, out) || parse_duration_type(text, out)) {
        /* fall through to the size override */
    } else if ((r = parse_with_len(text, "odp_key", out, T_ODP_KEY)) || (r = parse_with_len(text, "bytes", out, T_BYTES))) {
        if (r < 0) {
            snprintf(err, errlen, "malformed type '%s': expected NAME(LENGTH_FIELD)", text);
            return -1;
        }
    } else if (strncmp(text, "char[", 5) == 0) {
        int n = atoi(text + 5);
        if (n <= 0 || n > 256) {
            snprintf(err, errlen, "malformed type '%s'", text);
            return -1;
        }
        out->kind = T_CHARS;
        out->array_len = n;
        out->size = n;
    } else if (strncmp(text, "enum ", 5) == 0) {
        out->kind = T_ENUM;
        out->ref = xstrdup(text + 5);
        out->size = 4;
    } else if (strncmp(text, "struct ", 7) == 0) {
        size_t n = strlen(text + 7);
        int ptr = n > 2 && strcmp(text + 7 + n - 2, " *") == 0;
        out->kind = ptr ? T_STRUCT_PTR : T_STRUCT;
        out->ref = xstrndup(text + 7, ptr ? n - 2 : n);
        out->size = ptr ? 8 : 0;
    } else {
        snprintf(err, errlen, "unknown type '%s'", text);
        return -1;
    }
    if (size) {
        out->size = size;
        if (out->kind == T_INT || out->kind == T_DURATION || out->kind == T_ENUM)
            out->size = size;
    }
    return 0;
}

const char *type_name(const struct type *t, char *buf, unsigned buflen)
{
    switch (t->kind) {
    case T_INT:
        snprintf(buf, buflen, "%s%d", t->be ? "be" : t->is_signed ? "s" : "u", t->size * 8);
        break;
    case T_ENUM: snprintf(buf, buflen, "enum %s", t->ref); break;
    case T_STRUCT: snprintf(buf, buflen, "struct %s", t->ref); break;
    case T_STRUCT_PTR: snprintf(buf, buflen, "struct %s *", t->ref); break;
    case T_CHARS: snprintf(buf, buflen, "char[%d]", t->array_len); break;
    case T_ODP_KEY: snprintf(buf, buflen, "odp_key"); break;
    case T_BYTES: snprintf(buf, buflen, "bytes"); break;
    default: {
        static const char *const names[] = {
            [T_VOID] = "nothing", [T_BOOL] = "bool", [T_STR] = "string", [T_CSTR] = "string",
            [T_DLSTR] = "string", [T_IPV4] = "ipv4", [T_IPV6] = "ipv6", [T_MAC] = "mac",
            [T_UFID] = "ufid", [T_UFID_PTR] = "ufid", [T_PTR] = "pointer",
            [T_DURATION] = "duration", [T_TIMESTAMP] = "timestamp", [T_STACK] = "stack",
        };
        snprintf(buf, buflen, "%s", names[t->kind] ? names[t->kind] : "?");
    }
    }
    return buf;
}

int type_is_integer(const struct type *t)
{
    return t->kind == T_INT || t->kind == T_BOOL || t->kind == T_ENUM || t->kind == T_DURATION ||
           t->kind == T_TIMESTAMP;
}

int type_is_string(const struct type *t)
{
    return t->kind == T_STR || t->kind == T_CSTR || t->kind == T_CHARS || t->kind == T_DLSTR;
}

int type_is_pointer(const struct type *t)
{
    return t->kind == T_STRUCT_PTR || t->kind == T_PTR || t->kind == T_UFID_PTR || t->kind == T_ODP_KEY ||
           t->kind == T_BYTES || t->kind == T_CSTR;
}

const char *type_a(const struct type *t, char *buf, unsigned buflen)
{
    char name[56];
    type_name(t, name, sizeof name);
    /* "an odp_key", "an ipv4", "an enum ..."; "a u32", "a ufid" (said "you"). */
    snprintf(buf, buflen, "%s %s", strchr("aeio", name[0]) ? "an" : "a", name);
    return buf;
}
