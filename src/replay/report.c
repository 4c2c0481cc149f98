// SPDX-License-Identifier: GPL-2.0-only
/* Replay report: summary tables and the communication graph. */
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hmap.h"
#include "json_out.h"

#define BH_REPORT_TOP 10

/* Traffic between two named endpoints on one protocol/port. */
struct bh_edge {
	char *key; /* hmap key: bh_report_key() */
	size_t keylen;
	char *names;           /* "src\0dst" */
	const char *src, *dst; /* into names */
	__u8 proto;
	__u16 port;
	__u64 flows[BH_VERDICT_MAX];
	__u64 packets, bytes;
	char *rule; /* deciding rule of the last not-allowed flow, else last */
	bool alerted;
	bool pivot;
};

/* Traffic between two endpoints (world by address), all ports. */
struct bh_talker {
	char *key; /* hmap key: bh_report_key() */
	size_t keylen;
	char *names; /* "src\0dst" */
	const char *src, *dst;
	__u64 flows, packets, bytes;
};

struct bh_report {
	__u64 pkts[BH_VERDICT_MAX][BH_REASON_MAX];
	__u64 bytes[BH_VERDICT_MAX][BH_REASON_MAX];
	__u64 records, flows, flows_by_verdict[BH_VERDICT_MAX];
	struct bh_hmap edge_idx, talker_idx, alert_idx;
	struct bh_edge *edges;
	size_t n_edges, cap_edges;
	struct bh_talker *talkers;
	size_t n_talkers, cap_talkers;
	struct bh_detect_alert *alerts; /* last emission of each alert */
	size_t n_alerts, cap_alerts;
	__u64 *alert_ids; /* hmap keys */
	__u64 alert_emissions;
	char *kbuf; /* lookup keys are built here */
	size_t kcap;
};

int bh_report_new(struct bh_report **out)
{
	struct bh_report *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	bh_hmap_init(&r->edge_idx);
	bh_hmap_init(&r->talker_idx);
	bh_hmap_init(&r->alert_idx);
	return 0;
}

void bh_report_free(struct bh_report **rp)
{
	struct bh_report *r = *rp;
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_edges; i++) {
		free(r->edges[i].key);
		free(r->edges[i].names);
		free(r->edges[i].rule);
	}
	for (i = 0; i < r->n_talkers; i++) {
		free(r->talkers[i].key);
		free(r->talkers[i].names);
	}
	bh_hmap_release(&r->edge_idx);
	bh_hmap_release(&r->talker_idx);
	bh_hmap_release(&r->alert_idx);
	free(r->edges);
	free(r->talkers);
	free(r->alerts);
	free(r->alert_ids);
	free(r->kbuf);
	free(r);
	*rp = NULL;
}

void bh_report_packet(struct bh_report *r, __u8 verdict, __u8 reason,
		      __u32 wire_len)
{
	if (verdict >= BH_VERDICT_MAX || reason >= BH_REASON_MAX)
		return;
	r->pkts[verdict][reason]++;
	r->bytes[verdict][reason] += wire_len;
}

/* ------------------------------------------------------------------------ */
/* Names.                                                                   */

/* Dotted quad without the stdio machinery of inet_ntop: a report names
 * tens of thousands of external peers. len >= 16. */
