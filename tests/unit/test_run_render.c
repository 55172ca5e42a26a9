// SPDX-License-Identifier: Apache-2.0
// Unit test of run's renderer: bpftrace -f json records in (as bpftrace 0.17 prints
// them), the report text out; and of the small JSON reader under it.
#include "json.h"
#include "odp/nl_format.h"
#include "run/run_output.h"
#include "unit.h"

#include <limits.h>
#include <time.h>
#include <unistd.h>

static char *render(const struct render_plan *plan, const char *json_lines)
{
    char *out, *err;
    size_t ol, el;
    FILE *o = open_memstream(&out, &ol), *e = open_memstream(&err, &el);
    struct run_output r;
    run_output_init(&r, o, e);
    run_output_json(&r, plan);
    /* As bpftrace begins: tracing began, so the report ends with its lost-events line. */
    const char *attached = "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n";
    run_output_feed(&r, 0, attached, strlen(attached));
    /* Odd-sized pieces: records arrive split across reads. */
    size_t len = strlen(json_lines);
    for (size_t i = 0; i < len; i += 7)
        run_output_feed(&r, 0, json_lines + i, len - i < 7 ? len - i : 7);
    run_output_finish(&r);
    fclose(o);
    fclose(e);
    free(err);
    return out;
}

static void test_json(void)
{
    struct json *j = json_parse(" {\"a\": [1, -2, 3.5, true, null], \"b\": \"x\\ty\\\"\\u00e9\\uffffffc2\\uffffffab\"} ",
                                strlen(" {\"a\": [1, -2, 3.5, true, null], \"b\": \"x\\ty\\\"\\u00e9\\uffffffc2\\uffffffab\"} "));
    const struct json *a = json_get(j, "a"), *b = json_get(j, "b");
    EXPECT(j && a && a->kind == JSON_ARRAY && a->n == 5, "an object holding an array of five");
    EXPECT(a && a->items[0]->is_integer && a->items[0]->integer == 1 && a->items[1]->integer == -2 &&
           !a->items[2]->is_integer && a->items[2]->number == 3.5 && a->items[3]->kind == JSON_BOOL &&
           a->items[4]->kind == JSON_NULL, "numbers, booleans, null");
    EXPECT_STR(b ? b->str : NULL, "x\ty\"\xc3\xa9\xc2\xab", "escapes, \\u to UTF-8, bpftrace's \\uffffffXX bytes");
    json_free(j);
    /* Found by fuzzing: converting a double beyond long long is undefined; it clamps. */
    j = json_parse("[1e300, -1e300, 2.9, 9223372036854775807, \"7\"]", strlen("[1e300, -1e300, 2.9, 9223372036854775807, \"7\"]"));
    EXPECT(j && j->n == 5 && json_as_ll(j->items[0]) == LLONG_MAX && json_as_ll(j->items[1]) == LLONG_MIN &&
           json_as_ll(j->items[2]) == 2 && json_as_ll(j->items[3]) == LLONG_MAX && json_as_ll(j->items[4]) == 0,
           "json_as_ll clamps, truncates and ignores strings");
    json_free(j);
    const char *bad[] = { "{", "{\"a\" 1}", "[1,]", "\"open", "{\"a\": 1} x", "tru", "[\"\\q\"]" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = json_parse(bad[i], strlen(bad[i]));
        EXPECT(j == NULL, "malformed %s is refused", bad[i]);
        json_free(j);
    }
}

