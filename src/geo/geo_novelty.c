// SPDX-License-Identifier: GPL-2.0-only
/* Geo novelty detector: per-identity country/ASN baselines and findings. */
#include "geo_novelty.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_num.h"

#define NOV_NIL UINT32_MAX

/* The two dimensions an identity is judged on. */
enum { NOV_COUNTRY = 0, NOV_ASN = 1, NOV_DIMS };

static const __u32 nov_dim_flag[NOV_DIMS] = {BH_GEO_NEW_COUNTRY,
					     BH_GEO_NEW_ASN};

enum nov_state {
	NOV_LEARNED = 0, /* seen during the baseline */
	NOV_NOVEL = 1,	 /* first seen after it: a finding was opened */
};

struct nov_entry {
	__u32 key; /* packed country code, or ASN; never 0 */
	__u32 state;
	__u64 last_seen_ns;
};

struct nov_set {
	struct nov_entry *e;
	__u32 n, cap;
};

struct nov_ident {
	__u32 id;
	__u32 hnext;		  /* hash chain, or free list */
	__u32 lru_prev, lru_next; /* most recently active at the head */
	__u64 first_ns;		  /* first flow: the baseline starts */
	struct nov_set set[NOV_DIMS];
};

struct bh_geo_novelty {
	struct bh_geo_novelty_config cfg;
	struct nov_ident *ids;
	__u32 *buckets;
	__u32 bucket_mask;
	__u32 lru_head, lru_tail;
	__u32 free_head;
	struct bh_geo_finding *pending; /* open findings, oldest first */
	__u32 n_pending;
	__u64 next_due_ns; /* earliest end of a pending finding's window */
	struct bh_geo_novelty_stats st;
};

static __u32 nov_max_entries(const struct bh_geo_novelty *n, int dim)
{
	return dim == NOV_COUNTRY ? n->cfg.max_countries : n->cfg.max_asns;
}

static __u32 nov_hash(const struct bh_geo_novelty *n, __u32 id)
{
	return (id * 0x9e3779b1u) >> 7 & n->bucket_mask;
}

int bh_geo_novelty_new(struct bh_geo_novelty **out,
		       const struct bh_geo_novelty_config *cfg)
{
	struct bh_geo_novelty *n;
	__u32 i, nb = 1;

	if (!out || !cfg || !cfg->max_identities || !cfg->max_countries ||
	    !cfg->max_asns || !cfg->max_pending || !cfg->baseline_ns ||
	    !cfg->upload_ratio)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	while (nb < cfg->max_identities)
		nb <<= 1;
	n->bucket_mask = nb - 1;
	n->ids = calloc(cfg->max_identities, sizeof(*n->ids));
	n->buckets = malloc(nb * sizeof(*n->buckets));
	n->pending = calloc(cfg->max_pending, sizeof(*n->pending));
	if (!n->ids || !n->buckets || !n->pending) {
		bh_geo_novelty_free(&n);
		return -ENOMEM;
	}
	for (i = 0; i < nb; i++)
		n->buckets[i] = NOV_NIL;
	for (i = 0; i < cfg->max_identities; i++)
		n->ids[i].hnext = i + 1 < cfg->max_identities ? i + 1 : NOV_NIL;
	n->free_head = 0;
	n->lru_head = n->lru_tail = NOV_NIL;
	n->next_due_ns = UINT64_MAX;
	n->st.memory_bytes = sizeof(*n) +
			     (__u64)cfg->max_identities * sizeof(*n->ids) +
			     (__u64)nb * sizeof(*n->buckets) +
			     (__u64)cfg->max_pending * sizeof(*n->pending);
	n->st.memory_max_bytes =
	    n->st.memory_bytes + (__u64)cfg->max_identities *
				     (cfg->max_countries + cfg->max_asns) *
				     sizeof(struct nov_entry);
	*out = n;
	return 0;
}

