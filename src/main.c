/*
 * sse-metricsd: host metrics, collected once per tick, streamed to any number
 * of viewers over Server-Sent Events.
 *
 * main owns the process: options, configuration, signals, and the order in
 * which modules start and stop. Every signal is blocked in every thread and
 * taken here with sigwait(), so no handler ever runs inside a module.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "collector.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "render.h"
#include "service.h"
#include "snapshot.h"
#include "stream.h"

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: sse-metricsd [-htVv] [-c FILE] [-l ADDR:PORT]\n"
	    "  -c, --config FILE       configuration file (default %s)\n"
	    "  -l, --listen ADDR:PORT  listen here instead (e.g. 127.0.0.1:%d, [::1]:%d)\n"
	    "  -t, --check-config      check the configuration, print 'configuration OK', exit\n"
	    "  -v, --verbose           log debug messages too\n"
	    "  -V, --version           print the version and exit\n"
	    "  -h, --help              print this help and exit\n",
	    CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_PORT, CONFIG_DEFAULT_PORT);
}

/*
 * Load the configuration. A missing default file means built-in defaults;
 * a missing named file is an error. Errors go to stderr as FILE:LINE: ...;
 * to the journal each at its priority (an error at start, a warning at a
 * reload, which keeps the running configuration), so that journalctl -p
 * warning shows them, not only the line that says there were some.
 */
static int
load_config(const char *path, int named, struct config *c, int reloading)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *errors;
	int r = -1, buffered = 0;

	if (!named && access(path, F_OK) == -1 && errno == ENOENT) {
		config_defaults(c);
		return 0;
	}
	if (!log_to_journal())
		return config_load(path, c, stderr);
	/*
	 * Under the journal each error line is logged with its priority. No
	 * memory for that buffer is out of memory, fatal as in xmem: plain
	 * lines on stderr instead would reach the journal as info.
	 */
	if ((errors = open_memstream(&text, &len)) != NULL) {
		r = config_load(path, c, errors);
		buffered = fclose(errors) == 0;
	}
	if (!buffered || text == NULL) {
		log_fatal("out of memory reading %s", path);
		abort();
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (reloading)
			log_warnx("%s", line);
		else
			log_fatal("%s", line);
	free(text);
	return r;
}

/* One descriptor per stream plus a few: raise the soft limit to the hard one. */
static void
raise_fd_limit(unsigned max_clients)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)max_clients + HTTP_RESERVED_CONNECTIONS + HTTP_ANSWERED_EXCESS + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the open-file limit");
	}
	if (rl.rlim_cur < need)
		log_warnx("the open-file limit (%llu) is below what max_clients = %u needs (%llu);"
		    " raise LimitNOFILE= or lower max_clients", (unsigned long long)rl.rlim_cur,
		    max_clients, (unsigned long long)need);
}

/*
 * SIGHUP: apply what can change at run time; name what needs a restart.
 * -1: the file was refused (logged), and the running configuration stays.
 */
