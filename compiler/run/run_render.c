// SPDX-License-Identifier: Apache-2.0
// Rendering bpftrace -f json records for `ovstrace run` (see run_render.h).
#include "run_render.h"
#include "printer.h"
#include "run_json_compat.h"
#include "run_stamp.h"
#include "run_tables.h"
#include "thousands.h"
#include "json.h"
#include "odp/nl_format.h"
#include "odp/odp_format.h"
#include "output_protocol.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- text */

static int hexdigit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Text tagged GS KIND INDEX US (lower.c held_tag): an `after_report` event ('e') or its
 * heading ('h'; 'H' goes on with a heading too long for one printf), kept until the
 * report ends. */
static int held_record(struct run_output *r, const char *s, size_t len)
{
    if (len < 4 || s[0] != OUTPUT_GS[0] || (s[1] != 'e' && s[1] != 'h' && s[1] != 'H'))
        return 0;
    char *end;
    long i = strtol(s + 2, &end, 10);
    if (*end != OUTPUT_US[0] || i < 0 || i >= OUTPUT_HELD_MAX)
        return 0;
    struct strbuf *into = s[1] == 'e' ? &r->held_events[i].events : &r->held_events[i].heading;
    if (s[1] == 'h')
        into->len = 0;
    sb_addn(into, end + 1, len - (size_t)(end + 1 - s));
    return 1;
}

static void print_held(struct run_output *r, int at_exit);

/* An aggregate's title with no map after it: bpftrace prints nothing for an empty map. */
static void close_title(struct run_output *r)
{
    if (r->title_pending)
        run_output_line(r, "  (none)");
    r->title_pending = 0;
}

static int is_title(const struct run_output *r, const char *line)
{
    for (int i = 0; i < r->plan->nmaps; i++)
        if (r->plan->maps[i].title && strcmp(r->plan->maps[i].title, line) == 0)
            return 1;
    return 0;
}

/* A line of text to show: a flow key between STX and ETX, in hex, becomes its dump-flows
 * text; a window line gets upstream's number grouping and UTC time. */
static void shown_line(struct run_output *r, const char *line)
{
    const char *stx = strchr(line, '\002'), *etx = stx ? strchr(stx, '\003') : NULL;
    if (!stx) {
        char *stamped = run_stamp_line(line);
        run_output_line(r, stamped ? stamped : line);
        free(stamped);
        return;
    }
    struct strbuf out = { 0 };
    unsigned char *key = xcalloc(1, strlen(stx) / 2 + 1);
    size_t n = 0;
    const char *end = etx ? etx : stx + strlen(stx);
    /* STX F or STX P, LENGTH ':': a netlink message of the flow or packet family, read in
     * whole pieces (lower.c key_pieces); STX alone: a flow key. */
    char kind = stx[1] == 'F' || stx[1] == 'P' ? stx[1] : 0;
    const char *hex = stx + 1;
    size_t msg_len = 0;
    if (kind) {
        char *colon;
        msg_len = strtoul(stx + 2, &colon, 10);
        hex = *colon == ':' ? colon + 1 : stx + 2;
    }
    for (const char *p = hex; p + 1 < end; p++) {
        int hi = hexdigit(p[0]), lo = hexdigit(p[1]);
        if (hi >= 0 && lo >= 0) {
            key[n++] = (unsigned char)(hi << 4 | lo);
            p++;
        }
    }
    sb_printf(&out, "%.*s", (int)(stx - line), line);
    if (kind)
        nl_msg_format(key, n < msg_len ? n : msg_len, kind == 'F' ? NL_FAMILY_FLOW : NL_FAMILY_PACKET, "    ", &out);
    else
        odp_key_format(key, n, &out);
    if (etx)
        sb_add(&out, etx + 1);
    /* A message takes several lines. */
    for (char *s = out.s ? out.s : "", *nl; s; s = nl ? nl + 1 : NULL) {
        nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        run_output_line(r, s);
    }
    sb_free(&out);
    free(key);
}

/* A line of the script's live text: the report's end line and aggregate titles steer the
 * report; any other line is shown. */
static void text_line(struct run_output *r, const char *line)
{
    close_title(r);
    if (!strcmp(line, OUTPUT_DUMP_END)) {
        run_tables_render(r);
        print_held(r, 0);
        return;
    }
    if (is_title(r, line)) {
        run_output_line(r, line);
        r->title_pending = 1;
        return;
    }
    shown_line(r, line);
}

