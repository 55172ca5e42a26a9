// SPDX-License-Identifier: Apache-2.0
// Unit tests of the checker and the lowering: types, name resolution, constant
// folding of parameters, enum names, and how values reach the generated script.
#include "check.h"
#include "emit.h"
#include "load.h"
#include "lower.h"
#include "params.h"
#include "unit.h"
#include "util.h"

#include <stdlib.h>

struct compiled {
    char *script;        /* NULL on error */
    char *errors;        /* every diagnostic message, one per line */
    char *needs;
};

static struct catalog *cat;

static struct compiled compile_text(const char *yaml, char **params, int nparams)
{
    struct compiled c = { 0 };
    struct diag d;
    diag_init(&d);
    struct source *src = source_from_string("t.recipe", yaml, strlen(yaml));
    struct recipe *r = load_recipe_source(src, &d);
    struct check_result cr = { 0 };
    if (!d.errors)
        params_bind(r, params, nparams, NULL, &d);
    if (!d.errors)
        check_recipe(r, cat, NULL, &d, &cr);
    if (!d.errors) {
        struct lower_options lo = { .recipe_file = "t.recipe", .needs_ovs = cr.needs_ovs };
        struct bt_program *p = lower_recipe(r, cat, &lo, &d);
        if (p)
            c.script = emit_script(p);
        bt_program_free(p);
    }
    struct strbuf e = { 0 };
    for (int i = 0; i < d.n; i++)
        sb_printf(&e, "%s\n", d.v[i].msg);
    c.errors = sb_steal(&e);
    c.needs = cr.needs_ovs ? xstrdup(cr.needs_ovs) : NULL;
    check_result_free(&cr);
    recipe_free(r);
    diag_free(&d);
    return c;
}

static void compiled_free(struct compiled *c)
{
    free(c->script);
    free(c->errors);
    free(c->needs);
}

#define HEAD "name: t\nsummary: A test.\n"
#define FLOW_EVENT(where, col) HEAD "events:\n  - on: usdt:revalidate:flow_result\n    where: " where \
    "\n    columns:\n      - X: " col "\n"

static void expect_script(const char *yaml, const char *needle, const char *what)
{
    struct compiled c = compile_text(yaml, NULL, 0);
    EXPECT(c.script && strstr(c.script, needle), "%s", what);
    if (!c.script || !strstr(c.script, needle))
        printf("#   want: %s\n#   errors: %s#   script:\n%s\n", needle, c.errors, c.script ? c.script : "");
    compiled_free(&c);
}

static void expect_error(const char *yaml, const char *needle, const char *what)
{
    struct compiled c = compile_text(yaml, NULL, 0);
    EXPECT(!c.script && strstr(c.errors, needle), "%s", what);
    if (c.script || !strstr(c.errors, needle))
        printf("#   want error: %s\n#   got: %s\n", needle, c.errors);
    compiled_free(&c);
}

static void test_resolution(void)
{
    expect_script(FLOW_EVENT("true", "ukey.ufid"), "((struct udpif_key *)$arg1)->ufid.u32[0]", "ufid read through the ukey");
    expect_script(FLOW_EVENT("true", "ukey.ufid"), "struct udpif_key {\n    char _pad_0[40];\n    struct ovs_u128 ufid;",
                  "struct emitted with the used field at its offset");
    expect_script(FLOW_EVENT("true", "ukey.stats.n_packets"), "->stats.n_packets", "nested inline struct");
    expect_script(FLOW_EVENT("true", "udpif.dpif.full_name"), "str(((struct udpif *)$arg0)->dpif->full_name)",
                  "string through two pointers");
    expect_script(FLOW_EVENT("true", "reason"), "@_enum_flow_del_reason[(uint32)$arg3]", "enum printed by name");
    expect_error(FLOW_EVENT("true", "ukey.nope"), "struct udpif_key has no field 'nope'", "unknown struct field");
    expect_error(FLOW_EVENT("true", "ukey"), "cannot print a whole struct udpif_key *", "whole struct refused");
    expect_error(FLOW_EVENT("true", "flow.key"), "unknown field 'flow' of probe 'flow_result'", "unknown argument");
    struct compiled c = compile_text(FLOW_EVENT("true", "tid"), NULL, 0);
    EXPECT(c.needs && !strcmp(c.needs, "3.4.0"), "flow_result needs OVS 3.4.0 (got %s)", c.needs ? c.needs : "-");
    compiled_free(&c);
}

static void test_enums_and_literals(void)
{
    expect_script(FLOW_EVENT("result == \"delete\"", "tid"), "((uint32)$arg2 == 1)", "enum short name");
    expect_script(FLOW_EVENT("reason == \"FDR_FLOW_MISSING_DP\"", "tid"), "((uint32)$arg3 == 11)", "enum C name");
    expect_error(FLOW_EVENT("reason == \"idel\"", "tid"), "'idel' is not a value of enum flow_del_reason", "bad enum name");
    expect_error(FLOW_EVENT("reason == 3 + comm", "tid"), "'+' needs numbers, not a string", "string arithmetic");
    expect_error(FLOW_EVENT("tid / 0", "tid"), "division by zero", "constant division by zero");
    expect_error(FLOW_EVENT("comm", "tid"), "a condition must be true or false", "string condition");
    expect_error(FLOW_EVENT("nsecs > 5ms + 1", "tid"), "mixing a duration and a plain number", "duration + int");
}