static void bh_ipv4_str(const __u8 *b, char *buf)
{
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

static void bh_addr_str(const union bh_addr *a, char *buf, size_t len)
{
	if (!a->w[0] && !a->w[1] && a->w[2] == htonl(0xffff) && len >= 16)
		bh_ipv4_str(&a->b[12], buf);
	else if (!a->w[0] && !a->w[1] && a->w[2] == htonl(0xffff))
		inet_ntop(AF_INET, &a->w[3], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

/* Workload, external group, host, else world: by address when by_addr
 * (formatted into buf; NULL without buf). */
static const char *bh_ep_name(const struct bh_record_endpoint *e, bool by_addr,
			      char *buf, size_t len)
{
	if (e->workload)
		return e->workload;
	if (e->external_group)
		return e->external_group;
	if (e->identity == BH_ID_HOST)
		return "host";
	if (!by_addr)
		return "world";
	if (!buf)
		return NULL; /* by address: the caller has no buffer */
	bh_addr_str(&e->addr, buf, len);
	return buf;
}

static const char *bh_proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	}
	snprintf(buf, len, "proto/%u", proto);
	return buf;
}

static const char *bh_service(__u8 proto, __u16 port, char *buf, size_t len)
{
	char p[16];
	const char *name = bh_proto_name(proto, p, sizeof(p));

	if (proto == 6 || proto == 17 || proto == 132)
		snprintf(buf, len, "%s/%u", name, port);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Tables.                                                                  */

static int bh_grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* Lookup keys, built without formatting or allocating (a record costs a
 * lookup; only a new edge or talker formats its names): per endpoint its
 * name with the NUL, or 0x01 and the 16 address bytes when named by
 * address (names never start with 0x01); then proto and port for edges.
 * Returns the length, 0 when out of memory. */
static size_t bh_report_key(struct bh_report *r,
			    const struct bh_record_endpoint *ep[2],
			    bool by_addr, const __u8 *tail, size_t tail_len)
{
	const char *name[2];
	size_t len[2], need, off = 0;
	char *k;
	int i;

	for (i = 0; i < 2; i++) {
		name[i] = bh_ep_name(ep[i], by_addr, NULL, 0);
		len[i] = name[i] ? strlen(name[i]) + 1 : 17;
	}
	need = len[0] + len[1] + tail_len;
	if (need > r->kcap) {
		k = realloc(r->kbuf, need * 2);
		if (!k)
			return 0;
		r->kbuf = k;
		r->kcap = need * 2;
	}
	k = r->kbuf;
	for (i = 0; i < 2; i++) {
		if (name[i]) {
			memcpy(k + off, name[i], len[i]);
		} else {
			k[off] = 0x01;
			memcpy(k + off + 1, ep[i]->addr.b, 16);
		}
		off += len[i];
	}
	if (tail_len)
		memcpy(k + off, tail, tail_len);
	return need;
}

/* "src\0dst" of the endpoints, for printing. */
static char *bh_report_names(const struct bh_record_endpoint *ep[2],
			     bool by_addr, const char **src, const char **dst)
{
	char b[2][64];
	const char *n[2];
	size_t l0, l1;
	char *s;

	n[0] = bh_ep_name(ep[0], by_addr, b[0], sizeof(b[0]));
	n[1] = bh_ep_name(ep[1], by_addr, b[1], sizeof(b[1]));
	l0 = strlen(n[0]) + 1;
	l1 = strlen(n[1]) + 1;
	s = malloc(l0 + l1);
	if (!s)
		return NULL;
	memcpy(s, n[0], l0);
	memcpy(s + l0, n[1], l1);
	*src = s;
	*dst = s + l0;
	return s;
}

/* The table entry of the key in r->kbuf: index, or the next free one
 * (*fresh) with its key copied; -1 when out of memory. */
static ssize_t bh_report_slot(struct bh_report *r, struct bh_hmap *idx,
			      void **v, size_t *cap, size_t n, size_t size,
			      size_t len, char **key, bool *fresh)
{
	size_t i;

	*fresh = false;
	if (bh_hmap_get(idx, r->kbuf, len, &i))
		return (ssize_t)i;
	if (bh_grow(v, cap, n, size))
		return -1;
	*key = malloc(len);
	if (!*key)
		return -1;
	memcpy(*key, r->kbuf, len);
	if (bh_hmap_put(idx, *key, len, n, NULL) < 0) {
		free(*key);
		return -1;
	}
	*fresh = true;
	return (ssize_t)n;
}

static struct bh_edge *bh_edge_get(struct bh_report *r,
				   const struct bh_record_endpoint *ep[2],
				   __u8 proto, __u16 port)
{
	const __u8 tail[3] = { proto, (__u8)(port >> 8), (__u8)port };
	size_t len = bh_report_key(r, ep, false, tail, sizeof(tail));
	struct bh_edge *e;
	bool fresh;
	char *key;
	ssize_t i;

	if (!len)
		return NULL;
	i = bh_report_slot(r, &r->edge_idx, (void **)&r->edges,
			   &r->cap_edges, r->n_edges, sizeof(*r->edges), len,
			   &key, &fresh);
	if (i < 0)
		return NULL;
	e = &r->edges[i];
	if (!fresh)
		return e;
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->keylen = len;
	e->proto = proto;
	e->port = port;
	e->names = bh_report_names(ep, false, &e->src, &e->dst);
	if (!e->names)
		e->src = e->dst = "?";
	r->n_edges++; /* the key is in the index: keep the entry */
	return e;
}

static struct bh_talker *bh_talker_get(struct bh_report *r,
				       const struct bh_record_endpoint *ep[2])
{
	size_t len = bh_report_key(r, ep, true, NULL, 0);
	struct bh_talker *t;
	bool fresh;
	char *key;
	ssize_t i;

	if (!len)
		return NULL;
	i = bh_report_slot(r, &r->talker_idx, (void **)&r->talkers,
			   &r->cap_talkers, r->n_talkers, sizeof(*r->talkers),
			   len, &key, &fresh);
	if (i < 0)
		return NULL;
	t = &r->talkers[i];
	if (!fresh)
		return t;
	memset(t, 0, sizeof(*t));
	t->key = key;
	t->keylen = len;
	t->names = bh_report_names(ep, true, &t->src, &t->dst);
	if (!t->names)
		t->src = t->dst = "?";
	r->n_talkers++; /* the key is in the index: keep the entry */
	return t;
}

void bh_report_record(struct bh_report *r, const struct bh_flow_record *rec)
{
	const struct bh_record_endpoint *ep[2] = { &rec->ep[BH_SIDE_INIT],
						   &rec->ep[BH_SIDE_RESP] };
	__u64 pk = rec->packets[0] + rec->packets[1];
	__u64 by = rec->bytes[0] + rec->bytes[1];
	struct bh_talker *t;
	struct bh_edge *e;
	__u8 v = rec->verdict < BH_VERDICT_MAX ? rec->verdict : 0;

	r->records++;
	if (!rec->record_index) {
		r->flows++;
		r->flows_by_verdict[v]++;
	}
	e = bh_edge_get(r, ep, rec->proto,
			(rec->proto == 6 || rec->proto == 17 ||
			 rec->proto == 132) ?
				ep[1]->port :
				0);
	if (e) {
		if (!rec->record_index)
			e->flows[v]++;
		e->packets += pk;
		e->bytes += by;
		if (rec->rule && (v != BH_VERDICT_ALLOW || !e->rule ||
				  (!e->flows[BH_VERDICT_DENY] &&
				   !e->flows[BH_VERDICT_AUDIT])) &&
		    (!e->rule || strcmp(e->rule, rec->rule))) {
			free(e->rule);
			e->rule = strdup(rec->rule);
		}
	}
	t = bh_talker_get(r, ep);
	if (t) {
		if (!rec->record_index)
			t->flows++;
		t->packets += pk;
		t->bytes += by;
	}
}

/* An alert endpoint under the name the edge table gives it (bh_ep_name
 * without addresses): the internet is "world". */
static const char *bh_alert_ep_name(const struct bh_detect_endpoint *e)
{
	if (e->name[0])
		return e->name;
	return e->identity == BH_ID_HOST ? "host" : "world";
}

/* Mark the graph edges an alert names: source to each target, and the
 * hops of a pivot chain. */
static void bh_report_mark(struct bh_report *r, const struct bh_detect_alert *a)
{
	const char *src = bh_alert_ep_name(&a->source);
	size_t i;
	__u32 k;

	for (k = 0; k < a->n_targets; k++)
		for (i = 0; i < r->n_edges; i++)
			if (!strcmp(r->edges[i].src, src) &&
			    !strcmp(r->edges[i].dst,
				    bh_alert_ep_name(&a->targets[k])))
				r->edges[i].alerted = true;
	for (k = 0; k + 1 < a->path_len; k++)
		for (i = 0; i < r->n_edges; i++)
			if (!strcmp(r->edges[i].src,
				    bh_alert_ep_name(&a->path[k])) &&
			    !strcmp(r->edges[i].dst,
				    bh_alert_ep_name(&a->path[k + 1])))
				r->edges[i].pivot = true;
}

void bh_report_alert(struct bh_report *r, const struct bh_detect_alert *a)
{
	size_t idx, i;

	r->alert_emissions++;
	if (bh_hmap_get(&r->alert_idx, &a->id, sizeof(a->id), &idx)) {
		r->alerts[idx] = *a;
		return;
	}
	if (r->n_alerts == r->cap_alerts) {
		size_t cap = r->cap_alerts ? r->cap_alerts * 2 : 64;
		struct bh_detect_alert *v;
		__u64 *ids;

		v = realloc(r->alerts, cap * sizeof(*v));
		if (!v)
			return;
		r->alerts = v;
		ids = realloc(r->alert_ids, cap * sizeof(*ids));
		if (!ids)
			return;
		r->alert_ids = ids;
		r->cap_alerts = cap;
		/* the index keeps pointers into alert_ids: rebuild it */
		bh_hmap_release(&r->alert_idx);
		bh_hmap_init(&r->alert_idx);
		for (i = 0; i < r->n_alerts; i++)
			bh_hmap_put(&r->alert_idx, &r->alert_ids[i],
				    sizeof(__u64), i, NULL);
	}
	r->alerts[r->n_alerts] = *a;
	r->alert_ids[r->n_alerts] = a->id;
	if (bh_hmap_put(&r->alert_idx, &r->alert_ids[r->n_alerts],
			sizeof(__u64), r->n_alerts, NULL) < 0)
		return;
	r->n_alerts++;
}

/* ------------------------------------------------------------------------ */
/* Output.                                                                  */

static int bh_cmp_talker(const void *a, const void *b)
{
	const struct bh_talker *x = *(const struct bh_talker *const *)a;
	const struct bh_talker *y = *(const struct bh_talker *const *)b;

	int c;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	c = strcmp(x->src, y->src);
	return c ? c : strcmp(x->dst, y->dst);
}

static int bh_cmp_edge(const void *a, const void *b)
{
	const struct bh_edge *x = *(const struct bh_edge *const *)a;
	const struct bh_edge *y = *(const struct bh_edge *const *)b;
	int c = strcmp(x->src, y->src);

	if (c)
		return c;
	c = strcmp(x->dst, y->dst);
	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->port - y->port;
}

static int bh_cmp_alert(const void *a, const void *b)
{
	const struct bh_detect_alert *x = *(const struct bh_detect_alert *const *)a;
	const struct bh_detect_alert *y = *(const struct bh_detect_alert *const *)b;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sorted views (pointers) of the tables. */
static void **bh_sorted(void *base, size_t n, size_t size,
			int (*cmp)(const void *, const void *))
{
	void **v = calloc(n ? n : 1, sizeof(void *));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (char *)base + i * size;
	qsort(v, n, sizeof(void *), cmp);
	return v;
}

static void bh_human_bytes(__u64 b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void bh_print_time_span(FILE *out, const struct bh_report_meta *m)
{
	double span = m->last_ns > m->first_ns ?
			      (double)(m->last_ns - m->first_ns) / 1e9 :
			      0;

	fprintf(out, "%.1f s of traffic", span);
}

/* Edges of one verdict, one line per (src, dst) pair with its services:
 * a port scan is one line, not hundreds. v is sorted by src, dst. */
static void bh_print_edges(FILE *out, struct bh_edge **v, size_t n,
			   __u8 verdict, const char *title)
{
	size_t i = 0, j, shown = 0;
	char svc[32];

	fprintf(out, "\n%s\n", title);
	while (i < n) {
		__u64 flows = 0, pkts = 0, services = 0;
		const char *rule = NULL;
		bool alerted = false;
		int listed = 0;

		for (j = i; j < n && !strcmp(v[j]->src, v[i]->src) &&
			    !strcmp(v[j]->dst, v[i]->dst);
		     j++) {
			if (!v[j]->flows[verdict])
				continue;
			flows += v[j]->flows[verdict];
			pkts += v[j]->packets;
			services++;
			alerted |= v[j]->alerted || v[j]->pivot;
			if (!rule && v[j]->rule)
				rule = v[j]->rule;
		}
		if (services) {
			shown++;
			fprintf(out, "  %s -> %s ", v[i]->src, v[i]->dst);
			for (; i < j; i++) {
				if (!v[i]->flows[verdict])
					continue;
				if (listed++ == 4) {
					fprintf(out, " +%llu more",
						(unsigned long long)(services - 4));
					break;
				}
				fprintf(out, "%s%s", listed > 1 ? "," : "",
					bh_service(v[i]->proto, v[i]->port,
						   svc, sizeof(svc)));
			}
			fprintf(out, "  flows=%llu pkts=%llu rule=%s%s\n",
				(unsigned long long)flows,
				(unsigned long long)pkts, rule ? rule : "-",
				alerted ? " ALERTED" : "");
		}
		i = j;
	}
	if (!shown)
		fputs("  none\n", out);
}

void bh_report_print_text(const struct bh_report *r, FILE *out,
			  const struct bh_report_meta *m)
{
	struct bh_talker **tv;
	struct bh_edge **ev;
	struct bh_detect_alert **av;
	unsigned int v, rs;
	size_t i;
	char b[32];

	fprintf(out, "\n== bulkhead replay: %zu file%s, %llu packets, ",
		m->n_files, m->n_files == 1 ? "" : "s",
		(unsigned long long)m->packets);
	bh_print_time_span(out, m);
	fprintf(out, ", engine %s, policy %s\n", m->engine, m->policy);
	if (m->error)
		fprintf(out, "!! capture error, results cover what came before "
			     "it: %s\n",
			m->error);

	fprintf(out, "\nVerdicts            packets          bytes  reason\n");
	for (v = 1; v < BH_VERDICT_MAX; v++)
		for (rs = 0; rs < BH_REASON_MAX; rs++) {
			if (!r->pkts[v][rs])
				continue;
			bh_human_bytes(r->bytes[v][rs], b, sizeof(b));
			fprintf(out, "  %-12s %12llu %14s  %s\n",
				bh_verdict_str(v),
				(unsigned long long)r->pkts[v][rs], b,
				bh_reason_str(rs));
		}
	fprintf(out, "\nFlows: %llu (%llu allowed, %llu denied, %llu "
		     "would-deny), %llu records\n",
		(unsigned long long)r->flows,
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_ALLOW],
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_DENY],
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_AUDIT],
		(unsigned long long)r->records);
	if (m->records_dropped)
		fprintf(out, "  %llu flows could not be tracked (collector "
			     "table full)\n",
			(unsigned long long)m->records_dropped);

	tv = (struct bh_talker **)bh_sorted(r->talkers, r->n_talkers,
					    sizeof(*r->talkers), bh_cmp_talker);
	if (tv) {
		fprintf(out, "\nTop talkers (bytes)\n");
		for (i = 0; i < r->n_talkers && i < BH_REPORT_TOP; i++) {
			bh_human_bytes(tv[i]->bytes, b, sizeof(b));
			fprintf(out, "  %-24s -> %-24s %10s  flows=%llu\n",
				tv[i]->src, tv[i]->dst, b,
				(unsigned long long)tv[i]->flows);
		}
		free(tv);
	}
	ev = (struct bh_edge **)bh_sorted(r->edges, r->n_edges,
					  sizeof(*r->edges), bh_cmp_edge);
	if (ev) {
		bh_print_edges(out, ev, r->n_edges, BH_VERDICT_DENY,
			       "Denied edges");
		bh_print_edges(out, ev, r->n_edges, BH_VERDICT_AUDIT,
			       "Would-deny edges (audit)");
		free(ev);
	}
	av = (struct bh_detect_alert **)bh_sorted(
		r->alerts, r->n_alerts, sizeof(*r->alerts), bh_cmp_alert);
	fprintf(out, "\nAlerts: %zu\n", r->n_alerts);
	for (i = 0; av && i < r->n_alerts; i++) {
		const struct bh_detect_alert *a = av[i];
		__u32 k;

		fprintf(out, "  [%s] %s %s score=%.0f: %s", 
			bh_detect_severity_str(a->severity), a->technique,
			a->detector_name, a->score, a->summary);
		if (a->path_len > 1) {
			fputs(" (path ", out);
			for (k = 0; k < a->path_len; k++) {
				char ip[INET6_ADDRSTRLEN];

				if (!a->path[k].name[0])
					bh_addr_str(&a->path[k].addr, ip,
						    sizeof(ip));
				fprintf(out, "%s%s", k ? " -> " : "",
					a->path[k].name[0] ? a->path[k].name
							   : ip);
			}
			fputc(')', out);
		}
		if (a->count > 1)
			fprintf(out, " x%u", a->count);
		fputc('\n', out);
	}
	free(av);
	if (m->detect) {
		const struct bh_detect_stats *s = m->detect;
		char used[32], alloc[32];

		bh_human_bytes(s->mem_used_bytes, used, sizeof(used));
		bh_human_bytes(s->mem_bytes, alloc, sizeof(alloc));
		fprintf(out,
			"\nDetection: %llu flow views (%llu interim), state "
			"%s in use of %s allocated; sources %u/%u, edges "
			"%u/%u, workloads %u/%u, evictions %llu\n",
			(unsigned long long)s->flows,
			(unsigned long long)m->interim_views, used, alloc,
			s->sources, s->sources_max, s->edges, s->edges_max,
			s->workloads, s->workloads_max,
			(unsigned long long)(s->source_evictions +
					     s->edge_evictions +
					     s->workload_evictions +
					     s->pivot_evictions +
					     s->alert_evictions));
	}
}

static void bh_json_mem(FILE *out, const char *name,
			const struct bh_detect_mem *m, __u32 n, __u32 max)
{
	fprintf(out,
		"\"%s\":{\"entries\":%u,\"max\":%u,\"mem_bytes\":%llu,"
		"\"mem_used_bytes\":%llu}",
		name, n, max, (unsigned long long)m->alloc,
		(unsigned long long)m->used);
}

/* Detection's counters and memory: per detector, its per-source state
 * (allocated for every source the table can hold, used by the sources it
 * holds) and alerts; the tables. */
static void bh_report_detect_json(FILE *out, const struct bh_detect_stats *s,
				  __u64 interim_views)
{
	unsigned int i;

	fprintf(out,
		",\"detection\":{\"flows\":%llu,\"interim_views\":%llu,"
		"\"flows_invalid\":%llu,\"learning_end_ns\":%llu,"
		"\"mem_bytes\":%llu,\"mem_used_bytes\":%llu,"
		"\"source_state_bytes\":%llu,\"detectors\":[",
		(unsigned long long)s->flows, (unsigned long long)interim_views,
		(unsigned long long)s->flows_invalid,
		(unsigned long long)s->learning_end_ns,
		(unsigned long long)s->mem_bytes,
		(unsigned long long)s->mem_used_bytes,
		(unsigned long long)s->src_base_size);
	for (i = 0; i < s->n_detectors; i++)
		fprintf(out,
			"%s{\"name\":\"%s\",\"state_bytes\":%u,"
			"\"mem_bytes\":%llu,\"mem_used_bytes\":%llu,"
			"\"alerts\":%llu,\"aggregated\":%llu,"
			"\"allowlisted\":%llu}",
			i ? "," : "", s->detector_names[i], s->state_size[i],
			(unsigned long long)s->state_size[i] * s->sources_max,
			(unsigned long long)s->state_size[i] * s->sources,
			(unsigned long long)s->alerts[i],
			(unsigned long long)s->aggregated[i],
			(unsigned long long)s->allowlisted[i]);
	fputs("],\"tables\":{", out);
	bh_json_mem(out, "sources", &s->mem_sources, s->sources,
		    s->sources_max);
	fputc(',', out);
	bh_json_mem(out, "edges", &s->mem_edges, s->edges, s->edges_max);
	fputc(',', out);
	bh_json_mem(out, "workloads", &s->mem_workloads, s->workloads,
		    s->workloads_max);
	fputc(',', out);
	bh_json_mem(out, "pivots", &s->mem_pivots, s->pivots, s->pivots_max);
	fputc(',', out);
	bh_json_mem(out, "alerts", &s->mem_alerts, s->alerts_open,
		    s->alerts_max);
	fprintf(out,
		"},\"evictions\":{\"sources\":%llu,\"edges\":%llu,"
		"\"workloads\":%llu,\"pivots\":%llu,\"alerts\":%llu}}",
		(unsigned long long)s->source_evictions,
		(unsigned long long)s->edge_evictions,
		(unsigned long long)s->workload_evictions,
		(unsigned long long)s->pivot_evictions,
		(unsigned long long)s->alert_evictions);
}

void bh_report_print_json(const struct bh_report *r, FILE *out,
			  const struct bh_report_meta *m)
{
	struct bh_talker **tv;
	struct bh_edge **ev;
	unsigned int v, rs;
	size_t i, n = 0;
	char svc[32];

	fputs("{\"summary\":{\"engine\":", out);
	bh_json_str(out, m->engine);
	fputs(",\"policy\":", out);
	bh_json_str(out, m->policy);
	fputs(",\"policy_sha256\":", out);
	bh_json_str(out, m->policy_sha256);
	fprintf(out,
		",\"files\":%zu,\"packets\":%llu,\"first_ns\":%llu,"
		"\"last_ns\":%llu",
		m->n_files, (unsigned long long)m->packets,
		(unsigned long long)m->first_ns,
		(unsigned long long)m->last_ns);
	if (m->error) {
		fputs(",\"error\":", out);
		bh_json_str(out, m->error);
	}
	fputs(",\"verdicts\":[", out);
	for (v = 1; v < BH_VERDICT_MAX; v++)
		for (rs = 0; rs < BH_REASON_MAX; rs++) {
			if (!r->pkts[v][rs])
				continue;
			fprintf(out,
				"%s{\"verdict\":\"%s\",\"reason\":\"%s\","
				"\"packets\":%llu,\"bytes\":%llu}",
				n++ ? "," : "", bh_verdict_str(v),
				bh_reason_str(rs),
				(unsigned long long)r->pkts[v][rs],
				(unsigned long long)r->bytes[v][rs]);
		}
	fprintf(out,
		"],\"flows\":{\"total\":%llu,\"allow\":%llu,\"deny\":%llu,"
		"\"would_deny\":%llu,\"records\":%llu,\"untracked\":%llu}",
		(unsigned long long)r->flows,
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_ALLOW],
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_DENY],
		(unsigned long long)r->flows_by_verdict[BH_VERDICT_AUDIT],
		(unsigned long long)r->records,
		(unsigned long long)m->records_dropped);

	fputs(",\"top_talkers\":[", out);
	tv = (struct bh_talker **)bh_sorted(r->talkers, r->n_talkers,
					    sizeof(*r->talkers), bh_cmp_talker);
	for (i = 0; tv && i < r->n_talkers && i < BH_REPORT_TOP; i++) {
		fputs(i ? ",{\"src\":" : "{\"src\":", out);
		bh_json_str(out, tv[i]->src);
		fputs(",\"dst\":", out);
		bh_json_str(out, tv[i]->dst);
		fprintf(out, ",\"flows\":%llu,\"packets\":%llu,\"bytes\":%llu}",
			(unsigned long long)tv[i]->flows,
			(unsigned long long)tv[i]->packets,
			(unsigned long long)tv[i]->bytes);
	}
	free(tv);
	fputs("],\"edges\":[", out);
	ev = (struct bh_edge **)bh_sorted(r->edges, r->n_edges,
					  sizeof(*r->edges), bh_cmp_edge);
	for (i = 0; ev && i < r->n_edges; i++) {
		const struct bh_edge *e = ev[i];

		fputs(i ? ",{\"src\":" : "{\"src\":", out);
		bh_json_str(out, e->src);
		fputs(",\"dst\":", out);
		bh_json_str(out, e->dst);
		fputs(",\"service\":", out);
		bh_json_str(out, bh_service(e->proto, e->port, svc,
					    sizeof(svc)));
		fprintf(out,
			",\"allowed\":%llu,\"denied\":%llu,\"would_deny\":%llu,"
			"\"packets\":%llu,\"bytes\":%llu,\"alerted\":%s",
			(unsigned long long)e->flows[BH_VERDICT_ALLOW],
			(unsigned long long)e->flows[BH_VERDICT_DENY],
			(unsigned long long)e->flows[BH_VERDICT_AUDIT],
			(unsigned long long)e->packets,
			(unsigned long long)e->bytes,
			e->alerted || e->pivot ? "true" : "false");
		if (e->rule) {
			fputs(",\"rule\":", out);
			bh_json_str(out, e->rule);
		}
		fputc('}', out);
	}
	free(ev);
	fprintf(out, "],\"alerts\":%zu", r->n_alerts);
	if (m->detect)
		bh_report_detect_json(out, m->detect, m->interim_views);
	fputs("}}\n", out);
}

