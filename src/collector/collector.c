// SPDX-License-Identifier: GPL-2.0-only
/* The flow collector (collector.h): a table of tracked flows mirroring the
 * data plane's maps, with the counters last seen and those already
 * reported, and the NetFlow/IPFIX timeout rules. */
#include "collector.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bh_ct.h"
#include "key_hash.h"
#include "log.h"

#define NS_PER_SEC 1000000000ull

/* State of a tracked flow. */
enum {
	T_FREE = 0,
	T_ACTIVE, /* a record is to come */
	T_DONE,   /* last record emitted; kept to count later packets once */
	T_EVENT,  /* known from an event only, not yet seen in a map */
};

struct bh_ctrack {
	struct bh_flow_key key;
	struct bh_flow snap; /* the entry as last read (cumulative counters) */
	/* Cumulative counters when the last record was made, by BH_DIR_*. */
	__u64 rec_packets[2];
	__u64 rec_bytes[2];
	__u64 flow_id;
	__u64 start_ns;        /* flow start, data-plane time base */
	__u64 record_start_ns; /* start of the current record's interval */
	__u64 done_ns;         /* when the last record was made (T_DONE) */
	__u32 next;            /* hash chain / free list: slot index + 1 */
	__u32 poll;            /* last poll that read the entry */
	__u32 record_index;
	__u8 state;
	__u8 denied;
	__u8 has_icmp;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 icmp_from_b; /* the ICMP message came from endpoint b */
	__u8 tun_type;    /* enum bh_tunnel, from an event; 0 unknown */
	__u8 view;	  /* V_*: interim views; the consumer's mark */
	__u32 src_tag;    /* source.due()'s */
};

/* bh_ctrack.view: the collector's bits, and above them the consumer's mark
 * (bh_flow_record.mark). */
#define V_CHANGED    0x01 /* new packets since the last interim view */
#define V_LATE	     0x02 /* the view past interim_window was given */
#define V_MARK_SHIFT 4

struct bh_collector {
	struct bh_collector_opts opts;
	char *node;
	struct bh_clock live_clock;
	/* node, clock and resolver: what records are made with */
	struct bh_record_maker maker;
	struct bh_collector_source source;

	struct bh_ctrack *slots;
	__u32 *buckets; /* slot index + 1, 0 empty */
	__u32 nbuckets;     /* grows with the flows tracked, up to: */
	__u32 max_buckets; /* one per slot, rounded up to a power of two */
	__u32 hwm;       /* slots ever used: [0, hwm) */
	__u32 free_head; /* slot index + 1 */
	__u32 n_used;
	__u32 n_active;
	__u32 n_event;

	__u32 poll;
	/* Slots read in this poll, a bit each, for partial polls' interim
	 * views (NULL: out of memory, scan every slot instead). */
	__u64 *polled;
	__u64 now;
	__u64 next_flow_id;
	struct bh_collector_stats st;
	struct bh_flow_record rec; /* built here, handed to emit */
};

static const struct bh_flow zero_flow;

void bh_collector_opts_default(struct bh_collector_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->idle_timeout_ns = 15 * NS_PER_SEC;
	opts->active_timeout_ns = 60 * NS_PER_SEC;
	opts->close_linger_ns = 1 * NS_PER_SEC;
	opts->delete_closed_after_ns = 30 * NS_PER_SEC;
	opts->event_grace_ns = 1 * NS_PER_SEC;
	opts->max_flows = (BH_FLOW_MAP_SIZE + BH_DENY_MAP_SIZE) / 8 * 9;
	opts->interim_window_ns = 3 * NS_PER_SEC;
}

static __u32 roundup_pow2(__u32 v)
{
	__u32 p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

size_t bh_collector_bytes_per_flow(void)
{
	/* One bucket per slot, rounded up to a power of two: between 4 and 8
	 * bytes per slot; count the worst case. */
	return sizeof(struct bh_ctrack) + 2 * sizeof(__u32);
}

int bh_collector_new(struct bh_collector **out,
		     const struct bh_collector_opts *opts)
{
	struct bh_collector *c;
	int err;

	*out = NULL;
	if (!opts || !(opts->emit || opts->emit_src) || !opts->max_flows)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->opts = *opts;
	if (!c->opts.max_event_flows)
		c->opts.max_event_flows = c->opts.max_flows / 8 ?: 1;
	c->node = strdup(opts->node ? opts->node : "");
	/* Slots are calloc'ed: pages are only backed once flows use them. */
	c->slots = calloc(opts->max_flows, sizeof(*c->slots));
	c->polled = calloc((opts->max_flows + 63) / 64, sizeof(*c->polled));
	/* Buckets grow with the flows tracked: a table sized for the maps'
	 * capacity (2 MB of buckets by default) would turn every lookup of
	 * the few thousand flows of a busy node into cache misses. */
	c->max_buckets = roundup_pow2(opts->max_flows);
	c->nbuckets = c->max_buckets < 1024 ? c->max_buckets : 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->node || !c->slots || !c->buckets) {
		err = -ENOMEM;
		pr_warn("collector: cannot allocate a table of %u flows\n",
			opts->max_flows);
		goto err;
	}
	if (opts->clock) {
		c->maker.clock = opts->clock;
	} else {
		bh_clock_init_live(&c->live_clock);
		c->maker.clock = &c->live_clock;
	}
	if (opts->resolver)
		c->maker.resolver = *opts->resolver;
	c->maker.node = c->node;
	c->maker.defer_community_id = opts->defer_community_id;
	c->maker.community_id_seed = opts->community_id_seed;
	c->next_flow_id = 1;
	c->st.memory_bytes = (__u64)opts->max_flows * sizeof(*c->slots) +
			     (__u64)c->max_buckets * sizeof(*c->buckets);
	*out = c;
	return 0;
err:
	free(c->node);
	free(c->slots);
	free(c->buckets);
	free(c);
	return err;
}

