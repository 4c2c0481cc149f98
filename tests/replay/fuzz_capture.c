// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the replay's capture reader (capture.h), which
 * reads classic pcap files itself: the input as a one-file capture, read
 * to its end or its first error. A crash, or for an Ethernet capture any
 * difference from what libpcap itself reads of the same bytes (packets,
 * times, lengths, bytes, where an error stops it) is a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], errbuf[PCAP_ERRBUF_SIZE], err[512];
	char *paths[1] = { path };
	struct bh_capture *c = NULL;
	struct bh_capture_pkt p;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *lp = NULL;
	int fd, r = 1, n;
	__u64 i = 0;

	fd = memfd_create("bh-fuzz-capture", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (bh_capture_open(&c, paths, 1, err, sizeof(err)))
		goto out;
	lp = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (lp && pcap_datalink(lp) != DLT_EN10MB) {
		pcap_close(lp);
		lp = NULL; /* frames are rewritten: no comparison */
	}
	while ((n = bh_capture_next(c, &p)) == 1) {
		if (p.index != i || (p.caplen && !p.frame))
			abort();
		if (lp) {
			r = pcap_next_ex(lp, &h, &d);
			if (r != 1 || p.caplen != h->caplen ||
			    p.wire_len != h->len ||
			    p.ts_ns != (__u64)h->ts.tv_sec * 1000000000ull +
					       (__u64)h->ts.tv_usec ||
			    memcmp(p.frame, d, h->caplen))
				abort();
		}
		i++;
	}
	if (n < 0 && !strstr(bh_capture_error(c), "packet"))
		abort();
	if (lp) {
		r = pcap_next_ex(lp, &h, &d);
		/* the end, or an error, at the same record */
		if ((n == 0) != (r == PCAP_ERROR_BREAK) || (n < 0 && r != -1))
			abort();
	}
	if (bh_capture_count(c) != i)
		abort();
out:
	if (lp)
		pcap_close(lp);
	bh_capture_free(&c);
	close(fd);
	return 0;
}
