// SPDX-License-Identifier: Apache-2.0
// Unit test for elf_notes: compiles small USDT programs with cc at run time, checks what is read
// against readelf, then feeds hand-made, truncated and corrupted ELF files; prints TAP-style lines.
#define _POSIX_C_SOURCE 200809L

#include "host/elf_notes.h"
#include "unit.h"

#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int n_run, n_pass, n_fail, n_skip;
static char tmpdir[] = "/tmp/test_elf_notes.XXXXXX";

static int check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints one TAP line and counts it; returns cond so callers can add detail on failure. */
static int check(int cond, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", cond ? "ok" : "not ok", ++n_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (cond)
        n_pass++;
    else
        n_fail++;
    return cond;
}

static void skip(const char *what, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++n_run, what, why);
    n_skip++;
}

static const char *tmp(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    return p;
}

/* Runs a shell command; returns its exit status, or -1 if it did not exit normally. */

static int write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (!f)
        return -1;
    ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size);
        if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

static const struct elf_usdt_probe *find_probe(const struct elf_usdt_list *l, const char *prov,
                                               const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->probes[i].provider, prov) == 0 && strcmp(l->probes[i].name, name) == 0)
            return &l->probes[i];
    return NULL;
}

/* ---- well-formedness, the promise made for any input ---- */

static int arg_ok(const struct elf_usdt_arg *a)
{
    return a->spec &&
           (a->size == 0 || a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8) &&
           (a->is_signed == 0 || a->is_signed == 1);
}

static int probe_ok(const struct elf_usdt_probe *p)
{
    if (!p->provider || !p->name || !p->args_text || !*p->provider || !*p->name)
        return 0;
    if (p->n_args < 0 || (p->n_args > 0) != (p->args != NULL))
        return 0;
    for (int i = 0; i < p->n_args; i++)
        if (!arg_ok(&p->args[i]))
            return 0;
    return 1;
}

static int list_ok(const struct elf_usdt_list *l)
{
    if (l->n < 0 || (l->n > 0) != (l->probes != NULL))
        return 0;
    for (int i = 0; i < l->n; i++) {
        const struct elf_usdt_probe *p = &l->probes[i], *q = i ? p - 1 : NULL;
        if (!probe_ok(p))
            return 0;
        if (q) {
            int d = strcmp(q->provider, p->provider);
            if (d > 0 || (d == 0 && strcmp(q->name, p->name) >= 0))
                return 0; /* out of order, or a duplicate left in */
        }
    }
    return 1;
}

/* Runs all three readers on a file that may be hostile. Returns 1 if every answer is an
 * error or well-formed; *rc gets elf_read_usdt's result. */
static int survives(const char *path, int *rc)
{
    struct elf_usdt_list l;
    char err[256] = "", hex[130];
    int ok, dbg;

    *rc = elf_read_usdt(path, &l, err, sizeof err);
    ok = *rc == 0 ? list_ok(&l) : (*rc == -1 && l.n == 0 && !l.probes && err[0]);
    elf_usdt_list_free(&l);
    if (elf_read_build_id(path, hex, sizeof hex) == 0)
        ok = ok && strlen(hex) > 0 && strspn(hex, "0123456789abcdef") == strlen(hex);
    else
        ok = ok && hex[0] == '\0';
    dbg = elf_has_debug_info(path);
    return ok && dbg >= -1 && dbg <= 1;
}

/* ---- programs built with cc ---- */

static const char prog_c[] =
    "#include <sys/sdt.h>\n"
    "void fire_sem(unsigned char c);\n"
    "static volatile long sink;\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    int x = argc;\n"
    "    long y = (long)argv[0][0] * 1000003L;\n"
    "    DTRACE_PROBE2(testprov, two, (int)x, (long)y);\n"
    "    DTRACE_PROBE(testprov, zero);\n"
    "    if (x > 1)\n"
    "        DTRACE_PROBE1(testprov, dup, (long)y);\n"
    "    else\n"
    "        DTRACE_PROBE1(testprov, dup, x);\n"
    "    fire_sem((unsigned char)x);\n"
    "    sink = y;\n"
    "    return 0;\n"
    "}\n";

