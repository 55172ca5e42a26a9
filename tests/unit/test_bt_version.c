// SPDX-License-Identifier: Apache-2.0
// Unit test for bt_version: the versions --bpftrace-version takes and bpftrace prints, their
// order, what each offers, and asking a bpftrace (a stand-in script) its version.
#include "bt_version.h"
#include "unit.h"
#include "util.h"

#include <signal.h>

#include <stdlib.h>
#include <unistd.h>

static void parses(const char *text, int major, int minor, int patch)
{
    struct bt_version v = { -1, -1, -1 };
    int ok = bt_version_parse(text, &v) == 0 && v.major == major && v.minor == minor && v.patch == patch;
    EXPECT(ok, "'%s' is %d.%d.%d", text, major, minor, patch);
}

static void refused(const char *text)
{
    struct bt_version v;
    EXPECT(bt_version_parse(text, &v) < 0, "'%s' is no version", text);
}

static void test_parse(void)
{
    parses("0.23", 0, 23, 0);
    parses("0.23.2", 0, 23, 2);
    parses("v0.17.0", 0, 17, 0);
    parses("bpftrace v0.27.1", 0, 27, 1);
    parses("bpftrace v0.23.0-12-gabcdef", 0, 23, 0);    /* a build from git */
    parses("bpftrace v0.17.0\n", 0, 17, 0);
    refused("");
    refused("0");
    refused("foo");
    refused("0.23x");
    refused("0.23.");
    refused("-1.2");
    refused("1.2.3.4");
}

static void test_order(void)
{
    struct bt_version a, b;
    bt_version_parse("0.9.4", &a);
    bt_version_parse("0.17", &b);
    EXPECT(bt_version_cmp(a, b) < 0 && bt_version_cmp(b, a) > 0, "0.9.4 < 0.17 (numbers, not text)");
    bt_version_parse("0.23.2", &a);
    bt_version_parse("0.23.2", &b);
    EXPECT(bt_version_cmp(a, b) == 0, "0.23.2 == 0.23.2");
    bt_version_parse("0.20.4", &a);
    bt_version_parse("0.21", &b);
    EXPECT(!bt_scopes_variables(a) && bt_scopes_variables(b) && !bt_scopes_variables(BT_VERSION_OLDEST),
           "variables are scoped to their block from 0.21");
    char buf[32];
    EXPECT_STR(bt_version_text(b, buf, sizeof buf), "0.21.0", "printed with its patch level");
}

static void test_ask(void)
{
    char dir[] = "/tmp/test_bt_version.XXXXXX";
    if (!mkdtemp(dir))
        return;
    EXPECT(unit_run("printf '#!/bin/sh\\necho \"bpftrace v0.23.2\"\\n' > %s/bt && chmod +x %s/bt", dir, dir) == 0,
           "a stand-in bpftrace");
    char path[64];
    snprintf(path, sizeof path, "%s/bt", dir);
    struct bt_version v = { 0 };
    EXPECT(bt_version_of(path, &v) == 0 && v.minor == 23 && v.patch == 2, "asked: 0.23.2");
    EXPECT(bt_version_of("/nonexistent/bpftrace", &v) < 0, "a missing bpftrace: no answer");
    unit_run("printf '#!/bin/sh\\necho hello\\n' > %s/bt", dir);
    EXPECT(bt_version_of(path, &v) < 0, "an answer that names no version: none");
    /* A wrapper that never answers (the tests' stand-ins for bpftrace did, at first): the
     * question ends, the wrapper is killed, and there is no version. */
    char *argv[] = { "sh", "-c", "echo starting; sleep 100", NULL };
    int status = 0;
    char *said = run_capture(argv, 1, &status);
    EXPECT(said && !strcmp(said, "starting\n") && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
           "run_capture gives up after its time and kills what it ran");
    free(said);
    unit_run("rm -rf %s", dir);
}

int main(void)
{
    test_parse();
    test_order();
    test_ask();
    return unit_done();
}
