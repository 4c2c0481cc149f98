// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's live telemetry: the collector polls bh_flows/bh_denied on a
 * timerfd and reads the ring buffer as events arrive; its records go
 * through the pipeline (GeoIP/ASN, detection) into the export sinks;
 * NodeStats envelopes on a second timer; the metrics endpoint gets a
 * snapshot after every poll. Everything runs in the event loop's thread
 * and never waits on a sink (bounded queues, writer threads) or a scrape
 * (libmicrohttpd's thread reads the last snapshot). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bpf_source.h"
#include "collector.h"
#include "daemon_int.h"
#include "export.h"
#include "flow_state.h"
#include "geo.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "print.h"
#include "sink.h"

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define NS_PER_S  1000000000ULL
#define NS_PER_US 1000ULL

/* ------------------------------------------------------------------------ */
/* Names and statistics.                                                    */

static const char *iface_of(void *ctx, __u32 ifindex,
			    enum bh_iface_kind *kind)
{
	struct bh_daemon *d = ctx;
	size_t i;

	for (i = 0; i < d->n_ifs; i++) {
		const struct bh_dif *f = &d->ifs[i];

		if ((__u32)f->ifindex != ifindex)
			continue;
		*kind = f->role == BH_IFACE_ROLE_WORKLOAD ? BH_IFACE_WORKLOAD
							  : BH_IFACE_UPLINK;
		return f->name;
	}
	return NULL;
}

/* A new names snapshot for the collector. Without one the records would
 * point into a freed policy: on failure the collector gets numbers only. */
static void names_rebuild(struct bh_daemon *d)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_flow_names_src src = {
	    .cp = d->cp,
	    .eps = &d->eps,
	    .epochs = &t->epochs,
	    .iface = iface_of,
	    .ctx = d,
	};
	struct bh_collector_resolver res;
	struct bh_flow_names *n = NULL;
	int err;

	if (!t->col)
		return;
	err = bh_flow_names_new(&n, &src);
	if (err) {
		t->names_errors++;
		pr_warn("collector: cannot build the names of policy "
			"generation %u: %s; records carry numbers only until "
			"the next change\n",
			d->generation, strerror(-err));
		bh_collector_set_resolver(t->col, NULL);
	} else {
		bh_flow_names_resolver(n, &res);
		bh_collector_set_resolver(t->col, &res);
	}
	bh_flow_names_free(&t->names);
	t->names = n;
}

void bh_tel_policy_changed(struct bh_daemon *d, bool switched)
{
	if (switched) {
		const struct bh_config *c = bh_dp_config(d->dp);

		bh_epochs_add(&d->tel.epochs,
			      __atomic_load_n(&c->epoch, __ATOMIC_ACQUIRE),
			      d->generation);
	}
	names_rebuild(d);
}

/* Detection's counters into t->det_st; NULL when detection is off. */
static const struct bh_detect_stats *detect_stats(struct bh_daemon_tel *t)
{
	struct bh_detect *det = t->pipe ? bh_pipeline_detect(t->pipe) : NULL;

	if (!det)
		return NULL;
	bh_detect_stats(det, &t->det_st);
	return &t->det_st;
}

static void node_stats(struct bh_daemon *d, struct bh_node_stats *ns)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_stats dp;
	bool have_dp = !bh_dp_stats(d->dp, &dp);

	bh_node_stats_collect(ns, t->node, have_dp ? &dp : NULL, t->col, t->src,
			      t->exp, d->generation);
	ns->detect = detect_stats(t);
}

static void metrics_publish(struct bh_daemon *d)
{
	struct bh_node_stats ns;
	int err;

	if (!d->tel.metrics)
		return;
	node_stats(d, &ns);
	err = bh_metrics_publish(d->tel.metrics, &ns);
	if (err)
		pr_warn("metrics: cannot render the snapshot: %s\n",
			strerror(-err));
}

/* ------------------------------------------------------------------------ */
/* The loop's handlers.                                                     */

static __u64 mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000ULL + (__u64)ts.tv_nsec / 1000;
}

/* One step of a pass over the flow maps: at most this many entries, so
 * that control requests, link events and signals wait a few milliseconds
 * at most, however large the maps are. */
#ifndef BH_POLL_STEP_ENTRIES
#define BH_POLL_STEP_ENTRIES 8192
#endif

