// SPDX-License-Identifier: Apache-2.0
// Unit tests of the lexer, the parser and the YAML loader: expression trees,
// literals, precedence, error messages and the positions they point at.
#include "parse.h"
#include "unit.h"
#include "util.h"
#include "yamltree.h"

#include <stdlib.h>

struct parsed {
    struct source *src;
    struct ynode *root;
    struct expr *e;
    struct diag d;
};

/* Parse TEXT as the value of key "x" in a one-line YAML document. */
static void parse_text(struct parsed *p, const char *yaml)
{
    diag_init(&p->d);
    p->src = source_from_string("t.recipe", yaml, strlen(yaml));
    p->root = ytree_load(p->src, &p->d);
    p->e = p->root && ymap_get(p->root, "x") ? parse_expr(ymap_get(p->root, "x"), &p->d) : NULL;
}

static void parsed_free(struct parsed *p)
{
    expr_free(p->e);
    ytree_free(p->root);
    source_free(p->src);
    diag_free(&p->d);
}

static void tree(const char *yaml, const char *want)
{
    struct parsed p;
    parse_text(&p, yaml);
    char *got = expr_dump(p.e);
    EXPECT_STR(got, want, yaml);
    free(got);
    parsed_free(&p);
}

/* An error: its message and where it points (1-based line:col). */
static void error(const char *yaml, const char *msg, int line, int col)
{
    struct parsed p;
    parse_text(&p, yaml);
    int l = 0, c = 0;
    const char *m = p.d.n ? p.d.v[0].msg : "(no error)";
    if (p.d.n && p.d.v[0].loc.src)
        source_linecol(p.d.v[0].loc.src, p.d.v[0].loc.off, &l, &c);
    int ok = p.e == NULL && strstr(m, msg) && l == line && c == col;
    EXPECT(ok, "error for %s", yaml);
    if (!ok)
        printf("#   got: %d:%d %s\n#   want: %d:%d %s\n", l, c, m, line, col, msg);
    parsed_free(&p);
}

static void test_trees(void)
{
    tree("x: a.b == 1 && !c", "(&& (== (. a b) 1) (! c))");
    tree("x: 1 + 2 * 3 - 4", "(- (+ 1 (* 2 3)) 4)");
    tree("x: a || b && c", "(|| a (&& b c))");
    tree("x: a & 0xff == 3", "(& a (== 255 3))");
    tree("x: (a | b) << 2", "(<< (| a b) 2)");
    tree("x: -a % 7", "(% (- a) 7)");
    tree("x: ~a ^ b", "(^ (~ a) b)");
    tree("x: ukey.stats.n_packets >= $min", "(>= (. (. ukey stats) n_packets) $min)");
    tree("x: lhist(run.duration / 1us, 0, 100, 10)", "(lhist (/ (. run duration) 1000ns) 0 100 10)");
    tree("x: count()", "(count)");
    tree("x: a[3]", "([] a 3)");
}

static void test_literals(void)
{
    tree("x: 500ms", "500000000ns");
    tree("x: 1.5s", "1500000000ns");
    tree("x: 250ns + 2us + 3m + 1h", "(+ (+ (+ 250ns 2000ns) 180000000000ns) 3600000000000ns)");
    tree("x: 0.001ms", "1000ns");
    tree("x: 10.0.0.1", "10.0.0.1");
    tree("x: 255.255.255.255", "255.255.255.255");
    tree("x: aa:bb:cc:0d:0e:0f", "aa:bb:cc:0d:0e:0f");
    tree("x: fe80::1", "ipv6:fe800000000000000000000000000001");
    tree("x: ::ffff:10.0.0.1", "ipv6:00000000000000000000ffff0a000001");
    tree("x: '\"a\\\"b\\n\"'", "\"a\"b\n\"");
    tree("x: \"'single'\"", "\"single\"");
    tree("x: true && false", "(&& true false)");
    tree("x: 0xffffffffffffffff", "18446744073709551615");    /* hex: a bit pattern */
    tree("x: 9223372036854775807", "9223372036854775807");
}

