// SPDX-License-Identifier: Apache-2.0
// The recording file of a run (see run_record.h).
#include "run_record.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD_FORMAT 1
/* Real offsets from UTC are within -12 h and +14 h; a recording claiming more was not made by
 * run (and INT64_MIN could not even be negated into a TZ value). */
#define RECORD_MAX_UTC_OFFSET (26 * 3600)

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_strings(FILE *f, const struct vec *v)
{
    fputc('[', f);
    for (int i = 0; i < v->n; i++) {
        if (i)
            fputs(", ", f);
        json_string(f, v->v[i]);
    }
    fputc(']', f);
}

void record_write_header(FILE *f, const struct record_header *h)
{
    fprintf(f, "{\"ovstrace_record\": %d, \"recipe\": ", RECORD_FORMAT);
    json_string(f, h->recipe);
    fputs(", \"params\": ", f);
    json_strings(f, &h->params);
    fputs(", \"ports\": ", f);
    json_strings(f, &h->ports);
    if (h->bpftrace) {
        fputs(", \"bpftrace\": ", f);
        json_string(f, h->bpftrace);
    }
    fprintf(f, ", \"pid\": %d, \"utc_offset\": %ld, \"source\": ", h->pid, h->utc_offset);
    json_string(f, h->source);
    fputs("}\n", f);
}

void record_write_thread(FILE *f, long tid, const char *name)
{
    fprintf(f, "{\"ovstrace_thread\": [%ld, ", tid);
    json_string(f, name);
    fputs("]}\n", f);
}

static void strings_of(const struct json *a, struct vec *out)
{
    for (int i = 0; a && a->kind == JSON_ARRAY && i < a->n; i++)
        if (a->items[i]->kind == JSON_STRING)
            vec_push(out, xstrdup(a->items[i]->str));
}

static char *read_line(FILE *f)
{
    struct strbuf b = { 0 };
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n')
        sb_addc(&b, (char)c);
    if (c == EOF && !b.len) {
        sb_free(&b);
        return NULL;
    }
    return b.s ? sb_steal(&b) : xstrdup("");
}

int record_read_header(FILE *f, struct record_header *h, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    char *line = read_line(f);
    struct json *j = line ? json_parse(line, strlen(line)) : NULL;
    free(line);
    const struct json *format = json_get(j, "ovstrace_record"), *recipe = json_get(j, "recipe"),
                      *source = json_get(j, "source"), *pid = json_get(j, "pid"), *off = json_get(j, "utc_offset");
    int ok = format && format->is_integer && recipe && recipe->kind == JSON_STRING && source &&
             source->kind == JSON_STRING && pid && pid->is_integer && off && off->is_integer;
    if (!ok) {
        snprintf(err, errlen, "not a recording of ovstrace run --record (its first line is not the header)");
    } else if (format->integer != RECORD_FORMAT) {
        snprintf(err, errlen, "a recording in format %lld; this ovstrace reads format %d", format->integer,
                 RECORD_FORMAT);
        ok = 0;
    } else if (off->integer < -RECORD_MAX_UTC_OFFSET || off->integer > RECORD_MAX_UTC_OFFSET) {
        snprintf(err, errlen, "its utc_offset, %lld seconds, is no offset from UTC (those are within 26 hours)",
                 off->integer);
        ok = 0;
    }
    if (ok) {
        h->recipe = xstrdup(recipe->str);
        h->source = xstrdup(source->str);
        h->pid = (int)pid->integer;
        h->utc_offset = (long)off->integer;
        const struct json *bt = json_get(j, "bpftrace");
        h->bpftrace = bt && bt->kind == JSON_STRING ? xstrdup(bt->str) : NULL;
        strings_of(json_get(j, "params"), &h->params);
        strings_of(json_get(j, "ports"), &h->ports);
    }
    json_free(j);
    return h->recipe ? 0 : -1;
}

void record_header_free(struct record_header *h)
{
    free(h->recipe);
    free(h->source);
    free(h->bpftrace);
    vec_free_strings(&h->params);
    vec_free_strings(&h->ports);
    memset(h, 0, sizeof *h);
}

int record_thread_line(const char *line, long *tid, char *name, size_t namelen)
{
    if (strncmp(line, "{\"ovstrace_thread\":", 19) != 0)
        return 0;
    struct json *j = json_parse(line, strlen(line));
    const struct json *t = json_get(j, "ovstrace_thread");
    int ok = t && t->kind == JSON_ARRAY && t->n == 2 && t->items[0]->is_integer && t->items[1]->kind == JSON_STRING;
    if (ok) {
        *tid = (long)t->items[0]->integer;
        snprintf(name, namelen, "%s", t->items[1]->str);
    }
    json_free(j);
    return ok;
}

long record_utc_offset(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return tm.tm_gmtoff;
}

void record_set_utc_offset(long offset)
{
    /* POSIX TZ: "<+0100>-01:00" is one hour east of UTC (the sign is inverted). */
    long a = offset < 0 ? -offset : offset;
    char tz[48];
    snprintf(tz, sizeof tz, "<%c%02ld%02ld>%c%02ld:%02ld:%02ld", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60,
             offset < 0 ? '+' : '-', a / 3600, a / 60 % 60, a % 60);
    setenv("TZ", tz, 1);
    tzset();
}
