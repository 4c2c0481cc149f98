// SPDX-License-Identifier: GPL-2.0-only
/* Attachments of a long-running process (the daemon): any number of
 * interfaces, each through its own handle, with the XDP mode chosen per
 * interface; a bulkhead program already attached (left enforcing by a
 * daemon that stopped or died) is replaced without a gap; and removal of
 * every bulkhead program and pin for `bulkhead detach`. */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "loader_priv.h"
#include "log.h"

/* The program's name as the kernel reports it (bpf_prog_info.name). */
#define BH_DP_PROG_NAME "bulkhead_xdp"

struct bh_dp_link {
	struct xdp_program *prog;
	int ifindex;
	enum xdp_attach_mode mode;
};

static bool is_ours(const struct xdp_program *p)
{
	return p && !strcmp(xdp_program__name(p), BH_DP_PROG_NAME);
}

static __u32 mode_flags(enum xdp_attach_mode m)
{
	return m == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/* A bulkhead program attached directly (no dispatcher): swap in ours with
 * one XDP_FLAGS_REPLACE update, so that no packet passes unjudged. */
static int replace_legacy(int ifindex, int new_fd, struct xdp_program *old,
			  enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o,
		    .old_prog_fd = xdp_program__fd(old));

	if (bpf_xdp_attach(ifindex, new_fd,
			   mode_flags(mode) | XDP_FLAGS_REPLACE, &o))
		return -errno;
	return 0;
}

/* Under libxdp's dispatcher: add ours next to the old one, then remove
 * the old one; both judge with the same pinned maps, and each step swaps
 * the dispatcher atomically. */
static int replace_in_dispatcher(struct xdp_multiprog *mp,
				 struct xdp_program *prog, int ifindex,
				 enum xdp_attach_mode mode)
{
	struct xdp_program *p = NULL;
	__u32 ours = xdp_program__id(prog);
	int err;

	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err)
		return err;
	while ((p = xdp_multiprog__next_prog(p, mp))) {
		if (!is_ours(p) || xdp_program__id(p) == ours)
			continue;
		err = xdp_program__detach(p, ifindex, mode, 0);
		if (err)
			pr_warn(
			    "loader: ifindex %d: cannot remove the previous "
			    "bulkhead program: %s\n",
			    ifindex, strerror(-err));
	}
	return 0;
}

/* If a bulkhead program is attached to ifindex, replace it by prog.
 * Returns 1 when it did, 0 when none was there, or -errno. */
static int adopt(struct xdp_program *prog, int ifindex,
		 enum xdp_attach_mode *mode, bool *dispatcher)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL;
	bool found = false;
	int err;

	if (!mp || libxdp_get_error(mp))
		return 0;
	*mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (is_ours(p)) {
			err = replace_legacy(ifindex, xdp_program__fd(prog), p,
					     *mode);
			xdp_multiprog__close(mp);
			return err ? err : 1;
		}
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			found |= is_ours(p);
		if (found) {
			*dispatcher = true;
			err = replace_in_dispatcher(mp, prog, ifindex, *mode);
			xdp_multiprog__close(mp);
			return err ? err : 1;
		}
	}
	xdp_multiprog__close(mp);
	return 0;
}

int bh_dp_link_attach(struct bh_dp *dp, int ifindex, enum bh_dp_xdp_mode mode,
		      struct bh_dp_link **out, struct bh_dp_attach_info *info)
{
	struct bh_dp_attach_info ai = {.ifindex = ifindex};
	enum xdp_attach_mode xm = XDP_MODE_NATIVE;
	char name[IF_NAMESIZE] = "?";
	struct bh_dp_link *l;
	int err, native_err;

