// SPDX-License-Identifier: GPL-2.0-only
/* The daemon configuration file: libyaml's document API gives a node tree
 * with positions; a table of top-level keys walks it. */
#include "daemon_config.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <net/if.h>
#include <yaml.h>

#include "parse_num.h"
#include "sink.h"

/* Conntrack defaults (seconds), close to Cilium's: long-lived TCP is the
 * common case between services, datagram flows are short. */
static const unsigned int bh_ct_default_s[BH_CT_TMO_MAX] = {
    [BH_CT_TMO_TCP_SYN] = 60,	[BH_CT_TMO_TCP_EST] = 21600,
    [BH_CT_TMO_TCP_CLOSE] = 10, [BH_CT_TMO_UDP] = 60,
    [BH_CT_TMO_ICMP] = 30,	[BH_CT_TMO_OTHER] = 60,
    [BH_CT_TMO_FRAG] = 30,
};

/* conntrack: keys, same order as enum bh_ct_timeout. */
static const char *const bh_ct_keys[BH_CT_TMO_MAX] = {
    "tcp_syn", "tcp_established", "tcp_close", "udp",
    "icmp",    "other",		  "fragments",
};

/* Telemetry defaults (README "Running on a node"). */
#define BH_POLL_DEFAULT_NS   1000000000ULL /* 1 s */
#define BH_POLL_MIN_NS	     10000000ULL   /* 10 ms */
#define BH_IDLE_DEFAULT_NS   (15ULL * 1000000000ULL)
#define BH_ACTIVE_DEFAULT_NS (60ULL * 1000000000ULL)
#define BH_QUEUE_DEFAULT     (8ULL << 20)
#define BH_QUEUE_MIN	     (64ULL << 10)
#define BH_QUEUE_MAX	     (1ULL << 32)
#define BH_STATS_DEFAULT_NS  (30ULL * 1000000000ULL)
#define BH_NODE_ID_MAX	     253 /* a DNS name */

#define BH_EV_DEFAULT_RATE   1000
#define BH_EV_DEFAULT_BURST  2000
#define BH_IFACE_PATTERN_MAX 64

struct cfg_ctx {
	yaml_document_t *doc;
	const char *name;
	FILE *err;
	unsigned int n_errors;
	struct bh_daemon_config *c;
	struct bh_daemon_iface *iface; /* the interface entry being walked */
};

static void cfg_error_at(struct cfg_ctx *x, int line, int col, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));
static void cfg_error_at(struct cfg_ctx *x, int line, int col, const char *fmt,
			 ...)
{
	va_list ap;

	x->n_errors++;
	if (!x->err)
		return;
	fprintf(x->err, "%s:%d:%d: error: ", x->name, line, col);
	va_start(ap, fmt);
	vfprintf(x->err, fmt, ap);
	va_end(ap);
	fputc('\n', x->err);
}

/* libyaml marks are 0-based. */
#define cfg_error(x, node, ...)                                                \
	cfg_error_at(x, (int)(node)->start_mark.line + 1,                      \
		     (int)(node)->start_mark.column + 1, __VA_ARGS__)

static const char *node_type_str(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
					   : NULL;
}

/* A scalar or an error naming the key. */
static const char *want_scalar(struct cfg_ctx *x, const yaml_node_t *n,
			       const char *key)
{
	const char *s = scalar(n);

	if (!s || !*s) {
		cfg_error(x, n, "'%s' must be a value, not %s", key,
			  s ? "empty" : node_type_str(n));
		return NULL;
	}
	return s;
}

static int want_bool(struct cfg_ctx *x, const yaml_node_t *n, const char *key,
		     bool *out)
{
	const char *s = want_scalar(x, n, key);

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
		*out = false;
		return 0;
	}
	cfg_error(x, n, "'%s' must be true or false, not '%s'", key, s);
	return -EINVAL;
}

static int want_u32(struct cfg_ctx *x, const yaml_node_t *n, const char *key,
		    __u32 *out)
{
	const char *s = want_scalar(x, n, key);
	__u64 v;

	if (!s)
		return -EINVAL;
	if (bh_parse_u64(s, UINT32_MAX, &v)) {
		cfg_error(x, n, "'%s' must be an integer 0..%u, not '%s'", key,
			  UINT32_MAX, s);
		return -EINVAL;
	}
	*out = (__u32)v;
	return 0;
}

