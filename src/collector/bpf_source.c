// SPDX-License-Identifier: GPL-2.0-only
#include "bpf_source.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"

struct bh_bpf_source {
	struct bh_collector *c;
	struct bh_bpf_source_opts opts;
	struct ring_buffer *ring;
	struct bh_flow_key *keys;
	struct bh_flow *vals;
	struct bh_bpf_source_occupancy occ;
	int events; /* handled in the current ring_buffer__poll() call */
	__u64 reported_errors; /* bh_reported updates that failed */
	/* A pass in progress (bh_bpf_source_poll_step): which map, the
	 * batch cursor, entries read so far in that map. */
	bool in_pass;
	bool pass_denied;
	bool pass_first;
	__u32 pass_cursor;
	__u64 pass_entries;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct bh_bpf_source *s = ctx;
	struct bh_event ev;

	/* Copy: ring memory is only guaranteed aligned to 8 and the struct
	 * may grow; shorter records are malformed. */
	if (size < sizeof(ev)) {
		struct bh_event bad = { .type = 0 };

		bh_collector_event(s->c, &bad); /* counted as invalid */
		return 0;
	}
	memcpy(&ev, data, sizeof(ev));
	bh_collector_event(s->c, &ev);
	s->events++;
	return 0;
}

static int map_fd(struct bh_bpf_source *s, bool denied)
{
	return denied ? s->opts.denied_fd : s->opts.flows_fd;
}

static int src_lookup(void *ctx, const struct bh_flow_key *key, bool denied,
		      struct bh_flow *out)
{
	struct bh_bpf_source *s = ctx;
	int fd = map_fd(s, denied);

	if (fd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, key, out))
		return -errno;
	return 0;
}

