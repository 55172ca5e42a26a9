// SPDX-License-Identifier: Apache-2.0
// Kernel probes this host lacks (see host_probes.h).
#include "host_probes.h"
#include "probespec.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static const char *tracefs(void)
{
    struct stat st;
    for (size_t i = 0; i < sizeof tracefs_roots / sizeof tracefs_roots[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/events", tracefs_roots[i]);
        if (stat(path, &st) == 0)
            return tracefs_roots[i];
    }
    return NULL;
}

/* Is FN a kernel function? /proc/kallsyms lines: "ADDR TYPE NAME [MODULE]"; names are
 * listed (addresses zeroed) even for non-root readers. -1 when it cannot be read. */
static int kernel_function(const char *fn)
{
    FILE *f = fopen("/proc/kallsyms", "r");
    if (!f)
        return -1;
    char line[512], type, name[256];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = sscanf(line, "%*s %c %255s", &type, name) == 2 && (type == 't' || type == 'T') && strcmp(name, fn) == 0;
    fclose(f);
    return found;
}

int host_probe_missing(const char *attach, char *why, size_t whylen)
{
    const char *root = tracefs();
    struct stat st;
    char path[512];
    const struct probe_kind_info *k = probe_kind_of(attach);
    if (!k || !k->kernel)
        return 0;    /* not the kernel's: never missing here */
    const char *rest = strchr(attach, ':') + 1;
    if (k->kind == PK_TRACEPOINT) {
        const char *cat = rest, *colon = strchr(cat, ':');
        if (!colon)
            return 0;
        if (!root) {
            snprintf(why, whylen, "tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
            return 1;
        }
        snprintf(path, sizeof path, "%s/events/%.*s", root, (int)(colon - cat), cat);
        if (stat(path, &st) != 0) {
            snprintf(why, whylen, "no %.*s tracepoints in this kernel (%s)%s", (int)(colon - cat), cat, path,
                     !strncmp(cat, "openvswitch:", 12) ? ": the openvswitch module is not loaded" : "");
            return 1;
        }
        snprintf(path, sizeof path, "%s/events/%.*s/%s", root, (int)(colon - cat), cat, colon + 1);
        if (stat(path, &st) != 0) {
            snprintf(why, whylen, "this kernel has no such tracepoint (%s)", path);
            return 1;
        }
        return 0;
    }
    const char *fn = rest;    /* a kprobe's or kretprobe's */
    if (root) {
        snprintf(path, sizeof path, "%s/kprobe_events", root);
        if (stat(path, &st) != 0) {
            snprintf(why, whylen, "this kernel has no kprobes (no %s: built without CONFIG_KPROBES)", path);
            return 1;
        }
    }
    if (kernel_function(fn) == 0) {
        snprintf(why, whylen, "no kernel function %s in /proc/kallsyms%s", fn,
                 !strncmp(fn, "ovs_", 4) ? ": the openvswitch module is not loaded" : "");
        return 1;
    }
    return 0;
}

int host_probes_report(const struct vec *attach, const char *recipe, FILE *out)
{
    /* Each probe looked up once: a kprobe's lookup reads all of /proc/kallsyms. */
    struct strbuf lines = { 0 };
    int missing = 0;
    char why[600];
    for (int i = 0; i < attach->n; i++)
        if (host_probe_missing(attach->v[i], why, sizeof why)) {
            sb_printf(&lines, "  %-40s %s\n", (const char *)attach->v[i], why);
            missing++;
        }
    if (missing && out)
        fprintf(out, "%s: this host lacks %d of its %d kernel probe%s:\n%s", recipe, missing, attach->n,
                attach->n == 1 ? "" : "s", lines.s);
    sb_free(&lines);
    return missing;
}