static void nov_set_free(struct bh_geo_novelty *n, struct nov_set *s)
{
	n->st.memory_bytes -= (__u64)s->cap * sizeof(*s->e);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

void bh_geo_novelty_free(struct bh_geo_novelty **pn)
{
	struct bh_geo_novelty *n;
	__u32 i;

	if (!pn || !*pn)
		return;
	n = *pn;
	for (i = 0; n->ids && i < n->cfg.max_identities; i++) {
		free(n->ids[i].set[NOV_COUNTRY].e);
		free(n->ids[i].set[NOV_ASN].e);
	}
	free(n->ids);
	free(n->buckets);
	free(n->pending);
	free(n);
	*pn = NULL;
}

static void nov_lru_unlink(struct bh_geo_novelty *n, __u32 i)
{
	struct nov_ident *d = &n->ids[i];

	if (d->lru_prev != NOV_NIL)
		n->ids[d->lru_prev].lru_next = d->lru_next;
	else
		n->lru_head = d->lru_next;
	if (d->lru_next != NOV_NIL)
		n->ids[d->lru_next].lru_prev = d->lru_prev;
	else
		n->lru_tail = d->lru_prev;
}

static void nov_lru_push(struct bh_geo_novelty *n, __u32 i)
{
	struct nov_ident *d = &n->ids[i];

	d->lru_prev = NOV_NIL;
	d->lru_next = n->lru_head;
	if (n->lru_head != NOV_NIL)
		n->ids[n->lru_head].lru_prev = i;
	n->lru_head = i;
	if (n->lru_tail == NOV_NIL)
		n->lru_tail = i;
}

/* Drop the least recently active identity; its slot goes to the free list. */
static void nov_evict_identity(struct bh_geo_novelty *n)
{
	__u32 i = n->lru_tail, *pp;
	struct nov_ident *d = &n->ids[i];

	nov_lru_unlink(n, i);
	for (pp = &n->buckets[nov_hash(n, d->id)]; *pp != i;
	     pp = &n->ids[*pp].hnext)
		;
	*pp = d->hnext;
	nov_set_free(n, &d->set[NOV_COUNTRY]);
	nov_set_free(n, &d->set[NOV_ASN]);
	d->hnext = n->free_head;
	n->free_head = i;
	n->st.identities--;
	n->st.identity_evictions++;
}

/* The identity's record, made (and its baseline started) on first sight. */
/* The slot of a tracked identity, or NOV_NIL. */
static __u32 nov_lookup(const struct bh_geo_novelty *n, __u32 id)
{
	__u32 i;

	for (i = n->buckets[nov_hash(n, id)]; i != NOV_NIL; i = n->ids[i].hnext)
		if (n->ids[i].id == id)
			return i;
	return NOV_NIL;
}

static struct nov_ident *nov_identity(struct bh_geo_novelty *n, __u32 id,
				      __u64 ts)
{
	__u32 b = nov_hash(n, id), i = nov_lookup(n, id);
	struct nov_ident *d;

	if (i != NOV_NIL) {
		/* records come in the order flows end, not start */
		if (ts < n->ids[i].first_ns)
			n->ids[i].first_ns = ts;
		if (n->lru_head != i) {
			nov_lru_unlink(n, i);
			nov_lru_push(n, i);
		}
		return &n->ids[i];
	}
	if (n->free_head == NOV_NIL)
		nov_evict_identity(n);
	i = n->free_head;
	d = &n->ids[i];
	n->free_head = d->hnext;
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->first_ns = ts;
	d->hnext = n->buckets[b];
	n->buckets[b] = i;
	nov_lru_push(n, i);
	n->st.identities++;
	return d;
}

static struct nov_entry *nov_find(struct nov_set *s, __u32 key)
{
	__u32 i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].key == key)
			return &s->e[i];
	return NULL;
}