static char *want_str_dup(struct cfg_ctx *x, const yaml_node_t *n,
			  const char *key)
{
	const char *s = want_scalar(x, n, key);
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		cfg_error(x, n, "out of memory");
	return d;
}

/* A year is plenty for any timeout or interval. */
#define CFG_DURATION_MAX_NS (366ULL * 24 * 3600 * 1000000000ULL)

static int want_duration(struct cfg_ctx *x, const yaml_node_t *n,
			 const char *key, __u64 *out)
{
	const char *s = want_scalar(x, n, key);

	if (!s)
		return -EINVAL;
	if (bh_parse_duration_ns(s, 0, CFG_DURATION_MAX_NS, out) || !*out) {
		cfg_error(x, n,
			  "'%s' must be a positive duration up to a year "
			  "(30, 30s, 500ms, 5m, 2h, 1h30m, 2d), not '%s'",
			  key, s);
		return -EINVAL;
	}
	return 0;
}

/* One word of a closed set, and the value it stands for. */
struct cfg_choice {
	const char *word;
	int value;
};

#define CHOICES(a) (a), sizeof(a) / sizeof((a)[0])

/* *out = the value of the word at n among choices[0, count), or an error
 * saying what it must be (expect: "native, skb or auto"). */
static int want_choice(struct cfg_ctx *x, const yaml_node_t *n,
		       const char *key, const struct cfg_choice *choices,
		       size_t count, const char *expect, int *out)
{
	const char *s = want_scalar(x, n, key);
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (!strcmp(s, choices[i].word)) {
			*out = choices[i].value;
			return 0;
		}
	}
	cfg_error(x, n, "'%s' must be %s, not '%s'", key, expect, s);
	return -EINVAL;
}

static int parse_xdp_mode(struct cfg_ctx *x, const yaml_node_t *n,
			  const char *key, enum bh_xdp_mode *out)
{
	static const struct cfg_choice modes[] = {
	    {"auto", BH_XDP_MODE_AUTO},
	    {"native", BH_XDP_MODE_NATIVE},
	    {"skb", BH_XDP_MODE_SKB},
	};
	int v;

	if (want_choice(x, n, key, CHOICES(modes), "native, skb or auto", &v))
		return -EINVAL;
	*out = (enum bh_xdp_mode)v;
	return 0;
}

/* Iterate a mapping's pairs, reporting duplicate keys and non-scalar keys;
 * cb gets the key string, the key node and the value node. */
typedef int (*pair_cb)(struct cfg_ctx *x, const char *key,
		       const yaml_node_t *kn, const yaml_node_t *vn);

static int walk_mapping(struct cfg_ctx *x, const yaml_node_t *map,
			const char *what, pair_cb cb)
{
	yaml_node_pair_t *p, *q;
	int err = 0;

	if (map->type != YAML_MAPPING_NODE) {
		cfg_error(x, map, "%s must be a mapping, not %s", what,
			  node_type_str(map));
		return -EINVAL;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
		const yaml_node_t *vn =
		    yaml_document_get_node(x->doc, p->value);
		const char *k = kn ? scalar(kn) : NULL;
		bool dup = false;

		if (!kn || !vn)
			continue;
		if (!k) {
			cfg_error(x, kn, "keys of %s must be names, not %s",
				  what, node_type_str(kn));
			err = -EINVAL;
			continue;
		}
		for (q = map->data.mapping.pairs.start; q < p && !dup; q++) {
			const yaml_node_t *qk =
			    yaml_document_get_node(x->doc, q->key);

			dup = qk && scalar(qk) && !strcmp(scalar(qk), k);
		}
		if (dup) {
			cfg_error(x, kn, "duplicate key '%s' in %s", k, what);
			err = -EINVAL;
			continue;
		}
		if (cb(x, k, kn, vn))
			err = -EINVAL;
	}
	return err;
}

static int sec_policy(struct cfg_ctx *x, const yaml_node_t *n)
{
	x->c->policy = want_str_dup(x, n, "policy");
	return x->c->policy ? 0 : -EINVAL;
}

static int check_path(struct cfg_ctx *x, const yaml_node_t *n, const char *key,
		      const char *p, size_t max)
{
	if (p[0] != '/') {
		cfg_error(x, n, "'%s' must be an absolute path, not '%s'", key,
			  p);
		return -EINVAL;
	}
	if (strlen(p) >= max) {
		cfg_error(x, n, "'%s' is longer than %zu characters", key,
			  max - 1);
		return -EINVAL;
	}
	return 0;
}

