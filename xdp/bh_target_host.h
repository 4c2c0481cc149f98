/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-target layer, host side: the operations of bh_target_kern.h over the
 * native engine's in-memory tables (implemented in src/native/). The
 * environment is the engine itself; everything is single-threaded.
 */
#ifndef BH_TARGET_HOST_H
#define BH_TARGET_HOST_H

#include "bh_compat.h"
#include "bulkhead_abi.h"

struct bh_env;

/* Pipeline steps are ordinary inline functions on the host. */
#define BH_STEP static __always_inline

/* The host tables, named after the BPF maps they mirror. */
enum bh_host_map {
	BH_HMAP_bh_flows,
	BH_HMAP_bh_denied,
	BH_HMAP_bh_frags,
	BH_HMAP_bh_id_exact,
	BH_HMAP_bh_id_cidr,
	BH_HMAP_bh_port_exact,
	BH_HMAP_bh_port_lpm,
	BH_HMAP_bh_bitmaps,
	BH_HMAP_bh_rules,
	BH_HMAP_MAX,
};

/* Update flags, same values as BPF_ANY/BPF_NOEXIST. */
#define BH_ANY 0
#define BH_NOEXIST 1

void *bh_host_lookup(struct bh_env *env, enum bh_host_map map,
		     const void *key);
int bh_host_update(struct bh_env *env, enum bh_host_map map, const void *key,
		   const void *val, __u64 flags);
int bh_host_delete(struct bh_env *env, enum bh_host_map map, const void *key);
struct bh_config *bh_host_config(struct bh_env *env);
struct bh_stats *bh_host_stats(struct bh_env *env);
struct bh_ratelimit *bh_host_ratelimit(struct bh_env *env);
__u64 bh_host_now(struct bh_env *env);
int bh_host_event(struct bh_env *env, const struct bh_event *ev);
void bh_host_record(struct bh_env *env, const struct bh_result *res);

#define bh_t_lookup(env, map, key) bh_host_lookup(env, BH_HMAP_##map, key)
#define bh_t_update(env, map, key, val, flags)                                 \
	bh_host_update(env, BH_HMAP_##map, key, val, flags)
#define bh_t_delete(env, map, key) bh_host_delete(env, BH_HMAP_##map, key)
#define bh_t_config(env) bh_host_config(env)
#define bh_t_stats(env) bh_host_stats(env)
#define bh_t_ratelimit(env) bh_host_ratelimit(env)
#define bh_t_now(env) bh_host_now(env)
#define bh_t_add64(p, v) (*(p) += (v))
#define bh_t_event(env, ev) bh_host_event(env, ev)
#define bh_t_record(env, res) bh_host_record(env, res)

#endif /* BH_TARGET_HOST_H */
