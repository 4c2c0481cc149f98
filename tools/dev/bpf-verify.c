// SPDX-License-Identifier: GPL-2.0-only
/* Load every program of a BPF object and print the verifier's statistics
 * (instructions processed, states) per program, or its log when a program
 * is refused. Usage: bpf-verify OBJ */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#define MAX_PROGS 16

static char vlog[MAX_PROGS][64u << 20];

int main(int argc, char **argv)
{
	int level = getenv("VLOG") ? atoi(getenv("VLOG")) : 4;
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err, n = 0, i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* one log per program: a shared buffer keeps only the last one */
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_PROGS)
			break;
		bpf_program__set_log_buf(prog, vlog[n++], sizeof(vlog[0]));
		bpf_program__set_log_level(prog, (__u32)level);
	}
	err = bpf_object__load(obj);
	if (err)
		fprintf(stderr, "load %s failed: %s\n", argv[1], strerror(-err));
	/* log_level 4 = BPF_LOG_STATS: a summary per program. */
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		if (i == n)
			break;
		if (!err || getenv("VLOG"))
			printf("== %s (%s)\n%s", bpf_program__name(prog),
			       bpf_program__section_name(prog), vlog[i]);
		i++;
	}
	bpf_object__close(obj);
	return err ? 1 : 0;
}
