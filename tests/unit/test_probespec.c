// SPDX-License-Identifier: Apache-2.0
// Unit test for probespec: the table of probe kinds (one entry per kind, in enum order), the
// specs recipes write, the attach points lowering makes, and which of those are the kernel's.
#include "probespec.h"
#include "unit.h"
#include "util.h"

static void parses(const char *text, enum probe_kind kind, const char *canonical)
{
    struct probe_spec s;
    char err[256] = "";
    int ok = probespec_parse(text, &s, err, sizeof err) == 0;
    EXPECT(ok && s.kind == kind, "'%s' is a %s probe %s", text, probe_kind_name(kind), err);
    if (!ok)
        return;
    char *c = probespec_canonical(&s);
    EXPECT_STR(c, canonical, "its canonical form");
    free(c);
    probespec_release(&s);
}

static void refused(const char *text, const char *message)
{
    struct probe_spec s;
    char err[256] = "";
    EXPECT(probespec_parse(text, &s, err, sizeof err) < 0, "'%s' is refused", text);
    EXPECT_STR(err, message, "with its message");
}

static void test_table(void)
{
    for (int k = 0; k < PK_COUNT; k++) {
        const struct probe_kind_info *i = probe_kind_info((enum probe_kind)k);
        EXPECT(i->kind == (enum probe_kind)k, "the table is in enum probe_kind's order (%s)", i->name);
        EXPECT(i->parts == 1 || i->parts == 2, "%s has 1 or 2 parts", i->name);
        EXPECT(!i->kernel || i->binary == BINARY_NONE, "%s: a kernel probe names no binary", i->name);
    }
}

static void test_specs(void)
{
    parses("usdt:revalidate:flow_result", PK_USDT, "usdt:revalidate:flow_result");
    parses("u:udpif_revalidator:start_dump", PK_USDT, "usdt:udpif_revalidator:start_dump");
    parses("usdt::main:run_start", PK_USDT, "usdt:main:run_start");
    parses("t:sched:sched_switch", PK_TRACEPOINT, "tracepoint:sched:sched_switch");
    parses("k:do_sys_poll", PK_KPROBE, "kprobe:do_sys_poll");
    parses("kr:do_sys_poll", PK_KRETPROBE, "kretprobe:do_sys_poll");
    parses("up:bridge_run", PK_UPROBE, "uprobe:bridge_run");
    parses("upr:bridge_run", PK_URETPROBE, "uretprobe:bridge_run");
    refused("foo:bar", "unknown probe type 'foo' (usdt/u, tracepoint/t, kprobe/k, kretprobe/kr, uprobe/up, "
            "uretprobe/ur)");
    refused("t:sched", "'t:sched': expected t:CATEGORY:NAME");
    refused("kprobe:a:b", "'kprobe:a:b': expected kprobe:FUNCTION (a function of the traced binary or kernel)");
    refused("ur:a:b", "'ur:a:b': expected ur:FUNCTION (a function of the traced binary)");
}

static void attach(enum probe_kind kind, const char *binary, const char *provider, const char *name,
                   const char *want, int kernel)
{
    char *a = probespec_attach(kind, binary, provider, name);
    EXPECT_STR(a, want, "an attach point");
    const struct probe_kind_info *k = probe_kind_of(a);
    EXPECT(k && k->kind == kind && k->kernel == kernel, "'%s' is a %s probe, %s", a, probe_kind_name(kind),
           kernel ? "the kernel's" : "not the kernel's");
    free(a);
}

static void test_attach(void)
{
    attach(PK_USDT, NULL, "main", "run_start", "usdt::main:run_start", 0);
    attach(PK_USDT, "/usr/sbin/ovs-vswitchd", "main", "run_start", "usdt:/usr/sbin/ovs-vswitchd:main:run_start", 0);
    attach(PK_TRACEPOINT, NULL, "sched", "sched_switch", "tracepoint:sched:sched_switch", 1);
    attach(PK_KPROBE, NULL, NULL, "do_sys_poll", "kprobe:do_sys_poll", 1);
    attach(PK_KRETPROBE, NULL, NULL, "do_sys_poll", "kretprobe:do_sys_poll", 1);
    attach(PK_UPROBE, "/proc/1/exe", NULL, "bridge_run", "uprobe:/proc/1/exe:bridge_run", 0);
    attach(PK_URETPROBE, "/proc/1/exe", NULL, "bridge_run", "uretprobe:/proc/1/exe:bridge_run", 0);
    EXPECT(!probe_kind_of("BEGIN"), "BEGIN is no probe kind");
    EXPECT(!probe_kind_of("interval:ms:10"), "an interval is no probe kind");
    EXPECT(!probe_kind_of("k:do_sys_poll"), "an attach point is written in long forms only");
}

int main(void)
{
    test_table();
    test_specs();
    test_attach();
    return unit_done();
}