/* ------------------------------------------------------------------------ */
/* Graph.                                                                   */

static void bh_dot_id(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void bh_report_close(struct bh_report *r)
{
	size_t i;

	for (i = 0; i < r->n_alerts; i++)
		bh_report_mark(r, &r->alerts[i]);
}

static void bh_report_dot(const struct bh_report *r, FILE *out)
{
	struct bh_edge **ev;
	size_t i, j;
	char svc[32];

	fputs("digraph bulkhead {\n"
	      "  rankdir=LR;\n"
	      "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=10];\n",
	      out);
	ev = (struct bh_edge **)bh_sorted(r->edges, r->n_edges,
					  sizeof(*r->edges), bh_cmp_edge);
	if (!ev)
		goto done;
	/* Nodes: outside the cluster as an ellipse (once). */
	for (i = 0; i < r->n_edges; i++) {
		if (strcmp(ev[i]->src, "world") && strcmp(ev[i]->dst, "world"))
			continue;
		fputs("  \"world\" [shape=ellipse, style=dashed];\n", out);
		break;
	}
	/* One arrow per (src, dst) pair, coloured by its worst verdict and
	 * labelled with its services: a port scan is one thick red arrow. */
	i = 0;
	while (i < r->n_edges) {
		const char *color = "gray40", *style = "solid";
		bool deny = false, audit = false, alerted = false, pivot = false;
		__u64 flows = 0, services = 0;
		unsigned int width = 1;
		size_t k;

		for (j = i; j < r->n_edges && !strcmp(ev[j]->src, ev[i]->src) &&
			    !strcmp(ev[j]->dst, ev[i]->dst);
		     j++) {
			const struct bh_edge *e = ev[j];

			deny |= e->flows[BH_VERDICT_DENY] > 0;
			audit |= e->flows[BH_VERDICT_AUDIT] > 0;
			alerted |= e->alerted;
			pivot |= e->pivot;
			flows += e->flows[0] + e->flows[1] + e->flows[2] +
				 e->flows[3];
			services++;
		}
		if (audit) {
			color = "orange";
			style = "dashed";
		}
		if (deny) {
			color = "red";
			style = "dashed";
		}
		if (alerted) {
			width = 3;
			style = "bold";
			if (!deny)
				color = "purple";
		}
		if (pivot) {
			color = "purple";
			width = 5;
			style = "bold";
		}
		fputs("  ", out);
		bh_dot_id(out, ev[i]->src);
		fputs(" -> ", out);
		bh_dot_id(out, ev[i]->dst);
		fputs(" [label=\"", out);
		for (k = i; k < j && k < i + 3; k++)
			fprintf(out, "%s%s", k > i ? "\\n" : "",
				bh_service(ev[k]->proto, ev[k]->port, svc,
					   sizeof(svc)));
		if (services > 3)
			fprintf(out, "\\n+%llu more",
				(unsigned long long)(services - 3));
		fprintf(out,
			" (%llu)\", color=%s, fontcolor=%s, style=%s, "
			"penwidth=%u];\n",
			(unsigned long long)flows, color, color, style, width);
		i = j;
	}
	free(ev);
done:
	fputs("  subgraph cluster_legend {\n"
	      "    label=\"legend\"; fontsize=10; style=dotted;\n"
	      "    l1 [label=\"allowed\", shape=plaintext, fontcolor=gray40];\n"
	      "    l2 [label=\"denied\", shape=plaintext, fontcolor=red];\n"
	      "    l3 [label=\"would-deny (audit)\", shape=plaintext, "
	      "fontcolor=orange];\n"
	      "    l4 [label=\"alerted / pivot path\", shape=plaintext, "
	      "fontcolor=purple];\n"
	      "  }\n}\n",
	      out);
}

static bool bh_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

int bh_report_graph(const struct bh_report *r, const char *path, char *err,
		    size_t errlen)
{
	char dotpath[4096];
	const char *target = path;
	bool svg = bh_ends_with(path, ".svg");
	int err_no = 0, status;
	pid_t pid;
	FILE *f;

	if (svg) {
		snprintf(dotpath, sizeof(dotpath), "%s.dot.tmp", path);
		target = dotpath;
	}
	f = fopen(target, "w");
	if (!f) {
		err_no = errno;
		snprintf(err, errlen, "%s: %s", target, strerror(err_no));
		return -err_no;
	}
	bh_report_dot(r, f);
	if (fclose(f)) {
		err_no = errno;
		snprintf(err, errlen, "%s: %s", target, strerror(err_no));
		return -err_no;
	}
	if (!svg)
		return 0;

	/* Graphviz's dot renders the SVG (Debian package graphviz). */
	{
		char *argv[] = { "dot", "-Tsvg", "-o", (char *)path, dotpath,
				 NULL };
		extern char **environ;

		err_no = posix_spawnp(&pid, "dot", NULL, NULL, argv, environ);
		if (err_no) {
			snprintf(err, errlen,
				 "cannot run Graphviz's dot for %s: %s "
				 "(install the graphviz package, or write .dot)",
				 path, strerror(err_no));
			unlink(dotpath);
			return -err_no;
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			snprintf(err, errlen, "dot failed to render %s", path);
			unlink(dotpath);
			return -EIO;
		}
	}
	unlink(dotpath);
	return 0;
}
