// SPDX-License-Identifier: GPL-2.0-only
/* Learned edges (workload -> workload:port/proto), workloads' first-seen
 * times and deny baselines, and the baseline file that carries them from
 * one run to the next. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "detect_int.h"
#include "log.h"
#include "parse_num.h"

struct edge_key {
	__u32 src; /* workload keys */
	__u32 dst;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

enum edge_state {
	EDGE_LEARNED = 1, /* learning period, workload grace */
	EDGE_LOADED = 2,  /* from a baseline file */
	EDGE_ALERTED = 3, /* first seen after learning: reported */
};

struct edge {
	struct bh_lru_node node;
	struct edge_key key;
	__u32 first_s;
	__u8 state; /* enum edge_state */
	__u8 pad[3];
};

int bh_detect_edges_init(struct bh_detect *d)
{
	int ret;

	ret = bh_lru_init(&d->edges, d->cfg.max_edges, sizeof(struct edge),
			  sizeof(struct edge_key), 1, d->seed);
	if (!ret)
		ret = bh_lru_init(&d->workloads, d->cfg.max_workloads,
				  sizeof(struct bh_detect_workload),
				  sizeof(__u32), 1, d->seed);
	if (!ret)
		ret = bh_lru_init(&d->pivots, d->cfg.max_pivots,
				  bh_det_pivot_entry_size(),
				  sizeof(union bh_addr), 1, d->seed);
	return ret;
}

struct bh_detect_workload *
bh_detect_workload_get(struct bh_detect *d, __u32 key, __u32 now, bool *created)
{
	struct bh_detect_workload *w;

	w = bh_lru_get(&d->workloads, &key, now, created);
	if (*created)
		w->first_s = now;
	return w;
}

/* A workload is new when it first appeared after the learning period, less
 * than workload_grace ago: its edges are learned, not reported. */
static bool workload_new(struct bh_detect_ctx *ctx, __u32 key)
{
	struct bh_detect *d = ctx->d;
	struct bh_detect_workload *w;
	bool created;

	w = bh_detect_workload_get(d, key, ctx->now, &created);
	if (ctx->learning)
		w->baseline = 1;
	if (w->baseline)
		return false;
	return (__u64)(ctx->now - w->first_s) * NS_PER_S <
	       d->cfg.workload_grace_ns;
}

static bool edge_applies(const struct bh_detect_ctx *ctx)
{
	const struct bh_detect_flow *f = ctx->f;

	/* Answered connections make edges, denied or not: in enforce mode a
	 * denied connection is never answered; one that was (audit mode, a
	 * capture from before enforcement) took place, and an edge first seen
	 * that way after learning is as new as any. */
	return ctx->conn == BH_OUTCOME_OK &&
	       !(f->flags & BH_DETECT_F_MIDSTREAM);
}

enum bh_detect_edge bh_detect_edge_observe(struct bh_detect_ctx *ctx)
{
	struct bh_detect *d = ctx->d;
	const struct bh_detect_flow *f = ctx->f;
	struct edge_key key;
	struct edge *e;
	bool created, src_new, dst_new;

	if (!edge_applies(ctx))
		return BH_EDGE_NONE;
	memset(&key, 0, sizeof(key));
	key.src = ctx->src_wkey;
	key.dst = ctx->dst_wkey;
	key.port = f->resp.port;
	key.proto = f->proto;
	e = bh_lru_get(&d->edges, &key, ctx->now, &created);
	if (!created) {
		if (e->state == EDGE_ALERTED &&
		    (__u64)(ctx->now - e->first_s) * NS_PER_S <
			d->cfg.transfer.edge_age_ns)
			return BH_EDGE_RECENT;
		return BH_EDGE_KNOWN;
	}
	e->first_s = ctx->now;
	/* Both lookups run so that both workloads get a first-seen time. */
	src_new = workload_new(ctx, key.src);
	dst_new = workload_new(ctx, key.dst);
	if (ctx->learning || src_new || dst_new) {
		e->state = EDGE_LEARNED;
		d->st.edges_learned++;
		return BH_EDGE_LEARNING;
	}
	e->state = EDGE_ALERTED;
	return BH_EDGE_NEW;
}

/* --- Baseline file --------------------------------------------------------
 * Text, one record a line, '#' comments:
 *   bulkhead-baseline 1
 *   edge <src workload key> <dst workload key> <proto> <port> learned|alerted
 *   workload <key> <deny baseline: distinct denied pairs per window>
 *   <tag> ...   records of a plug-in detector (its baseline_tag)
 * "alerted" edges were first seen after learning and reported: they are
 * kept for review and not trusted on load until changed to "learned". */

#define BASELINE_MAGIC "bulkhead-baseline"

