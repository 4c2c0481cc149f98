/* SPDX-License-Identifier: GPL-2.0-only */
/* The bulkhead command line: one table of subcommands (main.c), one
 * do_<cmd>() handler each, exit codes only here and in the handlers. */
#ifndef BH_CLI_H
#define BH_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (CONVENTIONS.md rule 10). */
#define BH_EXIT_OK 0
#define BH_EXIT_FAIL 1
#define BH_EXIT_USAGE 2

struct bh_cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
};

/* True when argv holds -h or --help before any "--". */
bool bh_cli_wants_help(int argc, char **argv);

struct bh_policy;
struct bh_compiled_policy;

/* Load and compile a policy file, its diagnostics printed to out (as
 * `policy check` prints them). 0, or BH_EXIT_FAIL with nothing left
 * allocated (cmd_policy.c). */
int bh_cli_policy_open(const char *path, struct bh_policy **p,
		       struct bh_compiled_policy **cp, FILE *out);

/* Command handlers (cmd_<part>.c). */
int do_observe(int argc, char **argv);

#endif /* BH_CLI_H */
