// SPDX-License-Identifier: GPL-2.0-only
/* Open/load/pin the data plane, policy switch, endpoints, settings. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bh_ct.h"
#include "loader_priv.h"
#include "log.h"
#include "policy_entries.h"

#define BH_DP_EV_RATE 10000 /* default events/s per CPU */
#define BH_DP_EV_BURST 1000

/* Maps userspace reopens after a restart (CONVENTIONS.md rule 5). */
static struct bpf_map *bh_dp_pinned_map(struct bulkhead *s, int i)
{
	struct bpf_map *maps[] = {
		s->maps.bh_config,     s->maps.bh_flows,     s->maps.bh_denied,
		s->maps.bh_frags,      s->maps.bh_id_exact,  s->maps.bh_id_cidr,
		s->maps.bh_port_exact, s->maps.bh_port_lpm,  s->maps.bh_bitmaps,
		s->maps.bh_rules,      s->maps.bh_stats,     s->maps.bh_events,
		s->maps.bh_reported,
	};

	return i < (int)(sizeof(maps) / sizeof(maps[0])) ? maps[i] : NULL;
}

static int bh_dp_size(struct bpf_map *map, __u32 n)
{
	int err;

	if (!n)
		return 0;
	err = bpf_map__set_max_entries(map, n);
	if (err)
		pr_warn("loader: cannot size map %s to %u entries: %s\n",
			bpf_map__name(map), n, strerror(-err));
	return err;
}

static int bh_dp_pin_setup(struct bh_dp *dp, const char *dir)
{
	struct bpf_map *map;
	char path[512];
	int i, err;

	for (i = 0; (map = bh_dp_pinned_map(dp->skel, i)); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     bpf_map__name(map)) >= (int)sizeof(path)) {
			pr_warn("loader: pin directory %s: path too long\n",
				dir);
			return -ENAMETOOLONG;
		}
		if (i == 0 && access(path, F_OK) == 0)
			dp->adopted = true;
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			pr_warn("loader: cannot pin %s at %s: %s\n",
				bpf_map__name(map), path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* An ARRAY_OF_MAPS whose update makes the kernel wait for an RCU grace
 * period (maybe_wait_bpf_programs() in kernel/bpf/syscall.c): afterwards
 * no XDP program that started before the update is still running. */
static int bh_dp_sync_setup(struct bh_dp *dp)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int err;

	dp->sync_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bh_sync_in", 4, 4,
					1, NULL);
	if (dp->sync_inner < 0) {
		err = -errno;
		goto fail;
	}
	o.inner_map_fd = dp->sync_inner;
	dp->sync_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "bh_sync",
					4, 4, 1, &o);
	if (dp->sync_outer < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	pr_warn("loader: cannot create the RCU sync map: %s\n", strerror(-err));
	return err;
}

