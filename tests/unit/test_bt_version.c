// SPDX-License-Identifier: Apache-2.0
// Unit test for bt_version: the versions --bpftrace-version takes and bpftrace prints, their
// order, what each offers (its dialect), and asking a bpftrace (a stand-in script) its version.
#include "bt_dialect.h"
#include "bt_version.h"
#include "emit.h"
#include "unit.h"
#include "util.h"

#include <signal.h>

#include <stdlib.h>
#include <unistd.h>

static void parses(const char *text, int major, int minor, int patch)
{
    struct bt_version v = { -1, -1, -1 };
    int ok = bt_version_parse(text, &v) == 0 && v.major == major && v.minor == minor && v.patch == patch;
    EXPECT(ok, "'%s' is %d.%d.%d", text, major, minor, patch);
}

static void refused(const char *text)
{
    struct bt_version v;
    EXPECT(bt_version_parse(text, &v) < 0, "'%s' is no version", text);
}

static void test_parse(void)
{
    parses("0.23", 0, 23, 0);
    parses("0.23.2", 0, 23, 2);
    parses("v0.17.0", 0, 17, 0);
    parses("bpftrace v0.27.1", 0, 27, 1);
    parses("bpftrace v0.23.0-12-gabcdef", 0, 23, 0);    /* a build from git */
    parses("bpftrace v0.17.0\n", 0, 17, 0);
    refused("");
    refused("0");
    refused("foo");
    refused("0.23x");
    refused("0.23.");
    refused("-1.2");
    refused("1.2.3.4");
}

static void test_order(void)
{
    struct bt_version a, b;
    bt_version_parse("0.9.4", &a);
    bt_version_parse("0.17", &b);
    EXPECT(bt_version_cmp(a, b) < 0 && bt_version_cmp(b, a) > 0, "0.9.4 < 0.17 (numbers, not text)");
    bt_version_parse("0.23.2", &a);
    bt_version_parse("0.23.2", &b);
    EXPECT(bt_version_cmp(a, b) == 0, "0.23.2 == 0.23.2");
    bt_version_parse("0.20.4", &a);
    bt_version_parse("0.21", &b);
    EXPECT(!bt_scopes_variables(a) && bt_scopes_variables(b) && !bt_scopes_variables(BT_VERSION_OLDEST),
           "variables are scoped to their block from 0.21");
    char buf[32];
    EXPECT_STR(bt_version_text(b, buf, sizeof buf), "0.21.0", "printed with its patch level");
}

static struct bt_dialect dialect(const char *version)
{
    struct bt_version v;
    bt_version_parse(version, &v);
    return bt_dialect_of(v);
}

/* Each boundary of the dialect, from the changelog and the tiers (0.17, 0.23 and 0.27 checked
 * there): a version just before it has the old form, the version itself the new. */
