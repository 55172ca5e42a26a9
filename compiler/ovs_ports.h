// SPDX-License-Identifier: Apache-2.0
// Datapath port numbers by name, asked of the running ovs-vswitchd: dump-flows prints
// in_port(p1), flow keys hold the number. Uses the daemon's own unixctl socket (found
// through /proc/PID/fd and /proc/net/unix) and its JSON-RPC, as ovs-appctl does.
#ifndef OVSTRACE_OVS_PORTS_H
#define OVSTRACE_OVS_PORTS_H

#include <stddef.h>
#include <stdint.h>

/* The number of datapath port NAME (LEN bytes) of ovs-vswitchd PID. 0 on success; -1 with
 * a message in ERR. The port list is read once per process and kept. */
int ovs_port_number(int pid, const char *name, size_t len, uint32_t *port, char *err, size_t errlen);

/* dpctl/show's text to ports: lines "  port N: NAME" or "  port N: NAME (type)". For tests. */
int ovs_ports_parse(const char *show, const char *name, size_t len, uint32_t *port);

#endif
