// SPDX-License-Identifier: Apache-2.0
// Reads facts about a traced binary straight from its ELF file: in goes the path of an x86_64
// executable or library, out come its USDT probes, its build-id and whether it has DWARF.
#ifndef OVSTRACE_ELF_NOTES_H
#define OVSTRACE_ELF_NOTES_H

#include <stddef.h>

/* One argument token of a probe, e.g. "-4@%eax". The size is what bpftrace needs to read
 * the argument with the right width; size 0 means the token was not of the form
 * [-]SIZE[f]@LOC with SIZE one of 1, 2, 4, 8 (very old or hand-written notes). */
struct elf_usdt_arg {
    int size;      /* bytes: 1, 2, 4, 8; 0 if not understood */
    int is_signed; /* 1 if the token starts with '-' */
    char *spec;    /* the whole token, as written in the note */
};

/* One probe site. pc and semaphore are link-time virtual addresses (already moved by the
 * .stapsdt.base difference if the file was prelinked); semaphore is 0 when there is none. */
struct elf_usdt_probe {
    char *provider;
    char *name;
    unsigned long long pc;
    unsigned long long semaphore;
    int n_args;
    struct elf_usdt_arg *args; /* NULL when n_args == 0 */
    char *args_text;           /* the raw argument string, "" when there are none */
};

/* Sorted by provider then name; a probe compiled at several sites (OVS inlines some) is
 * listed once, with the pc and arguments of its first note in file order. */
struct elf_usdt_list {
    struct elf_usdt_probe *probes;
    int n;
};

/* Reads the USDT notes of the ELF file at path into out (which is always initialised, so
 * elf_usdt_list_free is safe afterwards). Returns 0 on success, including a file without
 * notes (n == 0); -1 with a one-line message in err when the file cannot be read, is not a
 * 64-bit little-endian x86_64 ELF, or its headers or note sections are out of bounds. */
int elf_read_usdt(const char *path, struct elf_usdt_list *out, char *err, size_t errlen);

/* Frees everything elf_read_usdt allocated and leaves l empty. */
void elf_usdt_list_free(struct elf_usdt_list *l);

/* Writes the GNU build-id as lowercase hex (for /usr/lib/debug/.build-id/xx/yyyy.debug).
 * Returns 0, or -1 if the file is unreadable or malformed, has no build-id, or hex (which
 * needs 2 bytes per id byte plus a NUL; 41 for the usual SHA-1 id) is too small. */
int elf_read_build_id(const char *path, char *hex, size_t hexlen);

/* The Open vSwitch release the file was built from, as its read-only data spells it in the
 * text of `ovs-vswitchd --version` ("%s (Open vSwitch) 3.5.0", from lib/util.c; a shared-
 * library build has it in libopenvswitch): "3.5.0" into out, with any distribution suffix
 * cut. Nothing is executed. Returns 0, or -1 when the file is unreadable or malformed, has
 * no .rodata, or holds no such text (not Open vSwitch, or an unknown spelling). */
int elf_read_ovs_version(const char *path, char *out, size_t outlen);

/* Does the file carry DWARF, i.e. a .debug_info (or old-style .zdebug_info) section with
 * contents? 1 yes, 0 no (e.g. after strip), -1 when the file is unreadable or malformed. */
int elf_has_debug_info(const char *path);

#endif