/* Add key, evicting the least recently seen entry when the set is full. */
static int nov_add(struct bh_geo_novelty *n, struct nov_set *s, int dim,
		   __u32 key, __u32 state, __u64 ts)
{
	__u32 max = nov_max_entries(n, dim), i, victim = 0;
	struct nov_entry *e;

	if (s->n == s->cap && s->cap < max) {
		__u32 cap = s->cap ? s->cap * 2 : 4;

		if (cap > max)
			cap = max;
		e = realloc(s->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		n->st.memory_bytes += (__u64)(cap - s->cap) * sizeof(*e);
		s->e = e;
		s->cap = cap;
	}
	if (s->n < s->cap) {
		e = &s->e[s->n++];
	} else {
		for (i = 1; i < s->n; i++)
			if (s->e[i].last_seen_ns < s->e[victim].last_seen_ns)
				victim = i;
		e = &s->e[victim];
		n->st.entry_evictions++;
	}
	*e = (struct nov_entry){.key = key, .state = state, .last_seen_ns = ts};
	return 0;
}

/* Country codes packed into a non-zero key ("DE" -> 0x4445). */
static __u32 nov_country_key(const struct bh_geo_info *g)
{
	__u32 k = 0;
	int i;

	if (!g || !(g->flags & BH_GEO_F_COUNTRY))
		return 0;
	for (i = 0; i < BH_GEO_CC_SIZE - 1 && g->country[i]; i++)
		k = k << 8 | (__u8)g->country[i];
	return k;
}

static __u64 nov_sat_add(__u64 a, __u64 b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void nov_aggregate(struct bh_geo_finding *f,
			  const struct bh_geo_contact *c)
{
	if (c->ts_ns > f->last_seen_ns)
		f->last_seen_ns = c->ts_ns;
	if (c->ts_ns < f->first_seen_ns)
		f->first_seen_ns = c->ts_ns;
	if (f->n_flow_ids < BH_GEO_FINDING_EVIDENCE) {
		f->flow_out[f->n_flow_ids] = c->bytes_out;
		f->flow_in[f->n_flow_ids] = c->bytes_in;
		f->flow_ids[f->n_flow_ids++] = c->flow_id;
	}
	f->flows++;
	f->bytes_out = nov_sat_add(f->bytes_out, c->bytes_out);
	f->bytes_in = nov_sat_add(f->bytes_in, c->bytes_in);
}

/* The open finding of this identity about this country/ASN, if any. */
static struct bh_geo_finding *nov_pending_find(struct bh_geo_novelty *n,
					       __u32 id, int dim, __u32 key)
{
	__u32 i;

	for (i = 0; i < n->n_pending; i++) {
		struct bh_geo_finding *f = &n->pending[i];

		if (f->identity != id || !(f->what & nov_dim_flag[dim]))
			continue;
		if ((dim == NOV_COUNTRY ? nov_country_key(&f->geo)
					: f->geo.asn) == key)
			return f;
	}
	return NULL;
}

static bool nov_upload_heavy(const struct bh_geo_novelty *n,
			     const struct bh_geo_finding *f)
{
	__u64 ratio = n->cfg.upload_ratio;
	__u64 in_x =
	    f->bytes_in > UINT64_MAX / ratio ? UINT64_MAX : f->bytes_in * ratio;

	return f->bytes_out >= n->cfg.upload_bytes && f->bytes_out >= in_x;
}

/* Score: a new country weighs more than a new AS (an AS change within a
 * country is common: CDNs, cloud regions), both more still; a workload
 * mostly sending to it is the exfiltration pattern. */
static void nov_judge(const struct bh_geo_novelty *n, struct bh_geo_finding *f)
{
	unsigned int score;

	if (f->what == (BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN))
		score = 70;
	else if (f->what & BH_GEO_NEW_COUNTRY)
		score = 60;
	else
		score = 50;
	f->technique = BH_GEO_TECH_T1071;
	if (nov_upload_heavy(n, f)) {
		f->technique = BH_GEO_TECH_T1041;
		score += 25;
	}
	if (score > 100)
		score = 100;
	f->score = (__u8)score;
	f->severity = score >= 80   ? BH_GEO_SEV_HIGH
		      : score >= 55 ? BH_GEO_SEV_MEDIUM
				    : BH_GEO_SEV_LOW;
}

int bh_geo_novelty_touch(struct bh_geo_novelty *n, __u32 identity, __u64 ts_ns)
{
	if (!n)
		return -EINVAL;
	nov_identity(n, identity, ts_ns);
	return 0;
}

/* Account the contact; the findings it opened or was folded into go to
 * out[] (judged copies) when out is set. Returns 1 when it opened one. */
static int nov_observe(struct bh_geo_novelty *n, const struct bh_geo_contact *c,
		       struct bh_geo_finding *out, size_t *n_out)
{
	struct bh_geo_finding *agg[NOV_DIMS] = {}, *f;
	struct nov_entry *e[NOV_DIMS] = {};
	__u32 key[NOV_DIMS], what = 0;
	struct nov_ident *d;
	int dim, err;

	n->st.contacts++;
	key[NOV_COUNTRY] = nov_country_key(c->geo);
	key[NOV_ASN] =
	    c->geo && (c->geo->flags & BH_GEO_F_ASN) ? c->geo->asn : 0;
	if (!key[NOV_COUNTRY] && !key[NOV_ASN]) {
		n->st.unenriched++;
		return 0;
	}
	d = nov_identity(n, c->identity, c->ts_ns);
	for (dim = 0; dim < NOV_DIMS; dim++) {
		if (!key[dim])
			continue;
		e[dim] = nov_find(&d->set[dim], key[dim]);
		if (e[dim] && c->ts_ns > e[dim]->last_seen_ns)
			e[dim]->last_seen_ns = c->ts_ns;
	}
	if (c->ts_ns < nov_sat_add(d->first_ns, n->cfg.baseline_ns)) {
		for (dim = 0; dim < NOV_DIMS; dim++) {
			if (!key[dim] || e[dim])
				continue;
			err = nov_add(n, &d->set[dim], dim, key[dim],
				      NOV_LEARNED, c->ts_ns);
			if (err)
				return err;
			n->st.learned++;
		}
		return 0;
	}
	for (dim = 0; dim < NOV_DIMS; dim++) {
		if (!key[dim])
			continue;
		if (!e[dim])
			what |= nov_dim_flag[dim];
		else if (e[dim]->state == NOV_NOVEL)
			agg[dim] = nov_pending_find(n, d->id, dim, key[dim]);
	}
	/* Repeats of an open novelty; one finding may cover both keys. */
	for (dim = 0; dim < NOV_DIMS; dim++) {
		if (!agg[dim] || (dim == NOV_ASN && agg[NOV_ASN] == agg[0]))
			continue;
		nov_aggregate(agg[dim], c);
		n->st.aggregated++;
		if (out) {
			out[*n_out] = *agg[dim];
			nov_judge(n, &out[(*n_out)++]);
		}
	}
	if (!what)
		return 0;
	if (n->n_pending == n->cfg.max_pending) {
		/* Not recorded as seen: it is judged again on a later
		 * contact, when the engine has made room. */
		n->st.findings_dropped++;
		return 0;
	}
	for (dim = 0; dim < NOV_DIMS; dim++) {
		if (!(what & nov_dim_flag[dim]))
			continue;
		err = nov_add(n, &d->set[dim], dim, key[dim], NOV_NOVEL,
			      c->ts_ns);
		if (err)
			return err;
	}
	f = &n->pending[n->n_pending++];
	memset(f, 0, sizeof(*f));
	f->identity = c->identity;
	f->what = what;
	f->geo = *c->geo;
	f->remote = c->remote;
	f->first_seen_ns = f->last_seen_ns = c->ts_ns;
	f->baseline_end_ns = nov_sat_add(d->first_ns, n->cfg.baseline_ns);
	nov_aggregate(f, c);
	n->st.findings++;
	if (nov_sat_add(f->first_seen_ns, n->cfg.aggregate_ns) < n->next_due_ns)
		n->next_due_ns =
		    nov_sat_add(f->first_seen_ns, n->cfg.aggregate_ns);
	if (out) {
		out[*n_out] = *f;
		nov_judge(n, &out[(*n_out)++]);
	}
	return 1;
}

int bh_geo_novelty_observe(struct bh_geo_novelty *n,
			   const struct bh_geo_contact *c)
{
	if (!n || !c)
		return -EINVAL;
	return nov_observe(n, c, NULL, NULL);
}

int bh_geo_novelty_contact(struct bh_geo_novelty *n,
			   const struct bh_geo_contact *c,
			   struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS])
{
	size_t got = 0;
	int err;

	if (!n || !c || !out)
		return -EINVAL;
	err = nov_observe(n, c, out, &got);
	return err < 0 ? err : (int)got;
}

int bh_geo_novelty_flow_bytes(struct bh_geo_novelty *n, __u32 identity,
			      __u64 flow_id, __u64 bytes_out, __u64 bytes_in,
			      struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS])
{
	__u32 i, k;
	int got = 0;

	if (!n || !out)
		return -EINVAL;
	for (i = 0; i < n->n_pending && got < BH_GEO_CONTACT_FINDINGS; i++) {
		struct bh_geo_finding *f = &n->pending[i];

		if (f->identity != identity)
			continue;
		for (k = 0; k < f->n_flow_ids; k++) {
			if (f->flow_ids[k] != flow_id)
				continue;
			if (bytes_out <= f->flow_out[k] &&
			    bytes_in <= f->flow_in[k])
				break;
			if (bytes_out > f->flow_out[k])
				f->bytes_out = nov_sat_add(
					f->bytes_out, bytes_out - f->flow_out[k]);
			if (bytes_in > f->flow_in[k])
				f->bytes_in = nov_sat_add(
					f->bytes_in, bytes_in - f->flow_in[k]);
			f->flow_out[k] = bytes_out > f->flow_out[k] ?
						 bytes_out :
						 f->flow_out[k];
			f->flow_in[k] = bytes_in > f->flow_in[k] ? bytes_in :
								  f->flow_in[k];
			out[got] = *f;
			nov_judge(n, &out[got++]);
			break;
		}
	}
	return got;
}

