/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Geo novelty detector: a workload talking to a country or an AS that it
 * never talked to during its baseline is an exfiltration or C2 signal
 * (MITRE ATT&CK T1041 Exfiltration Over C2 Channel when the workload mostly
 * sends, T1071 Application Layer Protocol otherwise).
 *
 * Per source identity it keeps the countries and ASNs seen. An identity
 * learns during its baseline, which starts at its first flow; after that,
 * a contact with a country or ASN outside the set opens a finding. Repeats
 * of the same novelty are aggregated into the open finding (flows, bytes,
 * evidence flow ids) until the detection engine drains it, after which the
 * country or ASN counts as known. Time is the flow's time from the caller,
 * so a replay gives the same findings as the live run.
 *
 * Memory is bounded: at most max_identities identities (least recently
 * active evicted: it learns anew when it comes back), max_countries and
 * max_asns entries per identity (least recently seen evicted), max_pending
 * open findings (more are dropped); every eviction and drop is counted.
 * Not thread-safe.
 */
#ifndef BH_GEO_NOVELTY_H
#define BH_GEO_NOVELTY_H

#include <stddef.h>
#include <stdio.h>

#include "geo.h"

/* bh_geo_finding.what */
#define BH_GEO_NEW_COUNTRY 0x01
#define BH_GEO_NEW_ASN	   0x02

/* Evidence flow ids kept per finding (the first ones); .flows counts all. */
#define BH_GEO_FINDING_EVIDENCE 8

/* Findings one contact can open or be folded into: an open finding about
 * its country, another about its AS, or one new finding beside one. */
#define BH_GEO_CONTACT_FINDINGS 2

enum bh_geo_technique {
	BH_GEO_TECH_T1071 = 0, /* Application Layer Protocol (C2) */
	BH_GEO_TECH_T1041 = 1, /* Exfiltration Over C2 Channel */
};

/* The numbers of bulkhead.telemetry.v1.Severity (proto/telemetry.proto),
 * so that the detection engine copies them into Alert.severity. */
enum bh_geo_severity {
	BH_GEO_SEV_LOW = 2,
	BH_GEO_SEV_MEDIUM = 3,
	BH_GEO_SEV_HIGH = 4,
};

/* One flow record's external peer, as the detection engine sees it. */
struct bh_geo_contact {
	__u32 identity;		       /* the workload (source) identity */
	__u64 ts_ns;		       /* flow time (packet time in replay) */
	__u64 flow_id;		       /* evidence: the flow record's id */
	union bh_addr remote;	       /* the external endpoint */
	const struct bh_geo_info *geo; /* its enrichment (may be NULL) */
	__u64 bytes_out;	       /* sent by the workload to the peer */
	__u64 bytes_in;		       /* received from the peer */
};

struct bh_geo_finding {
	__u32 identity;
	__u32 what;		/* BH_GEO_NEW_*: what was never seen */
	struct bh_geo_info geo; /* the peer's enrichment, first contact */
	union bh_addr remote;	/* the first peer */
	__u32 pad0;
	__u64 first_seen_ns;   /* first contact (flow time) */
	__u64 last_seen_ns;    /* last aggregated contact */
	__u64 baseline_end_ns; /* end of the identity's baseline */
	__u64 flow_ids[BH_GEO_FINDING_EVIDENCE];
	/* bytes of each evidence flow as last accounted: a flow's later
	 * views (bh_geo_novelty_flow_bytes) add what it sent since */
	__u64 flow_out[BH_GEO_FINDING_EVIDENCE];
	__u64 flow_in[BH_GEO_FINDING_EVIDENCE];
	__u32 n_flow_ids;
	__u32 flows;	 /* contacts aggregated, first included */
	__u64 bytes_out; /* summed over the aggregated contacts */
	__u64 bytes_in;
	__u8 technique; /* enum bh_geo_technique */
	__u8 severity;	/* enum bh_geo_severity */
	__u8 score;	/* 0..100; Alert.score = score / 100 */
	__u8 pad[5];
};

