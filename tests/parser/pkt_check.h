/* SPDX-License-Identifier: GPL-2.0-only */
/* Comparing and checking struct bh_pkt results: used by the parser tests
 * and by the fuzzer, which links nothing else of the tests. */
#ifndef BH_PKT_CHECK_H
#define BH_PKT_CHECK_H

#include <stddef.h>

#include "bulkhead_abi.h"

/* Writes the names of the fields where a and b differ, with both values,
 * into buf; returns the number of differing fields. */
int pv_pkt_diff(const struct bh_pkt *a, const struct bh_pkt *b, char *buf,
		size_t size);

/* Checks the invariants every parse result must hold for a frame of cap
 * captured bytes and wire length wire. Returns NULL or what is violated. */
const char *pv_pkt_invariant(const struct bh_pkt *p, __u32 cap, __u32 wire);

#endif /* BH_PKT_CHECK_H */
