// SPDX-License-Identifier: GPL-2.0-only
/* The TC egress program on interfaces (clsact hook, cls_bpf filter in
 * direct-action mode). Bulkhead's filter sits at a fixed handle and
 * priority on each interface, so that a restarted daemon finds the one a
 * previous instance left and replaces its program in place (no packet
 * leaves unjudged in between), and `bulkhead detach` finds it without a
 * daemon. A filter of another tool at that place is never touched. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "loader_priv.h"
#include "log.h"

/* The program's name as the kernel reports it (bpf_prog_info.name). */
#define BH_DP_TC_PROG_NAME "bulkhead_tc"

static void tc_hook_init(struct bpf_tc_hook *h, int ifindex)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = BPF_TC_EGRESS;
}

static void tc_opts_init(struct bpf_tc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = BH_DP_TC_HANDLE;
	o->priority = BH_DP_TC_PRIO;
}

/* Whether prog_id is a bulkhead TC program (by its name). */
static bool tc_prog_is_ours(__u32 prog_id)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strcmp(info.name, BH_DP_TC_PROG_NAME);
	close(fd);
	return ours;
}

/* What sits at bulkhead's place on ifindex's egress: 1 a bulkhead
 * program, 0 nothing (or no clsact hook), -EBUSY another tool's filter,
 * or -errno. */
static int tc_probe(int ifindex)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int err;

	tc_hook_init(&h, ifindex);
	tc_opts_init(&o);
	/* the kernel's answer to "nothing there" is not worth a warning */
	bh_log_hold_libs();
	err = bpf_tc_query(&h, &o);
	/* no filter there; EINVAL: no clsact qdisc on the link, or a filter
	 * of another kind (not cls_bpf) at that place */
	if (err == -ENOENT || err == -EINVAL) {
		bh_log_release_libs(false, NULL);
		return 0;
	}
	bh_log_release_libs(err != 0, NULL);
	if (err)
		return err;
	return tc_prog_is_ours(o.prog_id) ? 1 : -EBUSY;
}

int bh_dp_tc_prog_fd(const struct bh_dp *dp)
{
	struct bpf_program *p = dp->skel->progs.bulkhead_tc;

	if (!bpf_program__autoload(p))
		return -ENOENT;
	return bpf_program__fd(p);
}

int bh_dp_tc_attach(struct bh_dp *dp, int ifindex, bool *replaced)
{
	char name[IF_NAMESIZE] = "?";
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int fd = bh_dp_tc_prog_fd(dp), there, err;

	if_indextoname((unsigned int)ifindex, name);
	if (fd < 0) {
		pr_warn("loader: %s: the TC program was not loaded "
			"(bh_dp_opts.tc_egress)\n",
			name);
		return -ENOENT;
	}
	tc_hook_init(&h, ifindex);
	bh_log_hold_libs();
	err = bpf_tc_hook_create(&h);
	bh_log_release_libs(err && err != -EEXIST, NULL);
	if (err && err != -EEXIST) {
		pr_warn("loader: %s: cannot create the clsact hook for TC "
			"egress: %s\n",
			name, strerror(-err));
		return err;
	}
	there = tc_probe(ifindex);
	if (there < 0) {
		if (there == -EBUSY)
			pr_warn("loader: %s: another tool's TC filter holds "
				"egress handle 0x%x priority %u; not "
				"replacing it\n",
				name, BH_DP_TC_HANDLE, BH_DP_TC_PRIO);
		else
			pr_warn("loader: %s: cannot query TC egress: %s\n",
				name, strerror(-there));
		return there;
	}
	tc_opts_init(&o);
	o.prog_fd = fd;
	/* a program ours left there: swapped by one filter change */
	o.flags = there ? BPF_TC_F_REPLACE : 0;
	err = bpf_tc_attach(&h, &o);
	if (err) {
		pr_warn("loader: %s: cannot attach the TC egress program: %s\n",
			name, strerror(-err));
		return err;
	}
	if (replaced)
		*replaced = there == 1;
	return 0;
}

int bh_dp_tc_detach(int ifindex)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int err = tc_probe(ifindex);

	if (err == -EBUSY || err == -ENODEV)
		return 0; /* another tool's; or the link is gone, with it */
	if (err <= 0)
		return err;
	tc_hook_init(&h, ifindex);
	tc_opts_init(&o);
	err = bpf_tc_detach(&h, &o);
	if (err == -ENOENT || err == -ENODEV)
		return 0; /* gone meanwhile */
	return err ? err : 1;
}

int bh_dp_tc_attached(int ifindex)
{
	int r = tc_probe(ifindex);

	return r == -EBUSY ? 0 : r;
}
