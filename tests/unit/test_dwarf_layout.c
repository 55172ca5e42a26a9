// SPDX-License-Identifier: Apache-2.0
// Unit test for dwarf_layout: in go the stand-in ovs-vswitchd (argv[1]), a real OVS 3.5 build if cached,
// stripped copies with debug files beside them, and a small cc-built program; out come TAP-style lines.
#define _POSIX_C_SOURCE 200809L

#include "host/dwarf_layout.h"
#include "host/elf_notes.h"
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REAL_OVS "/root/.cache/ovstrace/ovs-3.5.0/bin/ovs-vswitchd"

static char tmpdir[] = "/tmp/test_dwarf_layout.XXXXXX";


/* Runs a shell command; returns its exit status, or -1 if it did not exit normally. */

static void skip(const char *what, const char *why)
{
    unit_pass++;
    printf("ok %d - %s # SKIP %s\n", unit_pass + unit_fail, what, why);
}

static const struct dwarf_member *member(const struct dwarf_struct *s, const char *name)
{
    for (int i = 0; i < s->nmembers; i++)
        if (s->members[i].name && strcmp(s->members[i].name, name) == 0)
            return &s->members[i];
    return NULL;
}

/* The member's type name and pointer flag, NULL / -1 when it is missing (no crash in a failing test). */
static const char *mtype(const struct dwarf_struct *s, const char *name)
{
    const struct dwarf_member *m = member(s, name);
    return m ? m->type_name : NULL;
}

static int mptr(const struct dwarf_struct *s, const char *name)
{
    const struct dwarf_member *m = member(s, name);
    return m ? m->is_pointer : -1;
}

/* Checks that struct sname has member mname at offset off (and size, when size >= 0). */
static void expect_member(const struct dwarf_struct *s, const char *mname, long off, long size)
{
    const struct dwarf_member *m = member(s, mname);

    EXPECT(m && m->offset == off && (size < 0 || m->size == size), "%s.%s at %ld%s", s->name, mname, off,
           size < 0 ? "" : " with its size");
    if (m && (m->offset != off || (size >= 0 && m->size != size)))
        printf("#   got offset %ld size %ld\n", m->offset, m->size);
}

