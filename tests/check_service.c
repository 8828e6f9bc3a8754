/*
 * The daemon and its service manager, with this test standing in for
 * systemd: the sd_notify(3) datagrams it sends (READY=1 once it listens,
 * RELOADING=1 with MONOTONIC_USEC and READY=1 around a SIGHUP, STOPPING=1 at
 * SIGTERM) and socket activation (a listening socket passed as fd 3 with
 * LISTEN_FDS/LISTEN_PID is served and the configured address ignored; a
 * socket it cannot serve on is refused). Without libsystemd every test is
 * skipped: the daemon then neither notifies nor takes sockets.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

#define WAIT_MS 10000	/* generous: the sanitizer builds start slowly */

/* A temporary directory with a config file; the notify socket goes there too. */
struct env {
	char dir[64];
	char conf[128];
	char notify[128];
};

static void
env_create(struct env *e, const char *conf_text)
{
	FILE *f;

	snprintf(e->dir, sizeof(e->dir), "/tmp/check_service.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->conf, sizeof(e->conf), "%s/sse-metricsd.conf", e->dir);
	snprintf(e->notify, sizeof(e->notify), "%s/notify", e->dir);
	f = fopen(e->conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(conf_text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
env_destroy(struct env *e)
{
	unlink(e->conf);
	unlink(e->notify);
	rmdir(e->dir);
}

/*
 * Start the daemon with -c e->conf and extra (NULL or one more argument).
 * With notify, NOTIFY_SOCKET names e->notify. pass[0..npass) become fds 3..
 * with LISTEN_FDS and LISTEN_PID, as systemd passes sockets. Its stderr is
 * *err_fd (non-blocking). The child dies with us.
 */
static pid_t
spawn(const struct env *e, const char *extra, int notify, const int *pass, int npass,
    int *err_fd)
{
	pid_t parent = getpid(), pid;
	int fds[2];

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char n[16], me[16];
		sigset_t none;
		int tmp[8];

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(fds[1], 2);
		/* Out of the way first, then into 3, 4, ...: they may overlap. */
		for (int i = 0; i < npass; i++)
			tmp[i] = fcntl(pass[i], F_DUPFD, 100);
		for (int i = 0; i < npass; i++)
			dup2(tmp[i], 3 + i);
		unsetenv("NOTIFY_SOCKET");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		if (notify)
			setenv("NOTIFY_SOCKET", e->notify, 1);
		if (npass > 0) {
			snprintf(n, sizeof(n), "%d", npass);
			snprintf(me, sizeof(me), "%d", (int)getpid());
			setenv("LISTEN_FDS", n, 1);
			setenv("LISTEN_PID", me, 1);
		}
		execl(DAEMON_PATH, DAEMON_PATH, "-c", e->conf, extra, (char *)NULL);
		dprintf(2, "exec %s: %s\n", DAEMON_PATH, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	*err_fd = fds[0];
	return pid;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the daemon's stderr into log until it holds want or WAIT_MS pass. */
static int
wait_log(int fd, struct strbuf *log, const char *want)
{
	long long deadline = now_ms() + WAIT_MS;
	char chunk[4096];

	strbuf_puts(log, "");
	while (strstr(log->data, want) == NULL) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			return strstr(log->data, want) != NULL;
		if (n > 0)
			strbuf_append(log, chunk, (size_t)n);
	}
	return 1;
}

/* The exit status of pid, which must end within WAIT_MS. */
static int
wait_exit(pid_t pid)
{
	long long deadline = now_ms() + WAIT_MS;
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(10000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the daemon did not exit in %d ms", WAIT_MS);
	}
	ck_assert_msg(WIFEXITED(status), "the daemon died of signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* The next datagram on the notify socket, or fail after WAIT_MS. */
static void
next_notification(int sock, char *buf, size_t len)
{
	struct pollfd p = { sock, POLLIN, 0 };
	ssize_t n;

	ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "no notification within %d ms", WAIT_MS);
	n = recv(sock, buf, len - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

/* 1 if one of the newline-separated assignments of msg is line. */
static int
has_assignment(const char *msg, const char *line)
{
	size_t len = strlen(line);
	const char *p = msg;

	for (;;) {
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			return 1;
		if ((p = strchr(p, '\n')) == NULL)
			return 0;
		p++;
	}
}

/* One GET on 127.0.0.1 or ::1 port; the whole answer in out. */
static void
http_get(int family, unsigned port, const char *path, struct strbuf *out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char req[256], chunk[4096];
	ssize_t n;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_msg(connect(fd, (struct sockaddr *)&ss, sl) == 0, "connect: %s", strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	strbuf_puts(out, "");
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		strbuf_append(out, chunk, (size_t)n);
	close(fd);
}

/* A listening TCP socket on the loopback address of family, any port. */
static int
listening_socket(int family, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ne(fd, -1);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		if (bind(fd, (struct sockaddr *)a, sizeof(*a)) == -1) {
			close(fd);	/* no IPv6 loopback here */
			return -1;
		}
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	}
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

START_TEST(notifies_ready_reload_and_stop)
{
	struct sockaddr_un sun;
	struct strbuf log = STRBUF_INIT;
	struct env e;
	struct timespec ts;
	char msg[1024];
	const char *usec;
	long long sent_us, now_us;
	int sock, err_fd;
	pid_t pid;

	env_create(&e, "listen = 127.0.0.1:0\ninterval = 0.2\n");
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(sock, -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(e.notify), sizeof(sun.sun_path));
	memcpy(sun.sun_path, e.notify, strlen(e.notify) + 1);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sun, sizeof(sun)), 0);

	pid = spawn(&e, NULL, 1, NULL, 0, &err_fd);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "READY=1"), "first notification: %s", msg);
	ck_assert_msg(strstr(msg, "STATUS=listening on http://127.0.0.1:") != NULL, "status: %s", msg);
	/* Ready means listening: the log line is out and the port answers. */
	ck_assert(wait_log(err_fd, &log, "listening on http://127.0.0.1:"));

	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "RELOADING=1"), "on SIGHUP: %s", msg);
	usec = strstr(msg, "MONOTONIC_USEC=");
	ck_assert_msg(usec != NULL, "no MONOTONIC_USEC: %s", msg);
	sent_us = atoll(usec + 15);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	ck_assert_msg(sent_us <= now_us && now_us - sent_us < WAIT_MS * 1000LL,
	    "MONOTONIC_USEC=%lld is not CLOCK_MONOTONIC in microseconds (now %lld)",
	    sent_us, now_us);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "READY=1"), "after the reload: %s", msg);
	ck_assert_msg(strstr(msg, "refused") == NULL, "a good reload: %s", msg);
	ck_assert(wait_log(err_fd, &log, "configuration reloaded"));

	/* A file with errors is refused; the status says so (systemctl status). */
	{
		FILE *f = fopen(e.conf, "w");

		ck_assert_ptr_nonnull(f);
		fputs("listen = 127.0.0.1:0\ninterval = 0\n", f);
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "RELOADING=1"), "on SIGHUP: %s", msg);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "READY=1"), "after a refused reload: %s", msg);
	ck_assert_msg(strstr(msg, "STATUS=listening on http://127.0.0.1:") != NULL &&
	    strstr(msg, "the last reload was refused") != NULL, "after a refused reload: %s", msg);

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	next_notification(sock, msg, sizeof(msg));
	ck_assert_msg(has_assignment(msg, "STOPPING=1"), "on SIGTERM: %s", msg);
	ck_assert_int_eq(wait_exit(pid), 0);

	close(sock);
	close(err_fd);
	strbuf_free(&log);
	env_destroy(&e);
}
END_TEST

