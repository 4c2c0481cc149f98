// SPDX-License-Identifier: GPL-2.0-only
/* Export: framing and the stream reader, the bounded queue, the record
 * encoding, and every sink (file with rotation, TCP with reconnect after
 * the peer restarts, Unix, UDP), including drops when a queue is full. */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "encode.h"
#include "export.h"
#include "queue.h"
#include "sink.h"
#include "stream.h"

typedef Bulkhead__Telemetry__V1__Envelope Envelope;

static __u64 fixed_time(void)
{
	return 1700000000000000000ull;
}

static struct bh_export *new_export(size_t queue_bytes)
{
	struct bh_export_opts o;
	struct bh_export *e;

	bh_export_opts_default(&o);
	o.node_id = "node-t";
	o.instance = 77;
	o.wall_now_ns = fixed_time;
	o.backoff_min_ms = 10;
	o.backoff_max_ms = 50;
	o.drain_timeout_ms = 500;
	if (queue_bytes)
		o.queue_bytes = queue_bytes;
	assert_int_equal(bh_export_new(&e, &o), 0);
	return e;
}

static void sample_record(struct bh_flow_record *r, __u64 id)
{
	static const char *const labels[] = { "app=web", "tier=front" };

	memset(r, 0, sizeof(*r));
	r->flow_id = id;
	r->record_index = 1;
	r->end_reason = BH_END_FIN;
	r->direction = BH_TDIR_EGRESS;
	r->proto = 6;
	r->start_ns = 1700000000000000000ull;
	r->end_ns = r->start_ns + 5;
	r->record_start_ns = r->start_ns + 1;
	r->node = "node-t";
	r->ep[0].addr.b[10] = r->ep[0].addr.b[11] = 0xff;
	r->ep[0].addr.b[12] = 10;
	r->ep[0].addr.b[15] = 1;
	r->ep[0].port = 40000;
	r->ep[0].identity = 256;
	r->ep[0].identity_kind = BH_KIND_WORKLOAD;
	r->ep[0].workload = "web-1";
	r->ep[0].labels = labels;
	r->ep[0].n_labels = 2;
	r->ep[0].ifindex = 7;
	r->ep[0].ifname = "veth-web";
	r->ep[1].addr.b[0] = 0x20;
	r->ep[1].addr.b[1] = 0x01;
	r->ep[1].addr.b[15] = 2;
	r->ep[1].port = 443;
	r->ep[1].external_group = "partners";
	strcpy(r->ep[1].country_code, "DE");
	r->ep[1].asn = 3320;
	r->ep[1].as_org = "Example AG";
	r->packets[0] = 10;
	r->bytes[0] = 1000;
	r->packets[1] = 8;
	r->bytes[1] = 9000;
	r->tcp_flags[0] = BH_TCP_SYN | BH_TCP_ACK | BH_TCP_FIN;
	r->verdict = BH_VERDICT_ALLOW;
	r->reason = BH_REASON_NONE;
	r->rule_id = 3;
	r->rule = "allow-web";
	r->generation = 9;
	r->epoch = 4;
	r->tunneled = true;
	r->tun_type = BH_TUN_VXLAN;
	r->vni = 42;
	r->outer_saddr.b[10] = r->outer_saddr.b[11] = 0xff;
	r->outer_saddr.b[15] = 9;
	r->vlan_count = 2;
	r->vlan[0] = 100;
	r->vlan[1] = 200;
	r->has_icmp = false;
	strcpy(r->community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

/* Decode a whole delimited stream held in memory. */
static int decode_all(const uint8_t *data, size_t len, Envelope **envs,
		      int max)
{
	struct bh_stream_reader r;
	const uint8_t *msg;
	size_t mlen;
	uint64_t off;
	int n = 0, rc;

	bh_stream_reader_init(&r);
	assert_int_equal(bh_stream_reader_feed(&r, data, len), 0);
	while ((rc = bh_stream_reader_next(&r, &msg, &mlen, &off)) == 1) {
		assert_true(n < max);
		envs[n] = bulkhead__telemetry__v1__envelope__unpack(NULL, mlen,
								     msg);
		assert_non_null(envs[n]);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(bh_stream_reader_finish(&r), 0);
	bh_stream_reader_release(&r);
	return n;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void free_envs(Envelope **envs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		bulkhead__telemetry__v1__envelope__free_unpacked(envs[i], NULL);
}

/* ---- framing ----------------------------------------------------------- */

static void test_varint(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384,
					 (1ull << 32) + 5, UINT64_MAX };
	uint8_t buf[BH_VARINT_MAX];
	uint64_t v;
	size_t i, n, used;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = bh_varint_put(buf, vals[i]);
		assert_int_equal(n, bh_varint_len(vals[i]));
		assert_int_equal(bh_varint_get(buf, n, &v, &used), 0);
		assert_int_equal(used, n);
		assert_true(v == vals[i]);
		if (n > 1)
			assert_int_equal(bh_varint_get(buf, n - 1, &v, &used),
					 -EAGAIN);
	}
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(bh_varint_get(buf, sizeof(buf), &v, &used), -EBADMSG);
}

/* Fed one byte at a time, the reader yields the same frames with their
 * offsets; a cut-short stream and a bogus size prefix are reported at the
 * right offset. */
static void test_reader(void **state)
{
	struct bh_envelope_writer w = { .node_id = "n", .instance = 1 };
	uint8_t stream[4096];
	size_t len = 0, offs[5], mlen;
	struct bh_stream_reader r;
	const uint8_t *msg;
	Envelope env;
	uint64_t off;
	int i, n = 0;

	(void)state;
	for (i = 0; i < 5; i++) {
		ssize_t fl;

		bulkhead__telemetry__v1__envelope__init(&env);
		fl = bh_envelope_write(&w, &env, 1000 + i, 0);
		assert_true(fl > 0);
		offs[i] = len;
		memcpy(stream + len, w.frame, (size_t)fl);
		len += (size_t)fl;
	}
	free(w.buf);
	bh_stream_reader_init(&r);
	for (i = 0; (size_t)i < len; i++) {
		assert_int_equal(bh_stream_reader_feed(&r, stream + i, 1), 0);
		while (bh_stream_reader_next(&r, &msg, &mlen, &off) == 1) {
			Envelope *e = bulkhead__telemetry__v1__envelope__unpack(
				NULL, mlen, msg);

			assert_non_null(e);
			assert_int_equal(e->seq, n);
			assert_int_equal(off, offs[n]);
			bulkhead__telemetry__v1__envelope__free_unpacked(e, NULL);
			n++;
		}
	}
	assert_int_equal(n, 5);
	assert_int_equal(bh_stream_reader_finish(&r), 0);

	/* Truncated: the last frame lacks its last byte. */
	bh_stream_reader_reset(&r);
	bh_stream_reader_feed(&r, stream, len - 1);
	for (n = 0; bh_stream_reader_next(&r, &msg, &mlen, &off) == 1; n++)
		;
	assert_int_equal(n, 4);
	assert_int_equal(bh_stream_reader_finish(&r), -EPIPE);
	assert_int_equal(r.err_offset, offs[4]);
	assert_non_null(strstr(r.err, "truncated"));

	/* A size prefix far beyond the limit. */
	bh_stream_reader_reset(&r);
	bh_stream_reader_feed(&r, stream, offs[2]);
	bh_stream_reader_feed(&r, "\xff\xff\xff\xff\x0f", 5);
	for (n = 0; bh_stream_reader_next(&r, &msg, &mlen, &off) == 1; n++)
		;
	assert_int_equal(n, 2);
	assert_int_equal(bh_stream_reader_next(&r, &msg, &mlen, &off),
			 -EBADMSG);
	assert_int_equal(r.err_offset, offs[2]);
	bh_stream_reader_release(&r);
}

/* ---- queue ------------------------------------------------------------- */

static void test_queue_full_and_wrap(void **state)
{
	struct bh_queue q;
	uint8_t msg[100], *out = NULL;
	size_t cap = 0;
	uint32_t lens[8];
	int i, n, pushed = 0, refused = 0, round;

	(void)state;
	assert_int_equal(bh_queue_init(&q, 1000), 0);
	for (i = 0; i < 20; i++) {
		memset(msg, i, sizeof(msg));
		if (bh_queue_push(&q, msg, sizeof(msg), false) == 0)
			pushed++;
		else
			refused++;
	}
	assert_int_equal(pushed, 9); /* 9 x 104 bytes fit in 1000 */
	assert_int_equal(refused, 11);
	assert_int_equal(bh_queue_push(&q, msg, 2000, false), -EMSGSIZE);
	/* Pop and push around the end of the ring many times. */
	for (round = 0; round < 50; round++) {
		n = bh_queue_pop(&q, &out, &cap, lens, 3, 0);
		assert_int_equal(n, 3);
		for (i = 0; i < n; i++) {
			assert_int_equal(lens[i], 100);
			assert_int_equal(out[i * 100], out[i * 100 + 99]);
		}
		bh_queue_done(&q);
		for (i = 0; i < 3; i++) {
			memset(msg, round * 3 + i, sizeof(msg));
			assert_int_equal(
				bh_queue_push(&q, msg, sizeof(msg), false), 0);
		}
	}
	assert_int_equal(bh_queue_wait_idle(&q, 0), -ETIMEDOUT);
	bh_queue_close(&q);
	assert_int_equal(bh_queue_push(&q, msg, 10, true), -EPIPE);
	free(out);
	bh_queue_destroy(&q);
}

/* ---- encoding ---------------------------------------------------------- */

static void test_flow_roundtrip(void **state)
{
	struct bh_envelope_writer w = { .node_id = "node-t", .instance = 5 };
	struct bh_flow_record r;
	struct bh_pb_flow pb;
	Envelope env, *d;
	Bulkhead__Telemetry__V1__FlowRecord *f;
	ssize_t len;
	uint64_t size;
	size_t used;

	(void)state;
	sample_record(&r, 99);
	bh_pb_flow_init(&pb, &r);
	bulkhead__telemetry__v1__envelope__init(&env);
	env.payload_case = BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW;
	env.flow = &pb.flow;
	len = bh_envelope_write(&w, &env, 123, bh_pb_flow_bound(&r));
	assert_true(len > 0);
	assert_int_equal(bh_varint_get(w.frame, (size_t)len, &size, &used), 0);
	assert_int_equal(used + size, (size_t)len);
	d = bulkhead__telemetry__v1__envelope__unpack(NULL, size, w.frame + used);
	assert_non_null(d);
	assert_string_equal(d->node_id, "node-t");
	assert_int_equal(d->exporter_instance, 5);
	assert_int_equal(d->export_time_ns, 123);
	assert_int_equal(d->payload_case,
			 BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW);
	f = d->flow;
	assert_int_equal(f->flow_id, 99);
	assert_int_equal(f->initiator->ip.len, 4);
	assert_int_equal(f->initiator->ip.data[0], 10);
	assert_int_equal(f->responder->ip.len, 16);
	assert_int_equal(f->initiator->n_labels, 2);
	assert_string_equal(f->initiator->labels[1], "tier=front");
	assert_string_equal(f->initiator->workload, "web-1");
	assert_string_equal(f->initiator->ingress_interface, "veth-web");
	assert_string_equal(f->responder->external_group, "partners");
	assert_string_equal(f->responder->country_code, "DE");
	assert_int_equal(f->responder->asn, 3320);
	assert_string_equal(f->responder->workload, "");
	assert_int_equal(f->responder_bytes, 9000);
	assert_int_equal(f->initiator_tcp_flags, 0x13);
	assert_string_equal(f->rule, "allow-web");
	assert_non_null(f->tunnel);
	assert_int_equal(f->tunnel->type,
			 BULKHEAD__TELEMETRY__V1__TUNNEL_TYPE__TUNNEL_TYPE_VXLAN);
	assert_int_equal(f->tunnel->outer_src_ip.len, 4);
	assert_int_equal(f->n_vlan_ids, 2);
	assert_int_equal(f->vlan_ids[1], 200);
	assert_null(f->icmp);
	assert_int_equal(f->end_reason,
			 BULKHEAD__TELEMETRY__V1__END_REASON__END_REASON_FIN);
	assert_string_equal(f->community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	bulkhead__telemetry__v1__envelope__free_unpacked(d, NULL);
	free(w.buf);
}

/* The size bound that lets the exporter pack without sizing first is an
 * upper bound, also with every field at its largest. */
static void test_flow_bound(void **state)
{
	static char big[4][300];
	static const char *labels[6];
	struct bh_flow_record r;
	struct bh_pb_flow pb;
	int i, side;

	(void)state;
	sample_record(&r, 1);
	bh_pb_flow_init(&pb, &r);
	assert_true(protobuf_c_message_get_packed_size(&pb.flow.base) <=
		    bh_pb_flow_bound(&r));
	for (i = 0; i < 4; i++) {
		memset(big[i], 'x' + i, sizeof(big[i]) - 1);
		big[i][sizeof(big[i]) - 1] = '\0';
	}
	for (i = 0; i < 6; i++)
		labels[i] = big[i % 4];
	memset(&r, 0xff, sizeof(r)); /* every number at its largest */
	r.node = r.rule = big[0];
	r.vlan_count = BH_MAX_VLAN_TAGS;
	r.end_reason = BH_END_FORCED;
	r.direction = BH_TDIR_EGRESS;
	r.has_icmp = r.tunneled = r.audit = r.denied = r.ipv6 = true;
	r.community_id[BH_COMMUNITY_ID_LEN] = '\0';
	for (side = 0; side < 2; side++) {
		struct bh_record_endpoint *e = &r.ep[side];

		e->workload = e->external_group = e->ifname = big[1];
		e->city = e->as_org = big[2];
		e->country_code[2] = '\0';
		e->labels = labels;
		e->n_labels = 6;
	}
	bh_pb_flow_init(&pb, &r);
	assert_true(protobuf_c_message_get_packed_size(&pb.flow.base) <=
		    bh_pb_flow_bound(&r));
}

/* ---- sinks ------------------------------------------------------------- */

static const struct {
	const char *url;
	int ok;
	enum bh_sink_type type;
} urls[] = {
	{ "-", 1, BH_SINK_STDOUT },
	{ "stdout", 1, BH_SINK_STDOUT },
	{ "/var/log/x.pb", 1, BH_SINK_FILE },
	{ "file:///var/log/x.pb?max_bytes=10M&keep=3", 1, BH_SINK_FILE },
	{ "file:///x?max_bytes=lots", 0, 0 },
	{ "file:///x?max_bytes=1GiB&keep=1000", 1, BH_SINK_FILE },
	{ "file:///x?max_bytes=010M&keep=010", 1, BH_SINK_FILE },
	{ "file:///x?max_bytes=0x10", 0, 0 },
	{ "file:///x?max_bytes=-1", 0, 0 },
	{ "file:///x?max_bytes=99999999999G", 0, 0 }, /* wrapped before */
	{ "file:///x?keep=1001", 0, 0 },
	{ "file:///x?keep=5K", 0, 0 },
	{ "tcp://127.0.0.1:4294967297", 0, 0 }, /* atoi() wrapped it */
	{ "tcp://127.0.0.1:+80", 0, 0 },
	{ "file:///x?colour=red", 0, 0 },
	{ "tcp://127.0.0.1:4739", 1, BH_SINK_TCP },
	{ "tcp://[::1]:4739", 1, BH_SINK_TCP },
	{ "tcp://collector.example:4739", 1, BH_SINK_TCP },
	{ "tcp://127.0.0.1", 0, 0 },
	{ "tcp://127.0.0.1:0", 0, 0 },
	{ "tcp://127.0.0.1:70000", 0, 0 },
	{ "tcp://[::1:4739", 0, 0 },
	{ "udp://10.0.0.1:9995", 1, BH_SINK_UDP },
	{ "unix:///run/bulkhead.sock", 1, BH_SINK_UNIX },
	{ "unix://relative", 0, 0 },
	{ "kafka://broker:9092", 0, 0 },
	{ "", 0, 0 },
};

static void test_url_parse(void **state)
{
	struct bh_sink_url u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		int rc = bh_sink_url_parse(urls[i].url, &u, err, sizeof(err));

		if (urls[i].ok && rc)
			fail_msg("'%s' refused: %s", urls[i].url, err);
		if (!urls[i].ok && !rc)
			fail_msg("'%s' accepted", urls[i].url);
		if (urls[i].ok)
			assert_int_equal(u.type, urls[i].type);
	}
	bh_sink_url_parse("file:///v/x?max_bytes=10M", &u, err, sizeof(err));
	assert_int_equal(u.max_bytes, 10 << 20);
	assert_int_equal(u.keep, 5);
	assert_string_equal(u.path, "/v/x");
	bh_sink_url_parse("file:///v/x?max_bytes=010MB&keep=010", &u, err,
			  sizeof(err));
	assert_int_equal(u.max_bytes, 10000000);
	assert_int_equal(u.keep, 10);
	assert_int_equal(bh_sink_url_parse("file:///x?max_bytes=0x10", &u, err,
					   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "bad file option 'max_bytes=0x10' (max_bytes: "
				 "a size such as 1048576, 100M, 1GiB; keep: "
				 "0..1000)");
	bh_sink_url_parse("tcp://[::1]:4739", &u, err, sizeof(err));
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "4739");
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/bh-export-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

/* Envelopes of every kind to a file: they read back in order, complete. */
static void test_file_sink(void **state)
{
	struct bh_export *e = new_export(0);
	Bulkhead__Telemetry__V1__Alert alert;
	struct bh_export_stats st;
	struct bh_node_stats ns;
	struct bh_flow_record r;
	char path[128], url[160];
	Envelope *envs[16];
	uint8_t *data;
	size_t len;
	int i, n;

	(void)state;
	snprintf(path, sizeof(path), "%s/flows.pb", tmpdir);
	snprintf(url, sizeof(url), "file://%s", path);
	assert_int_equal(bh_export_add_sink(e, url), 0);
	for (i = 0; i < 10; i++) {
		sample_record(&r, (__u64)i + 1);
		assert_int_equal(bh_export_flow(e, &r), 0);
	}
	bulkhead__telemetry__v1__alert__init(&alert);
	alert.id = "a-1";
	alert.technique = "T1046";
	alert.severity = BULKHEAD__TELEMETRY__V1__SEVERITY__SEVERITY_HIGH;
	assert_int_equal(bh_export_alert(e, &alert), 0);
	memset(&ns, 0, sizeof(ns));
	ns.node = "node-t";
	ns.have_dp = true;
	ns.dp.verdict_pkts[BH_VERDICT_DENY] = 12;
	ns.dp.reason_pkts[BH_REASON_POLICY_DENIED] = 12;
	ns.have_export = true;
	bh_export_stats(e, &ns.exp);
	assert_int_equal(bh_export_node_stats(e, &ns), 0);
	assert_int_equal(bh_export_flush(e, 5000), 0);
	bh_export_stats(e, &st);
	assert_int_equal(st.envelopes, 12);
	assert_int_equal(st.sinks[0].envelopes, 12);
	assert_int_equal(st.dropped, 0);
	bh_export_free(&e);
	assert_null(e);
	bh_export_free(&e);

	data = slurp(path, &len);
	n = decode_all(data, len, envs, 16);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		assert_int_equal(envs[i]->seq, i);
		assert_int_equal(envs[i]->exporter_instance, 77);
	}
	assert_int_equal(envs[3]->flow->flow_id, 4);
	assert_string_equal(envs[10]->alert->technique, "T1046");
	assert_int_equal(envs[11]->node_stats->n_verdicts, BH_VERDICT_MAX);
	assert_int_equal(envs[11]->node_stats->verdicts[BH_VERDICT_DENY]->packets,
			 12);
	assert_int_equal(envs[11]->node_stats->n_reasons, 1);
	assert_int_equal(envs[11]->node_stats->n_sinks, 1);
	free_envs(envs, n);
	free(data);
}

/* Rotation: every file starts and ends on an envelope boundary, none
 * passes max_bytes (unless one envelope alone does), nothing is lost. */
static void test_file_rotation(void **state)
{
	struct bh_export *e = new_export(0);
	struct bh_flow_record r;
	char path[128], url[200], name[160];
	Envelope *envs[64];
	__u64 seen = 0, total = 0;
	struct stat st;
	int i, n, f;

	(void)state;
	snprintf(path, sizeof(path), "%s/rot.pb", tmpdir);
	snprintf(url, sizeof(url), "file://%s?max_bytes=1000&keep=20", path);
	assert_int_equal(bh_export_add_sink(e, url), 0);
	for (i = 0; i < 30; i++) {
		sample_record(&r, (__u64)i);
		assert_int_equal(bh_export_flow(e, &r), 0);
	}
	bh_export_free(&e);
	for (f = 0; f <= 20; f++) {
		uint8_t *data;
		size_t len;

		if (f)
			snprintf(name, sizeof(name), "%s.%d", path, f);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (stat(name, &st))
			continue;
		assert_true(st.st_size <= 1000);
		data = slurp(name, &len);
		n = decode_all(data, len, envs, 64);
		assert_true(n > 0);
		for (i = 0; i < n; i++)
			seen |= 1ull << envs[i]->seq;
		total += (__u64)n;
		free_envs(envs, n);
		free(data);
	}
	assert_int_equal(total, 30);
	assert_int_equal(seen, (1ull << 30) - 1);
	assert_int_equal(stat(path, &st), 0); /* the current file */
}

static int listen_tcp(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	socklen_t len = sizeof(sin);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	getsockname(fd, (struct sockaddr *)&sin, &len);
	return ntohs(sin.sin_port);
}

/* Accept one connection and read envelopes until want arrived or the peer
 * went quiet for 5 s; returns how many, checks their seqs ascend. */
static int accept_and_read(int lfd, int want, __u64 *first_seq, int *cfd_out)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct bh_stream_reader r;
	uint8_t buf[4096];
	const uint8_t *msg;
	size_t mlen;
	uint64_t off;
	__u64 last = 0;
	int cfd, n = 0;
	ssize_t got;

	assert_int_equal(poll(&pfd, 1, 10000), 1);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	bh_stream_reader_init(&r);
	pfd.fd = cfd;
	while (n < want && poll(&pfd, 1, 5000) == 1) {
		got = read(cfd, buf, sizeof(buf));
		if (got <= 0)
			break;
		bh_stream_reader_feed(&r, buf, (size_t)got);
		while (bh_stream_reader_next(&r, &msg, &mlen, &off) == 1) {
			Envelope *e = bulkhead__telemetry__v1__envelope__unpack(
				NULL, mlen, msg);

			assert_non_null(e);
			if (!n)
				*first_seq = e->seq;
			else
				assert_true(e->seq > last);
			last = e->seq;
			bulkhead__telemetry__v1__envelope__free_unpacked(e, NULL);
			n++;
		}
	}
	bh_stream_reader_release(&r);
	*cfd_out = cfd;
	return n;
}

/* The collector side restarts: the exporter reconnects, the new connection
 * starts at an envelope boundary, the sequence goes on, and every
 * envelope was either received or counted as dropped. */
static void test_tcp_reconnect(void **state)
{
	struct bh_export *e = new_export(0);
	struct bh_export_stats st;
	struct bh_flow_record r;
	int lfd = listen_tcp(0), port = port_of(lfd), cfd, got1, got2, i;
	__u64 first1 = 0, first2 = 0;
	char url[64];

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	assert_int_equal(bh_export_add_sink(e, url), 0);
	sample_record(&r, 1);
	for (i = 0; i < 10; i++)
		bh_export_flow(e, &r);
	got1 = accept_and_read(lfd, 10, &first1, &cfd);
	assert_int_equal(got1, 10);
	assert_int_equal(first1, 0);
	bh_export_flush(e, 5000);

	/* The peer goes away and comes back on the same port. */
	close(cfd);
	close(lfd);
	lfd = listen_tcp(port);
	for (i = 0; i < 10; i++)
		bh_export_flow(e, &r);
	got2 = accept_and_read(lfd, 10, &first2, &cfd);
	bh_export_flush(e, 5000);
	bh_export_stats(e, &st);
	assert_true(got2 > 0);
	assert_true(first2 >= 10);
	assert_true(st.sinks[0].reconnects >= 1);
	assert_int_equal(got1 + got2 + (int)st.dropped, 20);
	assert_int_equal(st.sinks[0].envelopes, (__u64)(got1 + got2));
	bh_export_free(&e);
	close(cfd);
	close(lfd);
}

/* Nobody listens, or the peer never reads: submitting never blocks, the
 * queue fills, and every envelope is accounted for as dropped. */
static void test_full_queue_drops(void **state)
{
	struct bh_export *e = new_export(4096);
	struct bh_export_stats st;
	struct bh_flow_record r;
	int lfd = listen_tcp(0), port = port_of(lfd), i, refused = 0;
	char url[64];

	(void)state;
	close(lfd); /* a port nobody listens on */
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	assert_int_equal(bh_export_add_sink(e, url), 0);
	sample_record(&r, 1);
	for (i = 0; i < 1000; i++)
		if (bh_export_flow(e, &r) == -ENOBUFS)
			refused++;
	bh_export_stats(e, &st);
	assert_true(refused > 900);
	assert_int_equal(st.sinks[0].dropped_queue_full, (__u64)refused);
	assert_int_equal(st.envelopes, 1000);
	assert_false(st.sinks[0].connected);
	bh_export_free(&e);

	/* A peer that accepts and never reads. */
	e = new_export(4096);
	lfd = listen_tcp(0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port_of(lfd));
	assert_int_equal(bh_export_add_sink(e, url), 0);
	refused = 0;
	for (i = 0; i < 20000; i++)
		if (bh_export_flow(e, &r) == -ENOBUFS)
			refused++;
	assert_true(refused > 0);
	bh_export_stats(e, &st);
	assert_int_equal(st.sinks[0].dropped_queue_full, (__u64)refused);
	bh_export_free(&e);
	close(lfd);
}

static void test_udp_sink(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct bh_export *e = new_export(0);
	struct bh_flow_record r;
	socklen_t slen = sizeof(sin);
	uint8_t buf[65536];
	Envelope *envs[1];
	int fd, i;
	char url[64];

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(bh_export_add_sink(e, url), 0);
	sample_record(&r, 5);
	for (i = 0; i < 5; i++)
		bh_export_flow(e, &r);
	bh_export_flush(e, 5000);
	for (i = 0; i < 5; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		assert_true(n > 0);
		/* each datagram is exactly one framed envelope */
		assert_int_equal(decode_all(buf, (size_t)n, envs, 1), 1);
		assert_int_equal(envs[0]->seq, i);
		assert_int_equal(envs[0]->flow->flow_id, 5);
		free_envs(envs, 1);
	}
	bh_export_free(&e);
	close(fd);
}

static void test_unix_sink(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct bh_export *e = new_export(0);
	struct bh_flow_record r;
	int lfd, cfd, got, i;
	__u64 first = 99;
	char url[160];

	(void)state;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/exp.sock", tmpdir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	snprintf(url, sizeof(url), "unix://%s", sun.sun_path);
	assert_int_equal(bh_export_add_sink(e, url), 0);
	sample_record(&r, 5);
	for (i = 0; i < 7; i++)
		bh_export_flow(e, &r);
	got = accept_and_read(lfd, 7, &first, &cfd);
	assert_int_equal(got, 7);
	assert_int_equal(first, 0);
	bh_export_free(&e);
	close(cfd);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_queue_full_and_wrap),
		cmocka_unit_test(test_flow_roundtrip),
		cmocka_unit_test(test_flow_bound),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_file_sink),
		cmocka_unit_test(test_file_rotation),
		cmocka_unit_test(test_tcp_reconnect),
		cmocka_unit_test(test_full_queue_drops),
		cmocka_unit_test(test_udp_sink),
		cmocka_unit_test(test_unix_sink),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
