// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's life cycle: start (config, policy, data plane, control
 * socket, links), the event loop, signals, and stop per on_exit. */
#include "daemon.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_int.h"
#include "log.h"

#define BH_TICK_MS 1000
/* Replies still being written when the daemon stops get this long. */
#define BH_CTL_DRAIN_MS 1000

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

static enum bh_dp_xdp_mode dp_mode(enum bh_xdp_mode m)
{
	switch (m) {
	case BH_XDP_MODE_NATIVE:
		return BH_DP_XDP_NATIVE;
	case BH_XDP_MODE_SKB:
		return BH_DP_XDP_SKB;
	default:
		return BH_DP_XDP_AUTO;
	}
}

static struct bh_dif *dif_find(struct bh_daemon *d, int ifindex)
{
	size_t i;

	for (i = 0; i < d->n_ifs; i++)
		if (d->ifs[i].ifindex == ifindex)
			return &d->ifs[i];
	return NULL;
}

/* Whether a link's driver is drv, by the ethtool ioctl: it answers in the
 * daemon's network namespace, where /sys may be another namespace's. */
static bool iface_driver_is(const char *name, const char *drv)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {0};
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (char *)&info;
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return !err && !strcmp(info.driver, drv);
}

static bool iface_is_veth(const char *name)
{
	return iface_driver_is(name, "veth");
}

/* Remove the TC egress program from f: ours, or one a previous instance
 * left where this configuration does not want it. What happened goes to
 * out (`bulkhead detach`'s reply) or, without one, to the log. Returns 0
 * or -errno. */
static int dif_tc_detach(struct bh_dif *f, struct bh_strbuf *out)
{
	int err = bh_dp_tc_detach(f->ifindex);
	const char *left = f->tc_on ? "" : " (left by a previous instance)";

	if (err < 0) {
		if (out)
			bh_strbuf_printf(out,
					 "cannot remove the TC egress program "
					 "from %s: %s\n",
					 f->name, strerror(-err));
		else
			pr_warn("cannot remove the TC egress program from "
				"%s: %s\n",
				f->name, strerror(-err));
		return err;
	}
	if (err > 0 && out)
		bh_strbuf_printf(out, "removed the TC egress program from %s%s\n",
				 f->name, left);
	else if (err > 0)
		pr_info("removed the TC egress program from %s%s\n", f->name,
			left);
	f->tc_on = false;
	return 0;
}

/* Forget an interface: detach (the link still exists but no longer
 * matches) or just drop the handle (the link is gone, and its program with
 * it). */
static void dif_remove(struct bh_daemon *d, struct bh_dif *f, bool detach)
{
	if (detach && f->tc_on)
		dif_tc_detach(f, NULL);
	if (f->link) {
		if (detach) {
			int err = bh_dp_link_detach(&f->link);

			if (err)
				pr_warn("cannot detach from %s: %s\n", f->name,
					strerror(-err));
			else
				pr_info("detached from %s\n", f->name);
		} else {
			bh_dp_link_release(&f->link);
			pr_info("%s is gone\n", f->name);
		}
	}
	*f = d->ifs[--d->n_ifs];
}

/* TC egress where wanted; its failure leaves XDP as it is. */
static void dif_tc_attach(struct bh_daemon *d, struct bh_dif *f)
{
	bool replaced = false;
	int err;

	if (!f->tc_want) {
		/* once per link, or when the wish changed */
		if (f->tc_on || !f->tc_checked)
			dif_tc_detach(f, NULL);
		f->tc_checked = true;
		return;
	}
	if (f->tc_on)
		return;
	err = bh_dp_tc_attach(d->dp, f->ifindex, &replaced);
	f->tc_err = err;
	if (err) {
		pr_warn("cannot attach the TC egress program to %s (ifindex "
			"%d): %s; what the node sends there is not judged\n",
			f->name, f->ifindex, strerror(-err));
		return;
	}
	f->tc_on = true;
	pr_info("%s the TC egress program on %s\n",
		replaced ? "replaced" : "attached", f->name);
	/* the bridge hands the node's packet to a port as the node's own */
	if (iface_driver_is(f->name, "bridge"))
		pr_warn("%s is a bridge: what the node sends through it is "
			"judged and counted again on its ports that have "
			"tc_egress too\n",
			f->name);
}

