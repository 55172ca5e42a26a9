// SPDX-License-Identifier: Apache-2.0
// Emit pass: print the lowered program as bpftrace source, in a fixed order
// (header, structs, BEGIN, probes, timers, END) with 4-space indentation.
#include "emit.h"
#include "util.h"

#include <string.h>

static void emit_block(struct strbuf *out, const struct bt_block *b)
{
    if (!b->lines.n && strcmp(b->attach, "BEGIN") && strcmp(b->attach, "END"))
        return;
    if (!b->lines.n)
        return;
    if (b->comment)
        sb_printf(out, "// %s\n", b->comment);
    sb_add(out, b->attach);
    if (b->pred)
        sb_printf(out, "\n/%s/", b->pred);
    sb_add(out, "\n{\n");
    int depth = 1;
    for (int i = 0; i < b->lines.n; i++) {
        const char *line = b->lines.v[i];
        size_t len = strlen(line);
        if (line[0] == '}')
            depth--;
        for (int d = 0; d < depth; d++)
            sb_add(out, "    ");
        sb_add(out, line);
        sb_addc(out, '\n');
        if (len && line[len - 1] == '{')
            depth++;
    }
    sb_add(out, "}\n\n");
}

char *emit_script(const struct bt_program *p)
{
    struct strbuf out = { 0 };
    sb_add(&out, "#!/usr/bin/env bpftrace\n");
    for (int i = 0; i < p->header.n; i++) {
        /* A comment ends at a newline: a file name or value holding one must not end it early.
         * Control characters, line separators, bidirectional controls (which would show the
         * line as other than it is) and broken UTF-8 (a file name's) become '?'. */
        sb_add(&out, "// ");
        const char *h = p->header.v[i];
        for (size_t j = 0, n = strlen(h); j < n;) {
            size_t len = utf8_char_len(h + j, n - j);
            if (!len || !utf8_char_inert(h + j, len)) {
                sb_addc(&out, '?');
                j += len ? len : 1;
            } else {
                sb_addn(&out, h + j, len);
                j += len;
            }
        }
        sb_addc(&out, '\n');
    }
    sb_addc(&out, '\n');
    for (int i = 0; i < p->structs.n; i++)
        sb_printf(&out, "%s\n", (const char *)p->structs.v[i]);
    if (p->structs.n)
        sb_addc(&out, '\n');
    /* bpftrace's grammar: C definitions, then the config block, then the probes. */
    for (int i = 0; i < p->config.n; i++)
        sb_printf(&out, "%s%s%s", i ? "; " : "config = { ", (const char *)p->config.v[i], i + 1 < p->config.n ? "" : " }\n\n");
    emit_block(&out, p->begin);
    for (int i = 0; i < p->blocks.n; i++)
        emit_block(&out, p->blocks.v[i]);
    for (int i = 0; i < p->timers.n; i++)
        emit_block(&out, p->timers.v[i]);
    emit_block(&out, p->end);
    /* One trailing newline, not two. */
    if (out.len >= 2 && out.s[out.len - 1] == '\n' && out.s[out.len - 2] == '\n')
        out.s[--out.len] = '\0';
    return sb_steal(&out);
}
