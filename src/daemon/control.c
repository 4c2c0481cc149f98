// SPDX-License-Identifier: GPL-2.0-only
/* Control socket server (non-blocking, in the daemon's event loop) and the
 * client the CLI commands use. */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* How long a client waits for the daemon's reply: a reload compiles the
 * policy first, which takes well under a second even for large policies. */
#define BH_CTL_CLIENT_TIMEOUT_S 30

struct ctl_conn {
	struct bh_ev_source src;
	struct bh_ctl_server *srv;
	struct ctl_conn *next;
	char req[BH_CTL_MAX_REQ + 1];
	size_t rlen;
	struct bh_strbuf reply;
	size_t woff;
	bool replying;
	unsigned long long deadline_ms;
};

struct bh_ctl_server {
	struct bh_ev_source src;
	struct bh_loop *loop;
	char *path;
	bh_ctl_handler fn;
	void *ctx;
	struct ctl_conn *conns;
	int n_conns;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool ctl_word_char(unsigned char c)
{
	return c > ' ' && c < 0x7f;
}

int bh_ctl_split(char *line, char **argv, int max, const char **why)
{
	int argc = 0;
	char *p = line;

	if (!*p) {
		*why = "empty request";
		return -EINVAL;
	}
	for (;;) {
		char *w = p;

		while (ctl_word_char((unsigned char)*p))
			p++;
		if (p == w) {
			*why = *p == ' '
				   ? "words must be separated by one space"
			       : *p ? "request has a control or non-ASCII byte"
				    : "request ends with a space";
			return -EINVAL;
		}
		if (argc == max) {
			*why = "too many words in the request";
			return -EINVAL;
		}
		argv[argc++] = w;
		if (!*p)
			break;
		if (*p != ' ') {
			*why = "request has a control or non-ASCII byte";
			return -EINVAL;
		}
		*p++ = '\0';
	}
	return argc;
}

static void conn_free(struct ctl_conn *c)
{
	struct bh_ctl_server *s = c->srv;
	struct ctl_conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->n_conns--;
	bh_loop_del(s->loop, &c->src);
	close(c->src.fd);
	bh_strbuf_release(&c->reply);
	free(c);
}

/* Write what the socket takes; true when the reply is out (or the peer is
 * gone), false to wait for EPOLLOUT. */
static bool conn_flush(struct ctl_conn *c)
{
	while (c->woff < c->reply.len) {
		ssize_t n = send(c->src.fd, c->reply.s + c->woff,
				 c->reply.len - c->woff, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0)
			return true;
		c->woff += (size_t)n;
	}
	return true;
}

static void conn_reply(struct ctl_conn *c, int err, const char *msg)
{
	struct bh_strbuf out = {0};

	c->replying = true;
	c->deadline_ms = now_ms() + BH_CTL_TIMEOUT_MS;
	if (msg) {
		bh_strbuf_printf(&c->reply, "error: %s\n", msg);
	} else {
		char *argv[BH_CTL_MAX_ARGS];
		const char *why = NULL;
		int argc;

		c->req[c->rlen] = '\0';
		argc = bh_ctl_split(c->req, argv, BH_CTL_MAX_ARGS, &why);
		if (argc < 0) {
			bh_strbuf_printf(&c->reply, "error: %s\n", why);
		} else {
			err = c->srv->fn(c->srv->ctx, argc, argv, &out);
			if (bh_strbuf_error(&out)) {
				err = -ENOMEM;
				bh_strbuf_reset(&out);
				bh_strbuf_printf(&out, "out of memory");
			}
			if (err) {
				/* "error: " + the first line; the rest (e.g.
				 * every diagnostic of a refused policy)
				 * follows as the body */
				const char *m = out.len ? out.s : "failed";
				size_t l1 = strcspn(m, "\n");

				bh_strbuf_printf(&c->reply, "error: %.*s\n",
						 (int)l1, m);
				if (m[l1] && m[l1 + 1])
					bh_strbuf_printf(&c->reply, "%s",
							 m + l1 + 1);
			} else {
				bh_strbuf_append(&c->reply, "ok\n", 3);
				if (out.len)
					bh_strbuf_append(&c->reply, out.s,
							 out.len);
			}
		}
	}
	bh_strbuf_release(&out);
	if (bh_strbuf_error(&c->reply)) {
		bh_strbuf_reset(&c->reply);
		bh_strbuf_printf(&c->reply, "error: out of memory\n");
	}
	shutdown(c->src.fd, SHUT_RD);
	if (conn_flush(c)) {
		conn_free(c);
		return;
	}
	bh_loop_mod(c->srv->loop, &c->src, EPOLLOUT);
}

static void conn_event(struct bh_ev_source *src, uint32_t events)
{
	struct ctl_conn *c = (struct ctl_conn *)src;
	ssize_t n;

	if (c->replying) {
		if (conn_flush(c) || (events & (EPOLLERR | EPOLLHUP)))
			conn_free(c);
		return;
	}
	for (;;) {
		char *nl;

		n = recv(c->src.fd, c->req + c->rlen, BH_CTL_MAX_REQ - c->rlen,
			 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_free(c);
			return;
		}
		if (n == 0) {
			/* EOF ends the request too (printf 'status' | nc -U) */
			if (!c->rlen) {
				conn_free(c);
				return;
			}
			conn_reply(c, 0, NULL);
			return;
		}
		nl = memchr(c->req + c->rlen, '\n', (size_t)n);
		c->rlen += (size_t)n;
		if (nl) {
			c->rlen = (size_t)(nl - c->req);
			conn_reply(c, 0, NULL);
			return;
		}
		if (c->rlen == BH_CTL_MAX_REQ) {
			conn_reply(c, -E2BIG, "request longer than 4096 bytes");
			return;
		}
	}
}

static void server_accept(struct bh_ev_source *src, uint32_t events)
{
	struct bh_ctl_server *s = (struct bh_ctl_server *)src;

	for (;;) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		struct ctl_conn *c;
		char msg[96];
		int fd;

		fd = accept4(s->src.fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				pr_warn("control socket %s: accept: %s\n",
					s->path, strerror(errno));
			return;
		}
		if (s->n_conns >= BH_CTL_MAX_CONNS) {
			pr_warn("control socket %s: more than %d clients at "
				"once, closing one\n",
				s->path, BH_CTL_MAX_CONNS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->src.fd = fd;
		c->src.fn = conn_event;
		c->srv = s;
		c->deadline_ms = now_ms() + BH_CTL_TIMEOUT_MS;
		c->next = s->conns;
		s->conns = c;
		s->n_conns++;
		if (bh_loop_add(s->loop, &c->src, EPOLLIN)) {
			/* conn_free deletes from epoll: harmless if absent */
			conn_free(c);
			continue;
		}
		/* the file mode already keeps others out; this also covers
		 * a socket whose mode an administrator loosened */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
		    cred.uid != 0) {
			snprintf(msg, sizeof(msg),
				 "permission denied: the control socket is "
				 "for root only (peer uid %d)",
				 clen == sizeof(cred) ? (int)cred.uid : -1);
			conn_reply(c, -EPERM, msg);
		}
	}
}

void bh_ctl_server_tick(struct bh_ctl_server *s)
{
	unsigned long long now = now_ms();
	struct ctl_conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (now < c->deadline_ms)
			continue;
		if (c->replying)
			conn_free(c);
		else
			conn_reply(c, -ETIMEDOUT,
				   "timed out waiting for a request line");
	}
}

