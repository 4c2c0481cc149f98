/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network interfaces as they come and go: an rtnetlink socket subscribed to
 * RTMGRP_LINK (RTM_NEWLINK/RTM_DELLINK), plus full dumps (RTM_GETLINK) at
 * start and whenever the kernel reports that events were lost (ENOBUFS).
 *
 * Plain rtnetlink sockets rather than libmnl: we need one message type and
 * one attribute (IFLA_IFNAME), which is a few dozen lines over <linux/
 * rtnetlink.h>, and it keeps the daemon free of another run-time library.
 */
#ifndef BH_LINK_WATCH_H
#define BH_LINK_WATCH_H

#include <stdbool.h>

enum bh_link_event {
	BH_LINK_NEW = 0, /* link exists (new, renamed or changed state) */
	BH_LINK_DEL = 1, /* link is gone */
	BH_LINK_SYNC_BEGIN = 2, /* a full dump starts: NEW for every link */
	BH_LINK_SYNC_END = 3,	/* dump done: links not reported are gone */
};

/* ifindex and ifname are 0 / "" for the SYNC events. */
typedef void (*bh_link_cb)(void *ctx, enum bh_link_event ev, int ifindex,
			   const char *ifname);

struct bh_linkwatch;

/* Subscribe; no callback is made until bh_linkwatch_sync(). */
int bh_linkwatch_open(struct bh_linkwatch **out, bh_link_cb cb, void *ctx);
void bh_linkwatch_free(struct bh_linkwatch **w);

/* The event socket, for epoll (EPOLLIN). */
int bh_linkwatch_fd(const struct bh_linkwatch *w);

/* Dump every link (SYNC_BEGIN, NEW..., SYNC_END). */
int bh_linkwatch_sync(struct bh_linkwatch *w);

/* Read the pending events without blocking and report them; resyncs by
 * itself when the kernel dropped events. Returns 0 or -errno. */
int bh_linkwatch_process(struct bh_linkwatch *w);

/* Parse one buffer of netlink messages and report the link messages in it
 * (exported for the fuzzer and the unit test). Sets *done when NLMSG_DONE
 * ends a dump. Returns 0, -EINVAL for a malformed message (the rest of the
 * buffer is skipped), or the -errno an NLMSG_ERROR carries. */
int bh_linkwatch_parse(const void *buf, int len, bh_link_cb cb, void *ctx,
		       bool *done);

#endif /* BH_LINK_WATCH_H */
