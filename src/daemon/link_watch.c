// SPDX-License-Identifier: GPL-2.0-only
#include "link_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "log.h"

/* Large enough for a dump batch of the kernel's default size (it sizes its
 * messages to the reader's page-sized buffer, up to 32 KiB). */
#define BH_NL_BUF 32768
/* Socket buffer for bursts of link events (hundreds of containers starting
 * at once); SO_RCVBUFFORCE works as root, else the default is kept. */
#define BH_NL_RCVBUF	      (4 << 20)
#define BH_NL_DUMP_TIMEOUT_MS 5000

struct bh_linkwatch {
	int fd;
	__u32 seq;
	bh_link_cb cb;
	void *ctx;
	char buf[BH_NL_BUF];
};

static int nl_socket(unsigned int groups)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups};
	int rcvbuf = BH_NL_RCVBUF;
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (groups)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			   sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int bh_linkwatch_open(struct bh_linkwatch **out, bh_link_cb cb, void *ctx)
{
	struct bh_linkwatch *w;
	int fd;

	*out = NULL;
	fd = nl_socket(RTMGRP_LINK);
	if (fd < 0) {
		pr_warn("cannot open rtnetlink socket for link events: %s\n",
			strerror(-fd));
		return fd;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->fd = fd;
	w->cb = cb;
	w->ctx = ctx;
	*out = w;
	return 0;
}

void bh_linkwatch_free(struct bh_linkwatch **wp)
{
	struct bh_linkwatch *w = wp ? *wp : NULL;

	if (!w)
		return;
	close(w->fd);
	free(w);
	*wp = NULL;
}

int bh_linkwatch_fd(const struct bh_linkwatch *w)
{
	return w->fd;
}

static void link_msg(const struct nlmsghdr *nh, bh_link_cb cb, void *ctx)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *rta;
	char name[IF_NAMESIZE] = "";

	if (len < 0 || ifi->ifi_index <= 0)
		return;
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n;

		if (rta->rta_type != IFLA_IFNAME)
			continue;
		n = RTA_PAYLOAD(rta);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, RTA_DATA(rta), n);
		name[n] = '\0';
	}
	/* A link without a name is of no use to a name matcher; the kernel
	 * always sends one, so this only guards against odd messages. */
	if (!name[0] && nh->nlmsg_type == RTM_NEWLINK)
		return;
	cb(ctx, nh->nlmsg_type == RTM_NEWLINK ? BH_LINK_NEW : BH_LINK_DEL,
	   ifi->ifi_index, name);
}

int bh_linkwatch_parse(const void *buf, int len, bh_link_cb cb, void *ctx,
		       bool *done)
{
	size_t off = 0, total = len > 0 ? (size_t)len : 0;

	/* NLMSG_OK/NLMSG_NEXT mix signed and unsigned lengths; walk with
	 * explicit bounds instead so that no message reads past the buffer */
	while (off < total && total - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nh =
		    (const struct nlmsghdr *)((const char *)buf + off);
		size_t mlen = nh->nlmsg_len;

		if (mlen < sizeof(*nh) || mlen > total - off)
			return -EINVAL;
		switch (nh->nlmsg_type) {
		case NLMSG_DONE:
			if (done)
				*done = true;
			return 0;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (mlen < NLMSG_LENGTH(sizeof(*e)))
				return -EINVAL;
			if (e->error)
				return e->error < 0 && e->error > -4096
					   ? e->error
					   : -EINVAL;
			break;
		}
		case RTM_NEWLINK:
		case RTM_DELLINK:
			if (mlen < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				return -EINVAL;
			link_msg(nh, cb, ctx);
			break;
		default:
			break;
		}
		off += NLMSG_ALIGN(mlen);
	}
	/* bytes left that do not form a message: a truncated one */
	return off < total ? -EINVAL : 0;
}

int bh_linkwatch_sync(struct bh_linkwatch *w)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
	    .nh =
		{
		    .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		    .nlmsg_type = RTM_GETLINK,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		    .nlmsg_seq = ++w->seq,
		},
	    .ifi = {.ifi_family = AF_UNSPEC},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	bool done = false;
	int fd, err = 0;

	/* A separate socket: the event socket keeps queueing events while
	 * we dump, and they are applied after the dump, in order. */
	fd = nl_socket(0);
	if (fd < 0)
		return fd;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		err = -errno;
		pr_warn("cannot request the link list: %s\n", strerror(-err));
		goto out;
	}
	w->cb(w->ctx, BH_LINK_SYNC_BEGIN, 0, "");
	while (!done) {
		ssize_t n = recv(fd, w->buf, sizeof(w->buf), MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* the kernel produces the dump as we read it; it
			 * never takes seconds, so a silent kernel is an error
			 */
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int r = poll(&p, 1, BH_NL_DUMP_TIMEOUT_MS);

			if (r < 0 && errno != EINTR) {
				err = -errno;
				break;
			}
			if (!r) {
				err = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (n < 0) {
			err = -errno;
			break;
		}
		if ((size_t)n > sizeof(w->buf)) {
			err = -EMSGSIZE;
			break;
		}
		err = bh_linkwatch_parse(w->buf, (int)n, w->cb, w->ctx, &done);
		if (err)
			break;
		if (!n)
			break;
	}
	if (err)
		pr_warn("cannot read the link list: %s\n", strerror(-err));
	else
		w->cb(w->ctx, BH_LINK_SYNC_END, 0, "");
out:
	close(fd);
	return err;
}

int bh_linkwatch_process(struct bh_linkwatch *w)
{
	for (;;) {
		ssize_t n = recv(w->fd, w->buf, sizeof(w->buf), MSG_TRUNC);
		int err;

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel dropped events: what we know may
				 * be stale. Start over from a full dump. */
				pr_warn("link events were lost (socket buffer "
					"full): re-reading every link\n");
				err = bh_linkwatch_sync(w);
				if (err)
					return err;
				continue;
			}
			return -errno;
		}
		if ((size_t)n > sizeof(w->buf)) {
			pr_warn("link event larger than %zu bytes: "
				"re-reading every link\n",
				sizeof(w->buf));
			err = bh_linkwatch_sync(w);
			if (err)
				return err;
			continue;
		}
		err = bh_linkwatch_parse(w->buf, (int)n, w->cb, w->ctx, NULL);
		if (err)
			pr_warn("bad link event: %s\n", strerror(-err));
	}
}
