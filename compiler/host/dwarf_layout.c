// SPDX-License-Identifier: Apache-2.0
// Reads struct layouts with elfutils' libdw: in goes a binary's path (its own DWARF or a debug file
// found by build-id or .gnu_debuglink), out come struct sizes and member offsets (API in dwarf_layout.h).
#define _POSIX_C_SOURCE 200809L

#include "dwarf_layout.h"

#include "elf_notes.h"
#include "util.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUILD_ID_HEX 130 /* up to 64 id bytes, as elf_read_build_id writes them */
#define TYPE_DEPTH 16    /* type chains are acyclic in valid DWARF; this guards against bad files */

/* Where a struct name's definition is. The name points into the DWARF string data, which
 * lives as long as the Dwarf handle, so the index copies no strings. */
struct index_slot {
    const char *name; /* NULL: empty slot */
    Dwarf *dbg;       /* the main file's Dwarf or its dwz alternate */
    Dwarf_Off off;    /* global offset of the struct/union DIE */
    int via_typedef;  /* found as "typedef struct { ... } name;", yields to a real tag */
};

struct dwarf_layouts {
    int fd;
    Dwarf *dbg;
    char *source;
    struct index_slot *slots; /* open addressing, power-of-two size; NULL until indexed */
    size_t nslots, nused;
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Fills err and returns -1, so that error paths are one line. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- finding the file that holds the DWARF ---- */

/* Opens path for reading and checks the ELF magic, so that "not ELF" is told apart from
 * "ELF without debug info". Returns the fd, or -1 with err set. */
static int open_elf_file(const char *path, char *err, size_t errlen)
{
    unsigned char magic[4];
    int fd = open_regular_file(path, err, errlen);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = pread(fd, magic, sizeof magic, 0);
    if (n < 0) {
        fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (n != (ssize_t)sizeof magic || memcmp(magic, "\177ELF", 4) != 0) {
        fail(err, errlen, "%s is not an ELF file", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Takes file as the DWARF source if it is ELF with debug info and, when both it and the binary
 * carry a build-id, the ids match: a debug file from another build would give offsets that
 * look right and are not. Returns 0, or -1 with the reason in why (when it is worth telling). */
static int take_file(struct dwarf_layouts *d, const char *file, const char *want_id, char *why,
                     size_t whylen)
{
    char id[BUILD_ID_HEX];
    int fd;
    Dwarf *dbg;

    if (access(file, F_OK) != 0 || (fd = open_elf_file(file, why, whylen)) < 0)
        return -1;
    if (*want_id && elf_read_build_id(file, id, sizeof id) == 0 && strcmp(id, want_id) != 0) {
        close(fd);
        return fail(why, whylen, "%s is for build-id %s, not this one", file, id);
    }
    dbg = dwarf_begin(fd, DWARF_C_READ);
    if (!dbg) {
        close(fd);
        return fail(why, whylen, "%s has no DWARF either", file);
    }
    d->fd = fd;
    d->dbg = dbg;
    d->source = xstrdup(file);
    return 0;
}

/* libdwfl must never go looking for files on its own (it could ask a debuginfod server):
 * it is only used here to hand out the binary's ELF handle. */
static int no_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                  char **file_name, Elf **elfp)
{
    (void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)elfp;
    return -1;
}

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                        const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                        char **debuginfo_file_name)
{
    (void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)debuglink_file,
        (void)debuglink_crc, (void)debuginfo_file_name;
    return -1;
}

/* Copies the file name in path's .gnu_debuglink section into name ("" when there is none).
 * libdwfl opens the file because it owns (and frees) the ELF handle that libdwelf needs,
 * which keeps libelf itself off our link line. */
static void read_debuglink(const char *path, char *name, size_t namelen)
{
    static const Dwfl_Callbacks callbacks = {
        .find_elf = no_elf,
        .find_debuginfo = no_debuginfo,
        .section_address = dwfl_offline_section_address,
    };
    Dwfl *dwfl = dwfl_begin(&callbacks);
    Dwfl_Module *mod = dwfl ? dwfl_report_offline(dwfl, "", path, -1) : NULL;
    GElf_Addr bias;
    Elf *elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
    GElf_Word crc;
    const char *link = elf ? dwelf_elf_gnu_debuglink(elf, &crc) : NULL;

    snprintf(name, namelen, "%s", link && !strchr(link, '/') ? link : "");
    if (dwfl)
        dwfl_end(dwfl);
}

/* The directory holding path, resolved, for the /usr/lib/debug/<dir>/ mirror. */
static char *binary_dir(const char *path)
{
    char *real = realpath(path, NULL);
    char *dir = xstrdup(real ? real : path);
    char *slash = strrchr(dir, '/');

    free(real);
    if (!slash) {
        free(dir);
        return xstrdup(".");
    }
    slash[slash == dir] = '\0'; /* "/x" -> "/" */
    return dir;
}

/* The error for a binary without DWARF: what was looked for, and why a file found was refused. */
static void explain_missing(const char *path, const char *id, const char *debugdir, const char *link,
                            const char *why, char *err, size_t errlen)
{
    struct strbuf b = {0};

    sb_printf(&b, "no DWARF debug info in %s (stripped?) and no debug file for ", path);
    if (*id)
        sb_printf(&b, "build-id %s under %s/.build-id/ or in debuginfod's cache", id, debugdir);
    else
        sb_add(&b, "it (it has no build-id)");
    if (*link)
        sb_printf(&b, " or for .gnu_debuglink %s", link);
    if (*why)
        sb_printf(&b, "; %s", why);
    fail(err, errlen, "%s", b.s);
    sb_free(&b);
}

/* Where `debuginfod-find debuginfo BINARY` leaves the debug file of build-id ID (the client's
 * cache: $DEBUGINFOD_CACHE_PATH, else $XDG_CACHE_HOME/debuginfod_client, else
 * ~/.cache/debuginfod_client), or NULL without a place to look. ovstrace does not fetch. */
static char *debuginfod_cached(const char *id)
{
    const char *cache = getenv("DEBUGINFOD_CACHE_PATH"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (cache && *cache)
        return xasprintf("%s/%s/debuginfo", cache, id);
    if (xdg && *xdg)
        return xasprintf("%s/debuginfod_client/%s/debuginfo", xdg, id);
    return home && *home ? xasprintf("%s/.cache/debuginfod_client/%s/debuginfo", home, id) : NULL;
}

/* Tries the build-id file, then debuginfod's cache, then the .gnu_debuglink places, in gdb's
 * order. Returns 0 when one was taken; otherwise -1 with err explaining what was looked for. */
static int find_debug_file(struct dwarf_layouts *d, const char *path, char *err, size_t errlen)
{
    const char *root = getenv("OVSTRACE_DEBUG_ROOT");
    char id[BUILD_ID_HEX] = "", link[256], why[PATH_MAX + 128] = "";
    char *debugdir = xasprintf("%s/usr/lib/debug", root ? root : "");
    char *dir = binary_dir(path), *cand[5] = {NULL};
    int n = 0, found = -1;

    if (elf_read_build_id(path, id, sizeof id) != 0 || strlen(id) < 3)
        id[0] = '\0';
    read_debuglink(path, link, sizeof link);
    if (*id)
        cand[n++] = xasprintf("%s/.build-id/%.2s/%s.debug", debugdir, id, id + 2);
    if (*id && (cand[n] = debuginfod_cached(id)))
        n++;
    if (*link) {
        cand[n++] = xasprintf("%s/%s", dir, link);
        cand[n++] = xasprintf("%s/.debug/%s", dir, link);
        cand[n++] = xasprintf("%s%s/%s", debugdir, strcmp(dir, "/") ? dir : "", link);
    }
    /* The first refusal is the one worth telling; later candidates are usually absent. */
    for (int i = 0; i < n && found < 0; i++)
        if (strcmp(cand[i], path) != 0)
            found = take_file(d, cand[i], id, why[0] ? NULL : why, sizeof why);
    if (found < 0)
        explain_missing(path, id, debugdir, link, why, err, errlen);
    for (int i = 0; i < n; i++)
        free(cand[i]);
    free(dir);
    free(debugdir);
    return found;
}

struct dwarf_layouts *dwarf_open(const char *path, char *err, size_t errlen)
{
    struct dwarf_layouts *d = xcalloc(1, sizeof *d);
    int fd = open_elf_file(path, err, errlen);

    d->fd = -1;
    if (fd < 0) {
        free(d);
        return NULL;
    }
    d->dbg = dwarf_begin(fd, DWARF_C_READ);
    if (d->dbg) {
        d->fd = fd;
        d->source = xstrdup(path);
        return d;
    }
    close(fd);
    if (find_debug_file(d, path, err, errlen) < 0) {
        free(d);
        return NULL;
    }
    return d;
}

const char *dwarf_source(const struct dwarf_layouts *d)
{
    return d->source;
}

void dwarf_close(struct dwarf_layouts *d)
{
    if (!d)
        return;
    free(d->slots);
    if (d->dbg)
        dwarf_end(d->dbg); /* also ends the dwz alternate it opened */
    if (d->fd >= 0)
        close(d->fd);
    free(d->source);
    free(d);
}

/* ---- the name index ---- */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot holding name, or the empty slot where it would go. */
static struct index_slot *index_slot(struct dwarf_layouts *d, const char *name)
{
    size_t i = (size_t)hash_name(name) & (d->nslots - 1);

    while (d->slots[i].name && strcmp(d->slots[i].name, name) != 0)
        i = (i + 1) & (d->nslots - 1);
    return &d->slots[i];
}

static void index_grow(struct dwarf_layouts *d)
{
    struct index_slot *old = d->slots;
    size_t oldn = d->nslots;

    d->nslots = oldn ? oldn * 2 : 1024;
    d->slots = xcalloc(d->nslots, sizeof *d->slots);
    for (size_t i = 0; i < oldn; i++)
        if (old[i].name)
            *index_slot(d, old[i].name) = old[i];
    free(old);
}

/* Records a definition; the first real struct/union tag of a name wins, and a typedef only
 * fills a name no tag has, as in C where "struct x" and a typedef x are different things. */
static void index_put(struct dwarf_layouts *d, const char *name, Dwarf_Die *def, int via_typedef)
{
    struct index_slot *s;

    if ((d->nused + 1) * 2 > d->nslots)
        index_grow(d);
    s = index_slot(d, name);
    if (s->name && (via_typedef || !s->via_typedef))
        return;
    if (!s->name)
        d->nused++;
    *s = (struct index_slot){name, dwarf_cu_getdwarf(def->cu), dwarf_dieoffset(def), via_typedef};
}

static int is_aggregate(int tag)
{
    return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

/* A definition, not "struct x;": no DW_AT_declaration, and a size. */
static int is_definition(Dwarf_Die *die)
{
    return !dwarf_hasattr(die, DW_AT_declaration) && dwarf_hasattr(die, DW_AT_byte_size);
}

/* The DIE named by die's DW_AT_type; 0 when there is none (void). */
static int type_of(Dwarf_Die *die, Dwarf_Die *type)
{
    Dwarf_Attribute a;

    return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, type) != NULL;
}

/* For "typedef struct { ... } name;" (possibly through more typedefs or qualifiers), the
 * anonymous struct or union; 0 otherwise. */
static int typedef_target(Dwarf_Die *td, Dwarf_Die *agg)
{
    Dwarf_Die t = *td;

    for (int i = 0; i < TYPE_DEPTH; i++) {
        if (!type_of(&t, agg))
            return 0;
        if (is_aggregate(dwarf_tag(agg)))
            return dwarf_diename(agg) == NULL && is_definition(agg);
        if (dwarf_tag(agg) != DW_TAG_typedef && dwarf_tag(agg) != DW_TAG_const_type &&
            dwarf_tag(agg) != DW_TAG_volatile_type)
            return 0;
        t = *agg;
    }
    return 0;
}

static void index_die(struct dwarf_layouts *d, Dwarf_Die *die)
{
    int tag = dwarf_tag(die);
    const char *name;
    Dwarf_Die agg;

    if (tag != DW_TAG_typedef && !is_aggregate(tag))
        return;
    name = dwarf_diename(die);
    if (!name)
        return;
    if (tag == DW_TAG_typedef) {
        if (typedef_target(die, &agg))
            index_put(d, name, &agg, 1);
    } else if (is_definition(die)) {
        index_put(d, name, die, 0);
    }
}

/* One pass over the children of every unit's top DIE. Only file-scope types are looked at,
 * which is where C structs that cross function boundaries live, and it keeps the pass from
 * descending into every function body: that is what makes indexing a large binary cheap. */
static void index_units(struct dwarf_layouts *d, Dwarf *dbg)
{
    Dwarf_CU *cu = NULL;
    Dwarf_Half version;
    uint8_t unit_type;
    Dwarf_Die top, sub, child;

    while (dwarf_get_units(dbg, cu, &cu, &version, &unit_type, &top, &sub) == 0) {
        if (dwarf_child(&top, &child) != 0)
            continue;
        do
            index_die(d, &child);
        while (dwarf_siblingof(&child, &child) == 0);
    }
}

/* The main file's units first, so that its definitions win over the dwz alternate's (a
 * dwz-processed debug file moves shared types into partial units, often in another file). */
static void index_build(struct dwarf_layouts *d)
{
    Dwarf *alt = dwarf_getalt(d->dbg);

    index_grow(d);
    index_units(d, d->dbg);
    if (alt)
        index_units(d, alt);
}

/* ---- reading one struct ---- */

static const char *tag_keyword(int tag)
{
    switch (tag) {
    case DW_TAG_structure_type: return "struct";
    case DW_TAG_union_type: return "union";
    case DW_TAG_enumeration_type: return "enum";
    case DW_TAG_class_type: return "class";
    default: return NULL;
    }
}

static const char *qualifier(int tag)
{
    switch (tag) {
    case DW_TAG_const_type: return "const";
    case DW_TAG_volatile_type: return "volatile";
    case DW_TAG_restrict_type: return "restrict";
    case DW_TAG_atomic_type: return "_Atomic";
    default: return NULL;
    }
}

static void put_type(struct strbuf *b, Dwarf_Die *t, int depth);

/* "T[4][2]": one bracket per subrange; "[]" when the bound is unknown (flexible array). */
static void put_array(struct strbuf *b, Dwarf_Die *arr, int depth)
{
    Dwarf_Die elem, sub;
    Dwarf_Attribute a;
    Dwarf_Word n;

    put_type(b, type_of(arr, &elem) ? &elem : NULL, depth + 1);
    if (dwarf_child(arr, &sub) != 0)
        return;
    do {
        if (dwarf_tag(&sub) != DW_TAG_subrange_type)
            continue;
        if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0)
            sb_printf(b, "[%llu]", (unsigned long long)n);
        else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &n) == 0)
            sb_printf(b, "[%llu]", (unsigned long long)n + 1);
        else
            sb_add(b, "[]");
    } while (dwarf_siblingof(&sub, &sub) == 0);
}

/* "char *", "char **", and "RET (*)()" for a function pointer (its parameters are left out). */
static void put_pointer(struct strbuf *b, Dwarf_Die *ptr, int depth)
{
    Dwarf_Die to, ret;
    int has_to = type_of(ptr, &to);

    if (has_to && dwarf_tag(&to) == DW_TAG_subroutine_type) {
        put_type(b, type_of(&to, &ret) ? &ret : NULL, depth + 1);
        sb_add(b, " (*)()");
        return;
    }
    put_type(b, has_to ? &to : NULL, depth + 1);
    sb_add(b, b->len && b->s[b->len - 1] == '*' ? "*" : " *");
}

/* "const char" but "char *const": a qualified pointer is spelled the way C declares it. */
static void put_qualified(struct strbuf *b, Dwarf_Die *q, const char *kw, int depth)
{
    Dwarf_Die t;
    int has_t = type_of(q, &t);

    if (has_t && dwarf_tag(&t) == DW_TAG_pointer_type) {
        put_type(b, &t, depth + 1);
        sb_printf(b, " %s", kw);
        return;
    }
    sb_printf(b, "%s ", kw);
    put_type(b, has_t ? &t : NULL, depth + 1);
}

/* Appends the C spelling of type t (NULL is void). */
static void put_type(struct strbuf *b, Dwarf_Die *t, int depth)
{
    const char *name, *kw, *qual;
    int tag;

    if (!t) {
        sb_add(b, "void");
        return;
    }
    if (depth > TYPE_DEPTH) {
        sb_add(b, "...");
        return;
    }
    tag = dwarf_tag(t);
    if (tag == DW_TAG_pointer_type)
        put_pointer(b, t, depth);
    else if ((qual = qualifier(tag)))
        put_qualified(b, t, qual, depth);
    else if (tag == DW_TAG_array_type)
        put_array(b, t, depth);
    else if (tag == DW_TAG_subroutine_type)
        sb_add(b, "function");
    else {
        name = dwarf_diename(t);
        kw = tag_keyword(tag);
        if (kw)
            sb_printf(b, "%s %s", kw, name ? name : "<anonymous>");
        else
            sb_add(b, name ? name : "?");
    }
}

/* Is t a pointer once typedefs and qualifiers are peeled off? */
static int is_pointer(Dwarf_Die *t)
{
    Dwarf_Die cur = *t;

    for (int i = 0; i < TYPE_DEPTH; i++) {
        int tag = dwarf_tag(&cur);
        if (tag == DW_TAG_pointer_type)
            return 1;
        if ((tag != DW_TAG_typedef && !qualifier(tag)) || !type_of(&cur, &cur))
            return 0;
    }
    return 0;
}

/* The member's offset from DW_AT_data_member_location: a constant (DWARF 3 and later) or a
 * DW_OP_plus_uconst expression (DWARF 2). For a bitfield without one, the byte holding its
 * first bit; a union member without one is at 0 (GCC omits it there). Returns -1 when the
 * member has no place. */
static int member_offset(Dwarf_Die *m, int in_union, Dwarf_Word *off)
{
    Dwarf_Attribute a;
    Dwarf_Op *ops;
    size_t nops;

    if (dwarf_attr_integrate(m, DW_AT_data_member_location, &a)) {
        if (dwarf_formudata(&a, off) == 0)
            return 0;
        if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_plus_uconst) {
            *off = ops[0].number;
            return 0;
        }
        return -1;
    }
    if (dwarf_attr_integrate(m, DW_AT_data_bit_offset, &a) && dwarf_formudata(&a, off) == 0) {
        *off /= 8;
        return 0;
    }
    *off = 0;
    return in_union ? 0 : -1;
}

