/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What happens to a flow record after the collector built it, the same in
 * the daemon and in replay: GeoIP/ASN enrichment of external endpoints,
 * lateral-movement detection (with the geo novelty detector plugged in
 * when there is a geo handle), export as protobuf telemetry, and a hook for
 * the caller's own output. Alerts from detection are converted to protobuf
 * Alerts (external endpoints enriched), exported and handed to the caller
 * as well.
 *
 *	collector --emit--> bh_pipeline_record() --> geo --> detect --> export
 *	                                                       \--> alerts --> export
 *	collector --interim--> bh_pipeline_interim() --> detect
 *
 * Interim views (collector.h) go to detection only: a connection is judged
 * within seconds of its start, while its record waits for the flow to end.
 * Detection gets every view of a flow with counters cumulative since the
 * flow began (records carry their own interval) and BH_DETECT_F_CONT once
 * a view was answered. "Answered" is kept in the record's mark (the
 * collector stores it with the flow); the sums of earlier records of a
 * flow past an active timeout in a table of max_open_flows.
 */
#ifndef BH_PIPELINE_H
#define BH_PIPELINE_H

#include <stdbool.h>

#include "detect.h"
#include "flow_record.h"
#include "geo.h"
#include "geo_detect.h"
#include "telemetry.pb-c.h"

struct bh_export;
struct bh_pipeline;

struct bh_pipeline_opts {
	struct bh_geo *geo;       /* NULL: no enrichment */
	struct bh_export *export; /* NULL: no telemetry */
	/* Detection; NULL: off. The pipeline creates the engine. */
	const struct bh_detect_config *detect;
	/* Geo novelty detector (geo_detect.h), plugged into detection when
	 * geo and detect are set too; NULL or !enabled: off. */
	const struct bh_geo_novelty_config *geo_novelty;
	/* Caller's view of every record (after enrichment) and alert. */
	void (*on_record)(void *ctx, const struct bh_flow_record *r);
	void (*on_alert)(void *ctx, const struct bh_detect_alert *a,
			 const Bulkhead__Telemetry__V1__Alert *pb);
	void *ctx;
	/* Flows past an active timeout tracked at most, for detection's
	 * cumulative counters; 0: 1 << 20. */
	__u32 max_open_flows;
};

int bh_pipeline_new(struct bh_pipeline **out,
		    const struct bh_pipeline_opts *opts);
void bh_pipeline_free(struct bh_pipeline **p);

/* The collector's emit callback (ctx = the pipeline). */
void bh_pipeline_record(void *ctx, struct bh_flow_record *r);
/* The collector's interim callback (ctx = the pipeline): detection only. */
void bh_pipeline_interim(void *ctx, struct bh_flow_record *r);

/* The collector's interim window that suits detection (its failure grace),
 * 0 when detection is off: no interim views needed. */
__u64 bh_pipeline_interim_window(const struct bh_pipeline *p);

/* Time moves on without records (detection windows). */
void bh_pipeline_advance(struct bh_pipeline *p, __u64 now_ns);

/* End of input: close open alerts. */
void bh_pipeline_flush(struct bh_pipeline *p);

struct bh_detect *bh_pipeline_detect(struct bh_pipeline *p);
/* NULL when the geo novelty detector is off. */
struct bh_geo_detector *bh_pipeline_geo_detector(struct bh_pipeline *p);

struct bh_pipeline_stats {
	__u64 records;
	__u64 enriched;      /* endpoints given geo/ASN data */
	__u64 alerts;        /* alert emissions (all states) */
	__u64 open_flows;    /* gauge */
	__u64 open_dropped;  /* table full: detection saw interval counts */
	__u64 interim;       /* interim views passed to detection */
};
void bh_pipeline_stats(const struct bh_pipeline *p,
		       struct bh_pipeline_stats *out);

/* Protobuf form of a detection alert. Strings and arrays point into the
 * struct and into *a: valid while both are. */
#define BH_PB_ALERT_EPS (1 + BH_DETECT_MAX_TARGETS + BH_DETECT_MAX_PATH)
struct bh_pb_alert {
	Bulkhead__Telemetry__V1__Alert alert;
	Bulkhead__Telemetry__V1__Endpoint source;
	Bulkhead__Telemetry__V1__Endpoint targets[BH_DETECT_MAX_TARGETS];
	Bulkhead__Telemetry__V1__Endpoint *targets_p[BH_DETECT_MAX_TARGETS];
	Bulkhead__Telemetry__V1__Endpoint path[BH_DETECT_MAX_PATH];
	Bulkhead__Telemetry__V1__Endpoint *path_p[BH_DETECT_MAX_PATH];
	uint8_t ip[BH_PB_ALERT_EPS][16];
	struct bh_geo_info geo[BH_PB_ALERT_EPS]; /* external endpoints */
	uint64_t evidence[BH_DETECT_MAX_EVIDENCE];
	char id[24];
};
/* geo (may be NULL) enriches the external endpoints (source, targets,
 * path) as flow records are: country, city, ASN, AS organisation. */
void bh_pb_alert_init(struct bh_pb_alert *pb, const struct bh_detect_alert *a,
		      struct bh_geo *geo);

#endif /* BH_PIPELINE_H */