/* In its own file because _SDT_HAS_SEMAPHORES applies to every probe of a unit. */
static const char sem_c[] =
    "#define _SDT_HAS_SEMAPHORES 1\n"
    "#include <sys/sdt.h>\n"
    "unsigned short testprov_sem_semaphore __attribute__((section(\".probes\")));\n"
    "void fire_sem(unsigned char c);\n"
    "void fire_sem(unsigned char c)\n"
    "{\n"
    "    if (testprov_sem_semaphore)\n"
    "        DTRACE_PROBE1(testprov, sem, c);\n"
    "}\n";

/* Returns 1 if built, 0 if <sys/sdt.h> is missing (skip), -1 if cc failed otherwise. */
static int build_programs(void)
{
    static const char check_c[] = "#include <sys/sdt.h>\n";

    if (write_file(tmp("sdt_check.c"), check_c, sizeof check_c - 1) < 0 ||
        write_file(tmp("prog.c"), prog_c, sizeof prog_c - 1) < 0 ||
        write_file(tmp("sem.c"), sem_c, sizeof sem_c - 1) < 0)
        return -1;
    if (unit_run("cc -E '%s' -o /dev/null 2>/dev/null", tmp("sdt_check.c")) != 0)
        return 0;
    if (unit_run("cc -O2 -g -Wl,--build-id -o '%s/prog' '%s/prog.c' '%s/sem.c'", tmpdir, tmpdir,
            tmpdir) != 0)
        return -1;
    if (unit_run("strip -o '%s/prog.stripped' '%s/prog'", tmpdir, tmpdir) != 0 ||
        unit_run("objcopy --only-keep-debug '%s/prog' '%s/prog.debug'", tmpdir, tmpdir) != 0 ||
        unit_run("LC_ALL=C readelf -n --wide '%s/prog' > '%s/notes.txt'", tmpdir, tmpdir) != 0)
        return -1;
    return 1;
}

/* One stapsdt note as readelf prints it. */
struct ref_probe {
    char provider[64], name[64], args[256];
    unsigned long long pc, semaphore;
};

static void chomp(char *s)
{
    s[strcspn(s, "\n")] = '\0';
}

/* Parses readelf -n output into ref[]; returns the number of stapsdt notes. */
static int read_reference(struct ref_probe *ref, int max, char *build_id, size_t idlen)
{
    FILE *f = fopen(tmp("notes.txt"), "r");
    char line[1024], *s;
    int n = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        if ((s = strstr(line, "Build ID: ")))
            snprintf(build_id, idlen, "%s", s + 10);
        else if ((s = strstr(line, "Provider: ")) && n < max)
            snprintf(ref[n++].provider, sizeof ref->provider, "%s", s + 10);
        else if ((s = strstr(line, "Name: ")) && n > 0)
            snprintf(ref[n - 1].name, sizeof ref->name, "%s", s + 6);
        else if ((s = strstr(line, "Location: ")) && n > 0)
            sscanf(s, "Location: %llx, Base: %*x, Semaphore: %llx", &ref[n - 1].pc,
                   &ref[n - 1].semaphore);
        else if ((s = strstr(line, "Arguments: ")) && n > 0)
            snprintf(ref[n - 1].args, sizeof ref->args, "%s", s + 11);
    }
    fclose(f);
    return n;
}

/* Every probe read must equal the first note readelf shows for that provider:name. */
static int matches_reference(const struct elf_usdt_list *l, const struct ref_probe *ref, int nref)
{
    int distinct = 0;

    for (int i = 0; i < nref; i++) {
        const struct elf_usdt_probe *p = find_probe(l, ref[i].provider, ref[i].name);
        int first = 1;
        for (int j = 0; j < i; j++)
            if (!strcmp(ref[j].provider, ref[i].provider) && !strcmp(ref[j].name, ref[i].name))
                first = 0;
        if (!first)
            continue;
        distinct++;
        if (!p || p->pc != ref[i].pc || p->semaphore != ref[i].semaphore ||
            strcmp(p->args_text, ref[i].args) != 0)
            return 0;
    }
    return distinct == l->n;
}