static int sec_pin_path(struct cfg_ctx *x, const yaml_node_t *n)
{
	char *s = want_str_dup(x, n, "pin_path");

	if (!s)
		return -EINVAL;
	free(x->c->pin_path);
	x->c->pin_path = s;
	/* room for "/<map name>" below it */
	return check_path(x, n, "pin_path", s, PATH_MAX - 64);
}

static int sec_control_socket(struct cfg_ctx *x, const yaml_node_t *n)
{
	struct sockaddr_un sun;
	char *s = want_str_dup(x, n, "control_socket");

	if (!s)
		return -EINVAL;
	free(x->c->control_socket);
	x->c->control_socket = s;
	return check_path(x, n, "control_socket", s, sizeof(sun.sun_path));
}

static int sec_state_dir(struct cfg_ctx *x, const yaml_node_t *n)
{
	char *s = want_str_dup(x, n, "state_dir");

	if (!s)
		return -EINVAL;
	free(x->c->state_dir);
	x->c->state_dir = s;
	return check_path(x, n, "state_dir", s, PATH_MAX - 64);
}

static int sec_on_exit(struct cfg_ctx *x, const yaml_node_t *n)
{
	static const struct cfg_choice ends[] = {
	    {"keep", BH_ON_EXIT_KEEP},
	    {"detach", BH_ON_EXIT_DETACH},
	};
	int v;

	if (want_choice(x, n, "on_exit", CHOICES(ends),
			"keep (fail-closed) or detach (fail-open)", &v))
		return -EINVAL;
	x->c->on_exit = (enum bh_on_exit)v;
	return 0;
}

static int sec_xdp_mode(struct cfg_ctx *x, const yaml_node_t *n)
{
	return parse_xdp_mode(x, n, "xdp_mode", &x->c->xdp_mode);
}

static int sec_tc_egress(struct cfg_ctx *x, const yaml_node_t *n)
{
	return want_bool(x, n, "tc_egress", &x->c->tc_egress);
}

static int check_pattern(struct cfg_ctx *x, const yaml_node_t *n, const char *p)
{
	const char *c;

	if (strlen(p) > BH_IFACE_PATTERN_MAX) {
		cfg_error(x, n, "interface pattern '%s' is longer than %d", p,
			  BH_IFACE_PATTERN_MAX);
		return -EINVAL;
	}
	/* without glob characters it is a name: the kernel's limit applies */
	if (!strpbrk(p, "*?[") && strlen(p) >= IFNAMSIZ) {
		cfg_error(x, n, "interface name '%s' is longer than %d", p,
			  IFNAMSIZ - 1);
		return -EINVAL;
	}
	for (c = p; *c; c++) {
		if (*c == '/' || *c == ':' || *c <= ' ' || *c == 0x7f) {
			cfg_error(x, n,
				  "interface pattern '%s' has a character "
				  "interface names cannot have",
				  p);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_iface_role(struct cfg_ctx *x, const yaml_node_t *n,
			    enum bh_iface_role *out)
{
	static const struct cfg_choice roles[] = {
	    {"auto", BH_IFACE_ROLE_AUTO},
	    {"uplink", BH_IFACE_ROLE_UPLINK},
	    {"workload", BH_IFACE_ROLE_WORKLOAD},
	};
	int v;

	if (want_choice(x, n, "role", CHOICES(roles),
			"uplink, workload or auto", &v))
		return -EINVAL;
	*out = (enum bh_iface_role)v;
	return 0;
}

static int iface_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		      const yaml_node_t *vn)
{
	if (!strcmp(k, "name")) {
		const char *s = want_scalar(x, vn, "name");

		if (!s || check_pattern(x, vn, s))
			return -EINVAL;
		x->iface->pattern = strdup(s);
		return x->iface->pattern ? 0 : -ENOMEM;
	}
	if (!strcmp(k, "mode")) {
		x->iface->mode_set = true;
		return parse_xdp_mode(x, vn, "mode", &x->iface->mode);
	}
	if (!strcmp(k, "role"))
		return parse_iface_role(x, vn, &x->iface->role);
	if (!strcmp(k, "tc_egress")) {
		x->iface->tc_egress_set = true;
		return want_bool(x, vn, "tc_egress", &x->iface->tc_egress);
	}
	cfg_error(x, kn,
		  "unknown key '%s' in an interface (name, mode, role, "
		  "tc_egress)",
		  k);
	return -EINVAL;
}

static int sec_interfaces(struct cfg_ctx *x, const yaml_node_t *n)
{
	struct bh_daemon_config *c = x->c;
	yaml_node_item_t *it;
	size_t cnt;
	int err = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		cfg_error(x, n,
			  "'interfaces' must be a list of names or globs, "
			  "not %s",
			  node_type_str(n));
		return -EINVAL;
	}
	cnt = n->data.sequence.items.top - n->data.sequence.items.start;
	if (!cnt) {
		cfg_error(x, n, "'interfaces' is empty");
		return -EINVAL;
	}
	c->ifaces = calloc(cnt, sizeof(*c->ifaces));
	if (!c->ifaces)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *in = yaml_document_get_node(x->doc, *it);
		struct bh_daemon_iface *ifc = &c->ifaces[c->n_ifaces];
		const char *s;

		if (!in)
			continue;
		c->n_ifaces++;
		ifc->line = (int)in->start_mark.line + 1;
		if (in->type == YAML_MAPPING_NODE) {
			x->iface = ifc;
			if (walk_mapping(x, in, "an interface", iface_pair))
				err = -EINVAL;
			x->iface = NULL;
			if (!ifc->pattern && !err) {
				cfg_error(x, in, "an interface needs a 'name'");
				err = -EINVAL;
			}
			continue;
		}
		s = want_scalar(x, in, "interfaces");
		if (!s || check_pattern(x, in, s)) {
			err = -EINVAL;
			continue;
		}
		ifc->pattern = strdup(s);
		if (!ifc->pattern)
			return -ENOMEM;
	}
	return err;
}

