// SPDX-License-Identifier: Apache-2.0
// A netlink request of the Open vSwitch flow or packet family (the bytes of the ofpbuf an
// op_flow_* probe passes) as text: the netlink, generic netlink and ovs headers on one line,
// then each attribute on a line of its own, flow keys and masks as dump-flows prints them.
#ifndef OVSTRACE_NL_FORMAT_H
#define OVSTRACE_NL_FORMAT_H

#include "util.h"

#include <stddef.h>

enum nl_family { NL_FAMILY_FLOW, NL_FAMILY_PACKET };

/* Append MSG (LEN bytes, possibly cut short) to OUT: the headers, then "\n" INDENT and an
 * attribute per line. The header's nlmsg_len is printed as found: OVS fills it in when it
 * sends the message, after the probe, so it reads 0; attributes are walked over LEN. */
void nl_msg_format(const unsigned char *msg, size_t len, enum nl_family family, const char *indent,
                   struct strbuf *out);

#endif
