// SPDX-License-Identifier: GPL-2.0-only
/* Loader: what a valid file becomes, every error message with its exact
 * position (a table of bad snippets), and the warnings. */
#include "policy_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1 "version: 1\n"

/* A workload and a rule that make the rest of a snippet meaningful. */
#define W_WEB                                                                  \
	"workloads:\n"                                                         \
	"  - name: web\n"                                                      \
	"    labels: {app: web}\n"                                             \
	"    addresses: [10.0.0.1]\n"

static void test_load_full(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"defaults:\n"
		"  mode: audit\n"
		"  action: allow\n"
		"  conntrack: loose\n"
		"  host_addresses: [10.0.0.254, \"fd00::fe\"]\n"
		"  overrides:\n"
		"    - selector: {matchLabels: {app: db}}\n"
		"      mode: enforce\n"
		"workloads:\n"
		"  - name: web-1\n"
		"    labels: {tier: frontend, app: web}\n"
		"    addresses: [10.0.1.10, \"fd00::1:10\"]\n"
		"    cidrs: [10.0.1.64/28, \"fd00:1::/64\"]\n"
		"  - name: db\n"
		"    labels:\n"
		"      app: db\n"
		"external:\n"
		"  - name: corp\n"
		"    cidrs: [192.0.2.0/24]\n"
		"    labels: {zone: corp}\n"
		"rules:\n"
		"  - name: r1\n"
		"    description: the first rule\n"
		"    from: {matchLabels: {app: web}}\n"
		"    to:\n"
		"      matchLabels: {app: db}\n"
		"      matchExpressions:\n"
		"        - {key: env, operator: NotIn, values: [dev, test]}\n"
		"        - {key: tier, operator: DoesNotExist}\n"
		"    ports: [tcp/5432, tcp/8000-8100, udp, icmp, proto/47]\n"
		"    action: deny\n"
		"    log: true\n"
		"  - name: r2\n"
		"    from: [world, host, {external: [corp]}, {}]\n"
		"    to: {external: corp}\n";
	/* clang-format on */
	const struct bh_policy_workload *w;
	const struct bh_policy_rule *r;
	struct bh_policy *p = pt_load(yaml, NULL);

	(void)state;
	assert_int_equal(p->mode, BH_MODE_AUDIT);
	assert_int_equal(p->default_action, BH_ACTION_ALLOW);
	assert_true(p->ct_loose);
	assert_int_equal(p->n_host, 2);
	assert_int_equal(p->n_overrides, 1);
	assert_int_equal(p->overrides[0].mode, BH_MODE_ENFORCE);
	assert_int_equal(p->overrides[0].pos.line, 8);
	assert_int_equal(p->overrides[0].pos.col, 7);

	assert_int_equal(p->n_workloads, 2);
	w = &p->workloads[0];
	assert_string_equal(w->name, "web-1");
	assert_int_equal(w->n_labels, 2);
	assert_string_equal(w->labels[0].key, "app"); /* sorted by key */
	assert_string_equal(w->canon, "app=web,tier=frontend");
	assert_int_equal(w->n_prefixes, 4);
	assert_int_equal(w->prefixes[0].prefixlen, 128);
	assert_int_equal(w->prefixes[0].addr.b[10], 0xff); /* v4-mapped */
	assert_int_equal(w->prefixes[0].addr.b[15], 10);
	assert_int_equal(w->prefixes[2].prefixlen, 96 + 28);
	assert_int_equal(w->prefixes[3].prefixlen, 64);
	assert_int_equal(w->pos.line, 11);
	assert_string_equal(p->workloads[1].canon, "app=db");

	assert_int_equal(p->n_externals, 1);
	assert_string_equal(p->externals[0].name, "corp");
	assert_int_equal(p->externals[0].n_labels, 1);

	assert_int_equal(p->n_rules, 2);
	r = &p->rules[0];
	assert_string_equal(r->name, "r1");
	assert_string_equal(r->description, "the first rule");
	assert_int_equal(r->action, BH_ACTION_DENY);
	assert_true(r->log);
	assert_int_equal(r->from.n, 1);
	assert_int_equal(r->from.v[0].kind, BH_PEER_SELECTOR);
	assert_int_equal(r->from.v[0].n_exprs, 1);
	assert_int_equal(r->from.v[0].exprs[0].op, BH_SEL_IN);
	assert_int_equal(r->to.v[0].n_exprs, 3);
	assert_int_equal(r->to.v[0].exprs[1].op, BH_SEL_NOT_IN);
	assert_int_equal(r->to.v[0].exprs[1].n_values, 2);
	assert_int_equal(r->to.v[0].exprs[2].op, BH_SEL_DOES_NOT_EXIST);
	assert_int_equal(r->n_ports, 5);
	assert_int_equal(r->ports[0].proto, 6);
	assert_int_equal(r->ports[0].lo, 5432);
	assert_int_equal(r->ports[0].hi, 5432);
	assert_int_equal(r->ports[1].lo, 8000);
	assert_int_equal(r->ports[1].hi, 8100);
	assert_int_equal(r->ports[2].proto, 17);
	assert_int_equal(r->ports[2].hi, 65535);
	assert_int_equal(r->ports[3].proto, 1);
	assert_int_equal(r->ports[4].proto, 47);
	assert_int_equal(r->ports[2].pos.line, 31);

	r = &p->rules[1];
	assert_int_equal(r->action, BH_ACTION_ALLOW); /* the default */
	assert_false(r->log);
	assert_null(r->description);
	assert_int_equal(r->from.n, 4);
	assert_int_equal(r->from.v[0].kind, BH_PEER_WORLD);
	assert_int_equal(r->from.v[1].kind, BH_PEER_HOST);
	assert_int_equal(r->from.v[2].kind, BH_PEER_EXTERNAL);
	assert_int_equal(r->from.v[3].kind, BH_PEER_SELECTOR);
	assert_int_equal(r->from.v[3].n_exprs, 0);
	assert_int_equal(r->n_ports, 1); /* omitted: any */
	assert_int_equal(r->ports[0].proto, BH_PROTO_ANY);
	assert_int_equal(strlen(p->sha256), 64);
	bh_policy_free(&p);
	assert_null(p);
	bh_policy_free(&p); /* NULL-safe */
}

