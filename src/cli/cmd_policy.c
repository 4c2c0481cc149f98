// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead policy check|show|test: the policy language's tools. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"
#include "policy.h"
#include "probe.h"

int do_policy(int argc, char **argv); /* declared in main.c */

static void policy_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: bulkhead policy check [-W] FILE\n"
	    "       bulkhead policy show FILE [-o text|json] [--from NAME] "
	    "[--to NAME]\n"
	    "       bulkhead policy test FILE --from PEER --to PEER --port "
	    "PROTO/PORT\n"
	    "                            [--expect allow|deny] [-o text|json]\n"
	    "\n"
	    "  check  validate a policy: every error as FILE:LINE:COLUMN, "
	    "then\n"
	    "         warnings (selectors matching nothing, shadowed rules,\n"
	    "         allow rules cancelled by denies). Exit 0 when valid.\n"
	    "         -W, --werror  warnings make the check fail\n"
	    "  show   identities, workloads, rules, the effective access "
	    "matrix\n"
	    "         and the compiled map sizes. --from/--to restrict the\n"
	    "         matrix to identities of those names (workload, external\n"
	    "         group, world, host).\n"
	    "  test   the verdict for one flow and the rule that decides it,\n"
	    "         through the data plane's decision code. A PEER is a\n"
	    "         workload or external group name, world, host, or an\n"
	    "         IP address; --port is tcp/5432, udp/53, sctp/3868,\n"
	    "         icmp/8 (ICMP type), icmp, proto/47. --expect makes\n"
	    "         the exit status 1 when the verdict differs (for CI).\n"
	    "\n"
	    "The language: README.md, \"Policy language\".\n");
}

/* ------------------------------------------------------------------------ */
/* JSON output helpers.                                                     */

static void json_kv(FILE *out, const char *k, const char *v, bool comma)
{
	bh_json_str(out, k);
	fputc(':', out);
	if (v)
		bh_json_str(out, v);
	else
		fputs("null", out);
	if (comma)
		fputc(',', out);
}

/* -o text|json; false (with a message) for anything else. */
static bool parse_output(const char *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") && strcmp(arg, "text")) {
		fprintf(stderr,
			"bulkhead policy %s: -o takes text or json, not '%s'\n",
			cmd, arg);
		return false;
	}
	*json = !strcmp(arg, "json");
	return true;
}

/* ------------------------------------------------------------------------ */
/* Loading.                                                                 */

int bh_cli_policy_open(const char *path, struct bh_policy **p,
		       struct bh_compiled_policy **cp, FILE *out)
{
	struct bh_diag d;
	int err;

	bh_diag_init(&d);
	err = bh_policy_load(path, p, &d);
	bh_diag_sort(&d);
	if (err) {
		bh_diag_print(&d, out);
		if (err != -EINVAL && !d.n_errors)
			fprintf(out, "%s: error: %s\n", path, strerror(-err));
		bh_diag_release(&d);
		return BH_EXIT_FAIL;
	}
	err = bh_policy_compile_diag(*p, cp, &d);
	if (err) {
		bh_diag_print(&d, out);
		if (!d.n_errors)
			fprintf(out, "%s: error: cannot compile: %s\n", path,
				strerror(-err));
		bh_diag_release(&d);
		bh_policy_free(p);
		return BH_EXIT_FAIL;
	}
	bh_diag_release(&d);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* check                                                                    */

static int policy_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"werror", no_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	bool werror = false;
	struct bh_diag d;
	int c, err, ret = BH_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "Wh", opts, NULL)) != -1) {
		switch (c) {
		case 'W':
			werror = true;
			break;
		case 'h':
			policy_usage(stdout);
			return BH_EXIT_OK;
		default:
			policy_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "bulkhead policy check: expected one FILE\n");
		return BH_EXIT_USAGE;
	}
	bh_diag_init(&d);
	err = bh_policy_load(argv[optind], &p, &d);
	if (!err) {
		err = bh_policy_compile_diag(p, &cp, &d);
		if (err && err != -E2BIG)
			bh_diag_add(&d, BH_DIAG_ERROR, 0, 0,
				    "cannot compile: %s", strerror(-err));
	}
	if (!err)
		err = bh_policy_analyze(p, cp, &d);
	if (err && err != -EINVAL && err != -E2BIG && !d.n_errors)
		bh_diag_add(&d, BH_DIAG_ERROR, 0, 0, "%s", strerror(-err));
	bh_diag_sort(&d);
	bh_diag_print(&d, stdout);
	if (!d.n_errors) {
		printf("%s: ok: %zu workloads, %zu identities, %zu rules (%u "
		       "deny), %zu warning%s\n",
		       argv[optind], p->n_workloads, cp->n_identities,
		       cp->n_rules, cp->hdr.n_deny, d.n_warnings,
		       d.n_warnings == 1 ? "" : "s");
		ret = werror && d.n_warnings ? BH_EXIT_FAIL : BH_EXIT_OK;
	} else {
		printf("%s: %zu error%s, %zu warning%s\n", argv[optind],
		       d.n_errors, d.n_errors == 1 ? "" : "s", d.n_warnings,
		       d.n_warnings == 1 ? "" : "s");
	}
	bh_diag_release(&d);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* show                                                                     */

