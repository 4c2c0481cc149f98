// SPDX-License-Identifier: GPL-2.0-only
/* Reading a compiled policy: free, lookups, map sizes, and the effective
 * access between two identities as the port maps encode it. */
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bh_compiled_policy_free(struct bh_compiled_policy **pcp)
{
	struct bh_compiled_policy *cp;
	size_t i, j;

	if (!pcp || !*pcp)
		return;
	cp = *pcp;
	for (i = 0; cp->identities && i < cp->n_identities; i++) {
		struct bh_cp_identity *id = &cp->identities[i];

		free(id->name);
		for (j = 0; id->labels && j < id->n_labels; j++) {
			free(id->labels[j].key);
			free(id->labels[j].value);
		}
		free(id->labels);
	}
	free(cp->identities);
	for (i = 0; cp->exact && i < cp->n_exact; i++)
		free(cp->exact[i].workload);
	free(cp->exact);
	for (i = 0; cp->cidrs && i < cp->n_cidrs; i++)
		free(cp->cidrs[i].workload);
	free(cp->cidrs);
	free(cp->cidr_runs);
	free(cp->bitmaps);
	free(cp->ports);
	for (i = 0; cp->rules && i < cp->n_rules; i++) {
		free(cp->rules[i].name);
		free(cp->rules[i].description);
		free(cp->rules[i].file);
	}
	free(cp->rules);
	free(cp->source_path);
	free(cp);
	*pcp = NULL;
}

