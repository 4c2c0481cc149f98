// SPDX-License-Identifier: GPL-2.0-only
#include "node_stats.h"

#include <string.h>

#include "bpf_source.h"
#include "clock.h"
#include "export.h"

void bh_node_stats_collect(struct bh_node_stats *ns, const char *node,
			   const struct bh_stats *dp,
			   const struct bh_collector *c,
			   const struct bh_bpf_source *src,
			   struct bh_export *e, __u32 generation)
{
	struct bh_bpf_source_occupancy occ;

	memset(ns, 0, sizeof(*ns));
	ns->time_ns = bh_clock_wall_now_ns();
	ns->node = node;
	ns->policy_generation = generation;
	if (dp) {
		ns->have_dp = true;
		ns->dp = *dp;
	}
	if (c) {
		ns->have_collector = true;
		bh_collector_stats(c, &ns->col);
		ns->maps[ns->n_maps++] = (struct bh_map_occupancy){
			"collector", ns->col.flows_tracked,
			ns->col.flows_capacity
		};
	}
	if (src) {
		bh_bpf_source_occupancy(src, &occ);
		ns->maps[ns->n_maps++] = (struct bh_map_occupancy){
			"bh_flows", occ.flows, occ.flows_max
		};
		ns->maps[ns->n_maps++] = (struct bh_map_occupancy){
			"bh_denied", occ.denied, occ.denied_max
		};
	}
	if (e) {
		ns->have_export = true;
		bh_export_stats(e, &ns->exp);
	}
}
