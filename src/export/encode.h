/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * C records to protobuf-c messages. The messages point into the record
 * (strings, labels) and into the holder struct (addresses, submessages):
 * no allocation, valid while both live.
 */
#ifndef BH_ENCODE_H
#define BH_ENCODE_H

#include "detect.h"
#include "flow_record.h"
#include "node_stats.h"
#include "telemetry.pb-c.h"

struct bh_pb_flow {
	Bulkhead__Telemetry__V1__FlowRecord flow;
	Bulkhead__Telemetry__V1__Endpoint ep[2];
	Bulkhead__Telemetry__V1__Tunnel tunnel;
	Bulkhead__Telemetry__V1__Icmp icmp;
	uint8_t ip[2][16];
	uint8_t outer[2][16];
	uint32_t vlan[BH_MAX_VLAN_TAGS];
};

void bh_pb_flow_init(struct bh_pb_flow *pb, const struct bh_flow_record *r);

/* An upper bound of the packed size of r's FlowRecord (from its string
 * lengths and the most every other field can take), so that it can be
 * packed without first walking it to size it: sizing costs as much as
 * packing. */
size_t bh_pb_flow_bound(const struct bh_flow_record *r);

/* An address as the proto carries it: 4 bytes for IPv4(-mapped), else 16.
 * Returns the length written to out. */
size_t bh_pb_addr(const union bh_addr *a, uint8_t *out);

struct bh_pb_stats {
	Bulkhead__Telemetry__V1__NodeStats st;
	Bulkhead__Telemetry__V1__VerdictCounter verdict[BH_VERDICT_MAX];
	Bulkhead__Telemetry__V1__VerdictCounter *verdict_p[BH_VERDICT_MAX];
	Bulkhead__Telemetry__V1__ReasonCounter reason[3][BH_REASON_MAX];
	Bulkhead__Telemetry__V1__ReasonCounter *reason_p[3][BH_REASON_MAX];
	Bulkhead__Telemetry__V1__MapOccupancy map[BH_NODE_MAX_MAPS];
	Bulkhead__Telemetry__V1__MapOccupancy *map_p[BH_NODE_MAX_MAPS];
	Bulkhead__Telemetry__V1__SinkStats sink[BH_EXPORT_MAX_SINKS];
	Bulkhead__Telemetry__V1__SinkStats *sink_p[BH_EXPORT_MAX_SINKS];
	Bulkhead__Telemetry__V1__DetectionStats det;
	Bulkhead__Telemetry__V1__DetectorStats detector[BH_DETECT_MAX];
	Bulkhead__Telemetry__V1__DetectorStats *detector_p[BH_DETECT_MAX];
	Bulkhead__Telemetry__V1__MapOccupancy table[BH_DETECT_TABLES];
	Bulkhead__Telemetry__V1__MapOccupancy *table_p[BH_DETECT_TABLES];
};

void bh_pb_stats_init(struct bh_pb_stats *pb, const struct bh_node_stats *ns);

#endif /* BH_ENCODE_H */