static void dif_attach(struct bh_daemon *d, struct bh_dif *f)
{
	int err;

	dif_tc_attach(d, f);
	if (f->link)
		return;
	err = bh_dp_link_attach(d->dp, f->ifindex, dp_mode(f->want), &f->link,
				&f->info);
	f->err = err;
	if (err) {
		pr_warn("cannot attach to %s (ifindex %d): %s\n", f->name,
			f->ifindex, strerror(-err));
		return;
	}
	if (f->info.skb_mode && f->want == BH_XDP_MODE_AUTO)
		pr_warn("%s: native XDP is not available, attached in "
			"generic (skb) mode, which is slower\n",
			f->name);
	pr_info("attached to %s (ifindex %d, %s mode%s)\n", f->name, f->ifindex,
		f->info.skb_mode ? "skb" : "native",
		f->info.dispatcher ? ", libxdp dispatcher" : "");
}

/* Role from the configuration, or guessed: container runtimes and CNIs
 * (docker, Calico's cali*, Cilium's lxc*) give each workload a veth pair
 * whose host end we attach to; the NIC, a bond or a tunnel device is where
 * the network comes in. */
static enum bh_iface_role resolve_role(enum bh_iface_role want,
				       const char *name)
{
	if (want != BH_IFACE_ROLE_AUTO)
		return want;
	return iface_is_veth(name) ? BH_IFACE_ROLE_WORKLOAD
				   : BH_IFACE_ROLE_UPLINK;
}

/* A new, zeroed entry for a link, or NULL when out of memory. */
static struct bh_dif *dif_new(struct bh_daemon *d, int ifindex,
			      enum bh_xdp_mode mode)
{
	struct bh_dif *f;

	if (d->n_ifs == d->cap_ifs) {
		size_t cap = d->cap_ifs ? d->cap_ifs * 2 : 16;
		struct bh_dif *v = realloc(d->ifs, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->ifs = v;
		d->cap_ifs = cap;
	}
	f = &d->ifs[d->n_ifs++];
	memset(f, 0, sizeof(*f));
	f->ifindex = ifindex;
	f->want = mode;
	return f;
}

static void on_link(void *ctx, enum bh_link_event ev, int ifindex,
		    const char *name)
{
	struct bh_daemon *d = ctx;
	struct bh_iface_settings set;
	struct bh_dif *f;
	size_t i;

	switch (ev) {
	case BH_LINK_SYNC_BEGIN:
		for (i = 0; i < d->n_ifs; i++)
			d->ifs[i].seen = false;
		return;
	case BH_LINK_SYNC_END:
		for (i = d->n_ifs; i-- > 0;)
			if (!d->ifs[i].seen)
				dif_remove(d, &d->ifs[i], false);
		return;
	case BH_LINK_DEL:
		f = dif_find(d, ifindex);
		if (f)
			dif_remove(d, f, false);
		return;
	case BH_LINK_NEW:
		break;
	}
	f = dif_find(d, ifindex);
	if (!bh_daemon_config_match(d->cfg, name, &set)) {
		/* renamed to a name we do not watch */
		if (f)
			dif_remove(d, f, true);
		return;
	}
	/* a link we know may accept us now (e.g. it came up) */
	if (!f) {
		f = dif_new(d, ifindex, set.mode);
		if (!f) {
			pr_warn("out of memory: not attaching to %s\n", name);
			return;
		}
	}
	f->seen = true;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->role = resolve_role(set.role, name);
	f->tc_want = set.tc_egress;
	dif_attach(d, f);
}

static void nl_event(struct bh_ev_source *src, uint32_t events)
{
	struct bh_daemon *d = container_of(src, struct bh_daemon, nl);
	int err = bh_linkwatch_process(d->lw);

	if (err)
		pr_warn("reading link events failed: %s\n", strerror(-err));
}

static void sig_event(struct bh_ev_source *src, uint32_t events)
{
	struct bh_daemon *d = container_of(src, struct bh_daemon, sig);
	struct signalfd_siginfo si;

	while (read(d->sig.fd, &si, sizeof(si)) == sizeof(si)) {
		struct bh_strbuf msgs = {0};

		switch (si.ssi_signo) {
		case SIGHUP:
			pr_info("SIGHUP: reloading the policy\n");
			if (bh_daemon_reload(d, &msgs))
				pr_warn("reload refused, the running policy "
					"stays in force:\n%s",
					msgs.s ? msgs.s : "");
			else
				pr_info("%s", msgs.s ? msgs.s : "");
			bh_strbuf_reset(&msgs);
			bh_tel_reload(d, &msgs);
			if (msgs.len)
				pr_info("%s", msgs.s);
			bh_strbuf_release(&msgs);
			break;
		case SIGTERM:
		case SIGINT:
			pr_info("%s: stopping (on_exit: %s)\n",
				strsignal((int)si.ssi_signo),
				bh_on_exit_str(d->cfg->on_exit));
			d->stop = true;
			break;
		default:
			break;
		}
	}
}

static int open_signals(struct bh_daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig.fd < 0)
		return -errno;
	d->sig.fn = sig_event;
	return bh_loop_add(&d->loop, &d->sig, EPOLLIN);
}

