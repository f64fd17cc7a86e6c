// SPDX-License-Identifier: MIT
// C baseline for the UIO benchmark (bench/LinuxDevices.Bench/UioHarness.cs): the same hot loops as the
// SDK, written directly against the kernel interfaces.
//
//   uio_baseline intx /dev/uioN /sys/class/uio/uioN/device/config ITERATIONS
//       edu on uio_pci_generic: raise (BAR0+0x60), blocking read() of the 4-byte count, ack
//       (BAR0+0x64), re-arm INTx by clearing PCI_COMMAND_INTX_DISABLE through config space.
//   uio_baseline msix /dev/uioN /dev/uioN-msi ITERATIONS
//       e1000e on uio_msi: vector 0 bound to an eventfd (UIO_MSI_IRQ_SET), raise through IMS/ICS,
//       blocking read() of the eventfd. A 1 ms sleep precedes each raise: QEMU 7.2's e1000e
//       throttles a vector for ~128 us after each delivery (EITR cannot be set below 500 x 256 ns),
//       a raise inside that window is postponed, and once one was postponed the vector fires twice
//       for later raises. The sleep lets the guest idle so the throttling timer expires in time.
//       Prints events= (the eventfd total: equal to ITERATIONS when no duplicate was delivered).
//   uio_baseline intx-epoll|msix-epoll ...
//       The same loops as a C event loop writes them, the reference for the SDK's async waits: the
//       descriptor (non-blocking) registered once with EPOLLIN|EPOLLET, then per interrupt raise,
//       epoll_wait, read (a wake-up that finds nothing, EAGAIN, waits again).
// Prints: latency_median_ns=… latency_p99_ns=… cycle_ns=… (cycle = one full raise-wait-ack-rearm).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "../../tests/lab/modules/uio_msi/uio_msi.h"


static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "uio_baseline: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void report(uint64_t *lat, int n, uint64_t total)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
    printf("latency_median_ns=%llu latency_p99_ns=%llu cycle_ns=%.1f ",
           (unsigned long long)lat[n / 2], (unsigned long long)lat[(n * 99) / 100], (double)total / n);
}

static void rearm(int cfg)
{
    uint8_t b;
    if (pread(cfg, &b, 1, 5) != 1)
        die("pread config");
    if (b & 0x04) {
        b &= (uint8_t)~0x04;
        if (pwrite(cfg, &b, 1, 5) != 1)
            die("pwrite config");
    }
}

/* One edge-triggered epoll registration; returns the epoll descriptor, or -1 for a blocking loop. */
static int watch(int fd, int use_epoll)
{
    if (!use_epoll)
        return -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll");
    return ep;
}

/* read(2) of size bytes: blocking, or epoll_wait then a non-blocking read until one succeeds. */
static void wait_read(int ep, int fd, void *buf, size_t size)
{
    for (;;) {
        if (ep >= 0) {
            struct epoll_event ev;
            if (epoll_wait(ep, &ev, 1, -1) < 0) {
                if (errno == EINTR)
                    continue;
                die("epoll_wait");
            }
        }
        ssize_t r = read(fd, buf, size);
        if (r == (ssize_t)size)
            return;
        if (r < 0 && errno == EAGAIN && ep >= 0)
            continue;
        die("read");
    }
}

static int intx(const char *dev, const char *config, int n, int use_epoll)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC | (use_epoll ? O_NONBLOCK : 0)), cfg = open(config, O_RDWR | O_CLOEXEC);
    if (fd < 0 || cfg < 0)
        die("open");
    volatile uint32_t *bar = mmap(NULL, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED)
        die("mmap");
    uint64_t *lat = calloc((size_t)n, sizeof(*lat));
    bar[0x64 / 4] = bar[0x24 / 4];
    rearm(cfg);
    int ep = watch(fd, use_epoll);
    uint64_t start = now_ns();
    for (int i = 0; i < n; i++) {
        int32_t count;
        uint64_t t0 = now_ns();
        bar[0x60 / 4] = 1;
        wait_read(ep, fd, &count, 4);
        lat[i] = now_ns() - t0;
        bar[0x64 / 4] = bar[0x24 / 4];
        rearm(cfg);
    }
    report(lat, n, now_ns() - start);
    printf("events=%d\n", n);
    return 0;
}

static int msix(const char *dev, const char *ctl, int n, int use_epoll)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC), c = open(ctl, O_RDWR | O_CLOEXEC);
    int efd = eventfd(0, EFD_CLOEXEC | (use_epoll ? EFD_NONBLOCK : 0));
    if (fd < 0 || c < 0 || efd < 0)
        die("open");
    volatile uint32_t *bar = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED)
        die("mmap");
    struct uio_msi_irq_set set = { .vec = 0, .fd = efd };
    if (ioctl(c, UIO_MSI_IRQ_SET, &set) < 0)
        die("UIO_MSI_IRQ_SET");
    bar[0xd8 / 4] = 0xffffffff;                 /* IMC */
    bar[0xe4 / 4] = 0x000cba98;                 /* IVAR: cause i -> vector i */
    bar[0xdc / 4] = 0x01f00000;                 /* EIAC */
    for (int e = 0; e < 5; e++)
        bar[0xe8 / 4 + e] = 0;                  /* EITR: no throttling */
    bar[0x18 / 4] = bar[0x18 / 4] | 0x08000000; /* CTRL_EXT.IAME */
    (void)bar[0xc0 / 4];                        /* ICR */
    uint64_t *lat = calloc((size_t)n, sizeof(*lat));
    int ep = watch(efd, use_epoll);
    uint64_t start = now_ns(), events = 0;
    const struct timespec pause = { 0, 1000000 };
    for (int i = 0; i < n; i++) {
        uint64_t v;
        nanosleep(&pause, NULL); /* let the throttling timer of the previous delivery expire */
        uint64_t t0 = now_ns();
        bar[0xd0 / 4] = 0x00100000; /* IMS RxQ0 */
        bar[0xc8 / 4] = 0x00100000; /* ICS RxQ0 */
        wait_read(ep, efd, &v, 8);
        lat[i] = now_ns() - t0;
        events += v;
    }
    report(lat, n, now_ns() - start);
    printf("events=%llu\n", (unsigned long long)events);
    set.fd = -1;
    ioctl(c, UIO_MSI_IRQ_SET, &set);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: uio_baseline intx|msix|intx-epoll|msix-epoll DEVICE CONFIG|CONTROL ITERATIONS\n");
        return 2;
    }
    int n = atoi(argv[4]);
    if (n < 1)
        return 2;
    int use_epoll = strstr(argv[1], "-epoll") != NULL;
    return strncmp(argv[1], "intx", 4) == 0 ? intx(argv[2], argv[3], n, use_epoll) : msix(argv[2], argv[3], n, use_epoll);
}
