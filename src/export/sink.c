// SPDX-License-Identifier: GPL-2.0-only
/* Export destinations: URL parsing, and one writer thread per sink that
 * drains the sink's queue into a file, stdout or a socket. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "parse_num.h"
#include "queue.h"

#define BATCH_MSGS 256
#define POP_WAIT_MS 50 /* longest a lone envelope waits in a queue */
#define CONNECT_TIMEOUT_MS 2000

struct bh_sink {
	char url_str[BH_SINK_URL_MAX];
	struct bh_sink_url url;
	struct bh_sink_opts opts;
	struct bh_queue q;
	pthread_t thread;
	bool started;

	/* Writer thread only. */
	int fd;
	unsigned long long file_size;
	bool ever_connected;
	bool warned; /* a failure was logged; log recovery once */
	unsigned int backoff_ms;
	struct timespec stop_by; /* drain deadline once the queue is closed */
	uint8_t *batch;
	size_t batch_cap;
	uint32_t lens[BATCH_MSGS];
	int n, next;    /* messages in batch, next to write */
	size_t next_off; /* offset of batch message next */

	/* Shared counters (atomics). */
	__u64 envelopes, bytes, dropped_full, dropped_error, reconnects;
	int connected;
};

/* ------------------------------------------------------------------------ */
/* URLs.                                                                    */

static int parse_file_query(char *q, struct bh_sink_url *u, char *err,
			    size_t err_len)
{
	char *tok, *eq, *save = NULL;
	__u64 v;

	for (tok = strtok_r(q, "&", &save); tok;
	     tok = strtok_r(NULL, "&", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, err_len, "bad file option '%s'", tok);
			return -EINVAL;
		}
		*eq = '\0';
		if (!strcmp(tok, "max_bytes")) {
			if (bh_parse_size(eq + 1, UINT64_MAX, &v))
				goto bad;
			u->max_bytes = v;
		} else if (!strcmp(tok, "keep")) {
			if (bh_parse_u64(eq + 1, 1000, &v))
				goto bad;
			u->keep = (unsigned int)v;
		} else {
			snprintf(err, err_len,
				 "unknown file option '%s' (max_bytes, keep)",
				 tok);
			return -EINVAL;
		}
	}
	return 0;
bad:
	snprintf(err, err_len,
		 "bad file option '%s=%s' (max_bytes: a size such as "
		 "1048576, 100M, 1GiB; keep: 0..1000)",
		 tok, eq + 1);
	return -EINVAL;
}

static int parse_hostport(const char *s, struct bh_sink_url *u, char *err,
			  size_t err_len)
{
	const char *colon, *host = s;
	size_t hlen;
	__u64 port;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			goto bad;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - s);
	}
	if (!hlen || hlen >= sizeof(u->host) || !colon[1] ||
	    strlen(colon + 1) >= sizeof(u->port) ||
	    bh_parse_u64(colon + 1, 65535, &port) || !port)
		goto bad;
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	strcpy(u->port, colon + 1);
	return 0;
bad:
	snprintf(err, err_len, "expected HOST:PORT or [IPV6]:PORT, got '%s'",
		 s);
	return -EINVAL;
}

int bh_sink_url_parse(const char *url, struct bh_sink_url *u, char *err,
		      size_t err_len)
{
	char buf[4096 + 64];
	char *q;

	memset(u, 0, sizeof(*u));
	if (!url || !*url) {
		snprintf(err, err_len, "empty destination");
		return -EINVAL;
	}
	if (strlen(url) >= sizeof(buf)) {
		snprintf(err, err_len, "destination too long");
		return -EINVAL;
	}
	if (!strcmp(url, "-") || !strcmp(url, "stdout")) {
		u->type = BH_SINK_STDOUT;
		return 0;
	}
	if (!strncmp(url, "tcp://", 6) || !strncmp(url, "udp://", 6)) {
		u->type = url[0] == 't' ? BH_SINK_TCP : BH_SINK_UDP;
		return parse_hostport(url + 6, u, err, err_len);
	}
	if (!strncmp(url, "unix://", 7)) {
		u->type = BH_SINK_UNIX;
		if (url[7] != '/' ||
		    strlen(url + 7) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, err_len,
				 "expected unix:///ABSOLUTE/PATH shorter than %zu bytes",
				 sizeof(((struct sockaddr_un *)0)->sun_path));
			return -EINVAL;
		}
		strcpy(u->path, url + 7);
		return 0;
	}
	if (strstr(url, "://") && strncmp(url, "file://", 7)) {
		snprintf(err, err_len,
			 "unknown scheme in '%s' (file, tcp, udp, unix)", url);
		return -EINVAL;
	}
	u->type = BH_SINK_FILE;
	strcpy(buf, strncmp(url, "file://", 7) ? url : url + 7);
	q = strchr(buf, '?');
	if (q) {
		*q++ = '\0';
		if (parse_file_query(q, u, err, err_len))
			return -EINVAL;
	}
	if (!buf[0] || strlen(buf) >= sizeof(u->path) - 8) {
		snprintf(err, err_len, "bad file path in '%s'", url);
		return -EINVAL;
	}
	if (u->max_bytes && !u->keep)
		u->keep = 5;
	strcpy(u->path, buf);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Opening.                                                                 */

