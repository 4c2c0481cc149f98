/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture reader for replay: one or more pcap/pcapng files read with libpcap
 * and merged in time order, every packet handed out as an Ethernet frame so
 * that the same parser sees it whatever the link type.
 *
 * Link types: Ethernet, Linux cooked v1 (SLL) and v2 (SLL2), raw IP
 * (DLT_RAW, DLT_IPV4, DLT_IPV6), BSD loopback (DLT_NULL, DLT_LOOP). For the
 * non-Ethernet ones a 14-byte Ethernet header with the right ethertype is
 * put in front of the L3 packet; wire_len is then the L3 length plus 14, so
 * the same traffic counts the same bytes whatever link type captured it.
 */
#ifndef BH_CAPTURE_H
#define BH_CAPTURE_H

#include <stddef.h>

#include <linux/types.h>

struct bh_capture;

struct bh_capture_pkt {
	const __u8 *frame; /* Ethernet frame, valid until the next call */
	__u32 caplen;      /* bytes at frame */
	__u32 wire_len;    /* length on the wire as an Ethernet frame */
	__u64 ts_ns;       /* packet time, ns since the epoch */
	__u32 ifindex;     /* SLL2 interface index, else 0 */
	__u32 file;        /* index of the input file */
	__u64 index;       /* packet index within that file, from 0 */
};

/* Open paths[0..n). On failure returns -errno and writes a message naming
 * the file into err. */
int bh_capture_open(struct bh_capture **out, char *const *paths, size_t n,
		    char *err, size_t errlen);

/* Next packet in time order (ties: file order, then file position).
 * Returns 1 with *pkt filled, 0 at the end of every file, or a negative
 * errno when a file is truncated or corrupt: bh_capture_error() then names
 * the file and the index of the packet that could not be read; every
 * packet before it was delivered. */
int bh_capture_next(struct bh_capture *c, struct bh_capture_pkt *pkt);

const char *bh_capture_error(const struct bh_capture *c);

/* Bytes of the input files consumed so far and their total size, for a
 * progress display. */
void bh_capture_progress(const struct bh_capture *c, __u64 *done,
			 __u64 *total);

/* Packets delivered so far. */
__u64 bh_capture_count(const struct bh_capture *c);

void bh_capture_free(struct bh_capture **c);

#endif /* BH_CAPTURE_H */
