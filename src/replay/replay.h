/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forensic replay: capture files through an engine (native or bpf), the
 * collector, enrichment, detection and export, driven by packet time so
 * that two runs give byte-identical results.
 */
#ifndef BH_REPLAY_H
#define BH_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "bh_compiled.h"
#include "detect.h"
#include "engine.h"

struct bh_geo;
struct bh_geo_novelty_config;

enum bh_replay_format {
	BH_REPLAY_TEXT = 0,
	BH_REPLAY_JSON = 1,
};

/* Which flow records are printed. */
enum bh_replay_flows {
	BH_REPLAY_FLOWS_ALL = 0,
	BH_REPLAY_FLOWS_DENIED = 1, /* deny and would-deny */
	BH_REPLAY_FLOWS_NONE = 2,
};

struct bh_replay_opts {
	char *const *files;
	size_t n_files;
	const struct bh_compiled_policy *cp;
	const char *policy_name; /* for the summary */
	enum bh_engine_kind engine;
	const struct bh_detect_config *detect; /* NULL: detection off */
	struct bh_geo *geo;                    /* NULL: no enrichment */
	/* geo novelty detector (with geo and detect); NULL: off */
	const struct bh_geo_novelty_config *geo_novelty;
	const char *telemetry;   /* protobuf stream to this file */
	const char *denied_pcap; /* denied and would-deny packets */
	const char *graph;       /* .dot or .svg */
	const char *packets;     /* per-packet results, one line each */
	const char *baseline_out; /* detection baseline learned, saved */
	const char *node;        /* node name in records; "replay" */
	enum bh_replay_format format;
	enum bh_replay_flows flows;
	bool progress; /* progress bar on stderr */
	FILE *out;
	__u64 poll_interval_ns; /* collector polls in packet time; 1 s */
	__u64 idle_timeout_ns;  /* 0: collector default (15 s) */
	__u64 active_timeout_ns; /* 0: collector default (60 s) */
	/* Read the whole flow tables at every poll, as the bpf engine has
	 * to, instead of what changed (flowpoll.h): same results, slower; to
	 * check the incremental polls against. */
	bool full_polls;
	/* Run the pipeline (detection, export, report, printing) on the
	 * replay's thread instead of one of its own: same results. */
	bool no_pipeline_thread;
};

/* 0 when every file was read to its end; -EIO when a capture was truncated
 * or corrupt (the message is in err; everything before it was replayed and
 * reported); another -errno when the run could not start or an output
 * could not be written (message in err). */
int bh_replay_run(const struct bh_replay_opts *o, char *err, size_t errlen);

#endif /* BH_REPLAY_H */