static int
reload(const char *path, int named, int listen_fixed, struct config *running,
    collector_t *collector)
{
	const struct config_key *keys;
	struct config next;
	size_t nkeys;

	log_info("reloading %s", path);
	if (load_config(path, named, &next, 1) == -1) {
		log_warnx("%s has errors (above); keeping the running configuration", path);
		return -1;
	}
	if (listen_fixed)
		next.listen = running->listen;	/* -l or a passed socket wins over the file */
	/* timeout needs a restart, so the new heartbeat must fit the running one. */
	if (2 * next.heartbeat >= running->timeout) {
		log_warnx("heartbeat %u needs a timeout above %u, and the running timeout is %u;"
		    " keeping the running configuration", next.heartbeat, 2 * next.heartbeat,
		    running->timeout);
		return -1;
	}
	keys = config_keys(&nkeys);
	for (size_t i = 0; i < nkeys; i++)
		if (!keys[i].reload && config_key_differs(&keys[i], running, &next))
			log_warnx("%s changed; it takes effect at the next restart", keys[i].name);
	running->interval = next.interval;
	running->heartbeat = next.heartbeat;
	running->client_buffer = next.client_buffer;
	collector_set_interval(collector, running->interval);
	stream_configure(running->heartbeat, running->client_buffer, running->timeout);
	log_info("configuration reloaded (interval %g s, heartbeat %u s, client_buffer %u)",
	    running->interval, running->heartbeat, running->client_buffer);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH, *listen_arg = NULL;
	int named = 0, check_only = 0, verbosity = 0, ch, sig, listen_fd;
	struct config cfg;
	struct config_listen bound;
	collector_t *collector;
	sigset_t sigs;
	cpu_set_t cpus;
	struct timespec t0, t1;
	char url[128], status[160];

	/*
	 * SIGHUP held from the first line: its default action ends the process,
	 * and a reload asked for while the config is read (a kill -HUP just
	 * after the start) is one to make once serving, not a reason to die.
	 * SIGTERM and SIGINT keep theirs until the threads start below: a
	 * daemon that has not started yet may just end.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	while ((ch = getopt_long(argc, argv, "c:l:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; named = 1; break;
		case 'l': listen_arg = optarg; break;
		case 't': check_only = 1; break;
		case 'v': verbosity++; break;
		case 'V': printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	log_init(verbosity);

	if (load_config(path, named, &cfg, 0) == -1)
		return 1;
	if (listen_arg != NULL) {
		const char *why;

		if (config_parse_listen(listen_arg, &cfg.listen, &why) == -1) {
			/* As the config file's errors: a plain line, or "<3>" under the journal. */
			if (log_to_journal())
				log_fatal("-l %s: %s", listen_arg, why);
			else
				fprintf(stderr, "sse-metricsd: -l %s: %s\n", listen_arg, why);
			return 1;
		}
	}
	if (check_only) {
		printf("configuration OK\n");
		return 0;
	}
	/* Socket activation; before any thread, as it edits the environment. */
	if (service_listen_fd(&listen_fd) == -1)
		return 1;
	if (listen_fd != -1)
		log_info("serving on the socket the service manager passed; listen is ignored");

	/* Before any thread exists, so every thread inherits the mask. */
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(cfg.max_clients);

	clock_gettime(CLOCK_REALTIME, &t0);
	/* The CPUs this process may use (systemd's CPUAffinity=, taskset). */
	if (cfg.stream_affinity && sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		broadcast_init(cfg.history, cfg.max_clients, &cpus);
	else
		broadcast_init(cfg.history, cfg.max_clients, NULL);
	render_configure(cfg.chart_window);
	stream_configure(cfg.heartbeat, cfg.client_buffer, cfg.timeout);
	/*
	 * Ids start at the start time in Unix milliseconds and grow by one per
	 * tick, so an id from an earlier run is always older than this run's
	 * history: a reconnecting client gets a reset, never wrong events.
	 */
	collector = collector_create(cfg.procfs, cfg.sysfs,
	    (uint64_t)t0.tv_sec * 1000 + (uint64_t)t0.tv_nsec / 1000000);
	collector_set_filesystems(collector, cfg.rootfs, cfg.include_tmpfs);
	collector_tick(collector);	/* the first snapshot before the first viewer */
	if (collector_start(collector, cfg.interval) == -1 ||
	    http_start(&cfg, listen_fd, &bound) == -1) {
		collector_stop(collector);
		collector_destroy(collector);
		return 1;
	}
	config_format_listen(&bound, url, sizeof(url));
	log_info("listening on http://%s/ (interval %g s, max_clients %u, %u wake-up groups)",
	    url, cfg.interval, cfg.max_clients, broadcast_groups());
	snprintf(status, sizeof(status), "listening on http://%s/", url);
	service_ready(status);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			char refused[sizeof(status) + 96];

			service_reloading();
			if (reload(path, named, listen_arg != NULL || listen_fd != -1, &cfg,
			    collector) == 0) {
				service_ready(status);
			} else {
				/* systemctl status shows it; the journal says why. */
				snprintf(refused, sizeof(refused), "%s; the last reload was refused,"
				    " the running configuration stays", status);
				service_ready(refused);
			}
			continue;
		}
		break;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	service_stopping();
	log_info("%s: stopping with %u streams open", strsignal(sig), broadcast_subscribers());
	/*
	 * The collector first: streams need no more ticks, and http_stop() reads
	 * the CPU the other threads use as a sign that streams are still ending.
	 */
	collector_stop(collector);
	if (http_stop() == 1) {
		/* Connection threads are parked and may hold anything: free nothing. */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("stopped in %.0f ms", ms_between(&t0, &t1));
		_exit(0);
	}
	collector_destroy(collector);
	broadcast_finalise();
	snapshot_clear();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("stopped in %.0f ms", ms_between(&t0, &t1));
	return 0;
}