static int events_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		       const yaml_node_t *vn)
{
	struct bh_daemon_config *c = x->c;

	if (!strcmp(k, "rate"))
		return want_u32(x, vn, "rate", &c->ev_rate);
	if (!strcmp(k, "burst"))
		return want_u32(x, vn, "burst", &c->ev_burst);
	if (!strcmp(k, "new_flows"))
		return want_bool(x, vn, "new_flows", &c->ev_new_flows);
	if (!strcmp(k, "deny"))
		return want_bool(x, vn, "deny", &c->ev_deny);
	cfg_error(x, kn,
		  "unknown key '%s' in 'events' (rate, burst, new_flows, deny)",
		  k);
	return -EINVAL;
}

static int sec_events(struct cfg_ctx *x, const yaml_node_t *n)
{
	return walk_mapping(x, n, "'events'", events_pair);
}

static int ct_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		   const yaml_node_t *vn)
{
	int i;

	for (i = 0; i < BH_CT_TMO_MAX; i++)
		if (!strcmp(k, bh_ct_keys[i]))
			return want_duration(x, vn, k, &x->c->ct_timeout_ns[i]);
	cfg_error(x, kn,
		  "unknown key '%s' in 'conntrack' (tcp_syn, tcp_established, "
		  "tcp_close, udp, icmp, other, fragments)",
		  k);
	return -EINVAL;
}

static int sec_conntrack(struct cfg_ctx *x, const yaml_node_t *n)
{
	return walk_mapping(x, n, "'conntrack'", ct_pair);
}

/* ------------------------------------------------------------------------ */
/* Telemetry sections.                                                      */

/* A duration that may be 0 (a feature turned off). */
static int want_duration0(struct cfg_ctx *x, const yaml_node_t *n,
			  const char *key, __u64 *out)
{
	const char *s = want_scalar(x, n, key);

	if (!s)
		return -EINVAL;
	if (bh_parse_duration_ns(s, 0, CFG_DURATION_MAX_NS, out)) {
		cfg_error(x, n,
			  "'%s' must be a duration up to a year (0 for "
			  "none, 30s, 500ms, 5m, 2h, 1h30m), not '%s'",
			  key, s);
		return -EINVAL;
	}
	return 0;
}