static void test_load_defaults(void **state)
{
	struct bh_policy *p = pt_load(V1, NULL);

	(void)state;
	assert_int_equal(p->mode, BH_MODE_ENFORCE);
	assert_int_equal(p->default_action, BH_ACTION_DENY);
	assert_false(p->ct_loose);
	assert_int_equal(p->n_workloads + p->n_rules + p->n_externals, 0);
	bh_policy_free(&p);
}

/* Every error message, with its position. Each snippet has one error. */
/* clang-format off */
static const struct {
	const char *yaml;
	const char *msg; /* "LINE:COL: error: ..." or "error: ..." */
} err_cases[] = {
	/* The document. */
	{ "", "error: the file holds no policy (empty document)" },
	{ "- a\n",
	  "1:1: error: the policy (top level) must be a mapping, not a list" },
	{ "version: 1\nrules: [\n",
	  "3:1: error: YAML syntax error: did not find expected node content while parsing a flow node (line 3)" },
	{ "version: 1\n\tworkloads: []\n",
	  "2:1: error: YAML syntax error: found a tab character that violates indentation while scanning a plain scalar (line 1)" },
	{ "version: 1\n---\nversion: 1\n",
	  "3:1: error: a second YAML document: a policy file holds one document" },
	{ "rules: []\n",
	  "1:1: error: missing 'version: 1' (the policy language version this file is written in)" },
	{ "version: 2\n",
	  "1:10: error: unsupported version 2 (this bulkhead reads version 1)" },
	{ "version: one\n", "1:10: error: 'version' must be 1" },
	{ V1 "workload: []\n",
	  "2:1: error: unknown key 'workload' in the policy (top level) (expected version, defaults, workloads, external, rules)" },
	{ V1 "rules: []\nrules: []\n",
	  "3:1: error: duplicate key 'rules' in the policy (top level) (first at line 2)" },
	{ V1 "[a]: 1\n",
	  "2:1: error: keys of the policy (top level) must be strings, not a list" },
	{ V1 "workloads: {}\n",
	  "2:12: error: 'workloads' must be a list, not a mapping" },
	{ V1 "rules: {}\n", "2:8: error: 'rules' must be a list, not a mapping" },
	{ V1 "external: web\n",
	  "2:11: error: 'external' must be a list, not a scalar" },

	/* Workloads. */
	{ V1 "workloads:\n  - labels: {app: a}\n    addresses: [10.0.0.1]\n",
	  "3:5: error: workload is missing 'name'" },
	{ V1 "workloads:\n  - name: w\n    address: [10.0.0.1]\n",
	  "4:5: error: unknown key 'address' in workload (expected name, labels, addresses, cidrs)" },
	{ V1 "workloads:\n  - name: \"a b\"\n    addresses: [10.0.0.1]\n",
	  "3:11: error: bad workload name 'a b': a name has only letters, digits and '.', '_', ':', '/', '-'" },
	{ V1 "workloads:\n  - name: [w]\n    addresses: [10.0.0.1]\n",
	  "3:11: error: 'name' must be a string, not a list" },
	{ V1 "workloads:\n  - name:\n    addresses: [10.0.0.1]\n",
	  "3:10: error: 'name' must be a string, not empty" },
	{ V1 "workloads:\n  - w\n",
	  "3:5: error: workload must be a mapping, not a scalar" },
	{ V1 "workloads:\n  - name: w\n    labels: [app]\n",
	  "4:13: error: 'labels' must be a mapping of key: value, not a list" },
	{ V1 "workloads:\n  - name: w\n    labels: {\"a b\": x}\n    addresses: [10.0.0.1]\n",
	  "4:14: error: bad label key 'a b': a key is at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit" },
	{ V1 "workloads:\n  - name: w\n    labels: {Foo_/a: x}\n    addresses: [10.0.0.1]\n",
	  "4:14: error: bad label key 'Foo_/a': the prefix before '/' must be a DNS subdomain (lower-case letters, digits, '-', '.')" },
	{ V1 "workloads:\n  - name: w\n    labels: {app: \"-web\"}\n    addresses: [10.0.0.1]\n",
	  "4:19: error: bad value '-web' of label 'app': a value is empty or at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit" },
	{ V1 "workloads:\n  - name: w\n    labels: {app: }\n    addresses: [10.0.0.1]\n",
	  "4:19: error: label 'app' has no value (write app: \"\" for an empty one)" },
	{ V1 "workloads:\n  - name: w\n    labels: {app: [a]}\n    addresses: [10.0.0.1]\n",
	  "4:19: error: a label value must be a string, not a list" },
	{ V1 "rules:\n  - name: r\n    from: {matchLabels: {app: }}\n    to: world\n",
	  "4:31: error: label 'app' has no value (write app: \"\" for an empty one)" },
	{ V1 "workloads:\n  - name: w\n    labels: {app: a, app: b}\n    addresses: [10.0.0.1]\n",
	  "4:22: error: duplicate label key 'app'" },
	{ V1 "workloads:\n  - name: w\n    addresses: 10.0.0.1\n",
	  "4:16: error: 'addresses' must be a list, not a scalar" },
	{ V1 "workloads:\n  - name: w\n    addresses: [10.0.0.300]\n",
	  "4:17: error: bad address '10.0.0.300': not an IPv4 or IPv6 address" },
	{ V1 "workloads:\n  - name: w\n    addresses: [\"fd00::1::2\"]\n",
	  "4:17: error: bad address 'fd00::1::2': not an IPv4 or IPv6 address" },
	{ V1 "workloads:\n  - name: w\n    addresses: [10.0.0.0/24]\n",
	  "4:17: error: '10.0.0.0/24' is a CIDR: list it under 'cidrs', not 'addresses'" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [10.0.0.1]\n",
	  "4:13: error: bad CIDR '10.0.0.1': no prefix length (write 10.0.0.1/32)" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [10.0.0.0/33]\n",
	  "4:13: error: bad CIDR '10.0.0.0/33': prefix length must be 0-32" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [\"fd00::/129\"]\n",
	  "4:13: error: bad CIDR 'fd00::/129': prefix length must be 0-128" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [10.0.0.0/x]\n",
	  "4:13: error: bad CIDR '10.0.0.0/x': prefix length must be 0-32" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [10.0.0.1/24]\n",
	  "4:13: error: bad CIDR '10.0.0.1/24': host bits are set (the network is 10.0.0.0/24)" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [\"fd00::1/64\"]\n",
	  "4:13: error: bad CIDR 'fd00::1/64': host bits are set (the network is fd00::/64)" },
	{ V1 "workloads:\n  - name: w\n    cidrs: [nope/8]\n",
	  "4:13: error: bad CIDR 'nope/8': 'nope' is not an IPv4 or IPv6 address" },
	{ V1 "workloads:\n  - name: w\n    addresses: [\"10.0.0.1\\0\"]\n",
	  "4:17: error: an address contains a NUL byte" },

	/* External groups. */
	{ V1 "external:\n  - name: corp\n",
	  "3:5: error: external group is missing 'cidrs'" },
	{ V1 "external:\n  - name: corp\n    cidrs: [192.0.2.0/24]\n    addresses: [10.0.0.1]\n",
	  "5:5: error: unknown key 'addresses' in external group (expected name, labels, cidrs)" },

	/* Names and addresses across the file. */
	{ V1 W_WEB "  - name: web\n    labels: {app: web}\n    addresses: [10.0.0.2]\n",
	  "6:5: error: duplicate name 'web': workload at line 3 has it already" },
	{ V1 W_WEB "external:\n  - name: web\n    cidrs: [192.0.2.0/24]\n",
	  "7:5: error: duplicate name 'web': workload at line 3 has it already" },
	{ V1 "workloads:\n  - name: world\n    addresses: [10.0.0.1]\n",
	  "3:5: error: name 'world' is reserved for the built-in identity" },
	{ V1 W_WEB "  - name: db\n    labels: {app: db}\n    addresses: [10.0.0.1]\n",
	  "8:17: error: 10.0.0.1 of workload 'db' is also claimed by workload 'web' (line 5), which has different labels" },
	{ V1 "workloads:\n  - name: pool\n    labels: {app: pool}\n    cidrs: [10.0.0.0/24]\n"
	     "  - name: db\n    labels: {app: db}\n    addresses: [10.0.0.7]\n",
	  "8:17: error: 10.0.0.7 of workload 'db' lies inside 10.0.0.0/24 of workload 'pool' (line 5), which has different labels" },
	{ V1 "workloads:\n  - name: a\n    labels: {app: a}\n    addresses: [\"fd00::1\"]\n"
	     "  - name: b\n    labels: {app: b}\n    addresses: [\"fd00:0::1\"]\n",
	  "8:17: error: fd00::1 of workload 'b' is also claimed by workload 'a' (line 5), which has different labels" },
	{ V1 "external:\n  - name: e\n    cidrs: [10.0.0.0/24]\n"
	     "workloads:\n  - name: w\n    cidrs: [10.0.0.0/24]\n",
	  "7:13: error: 10.0.0.0/24 of workload 'w' is also claimed by external group 'e' (line 4)" },
	{ V1 "defaults:\n  host_addresses: [10.0.0.1]\n" W_WEB,
	  "7:17: error: 10.0.0.1 of workload 'web' is also claimed by the host (line 3)" },
	{ V1 "external:\n  - name: a\n    cidrs: [10.0.0.0/8]\n  - name: b\n    cidrs: [10.0.0.0/8]\n",
	  "6:13: error: 10.0.0.0/8 of external group 'b' is also claimed by external group 'a' (line 4)" },

	/* Rules and peers. */
	{ V1 "rules:\n  - from: world\n    to: world\n",
	  "3:5: error: rule is missing 'name'" },
	{ V1 "rules:\n  - name: r\n    to: world\n",
	  "3:5: error: rule is missing 'from'" },
	{ V1 "rules:\n  - name: r\n    from: world\n",
	  "3:5: error: rule is missing 'to'" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    allow: true\n",
	  "6:5: error: unknown key 'allow' in a rule (expected name, description, from, to, ports, action, log)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n  - name: r\n    from: world\n    to: host\n",
	  "6:5: error: duplicate rule name 'r' (first at line 3)" },
	{ V1 "rules:\n  - name: r\n    from: everyone\n    to: world\n",
	  "4:11: error: unknown peer 'everyone' in 'from' (expected world, host, a selector such as {matchLabels: {app: web}}, {external: NAME}, or a list of those)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: [world, [host]]\n",
	  "5:17: error: lists of peers cannot nest (in 'to')" },
	{ V1 "rules:\n  - name: r\n    from: []\n    to: world\n",
	  "4:11: error: 'from' is an empty list: it would select nothing" },
	{ V1 "rules:\n  - name: r\n    from: {external: nope}\n    to: world\n",
	  "4:22: error: unknown external group 'nope'" },
	{ V1 "external:\n  - name: corp\n    cidrs: [192.0.2.0/24]\n"
	     "rules:\n  - name: r\n    from: {external: corp, matchLabels: {app: a}}\n    to: world\n",
	  "7:11: error: a peer is either a selector or {external: ...}, not both: write a list of two peers" },
	{ V1 "rules:\n  - name: r\n    from: {external: []}\n    to: world\n",
	  "4:22: error: 'external' is an empty list" },
	{ V1 "rules:\n  - name: r\n    from: {matchLabel: {app: a}}\n    to: world\n",
	  "4:12: error: unknown key 'matchLabel' in a peer (expected matchLabels, matchExpressions, external)" },
	{ V1 "rules:\n  - name: r\n    from: {matchLabels: [app]}\n    to: world\n",
	  "4:25: error: 'matchLabels' must be a mapping, not a list" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: {key: app}}\n    to: world\n",
	  "4:30: error: 'matchExpressions' must be a list, not a mapping" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: Exist}]}\n    to: world\n",
	  "4:52: error: unknown selector operator 'Exist' (expected In, NotIn, Exists or DoesNotExist)" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: In}]}\n    to: world\n",
	  "4:31: error: operator In needs a non-empty 'values' list" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: NotIn, values: []}]}\n    to: world\n",
	  "4:67: error: operator NotIn needs a non-empty 'values' list" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}\n    to: world\n",
	  "4:68: error: operator Exists takes no 'values'" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{operator: Exists}]}\n    to: world\n",
	  "4:31: error: a match expression needs 'key'" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: In, values: [\"a b\"]}]}\n    to: world\n",
	  "4:65: error: bad label value 'a b': a value is empty or at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit" },
	{ V1 "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: In, values: [a], extra: 1}]}\n    to: world\n",
	  "4:69: error: unknown key 'extra' in a match expression (expected key, operator, values)" },

	/* Ports. */
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: tcp/80\n",
	  "6:12: error: 'ports' must be a list, not a scalar" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: []\n",
	  "6:12: error: 'ports' is an empty list: omit it or write [any] for every protocol and port" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [tcp/65536]\n",
	  "6:13: error: bad port 'tcp/65536': the port must be a number of 0-65535" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [tcp/http]\n",
	  "6:13: error: bad port 'tcp/http': the port must be a number of 0-65535" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [udp/100-50]\n",
	  "6:13: error: bad port range 'udp/100-50': start 100 is above end 50" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [udp/1-70000]\n",
	  "6:13: error: bad port range 'udp/1-70000': both ends must be numbers of 0-65535" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [tcp/-5]\n",
	  "6:13: error: bad port range 'tcp/-5': both ends must be numbers of 0-65535" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [http/80]\n",
	  "6:13: error: unknown protocol 'http' in 'http/80' (expected tcp, udp, sctp, icmp, icmpv6, any or proto/N)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [icmp/8]\n",
	  "6:13: error: bad port entry 'icmp/8': icmp has no ports (write 'icmp' alone)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [any/80]\n",
	  "6:13: error: bad port entry 'any/80': any has no ports (write 'any' alone)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [proto/256]\n",
	  "6:13: error: bad port entry 'proto/256': write proto/N with an IP protocol number N of 1-255" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    ports: [proto]\n",
	  "6:13: error: bad port entry 'proto': write proto/N with an IP protocol number N of 1-255" },

	/* Rule scalars. */
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    action: permit\n",
	  "6:13: error: unknown action 'permit' (expected deny or allow)" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    log: yes\n",
	  "6:10: error: 'log' must be true or false" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    log: \"true\"\n",
	  "6:10: error: 'log' must be true or false" },
	{ V1 "rules:\n  - name: r\n    from: world\n    to: world\n    description: [a]\n",
	  "6:18: error: 'description' must be a string, not a list" },

	/* Defaults. */
	{ V1 "defaults: []\n",
	  "2:11: error: 'defaults' must be a mapping, not a list" },
	{ V1 "defaults:\n  mode: enforcing\n",
	  "3:9: error: unknown mode 'enforcing' (expected enforce or audit)" },
	{ V1 "defaults:\n  action: drop\n",
	  "3:11: error: unknown action 'drop' (expected deny or allow)" },
	{ V1 "defaults:\n  conntrack: lazy\n",
	  "3:14: error: unknown conntrack mode 'lazy' (expected strict or loose)" },
	{ V1 "defaults:\n  timeout: 5\n",
	  "3:3: error: unknown key 'timeout' in 'defaults' (expected mode, action, conntrack, overrides, host_addresses)" },
	{ V1 "defaults:\n  overrides:\n    - selector: {}\n",
	  "4:7: error: override is missing 'mode'" },
	{ V1 "defaults:\n  overrides:\n    - selector: {}\n      mode: off\n",
	  "5:13: error: unknown mode 'off' (expected enforce or audit)" },
	{ V1 "defaults:\n  host_addresses: [host]\n",
	  "3:20: error: bad address 'host': not an IPv4 or IPv6 address" },
};
/* clang-format on */

