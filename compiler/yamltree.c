// SPDX-License-Identifier: Apache-2.0
// YAML loader: libyaml's event stream in, a tree of located nodes out.
// Anchors, aliases and duplicate keys are refused: recipes should read plainly.
#include "yamltree.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Recipes nest five or six levels; a bound keeps the recursive builder off the stack's end. */
#define YAML_MAX_DEPTH 64

struct builder {
    yaml_parser_t parser;
    const struct source *src;
    struct diag *d;
    int failed;
    int depth;
    struct source_cursor cur;    /* marks come in order: each column is counted once */
};

static unsigned mark_offset(struct builder *b, yaml_mark_t m)
{
    return source_cursor_offset(b->src, &b->cur, (int)m.line, (int)m.column);
}

static struct loc mark_loc(struct builder *b, yaml_mark_t from, yaml_mark_t to)
{
    unsigned start = mark_offset(b, from), end = mark_offset(b, to);
    return loc_make(b->src, start, end > start ? end - start : 0);
}

static struct ynode *node_new(enum ynode_kind kind, struct loc loc)
{
    struct ynode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->loc = loc;
    return n;
}

static void node_add(struct ynode *parent, struct ynode *key, struct ynode *item)
{
    if ((parent->n & 7) == 0) {
        parent->items = xrealloc(parent->items, (size_t)(parent->n + 8) * sizeof *parent->items);
        if (parent->kind == Y_MAP)
            parent->keys = xrealloc(parent->keys, (size_t)(parent->n + 8) * sizeof *parent->keys);
    }
    if (parent->kind == Y_MAP)
        parent->keys[parent->n] = key;
    parent->items[parent->n++] = item;
}

static struct ynode *build_node(struct builder *b, yaml_event_t *ev);

static int next_event(struct builder *b, yaml_event_t *ev)
{
    if (yaml_parser_parse(&b->parser, ev))
        return 1;
    yaml_mark_t m = b->parser.problem_mark;
    struct loc loc = mark_loc(b, m, m);
    /* Reader errors (bad UTF-8, control characters) give a byte offset, not a mark. */
    if (b->parser.error == YAML_READER_ERROR)
        loc = loc_make(b->src, (unsigned)b->parser.problem_offset, 1);
    /* At the end of the file, the useful place is what was left open: the quote or bracket. */
    int at_end = b->parser.error != YAML_READER_ERROR && b->parser.context &&
                 loc.off + strspn(b->src->text + loc.off, " \t\r\n") >= b->src->len;
    if (at_end) {
        yaml_mark_t c = b->parser.context_mark;
        loc = loc_make(b->src, mark_offset(b, c), 1);
    }
    const char *problem = b->parser.problem ? b->parser.problem : "malformed YAML";
    if (b->parser.context)
        diag_error(b->d, loc, "YAML syntax: %s %s", problem, b->parser.context);
    else
        diag_error(b->d, loc, "YAML syntax: %s", problem);
    if (at_end)
        diag_hint(b->d, "the file ends before this is closed");
    b->failed = 1;
    return 0;
}

static int check_plain_node(struct builder *b, const yaml_char_t *anchor, const yaml_char_t *tag, struct loc loc)
{
    if (anchor) {
        diag_error(b->d, loc, "YAML anchors are not supported in recipes");
        diag_hint(b->d, "write the value out in full; recipes should read top to bottom");
        return 0;
    }
    /* Any tag, even the non-specific "!" (libyaml calls that one implicit): a recipe means
     * what it reads as. */
    if (tag) {
        diag_error(b->d, loc, "YAML tags ('%s') are not supported in recipes", (const char *)tag);
        return 0;
    }
    return 1;
}

static struct ynode *build_scalar(struct builder *b, yaml_event_t *ev)
{
    struct loc loc = mark_loc(b, ev->start_mark, ev->end_mark);
    if (!check_plain_node(b, ev->data.scalar.anchor, ev->data.scalar.tag, loc))
        return NULL;
    /* "\0" in a double-quoted scalar: C strings would cut the value short without a word. */
    if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
        diag_error(b->d, loc, "NUL character in a value; recipes are text");
        return NULL;
    }
    struct ynode *n = node_new(Y_SCALAR, loc);
    n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    n->vlen = ev->data.scalar.length;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = YS_SINGLE; break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = YS_DOUBLE; break;
    case YAML_LITERAL_SCALAR_STYLE: n->style = YS_LITERAL; break;
    case YAML_FOLDED_SCALAR_STYLE: n->style = YS_FOLDED; break;
    default: n->style = YS_PLAIN; break;
    }
    return n;
}