/* Take the findings due at now_ns, oldest first, up to max; into out when
 * set (judged), else just retired. */
static size_t nov_take(struct bh_geo_novelty *n, __u64 now_ns,
		       struct bh_geo_finding *out, size_t max)
{
	__u64 next = UINT64_MAX;
	size_t got = 0;
	__u32 i, keep = 0;

	for (i = 0; i < n->n_pending; i++) {
		struct bh_geo_finding *f = &n->pending[i];
		__u64 end = nov_sat_add(f->first_seen_ns, n->cfg.aggregate_ns);
		bool due = now_ns == UINT64_MAX || end <= now_ns;

		if (due && got < max) {
			if (out) {
				nov_judge(n, f);
				out[got] = *f;
			}
			got++;
			continue;
		}
		if (end < next)
			next = end;
		if (keep != i)
			n->pending[keep] = *f;
		keep++;
	}
	n->n_pending = keep;
	n->next_due_ns = next;
	n->st.drained += got;
	return got;
}

size_t bh_geo_novelty_drain(struct bh_geo_novelty *n, __u64 now_ns,
			    struct bh_geo_finding *out, size_t max)
{
	if (!n || !out)
		return 0;
	return nov_take(n, now_ns, out, max);
}

size_t bh_geo_novelty_expire(struct bh_geo_novelty *n, __u64 now_ns)
{
	/* called for every flow: nothing to scan until one is due */
	if (!n || !n->n_pending || now_ns < n->next_due_ns)
		return 0;
	return nov_take(n, now_ns, NULL, SIZE_MAX);
}