static void add_u64(__u64 *p, __u64 v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0, flags;
	socklen_t elen = sizeof(err);

	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, sa, len)) {
		if (errno != EINPROGRESS)
			return -errno;
		if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
			return -errno;
		if (err)
			return -err;
	}
	fcntl(fd, F_SETFL, flags);
	return 0;
}

static int open_inet(struct bh_sink *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *res, *ai;
	int fd = -1, err;

	hints.ai_socktype = s->url.type == BH_SINK_UDP ? SOCK_DGRAM :
							 SOCK_STREAM;
	err = getaddrinfo(s->url.host, s->url.port, &hints, &res);
	if (err) {
		if (!s->warned)
			pr_warn("export: cannot resolve %s: %s\n", s->url_str,
				gai_strerror(err));
		return -EHOSTUNREACH;
	}
	err = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		err = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen);
		if (!err)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : err;
}

static int open_unix(struct bh_sink *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sun.sun_path, s->url.path);
	err = connect_timeout(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int open_file(struct bh_sink *s)
{
	struct stat st;
	int fd;

	fd = open(s->url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		  0640);
	if (fd < 0)
		return -errno;
	s->file_size = fstat(fd, &st) ? 0 : (unsigned long long)st.st_size;
	return fd;
}

static int sink_open(struct bh_sink *s)
{
	struct timeval tv;
	int fd;

	switch (s->url.type) {
	case BH_SINK_STDOUT:
		fd = dup(STDOUT_FILENO);
		if (fd < 0)
			fd = -errno;
		break;
	case BH_SINK_FILE:
		fd = open_file(s);
		break;
	case BH_SINK_UNIX:
		fd = open_unix(s);
		break;
	default:
		fd = open_inet(s);
		break;
	}
	if (fd < 0) {
		if (!s->warned)
			pr_warn("export: cannot open %s: %s; retrying\n",
				s->url_str, strerror(-fd));
		s->warned = true;
		return fd;
	}
	if (s->url.type == BH_SINK_TCP || s->url.type == BH_SINK_UNIX ||
	    s->url.type == BH_SINK_UDP) {
		/* A peer that stops reading must not wedge the thread: the
		 * write loop wakes up to check for shutdown. */
		tv.tv_sec = s->opts.write_timeout_ms / 1000;
		tv.tv_usec = (s->opts.write_timeout_ms % 1000) * 1000;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (s->warned)
		pr_info("export: %s is open again\n", s->url_str);
	s->ever_connected = true;
	s->warned = false;
	s->backoff_ms = 0;
	s->fd = fd;
	__atomic_store_n(&s->connected, 1, __ATOMIC_RELAXED);
	return 0;
}

static void sink_close(struct bh_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	__atomic_store_n(&s->connected, 0, __ATOMIC_RELAXED);
}

/* Rotate PATH -> PATH.1 -> ... -> PATH.keep; the oldest goes. */
static void rotate(struct bh_sink *s)
{
	char from[sizeof(s->url.path) + 16], to[sizeof(s->url.path) + 16];
	unsigned int i;

	sink_close(s);
	for (i = s->url.keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", s->url.path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->url.path, i);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", s->url.path);
	if (rename(s->url.path, to))
		pr_warn("export: cannot rotate %s: %s\n", s->url.path,
			strerror(errno));
	sink_open(s);
}

/* ------------------------------------------------------------------------ */
/* Writing.                                                                 */

static bool past(const struct timespec *t)
{
	struct timespec now;

	if (!t->tv_sec)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static bool is_socket(const struct bh_sink *s)
{
	return s->url.type == BH_SINK_TCP || s->url.type == BH_SINK_UNIX;
}

/* The consumer of a stream socket never sends: readable means it closed
 * or reset, so reconnect before writing into the void. */
static bool peer_gone(struct bh_sink *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&pfd, 1, 0) <= 0)
		return false;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return true;
	return recv(s->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
}

static int write_all(struct bh_sink *s, const uint8_t *p, size_t len,
		     size_t *written)
{
	ssize_t n;

	*written = 0;
	while (*written < len) {
		if (is_socket(s))
			n = send(s->fd, p + *written, len - *written,
				 MSG_NOSIGNAL);
		else
			n = write(s->fd, p + *written, len - *written);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* send timeout: the peer is slow; go on unless the
			 * drain deadline passed. */
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    !past(&s->stop_by))
				continue;
			return -errno;
		}
		*written += (size_t)n;
	}
	return 0;
}

