// SPDX-License-Identifier: Apache-2.0
// Parameters: parse and validate values of every parameter type, bind the
// defaults and the command line's -p assignments to a recipe.
#include "params.h"
#include "probespec.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings reach the script as escaped literals; still, keep them short and printable. */
#define PARAM_STRING_MAX 128
#define PARAM_FLOW_MAX 2048

const char *param_type_name(enum param_type t)
{
    static const char *const names[] = { "int", "duration", "bool", "enum", "string", "odp_flow", "probe" };
    return names[t];
}

int parse_int64(const char *text, long long *out, char *err, size_t errlen)
{
    /* Only -?(0x)?DIGITS: strtoll alone would also take blanks, a '+' and a lone "0x". */
    const char *digits = text + (text[0] == '-');
    int hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
    const char *first = digits + (hex ? 2 : 0);
    int ok = *first != '\0';
    for (const char *c = first; ok && *c; c++)
        ok = hex ? strchr("0123456789abcdefABCDEF", *c) != NULL : *c >= '0' && *c <= '9';
    if (!ok) {
        snprintf(err, errlen, "'%s' is not an integer", text);
        return -1;
    }
    errno = 0;
    *out = strtoll(text, NULL, hex ? 16 : 10);
    if (errno == ERANGE) {
        snprintf(err, errlen, "'%s' does not fit in 64 bits (-9223372036854775808 to 9223372036854775807)", text);
        return -1;
    }
    return 0;
}

static int set_int(struct param *p, const char *text, char *err, size_t errlen)
{
    long long v;
    if (parse_int64(text, &v, err, errlen) < 0)
        return -1;
    if ((p->has_min && v < p->min) || (p->has_max && v > p->max)) {
        if (p->has_min && p->has_max)
            snprintf(err, errlen, "%lld is out of range: %s takes %lld to %lld", v, p->name, (long long)p->min,
                     (long long)p->max);
        else if (p->has_min)
            snprintf(err, errlen, "%lld is too small: %s takes at least %lld", v, p->name, (long long)p->min);
        else
            snprintf(err, errlen, "%lld is too large: %s takes at most %lld", v, p->name, (long long)p->max);
        return -1;
    }
    p->ival = v;
    return 0;
}

static int set_bool(struct param *p, const char *text, char *err, size_t errlen)
{
    static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            p->ival = strcmp(text, yes[i]) == 0;
            return 0;
        }
    }
    snprintf(err, errlen, "'%s' is not a bool: use true or false", text);
    return -1;
}

static int set_enum(struct param *p, const char *text, char *err, size_t errlen)
{
    for (int i = 0; i < p->nchoices; i++) {
        if (strcmp(text, p->choices[i]) == 0) {
            p->ival = i;
            free(p->sval);
            p->sval = xstrdup(text);
            return 0;
        }
    }
    struct strbuf b = { 0 };
    for (int i = 0; i < p->nchoices; i++)
        sb_printf(&b, "%s%s", i ? ", " : "", p->choices[i]);
    const char *near = closest_name(text, (const char *const *)p->choices, p->nchoices);
    if (near)
        snprintf(err, errlen, "'%s' is not one of %s (did you mean '%s'?)", text, b.s, near);
    else
        snprintf(err, errlen, "'%s' is not one of %s", text, b.s);
    sb_free(&b);
    return -1;
}

static int set_text(struct param *p, const char *text, size_t max, char *err, size_t errlen)
{
    size_t n = strlen(text), at;
    if (n > max) {
        snprintf(err, errlen, "value is %zu bytes long; %s takes at most %zu", n, p->name, max);
        return -1;
    }
    const char *bad = text_problem(text, n, &at);
    if (bad) {
        size_t len = utf8_char_len(text + at, n - at);
        /* A C1 control, a line separator or a bidirectional control is several bytes. */
        if (len > 1)
            snprintf(err, errlen, "%s U+%04X at byte %zu; values must be printable UTF-8 text", bad,
                     utf8_code_point(text + at, len), at);
        else
            snprintf(err, errlen, "%s 0x%02x at byte %zu; values must be printable UTF-8 text", bad,
                     (unsigned char)text[at], at);
        return -1;
    }
    free(p->sval);
    p->sval = xstrdup(text);
    return 0;
}

int param_set(struct param *p, const char *text, char *err, size_t errlen)
{
    uint64_t ns;
    struct probe_spec spec;
    switch (p->type) {
    case P_INT:
        return set_int(p, text, err, errlen);
    case P_DURATION:
        switch (parse_duration(text, &ns)) {
        case -1:
            snprintf(err, errlen, "'%s' is not a duration: write a number and a unit, like 500ms, 2s or 10us", text);
            return -1;
        case -2:
            snprintf(err, errlen, "'%s' is too long: durations go up to 2562047h (about 292 years)", text);
            return -1;
        }
        p->ival = (int64_t)ns;
        return 0;
    case P_BOOL:
        return set_bool(p, text, err, errlen);
    case P_ENUM:
        return set_enum(p, text, err, errlen);
    case P_STRING:
        return set_text(p, text, PARAM_STRING_MAX, err, errlen);
    case P_ODP_FLOW:
        /* The syntax is parsed by params_bind, which can point into the value. */
        return set_text(p, text, PARAM_FLOW_MAX, err, errlen);
    case P_PROBE:
        /* Empty: no probe, for optional ones such as a window's triggers. */
        if (*text && probespec_parse(text, &spec, err, errlen) < 0)
            return -1;
        if (*text)
            probespec_release(&spec);
        return set_text(p, text, PARAM_STRING_MAX, err, errlen);
    }
    return -1;
}