static void test_dialect(void)
{
    EXPECT(!dialect("0.20.9").config_block && dialect("0.21").config_block && dialect("0.21").scoped_vars,
           "config block and declared variables from 0.21");
    EXPECT(!dialect("0.17").small_strings && dialect("0.23").small_strings && !dialect("0.24.1").small_strings,
           "short strings in the config block for 0.21 to 0.24.0");
    EXPECT(!dialect("0.23.2").delete_returns && dialect("0.24").delete_returns, "delete() has a result from 0.24");
    EXPECT(!dialect("0.25.1").signed_sub && dialect("0.26").signed_sub, "differences are signed from 0.26");
    EXPECT(!dialect("0.17").strncmp_literals && dialect("0.23").strncmp_literals && !dialect("0.27").strncmp_literals,
           "strncmp for a literal on 0.21 to 0.26");
    EXPECT(!dialect("0.26.1").same_cast_warns && dialect("0.27.1").same_cast_warns, "a needless cast warned from 0.27");
    EXPECT_STR(bt_dialect_range(BT_VERSION_OLDEST), "0.17 to 0.20", "the oldest form's range");
    EXPECT_STR(bt_dialect_range(dialect("0.23.2").version), "0.23", "0.23's range (its own: __data_loc strings)");
    EXPECT_STR(bt_dialect_range(dialect("0.22").version), "0.21 to 0.22", "0.22's range");
    EXPECT(dialect("0.23.2").misreads_data_loc && !dialect("0.22").misreads_data_loc &&
               !dialect("0.24").misreads_data_loc,
           "only 0.23 misreads __data_loc");
    EXPECT_STR(bt_dialect_range(dialect("0.24.2").version), "0.24.1 to 0.25", "0.24.2's range");
    EXPECT_STR(bt_dialect_range(dialect("0.27.1").version), "0.27 and later", "0.27's range");
    /* The forms the renderer picks for what the lowering means (emit_expr.c). */
    struct bt_expr *diff = bx_usub(bx_builtin("nsecs"), bx_var("$s"));
    char *d = emit_expr_text(&(struct bt_dialect){ .signed_sub = 1 }, diff);
    EXPECT_STR(d, "(uint64)((int64)(nsecs) - (int64)($s))", "an unsigned difference on 0.26");
    free(d);
    d = emit_expr_text(&(struct bt_dialect){ 0 }, diff);
    EXPECT_STR(d, "nsecs - $s", "and before");
    free(d);
    bx_free(diff);
    struct bt_expr *cmp = bx_str_compare(0, bx_str("ab"), bx_builtin("comm"), 1, 2);
    d = emit_expr_text(&(struct bt_dialect){ .strncmp_literals = 1 }, cmp);
    EXPECT_STR(d, "(strncmp(comm, \"ab\", 3) != 0)", "a literal on the left, compared with its NUL");
    free(d);
    d = emit_expr_text(&(struct bt_dialect){ 0 }, cmp);
    EXPECT_STR(d, "(\"ab\" != comm)", "and as written where the version takes it");
    free(d);
    bx_free(cmp);
    struct bt_expr *mod = bx_counter_mod(bx_var("$n"), 8), *cast = bx_cast("uint64", bx_builtin("nsecs"), 1);
    d = emit_expr_text(&(struct bt_dialect){ .signed_sub = 1 }, mod);
    EXPECT_STR(d, "(uint64)$n % 8", "a map counter is signed from 0.26: cast before %");
    free(d);
    d = emit_expr_text(&(struct bt_dialect){ .same_cast_warns = 1 }, cast);
    EXPECT_STR(d, "nsecs", "no cast to the type a value has where the version warns about it");
    free(d);
    d = emit_expr_text(&(struct bt_dialect){ 0 }, cast);
    EXPECT_STR(d, "(uint64)nsecs", "the cast where it does not");
    free(d);
    bx_free(mod);
    bx_free(cast);
}

static void test_ask(void)
{
    char dir[] = "/tmp/test_bt_version.XXXXXX";
    if (!mkdtemp(dir))
        return;
    EXPECT(unit_run("printf '#!/bin/sh\\necho \"bpftrace v0.23.2\"\\n' > %s/bt && chmod +x %s/bt", dir, dir) == 0,
           "a stand-in bpftrace");
    char path[64];
    snprintf(path, sizeof path, "%s/bt", dir);
    struct bt_version v = { 0 };
    EXPECT(bt_version_of(path, &v) == 0 && v.minor == 23 && v.patch == 2, "asked: 0.23.2");
    EXPECT(bt_version_of("/nonexistent/bpftrace", &v) < 0, "a missing bpftrace: no answer");
    unit_run("printf '#!/bin/sh\\necho hello\\n' > %s/bt", dir);
    EXPECT(bt_version_of(path, &v) < 0, "an answer that names no version: none");
    /* A wrapper that never answers (the tests' stand-ins for bpftrace did, at first): the
     * question ends, the wrapper is killed, and there is no version. */
    char *argv[] = { "sh", "-c", "echo starting; sleep 100", NULL };
    int status = 0;
    char *said = run_capture(argv, 1, &status);
    EXPECT(said && !strcmp(said, "starting\n") && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
           "run_capture gives up after its time and kills what it ran");
    free(said);
    unit_run("rm -rf %s", dir);
}

int main(void)
{
    test_parse();
    test_order();
    test_dialect();
    test_ask();
    return unit_done();
}
