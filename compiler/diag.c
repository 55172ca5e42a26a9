// SPDX-License-Identifier: Apache-2.0
// Diagnostics: collect positioned errors and warnings from a pass, then print
// them sorted by position as `file:line:col: error: msg`, the line, and a caret.
#include "diag.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void diag_init(struct diag *d)
{
    memset(d, 0, sizeof *d);
    d->color = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
}

static void entry_free(struct diag_entry *e)
{
    free(e->msg);
    free(e->hint);
}

void diag_free(struct diag *d)
{
    for (int i = 0; i < d->n; i++)
        entry_free(&d->v[i]);
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

static void diag_add(struct diag *d, enum diag_level level, struct loc loc, const char *fmt, va_list ap)
{
    static int seq;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = xrealloc(d->v, (size_t)d->cap * sizeof *d->v);
    }
    struct strbuf b = { 0 };
    sb_vprintf(&b, fmt, ap);
    struct diag_entry *e = &d->v[d->n++];
    e->level = level;
    e->loc = loc;
    e->msg = sb_steal(&b);
    e->hint = NULL;
    e->seq = seq++;
    if (level == DIAG_ERROR)
        d->errors++;
}

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void diag_warn(struct diag *d, struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
}

void diag_hint(struct diag *d, const char *fmt, ...)
{
    if (d->n == 0)
        return;
    struct strbuf b = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    struct diag_entry *e = &d->v[d->n - 1];
    free(e->hint);
    e->hint = sb_steal(&b);
}

static int entry_cmp(const void *pa, const void *pb)
{
    const struct diag_entry *a = pa, *b = pb;
    /* Entries without a position (command-line errors) come first. */
    if (!a->loc.src != !b->loc.src)
        return a->loc.src ? 1 : -1;
    if (a->loc.src && b->loc.src && a->loc.src != b->loc.src) {
        int c = strcmp(a->loc.src->path, b->loc.src->path);
        if (c)
            return c;
    }
    if (a->loc.src && a->loc.off != b->loc.off)
        return a->loc.off < b->loc.off ? -1 : 1;
    return a->seq - b->seq;
}

/* A source line longer than this is shown cut: a window of DIAG_LINE_SHOWN bytes from
 * DIAG_CONTEXT before the caret, with "..." where it is cut (a one-line recipe of megabytes
 * would otherwise be printed whole, for every error on it). */
#define DIAG_LINE_SHOWN 256
#define DIAG_CONTEXT 80

/* P moved on past UTF-8 continuation bytes, not beyond END: a cut starts at a character. */
static unsigned char_boundary(const struct source *s, unsigned p, unsigned end)
{
    while (p < end && ((unsigned char)s->text[p] & 0xc0) == 0x80)
        p++;
    return p;
}

/* The source line with tabs kept (so the caret lines up) and a ^~~~ under the span: one
 * column per character (or per byte of broken UTF-8, shown as '?'), as diagnostics count. */
static void add_caret(struct strbuf *out, const struct diag_entry *e, int line, int color)
{
    const struct source *s = e->loc.src;
    unsigned linelen;
    unsigned start = source_line_start(s, line, &linelen), end = start + linelen;
    unsigned at = e->loc.off < end ? e->loc.off : end, from = start, to = end;
    if (linelen > DIAG_LINE_SHOWN) {
        from = at - start > DIAG_CONTEXT ? char_boundary(s, at - DIAG_CONTEXT, at) : start;
        to = end - from > DIAG_LINE_SHOWN ? char_boundary(s, from + DIAG_LINE_SHOWN, end) : end;
    }
    const char *cut = from > start ? "..." : "";
    sb_printf(out, "  %s", cut);
    for (unsigned i = from; i < to;) {
        unsigned n = source_char_len(s, i);
        const char *c = s->text + i;
        if (i + n <= to && utf8_char_len(c, n) == n && (*c == '\t' || utf8_char_inert(c, n)))
            sb_addn(out, c, n);
        else
            sb_addc(out, '?');
        i += n;
    }
    sb_printf(out, "%s\n  %*s", to < end ? "..." : "", (int)strlen(cut), "");
    unsigned i = from;
    for (; i < e->loc.off && i < to; i += source_char_len(s, i))
        sb_addc(out, s->text[i] == '\t' ? '\t' : ' ');
    if (color)
        sb_add(out, "\033[1;32m");
    sb_addc(out, '^');
    unsigned stop = e->loc.off + (e->loc.len ? e->loc.len : 1);
    if (stop > to)
        stop = to;
    for (i += source_char_len(s, i); i < stop; i += source_char_len(s, i))
        sb_addc(out, '~');
    if (color)
        sb_add(out, "\033[0m");
    sb_addc(out, '\n');
}

/* Messages quote what the user wrote; a control character there must not reach the terminal. */
static void add_text(struct strbuf *out, const char *s)
{
    sb_add_escaped(out, s, strlen(s));
}

/* One diagnostic, whole: stderr is unbuffered, and a character at a time was a system call
 * per byte. CUR follows the sorted positions, so columns on a long line are counted once. */
static void add_entry(struct strbuf *out, const struct diag_entry *e, int color, struct source_cursor *cur)
{
    const char *what = e->level == DIAG_ERROR ? "error" : "warning";
    const char *on = "", *off = "";
    if (color) {
        on = e->level == DIAG_ERROR ? "\033[1;31m" : "\033[1;35m";
        off = "\033[0m";
    }
    int line = 0, col = 0;
    if (e->loc.src) {
        source_cursor_linecol(e->loc.src, cur, e->loc.off, &line, &col);
        add_text(out, e->loc.src->path);
        sb_printf(out, ":%d:%d: %s%s:%s ", line, col, on, what, off);
    } else {
        sb_printf(out, "ovstrace: %s%s:%s ", on, what, off);
    }
    add_text(out, e->msg);
    sb_addc(out, '\n');
    if (e->loc.src)
        add_caret(out, e, line, color);
    if (e->hint) {
        sb_add(out, "hint: ");
        add_text(out, e->hint);
        sb_addc(out, '\n');
    }
}

static int same_entry(const struct diag_entry *a, const struct diag_entry *b)
{
    return a->level == b->level && a->loc.src == b->loc.src && a->loc.off == b->loc.off && a->loc.len == b->loc.len &&
           strcmp(a->msg, b->msg) == 0 && !a->hint == !b->hint && (!a->hint || strcmp(a->hint, b->hint) == 0);
}

void diag_flush(struct diag *d, FILE *out)
{
    /* qsort's pointer must not be NULL even for no elements (C11 7.22.5), and an empty
     * diag has no array yet. */
    if (d->n > 1)
        qsort(d->v, (size_t)d->n, sizeof *d->v, entry_cmp);
    struct source_cursor cur = { 0 };
    struct strbuf b = { 0 };
    for (int i = 0; i < d->n; i++) {
        /* A rule checked once per scope that shares the text (a span's key, at each of its
         * ends) reports the same thing at the same place: once is enough. */
        if (i > 0 && same_entry(&d->v[i - 1], &d->v[i]))
            continue;
        b.len = 0;
        add_entry(&b, &d->v[i], d->color, &cur);
        fwrite(b.s, 1, b.len, out);
    }
    for (int i = 0; i < d->n; i++)
        entry_free(&d->v[i]);
    sb_free(&b);
    d->n = 0;
}