static int make_dirs(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	p = strrchr(buf, '/');
	if (!p || p == buf)
		return 0;
	*p = '\0';
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	/* the socket's own directory: root only */
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file nobody listens on is left over from a daemon that died:
 * replace it. One that answers belongs to a running daemon. */
static int claim_path(const struct sockaddr_un *sun)
{
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)sun, sizeof(*sun)))
		err = -EADDRINUSE;
	else if (errno == ECONNREFUSED)
		unlink(sun->sun_path);
	close(fd);
	return err;
}

int bh_ctl_server_open(struct bh_ctl_server **out, struct bh_loop *loop,
		       const char *path, bh_ctl_handler fn, void *ctx)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct bh_ctl_server *s;
	mode_t old_umask;
	int fd, err;

	*out = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	err = make_dirs(path);
	if (err) {
		pr_warn("cannot create the directory of control socket %s: "
			"%s\n",
			path, strerror(-err));
		return err;
	}
	err = claim_path(&sun);
	if (err) {
		pr_warn("control socket %s is in use: is another bulkhead "
			"daemon running?\n",
			path);
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* created 0600 from the start: no window where others can connect */
	old_umask = umask(0177);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(old_umask);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		pr_warn("cannot listen on control socket %s: %s\n", path,
			strerror(-err));
		close(fd);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto err_fd;
	}
	s->path = strdup(path);
	if (!s->path) {
		err = -ENOMEM;
		goto err_s;
	}
	s->src.fd = fd;
	s->src.fn = server_accept;
	s->loop = loop;
	s->fn = fn;
	s->ctx = ctx;
	err = bh_loop_add(loop, &s->src, EPOLLIN);
	if (err)
		goto err_s;
	*out = s;
	return 0;
