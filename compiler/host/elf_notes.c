// SPDX-License-Identifier: Apache-2.0
// Walks an ELF file's headers, sections and notes with a bounds check on every offset: in goes
// a path, out come USDT probes, the GNU build-id or a DWARF yes/no (API in elf_notes.h).
#define _POSIX_C_SOURCE 200809L

#include "elf_notes.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Headers and note fields are read as native integers, which is only right on a
 * little-endian host; x86_64 ELF files are little-endian by definition. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "elf_notes.c reads little-endian ELF data natively"
#endif

#define STAPSDT_NOTE_TYPE 3
#define STAPSDT_DESC_FIXED 24 /* pc, base, semaphore: 8 bytes each, then the strings */

/* An open file plus the headers every query needs. The file is read with pread rather
 * than mmap so that a file truncated while we look at it gives a read error, not SIGBUS,
 * and so that a large debug file costs only the few regions we actually read. */
struct elf_image {
    int fd;
    uint64_t size;
    Elf64_Ehdr eh;
    Elf64_Shdr *sh; /* NULL when the file has no section headers */
    size_t shnum;
    char *shstr; /* section names, with one NUL added past the end */
    uint64_t shstrsz;
};

/* One note record, pointing into a buffer owned by the caller. */
struct elf_note {
    uint32_t type;
    const char *owner;
    uint32_t ownersz;
    const unsigned char *desc;
    uint32_t descsz;
};