void bh_collector_free(struct bh_collector **c)
{
	if (!c || !*c)
		return;
	free((*c)->node);
	free((*c)->polled);
	free((*c)->slots);
	free((*c)->buckets);
	free(*c);
	*c = NULL;
}

void bh_collector_set_source(struct bh_collector *c,
			     const struct bh_collector_source *src)
{
	if (src)
		c->source = *src;
	else
		memset(&c->source, 0, sizeof(c->source));
}

void bh_collector_set_resolver(struct bh_collector *c,
			       const struct bh_collector_resolver *res)
{
	if (res)
		c->maker.resolver = *res;
	else
		memset(&c->maker.resolver, 0, sizeof(c->maker.resolver));
}

/* ------------------------------------------------------------------------ */
/* The table: chained hash over preallocated slots.                         */

static __u32 key_hash(const struct bh_flow_key *k, bool denied)
{
	return (__u32)bh_key_hash(k, sizeof(*k), denied);
}

static struct bh_ctrack *find(struct bh_collector *c,
			      const struct bh_flow_key *key, bool denied)
{
	__u32 i = c->buckets[key_hash(key, denied) & (c->nbuckets - 1)];

	while (i) {
		struct bh_ctrack *t = &c->slots[i - 1];

		if (t->denied == denied && bh_key_eq(&t->key, key, sizeof(*key)))
			return t;
		i = t->next;
	}
	return NULL;
}

static void link_slot(struct bh_collector *c, struct bh_ctrack *t)
{
	__u32 *b = &c->buckets[key_hash(&t->key, t->denied) &
			       (c->nbuckets - 1)];

	t->next = *b;
	*b = (__u32)(t - c->slots) + 1;
}

static void unlink_slot(struct bh_collector *c, struct bh_ctrack *t)
{
	__u32 idx = (__u32)(t - c->slots) + 1;
	__u32 *p = &c->buckets[key_hash(&t->key, t->denied) &
			       (c->nbuckets - 1)];

	while (*p && *p != idx)
		p = &c->slots[*p - 1].next;
	if (*p)
		*p = t->next;
}

static void set_state(struct bh_collector *c, struct bh_ctrack *t, __u8 state)
{
	if (t->state == T_ACTIVE)
		c->n_active--;
	else if (t->state == T_EVENT)
		c->n_event--;
	if (state == T_ACTIVE)
		c->n_active++;
	else if (state == T_EVENT)
		c->n_event++;
	t->state = state;
}

/* Twice the buckets, every tracked flow relinked; on failure the table
 * stays as it is (longer chains, same answers). */
static void grow_buckets(struct bh_collector *c)
{
	__u32 nb = c->nbuckets * 2, i;
	__u32 *b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
	for (i = 0; i < c->hwm; i++)
		if (c->slots[i].state != T_FREE)
			link_slot(c, &c->slots[i]);
}