err_s:
	free(s->path);
	free(s);
err_fd:
	close(fd);
	unlink(path);
	return err;
}

void bh_ctl_server_free(struct bh_ctl_server **sp, int timeout_ms)
{
	struct bh_ctl_server *s = sp ? *sp : NULL;
	unsigned long long end = now_ms() + (unsigned long long)timeout_ms;

	if (!s)
		return;
	while (s->conns) {
		struct ctl_conn *c = s->conns;
		struct pollfd p = {.fd = c->src.fd, .events = POLLOUT};
		unsigned long long now = now_ms();

		if (!c->replying || now >= end || conn_flush(c)) {
			conn_free(c);
			continue;
		}
		poll(&p, 1, (int)(end - now));
	}
	bh_loop_del(s->loop, &s->src);
	close(s->src.fd);
	unlink(s->path);
	free(s->path);
	free(s);
	*sp = NULL;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int bh_ctl_request(const char *path, int argc, char *const *argv, FILE *out,
		   FILE *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = BH_CTL_CLIENT_TIMEOUT_S};
	struct bh_strbuf req = {0}, head = {0};
	bool in_head = true, is_err = false;
	char buf[4096];
	int fd, i, ret;

	for (i = 0; i < argc; i++) {
		const char *p;

		for (p = argv[i]; *p; p++)
			if (!ctl_word_char((unsigned char)*p))
				break;
		if (*p || p == argv[i]) {
			fprintf(err,
				"bulkhead: argument '%s' is empty or has a "
				"space or control character\n",
				argv[i]);
			ret = -EINVAL;
			goto out_req;
		}
		bh_strbuf_printf(&req, "%s%s", i ? " " : "", argv[i]);
	}
	bh_strbuf_append(&req, "\n", 1);
	if (bh_strbuf_error(&req) || req.len > BH_CTL_MAX_REQ) {
		fprintf(err, "bulkhead: request longer than %d bytes\n",
			BH_CTL_MAX_REQ);
		ret = -E2BIG;
		goto out_req;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ret = -ENAMETOOLONG;
		fprintf(err, "bulkhead: control socket path too long: %s\n",
			path);
		goto out_req;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out_req;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		fprintf(err,
			"bulkhead: cannot reach the daemon at %s: %s "
			"(is 'bulkhead run' running?)\n",
			path, strerror(-ret));
		goto out_fd;
	}
	ret = send_all(fd, req.s, req.len);
	if (ret) {
		fprintf(err, "bulkhead: cannot send to the daemon at %s: %s\n",
			path, strerror(-ret));
		goto out_fd;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			fprintf(err,
				"bulkhead: no reply from the daemon at %s: "
				"%s\n",
				path, strerror(-ret));
			goto out_fd;
		}
		if (!n)
			break;
		if (!in_head) {
			fwrite(buf, 1, (size_t)n, is_err ? err : out);
			continue;
		}
		nl = memchr(buf, '\n', (size_t)n);
		bh_strbuf_append(&head, buf,
				 nl ? (size_t)(nl - buf) : (size_t)n);
		if (head.len > BH_CTL_MAX_REQ) {
			ret = -EPROTO;
			break;
		}
		if (nl) {
			in_head = false;
			/* an error's message comes first, its details after */
			is_err = !strncmp(head.s ? head.s : "", "error: ", 7);
			if (is_err)
				fprintf(err, "bulkhead: %s\n", head.s + 7);
			fwrite(nl + 1, 1, (size_t)(buf + n - nl - 1),
			       is_err ? err : out);
		}
	}
	if (in_head || bh_strbuf_error(&head) || ret) {
		ret = -EPROTO;
		fprintf(err, "bulkhead: the daemon at %s sent no valid reply\n",
			path);
	} else if (!strcmp(head.s, "ok")) {
		ret = 0;
	} else if (is_err) {
		ret = -EREMOTEIO;
	} else {
		ret = -EPROTO;
		fprintf(err, "bulkhead: unexpected reply from the daemon: %s\n",
			head.s);
	}
	fflush(out);
out_fd:
	close(fd);
out_req:
	bh_strbuf_release(&head);
	bh_strbuf_release(&req);
	return ret;
}