static int arg_is(const struct elf_usdt_probe *p, int i, int size, int is_signed)
{
    return p && i < p->n_args && p->args[i].size == size && p->args[i].is_signed == is_signed;
}

static void test_compiled_probes(const struct ref_probe *ref, int nref)
{
    struct elf_usdt_list l;
    char err[256] = "";
    const struct elf_usdt_probe *two, *zero, *sem;
    int rc = elf_read_usdt(tmp("prog"), &l, err, sizeof err);

    check(rc == 0, "elf_read_usdt reads the compiled program (%s)", rc ? err : "no error");
    check(l.n == 4 && list_ok(&l), "4 distinct probes, sorted, well-formed (got %d)", l.n);
    two = find_probe(&l, "testprov", "two");
    zero = find_probe(&l, "testprov", "zero");
    sem = find_probe(&l, "testprov", "sem");
    check(two && two->n_args == 2 && arg_is(two, 0, 4, 1) && arg_is(two, 1, 8, 1),
          "testprov:two has args -4@ and -8@ (%s)", two ? two->args_text : "missing");
    check(zero && zero->n_args == 0 && !zero->args && !strcmp(zero->args_text, ""),
          "testprov:zero has no args");
    check(sem && sem->semaphore != 0 && arg_is(sem, 0, 1, 0),
          "testprov:sem has a semaphore and one unsigned byte arg");
    check(nref == 5, "readelf shows 5 stapsdt notes (dup twice) (got %d)", nref);
    check(matches_reference(&l, ref, nref),
          "pc, semaphore and args equal readelf's first note of each probe");
    elf_usdt_list_free(&l);
}

static void test_stripped(const struct ref_probe *ref, int nref)
{
    struct elf_usdt_list l;
    char err[256] = "";
    int rc = elf_read_usdt(tmp("prog.stripped"), &l, err, sizeof err);

    check(rc == 0 && l.n == 4 && matches_reference(&l, ref, nref),
          "stripped program keeps the same notes (%s)", rc ? err : "no error");
    check(elf_has_debug_info(tmp("prog.stripped")) == 0, "stripped program has no debug info");
    check(elf_has_debug_info(tmp("prog")) == 1, "program built with -g has debug info");
    check(elf_has_debug_info(tmp("prog.debug")) == 1, "objcopy --only-keep-debug file has it");
    elf_usdt_list_free(&l);
}

static void test_build_id(const char *ref_id)
{
    char hex[130], small[8];

    check(elf_read_build_id(tmp("prog"), hex, sizeof hex) == 0 && strcmp(hex, ref_id) == 0,
          "build-id %s equals readelf's %s", hex, ref_id);
    check(elf_read_build_id(tmp("prog.stripped"), hex, sizeof hex) == 0 && strcmp(hex, ref_id) == 0,
          "stripped program keeps the build-id");
    check(elf_read_build_id(tmp("prog.debug"), hex, sizeof hex) == 0 && strcmp(hex, ref_id) == 0,
          "separate debug file has the same build-id");
    check(elf_read_build_id(tmp("prog"), small, sizeof small) == -1,
          "too small a buffer for the build-id is an error");
}

/* ---- hand-made ELF files ---- */

static size_t put_note(unsigned char *buf, size_t pos, const char *owner, uint32_t type,
                       const void *desc, uint32_t descsz)
{
    Elf64_Nhdr h = {(uint32_t)strlen(owner) + 1, descsz, type};

    memcpy(buf + pos, &h, sizeof h);
    pos += sizeof h;
    memcpy(buf + pos, owner, h.n_namesz);
    pos += (h.n_namesz + 3) & ~3u;
    memcpy(buf + pos, desc, descsz);
    return pos + ((descsz + 3) & ~3u);
}

static size_t put_stapsdt(unsigned char *buf, size_t pos, uint64_t pc, uint64_t sem,
                          const char *prov, const char *name, const char *args)
{
    unsigned char d[256];
    uint64_t base = 0;
    size_t n = 24;

    memcpy(d, &pc, 8);
    memcpy(d + 8, &base, 8);
    memcpy(d + 16, &sem, 8);
    for (const char *s[] = {prov, name, args}, **p = s; p < s + 3; p++) {
        memcpy(d + n, *p, strlen(*p) + 1);
        n += strlen(*p) + 1;
    }
    return put_note(buf, pos, "stapsdt", 3, d, (uint32_t)n);
}

