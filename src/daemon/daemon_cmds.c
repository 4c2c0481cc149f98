// SPDX-License-Identifier: GPL-2.0-only
/* Control-socket commands of the daemon, and `status` in text and JSON.
 *
 *   status [json]                   what `bulkhead status` prints
 *   reload                          re-read the policy file, switch to it
 *   endpoint add ADDR LABELS [NAME] LABELS "k=v,k2=v2" or "-" for none
 *   endpoint del ADDR
 *   endpoint list [json]
 *   detach                          remove programs and pins, then exit
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "daemon_int.h"
#include "log.h"

/* Per-rule flow counts, from the flow and denied-flow maps. */
struct rule_count {
	unsigned long long flows[BH_VERDICT_MAX];
	unsigned long long packets[BH_VERDICT_MAX];
};

struct rule_walk {
	struct rule_count *v; /* index rule_id (0: default action) */
	size_t n;
};

static int count_flow(void *ctx, const struct bh_flow_key *key,
		      const struct bh_flow *flow)
{
	struct rule_walk *w = ctx;
	struct rule_count *c;

	if (flow->rule_id >= w->n || flow->verdict >= BH_VERDICT_MAX)
		return 0;
	c = &w->v[flow->rule_id];
	c->flows[flow->verdict]++;
	c->packets[flow->verdict] +=
	    flow->packets[BH_DIR_AB] + flow->packets[BH_DIR_BA];
	return 0;
}

static const char *mode_str(__u8 m)
{
	return m == BH_MODE_AUDIT ? "audit" : "enforce";
}

static const char *action_str(__u8 a)
{
	return a == BH_ACTION_ALLOW ? "allow" : "deny";
}

static void json_key(struct bh_strbuf *o, bool *first, const char *k)
{
	bh_strbuf_printf(o, "%s", *first ? "" : ",");
	*first = false;
	bh_strbuf_json_str(o, k);
	bh_strbuf_append(o, ":", 1);
}

/* ,"key":{"allow":N,"deny":N,"would-deny":N} */
static void json_by_verdict(struct bh_strbuf *o, const char *key,
			    const unsigned long long *v)
{
	bool first = true;
	int i;

	bh_strbuf_printf(o, ",\"%s\":{", key);
	for (i = 1; i < BH_VERDICT_MAX; i++) {
		json_key(o, &first, bh_verdict_str((unsigned)i));
		bh_strbuf_printf(o, "%llu", v[i]);
	}
	bh_strbuf_printf(o, "}");
}

static void status_ifaces(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	size_t i;

	if (json)
		bh_strbuf_printf(o, "\"interfaces\":[");
	else
		bh_strbuf_printf(o, "interfaces:     %zu matching\n", d->n_ifs);
	for (i = 0; i < d->n_ifs; i++) {
		const struct bh_dif *f = &d->ifs[i];
		const char *mode =
		    f->link ? (f->info.skb_mode ? "skb" : "native") : "-";

		if (json) {
			bh_strbuf_printf(o, "%s{\"name\":", i ? "," : "");
			bh_strbuf_json_str(o, f->name);
			bh_strbuf_printf(o,
					 ",\"ifindex\":%d,\"role\":\"%s\","
					 "\"attached\":%s,"
					 "\"mode\":\"%s\",\"dispatcher\":%s,"
					 "\"error\":",
					 f->ifindex, bh_iface_role_str(f->role),
					 f->link ? "true" : "false", mode,
					 f->info.dispatcher ? "true" : "false");
			if (f->err)
				bh_strbuf_json_str(o, strerror(-f->err));
			else
				bh_strbuf_printf(o, "null");
			bh_strbuf_printf(o, "}");
			continue;
		}
		bh_strbuf_printf(o, "  %-15s ifindex %-5d %-8s ", f->name,
				 f->ifindex, bh_iface_role_str(f->role));
		if (f->link)
			bh_strbuf_printf(
			    o, "%s mode%s\n", mode,
			    f->info.dispatcher ? ", libxdp dispatcher" : "");
		else
			bh_strbuf_printf(o, "NOT ATTACHED: %s\n",
					 strerror(-f->err));
	}
	if (json)
		bh_strbuf_printf(o, "],");
}

