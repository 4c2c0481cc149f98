// SPDX-License-Identifier: GPL-2.0-only
/* A large compiled policy for the benchmark (see bench_policy.h). */
#include "bench_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 10.1.(i >> 8).(i & 255); extra addresses 10.2.(i >> 4).(16 * (i & 15) +
 * extra) for the new-flow generator, which varies the last byte. */
void bench_addr4(unsigned int i, unsigned int extra, union bh_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	a->b[12] = 10;
	if (!extra) {
		a->b[13] = 1;
		a->b[14] = (__u8)(i >> 8);
		a->b[15] = (__u8)i;
	} else {
		a->b[13] = 2;
		a->b[14] = (__u8)(i >> 4);
		a->b[15] = (__u8)(16 * (i & 15) + (extra - 1));
	}
}

void bench_addr6(unsigned int i, union bh_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->b[0] = 0xfd;
	a->b[13] = 1;
	a->b[14] = (__u8)(i >> 8);
	a->b[15] = (__u8)i;
}

unsigned int bench_allow_dst_app(unsigned int app)
{
	unsigned int r = BENCH_APPS + app; /* first allow rule from app */

	return (r * 7 / 10) % BENCH_APPS;
}

unsigned int bench_allow_port(unsigned int app)
{
	return 8000 + BENCH_APPS + app;
}

int bench_policy_build(struct bh_compiled_policy *cp)
{
	const unsigned int n_ids = BENCH_IDS + 1; /* + world */
	unsigned int i, r, a, n_addr = 0;
	size_t nb = 0;

	memset(cp, 0, sizeof(*cp));
	cp->identities = calloc(n_ids, sizeof(*cp->identities));
	cp->exact = calloc(BENCH_IDS * 2 + 16 * 16, sizeof(*cp->exact));
	cp->rules = calloc(BENCH_RULES, sizeof(*cp->rules));
	cp->ports = calloc(BENCH_RULES, sizeof(*cp->ports));
	/* src bitmaps per app, one per port entry, one empty */
	cp->bitmaps = calloc(BENCH_APPS + BENCH_RULES + 1,
			     sizeof(*cp->bitmaps));
	if (!cp->identities || !cp->exact || !cp->rules || !cp->ports ||
	    !cp->bitmaps) {
		bench_policy_free(cp);
		return -ENOMEM;
	}
	/* bitmap 0: empty (world's sources); 1..APPS: "from app a" */
	nb = 1;
	for (r = 0; r < BENCH_RULES; r++) {
		unsigned int from = r % BENCH_APPS;

		cp->bitmaps[1 + from].w[r / 64] |= 1ULL << (r % 64);
	}
	nb += BENCH_APPS;
	/* rules and their destination port entries, one bitmap each */
	for (r = 0; r < BENCH_RULES; r++) {
		struct bh_cp_port *pe = &cp->ports[r];
		unsigned int to;

		cp->rules[r].name = "bench";
		cp->rules[r].action = r < BENCH_APPS ? BH_ACTION_DENY :
						       BH_ACTION_ALLOW;
		to = r < BENCH_APPS ? (r + 1) % BENCH_APPS :
				      (r * 7 / 10) % BENCH_APPS;
		pe->dst_class = to + 1;
		pe->proto = 6;
		pe->port = (__u16)(r < BENCH_APPS ? 22 : 8000 + r);
		pe->prefixlen = 16;
		pe->bitmap = (__u32)nb;
		cp->bitmaps[nb++].w[r / 64] |= 1ULL << (r % 64);
	}
	cp->n_rules = BENCH_RULES;
	cp->n_ports = BENCH_RULES;
	cp->n_bitmaps = nb;
	cp->hdr.n_rules = BENCH_RULES;
	cp->hdr.n_deny = BENCH_APPS;
	cp->hdr.n_words = (BENCH_RULES + 63) / 64;
	cp->hdr.default_action = BH_ACTION_DENY;
	cp->hdr.mode = BH_MODE_ENFORCE;

	cp->identities[0].id = BH_ID_WORLD;
	cp->identities[0].info.id = BH_ID_WORLD;
	cp->identities[0].info.src_bitmap = 0;
	cp->hdr.world = cp->identities[0].info;
	for (i = 0; i < BENCH_IDS; i++) {
		struct bh_cp_identity *id = &cp->identities[i + 1];

		a = i % BENCH_APPS;
		id->id = BH_ID_FIRST_USER + i;
		id->kind = BH_KIND_WORKLOAD;
		id->info.id = id->id;
		id->info.kind = BH_KIND_WORKLOAD;
		id->info.src_bitmap = 1 + a;
		id->info.dst_class = a + 1;
		bench_addr4(i, 0, &cp->exact[n_addr].addr);
		cp->exact[n_addr].prefixlen = 128;
		cp->exact[n_addr].identity = i + 1;
		cp->exact[n_addr++].info = id->info;
		bench_addr6(i, &cp->exact[n_addr].addr);
		cp->exact[n_addr].prefixlen = 128;
		cp->exact[n_addr].identity = i + 1;
		cp->exact[n_addr++].info = id->info;
	}
	/* 16 extra addresses for each of the first 16 identities: sources
	 * of the new-flow generator. */
	for (i = 0; i < 16; i++) {
		for (a = 1; a <= 16; a++) {
			bench_addr4(i, a, &cp->exact[n_addr].addr);
			cp->exact[n_addr].prefixlen = 128;
			cp->exact[n_addr].identity = i + 1;
			cp->exact[n_addr++].info = cp->identities[i + 1].info;
		}
	}
	cp->n_identities = n_ids;
	cp->n_exact = n_addr;
	return 0;
}

void bench_policy_free(struct bh_compiled_policy *cp)
{
	free(cp->identities);
	free(cp->exact);
	free(cp->rules);
	free(cp->ports);
	free(cp->bitmaps);
	memset(cp, 0, sizeof(*cp));
}
