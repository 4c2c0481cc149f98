// SPDX-License-Identifier: GPL-2.0-only
/* The reported-flows state file (flow_state.h). */
#include "flow_state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"

#define FS_MAGIC   "BHFLOWS"
#define FS_VERSION 1

struct fs_header {
	char magic[8];
	__u32 version;
	__u32 key_size;
	__u32 flow_size;
	__u32 pad;
	__u64 count;
};

struct fs_record {
	struct bh_flow_key key;
	__u8 denied;
	__u8 pad[7];
	__u64 done_ns;
	struct bh_flow snap;
};

struct fs_writer {
	FILE *f;
	size_t n;
};

static int write_one(void *ctx, const struct bh_flow_key *key, bool denied,
		     const struct bh_flow *snap, __u64 done_ns)
{
	struct fs_writer *w = ctx;
	struct fs_record r;

	memset(&r, 0, sizeof(r));
	r.key = *key;
	r.denied = denied;
	r.done_ns = done_ns;
	r.snap = *snap;
	if (fwrite(&r, sizeof(r), 1, w->f) != 1)
		return -EIO;
	w->n++;
	return 0;
}

static void header_init(struct fs_header *h, __u64 count)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, FS_MAGIC, sizeof(FS_MAGIC));
	h->version = FS_VERSION;
	h->key_size = sizeof(struct bh_flow_key);
	h->flow_size = sizeof(struct bh_flow);
	h->count = count;
}

int bh_flow_state_save(struct bh_collector *c, const char *path,
		       size_t *n_saved)
{
	struct bh_atomic_file a;
	struct fs_writer w = {0};
	struct fs_header h;
	int err;

	*n_saved = 0;
	err = bh_atomic_open(&a, path);
	if (err)
		return err;
	w.f = a.f;
	/* the count goes in last, when it is known */
	header_init(&h, 0);
	err = fwrite(&h, sizeof(h), 1, a.f) == 1 ? 0 : -EIO;
	if (!err)
		err = bh_collector_for_each_done(c, write_one, &w);
	if (!err) {
		header_init(&h, w.n);
		if (fseek(a.f, 0, SEEK_SET) ||
		    fwrite(&h, sizeof(h), 1, a.f) != 1)
			err = -EIO;
	}
	err = bh_atomic_close(&a, err);
	if (!err)
		*n_saved = w.n;
	return err;
}

static int refuse(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -EINVAL;
}

int bh_flow_state_load(struct bh_collector *c, const char *path,
		       size_t *n_adopted, size_t *n_skipped, char *why,
		       size_t whylen)
{
	struct fs_header h;
	struct fs_record r;
	long size;
	FILE *f;
	__u64 i;
	int err = 0;

	*n_adopted = 0;
	*n_skipped = 0;
	snprintf(why, whylen, "%s", "");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = -errno;
		goto out;
	}
	if (fread(&h, sizeof(h), 1, f) != 1 ||
	    memcmp(h.magic, FS_MAGIC, sizeof(FS_MAGIC))) {
		err = refuse(why, whylen, "not a bulkhead flow state file");
		goto out;
	}
	if (h.version != FS_VERSION || h.key_size != sizeof(r.key) ||
	    h.flow_size != sizeof(r.snap)) {
		err = refuse(why, whylen,
			     "written by another version of bulkhead");
		goto out;
	}
	/* whole, or nothing: a count that does not match the size is a
	 * file cut short (or grown) */
	if (h.count > ((__u64)size - sizeof(h)) / sizeof(r) ||
	    sizeof(h) + h.count * sizeof(r) != (__u64)size) {
		err = refuse(why, whylen,
			     "its size does not match its record count");
		goto out;
	}
	for (i = 0; i < h.count; i++) {
		if (fread(&r, sizeof(r), 1, f) != 1) {
			err = refuse(why, whylen, "cut short while reading");
			goto out;
		}
		err = bh_collector_adopt(c, &r.key, r.denied != 0, &r.snap,
					 r.done_ns);
		if (err == -ENOSPC || err == -EEXIST) {
			(*n_skipped)++;
			err = 0;
			continue;
		}
		if (err)
			goto out;
		(*n_adopted)++;
	}
out:
	fclose(f);
	return err;
}
