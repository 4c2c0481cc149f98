// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: YAML bytes -> load -> (if valid) compile and analyse -> free.
 * Beyond crashes and leaks (ASan), it checks what the data plane relies
 * on: sorted arrays and indexes in range. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_compiled(const struct bh_compiled_policy *cp)
{
	size_t i;

	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		if ((i && cp->identities[i - 1].id >= id->id) ||
		    id->info.src_bitmap >= cp->n_bitmaps || !id->name)
			__builtin_trap();
	}
	for (i = 0; i < cp->n_ports; i++) {
		const struct bh_cp_port *e = &cp->ports[i];

		if (e->bitmap >= cp->n_bitmaps || e->prefixlen > 16 ||
		    e->port % (1u << (16 - e->prefixlen)))
			__builtin_trap();
		if (i && cp->ports[i - 1].dst_class > e->dst_class)
			__builtin_trap();
	}
	for (i = 0; i < cp->n_exact; i++)
		if (cp->exact[i].identity >= cp->n_identities ||
		    (i && memcmp(&cp->exact[i - 1].addr, &cp->exact[i].addr,
				 16) >= 0))
			__builtin_trap();
	for (i = 0; i < cp->n_cidrs; i++)
		if (cp->cidrs[i].identity >= cp->n_identities ||
		    cp->cidrs[i].prefixlen >= 128)
			__builtin_trap();
	if (cp->hdr.n_deny > cp->hdr.n_rules ||
	    cp->hdr.n_words != (cp->hdr.n_rules + 63) / 64)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag d;

	bh_diag_init(&d);
	if (!bh_policy_load_buf("fuzz.yaml", data, size, &p, &d)) {
		if (d.n_errors)
			__builtin_trap(); /* loaded despite an error */
		if (!bh_policy_compile(p, &cp)) {
			check_compiled(cp);
			bh_policy_analyze(p, cp, &d);
		}
		bh_compiled_policy_free(&cp);
		bh_policy_free(&p);
	} else if (p) {
		__builtin_trap();
	}
	bh_diag_release(&d);
	return 0;
}