int bh_dp_sync(struct bh_dp *dp)
{
	__u32 zero = 0;
	int err;

	if (bpf_map_update_elem(dp->sync_outer, &zero, &dp->sync_inner,
				BPF_ANY)) {
		err = -errno;
		pr_warn("loader: RCU sync through bh_sync failed: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
}

int bh_dp_open(struct bh_dp **out, const struct bh_dp_opts *opts)
{
	struct bh_dp_opts o = { 0 };
	struct bulkhead *s;
	struct bh_dp *dp;
	int err;

	*out = NULL;
	if (opts)
		o = *opts;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->sync_inner = dp->sync_outer = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		pr_warn("loader: cannot count CPUs: %s\n", strerror(-err));
		goto fail;
	}
	s = bulkhead__open();
	if (!s) {
		err = -errno;
		pr_warn("loader: cannot open the BPF object: %s\n",
			strerror(-err));
		goto fail;
	}
	dp->skel = s;
	err = bh_dp_size(s->maps.bh_flows, o.flow_entries);
	err = err ?: bh_dp_size(s->maps.bh_denied, o.denied_entries);
	/* a flow of either map at most once */
	err = err ?: bh_dp_size(s->maps.bh_reported,
			       bpf_map__max_entries(s->maps.bh_flows) +
				       bpf_map__max_entries(s->maps.bh_denied));
	err = err ?: bh_dp_size(s->maps.bh_frags, o.frag_entries);
	err = err ?: bh_dp_size(s->maps.bh_id_exact, o.id_entries);
	err = err ?: bh_dp_size(s->maps.bh_id_cidr, o.cidr_entries);
	err = err ?: bh_dp_size(s->maps.bh_port_exact, o.port_entries);
	err = err ?: bh_dp_size(s->maps.bh_port_lpm, o.port_entries);
	err = err ?: bh_dp_size(s->maps.bh_bitmaps, o.bitmap_entries);
	err = err ?: bh_dp_size(s->maps.bh_events, o.ring_bytes);
	if (err)
		goto fail;
	bpf_program__set_autoload(s->progs.bulkhead_tc, o.tc_egress);
	if (o.pin_dir) {
		err = bh_dp_pin_setup(dp, o.pin_dir);
		if (err)
			goto fail;
	}
	err = bulkhead__load(s);
	if (err) {
		pr_warn("loader: cannot load the XDP program and maps%s: %s\n",
			dp->adopted ? " (pinned maps of another layout?)" : "",
			strerror(-err));
		goto fail;
	}
	dp->cfg_len = (size_t)sysconf(_SC_PAGESIZE);
	dp->cfg = mmap(NULL, dp->cfg_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(s->maps.bh_config), 0);
	if (dp->cfg == MAP_FAILED) {
		err = -errno;
		dp->cfg = NULL;
		pr_warn("loader: cannot mmap bh_config: %s\n", strerror(-err));
		goto fail;
	}
	if (!dp->adopted) {
		bh_ct_default_timeouts(dp->cfg);
		dp->cfg->flags = BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY;
		dp->cfg->ev_rate = BH_DP_EV_RATE;
		dp->cfg->ev_burst = BH_DP_EV_BURST;
		dp->cfg->deny_cache_rate = BH_DENY_CACHE_RATE;
		dp->cfg->deny_cache_burst = BH_DENY_CACHE_BURST;
	}
	err = bh_dp_sync_setup(dp);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	bh_dp_free(&dp);
	return err;
}

void bh_dp_free(struct bh_dp **dpp)
{
	struct bh_dp *dp = dpp ? *dpp : NULL;

	if (!dp)
		return;
	bh_dp_attach_cleanup(dp);
	ring_buffer__free(dp->rb);
	if (dp->cfg)
		munmap(dp->cfg, dp->cfg_len);
	if (dp->sync_outer >= 0)
		close(dp->sync_outer);
	if (dp->sync_inner >= 0)
		close(dp->sync_inner);
	bulkhead__destroy(dp->skel);
	free(dp);
	*dpp = NULL;
}

int bh_dp_prog_fd(const struct bh_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.bulkhead_xdp);
}

int bh_dp_map_fd(const struct bh_dp *dp, const char *name)
{
	struct bpf_map *map;

	map = bpf_object__find_map_by_name(dp->skel->obj, name);
	return map ? bpf_map__fd(map) : -ENOENT;
}

bool bh_dp_adopted(const struct bh_dp *dp)
{
	return dp->adopted;
}

struct bh_config *bh_dp_config(struct bh_dp *dp)
{
	return dp->cfg;
}

/* ------------------------------------------------------------------------ */
/* Policy.                                                                  */

static int bh_dp_pmap_fd(struct bh_dp *dp, enum bh_pmap m)
{
	struct bulkhead *s = dp->skel;

	switch (m) {
	case BH_PMAP_ID_EXACT:
		return bpf_map__fd(s->maps.bh_id_exact);
	case BH_PMAP_ID_CIDR:
		return bpf_map__fd(s->maps.bh_id_cidr);
	case BH_PMAP_PORT_EXACT:
		return bpf_map__fd(s->maps.bh_port_exact);
	case BH_PMAP_PORT_LPM:
		return bpf_map__fd(s->maps.bh_port_lpm);
	case BH_PMAP_BITMAPS:
		return bpf_map__fd(s->maps.bh_bitmaps);
	case BH_PMAP_RULES:
		return bpf_map__fd(s->maps.bh_rules);
	default:
		return -EINVAL;
	}
}

static size_t bh_dp_pmap_key_size(enum bh_pmap m)
{
	switch (m) {
	case BH_PMAP_ID_EXACT:
		return sizeof(struct bh_id_exact_key);
	case BH_PMAP_ID_CIDR:
		return sizeof(struct bh_id_cidr_key);
	case BH_PMAP_PORT_EXACT:
		return sizeof(struct bh_port_key);
	case BH_PMAP_PORT_LPM:
		return sizeof(struct bh_port_lpm_key);
	case BH_PMAP_BITMAPS:
		return sizeof(struct bh_bitmap_key);
	default:
		return sizeof(__u32);
	}
}

