// SPDX-License-Identifier: GPL-2.0-only
/* Detection configuration: documented defaults (README, "Lateral-movement
 * detection"), validation, copy. The YAML loader is detect_yaml.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"

#define S(x) ((__u64)(x)*NS_PER_S)

static const __u16 default_admin_ports[] = {
    22, 135, 139, 445, 3389, 5900, 5985, 5986, 2375, 2376, 2379, 6443, 10250,
};

void bh_detect_config_defaults(struct bh_detect_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_sources = 8192;
	cfg->max_edges = 65536;
	cfg->max_workloads = 16384;
	cfg->max_pivots = 1024;
	cfg->max_alerts = 1024;
	cfg->hash_seed = 0x62756c6b68656164ULL; /* "bulkhead" */
	for (i = 0; i < sizeof(default_admin_ports) / sizeof(__u16); i++)
		cfg->admin_ports[i] = default_admin_ports[i];
	cfg->n_admin_ports = i;
	cfg->failure_grace_ns = S(3);
	cfg->learning_ns = S(3600);
	cfg->workload_grace_ns = S(300);
	cfg->aggregation_ns = S(600);

	cfg->sweep.c.enabled = true;
	cfg->sweep.window_ns = S(300);
	cfg->sweep.hosts = 25;
	cfg->sweep.admin_hosts = 8;

	cfg->portscan.c.enabled = true;
	cfg->portscan.window_ns = S(300);
	cfg->portscan.ports = 15;
	cfg->portscan.admin_ports = 3;
	cfg->portscan.slow_window_ns = S(3600);
	cfg->portscan.slow_ports = 20;

	cfg->trw.c.enabled = true;
	cfg->trw.theta0 = 0.8;
	cfg->trw.theta1 = 0.2;
	cfg->trw.false_alarm = 0.01;
	cfg->trw.detection = 0.99;
	cfg->trw.memory_ns = S(3600);
	cfg->trw.retry_grace_ns = S(30);

	cfg->new_edge.c.enabled = true;

	cfg->fanout.c.enabled = true;
	cfg->fanout.window_ns = S(600);
	/* Three workloads: a pod that is not a bastion or config management
	 * (allowlist those) rarely uses admin ports on even two; the scenario
	 * captures' careful fan-out reaches three in nine minutes. */
	cfg->fanout.workloads = 3;
	cfg->fanout.spray_ratio = 3;
	cfg->fanout.slow_window_ns = S(3600);
	cfg->fanout.slow_workloads = 6;

	cfg->transfer.c.enabled = true;
	cfg->transfer.min_bytes = 1 << 20;
	cfg->transfer.ratio = 4.0;
	cfg->transfer.edge_age_ns = S(3600);

	cfg->pivot.c.enabled = true;
	cfg->pivot.window_ns = S(1800);
	cfg->pivot.max_hops = BH_DETECT_MAX_PATH;

	cfg->deny.c.enabled = true;
	cfg->deny.window_ns = S(300);
	cfg->deny.min_pairs = 10;
	cfg->deny.factor = 3.0;
	cfg->deny.weight = 0.1;
	cfg->deny.slow_window_ns = S(3600);
	/* Ten distinct denied pairs in an hour from a workload whose normal is
	 * (near) zero is probing, however slow; 30 let a careful prober try
	 * two dozen pairs unseen. Noisy workloads are covered by the factor
	 * on their own normal. */
	cfg->deny.slow_pairs = 10;
}

static void allowlist_clear(struct bh_detect_allowlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].workload);
		free(l->v[i].label);
		free(l->v[i].to_workload);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The allowlists of the config, global first, then per detector. */
static struct bh_detect_allowlist *
config_allowlists(struct bh_detect_config *cfg, unsigned int i)
{
	struct bh_detect_allowlist *all[] = {
	    &cfg->allow,
	    &cfg->sweep.c.allow,
	    &cfg->portscan.c.allow,
	    &cfg->trw.c.allow,
	    &cfg->new_edge.c.allow,
	    &cfg->fanout.c.allow,
	    &cfg->transfer.c.allow,
	    &cfg->pivot.c.allow,
	    &cfg->deny.c.allow,
	};

	return i < sizeof(all) / sizeof(all[0]) ? all[i] : NULL;
}

