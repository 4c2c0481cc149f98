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

static const char *const bh_reserved_keys[BH_DCFG_RESERVED_MAX] = {
    "collector", "export", "metrics", "detect", "geoip",
};

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
	unsigned long long v;
	char *end;

	if (!s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '-' || *end || errno || v > UINT32_MAX) {
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

int bh_parse_duration_ns(const char *s, __u64 *out_ns)
{
	unsigned long long v, mult;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (!*end || !strcmp(end, "s"))
		mult = 1000000000ULL;
	else if (!strcmp(end, "ms"))
		mult = 1000000ULL;
	else if (!strcmp(end, "m"))
		mult = 60ULL * 1000000000ULL;
	else if (!strcmp(end, "h"))
		mult = 3600ULL * 1000000000ULL;
	else
		return -EINVAL;
	/* a year is plenty for any timeout; it also keeps v * mult in range */
	if (v > 366ULL * 24 * 3600 * 1000000000ULL / mult)
		return -EINVAL;
	*out_ns = v * mult;
	return 0;
}

static int want_duration(struct cfg_ctx *x, const yaml_node_t *n,
			 const char *key, __u64 *out)
{
	const char *s = want_scalar(x, n, key);

	if (!s)
		return -EINVAL;
	if (bh_parse_duration_ns(s, out) || !*out) {
		cfg_error(x, n,
			  "'%s' must be a positive duration up to a year "
			  "(30, 30s, 500ms, 5m, 2h), not '%s'",
			  key, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_xdp_mode(struct cfg_ctx *x, const yaml_node_t *n,
			  const char *key, enum bh_xdp_mode *out)
{
	const char *s = want_scalar(x, n, key);

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "auto"))
		*out = BH_XDP_MODE_AUTO;
	else if (!strcmp(s, "native"))
		*out = BH_XDP_MODE_NATIVE;
	else if (!strcmp(s, "skb"))
		*out = BH_XDP_MODE_SKB;
	else {
		cfg_error(x, n, "'%s' must be native, skb or auto, not '%s'",
			  key, s);
		return -EINVAL;
	}
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
	const char *s = want_scalar(x, n, "on_exit");

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "keep"))
		x->c->on_exit = BH_ON_EXIT_KEEP;
	else if (!strcmp(s, "detach"))
		x->c->on_exit = BH_ON_EXIT_DETACH;
	else {
		cfg_error(x, n,
			  "'on_exit' must be keep (fail-closed) or detach "
			  "(fail-open), not '%s'",
			  s);
		return -EINVAL;
	}
	return 0;
}

static int sec_xdp_mode(struct cfg_ctx *x, const yaml_node_t *n)
{
	return parse_xdp_mode(x, n, "xdp_mode", &x->c->xdp_mode);
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
	cfg_error(x, kn, "unknown key '%s' in an interface (name, mode)", k);
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

/* The top-level keys. Later parts add their section here. */
static const struct {
	const char *key;
	int (*parse)(struct cfg_ctx *x, const yaml_node_t *n);
} bh_sections[] = {
    {"policy", sec_policy},	  {"interfaces", sec_interfaces},
    {"pin_path", sec_pin_path},	  {"control_socket", sec_control_socket},
    {"state_dir", sec_state_dir}, {"on_exit", sec_on_exit},
    {"xdp_mode", sec_xdp_mode},	  {"events", sec_events},
    {"conntrack", sec_conntrack},
};

static int top_pair(struct cfg_ctx *x, const char *k, const yaml_node_t *kn,
		    const yaml_node_t *vn)
{
	size_t i;

	for (i = 0; i < sizeof(bh_sections) / sizeof(bh_sections[0]); i++)
		if (!strcmp(k, bh_sections[i].key))
			return bh_sections[i].parse(x, vn);
	for (i = 0; i < BH_DCFG_RESERVED_MAX; i++) {
		if (strcmp(k, bh_reserved_keys[i]))
			continue;
		if (vn->type != YAML_MAPPING_NODE) {
			cfg_error(x, vn, "'%s' must be a mapping, not %s", k,
				  node_type_str(vn));
			return -EINVAL;
		}
		x->c->reserved[i].present = true;
		x->c->reserved[i].line = (int)kn->start_mark.line + 1;
		x->c->reserved[i].col = (int)kn->start_mark.column + 1;
		return 0;
	}
	cfg_error(
	    x, kn,
	    "unknown key '%s' (policy, interfaces, pin_path, "
	    "control_socket, state_dir, on_exit, xdp_mode, events, conntrack, "
	    "collector, export, metrics, detect, geoip)",
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
}

/* A relative policy path is relative to the directory of the config. */
static int resolve_policy(struct bh_daemon_config *c, const char *name)
{
	const char *slash = strrchr(name, '/');
	char *p;

	if (c->policy[0] == '/' || !slash)
		return 0;
	if (asprintf(&p, "%.*s/%s", (int)(slash - name), name, c->policy) < 0)
		return -ENOMEM;
	free(c->policy);
	c->policy = p;
	return 0;
}

static int fill_defaults(struct bh_daemon_config *c)
{
	if (!c->pin_path)
		c->pin_path = strdup(BH_DAEMON_DEFAULT_PIN_PATH);
	if (!c->control_socket)
		c->control_socket = strdup(BH_DAEMON_DEFAULT_SOCKET);
	if (!c->state_dir)
		c->state_dir = strdup(BH_DAEMON_DEFAULT_STATE_DIR);
	if (!c->pin_path || !c->control_socket || !c->state_dir)
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
	ret = resolve_policy(c, name);
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
	free(c);
	*cp = NULL;
}

bool bh_daemon_config_match(const struct bh_daemon_config *c,
			    const char *ifname, enum bh_xdp_mode *mode)
{
	size_t i;

	for (i = 0; i < c->n_ifaces; i++) {
		const struct bh_daemon_iface *ifc = &c->ifaces[i];

		if (!ifc->pattern || fnmatch(ifc->pattern, ifname, 0))
			continue;
		if (mode)
			*mode = ifc->mode_set ? ifc->mode : c->xdp_mode;
		return true;
	}
	return false;
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
