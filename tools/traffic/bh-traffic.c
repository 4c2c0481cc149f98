// SPDX-License-Identifier: GPL-2.0-only
/*
 * bh-traffic: packet-exact test traffic for the netns integration tests.
 *
 *   bh-traffic udp-sink   --port P [--bind IP] [--until-file F]
 *       count datagrams with sequence numbers until SIGTERM/SIGINT (or F
 *       exists), then print "received R distinct D duplicates U max_seq M"
 *   bh-traffic udp-source --to IP --port P --pps N (--seconds S | --until-file
 * F) send datagrams numbered 0, 1, ... at N per second; print "sent S"
 *   bh-traffic udp-echo   --port P
 *       echo every datagram back to its sender, until SIGTERM/SIGINT
 *   bh-traffic udp-probe  --to IP --port P [--count N] [--wait-ms W]
 *       send N datagrams to an echo server, print how many came back
 *   bh-traffic tcp-echo   --port P
 *       accept connections and echo what they send, until SIGTERM/SIGINT
 *   bh-traffic tcp-ping   --to IP --port P --interval-ms I (--seconds S |
 * --until-file F) one connection: send a numbered line every I ms and expect it
 * back; print "ok N failed F"; exit 1 if the connection broke or a reply was
 *       missing or wrong
 *
 * --until-file F runs until the file F exists (the test creates it).
 * Exit 0 on success, 1 on failure, 2 on usage errors. IPv4 and IPv6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEQ (1u << 24) /* bitmap of seen sequence numbers: 2 MiB */
#define PAYLOAD 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *to;
	const char *bind;
	const char *until_file;
	int port;
	int pps;
	double seconds;
	int count;
	int wait_ms;
	int interval_ms;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: bh-traffic udp-sink|udp-source|udp-echo|udp-probe|"
		"tcp-echo|tcp-ping [options]\n"
		"  --to IP --port P --bind IP --pps N --seconds S --count N\n"
		"  --wait-ms W --interval-ms I --until-file F\n");
	return 2;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fill ss from ip and port; returns the address length or 0. */
static socklen_t make_addr(const char *ip, int port,
			   struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!ip || inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return sizeof(*a6);
	}
	fprintf(stderr, "bh-traffic: bad address '%s'\n", ip);
	return 0;
}

static int bound_socket(int type, const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o->bind, o->port, &ss);
	int fd, one = 1, rcvbuf = 8 << 20;

	if (!len)
		return -1;
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    (type == SOCK_STREAM && listen(fd, 16))) {
		fprintf(stderr, "bh-traffic: bind port %d: %s\n", o->port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool done(const struct opts *o, double start)
{
	if (stop)
		return true;
	if (o->until_file)
		return access(o->until_file, F_OK) == 0;
	return now_s() - start >= o->seconds;
}

static int udp_sink(const struct opts *o)
{
	uint8_t *seen = calloc(MAX_SEQ / 8, 1);
	unsigned long long received = 0, distinct = 0, dups = 0;
	long long max_seq = -1;
	int fd = bound_socket(SOCK_DGRAM, o);

	if (fd < 0 || !seen)
		return 1;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char buf[2048];
		uint32_t seq;
		ssize_t n;

		/* once stopped, drain what is queued, then report */
		if (o->until_file && !access(o->until_file, F_OK))
			stop = 1;
		if (!stop && poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && stop)
			break;
		if (n < (ssize_t)sizeof(seq))
			continue;
		memcpy(&seq, buf, sizeof(seq));
		seq = ntohl(seq);
		received++;
		if (seq >= MAX_SEQ)
			continue;
		if (seen[seq / 8] & (1u << (seq % 8))) {
			dups++;
			continue;
		}
		seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		distinct++;
		if ((long long)seq > max_seq)
			max_seq = seq;
	}
	printf("received %llu distinct %llu duplicates %llu max_seq %lld\n",
	       received, distinct, dups, max_seq);
	free(seen);
	close(fd);
	return 0;
}

static int udp_source(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o->to, o->port, &ss);
	unsigned long long sent = 0, errors = 0;
	double start = now_s(), next = start;
	char buf[PAYLOAD] = {0};
	int fd;

	if (!len || o->pps <= 0)
		return usage();
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	while (!done(o, start)) {
		uint32_t seq = htonl((uint32_t)sent);
		double t = now_s();

		if (t < next) {
			struct timespec ts = {0, (long)((next - t) * 1e9)};

			nanosleep(&ts, NULL);
			continue;
		}
		memcpy(buf, &seq, sizeof(seq));
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
			   len) != sizeof(buf)) {
			/* a local error (e.g. no ARP reply yet): the datagram
			 * never left, so it is not counted as sent */
			errors++;
			next += 1.0 / o->pps;
			continue;
		}
		sent++;
		next += 1.0 / o->pps;
	}
	printf("sent %llu errors %llu\n", sent, errors);
	close(fd);
	return 0;
}