static void status_rules(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	struct rule_walk w = {0};
	bool first = true;
	size_t r;
	int v;

	w.n = d->cp->n_rules + 1;
	w.v = calloc(w.n, sizeof(*w.v));
	if (!w.v) {
		o->oom = true;
		return;
	}
	bh_dp_flows(d->dp, false, count_flow, &w);
	bh_dp_flows(d->dp, true, count_flow, &w);
	if (json)
		bh_strbuf_printf(o, "\"rules\":[");
	else
		bh_strbuf_printf(o,
				 "flows by rule (in the flow tables now):\n");
	for (r = 0; r < w.n; r++) {
		const struct bh_cp_rule *rule =
		    bh_compiled_rule(d->cp, (__u32)r);
		const char *name = rule ? rule->name : "(default action)";
		unsigned long long total = 0;

		for (v = 0; v < BH_VERDICT_MAX; v++)
			total += w.v[r].flows[v];
		if (!total && !json)
			continue;
		if (json) {
			bh_strbuf_printf(o, "%s{\"rule_id\":%zu,\"name\":",
					 first ? "" : ",", r);
			first = false;
			bh_strbuf_json_str(o, name);
			bh_strbuf_printf(
			    o, ",\"action\":\"%s\"",
			    rule ? action_str(rule->action)
				 : action_str(d->cp->hdr.default_action));
			json_by_verdict(o, "flows", w.v[r].flows);
			json_by_verdict(o, "packets", w.v[r].packets);
			bh_strbuf_printf(o, "}");
			continue;
		}
		bh_strbuf_printf(o, "  %-28s", name);
		for (v = 1; v < BH_VERDICT_MAX; v++)
			if (w.v[r].flows[v])
				bh_strbuf_printf(o, " %s %llu flows/%llu pkts",
						 bh_verdict_str((unsigned)v),
						 w.v[r].flows[v],
						 w.v[r].packets[v]);
		bh_strbuf_printf(o, "\n");
	}
	if (json)
		bh_strbuf_printf(o, "],");
	free(w.v);
}

static void status_maps(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	struct bh_cp_sizes sz;
	size_t flows = 0, denied = 0;
	int i;

	bh_dp_flow_count(d->dp, false, &flows);
	bh_dp_flow_count(d->dp, true, &denied);
	bh_compiled_sizes(d->cp, &sz);
	if (json) {
		bh_strbuf_printf(o,
				 "\"maps\":{\"bh_flows\":{\"entries\":%zu,"
				 "\"capacity\":%d},\"bh_denied\":{\"entries\":"
				 "%zu,\"capacity\":%d}",
				 flows, BH_FLOW_MAP_SIZE, denied,
				 BH_DENY_MAP_SIZE);
		for (i = 0; i < BH_CP_MAP_MAX; i++) {
			bh_strbuf_printf(o, ",");
			bh_strbuf_json_str(o, sz.map[i].name);
			bh_strbuf_printf(o,
					 ":{\"entries\":%zu,\"capacity\":%zu,"
					 "\"bytes\":%zu}",
					 sz.map[i].entries, sz.map[i].capacity,
					 sz.map[i].bytes);
		}
		bh_strbuf_printf(o, "},");
		return;
	}
	bh_strbuf_printf(o, "maps (entries / capacity):\n");
	bh_strbuf_printf(o, "  %-15s %zu / %d\n", "bh_flows", flows,
			 BH_FLOW_MAP_SIZE);
	bh_strbuf_printf(o, "  %-15s %zu / %d\n", "bh_denied", denied,
			 BH_DENY_MAP_SIZE);
	for (i = 0; i < BH_CP_MAP_MAX; i++)
		bh_strbuf_printf(o, "  %-15s %zu / %zu (policy slot)\n",
				 sz.map[i].name, sz.map[i].entries,
				 sz.map[i].capacity);
}

static void status_counters(const struct bh_stats *st, struct bh_strbuf *o,
			    bool json)
{
	bool first = true;
	int i;

	if (json) {
		bh_strbuf_printf(o, "\"verdicts\":{");
		for (i = 1; i < BH_VERDICT_MAX; i++) {
			json_key(o, &first, bh_verdict_str((unsigned)i));
			bh_strbuf_printf(
			    o, "{\"packets\":%llu,\"bytes\":%llu}",
			    (unsigned long long)st->verdict_pkts[i],
			    (unsigned long long)st->verdict_bytes[i]);
		}
		first = true;
		bh_strbuf_printf(o, "},\"reasons\":{");
		for (i = 1; i < BH_REASON_MAX; i++) {
			json_key(o, &first, bh_reason_str((unsigned)i));
			bh_strbuf_printf(
			    o, "%llu", (unsigned long long)st->reason_pkts[i]);
		}
		bh_strbuf_printf(o, "},");
		return;
	}
	bh_strbuf_printf(o, "packets by verdict:\n");
	for (i = 1; i < BH_VERDICT_MAX; i++)
		bh_strbuf_printf(o, "  %-15s %llu packets, %llu bytes\n",
				 bh_verdict_str((unsigned)i),
				 (unsigned long long)st->verdict_pkts[i],
				 (unsigned long long)st->verdict_bytes[i]);
	bh_strbuf_printf(o, "packets by reason:\n");
	for (i = 1; i < BH_REASON_MAX; i++)
		if (st->reason_pkts[i])
			bh_strbuf_printf(
			    o, "  %-15s %llu\n", bh_reason_str((unsigned)i),
			    (unsigned long long)st->reason_pkts[i]);
}

