// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for what ovs-vswitchd answers over its unixctl socket (ovs_ports.c):
// a flow filter's in_port(NAME) asks it dpctl/show, and the JSON-RPC reply is read as it
// arrives, in pieces, until it is one whole JSON value; its text result is searched for
// the port. The input is NAME, a NUL byte, then the reply; without a NUL, all of it is the
// reply and the name is p1.
#include "fuzz_harness.h"
#include "host/ovs_ports.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads deliver a reply in pieces of any size; an odd one keeps boundaries moving. */
#define PIECE 61

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nul = memchr(data, '\0', size);
    char *name = nul ? strndup((const char *)data, (size_t)(nul - (const char *)data)) : strdup("p1");
    const char *reply = nul ? nul + 1 : (const char *)data;
    size_t len = size - (size_t)(reply - (const char *)data);
    struct unixctl_reply r = { 0 };
    int whole = 0;
    for (size_t i = 0; i < len && !whole; i += PIECE)
        whole = unixctl_reply_add(&r, reply + i, len - i < PIECE ? len - i : PIECE);
    char err[256];
    char *text = unixctl_reply_text(&r, "ovs-vswitchd.ctl dpctl/show", err, sizeof err);
    uint32_t port;
    if (text)
        ovs_ports_parse(text, name, strlen(name), &port);
    else if (!err[0])
        abort();    /* no text: the error says why */
    free(text);
    unixctl_reply_free(&r);
    free(name);
    return 0;
}
