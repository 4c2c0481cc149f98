/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounded queue of messages (bytes) between the producer (collector,
 * detection) and one sink thread. Pushing never waits unless asked to:
 * when the queue is full the message is refused and counted, so a slow or
 * dead sink cannot hold up the collector or the data plane.
 */
#ifndef BH_QUEUE_H
#define BH_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_queue {
	pthread_mutex_t lock;
	pthread_cond_t data;  /* a message arrived, or closed */
	pthread_cond_t room;  /* room freed, or closed */
	pthread_cond_t idle;  /* empty and nothing in flight */
	uint8_t *buf;
	size_t cap;
	size_t head; /* write position */
	size_t tail; /* read position */
	size_t used; /* bytes in the ring, headers included */
	size_t inflight; /* messages popped, not yet marked done */
	size_t wake_at;  /* wake the consumer when this much is queued */
	bool closed;
};

int bh_queue_init(struct bh_queue *q, size_t cap);
void bh_queue_destroy(struct bh_queue *q);

/* 0; -ENOBUFS when full (block false); -EMSGSIZE when the message can
 * never fit; -EPIPE when closed. */
int bh_queue_push(struct bh_queue *q, const void *msg, size_t len, bool block);

/* Up to max_msgs whole messages copied back to back into *out (grown as
 * needed, *out_cap updated), their lengths in lens. Waits up to timeout_ms
 * for the first: producers only wake the consumer once a batch's worth is
 * queued (a wakeup per message would cost more than the message), so the
 * timeout is also the longest a lone message waits. Returns the number of messages (0 on timeout or when
 * closed and empty), or -ENOMEM. The caller then calls bh_queue_done(). */
int bh_queue_pop(struct bh_queue *q, uint8_t **out, size_t *out_cap,
		 uint32_t *lens, size_t max_msgs, int timeout_ms);
void bh_queue_done(struct bh_queue *q);

/* Bytes waiting, headers included. */
size_t bh_queue_used(struct bh_queue *q);
/* Wake everybody; pushes fail from now on, pops drain what is left. */
void bh_queue_close(struct bh_queue *q);
bool bh_queue_closed(struct bh_queue *q);
/* Wait until empty with nothing in flight: 0, or -ETIMEDOUT. */
int bh_queue_wait_idle(struct bh_queue *q, int timeout_ms);
/* Sleep up to timeout_ms unless the queue gets closed: true if closed. */
bool bh_queue_sleep(struct bh_queue *q, int timeout_ms);

#endif /* BH_QUEUE_H */