static void format_diag(const struct bh_diag_entry *e, char *buf, size_t len)
{
	const char *lvl = e->level == BH_DIAG_ERROR ? "error" : "warning";

	if (e->line)
		snprintf(buf, len, "%d:%d: %s: %s", e->line, e->col, lvl,
			 e->msg);
	else
		snprintf(buf, len, "%s: %s", lvl, e->msg);
}

static void test_errors(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct bh_policy *p = NULL;
		struct bh_diag d;
		char got[1024];
		bool found = false;
		int err;

		bh_diag_init(&d);
		err = bh_policy_load_buf("t.yaml", err_cases[i].yaml,
					 strlen(err_cases[i].yaml), &p, &d);
		bh_diag_sort(&d);
		for (j = 0; j < d.n; j++) {
			format_diag(&d.v[j], got, sizeof(got));
			if (!strcmp(got, err_cases[i].msg))
				found = true;
		}
		if (err != -EINVAL || !found || d.n_errors != 1) {
			print_error("case %zu:\n%s\nexpected: %s\ngot (%d):\n",
				    i, err_cases[i].yaml, err_cases[i].msg,
				    err);
			bh_diag_print(&d, stderr);
		}
		assert_int_equal(err, -EINVAL);
		assert_null(p);
		assert_true(found);
		assert_int_equal(d.n_errors, 1);
		bh_diag_release(&d);
	}
}

