// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for ODP flow filters: the input is a filter text (what `-p filter=`
// takes), optionally followed by a NUL byte and a netlink flow key. The text is parsed;
// a filter that parses is lowered to bpftrace and matched against the key, and the key is
// printed as dump-flows would: every function that reads user text or key bytes.
#include "bt_dialect.h"
#include "btir.h"
#include "emit.h"
#include "fuzz_harness.h"
#include "odp/odp_filter.h"
#include "odp/odp_format.h"
#include "odp/odp_lower.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    /* The parser takes a C string, as parameter values are. */
    char *text = strndup((const char *)data, tlen);
    const unsigned char *key = nul ? nul + 1 : NULL;
    size_t klen = nul ? size - tlen - 1 : 0;
    /* A real key is a copy in a buffer of its own: no slack after it for ASan to miss. */
    unsigned char *keycopy = klen ? malloc(klen) : NULL;
    if (klen)
        memcpy(keycopy, key, klen);

    struct odp_filter f;
    char err[256], hint[256];
    unsigned off = 0, len = 0;
    if (odp_filter_parse(text, NULL, &f, err, sizeof err, hint, sizeof hint, &off, &len) == 0) {
        /* The walk, rendered in each form the dialects give it (0.17, 0.21+, 0.26+'s casts). */
        static const struct bt_version forms[] = { { 0, 17, 0 }, { 0, 23, 0 }, { 0, 27, 0 } };
        struct bt_program *p = bt_program_new();
        struct bt_block *b = bt_block_new("usdt:fuzz");
        vec_push(&p->blocks, b);
        odp_lower_walk(b, bx_var("$key"), bx_var("$len"), &f, "match");
        for (unsigned i = 0; i < sizeof forms / sizeof forms[0]; i++) {
            p->dialect = bt_dialect_of(forms[i]);
            free(emit_script(p));
        }
        bt_program_free(p);
        odp_filter_match(&f, keycopy, klen);
    } else if (off > tlen) {
        abort();    /* the error must point into the text (or just past its end) */
    }
    odp_filter_free(&f);
    struct strbuf s = { 0 };
    odp_key_format(keycopy, klen, &s);
    sb_free(&s);
    free(keycopy);
    free(text);
    return 0;
}