static void test_text(void)
{
    struct render_plan plan = { 0 };
    char *out = render(&plan,
        "{\"type\": \"attached_probes\", \"data\": {\"probes\": 3}}\n"
        "{\"type\": \"printf\", \"data\": \"head\"}\n"
        "{\"type\": \"printf\", \"data\": \"er\\nline 2\\n\"}\n"
        /* two CPUs printing events in pieces, interleaved */
        "{\"type\": \"printf\", \"data\": \"\\u001e0\\u001fcpu0 a \"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e1\\u001fcpu1 a \"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e1\\u001f\\u0002\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e0\\u001fb\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e1\\u001f08 00 03 00 02 00 00 00 \"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e1\\u001f06 00 06 00 08 00 00 00 \"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001e1\\u001f\\u0003\\n\"}\n"
        "{\"type\": \"lost_events\", \"data\": {\"events\": 5}}\n"
        "{\"type\": \"lost_events\", \"data\": {\"events\": 2}}\n");
    EXPECT_STR(out, "header\nline 2\ncpu0 a b\ncpu1 a in_port(2),eth_type(0x0800)\n\nLost events: 7 (bpftrace's "
               "perf buffer was full; print less, or set BPFTRACE_PERF_RB_PAGES higher)\n",
               "text passes through; pieces join per CPU; a key in hex prints as dump-flows text; lost events add up");
    free(out);
}

static void test_tables(void)
{
    struct render_map maps[] = {
        { .name = "deletes", .has_title = 1, .title = "deletes by reason:", .nkeys = 1 },
        { .name = "by_thread", .nkeys = 2, .tid_keys = 1 },
        { .name = "rounds", .has_title = 1, .title = "rounds:" },
        { .name = "lat", .has_title = 1, .title = "latency:" },
        { .name = "st", .nkeys = 1 },
        { .name = "empty", .has_title = 1, .title = "nothing here:", .nkeys = 1 },
    };
    struct render_plan plan = { .maps = maps, .nmaps = 6, .pid = getpid() };
    char me[64], *line;
    snprintf(me, sizeof me, "%d", getpid());
    FILE *f = fopen("/proc/self/comm", "r");
    char comm[32] = "";
    if (f && fgets(comm, sizeof comm, f))
        comm[strcspn(comm, "\n")] = '\0';
    if (f)
        fclose(f);
    char *json = NULL;
    size_t jl;
    FILE *j = open_memstream(&json, &jl);
    fprintf(j, "{\"type\": \"printf\", \"data\": \"\\ndeletes by reason:\\n\"}\n"
               "{\"type\": \"map\", \"data\": {\"@deletes\": {\"idle, timed out\": 3, \"purge\": 1234567, \"x\": 3}}}\n"
               "{\"type\": \"map\", \"data\": {\"@by_thread\": {\"%s,miss\": 10, \"999999999,action\": 2}}}\n"
               "{\"type\": \"printf\", \"data\": \"\\nrounds:\\n\"}\n"
               "{\"type\": \"map\", \"data\": {\"@rounds\": {\"\": 4321}}}\n"
               "{\"type\": \"printf\", \"data\": \"\\nlatency:\\n\"}\n"
               "{\"type\": \"hist\", \"data\": {\"@lat\": [{\"min\": 4, \"max\": 7, \"count\": 1}, "
               "{\"min\": 1024, \"max\": 2047, \"count\": 2000}]}}\n"
               "{\"type\": \"stats\", \"data\": {\"@st\": {\"k\": {\"count\": 2, \"average\": 20, \"total\": 40}}}}\n"
               "{\"type\": \"printf\", \"data\": \"\\nnothing here:\\n\"}\n",
            me);
    fclose(j);
    char *out = render(&plan, json);
    line = xasprintf("deletes by reason:\n"
                     "  purge            1,234,567\n"
                     "  idle, timed out          3\n"
                     "  x                        3\n"
                     "\n"
                     "by_thread:\n"
                     "  %s (%s), miss  10\n"
                     "  999999999, action%*s   2\n"
                     "\n"
                     "rounds:\n"
                     "  4,321\n"
                     "\n"
                     "latency:\n"
                     "  [4, 8)               1 |%52s|\n"
                     "  [1K, 2K)         2,000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
                     "\n"
                     "st:\n"
                     "  k  count 2, average 20, total 40\n"
                     "\n"
                     "nothing here:\n"
                     "  (none)\n"
                     "\nLost events: 0\n",
                     me, comm, (int)(strlen(me) + strlen(comm) + 3 + 6 - strlen("999999999, action")), "", "");
    EXPECT_STR(out, line, "maps sorted largest first, thousands separated, tuple keys split, thread names beside "
               "thread ids, a keyless count, a histogram, stats, (none) for an empty map");
    free(line);
    free(out);
    free(json);
}

