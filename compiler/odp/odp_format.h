// SPDX-License-Identifier: Apache-2.0
// A netlink-encoded flow key (the bytes a probe's key argument points at) printed the way
// `ovs-appctl dpctl/dump-flows` prints keys: in_port(2),eth(src=...),eth_type(0x0800),...
// The text parses back as an odp_flow filter that matches the key it came from.
#ifndef OVSTRACE_ODP_FORMAT_H
#define OVSTRACE_ODP_FORMAT_H

#include "util.h"

#include <stddef.h>

/* Append KEY (LEN bytes of 4-byte aligned OVS_KEY_ATTR_* TLVs) to OUT. Attributes the
 * filter language does not know print as name(0xHEX) or key<TYPE>(0xHEX); a key cut short
 * (a probe that copied only part of it) ends with ",...". */
void odp_key_format(const unsigned char *key, size_t len, struct strbuf *out);

#endif
