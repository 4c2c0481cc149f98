// SPDX-License-Identifier: GPL-2.0-only
/* Load every program of a BPF object and print the verifier's statistics
 * (instructions processed, states), or its log when a program is refused.
 * Usage: bpf-verify OBJ */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

static char vlog[512u << 20];

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .kernel_log_buf = vlog,
		    .kernel_log_size = sizeof(vlog), .kernel_log_level = getenv("VLOG") ? atoi(getenv("VLOG")) : 4);
	struct bpf_object *obj;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], &oo);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load %s failed: %s\n", argv[1], strerror(-err));
		if (getenv("VLOG"))
			fputs(vlog, stdout);
		bpf_object__close(obj);
		return 1;
	}
	/* log_level 4 = BPF_LOG_STATS: one summary line per program. */
	fputs(vlog, stdout);
	bpf_object__close(obj);
	return 0;
}