/* Enum keys arrive as numbers (no name table in the script); run names them. */
static void test_enum_keys(void)
{
    long long values[] = { 0, 35, 230 };
    char *texts[] = { "read", "nanosleep", "clock_nanosleep" };
    struct render_enum syscalls = { values, texts, 3 };
    struct render_map maps[] = { { .name = "calls", .has_title = 1, .title = "calls:", .nkeys = 2,
                                   .key_enums = { NULL, &syscalls } } };
    struct render_plan plan = { .maps = maps, .nmaps = 1 };
    char *out = render(&plan, "{\"type\": \"printf\", \"data\": \"calls:\\n\"}\n"
                              "{\"type\": \"map\", \"data\": {\"@calls\": {\"sleeper,35\": 25, \"sleeper,999\": 1}}}\n");
    EXPECT_STR(out, "calls:\n  sleeper, nanosleep  25\n  sleeper, 999         1\n\nLost events: 0\n",
               "enum keys are named by run; an unknown number stays a number");
    free(out);
}

/* The same map as bpftrace 0.17, 0.23 and 0.27 print it (run_json_compat.h) renders alike:
 * a u64 key past 2^63 (negative before 0.27), a truth value (1 before 0.27, true in 0.27),
 * a string with a quote (escaped twice by 0.23). */
static void test_versions_alike(void)
{
    struct render_map maps[] = { { .name = "m", .has_title = 1, .title = "m:", .nkeys = 3,
                                   .u64_keys = 1u << 0, .bool_keys = 1u << 1 } };
    const char *printed[] = {
        "{\"type\": \"map\", \"data\": {\"@m\": {\"-1,1,q\\\"x\": 5, \"7,0,a\\\\b\": 3}}}\n",          /* 0.17 */
        "{\"type\": \"map\", \"data\": {\"@m\": {\"-1,1,q\\\\\\\"x\": 5, \"7,0,a\\\\\\\\b\": 3}}}\n",  /* 0.23 */
        "{\"type\": \"map\", \"data\": {\"@m\": {\"18446744073709551615,true,q\\\"x\": 5, \"7,false,a\\\\b\": 3}}}\n",
    };
    struct bt_version versions[] = { { 0, 17, 0 }, { 0, 23, 2 }, { 0, 27, 1 } };
    for (int i = 0; i < 3; i++) {
        struct render_plan plan = { .maps = maps, .nmaps = 1, .bpftrace = versions[i] };
        char *out = render(&plan, printed[i]);
        EXPECT_STR(out, "  18446744073709551615, true, q\"x  5\n  7, false, a\\b                    3\n\nLost events: 0\n",
                   "a map's u64, truth value and string keys render alike from every version's JSON");
        free(out);
    }
}

/* Table aggregates: one map per value column, joined by key when the dump ends; with the
 * threads layout, in blocks per thread as kernel_delay.py prints them. */
