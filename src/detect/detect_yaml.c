// SPDX-License-Identifier: GPL-2.0-only
/* The `detect:` section of the daemon configuration, from a libyaml
 * document: one table of keys, every error as file:line:column. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "detect_int.h"
#include "parse_num.h"
#include "yaml_section.h"

enum ktype {
	K_BOOL,
	K_U32,
	K_U64,
	K_DUR,
	K_BYTES,
	K_DOUBLE,
	K_PORTS,
	K_ALLOW,
	K_STR,
	K_MAP,
};

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	const struct key *sub; /* K_MAP */
	double min, max;       /* K_U32, K_DOUBLE */
};

#define CF(f) offsetof(struct bh_detect_config, f)
#define END                                                                    \
	{                                                                      \
		NULL, 0, 0, NULL, 0, 0                                         \
	}

static const struct key k_learning[] = {
    {"period", K_DUR, CF(learning_ns), NULL, 0, 0},
    {"baseline", K_STR, CF(baseline_path), NULL, 0, 0},
    {"workload_grace", K_DUR, CF(workload_grace_ns), NULL, 0, 0},
    END,
};

static const struct key k_aggregation[] = {
    {"window", K_DUR, CF(aggregation_ns), NULL, 0, 0},
    END,
};

#define COMMON(sec)                                                            \
	{"enabled", K_BOOL, CF(sec.c.enabled), NULL, 0, 0},                    \
	{                                                                      \
		"allowlist", K_ALLOW, CF(sec.c.allow), NULL, 0, 0              \
	}

static const struct key k_sweep[] = {
    COMMON(sweep),
    {"window", K_DUR, CF(sweep.window_ns), NULL, 0, 0},
    {"hosts", K_U32, CF(sweep.hosts), NULL, 1, 1e6},
    {"admin_hosts", K_U32, CF(sweep.admin_hosts), NULL, 1, 1e6},
    END,
};

static const struct key k_portscan[] = {
    COMMON(portscan),
    {"window", K_DUR, CF(portscan.window_ns), NULL, 0, 0},
    {"ports", K_U32, CF(portscan.ports), NULL, 1, 65536},
    {"admin_ports", K_U32, CF(portscan.admin_ports), NULL, 1, 32},
    {"slow_window", K_DUR, CF(portscan.slow_window_ns), NULL, 0, 0},
    {"slow_ports", K_U32, CF(portscan.slow_ports), NULL, 1, 65536},
    END,
};

static const struct key k_trw[] = {
    COMMON(trw),
    {"theta0", K_DOUBLE, CF(trw.theta0), NULL, 0, 1},
    {"theta1", K_DOUBLE, CF(trw.theta1), NULL, 0, 1},
    {"false_alarm", K_DOUBLE, CF(trw.false_alarm), NULL, 0, 1},
    {"detection", K_DOUBLE, CF(trw.detection), NULL, 0, 1},
    {"memory", K_DUR, CF(trw.memory_ns), NULL, 0, 0},
    {"retry_grace", K_DUR, CF(trw.retry_grace_ns), NULL, 0, 0},
    END,
};

static const struct key k_new_edge[] = {
    COMMON(new_edge),
    END,
};

static const struct key k_fanout[] = {
    COMMON(fanout),
    {"window", K_DUR, CF(fanout.window_ns), NULL, 0, 0},
    {"workloads", K_U32, CF(fanout.workloads), NULL, 1, 1e6},
    {"spray_ratio", K_U32, CF(fanout.spray_ratio), NULL, 1, 1e6},
    {"slow_window", K_DUR, CF(fanout.slow_window_ns), NULL, 0, 0},
    {"slow_workloads", K_U32, CF(fanout.slow_workloads), NULL, 1, 1e6},
    END,
};

static const struct key k_transfer[] = {
    COMMON(transfer),
    {"min_bytes", K_BYTES, CF(transfer.min_bytes), NULL, 0, 0},
    {"ratio", K_DOUBLE, CF(transfer.ratio), NULL, 1, 1e6},
    {"edge_age", K_DUR, CF(transfer.edge_age_ns), NULL, 0, 0},
    END,
};

static const struct key k_pivot[] = {
    COMMON(pivot),
    {"window", K_DUR, CF(pivot.window_ns), NULL, 0, 0},
    {"max_hops", K_U32, CF(pivot.max_hops), NULL, 2, BH_DETECT_MAX_PATH},
    END,
};

