// SPDX-License-Identifier: GPL-2.0-only
/* Capture reader: libpcap files merged in time order, normalized to
 * Ethernet frames. See capture.h. */
#include "capture.h"

#include <errno.h>
#include <pthread.h>
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

/* Read-ahead of a single file read directly: a thread reads the next
 * chunk of the file into a spare buffer while the replay works in the
 * current one, so that copying the file out of the page cache (a tenth of
 * a replay's time) runs on another core. A record cut by the end of a
 * chunk is copied in front of the next one: each buffer has room for a
 * maximal record before its chunk. */
#define BH_RA_BUFS 2
#define BH_RA_PREFIX (BH_PCAP_REC + BH_PCAP_MAX_CAPLEN)

struct bh_readahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;
	__u8 *buf[BH_RA_BUFS]; /* BH_RA_PREFIX, then the chunk */
	size_t len[BH_RA_BUFS];
	__u64 off[BH_RA_BUFS];  /* file offset of the chunk */
	bool ready[BH_RA_BUFS]; /* read, not taken yet */
	bool failed[BH_RA_BUFS];
	unsigned int fill, take; /* next buffer to read, to take */
	int held;                /* the replay's buffer, -1 none */
	__u64 next_off;
	bool eof;  /* the thread read the last chunk */
	bool last; /* the replay took it */
	bool stop;
};

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
	struct bh_readahead *ra; /* or NULL: reads on this thread, into: */
	__u8 *win_buf;
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

static void *bh_ra_main(void *arg)
{
	struct bh_readahead *ra = arg;
	unsigned int i;
	size_t got;
	__u64 off;
	ssize_t n;
	bool failed;

	pthread_mutex_lock(&ra->lock);
	for (;;) {
		while (!ra->stop && !ra->eof &&
		       (ra->ready[ra->fill] || (int)ra->fill == ra->held))
			pthread_cond_wait(&ra->cond, &ra->lock);
		if (ra->stop || ra->eof)
			break;
		i = ra->fill;
		off = ra->next_off;
		pthread_mutex_unlock(&ra->lock);

		got = 0;
		failed = false;
		while (got < BH_DIRECT_WINDOW) {
			n = pread(ra->fd, ra->buf[i] + BH_RA_PREFIX + got,
				  BH_DIRECT_WINDOW - got, (off_t)(off + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				failed = n < 0;
				break;
			}
			got += (size_t)n;
		}

		pthread_mutex_lock(&ra->lock);
		ra->len[i] = got;
		ra->off[i] = off;
		ra->failed[i] = failed;
		ra->ready[i] = true;
		ra->next_off = off + got;
		ra->eof = failed || got < BH_DIRECT_WINDOW;
		ra->fill = (i + 1) % BH_RA_BUFS;
		pthread_cond_broadcast(&ra->cond);
	}
	pthread_mutex_unlock(&ra->lock);
	return NULL;
}

static void bh_ra_free(struct bh_readahead **rap)
{
	struct bh_readahead *ra = *rap;
	unsigned int i;

	if (!ra)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->stop = true;
	pthread_cond_broadcast(&ra->cond);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	pthread_cond_destroy(&ra->cond);
	pthread_mutex_destroy(&ra->lock);
	for (i = 0; i < BH_RA_BUFS; i++)
		free(ra->buf[i]);
	free(ra);
	*rap = NULL;
}

/* A read-ahead thread from offset off of fd, or NULL (then f reads on the
 * replay's thread). */
static struct bh_readahead *bh_ra_new(int fd, __u64 off)
{
	struct bh_readahead *ra = calloc(1, sizeof(*ra));
	unsigned int i;

	if (!ra)
		return NULL;
	for (i = 0; i < BH_RA_BUFS; i++) {
		ra->buf[i] = malloc(BH_RA_PREFIX + BH_DIRECT_WINDOW);
		if (!ra->buf[i])
			goto fail;
	}
	ra->fd = fd;
	ra->next_off = off;
	ra->held = -1;
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->cond, NULL);
	if (pthread_create(&ra->thread, NULL, bh_ra_main, ra)) {
		pthread_cond_destroy(&ra->cond);
		pthread_mutex_destroy(&ra->lock);
		goto fail;
	}
	return ra;
fail:
	for (i = 0; i < BH_RA_BUFS; i++)
		free(ra->buf[i]);
	free(ra);
	return NULL;
}

/* The window of f moves to the next chunk the thread read, the bytes from
 * win_pos carried in front of it: the bytes now available from win_pos,
 * -1 on a read error (nothing moved). */
