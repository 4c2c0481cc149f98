// SPDX-License-Identifier: GPL-2.0-only
/* The replay run: capture -> engine -> collector -> pipeline -> outputs,
 * all on packet time. See replay.h. */
#include "replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "collector.h"
#include "encode.h"
#include "export.h"
#include "log.h"
#include "pipeline.h"
#include "flowpoll.h"
#include "native.h"
#include "print.h"
#include "report.h"
#include "policy_names.h"
#include "resolver_cache.h"
#include "worker.h"

struct bh_replay {
	const struct bh_replay_opts *o;
	struct bh_capture *cap;
	struct bh_engine *eng;
	struct bh_native *native; /* eng's, when native */
	struct bh_collector *col;
	struct bh_replay_poller *poller;
	struct bh_clock clk;
	struct bh_policy_names *names;
	struct bh_collector_resolver names_res; /* the policy's names */
	struct bh_resolver_cache *names_cache;  /* ... remembered: */
	struct bh_collector_resolver resolver;
	/* the same for the pipeline thread, which makes the records */
	struct bh_resolver_cache *worker_names_cache;
	struct bh_collector_resolver worker_resolver;
	struct bh_pipeline *pipe;
	struct bh_replay_worker *worker; /* runs pipe; NULL: this thread */
	struct bh_export *exp;
	struct bh_report *rep;
	pcap_t *dead;
	pcap_dumper_t *denied;
	FILE *pkt_out;
	__u64 now;       /* packet time, never moving backwards */
	__u64 next_poll; /* packet time of the next collector poll */
	__u64 settle_ns; /* quiet this long: every collector timeout fired */
	__u64 first_ns, last_ns;
	__u64 packets;
	__u64 printed;
	/* progress */
	struct timespec t0, t_last;
	bool progress_shown;
	/* the progress bar (this thread) and printed records (the pipeline's
	 * thread) share the terminal */
	pthread_mutex_t term;
};

/* Export timestamps follow packet time: two runs, identical bytes. The
 * exporter takes a plain function, hence one replay per process. */
static __u64 bh_replay_time;

static __u64 bh_replay_wall_now(void)
{
	return bh_replay_time;
}

/* On the thread that runs the pipeline. */
static void bh_replay_set_time(__u64 now)
{
	bh_replay_time = now;
}

static double bh_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Progress on a terminal: packets, percent of the input, rate.             */

static void bh_replay_progress(struct bh_replay *r, bool final)
{
	struct timespec now;
	__u64 done, total;
	double pct, secs;
	int bar, i;

	if (!r->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && bh_elapsed(&r->t_last, &now) < 0.2)
		return;
	r->t_last = now;
	pthread_mutex_lock(&r->term);
	bh_capture_progress(r->cap, &done, &total);
	pct = total ? 100.0 * (double)done / (double)total : 0;
	secs = bh_elapsed(&r->t0, &now);
	bar = (int)(pct / 5);
	fputs("\r[", stderr);
	for (i = 0; i < 20; i++)
		fputc(i < bar ? '#' : '.', stderr);
	fprintf(stderr, "] %5.1f%%  %llu packets  %.0f packets/s ", pct,
		(unsigned long long)r->packets,
		secs > 0 ? (double)r->packets / secs : 0.0);
	r->progress_shown = true;
	if (final)
		fputs("\r\033[K", stderr); /* leave the terminal clean */
	pthread_mutex_unlock(&r->term);
}

/* ------------------------------------------------------------------------ */
/* Outputs of records and alerts.                                           */

static bool bh_replay_wants_flow(const struct bh_replay *r,
				 const struct bh_flow_record *rec)
{
	switch (r->o->flows) {
	case BH_REPLAY_FLOWS_NONE:
		return false;
	case BH_REPLAY_FLOWS_DENIED:
		return rec->verdict == BH_VERDICT_DENY ||
		       rec->verdict == BH_VERDICT_AUDIT;
	default:
		return true;
	}
}

static void bh_replay_print_env(struct bh_replay *r,
				Bulkhead__Telemetry__V1__Envelope *env)
{
	env->node_id = (char *)(r->o->node ? r->o->node : "replay");
	env->seq = r->printed++;
	pthread_mutex_lock(&r->term);
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = false;
	}
	if (r->o->format == BH_REPLAY_JSON)
		bh_print_json(r->o->out, env);
	else
		bh_print_text(r->o->out, env);
	pthread_mutex_unlock(&r->term);
}