/* Delete every key of slot from a policy hash/LPM map: collect first, then
 * delete, since deleting while walking restarts get_next_key. */
static int bh_dp_clear_map(struct bh_dp *dp, enum bh_pmap m, __u32 slot)
{
	int fd = bh_dp_pmap_fd(dp, m), err = 0;
	size_t ks = bh_dp_pmap_key_size(m), n = 0, cap = 0, i;
	unsigned char *keys = NULL, *tmp, cur[64];
	const void *prev = NULL;

	for (;;) {
		if (bpf_map_get_next_key(fd, prev, cur)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(keys, cap * ks);
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
			keys = tmp;
		}
		memcpy(keys + n * ks, cur, ks);
		prev = keys + n * ks;
		n++;
	}
	for (i = 0; !err && i < n; i++) {
		if (bh_pentry_slot(m, keys + i * ks) != slot)
			continue;
		if (bpf_map_delete_elem(fd, keys + i * ks) && errno != ENOENT)
			err = -errno;
	}
	if (err)
		pr_warn("loader: cannot clear slot %u of %s: %s\n", slot,
			bh_pmap_name(m), strerror(-err));
	free(keys);
	return err;
}

static int bh_dp_clear_slot(struct bh_dp *dp, __u32 slot, __u32 old_rules)
{
	struct bh_rule zero = { 0 };
	int fd = bh_dp_pmap_fd(dp, BH_PMAP_RULES), err;
	__u32 i, idx;

	err = bh_dp_clear_map(dp, BH_PMAP_ID_EXACT, slot);
	err = err ?: bh_dp_clear_map(dp, BH_PMAP_ID_CIDR, slot);
	err = err ?: bh_dp_clear_map(dp, BH_PMAP_PORT_EXACT, slot);
	err = err ?: bh_dp_clear_map(dp, BH_PMAP_PORT_LPM, slot);
	err = err ?: bh_dp_clear_map(dp, BH_PMAP_BITMAPS, slot);
	if (old_rules > BH_MAX_RULES)
		old_rules = BH_MAX_RULES;
	for (i = 0; !err && i < old_rules; i++) {
		idx = slot * BH_MAX_RULES + i;
		if (bpf_map_update_elem(fd, &idx, &zero, BPF_ANY))
			err = -errno;
	}
	return err;
}

struct bh_dp_put {
	struct bh_dp *dp;
	size_t n;
};

static int bh_dp_put_one(void *ctx, enum bh_pmap m, const void *key,
			 const void *val)
{
	struct bh_dp_put *p = ctx;
	int err;

	if (bpf_map_update_elem(bh_dp_pmap_fd(p->dp, m), key, val, BPF_ANY)) {
		err = -errno;
		pr_warn("loader: cannot write entry %zu of the policy into %s: "
			"%s%s\n",
			p->n, bh_pmap_name(m), strerror(-err),
			err == -E2BIG || err == -ENOSPC ?
				" (map full: raise its size)" :
				"");
		return err;
	}
	p->n++;
	return 0;
}

int bh_dp_load_policy(struct bh_dp *dp, const struct bh_compiled_policy *cp,
		      __u32 *generation)
{
	struct bh_config *cfg = dp->cfg;
	__u32 epoch = __atomic_load_n(&cfg->epoch, __ATOMIC_ACQUIRE);
	__u32 slot = (epoch & 1) ^ 1, gen;
	struct bh_dp_put put = { .dp = dp };
	int err;

	if (!cp)
		return -EINVAL;
	err = bh_policy_entries_check(cp);
	if (err)
		return err;
	/* The inactive slot: no program has used it since the previous
	 * switch's RCU wait. */
	err = bh_dp_clear_slot(dp, slot, cfg->slot[slot].n_rules);
	err = err ?: bh_policy_entries(cp, slot, bh_dp_put_one, &put);
	if (err) {
		bh_dp_clear_slot(dp, slot, (__u32)cp->n_rules);
		return err;
	}
	gen = (cfg->flags & BH_CFG_ENABLED) ?
		      cfg->slot[epoch & 1].generation + 1 :
		      1;
	cfg->slot[slot] = cp->hdr;
	cfg->slot[slot].generation = gen;
	/* The switch: one 32-bit store, after everything it publishes. */
	__atomic_store_n(&cfg->epoch, epoch + 1, __ATOMIC_RELEASE);
	/* Enforcement starts only now that a policy is in place. */
	__atomic_or_fetch(&cfg->flags, BH_CFG_ENABLED, __ATOMIC_RELEASE);
	err = bh_dp_sync(dp);
	if (err)
		return err;
	pr_debug("loader: policy generation %u in slot %u (%zu entries)\n",
		 gen, slot, put.n);
	if (generation)
		*generation = gen;
	return 0;
}