/* All errors are reported, not just the first. */
static void test_errors_all(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"workloads:\n"
		"  - name: a\n"
		"    addresses: [1.2.3.4.5]\n"
		"  - name: b\n"
		"    cidrs: [10.0.0.1/8]\n"
		"rules:\n"
		"  - name: r\n"
		"    from: nobody\n"
		"    to: world\n"
		"    ports: [tcp/99999, udp/5-1]\n";
	/* clang-format on */
	struct bh_policy *p = NULL;
	struct bh_diag d;

	(void)state;
	bh_diag_init(&d);
	assert_int_equal(
	    bh_policy_load_buf("t.yaml", yaml, strlen(yaml), &p, &d), -EINVAL);
	assert_int_equal(d.n_errors, 5);
	bh_diag_sort(&d);
	assert_int_equal(d.v[0].line, 4);
	assert_int_equal(d.v[4].line, 11);
	bh_diag_release(&d);
}

static void test_too_many_rules(void **state)
{
	size_t cap = 64 * (BH_MAX_RULES + 2), off;
	char *yaml = malloc(cap);
	struct bh_policy *p = NULL;
	struct bh_diag d;
	unsigned int i;

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(yaml, cap, V1 "rules:\n");
	for (i = 0; i < BH_MAX_RULES + 1; i++)
		off += (size_t)snprintf(
		    yaml + off, cap - off,
		    "  - {name: r%u, from: world, to: host}\n", i);
	bh_diag_init(&d);
	assert_int_equal(bh_policy_load_buf("t.yaml", yaml, off, &p, &d),
			 -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_string_equal(
	    d.v[0].msg,
	    "too many rules: 2049 (the data plane holds at most 2048)");
	bh_diag_release(&d);
	free(yaml);
}

/* Aliases that expand exponentially are refused, quickly. */
static void test_alias_bomb(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"rules:\n"
		"  - name: r\n"
		"    from: world\n"
		"    to: world\n"
		"    ports: &p0 [tcp/1, tcp/2, tcp/3, tcp/4, tcp/5, tcp/6, tcp/7, tcp/8]\n"
		"  - &r1 {name: r1, from: world, to: world, ports: *p0}\n";
	/* clang-format on */
	/* clang-format off */
	static const char bomb_head[] = V1 "workloads: &l0 [";
	/* clang-format on */
	char bomb[8192];
	struct bh_policy *p = NULL;
	struct bh_diag d;
	size_t off;
	int i, j, err;

	(void)state;
	/* Ordinary aliases are fine (errors here are the unknown key). */
	bh_diag_init(&d);
	err = bh_policy_load_buf("t.yaml", yaml, strlen(yaml), &p, &d);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(d.n_errors, 1);
	bh_diag_release(&d);

	/* workloads: 12 levels of lists of 10 aliases to the level below:
	 * 10^12 nodes if walked naively. */
	off = (size_t)snprintf(bomb, sizeof(bomb), "%s", bomb_head);
	off += (size_t)snprintf(bomb + off, sizeof(bomb) - off,
				"{name: w, addresses: &l1 [");
	for (i = 0; i < 10; i++)
		off += (size_t)snprintf(bomb + off, sizeof(bomb) - off,
					"%s10.0.0.%d", i ? ", " : "", i);
	off += (size_t)snprintf(bomb + off, sizeof(bomb) - off, "]}]\n");
	for (i = 2; i < 14; i++) {
		off += (size_t)snprintf(bomb + off, sizeof(bomb) - off,
					"x%d: &l%d [", i, i);
		for (j = 0; j < 10; j++)
			off += (size_t)snprintf(bomb + off, sizeof(bomb) - off,
						"%s*l%d", j ? ", " : "", i - 1);
		off += (size_t)snprintf(bomb + off, sizeof(bomb) - off, "]\n");
	}
	off += (size_t)snprintf(bomb + off, sizeof(bomb) - off,
				"rules:\n  - name: r\n    from: world\n    to: "
				"world\n    ports: *l13\n");
	bh_diag_init(&d);
	err = bh_policy_load_buf("t.yaml", bomb, off, &p, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(p);
	assert_true(d.n_errors >= 1);
	bh_diag_release(&d);
}

static void test_bad_utf8(void **state)
{
	/* clang-format off */
	static const char yaml[] = V1 "workloads: [\xff\xfe]\n";
	/* clang-format on */
	struct bh_policy *p = NULL;
	struct bh_diag d;

	(void)state;
	bh_diag_init(&d);
	assert_int_equal(
	    bh_policy_load_buf("t.yaml", yaml, sizeof(yaml) - 1, &p, &d),
	    -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.v[0].line, 0);
	assert_non_null(strstr(d.v[0].msg, "YAML reader error"));
	bh_diag_release(&d);
}

static void test_load_file(void **state)
{
	struct bh_policy *p = NULL;
	struct bh_diag d;

	(void)state;
	bh_diag_init(&d);
	assert_int_equal(
	    bh_policy_load(bh_test_src_path("config/policy-example.yaml"), &p,
			   &d),
	    0);
	assert_int_equal(d.n_errors, 0);
	assert_true(p->n_workloads > 5);
	bh_policy_free(&p);
	bh_diag_release(&d);

	bh_diag_init(&d);
	assert_int_equal(bh_policy_load("/nonexistent/policy.yaml", &p, &d),
			 -ENOENT);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].msg,
			    "cannot open: No such file or directory");
	bh_diag_release(&d);

	bh_diag_init(&d);
	assert_int_equal(bh_policy_load("/", &p, &d), -EINVAL);
	assert_string_equal(d.v[0].msg, "not a regular file");
	bh_diag_release(&d);
}