/* A country key of two printable characters, as the file writes it. */
static bool nov_cc_printable(__u32 key)
{
	__u8 a = (__u8)(key >> 8), b = (__u8)key;

	return key <= 0xffff && a > ' ' && a < 0x7f && b > ' ' && b < 0x7f;
}

/* One entry's record; countries whose key is not a printable code are left
 * out (they are learned again). */
static void nov_save_entry(FILE *fp, __u32 id, int dim,
			   const struct nov_entry *e)
{
	if (dim == NOV_ASN)
		fprintf(fp, "geo asn %u %u %llu\n", id, e->key,
			(unsigned long long)e->last_seen_ns);
	else if (nov_cc_printable(e->key))
		fprintf(fp, "geo country %u %c%c %llu\n", id,
			(char)(e->key >> 8), (char)e->key,
			(unsigned long long)e->last_seen_ns);
}

int bh_geo_novelty_save(const struct bh_geo_novelty *n, FILE *fp)
{
	__u32 i, k;
	int dim;

	for (i = n->lru_tail; i != NOV_NIL; i = n->ids[i].lru_prev) {
		const struct nov_ident *d = &n->ids[i];

		fprintf(fp, "geo id %u %llu\n", d->id,
			(unsigned long long)d->first_ns);
		for (dim = 0; dim < NOV_DIMS; dim++)
			for (k = 0; k < d->set[dim].n; k++)
				nov_save_entry(fp, d->id, dim,
					       &d->set[dim].e[k]);
	}
	return ferror(fp) ? -EIO : 0;
}

