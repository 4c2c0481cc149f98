/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Telemetry for people: filters and the two output formats of
 * `bulkhead observe`.
 *
 * Text, one line per envelope, like `hubble observe`:
 *   TIME SRC -> DST PROTO VERDICT rule=RULE bytes=I/R pkts=I/R end=WHY
 * JSON, one object per line: the envelope with proto field names, enums
 * by name, 64-bit integers as strings and bytes in base64 (the proto3 JSON
 * mapping, as MessageToJson(preserving_proto_field_name=True) prints it),
 * except that address fields (ip, outer_src_ip, outer_dst_ip) are printed
 * as text addresses.
 */
#ifndef BH_PRINT_H
#define BH_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "telemetry.pb-c.h"

#define BH_PRINT_FLOW 0x1
#define BH_PRINT_ALERT 0x2
#define BH_PRINT_STATS 0x4

#define BH_FILTER_MAX 16

struct bh_print_filter {
	unsigned int types; /* BH_PRINT_*; 0 = flows and alerts */
	/* Each list: empty = any; else any item matches. */
	const char *workloads[BH_FILTER_MAX]; /* workload or external group */
	unsigned int n_workloads;
	unsigned int verdicts; /* bit per bh_verdict; 0 = any */
	unsigned int ports[BH_FILTER_MAX];
	unsigned int n_ports;
	/* "key=value": all of them on one endpoint (either side). */
	const char *labels[BH_FILTER_MAX];
	unsigned int n_labels;
	unsigned long long since_ns; /* 0 = open */
	unsigned long long until_ns; /* 0 = open */
};

bool bh_print_match(const struct bh_print_filter *f,
		    const Bulkhead__Telemetry__V1__Envelope *env);

void bh_print_text(FILE *out, const Bulkhead__Telemetry__V1__Envelope *env);
void bh_print_json(FILE *out, const Bulkhead__Telemetry__V1__Envelope *env);

/* Time as RFC 3339 UTC with milliseconds: "2023-11-14T22:13:20.000Z". */
void bh_print_time(char *buf, size_t len, unsigned long long ns);

#endif /* BH_PRINT_H */
