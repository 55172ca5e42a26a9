// SPDX-License-Identifier: Apache-2.0
// A small recursive-descent JSON reader for bpftrace's -f json output (see json.h).
#include "json.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    const char *s, *end;
    int depth;
};

static void skip_ws(struct reader *r)
{
    while (r->s < r->end && (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r'))
        r->s++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

static void put_utf8(struct strbuf *b, unsigned cp)
{
    if (cp < 0x80) {
        sb_addc(b, (char)cp);
    } else if (cp < 0x800) {
        sb_addc(b, (char)(0xc0 | cp >> 6));
        sb_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        sb_addc(b, (char)(0xe0 | cp >> 12));
        sb_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sb_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        sb_addc(b, (char)(0xf0 | cp >> 18));
        sb_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        sb_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sb_addc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

static int read_string(struct reader *r, struct strbuf *b)
{
    r->s++;  /* the opening quote */
    while (r->s < r->end && *r->s != '"') {
        char c = *r->s++;
        if ((unsigned char)c < 0x20)
            return -1;
        if (c != '\\') {
            sb_addc(b, c);
            continue;
        }
        if (r->s >= r->end)
            return -1;
        c = *r->s++;
        switch (c) {
        case '"': case '\\': case '/': sb_addc(b, c); break;
        case 'b': sb_addc(b, '\b'); break;
        case 'f': sb_addc(b, '\f'); break;
        case 'n': sb_addc(b, '\n'); break;
        case 'r': sb_addc(b, '\r'); break;
        case 't': sb_addc(b, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(r->s, r->end, &cp))
                return -1;
            r->s += 4;
            if (cp == 0xffff && hex4(r->s, r->end, &lo) == 0 && (lo & 0xff00) == 0xff00) {
                /* bpftrace's sign-extended byte: \uffffffXX is the byte XX */
                r->s += 4;
                sb_addc(b, (char)(lo & 0xff));
            } else if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->s >= 6 && r->s[0] == '\\' && r->s[1] == 'u' &&
                       hex4(r->s + 2, r->end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                r->s += 6;
                put_utf8(b, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
            } else {
                put_utf8(b, cp);
            }
            break;
        }
        default:
            return -1;
        }
    }
    if (r->s >= r->end)
        return -1;
    r->s++;
    return 0;
}

static struct json *read_value(struct reader *r);

static struct json *new_value(enum json_kind kind)
{
    struct json *j = xcalloc(1, sizeof *j);
    j->kind = kind;
    return j;
}

static struct json *read_container(struct reader *r, int object)
{
    struct json *j = new_value(object ? JSON_OBJECT : JSON_ARRAY);
    int cap = 0;
    r->s++;
    skip_ws(r);
    if (r->s < r->end && *r->s == (object ? '}' : ']')) {
        r->s++;
        return j;
    }
    for (;;) {
        struct strbuf key = { 0 };
        skip_ws(r);
        if (object) {
            if (r->s >= r->end || *r->s != '"' || read_string(r, &key)) {
                sb_free(&key);
                goto bad;
            }
            skip_ws(r);
            if (r->s >= r->end || *r->s != ':') {
                sb_free(&key);
                goto bad;
            }
            r->s++;
        }
        struct json *v = read_value(r);
        if (!v) {
            sb_free(&key);
            goto bad;
        }
        if (j->n == cap) {
            cap = cap ? 2 * cap : 8;
            j->items = xrealloc(j->items, (size_t)cap * sizeof *j->items);
            if (object)
                j->keys = xrealloc(j->keys, (size_t)cap * sizeof *j->keys);
        }
        if (object)
            j->keys[j->n] = key.s ? sb_steal(&key) : xstrdup("");
        j->items[j->n++] = v;
        skip_ws(r);
        if (r->s < r->end && *r->s == ',') {
            r->s++;
            continue;
        }
        if (r->s < r->end && *r->s == (object ? '}' : ']')) {
            r->s++;
            return j;
        }
        goto bad;
    }
bad:
    json_free(j);
    return NULL;
}

static struct json *read_number(struct reader *r)
{
    char buf[64];
    size_t n = 0;
    int integer = 1;
    while (r->s < r->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", *r->s)) {
        integer &= strchr(".eE", *r->s) == NULL;
        buf[n++] = *r->s++;
    }
    buf[n] = 0;
    char *end;
    struct json *j = new_value(JSON_NUMBER);
    j->number = strtod(buf, &end);
    if (!n || *end) {
        json_free(j);
        return NULL;
    }
    j->is_integer = integer;
    if (integer)
        j->integer = strtoll(buf, NULL, 10);
    return j;
}

static struct json *read_word(struct reader *r, const char *word, enum json_kind kind, int value)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->s) < n || memcmp(r->s, word, n) != 0)
        return NULL;
    r->s += n;
    struct json *j = new_value(kind);
    j->number = value;
    return j;
}

static struct json *read_value(struct reader *r)
{
    skip_ws(r);
    if (r->s >= r->end || ++r->depth > 64)
        return NULL;
    struct json *j = NULL;
    switch (*r->s) {
    case '{': j = read_container(r, 1); break;
    case '[': j = read_container(r, 0); break;
    case '"': {
        struct strbuf b = { 0 };
        if (read_string(r, &b) == 0) {
            j = new_value(JSON_STRING);
            j->len = b.len;
            j->str = b.s ? sb_steal(&b) : xstrdup("");
        }
        sb_free(&b);
        break;
    }
    case 't': j = read_word(r, "true", JSON_BOOL, 1); break;
    case 'f': j = read_word(r, "false", JSON_BOOL, 0); break;
    case 'n': j = read_word(r, "null", JSON_NULL, 0); break;
    default: j = read_number(r); break;
    }
    r->depth--;
    return j;
}

struct json *json_parse(const char *text, size_t len)
{
    struct reader r = { text, text + len, 0 };
    struct json *j = read_value(&r);
    skip_ws(&r);
    if (j && r.s != r.end) {
        json_free(j);
        return NULL;
    }
    return j;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT)
        return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

long long json_as_ll(const struct json *v)
{
    if (!v || v->kind != JSON_NUMBER)
        return 0;
    if (v->is_integer)
        return v->integer;
    if (v->number != v->number)
        return 0;
    /* 2^63 as a double: the first value past LLONG_MAX. */
    if (v->number >= 9223372036854775808.0)
        return LLONG_MAX;
    if (v->number <= -9223372036854775808.0)
        return LLONG_MIN;
    return (long long)v->number;
}