static const char *SPANS = HEAD
    "spans:\n  run:\n    from: usdt:main:run_start\n    to: usdt:main:poll_block\n    key: tid\n"
    "aggregates:\n  a:\n    on: run\n    value: hist(run.duration / 1us)\n";

static void test_spans(void)
{
    expect_script(SPANS, "@a = hist(($run_DURATION / 1000));", "duration / 1us is a number");
    expect_script(SPANS, "@_run_START[tid] = nsecs;", "span start keyed by tid");
    expect_script(SPANS, "delete(@_run_START[tid]);", "span map entry deleted at its end");
    expect_script(SPANS, "clear(@_run_START);", "span map cleared at exit");
    expect_error(HEAD "aggregates:\n  a:\n    on: usdt:main:run_start\n    value: hist(run.duration)\n",
                 "unknown field 'run' of probe 'run_start'", "span value outside its end probe");
}

static const char *PARAMS = HEAD
    "params:\n  lines:\n    type: bool\n    default: false\n  label:\n    type: string\n    default: hi\n"
    "events:\n  - on: usdt:main:run_start\n    where: $lines\n    columns:\n      - L: $label\n"
    "aggregates:\n  n:\n    on: usdt:main:run_start\n    where: '!$lines'\n    value: count()\n";

static void test_params(void)
{
    struct compiled c = compile_text(PARAMS, NULL, 0);
    EXPECT(c.script && !strstr(c.script, "printf(\"%s\\n\", \"hi\")") && strstr(c.script, "@n[\"\"] = count();"),
           "false where: removes the event, keeps the aggregate");
    compiled_free(&c);
    char *on[] = { "lines=true" };
    c = compile_text(PARAMS, on, 1);
    EXPECT(c.script && strstr(c.script, "\"hi\"") && !strstr(c.script, "count()"), "-p lines=true flips both");
    compiled_free(&c);
    /* Hostile strings reach the script only inside an escaped literal. */
    char *hostile[] = { "lines=true", "label=\"); system(\"rm -rf /\"); printf(\"$1 }" };
    c = compile_text(PARAMS, hostile, 2);
    EXPECT(c.script && strstr(c.script, "\"\\\"); system(\\\"rm -rf /\\\"); printf(\\\"$1 }\""),
           "quotes escaped, the value stays one string literal");
    compiled_free(&c);
    char *newline[] = { "label=a\nb" };
    c = compile_text(PARAMS, newline, 1);
    EXPECT(!c.script && strstr(c.errors, "control character 0x0a"), "control characters refused");
    compiled_free(&c);
    char *bad[] = { "lines=maybe" };
    c = compile_text(PARAMS, bad, 1);
    EXPECT(!c.script && strstr(c.errors, "'maybe' is not a bool"), "bool values checked");
    compiled_free(&c);
}

static void test_several_errors(void)
{
    struct compiled c = compile_text(HEAD "events:\n  - on: usdt:revalidate:flow_result\n    where: a == 1\n"
                                     "    columns:\n      - X: b\n      - Y: ukey.c\n", NULL, 0);
    int n = 0;
    for (const char *p = c.errors; (p = strchr(p, '\n')); p++)
        n++;
    EXPECT(!c.script && n == 3, "three errors reported in one run (got %d)", n);
    compiled_free(&c);
}

/* Constant folding past 64 bits is an error with a position: wrapped, a never-true filter
 * could become always-true. INT64_MIN / -1 and -INT64_MIN were once C overflows (a SIGFPE
 * on x86, found by UBSan), then wrapped silently. */
static void test_folding_overflow(void)
{
#define INT64_MIN_TEXT "(0 - 9223372036854775807 - 1)"
    expect_error(FLOW_EVENT(INT64_MIN_TEXT " / -1 == " INT64_MIN_TEXT, "tid"),
                 "-9223372036854775808 / -1 is past the 64-bit range", "INT64_MIN / -1");
    /* A true where: keeps the event (its tid column); a false one would drop it. */
    expect_script(FLOW_EVENT(INT64_MIN_TEXT " % -1 == 0", "tid"), "tid", "INT64_MIN % -1 is 0");
    expect_error(FLOW_EVENT("-" INT64_MIN_TEXT " == " INT64_MIN_TEXT, "tid"),
                 "-(-9223372036854775808) is past the 64-bit range", "-INT64_MIN");
    expect_error(FLOW_EVENT("tid > 9223372036854775807 + 1", "tid"), "9223372036854775807 + 1 is past", "a sum");
    expect_error(FLOW_EVENT("tid > 0 - 9223372036854775807 - 2", "tid"), "-9223372036854775807 - 2 is past",
                 "a difference");
    expect_error(FLOW_EVENT("tid > 4294967296 * 4294967296", "tid"), "4294967296 * 4294967296 is past", "a product");
    expect_script(FLOW_EVENT("9223372036854775806 + 1 == 9223372036854775807 && 1 << 63 < 0", "tid"), "tid",
                  "the edge itself, and shifts on the bits");
    expect_script(FLOW_EVENT("7 / -1 == -7 && -7 % -1 == 0 && 7 % 3 == 1", "tid"), "tid", "other divisions unchanged");
}