/* Serves on the passed socket of family, and ignores an address it could not bind. */
static void
serves_passed_socket(int family)
{
	struct strbuf log = STRBUF_INIT, body = STRBUF_INIT;
	struct env e;
	char want[128];
	unsigned port;
	int lfd, err_fd;
	pid_t pid;

	lfd = listening_socket(family, &port);
	if (lfd == -1)
		return;
	/* 192.0.2.1 is TEST-NET-1, on no host: binding it would fail. */
	env_create(&e, "listen = 192.0.2.1:9730\n");
	pid = spawn(&e, family == AF_INET ? "-l192.0.2.1:1" : NULL, 0, &lfd, 1, &err_fd);
	close(lfd);
	if (family == AF_INET6)
		snprintf(want, sizeof(want), "listening on http://[::1]:%u/", port);
	else
		snprintf(want, sizeof(want), "listening on http://127.0.0.1:%u/", port);
	ck_assert_msg(wait_log(err_fd, &log, want), "no '%s' in:\n%s", want, log.data);
	ck_assert_ptr_nonnull(strstr(log.data, "serving on the socket the service manager passed"));

	http_get(family, port, "/healthz", &body);
	ck_assert_msg(strncmp(body.data, "HTTP/1.1 200 ", 13) == 0, "%s", body.data);
	ck_assert_msg(strstr(body.data, "\r\n\r\nok\n") != NULL, "%s", body.data);
	http_get(family, port, "/api/snapshot", &body);
	ck_assert_msg(strncmp(body.data, "HTTP/1.1 200 ", 13) == 0, "%s", body.data);
	ck_assert_ptr_nonnull(strstr(body.data, "\r\n\r\n{\"seq\":"));

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(wait_exit(pid), 0);
	close(err_fd);
	strbuf_free(&log);
	strbuf_free(&body);
	env_destroy(&e);
}