int bh_detect_baseline_save(const struct bh_detect *cd, const char *path)
{
	struct bh_detect *d = (struct bh_detect *)cd; /* iteration only */
	struct bh_detect_workload *w;
	struct bh_atomic_file a;
	struct edge *e;
	unsigned int i;
	FILE *fp;
	int err;

	err = bh_atomic_open(&a, path);
	if (err) {
		pr_warn("detect: cannot write baseline %s: %s\n", a.tmp,
			strerror(-err));
		return err;
	}
	fp = a.f;
	fprintf(fp,
		"%s 1\n# edge <src-workload> <dst-workload> <proto> "
		"<port> learned|alerted\n# workload <key> <deny-baseline>\n",
		BASELINE_MAGIC);
	for (e = bh_lru_oldest(&d->edges, 0); e; e = bh_lru_newer(&d->edges, e))
		fprintf(fp, "edge %u %u %u %u %s\n", e->key.src, e->key.dst,
			e->key.proto, e->key.port,
			e->state == EDGE_ALERTED ? "alerted" : "learned");
	for (w = bh_lru_oldest(&d->workloads, 0); w;
	     w = bh_lru_newer(&d->workloads, w))
		if (w->baseline || w->deny_samples)
			fprintf(fp, "workload %u %.4f\n", w->key,
				(double)w->deny_ewma);
	for (i = 0; !err && i < d->n_det; i++) {
		const struct bh_detector *det = d->det[i].det;

		if (det->baseline_tag && det->baseline_save)
			err = det->baseline_save(d->det[i].priv, fp);
	}
	err = bh_atomic_close(&a, err);
	if (err)
		pr_warn("detect: cannot write baseline %s: %s\n", path,
			strerror(-err));
	return err;
}

static int parse_u32(const char *s, __u32 max, __u32 *v)
{
	__u64 x;

	if (bh_parse_u64(s, max, &x))
		return -EINVAL;
	*v = (__u32)x;
	return 0;
}

/* Records a file may hold for plug-in detectors, at most. */
#define BH_HELD_MAX (1u << 22)

/* A record of another kind, for a plug-in detector that has not
 * registered yet (bh_detect_baseline_claim()). */
static int hold(struct bh_detect *d, char **tok, unsigned int n,
		unsigned long lineno, const char **why)
{
	struct bh_held_record *r;
	size_t len = 0, i;
	char *text;

	if (d->n_held == d->cap_held) {
		size_t cap = d->cap_held ? d->cap_held * 2 : 64;

		if (d->n_held >= BH_HELD_MAX) {
			*why = "too many records";
			return -EINVAL;
		}
		r = realloc(d->held, cap * sizeof(*r));
		if (!r) {
			*why = "out of memory";
			return -ENOMEM;
		}
		d->held = r;
		d->cap_held = cap;
	}
	for (i = 0; i < n; i++)
		len += strlen(tok[i]) + 1;
	text = malloc(len);
	if (!text) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (i = 0, len = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s%s", i ? " " : "",
				       tok[i]);
	d->held[d->n_held].text = text;
	d->held[d->n_held].line = lineno;
	d->n_held++;
	return 0;
}

int bh_detect_baseline_claim(struct bh_detect *d, const struct bh_detector *det,
			     void *priv)
{
	size_t tag_len = strlen(det->baseline_tag), i;
	const char *why = NULL;
	int ret = 0;

	for (i = 0; !ret && i < d->n_held; i++) {
		struct bh_held_record *r = &d->held[i];
		char *tok[16], *save = NULL, *p;
		unsigned int n = 0;

		if (!r->text || strncmp(r->text, det->baseline_tag, tag_len) ||
		    (r->text[tag_len] && r->text[tag_len] != ' '))
			continue;
		for (p = strtok_r(r->text + tag_len, " ", &save); p && n < 16;
		     p = strtok_r(NULL, " ", &save))
			tok[n++] = p;
		ret = det->baseline_load(priv, tok, n, &why);
		if (ret)
			pr_warn("%s:%lu: %s: %s\n", d->held_name, r->line,
				det->baseline_tag, why ? why : "bad record");
		free(r->text);
		r->text = NULL;
	}
	return ret ? -EINVAL : 0;
}

void bh_detect_baseline_release(struct bh_detect *d, bool report)
{
	size_t i, left = 0;

	for (i = 0; i < d->n_held; i++) {
		if (!d->held[i].text)
			continue;
		if (report && !left)
			pr_warn("%s:%lu: records of a kind no running detector "
				"keeps ('%.32s'), ignored\n",
				d->held_name, d->held[i].line, d->held[i].text);
		left++;
		free(d->held[i].text);
	}
	if (report && left > 1)
		pr_warn("%s: %zu such records in all\n", d->held_name, left);
	free(d->held);
	free(d->held_name);
	d->held = NULL;
	d->held_name = NULL;
	d->n_held = d->cap_held = 0;
}