static void tel_poll_step(struct bh_daemon *d)
{
	struct bh_daemon_tel *t = &d->tel;
	__u64 t0 = mono_us(), us;
	int err;

	err = bh_bpf_source_poll_step(t->src, t->clk.now_ns(&t->clk),
				      BH_POLL_STEP_ENTRIES);
	us = mono_us() - t0;
	t->pass_us += us;
	if (us > t->step_max_us)
		t->step_max_us = us;
	t->polling = !err;
	if (!err)
		return;
	t->polls++;
	if (err < 0) {
		/* a partial pass ends no flow; the next poll tries again */
		t->poll_errors++;
		if (t->poll_errors == 1 || !(t->poll_errors % 100))
			pr_warn("collector: poll failed (%llu so far): %s\n",
				t->poll_errors, strerror(-err));
	}
	/* detection windows move with the clock when no record comes */
	bh_pipeline_advance(t->pipe, bh_clock_wall_now_ns());
	t->poll_last_us = t->pass_us;
	if (t->pass_us > t->poll_max_us)
		t->poll_max_us = t->pass_us;
	metrics_publish(d);
}

bool bh_tel_pending(const struct bh_daemon *d)
{
	return d->tel.polling;
}

void bh_tel_step(struct bh_daemon *d)
{
	if (d->tel.polling)
		tel_poll_step(d);
}

/* Expirations of a timerfd (nonblocking): none when it was not due. */
static bool timer_due(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) == sizeof(n) && n;
}

static void poll_event(struct bh_ev_source *src, uint32_t events)
{
	struct bh_daemon *d =
	    container_of(src, struct bh_daemon, tel.poll_timer);

	(void)events;
	if (!timer_due(src->fd))
		return;
	if (d->tel.polling) {
		/* the last pass is still going: this poll is not needed */
		d->tel.polls_skipped++;
		return;
	}
	d->tel.pass_us = 0;
	tel_poll_step(d);
}

static void send_stats(struct bh_daemon *d)
{
	struct bh_node_stats ns;

	node_stats(d, &ns);
	if (!bh_export_node_stats(d->tel.exp, &ns))
		d->tel.stats_sent++;
}

static void stats_event(struct bh_ev_source *src, uint32_t events)
{
	struct bh_daemon *d =
	    container_of(src, struct bh_daemon, tel.stats_timer);

	(void)events;
	if (timer_due(src->fd))
		send_stats(d);
}

static void ring_event(struct bh_ev_source *src, uint32_t events)
{
	struct bh_daemon *d = container_of(src, struct bh_daemon, tel.ring);

	(void)events;
	/* errors are logged by the source; the next poll drains the ring */
	bh_bpf_source_events(d->tel.src, 0);
}

static int timer_open(struct bh_daemon *d, struct bh_ev_source *src,
		      bh_ev_fn fn, __u64 interval_ns)
{
	struct itimerspec its = {
	    .it_interval = {(time_t)(interval_ns / NS_PER_S),
			    (long)(interval_ns % NS_PER_S)},
	};
	int err;

	its.it_value = its.it_interval;
	src->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (src->fd < 0)
		return -errno;
	src->fn = fn;
	if (timerfd_settime(src->fd, 0, &its, NULL))
		return -errno;
	err = bh_loop_add(&d->loop, src, EPOLLIN);
	return err;
}

static void source_close(struct bh_daemon *d, struct bh_ev_source *src,
			 bool owned)
{
	if (src->fd < 0)
		return;
	bh_loop_del(&d->loop, src);
	if (owned)
		close(src->fd);
	src->fd = -1;
}

/* ------------------------------------------------------------------------ */
/* GeoIP.                                                                   */

/* bh_geo_open() says which file it refused in the log only: open each
 * configured database alone to name it in a reply or on stderr. */
static void geo_blame(const struct bh_geo_config *cfg, int err,
		      struct bh_strbuf *o)
{
	const char *paths[2] = {cfg->city_db, cfg->asn_db};
	const char *keys[2] = {"city_db", "asn_db"};
	bool named = false;
	int i;