/* Warnings: the file is valid, check says what looks wrong. */
/* clang-format off */
static const struct {
	const char *yaml;
	const char *msg;
} warn_cases[] = {
	{ V1 "workloads:\n  - name: w\n    labels: {app: w}\n",
	  "3:5: warning: workload 'w' has no addresses: no traffic can be attributed to it" },
	{ V1 "workloads:\n  - name: w\n    labels: {app: w}\n    addresses: [10.0.0.1, 10.0.0.1]\n",
	  "5:27: warning: 10.0.0.1 is listed twice by workload 'w' (first at line 5)" },
	{ V1 "workloads:\n  - name: a\n    labels: {app: w}\n    addresses: [10.0.0.1]\n"
	     "  - name: b\n    labels: {app: w}\n    addresses: [10.0.0.1]\n",
	  "8:17: warning: 10.0.0.1 of workload 'b' is also listed by workload 'a' (line 5); they have the same labels, so the same identity" },
	{ V1 W_WEB "rules:\n  - name: r\n    from: {matchLabels: {app: api}}\n    to: world\n",
	  "8:11: warning: selector matches no workload" },
	{ V1 W_WEB "rules:\n  - name: r\n    from: {matchExpressions: [{key: app, operator: DoesNotExist}]}\n    to: world\n",
	  "8:11: warning: selector matches no workload" },
	{ V1 W_WEB "rules:\n  - name: r\n    from: host\n    to: world\n",
	  "8:11: warning: 'host' matches no traffic: defaults.host_addresses lists no address" },
	{ V1 W_WEB
	  "rules:\n"
	  "  - name: wide\n    from: {}\n    to: world\n    ports: [tcp/1-1000]\n"
	  "  - name: narrow\n    from: {matchLabels: {app: web}}\n    to: world\n    ports: [tcp/80, tcp/443]\n",
	  "11:5: warning: rule 'narrow' is shadowed by rule 'wide' (line 7): same action, and 'wide' covers every source, destination and port of 'narrow'" },
	{ V1 W_WEB
	  "rules:\n"
	  "  - name: a\n    from: {}\n    to: world\n    ports: [tcp/80]\n"
	  "  - name: b\n    from: {}\n    to: world\n    ports: [tcp/80]\n",
	  "11:5: warning: rule 'b' is shadowed by rule 'a' (line 7): same action, and 'a' covers every source, destination and port of 'b'" },
	{ V1 W_WEB
	  "rules:\n"
	  "  - name: split-low\n    from: {}\n    to: world\n    ports: [tcp/0-999]\n    action: deny\n"
	  "  - name: split-high\n    from: world\n    to: world\n    ports: [udp]\n    action: deny\n"
	  "  - name: web-out\n    from: {matchLabels: {app: web}}\n    to: world\n    ports: [tcp/443]\n",
	  "17:5: warning: allow rule 'web-out' never allows anything: deny rules cancel it entirely (e.g. 'split-low')" },
	{ V1 W_WEB
	  "defaults:\n  overrides:\n"
	  "    - {selector: {matchLabels: {app: web}}, mode: audit}\n"
	  "    - {selector: {}, mode: enforce}\n",
	  "9:7: warning: identity 'web' is selected by this override and the one at line 8 with a different mode: enforce applies" },
};
/* clang-format on */

