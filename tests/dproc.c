/* dproc: see dproc.h. */
#include "dproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct dproc D = { .err_fd = -1 };
char run_dir[64];

void *
dproc_drain(void *arg)
{
	char chunk[4096];
	ssize_t n;

	(void)arg;
	for (;;) {
		n = read(D.err_fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		pthread_mutex_lock(&D.mu);
		if (n > 0)
			dbuf_add(&D.log, chunk, (size_t)n);
		else
			D.eof = 1;
		pthread_cond_broadcast(&D.cv);
		pthread_mutex_unlock(&D.mu);
		if (n <= 0)
			return NULL;
	}
}

char *
dproc_log_copy(void)
{
	char *s;

	pthread_mutex_lock(&D.mu);
	s = strdup(dbuf_str(&D.log));
	pthread_mutex_unlock(&D.mu);
	if (s == NULL)
		abort();
	return s;
}

int
dproc_alive(void)
{
	return D.pid > 0 && waitpid(D.pid, NULL, WNOHANG) == 0;
}

void
dproc_remove_run_dir(void)
{
	DIR *d = opendir(run_dir);
	struct dirent *de;
	char path[sizeof(run_dir) + 256];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", run_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(run_dir);
}

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
dproc_main_init(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	struct rlimit rl;

	if (tmp == NULL || *tmp != '/' || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(run_dir, sizeof(run_dir), "%s/%s.XXXXXX", tmp, name);
	if (mkdtemp(run_dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	/* One descriptor per stream, for the tests that open thousands. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

void
dproc_setup(const char *conf_prefix)
{
	pthread_condattr_t ca;

	memset(&D.log, 0, sizeof(D.log));
	D.pid = 0;
	D.err_fd = -1;
	D.draining = 0;
	D.eof = 0;
	pthread_mutex_init(&D.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&D.cv, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(D.conf, sizeof(D.conf), "%s/%s-%ld.conf", run_dir, conf_prefix, (long)getpid());
}

void
dproc_teardown(void)
{
	if (D.pid > 0) {
		kill(D.pid, SIGKILL);
		waitpid(D.pid, NULL, 0);
		D.pid = 0;
	}
	if (D.draining) {
		pthread_join(D.drainer, NULL);
		D.draining = 0;
	}
	if (D.err_fd >= 0) {
		close(D.err_fd);
		D.err_fd = -1;
	}
	if (getenv("CHECK_DAEMON_LOG") != NULL && D.log.len > 0)
		fprintf(stderr, "---- daemon log ----\n%s---- end ----\n", D.log.p);
	dbuf_free(&D.log);
	unlink(D.conf);
	pthread_cond_destroy(&D.cv);
	pthread_mutex_destroy(&D.mu);
}

pid_t
dproc_spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t parent = getpid(), pid;

	if ((pid = fork()) != 0)
		return pid;	/* -1 on failure */
	{
		static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGALRM, SIGCHLD };
		struct sigaction sa;
		sigset_t none;
		int null_fd = open("/dev/null", O_RDWR);

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(null_fd, 0);
		dup2(out_fd >= 0 ? out_fd : null_fd, 1);
		dup2(err_fd >= 0 ? err_fd : null_fd, 2);
		execv(DAEMON_PATH, argv);
		dprintf(2, "exec %s: %s\n", DAEMON_PATH, strerror(errno));
		_exit(127);
	}
}

size_t
dproc_log_mark(void)
{
	size_t n;

	pthread_mutex_lock(&D.mu);
	n = D.log.len;
	pthread_mutex_unlock(&D.mu);
	return n;
}

/* needle in the log at or after byte from, on a line already ended; D.mu held. */
static int
log_has_line(size_t from, const char *needle)
{
	const char *p;

	if (D.log.len < from)
		return 0;
	p = strstr(dbuf_str(&D.log) + from, needle);
	return p != NULL && strchr(p, '\n') != NULL;
}

int
dproc_log_wait(size_t from, const char *needle, double timeout)
{
	struct timespec deadline;
	double t = now_mono() + timeout;
	int found;

	deadline.tv_sec = (time_t)t;
	deadline.tv_nsec = (long)((t - (double)deadline.tv_sec) * 1e9);
	pthread_mutex_lock(&D.mu);
	while (!(found = log_has_line(from, needle)) && !D.eof &&
	    pthread_cond_timedwait(&D.cv, &D.mu, &deadline) != ETIMEDOUT)
		;
	if (!found)
		found = log_has_line(from, needle);
	pthread_mutex_unlock(&D.mu);
	return found;
}

int
dproc_spawn_drained(char *why, size_t whylen)
{
	char *argv[] = { (char *)DAEMON_PATH, (char *)"-c", D.conf, NULL };
	int fds[2];

	if (access(DAEMON_PATH, X_OK) != 0) {
		snprintf(why, whylen, "%s is not built: %s", DAEMON_PATH, strerror(errno));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe2: %s", strerror(errno));
		return -1;
	}
	if (D.journal) {
		struct stat st;
		char js[64];

		if (fstat(fds[1], &st) != 0) {
			snprintf(why, whylen, "fstat: %s", strerror(errno));
			return -1;
		}
		snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", js, 1);
	}
	D.pid = dproc_spawn(argv, -1, fds[1]);
	unsetenv("JOURNAL_STREAM");
	close(fds[1]);
	if (D.pid == -1) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		D.pid = 0;
		close(fds[0]);
		return -1;
	}
	D.err_fd = fds[0];
	D.eof = 0;
	if (pthread_create(&D.drainer, NULL, dproc_drain, NULL) != 0) {
		snprintf(why, whylen, "cannot start the log drainer");
		return -1;
	}
	D.draining = 1;
	return 0;
}

int
dproc_wait_listening(char *why, size_t whylen)
{
	int found;
	char *p;

	if (!dproc_log_wait(0, DPROC_LISTEN_PREFIX, DPROC_START_TIMEOUT)) {
		snprintf(why, whylen, "the daemon did not log \"%s...\" within %.0f s",
		    DPROC_LISTEN_PREFIX, DPROC_START_TIMEOUT);
		return -1;
	}
	pthread_mutex_lock(&D.mu);
	p = strstr(dbuf_str(&D.log), DPROC_LISTEN_PREFIX) + strlen(DPROC_LISTEN_PREFIX);
	D.port = (unsigned)strtoul(p, &p, 10);
	found = *p == '/';
	pthread_mutex_unlock(&D.mu);
	if (!found || D.port == 0 || D.port > 65535) {
		snprintf(why, whylen, "cannot read the port from the listening line");
		return -1;
	}
	return 0;
}

int
dproc_start(char *why, size_t whylen)
{
	if (dproc_spawn_drained(why, whylen) == -1)
		return -1;
	return dproc_wait_listening(why, whylen);
}