	for (i = 0; i < 2; i++) {
		struct bh_geo_config one = *cfg;
		struct bh_geo *g = NULL;
		int e;

		if (!paths[i][0])
			continue;
		one.city_db[0] = '\0';
		one.asn_db[0] = '\0';
		strcpy(i ? one.asn_db : one.city_db, paths[i]);
		e = bh_geo_open(&g, &one);
		bh_geo_free(&g);
		if (!e && access(paths[i], F_OK) == 0)
			continue;
		if (!e)
			e = -ENOENT; /* gone: an error only on reload */
		bh_strbuf_printf(o, "geoip.%s %s: %s\n", keys[i], paths[i],
				 e == -EMEDIUMTYPE ? "not a database of that "
						     "type"
				 : e == -EBADMSG   ? "corrupt MaxMind DB file"
						   : strerror(-e));
		named = true;
	}
	if (!named)
		bh_strbuf_printf(o, "geoip: %s\n", strerror(-err));
}

static int geo_start(struct bh_daemon *d, FILE *errf)
{
	struct bh_strbuf why = {0};
	int err;

	if (!d->cfg->geo_enabled)
		return 0;
	err = bh_geo_open(&d->tel.geo, &d->cfg->geo);
	if (!err) {
		if (!bh_geo_enabled(d->tel.geo))
			pr_warn("geoip: no database open: enrichment is "
				"off\n");
		return 0;
	}
	geo_blame(&d->cfg->geo, err, &why);
	fprintf(errf, "bulkhead: cannot open the GeoIP databases:\n%s",
		why.s ? why.s : "");
	bh_strbuf_release(&why);
	return err;
}

void bh_tel_reload(struct bh_daemon *d, struct bh_strbuf *msgs)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_strbuf why = {0};
	int err;

	if (!t->geo)
		return;
	/* geo lookups happen in this thread only: no poll runs meanwhile */
	err = bh_geo_reload(t->geo, &d->cfg->geo);
	if (!err) {
		t->geo_reloads++;
		bh_strbuf_printf(msgs, "geoip: databases reopened\n");
		return;
	}
	t->geo_reload_failures++;
	geo_blame(&d->cfg->geo, err, &why);
	bh_strbuf_printf(msgs,
			 "warning: geoip: new databases refused, the ones in "
			 "force stay: %s",
			 why.s ? why.s : "\n");
	pr_warn("geoip: reload refused, the databases in force stay:\n%s",
		why.s ? why.s : "");
	bh_strbuf_release(&why);
}

/* ------------------------------------------------------------------------ */
/* Start and stop.                                                          */

/* The directory of path, created (0755) when missing, must be writable: a
 * telemetry file or baseline that cannot be written is refused at start
 * rather than counted as write errors later. */
static int writable_dir(const char *what, const char *path, FILE *errf)
{
	char dir[PATH_MAX];
	int err;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	err = bh_daemon_mkdir_p(dir, 0755);
	if (!err && access(dir, W_OK))
		err = -errno;
	if (err)
		fprintf(errf,
			"bulkhead: %s: cannot write %s: directory %s: %s\n",
			what, path, dir, strerror(-err));
	return err;
}

static int check_sink(const char *url, FILE *errf)
{
	struct bh_sink_url u;
	char why[256];

	if (bh_sink_url_parse(url, &u, why, sizeof(why)) ||
	    u.type != BH_SINK_FILE)
		return 0;
	return writable_dir("export", u.path, errf);
}

static int export_start(struct bh_daemon *d, FILE *errf)
{
	const struct bh_daemon_export *ec = &d->cfg->exp;
	struct bh_export_opts eo;
	size_t i;
	int err;

	if (!ec->n_sinks)
		return 0;
	for (i = 0; i < ec->n_sinks; i++) {
		err = check_sink(ec->sinks[i], errf);
		if (err)
			return err;
	}
	bh_export_opts_default(&eo);
	eo.node_id = d->tel.node;
	eo.queue_bytes = (size_t)ec->queue_bytes;
	err = bh_export_new(&d->tel.exp, &eo);
	for (i = 0; !err && i < ec->n_sinks; i++) {
		err = bh_export_add_sink(d->tel.exp, ec->sinks[i]);
		if (err)
			fprintf(errf, "bulkhead: export: cannot start %s: %s\n",
				ec->sinks[i], strerror(-err));
	}
	return err;
}

/* A new alert goes to the log too, one line as `bulkhead observe` prints
 * it: the journal shows it even where no export destination is set. */
