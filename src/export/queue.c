// SPDX-License-Identifier: GPL-2.0-only
/* A byte ring of [u32 length][message] records; a record may wrap around
 * the end of the ring. */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HDR sizeof(uint32_t)

static void deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int err;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	err = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return -err;
}

int bh_queue_init(struct bh_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->buf = malloc(cap);
	if (!q->buf)
		return -ENOMEM;
	q->cap = cap;
	q->wake_at = cap / 8 < 65536 ? cap / 8 : 65536;
	pthread_mutex_init(&q->lock, NULL);
	if (cond_init(&q->data) || cond_init(&q->room) || cond_init(&q->idle)) {
		free(q->buf);
		q->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

void bh_queue_destroy(struct bh_queue *q)
{
	if (!q->buf)
		return;
	pthread_cond_destroy(&q->data);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->idle);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	q->buf = NULL;
}

static void ring_write(struct bh_queue *q, const void *src, size_t len)
{
	size_t first = q->cap - q->head;

	if (first > len)
		first = len;
	memcpy(q->buf + q->head, src, first);
	memcpy(q->buf, (const uint8_t *)src + first, len - first);
	q->head = (q->head + len) % q->cap;
}

static void ring_read(struct bh_queue *q, void *dst, size_t len)
{
	size_t first = q->cap - q->tail;

	if (first > len)
		first = len;
	memcpy(dst, q->buf + q->tail, first);
	memcpy((uint8_t *)dst + first, q->buf, len - first);
	q->tail = (q->tail + len) % q->cap;
}

int bh_queue_push(struct bh_queue *q, const void *msg, size_t len, bool block)
{
	uint32_t hdr = (uint32_t)len;
	int err = 0;

	if (len + HDR > q->cap || len > UINT32_MAX)
		return -EMSGSIZE;
	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->cap - q->used < len + HDR) {
		if (!block) {
			err = -ENOBUFS;
			goto out;
		}
		pthread_cond_wait(&q->room, &q->lock);
	}
	if (q->closed) {
		err = -EPIPE;
		goto out;
	}
	ring_write(q, &hdr, HDR);
	ring_write(q, msg, len);
	if (q->used < q->wake_at && q->used + len + HDR >= q->wake_at)
		pthread_cond_signal(&q->data);
	q->used += len + HDR;
out:
	pthread_mutex_unlock(&q->lock);
	return err;
}

int bh_queue_pop(struct bh_queue *q, uint8_t **out, size_t *out_cap,
		 uint32_t *lens, size_t max_msgs, int timeout_ms)
{
	struct timespec ts;
	size_t n = 0, off = 0;
	int err = 0;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (!q->used && !q->closed) {
		if (pthread_cond_timedwait(&q->data, &q->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	while (q->used && n < max_msgs) {
		uint32_t len;
		size_t save_tail = q->tail;

		ring_read(q, &len, HDR);
		if (off + len > *out_cap) {
			/* The first message always fits after growing; later
			 * ones wait for the next pop. */
			uint8_t *b;

			if (n) {
				q->tail = save_tail;
				break;
			}
			b = realloc(*out, len > 65536 ? len : 65536);
			if (!b) {
				q->tail = save_tail;
				err = -ENOMEM;
				break;
			}
			*out = b;
			*out_cap = len > 65536 ? len : 65536;
		}
		ring_read(q, *out + off, len);
		q->used -= len + HDR;
		lens[n++] = len;
		off += len;
	}
	if (n) {
		q->inflight += n;
		pthread_cond_broadcast(&q->room);
	}
	pthread_mutex_unlock(&q->lock);
	return err ? err : (int)n;
}

void bh_queue_done(struct bh_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->inflight = 0;
	if (!q->used)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

size_t bh_queue_used(struct bh_queue *q)
{
	size_t used;

	pthread_mutex_lock(&q->lock);
	used = q->used;
	pthread_mutex_unlock(&q->lock);
	return used;
}

void bh_queue_close(struct bh_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->data);
	pthread_cond_broadcast(&q->room);
	pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

bool bh_queue_closed(struct bh_queue *q)
{
	bool c;

	pthread_mutex_lock(&q->lock);
	c = q->closed;
	pthread_mutex_unlock(&q->lock);
	return c;
}

int bh_queue_wait_idle(struct bh_queue *q, int timeout_ms)
{
	struct timespec ts;
	int err = 0;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	pthread_cond_signal(&q->data); /* do not wait for a batch */
	while ((q->used || q->inflight) && !q->closed) {
		if (pthread_cond_timedwait(&q->idle, &q->lock, &ts) ==
		    ETIMEDOUT) {
			err = -ETIMEDOUT;
			break;
		}
	}
	if (q->used || q->inflight)
		err = -ETIMEDOUT;
	pthread_mutex_unlock(&q->lock);
	return err;
}

bool bh_queue_sleep(struct bh_queue *q, int timeout_ms)
{
	struct timespec ts;
	bool closed;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (!q->closed) {
		if (pthread_cond_timedwait(&q->room, &q->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	closed = q->closed;
	pthread_mutex_unlock(&q->lock);
	return closed;
}
