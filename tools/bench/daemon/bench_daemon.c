// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the daemon benchmark (run.sh):
 *
 *   bench_daemon fill PIN_DIR N
 *       put N established TCP flows into the pinned bh_flows map, as if
 *       that many connections were open (the collector then tracks them
 *       and reads them at every poll)
 *   bench_daemon ping SOCKET COUNT INTERVAL_MS
 *       send `endpoint list` (the cheapest control request) COUNT times
 *       over the control socket and print the round trip: mean, p50,
 *       p99 and max in microseconds
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bulkhead_abi.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int fill(const char *pin_dir, unsigned int n)
{
	char path[4096];
	unsigned int i, done = 0;
	__u64 now = mono_ns();
	int fd;

	snprintf(path, sizeof(path), "%s/bh_flows", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "bench_daemon: cannot open %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct bh_flow_key k;
		struct bh_flow v;

		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		/* 10.99.x.y:port -> 10.100.0.z:443, IPv4-mapped */
		k.a.h[5] = 0xffff;
		k.b.h[5] = 0xffff;
		k.a.w[3] = htonl(0x0a630000u | (i >> 8));
		k.b.w[3] = htonl(0x0a640000u | (i & 0xff));
		k.a_port = (__u16)(10000 + i % 50000);
		k.b_port = 443;
		k.proto = 6;
		v.verdict = BH_VERDICT_ALLOW;
		v.ct_state = BH_CT_ESTABLISHED;
		v.last_seen_ns = now;
		v.first_seen_ns = now;
		v.packets[BH_DIR_AB] = 10;
		v.packets[BH_DIR_BA] = 8;
		v.bytes[BH_DIR_AB] = 1000;
		v.bytes[BH_DIR_BA] = 8000;
		v.tcp_flags[BH_DIR_AB] = 0x12;
		v.tcp_flags[BH_DIR_BA] = 0x12;
		if (!bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			done++;
	}
	close(fd);
	printf("inserted %u flows\n", done);
	return done == n ? 0 : 1;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* One request: connect, send, read to EOF. Returns ns or 0 on error. */
static __u64 request(const char *sock)
{
	static const char req[] = "endpoint list\n";
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[4096];
	__u64 t0 = mono_ns();
	ssize_t r;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return 0;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return r < 0 ? 0 : mono_ns() - t0;
}

static int ping(const char *sock, unsigned int count, unsigned int interval_ms)
{
	__u64 *v = calloc(count ? count : 1, sizeof(*v)), sum = 0;
	struct timespec gap = {(time_t)(interval_ms / 1000),
			       (long)(interval_ms % 1000) * 1000000L};
	unsigned int i, n = 0;

	if (!v)
		return 1;
	for (i = 0; i < count; i++) {
		__u64 ns = request(sock);

		if (!ns) {
			fprintf(stderr, "bench_daemon: request %u failed\n", i);
			free(v);
			return 1;
		}
		v[n++] = ns;
		sum += ns;
		nanosleep(&gap, NULL);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("requests %u mean_us %llu p50_us %llu p99_us %llu max_us %llu\n",
	       n, (unsigned long long)(sum / n / 1000),
	       (unsigned long long)(v[n / 2] / 1000),
	       (unsigned long long)(v[(n * 99) / 100 < n ? (n * 99) / 100
							 : n - 1] /
				    1000),
	       (unsigned long long)(v[n - 1] / 1000));
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], (unsigned int)strtoul(argv[3], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "ping"))
		return ping(argv[2], (unsigned int)strtoul(argv[3], NULL, 10),
			    (unsigned int)strtoul(argv[4], NULL, 10));
	fprintf(stderr, "usage: bench_daemon fill PIN_DIR N\n"
			"       bench_daemon ping SOCKET COUNT INTERVAL_MS\n");
	return 2;
}