static int src_del(void *ctx, const struct bh_flow_key *key, bool denied)
{
	struct bh_bpf_source *s = ctx;
	int fd = map_fd(s, denied);

	if (fd < 0)
		return -ENOENT;
	if (bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}

static void reported_key(struct bh_reported_key *rk,
			 const struct bh_flow_key *key, bool denied)
{
	memset(rk, 0, sizeof(*rk));
	rk->key = *key;
	rk->denied = denied;
}

static void src_reported(void *ctx, const struct bh_flow_key *key,
			 bool denied, const struct bh_flow *snap, __u64 done_ns)
{
	struct bh_bpf_source *s = ctx;
	struct bh_reported_key rk;
	struct bh_reported r = {
		.first_seen_ns = snap->first_seen_ns,
		.last_seen_ns = snap->last_seen_ns,
		.packets = { snap->packets[0], snap->packets[1] },
		.bytes = { snap->bytes[0], snap->bytes[1] },
		.done_ns = done_ns,
	};

	reported_key(&rk, key, denied);
	if (bpf_map_update_elem(s->opts.reported_fd, &rk, &r, BPF_ANY) &&
	    !s->reported_errors++)
		pr_warn("collector: cannot keep what was reported in "
			"bh_reported: %s; after a crash the next instance "
			"would report such flows again (said once)\n",
			strerror(errno));
}

static void src_forget(void *ctx, const struct bh_flow_key *key, bool denied)
{
	struct bh_bpf_source *s = ctx;
	struct bh_reported_key rk;

	reported_key(&rk, key, denied);
	bpf_map_delete_elem(s->opts.reported_fd, &rk); /* ENOENT: none */
}

int bh_bpf_source_adopt_reported(struct bh_bpf_source *s, size_t *n_adopted,
				 size_t *n_skipped)
{
	struct bh_reported_key rk, next;
	struct bh_reported r;
	struct bh_flow snap;
	const void *prev = NULL;
	int err;

	*n_adopted = *n_skipped = 0;
	if (s->opts.reported_fd < 0)
		return -ENOENT;
	while (!bpf_map_get_next_key(s->opts.reported_fd, prev, &next)) {
		rk = next;
		prev = &rk;
		if (bpf_map_lookup_elem(s->opts.reported_fd, &rk, &r))
			continue; /* gone meanwhile */
		memset(&snap, 0, sizeof(snap));
		snap.first_seen_ns = r.first_seen_ns;
		snap.last_seen_ns = r.last_seen_ns;
		memcpy(snap.packets, r.packets, sizeof(snap.packets));
		memcpy(snap.bytes, r.bytes, sizeof(snap.bytes));
		err = bh_collector_adopt(s->c, &rk.key, rk.denied, &snap,
					 r.done_ns);
		if (!err)
			(*n_adopted)++;
		else if (err == -ENOSPC)
			(*n_skipped)++;
	}
	return errno == ENOENT ? 0 : -errno;
}

static __u64 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

int bh_bpf_source_new(struct bh_bpf_source **out, struct bh_collector *c,
		      const struct bh_bpf_source_opts *opts)
{
	struct bh_collector_source src;
	struct bh_bpf_source *s;
	int err;

	*out = NULL;
	if (opts->flows_fd < 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = c;
	s->opts = *opts;
	if (!s->opts.batch)
		s->opts.batch = 4096;
	s->keys = calloc(s->opts.batch, sizeof(*s->keys));
	s->vals = calloc(s->opts.batch, sizeof(*s->vals));
	if (!s->keys || !s->vals) {
		err = -ENOMEM;
		goto err;
	}
	if (opts->events_fd >= 0) {
		s->ring = ring_buffer__new(opts->events_fd, on_event, s, NULL);
		if (!s->ring) {
			err = -errno;
			pr_warn("collector: cannot open the event ring buffer (fd %d): %s\n",
				opts->events_fd, strerror(-err));
			goto err;
		}
	}
	s->occ.flows_max = map_capacity(opts->flows_fd);
	s->occ.denied_max = map_capacity(opts->denied_fd);
	src = (struct bh_collector_source){
		.ctx = s,
		.lookup = src_lookup,
		.del = src_del,
	};
	if (opts->reported_fd >= 0) {
		src.reported = src_reported;
		src.forget = src_forget;
	}
	bh_collector_set_source(c, &src);
	*out = s;
	return 0;
err:
	free(s->keys);
	free(s->vals);
	free(s);
	return err;
}

void bh_bpf_source_free(struct bh_bpf_source **s)
{
	if (!s || !*s)
		return;
	bh_collector_set_source((*s)->c, NULL);
	ring_buffer__free((*s)->ring);
	free((*s)->keys);
	free((*s)->vals);
	free(*s);
	*s = NULL;
}

int bh_bpf_source_events(struct bh_bpf_source *s, int timeout_ms)
{
	int err;

	if (!s->ring)
		return 0;
	s->events = 0;
	err = ring_buffer__poll(s->ring, timeout_ms);
	if (err < 0 && err != -EINTR) {
		pr_warn("collector: reading the event ring buffer failed: %s\n",
			strerror(-err));
		return err;
	}
	return s->events;
}

/* A hash bucket holds more entries than a batch: the kernel wants room
 * for the whole bucket. */
static int grow_batch(struct bh_bpf_source *s)
{
	__u32 n = s->opts.batch * 2;
	struct bh_flow_key *k = reallocarray(s->keys, n, sizeof(*k));
	struct bh_flow *v;

	if (!k)
		return -ENOMEM;
	s->keys = k;
	v = reallocarray(s->vals, n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->vals = v;
	s->opts.batch = n;
	return 0;
}

/* Read up to *budget entries of the pass's current map with
 * BPF_MAP_LOOKUP_BATCH, from where the pass stopped. Returns 1 when the map
 * is done, 0 when the budget ran out first, or -errno. */
static int read_map(struct bh_bpf_source *s, __u64 *budget)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	int fd = map_fd(s, s->pass_denied);
	__u32 out = 0, n, i;
	int err;

	if (fd < 0)
		return 1;
	while (*budget) {
		n = s->opts.batch;
		err = bpf_map_lookup_batch(fd,
					   s->pass_first ? NULL : &s->pass_cursor,
					   &out, s->keys, s->vals, &n, &bopts);
		if (err)
			err = -errno;
		if (err == -ENOSPC && !n && s->opts.batch < (1u << 20)) {
			err = grow_batch(s);
			if (err)
				return err;
			continue;
		}
		if (err && err != -ENOENT) {
			pr_warn("collector: batched read of %s (fd %d) failed: %s\n",
				s->pass_denied ? "bh_denied" : "bh_flows", fd,
				strerror(-err));
			return err;
		}
		for (i = 0; i < n; i++)
			bh_collector_ingest(s->c, &s->keys[i], &s->vals[i],
					    s->pass_denied);
		s->pass_entries += n;
		*budget = *budget > n ? *budget - n : 0;
		if (err == -ENOENT) /* end of the map */
			return 1;
		s->pass_cursor = out;
		s->pass_first = false;
	}
	return 0;
}

int bh_bpf_source_poll_step(struct bh_bpf_source *s, __u64 now, __u64 budget)
{
	int err;

	if (!s->in_pass) {
		/* Events first: they name flows the maps may already have
		 * lost. */
		if (s->ring) {
			err = ring_buffer__consume(s->ring);
			if (err < 0)
				pr_warn("collector: reading the event ring buffer failed: %s\n",
					strerror(-err));
		}
		bh_collector_poll_begin(s->c, now);
		s->in_pass = true;
		s->pass_denied = false;
		s->pass_first = true;
		s->pass_entries = 0;
	}
	if (!budget)
		budget = UINT64_MAX;
	for (;;) {
		err = read_map(s, &budget);
		if (err < 0) {
			/* no flow is called evicted on a partial pass */
			s->in_pass = false;
			return err;
		}
		if (!err)
			return 0;
		if (s->pass_denied)
			break;
		s->occ.flows = s->pass_entries;
		s->pass_denied = true;
		s->pass_first = true;
		s->pass_entries = 0;
	}
	s->occ.denied = s->pass_entries;
	s->in_pass = false;
	bh_collector_poll_end(s->c, now);
	return 1;
}

int bh_bpf_source_poll(struct bh_bpf_source *s, __u64 now)
{
	int err = bh_bpf_source_poll_step(s, now, 0);

	return err < 0 ? err : 0;
}

void bh_bpf_source_occupancy(const struct bh_bpf_source *s,
			     struct bh_bpf_source_occupancy *out)
{
	*out = s->occ;
}
