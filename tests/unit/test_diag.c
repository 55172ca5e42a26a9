// SPDX-License-Identifier: Apache-2.0
// Unit test of diag_flush: each diagnostic reaches an unbuffered stream (stderr is one) in
// one write, and a source line too long to read is shown cut around the caret.
#include "diag.h"
#include "util.h"
#include "unit.h"

/* An unbuffered stream, like stderr, that counts the writes it is given and keeps the text. */
struct counted {
    int writes;
    char text[8192];
    size_t len;
};

static ssize_t counted_write(void *cookie, const char *buf, size_t n)
{
    struct counted *c = cookie;
    c->writes++;
    size_t room = sizeof c->text - 1 - c->len;
    memcpy(c->text + c->len, buf, n < room ? n : room);
    c->len += n < room ? n : room;
    c->text[c->len] = '\0';
    return (ssize_t)n;
}

static FILE *counted_open(struct counted *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopencookie(c, "w", (cookie_io_functions_t){ .write = counted_write });
    setvbuf(f, NULL, _IONBF, 0);
    return f;
}

static void one_write_per_diagnostic(void)
{
    const char *text = "name: x\nsummary: a summary\n";
    struct source *s = source_from_string("x.recipe", text, strlen(text));
    struct diag d;
    diag_init(&d);
    d.color = 0;
    diag_error(&d, loc_make(s, 17, 9), "a message");
    diag_hint(&d, "a hint");
    diag_error(&d, loc_make(NULL, 0, 0), "no position");
    struct counted c;
    FILE *f = counted_open(&c);
    diag_flush(&d, f);
    fclose(f);
    EXPECT(c.writes == 2, "two diagnostics, two writes (got %d)", c.writes);
    EXPECT_STR(c.text, "ovstrace: error: no position\n"
               "x.recipe:2:10: error: a message\n  summary: a summary\n           ^~~~~~~~~\nhint: a hint\n",
               "the text is the same as before");
    diag_free(&d);
    source_free(s);
}

/* A line of 100000 'x' with 'BAD' in the middle: a window of it, "..." where it is cut. */
static void long_line_is_cut(void)
{
    size_t n = 100000, bad = 50000;
    char *text = xmalloc(n + 1);
    memset(text, 'x', n);
    memcpy(text + bad, "BAD", 3);
    text[n] = '\0';
    struct source *s = source_from_string("long.recipe", text, n);
    struct diag d;
    diag_init(&d);
    d.color = 0;
    diag_error(&d, loc_make(s, (unsigned)bad, 3), "here");
    struct counted c;
    FILE *f = counted_open(&c);
    diag_flush(&d, f);
    fclose(f);
    char want[1024];
    int at = snprintf(want, sizeof want, "long.recipe:1:50001: error: here\n  ...%.80sBAD%.173s...\n     %80s^~~\n",
                      text, text, "");
    EXPECT(at > 0 && c.len < 600, "the line is cut (%zu bytes written)", c.len);
    EXPECT_STR(c.text, want, "80 bytes before the caret, 256 in all");
    diag_free(&d);
    source_free(s);
    free(text);
}

int main(void)
{
    one_write_per_diagnostic();
    long_line_is_cut();
    return unit_done();
}
