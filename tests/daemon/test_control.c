// SPDX-License-Identifier: GPL-2.0-only
/* The control socket: request splitting, a round trip through the server
 * running in its event loop, errors, limits and the root-only checks. */
#include "bh_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"

static const struct {
	const char *line;
	int argc; /* -EINVAL: rejected */
	const char *last;
} split_cases[] = {
    {"status", 1, "status"},
    {"endpoint add 10.0.0.1 app=web,tier=fe web-1", 5, "web-1"},
    {"", -EINVAL, NULL},
    {" status", -EINVAL, NULL},
    {"status ", -EINVAL, NULL},
    {"status  json", -EINVAL, NULL},
    {"status\tjson", -EINVAL, NULL},
    {"status\x01", -EINVAL, NULL},
    {"st\xc3\xa4tus", -EINVAL, NULL},
    {"a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6", 32,
     "6"},
    {"a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6 7",
     -EINVAL, NULL},
};

static void test_split(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		char line[256], *argv[BH_CTL_MAX_ARGS];
		const char *why = NULL;
		int argc;

		snprintf(line, sizeof(line), "%s", split_cases[i].line);
		argc = bh_ctl_split(line, argv, BH_CTL_MAX_ARGS, &why);
		if (argc != split_cases[i].argc)
			fail_msg("'%s': argc %d, want %d", split_cases[i].line,
				 argc, split_cases[i].argc);
		if (argc < 0)
			assert_non_null(why);
		else
			assert_string_equal(argv[argc - 1],
					    split_cases[i].last);
	}
}

/* The server under test, its loop in a thread. */
struct server {
	struct bh_loop loop;
	struct bh_ctl_server *srv;
	pthread_t thread;
	volatile int stop;
	char dir[64];
	char path[96];
	int calls;
};

/* echo ARGS...: "argc=N ARGS"; fail MSG: error; big N: N bytes of 'x' */
static int handler(void *ctx, int argc, char **argv, struct bh_strbuf *out)
{
	struct server *s = ctx;
	int i;

	s->calls++;
	if (!strcmp(argv[0], "fail")) {
		bh_strbuf_printf(out, "failed as asked: %s\nsecond line",
				 argc > 1 ? argv[1] : "");
		return -EINVAL;
	}
	if (!strcmp(argv[0], "big") && argc == 2) {
		long n = strtol(argv[1], NULL, 10);

		for (i = 0; i < n; i++)
			bh_strbuf_append(out, "x", 1);
		return 0;
	}
	bh_strbuf_printf(out, "argc=%d", argc);
	for (i = 1; i < argc; i++)
		bh_strbuf_printf(out, " %s", argv[i]);
	bh_strbuf_printf(out, "\n");
	return 0;
}

static void *loop_thread(void *arg)
{
	struct server *s = arg;

	while (!s->stop) {
		bh_loop_run_once(&s->loop, 50);
		bh_ctl_server_tick(s->srv);
	}
	return NULL;
}

static int server_setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/bh-test-ctl-%d", (int)getpid());
	snprintf(s->path, sizeof(s->path), "%s/sub/ctl.sock", s->dir);
	assert_int_equal(bh_loop_init(&s->loop), 0);
	assert_int_equal(
	    bh_ctl_server_open(&s->srv, &s->loop, s->path, handler, s), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, loop_thread, s), 0);
	*state = s;
	return 0;
}