/* What a cell of the access matrix says. */
struct cell {
	struct bh_cp_access *v;
	size_t n, cap;
	int err;
};

static int cell_add(void *ctx, const struct bh_cp_access *a)
{
	struct cell *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct bh_cp_access *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return c->err = -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *a;
	return 0;
}

/* Ranges of one action as "tcp/80,443,8000-8100 udp/53 icmp". */
static void cell_ranges(const struct cell *c, __u8 action, char *buf,
			size_t size)
{
	size_t i, off = 0;
	int last_proto = -1;
	char pb[16];

	buf[0] = 0;
	for (i = 0; i < c->n && off < size; i++) {
		const struct bh_cp_access *a = &c->v[i];
		const char *pn;
		int w;

		if (a->proto == BH_PROTO_ANY || a->action != action)
			continue;
		pn = bh_policy_proto_str(a->proto, pb, sizeof(pb));
		if (a->lo == 0 && a->hi == 65535)
			w = snprintf(buf + off, size - off, "%s%s",
				     off ? " " : "", pn);
		else if (a->proto == last_proto)
			w = a->lo == a->hi
				? snprintf(buf + off, size - off, ",%u", a->lo)
				: snprintf(buf + off, size - off, ",%u-%u",
					   a->lo, a->hi);
		else
			w = a->lo == a->hi
				? snprintf(buf + off, size - off, "%s%s/%u",
					   off ? " " : "", pn, a->lo)
				: snprintf(buf + off, size - off, "%s%s/%u-%u",
					   off ? " " : "", pn, a->lo, a->hi);
		last_proto = a->proto;
		if (w > 0)
			off += (size_t)w;
	}
	if (off >= size && size > 4)
		strcpy(buf + size - 4, "...");
}

/* "-" nothing allowed, "any" everything, "any but tcp/22", or the list. */
static void cell_text(const struct cell *c, char *buf, size_t size)
{
	const struct bh_cp_access *other = &c->v[c->n - 1];
	char list[512];

	if (other->action == BH_ACTION_ALLOW) {
		cell_ranges(c, BH_ACTION_DENY, list, sizeof(list));
		snprintf(buf, size, list[0] ? "any but %s" : "any", list);
	} else {
		cell_ranges(c, BH_ACTION_ALLOW, list, sizeof(list));
		snprintf(buf, size, "%s", list[0] ? list : "-");
	}
}

static const char *kind_str(__u8 kind)
{
	return kind == BH_KIND_WORKLOAD	  ? "workload"
	       : kind == BH_KIND_EXTERNAL ? "external"
					  : "reserved";
}

static const char *mode_str(const struct bh_identity_info *info)
{
	if (!(info->flags & BH_IDF_MODE_SET))
		return NULL;
	return info->flags & BH_IDF_AUDIT ? "audit" : "enforce";
}

/* Identities in the matrix: all, or those named by --from/--to. */
static bool show_pick(const struct bh_cp_identity *id, const char *name,
		      const struct bh_policy *p,
		      const struct bh_compiled_policy *cp)
{
	size_t i;

	if (!name || !strcmp(id->name, name))
		return true;
	/* A replica's name selects its identity too. */
	for (i = 0; i < p->n_workloads; i++)
		if (!strcmp(p->workloads[i].name, name))
			return bh_compiled_workload_identity(
				   cp, &p->workloads[i]) == id - cp->identities;
	return false;
}

/* Matrix order: workloads, then external groups, then world and host,
 * each by name: what a reader looks for, unlike the hashed ids. */