/* An ELF with program headers only: one PT_NOTE holding a build-id and stapsdt notes,
 * to exercise the no-section-headers path and the sorting with exact expectations. */
static size_t make_sectionless_elf(unsigned char buf[static 4096], int with_notes)
{
    static const unsigned char id[] = {0xde, 0xad, 0xbe, 0xef};
    Elf64_Ehdr eh = {.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT};
    Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = sizeof eh + sizeof ph, .p_align = 4};
    size_t end = ph.p_offset;

    memset(buf, 0, 4096); /* note padding is skipped by put_note, not written */
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ehsize = sizeof eh;
    eh.e_phoff = with_notes ? sizeof eh : 0;
    eh.e_phentsize = sizeof ph;
    eh.e_phnum = with_notes ? 1 : 0;
    if (with_notes) {
        end = put_note(buf, end, "GNU", NT_GNU_BUILD_ID, id, sizeof id);
        end = put_stapsdt(buf, end, 0x1234, 0x5000, "p", "n", "8@%rdi  -2@%ax");
        end = put_stapsdt(buf, end, 0x9999, 0, "p", "n", "-1@%al");
        end = put_stapsdt(buf, end, 0x10, 0, "a", "b", "");
        end = put_stapsdt(buf, end, 0x20, 0, "p", "m", "4f@%xmm0 %rsi 16@%rax 3@%rbx");
        ph.p_filesz = end - ph.p_offset;
        memcpy(buf + sizeof eh, &ph, sizeof ph);
    }
    memcpy(buf, &eh, sizeof eh);
    return end;
}

static void test_sectionless_probes(const struct elf_usdt_list *l)
{
    const struct elf_usdt_probe *n = find_probe(l, "p", "n"), *m = find_probe(l, "p", "m");
    int sorted = l->n == 3 && list_ok(l) && !strcmp(l->probes[0].provider, "a") &&
                 !strcmp(l->probes[1].name, "m") && !strcmp(l->probes[2].name, "n");
    int first = n && n->pc == 0x1234 && n->semaphore == 0x5000 && n->n_args == 2 &&
                arg_is(n, 0, 8, 0) && arg_is(n, 1, 2, 1) && !strcmp(n->args[1].spec, "-2@%ax") &&
                !strcmp(n->args_text, "8@%rdi  -2@%ax");
    int odd = m && m->n_args == 4 && arg_is(m, 0, 4, 0) && arg_is(m, 1, 0, 0) &&
              arg_is(m, 2, 0, 0) && arg_is(m, 3, 0, 0) && !strcmp(m->args[1].spec, "%rsi");

    check(sorted, "PT_NOTE notes sorted a:b, p:m, p:n with the duplicate p:n dropped");
    check(first, "duplicate keeps the first note's pc, semaphore and args");
    check(odd, "float arg 4f@ has size 4; tokens without a valid SIZE@ get size 0");
}

static void test_handmade(void)
{
    static _Alignas(8) unsigned char buf[4096];
    struct elf_usdt_list l;
    char err[256] = "", hex[16];
    size_t len = make_sectionless_elf(buf, 1);
    int rc;

    write_file(tmp("handmade"), buf, len);
    rc = elf_read_usdt(tmp("handmade"), &l, err, sizeof err);
    check(rc == 0, "section-less ELF read through PT_NOTE (%s)", rc ? err : "no error");
    test_sectionless_probes(&l);
    elf_usdt_list_free(&l);
    check(elf_read_build_id(tmp("handmade"), hex, sizeof hex) == 0 && !strcmp(hex, "deadbeef"),
          "build-id from PT_NOTE is deadbeef");
    check(elf_read_build_id(tmp("handmade"), hex, 8) == -1 &&
              elf_read_build_id(tmp("handmade"), hex, 9) == 0,
          "build-id needs 2 bytes each + NUL");
    check(elf_has_debug_info(tmp("handmade")) == 0, "no sections means no debug info");

    len = make_sectionless_elf(buf, 0);
    write_file(tmp("handmade"), buf, len);
    rc = elf_read_usdt(tmp("handmade"), &l, err, sizeof err);
    check(rc == 0 && l.n == 0 && !l.probes, "ELF without any notes is success with n == 0");
    check(elf_read_build_id(tmp("handmade"), hex, sizeof hex) == -1 && hex[0] == '\0',
          "ELF without a build-id gives -1");
    elf_usdt_list_free(&l);
}

