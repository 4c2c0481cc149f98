/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The telemetry stream's framing: each Envelope preceded by its size as a
 * base-128 varint (protobuf's "delimited" format), and an incremental
 * reader that cuts a byte stream into envelopes and says where a corrupt
 * or truncated one starts.
 */
#ifndef BH_STREAM_H
#define BH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Largest envelope accepted by readers: a size prefix above it means the
 * stream is not a telemetry stream or is corrupt. */
#define BH_STREAM_MAX_MSG (4u << 20)
#define BH_VARINT_MAX 10

size_t bh_varint_len(uint64_t v);
size_t bh_varint_put(uint8_t *p, uint64_t v);
/* 0 with *v and *used set; -EAGAIN when len bytes end inside the varint;
 * -EBADMSG when it is longer than 10 bytes. */
int bh_varint_get(const uint8_t *p, size_t len, uint64_t *v, size_t *used);

/* Size prefix + message: writes to buf when it fits in cap; returns the
 * size of the frame either way. */
size_t bh_stream_frame(const ProtobufCMessage *m, uint8_t *buf, size_t cap);

struct bh_stream_reader {
	uint8_t *buf;
	size_t len;      /* bytes held */
	size_t start;    /* first unconsumed byte in buf */
	size_t cap;
	uint64_t offset; /* stream offset of buf[0] */
	size_t max_msg;
	/* After an error: where the bad frame starts and what is wrong. */
	uint64_t err_offset;
	char err[160];
};

void bh_stream_reader_init(struct bh_stream_reader *r);
void bh_stream_reader_release(struct bh_stream_reader *r);
/* Start over at stream offset 0 (a new file, a new connection). */
void bh_stream_reader_reset(struct bh_stream_reader *r);
int bh_stream_reader_feed(struct bh_stream_reader *r, const void *data,
			  size_t len);
/* Next complete frame: 1 with *msg and *len (valid until the next feed) and
 * *offset (stream offset of its size prefix); 0 when more bytes are
 * needed; -EBADMSG when the size prefix is invalid (r->err says why). */
int bh_stream_reader_next(struct bh_stream_reader *r, const uint8_t **msg,
			  size_t *len, uint64_t *offset);
/* At the end of the stream: 0, or -EPIPE when a frame is cut short
 * (r->err_offset, r->err). */
int bh_stream_reader_finish(struct bh_stream_reader *r);

#endif /* BH_STREAM_H */
