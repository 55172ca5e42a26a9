// SPDX-License-Identifier: Apache-2.0
// The bpftrace program representation: construction helpers and the one
// place where text from a recipe becomes a bpftrace string literal.
#include "btir.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct bt_program *bt_program_new(void)
{
    struct bt_program *p = xcalloc(1, sizeof *p);
    p->begin = bt_block_new("BEGIN");
    p->end = bt_block_new("END");
    return p;
}

static void block_free(struct bt_block *b)
{
    if (!b)
        return;
    vec_free_strings(&b->lines);
    vec_free_strings(&b->fields_read);
    vec_free_strings(&b->declared);
    vec_free(&b->declared_zero);
    free(b->attach);
    free(b->pred);
    free(b->comment);
    free(b);
}

void bt_program_free(struct bt_program *p)
{
    if (!p)
        return;
    vec_free_strings(&p->header);
    vec_free_strings(&p->config);
    vec_free_strings(&p->structs);
    block_free(p->begin);
    block_free(p->end);
    for (int i = 0; i < p->blocks.n; i++)
        block_free(p->blocks.v[i]);
    vec_free(&p->blocks);
    for (int i = 0; i < p->timers.n; i++)
        block_free(p->timers.v[i]);
    vec_free(&p->timers);
    free(p);
}

struct bt_block *bt_block_new(const char *attach)
{
    struct bt_block *b = xcalloc(1, sizeof *b);
    b->attach = xstrdup(attach);
    return b;
}

void bt_line(struct bt_block *b, const char *fmt, ...)
{
    struct strbuf s = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s, fmt, ap);
    va_end(ap);
    vec_push(&b->lines, sb_steal(&s));
}

/* bpftrace string literals know \n \t \" \\ and octal escapes; anything else
 * outside printable ASCII goes out as octal, and '%' cannot reach a format. */
void bt_quote(struct strbuf *out, const char *s)
{
    sb_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sb_addc(out, '\\');
            sb_addc(out, (char)*p);
        } else if (*p == '\n') {
            sb_add(out, "\\n");
        } else if (*p == '\t') {
            sb_add(out, "\\t");
        } else if (*p < 0x20 || *p >= 0x7f) {
            sb_printf(out, "\\%03o", *p);
        } else {
            sb_addc(out, (char)*p);
        }
    }
    sb_addc(out, '"');
}

void bt_print_text(struct bt_block *b, const char *prefix_fmt, const char *text)
{
    struct strbuf fmt = { 0 }, args = { 0 };
    sb_add(&fmt, prefix_fmt);
    size_t len = strlen(text);
    for (size_t off = 0; off < len || off == 0; off += BT_STRING_MAX) {
        size_t n = len - off < BT_STRING_MAX ? len - off : BT_STRING_MAX;
        char *chunk = xstrndup(text + off, n);
        sb_add(&fmt, "%s");
        sb_add(&args, ", ");
        bt_quote(&args, chunk);
        free(chunk);
        if (len == 0)
            break;
    }
    sb_add(&fmt, "\\n");
    bt_line(b, "printf(\"%s\"%s);", fmt.s, args.s);
    sb_free(&fmt);
    sb_free(&args);
}