static void bh_replay_on_record(void *ctx, const struct bh_flow_record *rec)
{
	struct bh_replay *r = ctx;
	Bulkhead__Telemetry__V1__Envelope env;
	struct bh_pb_flow pb;

	bh_report_record(r->rep, rec);
	if (!bh_replay_wants_flow(r, rec))
		return;
	bh_pb_flow_init(&pb, rec);
	bulkhead__telemetry__v1__envelope__init(&env);
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW;
	env.flow = &pb.flow;
	bh_replay_print_env(r, &env);
}

static void bh_replay_on_alert(void *ctx, const struct bh_detect_alert *a,
			       const Bulkhead__Telemetry__V1__Alert *pb)
{
	struct bh_replay *r = ctx;
	Bulkhead__Telemetry__V1__Envelope env;

	bh_report_alert(r->rep, a);
	bulkhead__telemetry__v1__envelope__init(&env);
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_ALERT;
	env.alert = (Bulkhead__Telemetry__V1__Alert *)pb;
	bh_replay_print_env(r, &env);
}

/* ------------------------------------------------------------------------ */
/* Engine <-> collector.                                                    */

static void bh_replay_on_event(void *ctx, const struct bh_event *ev)
{
	struct bh_replay *r = ctx;

	bh_collector_event(r->col, ev);
}

/* One collector poll at packet time t: what a live collector reading the
 * tables at t would see. */
static int bh_replay_poll(struct bh_replay *r, __u64 t)
{
	int err;

	bh_clock_replay_set(&r->clk, t);
	if (r->worker)
		bh_replay_worker_time(r->worker, t);
	else
		bh_replay_time = t;
	err = bh_replay_poll_run(r->poller, t);
	if (err) {
		pr_warn("replay: reading the flow tables failed: %s\n",
			strerror(-err));
		return err;
	}
	if (r->worker)
		/* handed over by the batch: a wake-up per poll costs more */
		bh_replay_worker_advance(r->worker, t);
	else
		bh_pipeline_advance(r->pipe, t);
	return 0;
}

/* The polls a live collector, on its timer, would have made before packet
 * time t: one at every step of the poll interval, whether packets came or
 * not, so that timeouts and interim views happen when they would have
 * live (a flow closing before a quiet minute is reported then, not at the
 * next packet). Once the capture has been quiet for longer than every
 * collector timeout, further polls would find nothing to do: the replay
 * skips to the last step before t. */
