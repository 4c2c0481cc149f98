// SPDX-License-Identifier: GPL-2.0-only
/* Test helper: read capture files with the replay reader and print what it
 * saw, one "key value" per line, for test_formats.py to compare with the
 * scenario generator's truth file.
 * Usage: capture_dump FILE...   (several files are merged in time order) */
#include <stdio.h>

#include "capture.h"

int main(int argc, char **argv)
{
	__u64 packets = 0, ip_bytes = 0, first = 0, last = 0;
	struct bh_capture_pkt p;
	struct bh_capture *c;
	char err[512];
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	if (bh_capture_open(&c, argv + 1, (size_t)argc - 1, err, sizeof(err))) {
		printf("open_error %s\n", err);
		return 1;
	}
	while ((r = bh_capture_next(c, &p)) == 1) {
		if (!packets)
			first = p.ts_ns;
		last = p.ts_ns;
		packets++;
		ip_bytes += p.wire_len - 14;
		printf("packet %u %llu %llu\n", p.file,
		       (unsigned long long)p.index,
		       (unsigned long long)p.ts_ns);
	}
	printf("packets %llu\nip_bytes %llu\nfirst_ts %llu\nlast_ts %llu\n",
	       (unsigned long long)packets, (unsigned long long)ip_bytes,
	       (unsigned long long)first, (unsigned long long)last);
	if (r < 0)
		printf("error %s\n", bh_capture_error(c));
	bh_capture_free(&c);
	return r < 0 ? 1 : 0;
}