static const struct key k_deny[] = {
    COMMON(deny),
    {"window", K_DUR, CF(deny.window_ns), NULL, 0, 0},
    {"min_pairs", K_U32, CF(deny.min_pairs), NULL, 1, 1e6},
    {"factor", K_DOUBLE, CF(deny.factor), NULL, 1, 1000},
    {"weight", K_DOUBLE, CF(deny.weight), NULL, 0, 1},
    {"slow_window", K_DUR, CF(deny.slow_window_ns), NULL, 0, 0},
    {"slow_pairs", K_U32, CF(deny.slow_pairs), NULL, 1, 1e6},
    END,
};

static const struct key k_detect[] = {
    {"max_sources", K_U32, CF(max_sources), NULL, 16, 1 << 24},
    {"max_edges", K_U32, CF(max_edges), NULL, 16, 1 << 24},
    {"max_workloads", K_U32, CF(max_workloads), NULL, 16, 1 << 24},
    {"max_pivots", K_U32, CF(max_pivots), NULL, 16, 1 << 24},
    {"max_alerts", K_U32, CF(max_alerts), NULL, 16, 1 << 24},
    {"hash_seed", K_U64, CF(hash_seed), NULL, 0, 0},
    {"admin_ports", K_PORTS, 0, NULL, 0, 0},
    {"udp_unanswered_failed", K_BOOL, CF(udp_unanswered_failed), NULL, 0, 0},
    {"failure_grace", K_DUR, CF(failure_grace_ns), NULL, 0, 0},
    {"learning", K_MAP, 0, k_learning, 0, 0},
    {"aggregation", K_MAP, 0, k_aggregation, 0, 0},
    {"allowlist", K_ALLOW, CF(allow), NULL, 0, 0},
    {"sweep", K_MAP, 0, k_sweep, 0, 0},
    {"portscan", K_MAP, 0, k_portscan, 0, 0},
    {"trw", K_MAP, 0, k_trw, 0, 0},
    {"new_edge", K_MAP, 0, k_new_edge, 0, 0},
    {"fanout", K_MAP, 0, k_fanout, 0, 0},
    {"transfer", K_MAP, 0, k_transfer, 0, 0},
    {"pivot", K_MAP, 0, k_pivot, 0, 0},
    {"deny", K_MAP, 0, k_deny, 0, 0},
    END,
};

struct lctx {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	struct bh_detect_config *cfg;
};

static int lerr(struct lctx *l, const yaml_node_t *n, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int lerr(struct lctx *l, const yaml_node_t *n, const char *path,
		const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bh_yaml_verr(l->err, l->errlen, l->file, n, path, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
					   : NULL;
}

static int get_scalar(struct lctx *l, const yaml_node_t *n, const char *path,
		      const char *what, const char **out)
{
	*out = scalar(n);
	if (!*out || !**out)
		return lerr(l, n, path, "expected %s", what);
	return 0;
}

static int parse_bool(const char *s, bool *b)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on")) {
		*b = true;
		return 0;
	}
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off")) {
		*b = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_cidr(const char *s, union bh_addr *a, __u8 *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct in_addr v4;
	__u64 bits;
	bool is6;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		is6 = false;
		a->b[10] = a->b[11] = 0xff;
		memcpy(&a->b[12], &v4, 4);
	} else if (inet_pton(AF_INET6, buf, a->b) == 1) {
		is6 = true;
	} else {
		return -EINVAL;
	}
	bits = is6 ? 128 : 32;
	if (slash && bh_parse_u64(slash, is6 ? 128 : 32, &bits))
		return -EINVAL;
	*len = (__u8)(is6 ? bits : 96 + bits);
	return 0;
}

static int load_ports(struct lctx *l, yaml_node_t *n, const char *path)
{
	struct bh_detect_config *c = l->cfg;
	yaml_node_item_t *it;
	const char *s;
	__u32 i;
	__u64 v;

	if (n->type != YAML_SEQUENCE_NODE)
		return lerr(l, n, path, "expected a list of ports");
	c->n_admin_ports = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *p = yaml_document_get_node(l->doc, *it);

		s = scalar(p);
		if (!s || bh_parse_u64(s, 65535, &v) || !v)
			return lerr(l, p, path, "expected a port 1..65535");
		if (c->n_admin_ports == BH_DETECT_MAX_ADMIN_PORTS)
			return lerr(l, p, path, "more than %d ports",
				    BH_DETECT_MAX_ADMIN_PORTS);
		for (i = 0; i < c->n_admin_ports; i++)
			if (c->admin_ports[i] == v)
				return lerr(l, p, path,
					    "port %llu listed twice",
					    (unsigned long long)v);
		c->admin_ports[c->n_admin_ports++] = (__u16)v;
	}
	return 0;
}