/* A size within [min, max] (bh_parse_size()). */
static int want_size(struct cfg_ctx *x, const yaml_node_t *n, const char *key,
		     __u64 min, __u64 max, __u64 *out)
{
	const char *s = want_scalar(x, n, key);
	__u64 v;

	if (!s)
		return -EINVAL;
	if (bh_parse_size(s, max, &v) || v < min) {
		cfg_error(x, n,
			  "'%s' must be a size from %llu to %llu bytes "
			  "(1048576, 512KiB, 8M, 1GiB, 8MB), not '%s'",
			  key, (unsigned long long)min, (unsigned long long)max,
			  s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int collector_pair(struct cfg_ctx *x, const char *k,
			  const yaml_node_t *kn, const yaml_node_t *vn)
{
	struct bh_daemon_collector *col = &x->c->collector;

	if (!strcmp(k, "poll_interval")) {
		if (want_duration(x, vn, k, &col->poll_interval_ns))
			return -EINVAL;
		if (col->poll_interval_ns < BH_POLL_MIN_NS) {
			cfg_error(x, vn,
				  "'poll_interval' must be at least "
				  "10ms");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(k, "idle_timeout"))
		return want_duration(x, vn, k, &col->idle_timeout_ns);
	if (!strcmp(k, "active_timeout"))
		return want_duration(x, vn, k, &col->active_timeout_ns);
	cfg_error(x, kn,
		  "unknown key '%s' in 'collector' (poll_interval, "
		  "idle_timeout, active_timeout)",
		  k);
	return -EINVAL;
}

static int sec_collector(struct cfg_ctx *x, const yaml_node_t *n)
{
	struct bh_daemon_collector *col = &x->c->collector;

	if (walk_mapping(x, n, "'collector'", collector_pair))
		return -EINVAL;
	/* A flow goes idle between two polls at the earliest: a poll
	 * interval as long as the timeout would double it. */
	if (col->poll_interval_ns >= col->idle_timeout_ns) {
		cfg_error(x, n,
			  "'collector': poll_interval must be shorter than "
			  "idle_timeout");
		return -EINVAL;
	}
	if (col->active_timeout_ns < col->idle_timeout_ns) {
		cfg_error(x, n,
			  "'collector': active_timeout must not be shorter "
			  "than idle_timeout");
		return -EINVAL;
	}
	return 0;
}

static int export_sinks(struct cfg_ctx *x, const yaml_node_t *n)
{
	struct bh_daemon_export *e = &x->c->exp;
	yaml_node_item_t *it;
	int err = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		cfg_error(x, n,
			  "'sinks' must be a list of destinations (a file "
			  "path, -, tcp://HOST:PORT, udp://HOST:PORT, "
			  "unix:///PATH), not %s",
			  node_type_str(n));
		return -EINVAL;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *in = yaml_document_get_node(x->doc, *it);
		struct bh_sink_url u;
		char why[256];
		const char *s;

		if (!in)
			continue;
		s = want_scalar(x, in, "sinks");
		if (!s) {
			err = -EINVAL;
			continue;
		}
		if (e->n_sinks == BH_DAEMON_MAX_SINKS) {
			cfg_error(x, in, "'sinks': at most %d destinations",
				  BH_DAEMON_MAX_SINKS);
			return -EINVAL;
		}
		if (strlen(s) >= BH_SINK_URL_MAX) {
			cfg_error(x, in,
				  "'sinks': '%.40s...' is longer than "
				  "%d characters",
				  s, BH_SINK_URL_MAX - 1);
			err = -EINVAL;
			continue;
		}
		if (bh_sink_url_parse(s, &u, why, sizeof(why))) {
			cfg_error(x, in, "'sinks': '%s': %s", s, why);
			err = -EINVAL;
			continue;
		}
		/* the daemon's working directory is no place for telemetry */
		if (u.type == BH_SINK_FILE && u.path[0] != '/') {
			cfg_error(x, in,
				  "'sinks': the file '%s' must be an absolute "
				  "path",
				  u.path);
			err = -EINVAL;
			continue;
		}
		e->sinks[e->n_sinks] = strdup(s);
		if (!e->sinks[e->n_sinks])
			return -ENOMEM;
		e->n_sinks++;
	}
	return err;
}

static int export_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		       const yaml_node_t *vn)
{
	struct bh_daemon_export *e = &x->c->exp;

	if (!strcmp(k, "sinks"))
		return export_sinks(x, vn);
	if (!strcmp(k, "node_id")) {
		const char *s = want_scalar(x, vn, k);

		if (!s)
			return -EINVAL;
		if (strlen(s) > BH_NODE_ID_MAX) {
			cfg_error(x, vn,
				  "'node_id' is longer than %d "
				  "characters",
				  BH_NODE_ID_MAX);
			return -EINVAL;
		}
		free(e->node_id);
		e->node_id = strdup(s);
		return e->node_id ? 0 : -ENOMEM;
	}
	if (!strcmp(k, "queue_size"))
		return want_size(x, vn, k, BH_QUEUE_MIN, BH_QUEUE_MAX,
				 &e->queue_bytes);
	if (!strcmp(k, "stats_interval"))
		return want_duration0(x, vn, k, &e->stats_interval_ns);
	cfg_error(x, kn,
		  "unknown key '%s' in 'export' (sinks, node_id, queue_size, "
		  "stats_interval)",
		  k);
	return -EINVAL;
}

static int sec_export(struct cfg_ctx *x, const yaml_node_t *n)
{
	return walk_mapping(x, n, "'export'", export_pair);
}

/* HOST:PORT, [IPV6]:PORT or :PORT; the address itself is resolved when
 * the endpoint starts. */
static bool listen_addr_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	__u64 port;

	if (!colon || strlen(s) > 255 || bh_parse_u64(colon + 1, 65535, &port))
		return false;
	if (s[0] == '[')
		return colon > s + 2 && colon[-1] == ']';
	/* an IPv6 address needs its brackets */
	return memchr(s, ':', (size_t)(colon - s)) == NULL;
}

static int metrics_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
			const yaml_node_t *vn)
{
	struct bh_daemon_metrics *m = &x->c->metrics;

	if (!strcmp(k, "enabled"))
		return want_bool(x, vn, k, &m->enabled);
	if (!strcmp(k, "listen")) {
		const char *s = want_scalar(x, vn, k);

		if (!s)
			return -EINVAL;
		if (!listen_addr_ok(s)) {
			cfg_error(x, vn,
				  "'listen' must be HOST:PORT, [IPV6]:PORT or "
				  ":PORT (port 0..65535), not '%s'",
				  s);
			return -EINVAL;
		}
		free(m->listen);
		m->listen = strdup(s);
		return m->listen ? 0 : -ENOMEM;
	}
	cfg_error(x, kn, "unknown key '%s' in 'metrics' (enabled, listen)", k);
	return -EINVAL;
}