void bh_detect_config_clear(struct bh_detect_config *cfg)
{
	struct bh_detect_allowlist *l;
	unsigned int i;

	for (i = 0; (l = config_allowlists(cfg, i)); i++)
		allowlist_clear(l);
	free(cfg->baseline_path);
	cfg->baseline_path = NULL;
}

static char *dup_opt(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*err = -ENOMEM;
	return d;
}

static int allowlist_copy(struct bh_detect_allowlist *dst,
			  const struct bh_detect_allowlist *src)
{
	int err = 0;
	size_t i;

	dst->v = NULL;
	dst->n = 0;
	if (!src->n)
		return 0;
	dst->v = calloc(src->n, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	dst->n = src->n;
	for (i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].workload = dup_opt(src->v[i].workload, &err);
		dst->v[i].label = dup_opt(src->v[i].label, &err);
		dst->v[i].to_workload = dup_opt(src->v[i].to_workload, &err);
	}
	return err;
}

int bh_detect_config_copy(struct bh_detect_config *dst,
			  const struct bh_detect_config *src)
{
	struct bh_detect_config tmp = *src;
	const struct bh_detect_allowlist *sl;
	unsigned int i;
	int err = 0;

	/* tmp shares src's pointers until each is replaced by a copy. */
	for (i = 0; (sl = config_allowlists((struct bh_detect_config *)src, i));
	     i++) {
		if (!err)
			err = allowlist_copy(config_allowlists(&tmp, i), sl);
		else
			*config_allowlists(&tmp, i) =
			    (struct bh_detect_allowlist){NULL, 0};
	}
	tmp.baseline_path = err ? NULL : dup_opt(src->baseline_path, &err);
	if (err) {
		bh_detect_config_clear(&tmp);
		return err;
	}
	*dst = tmp;
	return 0;
}

static int verr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int verr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			return verr(err, errlen, __VA_ARGS__);                 \
	} while (0)

static int check_cap(__u32 v, const char *key, char *err, size_t errlen)
{
	CHECK(v >= 16 && v <= (1u << 24), "%s: %u is outside 16..16777216", key,
	      v);
	return 0;
}

static int check_window(__u64 ns, const char *key, char *err, size_t errlen)
{
	CHECK(ns >= NS_PER_S && ns <= S(7 * 86400),
	      "%s: must be between 1s and 7d", key);
	return 0;
}