static void drop_rest_of_batch(struct bh_sink *s)
{
	add_u64(&s->dropped_error, (__u64)(s->n - s->next));
	s->next = s->n;
}

static void write_datagrams(struct bh_sink *s)
{
	for (; s->next < s->n; s->next++) {
		uint32_t len = s->lens[s->next];

		if (send(s->fd, s->batch + s->next_off, len, MSG_NOSIGNAL) ==
		    (ssize_t)len) {
			add_u64(&s->envelopes, 1);
			add_u64(&s->bytes, len);
		} else {
			/* ECONNREFUSED reports an earlier datagram's ICMP
			 * error; this one is lost too. */
			add_u64(&s->dropped_error, 1);
			if (!s->warned)
				pr_warn("export: sending to %s failed: %s\n",
					s->url_str, strerror(errno));
			s->warned = true;
		}
		s->next_off += len;
	}
}

/* Write the next run of whole messages: all of the batch, or up to the
 * point where a file must rotate. */
static void write_stream(struct bh_sink *s)
{
	unsigned long long limit = s->url.max_bytes;
	size_t run = 0, written, done = 0;
	int i, err;

	if (is_socket(s) && peer_gone(s)) {
		pr_warn("export: %s closed the connection; reconnecting\n",
			s->url_str);
		s->warned = true;
		sink_close(s);
		return;
	}
	if (s->url.type == BH_SINK_FILE && limit && s->file_size &&
	    s->file_size + s->lens[s->next] > limit) {
		rotate(s);
		if (s->fd < 0)
			return;
	}
	for (i = s->next; i < s->n; i++) {
		if (s->url.type == BH_SINK_FILE && limit && run &&
		    s->file_size + run + s->lens[i] > limit)
			break;
		run += s->lens[i];
	}
	err = write_all(s, s->batch + s->next_off, run, &written);
	/* Account the messages that went out whole. */
	for (i = s->next; i < s->n && done + s->lens[i] <= written; i++)
		done += s->lens[i];
	add_u64(&s->envelopes, (__u64)(i - s->next));
	add_u64(&s->bytes, done);
	s->file_size += done;
	s->next = i;
	s->next_off += done;
	if (!err)
		return;

	if (!s->warned)
		pr_warn("export: writing to %s failed: %s\n", s->url_str,
			strerror(-err));
	s->warned = true;
	if (written > done) {
		/* A message went out in part: lost. A file is cut back to
		 * the last whole envelope so that it stays readable. */
		if (s->url.type == BH_SINK_FILE &&
		    ftruncate(s->fd, (off_t)s->file_size))
			pr_warn("export: cannot truncate %s after a failed write: %s\n",
				s->url.path, strerror(errno));
		add_u64(&s->dropped_error, 1);
		s->next_off += s->lens[s->next];
		s->next++;
	} else if (!is_socket(s)) {
		/* Files and stdout: the same write would fail again. */
		add_u64(&s->dropped_error, 1);
		s->next_off += s->lens[s->next];
		s->next++;
	}
	if (is_socket(s))
		sink_close(s); /* the rest goes after reconnecting */
}

static void backoff(struct bh_sink *s)
{
	if (!s->backoff_ms)
		s->backoff_ms = s->opts.backoff_min_ms;
	else if (s->backoff_ms < s->opts.backoff_max_ms)
		s->backoff_ms = s->backoff_ms * 2 > s->opts.backoff_max_ms ?
					s->opts.backoff_max_ms :
					s->backoff_ms * 2;
	bh_queue_sleep(&s->q, (int)s->backoff_ms);
}

