// SPDX-License-Identifier: MIT
/*
 * rpmsg_baseline: the C reference for the rpmsg benchmark. Opens an rpmsg endpoint device and does
 * COUNT round trips of SIZE bytes (one write(2), one blocking read(2) of the reply), like the SDK's
 * RpmsgEndpoint.Send + Receive. Prints "ns_per_op=<n> count=<n> size=<n> syscalls_per_op=<n>
 * cpu_ns_per_op=<n>": read(2)+write(2) calls per round trip from /proc/thread-self/io (syscr + syscw,
 * failed ones included) and the thread's CPU time, the same counters the SDK harness reads.
 *
 * usage: rpmsg_baseline /dev/rpmsgN [COUNT] [SIZE] [threaded]
 * "threaded" starts a second, idle thread first, as every .NET process has one: the kernel then takes
 * a file reference per call (fdget) and the position lock per read/write (fdget_pos), which a
 * single-threaded process is spared.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* read(2) + write(2) calls of this thread so far (syscr + syscw of /proc/thread-self/io). */
static long long io_syscalls(void)
{
	char line[128];
	long long v, total = 0;
	FILE *f = fopen("/proc/thread-self/io", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "syscr: %lld", &v) == 1 || sscanf(line, "syscw: %lld", &v) == 1)
			total += v;
	fclose(f);
	return total;
}

int main(int argc, char **argv)
{
	char msg[4096], buf[4096];
	long count, size, i;
	long long t0, t1, c0, c1, s0, s1;
	int fd;
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: %s /dev/rpmsgN [COUNT] [SIZE]\n", argv[0]);
		return 2;
	}
	count = argc > 2 ? atol(argv[2]) : 10000;
	size = argc > 3 ? atol(argv[3]) : 64;
	if (size < 0 || size > (long)sizeof(msg) || count <= 0) {
		fprintf(stderr, "bad COUNT or SIZE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (argc > 4 && strcmp(argv[4], "threaded") == 0 && pthread_create(&t, NULL, idle, NULL) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	memset(msg, 0x5a, sizeof(msg));
	s0 = io_syscalls();
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < count; i++) {
		ssize_t n;

		if (write(fd, msg, size) != size) {
			fprintf(stderr, "write: %s\n", strerror(errno));
			return 1;
		}
		n = read(fd, buf, sizeof(buf));
		if (n != size) {
			fprintf(stderr, "read: %zd (%s)\n", n, n < 0 ? strerror(errno) : "short");
			return 1;
		}
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	s1 = io_syscalls();
	close(fd);
	printf("ns_per_op=%lld count=%ld size=%ld syscalls_per_op=%.3f cpu_ns_per_op=%lld\n", (t1 - t0) / count,
	       count, size, (double)(s1 - s0) / count, (c1 - c0) / count);
	return 0;
}