int bh_detect_config_validate(const struct bh_detect_config *c, char *err,
			      size_t errlen)
{
	const struct {
		__u64 ns;
		const char *key;
	} windows[] = {
	    {c->sweep.window_ns, "sweep.window"},
	    {c->portscan.window_ns, "portscan.window"},
	    {c->portscan.slow_window_ns, "portscan.slow_window"},
	    {c->trw.memory_ns, "trw.memory"},
	    {c->fanout.window_ns, "fanout.window"},
	    {c->fanout.slow_window_ns, "fanout.slow_window"},
	    {c->transfer.edge_age_ns, "transfer.edge_age"},
	    {c->pivot.window_ns, "pivot.window"},
	    {c->deny.window_ns, "deny.window"},
	    {c->deny.slow_window_ns, "deny.slow_window"},
	    {c->aggregation_ns, "aggregation.window"},
	};
	const struct {
		__u32 v;
		const char *key;
	} counts[] = {
	    {c->sweep.hosts, "sweep.hosts"},
	    {c->sweep.admin_hosts, "sweep.admin_hosts"},
	    {c->portscan.ports, "portscan.ports"},
	    {c->portscan.admin_ports, "portscan.admin_ports"},
	    {c->portscan.slow_ports, "portscan.slow_ports"},
	    {c->fanout.workloads, "fanout.workloads"},
	    {c->fanout.spray_ratio, "fanout.spray_ratio"},
	    {c->fanout.slow_workloads, "fanout.slow_workloads"},
	    {c->deny.slow_pairs, "deny.slow_pairs"},
	    {c->deny.min_pairs, "deny.min_pairs"},
	};
	size_t i, j;
	int ret;

	if ((ret = check_cap(c->max_sources, "max_sources", err, errlen)) ||
	    (ret = check_cap(c->max_edges, "max_edges", err, errlen)) ||
	    (ret = check_cap(c->max_workloads, "max_workloads", err, errlen)) ||
	    (ret = check_cap(c->max_pivots, "max_pivots", err, errlen)) ||
	    (ret = check_cap(c->max_alerts, "max_alerts", err, errlen)))
		return ret;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		if ((ret = check_window(windows[i].ns, windows[i].key, err,
					errlen)))
			return ret;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		CHECK(counts[i].v >= 1 && counts[i].v <= 1000000,
		      "%s: %u is outside 1..1000000", counts[i].key,
		      counts[i].v);
	CHECK(c->n_admin_ports <= BH_DETECT_MAX_ADMIN_PORTS,
	      "admin_ports: more than %d ports", BH_DETECT_MAX_ADMIN_PORTS);
	for (i = 0; i < c->n_admin_ports; i++) {
		CHECK(c->admin_ports[i], "admin_ports: port 0 is not a port");
		for (j = 0; j < i; j++)
			CHECK(c->admin_ports[i] != c->admin_ports[j],
			      "admin_ports: port %u listed twice",
			      c->admin_ports[i]);
	}
	CHECK(c->failure_grace_ns <= S(600),
	      "failure_grace: must be at most 10m");
	CHECK(c->learning_ns <= S(90 * 86400),
	      "learning.period: must be at most 90d");
	CHECK(c->workload_grace_ns <= S(86400),
	      "learning.workload_grace: must be at most 1d");
	CHECK(c->portscan.slow_window_ns >= c->portscan.window_ns,
	      "portscan.slow_window: shorter than portscan.window");
	CHECK(c->fanout.slow_window_ns >= c->fanout.window_ns,
	      "fanout.slow_window: shorter than fanout.window");
	CHECK(c->deny.slow_window_ns >= c->deny.window_ns,
	      "deny.slow_window: shorter than deny.window");
	/* TRW (Jung et al. 2004) needs a scanner to fail more often than a
	 * benign host, and P_F < P_D, for the thresholds to be ordered. */
	CHECK(c->trw.theta0 > 0 && c->trw.theta0 < 1 && c->trw.theta1 > 0 &&
		  c->trw.theta1 < 1,
	      "trw.theta0/theta1: must be strictly between 0 and 1");
	CHECK(c->trw.theta1 < c->trw.theta0,
	      "trw.theta1: must be lower than trw.theta0 (a scanner's first "
	      "contacts succeed less often)");
	CHECK(c->trw.false_alarm > 0 && c->trw.detection < 1 &&
		  c->trw.false_alarm < c->trw.detection,
	      "trw.false_alarm/detection: need 0 < false_alarm < detection "
	      "< 1");
	CHECK(c->trw.retry_grace_ns <= S(3600),
	      "trw.retry_grace: must be at most 1h");
	CHECK(c->transfer.min_bytes >= 1, "transfer.min_bytes: must be > 0");
	CHECK(c->transfer.ratio >= 1 && c->transfer.ratio <= 1e6,
	      "transfer.ratio: must be between 1 and 1000000");
	CHECK(c->pivot.max_hops >= 2 && c->pivot.max_hops <= BH_DETECT_MAX_PATH,
	      "pivot.max_hops: must be between 2 and %d", BH_DETECT_MAX_PATH);
	CHECK(c->deny.factor >= 1 && c->deny.factor <= 1000,
	      "deny.factor: must be between 1 and 1000");
	CHECK(c->deny.weight > 0 && c->deny.weight <= 1,
	      "deny.weight: must be in (0, 1]");
	return 0;
}