/* Looks name up and checks its size; returns 0 with s filled (release it), -1 if missing. */
static int expect_struct(struct dwarf_layouts *d, const char *name, long size, struct dwarf_struct *s)
{
    int rc = dwarf_find_struct(d, name, s);

    EXPECT(rc == 0 && (size < 0 || s->size == size), "struct %s found%s", name, size < 0 ? "" : ", size right");
    if (rc == 0 && size >= 0 && s->size != size)
        printf("#   got size %ld, want %ld\n", s->size, size);
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- (1) the stand-in, built -g with OVS's layouts ---- */

static void test_standin(const char *standin)
{
    char err[512] = "";
    struct dwarf_layouts *d = dwarf_open(standin, err, sizeof err);
    struct dwarf_struct s;

    EXPECT(d != NULL, "stand-in opens%s%s", d ? "" : ": ", d ? "" : err);
    if (!d)
        return;
    EXPECT_STR(dwarf_source(d), standin, "stand-in: DWARF comes from the binary itself");
    if (expect_struct(d, "udpif_key", 1576, &s) == 0) {
        expect_member(&s, "key", 8, 8);
        expect_member(&s, "key_len", 16, 8);
        expect_member(&s, "ufid", 40, 16);
        expect_member(&s, "stats", 120, -1);
        expect_member(&s, "state", 184, 4);
        EXPECT(mptr(&s, "key") == 1 && mptr(&s, "ufid") == 0, "key is a pointer, ufid is not");
        dwarf_struct_release(&s);
    }
    if (expect_struct(d, "dpif_netlink", 168, &s) == 0) {
        expect_member(&s, "dp_ifindex", 40, 4);
        EXPECT_STR(mtype(&s, "dpif"), "struct dpif", "dpif_netlink.dpif is a struct dpif");
        dwarf_struct_release(&s);
    }
    EXPECT(dwarf_find_struct(d, "no_such_struct", &s) == -1 && s.nmembers == 0 && !s.members && !s.name,
           "a missing struct fails and leaves out empty");
    dwarf_close(d);
}

/* ---- (2) a real ovs-vswitchd 3.5, when the integration tests have built one ---- */

static void test_real_ovs(void)
{
    char err[512] = "";
    struct dwarf_layouts *d;
    struct dwarf_struct s;
    double t0, t1, t2;

    if (access(REAL_OVS, R_OK) != 0) {
        skip("real ovs-vswitchd 3.5 layouts", REAL_OVS " not built (tests/ovs/ builds it)");
        return;
    }
    t0 = now_ms();
    d = dwarf_open(REAL_OVS, err, sizeof err);
    EXPECT(d != NULL, "real ovs-vswitchd opens%s%s", d ? "" : ": ", d ? "" : err);
    if (!d)
        return;
    t1 = now_ms();
    if (expect_struct(d, "udpif_key", 1576, &s) == 0) {
        t2 = now_ms();
        printf("# real ovs-vswitchd: dwarf_open %.1f ms, first lookup (indexing every unit) %.1f ms\n", t1 - t0,
               t2 - t1);
        expect_member(&s, "ufid", 40, 16);
        dwarf_struct_release(&s);
    }
    if (expect_struct(d, "udpif", -1, &s) == 0) {
        expect_member(&s, "flow_limit", 160, 4);
        dwarf_struct_release(&s);
    }
    if (expect_struct(d, "dpif_flow_put", 80, &s) == 0) {
        expect_member(&s, "ufid", 56, 8);
        EXPECT_STR(mtype(&s, "ufid"), "const ovs_u128 *", "dpif_flow_put.ufid is a const ovs_u128 *");
        EXPECT(mptr(&s, "ufid") == 1, "dpif_flow_put.ufid is a pointer");
        dwarf_struct_release(&s);
    }
    if (expect_struct(d, "ovs_u128", 16, &s) == 0) { /* a typedef of an anonymous union */
        expect_member(&s, "u32", 0, 16);
        expect_member(&s, "u64", 0, 16);
        dwarf_struct_release(&s);
    }
    dwarf_close(d);
}

/* ---- (3) stripped copies and separate debug files ---- */

static void expect_open_fails(const char *path, const char *want, const char *what)
{
    char err[1024] = "";
    struct dwarf_layouts *d = dwarf_open(path, err, sizeof err);

    EXPECT(!d && strstr(err, want), "%s", what);
    if (d || !strstr(err, want))
        printf("#   error: %s\n#   want:  ...%s...\n", err, want);
    dwarf_close(d);
}

/* Opens path and checks the DWARF came from source and describes udpif_key. */
static void expect_open_via(const char *path, const char *source, const char *what)
{
    char err[1024] = "";
    struct dwarf_layouts *d = dwarf_open(path, err, sizeof err);
    struct dwarf_struct s;

    EXPECT(d != NULL, "%s: opens%s%s", what, d ? "" : ": ", d ? "" : err);
    if (!d)
        return;
    EXPECT_STR(dwarf_source(d), source, what);
    if (expect_struct(d, "udpif_key", 1576, &s) == 0) {
        expect_member(&s, "ufid", 40, 16);
        dwarf_struct_release(&s);
    }
    dwarf_close(d);
}

static void test_stripped(const char *standin, const char *other_debug)
{
    char id[130], stripped[600], bydir[600], byid[700], linked[600], root[600];

    snprintf(stripped, sizeof stripped, "%s/bin/ovs-vswitchd", tmpdir);
    snprintf(root, sizeof root, "%s/root", tmpdir);
    if (elf_read_build_id(standin, id, sizeof id) != 0 ||
        unit_run("mkdir -p '%s/bin' '%s' && objcopy --strip-debug '%s' '%s'", tmpdir, root, standin, stripped) != 0) {
        EXPECT(0, "the stand-in has a build-id and objcopy strips a copy");
        return;
    }
    setenv("OVSTRACE_DEBUG_ROOT", root, 1);
    expect_open_fails(stripped, "no DWARF debug info in", "stripped copy without a debug file fails");
    expect_open_fails(stripped, id, "... and the message names the build-id");

    snprintf(bydir, sizeof bydir, "%s/usr/lib/debug/.build-id/%.2s", root, id);
    snprintf(byid, sizeof byid, "%s/%s.debug", bydir, id + 2);
    if (other_debug) {
        unit_run("mkdir -p '%s' && cp '%s' '%s'", bydir, other_debug, byid);
        expect_open_fails(stripped, "not this one", "a debug file of another build is refused");
    }
    if (unit_run("mkdir -p '%s' && objcopy --only-keep-debug '%s' '%s'", bydir, standin, byid) != 0) {
        EXPECT(0, "objcopy --only-keep-debug");
        return;
    }
    expect_open_via(stripped, byid, "debug file found by build-id under $OVSTRACE_DEBUG_ROOT");
    unlink(byid);

    snprintf(linked, sizeof linked, "%s/bin/.debug/ovs-vswitchd.debug", tmpdir);
    if (unit_run("mkdir -p '%s/bin/.debug' && objcopy --only-keep-debug '%s' '%s' && "
            "objcopy --strip-debug --add-gnu-debuglink='%s' '%s' '%s'",
            tmpdir, standin, linked, linked, standin, stripped) != 0) {
        EXPECT(0, "objcopy --add-gnu-debuglink");
        return;
    }
    expect_open_via(stripped, linked, "debug file found by .gnu_debuglink in .debug/ next to the binary");
    unsetenv("OVSTRACE_DEBUG_ROOT");
}

/* ---- (4) files that are not what they should be ---- */

static void test_bad_files(void)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof path, "%s/notelf", tmpdir);
    f = fopen(path, "w");
    if (f) {
        fputs("#!/bin/sh\necho not an ELF file\n", f);
        fclose(f);
    }
    expect_open_fails(path, "not an ELF file", "a script is not ELF");
    snprintf(path, sizeof path, "%s/empty", tmpdir);
    f = fopen(path, "w");
    if (f)
        fclose(f);
    expect_open_fails(path, "not an ELF file", "an empty file is not ELF");
    expect_open_fails(tmpdir, "is not a regular file", "a directory fails");
    snprintf(path, sizeof path, "%s/absent", tmpdir);
    expect_open_fails(path, "cannot open", "a missing file fails");
    EXPECT(dwarf_find_struct(NULL, "x", &(struct dwarf_struct){0}) == -1, "no handle: lookup fails");
    dwarf_close(NULL);
}