static int sec_metrics(struct cfg_ctx *x, const yaml_node_t *n)
{
	/* the section is there: the endpoint is wanted unless it says not */
	x->c->metrics.enabled = true;
	return walk_mapping(x, n, "'metrics'", metrics_pair);
}

/* An empty value (`detect:` alone) means the defaults. */
static bool empty_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && !n->data.scalar.length;
}

/* The detection and GeoIP loaders report "FILE:LINE:COL: key: what";
 * print it in this loader's style. */
static void section_error(struct cfg_ctx *x, const yaml_node_t *n,
			  const char *msg)
{
	size_t len = strlen(x->name);
	unsigned int line, col;
	int used = 0;

	if (!strncmp(msg, x->name, len) && msg[len] == ':' &&
	    sscanf(msg + len, ":%u:%u: %n", &line, &col, &used) == 2 && used)
		cfg_error_at(x, (int)line, (int)col, "%s", msg + len + used);
	else
		cfg_error(x, n, "%s", msg);
}

static int sec_detect(struct cfg_ctx *x, const yaml_node_t *n)
{
	char err[512] = "";
	int ret;

	x->c->detect_enabled = true;
	if (empty_scalar(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE) {
		cfg_error(x, n, "'detect' must be a mapping, not %s",
			  node_type_str(n));
		return -EINVAL;
	}
	ret = bh_detect_config_load_node(
	    &x->c->detect, x->doc, (yaml_node_t *)n, x->name, err, sizeof(err));
	if (ret == -EINVAL)
		section_error(x, n, err);
	else if (ret)
		cfg_error(x, n, "'detect': %s", strerror(-ret));
	return ret;
}

/* geoip: the GeoIP part's own loader (relative database paths taken
 * from the config's directory). */
static int sec_geoip(struct cfg_ctx *x, const yaml_node_t *n)
{
	char err[512] = "";
	int ret;

	x->c->geo_enabled = true;
	ret = bh_geo_config_load_node(&x->c->geo, x->doc, (yaml_node_t *)n,
				      x->name, err, sizeof(err));
	if (ret == -EINVAL)
		section_error(x, n, err);
	else if (ret)
		cfg_error(x, n, "'geoip': %s", strerror(-ret));
	return ret;
}

/* The top-level keys. */
static const struct {
	const char *key;
	int (*parse)(struct cfg_ctx *x, const yaml_node_t *n);
} bh_sections[] = {
    {"policy", sec_policy},	  {"interfaces", sec_interfaces},
    {"pin_path", sec_pin_path},	  {"control_socket", sec_control_socket},
    {"state_dir", sec_state_dir}, {"on_exit", sec_on_exit},
    {"xdp_mode", sec_xdp_mode},	  {"events", sec_events},
    {"conntrack", sec_conntrack}, {"collector", sec_collector},
    {"export", sec_export},	  {"metrics", sec_metrics},
    {"detect", sec_detect},	  {"geoip", sec_geoip},
    {"tc_egress", sec_tc_egress},
};

static int top_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		    const yaml_node_t *vn)
{
	size_t i;

	for (i = 0; i < sizeof(bh_sections) / sizeof(bh_sections[0]); i++)
		if (!strcmp(k, bh_sections[i].key))
			return bh_sections[i].parse(x, vn);
	cfg_error(
	    x, kn,
	    "unknown key '%s' (policy, interfaces, pin_path, "
	    "control_socket, state_dir, on_exit, xdp_mode, tc_egress, events, "
	    "conntrack, collector, export, metrics, detect, geoip)",
	    k);
	return -EINVAL;
}

