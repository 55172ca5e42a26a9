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

struct source *source_from_string(const char *name, const char *text, size_t len)
{
    struct source *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(name);
    s->text = xmalloc(len + 1);
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    return s;
}

struct source *source_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
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
    struct source *s = source_from_string(path, buf ? buf : "", len);
    free(buf);
    return s;
}

void source_free(struct source *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->text);
    free(s);
}

static int is_utf8_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

void source_linecol(const struct source *s, unsigned off, int *line, int *col)
{
    int l = 1, c = 1;
    if (off > s->len)
        off = (unsigned)s->len;
    for (unsigned i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)s->text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if (!is_utf8_continuation(ch)) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

unsigned source_line_start(const struct source *s, int line, unsigned *linelen)
{
    unsigned i = 0;
    for (int l = 1; l < line && i < s->len; i++)
        if (s->text[i] == '\n')
            l++;
    unsigned end = i;
    while (end < s->len && s->text[end] != '\n' && s->text[end] != '\r')
        end++;
    if (linelen)
        *linelen = end - i;
    return i;
}

unsigned source_offset_of(const struct source *s, int line0, int col0)
{
    unsigned i = source_line_start(s, line0 + 1, NULL);
    for (int c = 0; c < col0 && i < s->len && s->text[i] != '\n'; c++) {
        i++;
        while (i < s->len && is_utf8_continuation((unsigned char)s->text[i]))
            i++;
    }
    return i;
}

struct loc loc_make(const struct source *s, unsigned off, unsigned len)
{
    struct loc l = { s, off, len };
    return l;
}