/* The parts text and JSON share, in the same order. */
static void status_sections(struct bh_daemon *d, const struct bh_stats *st,
			    struct bh_strbuf *o, bool json)
{
	status_ifaces(d, o, json);
	status_counters(st, o, json);
	status_rules(d, o, json);
	status_maps(d, o, json);
}

/* Identities in force: the compiled policy's and those runtime endpoints
 * added without a switch (distinct). */
static size_t n_identities(const struct bh_daemon *d)
{
	size_t n = d->cp->n_identities, i, j;

	for (i = 0; i < d->eps.n; i++) {
		if (!d->eps.v[i].identity)
			continue;
		for (j = 0; j < i; j++)
			if (d->eps.v[j].identity == d->eps.v[i].identity)
				break;
		n += j == i;
	}
	return n;
}

/* Events the collector read from the ring (all, and deny ones). */
static unsigned long long events_read(const struct bh_daemon *d,
				      unsigned long long *deny)
{
	struct bh_collector_stats cs;

	bh_collector_stats(d->tel.col, &cs);
	if (deny)
		*deny = cs.events_deny;
	return cs.events_new_flow + cs.events_deny + cs.events_invalid;
}

static int cmd_status(struct bh_daemon *d, bool json, struct bh_strbuf *o)
{
	const struct bh_slot_cfg *h = &d->cp->hdr;
	unsigned long long read, deny_read = 0;
	struct bh_stats st;
	int err;

	err = bh_dp_stats(d->dp, &st);
	if (err) {
		bh_strbuf_printf(o, "cannot read the counters: %s",
				 strerror(-err));
		return err;
	}
	if (!json) {
		bh_strbuf_printf(o,
				 "daemon:         pid %d, up %lds, config %s\n",
				 (int)getpid(), (long)(time(NULL) - d->started),
				 d->cfg->path);
		bh_strbuf_printf(o, "on exit:        %s\n",
				 d->cfg->on_exit == BH_ON_EXIT_KEEP
				     ? "keep (fail-closed: programs stay "
				       "attached and enforce)"
				     : "detach (fail-open: programs and pins "
				       "removed)");
		bh_strbuf_printf(
		    o,
		    "policy:         generation %u, %s\n"
		    "                sha256 %s\n"
		    "                mode %s, default %s, %zu rules, "
		    "%u reloads (%u refused)\n",
		    d->generation, d->cfg->policy, d->cp->source_sha256,
		    mode_str(h->mode), action_str(h->default_action),
		    d->cp->n_rules, d->reloads, d->reload_failures);
		bh_strbuf_printf(
		    o, "identities:     %zu (runtime endpoints: %zu)\n",
		    n_identities(d), d->eps.n);
		status_sections(d, &st, o, false);
		bh_strbuf_printf(
		    o,
		    "events:         %llu sent, %llu suppressed by "
		    "the rate limit, %llu lost (ring full), %llu "
		    "read by the collector\n",
		    (unsigned long long)st.ev_sent,
		    (unsigned long long)st.ev_suppressed,
		    (unsigned long long)st.ev_ringfull, events_read(d, NULL));
		bh_tel_status(d, o, false);
		return 0;
	}
	bh_strbuf_printf(o, "{\"pid\":%d,\"uptime_s\":%ld,\"config\":",
			 (int)getpid(), (long)(time(NULL) - d->started));
	bh_strbuf_json_str(o, d->cfg->path);
	bh_strbuf_printf(o, ",\"on_exit\":\"%s\",\"policy\":{\"file\":",
			 bh_on_exit_str(d->cfg->on_exit));
	bh_strbuf_json_str(o, d->cfg->policy);
	bh_strbuf_printf(o,
			 ",\"sha256\":\"%s\",\"generation\":%u,"
			 "\"loaded_at\":%ld,\"reloads\":%u,"
			 "\"reload_failures\":%u,\"mode\":\"%s\","
			 "\"default_action\":\"%s\",\"rules\":%zu},"
			 "\"identities\":%zu,\"runtime_endpoints\":%zu,",
			 d->cp->source_sha256, d->generation,
			 (long)d->loaded_at, d->reloads, d->reload_failures,
			 mode_str(h->mode), action_str(h->default_action),
			 d->cp->n_rules, n_identities(d), d->eps.n);
	status_sections(d, &st, o, true);
	bh_tel_status(d, o, true);
	read = events_read(d, &deny_read);
	bh_strbuf_printf(o,
			 "\"events\":{\"sent\":%llu,\"suppressed\":%llu,"
			 "\"ring_full\":%llu,\"read\":%llu,\"deny_read\":%llu}}"
			 "\n",
			 (unsigned long long)st.ev_sent,
			 (unsigned long long)st.ev_suppressed,
			 (unsigned long long)st.ev_ringfull, read, deny_read);
	return 0;
}

