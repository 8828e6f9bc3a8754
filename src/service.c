/*
 * service: sd_notify(3) and sd_listen_fds(3) when built with libsystemd,
 * nothing without. The protocol's details (the datagram to NOTIFY_SOCKET,
 * LISTEN_PID and LISTEN_FDS) are libsystemd's, not written here.
 */
#include "service.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

int
service_listen_fd(int *fd)
{
	int n;

	*fd = -1;
	if ((n = sd_listen_fds(1)) < 0) {
		log_fatal("sd_listen_fds: %s", strerror(-n));
		return -1;
	}
	if (n == 0)
		return 0;
	if (n > 1) {
		log_fatal("the service manager passed %d sockets; sse-metricsd takes one"
		    " (one ListenStream= in sse-metricsd.socket)", n);
		return -1;
	}
	if (sd_is_socket_inet(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
		log_fatal("the socket the service manager passed is not a listening TCP socket"
		    " (ListenStream=ADDR:PORT in sse-metricsd.socket)");
		return -1;
	}
	*fd = SD_LISTEN_FDS_START;
	return 0;
}

void
service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
service_reloading(void)
{
	struct timespec now;

	/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants the reload's start. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
	    (unsigned long long)now.tv_sec * 1000000 + (unsigned long long)now.tv_nsec / 1000);
}

void
service_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

#else	/* !HAVE_LIBSYSTEMD */

int
service_listen_fd(int *fd)
{
	const char *pid = getenv("LISTEN_PID");

	*fd = -1;
	if (getenv("LISTEN_FDS") != NULL && pid != NULL && atol(pid) == (long)getpid())
		log_warnx("a socket was passed (LISTEN_FDS), but this sse-metricsd was built"
		    " without libsystemd and cannot take it; opening its own");
	return 0;
}

void
service_ready(const char *status)
{
	(void)status;
}

void
service_reloading(void)
{
}

void
service_stopping(void)
{
}

#endif
