// SPDX-License-Identifier: GPL-2.0-only
#include "dp_netns.h"

#include "bh_test.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tp_netns_enter(char *ns, size_t cap, const char *prefix,
		    const char *const *veths, int *self)
{
	char cmd[512], path[128];
	size_t i;
	int fd;

	snprintf(ns, cap, "%s-%d", prefix, (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	assert_int_equal(system(cmd), 0);
	for (i = 0; veths[i] && veths[i + 1]; i += 2) {
		snprintf(cmd, sizeof(cmd),
			 "ip -n %s link add %s type veth peer name %s && "
			 "ip -n %s link set %s up && ip -n %s link set %s up",
			 ns, veths[i], veths[i + 1], ns, veths[i], ns,
			 veths[i + 1]);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	*self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0 && *self >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

void tp_netns_leave(int self)
{
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(self);
}

void tp_netns_del(char *ns)
{
	char cmd[128];

	if (!ns[0])
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns);
	if (system(cmd))
		fprintf(stderr, "cannot remove netns %s\n", ns);
	ns[0] = 0;
}