/* systemd Type=notify: tell it we are ready (attached, policy in force),
 * so that `systemctl start` returns only then. No libsystemd needed: the
 * protocol is one datagram on $NOTIFY_SOCKET. */
static void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	       len);
	close(fd);
}

int bh_daemon_read_policy(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *b = NULL;
	size_t cap = 0, n = 0;
	int err = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t r;

		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(b);
		return err;
	}
	if (!b) {
		b = malloc(1);
		if (!b)
			return -ENOMEM;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int bh_daemon_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int bh_daemon_detach_all(struct bh_daemon *d, struct bh_strbuf *out)
{
	int err, ret = 0;
	size_t i;

	for (i = 0; i < d->n_ifs; i++) {
		struct bh_dif *f = &d->ifs[i];

		if (f->tc_on) {
			err = dif_tc_detach(f, out);
			ret = err ? err : ret;
		}
		if (!f->link)
			continue;
		err = bh_dp_link_detach(&f->link);
		if (err) {
			bh_strbuf_printf(out, "cannot detach from %s: %s\n",
					 f->name, strerror(-err));
			ret = err;
			continue;
		}
		bh_strbuf_printf(out, "detached from %s\n", f->name);
	}
	err = bh_dp_unpin(d->cfg->pin_path);
	if (err) {
		bh_strbuf_printf(out, "cannot remove the pins under %s: %s\n",
				 d->cfg->pin_path, strerror(-err));
		ret = ret ? ret : err;
	} else {
		bh_strbuf_printf(out, "removed the pins under %s\n",
				 d->cfg->pin_path);
	}
	d->detached = true;
	return ret;
}

static int start(struct bh_daemon *d, const char *config_path, FILE *errf)
{
	struct bh_dp_opts opts = {0};
	struct bh_dp_runtime rt = {0};
	struct bh_strbuf msgs = {0};
	int err;

	err = bh_daemon_config_load(config_path, &d->cfg, errf);
	if (err)
		return err;
	d->started = time(NULL);

	err = bh_daemon_mkdir_p(d->cfg->state_dir, 0700);
	if (err) {
		fprintf(errf, "bulkhead: cannot create state_dir %s: %s\n",
			d->cfg->state_dir, strerror(-err));
		return err;
	}
	snprintf(d->ep_state_path, sizeof(d->ep_state_path), "%s/endpoints",
		 d->cfg->state_dir);
	err = bh_ep_load(&d->eps, d->ep_state_path);
	if (err) {
		fprintf(errf, "bulkhead: cannot read %s: %s\n",
			d->ep_state_path, strerror(-err));
		return err;
	}
	if (d->eps.n)
		pr_info("%zu runtime endpoints from %s\n", d->eps.n,
			d->ep_state_path);

	/* The data plane first: a pinned one is adopted with its conntrack
	 * and counters, and keeps enforcing its policy until ours is in. */
	opts.pin_dir = d->cfg->pin_path;
	opts.tc_egress = bh_daemon_config_any_tc_egress(d->cfg);
	err = bh_daemon_mkdir_p(d->cfg->pin_path, 0700);
	if (err) {
		fprintf(errf,
			"bulkhead: cannot create pin_path %s: %s (is bpffs "
			"mounted on /sys/fs/bpf?)\n",
			d->cfg->pin_path, strerror(-err));
		return err;
	}
	err = bh_dp_open(&d->dp, &opts);
	if (err) {
		fprintf(errf, "bulkhead: cannot load the data plane: %s\n",
			strerror(-err));
		return err;
	}
	if (bh_dp_adopted(d->dp)) {
		const struct bh_config *c = bh_dp_config(d->dp);

		pr_info("adopted the pinned data plane under %s (conntrack, "
			"counters and policy kept)\n",
			d->cfg->pin_path);
		/* records of flows decided before our first switch */
		if (c->flags & BH_CFG_ENABLED)
			bh_epochs_adopt(
			    &d->tel.epochs,
			    __atomic_load_n(&c->epoch, __ATOMIC_ACQUIRE),
			    c->slot[0].generation, c->slot[1].generation);
	}

	rt.flags = (d->cfg->ev_new_flows ? BH_CFG_EV_NEW_FLOWS : 0) |
		   (d->cfg->ev_deny ? BH_CFG_EV_DENY : 0);
	rt.ev_rate = d->cfg->ev_rate;
	rt.ev_burst = d->cfg->ev_burst;
	memcpy(rt.ct_timeout_ns, d->cfg->ct_timeout_ns,
	       sizeof(rt.ct_timeout_ns));
	err = bh_dp_runtime_set(d->dp, &rt);
	if (err) {
		fprintf(errf,
			"bulkhead: cannot apply events/conntrack "
			"settings: %s\n",
			strerror(-err));
		return err;
	}

	err = bh_daemon_reload(d, &msgs);
	if (msgs.len)
		fputs(msgs.s, errf);
	bh_strbuf_release(&msgs);
	if (err)
		return err;

	err = bh_loop_init(&d->loop);
	if (err)
		return err;
	err = open_signals(d);
	if (err) {
		fprintf(errf, "bulkhead: cannot set up signals: %s\n",
			strerror(-err));
		return err;
	}
	/* Telemetry before the control socket: `status` may rely on it. */
	err = bh_tel_start(d, errf);
	if (err)
		return err;
	err = bh_ctl_server_open(&d->ctl, &d->loop, d->cfg->control_socket,
				 bh_daemon_ctl, d);
	if (err) {
		fprintf(errf,
			"bulkhead: cannot open the control socket %s: "
			"%s\n",
			d->cfg->control_socket, strerror(-err));
		return err;
	}
	err = bh_linkwatch_open(&d->lw, on_link, d);
	if (!err) {
		d->nl.fd = bh_linkwatch_fd(d->lw);
		d->nl.fn = nl_event;
		err = bh_loop_add(&d->loop, &d->nl, EPOLLIN);
	}
	if (!err)
		err = bh_linkwatch_sync(d->lw);
	if (err) {
		fprintf(errf, "bulkhead: cannot watch network interfaces: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
}

static void stop(struct bh_daemon *d)
{
	size_t i;

	bh_ctl_server_free(&d->ctl, BH_CTL_DRAIN_MS);
	bh_linkwatch_free(&d->lw);
	/* records of every flow while the names and maps are still there */
	bh_tel_stop(d);
	if (d->cfg && d->cfg->on_exit == BH_ON_EXIT_DETACH && !d->detached &&
	    d->dp) {
		struct bh_strbuf out = {0};

		bh_daemon_detach_all(d, &out);
		pr_info("on_exit detach (fail-open):\n%s", out.s ? out.s : "");
		bh_strbuf_release(&out);
	}
	/* on_exit keep: the handles go, the programs stay attached and keep
	 * enforcing from the pinned maps (fail-closed). */
	for (i = 0; i < d->n_ifs; i++)
		bh_dp_link_release(&d->ifs[i].link);
	free(d->ifs);
	bh_dp_free(&d->dp);
	bh_compiled_policy_free(&d->cp);
	bh_policy_free(&d->policy);
	free(d->policy_buf);
	bh_ep_registry_release(&d->eps);
	if (d->sig.fd >= 0)
		close(d->sig.fd);
	bh_loop_release(&d->loop);
	bh_daemon_config_free(&d->cfg);
}

int bh_daemon_run(const char *config_path, FILE *errf)
{
	struct bh_daemon d = {.loop.epfd = -1,
			      .sig.fd = -1,
			      .tel.poll_timer.fd = -1,
			      .tel.stats_timer.fd = -1,
			      .tel.ring.fd = -1};
	int err;

	err = start(&d, config_path, errf);
	if (err) {
		stop(&d);
		return err;
	}
	pr_warn("running: policy generation %u, %zu interfaces attached, "
		"control socket %s\n",
		d.generation, d.n_ifs, d.cfg->control_socket);
	d.running = true;
	notify_systemd("READY=1");
	while (!d.stop) {
		bool busy = bh_tel_pending(&d);

		err = bh_loop_run_once(&d.loop, busy ? 0 : BH_TICK_MS);
		if (err < 0) {
			pr_warn("event loop failed: %s\n", strerror(-err));
			break;
		}
		/* outside the dispatch: tick frees connections */
		bh_ctl_server_tick(d.ctl);
		/* a pass over the flow maps goes on between events */
		if (busy)
			bh_tel_step(&d);
	}
	notify_systemd("STOPPING=1");
	stop(&d);
	return err < 0 ? err : 0;
}

int bh_daemon_detach_offline(const char *pin_path, FILE *out)
{
	int n, err;

	n = bh_dp_detach_all();
	if (n < 0) {
		fprintf(out, "cannot detach: %s\n", strerror(-n));
		return n;
	}
	fprintf(out, "detached from %d interface%s\n", n, n == 1 ? "" : "s");
	err = bh_dp_unpin(pin_path);
	if (err) {
		fprintf(out, "cannot remove the pins under %s: %s\n", pin_path,
			strerror(-err));
		return err;
	}
	fprintf(out, "removed the pins under %s\n", pin_path);
	return 0;
}