static void test_errors(void)
{
    error("x: a ==", "unexpected end of expression", 1, 8);
    error("x: (a == 1", "unexpected end of expression", 1, 11);
    error("x: a == 1)", "unexpected ')'", 1, 10);
    error("x: a = 1", "'=' is not an operator here", 1, 6);
    error("x: 10x", "invalid number", 1, 4);
    error("x: 256.1.1.1", "invalid IPv4 address", 1, 4);
    error("x: 1:2:3:4:5:6:7:8:9", "invalid IPv6 address", 1, 4);
    error("x: a $ b", "'$' must be followed", 1, 6);
    error("x: 99999999999999999999", "past 9223372036854775807", 1, 4);
    error("x: 9223372036854775808", "past 9223372036854775807", 1, 4);    /* decimal: signed */
    error("x: 0x10000000000000000", "does not fit in 64 bits", 1, 4);
    error("x: a @ b", "unexpected character", 1, 6);
    error("x: '\"abc'", "unterminated string", 1, 5);
    error("x: ''", "empty expression", 1, 4);
    error("x: [a]", "expected an expression, found a list", 1, 4);
    /* Positions inside quoted and block scalars still point into the file. */
    error("x: \"a == == b\"", "unexpected '=='", 1, 10);
    error("x: |\n  a &&\n  && b\n", "unexpected '&&'", 3, 3);
}

static void test_yaml(void)
{
    struct parsed p;
    parse_text(&p, "a: 1\nb: [x, y]\nc:\n  d: e\n");
    EXPECT(p.root && p.root->kind == Y_MAP && p.root->n == 3, "mapping with three keys");
    const struct ynode *d = ymap_get(ymap_get(p.root, "c"), "d");
    int l, c;
    source_linecol(p.src, d->loc.off, &l, &c);
    EXPECT(d && !strcmp(d->value, "e") && l == 4 && c == 6, "nested value located at 4:6 (got %d:%d)", l, c);
    parsed_free(&p);

    parse_text(&p, "a: 1\na: 2\n");
    EXPECT(p.root == NULL && p.d.n == 1 && strstr(p.d.v[0].msg, "duplicate key 'a'"), "duplicate keys refused");
    parsed_free(&p);

    parse_text(&p, "a: &anchor 1\nb: *anchor\n");
    EXPECT(p.root == NULL && p.d.n >= 1 && strstr(p.d.v[0].msg, "anchors"), "anchors refused");
    parsed_free(&p);

    parse_text(&p, "a: 1\n---\nb: 2\n");
    EXPECT(p.root == NULL && p.d.n >= 1 && strstr(p.d.v[0].msg, "single YAML document"), "one document only");
    parsed_free(&p);

    parse_text(&p, "");
    EXPECT(p.root && p.root->kind == Y_MAP && p.root->n == 0, "empty file is an empty mapping");
    parsed_free(&p);
}

/* Offsets to line:column and back, over the line index source.c keeps (CR, UTF-8, a
 * trailing newline, lines past the end). */
static void test_positions(void)
{
    const char text[] = "ab\n\xc3\xa9x\r\n\nlast";
    struct source *src = source_from_string("t", text, sizeof text - 1);
    static const struct { unsigned off; int line, col; } at[] = {
        { 0, 1, 1 }, { 2, 1, 3 }, { 3, 2, 1 }, { 5, 2, 2 }, { 6, 2, 3 }, { 7, 2, 3 }, { 8, 3, 1 },   /* a CR takes no column */
        { 9, 4, 1 }, { 13, 4, 5 }, { 99, 4, 5 },
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        int l, c;
        source_linecol(src, at[i].off, &l, &c);
        EXPECT(l == at[i].line && c == at[i].col, "offset %u is %d:%d (got %d:%d)", at[i].off, at[i].line,
               at[i].col, l, c);
    }
    unsigned len;
    EXPECT(source_line_start(src, 2, &len) == 3 && len == 3, "line 2 starts at 3, 3 bytes before its CR");
    EXPECT(source_line_start(src, 3, &len) == 8 && len == 0, "line 3 is empty");
    EXPECT(source_line_start(src, 9, &len) == 13 && len == 0, "a line past the end is the end");
    EXPECT(source_offset_of(src, 1, 2) == 6, "line 2 column 3 (0-based 1, 2) is byte 6: é takes two");
    source_free(src);
}

int main(void)
{
    test_positions();
    test_trees();
    test_literals();
    test_errors();
    test_yaml();
    return unit_done();
}
