/* The C side of the "native" benchmark: the same syscalls the SDK's Native core issues, with
 * nothing around them. Prints "<ns per eventfd write+read> <ns per failing ioctl>" for COUNT
 * iterations: an eventfd write of 8 bytes and read of 8 bytes, and VIDIOC_QUERYCAP on /dev/null
 * (answered ENOTTY by the real driver). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	unsigned char cap[104];
	uint64_t v = 1;
	if (efd < 0 || null < 0)
		return 1;

	double t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (write(efd, &v, 8) != 8 || read(efd, &v, 8) != 8)
			return 2;
	}
	double t1 = now_ns();
	for (long i = 0; i < count; i++) {
		if (ioctl(null, 0x80685600UL, cap) != -1 || errno != ENOTTY)
			return 3;
	}
	double t2 = now_ns();
	printf("%.1f %.1f\n", (t1 - t0) / count, (t2 - t1) / count);
	return 0;
}