struct key_check {
    struct builder *b;
    const struct ynode *map;
};

static void duplicate_key(void *ctx, int i, int first)
{
    const struct key_check *k = ctx;
    diag_error(k->b->d, k->map->keys[i]->loc, "duplicate key '%s' (first given on line %d)", k->map->keys[i]->value,
               source_line_of(k->b->src, k->map->keys[first]->loc.off));
    k->b->failed = 1;
}

/* Every key given again (found by sorting: comparing each with those before it, 80000 keys
 * took 20 s). */
static void check_duplicate_keys(struct builder *b, const struct ynode *map)
{
    if (map->kind != Y_MAP || map->n < 2)
        return;
    const char **keys = xmalloc((size_t)map->n * sizeof *keys);
    for (int i = 0; i < map->n; i++)
        keys[i] = map->keys[i]->value;
    struct key_check k = { b, map };
    find_duplicates(keys, map->n, duplicate_key, &k);
    free(keys);
}

static struct ynode *build_collection(struct builder *b, yaml_event_t *ev, enum ynode_kind kind)
{
    const yaml_char_t *anchor = kind == Y_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = kind == Y_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    struct loc loc = mark_loc(b, ev->start_mark, ev->end_mark);
    if (!check_plain_node(b, anchor, tag, loc))
        return NULL;
    if (b->depth >= YAML_MAX_DEPTH) {
        diag_error(b->d, loc_make(b->src, loc.off, 1), "YAML nested more than %d levels deep", YAML_MAX_DEPTH);
        return NULL;
    }
    b->depth++;
    struct ynode *n = node_new(kind, loc);
    yaml_event_type_t end_type = kind == Y_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t child;
        if (!next_event(b, &child))
            break;
        if (child.type == end_type) {
            unsigned end = mark_offset(b, child.end_mark);
            n->loc.len = end > n->loc.off ? end - n->loc.off : 0;
            yaml_event_delete(&child);
            check_duplicate_keys(b, n);
            b->depth--;
            return n;
        }
        struct ynode *key = NULL;
        if (kind == Y_MAP) {
            key = build_node(b, &child);
            yaml_event_delete(&child);
            if (!key)
                break;
            if (key->kind != Y_SCALAR) {
                diag_error(b->d, key->loc, "mapping keys must be plain names");
                ytree_free(key);
                break;
            }
            if (!next_event(b, &child)) {
                ytree_free(key);
                break;
            }
        }
        struct ynode *item = build_node(b, &child);
        yaml_event_delete(&child);
        if (!item) {
            ytree_free(key);
            break;
        }
        node_add(n, key, item);
    }
    check_duplicate_keys(b, n);    /* those before the error, as each would have been reported */
    b->depth--;
    ytree_free(n);
    return NULL;
}

static struct ynode *build_node(struct builder *b, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return build_scalar(b, ev);
    case YAML_MAPPING_START_EVENT:
        return build_collection(b, ev, Y_MAP);
    case YAML_SEQUENCE_START_EVENT:
        return build_collection(b, ev, Y_SEQ);
    case YAML_ALIAS_EVENT:
        diag_error(b->d, mark_loc(b, ev->start_mark, ev->end_mark), "YAML aliases are not supported in recipes");
        return NULL;
    default:
        diag_error(b->d, mark_loc(b, ev->start_mark, ev->end_mark), "unexpected YAML structure");
        return NULL;
    }
}

/* What libyaml would take otherwise but a recipe should not hold: another encoding, NUL
 * bytes, and the Unicode line breaks YAML counts as newlines where nobody sees one. */