static ssize_t bh_ra_next(struct bh_capture_file *f)
{
	struct bh_readahead *ra = f->ra;
	size_t have = f->win_len - f->win_pos;
	unsigned int i;
	__u8 *w;

	if (ra->last)
		return (ssize_t)have;
	pthread_mutex_lock(&ra->lock);
	while (!ra->ready[ra->take])
		pthread_cond_wait(&ra->cond, &ra->lock);
	i = ra->take;
	pthread_mutex_unlock(&ra->lock);
	if (ra->failed[i])
		return -1;
	/* The old buffer is still held: carry first, then let it go. */
	w = ra->buf[i] + BH_RA_PREFIX - have;
	if (have)
		memcpy(w, f->win + f->win_pos, have);
	pthread_mutex_lock(&ra->lock);
	ra->ready[i] = false;
	ra->held = (int)i;
	ra->take = (i + 1) % BH_RA_BUFS;
	ra->last = ra->len[i] < BH_DIRECT_WINDOW;
	pthread_cond_broadcast(&ra->cond);
	pthread_mutex_unlock(&ra->lock);
	f->win = w;
	f->win_off = ra->off[i] - have;
	f->win_len = have + ra->len[i];
	f->win_pos = 0;
	return (ssize_t)f->win_len;
}

/* Set up direct reads of f when it is a classic pcap file libpcap opened
 * (its stream is past the 24-byte file header); read_ahead: with a
 * thread. */
static void bh_capture_direct_open(struct bh_capture_file *f, bool read_ahead)
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
	f->win_off = BH_PCAP_HDR;
	if (read_ahead)
		f->ra = bh_ra_new(f->fd, BH_PCAP_HDR);
	if (!f->ra) {
		f->win_buf = malloc(BH_DIRECT_WINDOW);
		if (!f->win_buf)
			return;
		f->win = f->win_buf;
	}
	f->direct = true;
}

/* Hand f over to libpcap at its next record. */
static int bh_capture_direct_stop(struct bh_capture *c,
				  struct bh_capture_file *f)
{
	__u64 off = f->win_off + f->win_pos;

	f->direct = false;
	bh_ra_free(&f->ra);
	free(f->win_buf);
	f->win_buf = NULL;
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
	if (f->ra)
		return bh_ra_next(f); /* need <= BH_RA_PREFIX: one chunk */
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
	const __u8 *r;
	__u32 h[4], caplen;
	__s64 sec, frac;
	int i;

	if (have < BH_PCAP_REC)
		return 0;
	r = f->win + f->win_pos;
	memcpy(h, r, sizeof(h)); /* seconds, fraction, caplen, len */
	if (f->swapped)
		for (i = 0; i < 4; i++)
			h[i] = __builtin_bswap32(h[i]);
	caplen = h[2];
	if (caplen > f->snaplen || caplen > BH_PCAP_MAX_CAPLEN ||
	    have < BH_PCAP_REC + caplen)
		return 0;
	/* As libpcap gives them with nanosecond precision asked for: it
	 * takes the fields as signed 32-bit numbers in a file of this host's
	 * byte order, as unsigned once it swapped them. */
	if (f->swapped) {
		sec = (__s64)h[0];
		frac = (__s64)h[1];
	} else {
		sec = (__s32)h[0];
		frac = (__s32)h[1];
	}
	f->ts_ns = (__u64)sec * 1000000000ull +
		   (__u64)(frac * (f->nsec ? 1 : 1000));
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

/* bh_capture_advance() when the window does not hold the next record
 * complete, or f is read through libpcap. */
static __attribute__((noinline)) int
bh_capture_advance_slow(struct bh_capture *c, struct bh_capture_file *f)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r;

	if (f->direct) {
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

/* Read the next record of f into its lookahead. Returns 0 (packet or end)
 * or -EIO with c->err set. Inline: on every packet's path. */
static inline __attribute__((always_inline)) int
bh_capture_advance(struct bh_capture *c, struct bh_capture_file *f)
{
	if (f->started)
		f->index++;
	f->started = true;
	if (f->direct && bh_capture_direct_take(f))
		return 0;
	return bh_capture_advance_slow(c, f);
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
		bh_capture_direct_open(f, n == 1);
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
		bh_ra_free(&c->files[i].ra);
		free(c->files[i].win_buf);
		free(c->files[i].path);
	}
	free(c->files);
	free(c->buf);
	free(c);
	*cp = NULL;
}
