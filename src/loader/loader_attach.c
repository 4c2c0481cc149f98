// SPDX-License-Identifier: GPL-2.0-only
/* Attaching the program with libxdp (dispatcher or not). */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <xdp/libxdp.h>

#include "loader_priv.h"
#include "log.h"

/* Whether libxdp runs a dispatcher on ifindex (else a single program is
 * attached directly: "legacy" mode). */
bool bh_dp_has_dispatcher(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool disp;

	if (!mp || libxdp_get_error(mp))
		return false;
	disp = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return disp;
}

void bh_dp_attach_log_begin(void)
{
	bh_log_hold_libs();
}

/* libxdp tries its dispatcher first; where the kernel refuses it (EPERM
 * for its BPF_PROG_TYPE_EXT program on some kernels) the fallback to a
 * single program works, but the failed load was printed on the way, with
 * libbpf's misleading "ulimit -l" hint. One line says what happened
 * instead, once per process; -v -v shows the libraries' messages. */
void bh_dp_attach_log_end(int err, bool dispatcher)
{
	static bool told;
	bool refused = bh_log_release_libs(err != 0, "xdp-dispatcher");

	if (err || dispatcher || !refused || told)
		return;
	told = true;
	pr_info("loader: libxdp's multi-program dispatcher does not load on "
		"this kernel; bulkhead's program is attached alone (no other "
		"XDP program can share an interface with it through libxdp)\n");
}

int bh_dp_xdp_attach(struct xdp_program *prog, int ifindex,
		     enum bh_dp_xdp_mode mode, bool *skb, bool *dispatcher,
		     int *native_err)
{
	int err;

	*skb = mode == BH_DP_XDP_SKB;
	*dispatcher = false;
	*native_err = 0;
	bh_dp_attach_log_begin();
	err = xdp_program__attach(prog, ifindex,
				  *skb ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (err && mode == BH_DP_XDP_AUTO) {
		/* the native attempt's messages are not the answer */
		bh_log_release_libs(false, NULL);
		*native_err = err;
		*skb = true;
		bh_dp_attach_log_begin();
		err = xdp_program__attach(prog, ifindex, XDP_MODE_SKB, 0);
	}
	if (!err)
		*dispatcher = bh_dp_has_dispatcher(ifindex);
	bh_dp_attach_log_end(err, *dispatcher);
	return err;
}

int bh_dp_attach(struct bh_dp *dp, const char *ifname,
		 struct bh_dp_attach_info *info)
{
	struct bh_dp_attach_info ai = { 0 };
	struct xdp_program *prog;
	int err, native_err;

	if (dp->xprog)
		return -EBUSY; /* one interface per handle */
	ai.ifindex = (int)if_nametoindex(ifname);
	if (!ai.ifindex) {
		err = -errno;
		pr_warn("loader: interface %s: %s\n", ifname, strerror(-err));
		return err;
	}
	prog = xdp_program__from_fd(bh_dp_prog_fd(dp));
	err = libxdp_get_error(prog);
	if (err) {
		pr_warn("loader: libxdp cannot use the program: %s\n",
			strerror(-err));
		return err;
	}
	err = bh_dp_xdp_attach(prog, ai.ifindex, BH_DP_XDP_AUTO, &ai.skb_mode,
			       &ai.dispatcher, &native_err);
	if (native_err)
		pr_warn("loader: native XDP refused on %s (%s); using generic "
			"(skb) mode, which is much slower\n",
			ifname, strerror(-native_err));
	if (err) {
		pr_warn("loader: cannot attach to %s: %s\n", ifname,
			strerror(-err));
		xdp_program__close(prog);
		return err;
	}
	pr_info("loader: attached to %s (%s mode, %s)\n", ifname,
		ai.skb_mode ? "skb" : "native",
		ai.dispatcher ? "libxdp dispatcher" :
				"single program, no dispatcher");
	dp->xprog = prog;
	dp->xprog_ifindex = ai.ifindex;
	dp->xprog_mode = ai.skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	if (info)
		*info = ai;
	return 0;
}

int bh_dp_detach(struct bh_dp *dp, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname), err;

	if (!dp->xprog || ifindex != dp->xprog_ifindex)
		return -ENOENT;
	err = xdp_program__detach(dp->xprog, (unsigned int)ifindex,
				  (enum xdp_attach_mode)dp->xprog_mode, 0);
	if (err) {
		pr_warn("loader: cannot detach from %s: %s\n", ifname,
			strerror(-err));
		return err;
	}
	xdp_program__close(dp->xprog);
	dp->xprog = NULL;
	return 0;
}

void bh_dp_attach_cleanup(struct bh_dp *dp)
{
	/* Closing the handle leaves the program attached: a restarted
	 * daemon adopts it (enforcement does not stop). */
	xdp_program__close(dp->xprog);
	dp->xprog = NULL;
}
