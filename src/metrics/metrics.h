/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus metrics: the node statistics (node_stats.h) rendered in the
 * text exposition format and served on /metrics by libmicrohttpd
 * (default 127.0.0.1:9477). The producer publishes a snapshot after each
 * poll; scrapes read the last one and never touch the collector.
 */
#ifndef BH_METRICS_H
#define BH_METRICS_H

#include <stddef.h>

#include "node_stats.h"

#define BH_METRICS_DEFAULT_ADDR "127.0.0.1:9477"

struct bh_metrics;

/* Listen on addr: "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every address);
 * port 0 picks a free one (bh_metrics_port). */
int bh_metrics_new(struct bh_metrics **out, const char *addr);
void bh_metrics_free(struct bh_metrics **m);
unsigned int bh_metrics_port(const struct bh_metrics *m);

/* Render ns and serve it from now on: 0 or -ENOMEM. */
int bh_metrics_publish(struct bh_metrics *m, const struct bh_node_stats *ns);

/* The exposition text of ns (malloc'ed, NUL-terminated). */
int bh_metrics_render(const struct bh_node_stats *ns, char **text,
		      size_t *len);

#endif /* BH_METRICS_H */
