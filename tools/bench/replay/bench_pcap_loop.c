// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of the replay benchmark (run.sh): libpcap reading every record
 * of a capture and doing nothing with it. Every tool in the comparison pays
 * at least this; their figures are given as ratios to it.
 *
 *	bench_pcap_loop FILE
 *
 * Prints "FILE: N packets, B bytes captured" (the packets prove that the
 * whole file was read; the sum keeps the loop from being optimised away).
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned long long packets = 0, bytes = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_pcap_loop FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "bench_pcap_loop: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (r != PCAP_ERROR_BREAK) {
		fprintf(stderr, "bench_pcap_loop: %s: packet %llu: %s\n",
			argv[1], packets, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%s: %llu packets, %llu bytes captured\n", argv[1], packets,
	       bytes);
	return 0;
}
