// SPDX-License-Identifier: Apache-2.0
// Unit test for the program representation (btir.h) and its renderer (emit.c): statements
// built as data come out nested and in the form of the bpftrace they are for.
#include "bt_dialect.h"
#include "btir.h"
#include "emit.h"
#include "unit.h"

/* A probe block with one of each statement kind, rendered for bpftrace VERSION; its text
 * from the block's attach point on. */
static char *render(const char *version)
{
    struct bt_program *p = bt_program_new();
    struct bt_version v;
    bt_version_parse(version, &v);
    p->dialect = bt_dialect_of(v);
    struct bt_block *b = bt_block_new("usdt::main:run_start");
    b->args_read = 1u << 1;
    vec_push(&b->fields_read, xstrdup("pid"));
    vec_push(&b->declared, xstrdup("$x"));
    vec_push(&b->declared_zero, bx_cast("uint64", bx_int(0), 0));
    bt_if(b, bx_binary(bx_var("$arg1"), "==", bx_int(1)));
    bt_assign(b, bx_var("$x"), bx_int(1));
    bt_else_if(b, bx_binary(bx_var("$arg1"), "==", bx_int(2)));
    bt_assign(b, bx_var("$x"), bx_int(2));
    bt_else(b);
    bt_delete(b, bx_map("@m", bx_builtin("tid")));
    bt_end(b);
    bt_loop(b, 8, "w_i", bx_binary(bx_var("$off"), "<", bx_var("$len")));
    bt_if(b, bx_var("$x"));
    bt_break(b);
    bt_end(b);
    bt_end(b);
    bt_unroll(b, 2);
    bt_comment(b, "a comment");
    bt_eval(b, bx_printf("%d\n", bx_list(1, bx_var("$x"))))->text = xstrdup("and one after");
    bt_end(b);
    vec_push(&p->blocks, b);
    char *s = emit_script(p);
    bt_program_free(p);
    char *from = strstr(s, "usdt::");
    char *out = xstrdup(from ? from : s);
    free(s);
    return out;
}

static void test_forms(void)
{
    static const char *common_head =
        "usdt::main:run_start\n{\n"
        "    $arg1 = arg1;\n"
        "    $tp_pid = args->pid;\n"
        "    $x = (uint64)0;\n"
        "    if ($arg1 == 1) {\n"
        "        $x = 1;\n"
        "    } else if ($arg1 == 2) {\n"
        "        $x = 2;\n"
        "    } else {\n";
    static const char *common_tail =
        "    }\n"
        "    $w_i = 0;\n"
        "    while ($w_i < 8 && $off < $len) {\n"
        "        if ($x) {\n"
        "            break;\n"
        "        }\n"
        "        $w_i++;\n"
        "    }\n"
        "    unroll(2) {\n"
        "        // a comment\n"
        "        printf(\"%d\\n\", $x);    // and one after\n"
        "    }\n"
        "}\n";
    char want[1024];
    char *s = render("0.17");
    snprintf(want, sizeof want, "%s        delete(@m[tid]);\n%s", common_head, common_tail);
    EXPECT_STR(s, want, "0.17: nesting, else-if chain, bounded while, unroll, delete as a statement");
    free(s);
    s = render("0.27.1");
    snprintf(want, sizeof want, "%s        $_DELETED = delete(@m[tid]);\n%s", common_head, common_tail);
    EXPECT_STR(s, want, "0.27: delete()'s result taken, the rest as on 0.17");
    free(s);
}

int main(void)
{
    test_forms();
    return unit_done();
}