static int server_teardown(void **state)
{
	struct server *s = *state;
	char sub[128];

	s->stop = 1;
	pthread_join(s->thread, NULL);
	bh_ctl_server_free(&s->srv, 100);
	assert_null(s->srv);
	/* the socket file is gone with the server */
	assert_int_equal(access(s->path, F_OK), -1);
	bh_loop_release(&s->loop);
	snprintf(sub, sizeof(sub), "%s/sub", s->dir);
	rmdir(sub);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* Run a client request; returns its code, output and errors captured. */
static int request(struct server *s, int argc, char **argv, char *out,
		   size_t outsz, char *err, size_t errsz)
{
	FILE *fo, *fe;
	int ret;

	/* fmemopen writes no NUL when nothing is written */
	memset(out, 0, outsz);
	memset(err, 0, errsz);
	fo = fmemopen(out, outsz, "w");
	fe = fmemopen(err, errsz, "w");

	assert_non_null(fo);
	assert_non_null(fe);
	ret = bh_ctl_request(s->path, argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	return ret;
}

static void test_round_trip(void **state)
{
	struct server *s = *state;
	char *ok_argv[] = {"endpoint", "add", "10.0.0.1", "app=web"};
	char *fail_argv[] = {"fail", "now"};
	char *bad_argv[] = {"endpoint", "has space"};
	char out[256], err[256];
	struct stat st;

	char sub[128];

	/* the socket and its directory are root-only */
	assert_int_equal(stat(s->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(S_ISSOCK(st.st_mode));
	snprintf(sub, sizeof(sub), "%s/sub", s->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(
	    request(s, 4, ok_argv, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "argc=4 add 10.0.0.1 app=web\n");
	assert_string_equal(err, "");

	/* an error reply: message and details go to stderr */
	assert_int_equal(
	    request(s, 2, fail_argv, out, sizeof(out), err, sizeof(err)),
	    -EREMOTEIO);
	assert_string_equal(out, "");
	assert_string_equal(err, "bulkhead: failed as asked: now\nsecond line");

	/* the client refuses words the protocol cannot carry */
	assert_int_equal(
	    request(s, 2, bad_argv, out, sizeof(out), err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "'has space'"));
}

/* A reply larger than the socket buffer is written as the client reads. */
static void test_big_reply(void **state)
{
	struct server *s = *state;
	char *argv[] = {"big", "3000000"};
	size_t outsz = 3000000 + 16;
	char *out = calloc(1, outsz);
	char err[256];

	assert_non_null(out);
	assert_int_equal(request(s, 2, argv, out, outsz, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), 3000000);
	free(out);
}

/* Raw protocol: what a hook using `nc -U` sees. */
static void raw(struct server *s, const char *req, size_t len, char *reply,
		size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t got = 0;
	ssize_t n;
	int fd;

	strcpy(sun.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (len)
		assert_int_equal(send(fd, req, len, MSG_NOSIGNAL),
				 (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while (got + 1 < size &&
	       (n = recv(fd, reply + got, size - 1 - got, 0)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	close(fd);
}

static void test_raw(void **state)
{
	struct server *s = *state;
	char *big = malloc(BH_CTL_MAX_REQ + 100);
	char reply[512];
	int calls;

	assert_non_null(big);
	/* EOF ends a request without a newline */
	raw(s, "echo a", 6, reply, sizeof(reply));
	assert_string_equal(reply, "ok\nargc=2 a\n");
	/* anything after the first line is ignored */
	raw(s, "echo b\nechoo c\n", 15, reply, sizeof(reply));
	assert_string_equal(reply, "ok\nargc=2 b\n");
	raw(s, "echo  b\n", 8, reply, sizeof(reply));
	assert_string_equal(reply,
			    "error: words must be separated by one space\n");
	raw(s, "\n", 1, reply, sizeof(reply));
	assert_string_equal(reply, "error: empty request\n");
	/* a connection that sends nothing gets nothing, and no call */
	calls = s->calls;
	raw(s, "", 0, reply, sizeof(reply));
	assert_string_equal(reply, "");
	assert_int_equal(s->calls, calls);
	memset(big, 'a', BH_CTL_MAX_REQ + 100);
	raw(s, big, BH_CTL_MAX_REQ + 100, reply, sizeof(reply));
	assert_string_equal(reply, "error: request longer than 4096 bytes\n");
	free(big);
}

/* A second daemon on the same socket is refused; a stale file is not. */
static void test_in_use(void **state)
{
	struct server *s = *state;
	struct bh_ctl_server *other = NULL;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char stale[128];
	int fd;

	assert_int_equal(
	    bh_ctl_server_open(&other, &s->loop, s->path, handler, s),
	    -EADDRINUSE);
	assert_null(other);

	snprintf(stale, sizeof(stale), "%s/stale.sock", s->dir);
	strcpy(sun.sun_path, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd); /* the file stays, nobody listens */
	assert_int_equal(
	    bh_ctl_server_open(&other, &s->loop, stale, handler, s), 0);
	bh_ctl_server_free(&other, 0);
	assert_int_equal(access(stale, F_OK), -1);
}

/* Non-root peers: kept out by the file mode, and by SO_PEERCRED when an
 * administrator loosened the mode. */
static void test_non_root(void **state)
{
	struct server *s = *state;
	int status, pipefd[2];
	char reply[256] = "", sub[128];
	ssize_t n;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
		return;
	}
	snprintf(sub, sizeof(sub), "%s/sub", s->dir);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chmod(s->path, 0666), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		char buf[256];
		ssize_t got = 0, r;
		int fd;

		close(pipefd[0]);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		strcpy(sun.sun_path, s->path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
			_exit(3);
		/* the server may refuse before reading: a send error is
		 * fine, the reply is what counts */
		send(fd, "echo x\n", 7, MSG_NOSIGNAL);
		while ((r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
			got += r;
		if (write(pipefd[1], buf, (size_t)got) != got)
			_exit(5);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], reply, sizeof(reply) - 1);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(n > 0);
	assert_non_null(strstr(reply, "error: permission denied: the control "
				      "socket is for root only (peer uid "
				      "65534)"));
	assert_int_equal(chmod(s->path, 0600), 0);
	assert_int_equal(chmod(sub, 0700), 0);
}

static void test_unreachable(void **state)
{
	char *argv[] = {"status"};
	char err[256];
	FILE *fe = fmemopen(err, sizeof(err), "w");

	(void)state;
	assert_int_equal(
	    bh_ctl_request("/nonexistent/bh.sock", 1, argv, stdout, fe),
	    -ENOENT);
	fclose(fe);
	assert_non_null(strstr(err, "cannot reach the daemon at "
				    "/nonexistent/bh.sock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test_setup_teardown(test_round_trip, server_setup,
					    server_teardown),
	    cmocka_unit_test_setup_teardown(test_big_reply, server_setup,
					    server_teardown),
	    cmocka_unit_test_setup_teardown(test_raw, server_setup,
					    server_teardown),
	    cmocka_unit_test_setup_teardown(test_in_use, server_setup,
					    server_teardown),
	    cmocka_unit_test_setup_teardown(test_non_root, server_setup,
					    server_teardown),
	    cmocka_unit_test(test_unreachable),
	};

	if (geteuid() != 0)
		return bh_test_skip_code("needs root (SO_PEERCRED, setuid)");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