void bh_daemon_config_defaults(struct bh_daemon_config *c)
{
	int i;

	c->on_exit = BH_ON_EXIT_KEEP;
	c->xdp_mode = BH_XDP_MODE_AUTO;
	c->ev_rate = BH_EV_DEFAULT_RATE;
	c->ev_burst = BH_EV_DEFAULT_BURST;
	c->ev_new_flows = true;
	c->ev_deny = true;
	for (i = 0; i < BH_CT_TMO_MAX; i++)
		c->ct_timeout_ns[i] = bh_ct_default_s[i] * 1000000000ULL;
	c->collector.poll_interval_ns = BH_POLL_DEFAULT_NS;
	c->collector.idle_timeout_ns = BH_IDLE_DEFAULT_NS;
	c->collector.active_timeout_ns = BH_ACTIVE_DEFAULT_NS;
	c->exp.queue_bytes = BH_QUEUE_DEFAULT;
	c->exp.stats_interval_ns = BH_STATS_DEFAULT_NS;
	bh_detect_config_defaults(&c->detect);
	bh_geo_config_init(&c->geo);
}

/* A relative path in the config is relative to the config's directory:
 * *path replaced by a malloc'ed absolute one. */
static int resolve_rel(const char *name, char **path)
{
	const char *slash = strrchr(name, '/');
	char *p;

	if (!*path || (*path)[0] == '/' || !(*path)[0] || !slash)
		return 0;
	if (asprintf(&p, "%.*s/%s", (int)(slash - name), name, *path) < 0)
		return -ENOMEM;
	free(*path);
	*path = p;
	return 0;
}

/* (the GeoIP loader resolves its database paths itself) */
static int resolve_paths(struct bh_daemon_config *c, const char *name)
{
	int err = resolve_rel(name, &c->policy);

	return err ?: resolve_rel(name, &c->detect.baseline_path);
}

static int fill_defaults(struct bh_daemon_config *c)
{
	if (!c->pin_path)
		c->pin_path = strdup(BH_DAEMON_DEFAULT_PIN_PATH);
	if (!c->control_socket)
		c->control_socket = strdup(BH_DAEMON_DEFAULT_SOCKET);
	if (!c->state_dir)
		c->state_dir = strdup(BH_DAEMON_DEFAULT_STATE_DIR);
	if (c->metrics.enabled && !c->metrics.listen)
		c->metrics.listen = strdup(BH_DAEMON_DEFAULT_METRICS);
	if (!c->pin_path || !c->control_socket || !c->state_dir ||
	    (c->metrics.enabled && !c->metrics.listen))
		return -ENOMEM;
	return 0;
}

int bh_daemon_config_load_buf(const char *name, const void *buf, size_t len,
			      struct bh_daemon_config **out, FILE *err)
{
	struct cfg_ctx x = {.name = name, .err = err};
	struct bh_daemon_config *c;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret = 0;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	bh_daemon_config_defaults(c);
	c->path = strdup(name);
	if (!c->path) {
		free(c);
		return -ENOMEM;
	}
	x.c = c;
	if (!yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto out_cfg;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_error_at(&x, (int)parser.problem_mark.line + 1,
			     (int)parser.problem_mark.column + 1,
			     "invalid YAML: %s%s%s",
			     parser.problem ? parser.problem : "parse error",
			     parser.context ? " " : "",
			     parser.context ? parser.context : "");
		ret = -EINVAL;
		goto out_parser;
	}
	x.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root ||
	    (root->type == YAML_SCALAR_NODE && !root->data.scalar.length)) {
		cfg_error_at(&x, 1, 1, "the configuration is empty");
		ret = -EINVAL;
		goto out_doc;
	}
	walk_mapping(&x, root, "the configuration", top_pair);
	if (!x.n_errors && !c->policy)
		cfg_error(&x, root, "'policy' (the policy file) is required");
	if (!x.n_errors && !c->n_ifaces)
		cfg_error(&x, root,
			  "'interfaces' (names or globs to attach to) is "
			  "required");
	if (!x.n_errors && !c->ev_rate && c->ev_burst)
		c->ev_burst = 0;
	if (x.n_errors) {
		ret = -EINVAL;
		goto out_doc;
	}
	ret = resolve_paths(c, name);
	if (!ret)
		ret = fill_defaults(c);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