static int baseline_line(struct bh_detect *d, char *line, unsigned long lineno,
			 const char **why)
{
	char *tok[8], *save = NULL, *p;
	unsigned int n = 0;
	__u32 src, dst, proto, port, key;
	struct edge_key ek;
	struct edge *e;
	struct bh_detect_workload *w;
	bool created;
	double ewma;
	char *end;

	for (p = strtok_r(line, " \t\r", &save); p && n < 8;
	     p = strtok_r(NULL, " \t\r", &save))
		tok[n++] = p;
	if (!n || tok[0][0] == '#')
		return 0;
	if (!strcmp(tok[0], "edge")) {
		if (n != 6) {
			*why = "edge: expected 5 fields";
			return -EINVAL;
		}
		if (parse_u32(tok[1], UINT32_MAX, &src) ||
		    parse_u32(tok[2], UINT32_MAX, &dst) ||
		    parse_u32(tok[3], 255, &proto) ||
		    parse_u32(tok[4], 65535, &port)) {
			*why = "edge: bad number";
			return -EINVAL;
		}
		if (!strcmp(tok[5], "alerted"))
			return 1; /* not trusted */
		if (strcmp(tok[5], "learned")) {
			*why = "edge: state must be learned or alerted";
			return -EINVAL;
		}
		memset(&ek, 0, sizeof(ek));
		ek.src = src;
		ek.dst = dst;
		ek.proto = (__u8)proto;
		ek.port = (__u16)port;
		e = bh_lru_get(&d->edges, &ek, bh_ns_to_s(d->now_ns), &created);
		if (created || e->state == EDGE_ALERTED)
			e->state = EDGE_LOADED;
		w = bh_detect_workload_get(d, src, 0, &created);
		w->baseline = 1;
		w = bh_detect_workload_get(d, dst, 0, &created);
		w->baseline = 1;
		return 0;
	}
	if (!strcmp(tok[0], "workload")) {
		if (n != 3 || parse_u32(tok[1], UINT32_MAX, &key)) {
			*why = "workload: expected <key> <deny-baseline>";
			return -EINVAL;
		}
		errno = 0;
		ewma = strtod(tok[2], &end);
		if (errno || *end || !(ewma >= 0 && ewma <= 1e6)) {
			*why = "workload: bad deny baseline";
			return -EINVAL;
		}
		w = bh_detect_workload_get(d, key, 0, &created);
		w->baseline = 1;
		w->deny_ewma = (float)ewma;
		if (!w->deny_samples)
			w->deny_samples = 1;
		return 0;
	}
	return hold(d, tok, n, lineno, why);
}

int bh_detect_baseline_read(struct bh_detect *d, FILE *fp, const char *name)
{
	free(d->held_name);
	d->held_name = strdup(name);
	if (!d->held_name)
		return -ENOMEM;
	char line[512];
	const char *why = NULL;
	unsigned long lineno = 0, skipped = 0;
	bool header = false;
	size_t len;
	int ret;

	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			pr_warn("%s:%lu: line too long\n", name, lineno);
			return -EINVAL;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!header) {
			if (!len || line[0] == '#')
				continue;
			if (strcmp(line, BASELINE_MAGIC " 1")) {
				pr_warn("%s:%lu: not a bulkhead baseline "
					"(expected '%s 1')\n",
					name, lineno, BASELINE_MAGIC);
				return -EINVAL;
			}
			header = true;
			continue;
		}
		ret = baseline_line(d, line, lineno, &why);
		if (ret < 0) {
			pr_warn("%s:%lu: %s\n", name, lineno, why);
			return ret;
		}
		skipped += ret;
	}
	if (ferror(fp)) {
		pr_warn("%s: read error\n", name);
		return -EIO;
	}
	if (!header) {
		pr_warn("%s: empty, not a bulkhead baseline\n", name);
		return -EINVAL;
	}
	if (skipped)
		pr_info("%s: %lu alerted edges not trusted (change them to "
			"'learned' to accept them)\n",
			name, skipped);
	return 0;
}

int bh_detect_baseline_load(struct bh_detect *d, const char *path)
{
	FILE *fp = fopen(path, "r");
	int ret;

	if (!fp) {
		ret = -errno;
		pr_warn("detect: cannot open baseline %s: %s\n", path,
			strerror(-ret));
		return ret;
	}
	ret = bh_detect_baseline_read(d, fp, path);
	fclose(fp);
	return ret;
}
