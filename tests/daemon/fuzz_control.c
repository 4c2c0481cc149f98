// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: control-socket requests and rtnetlink messages, the daemon's
 * two inputs from outside: split and parse, never crash. The first byte
 * picks the parser. */
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "link_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, enum bh_link_event ev, int ifindex,
		  const char *name)
{
	(*(size_t *)ctx) += strlen(name) + (size_t)ev + (size_t)ifindex;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[BH_CTL_MAX_ARGS];
	const char *why;
	size_t n = 0;
	char *buf;
	bool done;

	if (!size || size > BH_CTL_MAX_REQ)
		return 0;
	/* the parsers see aligned buffers, as from recv() into our buffer */
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1) {
		buf[size - 1] = '\0';
		bh_ctl_split(buf, argv, BH_CTL_MAX_ARGS, &why);
	} else {
		bh_linkwatch_parse(buf, (int)size - 1, count, &n, &done);
	}
	free(buf);
	return 0;
}
