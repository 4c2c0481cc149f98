/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A large compiled policy for the benchmark, built directly (no YAML):
 * BENCH_IDS workload identities in BENCH_APPS apps, each identity with one
 * IPv4 (10.1.x.y) and one IPv6 (fd00::1:i) address, and BENCH_RULES rules:
 * BENCH_APPS deny rules (app a -> app a+1, tcp/22) and allow rules
 * r = BENCH_APPS.. (app r % BENCH_APPS -> app (7r/10) % BENCH_APPS,
 * tcp/(8000 + r)).
 */
#ifndef BH_BENCH_POLICY_H
#define BH_BENCH_POLICY_H

#include "bh_compiled.h"

#define BENCH_IDS 10000
#define BENCH_APPS 100
#define BENCH_RULES 1000

int bench_policy_build(struct bh_compiled_policy *cp);
void bench_policy_free(struct bh_compiled_policy *cp);

/* Addresses of identity index i (0 <= i < BENCH_IDS, or up to 16 extra
 * IPv4 addresses per identity with extra > 0). */
void bench_addr4(unsigned int i, unsigned int extra, union bh_addr *a);
void bench_addr6(unsigned int i, union bh_addr *a);
/* The app and the allow rule's destination app / port for a source app. */
unsigned int bench_allow_dst_app(unsigned int app);
unsigned int bench_allow_port(unsigned int app);

#endif /* BH_BENCH_POLICY_H */