static int cmd_endpoint_list(struct bh_daemon *d, bool json,
			     struct bh_strbuf *o)
{
	size_t i;

	if (json)
		bh_strbuf_printf(o, "[");
	else if (d->eps.n)
		bh_strbuf_printf(o, "%-39s %-20s %-10s %s\n", "ADDRESS", "NAME",
				 "IDENTITY", "LABELS");
	for (i = 0; i < d->eps.n; i++) {
		const struct bh_endpoint *e = &d->eps.v[i];
		__u32 id = bh_daemon_endpoint_identity(d, e);

		if (!json) {
			bh_strbuf_printf(o, "%-39s %-20s %-10u %s\n",
					 e->addr_str, e->name, id,
					 e->labels_str);
			continue;
		}
		bh_strbuf_printf(o, "%s{\"address\":", i ? "," : "");
		bh_strbuf_json_str(o, e->addr_str);
		bh_strbuf_printf(o, ",\"name\":");
		bh_strbuf_json_str(o, e->name);
		bh_strbuf_printf(o, ",\"identity\":%u,\"labels\":", id);
		bh_strbuf_json_str(o, e->labels_str);
		bh_strbuf_printf(o, "}");
	}
	if (json)
		bh_strbuf_printf(o, "]\n");
	return 0;
}

static bool is_json(int argc, char **argv, int at)
{
	return argc > at && !strcmp(argv[at], "json");
}

static int usage_err(struct bh_strbuf *o, const char *what)
{
	bh_strbuf_printf(o, "bad request: %s", what);
	return -EINVAL;
}

int bh_daemon_ctl(void *ctx, int argc, char **argv, struct bh_strbuf *out)
{
	struct bh_daemon *d = ctx;
	const char *cmd = argv[0];
	int err;

	if (!strcmp(cmd, "status")) {
		if (argc > 2 || (argc == 2 && !is_json(argc, argv, 1)))
			return usage_err(out, "status [json]");
		return cmd_status(d, argc == 2, out);
	}
	if (!strcmp(cmd, "reload")) {
		if (argc != 1)
			return usage_err(out, "reload");
		err = bh_daemon_reload(d, out);
		if (err) {
			/* first line: the verdict; the diagnostics follow */
			struct bh_strbuf msg = {0};

			bh_strbuf_printf(&msg,
					 "policy refused, generation %u stays "
					 "in force\n%s",
					 d->generation, out->s ? out->s : "");
			bh_strbuf_reset(out);
			bh_strbuf_append(out, msg.s ? msg.s : "", msg.len);
			bh_strbuf_release(&msg);
			pr_warn("%s", out->s ? out->s : "");
		} else {
			pr_info("reload: %s", out->s ? out->s : "");
		}
		bh_tel_reload(d, out);
		return err;
	}
	if (!strcmp(cmd, "endpoint") && argc >= 2) {
		const char *sub = argv[1];

		if (!strcmp(sub, "add") && (argc == 4 || argc == 5))
			return bh_daemon_endpoint_add(
			    d, argv[2], strcmp(argv[3], "-") ? argv[3] : "",
			    argc == 5 ? argv[4] : NULL, out);
		if (!strcmp(sub, "del") && argc == 3)
			return bh_daemon_endpoint_del(d, argv[2], out);
		if (!strcmp(sub, "list") && argc <= 3 &&
		    (argc == 2 || is_json(argc, argv, 2)))
			return cmd_endpoint_list(d, argc == 3, out);
		return usage_err(out, "endpoint add ADDR LABELS [NAME] | "
				      "endpoint del ADDR | endpoint list "
				      "[json]");
	}
	if (!strcmp(cmd, "detach")) {
		if (argc != 1)
			return usage_err(out, "detach");
		err = bh_daemon_detach_all(d, out);
		bh_strbuf_printf(out, "daemon stopping\n");
		pr_warn("detach requested: programs and pins removed, "
			"stopping\n");
		d->stop = true;
		return err;
	}
	bh_strbuf_printf(out, "unknown command '%s'", cmd);
	return -EINVAL;
}