/* ---- hostile input ---- */

static int expect_error(const char *path, const char *text)
{
    struct elf_usdt_list l;
    char err[256] = "";
    int rc = elf_read_usdt(path, &l, err, sizeof err);

    if (rc != -1 || l.n != 0 || !strstr(err, text))
        printf("# got rc %d, err \"%s\", wanted \"%s\"\n", rc, err, text);
    elf_usdt_list_free(&l);
    return rc == -1 && strstr(err, text) != NULL;
}

static void test_not_elf(void)
{
    static const char text[] = "hello, I am not an ELF file at all, just words\n";
    _Alignas(8) unsigned char buf[4096];
    size_t len = make_sectionless_elf(buf, 1);

    write_file(tmp("bad"), text, sizeof text - 1);
    check(expect_error(tmp("bad"), "not an ELF file"), "text file: not an ELF file");
    write_file(tmp("bad"), "", 0);
    check(expect_error(tmp("bad"), "not an ELF file"), "empty file: not an ELF file");
    write_file(tmp("bad"), "\177ELF\2\1", 6);
    check(expect_error(tmp("bad"), "truncated"), "bare ELF magic: truncated header");
    check(expect_error(tmp("no-such-file"), "cannot open"), "missing file: cannot open");
    check(expect_error(tmpdir, "is not a regular file"), "directory: not a regular file");
    buf[EI_CLASS] = ELFCLASS32;
    write_file(tmp("bad"), buf, len);
    check(expect_error(tmp("bad"), "not a 64-bit x86_64 ELF"), "ELFCLASS32 is refused");
    buf[EI_CLASS] = ELFCLASS64;
    ((Elf64_Ehdr *)(void *)buf)->e_machine = EM_AARCH64;
    write_file(tmp("bad"), buf, len);
    check(expect_error(tmp("bad"), "not a 64-bit x86_64 ELF"), "EM_AARCH64 is refused");
}

/* Writes every prefix of the file whose length is a multiple of step; all must survive. */
static void test_truncations(const char *where, size_t step)
{
    char path[512];
    size_t len = 0, errors = 0, total = 0;
    unsigned char *buf = read_file(where, &len);
    int ok = buf != NULL, rc = 0;

    snprintf(path, sizeof path, "%s", where); /* tmp() reuses its buffers */
    for (size_t cut = 0; ok && cut < len; cut += step, total++) {
        ok = write_file(tmp("bad"), buf, cut) == 0 && survives(tmp("bad"), &rc);
        errors += rc != 0;
        if (!ok)
            printf("# failed at length %zu\n", cut);
    }
    check(ok && total > 0, "%s cut every %zu bytes: %zu copies, %zu refused, none crashed", path,
          step, total, errors);
    free(buf);
}

/* Trusted lookup into our own freshly built program, to know what to corrupt. */
static Elf64_Shdr *section_of(unsigned char *buf, const char *name)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)buf;
    Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(buf + eh->e_shoff);
    const char *names = (const char *)buf + sh[eh->e_shstrndx].sh_offset;

    for (int i = 0; i < eh->e_shnum; i++)
        if (strcmp(names + sh[i].sh_name, name) == 0)
            return &sh[i];
    return NULL;
}

struct mutation {
    const char *what;
    int must_fail; /* 1: elf_read_usdt must return -1 */
    void (*apply)(unsigned char *buf, size_t len);
};

