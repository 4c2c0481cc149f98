// SPDX-License-Identifier: GPL-2.0-only
#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t bh_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t bh_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

int bh_varint_get(const uint8_t *p, size_t len, uint64_t *v, size_t *used)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < BH_VARINT_MAX; i++) {
		if (i >= len)
			return -EAGAIN;
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = r;
			*used = i + 1;
			return 0;
		}
	}
	return -EBADMSG;
}

size_t bh_stream_frame(const ProtobufCMessage *m, uint8_t *buf, size_t cap)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	size_t need = bh_varint_len(size) + size;

	if (need <= cap)
		protobuf_c_message_pack(m, buf + bh_varint_put(buf, size));
	return need;
}

void bh_stream_reader_init(struct bh_stream_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->max_msg = BH_STREAM_MAX_MSG;
}

void bh_stream_reader_release(struct bh_stream_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->start = r->cap = 0;
}

void bh_stream_reader_reset(struct bh_stream_reader *r)
{
	r->len = r->start = 0;
	r->offset = 0;
	r->err_offset = 0;
	r->err[0] = '\0';
}

int bh_stream_reader_feed(struct bh_stream_reader *r, const void *data,
			  size_t len)
{
	if (!len)
		return 0;
	/* Drop what was consumed before growing. */
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->offset += r->start;
		r->start = 0;
	}
	if (r->len + len > r->cap) {
		size_t cap = r->cap ? r->cap : 65536;
		uint8_t *b;

		while (cap < r->len + len)
			cap *= 2;
		b = realloc(r->buf, cap);
		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int bh_stream_reader_next(struct bh_stream_reader *r, const uint8_t **msg,
			  size_t *len, uint64_t *offset)
{
	size_t avail = r->len - r->start, used;
	uint64_t size;
	int err;

	if (!avail)
		return 0;
	err = bh_varint_get(r->buf + r->start, avail, &size, &used);
	if (err == -EAGAIN)
		return 0;
	if (err || size > r->max_msg) {
		r->err_offset = r->offset + r->start;
		if (err)
			snprintf(r->err, sizeof(r->err),
				 "invalid size prefix (varint longer than 10 bytes)");
		else
			snprintf(r->err, sizeof(r->err),
				 "size prefix %" PRIu64
				 " exceeds the %zu-byte limit: not a telemetry stream, or corrupt",
				 size, r->max_msg);
		return -EBADMSG;
	}
	if (avail - used < size)
		return 0;
	*msg = r->buf + r->start + used;
	*len = size;
	*offset = r->offset + r->start;
	r->start += used + size;
	return 1;
}

int bh_stream_reader_finish(struct bh_stream_reader *r)
{
	size_t avail = r->len - r->start, used = 0;
	uint64_t size = 0;
	int err;

	if (!avail)
		return 0;
	r->err_offset = r->offset + r->start;
	err = bh_varint_get(r->buf + r->start, avail, &size, &used);
	if (err)
		snprintf(r->err, sizeof(r->err),
			 "stream ends inside a size prefix (%zu bytes left)",
			 avail);
	else
		snprintf(r->err, sizeof(r->err),
			 "truncated envelope: %" PRIu64
			 " bytes announced, %zu present",
			 size, avail - used);
	return -EPIPE;
}
