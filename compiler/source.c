// SPDX-License-Identifier: Apache-2.0
// Source buffers: load a file into memory and translate byte offsets into
// the 1-based line:column pairs of diagnostics (and back from libyaml marks).
#include "source.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Recipes are small; refuse anything absurd before reading it all into memory. */
#define SOURCE_MAX_BYTES (4u << 20)

/* Lines end at LF, CRLF or a lone CR, as in YAML (NEL, LS and PS are refused up front). */
static int ends_line(const struct source *s, unsigned i)
{
    return s->text[i] == '\n' || (s->text[i] == '\r' && (i + 1 >= s->len || s->text[i + 1] != '\n'));
}

struct source *source_from_string(const char *name, const char *text, size_t len)
{
    struct source *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(name);
    s->text = xmalloc(len + 1);
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    int cap = 64;
    s->line_starts = xmalloc((size_t)cap * sizeof *s->line_starts);
    s->line_starts[s->nlines++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (!ends_line(s, (unsigned)i))
            continue;
        if (s->nlines == cap) {
            cap *= 2;
            s->line_starts = xrealloc(s->line_starts, (size_t)cap * sizeof *s->line_starts);
        }
        s->line_starts[s->nlines++] = (unsigned)(i + 1);
    }
    return s;
}

struct source *source_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen_regular(path, err, errlen);
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
        if (len > SOURCE_MAX_BYTES) {
            snprintf(err, errlen, "'%s' is larger than %u bytes; not a recipe", path, SOURCE_MAX_BYTES);
            free(buf);
            fclose(f);
            return NULL;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read '%s'", path);
        free(buf);
        return NULL;
    }
    /* A UTF-8 byte order mark is allowed and ignored: left in, it would shift the columns
     * of line 1 against libyaml's, which does not count it. */
    size_t bom = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    struct source *s = source_from_string(path, buf ? buf + bom : "", len - bom);
    free(buf);
    return s;
}

void source_free(struct source *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->text);
    free(s->line_starts);
    free(s);
}

unsigned source_char_len(const struct source *s, unsigned off)
{
    if (off >= s->len)
        return 1;
    size_t n = utf8_char_len(s->text + off, s->len - off);
    return n ? (unsigned)n : 1;
}

/* The 0-based line holding OFF: the last line starting at or before it. */
static int line_index(const struct source *s, unsigned off)
{
    int lo = 0, hi = s->nlines - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (s->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Can the walk to a position on 1-based LINE go on from where cursor C stopped (at byte
 * C->off, column C->col) rather than from the line's start? Only forward, on that line. */
static int cursor_helps(const struct source_cursor *c, const struct source *s, int line)
{
    return c && c->src == s && c->line == line;
}

void source_cursor_linecol(const struct source *s, struct source_cursor *c, unsigned off, int *line, int *col)
{
    if (off > s->len)
        off = (unsigned)s->len;
    int l = line_index(s, off) + 1;
    unsigned i = s->line_starts[l - 1];
    int n = 1;
    if (cursor_helps(c, s, l) && c->off <= off) {
        i = c->off;
        n = c->col;
    }
    while (i < off) {
        if (s->text[i] == '\r') {
            i++;
        } else {
            n++;
            i += source_char_len(s, i);
        }
    }
    if (c)
        *c = (struct source_cursor){ s, l, i, n };
    *line = l;
    *col = n;
}

void source_linecol(const struct source *s, unsigned off, int *line, int *col)
{
    source_cursor_linecol(s, NULL, off, line, col);
}

int source_line_of(const struct source *s, unsigned off)
{
    return line_index(s, off > s->len ? (unsigned)s->len : off) + 1;
}

unsigned source_line_start(const struct source *s, int line, unsigned *linelen)
{
    if (line < 1)
        line = 1;
    /* Past the last line: the end of the text. */
    unsigned i = line <= s->nlines ? s->line_starts[line - 1] : (unsigned)s->len;
    if (!linelen)
        return i;
    /* The line ends before the break that starts the next one (LF, CRLF or a lone CR); the
     * last line at the end of the text. Found without scanning it: lines may be megabytes. */
    unsigned end = line < s->nlines ? s->line_starts[line] - 1 : (unsigned)s->len;
    if (end > i && s->text[end] == '\n' && s->text[end - 1] == '\r')
        end--;
    *linelen = end - i;
    return i;
}

unsigned source_cursor_offset(const struct source *s, struct source_cursor *c, int line0, int col0)
{
    unsigned i = source_line_start(s, line0 + 1, NULL);
    int n = 0;
    if (cursor_helps(c, s, line0 + 1) && c->col <= col0) {
        i = c->off;
        n = c->col;
    }
    for (; n < col0 && i < s->len && s->text[i] != '\n' && s->text[i] != '\r'; n++)
        i += source_char_len(s, i);
    if (c)
        *c = (struct source_cursor){ s, line0 + 1, i, n };
    return i;
}

unsigned source_offset_of(const struct source *s, int line0, int col0)
{
    return source_cursor_offset(s, NULL, line0, col0);
}

struct loc loc_make(const struct source *s, unsigned off, unsigned len)
{
    struct loc l = { s, off, len };
    return l;
}
