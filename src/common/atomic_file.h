/* SPDX-License-Identifier: GPL-2.0-only */
/* A file replaced whole: written to PATH.tmp, synced, then renamed over
 * PATH, so that a crash leaves the old file or the new one, never half of
 * one (state files, baselines). */
#ifndef BH_ATOMIC_FILE_H
#define BH_ATOMIC_FILE_H

#include <limits.h>
#include <stdio.h>

struct bh_atomic_file {
	FILE *f; /* write here */
	char tmp[PATH_MAX];
	const char *path;
};

/* 0 with a->f open on path's temporary file, or -errno. */
int bh_atomic_open(struct bh_atomic_file *a, const char *path);
/* Finish: with err 0 (the writer's own verdict) the file is flushed,
 * synced and renamed over the path; else, or when that fails, the
 * temporary file is removed. Returns err, or the first error of the
 * finish. */
int bh_atomic_close(struct bh_atomic_file *a, int err);

#endif /* BH_ATOMIC_FILE_H */