#define EH(buf) ((Elf64_Ehdr *)(void *)(buf))
#define NOTE(buf) (section_of(buf, ".note.stapsdt"))
#define NHDR(buf) ((Elf64_Nhdr *)(void *)((buf) + NOTE(buf)->sh_offset))

static void m_shoff_huge(unsigned char *b, size_t n)
{
    (void)n;
    EH(b)->e_shoff = ~0ull - 8;
}

static void m_shoff_end(unsigned char *b, size_t n)
{
    EH(b)->e_shoff = n - 10;
}

static void m_shnum(unsigned char *b, size_t n)
{
    (void)n;
    EH(b)->e_shnum = 0xffff;
}

static void m_shentsize(unsigned char *b, size_t n)
{
    (void)n;
    EH(b)->e_shentsize = 7;
}

static void m_shstrndx(unsigned char *b, size_t n)
{
    (void)n;
    EH(b)->e_shstrndx = 0xfeff;
}

static void m_sh_offset(unsigned char *b, size_t n)
{
    (void)n;
    NOTE(b)->sh_offset = ~0ull - 3;
}

static void m_sh_offset_end(unsigned char *b, size_t n)
{
    NOTE(b)->sh_offset = n - 4;
}

static void m_sh_size(unsigned char *b, size_t n)
{
    (void)n;
    NOTE(b)->sh_size = 1ull << 62;
}

static void m_namesz(unsigned char *b, size_t n)
{
    (void)n;
    NHDR(b)->n_namesz = 0xffffffff;
}

static void m_namesz_off(unsigned char *b, size_t n)
{
    (void)n;
    NHDR(b)->n_namesz = 0xfff0;
}

static void m_descsz(unsigned char *b, size_t n)
{
    (void)n;
    NHDR(b)->n_descsz = 0xfffffffc;
}

static void m_descsz_small(unsigned char *b, size_t n)
{
    (void)n;
    NHDR(b)->n_descsz = 12;
}

static void m_strings(unsigned char *b, size_t n)
{
    Elf64_Nhdr *h = NHDR(b);

    (void)n;
    memset((unsigned char *)(h + 1) + 8 + 24, 'A', h->n_descsz - 24); /* no NUL left */
}

static void m_names(unsigned char *b, size_t n)
{
    (void)n;
    for (int i = 0; i < EH(b)->e_shnum; i++)
        ((Elf64_Shdr *)(void *)(b + EH(b)->e_shoff))[i].sh_name = 0xffffffff;
}

static void m_strtab_size(unsigned char *b, size_t n)
{
    Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(b + EH(b)->e_shoff);

    (void)n;
    sh[EH(b)->e_shstrndx].sh_size = ~0ull;
}

static void m_no_shdrs_bad_ph(unsigned char *b, size_t n)
{
    EH(b)->e_shoff = 0;
    EH(b)->e_phoff = n - 20;
}

static const struct mutation mutations[] = {
    {"e_shoff near 2^64", 1, m_shoff_huge},
    {"e_shoff 10 bytes before the end", 1, m_shoff_end},
    {"e_shnum 0xffff", 1, m_shnum},
    {"e_shentsize 7", 1, m_shentsize},
    {"e_shstrndx out of range", 1, m_shstrndx},
    {".note.stapsdt sh_offset near 2^64", 1, m_sh_offset},
    {".note.stapsdt sh_offset 4 bytes before the end", 1, m_sh_offset_end},
    {".note.stapsdt sh_size 2^62", 1, m_sh_size},
    {"note namesz 0xffffffff", 1, m_namesz},
    {"note namesz 0xfff0", 1, m_namesz_off},
    {"note descsz 0xfffffffc", 1, m_descsz},
    {"note descsz 12 (shorter than pc/base/semaphore)", 1, m_descsz_small},
    {"note strings without NUL", 1, m_strings},
    {"all sh_name 0xffffffff", 0, m_names},
    {"section name table sh_size 2^64-1", 1, m_strtab_size},
    {"no section headers, e_phoff 20 bytes before the end", 1, m_no_shdrs_bad_ph},
};