static int load_allow_entry(struct lctx *l, yaml_node_t *n, const char *path,
			    struct bh_detect_allow *a)
{
	yaml_node_pair_t *pr;
	int fields = 0;
	__u64 v;

	if (n->type != YAML_MAPPING_NODE)
		return lerr(l, n, path,
			    "expected a mapping (workload, label, identity, "
			    "cidr, to_workload, to_identity, to_port)");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, pr->value);
		const char *k = scalar(kn), *s;
		char **str = NULL;

		if (!k)
			return lerr(l, kn, path, "expected a key");
		if (get_scalar(l, vn, path, "a value", &s))
			return -EINVAL;
		fields++;
		if (!strcmp(k, "workload"))
			str = &a->workload;
		else if (!strcmp(k, "label"))
			str = &a->label;
		else if (!strcmp(k, "to_workload"))
			str = &a->to_workload;
		if (str) {
			if (*str)
				return lerr(l, kn, path, "duplicate key '%s'",
					    k);
			if (!strcmp(k, "label") && !strchr(s, '='))
				return lerr(l, vn, path,
					    "label: expected key=value");
			*str = strdup(s);
			if (!*str)
				return -ENOMEM;
		} else if (!strcmp(k, "identity") ||
			   !strcmp(k, "to_identity")) {
			if (bh_parse_u64(s, UINT32_MAX, &v))
				return lerr(l, vn, path,
					    "%s: expected an identity number",
					    k);
			if (k[0] == 'i') {
				a->identity = (__u32)v;
				a->has |= BH_ALLOW_IDENTITY;
			} else {
				a->to_identity = (__u32)v;
				a->has |= BH_ALLOW_TO_IDENTITY;
			}
		} else if (!strcmp(k, "to_port")) {
			if (bh_parse_u64(s, 65535, &v))
				return lerr(l, vn, path,
					    "to_port: expected a port");
			a->to_port = (__u16)v;
			a->has |= BH_ALLOW_TO_PORT;
		} else if (!strcmp(k, "cidr")) {
			if (parse_cidr(s, &a->cidr, &a->cidr_len))
				return lerr(l, vn, path,
					    "cidr: expected an address or "
					    "address/prefix, got '%s'",
					    s);
			a->has |= BH_ALLOW_CIDR;
		} else {
			return lerr(l, kn, path,
				    "unknown allowlist key '%s' (workload, "
				    "label, identity, cidr, to_workload, "
				    "to_identity, to_port)",
				    k);
		}
	}
	if (!fields)
		return lerr(l, n, path,
			    "an empty entry would match everything (set "
			    "enabled: false instead)");
	return 0;
}

static int load_allow(struct lctx *l, yaml_node_t *n, const char *path,
		      struct bh_detect_allowlist *list)
{
	struct bh_detect_allowlist nl = {NULL, 0};
	yaml_node_item_t *it;
	size_t cnt;
	int ret = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return lerr(l, n, path, "expected a list of entries");
	cnt =
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt) {
		nl.v = calloc(cnt, sizeof(*nl.v));
		if (!nl.v)
			return -ENOMEM;
	}
	for (it = n->data.sequence.items.start;
	     !ret && it < n->data.sequence.items.top; it++) {
		ret = load_allow_entry(l, yaml_document_get_node(l->doc, *it),
				       path, &nl.v[nl.n]);
		nl.n++;
	}
	/* The old list goes either way: swap, and free what is left over. */
	if (!ret) {
		struct bh_detect_allowlist old = *list;

		*list = nl;
		nl = old;
	}
	while (nl.n--) {
		free(nl.v[nl.n].workload);
		free(nl.v[nl.n].label);
		free(nl.v[nl.n].to_workload);
	}
	free(nl.v);
	return ret;
}

static int load_value(struct lctx *l, const struct key *k, yaml_node_t *n,
		      const char *path);