/* Fractions of a unit are exact; a duration past 2^63 - 1 ns (it would be a negative bpftrace
 * literal) is refused rather than wrapped. */
static void test_durations(void)
{
    static const struct { const char *text; int ok; uint64_t ns; } cases[] = {
        { "1.5s", 1, 1500000000ull }, { "0.000000001s", 1, 1 }, { "2.5m", 1, 150000000000ull },
        { "1.12345678901h", 1, 4044444440436ull }, { "250us", 1, 250000 },
        { "9223372036.854775807s", 1, INT64_MAX }, { "9223372036.854775808s", 0, 0 },
        { "18446744073.709551615s", 0, 0 }, { "18446744073.8s", 0, 0 },
        { "18446744073709551616ns", 0, 0 }, { "5", 0, 0 }, { ".5s", 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t ns = 0;
        int ok = parse_duration(cases[i].text, &ns) == 0;
        EXPECT(ok == cases[i].ok && (!ok || ns == cases[i].ns), "duration %s: %s %llu", cases[i].text,
               ok ? "ok" : "refused", (unsigned long long)ns);
    }
}

/* The errors of check_script.c (the rules lowering held before): only for what reaches the
 * script, and those that depend on how it is made only when check is told (check_options). */
static char *check_errors(const char *yaml, const struct check_options *opt)
{
    struct diag d;
    diag_init(&d);
    struct recipe *r = load_recipe_source(source_from_string("t.recipe", yaml, strlen(yaml)), &d);
    struct check_result cr = { 0 };
    if (!d.errors)
        check_recipe(r, cat, opt, &d, &cr);
    struct strbuf e = { 0 };
    sb_add(&e, "");
    for (int i = 0; i < d.n; i++)
        sb_printf(&e, "%s\n", d.v[i].msg);
    check_result_free(&cr);
    recipe_free(r);
    diag_free(&d);
    return sb_steal(&e);
}

static void test_script_rules(void)
{
#define LONG "\"a name far longer than the sixty-three bytes that bpftrace 0.17 accepts\""
    expect_error(FLOW_EVENT("comm != " LONG, "tid"), "a string of 71 bytes", "a long literal in a condition");
    expect_script(FLOW_EVENT("true || comm != " LONG, "tid"), "tid", "none where the condition is folded away");
    expect_script(HEAD "events:\n  - on: usdt:main:run_start\n    columns:\n      - TID: tid\n"
                  "      - { name: X, value: '" LONG "', when: false }\n", "tid", "none in a column not shown");
    static const struct check_options no_binary = { .no_binary = 1 }, for_run = { .for_run = 1 };
    const char *uprobe = HEAD "events:\n  - on: up:bridge_run\n    columns:\n      - TID: tid\n";
    char *e = check_errors(uprobe, &no_binary);
    EXPECT(strstr(e, "a uprobe needs the binary"), "a uprobe without --target or --pid");
    free(e);
    e = check_errors(uprobe, NULL);
    EXPECT(!*e, "a uprobe when check is not told there is no binary (%s)", e);
    free(e);
    struct strbuf y = { 0 };
    sb_add(&y, HEAD "events:\n");
    for (int i = 0; i <= RECIPE_MAX_HELD; i++)
        sb_printf(&y, "  - on: usdt:main:run_start\n%s    columns:\n      - N%d: tid\n",
                  i == RECIPE_MAX_HELD ? "    print: after_report\n" : "", i);
    e = check_errors(y.s, &for_run);
    EXPECT(strstr(e, "only the first 64 outputs of a recipe can be 'print: after_report'"), "held past the bound, "
           "under run");
    free(e);
    e = check_errors(y.s, NULL);
    EXPECT(!*e, "held past the bound, for plain bpftrace (%s)", e);
    free(e);
    sb_free(&y);
}

int main(void)
{
    struct diag d;
    diag_init(&d);
    cat = catalog_load(&d);
    EXPECT(d.errors == 0 && cat->nprobes >= 13, "catalog loads with the 13 OVS probes");
    test_resolution();
    test_enums_and_literals();
    test_spans();
    test_params();
    test_several_errors();
    test_folding_overflow();
    test_durations();
    test_script_rules();
    catalog_free(cat);
    diag_free(&d);
    return unit_done();
}