static const struct bh_compiled_policy *show_sort_cp;

static int show_order(__u8 kind)
{
	return kind == BH_KIND_WORKLOAD ? 0 : kind == BH_KIND_EXTERNAL ? 1 : 2;
}

static int show_cmp(const void *a, const void *b)
{
	const struct bh_cp_identity *x =
	    &show_sort_cp->identities[*(const size_t *)a];
	const struct bh_cp_identity *y =
	    &show_sort_cp->identities[*(const size_t *)b];

	if (show_order(x->kind) != show_order(y->kind))
		return show_order(x->kind) - show_order(y->kind);
	return strcmp(x->name, y->name);
}

#define SHOW_MATRIX_MAX	    64 /* identities per side in the text matrix */
#define SHOW_JSON_PAIRS_MAX 250000

static int show_cells(const struct bh_compiled_policy *cp, size_t *rows,
		      size_t nr, size_t *cols, size_t nc, char ***out)
{
	char **cells = calloc(nr * nc + 1, sizeof(*cells));
	struct cell c = {0};
	size_t i, j;
	int err = 0;

	if (!cells)
		return -ENOMEM;
	for (i = 0; i < nr && !err; i++) {
		for (j = 0; j < nc && !err; j++) {
			char buf[600];

			c.n = 0;
			err = bh_compiled_access(cp, rows[i], cols[j], cell_add,
						 &c);
			if (err)
				break;
			cell_text(&c, buf, sizeof(buf));
			cells[i * nc + j] = strdup(buf);
			if (!cells[i * nc + j])
				err = -ENOMEM;
		}
	}
	free(c.v);
	*out = cells;
	return err;
}

static void show_text_matrix(const struct bh_compiled_policy *cp, size_t *rows,
			     size_t nr, size_t *cols, size_t nc, char **cells)
{
	size_t i, j, namew = 4, *w;
	char hdr[32];

	w = calloc(nc + 1, sizeof(*w));
	if (!w)
		return;
	for (i = 0; i < nr; i++) {
		size_t l = strlen(cp->identities[rows[i]].name);

		if (l > namew)
			namew = l;
	}
	for (j = 0; j < nc; j++) {
		w[j] = (size_t)snprintf(hdr, sizeof(hdr), "[%zu]", j + 1);
		for (i = 0; i < nr; i++)
			if (strlen(cells[i * nc + j]) > w[j])
				w[j] = strlen(cells[i * nc + j]);
	}
	printf("\nAccess (rows: from, columns: to; a cell lists what is "
	       "allowed, '-' nothing)\n");
	for (j = 0; j < nc; j++)
		printf("  [%zu] %s\n", j + 1, cp->identities[cols[j]].name);
	printf("  %-*s", (int)namew, "FROM");
	for (j = 0; j < nc; j++) {
		snprintf(hdr, sizeof(hdr), "[%zu]", j + 1);
		printf("  %-*s", (int)w[j], hdr);
	}
	printf("\n");
	for (i = 0; i < nr; i++) {
		printf("  %-*s", (int)namew, cp->identities[rows[i]].name);
		for (j = 0; j < nc; j++)
			printf("  %-*s", (int)w[j], cells[i * nc + j]);
		printf("\n");
	}
	free(w);
}