static int load_map(struct lctx *l, const struct key *keys, yaml_node_t *n,
		    const char *path)
{
	yaml_node_pair_t *p, *q;
	const struct key *k;
	char sub[160];
	int ret;

	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0; /* "section:" with nothing under it */
	if (n->type != YAML_MAPPING_NODE)
		return lerr(l, n, path, "expected a mapping");
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, p->value);
		const char *name = scalar(kn);

		if (!name)
			return lerr(l, kn, path, "expected a key");
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			const char *other =
			    scalar(yaml_document_get_node(l->doc, q->key));

			if (other && !strcmp(other, name))
				return lerr(l, kn, path, "duplicate key '%s'",
					    name);
		}
		for (k = keys; k->name; k++)
			if (!strcmp(k->name, name))
				break;
		snprintf(sub, sizeof(sub), "%s.%s", path, name);
		if (!k->name)
			return lerr(l, kn, path, "unknown key '%s'", name);
		ret = load_value(l, k, vn, sub);
		if (ret)
			return ret;
	}
	return 0;
}

static int load_value(struct lctx *l, const struct key *k, yaml_node_t *n,
		      const char *path)
{
	void *field = (char *)l->cfg + k->off;
	const char *s;
	double dv;
	__u64 u;

	switch (k->type) {
	case K_MAP:
		return load_map(l, k->sub, n, path);
	case K_PORTS:
		return load_ports(l, n, path);
	case K_ALLOW:
		return load_allow(l, n, path, field);
	default:
		break;
	}
	if (get_scalar(l, n, path, "a value", &s))
		return -EINVAL;
	switch (k->type) {
	case K_BOOL:
		if (parse_bool(s, field))
			return lerr(l, n, path,
				    "expected true or false, got "
				    "'%s'",
				    s);
		return 0;
	case K_U32:
		if (bh_parse_u64(s, (__u64)k->max, &u) || u < k->min)
			return lerr(l, n, path,
				    "expected an integer in %.0f..%.0f, got "
				    "'%s'",
				    k->min, k->max, s);
		*(__u32 *)field = (__u32)u;
		return 0;
	case K_U64:
		if (bh_parse_u64(s, UINT64_MAX, &u))
			return lerr(l, n, path,
				    "expected a decimal integer, got '%s'", s);
		*(__u64 *)field = u;
		return 0;
	case K_DUR:
		if (bh_parse_duration_ns(s, 0, BH_PARSE_DURATION_MAX_NS, &u))
			return lerr(l, n, path,
				    "expected a duration like 90s, 5m, 1h30m, "
				    "got '%s'",
				    s);
		*(__u64 *)field = u;
		return 0;
	case K_BYTES:
		if (bh_parse_size(s, UINT64_MAX, &u))
			return lerr(l, n, path,
				    "expected a size like 1048576, 512KiB, "
				    "1M, 1MB, got '%s'",
				    s);
		*(__u64 *)field = u;
		return 0;
	case K_DOUBLE:
		if (bh_parse_decimal(s, &dv) || dv < k->min || dv > k->max)
			return lerr(l, n, path,
				    "expected a number in %g..%g, got '%s'",
				    k->min, k->max, s);
		*(double *)field = dv;
		return 0;
	case K_STR:
		free(*(char **)field);
		*(char **)field = strdup(s);
		return *(char **)field ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

int bh_detect_config_load_node(struct bh_detect_config *cfg,
			       yaml_document_t *doc, yaml_node_t *node,
			       const char *file, char *err, size_t errlen)
{
	struct bh_detect_config tmp;
	struct lctx l = {doc, file ? file : "<config>", err, errlen, &tmp};
	char verr[224];
	int ret;

	ret = bh_detect_config_copy(&tmp, cfg);
	if (ret)
		return ret;
	ret = load_map(&l, k_detect, node, "detect");
	if (!ret && bh_detect_config_validate(&tmp, verr, sizeof(verr)))
		ret = lerr(&l, node, "detect", "%s", verr);
	if (ret) {
		bh_detect_config_clear(&tmp);
		return ret;
	}
	bh_detect_config_clear(cfg);
	*cfg = tmp;
	return 0;
}

/* bh_yaml_section_fn */
static int detect_section(void *ctx, yaml_document_t *doc, yaml_node_t *node,
			  const char *name, char *err, size_t errlen)
{
	return bh_detect_config_load_node(ctx, doc, node, name, err, errlen);
}

int bh_detect_config_load_buf(struct bh_detect_config *cfg, const char *buf,
			      size_t len, const char *name, char *err,
			      size_t errlen)
{
	return bh_yaml_section_load_buf(buf, len, name, "detect",
					detect_section, cfg, err, errlen);
}

int bh_detect_config_load_file(struct bh_detect_config *cfg, const char *path,
			       char *err, size_t errlen)
{
	return bh_yaml_section_load_file(path, "detect", detect_section, cfg,
					 err, errlen);
}