static void test_joined_tables(void)
{
    long long values[] = { 7, 35 };
    char *texts[] = { "poll", "nanosleep" };
    struct render_enum syscalls = { values, texts, 2 };
    struct render_map maps[] = {
        { .name = "sc_count", .nkeys = 2, .tid_keys = 1, .key_enums = { NULL, &syscalls } },
        { .name = "sc_sum", .nkeys = 2, .tid_keys = 1, .key_enums = { NULL, &syscalls } },
        { .name = "run_count", .nkeys = 1, .tid_keys = 1 },
        { .name = "run_sum", .nkeys = 1, .tid_keys = 1 },
    };
    struct render_table_col sc_cols[] = {
        { "TID", 0, -1, 0, 0 }, { "NAME", 1, -1, 0, 0 }, { "NUMBER", 1, -1, 1, 0 },
        { "COUNT", -1, 0, 0, 1 }, { "TOTAL ns", -1, 1, 0, 1 },
    };
    struct render_table_col run_cols[] = { { "TID", 0, -1, 0, 0 }, { "SCHED_CNT", -1, 0, 0, 1 }, { "TOTAL ns", -1, 1, 0, 1 } };
    struct render_table tables[] = {
        { .title = "[SYSCALL STATISTICS]", .parts = { "sc_count", "sc_sum" }, .nparts = 2, .cols = sc_cols, .ncols = 5,
          .sort_part = 1, .total_label = "TOTAL( - poll):", .total_except = "poll" },
        { .title = "[THREAD RUN STATISTICS]", .parts = { "run_count", "run_sum" }, .nparts = 2, .cols = run_cols,
          .ncols = 3, .sort_part = 1 },
    };
    struct render_plan plan = { .maps = maps, .nmaps = 4, .tables = tables, .ntables = 2, .by_thread = 1, .pid = 1 };
    /* Thread 999999998 does not exist: upstream's "<unknown:PID/TID>" name, sorted first. */
    char *out = render(&plan,
        "{\"type\": \"printf\", \"data\": \"# Sample dump\\n\"}\n"
        "{\"type\": \"map\", \"data\": {\"@sc_count\": {\"999999998,7\": 5, \"999999998,35\": 2000}}}\n"
        "{\"type\": \"map\", \"data\": {\"@sc_sum\": {\"999999998,7\": 184193176, \"999999998,35\": 1234567}}}\n"
        "{\"type\": \"map\", \"data\": {\"@run_count\": {\"999999998\": 6}}}\n"
        "{\"type\": \"map\", \"data\": {\"@run_sum\": {\"999999998\": 136764071}}}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001edump\\u001f\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"after\\n\"}\n");
    EXPECT_STR(out,
        "# Sample dump\n"
        "TID        THREAD           <RESOURCE SPECIFIC>\n"
        "---------- ---------------- ----------------------------------------------------------------------------\n"
        " 999999998 <unknown:1/999999998> [SYSCALL STATISTICS]\n"
        "                            NAME              NUMBER       COUNT     TOTAL ns\n"
        "                            poll                   7           5  184,193,176\n"
        "                            nanosleep             35       2,000    1,234,567\n"
        "                            TOTAL( - poll):                2,000    1,234,567\n"
        "\n"
        "                            [THREAD RUN STATISTICS]\n"
        "                             SCHED_CNT     TOTAL ns\n"
        "                                     6  136,764,071\n"
        "\n"
        "after\n"
        "\nLost events: 0\n",
        "columns joined by key, sorted by total, enum named and numbered, total without poll, blocks per thread");
    free(out);
}

/* Window lines get upstream's digit grouping and UTC time (the script prints local time). */
static void test_window_lines(void)
{
    setenv("TZ", "CET-1", 1);    /* POSIX form, UTC+1: no tzdata needed */
    tzset();
    struct render_plan plan = { 0 };
    char *out = render(&plan,
        "{\"type\": \"printf\", \"data\": \"# Start sampling (trigger@791777093512008) @2026-11-23T14:52:00.110303\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Triggered sample dump, stop-start delta 1187986454 ns @2026-11-23T00:52:01.298021\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Sample dump skipped, delta 313 ns @2026-11-23T14:52:01.000000\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# not a stamp @2026-11-23\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"mail me @2026-11-23T14:52:01.000000\\n\"}\n");
    EXPECT_STR(out,
        "# Start sampling (trigger@791777093512008) @2026-11-23T14:52:00.110303 (13:52:00 UTC)\n"
        "# Triggered sample dump, stop-start delta 1,187,986,454 ns @2026-11-23T00:52:01.298021 (23:52:01 UTC)\n"
        "# Sample dump skipped, delta 313 ns @2026-11-23T14:52:01.000000 (13:52:01 UTC)\n"
        "# not a stamp @2026-11-23\n"
        "mail me @2026-11-23T14:52:01.000000\n"
        "\nLost events: 0\n",
        "trigger times as printed, deltas grouped, the UTC time of day after each window line");
    free(out);
    unsetenv("TZ");
    tzset();
}