static void on_alert(void *ctx, const struct bh_detect_alert *a,
		     const Bulkhead__Telemetry__V1__Alert *pb)
{
	struct bh_daemon *d = ctx;
	Bulkhead__Telemetry__V1__Envelope env;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (a->state != BH_ALERT_NEW)
		return;
	bulkhead__telemetry__v1__envelope__init(&env);
	env.node_id = d->tel.node;
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_ALERT;
	env.alert = (Bulkhead__Telemetry__V1__Alert *)pb;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	bh_print_text(f, &env);
	if (!fclose(f) && len)
		pr_warn("alert: %s", text);
	free(text);
}

static int pipeline_start(struct bh_daemon *d, FILE *errf)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_pipeline_opts po = {0};
	struct bh_detect_config dc;
	int err;

	po.geo = t->geo;
	po.export = t->exp;
	po.on_alert = on_alert;
	po.ctx = d;
	/* plugged into detection when both run (and it is enabled) */
	if (d->cfg->geo_enabled)
		po.geo_novelty = &d->cfg->geo.novelty;
	if (d->cfg->detect_enabled) {
		/* a shallow copy: the engine copies what it keeps */
		dc = d->cfg->detect;
		t->baseline = dc.baseline_path;
		err = t->baseline ? writable_dir("detect.learning.baseline",
						 t->baseline, errf)
				  : 0;
		if (err)
			return err;
		if (dc.baseline_path && access(dc.baseline_path, F_OK)) {
			pr_info("detect: no baseline at %s yet: learning "
				"from scratch, it is written at stop\n",
				dc.baseline_path);
			dc.baseline_path = NULL;
		}
		po.detect = &dc;
	}
	err = bh_pipeline_new(&t->pipe, &po);
	if (err)
		fprintf(errf, "bulkhead: cannot start detection%s%s: %s\n",
			t->baseline ? " with the baseline " : "",
			t->baseline ? t->baseline : "", strerror(-err));
	else if (po.detect && dc.baseline_path)
		pr_info("detect: baseline loaded from %s\n", dc.baseline_path);
	return err;
}

static void flow_state_path(struct bh_daemon *d, char *path, size_t len)
{
	snprintf(path, len, "%s/flows.state", d->cfg->state_dir);
}

/* What the last instance reported after it died (no state file): kept,
 * record by record, in the pinned bh_reported map. */
static void reported_load(struct bh_daemon *d)
{
	size_t adopted, skipped;
	int err;

	err = bh_bpf_source_adopt_reported(d->tel.src, &adopted, &skipped);
	if (err)
		pr_warn("collector: cannot read what the last instance "
			"reported (bh_reported): %s; flows in the maps are "
			"reported from their start\n",
			strerror(-err));
	else
		pr_info("collector: %zu flows reported by the last instance, "
			"which did not stop cleanly, taken from bh_reported "
			"(%zu skipped): only their later packets are "
			"reported\n",
			adopted, skipped);
}

/* The flows the last instance reported, before the first poll reads the
 * maps it left running: its state file after a clean stop, else what it
 * kept in bh_reported. The file is used once: a later crash must not bring
 * it back. */
static void flow_state_load(struct bh_daemon *d)
{
	size_t adopted, skipped;
	char path[PATH_MAX], why[128];
	int err;

	flow_state_path(d, path, sizeof(path));
	err = bh_flow_state_load(d->tel.col, path, &adopted, &skipped, why,
				 sizeof(why));
	if (err == -ENOENT) {
		pr_info("collector: no flow state at %s\n", path);
		reported_load(d);
		return;
	}
	if (err) {
		pr_warn("collector: flow state %s not used: %s\n", path,
			err == -EINVAL ? why : strerror(-err));
		reported_load(d);
	} else {
		pr_info("collector: %zu flows reported by the last instance "
			"taken from %s (%zu skipped): only their later packets "
			"are reported\n",
			adopted, path, skipped);
	}
	unlink(path);
}

/* At a stop that leaves the data plane running: what was reported, for the
 * next instance. Any other stop leaves no state behind. */
static void flow_state_save(struct bh_daemon *d)
{
	char path[PATH_MAX];
	size_t n;
	int err;

	flow_state_path(d, path, sizeof(path));
	if (!d->running || d->detached ||
	    d->cfg->on_exit != BH_ON_EXIT_KEEP) {
		unlink(path);
		return;
	}
	err = bh_flow_state_save(d->tel.col, path, &n);
	if (err)
		pr_warn("collector: cannot save the flow state to %s: %s; the "
			"next instance reports the flows in the maps from "
			"their start\n",
			path, strerror(-err));
	else
		pr_info("collector: flow state of %zu flows saved to %s\n", n,
			path);
}