static int bh_dp_endpoint(struct bh_dp *dp, const union bh_addr *addr,
			  __u8 prefixlen, const struct bh_identity_info *info)
{
	struct bh_config *cfg = dp->cfg;
	__u32 epoch = __atomic_load_n(&cfg->epoch, __ATOMIC_ACQUIRE);
	__u32 slot = epoch & 1;
	struct bh_id_exact_key ek;
	struct bh_id_cidr_key ck;
	const void *key;
	int fd, err;

	if (!(cfg->flags & BH_CFG_ENABLED))
		return -ENOENT;
	if (!addr || prefixlen > 128)
		return -EINVAL;
	if (bh_pentry_addr_key(slot, addr, prefixlen, &ek, &ck) ==
	    BH_PMAP_ID_EXACT) {
		key = &ek;
		fd = bpf_map__fd(dp->skel->maps.bh_id_exact);
	} else {
		key = &ck;
		fd = bpf_map__fd(dp->skel->maps.bh_id_cidr);
	}
	if (info ? bpf_map_update_elem(fd, key, info, BPF_ANY) :
		   bpf_map_delete_elem(fd, key)) {
		err = -errno;
		pr_warn("loader: cannot %s endpoint /%u: %s\n",
			info ? "add" : "remove", prefixlen, strerror(-err));
		return err;
	}
	/* Same slot, new epoch: cached verdicts are re-decided. */
	__atomic_store_n(&cfg->epoch, epoch + 2, __ATOMIC_RELEASE);
	return 0;
}

int bh_dp_endpoint_add(struct bh_dp *dp, const union bh_addr *addr,
		       __u8 prefixlen, const struct bh_identity_info *info)
{
	if (!info)
		return -EINVAL;
	return bh_dp_endpoint(dp, addr, prefixlen, info);
}

int bh_dp_endpoint_del(struct bh_dp *dp, const union bh_addr *addr,
		       __u8 prefixlen)
{
	return bh_dp_endpoint(dp, addr, prefixlen, NULL);
}

/* ------------------------------------------------------------------------ */
/* Runtime settings.                                                        */

int bh_dp_runtime_get(const struct bh_dp *dp, struct bh_dp_runtime *rt)
{
	const struct bh_config *cfg = dp->cfg;

	memset(rt, 0, sizeof(*rt));
	rt->flags = cfg->flags & (BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY);
	rt->ev_rate = cfg->ev_rate;
	rt->ev_burst = cfg->ev_burst;
	rt->deny_cache_rate = cfg->deny_cache_rate;
	rt->deny_cache_burst = cfg->deny_cache_burst;
	memcpy(rt->ct_timeout_ns, cfg->ct_timeout_ns,
	       sizeof(rt->ct_timeout_ns));
	return 0;
}

int bh_dp_runtime_set(struct bh_dp *dp, const struct bh_dp_runtime *rt)
{
	const __u32 settable = BH_CFG_EV_NEW_FLOWS | BH_CFG_EV_DENY;
	struct bh_config *cfg = dp->cfg;
	__u32 flags;

	if (rt->flags & ~settable) {
		pr_warn("loader: runtime flags 0x%x: only event flags may be "
			"set\n",
			rt->flags);
		return -EINVAL;
	}
	if (rt->ev_rate > 1000000 || rt->deny_cache_rate > 1000000) {
		pr_warn("loader: event rate %u/s, denied-flow cache rate %u/s "
			"per CPU: at most 1000000\n",
			rt->ev_rate, rt->deny_cache_rate);
		return -EINVAL;
	}
	memcpy(cfg->ct_timeout_ns, rt->ct_timeout_ns,
	       sizeof(cfg->ct_timeout_ns));
	cfg->ev_rate = rt->ev_rate;
	cfg->ev_burst = rt->ev_burst;
	cfg->deny_cache_rate = rt->deny_cache_rate;
	cfg->deny_cache_burst = rt->deny_cache_burst;
	flags = (cfg->flags & ~settable) | rt->flags;
	__atomic_store_n(&cfg->flags, flags, __ATOMIC_RELEASE);
	return 0;
}
