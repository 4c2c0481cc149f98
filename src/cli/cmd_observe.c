// SPDX-License-Identifier: GPL-2.0-only
/* bulkhead observe: read a telemetry stream (file, stdin, socket) and print
 * flows and alerts one per line, like `hubble observe`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bulkhead_abi.h"
#include "cli.h"
#include "parse_num.h"
#include "print.h"
#include "sink.h"
#include "stream.h"
#include "telemetry.pb-c.h"

#define MAX_CLIENTS 64
#define MAX_TRACKS 64
#define FOLLOW_POLL_MS 200

typedef Bulkhead__Telemetry__V1__Envelope Envelope;

/* Sequence numbers seen per exporter instance, to report lost envelopes. */
struct seq_track {
	char node[64];
	__u64 instance;
	__u64 next;
	__u64 used; /* for replacing the least recently used */
};

struct observe {
	struct bh_print_filter filter;
	bool json;
	bool follow;
	bool streaming; /* flush every line */
	unsigned long long count;
	unsigned long long printed;
	struct seq_track tracks[MAX_TRACKS];
	__u64 tick;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bulkhead observe [options] [FILE]\n"
		"\n"
		"Print bulkhead telemetry (flows, alerts, node statistics), one per line.\n"
		"\n"
		"Source (one of):\n"
		"  FILE, -f, --file FILE   a telemetry file; \"-\" reads standard input\n"
		"      --listen URL        accept exporters on tcp://ADDR:PORT,\n"
		"                          udp://ADDR:PORT or unix:///PATH\n"
		"      --connect URL       read from tcp://HOST:PORT or unix:///PATH\n"
		"\n"
		"Output:\n"
		"  -o, --output FORMAT     text (default) or json (one object per line)\n"
		"  -t, --type LIST         flow,alert,stats (default flow,alert)\n"
		"  -n, --count N           stop after printing N\n"
		"  -F, --follow            FILE: wait for new data and follow rotation\n"
		"\n"
		"Filters (repeatable; all given kinds must match):\n"
		"      --workload NAME     workload or external group of either side\n"
		"      --label KEY=VALUE   all given labels on one side\n"
		"      --verdict VERDICT   allow, deny or would-deny (alias audit)\n"
		"      --port N            port of either side\n"
		"      --since TIME        flows active at or after TIME\n"
		"      --until TIME        flows that started at or before TIME\n"
		"                          TIME: 2024-05-01T12:00:00Z (RFC 3339), Unix\n"
		"                          seconds, or a duration ago: 90s, 15m, 2h, 1d\n"
		"\n"
		"Lost envelopes (gaps in an exporter's sequence numbers) are reported on\n"
		"stderr. A corrupt or truncated stream stops with its byte offset, after\n"
		"printing everything before it; exit status 1.\n");
}

/* ------------------------------------------------------------------------ */
/* Options.                                                                 */

static int parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out)
{
	__u64 v;
	int err = bh_parse_u64(s, max, &v);

	if (!err)
		*out = v;
	return err;
}

static unsigned long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

/* Nanoseconds of a fraction ".123" at s; *end past it. */
static unsigned long long parse_frac(const char *s, const char **end)
{
	unsigned long long ns = 0, scale = 100000000ull;

	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			ns += (unsigned long long)(*s - '0') * scale;
	*end = s;
	return ns;
}

static int parse_time(const char *s, unsigned long long *ns)
{
	unsigned long long v, now;
	const char *p;
	struct tm tm;
	long off = 0;
	__u64 d;
	time_t t;
	int err;

	if (!*s)
		return -EINVAL;
	/* Unix seconds, with an optional fraction: what the duration
	 * grammar reads as a lone number of seconds. */
	if (strspn(s, "0123456789.") == strlen(s)) {
		if (bh_parse_duration_ns(s, BH_PARSE_FRACTION,
					 BH_PARSE_DURATION_MAX_NS, &d))
			return -EINVAL;
		*ns = d;
		return 0;
	}
	/* A duration ago: 90s, 15m, 1h30m, 2d. */
	err = bh_parse_duration_ns(s, 0, BH_PARSE_DURATION_MAX_NS, &d);
	if (err != -EINVAL) {
		now = wall_ns();
		/* longer ago than the epoch: from the start */
		*ns = !err && d < now ? now - d : 1;
		return 0;
	}
	/* RFC 3339. */
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	v = parse_frac(p, &p);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		char hh[3] = {p[1], p[2], '\0'}, mm[3] = {p[4], p[5], '\0'};
		__u64 h, m;

		/* atoi() took "+ab:cd" as +00:00 */
		if (bh_parse_u64(hh, 23, &h) || bh_parse_u64(mm, 59, &m))
			return -EINVAL;
		off = (long)(h * 60 + m) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm) - off;
	if (t < 0)
		return -EINVAL;
	*ns = (unsigned long long)t * 1000000000ull + v;
	return 0;
}

