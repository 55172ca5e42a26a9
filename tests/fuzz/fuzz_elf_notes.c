// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the ELF note reader (elf_notes.c): the input is a file, as
// `ovstrace probes --binary` and `--target` read one (the traced binary and the libraries it
// maps). Its USDT probes, its build-id and whether it has DWARF are read, and what comes
// back is checked against what the API promises.
#include "host/elf_notes.h"
#include "fuzz_harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_file_init();
    return 0;
}

/* Sorted by provider then name, each once; argument sizes as elf_notes.h lists them. */
static void check_probes(const struct elf_usdt_list *l)
{
    for (int i = 0; i < l->n; i++) {
        const struct elf_usdt_probe *p = &l->probes[i];
        if (!p->provider[0] || !p->name[0] || !p->args_text || p->n_args < 0 || (p->n_args > 0) != (p->args != NULL))
            abort();
        for (int a = 0; a < p->n_args; a++) {
            int s = p->args[a].size;
            if ((s != 0 && s != 1 && s != 2 && s != 4 && s != 8) || !p->args[a].spec[0])
                abort();
        }
        if (i > 0) {
            const struct elf_usdt_probe *q = &l->probes[i - 1];
            int d = strcmp(q->provider, p->provider);
            if (d > 0 || (d == 0 && strcmp(q->name, p->name) >= 0))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    struct elf_usdt_list l;
    char err[256];
    if (elf_read_usdt(path, &l, err, sizeof err) == 0)
        check_probes(&l);
    else if (l.n != 0 || !err[0])
        abort();    /* a failure leaves the list empty and says why */
    elf_usdt_list_free(&l);
    /* The size dwarf_layout.c passes, the usual SHA-1 one, and one too small for any id. */
    static const size_t hexlens[] = { 130, 41, 2 };
    for (size_t i = 0; i < sizeof hexlens / sizeof hexlens[0]; i++) {
        char hex[130];
        int rc = elf_read_build_id(path, hex, hexlens[i]);
        if (rc == 0 ? strlen(hex) + 1 > hexlens[i] || strlen(hex) % 2 : hex[0] != '\0')
            abort();
    }
    int dbg = elf_has_debug_info(path);
    if (dbg < -1 || dbg > 1)
        abort();
    return 0;
}
