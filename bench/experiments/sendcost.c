/*
 * sendcost: what one stream thread's write of one tick costs, sendmsg()
 * from user memory (what src/stream.c does) against sendfile() from a
 * memfd holding the same chunk (the kernel then points the socket's
 * buffers at the file's pages instead of copying into the page each
 * writing thread keeps, 32 KiB a thread). Not part of the build; an
 * experiment for bench/NOTES.md (fourteenth round).
 *
 *   cc -O2 -pthread -o /tmp/sendcost bench/experiments/sendcost.c
 *   /tmp/sendcost [threads] [rounds] [bytes]
 *
 * THREADS sender threads, each with its own loopback TCP connection, send
 * ROUNDS chunks of BYTES each, one per round, all threads released together
 * each round (a tick); one receiver thread drains every connection with
 * epoll. Printed per method: the senders' CPU per send (their thread CPU
 * clocks around the send call alone, which include the loopback receive
 * path the kernel runs in the sender's context), and how much the host's
 * memory in use grew per sender thread, from before the threads started
 * (so their stacks count) to after the first round (MemTotal -
 * MemFree - Buffers - Cached + Shmem). A third run sends 19 bytes with a
 * copying send() first in each thread, as libmicrohttpd sends a stream's
 * headers, then sendfile() as the second.
 * Loopback only; bounded by THREADS x ROUNDS; stops by itself.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../hostmem.h"

enum method { M_SENDMSG, M_SENDFILE, M_HEADERS_SENDFILE };

static unsigned nthreads = 500, rounds = 50;
static size_t chunk_len = 5700;
static char *chunk;		/* the chunk's bytes in user memory */
static int chunk_fd;		/* and in a memfd */
static enum method method;
static pthread_barrier_t tick, after_first;
static _Atomic uint64_t send_ns, sends, recv_bytes;
static atomic_int stop_rx;

