// SPDX-License-Identifier: GPL-2.0-only
#include "clock.h"

#include <time.h>

static __u64 ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

__u64 bh_clock_wall_now_ns(void)
{
	return ts_ns(CLOCK_REALTIME);
}

static __u64 live_now(struct bh_clock *clk)
{
	__u64 mono = ts_ns(CLOCK_MONOTONIC);

	clk->wall_offset_ns = (__s64)(ts_ns(CLOCK_REALTIME) - mono);
	return mono;
}

static __u64 live_to_wall(const struct bh_clock *clk, __u64 t)
{
	return t + (__u64)clk->wall_offset_ns;
}

void bh_clock_init_live(struct bh_clock *clk)
{
	clk->now_ns = live_now;
	clk->to_wall_ns = live_to_wall;
	clk->replay_ns = 0;
	live_now(clk);
}

static __u64 replay_now(struct bh_clock *clk)
{
	return clk->replay_ns;
}

static __u64 replay_to_wall(const struct bh_clock *clk, __u64 t)
{
	(void)clk;
	return t;
}

void bh_clock_init_replay(struct bh_clock *clk)
{
	clk->now_ns = replay_now;
	clk->to_wall_ns = replay_to_wall;
	clk->wall_offset_ns = 0;
	clk->replay_ns = 0;
}

void bh_clock_replay_set(struct bh_clock *clk, __u64 packet_ns)
{
	clk->replay_ns = packet_ns;
}