/* Called for each note: returns 0 to go on, 1 to stop (found), -1 on error (err set). */
typedef int (*note_fn)(void *ctx, const struct elf_note *n, char *err, size_t errlen);

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err (when given) and returns -1, so that error paths are one line. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Written as a subtraction so that a hostile offset near UINT64_MAX cannot wrap around. */
static int in_file(const struct elf_image *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

static int read_at(int fd, uint64_t off, void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t r = pread(fd, p, len, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1; /* I/O error, or the file shrank since fstat */
        p += r;
        off += (uint64_t)r;
        len -= (size_t)r;
    }
    return 0;
}

/* Copies a checked region into a fresh buffer with one NUL past the end, so that string
 * tables can be used with str* functions without running off the end of the buffer. */
static char *read_blob(const struct elf_image *im, uint64_t off, uint64_t len)
{
    char *buf;

    if (!in_file(im, off, len) || len >= SIZE_MAX)
        return NULL;
    buf = malloc((size_t)len + 1);
    if (!buf)
        return NULL;
    if (read_at(im->fd, off, buf, (size_t)len) < 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static int read_header(struct elf_image *im, char *err, size_t errlen)
{
    const unsigned char *id = im->eh.e_ident;

    if (im->size < sizeof im->eh) {
        unsigned char magic[SELFMAG];
        int looks_elf = im->size >= SELFMAG && read_at(im->fd, 0, magic, SELFMAG) == 0 &&
                        memcmp(magic, ELFMAG, SELFMAG) == 0;
        return fail(err, errlen,
                    looks_elf ? "truncated ELF file: incomplete header" : "not an ELF file");
    }
    if (read_at(im->fd, 0, &im->eh, sizeof im->eh) < 0)
        return fail(err, errlen, "cannot read ELF header");
    if (memcmp(id, ELFMAG, SELFMAG) != 0)
        return fail(err, errlen, "not an ELF file");
    if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB || im->eh.e_machine != EM_X86_64)
        return fail(err, errlen, "not a 64-bit x86_64 ELF");
    return 0;
}

static int load_names(struct elf_image *im, size_t strndx, char *err, size_t errlen)
{
    const Elf64_Shdr *s;

    if (strndx == SHN_UNDEF)
        return 0; /* legal: no section has a name, so no lookup by name will match */
    if (strndx >= im->shnum)
        return fail(err, errlen, "malformed ELF: section name table index %zu out of range",
                    strndx);
    s = &im->sh[strndx];
    if (s->sh_type == SHT_NOBITS || !in_file(im, s->sh_offset, s->sh_size))
        return fail(err, errlen, "malformed ELF: section name table outside the file");
    im->shstr = read_blob(im, s->sh_offset, s->sh_size);
    if (!im->shstr)
        return fail(err, errlen, "cannot read section name table");
    im->shstrsz = s->sh_size;
    return 0;
}

/* Loads the section headers and their names. No section headers at all (e_shoff == 0) is
 * valid, e.g. after sstrip; such files are then searched through PT_NOTE instead. */
static int load_sections(struct elf_image *im, char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = &im->eh;
    uint64_t shnum = eh->e_shnum;
    size_t strndx = eh->e_shstrndx;
    Elf64_Shdr first;

    if (eh->e_shoff == 0)
        return 0;
    if (eh->e_shentsize != sizeof(Elf64_Shdr))
        return fail(err, errlen, "malformed ELF: section header size %u", eh->e_shentsize);
    if (!in_file(im, eh->e_shoff, sizeof first) ||
        read_at(im->fd, eh->e_shoff, &first, sizeof first) < 0)
        return fail(err, errlen, "malformed ELF: section headers outside the file");
    /* With 0xff00 sections or more, the real counts live in section 0. */
    if (shnum == 0)
        shnum = first.sh_size;
    if (strndx == SHN_XINDEX)
        strndx = first.sh_link;
    if (shnum == 0)
        return 0;
    if (shnum > (im->size - eh->e_shoff) / sizeof(Elf64_Shdr))
        return fail(err, errlen, "malformed ELF: section headers outside the file");
    im->sh = (Elf64_Shdr *)(void *)read_blob(im, eh->e_shoff, shnum * sizeof(Elf64_Shdr));
    if (!im->sh)
        return fail(err, errlen, "cannot read section headers");
    im->shnum = (size_t)shnum;
    return load_names(im, strndx, err, errlen);
}

static void image_close(struct elf_image *im)
{
    if (im->fd >= 0)
        close(im->fd);
    free(im->sh);
    free(im->shstr);
    im->fd = -1;
    im->sh = NULL;
    im->shstr = NULL;
}

static int image_open(struct elf_image *im, const char *path, char *err, size_t errlen)
{
    struct stat st;

    memset(im, 0, sizeof *im);
    /* A regular file only: a directory or device has no usable size, a FIFO would hang. */
    im->fd = open_regular_file(path, err, errlen);
    if (im->fd < 0)
        return -1;
    if (fstat(im->fd, &st) < 0) {
        fail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        image_close(im);
        return -1;
    }
    im->size = (uint64_t)st.st_size;
    if (read_header(im, err, errlen) < 0 || load_sections(im, err, errlen) < 0) {
        image_close(im);
        return -1;
    }
    return 0;
}

static const char *section_name(const struct elf_image *im, const Elf64_Shdr *s)
{
    if (!im->shstr || s->sh_name >= im->shstrsz)
        return "";
    return im->shstr + s->sh_name; /* ends at the latest at the NUL read_blob added */
}

static const Elf64_Shdr *find_section(const struct elf_image *im, const char *name)
{
    for (size_t i = 0; i < im->shnum; i++)
        if (strcmp(section_name(im, &im->sh[i]), name) == 0)
            return &im->sh[i];
    return NULL;
}

/* Steps over one note record at *pos: 1 with *n filled, 0 at the end of the region, -1
 * if the record claims more bytes than are left. Padding is to the alignment of the
 * position in the region (not of the field length), and the last record may lack it. */
static int note_next(const unsigned char *buf, uint64_t len, uint64_t *pos, uint64_t align,
                     struct elf_note *n)
{
    Elf64_Nhdr h;
    uint64_t p = *pos;

    if (len - p < sizeof h)
        return 0;
    memcpy(&h, buf + p, sizeof h);
    p += sizeof h;
    if (h.n_namesz > len - p)
        return -1;
    n->owner = (const char *)buf + p;
    n->ownersz = h.n_namesz;
    p = (p + h.n_namesz + align - 1) & ~(align - 1); /* p < 2^63: cannot wrap */
    if (p > len || h.n_descsz > len - p)
        return -1;
    n->desc = buf + p;
    n->descsz = h.n_descsz;
    p = (p + h.n_descsz + align - 1) & ~(align - 1);
    n->type = h.n_type;
    *pos = p < len ? p : len;
    return 1;
}

static int note_is(const struct elf_note *n, const char *owner, uint32_t type)
{
    size_t len = strlen(owner) + 1;

    return n->type == type && n->ownersz == len && memcmp(n->owner, owner, len) == 0;
}

/* Reads one note region (a section or a segment) and hands each record to fn. Notes are
 * 4-byte aligned unless the region says 8 (as .note.gnu.property does). */
static int scan_region(const struct elf_image *im, uint64_t off, uint64_t size, uint64_t align,
                       const char *what, note_fn fn, void *ctx, char *err, size_t errlen)
{
    unsigned char *buf;
    uint64_t pos = 0;
    struct elf_note n;
    int rc = 0, step = 0;

    if (!in_file(im, off, size))
        return fail(err, errlen, "malformed ELF: %s outside the file", what);
    buf = (unsigned char *)read_blob(im, off, size);
    if (!buf)
        return fail(err, errlen, "cannot read %s", what);
    while (rc == 0 && (step = note_next(buf, size, &pos, align == 8 ? 8 : 4, &n)) == 1)
        rc = fn(ctx, &n, err, errlen);
    if (rc == 0 && step < 0)
        rc = fail(err, errlen, "malformed ELF: bad note record in %s", what);
    free(buf);
    return rc;
}

static int scan_sections(const struct elf_image *im, const char *secname, note_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    char what[64];

    for (size_t i = 0; i < im->shnum; i++) {
        const Elf64_Shdr *s = &im->sh[i];
        int rc;

        if (s->sh_type != SHT_NOTE)
            continue;
        if (secname && strcmp(section_name(im, s), secname) != 0)
            continue;
        /* The index, not the name: names come from the file and may hold anything. */
        snprintf(what, sizeof what, "note section %zu", i);
        rc = scan_region(im, s->sh_offset, s->sh_size, s->sh_addralign, what, fn, ctx, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int scan_segments(const struct elf_image *im, note_fn fn, void *ctx, char *err,
                         size_t errlen)
{
    const Elf64_Ehdr *eh = &im->eh;
    uint64_t phsize = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
    Elf64_Phdr *ph;
    char what[64];
    int rc = 0;

    if (eh->e_phoff == 0 || eh->e_phnum == 0)
        return 0;
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || !in_file(im, eh->e_phoff, phsize))
        return fail(err, errlen, "malformed ELF: program headers outside the file");
    ph = (Elf64_Phdr *)(void *)read_blob(im, eh->e_phoff, phsize);
    if (!ph)
        return fail(err, errlen, "cannot read program headers");
    for (size_t i = 0; rc == 0 && i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_NOTE)
            continue;
        snprintf(what, sizeof what, "note segment %zu", i);
        rc = scan_region(im, ph[i].p_offset, ph[i].p_filesz, ph[i].p_align, what, fn, ctx, err,
                         errlen);
    }
    free(ph);
    return rc;
}

/* Section headers are the primary source (they name .note.stapsdt, which is not loaded and
 * so usually in no segment); program headers only when the file has no sections at all. */
static int for_each_note(const struct elf_image *im, const char *secname, note_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    if (im->shnum > 0)
        return scan_sections(im, secname, fn, ctx, err, errlen);
    return scan_segments(im, fn, ctx, err, errlen);
}

/* ---- USDT probes ---- */

struct usdt_ctx {
    struct elf_usdt_list *out;
    int cap;
    int have_base;
    uint64_t base_addr; /* where .stapsdt.base really is */
};

static uint64_t le64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v); /* desc is only 4-byte aligned */
    return v;
}

/* Sets size and sign from "[-]SIZE[f]@LOC"; anything else keeps size 0 ("not understood")
 * so that the caller can refuse the probe with the token in hand rather than guess. The
 * 'f' marks a floating-point argument in newer sdt.h; it stays visible in spec. */
static void decode_arg(struct elf_usdt_arg *a)
{
    const char *s = a->spec;
    int size = 0;

    a->is_signed = (*s == '-');
    s += a->is_signed;
    if (*s >= '1' && *s <= '8')
        size = *s++ - '0';
    if (*s == 'f')
        s++;
    if (*s != '@' || s[1] == '\0')
        return;
    if (size == 1 || size == 2 || size == 4 || size == 8)
        a->size = size;
}

static int parse_args(struct elf_usdt_probe *p)
{
    const char *blank = " \t\n";
    const char *s = p->args_text;
    size_t n = 0;

    for (const char *t = s + strspn(s, blank); *t; t += strspn(t, blank)) {
        t += strcspn(t, blank);
        n++;
    }
    if (n == 0)
        return 0;
    if (n > INT_MAX)
        return -1;
    p->args = calloc(n, sizeof *p->args);
    if (!p->args)
        return -1;
    p->n_args = (int)n; /* set first so that a failure below frees what was made */
    for (size_t i = 0; i < n; i++) {
        size_t len;

        s += strspn(s, blank);
        len = strcspn(s, blank);
        p->args[i].spec = strndup(s, len);
        if (!p->args[i].spec)
            return -1;
        decode_arg(&p->args[i]);
        s += len;
    }
    return 0;
}

static void probe_free(struct elf_usdt_probe *p)
{
    for (int i = 0; i < p->n_args; i++)
        free(p->args[i].spec);
    free(p->args);
    free(p->provider);
    free(p->name);
    free(p->args_text);
    memset(p, 0, sizeof *p);
}

static int add_probe(struct usdt_ctx *c, const char *strs[3], uint64_t pc, uint64_t sem)
{
    struct elf_usdt_list *l = c->out;
    struct elf_usdt_probe *p;

    if (l->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        void *grown = c->cap < INT_MAX / 2 ? realloc(l->probes, (size_t)cap * sizeof *p) : NULL;
        if (!grown)
            return -1;
        l->probes = grown;
        c->cap = cap;
    }
    p = &l->probes[l->n];
    memset(p, 0, sizeof *p);
    p->provider = strdup(strs[0]);
    p->name = strdup(strs[1]);
    p->args_text = strdup(strs[2]);
    p->pc = pc;
    p->semaphore = sem;
    if (!p->provider || !p->name || !p->args_text || parse_args(p) < 0) {
        probe_free(p);
        return -1;
    }
    l->n++;
    return 0;
}

/* Decodes one stapsdt note: pc, base, semaphore, then provider, name and args strings,
 * each of which must end with a NUL inside the note. */
static int on_usdt_note(void *vctx, const struct elf_note *n, char *err, size_t errlen)
{
    struct usdt_ctx *c = vctx;
    const char *strs[3];
    const char *s, *end;
    uint64_t pc, base, sem;

    if (!note_is(n, "stapsdt", STAPSDT_NOTE_TYPE))
        return 0;
    if (n->descsz < STAPSDT_DESC_FIXED)
        return fail(err, errlen, "malformed stapsdt note: too short");
    s = (const char *)n->desc + STAPSDT_DESC_FIXED;
    end = (const char *)n->desc + n->descsz;
    for (int i = 0; i < 3; i++) {
        const char *nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
        if (!nul || (i < 2 && nul == s))
            return fail(err, errlen, "malformed stapsdt note: bad strings");
        strs[i] = s;
        s = nul + 1;
    }
    pc = le64(n->desc);
    base = le64(n->desc + 8);
    sem = le64(n->desc + 16);
    /* prelink moves code after the notes were written; .stapsdt.base tells by how much. */
    if (c->have_base && base != 0) {
        pc += c->base_addr - base;
        if (sem != 0)
            sem += c->base_addr - base;
    }
    if (add_probe(c, strs, pc, sem) < 0)
        return fail(err, errlen, "out of memory");
    return 0;
}

struct probe_order {
    struct elf_usdt_probe *p;
    int idx; /* position in the file, so that "first" survives qsort's instability */
};

static int probe_order_cmp(const void *va, const void *vb)
{
    const struct probe_order *a = va, *b = vb;
    int d = strcmp(a->p->provider, b->p->provider);

    if (d == 0)
        d = strcmp(a->p->name, b->p->name);
    if (d == 0)
        d = (a->idx > b->idx) - (a->idx < b->idx);
    return d;
}

static int sort_and_dedupe(struct elf_usdt_list *l)
{
    struct probe_order *o;
    struct elf_usdt_probe *sorted;
    int m = 0;

    if (l->n < 2)
        return 0;
    o = malloc((size_t)l->n * sizeof *o);
    sorted = malloc((size_t)l->n * sizeof *sorted);
    if (!o || !sorted) {
        free(o);
        free(sorted);
        return -1;
    }
    for (int i = 0; i < l->n; i++)
        o[i] = (struct probe_order){&l->probes[i], i};
    qsort(o, (size_t)l->n, sizeof *o, probe_order_cmp);
    for (int i = 0; i < l->n; i++) {
        struct elf_usdt_probe *prev = m > 0 ? &sorted[m - 1] : NULL;
        if (prev && strcmp(prev->provider, o[i].p->provider) == 0 &&
            strcmp(prev->name, o[i].p->name) == 0)
            probe_free(o[i].p);
        else
            sorted[m++] = *o[i].p;
    }
    free(o);
    free(l->probes);
    l->probes = sorted;
    l->n = m;
    return 0;
}

int elf_read_usdt(const char *path, struct elf_usdt_list *out, char *err, size_t errlen)
{
    struct elf_image im;
    struct usdt_ctx c = {.out = out};
    const Elf64_Shdr *base;
    int rc;

    out->probes = NULL;
    out->n = 0;
    if (image_open(&im, path, err, errlen) < 0)
        return -1;
    base = find_section(&im, ".stapsdt.base");
    if (base) {
        c.have_base = 1;
        c.base_addr = base->sh_addr;
    }
    rc = for_each_note(&im, ".note.stapsdt", on_usdt_note, &c, err, errlen);
    image_close(&im);
    if (rc >= 0 && sort_and_dedupe(out) < 0)
        rc = fail(err, errlen, "out of memory");
    if (rc < 0) {
        elf_usdt_list_free(out);
        return -1;
    }
    return 0;
}

void elf_usdt_list_free(struct elf_usdt_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        probe_free(&l->probes[i]);
    free(l->probes);
    l->probes = NULL;
    l->n = 0;
}

/* ---- build-id and DWARF ---- */

struct build_id_ctx {
    char *hex;
    size_t hexlen;
    int found;
};

static int on_build_id_note(void *vctx, const struct elf_note *n, char *err, size_t errlen)
{
    static const char digits[] = "0123456789abcdef";
    struct build_id_ctx *c = vctx;

    if (!note_is(n, "GNU", NT_GNU_BUILD_ID) || n->descsz == 0)
        return 0;
    if (c->hexlen < 2 * (size_t)n->descsz + 1)
        return fail(err, errlen, "build-id buffer too small");
    for (uint32_t i = 0; i < n->descsz; i++) {
        c->hex[2 * i] = digits[n->desc[i] >> 4];
        c->hex[2 * i + 1] = digits[n->desc[i] & 15];
    }
    c->hex[2 * (size_t)n->descsz] = '\0';
    c->found = 1;
    return 1;
}

int elf_read_build_id(const char *path, char *hex, size_t hexlen)
{
    struct elf_image im;
    struct build_id_ctx c = {hex, hexlen, 0};
    char err[256];
    int rc;

    if (!hex || hexlen == 0)
        return -1;
    hex[0] = '\0';
    if (image_open(&im, path, err, sizeof err) < 0)
        return -1;
    rc = for_each_note(&im, NULL, on_build_id_note, &c, err, sizeof err);
    image_close(&im);
    if (rc < 0 || !c.found) {
        hex[0] = '\0';
        return -1;
    }
    return 0;
}

int elf_has_debug_info(const char *path)
{
    struct elf_image im;
    char err[256];
    int found = 0;

    if (image_open(&im, path, err, sizeof err) < 0)
        return -1;
    for (size_t i = 0; found == 0 && i < im.shnum; i++) {
        const Elf64_Shdr *s = &im.sh[i];
        const char *name = section_name(&im, s);

        if (strcmp(name, ".debug_info") != 0 && strcmp(name, ".zdebug_info") != 0)
            continue;
        if (s->sh_type == SHT_NOBITS || s->sh_size == 0)
            continue; /* a placeholder, e.g. in a file stripped to a stub */
        /* DWARF said to be there but cut off is a broken file, not a "no". */
        found = in_file(&im, s->sh_offset, s->sh_size) ? 1 : -1;
    }
    image_close(&im);
    return found;
}

/* ---- the Open vSwitch version ---- */

int elf_read_ovs_version(const char *path, char *out, size_t outlen)
{
    /* The format of ovs_get_program_version()/ovs_print_version(), with VERSION pasted in at
     * compile time: the program's name is filled in at run time, the version is not. */
    static const char marker[] = "%s (Open vSwitch) ";
    struct elf_image im;
    char err[256];
    int rc = -1;

    if (!out || outlen == 0)
        return -1;
    out[0] = '\0';
    if (image_open(&im, path, err, sizeof err) < 0)
        return -1;
    const Elf64_Shdr *s = find_section(&im, ".rodata");
    char *data = s && s->sh_type != SHT_NOBITS ? read_blob(&im, s->sh_offset, s->sh_size) : NULL;
    for (const char *p = data; p && (p = memmem(p, (size_t)(data + s->sh_size - p), marker, sizeof marker - 1));
         p += sizeof marker - 1) {
        const char *v = p + sizeof marker - 1;
        size_t n = strspn(v, "0123456789.");
        /* At least MAJOR.MINOR; "-dev", "-1ubuntu1" and the like after it are not the release. */
        if (n == 0 || n >= outlen || !strchr(v, '.') || strchr(v, '.') >= v + n || v[0] == '.')
            continue;
        memcpy(out, v, n);
        out[n] = '\0';
        rc = 0;
        break;
    }
    free(data);
    image_close(&im);
    return rc;
}