static void test_warnings(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(warn_cases) / sizeof(warn_cases[0]); i++) {
		struct bh_compiled_policy *cp = NULL;
		struct bh_policy *p = NULL;
		struct bh_diag d;
		char got[1024];
		bool found = false;

		bh_diag_init(&d);
		assert_int_equal(
		    bh_policy_load_buf("t.yaml", warn_cases[i].yaml,
				       strlen(warn_cases[i].yaml), &p, &d),
		    0);
		assert_int_equal(bh_policy_compile(p, &cp), 0);
		assert_int_equal(bh_policy_analyze(p, cp, &d), 0);
		bh_diag_sort(&d);
		for (j = 0; j < d.n; j++) {
			format_diag(&d.v[j], got, sizeof(got));
			if (!strcmp(got, warn_cases[i].msg))
				found = true;
		}
		if (!found || d.n_warnings != 1) {
			print_error("case %zu: expected %s, got:\n", i,
				    warn_cases[i].msg);
			bh_diag_print(&d, stderr);
		}
		assert_true(found);
		assert_int_equal(d.n_errors, 0);
		assert_int_equal(d.n_warnings, 1);
		bh_diag_release(&d);
		bh_compiled_policy_free(&cp);
		bh_policy_free(&p);
	}
}

/* A valid policy without a diagnostic. */
static void expect_clean(const char *yaml, const char *path)
{
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	struct bh_diag d;

	bh_diag_init(&d);
	if (yaml)
		assert_int_equal(
		    bh_policy_load_buf("t.yaml", yaml, strlen(yaml), &p, &d),
		    0);
	else
		assert_int_equal(bh_policy_load(path, &p, &d), 0);
	assert_int_equal(bh_policy_compile(p, &cp), 0);
	assert_int_equal(bh_policy_analyze(p, cp, &d), 0);
	if (d.n)
		bh_diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	bh_diag_release(&d);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
}

