/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generated policies for the benchmark and the equivalence tests, from a
 * deterministic PRNG: the same options give the same YAML.
 *
 * Workloads look like a cluster: apps in namespaces, each with a tier,
 * deployed in one to three environments with one to five replicas (which
 * share a label set), some with a canary version label; a few are address
 * pools (CIDRs). Rules look like what security teams write: service to
 * service on its port, tier to tier on ranges, namespace isolation denies,
 * ingress from the world, monitoring from an external group, with every
 * selector operator and port form.
 */
#ifndef BH_POLICY_GEN_H
#define BH_POLICY_GEN_H

#include <stdbool.h>

struct pgen_opts {
	unsigned int workloads;
	unsigned int rules;
	unsigned int externals; /* external groups (at least 1 used) */
	unsigned int apps;	/* 0: workloads / 8 */
	unsigned int deny_pct;	/* share of deny rules, percent */
	bool ipv6;		/* give every workload an IPv6 address too */
	unsigned long long seed;
};

/* A malloc'd YAML policy, or NULL when out of memory. */
char *pgen_policy(const struct pgen_opts *o);

#endif /* BH_POLICY_GEN_H */