static void show_text(const struct bh_policy *p,
		      const struct bh_compiled_policy *cp, size_t *rows,
		      size_t nr, size_t *cols, size_t nc, char **cells)
{
	struct bh_cp_sizes sz;
	char lbl[512], addr[64];
	size_t i, j, k;

	printf("Policy %s (sha256 %.16s...)\n", cp->source_path,
	       cp->source_sha256);
	printf(
	    "  mode %s, default action %s, conntrack %s; %zu rules (%u deny)\n",
	    cp->hdr.mode == BH_MODE_AUDIT ? "audit" : "enforce",
	    cp->hdr.default_action == BH_ACTION_ALLOW ? "allow" : "deny",
	    cp->hdr.ct_loose ? "loose" : "strict", cp->n_rules, cp->hdr.n_deny);

	printf("\nIdentities\n  %-10s  %-8s  %-7s  %-24s  %s\n", "ID", "KIND",
	       "MODE", "NAME", "LABELS");
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];
		const char *m = mode_str(&id->info);
		size_t off = 0;

		lbl[0] = 0;
		for (k = 0; k < id->n_labels && off < sizeof(lbl); k++)
			off += (size_t)snprintf(lbl + off, sizeof(lbl) - off,
						"%s%s=%s", k ? "," : "",
						id->labels[k].key,
						id->labels[k].value);
		printf("  %-10u  %-8s  %-7s  %-24s  %s\n", id->id,
		       kind_str(id->kind), m ? m : "-", id->name, lbl);
	}

	printf("\nWorkloads\n  %-24s  %-10s  %s\n", "NAME", "IDENTITY",
	       "ADDRESSES");
	for (i = 0; i < p->n_workloads + p->n_externals; i++) {
		const struct bh_policy_workload *w =
		    i < p->n_workloads ? &p->workloads[i]
				       : &p->externals[i - p->n_workloads];
		long idx = i < p->n_workloads
			       ? bh_compiled_workload_identity(cp, w)
			       : -1;

		if (i >= p->n_workloads) {
			/* External groups: identity by name. */
			for (j = 0; j < cp->n_identities; j++)
				if (cp->identities[j].kind ==
					BH_KIND_EXTERNAL &&
				    !strcmp(cp->identities[j].name, w->name))
					idx = (long)j;
		}
		printf("  %-24s  %-10u  ", w->name,
		       idx >= 0 ? cp->identities[idx].id : 0);
		for (k = 0; k < w->n_prefixes; k++)
			printf("%s%s", k ? ", " : "",
			       bh_policy_addr_str(&w->prefixes[k].addr,
						  w->prefixes[k].prefixlen,
						  addr, sizeof(addr)));
		printf("%s\n", i >= p->n_workloads ? "  (external)" : "");
	}

	printf("\nRules (deny first; the lowest matching id decides)\n  %-4s  "
	       "%-6s  %-3s  %-28s  %s\n",
	       "ID", "ACTION", "LOG", "NAME", "LINE");
	for (i = 0; i < cp->n_rules; i++) {
		const struct bh_cp_rule *r = &cp->rules[i];

		printf("  %-4zu  %-6s  %-3s  %-28s  %d\n", i + 1,
		       r->action == BH_ACTION_ALLOW ? "allow" : "deny",
		       r->flags & BH_RULEF_LOG ? "yes" : "no", r->name,
		       r->line);
	}

	if (cells)
		show_text_matrix(cp, rows, nr, cols, nc, cells);
	else
		printf("\nAccess: %zu x %zu identities is too large for a "
		       "table; narrow it with --from/--to or use -o json\n",
		       nr, nc);

	bh_compiled_sizes(cp, &sz);
	printf("\nMaps (one policy slot; bytes are key + value)\n  %-14s  %8s  "
	       "%8s  %10s\n",
	       "MAP", "ENTRIES", "CAPACITY", "BYTES");
	for (i = 0; i < BH_CP_MAP_MAX; i++)
		printf("  %-14s  %8zu  %8zu  %10zu\n", sz.map[i].name,
		       sz.map[i].entries, sz.map[i].capacity, sz.map[i].bytes);
	printf("  %-14s  %8zu  %8s  %10zu\n", "total", sz.total_entries, "",
	       sz.total_bytes);
	printf("  %zu identities, %zu destination classes\n", cp->n_identities,
	       sz.n_dst_classes);
}

static void show_json_access(const struct bh_compiled_policy *cp, size_t *rows,
			     size_t nr, size_t *cols, size_t nc, char **cells)
{
	struct cell c = {0};
	char pb[16];
	size_t i, j, k;

	printf("\"access\":[");
	for (i = 0; i < nr; i++) {
		for (j = 0; j < nc; j++) {
			const struct bh_cp_identity *s =
			    &cp->identities[rows[i]];
			const struct bh_cp_identity *d =
			    &cp->identities[cols[j]];

			c.n = 0;
			if (bh_compiled_access(cp, rows[i], cols[j], cell_add,
					       &c))
				break;
			printf("%s{", i || j ? "," : "");
			json_kv(stdout, "from", s->name, true);
			printf("\"from_id\":%u,", s->id);
			json_kv(stdout, "to", d->name, true);
			printf("\"to_id\":%u,", d->id);
			json_kv(stdout, "summary", cells[i * nc + j], true);
			printf("\"decisions\":[");
			for (k = 0; k < c.n; k++) {
				const struct bh_cp_access *a = &c.v[k];
				const struct bh_cp_rule *r =
				    bh_compiled_rule(cp, a->rule_id);

				printf("%s{", k ? "," : "");
				json_kv(stdout, "proto",
					bh_policy_proto_str(a->proto, pb,
							    sizeof(pb)),
					true);
				printf("\"ports\":[%u,%u],", a->lo, a->hi);
				json_kv(stdout, "action",
					a->action == BH_ACTION_ALLOW ? "allow"
								     : "deny",
					true);
				json_kv(stdout, "rule", r ? r->name : NULL,
					false);
				printf("}");
			}
			printf("]}");
		}
	}
	printf("],");
	free(c.v);
}