static int check_text(const struct source *src, struct diag *d)
{
    const unsigned char *t = (const unsigned char *)src->text;
    if (src->len >= 2 && ((t[0] == 0xff && t[1] == 0xfe) || (t[0] == 0xfe && t[1] == 0xff))) {
        diag_error(d, loc_make(src, 0, 0), "the recipe is UTF-16 (or UTF-32) text; recipes are UTF-8");
        return 0;
    }
    if (memchr(src->text, '\0', src->len)) {
        unsigned off = (unsigned)((const char *)memchr(src->text, '\0', src->len) - src->text);
        diag_error(d, loc_make(src, off, 1), "NUL byte in recipe; recipes are UTF-8 text");
        return 0;
    }
    for (size_t i = 0; i + 1 < src->len; i++) {
        int sep = i + 2 < src->len && t[i] == 0xe2 && t[i + 1] == 0x80;
        const char *what = t[i] == 0xc2 && t[i + 1] == 0x85 ? "U+0085 (next line)"
                           : sep && t[i + 2] == 0xa8       ? "U+2028 (line separator)"
                           : sep && t[i + 2] == 0xa9       ? "U+2029 (paragraph separator)"
                                                           : NULL;
        if (what) {
            diag_error(d, loc_make(src, (unsigned)i, 1), "%s in recipe: YAML reads it as a line break", what);
            diag_hint(d, "use a plain newline (the character was probably pasted from a word processor)");
            return 0;
        }
    }
    return 1;
}

/* Skip STREAM_START and DOCUMENT_START, build the root, insist on a single document. */
struct ynode *ytree_load(const struct source *src, struct diag *d)
{
    struct builder b = { .src = src, .d = d };
    if (!check_text(src, d))
        return NULL;
    yaml_parser_initialize(&b.parser);
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)src->text, src->len);
    struct ynode *root = NULL;
    yaml_event_t ev;
    int docs = 0;
    while (!b.failed && next_event(&b, &ev)) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                diag_error(d, mark_loc(&b, ev.start_mark, ev.end_mark), "a recipe is a single YAML document");
                b.failed = 1;
            }
        } else if (t == YAML_SCALAR_EVENT || t == YAML_MAPPING_START_EVENT ||
                   t == YAML_SEQUENCE_START_EVENT || t == YAML_ALIAS_EVENT) {
            root = build_node(&b, &ev);
            if (!root)
                b.failed = 1;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&b.parser);
    if (b.failed || d->errors) {
        ytree_free(root);
        return NULL;
    }
    if (!root || (root->kind == Y_SCALAR && root->vlen == 0)) {
        ytree_free(root);
        root = node_new(Y_MAP, loc_make(src, 0, 0));
    }
    return root;
}

void ytree_free(struct ynode *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++) {
        if (n->keys)
            ytree_free(n->keys[i]);
        ytree_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->value);
    free(n);
}

struct ynode *ymap_key(const struct ynode *map, const char *key)
{
    if (!map || map->kind != Y_MAP)
        return NULL;
    for (int i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->keys[i];
    return NULL;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
    if (!map || map->kind != Y_MAP)
        return NULL;
    for (int i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->items[i];
    return NULL;
}

/* Walk the value and the raw source side by side: every character of a plain,
 * quoted (without escapes) or block scalar appears in the source in order, so
 * matching them one by one finds where value byte OFF was written. */
struct loc yscalar_loc(const struct ynode *n, unsigned off, unsigned len)
{
    const struct source *src = n->loc.src;
    unsigned pos = n->loc.off;
    unsigned end = n->loc.off + n->loc.len;
    if (n->style == YS_SINGLE || n->style == YS_DOUBLE)
        pos++;
    if (n->style == YS_LITERAL || n->style == YS_FOLDED) {
        while (pos < end && src->text[pos] != '\n')
            pos++;
    }
    for (unsigned i = 0; i < off && i < n->vlen; i++) {
        char c = n->value[i];
        unsigned p = pos;
        while (p < end && src->text[p] != c)
            p++;
        if (p >= end)
            return loc_make(src, n->loc.off, n->loc.len);
        pos = p + 1;
    }
    if (off < n->vlen) {
        unsigned p = pos;
        while (p < end && src->text[p] != n->value[off])
            p++;
        if (p < end)
            pos = p;
    }
    return loc_make(src, pos, len);
}

const char *ynode_kind_name(enum ynode_kind k)
{
    return k == Y_SCALAR ? "a scalar" : k == Y_MAP ? "a mapping" : "a list";
}