START_TEST(serves_passed_ipv4_socket)
{
	serves_passed_socket(AF_INET);
}
END_TEST

START_TEST(serves_passed_ipv6_socket)
{
	serves_passed_socket(AF_INET6);
}
END_TEST

/* What is passed and what the daemon must say when it refuses it. */
enum bad_kind { BAD_UDP, BAD_NOT_LISTENING, BAD_TWO };

static const struct {
	enum bad_kind kind;
	const char *message;
} bad_passes[] = {
	{ BAD_UDP, "is not a listening TCP socket" },
	{ BAD_NOT_LISTENING, "is not a listening TCP socket" },
	{ BAD_TWO, "passed 2 sockets" },
};

START_TEST(refuses_unusable_socket)
{
	struct strbuf log = STRBUF_INIT;
	struct env e;
	unsigned port;
	int pass[2] = { -1, -1 }, npass = 1, err_fd;
	pid_t pid;

	switch (bad_passes[_i].kind) {
	case BAD_UDP:
		pass[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case BAD_NOT_LISTENING:
		pass[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	case BAD_TWO:
		pass[0] = listening_socket(AF_INET, &port);
		pass[1] = listening_socket(AF_INET, &port);
		npass = 2;
		break;
	}
	ck_assert_int_ne(pass[0], -1);
	env_create(&e, "listen = 127.0.0.1:0\n");
	pid = spawn(&e, NULL, 0, pass, npass, &err_fd);
	for (int i = 0; i < npass; i++)
		close(pass[i]);
	ck_assert_int_eq(wait_exit(pid), 1);
	wait_log(err_fd, &log, bad_passes[_i].message);
	ck_assert_msg(strstr(log.data, bad_passes[_i].message) != NULL, "no '%s' in:\n%s",
	    bad_passes[_i].message, log.data);
	ck_assert_ptr_null(strstr(log.data, "listening on"));
	close(err_fd);
	strbuf_free(&log);
	env_destroy(&e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("service");
	SRunner *sr;
	int failed;

#ifndef HAVE_LIBSYSTEMD
	puts("built without libsystemd: nothing to test");
	return 77;	/* automake: skipped */
#endif
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, notifies_ready_reload_and_stop);
	tcase_add_test(tc, serves_passed_ipv4_socket);
	tcase_add_test(tc, serves_passed_ipv6_socket);
	tcase_add_loop_test(tc, refuses_unusable_socket, 0,
	    sizeof(bad_passes) / sizeof(bad_passes[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
