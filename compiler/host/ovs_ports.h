// SPDX-License-Identifier: Apache-2.0
// Datapath port numbers by name, asked of the running ovs-vswitchd: dump-flows prints
// in_port(p1), flow keys hold the number. Uses the daemon's own unixctl socket (found
// through /proc/PID/fd and /proc/net/unix) and its JSON-RPC, as ovs-appctl does.
#ifndef OVSTRACE_OVS_PORTS_H
#define OVSTRACE_OVS_PORTS_H

#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* The number of datapath port NAME (LEN bytes) of ovs-vswitchd PID. 0 on success; -1 with
 * a message in ERR. The port list is read once per process and kept. */
int ovs_port_number(int pid, const char *name, size_t len, uint32_t *port, char *err, size_t errlen);

struct json;

/* A unixctl JSON-RPC reply as it is read: bytes in, until they make one whole JSON value.
 * What ovs-vswitchd answers is read with these (tests/fuzz/fuzz_unixctl.c feeds them). */
struct unixctl_reply {
    struct strbuf bytes;
    struct json *json;       /* the reply, once the bytes are one whole value */
};
/* Add N bytes read; 1 once the reply is whole. */
int unixctl_reply_add(struct unixctl_reply *r, const char *buf, size_t n);
/* The reply's text result (the caller frees it), or NULL with ERR saying "WHAT: why". */
char *unixctl_reply_text(const struct unixctl_reply *r, const char *what, char *err, size_t errlen);
void unixctl_reply_free(struct unixctl_reply *r);

/* dpctl/show's text to ports: lines "  port N: NAME" or "  port N: NAME (type)". For tests. */
int ovs_ports_parse(const char *show, const char *name, size_t len, uint32_t *port);

#endif
