// SPDX-License-Identifier: GPL-2.0-only
/* The link watcher: message parsing on crafted buffers, then real links
 * created, renamed and deleted in a private network namespace. */
#include "bh_test.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "link_watch.h"

#define MAX_EVENTS 64

struct events {
	int n;
	struct {
		enum bh_link_event ev;
		int ifindex;
		char name[IF_NAMESIZE];
	} v[MAX_EVENTS];
};

static void record(void *ctx, enum bh_link_event ev, int ifindex,
		   const char *name)
{
	struct events *e = ctx;

	if (e->n == MAX_EVENTS)
		return;
	e->v[e->n].ev = ev;
	e->v[e->n].ifindex = ifindex;
	snprintf(e->v[e->n].name, IF_NAMESIZE, "%s", name);
	e->n++;
}

/* Append a link message to buf at *off. name NULL: no IFLA_IFNAME. */
static void put_link(char *buf, size_t *off, __u16 type, int ifindex,
		     const char *name)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(buf + *off);
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	size_t len = NLMSG_LENGTH(sizeof(*ifi));

	memset(nh, 0, NLMSG_SPACE(sizeof(*ifi)) + RTA_SPACE(IF_NAMESIZE));
	ifi->ifi_index = ifindex;
	if (name) {
		struct rtattr *rta = (struct rtattr *)(buf + *off + len);

		rta->rta_type = IFLA_IFNAME;
		rta->rta_len = RTA_LENGTH(strlen(name) + 1);
		strcpy(RTA_DATA(rta), name);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(rta->rta_len);
	}
	nh->nlmsg_len = len;
	nh->nlmsg_type = type;
	*off += NLMSG_ALIGN(len);
}

static void test_parse(void **state)
{
	char buf[1024] __attribute__((aligned(4)));
	struct events e = {0};
	struct nlmsghdr *nh;
	bool done = false;
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, 7, "veth1234");
	put_link(buf, &off, RTM_DELLINK, 8, "veth9");
	put_link(buf, &off, RTM_NEWLINK, 9, NULL);   /* no name: ignored */
	put_link(buf, &off, RTM_NEWLINK, -1, "bad"); /* bad index: ignored */
	nh = (struct nlmsghdr *)(buf + off);
	nh->nlmsg_len = NLMSG_LENGTH(0);
	nh->nlmsg_type = NLMSG_DONE;
	off += NLMSG_ALIGN(nh->nlmsg_len);
	put_link(buf, &off, RTM_NEWLINK, 10, "after-done");

	assert_int_equal(bh_linkwatch_parse(buf, (int)off, record, &e, &done),
			 0);
	assert_true(done);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.v[0].ev, BH_LINK_NEW);
	assert_int_equal(e.v[0].ifindex, 7);
	assert_string_equal(e.v[0].name, "veth1234");
	assert_int_equal(e.v[1].ev, BH_LINK_DEL);
	assert_int_equal(e.v[1].ifindex, 8);

	/* a message longer than the buffer: malformed, nothing reported */
	e.n = 0;
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 7, "veth1234");
	assert_int_equal(
	    bh_linkwatch_parse(buf, (int)off - 4, record, &e, NULL), -EINVAL);
	assert_int_equal(e.n, 0);
	/* a header too short to hold an ifinfomsg */
	nh = (struct nlmsghdr *)buf;
	nh->nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(bh_linkwatch_parse(buf,
					    (int)NLMSG_ALIGN(nh->nlmsg_len),
					    record, &e, NULL),
			 -EINVAL);
	/* an error from the kernel is returned */
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	((struct nlmsgerr *)NLMSG_DATA(nh))->error = -EPERM;
	assert_int_equal(
	    bh_linkwatch_parse(buf, (int)nh->nlmsg_len, record, &e, NULL),
	    -EPERM);
	/* trailing bytes that are not a message */
	assert_int_equal(bh_linkwatch_parse(buf, 3, record, &e, NULL), -EINVAL);
	assert_int_equal(bh_linkwatch_parse(buf, 0, record, &e, NULL), 0);
}

static int find(const struct events *e, enum bh_link_event ev, const char *name)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].ev == ev && !strcmp(e->v[i].name, name))
			return i;
	return -1;
}

/* Process events until one (ev, name) shows up, up to 5 s. */
static int wait_for(struct bh_linkwatch *w, struct events *e,
		    enum bh_link_event ev, const char *name)
{
	int i, idx;

	for (i = 0; i < 50; i++) {
		struct pollfd p = {.fd = bh_linkwatch_fd(w), .events = POLLIN};

		idx = find(e, ev, name);
		if (idx >= 0)
			return idx;
		poll(&p, 1, 100);
		assert_int_equal(bh_linkwatch_process(w), 0);
	}
	return find(e, ev, name);
}

static void test_live(void **state)
{
	struct bh_linkwatch *w = NULL;
	struct events e = {0};
	int idx, ifindex;

	(void)state;
	assert_int_equal(bh_linkwatch_open(&w, record, &e), 0);
	assert_int_equal(bh_linkwatch_sync(w), 0);
	assert_int_equal(e.v[0].ev, BH_LINK_SYNC_BEGIN);
	assert_true(find(&e, BH_LINK_NEW, "lo") > 0);
	assert_int_equal(e.v[e.n - 1].ev, BH_LINK_SYNC_END);

	e.n = 0;
	assert_int_equal(system("ip link add bhtw0 type veth peer name bhtw1"),
			 0);
	idx = wait_for(w, &e, BH_LINK_NEW, "bhtw0");
	assert_true(idx >= 0);
	ifindex = e.v[idx].ifindex;
	assert_int_equal(ifindex, (int)if_nametoindex("bhtw0"));
	assert_true(wait_for(w, &e, BH_LINK_NEW, "bhtw1") >= 0);

	/* a rename is a NEW with the same index and the new name */
	e.n = 0;
	assert_int_equal(system("ip link set bhtw0 name bhtw2"), 0);
	idx = wait_for(w, &e, BH_LINK_NEW, "bhtw2");
	assert_true(idx >= 0);
	assert_int_equal(e.v[idx].ifindex, ifindex);

	/* deleting one end of a veth deletes both */
	e.n = 0;
	assert_int_equal(system("ip link del bhtw2"), 0);
	idx = wait_for(w, &e, BH_LINK_DEL, "bhtw2");
	assert_true(idx >= 0);
	assert_int_equal(e.v[idx].ifindex, ifindex);
	assert_true(wait_for(w, &e, BH_LINK_DEL, "bhtw1") >= 0);
	bh_linkwatch_free(&w);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_live),
	};

	if (geteuid() != 0)
		return bh_test_skip_code("needs root for a network namespace");
	/* a private network namespace: the links live and die with us */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return bh_test_skip_code("cannot create a network namespace");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