static int collector_start(struct bh_daemon *d, FILE *errf)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_bpf_source_opts so = {0};
	struct bh_collector_opts co;
	int err;

	bh_clock_init_live(&t->clk);
	bh_collector_opts_default(&co);
	co.node = t->node;
	co.idle_timeout_ns = d->cfg->collector.idle_timeout_ns;
	co.active_timeout_ns = d->cfg->collector.active_timeout_ns;
	co.clock = &t->clk;
	co.emit = bh_pipeline_record;
	co.emit_ctx = t->pipe;
	/* detection judges a connection attempt within seconds, before its
	 * record (which waits for the flow to end) */
	co.interim_window_ns = bh_pipeline_interim_window(t->pipe);
	if (co.interim_window_ns) {
		co.interim = bh_pipeline_interim;
		co.interim_ctx = t->pipe;
	}
	err = bh_collector_new(&t->col, &co);
	if (err) {
		fprintf(errf, "bulkhead: cannot start the collector: %s\n",
			strerror(-err));
		return err;
	}
	names_rebuild(d);
	so.flows_fd = bh_dp_map_fd(d->dp, "bh_flows");
	so.denied_fd = bh_dp_map_fd(d->dp, "bh_denied");
	so.events_fd = bh_dp_map_fd(d->dp, "bh_events");
	so.reported_fd = bh_dp_map_fd(d->dp, "bh_reported");
	err = bh_bpf_source_new(&t->src, t->col, &so);
	if (err) {
		fprintf(errf,
			"bulkhead: cannot read the data plane's maps: %s\n",
			strerror(-err));
		return err;
	}
	if (bh_dp_adopted(d->dp))
		flow_state_load(d);
	/* The ring's own fd polls readable while it holds data; events are
	 * read as they come, and every poll drains what is left. */
	t->ring.fd = so.events_fd;
	t->ring.fn = ring_event;
	err = bh_loop_add(&d->loop, &t->ring, EPOLLIN);
	if (!err)
		err = timer_open(d, &t->poll_timer, poll_event,
				 d->cfg->collector.poll_interval_ns);
	if (err)
		fprintf(errf, "bulkhead: cannot schedule the collector: %s\n",
			strerror(-err));
	return err;
}

int bh_tel_start(struct bh_daemon *d, FILE *errf)
{
	struct bh_daemon_tel *t = &d->tel;
	int err;

	if (d->cfg->exp.node_id)
		snprintf(t->node, sizeof(t->node), "%s", d->cfg->exp.node_id);
	else if (gethostname(t->node, sizeof(t->node) - 1))
		snprintf(t->node, sizeof(t->node), "unknown");
	err = geo_start(d, errf);
	err = err ?: export_start(d, errf);
	err = err ?: pipeline_start(d, errf);
	err = err ?: collector_start(d, errf);
	if (err)
		return err;
	if (t->exp && d->cfg->exp.stats_interval_ns) {
		err = timer_open(d, &t->stats_timer, stats_event,
				 d->cfg->exp.stats_interval_ns);
		if (err) {
			fprintf(errf,
				"bulkhead: cannot schedule NodeStats: %s\n",
				strerror(-err));
			return err;
		}
	}
	if (d->cfg->metrics.enabled) {
		err = bh_metrics_new(&t->metrics, d->cfg->metrics.listen);
		if (err) {
			fprintf(errf,
				"bulkhead: cannot serve metrics on %s: %s\n",
				d->cfg->metrics.listen, strerror(-err));
			return err;
		}
		metrics_publish(d);
	}
	pr_info(
	    "telemetry: node %s, poll every %llu ms, %zu export "
	    "destinations, detection %s, geoip %s, metrics %s\n",
	    t->node,
	    (unsigned long long)(d->cfg->collector.poll_interval_ns / 1000000),
	    d->cfg->exp.n_sinks, bh_pipeline_detect(t->pipe) ? "on" : "off",
	    bh_geo_enabled(t->geo) ? "on" : "off",
	    t->metrics ? d->cfg->metrics.listen : "off");
	return 0;
}