static int udp_echo(const struct opts *o)
{
	int fd = bound_socket(SOCK_DGRAM, o);

	if (fd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		char buf[2048];
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			       flen);
	}
	close(fd);
	return 0;
}

static int udp_probe(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o->to, o->port, &ss);
	int fd, i, back = 0;
	double deadline;

	if (!len)
		return usage();
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return 1;
	for (i = 0; i < o->count; i++) {
		uint32_t seq = htonl((uint32_t)i);

		send(fd, &seq, sizeof(seq), 0);
	}
	deadline = now_s() + o->wait_ms / 1000.0;
	while (back < o->count) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		double left = deadline - now_s();
		char buf[64];

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			break;
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			back++;
	}
	printf("%d\n", back);
	close(fd);
	return 0;
}

static int tcp_echo(const struct opts *o)
{
	int lfd = bound_socket(SOCK_STREAM, o);
	struct pollfd p[64];
	int n = 1, i;

	if (lfd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	p[0].fd = lfd;
	p[0].events = POLLIN;
	while (!stop) {
		if (poll(p, (nfds_t)n, 100) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < 64) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0) {
				p[n].fd = c;
				p[n].events = POLLIN;
				p[n].revents = 0;
				n++;
			}
		}
		for (i = 1; i < n; i++) {
			char buf[4096];
			ssize_t r;

			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0 &&
			    send(p[i].fd, buf, (size_t)r, MSG_NOSIGNAL) == r)
				continue;
			if (r < 0 && errno == EAGAIN)
				continue;
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
	for (i = 0; i < n; i++)
		close(p[i].fd);
	return 0;
}

static int tcp_ping(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o->to, o->port, &ss);
	unsigned long ok = 0, failed = 0, seq = 0;
	double start = now_s();
	struct timeval tv = {.tv_sec = 2};
	int fd;

	if (!len || o->interval_ms <= 0)
		return usage();
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		printf("connect failed: %s\n", strerror(errno));
		return 1;
	}
	printf("connected\n");
	fflush(stdout);
	while (!done(o, start)) {
		char line[32], reply[32];
		size_t got = 0;
		int l;

		l = snprintf(line, sizeof(line), "%lu\n", seq++);
		if (send(fd, line, (size_t)l, MSG_NOSIGNAL) != l) {
			failed++;
			break;
		}
		while (got < (size_t)l) {
			ssize_t r = recv(fd, reply + got, (size_t)l - got, 0);

			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != (size_t)l || memcmp(line, reply, (size_t)l)) {
			failed++;
			break;
		}
		ok++;
		usleep((useconds_t)o->interval_ms * 1000);
	}
	printf("ok %lu failed %lu\n", ok, failed);
	close(fd);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    {"to", required_argument, NULL, 't'},
	    {"port", required_argument, NULL, 'p'},
	    {"bind", required_argument, NULL, 'b'},
	    {"pps", required_argument, NULL, 'r'},
	    {"seconds", required_argument, NULL, 's'},
	    {"count", required_argument, NULL, 'c'},
	    {"wait-ms", required_argument, NULL, 'w'},
	    {"interval-ms", required_argument, NULL, 'i'},
	    {"until-file", required_argument, NULL, 'u'},
	    {0},
	};
	struct opts o = {.seconds = 1, .count = 5, .wait_ms = 300};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *mode;
	int c;

	if (argc < 2)
		return usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.to = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'b':
			o.bind = optarg;
			break;
		case 'r':
			o.pps = atoi(optarg);
			break;
		case 's':
			o.seconds = atof(optarg);
			break;
		case 'c':
			o.count = atoi(optarg);
			break;
		case 'w':
			o.wait_ms = atoi(optarg);
			break;
		case 'i':
			o.interval_ms = atoi(optarg);
			break;
		case 'u':
			o.until_file = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind < argc || o.port <= 0 || o.port > 65535)
		return usage();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "udp-sink"))
		return udp_sink(&o);
	if (!strcmp(mode, "udp-source"))
		return udp_source(&o);
	if (!strcmp(mode, "udp-echo"))
		return udp_echo(&o);
	if (!strcmp(mode, "udp-probe"))
		return udp_probe(&o);
	if (!strcmp(mode, "tcp-echo"))
		return tcp_echo(&o);
	if (!strcmp(mode, "tcp-ping"))
		return tcp_ping(&o);
	return usage();
}
