/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's clock. Flow timestamps come from the data plane in its
 * own time base: the kernel's monotonic clock live, packet time (already
 * wall-clock) in replay. The clock gives "now" in that base, for timeouts,
 * and converts it to wall-clock time for records.
 */
#ifndef BH_CLOCK_H
#define BH_CLOCK_H

#include <linux/types.h>

struct bh_clock {
	/* Now, in the data plane's time base. */
	__u64 (*now_ns)(struct bh_clock *clk);
	/* A time in the data plane's base as ns since the Unix epoch. */
	__u64 (*to_wall_ns)(const struct bh_clock *clk, __u64 t);
	/* live: CLOCK_REALTIME - CLOCK_MONOTONIC at the last now_ns(), so that
	 * a wall-clock step (NTP) applies from the next poll on. */
	__s64 wall_offset_ns;
	/* replay: the time of the last packet (bh_clock_replay_set). */
	__u64 replay_ns;
};

/* Live: the kernel monotonic clock (bpf_ktime_get_ns(), and its coarse
 * variant, count CLOCK_MONOTONIC), converted to CLOCK_REALTIME. */
void bh_clock_init_live(struct bh_clock *clk);

/* Replay: time is what the caller sets, already wall-clock. */
void bh_clock_init_replay(struct bh_clock *clk);
void bh_clock_replay_set(struct bh_clock *clk, __u64 packet_ns);

/* CLOCK_REALTIME in ns. */
__u64 bh_clock_wall_now_ns(void);

#endif /* BH_CLOCK_H */
