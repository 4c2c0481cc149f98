/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One export destination with its own bounded queue and writer thread.
 *
 *   -, stdout                     standard output
 *   PATH, file://PATH[?max_bytes=SIZE&keep=K]  (SIZE: bh_parse_size())
 *                                 a file, rotated to PATH.1 .. PATH.K when
 *                                 the next envelope would pass max_bytes
 *   tcp://HOST:PORT               TCP client, reconnects with backoff
 *   unix:///PATH                  Unix stream socket client, same
 *   udp://HOST:PORT               one envelope per datagram
 *
 * HOST may be a name, an IPv4 address or [an IPv6 address]. Every
 * destination carries the same delimited stream (stream.h); files and
 * connections always start and end at envelope boundaries.
 */
#ifndef BH_SINK_H
#define BH_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "node_stats.h"

enum bh_sink_type {
	BH_SINK_STDOUT,
	BH_SINK_FILE,
	BH_SINK_TCP,
	BH_SINK_UNIX,
	BH_SINK_UDP,
};

struct bh_sink_url {
	enum bh_sink_type type;
	char path[4096]; /* file, unix */
	char host[256];  /* tcp, udp */
	char port[16];
	unsigned long long max_bytes; /* file rotation, 0 none */
	unsigned int keep;            /* rotated files kept */
};

/* Parse a destination; 0, or -EINVAL with a message in err. */
int bh_sink_url_parse(const char *url, struct bh_sink_url *out, char *err,
		      size_t err_len);

struct bh_sink_opts {
	size_t queue_bytes;
	bool block_when_full;
	unsigned int backoff_min_ms;
	unsigned int backoff_max_ms;
	unsigned int write_timeout_ms; /* a stuck peer: retry, check stop */
	unsigned int drain_timeout_ms; /* at stop, time left to deliver */
};

struct bh_sink;

int bh_sink_new(struct bh_sink **out, const char *url,
		const struct bh_sink_opts *opts);
/* Stop: deliver what is queued within drain_timeout_ms, then join. */
void bh_sink_free(struct bh_sink **s);

/* Queue one framed envelope: 0, or -ENOBUFS (counted as queue_full). */
int bh_sink_push(struct bh_sink *s, const void *frame, size_t len);
/* Wait until everything queued so far was handled: 0 or -ETIMEDOUT. */
int bh_sink_flush(struct bh_sink *s, int timeout_ms);
void bh_sink_stats(struct bh_sink *s, struct bh_sink_stats *out);

#endif /* BH_SINK_H */
