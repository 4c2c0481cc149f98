// SPDX-License-Identifier: GPL-2.0-only
#include "policy_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgen_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void pg_printf(struct pgen_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pg_printf(struct pgen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap * 2 + (size_t)n + 1;
			char *s = realloc(b->s, cap);

			if (!s) {
				b->oom = true;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

/* splitmix64: tiny, good enough, and the same everywhere. */
static unsigned long long pg_next(unsigned long long *st)
{
	unsigned long long z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int pg_rand(unsigned long long *st, unsigned int n)
{
	return n ? (unsigned int)(pg_next(st) % n) : 0;
}

static const char *const tiers[] = {"frontend", "backend", "data", "edge"};
static const char *const envs[] = {"prod", "staging", "dev"};
static const unsigned int svc_ports[] = {80,   443,  5432, 6379,  8080,
					 8443, 9092, 3306, 27017, 5672};

struct pg_app {
	unsigned int ns, tier, port;
};

static void pg_app_sel(struct pgen_buf *b, unsigned long long *st,
		       unsigned int app, unsigned int n_apps)
{
	switch (pg_rand(st, 6)) {
	case 0:
		pg_printf(b, "{matchLabels: {app: app-%u, env: %s}}", app,
			  envs[pg_rand(st, 3)]);
		break;
	case 1:
		pg_printf(
		    b,
		    "{matchLabels: {app: app-%u}, matchExpressions: [{key: "
		    "env, operator: In, values: [prod, staging]}]}",
		    app);
		break;
	case 2:
		pg_printf(b,
			  "{matchExpressions: [{key: app, operator: In, "
			  "values: [app-%u, app-%u]}]}",
			  app, pg_rand(st, n_apps));
		break;
	case 3:
		pg_printf(b,
			  "{matchLabels: {app: app-%u}, matchExpressions: "
			  "[{key: version, operator: DoesNotExist}]}",
			  app);
		break;
	default:
		pg_printf(b, "{matchLabels: {app: app-%u}}", app);
		break;
	}
}

static void pg_app_pair(struct pgen_buf *b, unsigned long long *st,
			unsigned int src, unsigned int dst, unsigned int n_apps)
{
	pg_printf(b, "    from: ");
	pg_app_sel(b, st, src, n_apps);
	pg_printf(b, "\n    to: ");
	pg_app_sel(b, st, dst, n_apps);
	pg_printf(b, "\n");
}

static void pg_ports(struct pgen_buf *b, unsigned long long *st,
		     const struct pg_app *dst)
{
	unsigned int lo;

	switch (pg_rand(st, 12)) {
	case 0:
		return; /* any */
	case 1:
		pg_printf(b, "    ports: [tcp]\n");
		return;
	case 2:
		lo = 8000 + pg_rand(st, 50) * 10;
		pg_printf(b, "    ports: [tcp/%u-%u]\n", lo,
			  lo + pg_rand(st, 200));
		return;
	case 3:
		pg_printf(b, "    ports: [udp/53, tcp/53]\n");
		return;
	case 4:
		pg_printf(b, "    ports: [icmp, icmpv6]\n");
		return;
	case 5:
		pg_printf(b, "    ports: [tcp/%u, tcp/%u, udp/%u]\n", dst->port,
			  svc_ports[pg_rand(st, 10)], 1000 + pg_rand(st, 9000));
		return;
	case 6:
		pg_printf(b, "    ports: [proto/47, sctp/%u]\n",
			  3868 + pg_rand(st, 4));
		return;
	default:
		pg_printf(b, "    ports: [tcp/%u]\n", dst->port);
		return;
	}
}

char *pgen_policy(const struct pgen_opts *o)
{
	unsigned int n_apps = o->apps ? o->apps : o->workloads / 8 + 1;
	unsigned int n_ns = n_apps / 10 + 1, n_ext = o->externals;
	unsigned long long st = o->seed;
	struct pgen_buf b = {0};
	struct pg_app *apps;
	unsigned int i, w, pool = 0;

	if (!n_ext)
		n_ext = 1;
	b.cap = 1 << 16;
	b.s = malloc(b.cap);
	if (!b.s)
		return NULL;
	apps = calloc(n_apps, sizeof(*apps));
	if (!apps) {
		free(b.s);
		return NULL;
	}
	for (i = 0; i < n_apps; i++) {
		apps[i].ns = pg_rand(&st, n_ns);
		apps[i].tier = pg_rand(&st, 4);
		apps[i].port = svc_ports[pg_rand(&st, 10)];
	}

	pg_printf(&b,
		  "# generated: %u workloads, %u rules, seed %llu\n"
		  "version: 1\n"
		  "defaults:\n"
		  "  mode: enforce\n"
		  "  action: %s\n"
		  "  host_addresses: [10.255.255.1]\n"
		  "  overrides:\n"
		  "    - selector: {matchLabels: {env: dev}}\n"
		  "      mode: audit\n",
		  o->workloads, o->rules, o->seed,
		  pg_rand(&st, 4) ? "deny" : "allow");

	pg_printf(&b, "external:\n");
	for (i = 0; i < n_ext; i++) {
		/* 198.18.0.0/15 holds 512 /24s; more go to 100.64/10 */
		if (i < 512)
			pg_printf(&b,
				  "  - name: ext-%u\n"
				  "    cidrs: [198.%u.%u.0/24",
				  i, 18 + i / 256, i % 256);
		else
			pg_printf(&b,
				  "  - name: ext-%u\n"
				  "    cidrs: [100.%u.%u.0/24",
				  i, 64 + (i - 512) / 256 % 64, (i - 512) % 256);
		if (o->ipv6 && i % 2)
			pg_printf(&b, ", \"2001:db8:ee:%x::/64\"", i);
		pg_printf(&b, "]\n");
	}
	/* An external group nested inside another: longest prefix wins. */
	pg_printf(&b, "  - name: ext-inner\n    cidrs: [198.18.0.128/25]\n");

	pg_printf(&b, "workloads:\n");
	for (w = 0; w < o->workloads;) {
		unsigned int app = pg_rand(&st, n_apps);
		unsigned int env = pg_rand(&st, 3);
		unsigned int replicas = 1 + pg_rand(&st, 5);
		bool canary = pg_rand(&st, 10) == 0;

		for (i = 0; i < replicas && w < o->workloads; i++, w++) {
			pg_printf(&b,
				  "  - name: w%u\n"
				  "    labels: {app: app-%u, tier: %s, env: "
				  "%s, namespace: ns-%u%s}\n",
				  w, app, tiers[apps[app].tier], envs[env],
				  apps[app].ns, canary ? ", version: v2" : "");
			if (pg_rand(&st, 40) == 0) {
				pg_printf(&b, "    cidrs: [10.200.%u.%u/28]\n",
					  pool / 16 % 256, pool % 16 * 16);
				pool++;
				continue;
			}
			pg_printf(&b, "    addresses: [10.%u.%u.%u",
				  w / 65536 % 200, w / 256 % 256, w % 256);
			if (o->ipv6)
				pg_printf(&b, ", \"fd00::%x:%x\"", w / 65536,
					  w % 65536);
			pg_printf(&b, "]\n");
		}
	}

	pg_printf(&b, "rules:\n");
	for (i = 0; i < o->rules; i++) {
		bool deny = pg_rand(&st, 100) < o->deny_pct;
		unsigned int kind = pg_rand(&st, 20);
		unsigned int src = pg_rand(&st, n_apps),
			     dst = pg_rand(&st, n_apps);

		pg_printf(&b, "  - name: rule-%05u\n", i);
		if (pg_rand(&st, 4) == 0)
			pg_printf(&b, "    description: generated rule %u\n",
				  i);
		if (deny) {
			/* Namespace isolation and hardening denies. */
			switch (kind % 4) {
			case 0:
				pg_printf(&b,
					  "    from: {matchLabels: {namespace: "
					  "ns-%u}}\n"
					  "    to: {matchLabels: {namespace: "
					  "ns-%u, tier: data}}\n",
					  pg_rand(&st, n_ns),
					  pg_rand(&st, n_ns));
				break;
			case 1:
				pg_printf(
				    &b,
				    "    from: [world, {external: ext-%u}]\n"
				    "    to: {matchExpressions: [{key: tier, "
				    "operator: NotIn, values: [edge]}]}\n"
				    "    ports: [tcp/22, tcp/3389, "
				    "tcp/5985-5986]\n",
				    pg_rand(&st, n_ext));
				goto next;
			case 2:
				pg_printf(
				    &b,
				    "    from: {matchLabels: {env: dev}}\n"
				    "    to: {matchLabels: {env: prod, app: "
				    "app-%u}}\n",
				    dst);
				break;
			default:
				pg_app_pair(&b, &st, src, dst, n_apps);
				break;
			}
			pg_ports(&b, &st, &apps[dst]);
		next:
			pg_printf(&b, "    action: deny\n%s",
				  pg_rand(&st, 3) ? "    log: true\n" : "");
			continue;
		}
		switch (kind) {
		case 0:
			pg_printf(&b,
				  "    from: world\n    to: {matchLabels: "
				  "{tier: frontend, app: app-%u}}\n"
				  "    ports: [tcp/80, tcp/443, udp/443]\n",
				  dst);
			break;
		case 1:
			pg_printf(&b,
				  "    from: {external: ext-%u}\n"
				  "    to: {matchExpressions: [{key: app, "
				  "operator: Exists}]}\n"
				  "    ports: [tcp/9100-9110]\n",
				  pg_rand(&st, n_ext));
			break;
		case 2:
			pg_printf(&b,
				  "    from: {matchLabels: {tier: %s}}\n"
				  "    to: {matchLabels: {tier: %s, namespace: "
				  "ns-%u}}\n"
				  "    ports: [tcp/8000-8100]\n",
				  tiers[pg_rand(&st, 4)],
				  tiers[pg_rand(&st, 4)], pg_rand(&st, n_ns));
			break;
		case 3:
			pg_printf(&b,
				  "    from: {}\n    to: [{external: [ext-%u, "
				  "ext-inner]}, world]\n"
				  "    ports: [udp/53, tcp/53]\n",
				  pg_rand(&st, n_ext));
			break;
		case 4:
			pg_printf(&b,
				  "    from: host\n    to: {matchLabels: "
				  "{namespace: ns-%u}}\n"
				  "    ports: [icmp, tcp/10250]\n",
				  pg_rand(&st, n_ns));
			break;
		default:
			pg_app_pair(&b, &st, src, dst, n_apps);
			pg_ports(&b, &st, &apps[dst]);
			break;
		}
		if (pg_rand(&st, 10) == 0)
			pg_printf(&b, "    log: true\n");
	}
	free(apps);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