static void show_json(const struct bh_policy *p,
		      const struct bh_compiled_policy *cp, size_t *rows,
		      size_t nr, size_t *cols, size_t nc, char **cells)
{
	struct bh_cp_sizes sz;
	char addr[64];
	size_t i, k;

	printf("{");
	json_kv(stdout, "source", cp->source_path, true);
	json_kv(stdout, "sha256", cp->source_sha256, true);
	json_kv(stdout, "mode",
		cp->hdr.mode == BH_MODE_AUDIT ? "audit" : "enforce", true);
	json_kv(stdout, "default_action",
		cp->hdr.default_action == BH_ACTION_ALLOW ? "allow" : "deny",
		true);
	json_kv(stdout, "conntrack", cp->hdr.ct_loose ? "loose" : "strict",
		true);
	printf("\"identities\":[");
	for (i = 0; i < cp->n_identities; i++) {
		const struct bh_cp_identity *id = &cp->identities[i];

		printf("%s{\"id\":%u,", i ? "," : "", id->id);
		json_kv(stdout, "kind", kind_str(id->kind), true);
		json_kv(stdout, "name", id->name, true);
		json_kv(stdout, "mode", mode_str(&id->info), true);
		printf("\"src_bitmap\":%u,\"dst_class\":%u,\"labels\":{",
		       id->info.src_bitmap, id->info.dst_class);
		for (k = 0; k < id->n_labels; k++)
			json_kv(stdout, id->labels[k].key, id->labels[k].value,
				k + 1 < id->n_labels);
		printf("}}");
	}
	printf("],\"workloads\":[");
	for (i = 0; i < p->n_workloads; i++) {
		const struct bh_policy_workload *w = &p->workloads[i];
		long idx = bh_compiled_workload_identity(cp, w);

		printf("%s{", i ? "," : "");
		json_kv(stdout, "name", w->name, true);
		printf("\"identity\":%u,\"addresses\":[",
		       idx >= 0 ? cp->identities[idx].id : 0);
		for (k = 0; k < w->n_prefixes; k++) {
			if (k)
				printf(",");
			bh_json_str(stdout,
				 bh_policy_addr_str(&w->prefixes[k].addr,
						    w->prefixes[k].prefixlen,
						    addr, sizeof(addr)));
		}
		printf("]}");
	}
	printf("],\"rules\":[");
	for (i = 0; i < cp->n_rules; i++) {
		const struct bh_cp_rule *r = &cp->rules[i];

		printf("%s{\"id\":%zu,", i ? "," : "", i + 1);
		json_kv(stdout, "name", r->name, true);
		json_kv(stdout, "action",
			r->action == BH_ACTION_ALLOW ? "allow" : "deny", true);
		printf("\"log\":%s,\"line\":%d,",
		       r->flags & BH_RULEF_LOG ? "true" : "false", r->line);
		json_kv(stdout, "description", r->description, false);
		printf("}");
	}
	printf("],");
	if (cells)
		show_json_access(cp, rows, nr, cols, nc, cells);
	else
		printf(
		    "\"access\":null,\"access_omitted\":\"%zu x %zu identity "
		    "pairs: more than %d, narrow with --from/--to\",",
		    nr, nc, SHOW_JSON_PAIRS_MAX);
	bh_compiled_sizes(cp, &sz);
	printf("\"maps\":[");
	for (i = 0; i < BH_CP_MAP_MAX; i++) {
		printf("%s{", i ? "," : "");
		json_kv(stdout, "name", sz.map[i].name, true);
		printf("\"entries\":%zu,\"capacity\":%zu,\"entry_bytes\":%zu,"
		       "\"bytes\":%zu}",
		       sz.map[i].entries, sz.map[i].capacity,
		       sz.map[i].entry_bytes, sz.map[i].bytes);
	}
	printf("],\"total_entries\":%zu,\"total_bytes\":%zu,\"dst_classes\":%"
	       "zu}\n",
	       sz.total_entries, sz.total_bytes, sz.n_dst_classes);
}

