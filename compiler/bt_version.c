// SPDX-License-Identifier: Apache-2.0
// bpftrace versions: parse them, ask a bpftrace for its own, and what each offers.
#include "bt_version.h"
#include "bt_dialect.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int bt_version_parse(const char *text, struct bt_version *out)
{
    if (!text)
        return -1;
    if (!strncmp(text, "bpftrace ", 9))
        text += 9;
    if (*text == 'v')
        text++;
    struct bt_version v = { 0, 0, 0 };
    int used = 0;
    if (sscanf(text, "%3d.%3d%n", &v.major, &v.minor, &used) != 2 || v.major < 0 || v.minor < 0)
        return -1;
    text += used;
    if (*text == '.') {
        int more = 0;
        if (sscanf(text + 1, "%3d%n", &v.patch, &more) != 1 || v.patch < 0)
            return -1;
        text += 1 + more;
    }
    /* bpftrace builds from git say "v0.23.0-12-gabcdef": the release they follow. */
    if (*text && *text != '-' && *text != '\n' && *text != ' ')
        return -1;
    *out = v;
    return 0;
}

int bt_version_of(const char *bpftrace, struct bt_version *out)
{
    char *argv[] = { (char *)bpftrace, "--version", NULL };
    int status = 0;
    /* A wrapper that does not know --version may never end: 10 s is plenty for one that does. */
    char *said = run_capture(argv, 10, &status);
    int rc = -1;
    if (said && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        /* The line that names it: "bpftrace v0.17.0". */
        const char *line = strstr(said, "bpftrace v");
        rc = bt_version_parse(line, out);
    }
    free(said);
    return rc;
}

int bt_version_cmp(struct bt_version a, struct bt_version b)
{
    if (a.major != b.major)
        return a.major < b.major ? -1 : 1;
    if (a.minor != b.minor)
        return a.minor < b.minor ? -1 : 1;
    return a.patch < b.patch ? -1 : a.patch > b.patch;
}

const char *bt_version_text(struct bt_version v, char *buf, unsigned n)
{
    snprintf(buf, n, "%d.%d.%d", v.major, v.minor, v.patch);
    return buf;
}

int bt_scopes_variables(struct bt_version v)
{
    return bt_dialect_of(v).scoped_vars;
}