static int parse_types(const char *s, unsigned int *types)
{
	char buf[64], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*types = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "flow") || !strcmp(tok, "flows"))
			*types |= BH_PRINT_FLOW;
		else if (!strcmp(tok, "alert") || !strcmp(tok, "alerts"))
			*types |= BH_PRINT_ALERT;
		else if (!strcmp(tok, "stats"))
			*types |= BH_PRINT_STATS;
		else
			return -EINVAL;
	}
	return *types ? 0 : -EINVAL;
}

static int parse_verdict(const char *s, unsigned int *mask)
{
	unsigned int v;

	for (v = 0; v < BH_VERDICT_MAX; v++)
		if (!strcmp(s, bh_verdict_str(v)))
			break;
	if (!strcmp(s, "audit"))
		v = BH_VERDICT_AUDIT;
	if (v == BH_VERDICT_UNSPEC || v >= BH_VERDICT_MAX)
		return -EINVAL;
	*mask |= 1u << v;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Envelopes.                                                               */

static void track_seq(struct observe *o, const Envelope *env)
{
	const char *node = env->node_id ? env->node_id : "";
	struct seq_track *t = NULL, *lru = &o->tracks[0];
	size_t i;

	for (i = 0; i < MAX_TRACKS; i++) {
		struct seq_track *c = &o->tracks[i];

		if (c->used && c->instance == env->exporter_instance &&
		    !strncmp(c->node, node, sizeof(c->node) - 1)) {
			t = c;
			break;
		}
		if (c->used < lru->used)
			lru = c;
	}
	if (!t) {
		t = lru;
		snprintf(t->node, sizeof(t->node), "%s", node);
		t->instance = env->exporter_instance;
	} else if (env->seq > t->next) {
		fprintf(stderr,
			"observe: exporter %s (instance %016" PRIx64
			"): %" PRIu64 " envelope(s) lost before seq %" PRIu64
			"\n",
			t->node, (uint64_t)t->instance,
			(uint64_t)(env->seq - t->next), (uint64_t)env->seq);
	}
	t->next = env->seq + 1;
	t->used = ++o->tick;
}

/* 0 to go on, 1 when --count is reached, -EBADMSG for a corrupt frame. */
static int handle_frame(struct observe *o, const uint8_t *msg, size_t len,
			uint64_t off, const char *src)
{
	Envelope *env = bulkhead__telemetry__v1__envelope__unpack(NULL, len,
								   msg);

	if (!env) {
		fprintf(stderr,
			"observe: %s: corrupt envelope at byte offset %" PRIu64
			" (%zu bytes): not a valid bulkhead.telemetry.v1.Envelope\n",
			src, off, len);
		return -EBADMSG;
	}
	track_seq(o, env);
	if (bh_print_match(&o->filter, env)) {
		if (o->json)
			bh_print_json(stdout, env);
		else
			bh_print_text(stdout, env);
		if (o->streaming)
			fflush(stdout);
		o->printed++;
	}
	bulkhead__telemetry__v1__envelope__free_unpacked(env, NULL);
	return o->count && o->printed >= o->count ? 1 : 0;
}

/* Feed bytes and handle every complete frame. */
static int pump(struct observe *o, struct bh_stream_reader *r,
		const void *data, size_t len, const char *src)
{
	const uint8_t *msg;
	size_t mlen;
	uint64_t off;
	int rc;

	if (bh_stream_reader_feed(r, data, len))
		return -ENOMEM;
	while ((rc = bh_stream_reader_next(r, &msg, &mlen, &off)) == 1) {
		rc = handle_frame(o, msg, mlen, off, src);
		if (rc)
			return rc;
	}
	if (rc < 0)
		fprintf(stderr, "observe: %s: corrupt stream at byte offset %" PRIu64
				": %s\n",
			src, r->err_offset, r->err);
	return rc;
}

static int finish(struct bh_stream_reader *r, const char *src)
{
	if (!bh_stream_reader_finish(r))
		return 0;
	fprintf(stderr, "observe: %s: stream cut short at byte offset %" PRIu64
			": %s\n",
		src, r->err_offset, r->err);
	return -EPIPE;
}

/* ------------------------------------------------------------------------ */
/* Sources.                                                                 */

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The followed file was replaced (rotation) or truncated. */
static bool file_replaced(const char *path, int fd, uint64_t pos)
{
	struct stat a, b;

	if (stat(path, &a) || fstat(fd, &b))
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev ||
	       (uint64_t)a.st_size < pos;
}

/* Read fd to its end (a file, stdin, a connection). */
static int read_stream(struct observe *o, int fd, const char *src)
{
	struct bh_stream_reader r;
	uint8_t buf[65536];
	int rc = 0;
	ssize_t n;

	bh_stream_reader_init(&r);
	while (!stop_requested) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			fprintf(stderr, "observe: reading %s failed: %s\n", src,
				strerror(errno));
			break;
		}
		if (!n) {
			rc = finish(&r, src);
			break;
		}
		rc = pump(o, &r, buf, (size_t)n, src);
		if (rc)
			break;
	}
	bh_stream_reader_release(&r);
	return rc > 0 ? 0 : rc;
}