static int policy_show(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *from = NULL, *to = NULL;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy *p = NULL;
	size_t *rows = NULL, *cols = NULL, nr = 0, nc = 0, i;
	char **cells = NULL;
	bool json = false, matrix;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!parse_output("show", optarg, &json))
				return BH_EXIT_USAGE;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			policy_usage(stdout);
			return BH_EXIT_OK;
		default:
			policy_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "bulkhead policy show: expected one FILE\n");
		return BH_EXIT_USAGE;
	}
	ret = bh_cli_policy_open(argv[optind], &p, &cp, stderr);
	if (ret)
		return ret;
	rows = calloc(cp->n_identities, sizeof(*rows));
	cols = calloc(cp->n_identities, sizeof(*cols));
	if (!rows || !cols) {
		ret = BH_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < cp->n_identities; i++) {
		if (show_pick(&cp->identities[i], from, p, cp))
			rows[nr++] = i;
		if (show_pick(&cp->identities[i], to, p, cp))
			cols[nc++] = i;
	}
	show_sort_cp = cp;
	qsort(rows, nr, sizeof(*rows), show_cmp);
	qsort(cols, nc, sizeof(*cols), show_cmp);
	if (!nr || !nc) {
		fprintf(stderr,
			"bulkhead policy show: no identity is named '%s'\n",
			!nr ? from : to);
		ret = BH_EXIT_USAGE;
		goto out;
	}
	matrix = json ? nr * nc <= SHOW_JSON_PAIRS_MAX
		      : nr <= SHOW_MATRIX_MAX && nc <= SHOW_MATRIX_MAX;
	if (matrix && show_cells(cp, rows, nr, cols, nc, &cells)) {
		fprintf(stderr, "bulkhead policy show: out of memory\n");
		ret = BH_EXIT_FAIL;
		goto out;
	}
	if (json)
		show_json(p, cp, rows, nr, cols, nc, cells);
	else
		show_text(p, cp, rows, nr, cols, nc, cells);
	ret = BH_EXIT_OK;
out:
	if (cells)
		for (i = 0; i < nr * nc; i++)
			free(cells[i]);
	free(cells);
	free(rows);
	free(cols);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* test                                                                     */

static void test_peer_text(const char *arg, const union bh_addr *a,
			   const struct bh_cp_identity *id)
{
	char addr[64], lbl[512];
	size_t k, off = 0;

	lbl[0] = 0;
	for (k = 0; id && k < id->n_labels && off < sizeof(lbl); k++)
		off += (size_t)snprintf(lbl + off, sizeof(lbl) - off, "%s%s=%s",
					k ? "," : " ", id->labels[k].key,
					id->labels[k].value);
	printf("%s (%s): identity %u, %s '%s'%s\n", arg,
	       bh_policy_addr_str(a, 128, addr, sizeof(addr)), id ? id->id : 0,
	       id ? kind_str(id->kind) : "?", id ? id->name : "?", lbl);
}

static void test_json_peer(const char *key, const char *arg,
			   const union bh_addr *a,
			   const struct bh_cp_identity *id)
{
	char addr[64];

	printf("\"%s\":{", key);
	json_kv(stdout, "peer", arg, true);
	json_kv(stdout, "address",
		bh_policy_addr_str(a, 128, addr, sizeof(addr)), true);
	printf("\"identity\":%u,", id ? id->id : 0);
	json_kv(stdout, "name", id ? id->name : NULL, false);
	printf("}");
}