const struct bh_cp_identity *
bh_compiled_identity(const struct bh_compiled_policy *cp, __u32 id)
{
	size_t lo = 0, hi = cp->n_identities;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp->identities[mid].id == id)
			return &cp->identities[mid];
		if (cp->identities[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Clear the host bits of a below a prefix of plen bits. */
static void bh_prefix_mask(union bh_addr *a, __u8 plen)
{
	unsigned int full = plen / 8;

	if (full >= sizeof(a->b))
		return;
	if (plen % 8)
		a->b[full++] &= (__u8)(0xff << (8 - plen % 8));
	memset(a->b + full, 0, sizeof(a->b) - full);
}

/* The entry of v[0, n) (sorted by address) whose address is a. */
static const struct bh_cp_addr *find_addr(const struct bh_cp_addr *v, size_t n,
					  const union bh_addr *a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(v[mid].addr.b, a->b, 16);

		if (!c)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct bh_cp_addr *bh_compiled_addr(const struct bh_compiled_policy *cp,
					  const union bh_addr *addr)
{
	const struct bh_cp_addr *e = find_addr(cp->exact, cp->n_exact, addr);
	size_t r;

	/* Telemetry names every record's endpoints: for an address outside
	 * the workloads, one binary search per prefix length in use, the
	 * longest first. */
	for (r = 0; !e && r < cp->n_cidr_runs; r++) {
		const struct bh_cp_cidr_run *run = &cp->cidr_runs[r];
		union bh_addr net = *addr;

		bh_prefix_mask(&net, run->prefixlen);
		e = find_addr(cp->cidrs + run->start, run->n, &net);
	}
	return e;
}

const struct bh_cp_rule *bh_compiled_rule(const struct bh_compiled_policy *cp,
					  __u32 rule_id)
{
	if (!rule_id || rule_id > cp->n_rules)
		return NULL;
	return &cp->rules[rule_id - 1];
}

void bh_compiled_sizes(const struct bh_compiled_policy *cp,
		       struct bh_cp_sizes *out)
{
	static const struct {
		const char *name;
		size_t capacity, entry;
	} maps[BH_CP_MAP_MAX] = {
	    [BH_CP_MAP_ID_EXACT] = {"bh_id_exact", BH_ID_MAP_SIZE,
				    sizeof(struct bh_id_exact_key) +
					sizeof(struct bh_identity_info)},
	    [BH_CP_MAP_ID_CIDR] = {"bh_id_cidr", BH_CIDR_MAP_SIZE,
				   sizeof(struct bh_id_cidr_key) +
				       sizeof(struct bh_identity_info)},
	    [BH_CP_MAP_PORT_EXACT] = {"bh_port_exact", BH_PORT_MAP_SIZE,
				      sizeof(struct bh_port_key) +
					  sizeof(struct bh_port_val)},
	    [BH_CP_MAP_PORT_LPM] = {"bh_port_lpm", BH_PORT_MAP_SIZE,
				    sizeof(struct bh_port_lpm_key) +
					sizeof(struct bh_port_val)},
	    [BH_CP_MAP_BITMAPS] = {"bh_bitmaps", BH_BITMAP_MAP_SIZE,
				   sizeof(struct bh_bitmap_key) +
				       sizeof(struct bh_rule_bitmap)},
	    [BH_CP_MAP_RULES] = {"bh_rules", 2 * BH_MAX_RULES,
				 sizeof(__u32) + sizeof(struct bh_rule)},
	};
	size_t i, n_exact_ports = 0;
	__u32 max_class = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cp->n_ports; i++) {
		if (cp->ports[i].prefixlen == 16)
			n_exact_ports++;
		if (cp->ports[i].dst_class > max_class)
			max_class = cp->ports[i].dst_class;
	}
	for (i = 0; i < cp->n_identities; i++)
		if (cp->identities[i].info.dst_class > max_class)
			max_class = cp->identities[i].info.dst_class;
	out->n_dst_classes = (size_t)max_class + 1;
	out->map[BH_CP_MAP_ID_EXACT].entries = cp->n_exact;
	out->map[BH_CP_MAP_ID_CIDR].entries = cp->n_cidrs;
	out->map[BH_CP_MAP_PORT_EXACT].entries = n_exact_ports;
	out->map[BH_CP_MAP_PORT_LPM].entries = cp->n_ports - n_exact_ports;
	out->map[BH_CP_MAP_BITMAPS].entries = cp->n_bitmaps;
	out->map[BH_CP_MAP_RULES].entries = cp->n_rules;
	for (i = 0; i < BH_CP_MAP_MAX; i++) {
		struct bh_cp_map_size *m = &out->map[i];

		m->name = maps[i].name;
		/* Both policy slots share each map (atomic reload). */
		m->capacity = maps[i].capacity / 2;
		m->entry_bytes = maps[i].entry;
		m->bytes = m->entries * m->entry_bytes;
		out->total_entries += m->entries;
		out->total_bytes += m->bytes;
	}
}

/* ------------------------------------------------------------------------ */
/* Effective access: the decision for every (proto, port) of a pair.        */

static __u32 bh_first_rule(const struct bh_compiled_policy *cp,
			   const struct bh_rule_bitmap *s,
			   const struct bh_rule_bitmap *d)
{
	__u32 w;

	for (w = 0; w < cp->hdr.n_words; w++) {
		__u64 m = s->w[w] & d->w[w];

		if (m)
			return w * 64 + (__u32)__builtin_ctzll(m) + 1;
	}
	return 0;
}

static void bh_decide(const struct bh_compiled_policy *cp, __u32 rule_id,
		      struct bh_cp_access *a)
{
	a->rule_id = rule_id;
	a->action =
	    rule_id ? cp->rules[rule_id - 1].action : cp->hdr.default_action;
}

struct bh_port_range {
	__u32 lo, hi;
	__u8 plen;
	__u32 bitmap;
};

/* One protocol's entries of a class, evaluated with LPM semantics (exact
 * entries are /16, the longest prefix wins, the proto's /0 entry or the
 * any-protocol entry covers the rest), merged into maximal ranges. */
static int bh_access_proto(const struct bh_compiled_policy *cp,
			   const struct bh_rule_bitmap *s,
			   const struct bh_cp_port *e, size_t n,
			   const struct bh_cp_port *any,
			   int (*cb)(void *, const struct bh_cp_access *),
			   void *ctx)
{
	struct bh_port_range *r;
	__u32 *cuts, pos;
	size_t nr = 0, nc = 0, i, j;
	struct bh_cp_access cur = {.proto = e[0].proto}, a;
	bool have = false;
	int ret = 0;

	r = calloc(n + 1, sizeof(*r));
	cuts = calloc(2 * n + 2, sizeof(*cuts));
	if (!r || !cuts) {
		ret = -ENOMEM;
		goto out;
	}
	r[nr++] = (struct bh_port_range){0, 65535, 0, any ? any->bitmap : 0};
	if (!any)
		r[0].plen = 0xff; /* no entry: empty bitmap below */
	for (i = 0; i < n; i++) {
		__u32 size = 1u << (16 - e[i].prefixlen);

		if (!e[i].prefixlen) {
			r[0] = (struct bh_port_range){0, 65535, 0, e[i].bitmap};
			continue;
		}
		r[nr++] =
		    (struct bh_port_range){e[i].port, e[i].port + size - 1,
					   e[i].prefixlen, e[i].bitmap};
	}
	for (i = 0; i < nr; i++) {
		cuts[nc++] = r[i].lo;
		cuts[nc++] = r[i].hi + 1;
	}
	/* Sort the cut points (insertion sort: few entries per proto in
	 * what people read; show is not a hot path). */
	for (i = 1; i < nc; i++)
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			pos = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = pos;
		}
	for (i = 0; i + 1 < nc; i++) {
		const struct bh_port_range *best = NULL;
		static const struct bh_rule_bitmap empty;
		const struct bh_rule_bitmap *d;

		if (cuts[i] == cuts[i + 1] || cuts[i] > 65535)
			continue;
		for (j = 0; j < nr; j++)
			if (r[j].lo <= cuts[i] && cuts[i] <= r[j].hi &&
			    r[j].plen != 0xff &&
			    (!best || r[j].plen > best->plen))
				best = &r[j];
		d = best ? &cp->bitmaps[best->bitmap] : &empty;
		a = (struct bh_cp_access){.proto = cur.proto,
					  .lo = (__u16)cuts[i],
					  .hi = (__u16)(cuts[i + 1] - 1)};
		bh_decide(cp, bh_first_rule(cp, s, d), &a);
		if (have && a.action == cur.action &&
		    a.rule_id == cur.rule_id && cur.hi + 1u == a.lo) {
			cur.hi = a.hi;
			continue;
		}
		if (have && (ret = cb(ctx, &cur)))
			goto out;
		cur = a;
		have = true;
	}
	if (have)
		ret = cb(ctx, &cur);
out:
	free(r);
	free(cuts);
	return ret;
}

int bh_compiled_access(const struct bh_compiled_policy *cp, size_t src_idx,
		       size_t dst_idx,
		       int (*cb)(void *ctx, const struct bh_cp_access *a),
		       void *ctx)
{
	const struct bh_rule_bitmap *s =
	    &cp->bitmaps[cp->identities[src_idx].info.src_bitmap];
	__u32 cls = cp->identities[dst_idx].info.dst_class;
	const struct bh_cp_port *any = NULL;
	struct bh_cp_access a = {.proto = BH_PROTO_ANY, .hi = 65535};
	size_t lo = 0, hi = cp->n_ports, i, j;
	int ret;

	/* The class's entries: a contiguous run of the sorted array. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp->ports[mid].dst_class < cls)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < cp->n_ports && cp->ports[hi].dst_class == cls; hi++)
		if (cp->ports[hi].proto == BH_PROTO_ANY)
			any = &cp->ports[hi];
	for (i = lo; i < hi; i = j) {
		for (j = i; j < hi && cp->ports[j].proto == cp->ports[i].proto;
		     j++)
			;
		if (cp->ports[i].proto == BH_PROTO_ANY)
			continue;
		ret =
		    bh_access_proto(cp, s, &cp->ports[i], j - i, any, cb, ctx);
		if (ret)
			return ret;
	}
	bh_decide(cp, any ? bh_first_rule(cp, s, &cp->bitmaps[any->bitmap]) : 0,
		  &a);
	return cb(ctx, &a);
}

long bh_compiled_workload_identity(const struct bh_compiled_policy *cp,
				   const struct bh_policy_workload *w)
{
	const struct bh_cp_addr *a;
	size_t i, j;

	if (w->n_prefixes) {
		a = bh_compiled_addr(cp, &w->prefixes[0].addr);
		if (a && a->prefixlen == w->prefixes[0].prefixlen)
			return (long)a->identity;
	}
	/* No address of its own in the maps: find its label set. */
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		if (id->kind != BH_KIND_WORKLOAD || id->n_labels != w->n_labels)
			continue;
		for (j = 0; j < w->n_labels; j++)
			if (strcmp(id->labels[j].key, w->labels[j].key) ||
			    strcmp(id->labels[j].value, w->labels[j].value))
				break;
		if (j == w->n_labels)
			return (long)i;
	}
	return -1;
}