/* ---- (5) C constructs OVS uses, in a program compiled here ---- */

static const char shapes_c[] =
    "#include <stdint.h>\n"
    "typedef union { uint32_t u32[4]; struct { uint64_t lo, hi; } u64; } u128;\n"
    "struct only_declared;\n"
    "struct node { struct node *next; };\n"
    "struct shapes {\n"
    "    const char *name;\n"
    "    char *const fixed;\n"
    "    struct node node;\n"
    "    unsigned int a : 3, b : 5;\n"
    "    union { int i; float f; };\n"
    "    uint64_t stub[4][2];\n"
    "    int (*cb)(void *);\n"
    "    struct only_declared *opaque;\n"
    "    const u128 *ufid;\n"
    "    char tail[];\n"
    "};\n"
    "struct shapes *volatile keep;\n"
    "u128 keep_u128;\n"
    "int main(void) { return keep != 0; }\n";

static void expect_type(const struct dwarf_struct *s, const char *mname, const char *type, int is_pointer)
{
    const struct dwarf_member *m = member(s, mname);
    char what[128];

    snprintf(what, sizeof what, "shapes.%s is \"%s\"%s", mname, type, is_pointer ? ", a pointer" : "");
    EXPECT_STR(m ? m->type_name : NULL, type, what);
    EXPECT(m && m->is_pointer == is_pointer, "shapes.%s is%s a pointer", mname, is_pointer ? "" : " not");
}

