// SPDX-License-Identifier: GPL-2.0-only
#include "atomic_file.h"

#include <errno.h>
#include <unistd.h>

int bh_atomic_open(struct bh_atomic_file *a, const char *path)
{
	a->f = NULL;
	a->path = path;
	if (snprintf(a->tmp, sizeof(a->tmp), "%s.tmp", path) >=
	    (int)sizeof(a->tmp))
		return -ENAMETOOLONG;
	a->f = fopen(a->tmp, "we");
	return a->f ? 0 : -errno;
}

int bh_atomic_close(struct bh_atomic_file *a, int err)
{
	if (!err && ferror(a->f))
		err = -EIO;
	if (!err && (fflush(a->f) || fsync(fileno(a->f))))
		err = -errno;
	if (fclose(a->f) && !err)
		err = -errno;
	a->f = NULL;
	if (!err && rename(a->tmp, a->path))
		err = -errno;
	if (err)
		unlink(a->tmp);
	return err;
}
