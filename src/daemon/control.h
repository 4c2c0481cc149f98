/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: a Unix stream socket (mode 0600, peers must be uid 0,
 * checked with SO_PEERCRED) through which `bulkhead endpoint|reload|status|
 * detach` and container runtime hooks talk to the running daemon.
 *
 * Protocol, one request per connection:
 *   request   one line: words separated by single spaces, each word made of
 *             printable ASCII other than space, at most BH_CTL_MAX_REQ
 *             bytes with the newline. The first word is the command.
 *   reply     "ok\n" then the command's output (text or JSON), or
 *             "error: MESSAGE\n" then details (more lines, may be none);
 *             then the daemon closes the connection.
 * Commands: see README.md ("Running on a node", "Endpoints from a
 * container runtime") and daemon.c.
 */
#ifndef BH_CONTROL_H
#define BH_CONTROL_H

#include <stdio.h>

#include "event_loop.h"
#include "strbuf.h"

#define BH_CTL_MAX_REQ	  4096
#define BH_CTL_MAX_ARGS	  32
#define BH_CTL_MAX_CONNS  32
#define BH_CTL_TIMEOUT_MS 5000 /* a client that sends no full line */

/* Handle one request. Write the output to out and return 0, or write the
 * error message (no "error: " prefix) and return -errno. */
typedef int (*bh_ctl_handler)(void *ctx, int argc, char **argv,
			      struct bh_strbuf *out);

struct bh_ctl_server;

/* Create the socket at path (its directory is created 0700 when missing;
 * a stale socket file is replaced, a live one is an error: -EADDRINUSE). */
int bh_ctl_server_open(struct bh_ctl_server **out, struct bh_loop *loop,
		       const char *path, bh_ctl_handler fn, void *ctx);
/* Close connections idle past BH_CTL_TIMEOUT_MS; call every second. */
void bh_ctl_server_tick(struct bh_ctl_server *s);
/* Finish writing pending replies (up to timeout_ms), close, unlink. */
void bh_ctl_server_free(struct bh_ctl_server **s, int timeout_ms);

/* Split a request line in place into argv. Returns argc, or -EINVAL with a
 * reason in *why for a line that breaks the protocol. */
int bh_ctl_split(char *line, char **argv, int max, const char **why);

/* Client: send argv as one request to the daemon at path; the reply body
 * goes to out. Returns 0 when the daemon said ok, -EREMOTEIO when it said
 * error (its message and details printed to err), or -errno when it cannot
 * be reached (message printed to err). */
int bh_ctl_request(const char *path, int argc, char *const *argv, FILE *out,
		   FILE *err);

#endif /* BH_CONTROL_H */