struct bh_geo_novelty_stats {
	__u64 contacts;		/* bh_geo_novelty_observe() calls */
	__u64 unenriched;	/* contacts without country and ASN */
	__u64 learned;		/* entries added during baselines */
	__u64 findings;		/* findings opened */
	__u64 aggregated;	/* contacts folded into an open finding */
	__u64 drained;		/* findings drained or expired */
	__u64 findings_dropped; /* no room for an open finding */
	__u64 identity_evictions;
	__u64 entry_evictions;
	__u32 identities;	/* now tracked */
	__u32 pending;		/* open findings now */
	__u64 memory_bytes;	/* allocated now */
	__u64 memory_max_bytes; /* bound for this configuration */
};

struct bh_geo_novelty;

/* What the identities learned, as records of the detection baseline file
 * (detect.learning.baseline, tag "geo"), so that a restarted daemon does
 * not learn every workload's countries and ASes anew, blind to novelty for
 * a whole baseline period:
 *   geo id <identity> <first flow ns>
 *   geo country <identity> <CC> <last seen ns>
 *   geo asn <identity> <ASN> <last seen ns>
 * identities least recently active first, each before its entries. Every
 * entry counts as known after a load (novel ones were reported). */
int bh_geo_novelty_save(const struct bh_geo_novelty *n, FILE *fp);
/* One record, its fields after the tag; 0, or -EINVAL with why. */
int bh_geo_novelty_load(struct bh_geo_novelty *n, char **f, unsigned int nf,
			const char **why);

int bh_geo_novelty_new(struct bh_geo_novelty **out,
		       const struct bh_geo_novelty_config *cfg);
void bh_geo_novelty_free(struct bh_geo_novelty **n);

/* The identity was seen at ts_ns, in any flow and whatever its peer: its
 * baseline starts at the earliest such time, so that a workload whose first
 * contact with the outside comes after its baseline is judged, not taught.
 * Without it, the baseline starts at the identity's first contact. 0 or
 * -EINVAL. */
int bh_geo_novelty_touch(struct bh_geo_novelty *n, __u32 identity, __u64 ts_ns);

/* Account one contact. Returns 1 when it opened a finding, 0 otherwise
 * (learned, known, aggregated, or nothing to judge), -EINVAL on bad
 * arguments. */
int bh_geo_novelty_observe(struct bh_geo_novelty *n,
			   const struct bh_geo_contact *c);

/* The same, for a caller that reports a novelty as soon as it is seen and
 * updates the report as it grows: copies the open findings the contact
 * opened or was folded into to out[], judged (technique, severity, score)
 * on their totals so far; a finding just opened has flows == 1. Returns
 * how many (0..BH_GEO_CONTACT_FINDINGS) or -errno. Such a caller retires
 * due findings with bh_geo_novelty_expire() instead of draining them. */
int bh_geo_novelty_contact(struct bh_geo_novelty *n,
			   const struct bh_geo_contact *c,
			   struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS]);

/* A later view of a flow already counted by a contact (detection sees a
 * flow several times while it grows): its cumulative bytes replace those
 * accounted so far in every open finding that holds it as evidence, which
 * are then judged again into out[] (an upload that grows past the
 * threshold turns T1071 into T1041). Returns how many, or -errno. Flows
 * past the evidence cap keep the bytes of their first view. */
int bh_geo_novelty_flow_bytes(struct bh_geo_novelty *n, __u32 identity,
			      __u64 flow_id, __u64 bytes_out, __u64 bytes_in,
			      struct bh_geo_finding out[BH_GEO_CONTACT_FINDINGS]);

/* Hand over, oldest first, up to max open findings whose aggregation
 * window (first contact + cfg->aggregate_ns) ended at or before now_ns;
 * UINT64_MAX drains all (end of a replay). Technique, severity and score
 * are decided here, on the aggregated bytes. Returns the number written. */
size_t bh_geo_novelty_drain(struct bh_geo_novelty *n, __u64 now_ns,
			    struct bh_geo_finding *out, size_t max);

/* Close the open findings whose aggregation window ended at or before
 * now_ns without handing them over: their country or ASN counts as known
 * from then on. Returns how many. */
size_t bh_geo_novelty_expire(struct bh_geo_novelty *n, __u64 now_ns);

void bh_geo_novelty_get_stats(const struct bh_geo_novelty *n,
			      struct bh_geo_novelty_stats *st);

/* "T1041" / "T1071", and the technique's name. */
const char *bh_geo_technique_id(unsigned int t);
const char *bh_geo_technique_name(unsigned int t);
const char *bh_geo_severity_str(unsigned int s);

#endif /* BH_GEO_NOVELTY_H */