static void test_mutations(void)
{
    size_t len = 0;
    unsigned char *orig = read_file(tmp("prog"), &len), *buf = orig ? malloc(len) : NULL;
    int rc;

    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        const struct mutation *m = &mutations[i];
        int ok = buf != NULL;
        if (ok) {
            memcpy(buf, orig, len);
            m->apply(buf, len);
            ok = write_file(tmp("bad"), buf, len) == 0 && survives(tmp("bad"), &rc);
        }
        check(ok && (!m->must_fail || rc == -1), "corrupted %s: %s", m->what,
              m->must_fail ? "refused, no crash" : "no crash");
    }
    free(orig);
    free(buf);
}

static void test_no_section_headers(void)
{
    size_t len = 0;
    unsigned char *buf = read_file(tmp("prog"), &len);
    char hex[130] = "", want[130] = "";
    int rc = -1;

    if (buf) {
        EH(buf)->e_shoff = 0;
        EH(buf)->e_shnum = 0;
        write_file(tmp("bad"), buf, len);
        elf_read_build_id(tmp("prog"), want, sizeof want);
        elf_read_build_id(tmp("bad"), hex, sizeof hex);
        survives(tmp("bad"), &rc);
    }
    check(buf && rc == 0 && hex[0] && !strcmp(hex, want),
          "program with section headers removed: build-id still found through PT_NOTE");
    free(buf);
}

/* Random byte flips, mostly in the headers and notes where they matter; fixed seed. */
static void test_fuzz(int rounds)
{
    size_t len = 0;
    unsigned char *orig = read_file(tmp("prog"), &len), *buf = orig ? malloc(len) : NULL;
    uint64_t x = 0x9e3779b97f4a7c15ull, note_off, shoff;
    int ok = buf != NULL, rc = 0, r, accepted = 0;

    if (!ok) {
        check(0, "fuzz: cannot read program");
        free(orig);
        return;
    }
    note_off = NOTE(orig)->sh_offset;
    shoff = EH(orig)->e_shoff;
    for (r = 0; ok && r < rounds; r++) {
        memcpy(buf, orig, len);
        for (int k = 0; k < 1 + r % 6; k++) {
            uint64_t base[] = {0, note_off, shoff, 0};
            uint64_t span[] = {sizeof(Elf64_Ehdr), 256, len - shoff, len};
            int region;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            region = (int)(x % 4);
            buf[(base[region] + (x >> 8) % span[region]) % len] ^= (unsigned char)(x >> 32 | 1);
        }
        ok = write_file(tmp("bad"), buf, len) == 0 && survives(tmp("bad"), &rc);
        accepted += rc == 0;
    }
    check(ok, "%d rounds of random byte flips: %d read, the rest refused, no crash", r, accepted);
    free(orig);
    free(buf);
}

/* ---- main ---- */

static void cleanup(void)
{
    static const char *names[] = {
        "sdt_check.c", "prog.c", "sem.c", "prog", "prog.stripped", "prog.debug", "notes.txt",
        "handmade", "bad",
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp(names[i]));
    rmdir(tmpdir);
}

static void test_programs(void)
{
    static struct ref_probe ref[32];
    static const char *parts[] = {"compiled USDT probes", "stripped program and debug info",
                                  "build-id against readelf", "corrupted copies of a program"};
    char build_id[130] = "";
    int built = build_programs(), nref;

    if (built < 0)
        check(0, "cc builds the USDT test program");
    if (built <= 0) {
        const char *why = built == 0 ? "<sys/sdt.h> not found (apt-get install systemtap-sdt-dev)"
                                      : "program not built";
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            skip(parts[i], why);
        return;
    }
    nref = read_reference(ref, 32, build_id, sizeof build_id);
    test_compiled_probes(ref, nref);
    test_stripped(ref, nref);
    test_build_id(build_id);
    test_truncations(tmp("prog"), 97);
    test_mutations();
    test_no_section_headers();
    test_fuzz(400);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_programs();
    test_handmade();
    test_not_elf();
    if (access("/bin/true", R_OK) == 0)
        test_truncations("/bin/true", 97);
    else
        skip("truncated copies of /bin/true", "/bin/true not found");
    cleanup();
    if (n_skip)
        printf("%d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
    else
        printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}