static int64_t
ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
send_chunk(int fd)
{
	size_t done = 0;

	while (done < chunk_len) {
		ssize_t r;

		if (method == M_SENDMSG) {
			/* Three pieces, as a stream frames its chunk. */
			struct iovec iov[3] = {
				{ chunk, 6 }, { chunk + 6, chunk_len - 8 }, { chunk + chunk_len - 2, 2 },
			};
			struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
			size_t skip = done;

			for (size_t i = 0; i < 3 && skip > 0; i++) {
				size_t k = skip < iov[i].iov_len ? skip : iov[i].iov_len;

				iov[i].iov_base = (char *)iov[i].iov_base + k;
				iov[i].iov_len -= k;
				skip -= k;
			}
			r = sendmsg(fd, &m, MSG_NOSIGNAL);
		} else {
			off_t off = (off_t)done;

			r = sendfile(fd, chunk_fd, &off, chunk_len - done);
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			done += (size_t)r;
	}
	return 0;
}

static void *
sender(void *arg)
{
	int fd = (int)(intptr_t)arg;

	/* As libmicrohttpd sends a stream's headers: one copying write first. */
	if (method == M_HEADERS_SENDFILE &&
	    send(fd, "HTTP/1.1 200 OK\r\n\r\n", 19, MSG_NOSIGNAL) != 19) {
		perror("send headers");
		exit(1);
	}
	for (unsigned r = 0; r < rounds; r++) {
		int64_t t0, t1;

		pthread_barrier_wait(&tick);
		t0 = ns(CLOCK_THREAD_CPUTIME_ID);
		if (send_chunk(fd) == -1) {
			perror("send");
			exit(1);
		}
		t1 = ns(CLOCK_THREAD_CPUTIME_ID);
		atomic_fetch_add(&send_ns, (uint64_t)(t1 - t0));
		atomic_fetch_add(&sends, 1);
		if (r == 0)
			pthread_barrier_wait(&after_first);
	}
	return NULL;
}

static void *
receiver(void *arg)
{
	int ep = (int)(intptr_t)arg;
	static char buf[65536];

	while (!atomic_load(&stop_rx)) {
		struct epoll_event ev[256];
		int n = epoll_wait(ep, ev, 256, 50);

		for (int i = 0; i < n; i++) {
			ssize_t r = recv(ev[i].data.fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r > 0)
				atomic_fetch_add(&recv_bytes, (uint64_t)r);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	pthread_t *th, rx;
	pthread_attr_t attr;
	int lfd, ep, one = 1;
	long mem0, mem1 = 0;
	int64_t w0, w1;

	if (argc > 1)
		nthreads = (unsigned)atoi(argv[1]);
	if (argc > 2)
		rounds = (unsigned)atoi(argv[2]);
	if (argc > 3)
		chunk_len = (size_t)atol(argv[3]);
	if (nthreads == 0 || rounds == 0 || chunk_len < 16) {
		fprintf(stderr, "usage: sendcost [threads] [rounds] [bytes >= 16]\n");
		return 2;
	}
	chunk = malloc(chunk_len);
	memset(chunk, 'x', chunk_len);
	memcpy(chunk, "1640\r\n", 6);
	memcpy(chunk + chunk_len - 2, "\r\n", 2);
	chunk_fd = memfd_create("chunk", 0);
	if (chunk_fd < 0 || write(chunk_fd, chunk, chunk_len) != (ssize_t)chunk_len) {
		perror("memfd");
		return 1;
	}
	th = calloc(nthreads, sizeof(*th));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);

	for (method = M_SENDMSG; method <= M_HEADERS_SENDFILE; method++) {
		int *cfd = calloc(nthreads, sizeof(int)), *sfd = calloc(nthreads, sizeof(int));

		lfd = socket(AF_INET, SOCK_STREAM, 0);
		sa.sin_port = 0;
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096) ||
		    getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
			perror("listen");
			return 1;
		}
		ep = epoll_create1(0);
		for (unsigned i = 0; i < nthreads; i++) {
			struct epoll_event ev = { .events = EPOLLIN };

			cfd[i] = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(cfd[i], (struct sockaddr *)&sa, sizeof(sa)) ||
			    (sfd[i] = accept(lfd, NULL, NULL)) < 0) {
				perror("connect");
				return 1;
			}
			setsockopt(sfd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			ev.data.fd = cfd[i];
			epoll_ctl(ep, EPOLL_CTL_ADD, cfd[i], &ev);
		}
		atomic_store(&send_ns, 0);
		atomic_store(&sends, 0);
		atomic_store(&recv_bytes, 0);
		atomic_store(&stop_rx, 0);
		pthread_barrier_init(&tick, NULL, nthreads + 1);
		pthread_barrier_init(&after_first, NULL, nthreads + 1);
		pthread_create(&rx, NULL, receiver, (void *)(intptr_t)ep);
		usleep(200000);
		if ((mem0 = host_used_kib()) < 0) {
			fprintf(stderr, "sendcost: cannot read /proc/meminfo\n");
			return 1;
		}
		for (unsigned i = 0; i < nthreads; i++)
			pthread_create(&th[i], &attr, sender, (void *)(intptr_t)sfd[i]);
		w0 = ns(CLOCK_MONOTONIC);
		for (unsigned r = 0; r < rounds; r++) {
			pthread_barrier_wait(&tick);
			if (r == 0) {
				pthread_barrier_wait(&after_first);
				/* Let the receiver drain the first round. */
				while (atomic_load(&recv_bytes) < (uint64_t)nthreads * chunk_len +
				    (method == M_HEADERS_SENDFILE ? 19u * nthreads : 0))
					usleep(1000);
				mem1 = host_used_kib();
			}
			usleep(20000);
		}
		for (unsigned i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
		while (atomic_load(&recv_bytes) < (uint64_t)nthreads * rounds * chunk_len +
		    (method == M_HEADERS_SENDFILE ? 19u * nthreads : 0))
			usleep(1000);
		w1 = ns(CLOCK_MONOTONIC);
		atomic_store(&stop_rx, 1);
		pthread_join(rx, NULL);
		printf("%-12s %u threads x %u rounds x %zu bytes: send %.2f us CPU each; "
		    "host memory +%.1f KiB per thread (its stacks too) after the first round; %.2f s\n",
		    method == M_SENDMSG ? "sendmsg" : method == M_SENDFILE ? "sendfile" : "hdr+sendfile",
		    nthreads, rounds, chunk_len,
		    (double)atomic_load(&send_ns) / 1e3 / (double)atomic_load(&sends),
		    (double)(mem1 - mem0) / nthreads, (double)(w1 - w0) / 1e9);
		for (unsigned i = 0; i < nthreads; i++) {
			close(cfd[i]);
			close(sfd[i]);
		}
		close(lfd);
		close(ep);
		free(cfd);
		free(sfd);
		pthread_barrier_destroy(&tick);
		pthread_barrier_destroy(&after_first);
		sleep(1);
	}
	return 0;
}