static void set_deadline(struct bh_sink *s)
{
	struct timespec *t = &s->stop_by;

	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += s->opts.drain_timeout_ms / 1000;
	t->tv_nsec += (long)(s->opts.drain_timeout_ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static void *sink_main(void *arg)
{
	struct bh_sink *s = arg;
	sigset_t set;
	int n;

	/* stdout may be a pipe: EPIPE instead of a process-wide SIGPIPE. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (;;) {
		bool closed = bh_queue_closed(&s->q);

		if (closed && !s->stop_by.tv_sec)
			set_deadline(s);
		if (closed && past(&s->stop_by))
			break;
		if (s->fd < 0) {
			bool again = s->ever_connected;

			if (sink_open(s)) {
				if (closed)
					break; /* nowhere to deliver the rest */
				backoff(s);
				continue;
			}
			if (again)
				add_u64(&s->reconnects, 1);
		}
		if (s->next == s->n) {
			if (s->n)
				bh_queue_done(&s->q);
			s->n = s->next = 0;
			s->next_off = 0;
			n = bh_queue_pop(&s->q, &s->batch, &s->batch_cap,
					 s->lens, BATCH_MSGS, POP_WAIT_MS);
			if (n < 0)
				bh_queue_sleep(&s->q, 10);
			if (n <= 0) {
				if (closed && !bh_queue_used(&s->q))
					break;
				continue;
			}
			s->n = n;
		}
		if (s->url.type == BH_SINK_UDP)
			write_datagrams(s);
		else
			write_stream(s);
	}

	/* Whatever could not be delivered in time is lost, and counted. */
	drop_rest_of_batch(s);
	for (;;) {
		bh_queue_done(&s->q);
		n = bh_queue_pop(&s->q, &s->batch, &s->batch_cap, s->lens,
				 BATCH_MSGS, 0);
		if (n <= 0)
			break;
		add_u64(&s->dropped_error, (__u64)n);
	}
	bh_queue_done(&s->q);
	sink_close(s);
	return NULL;
}

/* ------------------------------------------------------------------------ */

int bh_sink_new(struct bh_sink **out, const char *url,
		const struct bh_sink_opts *opts)
{
	struct bh_sink *s;
	char err_msg[256];
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->opts = *opts;
	if (bh_sink_url_parse(url, &s->url, err_msg, sizeof(err_msg))) {
		pr_warn("export: bad destination '%s': %s\n", url, err_msg);
		free(s);
		return -EINVAL;
	}
	snprintf(s->url_str, sizeof(s->url_str), "%s", url);
	s->batch_cap = 256 << 10;
	s->batch = malloc(s->batch_cap);
	err = s->batch ? bh_queue_init(&s->q, opts->queue_bytes) : -ENOMEM;
	if (err) {
		free(s->batch);
		free(s);
		return err;
	}
	err = -pthread_create(&s->thread, NULL, sink_main, s);
	if (err) {
		pr_warn("export: cannot start the writer for %s: %s\n", url,
			strerror(-err));
		bh_queue_destroy(&s->q);
		free(s->batch);
		free(s);
		return err;
	}
	s->started = true;
	*out = s;
	return 0;
}

void bh_sink_free(struct bh_sink **sp)
{
	struct bh_sink *s;

	if (!sp || !*sp)
		return;
	s = *sp;
	bh_queue_close(&s->q);
	if (s->started)
		pthread_join(s->thread, NULL);
	bh_queue_destroy(&s->q);
	free(s->batch);
	free(s);
	*sp = NULL;
}

int bh_sink_push(struct bh_sink *s, const void *frame, size_t len)
{
	int err = bh_queue_push(&s->q, frame, len, s->opts.block_when_full);

	if (err == -ENOBUFS || err == -EMSGSIZE)
		add_u64(&s->dropped_full, 1);
	else if (err)
		add_u64(&s->dropped_error, 1);
	return err;
}

int bh_sink_flush(struct bh_sink *s, int timeout_ms)
{
	return bh_queue_wait_idle(&s->q, timeout_ms);
}

void bh_sink_stats(struct bh_sink *s, struct bh_sink_stats *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->url, sizeof(out->url), "%s", s->url_str);
	out->envelopes = __atomic_load_n(&s->envelopes, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	out->dropped_queue_full =
		__atomic_load_n(&s->dropped_full, __ATOMIC_RELAXED);
	out->dropped_sink_error =
		__atomic_load_n(&s->dropped_error, __ATOMIC_RELAXED);
	out->reconnects = __atomic_load_n(&s->reconnects, __ATOMIC_RELAXED);
	out->connected = __atomic_load_n(&s->connected, __ATOMIC_RELAXED);
	out->queue_bytes = bh_queue_used(&s->q);
}