typedef void line_fn(struct run_output *r, const char *line);

/* Append DATA to BUF and hand every line it completes to EACH. */
static void add_text(struct run_output *r, struct strbuf *buf, const char *data, size_t len, line_fn *each)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            sb_addc(buf, data[i]);
            continue;
        }
        each(r, buf->s ? buf->s : "");
        buf->len = 0;
        if (buf->s)
            buf->s[0] = '\0';
    }
}

/* The report ended: the events held since the last one, each kind under its heading.
 * Their lines are only shown: an event's text comes from the traced process, and a line
 * of it that looks like the report's end must not end the report again (which would
 * print these same events again, without end).
 * At the end of the run (AT_EXIT), events held since the last report go on under that
 * report's headings if nothing was printed after them: bpftrace reads each CPU's buffer
 * in turn, so an event from one CPU can come after the final report from another (seen
 * on a busy machine), and it belongs to that report, not under a heading of its own. */
static void print_held(struct run_output *r, int at_exit)
{
    int goes_on = at_exit && r->shown == r->held_open_at;
    for (int i = 0; i < OUTPUT_HELD_MAX; i++) {
        struct run_held *h = &r->held_events[i];
        if (!goes_on)
            h->heading_shown = 0;
        if (!h->events.len)
            continue;
        struct strbuf pending = { 0 };     /* both end in a newline: nothing stays pending */
        if (!h->heading_shown) {
            run_output_line(r, "");
            add_text(r, &pending, h->heading.s ? h->heading.s : "", h->heading.len, shown_line);
            h->heading_shown = 1;
        }
        add_text(r, &pending, h->events.s, h->events.len, shown_line);
        sb_free(&pending);
        h->events.len = 0;
    }
    r->held_open_at = r->shown;
}

/* printf text: pieces tagged RS CPU US belong to that CPU's event in progress. */
static void printf_record(struct run_output *r, const struct json *data)
{
    if (!data || data->kind != JSON_STRING)
        return;
    const char *s = data->str;
    size_t len = data->len;
    if (held_record(r, s, len))
        return;
    if (len > 2 && s[0] == OUTPUT_RS[0]) {
        char *end;
        long cpu = strtol(s + 1, &end, 10);
        if (*end == OUTPUT_US[0] && cpu >= 0 && cpu < 4096) {
            if (cpu >= r->ncpu) {
                r->cpu_text = xrealloc(r->cpu_text, (size_t)(cpu + 1) * sizeof *r->cpu_text);
                memset(r->cpu_text + r->ncpu, 0, (size_t)(cpu + 1 - r->ncpu) * sizeof *r->cpu_text);
                r->ncpu = (int)cpu + 1;
            }
            add_text(r, &r->cpu_text[cpu], end + 1, len - (size_t)(end + 1 - s), text_line);
            return;
        }
    }
    add_text(r, &r->text, s, len, text_line);
}

/* ---------------------------------------------------------------- maps */

