/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-target layer, BPF side: the few operations the dual-target classifier
 * needs (map access, clock, events, atomics). bh_target_host.h is the same
 * list for the host build (src/native/).
 */
#ifndef BH_TARGET_KERN_H
#define BH_TARGET_KERN_H

#include "bh_maps_kern.h"

/* No environment in BPF: the maps are globals and env is always NULL. The
 * type is complete so that a global function can take it as an argument. */
struct bh_env {
	__u8 unused;
};

/* A step of the pipeline verified on its own (a global BPF function): the
 * verifier checks it once instead of once per path that reaches it. Its
 * pointer arguments may be NULL as far as the verifier knows. */
#define BH_STEP __attribute__((noinline))

#define BH_ANY BPF_ANY
#define BH_NOEXIST BPF_NOEXIST

#define bh_t_lookup(env, map, key) bpf_map_lookup_elem(&map, key)
#define bh_t_update(env, map, key, val, flags)                                 \
	bpf_map_update_elem(&map, key, val, flags)
#define bh_t_delete(env, map, key) bpf_map_delete_elem(&map, key)

static __always_inline void *bh_t_single(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

#define bh_t_config(env) ((struct bh_config *)bh_t_single(&bh_config))
#define bh_t_stats(env) ((struct bh_stats *)bh_t_single(&bh_stats))
#define bh_t_ratelimit(env) ((struct bh_ratelimit *)bh_t_single(&bh_ratelimit))

/* Tick-resolution clock: enough for timeouts and last-seen, and a fraction
 * of bpf_ktime_get_ns()'s cost (BENCHMARKS.md). Overridable so that the
 * benchmark can measure the alternatives. */
#ifndef bh_t_now
#define bh_t_now(env) bpf_ktime_get_coarse_ns()
#endif

/* Flow counters are shared by the CPUs that see the flow. */
#ifndef bh_t_add64
#define bh_t_add64(p, v) __sync_fetch_and_add((p), (v))
#endif

/* 0, or -errno when the ring has no room. */
#define bh_t_event(env, ev)                                                    \
	bpf_ringbuf_output(&bh_events, (ev), sizeof(struct bh_event), 0)

/* Per-packet result for BPF_PROG_TEST_RUN replay (BH_CFG_RECORD_RESULT). */
struct bh_result bh_last_result;
#define bh_t_record(env, res) (bh_last_result = *(res))

#endif /* BH_TARGET_KERN_H */