static void save_baseline(struct bh_daemon_tel *t)
{
	struct bh_detect *det = bh_pipeline_detect(t->pipe);

	if (!det || !t->baseline)
		return;
	/* written whole or not at all; a failure is logged by the library */
	if (!bh_detect_baseline_save(det, t->baseline))
		pr_info("detect: baseline saved to %s\n", t->baseline);
}

void bh_tel_stop(struct bh_daemon *d)
{
	struct bh_daemon_tel *t = &d->tel;

	source_close(d, &t->poll_timer, true);
	source_close(d, &t->stats_timer, true);
	source_close(d, &t->ring, false); /* the map's fd: the loader's */
	/* The metrics thread only reads its snapshot: stop it first. */
	bh_metrics_free(&t->metrics);
	if (t->src) {
		__u64 now = t->clk.now_ns(&t->clk);

		/* the pass in progress, if any, and a whole one for what
		 * happened since; then a record for every flow */
		if (t->polling)
			bh_bpf_source_poll(t->src, now);
		bh_bpf_source_poll(t->src, now);
		bh_collector_flush(t->col, now);
		flow_state_save(d);
	}
	if (t->pipe) {
		bh_pipeline_flush(t->pipe);
		/* not after a start that failed: nothing was learned */
		if (d->running)
			save_baseline(t);
	}
	if (t->exp)
		send_stats(d);
	bh_bpf_source_free(&t->src);
	bh_collector_free(&t->col);
	bh_pipeline_free(&t->pipe);
	bh_export_free(&t->exp); /* delivers what is queued, within 2 s */
	bh_geo_free(&t->geo);
	bh_flow_names_free(&t->names);
}

/* ------------------------------------------------------------------------ */
/* Status.                                                                  */

static void status_collector(struct bh_daemon *d, struct bh_strbuf *o,
			     bool json)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_collector_stats cs;
	unsigned int i;

	bh_collector_stats(t->col, &cs);
	if (json) {
		bh_strbuf_printf(
		    o,
		    "\"collector\":{\"poll_interval_ms\":%llu,\"polls\":%llu,"
		    "\"poll_errors\":%llu,\"polls_skipped\":%llu,"
		    "\"poll_last_us\":%llu,\"poll_max_us\":%llu,"
		    "\"poll_step_max_us\":%llu,\"flows_active\":%llu,"
		    "\"flows_tracked\":%llu,\"flows_capacity\":%llu,"
		    "\"flows_discovered\":%llu,\"flows_evicted\":%llu,"
		    "\"flows_untracked\":%llu,\"records\":%llu,"
		    "\"records_by_end\":{",
		    (unsigned long long)(d->cfg->collector.poll_interval_ns /
					 1000000),
		    t->polls, t->poll_errors, t->polls_skipped, t->poll_last_us,
		    t->poll_max_us, t->step_max_us,
		    (unsigned long long)cs.flows_active,
		    (unsigned long long)cs.flows_tracked,
		    (unsigned long long)cs.flows_capacity,
		    (unsigned long long)cs.flows_discovered,
		    (unsigned long long)cs.flows_evicted,
		    (unsigned long long)(cs.flows_untracked +
					 cs.events_untracked),
		    (unsigned long long)cs.records_total);
		for (i = 1; i < BH_END_MAX; i++)
			bh_strbuf_printf(o, "%s\"%s\":%llu", i > 1 ? "," : "",
					 bh_end_reason_str(i),
					 (unsigned long long)cs.records[i]);
		bh_strbuf_printf(
		    o,
		    "},\"interim_views\":%llu,\"events\":{\"new_flow\":%llu,"
		    "\"deny\":%llu,\"invalid\":%llu}},",
		    (unsigned long long)cs.interim_views,
		    (unsigned long long)cs.events_new_flow,
		    (unsigned long long)cs.events_deny,
		    (unsigned long long)cs.events_invalid);
		return;
	}
	bh_strbuf_printf(
	    o,
	    "collector:      poll every %llu ms: %llu polls (%llu "
	    "failed, %llu skipped), last %llu us, max %llu us, longest "
	    "step %llu us\n",
	    (unsigned long long)(d->cfg->collector.poll_interval_ns / 1000000),
	    t->polls, t->poll_errors, t->polls_skipped, t->poll_last_us,
	    t->poll_max_us, t->step_max_us);
	bh_strbuf_printf(
	    o,
	    "                flows: %llu active, %llu tracked of %llu, %llu "
	    "seen, %llu evicted, %llu untracked\n",
	    (unsigned long long)cs.flows_active,
	    (unsigned long long)cs.flows_tracked,
	    (unsigned long long)cs.flows_capacity,
	    (unsigned long long)cs.flows_discovered,
	    (unsigned long long)cs.flows_evicted,
	    (unsigned long long)(cs.flows_untracked + cs.events_untracked));
	bh_strbuf_printf(o, "                records: %llu (",
			 (unsigned long long)cs.records_total);
	for (i = 1; i < BH_END_MAX; i++)
		bh_strbuf_printf(o, "%s%s %llu", i > 1 ? ", " : "",
				 bh_end_reason_str(i),
				 (unsigned long long)cs.records[i]);
	bh_strbuf_printf(o, "), %llu interim views for detection\n",
			 (unsigned long long)cs.interim_views);
}

