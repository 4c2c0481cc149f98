/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a replay found, for people: packets and bytes by verdict and reason,
 * top talkers, denied and would-deny edges between workloads, alerts, and a
 * communication graph of workloads (Graphviz). Built from per-packet results,
 * flow records and alerts as they come.
 */
#ifndef BH_REPORT_H
#define BH_REPORT_H

#include <stdio.h>

#include "bulkhead_abi.h"
#include "detect.h"
#include "flow_record.h"

struct bh_report;

/* Facts about the run printed with the summary. */
struct bh_report_meta {
	const char *engine;
	const char *policy;
	const char *policy_sha256;
	size_t n_files;
	__u64 packets;
	__u64 first_ns, last_ns; /* packet time span */
	double seconds;          /* wall time of the run */
	const char *error;       /* capture error that ended the run, or NULL */
	__u64 records_dropped;   /* collector could not track (table full) */
	/* Detection's state at the end, NULL when it was off; interim views
	 * of young flows it was given besides the records. */
	const struct bh_detect_stats *detect;
	__u64 interim_views;
};

int bh_report_new(struct bh_report **out);
void bh_report_free(struct bh_report **r);

void bh_report_packet(struct bh_report *r, __u8 verdict, __u8 reason,
		      __u32 wire_len);
void bh_report_record(struct bh_report *r, const struct bh_flow_record *rec);
void bh_report_alert(struct bh_report *r, const struct bh_detect_alert *a);

/* After the last alert: marks the edges alerts name (ALERTED, graph). */
void bh_report_close(struct bh_report *r);

void bh_report_print_text(const struct bh_report *r, FILE *out,
			  const struct bh_report_meta *m);
/* One JSON object {"summary": {...}} on one line. */
void bh_report_print_json(const struct bh_report *r, FILE *out,
			  const struct bh_report_meta *m);

/* The graph as Graphviz DOT, or SVG when path ends in ".svg" (rendered by
 * Graphviz's dot). 0 or -errno, with a message in err. */
int bh_report_graph(const struct bh_report *r, const char *path, char *err,
		    size_t errlen);

#endif /* BH_REPORT_H */
