/* The C side of the "wake" benchmark: cross-thread wake-up latency through an eventfd, the shape of
 * every interrupt wait (UIO INTx/MSI-X, rpmsg, V4L2 DQBUF): a waiter thread blocked in read(2) on a
 * blocking eventfd, a raiser thread that stamps the time and writes it. The latency is from the
 * raiser's stamp to the waiter's first instruction after read returns. Prints the median and p99
 * in ns over COUNT wake-ups: "<median> <p99>". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int efd;
static long count;
static int64_t *lat;
static _Atomic int64_t stamp;
static atomic_int ready;

static void *waiter(void *arg)
{
	(void)arg;
	uint64_t v;
	for (long i = 0; i < count; i++) {
		atomic_store(&ready, 1);
		if (read(efd, &v, 8) != 8)
			exit(2);
		lat[i] = now_ns() - atomic_load(&stamp);
	}
	return NULL;
}

static void spin_ns(int64_t ns)
{
	int64_t end = now_ns() + ns;
	while (now_ns() < end)
		;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	count = argc > 1 ? atol(argv[1]) : 20000;
	lat = calloc(count, sizeof *lat);
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || !lat)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	uint64_t one = 1;
	for (long i = 0; i < count; i++) {
		while (!atomic_load(&ready))
			;
		atomic_store(&ready, 0);
		spin_ns(50000); /* let the waiter block: the same pause as the SDK side */
		atomic_store(&stamp, now_ns());
		if (write(efd, &one, 8) != 8)
			return 3;
	}
	pthread_join(t, NULL);
	qsort(lat, count, sizeof *lat, cmp);
	printf("%lld %lld\n", (long long)lat[count / 2], (long long)lat[count * 99 / 100]);
	return 0;
}
