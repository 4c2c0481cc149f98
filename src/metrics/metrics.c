// SPDX-License-Identifier: GPL-2.0-only
#include "metrics.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "bh_version.h"
#include "detect.h"
#include "log.h"
#include "parse_num.h"

struct bh_metrics {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	char *text; /* last rendered snapshot */
	size_t len;
	unsigned int port;
};

/* ------------------------------------------------------------------------ */
/* Rendering.                                                               */

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values are escaped as the format requires. */
static void label_value(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void sample(FILE *f, const char *name, const char *label,
		   const char *value, unsigned long long v)
{
	fputs(name, f);
	if (label) {
		fprintf(f, "{%s=\"", label);
		label_value(f, value);
		fputs("\"}", f);
	}
	fprintf(f, " %llu\n", v);
}

static void sink_sample(FILE *f, const char *name, const char *url,
			const char *cause, unsigned long long v)
{
	fprintf(f, "%s{sink=\"", name);
	label_value(f, url);
	if (cause)
		fprintf(f, "\",cause=\"%s", cause);
	fprintf(f, "\"} %llu\n", v);
}

/* A family of one unlabelled sample. */
static void single(FILE *f, const char *name, const char *type,
		   const char *help, unsigned long long v)
{
	family(f, name, type, help);
	sample(f, name, NULL, NULL, v);
}

static void render_dp(FILE *f, const struct bh_stats *dp)
{
	unsigned int i;

	family(f, "bulkhead_packets_total", "counter",
	       "Packets classified by the data plane, by verdict.");
	for (i = 0; i < BH_VERDICT_MAX; i++)
		sample(f, "bulkhead_packets_total", "verdict",
		       bh_verdict_str(i), dp->verdict_pkts[i]);
	family(f, "bulkhead_bytes_total", "counter",
	       "Bytes (wire length) classified by the data plane, by verdict.");
	for (i = 0; i < BH_VERDICT_MAX; i++)
		sample(f, "bulkhead_bytes_total", "verdict", bh_verdict_str(i),
		       dp->verdict_bytes[i]);
	family(f, "bulkhead_reason_packets_total", "counter",
	       "Packets by the reason attached to their verdict (parse, drop "
	       "and conntrack reasons).");
	for (i = 0; i < BH_REASON_MAX; i++)
		sample(f, "bulkhead_reason_packets_total", "reason",
		       bh_reason_str(i), dp->reason_pkts[i]);
	single(f, "bulkhead_events_sent_total", "counter",
	       "Events written to the ring buffer.", dp->ev_sent);
	family(f, "bulkhead_events_suppressed_total", "counter",
	       "Events not written: rate limit, or ring buffer full.");
	sample(f, "bulkhead_events_suppressed_total", "cause", "rate_limit",
	       dp->ev_suppressed);
	sample(f, "bulkhead_events_suppressed_total", "cause", "ring_full",
	       dp->ev_ringfull);
	family(f, "bulkhead_flows_created_total", "counter",
	       "Flow entries created by the data plane, by map.");
	sample(f, "bulkhead_flows_created_total", "map", "bh_flows",
	       dp->flows_created);
	sample(f, "bulkhead_flows_created_total", "map", "bh_denied",
	       dp->denied_created);
}

/* A counter family by reason, with the reasons where seen[] is nonzero
 * (drop reasons only ever concern a few). */
static void by_reason(FILE *f, const char *name, const char *help,
		      const __u64 *v, const __u64 *seen)
{
	unsigned int i;

	family(f, name, "counter", help);
	for (i = 0; i < BH_REASON_MAX; i++)
		if (seen[i])
			sample(f, name, "reason", bh_reason_str(i), v[i]);
}

static void render_collector(FILE *f, const struct bh_collector_stats *c)
{
	unsigned int i;

	by_reason(
	    f, "bulkhead_drops_total",
	    "Packets dropped (enforce mode), by reason, from flow counters.",
	    c->drop_packets, c->drop_packets);
	by_reason(
	    f, "bulkhead_drop_bytes_total",
	    "Bytes dropped (enforce mode), by reason, from flow counters.",
	    c->drop_bytes, c->drop_packets);
	by_reason(
	    f, "bulkhead_audit_drops_total",
	    "Packets that would have been dropped (audit mode), by reason.",
	    c->audit_packets, c->audit_packets);
	single(f, "bulkhead_active_flows", "gauge",
	       "Flows with a record still to come.", c->flows_active);
	single(f, "bulkhead_tracked_flows", "gauge",
	       "Flows in the collector's table (active and finished).",
	       c->flows_tracked);
	single(f, "bulkhead_flows_discovered_total", "counter",
	       "Flows the collector saw.", c->flows_discovered);
	single(f, "bulkhead_flows_evicted_total", "counter",
	       "Flows the data plane's LRU maps dropped before they ended.",
	       c->flows_evicted);
	single(f, "bulkhead_flows_untracked_total", "counter",
	       "Flows the collector had no room for.",
	       c->flows_untracked + c->events_untracked);
	family(f, "bulkhead_flow_records_total", "counter",
	       "Flow records emitted, by end reason.");
	for (i = 1; i < BH_END_MAX; i++)
		sample(f, "bulkhead_flow_records_total", "end_reason",
		       bh_end_reason_str(i), c->records[i]);
	single(
	    f, "bulkhead_flow_interim_views_total", "counter",
	    "Interim views of young flows handed to detection (not records).",
	    c->interim_views);
	family(f, "bulkhead_events_received_total", "counter",
	       "Events the collector read from the ring buffer, by type.");
	sample(f, "bulkhead_events_received_total", "type", "new_flow",
	       c->events_new_flow);
	sample(f, "bulkhead_events_received_total", "type", "deny",
	       c->events_deny);
	sample(f, "bulkhead_events_received_total", "type", "invalid",
	       c->events_invalid);
	single(f, "bulkhead_collector_memory_bytes", "gauge",
	       "Memory reserved for the collector's flow table.",
	       c->memory_bytes);
}

static void render_export(FILE *f, const struct bh_export_stats *e)
{
	unsigned int i;

	single(f, "bulkhead_export_envelopes_total", "counter",
	       "Envelopes encoded (each got a sequence number).", e->envelopes);
	family(f, "bulkhead_export_dropped_total", "counter",
	       "Envelopes a destination lost: its queue was full, or a write "
	       "failed.");
	for (i = 0; i < e->n_sinks; i++) {
		sink_sample(f, "bulkhead_export_dropped_total", e->sinks[i].url,
			    "queue_full", e->sinks[i].dropped_queue_full);
		sink_sample(f, "bulkhead_export_dropped_total", e->sinks[i].url,
			    "sink_error", e->sinks[i].dropped_sink_error);
	}
	family(f, "bulkhead_export_sent_total", "counter",
	       "Envelopes written completely to a destination.");
	for (i = 0; i < e->n_sinks; i++)
		sink_sample(f, "bulkhead_export_sent_total", e->sinks[i].url,
			    NULL, e->sinks[i].envelopes);
	family(f, "bulkhead_export_queue_bytes", "gauge",
	       "Bytes waiting in a destination's queue.");
	for (i = 0; i < e->n_sinks; i++)
		sink_sample(f, "bulkhead_export_queue_bytes", e->sinks[i].url,
			    NULL, e->sinks[i].queue_bytes);
	family(f, "bulkhead_export_reconnects_total", "counter",
	       "Connections a destination had to open again.");
	for (i = 0; i < e->n_sinks; i++)
		sink_sample(f, "bulkhead_export_reconnects_total",
			    e->sinks[i].url, NULL, e->sinks[i].reconnects);
	family(f, "bulkhead_export_connected", "gauge",
	       "1 when the destination is open.");
	for (i = 0; i < e->n_sinks; i++)
		sink_sample(f, "bulkhead_export_connected", e->sinks[i].url,
			    NULL, e->sinks[i].connected);
}

/* A sample with two labels. */
static void sample2(FILE *f, const char *name, const char *l1, const char *v1,
		    const char *l2, const char *v2, unsigned long long v)
{
	fprintf(f, "%s{%s=\"", name, l1);
	label_value(f, v1);
	fprintf(f, "\",%s=\"", l2);
	label_value(f, v2);
	fprintf(f, "\"} %llu\n", v);
}

/* A family with one sample per label value. */
static void labelled(FILE *f, const char *name, const char *type,
		     const char *help, const char *label,
		     const char *const *values, const __u64 *v, unsigned int n)
{
	unsigned int i;

	family(f, name, type, help);
	for (i = 0; i < n; i++)
		sample(f, name, label, values[i], v[i]);
}

static void render_detect(FILE *f, const struct bh_detect_stats *d)
{
	static const char *const mem[] = {"allocated", "used"};
	const __u64 bytes[] = {d->mem_bytes, d->mem_used_bytes};
	struct bh_detect_table_stats t[BH_DETECT_TABLES];
	const char *tables[BH_DETECT_TABLES];
	__u64 entries[BH_DETECT_TABLES], caps[BH_DETECT_TABLES],
	    evictions[BH_DETECT_TABLES];
	unsigned int i, s,
	    n = d->n_detectors < BH_DETECT_MAX ? d->n_detectors : BH_DETECT_MAX;

	bh_detect_stats_tables(d, t);
	for (i = 0; i < BH_DETECT_TABLES; i++) {
		tables[i] = t[i].name;
		entries[i] = t[i].entries;
		caps[i] = t[i].capacity;
		evictions[i] = t[i].evictions;
	}

	family(f, "bulkhead_alerts_total", "counter",
	       "Alerts raised (new), by detector and the severity they were "
	       "raised with.");
	for (i = 0; i < n; i++)
		for (s = BH_SEV_INFO; s <= BH_SEV_CRITICAL; s++)
			sample2(f, "bulkhead_alerts_total", "detector",
				d->detector_names[i], "severity",
				bh_detect_severity_str(s), d->alerts_sev[i][s]);
	labelled(f, "bulkhead_alert_occurrences_total", "counter",
		 "Repeats folded into open alerts rather than raised again, by "
		 "detector.",
		 "detector", d->detector_names, d->aggregated, n);
	labelled(f, "bulkhead_alerts_allowlisted_total", "counter",
		 "Alerts an allowlist suppressed, by detector.", "detector",
		 d->detector_names, d->allowlisted, n);
	single(f, "bulkhead_alert_emissions_total", "counter",
	       "Alert messages emitted (new, update, closed).", d->emitted);
	single(f, "bulkhead_detect_flows_total", "counter",
	       "Flow views detection processed (records and interim views).",
	       d->flows);
	single(f, "bulkhead_detect_flows_invalid_total", "counter",
	       "Flow views detection rejected (bad times, verdict, labels).",
	       d->flows_invalid);
	single(f, "bulkhead_detect_learning", "gauge",
	       "1 while detection learns its baseline.", d->learning);
	labelled(
	    f, "bulkhead_detect_memory_bytes", "gauge",
	    "Detection state memory: allocated once at the caps, and in use.",
	    "state", mem, bytes, 2);
	labelled(f, "bulkhead_detect_table_entries", "gauge",
		 "Entries in a detection table.", "table", tables, entries,
		 BH_DETECT_TABLES);
	labelled(f, "bulkhead_detect_table_capacity", "gauge",
		 "Maximum entries of a detection table (its cap).", "table",
		 tables, caps, BH_DETECT_TABLES);
	labelled(f, "bulkhead_detect_evictions_total", "counter",
		 "Entries a full detection table evicted.", "table", tables,
		 evictions, BH_DETECT_TABLES);
}

int bh_metrics_render(const struct bh_node_stats *ns, char **text, size_t *len)
{
	FILE *f;
	unsigned int i;

	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	family(f, "bulkhead_info", "gauge", "Node name and bulkhead version.");
	fputs("bulkhead_info{node=\"", f);
	label_value(f, ns->node);
	fprintf(f, "\",version=\"%s\"} 1\n", BH_VERSION);
	single(f, "bulkhead_policy_generation", "gauge",
	       "Generation of the policy in force.", ns->policy_generation);
	if (ns->have_dp)
		render_dp(f, &ns->dp);
	if (ns->have_collector)
		render_collector(f, &ns->col);
	if (ns->n_maps) {
		family(f, "bulkhead_map_entries", "gauge",
		       "Entries in a data-plane map, as of the last poll.");
		for (i = 0; i < ns->n_maps && i < BH_NODE_MAX_MAPS; i++)
			sample(f, "bulkhead_map_entries", "map",
			       ns->maps[i].name, ns->maps[i].entries);
		family(f, "bulkhead_map_capacity", "gauge",
		       "Maximum entries of a data-plane map.");
		for (i = 0; i < ns->n_maps && i < BH_NODE_MAX_MAPS; i++)
			sample(f, "bulkhead_map_capacity", "map",
			       ns->maps[i].name, ns->maps[i].capacity);
	}
	if (ns->have_export)
		render_export(f, &ns->exp);
	if (ns->detect)
		render_detect(f, ns->detect);
	if (fclose(f)) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Serving.                                                                 */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				code == MHD_HTTP_OK
				    ? "text/plain; version=0.0.4; charset=utf-8"
				    : "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	static char not_found[] = "not found: metrics are on /metrics\n";
	static char not_allowed[] = "method not allowed\n";
	struct bh_metrics *m = cls;
	char *copy;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
			     sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&m->lock);
	len = m->len;
	copy = malloc(len ? len : 1);
	if (copy)
		memcpy(copy, m->text, len);
	pthread_mutex_unlock(&m->lock);
	if (!copy)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, copy, len, MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	pr_warn("metrics: %s%s", buf,
		buf[0] && buf[strlen(buf) - 1] == '\n' ? "" : "\n");
}

