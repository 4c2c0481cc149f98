/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's event loop: epoll over sources that each carry their
 * handler (netlink, control socket and its connections, signalfd, timer).
 */
#ifndef BH_EVENT_LOOP_H
#define BH_EVENT_LOOP_H

#include <stdint.h>

struct bh_ev_source;
typedef void (*bh_ev_fn)(struct bh_ev_source *src, uint32_t events);

/* Embed in the owner's struct; container_of from the handler. */
struct bh_ev_source {
	int fd;
	bh_ev_fn fn;
};

struct bh_loop {
	int epfd;
};

int bh_loop_init(struct bh_loop *l);
void bh_loop_release(struct bh_loop *l);
int bh_loop_add(struct bh_loop *l, struct bh_ev_source *src, uint32_t events);
int bh_loop_mod(struct bh_loop *l, struct bh_ev_source *src, uint32_t events);
void bh_loop_del(struct bh_loop *l, struct bh_ev_source *src);
/* Wait up to timeout_ms (-1: forever) and dispatch. Returns the number of
 * events handled or -errno (EINTR is not an error: 0). */
int bh_loop_run_once(struct bh_loop *l, int timeout_ms);

#endif /* BH_EVENT_LOOP_H */