static int bh_replay_polls_until(struct bh_replay *r, __u64 t)
{
	__u64 iv = r->o->poll_interval_ns;
	int err;

	while (r->next_poll <= t) {
		if (r->packets && r->next_poll > r->last_ns + r->settle_ns)
			r->next_poll += (t - r->next_poll) / iv * iv;
		err = bh_replay_poll(r, r->next_poll);
		if (err)
			return err;
		r->next_poll += iv;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Set-up and tear-down.                                                    */

static int bh_replay_open_outputs(struct bh_replay *r, char *err, size_t elen)
{
	const struct bh_replay_opts *o = r->o;
	struct bh_export_opts eo;
	int ret;

	if (o->telemetry) {
		/* A file written by a replay holds that replay only: start it
		 * afresh (the daemon's file sink appends, across restarts). */
		if (strcmp(o->telemetry, "-") && strcmp(o->telemetry, "stdout") &&
		    (!strstr(o->telemetry, "://") ||
		     !strncmp(o->telemetry, "file://", 7))) {
			const char *path = strncmp(o->telemetry, "file://", 7) ?
						   o->telemetry :
						   o->telemetry + 7;
			struct stat st;

			/* Only a regular file: /dev/null or a FIFO cannot
			 * be truncated and need not be. */
			if (!stat(path, &st) && S_ISREG(st.st_mode) &&
			    truncate(path, 0)) {
				ret = -errno;
				snprintf(err, elen, "%s: %s", path,
					 strerror(-ret));
				return ret;
			}
		}
		bh_export_opts_default(&eo);
		eo.node_id = o->node ? o->node : "replay";
		eo.instance = 1;           /* fixed: reproducible streams */
		eo.block_when_full = true; /* a replay loses nothing */
		eo.wall_now_ns = bh_replay_wall_now;
		ret = bh_export_new(&r->exp, &eo);
		if (!ret)
			ret = bh_export_add_sink(r->exp, o->telemetry);
		if (ret) {
			snprintf(err, elen, "telemetry output %s: %s",
				 o->telemetry, strerror(-ret));
			return ret;
		}
	}
	if (o->denied_pcap) {
		r->dead = pcap_open_dead_with_tstamp_precision(
			DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
		r->denied = r->dead ? pcap_dump_open(r->dead, o->denied_pcap) :
				      NULL;
		if (!r->denied) {
			snprintf(err, elen, "%s: %s", o->denied_pcap,
				 r->dead ? pcap_geterr(r->dead) :
					   "cannot open");
			return -EIO;
		}
	}
	if (o->packets) {
		r->pkt_out = fopen(o->packets, "w");
		if (!r->pkt_out) {
			ret = -errno;
			snprintf(err, elen, "%s: %s", o->packets,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int bh_replay_setup(struct bh_replay *r, char *err, size_t elen)
{
	const struct bh_replay_opts *o = r->o;
	struct bh_collector_opts co;
	struct bh_pipeline_opts po = { 0 };
	int ret;

	ret = bh_capture_open(&r->cap, o->files, o->n_files, err, elen);
	if (ret)
		return ret;
	ret = bh_report_new(&r->rep);
	if (ret)
		goto nomem;
	ret = bh_policy_names_new(&r->names, o->cp, 1, 0);
	if (ret)
		goto nomem;
	bh_policy_names_resolver(r->names, &r->names_res);
	ret = bh_resolver_cache_new(&r->names_cache, &r->names_res,
				    &r->resolver);
	if (ret)
		goto nomem;
	ret = bh_replay_open_outputs(r, err, elen);
	if (ret)
		return ret;

	po.geo = o->geo;
	po.geo_novelty = o->geo_novelty;
	po.export = r->exp;
	po.detect = o->detect;
	po.on_record = bh_replay_on_record;
	po.on_alert = bh_replay_on_alert;
	po.ctx = r;
	ret = bh_pipeline_new(&r->pipe, &po);
	if (ret) {
		snprintf(err, elen, "cannot start detection: %s",
			 strerror(-ret));
		return ret;
	}

	bh_clock_init_replay(&r->clk);
	bh_collector_opts_default(&co);
	/* The pipeline, and the records' Community IDs, on a thread of their
	 * own; without one, on this thread. */
	if (o->no_pipeline_thread ||
	    bh_replay_worker_new(&r->worker, r->pipe, bh_replay_set_time, true,
				 co.community_id_seed))
		r->worker = NULL;
	co.defer_community_id = r->worker != NULL;
	co.node = o->node ? o->node : "replay";
	if (r->worker) {
		struct bh_record_maker m = {
			.node = co.node,
			.clock = &r->clk,
			.defer_community_id = true, /* the thread computes it */
			.community_id_seed = co.community_id_seed,
		};

		if (bh_resolver_cache_new(&r->worker_names_cache,
					  &r->names_res, &r->worker_resolver))
			goto nomem;
		m.resolver = r->worker_resolver;
		bh_replay_worker_set_maker(r->worker, &m);
	}
	if (o->idle_timeout_ns)
		co.idle_timeout_ns = o->idle_timeout_ns;
	if (o->active_timeout_ns)
		co.active_timeout_ns = o->active_timeout_ns;
	co.clock = &r->clk;
	co.resolver = &r->resolver;
	/* With the thread, records are made there too, from their makings. */
	co.emit = r->worker ? NULL : bh_pipeline_record;
	co.emit_src = r->worker ? bh_replay_worker_record_src : NULL;
	co.emit_ctx = r->worker ? (void *)r->worker : (void *)r->pipe;
	/* Interim views for detection, judged within its failure grace
	 * (the daemon wires the same). */
	co.interim_window_ns = bh_pipeline_interim_window(r->pipe);
	if (co.interim_window_ns) {
		co.interim = r->worker ? NULL : bh_pipeline_interim;
		co.interim_src = r->worker ? bh_replay_worker_interim_src : NULL;
		co.interim_ctx = co.emit_ctx;
	}
	/* After this long without packets, polls have nothing left to do. */
	r->settle_ns = co.idle_timeout_ns;
	if (co.active_timeout_ns > r->settle_ns)
		r->settle_ns = co.active_timeout_ns;
	if (co.delete_closed_after_ns > r->settle_ns)
		r->settle_ns = co.delete_closed_after_ns;
	if (co.interim_window_ns > r->settle_ns)
		r->settle_ns = co.interim_window_ns;
	r->settle_ns +=
	    co.close_linger_ns + co.event_grace_ns + 2 * o->poll_interval_ns;
	ret = bh_collector_new(&r->col, &co);
	if (ret) {
		snprintf(err, elen, "cannot start the collector: %s",
			 strerror(-ret));
		return ret;
	}

	ret = bh_engine_new(&r->eng, o->engine, o->cp, bh_replay_on_event, r);
	if (ret) {
		snprintf(err, elen, "cannot start the %s engine: %s",
			 bh_engine_kind_str(o->engine), strerror(-ret));
		return ret;
	}
	r->native = bh_engine_native(r->eng);
	ret = bh_replay_poller_new(&r->poller, r->eng, r->col, o->full_polls);
	if (ret)
		goto nomem;
	return 0;
nomem:
	snprintf(err, elen, "out of memory");
	return -ENOMEM;
}

static void bh_replay_teardown(struct bh_replay *r)
{
	bh_replay_poller_free(&r->poller);
	bh_engine_free(&r->eng);
	bh_collector_free(&r->col);
	bh_replay_worker_free(&r->worker); /* before the pipeline it runs */
	bh_pipeline_free(&r->pipe);
	bh_export_free(&r->exp);
	bh_resolver_cache_free(&r->names_cache);
	bh_resolver_cache_free(&r->worker_names_cache);
	bh_policy_names_free(&r->names);
	bh_report_free(&r->rep);
	bh_capture_free(&r->cap);
	if (r->denied)
		pcap_dump_close(r->denied);
	if (r->dead)
		pcap_close(r->dead);
	if (r->pkt_out)
		fclose(r->pkt_out);
}

/* ------------------------------------------------------------------------ */
/* The loop.                                                                */

static void bh_replay_write_denied(struct bh_replay *r,
				   const struct bh_capture_pkt *p,
				   const struct bh_result *res)
{
	struct pcap_pkthdr h;

	if (!r->denied || (res->verdict != BH_VERDICT_DENY &&
			   res->verdict != BH_VERDICT_AUDIT))
		return;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(p->ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(p->ts_ns % 1000000000ull); /* ns */
	h.caplen = p->caplen;
	h.len = p->wire_len > p->caplen ? p->wire_len : p->caplen;
	pcap_dump((u_char *)r->denied, &h, p->frame);
}

/* A record shorter than an Ethernet header never reaches an engine (XDP
 * cannot be given one): it is reported as truncated, denied or would-deny
 * by the policy's global mode, as the data plane does for headers it cannot
 * parse. */
static void bh_replay_short(struct bh_replay *r, struct bh_result *res)
{
	memset(res, 0, sizeof(*res));
	res->reason = BH_REASON_TRUNCATED;
	if (r->o->cp->hdr.mode == BH_MODE_AUDIT) {
		res->verdict = BH_VERDICT_AUDIT;
	} else {
		res->verdict = BH_VERDICT_DENY;
		res->drop = 1;
	}
}

static int bh_replay_packet(struct bh_replay *r, const struct bh_capture_pkt *p)
{
	__u32 caplen = p->caplen;
	struct bh_result res;
	int err;

	if (p->ts_ns > r->now)
		r->now = p->ts_ns;
	if (!r->packets) {
		r->first_ns = p->ts_ns;
		r->next_poll = r->now + r->o->poll_interval_ns;
	}
	/* Collector polls at fixed steps of packet time from the first
	 * packet, before the packets that follow each step. */
	err = bh_replay_polls_until(r, r->now);
	if (err)
		return err;
	r->last_ns = p->ts_ns;
	if (!r->worker)
		bh_replay_time = r->now;

	if (caplen > BH_ENGINE_MAX_FRAME)
		caplen = BH_ENGINE_MAX_FRAME;
	if (caplen < BH_ENGINE_MIN_FRAME) {
		bh_replay_short(r, &res);
	} else if (r->native) {
		bh_native_classify(r->native, p->frame, caplen,
				   p->wire_len > caplen ? p->wire_len : caplen,
				   p->ifindex, r->now, &res);
	} else {
		err = bh_engine_classify(r->eng, p->frame, caplen,
					 p->wire_len > caplen ? p->wire_len :
								caplen,
					 p->ifindex, r->now, &res);
		if (err)
			return err;
	}
	r->packets++;
	bh_report_packet(r->rep, res.verdict, res.reason,
			 p->wire_len > p->caplen ? p->wire_len : p->caplen);
	bh_replay_write_denied(r, p, &res);
	if (r->pkt_out)
		fprintf(r->pkt_out, "%llu %u %llu %s %s %u %u %u %u\n",
			(unsigned long long)r->packets, p->file,
			(unsigned long long)p->index, bh_verdict_str(res.verdict),
			bh_reason_str(res.reason), res.rule_id, res.drop,
			res.src_identity, res.dst_identity);
	if (!(r->packets & 0xfff))
		bh_replay_progress(r, false);
	return 0;
}

static int bh_replay_finish(struct bh_replay *r, const char *capture_error,
			    char *err, size_t elen)
{
	const struct bh_replay_opts *o = r->o;
	struct bh_collector_stats cs;
	struct bh_pipeline_stats ps;
	struct bh_detect_stats ds;
	struct bh_report_meta m = { 0 };
	struct timespec t1;
	int ret = 0;

	/* Everything still open ends with the capture. */
	if (r->packets) {
		bh_replay_poll(r, r->now);
		bh_collector_flush(r->col, r->now);
	}
	if (r->worker)
		bh_replay_worker_finish(r->worker);
	bh_replay_time = r->now;
	bh_pipeline_flush(r->pipe);
	bh_replay_progress(r, true);
	if (r->exp)
		bh_export_flush(r->exp, 10000);

	bh_collector_stats(r->col, &cs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m.engine = bh_engine_kind_str(o->engine);
	m.policy = o->policy_name ? o->policy_name : "-";
	m.policy_sha256 = o->cp->source_sha256;
	m.n_files = o->n_files;
	m.packets = r->packets;
	m.first_ns = r->first_ns;
	m.last_ns = r->last_ns;
	m.seconds = bh_elapsed(&r->t0, &t1);
	m.error = capture_error;
	m.records_dropped = cs.flows_untracked;
	if (bh_pipeline_detect(r->pipe)) {
		bh_detect_stats(bh_pipeline_detect(r->pipe), &ds);
		bh_pipeline_stats(r->pipe, &ps);
		m.detect = &ds;
		m.interim_views = ps.interim;
	}
	bh_report_close(r->rep);
	if (o->format == BH_REPLAY_JSON)
		bh_report_print_json(r->rep, o->out, &m);
	else
		bh_report_print_text(r->rep, o->out, &m);

	if (o->graph)
		ret = bh_report_graph(r->rep, o->graph, err, elen);
	if (!ret && o->baseline_out && bh_pipeline_detect(r->pipe)) {
		ret = bh_detect_baseline_save(bh_pipeline_detect(r->pipe),
					      o->baseline_out);
		if (ret)
			snprintf(err, elen,
				 "cannot save the detection baseline to %s: %s",
				 o->baseline_out, strerror(-ret));
	}
	if (!ret && r->exp) {
		struct bh_export_stats es;

		bh_export_stats(r->exp, &es);
		if (es.dropped) {
			snprintf(err, elen,
				 "telemetry: %llu envelopes could not be "
				 "written to %s",
				 (unsigned long long)es.dropped,
				 o->telemetry);
			ret = -EIO;
		}
	}
	return ret;
}

int bh_replay_run(const struct bh_replay_opts *o, char *err, size_t errlen)
{
	struct bh_replay r = { .o = o, .term = PTHREAD_MUTEX_INITIALIZER };
	char cap_err[512] = "";
	struct bh_capture_pkt p;
	int ret, n;

	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	r.t_last = r.t0;
	ret = bh_replay_setup(&r, err, errlen);
	if (ret)
		goto out;

	while ((n = bh_capture_next(r.cap, &p)) == 1) {
		ret = bh_replay_packet(&r, &p);
		if (ret) {
			snprintf(err, errlen, "%s engine failed at packet %llu: %s",
				 bh_engine_kind_str(o->engine),
				 (unsigned long long)r.packets + 1,
				 strerror(-ret));
			goto out;
		}
	}
	if (n < 0)
		snprintf(cap_err, sizeof(cap_err), "%s",
			 bh_capture_error(r.cap));
	ret = bh_replay_finish(&r, n < 0 ? cap_err : NULL, err, errlen);
	if (n < 0) {
		snprintf(err, errlen, "%s", cap_err);
		ret = -EIO;
	}
out:
	bh_replay_teardown(&r);
	return ret;
}