/* A deny that covers only part of an allow cancels nothing; neither does
 * a deny from other sources. No false warnings on the examples. */
static void test_no_false_warnings(void **state)
{
	/* clang-format off */
	static const char yaml[] =
		V1 W_WEB
		"  - name: api\n    labels: {app: api}\n    addresses: [10.0.0.2]\n"
		"rules:\n"
		"  - name: deny-some\n    from: {}\n    to: world\n    ports: [tcp/0-442]\n    action: deny\n"
		"  - name: deny-other-src\n    from: {matchLabels: {app: api}}\n    to: world\n    ports: [tcp/443]\n    action: deny\n"
		"  - name: web-out\n    from: {}\n    to: world\n    ports: [tcp/443]\n"
		"  - name: web-out2\n    from: {matchLabels: {app: web}}\n    to: world\n    ports: [tcp/443-444]\n";
	/* clang-format on */

	(void)state;
	expect_clean(yaml, NULL);
	expect_clean(NULL, bh_test_src_path("config/policy-example.yaml"));
	expect_clean(NULL, bh_test_src_path("config/demo-policy.yaml"));
}

static void test_diag_print(void **state)
{
	struct bh_diag d;
	char buf[512] = {0};
	FILE *f;

	(void)state;
	bh_diag_init(&d);
	d.file = strdup("x.yaml");
	bh_diag_add(&d, BH_DIAG_WARNING, 9, 1, "later");
	bh_diag_add(&d, BH_DIAG_ERROR, 2, 5, "bad\x01thing");
	bh_diag_add(&d, BH_DIAG_ERROR, 0, 0, "whole file");
	bh_diag_sort(&d);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	bh_diag_print(&d, f);
	fclose(f);
	assert_string_equal(buf, "x.yaml: error: whole file\n"
				 "x.yaml:2:5: error: bad?thing\n"
				 "x.yaml:9:1: warning: later\n");
	assert_int_equal(d.n_errors, 2);
	assert_int_equal(d.n_warnings, 1);
	bh_diag_release(&d);
	bh_diag_release(&d); /* released twice: still fine */
}

int bh_test_policy_load_group(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_full),
	    cmocka_unit_test(test_load_defaults),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_errors_all),
	    cmocka_unit_test(test_too_many_rules),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_no_false_warnings),
	    cmocka_unit_test(test_diag_print),
	};

	return cmocka_run_group_tests_name("policy_load", tests, NULL, NULL);
}
