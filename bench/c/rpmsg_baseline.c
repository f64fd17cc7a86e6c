// SPDX-License-Identifier: MIT
/*
 * rpmsg_baseline: the C reference for the rpmsg benchmark. Opens an rpmsg endpoint device and does
 * COUNT round trips of SIZE bytes (one write(2), one blocking read(2) of the reply), like the SDK's
 * RpmsgEndpoint.Send + Receive. Prints "ns_per_op=<n> count=<n> size=<n>".
 *
 * usage: rpmsg_baseline /dev/rpmsgN [COUNT] [SIZE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char msg[4096], buf[4096];
	long count, size, i;
	long long t0, t1;
	int fd;

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
	memset(msg, 0x5a, sizeof(msg));
	t0 = now_ns();
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
	t1 = now_ns();
	close(fd);
	printf("ns_per_op=%lld count=%ld size=%ld\n", (t1 - t0) / count, count, size);
	return 0;
}
