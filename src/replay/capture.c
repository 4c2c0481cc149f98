// SPDX-License-Identifier: GPL-2.0-only
/* Capture reader: libpcap files merged in time order, normalized to
 * Ethernet frames. See capture.h. */
#include "capture.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <pcap/pcap.h>

#define BH_ETH_HLEN 14
#define BH_SLL_HLEN 16
#define BH_SLL2_HLEN 20
#define BH_NULL_HLEN 4
/* Largest frame we synthesize: a maximal pcap record plus our header. */
#define BH_CAPTURE_BUF (262144 + BH_ETH_HLEN)
/* Direct reads of classic pcap files: a window of the file, at least a
 * maximal record with its header. */
#define BH_PCAP_HDR 24
#define BH_PCAP_REC 16
#define BH_PCAP_MAX_CAPLEN 262144
#define BH_DIRECT_WINDOW (4u << 20)

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct bh_capture_file {
	pcap_t *pcap;
	char *path;
	int linktype;
	__u64 size;  /* file size in bytes */
	__u64 index; /* index of the packet in hdr/data */
	/* The lookahead record: time (ns), lengths, bytes; have is false at
	 * the end. */
	bool have;
	__u64 ts_ns;
	__u32 caplen, len;
	const __u8 *data;
	bool started;
	/* Classic pcap (version 2.4, regular file) is read directly: records
	 * parsed out of large reads of the file, instead of two stdio reads
	 * each through libpcap, which cost more than classifying the packet.
	 * Anything unusual (a record longer than the snapshot length, one cut
	 * short by the end of the file, a read error) is handed to libpcap at
	 * that record, which then reads, or reports, as it always does. */
	bool direct;
	bool swapped; /* file in the other byte order */
	bool nsec;    /* file timestamps in ns, else us */
	__u32 snaplen;
	int fd;          /* libpcap's stream's descriptor, read with pread */
	__u8 *win;       /* window of the file */
	size_t win_len;  /* bytes valid in win */
	size_t win_pos;  /* next record in win */
	__u64 win_off;   /* file offset of win[0] */
};

struct bh_capture {
	struct bh_capture_file *files;
	size_t n_files;
	ssize_t last; /* file whose packet was handed out last, -1 none */
	__u64 count;
	__u8 *buf; /* synthesized frames */
	char err[512];
};

static int bh_capture_linktype_ok(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	}
	return 0;
}

static __u32 bh_pcap_u32(const __u8 *p, bool swapped)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

/* Set up direct reads of f when it is a classic pcap file libpcap opened
 * (its stream is past the 24-byte file header). */