static void status_export(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	struct bh_export_stats es;
	unsigned int i;

	if (!d->tel.exp) {
		bh_strbuf_printf(o, json ? "\"export\":null,"
					 : "export:         off (no sinks)\n");
		return;
	}
	bh_export_stats(d->tel.exp, &es);
	if (json) {
		bh_strbuf_printf(o, "\"export\":{\"node_id\":");
		bh_strbuf_json_str(o, d->tel.node);
		bh_strbuf_printf(o,
				 ",\"envelopes\":%llu,\"dropped\":%llu,"
				 "\"node_stats\":%llu,\"sinks\":[",
				 (unsigned long long)es.envelopes,
				 (unsigned long long)es.dropped,
				 d->tel.stats_sent);
	} else {
		bh_strbuf_printf(
		    o,
		    "export:         node %s: %llu envelopes, %llu "
		    "dropped, %llu NodeStats\n",
		    d->tel.node, (unsigned long long)es.envelopes,
		    (unsigned long long)es.dropped, d->tel.stats_sent);
	}
	for (i = 0; i < es.n_sinks; i++) {
		const struct bh_sink_stats *s = &es.sinks[i];

		if (!json) {
			bh_strbuf_printf(
			    o,
			    "  %s: %llu sent, %llu dropped (queue full %llu, "
			    "errors %llu), %llu bytes queued, %s\n",
			    s->url, (unsigned long long)s->envelopes,
			    (unsigned long long)(s->dropped_queue_full +
						 s->dropped_sink_error),
			    (unsigned long long)s->dropped_queue_full,
			    (unsigned long long)s->dropped_sink_error,
			    (unsigned long long)s->queue_bytes,
			    s->connected ? "open" : "NOT OPEN");
			continue;
		}
		bh_strbuf_printf(o, "%s{\"url\":", i ? "," : "");
		bh_strbuf_json_str(o, s->url);
		bh_strbuf_printf(o,
				 ",\"sent\":%llu,\"bytes\":%llu,"
				 "\"dropped_queue_full\":%llu,"
				 "\"dropped_sink_error\":%llu,"
				 "\"reconnects\":%llu,\"queue_bytes\":%llu,"
				 "\"connected\":%s}",
				 (unsigned long long)s->envelopes,
				 (unsigned long long)s->bytes,
				 (unsigned long long)s->dropped_queue_full,
				 (unsigned long long)s->dropped_sink_error,
				 (unsigned long long)s->reconnects,
				 (unsigned long long)s->queue_bytes,
				 s->connected ? "true" : "false");
	}
	if (json)
		bh_strbuf_printf(o, "]},");
}