/* `print: after_report` events: held (with their heading) until the report's end line, and
 * printed only when some came; what is left at the end is printed then. */
static void test_held_events(void)
{
    struct render_plan plan = { 0 };
    char *out = render(&plan,
        "{\"type\": \"printf\", \"data\": \"\\u001dh3\\u001f# EVENTS:\\nTID COMM\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Start sampling\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de3\\u001f12 a\\n  frame1\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"live\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de3\\u001f13 b\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Sample dump\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001edump\\u001f\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Sample dump\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001edump\\u001f\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de3\\u001f14 c\\n\"}\n");
    EXPECT_STR(out,
        "# Start sampling\n"
        "live\n"
        "# Sample dump\n"
        "\n"
        "# EVENTS:\n"
        "TID COMM\n"
        "12 a\n"
        "  frame1\n"
        "13 b\n"
        "# Sample dump\n"
        "\n"
        "# EVENTS:\n"
        "TID COMM\n"
        "14 c\n"
        "\nLost events: 0\n",
        "events after the report under their heading; no heading for a report without events");
    free(out);
}

/* An event that comes after the final report (bpftrace read another CPU's buffer first; seen
 * as e2e.kernel_delay's events under a second heading on a busy machine) goes on under that
 * report's heading when nothing came after it; after other text it gets its heading again. */
static void test_held_event_after_final_report(void)
{
    struct render_plan plan = { 0 };
    const char *events =
        "{\"type\": \"printf\", \"data\": \"\\u001dh0\\u001f# EVENTS:\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de0\\u001f12 a\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"# Sample dump\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001edump\\u001f\\n\"}\n";
    char *late = xasprintf("%s%s", events, "{\"type\": \"printf\", \"data\": \"\\u001de0\\u001f13 b\\n\"}\n");
    char *out = render(&plan, late);
    EXPECT_STR(out, "# Sample dump\n\n# EVENTS:\n12 a\n13 b\n\nLost events: 0\n",
               "a late event goes on under the final report's heading");
    free(out);
    free(late);
    late = xasprintf("%s%s", events,
        "{\"type\": \"printf\", \"data\": \"# Start sampling\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de0\\u001f13 b\\n\"}\n");
    out = render(&plan, late);
    EXPECT_STR(out, "# Sample dump\n\n# EVENTS:\n12 a\n# Start sampling\n\n# EVENTS:\n13 b\n\nLost events: 0\n",
               "after other text, events left at the end come under their heading again");
    free(out);
    free(late);
}

/* A held event is text to print, not the script's control lines: a traced string that
 * holds the report's end line (or an aggregate's title) is printed as it came (escaped, as
 * all traced text is). Found by
 * fuzzing: printing the held event ended the report again, which printed the same held
 * event again, until the stack overflowed. */
static void test_held_event_holding_dump_line(void)
{
    struct render_map maps[] = { { .name = "n", .has_title = 1, .title = "rounds:" } };
    struct render_plan plan = { .maps = maps, .nmaps = 1 };
    char *out = render(&plan,
        "{\"type\": \"printf\", \"data\": \"\\u001dh0\\u001f# EVENTS:\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001de0\\u001fport a\\n\\u001edump\\u001f\\nrounds:\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"\\u001edump\\u001f\\n\"}\n"
        "{\"type\": \"printf\", \"data\": \"after\\n\"}\n");
    EXPECT_STR(out,
        "# EVENTS:\n"
        "port a\n"
        "\\x1edump\\x1f\n"    /* as it came, its control characters escaped (sb_add_escaped) */
        "rounds:\n"
        "after\n"
        "\nLost events: 0\n",
        "a held event's lines are printed once, as they came: no second report end, no '(none)' under a title");
    free(out);
}

/* A packet execute request as dpif-netlink builds it: headers, a 6-byte packet, a key with
 * in_port(2), actions output(3); then the same cut inside its key. */
