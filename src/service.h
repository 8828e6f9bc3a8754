/*
 * service: what the daemon tells its service manager, and the listening
 * socket the service manager may hand it.
 *
 * Built with libsystemd (configure --with-systemd, the default when
 * libsystemd is found), these speak systemd's protocols: sd_notify(3) for
 * readiness, reload and shutdown (Type=notify units), sd_listen_fds(3) for
 * socket activation. When no service manager listens (NOTIFY_SOCKET unset,
 * as on a terminal) or without libsystemd, each notification does nothing
 * and no socket is ever passed.
 *
 * main calls these from its own thread only; nothing here is shared.
 */
#ifndef SSE_SERVICE_H
#define SSE_SERVICE_H

/*
 * The listening socket the service manager passed (socket activation).
 * Returns 0 with *fd the socket, 0 with *fd = -1 when none was passed, or -1
 * (reason logged) when what was passed is not one listening TCP socket.
 * The LISTEN_* variables are removed from the environment either way.
 */
int service_listen_fd(int *fd);

/* Startup is complete and the daemon serves; status is one short line. */
void service_ready(const char *status);

/* A reload (SIGHUP) starts; service_ready() must follow when it is done. */
void service_reloading(void);

/* Shutdown starts. */
void service_stopping(void);

#endif