static int parse_addr(const char *addr, struct addrinfo **res)
{
	char host[256], *port;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	const char *h;
	__u64 pnum;

	if (strlen(addr) >= sizeof(host))
		return -EINVAL;
	strcpy(host, addr);
	port = strrchr(host, ':');
	if (!port || bh_parse_u64(port + 1, 65535, &pnum))
		return -EINVAL;
	*port++ = '\0';
	h = host;
	if (host[0] == '[') {
		size_t n = strlen(host);

		if (n < 3 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = '\0';
		h = host + 1;
	}
	if (getaddrinfo(*h ? h : NULL, port, &hints, res))
		return -EINVAL;
	return 0;
}

int bh_metrics_new(struct bh_metrics **out, const char *addr)
{
	const union MHD_DaemonInfo *info;
	struct addrinfo *res = NULL;
	struct bh_node_stats empty;
	struct bh_metrics *m;
	unsigned int flags;
	uint16_t port;
	int err;

	*out = NULL;
	if (!addr)
		addr = BH_METRICS_DEFAULT_ADDR;
	err = parse_addr(addr, &res);
	if (err) {
		pr_warn("metrics: bad listen address '%s' (HOST:PORT, "
			"[IPV6]:PORT or :PORT)\n",
			addr);
		return err;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		freeaddrinfo(res);
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	memset(&empty, 0, sizeof(empty));
	err = bh_metrics_render(&empty, &m->text, &m->len);
	if (err)
		goto err;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (res->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The port argument only shows in libmicrohttpd's messages: the
	 * socket address decides. */
	port = ntohs(res->ai_family == AF_INET6
			 ? ((struct sockaddr_in6 *)res->ai_addr)->sin6_port
			 : ((struct sockaddr_in *)res->ai_addr)->sin_port);
	m->daemon = MHD_start_daemon(
	    flags, port, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_SOCK_ADDR, res->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT,
	    10u, MHD_OPTION_END);
	if (!m->daemon) {
		pr_warn("metrics: cannot serve on %s (address in use, or not "
			"local?)\n",
			addr);
		err = -EADDRNOTAVAIL;
		goto err;
	}
	info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : 0;
	freeaddrinfo(res);
	*out = m;
	return 0;
err:
	freeaddrinfo(res);
	free(m->text);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return err;
}

void bh_metrics_free(struct bh_metrics **mp)
{
	struct bh_metrics *m;

	if (!mp || !*mp)
		return;
	m = *mp;
	MHD_stop_daemon(m->daemon);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m);
	*mp = NULL;
}

unsigned int bh_metrics_port(const struct bh_metrics *m)
{
	return m->port;
}

int bh_metrics_publish(struct bh_metrics *m, const struct bh_node_stats *ns)
{
	char *text, *old;
	size_t len;
	int err;

	err = bh_metrics_render(ns, &text, &len);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	free(old);
	return 0;
}
