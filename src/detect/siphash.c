// SPDX-License-Identifier: GPL-2.0-only
#include "siphash.h"

uint64_t bh_siphash(const uint64_t k[2], const void *data, size_t len,
		    unsigned int c_rounds, unsigned int d_rounds)
{
	return bh_siphash_inline(k, data, len, c_rounds, d_rounds);
}
