// SPDX-License-Identifier: Apache-2.0
// Target checks: read the USDT notes of the binary a script will attach to and
// compare them with what the recipe needs, so a wrong binary fails at compile
// time with the probe's name and release instead of bpftrace's "No probes".
#include "target.h"
#include "elf_notes.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notes {
    struct elf_usdt_list lists[8];
    const char *paths[8];
    char *owned[8];
    int n;
    struct vec reported;    /* catalog probes already reported: one error each */
};

static int notes_add(struct notes *N, const char *path, struct diag *d)
{
    char err[256];
    if (N->n == 8)
        return 0;
    if (elf_read_usdt(path, &N->lists[N->n], err, sizeof err) < 0) {
        diag_error(d, loc_make(NULL, 0, 0), "cannot read the probes of %s: %s", path, err);
        return -1;
    }
    N->paths[N->n++] = path;
    return 0;
}

/* Shared-library builds of OVS put the probes in libopenvswitch/libofproto. */
static void notes_add_mapped_libs(struct notes *N, int pid, struct diag *d)
{
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", pid);
    FILE *f = fopen(maps, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f) && N->n < 8) {
        char *path = strchr(line, '/');
        if (!path || (!strstr(path, "libopenvswitch") && !strstr(path, "libofproto")))
            continue;
        path[strcspn(path, "\n")] = '\0';
        int dup = 0;
        for (int i = 0; i < N->n; i++)
            dup |= strcmp(N->paths[i], path) == 0;
        if (dup)
            continue;
        char *p = xasprintf("/proc/%d/root%s", pid, path);
        N->owned[N->n] = p;
        notes_add(N, p, d);
    }
    fclose(f);
}

static const struct elf_usdt_probe *notes_find(const struct notes *N, const char *prov, const char *name)
{
    for (int i = 0; i < N->n; i++)
        for (int j = 0; j < N->lists[i].n; j++)
            if (!strcmp(N->lists[i].probes[j].provider, prov) && !strcmp(N->lists[i].probes[j].name, name))
                return &N->lists[i].probes[j];
    return NULL;
}

static int notes_total(const struct notes *N)
{
    int n = 0;
    for (int i = 0; i < N->n; i++)
        n += N->lists[i].n;
    return n;
}

static char *notes_names(const struct notes *N)
{
    struct strbuf b = { 0 };
    for (int i = 0; i < N->n; i++)
        for (int j = 0; j < N->lists[i].n; j++)
            sb_printf(&b, "%s%s:%s", b.len ? ", " : "", N->lists[i].probes[j].provider, N->lists[i].probes[j].name);
    return sb_steal(&b);
}

static void check_use(const struct probe_use *u, struct notes *N, const char *binary, struct diag *d)
{
    const struct cat_probe *p = u->probe;
    if (!p || p->kind != PK_USDT || u->span)
        return;
    for (int i = 0; i < N->reported.n; i++)
        if (N->reported.v[i] == p || (N->reported.v[i] == N && notes_total(N) == 0))
            return;
    vec_push(&N->reported, notes_total(N) == 0 ? (void *)N : (void *)p);
    const struct elf_usdt_probe *hit = notes_find(N, p->provider, p->name);
    if (!hit) {
        if (notes_total(N) == 0) {
            diag_error(d, u->loc, "%s has no USDT probes at all, so not %s", binary, p->spec);
            diag_hint(d, "Open vSwitch must be built with ./configure --enable-usdt-probes (Debian's package is not)");
            return;
        }
        char *have = notes_names(N);
        diag_error(d, u->loc, "probe %s is not in %s (it was added in Open vSwitch %s)", p->spec, binary,
                   p->since ? p->since : "?");
        diag_hint(d, "that binary has: %s", have);
        free(have);
        return;
    }
    if (hit->n_args < p->nargs) {
        diag_error(d, u->loc, "probe %s has %d arguments in %s, the catalog expects %d", p->spec, hit->n_args, binary,
                   p->nargs);
        return;
    }
    for (int i = 0; i < p->nargs; i++) {
        int want = p->args[i].type.size ? p->args[i].type.size : 8;
        /* Struct and string arguments are pointers: 8 bytes in the note. */
        if (p->args[i].type.kind == T_STRUCT)
            want = 8;
        int got = hit->args[i].size;
        if (got && got != want) {
            diag_error(d, u->loc, "argument %d (%s) of %s is %d bytes in %s, the catalog expects %d", i,
                       p->args[i].name, p->spec, got, binary, want);
            diag_hint(d, "this build differs from the Open vSwitch releases ovstrace knows; the script would read it wrong");
        }
    }
}

int target_check_probes(struct recipe *r, const char *binary, int pid, struct diag *d)
{
    struct notes N = { 0 };
    int errors = d->errors;
    if (notes_add(&N, binary, d) == 0) {
        if (pid)
            notes_add_mapped_libs(&N, pid, d);
        for (int i = 0; i < r->nspans; i++) {
            for (int j = 0; j < r->spans[i].nfroms; j++)
                check_use(&r->spans[i].froms[j].on, &N, binary, d);
            for (int j = 0; j < r->spans[i].ntos; j++)
                check_use(&r->spans[i].tos[j].on, &N, binary, d);
            for (int j = 0; j < r->spans[i].ncounts; j++)
                check_use(&r->spans[i].counts[j].on, &N, binary, d);
        }
        for (int i = 0; i < r->noutputs; i++)
            check_use(&r->outputs[i].on, &N, binary, d);
        if (r->window.has_start)
            check_use(&r->window.start, &N, binary, d);
        if (r->window.has_stop)
            check_use(&r->window.stop, &N, binary, d);
    }
    for (int i = 0; i < N.n; i++) {
        elf_usdt_list_free(&N.lists[i]);
        free(N.owned[i]);
    }
    vec_free(&N.reported);
    return d->errors > errors ? -1 : 0;
}
