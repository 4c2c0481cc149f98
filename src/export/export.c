// SPDX-License-Identifier: GPL-2.0-only
#include "export.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "clock.h"
#include "encode.h"
#include "log.h"
#include "sink.h"
#include "stream.h"

struct bh_export {
	struct bh_export_opts opts;
	char *node_id;
	pthread_mutex_t lock; /* producers: seq, writer buffer */
	struct bh_envelope_writer w;
	struct bh_sink *sinks[BH_EXPORT_MAX_SINKS];
	unsigned int n_sinks;
	__u64 encode_errors;
};

void bh_export_opts_default(struct bh_export_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->queue_bytes = 8u << 20;
	opts->backoff_min_ms = 100;
	opts->backoff_max_ms = 5000;
	opts->write_timeout_ms = 1000;
	opts->drain_timeout_ms = 2000;
}

static int writer_grow(struct bh_envelope_writer *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 4096;
	uint8_t *b;

	if (need <= w->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	b = realloc(w->buf, cap);
	if (!b)
		return -ENOMEM;
	w->buf = b;
	w->cap = cap;
	return 0;
}

/* Envelope header fields: node_id, three 64-bit numbers, payload tag and
 * length. */
#define HEADER_BOUND(node) (3 * 12 + 2 * 7 + strlen(node))

ssize_t bh_envelope_write(struct bh_envelope_writer *w,
			  Bulkhead__Telemetry__V1__Envelope *env,
			  __u64 export_time_ns, size_t payload_bound)
{
	size_t need, n, vl;

	env->node_id = (char *)w->node_id;
	env->exporter_instance = w->instance;
	env->export_time_ns = export_time_ns;
	env->seq = w->seq;
	if (payload_bound) {
		/* Pack after room for the largest size prefix, then put the
		 * prefix right before the message. */
		need = BH_VARINT_MAX + HEADER_BOUND(w->node_id) + payload_bound;
		if (writer_grow(w, need))
			return -ENOMEM;
		n = protobuf_c_message_pack(&env->base, w->buf + BH_VARINT_MAX);
		vl = bh_varint_len(n);
		w->frame = w->buf + BH_VARINT_MAX - vl;
		bh_varint_put(w->buf + BH_VARINT_MAX - vl, n);
		need = vl + n;
	} else {
		need = bh_stream_frame(&env->base, w->buf, w->cap);
		if (need > w->cap) {
			if (writer_grow(w, need))
				return -ENOMEM;
			bh_stream_frame(&env->base, w->buf, w->cap);
		}
		w->frame = w->buf;
	}
	w->seq++;
	return (ssize_t)need;
}

int bh_export_new(struct bh_export **out, const struct bh_export_opts *opts)
{
	struct bh_export *e;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->opts = *opts;
	if (!e->opts.wall_now_ns)
		e->opts.wall_now_ns = bh_clock_wall_now_ns;
	e->node_id = strdup(opts->node_id ? opts->node_id : "");
	if (!e->node_id) {
		free(e);
		return -ENOMEM;
	}
	e->w.node_id = e->node_id;
	e->w.instance = opts->instance;
	while (!e->w.instance &&
	       getrandom(&e->w.instance, sizeof(e->w.instance), 0) !=
		       sizeof(e->w.instance))
		;
	pthread_mutex_init(&e->lock, NULL);
	*out = e;
	return 0;
}

void bh_export_free(struct bh_export **ep)
{
	struct bh_export *e;
	unsigned int i;

	if (!ep || !*ep)
		return;
	e = *ep;
	for (i = 0; i < e->n_sinks; i++)
		bh_sink_free(&e->sinks[i]);
	pthread_mutex_destroy(&e->lock);
	free(e->w.buf);
	free(e->node_id);
	free(e);
	*ep = NULL;
}

int bh_export_add_sink(struct bh_export *e, const char *url)
{
	struct bh_sink_opts so = {
		.queue_bytes = e->opts.queue_bytes,
		.block_when_full = e->opts.block_when_full,
		.backoff_min_ms = e->opts.backoff_min_ms,
		.backoff_max_ms = e->opts.backoff_max_ms,
		.write_timeout_ms = e->opts.write_timeout_ms,
		.drain_timeout_ms = e->opts.drain_timeout_ms,
	};
	int err;

	if (e->n_sinks >= BH_EXPORT_MAX_SINKS) {
		pr_warn("export: at most %d destinations\n",
			BH_EXPORT_MAX_SINKS);
		return -E2BIG;
	}
	err = bh_sink_new(&e->sinks[e->n_sinks], url, &so);
	if (err)
		return err;
	e->n_sinks++;
	return 0;
}

/* Frame env once and queue the frame on every sink. */
static int submit(struct bh_export *e, Bulkhead__Telemetry__V1__Envelope *env,
		  size_t bound)
{
	ssize_t len;
	unsigned int i;
	int err = 0;

	pthread_mutex_lock(&e->lock);
	len = bh_envelope_write(&e->w, env, e->opts.wall_now_ns(), bound);
	if (len < 0) {
		e->encode_errors++;
		err = (int)len;
		goto out;
	}
	for (i = 0; i < e->n_sinks; i++)
		if (bh_sink_push(e->sinks[i], e->w.frame, (size_t)len))
			err = -ENOBUFS;
out:
	pthread_mutex_unlock(&e->lock);
	return err;
}

int bh_export_flow(struct bh_export *e, const struct bh_flow_record *r)
{
	Bulkhead__Telemetry__V1__Envelope env;
	struct bh_pb_flow pb;

	bulkhead__telemetry__v1__envelope__init(&env);
	bh_pb_flow_init(&pb, r);
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW;
	env.flow = &pb.flow;
	return submit(e, &env, bh_pb_flow_bound(r));
}

int bh_export_alert(struct bh_export *e,
		    const Bulkhead__Telemetry__V1__Alert *alert)
{
	Bulkhead__Telemetry__V1__Envelope env;

	bulkhead__telemetry__v1__envelope__init(&env);
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_ALERT;
	env.alert = (Bulkhead__Telemetry__V1__Alert *)alert;
	return submit(e, &env, 0);
}

int bh_export_node_stats(struct bh_export *e, const struct bh_node_stats *ns)
{
	Bulkhead__Telemetry__V1__Envelope env;
	struct bh_pb_stats *pb;
	int err;

	pb = malloc(sizeof(*pb)); /* large: not on the stack */
	if (!pb)
		return -ENOMEM;
	bulkhead__telemetry__v1__envelope__init(&env);
	bh_pb_stats_init(pb, ns);
	env.payload_case =
		BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_NODE_STATS;
	env.node_stats = &pb->st;
	err = submit(e, &env, 0);
	free(pb);
	return err;
}

void bh_export_record_cb(void *ctx, struct bh_flow_record *r)
{
	bh_export_flow(ctx, r);
}

int bh_export_flush(struct bh_export *e, int timeout_ms)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < e->n_sinks; i++)
		if (bh_sink_flush(e->sinks[i], timeout_ms))
			err = -ETIMEDOUT;
	return err;
}

void bh_export_stats(struct bh_export *e, struct bh_export_stats *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&e->lock);
	out->envelopes = e->w.seq;
	out->encode_errors = e->encode_errors;
	pthread_mutex_unlock(&e->lock);
	out->n_sinks = e->n_sinks;
	for (i = 0; i < e->n_sinks; i++) {
		bh_sink_stats(e->sinks[i], &out->sinks[i]);
		out->dropped += out->sinks[i].dropped_queue_full +
				out->sinks[i].dropped_sink_error;
	}
}