int bh_geo_novelty_load(struct bh_geo_novelty *n, char **f, unsigned int nf,
			const char **why)
{
	__u64 id, v, ts;
	__u32 key, slot;
	int dim;

	if (nf < 3 || bh_parse_u64(f[1], UINT32_MAX, &id)) {
		*why = "expected id|country|asn <identity> ...";
		return -EINVAL;
	}
	if (!strcmp(f[0], "id")) {
		if (nf != 3 || bh_parse_u64(f[2], UINT64_MAX, &ts)) {
			*why = "id: expected <identity> <first flow ns>";
			return -EINVAL;
		}
		nov_identity(n, (__u32)id, ts);
		return 0;
	}
	if (strcmp(f[0], "country") && strcmp(f[0], "asn")) {
		*why = "unknown record (expected id, country or asn)";
		return -EINVAL;
	}
	dim = f[0][0] == 'c' ? NOV_COUNTRY : NOV_ASN;
	if (nf != 4 || bh_parse_u64(f[3], UINT64_MAX, &ts)) {
		*why = "expected <identity> <country or ASN> <last seen ns>";
		return -EINVAL;
	}
	if (dim == NOV_COUNTRY) {
		key = strlen(f[2]) == 2
			  ? (__u32)(__u8)f[2][0] << 8 | (__u8)f[2][1]
			  : 0;
		if (!nov_cc_printable(key)) {
			*why = "country: expected a two-letter code";
			return -EINVAL;
		}
	} else {
		if (bh_parse_u64(f[2], UINT32_MAX, &v) || !v) {
			*why = "asn: expected a number from 1";
			return -EINVAL;
		}
		key = (__u32)v;
	}
	/* its identity came first, in its "id" record */
	slot = nov_lookup(n, (__u32)id);
	if (slot == NOV_NIL) {
		*why = "an entry before its identity's id record";
		return -EINVAL;
	}
	if (nov_find(&n->ids[slot].set[dim], key))
		return 0;
	if (nov_add(n, &n->ids[slot].set[dim], dim, key, NOV_LEARNED, ts)) {
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

void bh_geo_novelty_get_stats(const struct bh_geo_novelty *n,
			      struct bh_geo_novelty_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	*st = n->st;
	st->pending = n->n_pending;
}

const char *bh_geo_technique_id(unsigned int t)
{
	return t == BH_GEO_TECH_T1041 ? "T1041" : "T1071";
}

const char *bh_geo_technique_name(unsigned int t)
{
	return t == BH_GEO_TECH_T1041 ? "Exfiltration Over C2 Channel"
				      : "Application Layer Protocol";
}

const char *bh_geo_severity_str(unsigned int s)
{
	switch (s) {
	case BH_GEO_SEV_LOW:
		return "low";
	case BH_GEO_SEV_MEDIUM:
		return "medium";
	case BH_GEO_SEV_HIGH:
		return "high";
	}
	return "invalid";
}