static int read_file(struct observe *o, const char *path)
{
	bool is_stdin = !strcmp(path, "-");
	const char *src = is_stdin ? "stdin" : path;
	struct bh_stream_reader r;
	uint64_t pos = 0;
	uint8_t buf[65536];
	int fd, rc = 0;
	ssize_t n;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "observe: cannot open %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	if (!o->follow || is_stdin) {
		rc = read_stream(o, fd, src);
		if (!is_stdin)
			close(fd);
		return rc;
	}
	/* --follow: at the end, wait for more; a new file under the name
	 * (rotation) is read from its start. */
	bh_stream_reader_init(&r);
	while (!stop_requested) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			fprintf(stderr, "observe: reading %s failed: %s\n", src,
				strerror(errno));
			break;
		}
		if (n > 0) {
			pos += (uint64_t)n;
			rc = pump(o, &r, buf, (size_t)n, src);
			if (rc)
				break;
			continue;
		}
		if (file_replaced(path, fd, pos)) {
			int nfd = open(path, O_RDONLY | O_CLOEXEC);

			if (nfd < 0) {
				sleep_ms(FOLLOW_POLL_MS);
				continue;
			}
			/* The rotated file ended on an envelope boundary. */
			rc = finish(&r, src);
			if (rc)
				break;
			close(fd);
			fd = nfd;
			pos = 0;
			bh_stream_reader_reset(&r);
			continue;
		}
		sleep_ms(FOLLOW_POLL_MS);
	}
	close(fd);
	bh_stream_reader_release(&r);
	return rc > 0 ? 0 : rc;
}

static int resolve(const struct bh_sink_url *u, int socktype,
		   struct addrinfo **res, bool passive)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = socktype };
	int err;

	if (passive)
		hints.ai_flags = AI_PASSIVE;
	err = getaddrinfo(u->host, u->port, &hints, res);
	if (err) {
		fprintf(stderr, "observe: cannot resolve %s: %s\n", u->host,
			gai_strerror(err));
		return -EHOSTUNREACH;
	}
	return 0;
}

static int unix_addr(const struct bh_sink_url *u, struct sockaddr_un *sun)
{
	size_t n = strlen(u->path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path)) /* bh_sink_url_parse checked */
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, u->path, n + 1);
	return 0;
}

static int do_connect(struct observe *o, const char *url,
		      const struct bh_sink_url *u)
{
	struct addrinfo *res = NULL, *ai;
	struct sockaddr_un sun;
	int fd = -1, rc;

	if (u->type == BH_SINK_UNIX) {
		unix_addr(u, &sun);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			close(fd);
			fd = -1;
		}
	} else {
		if (resolve(u, SOCK_STREAM, &res, false))
			return -EHOSTUNREACH;
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				    ai->ai_protocol);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
				close(fd);
				fd = -1;
			}
		}
		freeaddrinfo(res);
	}
	if (fd < 0) {
		fprintf(stderr, "observe: cannot connect to %s: %s\n", url,
			strerror(errno));
		return -ECONNREFUSED;
	}
	rc = read_stream(o, fd, url);
	close(fd);
	return rc;
}