static void status_detect(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	const struct bh_detect_stats *st = detect_stats(&d->tel);
	bool first = true;
	unsigned int i;

	if (!st) {
		bh_strbuf_printf(o, json ? "\"detection\":null,"
					 : "detection:      off\n");
		return;
	}
	if (json) {
		bh_strbuf_printf(o,
				 "\"detection\":{\"learning\":%s,\"flows\":"
				 "%llu,\"alerts_open\":%u,\"emitted\":%llu,"
				 "\"memory_bytes\":%llu,\"baseline\":",
				 st->learning ? "true" : "false",
				 (unsigned long long)st->flows, st->alerts_open,
				 (unsigned long long)st->emitted,
				 (unsigned long long)st->mem_bytes);
		if (d->tel.baseline)
			bh_strbuf_json_str(o, d->tel.baseline);
		else
			bh_strbuf_printf(o, "null");
		bh_strbuf_printf(o, ",\"alerts\":{");
		for (i = 0; i < st->n_detectors; i++) {
			bh_strbuf_printf(o, "%s", i ? "," : "");
			bh_strbuf_json_str(o, st->detector_names[i]);
			bh_strbuf_printf(o, ":%llu",
					 (unsigned long long)st->alerts[i]);
		}
		bh_strbuf_printf(o, "}},");
		return;
	}
	bh_strbuf_printf(o,
			 "detection:      %s, %llu flows, %u alerts open, "
			 "%llu MiB of state\n                alerts:",
			 st->learning ? "learning" : "detecting",
			 (unsigned long long)st->flows, st->alerts_open,
			 (unsigned long long)(st->mem_bytes >> 20));
	for (i = 0; i < st->n_detectors; i++) {
		if (!st->alerts[i])
			continue;
		bh_strbuf_printf(o, "%s %s %llu", first ? "" : ",",
				 st->detector_names[i],
				 (unsigned long long)st->alerts[i]);
		first = false;
	}
	bh_strbuf_printf(o, "%s\n", first ? " none" : "");
}

static void status_geo(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	struct bh_daemon_tel *t = &d->tel;
	struct bh_geo_db_desc db[BH_GEO_DB_MAX];
	struct bh_geo_stats gs;
	int i;

	if (!t->geo) {
		bh_strbuf_printf(o, json ? "\"geoip\":null,"
					 : "geoip:          off\n");
		return;
	}
	bh_geo_get_stats(t->geo, &gs);
	for (i = 0; i < BH_GEO_DB_MAX; i++)
		bh_geo_db_info(t->geo, (enum bh_geo_db_kind)i, &db[i]);
	if (json) {
		bh_strbuf_printf(o, "\"geoip\":{");
		for (i = 0; i < BH_GEO_DB_MAX; i++) {
			bh_strbuf_printf(o, "\"%s\":",
					 i == BH_GEO_DB_CITY ? "city_db"
							     : "asn_db");
			if (!db[i].open) {
				bh_strbuf_printf(o, "null,");
				continue;
			}
			bh_strbuf_printf(o, "{\"path\":");
			bh_strbuf_json_str(o, db[i].path);
			bh_strbuf_printf(o, ",\"type\":");
			bh_strbuf_json_str(o, db[i].database_type);
			bh_strbuf_printf(o, ",\"build_epoch\":%llu},",
					 (unsigned long long)db[i].build_epoch);
		}
		bh_strbuf_printf(o,
				 "\"lookups\":%llu,\"found\":%llu,"
				 "\"reloads\":%u,\"reload_failures\":%u},",
				 (unsigned long long)gs.lookups,
				 (unsigned long long)gs.found, t->geo_reloads,
				 t->geo_reload_failures);
		return;
	}
	bh_strbuf_printf(o, "geoip:         ");
	for (i = 0; i < BH_GEO_DB_MAX; i++)
		bh_strbuf_printf(o, " %s %s%s%s%s", i ? "asn" : "city",
				 db[i].open ? db[i].database_type : "off",
				 db[i].open ? " (" : "",
				 db[i].open ? db[i].path : "",
				 db[i].open ? ")" : "");
	bh_strbuf_printf(o,
			 "\n                %llu lookups, %llu found, %u "
			 "reloads (%u refused)\n",
			 (unsigned long long)gs.lookups,
			 (unsigned long long)gs.found, t->geo_reloads,
			 t->geo_reload_failures);
}

void bh_tel_status(struct bh_daemon *d, struct bh_strbuf *o, bool json)
{
	status_collector(d, o, json);
	status_export(d, o, json);
	status_detect(d, o, json);
	status_geo(d, o, json);
	if (json) {
		bh_strbuf_printf(o, "\"metrics\":");
		if (d->tel.metrics) {
			bh_strbuf_printf(o, "{\"listen\":");
			bh_strbuf_json_str(o, d->cfg->metrics.listen);
			bh_strbuf_printf(o, ",\"port\":%u},",
					 bh_metrics_port(d->tel.metrics));
		} else
			bh_strbuf_printf(o, "null,");
		return;
	}
	if (d->tel.metrics)
		bh_strbuf_printf(o, "metrics:        %s (port %u), /metrics\n",
				 d->cfg->metrics.listen,
				 bh_metrics_port(d->tel.metrics));
	else
		bh_strbuf_printf(o, "metrics:        off\n");
}
