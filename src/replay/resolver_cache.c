// SPDX-License-Identifier: GPL-2.0-only
/* The collector's names remembered for a replay. See resolver_cache.h. */
#include "resolver_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BH_RC_IDS 256    /* identities: a policy has a few hundred */
#define BH_RC_ADDRS 4096 /* workload addresses: h >> 52 below */
_Static_assert(BH_RC_ADDRS == 1u << (64 - 52), "address cache index");

struct bh_rc_identity {
	bool valid;
	int ret;
	__u32 id;
	struct bh_resolver_identity out;
};

struct bh_rc_addr {
	bool valid;
	union bh_addr addr;
	const char *workload;
};

struct bh_resolver_cache {
	struct bh_collector_resolver in;
	struct bh_rc_identity ids[BH_RC_IDS];
	struct bh_rc_addr addrs[BH_RC_ADDRS];
};

static int bh_rc_identity(void *ctx, __u32 id, struct bh_resolver_identity *out)
{
	struct bh_resolver_cache *c = ctx;
	struct bh_rc_identity *e = &c->ids[id % BH_RC_IDS];

	if (!e->valid || e->id != id) {
		memset(&e->out, 0, sizeof(e->out));
		e->ret = c->in.identity(c->in.ctx, id, &e->out);
		e->id = id;
		e->valid = true;
	}
	if (!e->ret)
		*out = e->out;
	return e->ret;
}

static const char *bh_rc_workload(void *ctx, const union bh_addr *addr)
{
	struct bh_resolver_cache *c = ctx;
	/* The top bits of a 64-bit multiply depend on every input bit. */
	__u64 h = ((__u64)(addr->w[0] ^ addr->w[2]) << 32 |
		   (addr->w[1] ^ addr->w[3])) *
		  0x9e3779b97f4a7c15ull;
	struct bh_rc_addr *e = &c->addrs[h >> 52]; /* 4096 entries */

	if (!e->valid || memcmp(&e->addr, addr, sizeof(*addr))) {
		e->workload = c->in.workload(c->in.ctx, addr);
		e->addr = *addr;
		e->valid = true;
	}
	return e->workload;
}

/* The others are cheap or rare: passed on. */
static const char *bh_rc_rule(void *ctx, __u32 rule_id)
{
	struct bh_resolver_cache *c = ctx;

	return c->in.rule(c->in.ctx, rule_id);
}

static int bh_rc_generation(void *ctx, __u32 epoch, __u32 *generation)
{
	struct bh_resolver_cache *c = ctx;

	return c->in.generation(c->in.ctx, epoch, generation);
}

static const char *bh_rc_iface(void *ctx, __u32 ifindex,
			       enum bh_iface_kind *kind)
{
	struct bh_resolver_cache *c = ctx;

	return c->in.iface(c->in.ctx, ifindex, kind);
}

int bh_resolver_cache_new(struct bh_resolver_cache **out,
			  const struct bh_collector_resolver *in,
			  struct bh_collector_resolver *res)
{
	struct bh_resolver_cache *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->in = *in;
	res->ctx = c;
	res->identity = in->identity ? bh_rc_identity : NULL;
	res->workload = in->workload ? bh_rc_workload : NULL;
	res->rule = in->rule ? bh_rc_rule : NULL;
	res->generation = in->generation ? bh_rc_generation : NULL;
	res->iface = in->iface ? bh_rc_iface : NULL;
	*out = c;
	return 0;
}

void bh_resolver_cache_free(struct bh_resolver_cache **cp)
{
	if (!cp || !*cp)
		return;
	free(*cp);
	*cp = NULL;
}
