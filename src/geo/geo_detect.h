/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The geo novelty detector (geo_novelty.h) as a plug-in of the detection
 * engine (detect_plugin.h): detector "geo_novelty", MITRE ATT&CK T1041 or
 * T1071. Its alerts go through the engine's aggregation, allowlists and
 * alert callback like those of the built-in detectors, so they reach
 * telemetry, `bulkhead observe` and the replay summary the same way.
 *
 * What it looks at, in every flow record the engine gets:
 *  - every workload on either side (identity >= BH_ID_FIRST_USER, not
 *    external) starts its baseline at its first flow, whatever the peer;
 *  - a flow a workload initiated towards an external endpoint (world or an
 *    external group) is a contact with that endpoint's country and AS, as
 *    the geo handle finds them (through its cache). Only a flow's first
 *    record counts: its bytes decide between T1041 and T1071. Every
 *    verdict counts: a denied upload still says the workload tried.
 *
 * A contact with a country or AS new for the workload after its baseline
 * raises an alert at once (state new); contacts with it within the
 * aggregation window update it (flows, bytes, evidence, technique and
 * severity as they grow); then it counts as known.
 *
 * The workload key of the engine (bh_detect_peer.workload, else the
 * identity) is the novelty identity: replicas share their baseline.
 */
#ifndef BH_GEO_DETECT_H
#define BH_GEO_DETECT_H

#include "detect_plugin.h"
#include "geo.h"
#include "geo_novelty.h"

struct bh_geo_detector;

/* Register the detector with d (before d's first flow). geo must outlive
 * the detector; cfg is copied. 0, or -errno: -EINVAL for a bad
 * configuration, -EBUSY/-ENOSPC from bh_detect_register(). */
int bh_geo_detector_new(struct bh_geo_detector **out, struct bh_detect *d,
			struct bh_geo *geo,
			const struct bh_geo_novelty_config *cfg);

/* After the engine is freed, or before its next flow. */
void bh_geo_detector_free(struct bh_geo_detector **gd);

/* The detector number in alerts and in bh_detect_stats. */
unsigned int bh_geo_detector_id(const struct bh_geo_detector *gd);

void bh_geo_detector_stats(const struct bh_geo_detector *gd,
			   struct bh_geo_novelty_stats *st);

#endif /* BH_GEO_DETECT_H */