static void add_member(struct dwarf_struct *out, Dwarf_Die *m, int in_union)
{
    struct dwarf_member *dm;
    struct strbuf type = {0};
    Dwarf_Word off, size = 0;
    Dwarf_Die t;
    int has_type = type_of(m, &t);
    const char *name = dwarf_diename(m);

    if (member_offset(m, in_union, &off) < 0)
        return;
    if (has_type && !dwarf_hasattr_integrate(m, DW_AT_bit_size) && dwarf_aggregate_size(&t, &size) != 0)
        size = 0;
    put_type(&type, has_type ? &t : NULL, 0);
    out->members = xrealloc(out->members, (size_t)(out->nmembers + 1) * sizeof *out->members);
    dm = &out->members[out->nmembers++];
    dm->name = name ? xstrdup(name) : NULL;
    dm->offset = (long)off;
    dm->size = (long)size;
    dm->is_pointer = has_type && is_pointer(&t);
    dm->type_name = sb_steal(&type);
}

static void read_struct(Dwarf_Die *agg, const char *name, struct dwarf_struct *out)
{
    int in_union = dwarf_tag(agg) == DW_TAG_union_type;
    Dwarf_Die m;
    int size = dwarf_bytesize(agg);

    *out = (struct dwarf_struct){xstrdup(name), size < 0 ? 0 : size, NULL, 0};
    if (dwarf_child(agg, &m) != 0)
        return;
    do
        if (dwarf_tag(&m) == DW_TAG_member)
            add_member(out, &m, in_union);
    while (dwarf_siblingof(&m, &m) == 0);
}

int dwarf_find_struct(struct dwarf_layouts *d, const char *name, struct dwarf_struct *out)
{
    struct index_slot *s;
    Dwarf_Die die;

    memset(out, 0, sizeof *out);
    if (!d || !name)
        return -1;
    if (!d->slots)
        index_build(d);
    s = index_slot(d, name);
    if (!s->name || !dwarf_offdie(s->dbg, s->off, &die))
        return -1;
    read_struct(&die, name, out);
    return 0;
}

void dwarf_struct_release(struct dwarf_struct *s)
{
    for (int i = 0; i < s->nmembers; i++) {
        free(s->members[i].name);
        free(s->members[i].type_name);
    }
    free(s->members);
    free(s->name);
    memset(s, 0, sizeof *s);
}