static void test_shapes(const char *prog)
{
    char err[512] = "";
    struct dwarf_layouts *d = dwarf_open(prog, err, sizeof err);
    struct dwarf_struct s;
    int anon = 0;

    EXPECT(d != NULL, "compiled program opens%s%s", d ? "" : ": ", d ? "" : err);
    if (!d)
        return;
    EXPECT(dwarf_find_struct(d, "only_declared", &s) == -1, "a declaration is not a definition");
    if (expect_struct(d, "u128", 16, &s) == 0) {
        EXPECT(s.nmembers == 2, "typedef of an anonymous union has its 2 members");
        dwarf_struct_release(&s);
    }
    if (expect_struct(d, "shapes", -1, &s) == 0) {
        expect_type(&s, "name", "const char *", 1);
        expect_type(&s, "fixed", "char * const", 1);
        expect_type(&s, "node", "struct node", 0);
        expect_type(&s, "stub", "uint64_t[4][2]", 0);
        expect_type(&s, "cb", "int (*)()", 1);
        expect_type(&s, "opaque", "struct only_declared *", 1);
        expect_type(&s, "ufid", "const u128 *", 1);
        expect_member(&s, "a", 24, 0);
        expect_member(&s, "stub", 32, 64);
        expect_member(&s, "tail", 120, 0);
        for (int i = 0; i < s.nmembers; i++)
            anon += !s.members[i].name && strcmp(s.members[i].type_name, "union <anonymous>") == 0 &&
                    s.members[i].size == 4;
        EXPECT(anon == 1, "the anonymous union is listed once, unnamed, with its size");
        dwarf_struct_release(&s);
    }
    dwarf_close(d);
}

/* DWARF 2 writes member offsets as DW_OP_plus_uconst expressions, not constants. */
static void test_dwarf2(void)
{
    char src[600], prog[600], err[512] = "";
    struct dwarf_layouts *d;
    struct dwarf_struct s;

    snprintf(src, sizeof src, "%s/shapes.c", tmpdir);
    snprintf(prog, sizeof prog, "%s/shapes2", tmpdir);
    if (unit_run("cc -gdwarf-2 -gstrict-dwarf -O0 -o '%s' '%s'", prog, src) != 0) {
        skip("DWARF 2 member locations", "cc -gdwarf-2 failed");
        return;
    }
    d = dwarf_open(prog, err, sizeof err);
    EXPECT(d != NULL, "DWARF 2 program opens%s%s", d ? "" : ": ", d ? "" : err);
    if (d && expect_struct(d, "shapes", -1, &s) == 0) {
        expect_member(&s, "node", 16, 8);
        expect_member(&s, "stub", 32, 64);
        dwarf_struct_release(&s);
    }
    dwarf_close(d);
}

/* Builds the shapes program and a debug file of it; returns 1 if built. */
static int build_shapes(char *prog, char *debug, size_t len)
{
    char src[600];
    FILE *f;

    snprintf(src, sizeof src, "%s/shapes.c", tmpdir);
    snprintf(prog, len, "%s/shapes", tmpdir);
    snprintf(debug, len, "%s/shapes.debug", tmpdir);
    f = fopen(src, "w");
    if (!f)
        return 0;
    fputs(shapes_c, f);
    fclose(f);
    return unit_run("cc -g -O0 -Wl,--build-id -o '%s' '%s' && objcopy --only-keep-debug '%s' '%s'", prog, src, prog,
               debug) == 0;
}

int main(int argc, char **argv)
{
    const char *standin = argc > 1 ? argv[1] : NULL;
    char prog[600], debug[600];
    int built;

    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    built = build_shapes(prog, debug, sizeof prog);
    if (built)
        test_shapes(prog);
    else
        EXPECT(0, "cc -g builds the shapes program");
    test_dwarf2();
    if (standin && access(standin, R_OK) == 0) {
        test_standin(standin);
        test_stripped(standin, built ? debug : NULL);
    } else {
        skip("stand-in ovs-vswitchd layouts and stripped copies", "no stand-in given as argv[1]");
    }
    test_real_ovs();
    test_bad_files();
    unit_run("rm -rf '%s'", tmpdir);
    return unit_done();
}