static int listen_socket(const char *url, const struct bh_sink_url *u)
{
	struct addrinfo *res = NULL;
	struct sockaddr_un sun;
	int fd, one = 1, type;

	type = u->type == BH_SINK_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if (u->type == BH_SINK_UNIX) {
		unix_addr(u, &sun);
		unlink(sun.sun_path); /* a stale socket from an earlier run */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
			goto err;
	} else {
		if (resolve(u, type, &res, true))
			return -EHOSTUNREACH;
		fd = socket(res->ai_family, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto err;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, res->ai_addr, res->ai_addrlen))
			goto err;
		freeaddrinfo(res);
		res = NULL;
	}
	if (fd < 0 || (type == SOCK_STREAM && listen(fd, 16)))
		goto err;
	return fd;
err:
	fprintf(stderr, "observe: cannot listen on %s: %s\n", url,
		strerror(errno));
	if (res)
		freeaddrinfo(res);
	if (fd >= 0)
		close(fd);
	return -EADDRNOTAVAIL;
}

static int listen_udp(struct observe *o, int fd, const char *url)
{
	struct bh_stream_reader r;
	uint8_t buf[65536];
	int rc = 0;
	ssize_t n;

	bh_stream_reader_init(&r);
	while (!stop_requested && rc <= 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "observe: receiving on %s failed: %s\n",
				url, strerror(errno));
			rc = -errno;
			break;
		}
		/* Each datagram holds whole envelopes: a stream of its own. */
		bh_stream_reader_reset(&r);
		rc = pump(o, &r, buf, (size_t)n, url);
		if (!rc)
			finish(&r, url);
		rc = rc > 0 ? 1 : 0;
	}
	bh_stream_reader_release(&r);
	return rc > 0 ? 0 : rc;
}

struct client {
	int fd;
	char name[64];
	struct bh_stream_reader r;
};

static void drop_client(struct client *c, bool check_end)
{
	if (check_end)
		finish(&c->r, c->name);
	close(c->fd);
	c->fd = -1;
	bh_stream_reader_release(&c->r);
}

/* Many exporters at once; one sending garbage is disconnected, the others
 * go on. */
static int listen_stream(struct observe *o, int lfd)
{
	struct client cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 1];
	uint8_t buf[65536];
	int i, n, rc = 0, serial = 0;
	ssize_t got;

	for (i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1;
	while (!stop_requested && !rc) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < MAX_CLIENTS; i++) {
			pfd[i + 1].fd = cl[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		n = poll(pfd, MAX_CLIENTS + 1, -1);
		if (n < 0)
			continue; /* EINTR: look at stop_requested */
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; cfd >= 0 && i < MAX_CLIENTS; i++)
				if (cl[i].fd < 0)
					break;
			if (cfd >= 0 && i == MAX_CLIENTS) {
				fprintf(stderr,
					"observe: more than %d exporters; refusing one\n",
					MAX_CLIENTS);
				close(cfd);
			} else if (cfd >= 0) {
				cl[i].fd = cfd;
				snprintf(cl[i].name, sizeof(cl[i].name),
					 "connection %d", ++serial);
				bh_stream_reader_init(&cl[i].r);
			}
		}
		for (i = 0; i < MAX_CLIENTS && !rc; i++) {
			if (cl[i].fd < 0 || !pfd[i + 1].revents)
				continue;
			got = read(cl[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				drop_client(&cl[i], true);
				continue;
			}
			rc = pump(o, &cl[i].r, buf, (size_t)got, cl[i].name);
			if (rc < 0) {
				drop_client(&cl[i], false);
				rc = 0;
			}
		}
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			drop_client(&cl[i], false);
	return 0;
}

static int do_listen(struct observe *o, const char *url,
		     const struct bh_sink_url *u)
{
	int fd = listen_socket(url, u), rc;

	if (fd < 0)
		return fd;
	if (u->type == BH_SINK_UDP)
		rc = listen_udp(o, fd, url);
	else
		rc = listen_stream(o, fd);
	close(fd);
	if (u->type == BH_SINK_UNIX)
		unlink(u->path);
	return rc;
}

/* ------------------------------------------------------------------------ */

/* "--name" of an option, for messages (argv may hold "--name=value" or
 * the value alone). */
