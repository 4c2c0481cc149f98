// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: arbitrary flow records through every detector, with small
 * tables so that eviction, aggregation and pivot paths all run. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One record from 24 input bytes. */
static void mk(struct bh_detect_flow *f, const uint8_t *p, uint64_t *t,
	       uint64_t id)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	*t += (uint64_t)p[0] * 250000000ULL; /* up to 64 s forward */
	f->start_ns = *t;
	f->end_ns = *t + (uint64_t)p[1] * 100000000ULL;
	f->init.addr.b[10] = f->init.addr.b[11] = 0xff;
	f->resp.addr.b[10] = f->resp.addr.b[11] = 0xff;
	f->init.addr.b[15] = p[2] & 0x3f;
	f->resp.addr.b[15] = p[3] & 0x3f;
	f->resp.addr.b[14] = p[4] & 0x03;
	f->init.identity = 256 + (p[5] & 0x0f);
	f->resp.identity = 256 + (p[6] & 0x0f);
	f->init.workload = p[7] & 0x10 ? 0 : f->init.identity;
	f->resp.external = p[7] & 0x20;
	f->resp.port = (uint16_t)(p[8] | p[9] << 8);
	f->proto = p[10] & 1 ? 6 : (p[10] & 2 ? 17 : p[10]);
	f->tcp_flags[0] = p[11];
	f->tcp_flags[1] = p[12];
	f->verdict = p[13] % 5; /* includes an invalid one */
	f->flags = p[14] & 0x0f;
	f->packets[0] = p[15];
	f->packets[1] = p[16];
	f->bytes[0] = (uint64_t)p[17] << (p[18] & 31);
	f->bytes[1] = (uint64_t)p[19] << (p[20] & 31);
	f->payload[0] = p[21];
	f->payload[1] = p[22];
	f->init.name = p[23] & 1 ? "web" : NULL;
	f->resp.name = p[23] & 2 ? "db" : NULL;
}

static void sink(const struct bh_detect_alert *a, void *ctx)
{
	if (a->n_targets > BH_DETECT_MAX_TARGETS ||
	    a->n_evidence > BH_DETECT_MAX_EVIDENCE ||
	    a->path_len > BH_DETECT_MAX_PATH || !a->summary[0] ||
	    a->score < 0 || a->score > 100)
		__builtin_trap();
	(*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_detect_config cfg;
	struct bh_detect_flow f;
	struct bh_detect_stats st;
	struct bh_detect *d;
	uint64_t t = 1700000000ULL * 1000000000ULL;
	size_t off, n = 0;

	bh_detect_config_defaults(&cfg);
	cfg.max_sources = 16;
	cfg.max_edges = 16;
	cfg.max_workloads = 16;
	cfg.max_pivots = 16;
	cfg.max_alerts = 16;
	cfg.learning_ns = 60ULL * 1000000000ULL;
	cfg.workload_grace_ns = 0;
	cfg.sweep.hosts = 3;
	cfg.portscan.ports = 3;
	cfg.fanout.workloads = 2;
	cfg.deny.min_pairs = 2;
	cfg.transfer.min_bytes = 100;
	if (bh_detect_new(&d, &cfg, sink, &n))
		__builtin_trap();
	for (off = 0; off + 24 <= size; off += 24) {
		mk(&f, data + off, &t, off / 24 + 1);
		bh_detect_flow(d, &f);
	}
	bh_detect_flush(d);
	bh_detect_stats(d, &st);
	if (st.sources > 16 || st.alerts_open != 0 || st.emitted != n)
		__builtin_trap();
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	return 0;
}
