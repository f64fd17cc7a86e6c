/* The C side of the "tcgcost" microcost harness: what one operation of each kind costs, so the
 * same table taken on the host CPU and in the TCG-emulated lab guest shows which instruction kinds
 * emulation makes disproportionately expensive. The C# side (bench/LinuxDevices.Bench/
 * TcgCostHarness.cs) runs the same loops; this program does one round of every operation.
 *
 * usage: tcgcost_baseline COUNT
 * Per operation: COUNT/10 iterations first, not counted (warm caches and TCG's translation cache),
 * then COUNT timed ones. Prints one line per operation, "<op> <thread CPU ns per iteration>"
 * (CLOCK_THREAD_CPUTIME_ID: leaves out time the thread was not running).
 *
 * Every loop carries its iteration (acc += i, kept in a register by an empty asm so the compiler
 * cannot fold or vectorise the loop); "loop" is that alone, the others add one operation:
 *   loop       nothing more
 *   call       a direct call of a function that is not inlined (call + ret)
 *   indirect   a call through a function pointer loaded from memory each iteration
 *   tls        a call of a function that reads a thread-local variable (__thread, local-exec)
 *   cas        one lock cmpxchg (x86_64) / ldaxr-stlxr or cas (arm64) on a shared variable
 *   fence      a full memory barrier (__atomic_thread_fence seq_cst: mfence / dmb ish)
 *   pinvoke    the C form of the SDK's P/Invoke: an indirect call into libc's labs (no syscall)
 *   safehandle two compare-and-swaps: what SafeHandle's DangerousAddRef + DangerousRelease do */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP(x) __asm__ volatile("" : "+r"(x))

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static __thread long tls_value = 1;
static long shared;

__attribute__((noipa)) static long ident(long x)
{
	return x + 1;
}

__attribute__((noipa)) static long read_tls(long x)
{
	return x + tls_value;
}

static long (*volatile fn)(long) = ident;
static long (*volatile libc_labs)(long) = labs;

static long run(const char *op, long n)
{
	long acc = 0;
	shared = strcmp(op, "safehandle") == 0 ? 4 : 0; /* so every compare-and-swap succeeds */
	if (strcmp(op, "loop") == 0) {
		for (long i = 0; i < n; i++) {
			acc += i;
			KEEP(acc);
		}
	} else if (strcmp(op, "call") == 0) {
		for (long i = 0; i < n; i++) {
			acc += ident(i);
			KEEP(acc);
		}
	} else if (strcmp(op, "indirect") == 0) {
		for (long i = 0; i < n; i++) {
			acc += fn(i);
			KEEP(acc);
		}
	} else if (strcmp(op, "tls") == 0) {
		for (long i = 0; i < n; i++) {
			acc += read_tls(i);
			KEEP(acc);
		}
	} else if (strcmp(op, "cas") == 0) {
		for (long i = 0; i < n; i++) {
			long expected = i;
			__atomic_compare_exchange_n(&shared, &expected, i + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			acc += expected;
			KEEP(acc);
		}
	} else if (strcmp(op, "fence") == 0) {
		for (long i = 0; i < n; i++) {
			acc += i;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			KEEP(acc);
		}
	} else if (strcmp(op, "pinvoke") == 0) {
		for (long i = 0; i < n; i++) {
			acc += libc_labs(i);
			KEEP(acc);
		}
	} else if (strcmp(op, "safehandle") == 0) {
		for (long i = 0; i < n; i++) {
			long expected = 4, one = 12; /* AddRef: 4 -> 12; Release: 12 -> 4 (SafeHandle's ref count step is 8) */
			__atomic_compare_exchange_n(&shared, &expected, expected + 8, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			__atomic_compare_exchange_n(&shared, &one, one - 8, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			acc += i;
			KEEP(acc);
		}
	} else {
		fprintf(stderr, "tcgcost_baseline: unknown op %s\n", op);
		exit(2);
	}
	return acc;
}

int main(int argc, char **argv)
{
	static const char *const ops[] = { "loop", "call", "indirect", "tls", "cas", "fence", "pinvoke", "safehandle" };
	long count = argc > 1 ? atol(argv[1]) : 10000000;
	long sink = 0;
	if (count <= 0)
		return 1;
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		sink += run(ops[k], count / 10);
		double c0 = cpu_ns();
		sink += run(ops[k], count);
		double c1 = cpu_ns();
		printf("%s %.3f\n", ops[k], (c1 - c0) / count);
	}
	return sink == 42 ? 3 : 0; /* uses the results */
}
