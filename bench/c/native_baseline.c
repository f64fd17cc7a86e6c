/* The C side of the "native" benchmark: the same syscalls the SDK's Native core issues, with
 * nothing around them, on the same kinds of descriptor opened with the same flags (an eventfd with
 * EFD_CLOEXEC|EFD_NONBLOCK; /dev/null O_RDWR|O_CLOEXEC).
 *
 * usage: native_baseline COUNT eventfd|ioctl [threaded]
 *   eventfd: an 8-byte write and an 8-byte read of the eventfd per iteration;
 *   ioctl:   VIDIOC_QUERYCAP (0x80685600, a 104-byte buffer) on /dev/null, answered ENOTTY by the
 *            real driver, errno checked, per iteration.
 * COUNT/10 iterations run first and are not counted (the SDK side warms up the same way), then COUNT
 * timed ones. Prints "<wall ns per iteration> <thread CPU ns per iteration>": the CPU time
 * (CLOCK_THREAD_CPUTIME_ID) leaves out the time the thread was not running, which on a shared,
 * loaded machine is most of the wall-clock noise. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int efd, null;

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}
static unsigned char cap[104];

static int loop(int ioctls, long n)
{
	uint64_t v = 1;
	for (long i = 0; i < n; i++) {
		if (ioctls) {
			if (ioctl(null, 0x80685600UL, cap) != -1 || errno != ENOTTY)
				return 3;
		} else if (write(efd, &v, 8) != 8 || read(efd, &v, 8) != 8) {
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	int ioctls = argc > 2 && strcmp(argv[2], "ioctl") == 0;
	int threaded = argc > 3 && strcmp(argv[3], "threaded") == 0;
	pthread_t t;
	int rc;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (efd < 0 || null < 0 || count <= 0)
		return 1;

	/* "threaded": a second (idle) thread, as every .NET process has. The kernel then takes the
	 * per-call file references a single-threaded process is spared (fdget), and read/write of a
	 * file with FMODE_ATOMIC_POS take its position lock (fdget_pos): costs of a multithreaded
	 * process, not of the SDK's per-call work. */
	if (threaded && pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	if ((rc = loop(ioctls, count / 10)) != 0)
		return rc;
	double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if ((rc = loop(ioctls, count)) != 0)
		return rc;
	double c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
	printf("%.1f %.1f\n", (w1 - w0) / count, (c1 - c0) / count);
	return 0;
}