	*out = NULL;
	if_indextoname((unsigned int)ifindex, name);
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ifindex = ifindex;
	l->prog = xdp_program__from_fd(bh_dp_prog_fd(dp));
	err = libxdp_get_error(l->prog);
	if (err) {
		pr_warn("loader: libxdp cannot use the program: %s\n",
			strerror(-err));
		l->prog = NULL;
		goto fail;
	}
	bh_dp_attach_log_begin();
	err = adopt(l->prog, ifindex, &xm, &ai.dispatcher);
	bh_dp_attach_log_end(err < 0 ? err : 0, ai.dispatcher);
	if (err < 0) {
		pr_warn("loader: %s: cannot replace the bulkhead program "
			"already attached: %s\n",
			name, strerror(-err));
		goto fail;
	}
	if (err == 1) {
		pr_info("loader: %s: replaced the bulkhead program left "
			"attached\n",
			name);
	} else {
		err = bh_dp_xdp_attach(l->prog, ifindex, mode, &ai.skb_mode,
				       &ai.dispatcher, &native_err);
		if (native_err)
			pr_debug("loader: %s: native XDP refused (%s), took "
				 "skb mode\n",
				 name, strerror(-native_err));
		if (err) {
			pr_warn("loader: cannot attach to %s in %s mode: %s\n",
				name, ai.skb_mode ? "skb" : "native",
				strerror(-err));
			goto fail;
		}
		xm = ai.skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	}
	l->mode = xm;
	ai.skb_mode = xm == XDP_MODE_SKB; /* adopted: the mode found there */
	if (info)
		*info = ai;
	*out = l;
	return 0;
fail:
	xdp_program__close(l->prog);
	free(l);
	return err;
}

int bh_dp_link_detach(struct bh_dp_link **lp)
{
	struct bh_dp_link *l = lp ? *lp : NULL;
	int err;

	if (!l)
		return 0;
	err =
	    xdp_program__detach(l->prog, (unsigned int)l->ifindex, l->mode, 0);
	if (err == -ENODEV || err == -ENOENT)
		err = 0; /* the link or the program is gone already */
	if (err)
		return err;
	bh_dp_link_release(lp);
	return 0;
}

void bh_dp_link_release(struct bh_dp_link **lp)
{
	struct bh_dp_link *l = lp ? *lp : NULL;

	if (!l)
		return;
	xdp_program__close(l->prog);
	free(l);
	*lp = NULL;
}

/* Remove every bulkhead program from one interface; returns how many. */
static int detach_ifindex(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL;
	enum xdp_attach_mode mode;
	int n = 0, err;

	if (!mp || libxdp_get_error(mp))
		return 0;
	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		if (is_ours(xdp_multiprog__main_prog(mp))) {
			err = xdp_multiprog__detach(mp);
			n = err ? err : 1;
		}
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp))) {
			if (!is_ours(p))
				continue;
			err = xdp_program__detach(p, (unsigned int)ifindex,
						  mode, 0);
			if (err) {
				n = err;
				break;
			}
			n++;
		}
	}
	xdp_multiprog__close(mp);
	return n;
}

int bh_dp_detach_all(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int total = 0, err = 0;

	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		int n = detach_ifindex((int)i->if_index);
		int t = bh_dp_tc_detach((int)i->if_index);

		if (n < 0)
			pr_warn("loader: cannot detach from %s: %s\n",
				i->if_name, strerror(-n));
		if (t < 0)
			pr_warn("loader: cannot remove the TC egress program "
				"from %s: %s\n",
				i->if_name, strerror(-t));
		if (n < 0 || t < 0) {
			err = n < 0 ? n : t;
			continue;
		}
		if (n || t)
			pr_info("loader: detached from %s%s\n", i->if_name,
				t ? (n ? " (XDP and TC egress)" : " (TC egress)")
				  : "");
		total += n || t;
	}
	if_freenameindex(ifs);
	return err ? err : total;
}

int bh_dp_unpin(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* only our pins (bh_*): the directory could be shared by mistake */
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "bh_", 3))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (!err && rmdir(dir) && errno != ENOENT && errno != ENOTEMPTY)
		err = -errno;
	return err;
}
