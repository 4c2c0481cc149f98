/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's reported-flows state, kept in state_dir across a restart
 * that leaves the data plane running (on_exit: keep). Without it the next
 * instance would report every flow still in the maps again from its start,
 * counting its packets twice (collector.h, "Restart continuity").
 *
 * File: a header (magic, version, the sizes of bh_flow_key and bh_flow, a
 * record count) and fixed-size records; written to a temporary file and
 * renamed. Binary and tied to the ABI: a file from another build (other
 * sizes), cut short or of another kind is refused as a whole.
 */
#ifndef BH_FLOW_STATE_H
#define BH_FLOW_STATE_H

#include <stddef.h>

#include "collector.h"

/* Write the flows whose last record is out to path. 0 or -errno. */
int bh_flow_state_save(struct bh_collector *c, const char *path,
		       size_t *n_saved);
/* Adopt the flows of path into c, which has not polled yet. 0 with
 * *n_adopted (flows the table had no room for are skipped, *n_skipped),
 * -ENOENT when there is no file, -EINVAL for a file that is not whole or
 * not ours (why says what), or another -errno. */
int bh_flow_state_load(struct bh_collector *c, const char *path,
		       size_t *n_adopted, size_t *n_skipped, char *why,
		       size_t whylen);

#endif /* BH_FLOW_STATE_H */