static int policy_test(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"port", required_argument, NULL, 'p'},
	    {"expect", required_argument, NULL, 'e'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *from = NULL, *to = NULL, *port = NULL, *expect = NULL;
	struct bh_compiled_policy *cp = NULL;
	struct bh_policy_probe *pr = NULL;
	struct bh_policy_verdict v;
	struct bh_policy *p = NULL;
	union bh_addr src, dst;
	bool json = false, allowed;
	char err[256];
	__u8 proto;
	__u16 dport;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'e':
			expect = optarg;
			break;
		case 'o':
			if (!parse_output("test", optarg, &json))
				return BH_EXIT_USAGE;
			break;
		case 'h':
			policy_usage(stdout);
			return BH_EXIT_OK;
		default:
			policy_usage(stderr);
			return BH_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !from || !to || !port) {
		fprintf(stderr, "bulkhead policy test: expected FILE, --from, "
				"--to and --port\n");
		return BH_EXIT_USAGE;
	}
	if (expect && strcmp(expect, "allow") && strcmp(expect, "deny")) {
		fprintf(stderr,
			"bulkhead policy test: --expect takes allow or deny, "
			"not '%s'\n",
			expect);
		return BH_EXIT_USAGE;
	}
	if (bh_policy_parse_flow_port(port, &proto, &dport, err, sizeof(err))) {
		fprintf(stderr, "bulkhead policy test: --port: %s\n", err);
		return BH_EXIT_USAGE;
	}
	ret = bh_cli_policy_open(argv[optind], &p, &cp, stderr);
	if (ret)
		return ret;
	ret = BH_EXIT_USAGE;
	if (bh_policy_resolve_peer(p, cp, from, &src, err, sizeof(err))) {
		fprintf(stderr, "bulkhead policy test: --from: %s\n", err);
		goto out;
	}
	if (bh_policy_resolve_peer(p, cp, to, &dst, err, sizeof(err))) {
		fprintf(stderr, "bulkhead policy test: --to: %s\n", err);
		goto out;
	}
	ret = BH_EXIT_FAIL;
	c = bh_policy_probe_new(cp, &pr);
	if (!c)
		c = bh_policy_probe_decide(pr, &src, &dst, proto, dport, &v);
	if (c) {
		fprintf(stderr, "bulkhead policy test: decision failed: %s\n",
			strerror(-c));
		goto out;
	}
	/* Audit passes what it would deny: "allowed" is the policy's
	 * answer, the verdict says what the data plane does with it. */
	allowed = v.res.verdict == BH_VERDICT_ALLOW;
	if (json) {
		printf("{");
		test_json_peer("from", from, &src, v.src);
		printf(",");
		test_json_peer("to", to, &dst, v.dst);
		printf(",");
		json_kv(stdout, "port", port, true);
		printf("\"proto\":%u,\"dport\":%u,", proto, dport);
		json_kv(stdout, "verdict", bh_verdict_str(v.res.verdict), true);
		json_kv(stdout, "reason", bh_reason_str(v.res.reason), true);
		json_kv(stdout, "rule", v.rule ? v.rule->name : NULL, true);
		printf("\"rule_id\":%u,\"line\":%d}\n", v.res.rule_id,
		       v.rule ? v.rule->line : 0);
	} else {
		printf("from     ");
		test_peer_text(from, &src, v.src);
		printf("to       ");
		test_peer_text(to, &dst, v.dst);
		printf("flow     %s\n", port);
		printf("verdict  %s%s%s%s%s\n", bh_verdict_str(v.res.verdict),
		       v.res.reason ? " (" : "",
		       v.res.reason ? bh_reason_str(v.res.reason) : "",
		       v.res.reason ? ")" : "",
		       v.res.verdict == BH_VERDICT_AUDIT
			   ? ": audit mode passes it and reports it"
			   : "");
		if (v.rule)
			printf("rule     %s (id %u, %s:%d)%s%s\n", v.rule->name,
			       v.res.rule_id, v.rule->file, v.rule->line,
			       v.rule->description ? ": " : "",
			       v.rule->description ? v.rule->description : "");
		else
			printf("rule     none matches: the default action (%s) "
			       "applies\n",
			       cp->hdr.default_action == BH_ACTION_ALLOW
				   ? "allow"
				   : "deny");
	}
	ret = BH_EXIT_OK;
	if (expect && strcmp(expect, allowed ? "allow" : "deny")) {
		fprintf(
		    stderr,
		    "bulkhead policy test: expected %s, the verdict is %s\n",
		    expect, bh_verdict_str(v.res.verdict));
		ret = BH_EXIT_FAIL;
	}
out:
	bh_policy_probe_free(&pr);
	bh_compiled_policy_free(&cp);
	bh_policy_free(&p);
	return ret;
}

int do_policy(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		policy_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? BH_EXIT_USAGE : BH_EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return policy_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return policy_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "test"))
		return policy_test(argc - 1, argv + 1);
	fprintf(stderr, "bulkhead policy: unknown subcommand '%s'\n", argv[1]);
	policy_usage(stderr);
	return BH_EXIT_USAGE;
}