static void bh_capture_direct_open(struct bh_capture_file *f)
{
	FILE *fp = pcap_file(f->pcap);
	__u8 h[BH_PCAP_HDR];
	struct stat st;
	__u32 magic;

	if (!fp || pcap_major_version(f->pcap) != 2 ||
	    pcap_minor_version(f->pcap) != 4)
		return;
	f->fd = fileno(fp);
	if (f->fd < 0 || fstat(f->fd, &st) || !S_ISREG(st.st_mode) ||
	    pread(f->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	memcpy(&magic, h, sizeof(magic));
	switch (magic) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		f->swapped = false;
		break;
	case 0xd4c3b2a1:
	case 0x4d3cb2a1:
		f->swapped = true;
		magic = __builtin_bswap32(magic);
		break;
	default:
		return; /* a variant libpcap knows better */
	}
	f->nsec = magic == 0xa1b23c4d;
	f->snaplen = bh_pcap_u32(h + 16, f->swapped);
	if (!f->snaplen)
		return;
	f->win = malloc(BH_DIRECT_WINDOW);
	if (!f->win)
		return;
	f->win_off = BH_PCAP_HDR;
	f->direct = true;
}

/* Hand f over to libpcap at its next record. */
static int bh_capture_direct_stop(struct bh_capture *c,
				  struct bh_capture_file *f)
{
	__u64 off = f->win_off + f->win_pos;

	f->direct = false;
	free(f->win);
	f->win = NULL;
	if (fseeko(pcap_file(f->pcap), (off_t)off, SEEK_SET)) {
		snprintf(c->err, sizeof(c->err), "%s: packet %llu: %s",
			 f->path, (unsigned long long)f->index,
			 strerror(errno));
		return -EIO;
	}
	return 0;
}

/* At least need bytes of the file in the window from win_pos, unless the
 * file ends first: returns the bytes available, -1 on a read error. */
static ssize_t bh_capture_direct_fill(struct bh_capture_file *f, size_t need)
{
	size_t have = f->win_len - f->win_pos;
	ssize_t n;

	if (have >= need)
		return (ssize_t)have;
	memmove(f->win, f->win + f->win_pos, have);
	f->win_off += f->win_pos;
	f->win_pos = 0;
	f->win_len = have;
	while (f->win_len < BH_DIRECT_WINDOW) {
		n = pread(f->fd, f->win + f->win_len,
			  BH_DIRECT_WINDOW - f->win_len,
			  (off_t)(f->win_off + f->win_len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;
		f->win_len += (size_t)n;
	}
	return (ssize_t)f->win_len;
}

/* The record at the window's position, when it is complete there: 1 with
 * the lookahead set, else 0 (h: its header, when there was one). */
static inline __attribute__((always_inline)) int
bh_capture_direct_take(struct bh_capture_file *f)
{
	size_t have = f->win_len - f->win_pos;
	const __u8 *r = f->win + f->win_pos;
	__u32 h[4], caplen;
	int i;

	if (have < BH_PCAP_REC)
		return 0;
	memcpy(h, r, sizeof(h)); /* seconds, fraction, caplen, len */
	if (f->swapped)
		for (i = 0; i < 4; i++)
			h[i] = __builtin_bswap32(h[i]);
	caplen = h[2];
	if (caplen > f->snaplen || caplen > BH_PCAP_MAX_CAPLEN ||
	    have < BH_PCAP_REC + caplen)
		return 0;
	/* As libpcap gives them with nanosecond precision asked for. */
	f->ts_ns = (__u64)h[0] * 1000000000ull +
		   (__u64)h[1] * (f->nsec ? 1 : 1000);
	f->caplen = caplen;
	f->len = h[3];
	f->data = r + BH_PCAP_REC;
	f->have = true;
	f->win_pos += BH_PCAP_REC + caplen;
	return 1;
}

/* The next record of f read directly, when the window does not hold it:
 * 1 with the lookahead set, 0 at the end of the file, -1 to hand the
 * record over to libpcap (cut short, longer than the snapshot length, a
 * read error). */
static __attribute__((noinline)) int
bh_capture_direct_next(struct bh_capture_file *f)
{
	ssize_t have = bh_capture_direct_fill(f, BH_PCAP_REC);
	__u32 caplen;

	if (have <= 0)
		return have; /* 0: the end, exactly after a record */
	if (have < BH_PCAP_REC)
		return -1;
	memcpy(&caplen, f->win + f->win_pos + 8, sizeof(caplen));
	if (f->swapped)
		caplen = __builtin_bswap32(caplen);
	if (caplen > f->snaplen || caplen > BH_PCAP_MAX_CAPLEN)
		return -1;
	if (bh_capture_direct_fill(f, BH_PCAP_REC + caplen) <
	    (ssize_t)(BH_PCAP_REC + caplen))
		return -1;
	return bh_capture_direct_take(f) ? 1 : -1;
}

/* Read the next record of f into its lookahead. Returns 0 (packet or end)
 * or -EIO with c->err set. */
static int bh_capture_advance(struct bh_capture *c, struct bh_capture_file *f)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r;

	if (f->started)
		f->index++;
	f->started = true;
	if (f->direct) {
		if (bh_capture_direct_take(f))
			return 0;
		r = bh_capture_direct_next(f);
		if (r >= 0) {
			if (!r) {
				f->have = false;
				f->data = NULL;
			}
			return 0;
		}
		r = bh_capture_direct_stop(c, f);
		if (r)
			return r;
	}
	r = pcap_next_ex(f->pcap, &hdr, &data);
	if (r == 1) {
		/* With nanosecond precision tv_usec holds nanoseconds. */
		f->ts_ns = (__u64)hdr->ts.tv_sec * 1000000000ull +
			   (__u64)hdr->ts.tv_usec;
		f->caplen = hdr->caplen;
		f->len = hdr->len;
		f->data = data;
		f->have = true;
		return 0;
	}
	f->have = false;
	f->data = NULL;
	if (r == PCAP_ERROR_BREAK) /* end of file */
		return 0;
	snprintf(c->err, sizeof(c->err), "%s: packet %llu: %s", f->path,
		 (unsigned long long)f->index, pcap_geterr(f->pcap));
	return -EIO;
}

int bh_capture_open(struct bh_capture **out, char *const *paths, size_t n,
		    char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct bh_capture *c;
	size_t i;
	int ret;

	*out = NULL;
	if (!n) {
		snprintf(err, errlen, "no capture file given");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->last = -1;
	c->files = calloc(n, sizeof(*c->files));
	c->buf = malloc(BH_CAPTURE_BUF);
	if (!c->files || !c->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	c->n_files = n;

	for (i = 0; i < n; i++) {
		struct bh_capture_file *f = &c->files[i];
		struct stat st;

		f->path = strdup(paths[i]);
		if (!f->path) {
			ret = -ENOMEM;
			goto fail;
		}
		if (stat(paths[i], &st)) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", paths[i],
				 strerror(errno));
			goto fail;
		}
		f->size = (__u64)st.st_size;
		/* Nanosecond precision for every file: microsecond files are
		 * scaled by libpcap, so all timestamps share one unit. */
		f->pcap = pcap_open_offline_with_tstamp_precision(
			paths[i], PCAP_TSTAMP_PRECISION_NANO, pcap_err);
		if (!f->pcap) {
			snprintf(err, errlen, "%s: %s", paths[i], pcap_err);
			ret = -EINVAL;
			goto fail;
		}
		f->linktype = pcap_datalink(f->pcap);
		if (!bh_capture_linktype_ok(f->linktype)) {
			const char *name =
				pcap_datalink_val_to_name(f->linktype);

			snprintf(err, errlen,
				 "%s: unsupported link type %d (%s); supported: "
				 "Ethernet, Linux cooked (SLL, SLL2), raw IP, "
				 "BSD loopback",
				 paths[i], f->linktype, name ? name : "unknown");
			ret = -EPROTONOSUPPORT;
			goto fail;
		}
		bh_capture_direct_open(f);
		ret = bh_capture_advance(c, f);
		if (ret) {
			snprintf(err, errlen, "%s", c->err);
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	bh_capture_free(&c);
	return ret;
}

static __u16 bh_capture_ip_ethertype(const __u8 *l3, __u32 len)
{
	/* A raw packet that is neither v4 nor v6 is handed to the parser as
	 * IPv4 so that it reports it malformed, not as non-IP traffic. */
	if (len && (l3[0] >> 4) == 6)
		return 0x86dd;
	return 0x0800;
}

static __u16 bh_capture_af_ethertype(__u32 af)
{
	switch (af) {
	case 2: /* AF_INET everywhere */
		return 0x0800;
	case 10: /* AF_INET6: Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* macOS */
		return 0x86dd;
	}
	return 0; /* not IP: the parser reports non_ip */
}

/* Turn the lookahead packet of f into an Ethernet frame in *pkt. */
static void bh_capture_frame(struct bh_capture *c, struct bh_capture_file *f,
			     struct bh_capture_pkt *pkt)
{
	const __u8 *d = f->data;
	__u32 caplen = f->caplen, wire = f->len, hlen = 0;
	__u16 type = 0;

	pkt->ifindex = 0;
	switch (f->linktype) {
	case DLT_EN10MB:
		pkt->frame = d;
		pkt->caplen = caplen;
		pkt->wire_len = wire;
		return;
	case DLT_LINUX_SLL:
		hlen = BH_SLL_HLEN;
		if (caplen >= hlen)
			type = (__u16)(d[14] << 8 | d[15]);
		break;
	case DLT_LINUX_SLL2:
		hlen = BH_SLL2_HLEN;
		if (caplen >= hlen) {
			type = (__u16)(d[0] << 8 | d[1]);
			pkt->ifindex = (__u32)d[4] << 24 | (__u32)d[5] << 16 |
				       (__u32)d[6] << 8 | d[7];
		}
		break;
	case DLT_NULL:
	case DLT_LOOP:
		hlen = BH_NULL_HLEN;
		if (caplen >= hlen) {
			__u32 af;

			if (f->linktype == DLT_LOOP) { /* network order */
				af = (__u32)d[0] << 24 | (__u32)d[1] << 16 |
				     (__u32)d[2] << 8 | d[3];
			} else {
				/* Byte order of the capturing host: AF values
				 * are small, so a big value was swapped. */
				memcpy(&af, d, sizeof(af));
				if (af > 0xffff)
					af = __builtin_bswap32(af);
			}
			type = bh_capture_af_ethertype(af);
		}
		break;
	default: /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		hlen = 0;
		type = f->linktype == DLT_IPV6 ? 0x86dd :
		       f->linktype == DLT_IPV4 ?
						 0x0800 :
						 bh_capture_ip_ethertype(d, caplen);
		break;
	}

	/* A record shorter than its link header: an empty frame, which the
	 * parser reports as truncated. */
	if (caplen < hlen) {
		memset(c->buf, 0, BH_ETH_HLEN);
		pkt->frame = c->buf;
		pkt->caplen = 0;
		pkt->wire_len = wire;
		return;
	}
	memset(c->buf, 0, 12);
	c->buf[12] = (__u8)(type >> 8);
	c->buf[13] = (__u8)type;
	memcpy(c->buf + BH_ETH_HLEN, d + hlen, caplen - hlen);
	pkt->frame = c->buf;
	pkt->caplen = caplen - hlen + BH_ETH_HLEN;
	pkt->wire_len = (wire >= hlen ? wire - hlen : 0) + BH_ETH_HLEN;
}

/* The file whose lookahead comes first in time (ties: the first file), or
 * -1 when every file is at its end. */
static ssize_t bh_capture_pick(const struct bh_capture *c)
{
	ssize_t best = -1;
	__u64 best_ts = 0;
	size_t i;

	for (i = 0; i < c->n_files; i++) {
		const struct bh_capture_file *f = &c->files[i];

		if (f->have && (best < 0 || f->ts_ns < best_ts)) {
			best = (ssize_t)i;
			best_ts = f->ts_ns;
		}
	}
	return best;
}

int bh_capture_next(struct bh_capture *c, struct bh_capture_pkt *pkt)
{
	struct bh_capture_file *f;
	ssize_t best;
	int err;

	if (c->last >= 0) {
		err = bh_capture_advance(c, &c->files[c->last]);
		c->last = -1;
		if (err)
			return err;
	}
	best = c->n_files == 1 ? (c->files[0].have ? 0 : -1) :
				 bh_capture_pick(c);
	if (best < 0)
		return 0;
	f = &c->files[best];
	if (f->linktype == DLT_EN10MB) { /* as it is */
		pkt->frame = f->data;
		pkt->caplen = f->caplen;
		pkt->wire_len = f->len;
		pkt->ifindex = 0;
	} else {
		bh_capture_frame(c, f, pkt);
	}
	pkt->ts_ns = f->ts_ns;
	pkt->file = (__u32)best;
	pkt->index = f->index;
	c->last = best;
	c->count++;
	return 1;
}

const char *bh_capture_error(const struct bh_capture *c)
{
	return c->err;
}

void bh_capture_progress(const struct bh_capture *c, __u64 *done,
			 __u64 *total)
{
	size_t i;

	*done = 0;
	*total = 0;
	for (i = 0; i < c->n_files; i++) {
		const struct bh_capture_file *f = &c->files[i];
		FILE *fp = f->pcap && !f->direct ? pcap_file(f->pcap) : NULL;
		long pos = f->direct ? (long)(f->win_off + f->win_pos) :
			   fp	     ? ftell(fp) :
				       -1;

		*total += f->size;
		if (!f->have)
			*done += f->size;
		else if (pos > 0)
			*done += (__u64)pos;
	}
}

__u64 bh_capture_count(const struct bh_capture *c)
{
	return c->count;
}

void bh_capture_free(struct bh_capture **cp)
{
	struct bh_capture *c = *cp;
	size_t i;

	if (!c)
		return;
	for (i = 0; c->files && i < c->n_files; i++) {
		if (c->files[i].pcap)
			pcap_close(c->files[i].pcap);
		free(c->files[i].win);
		free(c->files[i].path);
	}
	free(c->files);
	free(c->buf);
	free(c);
	*cp = NULL;
}
