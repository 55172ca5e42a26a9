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

/* Is the character at C (N bytes, valid UTF-8) safe to show as it is? Not a control
 * character, nor a Unicode line or paragraph separator a terminal might break at. */
static int showable(const unsigned char *c, unsigned n)
{
    if (n == 1)
        return *c == '\t' || (*c >= 0x20 && *c != 0x7f);
    if (n == 2)
        return !(c[0] == 0xc2 && c[1] < 0xa0);
    return !(n == 3 && c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9));
}

/* Print the source line with tabs kept (so the caret lines up) and a ^~~~ under the span:
 * one column per character (or per byte of broken UTF-8, shown as '?'), as diagnostics count. */
static void print_caret(FILE *out, const struct diag_entry *e, int color)
{
    const struct source *s = e->loc.src;
    int line, col;
    source_linecol(s, e->loc.off, &line, &col);
    unsigned linelen;
    unsigned start = source_line_start(s, line, &linelen), end = start + linelen;
    fputs("  ", out);
    for (unsigned i = start; i < end;) {
        unsigned n = source_char_len(s, i);
        const unsigned char *c = (const unsigned char *)s->text + i;
        if (i + n <= end && utf8_char_len((const char *)c, n) == n && showable(c, n))
            fwrite(c, 1, n, out);
        else
            fputc('?', out);
        i += n;
    }
    fputs("\n  ", out);
    unsigned i = start;
    for (; i < e->loc.off && i < end; i += source_char_len(s, i))
        fputc(s->text[i] == '\t' ? '\t' : ' ', out);
    if (color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    unsigned stop = e->loc.off + (e->loc.len ? e->loc.len : 1);
    if (stop > end)
        stop = end;
    for (i += source_char_len(s, i); i < stop; i += source_char_len(s, i))
        fputc('~', out);
    if (color)
        fputs("\033[0m", out);
    fputc('\n', out);
}

/* Messages quote what the user wrote; a control character there must not reach the terminal. */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

void diag_flush(struct diag *d, FILE *out)
{
    /* qsort's pointer must not be NULL even for no elements (C11 7.22.5), and an empty
     * diag has no array yet. */
    if (d->n > 1)
        qsort(d->v, (size_t)d->n, sizeof *d->v, entry_cmp);
    for (int i = 0; i < d->n; i++) {
        const struct diag_entry *e = &d->v[i];
        const char *what = e->level == DIAG_ERROR ? "error" : "warning";
        const char *on = "", *off = "";
        if (d->color) {
            on = e->level == DIAG_ERROR ? "\033[1;31m" : "\033[1;35m";
            off = "\033[0m";
        }
        if (e->loc.src) {
            int line, col;
            source_linecol(e->loc.src, e->loc.off, &line, &col);
            put_text(out, e->loc.src->path);
            fprintf(out, ":%d:%d: %s%s:%s ", line, col, on, what, off);
            put_text(out, e->msg);
            fputc('\n', out);
            print_caret(out, e, d->color);
        } else {
            fprintf(out, "ovstrace: %s%s:%s ", on, what, off);
            put_text(out, e->msg);
            fputc('\n', out);
        }
        if (e->hint) {
            fputs("hint: ", out);
            put_text(out, e->hint);
            fputc('\n', out);
        }
        entry_free(&d->v[i]);
    }
    d->n = 0;
}