static const char *opt_name(const struct option *opts, int c)
{
	static char buf[40];

	for (; opts->name; opts++)
		if (opts->val == c) {
			snprintf(buf, sizeof(buf), "--%s", opts->name);
			return buf;
		}
	return "option";
}

int do_observe(int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_CONNECT, OPT_WORKLOAD, OPT_LABEL,
	       OPT_VERDICT, OPT_PORT, OPT_SINCE, OPT_UNTIL };
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "output", required_argument, NULL, 'o' },
		{ "type", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'F' },
		{ "workload", required_argument, NULL, OPT_WORKLOAD },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "verdict", required_argument, NULL, OPT_VERDICT },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *listen_url = NULL, *connect_url = NULL;
	struct bh_print_filter *f;
	struct sigaction sa = { .sa_handler = on_signal };
	struct bh_sink_url u;
	struct observe *o;
	unsigned long long v;
	char err[256];
	int c, rc = 0, sources;

	o = calloc(1, sizeof(*o));
	if (!o)
		return BH_EXIT_FAIL;
	f = &o->filter;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:t:n:Fh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case OPT_LISTEN:
			listen_url = optarg;
			break;
		case OPT_CONNECT:
			connect_url = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				o->json = true;
			else if (strcmp(optarg, "text"))
				goto bad_arg;
			break;
		case 't':
			if (parse_types(optarg, &f->types))
				goto bad_arg;
			break;
		case 'n':
			if (parse_uint(optarg, ~0ull, &o->count) || !o->count)
				goto bad_arg;
			break;
		case 'F':
			o->follow = true;
			break;
		case OPT_WORKLOAD:
			if (f->n_workloads == BH_FILTER_MAX)
				goto too_many;
			f->workloads[f->n_workloads++] = optarg;
			break;
		case OPT_LABEL:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				goto bad_arg;
			if (f->n_labels == BH_FILTER_MAX)
				goto too_many;
			f->labels[f->n_labels++] = optarg;
			break;
		case OPT_VERDICT:
			if (parse_verdict(optarg, &f->verdicts))
				goto bad_arg;
			break;
		case OPT_PORT:
			if (parse_uint(optarg, 65535, &v))
				goto bad_arg;
			if (f->n_ports == BH_FILTER_MAX)
				goto too_many;
			f->ports[f->n_ports++] = (unsigned int)v;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_time(optarg, c == OPT_SINCE ? &f->since_ns :
								&f->until_ns))
				goto bad_arg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		case ':':
			fprintf(stderr, "bulkhead observe: %s needs a value\n",
				argv[optind - 1]);
			goto usage;
		default:
			fprintf(stderr, "bulkhead observe: unknown option '%s'\n",
				argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		if (file || optind + 1 < argc) {
			fprintf(stderr,
				"bulkhead observe: unexpected argument '%s'\n",
				argv[optind + (file ? 0 : 1)]);
			goto usage;
		}
		file = argv[optind];
	}
	sources = !!file + !!listen_url + !!connect_url;
	if (sources != 1) {
		fprintf(stderr, "bulkhead observe: %s\n",
			sources ? "give one source only" :
				  "give a FILE, --listen or --connect");
		goto usage;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (file) {
		o->streaming = o->follow;
		rc = read_file(o, file);
	} else {
		const char *url = listen_url ? listen_url : connect_url;

		if (bh_sink_url_parse(url, &u, err, sizeof(err)) ||
		    (u.type != BH_SINK_TCP && u.type != BH_SINK_UNIX &&
		     (u.type != BH_SINK_UDP || connect_url))) {
			fprintf(stderr, "bulkhead observe: bad URL '%s'%s%s\n",
				url, *err ? ": " : "", err);
			goto usage;
		}
		o->streaming = true;
		rc = listen_url ? do_listen(o, url, &u) :
				  do_connect(o, url, &u);
	}
	fflush(stdout);
	free(o);
	return rc ? BH_EXIT_FAIL : BH_EXIT_OK;

bad_arg:
	fprintf(stderr, "bulkhead observe: bad value '%s' for %s\n", optarg,
		opt_name(longopts, c));
	goto usage;
too_many:
	fprintf(stderr, "bulkhead observe: at most %d of %s\n", BH_FILTER_MAX,
		opt_name(longopts, c));
usage:
	usage(stderr);
	free(o);
	return BH_EXIT_USAGE;
out:
	free(o);
	return BH_EXIT_OK;
}