static struct bh_ctrack *alloc_slot(struct bh_collector *c,
				    const struct bh_flow_key *key, bool denied)
{
	struct bh_ctrack *t;

	/* Before the new slot is linked: it is not in use yet. */
	if (c->n_used >= c->nbuckets && c->nbuckets < c->max_buckets)
		grow_buckets(c);
	if (c->free_head) {
		t = &c->slots[c->free_head - 1];
		c->free_head = t->next;
	} else if (c->hwm < c->opts.max_flows) {
		t = &c->slots[c->hwm++];
	} else {
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->key = *key;
	t->denied = denied;
	link_slot(c, t);
	c->n_used++;
	return t;
}

/* The source may hold what t (or an earlier flow on its key) reported:
 * any slot but one known from an event only. */
static void forget(struct bh_collector *c, const struct bh_ctrack *t)
{
	if (c->source.forget && t->state != T_EVENT)
		c->source.forget(c->source.ctx, &t->key, t->denied);
}

static void free_slot(struct bh_collector *c, struct bh_ctrack *t)
{
	forget(c, t);
	unlink_slot(c, t);
	set_state(c, t, T_FREE);
	t->next = c->free_head;
	c->free_head = (__u32)(t - c->slots) + 1;
	c->n_used--;
}

/* ------------------------------------------------------------------------ */
/* Records.                                                                 */

static bool addr_is_v4mapped(const union bh_addr *a)
{
	return !a->w[0] && !a->w[1] && a->h[4] == 0 && a->h[5] == 0xffff;
}

static bool has_interim(const struct bh_collector *c)
{
	return c->opts.interim || c->opts.interim_src;
}

static void fill_endpoint(const struct bh_record_maker *m,
			  struct bh_record_endpoint *ep,
			  const struct bh_record_src *s, int e)
{
	const struct bh_collector_resolver *r = &m->resolver;
	struct bh_resolver_identity id;
	enum bh_iface_kind kind = BH_IFACE_UNKNOWN;

	memset(ep, 0, sizeof(*ep));
	ep->addr = e ? s->key.b : s->key.a;
	ep->port = e ? s->key.b_port : s->key.a_port;
	ep->identity = s->snap.identity[e];
	ep->ifindex = s->snap.ifindex[e];
	if (ep->ifindex && r->iface)
		ep->ifname = r->iface(r->ctx, ep->ifindex, &kind);
	if (r->identity && !r->identity(r->ctx, ep->identity, &id)) {
		ep->identity_kind = id.kind;
		ep->labels = id.labels;
		ep->n_labels = id.n_labels;
		if (id.kind == BH_KIND_EXTERNAL)
			ep->external_group = id.name;
		else if (id.kind == BH_KIND_WORKLOAD)
			ep->workload = r->workload ?
					       r->workload(r->ctx, &ep->addr) :
					       NULL;
		if (id.kind == BH_KIND_WORKLOAD && !ep->workload)
			ep->workload = id.name;
	}
}

/* Where the initiator's first packet came in: out of a workload (its veth)
 * is egress, from the network (an uplink) ingress. */
static enum bh_traffic_dir traffic_dir(const struct bh_record_maker *m,
				       __u32 ifindex)
{
	enum bh_iface_kind kind = BH_IFACE_UNKNOWN;

	if (!ifindex || !m->resolver.iface)
		return BH_TDIR_UNKNOWN;
	m->resolver.iface(m->resolver.ctx, ifindex, &kind);
	if (kind == BH_IFACE_WORKLOAD)
		return BH_TDIR_EGRESS;
	if (kind == BH_IFACE_UPLINK)
		return BH_TDIR_INGRESS;
	return BH_TDIR_UNKNOWN;
}

/* ICMP type and code: from an event when there was one; else the type the
 * policy was evaluated with (the initiator's), when it is one of the
 * request/reply types, whose code is 0. */
static void icmp_of(const struct bh_record_src *s, struct bh_flow_record *r)
{
	__u8 type = (__u8)s->snap.policy_port;

	if (s->has_icmp) {
		r->has_icmp = true;
		r->icmp_type = s->icmp_type;
		r->icmp_code = s->icmp_code;
		r->icmp_from_resp = s->icmp_from_b !=
				    !!(s->snap.flags & BH_FLOW_F_INIT_B);
	} else if ((s->key.proto == 1 || s->key.proto == 58) &&
		   s->snap.policy_port < 256 &&
		   bh_community_icmp_counterpart(s->key.proto, type) >= 0) {
		r->has_icmp = true;
		r->icmp_type = type;
		r->icmp_code = 0;
	}
}

void bh_flow_record_community_id(struct bh_flow_record *r, __u16 seed)
{
	struct bh_community_tuple ct = { .proto = r->proto };
	int s = BH_SIDE_INIT, d = BH_SIDE_RESP;

	r->community_id[0] = '\0';
	ct.ipv6 = r->ipv6;
	if (ct.proto == 1 || ct.proto == 58) {
		/* ICMP hashes type and code, from the sender of that
		 * message; without them there is nothing to hash. */
		if (!r->has_icmp)
			return;
		if (r->icmp_from_resp) {
			s = BH_SIDE_RESP;
			d = BH_SIDE_INIT;
		}
		ct.sport = r->icmp_type;
		ct.dport = r->icmp_code;
	} else {
		ct.sport = r->ep[s].port;
		ct.dport = r->ep[d].port;
	}
	ct.saddr = r->ep[s].addr;
	ct.daddr = r->ep[d].addr;
	if (bh_community_id_v1(&ct, seed, r->community_id,
			       sizeof(r->community_id)))
		r->community_id[0] = '\0';
}

static __u64 since(__u64 now, __u64 then)
{
	return now > then ? now - then : 0;
}

void bh_record_make(const struct bh_record_maker *m,
		    const struct bh_record_src *s, struct bh_flow_record *r)
{
	const struct bh_flow *f = &s->snap;
	const struct bh_collector_resolver *res = &m->resolver;
	int ia = (f->flags & BH_FLOW_F_INIT_B) ? 1 : 0;
	int side, i;

	memset(r, 0, sizeof(*r));
	r->flow_id = s->flow_id;
	r->record_index = s->record_index;
	r->end_reason = s->end_reason;
	r->proto = s->key.proto;
	r->ipv6 = !(addr_is_v4mapped(&s->key.a) && addr_is_v4mapped(&s->key.b));
	r->start_ns = m->clock->to_wall_ns(m->clock, s->start_ns);
	r->end_ns = m->clock->to_wall_ns(m->clock, s->view_ns ? s->view_ns :
								 f->last_seen_ns);
	r->record_start_ns = m->clock->to_wall_ns(m->clock, s->record_start_ns);
	r->node = m->node;
	for (side = 0; side < 2; side++) {
		int e = side == BH_SIDE_INIT ? ia : 1 - ia;

		fill_endpoint(m, &r->ep[side], s, e);
		/* Endpoint e sends in direction e (a sends a->b). */
		r->packets[side] = f->packets[e] - s->rec_packets[e];
		r->bytes[side] = f->bytes[e] - s->rec_bytes[e];
		r->tcp_flags[side] = f->tcp_flags[e];
	}
	/* A flow the node opened (its first packet went through the TC
	 * egress program) neither left a workload nor came from the network,
	 * whichever interface it was seen on. */
	r->direction = f->identity[ia] == BH_ID_HOST ?
			       BH_TDIR_LOCAL :
			       traffic_dir(m, f->ifindex[ia]);
	icmp_of(s, r);
	r->verdict = f->verdict;
	r->reason = f->reason;
	r->audit = f->verdict == BH_VERDICT_AUDIT;
	r->denied = s->denied;
	r->rule_id = f->rule_id;
	if (f->rule_id && res->rule)
		r->rule = res->rule(res->ctx, f->rule_id);
	r->epoch = f->epoch;
	if (res->generation && res->generation(res->ctx, f->epoch,
					       &r->generation))
		r->generation = 0;
	if (f->flags & BH_FLOW_F_TUNNEL) {
		r->tunneled = true;
		r->tun_type = s->tun_type;
		r->vni = f->vni;
		r->outer_saddr = f->outer_saddr;
		r->outer_daddr = f->outer_daddr;
	}
	for (i = 0; i < BH_MAX_VLAN_TAGS; i++)
		if (f->vlan[i])
			r->vlan[r->vlan_count++] = f->vlan[i];
	r->mark = s->mark;
	if (m->defer_community_id)
		r->community_id[0] = '\0';
	else
		bh_flow_record_community_id(r, m->community_id_seed);
}

/* The makings of t's record (why) or, with why BH_END_UNSPEC, interim
 * view: its counters since its last record, with the flow's mark. */
static void record_src(const struct bh_collector *c, const struct bh_ctrack *t,
		       enum bh_end_reason why, struct bh_record_src *s)
{
	s->key = t->key;
	s->snap = t->snap;
	memcpy(s->rec_packets, t->rec_packets, sizeof(s->rec_packets));
	memcpy(s->rec_bytes, t->rec_bytes, sizeof(s->rec_bytes));
	s->flow_id = t->flow_id;
	s->start_ns = t->start_ns;
	s->record_start_ns = t->record_start_ns;
	/* a view ends now */
	s->view_ns = why == BH_END_UNSPEC ? c->now : 0;
	s->record_index = t->record_index;
	s->end_reason = (__u8)why;
	s->denied = t->denied;
	s->has_icmp = t->has_icmp;
	s->icmp_type = t->icmp_type;
	s->icmp_code = t->icmp_code;
	s->icmp_from_b = t->icmp_from_b;
	s->tun_type = t->tun_type;
	s->mark = t->view >> V_MARK_SHIFT;
}

/* Hands t's record (why) or interim view to cb, or its makings to src_cb
 * when set, and keeps the mark cb left. */
static void deliver(struct bh_collector *c, struct bh_ctrack *t,
		    enum bh_end_reason why, bh_record_cb cb,
		    bh_record_src_cb src_cb, void *ctx)
{
	struct bh_record_src s;

	record_src(c, t, why, &s);
	if (src_cb) {
		src_cb(ctx, &s);
		return;
	}
	bh_record_make(&c->maker, &s, &c->rec);
	cb(ctx, &c->rec);
	t->view = (__u8)((t->view & ((1u << V_MARK_SHIFT) - 1)) |
			 ((c->rec.mark & BH_RECORD_MARK_MASK) << V_MARK_SHIFT));
}

static void emit_record(struct bh_collector *c, struct bh_ctrack *t,
			enum bh_end_reason why)
{
	c->st.records[why]++;
	c->st.records_total++;
	deliver(c, t, why, c->opts.emit, c->opts.emit_src, c->opts.emit_ctx);
}

/* An interim view of an active flow read in this poll (collector.h): while
 * it is young, when it changed; past that age, once. */
static void interim_view(struct bh_collector *c, struct bh_ctrack *t)
{
	if (!has_interim(c) || t->state != T_ACTIVE)
		return;
	if (since(c->now, t->start_ns) < c->opts.interim_window_ns) {
		if (!(t->view & V_CHANGED))
			return;
	} else if (t->view & V_LATE) {
		return;
	} else {
		t->view |= V_LATE;
	}
	t->view &= (__u8)~V_CHANGED;
	c->st.interim_views++;
	deliver(c, t, BH_END_UNSPEC, c->opts.interim, c->opts.interim_src,
		c->opts.interim_ctx);
}

/* Counters so far become the base of the next record. */
static void mark_reported(struct bh_ctrack *t)
{
	memcpy(t->rec_packets, t->snap.packets, sizeof(t->rec_packets));
	memcpy(t->rec_bytes, t->snap.bytes, sizeof(t->rec_bytes));
}

static bool has_pending(const struct bh_ctrack *t)
{
	return t->snap.packets[0] != t->rec_packets[0] ||
	       t->snap.packets[1] != t->rec_packets[1];
}

static enum bh_end_reason close_reason(const struct bh_flow *f)
{
	return ((f->tcp_flags[0] | f->tcp_flags[1]) & BH_TCP_RST) ?
		       BH_END_RST :
		       BH_END_FIN;
}

/* A record just left t with nothing pending (at c->now). */
static void reported(struct bh_collector *c, struct bh_ctrack *t)
{
	mark_reported(t);
	if (c->source.reported)
		c->source.reported(c->source.ctx, &t->key, t->denied, &t->snap,
				   c->now);
}

/* Last record of a flow; the entry stays as a tombstone. */
static void finish(struct bh_collector *c, struct bh_ctrack *t,
		   enum bh_end_reason why)
{
	emit_record(c, t, why);
	reported(c, t);
	t->done_ns = c->now;
	set_state(c, t, T_DONE);
}

/* A flow the collector did not know: a new flow id. */
static void new_flow_id(struct bh_collector *c, struct bh_ctrack *t)
{
	t->flow_id = c->next_flow_id++;
	c->st.flows_discovered++;
}

/* The slot's flow starts its first record, counting from base (NULL:
 * zero). */
static void open_flow(struct bh_collector *c, struct bh_ctrack *t,
		      const struct bh_flow *base, __u64 start_ns)
{
	if (!base)
		base = &zero_flow;
	memcpy(t->rec_packets, base->packets, sizeof(t->rec_packets));
	memcpy(t->rec_bytes, base->bytes, sizeof(t->rec_bytes));
	t->record_index = 0;
	t->start_ns = start_ns;
	t->record_start_ns = start_ns;
	t->done_ns = 0;
	t->view = V_CHANGED;
	set_state(c, t, T_ACTIVE);
}

static void check_timeouts(struct bh_collector *c, struct bh_ctrack *t)
{
	const struct bh_flow *f = &t->snap;
	__u64 quiet = since(c->now, f->last_seen_ns);

	if (f->ct_state == BH_CT_CLOSED && quiet >= c->opts.close_linger_ns) {
		finish(c, t, close_reason(f));
	} else if (quiet >= c->opts.idle_timeout_ns) {
		finish(c, t, BH_END_IDLE_TIMEOUT);
	} else if (since(c->now, t->record_start_ns) >=
			   c->opts.active_timeout_ns &&
		   has_pending(t)) {
		emit_record(c, t, BH_END_ACTIVE_TIMEOUT);
		reported(c, t);
		t->record_index++;
		t->record_start_ns = c->now;
	}
}

/* Delete a closed connection's entry once it has been quiet long enough.
 * Returns true when the slot was freed. */
static bool maybe_delete(struct bh_collector *c, struct bh_ctrack *t)
{
	int err;

	if (t->snap.ct_state != BH_CT_CLOSED || !c->source.del ||
	    !c->opts.delete_closed_after_ns ||
	    since(c->now, t->snap.last_seen_ns) <
		    c->opts.delete_closed_after_ns)
		return false;
	err = c->source.del(c->source.ctx, &t->key, t->denied);
	if (err && err != -ENOENT) {
		c->st.delete_errors++;
		return false;
	}
	c->st.deletes++;
	free_slot(c, t);
	return true;
}

static void account(struct bh_collector *c, const struct bh_flow *f,
		    const struct bh_flow *prev)
{
	__u64 p, b;

	if (f->verdict != BH_VERDICT_DENY && f->verdict != BH_VERDICT_AUDIT)
		return;
	if (f->reason >= BH_REASON_MAX)
		return;
	p = f->packets[0] + f->packets[1] - prev->packets[0] - prev->packets[1];
	b = f->bytes[0] + f->bytes[1] - prev->bytes[0] - prev->bytes[1];
	if (f->verdict == BH_VERDICT_DENY) {
		c->st.drop_packets[f->reason] += p;
		c->st.drop_bytes[f->reason] += b;
	} else {
		c->st.audit_packets[f->reason] += p;
		c->st.audit_bytes[f->reason] += b;
	}
}

/* The map entry is another connection than the one tracked: it was
 * evicted (or closed and deleted) and the key reused, or its counters were
 * reset. */
static bool new_incarnation(const struct bh_flow *old, const struct bh_flow *f)
{
	return f->first_seen_ns != old->first_seen_ns ||
	       f->packets[0] < old->packets[0] ||
	       f->packets[1] < old->packets[1] ||
	       f->bytes[0] < old->bytes[0] || f->bytes[1] < old->bytes[1];
}

/* One map entry read for tracked flow t. */
/* t was read in this poll. */
static void mark_polled(struct bh_collector *c, struct bh_ctrack *t)
{
	__u32 i = (__u32)(t - c->slots);

	t->poll = c->poll;
	if (c->polled)
		c->polled[i / 64] |= 1ull << (i % 64);
}

static void update(struct bh_collector *c, struct bh_ctrack *t,
		   const struct bh_flow *f)
{
	const struct bh_flow *prev = &t->snap;

	if (t->state == T_EVENT) {
		/* The map counted the event's packet itself; the flow keeps
		 * the id it got from the event. */
		prev = &zero_flow;
		open_flow(c, t, NULL, f->first_seen_ns);
	} else if (new_incarnation(&t->snap, f)) {
		if (t->state == T_ACTIVE) {
			emit_record(c, t, BH_END_EVICTION);
			c->st.flows_evicted++;
		}
		prev = &zero_flow;
		new_flow_id(c, t);
		open_flow(c, t, NULL, f->first_seen_ns);
	} else if (t->state == T_DONE &&
		   f->last_seen_ns != t->snap.last_seen_ns) {
		/* Packets after the last record: a new flow that counts
		 * them only, started after that record was made. */
		new_flow_id(c, t);
		open_flow(c, t, &t->snap, t->done_ns);
	}
	account(c, f, prev);
	if (f->last_seen_ns != t->snap.last_seen_ns)
		t->view |= V_CHANGED;
	t->snap = *f;
	mark_polled(c, t);

	if (t->state == T_ACTIVE)
		check_timeouts(c, t);
	if (t->state == T_DONE)
		maybe_delete(c, t);
}

void bh_collector_poll_begin(struct bh_collector *c, __u64 now)
{
	c->poll++;
	c->now = now;
	c->st.polls++;
	c->st.last_poll_entries[0] = 0;
	c->st.last_poll_entries[1] = 0;
}

int bh_collector_ingest(struct bh_collector *c, const struct bh_flow_key *key,
			const struct bh_flow *flow, bool denied)
{
	struct bh_ctrack *t;

	c->st.ingested++;
	c->st.last_poll_entries[denied ? 1 : 0]++;
	t = find(c, key, denied);
	if (!t) {
		/* An event guessed the other map, or the flow moved between
		 * the maps (a policy switch let a denied flow through): same
		 * connection, same counters. */
		t = find(c, key, !denied);
		if (t && (t->state == T_EVENT ||
			  t->snap.first_seen_ns == flow->first_seen_ns)) {
			forget(c, t);
			unlink_slot(c, t);
			t->denied = denied;
			link_slot(c, t);
		} else {
			t = NULL;
		}
	}
	if (!t) {
		t = alloc_slot(c, key, denied);
		if (!t) {
			c->st.flows_untracked++;
			return -ENOSPC;
		}
		t->snap = *flow;
		new_flow_id(c, t);
		open_flow(c, t, NULL, flow->first_seen_ns);
		account(c, flow, &zero_flow);
		mark_polled(c, t);
		check_timeouts(c, t);
		if (t->state == T_DONE)
			maybe_delete(c, t);
		return 0;
	}
	update(c, t, flow);
	return 0;
}

/* When since(now, then) >= span starts to hold. */
static __u64 due_at(__u64 then, __u64 span)
{
	return span ? then + span : 0;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

/* The conditions of check_timeouts() and maybe_delete(), as times. */
static __u64 due_of(const struct bh_collector *c, const struct bh_ctrack *t)
{
	const struct bh_flow *f = &t->snap;
	__u64 due = UINT64_MAX;

	if (t->state == T_ACTIVE) {
		if (f->ct_state == BH_CT_CLOSED)
			due = due_at(f->last_seen_ns, c->opts.close_linger_ns);
		due = min_u64(due, due_at(f->last_seen_ns,
					  c->opts.idle_timeout_ns));
		if (has_pending(t))
			due = min_u64(due, due_at(t->record_start_ns,
						  c->opts.active_timeout_ns));
		/* interim_view(): the one view past the window */
		if (has_interim(c) && !(t->view & V_LATE))
			due = min_u64(due, due_at(t->start_ns,
						  c->opts.interim_window_ns));
	} else if (t->state == T_DONE && f->ct_state == BH_CT_CLOSED &&
		   c->source.del && c->opts.delete_closed_after_ns) {
		due = due_at(f->last_seen_ns, c->opts.delete_closed_after_ns);
	}
	return due;
}

__u64 bh_collector_due(struct bh_collector *c, const struct bh_flow_key *key,
		       bool denied)
{
	const struct bh_ctrack *t = find(c, key, denied);

	return t ? due_of(c, t) : UINT64_MAX;
}

/* A flow read in this poll, at the poll's end: its interim view, then its
 * due time to the source. */
static void polled_end(struct bh_collector *c, struct bh_ctrack *t)
{
	__u64 due;

	interim_view(c, t);
	if (!c->source.due)
		return;
	due = due_of(c, t);
	if (due != UINT64_MAX)
		c->source.due(c->source.ctx, &t->key, t->denied, due,
			      &t->src_tag);
}

/* polled_end() for the flows a poll that read only some flows read, in
 * slot order, as a scan of every slot gives them. */
static void polled_ends(struct bh_collector *c)
{
	__u32 i, w;
	__u64 bits;

	if (!c->polled) {
		for (i = 0; i < c->hwm; i++)
			if (c->slots[i].state != T_FREE &&
			    c->slots[i].poll == c->poll)
				polled_end(c, &c->slots[i]);
		return;
	}
	for (w = 0; w < (c->hwm + 63) / 64; w++) {
		for (bits = c->polled[w]; bits; bits &= bits - 1) {
			struct bh_ctrack *t =
				&c->slots[w * 64 + (__u32)__builtin_ctzll(bits)];

			if (t->state != T_FREE && t->poll == c->poll)
				polled_end(c, t);
		}
	}
}

/* Forget which slots this poll read. */
static void clear_polled(struct bh_collector *c)
{
	if (c->polled)
		memset(c->polled, 0,
		       (c->hwm + 63) / 64 * sizeof(*c->polled));
}

/* partial: the source gave only what changed (bh_collector_due()); a flow
 * known from its entry and not ingested is unchanged, not gone. */
static void poll_end(struct bh_collector *c, __u64 now, bool partial)
{
	struct bh_flow f;
	__u32 i;

	c->now = now;
	if (partial && !c->n_event) {
		/* Only flows known from events can be gone: the interim
		 * views and due times of what was read are all there is to
		 * do. */
		if (has_interim(c) || c->source.due)
			polled_ends(c);
		clear_polled(c);
		return;
	}
	for (i = 0; i < c->hwm; i++) {
		struct bh_ctrack *t = &c->slots[i];

		if (t->state == T_FREE)
			continue;
		if (t->poll == c->poll) {
			polled_end(c, t);
			continue;
		}
		if (partial && t->state != T_EVENT)
			continue; /* not read: unchanged */
		if (t->state == T_EVENT) {
			if (since(now, t->snap.first_seen_ns) <
			    c->opts.event_grace_ns)
				continue;
			emit_record(c, t, BH_END_EVICTION);
			c->st.flows_evicted++;
			free_slot(c, t);
			continue;
		}
		/* Missing from the pass: read it once more before calling it
		 * gone, in case the walk skipped it. */
		if (c->source.lookup &&
		    !c->source.lookup(c->source.ctx, &t->key, t->denied, &f)) {
			update(c, t, &f);
			polled_end(c, t);
			continue;
		}
		if (t->state == T_ACTIVE) {
			if (t->snap.ct_state == BH_CT_CLOSED) {
				emit_record(c, t, close_reason(&t->snap));
			} else {
				emit_record(c, t, BH_END_EVICTION);
				c->st.flows_evicted++;
			}
		}
		free_slot(c, t);
	}
	clear_polled(c);
}

void bh_collector_poll_end(struct bh_collector *c, __u64 now)
{
	poll_end(c, now, false);
}

void bh_collector_poll_end_partial(struct bh_collector *c, __u64 now)
{
	poll_end(c, now, true);
}

void bh_collector_flush(struct bh_collector *c, __u64 now)
{
	__u32 i;

	c->now = now;
	for (i = 0; i < c->hwm; i++) {
		struct bh_ctrack *t = &c->slots[i];

		if (t->state == T_ACTIVE) {
			finish(c, t,
			       t->snap.ct_state == BH_CT_CLOSED ?
				       close_reason(&t->snap) :
				       BH_END_FORCED);
		} else if (t->state == T_EVENT) {
			emit_record(c, t, BH_END_FORCED);
			free_slot(c, t);
		}
	}
}

int bh_collector_for_each_done(struct bh_collector *c, bh_collector_done_cb cb,
			       void *ctx)
{
	__u32 i;
	int err;

	for (i = 0; i < c->hwm; i++) {
		const struct bh_ctrack *t = &c->slots[i];

		if (t->state != T_DONE)
			continue;
		err = cb(ctx, &t->key, t->denied, &t->snap, t->done_ns);
		if (err)
			return err;
	}
	return 0;
}

/* The state finish() leaves, without a record. */
int bh_collector_adopt(struct bh_collector *c, const struct bh_flow_key *key,
		       bool denied, const struct bh_flow *snap, __u64 done_ns)
{
	struct bh_ctrack *t;

	if (find(c, key, denied))
		return -EEXIST;
	t = alloc_slot(c, key, denied);
	if (!t)
		return -ENOSPC;
	t->snap = *snap;
	mark_reported(t);
	t->done_ns = done_ns;
	set_state(c, t, T_DONE);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Events.                                                                  */

static void take_icmp(struct bh_ctrack *t, const struct bh_pkt *p,
		      bool src_is_b)
{
	if (p->ip_proto != 1 && p->ip_proto != 58)
		return;
	t->has_icmp = 1;
	t->icmp_type = p->icmp_type;
	t->icmp_code = p->icmp_code;
	t->icmp_from_b = src_is_b;
}

void bh_collector_event(struct bh_collector *c, const struct bh_event *ev)
{
	const struct bh_pkt *p = &ev->pkt;
	struct bh_flow_key key;
	struct bh_ctrack *t;
	struct bh_flow *f;
	bool denied, src_is_b;
	int s;

	if (ev->type == BH_EV_NEW_FLOW) {
		c->st.events_new_flow++;
	} else if (ev->type == BH_EV_DENY) {
		c->st.events_deny++;
	} else {
		c->st.events_invalid++;
		return;
	}
	/* the data plane's key of the packet's flow (bh_flows' key) */
	src_is_b = bh_flow_key_make(&key, &p->saddr, p->sport, &p->daddr,
				    p->dport, p->ip_proto, p->vni) ==
		   BH_DIR_BA;
	denied = ev->verdict == BH_VERDICT_DENY;
	t = find(c, &key, denied);
	if (!t)
		t = find(c, &key, !denied);
	if (t) {
		/* Already tracked: keep what only events carry. A later
		 * connection on a finished flow's key replaces it. */
		if (!t->has_icmp ||
		    (t->state == T_DONE && ev->ts_ns > t->snap.last_seen_ns))
			take_icmp(t, p, src_is_b);
		if (p->tun_type)
			t->tun_type = p->tun_type;
		return;
	}
	if (c->n_event >= c->opts.max_event_flows ||
	    !(t = alloc_slot(c, &key, denied))) {
		c->st.events_untracked++;
		return;
	}
	/* What the map entry would say after this one packet: reported as
	 * such if the entry is evicted before a poll reads it. */
	s = src_is_b ? 1 : 0;
	f = &t->snap;
	f->first_seen_ns = ev->ts_ns;
	f->last_seen_ns = ev->ts_ns;
	f->verdict = ev->verdict;
	f->reason = ev->reason;
	f->rule_id = ev->rule_id;
	f->epoch = ev->epoch;
	f->flags = (src_is_b ? BH_FLOW_F_INIT_B : 0) |
		   ((p->flags & BH_PKT_IPV6) ? BH_FLOW_F_IPV6 : 0) |
		   (p->tun_type ? BH_FLOW_F_TUNNEL : 0);
	f->packets[s] = 1;
	f->bytes[s] = p->pkt_len;
	f->tcp_flags[s] = p->tcp_flags;
	f->identity[s] = ev->src_identity;
	f->identity[1 - s] = ev->dst_identity;
	f->ifindex[s] = ev->ifindex;
	f->vni = p->vni;
	memcpy(f->vlan, p->vlan, sizeof(f->vlan));
	f->outer_saddr = p->outer_saddr;
	f->outer_daddr = p->outer_daddr;
	take_icmp(t, p, src_is_b);
	t->tun_type = p->tun_type;
	new_flow_id(c, t);
	t->start_ns = ev->ts_ns;
	t->record_start_ns = ev->ts_ns;
	set_state(c, t, T_EVENT);
}

void bh_collector_stats(const struct bh_collector *c,
			struct bh_collector_stats *out)
{
	*out = c->st;
	out->flows_tracked = c->n_used;
	out->flows_capacity = c->opts.max_flows;
	out->flows_active = c->n_active;
}