out_cfg:
	if (ret)
		bh_daemon_config_free(&c);
	*out = c;
	return ret;
}

/* Config files are small; anything bigger is a mistake, not a config. */
#define BH_CONFIG_MAX_BYTES (1 << 20)

int bh_daemon_config_load(const char *path, struct bh_daemon_config **out,
			  FILE *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (err)
			fprintf(err, "%s: error: cannot open: %s\n", path,
				strerror(-ret));
		return ret;
	}
	buf = malloc(BH_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	len = fread(buf, 1, BH_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		if (err)
			fprintf(err, "%s: error: cannot read\n", path);
		goto out;
	}
	if (len > BH_CONFIG_MAX_BYTES) {
		ret = -EFBIG;
		if (err)
			fprintf(err, "%s: error: larger than %d bytes\n", path,
				BH_CONFIG_MAX_BYTES);
		goto out;
	}
	ret = bh_daemon_config_load_buf(path, buf, len, out, err);
out:
	free(buf);
	fclose(f);
	return ret;
}

void bh_daemon_config_free(struct bh_daemon_config **cp)
{
	struct bh_daemon_config *c = cp ? *cp : NULL;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_ifaces; i++)
		free(c->ifaces[i].pattern);
	free(c->ifaces);
	free(c->path);
	free(c->policy);
	free(c->pin_path);
	free(c->control_socket);
	free(c->state_dir);
	for (i = 0; i < c->exp.n_sinks; i++)
		free(c->exp.sinks[i]);
	free(c->exp.node_id);
	free(c->metrics.listen);
	bh_detect_config_clear(&c->detect);
	free(c);
	*cp = NULL;
}

/* The first interfaces entry whose pattern matches name, or NULL. */
static const struct bh_daemon_iface *
find_iface(const struct bh_daemon_config *c, const char *ifname)
{
	size_t i;

	for (i = 0; i < c->n_ifaces; i++)
		if (c->ifaces[i].pattern &&
		    !fnmatch(c->ifaces[i].pattern, ifname, 0))
			return &c->ifaces[i];
	return NULL;
}

bool bh_daemon_config_match(const struct bh_daemon_config *c,
			    const char *ifname, struct bh_iface_settings *out)
{
	const struct bh_daemon_iface *ifc = find_iface(c, ifname);

	if (!ifc)
		return false;
	if (out) {
		out->mode = ifc->mode_set ? ifc->mode : c->xdp_mode;
		out->role = ifc->role;
		out->tc_egress =
		    ifc->tc_egress_set ? ifc->tc_egress : c->tc_egress;
	}
	return true;
}

bool bh_daemon_config_any_tc_egress(const struct bh_daemon_config *c)
{
	size_t i;

	if (c->tc_egress)
		return true;
	for (i = 0; i < c->n_ifaces; i++)
		if (c->ifaces[i].tc_egress_set && c->ifaces[i].tc_egress)
			return true;
	return false;
}

const char *bh_iface_role_str(enum bh_iface_role r)
{
	switch (r) {
	case BH_IFACE_ROLE_AUTO:
		return "auto";
	case BH_IFACE_ROLE_UPLINK:
		return "uplink";
	case BH_IFACE_ROLE_WORKLOAD:
		return "workload";
	}
	return "invalid";
}

const char *bh_xdp_mode_str(enum bh_xdp_mode m)
{
	switch (m) {
	case BH_XDP_MODE_AUTO:
		return "auto";
	case BH_XDP_MODE_NATIVE:
		return "native";
	case BH_XDP_MODE_SKB:
		return "skb";
	}
	return "invalid";
}

const char *bh_on_exit_str(enum bh_on_exit e)
{
	return e == BH_ON_EXIT_DETACH ? "detach" : "keep";
}
