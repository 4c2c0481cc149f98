// SPDX-License-Identifier: GPL-2.0-only
#include "event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BH_LOOP_BATCH 32

int bh_loop_init(struct bh_loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void bh_loop_release(struct bh_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static int loop_ctl(struct bh_loop *l, int op, struct bh_ev_source *src,
		    uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = src};

	return epoll_ctl(l->epfd, op, src->fd, &ev) ? -errno : 0;
}

int bh_loop_add(struct bh_loop *l, struct bh_ev_source *src, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_ADD, src, events);
}

int bh_loop_mod(struct bh_loop *l, struct bh_ev_source *src, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_MOD, src, events);
}

void bh_loop_del(struct bh_loop *l, struct bh_ev_source *src)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

int bh_loop_run_once(struct bh_loop *l, int timeout_ms)
{
	struct epoll_event evs[BH_LOOP_BATCH];
	int i, n;

	n = epoll_wait(l->epfd, evs, BH_LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct bh_ev_source *src = evs[i].data.ptr;

		src->fn(src, evs[i].events);
	}
	return n;
}
