/* dproc: see dproc.h. */
#include "dproc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