static const struct render_map *plan_map(const struct run_output *r, const char *at_name)
{
    const char *name = at_name[0] == '@' ? at_name + 1 : at_name;
    for (int i = 0; i < r->plan->nmaps; i++)
        if (strcmp(r->plan->maps[i].name, name) == 0)
            return &r->plan->maps[i];
    return NULL;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* A map key as shown: tuple parts (bpftrace joins them with ',') with thread ids named. */
static char *key_text(struct run_output *r, const struct render_map *m, const char *key)
{
    int named = 0;
    for (int i = 0; m && i < m->nkeys && i < RENDER_MAX_KEYS; i++)
        named |= m->key_enums[i] != NULL;
    if (!m || (m->nkeys < 2 && !m->tid_keys && !named))
        return xstrdup(key);
    struct strbuf out = { 0 };
    char *copy = xstrdup(key), *p = copy;
    for (int i = 0; i < m->nkeys && p; i++) {
        char *comma = i + 1 < m->nkeys ? strchr(p, ',') : NULL;
        if (comma)
            *comma = '\0';
        sb_add(&out, i ? ", " : "");
        const struct render_enum *e = i < RENDER_MAX_KEYS && all_digits(p) ? m->key_enums[i] : NULL;
        long long number = e ? strtoll(p, NULL, 10) : 0;
        const char *text = NULL;
        for (int j = 0; e && j < e->n && !text; j++)
            if (e->values[j] == number)
                text = e->texts[j];
        sb_add(&out, text ? text : p);
        char name[64];
        if ((m->tid_keys >> i & 1) && all_digits(p) && (run_thread_name(r, atol(p), name, sizeof name), name[0]))
            sb_printf(&out, " (%s)", name);
        p = comma ? comma + 1 : NULL;
    }
    if (p)
        sb_printf(&out, ",%s", p);
    free(copy);
    return sb_steal(&out);
}

struct row {
    char *key;
    long long value;
    char text[128];         /* the value as shown */
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;       /* largest first */
    return strcmp(x->key, y->key);
}

/* One row's value: a number, or a stats object {count, average, total}. */
static void value_text(const struct json *v, struct row *row)
{
    char a[32], b[32], c[32];
    if (v && v->kind == JSON_OBJECT) {
        render_thousands(a, sizeof a, json_as_ll(json_get(v, "count")));
        render_thousands(b, sizeof b, json_as_ll(json_get(v, "average")));
        render_thousands(c, sizeof c, json_as_ll(json_get(v, "total")));
        snprintf(row->text, sizeof row->text, "count %s, average %s, total %s", a, b, c);
        row->value = json_as_ll(json_get(v, "total"));
        return;
    }
    row->value = json_as_ll(v);
    render_thousands(row->text, sizeof row->text, row->value);
}

static void map_header(struct run_output *r, const struct render_map *m, const char *name)
{
    if (m && m->has_title)
        return;
    char *h = xasprintf("%s:", name[0] == '@' ? name + 1 : name);
    run_output_line(r, "");
    run_output_line(r, h);
    free(h);
}

static void render_table(struct run_output *r, const char *name, const struct json *v)
{
    const struct render_map *m = plan_map(r, name);
    map_header(r, m, name);
    /* A keyless map is a number, or a stats() object; a keyed one maps key -> value. */
    int is_stats = v->kind == JSON_OBJECT && v->n == 3 && json_get(v, "count") && json_get(v, "average") &&
                   json_get(v, "total");
    if (v->kind != JSON_OBJECT || (m ? m->nkeys == 0 : is_stats)) {
        struct row row = { 0 };
        /* ovstrace keys a keyless count() by an empty tuple (it survives clear() that way). */
        if (m && v->kind == JSON_OBJECT && v->n == 1 && !v->keys[0][0])
            v = v->items[0];
        value_text(v, &row);
        char *line = xasprintf("  %s", row.text);
        run_output_line(r, line);
        free(line);
        return;
    }
    if (!v->n) {
        run_output_line(r, "  (none)");
        return;
    }
    struct row *rows = xcalloc((size_t)v->n, sizeof *rows);
    int kw = 0, vw = 0;
    for (int i = 0; i < v->n; i++) {
        rows[i].key = key_text(r, m, v->keys[i]);
        value_text(v->items[i], &rows[i]);
    }
    qsort(rows, (size_t)v->n, sizeof *rows, row_cmp);
    for (int i = 0; i < v->n; i++) {
        int k = (int)strlen(rows[i].key), w = (int)strlen(rows[i].text);
        kw = k > kw ? k : kw;
        vw = w > vw ? w : vw;
    }
    kw = kw > 60 ? 60 : kw;
    /* Numbers line up on the right; stats() texts ("count 2, average ...") on the left. */
    int stats = v->n && v->items[0]->kind == JSON_OBJECT;
    for (int i = 0; i < v->n; i++) {
        char *line = stats ? xasprintf("  %-*s  %s", kw, rows[i].key, rows[i].text)
                           : xasprintf("  %-*s  %*s", kw, rows[i].key, vw, rows[i].text);
        run_output_line(r, line);
        free(line);
        free(rows[i].key);
    }
    free(rows);
}

/* ---------------------------------------------------------- histograms */

/* A bucket bound as bpftrace writes it: 1K, 4M for powers of 1024. */
static void bound_text(char *out, size_t n, long long v)
{
    static const char *const units[] = { "", "K", "M", "G", "T" };
    int u = 0;
    while (u < 4 && v != 0 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(out, n, "%lld%s", v, units[u]);
}

static void render_buckets(struct run_output *r, const struct json *buckets)
{
    long long most = 0;
    for (int i = 0; i < buckets->n; i++) {
        long long c = json_as_ll(json_get(buckets->items[i], "count"));
        most = c > most ? c : most;
    }
    char cw[32];
    render_thousands(cw, sizeof cw, most);
    int width = (int)strlen(cw);
    for (int i = 0; i < buckets->n; i++) {
        const struct json *b = buckets->items[i];
        const struct json *lo = json_get(b, "min"), *hi = json_get(b, "max");
        char lt[24] = "...", ht[24] = "...", range[64], count[32];
        if (lo)
            bound_text(lt, sizeof lt, json_as_ll(lo));
        if (hi)
            bound_text(ht, sizeof ht, json_as_ll(hi) + 1);
        snprintf(range, sizeof range, "%s%s, %s)", lo ? "[" : "(", lt, ht);
        long long c = json_as_ll(json_get(b, "count"));
        render_thousands(count, sizeof count, c);
        int bar = most ? (int)(c * 52 / most) : 0;
        char *line = xasprintf("  %-16s %*s |%.*s%*s|", range, width, count, bar,
                               "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", 52 - bar, "");
        run_output_line(r, line);
        free(line);
    }
}

static void render_hist(struct run_output *r, const char *name, const struct json *v)
{
    const struct render_map *m = plan_map(r, name);
    map_header(r, m, name);
    if (v->kind == JSON_ARRAY) {
        render_buckets(r, v);
        return;
    }
    for (int i = 0; v->kind == JSON_OBJECT && i < v->n; i++) {
        char *key = key_text(r, m, v->keys[i]);
        char *line = xasprintf("  %s:", key);
        run_output_line(r, line);
        render_buckets(r, v->items[i]);
        free(line);
        free(key);
    }
}

/* ------------------------------------------------------------- records */

void run_render_json(struct run_output *r, const char *line)
{
    struct json *rec = json_parse(line, strlen(line));
    const struct json *type = json_get(rec, "type"), *data = json_get(rec, "data");
    if (!type || type->kind != JSON_STRING) {
        run_output_line(r, line);    /* not a record: show it as it came */
        json_free(rec);
        return;
    }
    const char *t = type->str;
    if (!strcmp(t, "printf") || !strcmp(t, "time") || !strcmp(t, "syscall") || !strcmp(t, "join")) {
        printf_record(r, data);
    } else if (!strcmp(t, "map") || !strcmp(t, "stats") || !strcmp(t, "hist")) {
        r->title_pending = 0;
        run_json_compat_keys(r->plan, (struct json *)data);
        for (int i = 0; data && data->kind == JSON_OBJECT && i < data->n; i++) {
            if (!strcmp(t, "map") && run_tables_hold(r, data->keys[i], &data->items[i]))
                continue;
            if (!strcmp(t, "hist"))
                render_hist(r, data->keys[i], data->items[i]);
            else
                render_table(r, data->keys[i], data->items[i]);
        }
    } else if (!strcmp(t, "lost_events")) {
        r->lost += (unsigned long)json_as_ll(json_get(data, "events"));
    } else if (!strcmp(t, "attached_probes")) {
        r->attached = 1;
        if (!r->replay) {
            long long n = json_as_ll(json_get(data, "probes"));
            fprintf(r->err, "ovstrace: %lld probe%s attached; Ctrl-C ends the run and prints the report\n", n,
                    n == 1 ? "" : "s");
            fflush(r->err);
        }
    }
    json_free(rec);
}

void run_render_flush(struct run_output *r)
{
    close_title(r);
    run_tables_render(r);
    run_tables_free(r);
    print_held(r, 1);
    for (int i = 0; i < OUTPUT_HELD_MAX; i++) {
        sb_free(&r->held_events[i].heading);
        sb_free(&r->held_events[i].events);
    }
    if (r->text.len)
        text_line(r, r->text.s);
    sb_free(&r->text);
    for (int i = 0; i < r->ncpu; i++) {
        if (r->cpu_text[i].len)
            text_line(r, r->cpu_text[i].s);
        sb_free(&r->cpu_text[i]);
    }
    free(r->cpu_text);
    r->cpu_text = NULL;
    r->ncpu = 0;
}