/* Parse an odp_flow value; LOC_OF maps a byte range of the value to a source location. */
static void parse_flow(struct param *p, const struct odp_ports *ports,
                       struct loc (*loc_of)(const void *, unsigned, unsigned), const void *ctx, struct diag *d)
{
    if (p->flow) {
        odp_filter_free(p->flow);
        free(p->flow);
        p->flow = NULL;
    }
    if (!p->sval || !*p->sval)
        return;
    struct odp_filter *f = xcalloc(1, sizeof *f);
    char err[512], hint[512];
    unsigned off = 0, len = 0;
    if (odp_filter_parse(p->sval, ports, f, err, sizeof err, hint, sizeof hint, &off, &len) < 0) {
        diag_error(d, loc_of(ctx, off, len), "%s", err);
        if (hint[0])
            diag_hint(d, "%s", hint);
        odp_filter_free(f);
        free(f);
        return;
    }
    if (f->warning[0]) {
        diag_warn(d, loc_of(ctx, f->warn_off, f->warn_len), "%s", f->warning);
        diag_hint(d, "%s", f->warn_hint);
    }
    p->flow = f;
}

static struct loc loc_in_default(const void *node, unsigned off, unsigned len)
{
    return yscalar_loc(node, off, len);
}

struct cli_value {
    const struct source *src;
    unsigned skip;           /* "name=" before the value */
};

static struct loc loc_in_cli(const void *ctx, unsigned off, unsigned len)
{
    const struct cli_value *c = ctx;
    return loc_make(c->src, c->skip + off, len ? len : 1);
}

static void bind_default(struct param *p, const struct odp_ports *ports, struct diag *d)
{
    char err[512];
    const struct ynode *n = p->default_node;
    if (!n) {
        /* Types with a natural empty value may go without a default. */
        if (p->type == P_BOOL || p->type == P_STRING || p->type == P_ODP_FLOW) {
            p->set = 1;
            if (p->type != P_BOOL)
                p->sval = xstrdup("");
            return;
        }
        diag_error(d, p->loc, "parameter '%s' needs a default", p->name);
        return;
    }
    if (n->kind != Y_SCALAR) {
        diag_error(d, n->loc, "a default must be a single value, not %s", ynode_kind_name(n->kind));
        return;
    }
    if (param_set(p, n->value, err, sizeof err) < 0) {
        diag_error(d, n->loc, "bad default for %s parameter '%s': %s", param_type_name(p->type), p->name, err);
        return;
    }
    if (p->type == P_ODP_FLOW)
        parse_flow(p, ports, loc_in_default, n, d);
    p->set = 1;
}

int params_bind(struct recipe *r, char *const *assignments, int n, const struct odp_ports *ports, struct diag *d)
{
    for (int i = 0; i < r->nparams; i++)
        bind_default(&r->params[i], ports, d);
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(assignments[i], '=');
        if (!eq || eq == assignments[i]) {
            diag_error(d, loc_make(NULL, 0, 0), "-p '%s': expected NAME=VALUE", assignments[i]);
            continue;
        }
        char *name = xstrndup(assignments[i], (size_t)(eq - assignments[i]));
        struct param *p = recipe_param(r, name);
        if (!p) {
            const char **names = xcalloc((size_t)r->nparams + 1, sizeof *names);
            for (int j = 0; j < r->nparams; j++)
                names[j] = r->params[j].name;
            const char *near = closest_name(name, names, r->nparams);
            diag_error(d, loc_make(NULL, 0, 0), "-p %s: recipe '%s' has no parameter '%s'%s%s%s", assignments[i],
                       r->name ? r->name : "?", name, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            if (r->nparams) {
                struct strbuf b = { 0 };
                for (int j = 0; j < r->nparams; j++)
                    sb_printf(&b, "%s%s", j ? ", " : "", names[j]);
                diag_hint(d, "its parameters are: %s (see ovstrace help %s)", b.s, r->name ? r->name : "RECIPE");
                sb_free(&b);
            }
            free(names);
            free(name);
            continue;
        }
        free(name);
        char err[512];
        if (param_set(p, eq + 1, err, sizeof err) < 0) {
            diag_error(d, loc_make(NULL, 0, 0), "-p %s: %s", p->name, err);
            continue;
        }
        p->set = 1;
        if (p->type == P_ODP_FLOW) {
            /* The value becomes a one-line source, so errors get a caret under the bad part. */
            struct source *src = source_from_string("-p", assignments[i], strlen(assignments[i]));
            vec_push(&r->cli_sources, src);
            struct cli_value cv = { src, (unsigned)(eq + 1 - assignments[i]) };
            parse_flow(p, ports, loc_in_cli, &cv, d);
        }
    }
    return d->errors ? -1 : 0;
}

char *param_value_text(const struct param *p)
{
    switch (p->type) {
    case P_INT:
        return xasprintf("%lld", (long long)p->ival);
    case P_BOOL:
        return xstrdup(p->ival ? "true" : "false");
    case P_DURATION: {
        static const struct { const char *unit; int64_t ns; } units[] = {
            { "h", 3600000000000ll }, { "m", 60000000000ll }, { "s", 1000000000ll }, { "ms", 1000000ll }, { "us", 1000ll },
        };
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (p->ival && p->ival % units[i].ns == 0)
                return xasprintf("%lld%s", (long long)(p->ival / units[i].ns), units[i].unit);
        return xasprintf("%lldns", (long long)p->ival);
    }
    default:
        return xstrdup(p->sval ? p->sval : "");
    }
}