static void test_nl_format(void)
{
    static const unsigned char msg[] = {
        0, 0, 0, 0, 36, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0,        /* nlmsghdr: len 0 (not yet sent) */
        3, 1, 0, 0,                                               /* genl: cmd 3 (execute), version 1 */
        21, 0, 0, 0,                                              /* ovs_header: dp_ifindex 21 */
        10, 0, 1, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0,    /* PACKET, 6 bytes, padded */
        12, 0, 2, 0, 8, 0, 3, 0, 2, 0, 0, 0,                      /* KEY: in_port(2) */
        12, 0, 3, 0, 8, 0, 1, 0, 3, 0, 0, 0,                      /* ACTIONS: output(3) */
    };
    struct strbuf out = { 0 };
    nl_msg_format(msg, sizeof msg, NL_FAMILY_PACKET, "  ", &out);
    EXPECT_STR(out.s, "nlmsghdr: len 0, type 36, flags 0x1, seq 7, pid 0; genl: cmd execute, version 1; "
               "ovs_header: dp_ifindex 21\n  OVS_PACKET_ATTR_PACKET: (6 bytes) aabbccddeeff\n"
               "  OVS_PACKET_ATTR_KEY: in_port(2)\n  OVS_PACKET_ATTR_ACTIONS: output(3)",
               "a packet execute: headers, packet in hex, key as dump-flows, actions by name");
    out.len = 0;
    nl_msg_format(msg, 46, NL_FAMILY_PACKET, "  ", &out);
    EXPECT(out.s && strstr(out.s, "OVS_PACKET_ATTR_KEY: ") && strstr(out.s, "(cut short: 8 bytes, 6 captured)"),
           "a message cut inside an attribute says so");
    out.len = 0;
    nl_msg_format(msg, 10, NL_FAMILY_FLOW, "  ", &out);
    EXPECT(out.s && strncmp(out.s, "(message cut short: ", 20) == 0, "shorter than its headers: hex");
    sb_free(&out);
}

/* Text from bpftrace's output or a recording (printf text, map keys, thread names) reaches the
 * terminal escaped as diagnostics escape it: a report cannot clear the screen or set a title. */
static void test_escapes(void)
{
    struct render_map maps[] = { { .name = "calls", .has_title = 1, .title = "calls:", .nkeys = 2, .tid_keys = 1 } };
    struct render_plan plan = { .maps = maps, .nmaps = 1 };
    char *out;
    size_t ol;
    FILE *o = open_memstream(&out, &ol);
    struct run_output r;
    run_output_init(&r, o, o);
    run_output_json(&r, &plan);
    r.replay = 1;
    run_thread_named(&r, 42, "evil\033]0;title\007");
    const char *in = "{\"type\": \"printf\", \"data\": \"\\u001b[2Jcleared \\u009b1m \\uffffff9b\\n\"}\n"
                     "{\"type\": \"printf\", \"data\": \"calls:\\n\"}\n"
                     "{\"type\": \"map\", \"data\": {\"@calls\": {\"42,\\u001b[31mred\": 1}}}\n"
                     "not json \033[5m\n";
    run_output_feed(&r, 0, in, strlen(in));
    run_output_feed(&r, 1, "stderr \033[5m\n", strlen("stderr \033[5m\n"));
    run_output_finish(&r);
    fclose(o);
    EXPECT_STR(out, "\\x1b[2Jcleared \\xc2\\x9b1m \\x9b\ncalls:\n  42 (evil\\x1b]0;title\\x07), \\x1b[31mred  1\n"
               "not json \\x1b[5m\nstderr \\x1b[5m\n",
               "printf text, a C1 control, a broken byte, a thread name, a map key, other lines and stderr, escaped");
    free(out);
}

int main(void)
{
    test_escapes();
    test_nl_format();
    test_window_lines();
    test_held_events();
    test_held_event_holding_dump_line();
    test_held_event_after_final_report();
    test_joined_tables();
    test_enum_keys();
    test_versions_alike();
    test_json();
    test_text();
    test_tables();
    return unit_done();
}
