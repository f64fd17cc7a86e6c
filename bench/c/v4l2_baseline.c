// SPDX-License-Identifier: MIT
// C baseline for the V4L2 benchmark: the same MMAP capture loop as the SDK's synchronous path
// (poll, VIDIOC_DQBUF, touch the frame, VIDIOC_QBUF) on the same node and format, in the same boot.
// usage: v4l2_baseline DEVICE FRAMES WIDTH HEIGHT FPS [cpu]
// (cpu: also read the thread CPU clock around each DQBUF+QBUF, two more syscalls per frame, so
// only in a run of its own that no CPU-per-frame figure uses)
// prints: frames=N wall_ns=T cpu_ns=C ioctl_ns=I ioctl_p25_ns= ioctl_p50_ns= ioctl_p90_ns= (per-frame DQBUF+QBUF wall
// percentiles) ioctl_cpu_ns= (DQBUF+QBUF on the thread CPU clock) fps=F dropped=D checksum=S
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/videodev2.h>

#define NBUF 4

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s DEVICE FRAMES WIDTH HEIGHT FPS\n", argv[0]);
        return 2;
    }
    const char *dev = argv[1];
    int frames = atoi(argv[2]);
    int fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die("open");

    struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    fmt.fmt.pix.width = atoi(argv[3]);
    fmt.fmt.pix.height = atoi(argv[4]);
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0)
        die("VIDIOC_S_FMT");
    struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    parm.parm.capture.timeperframe.numerator = 1;
    parm.parm.capture.timeperframe.denominator = atoi(argv[5]);
    if (xioctl(fd, VIDIOC_S_PARM, &parm) < 0)
        die("VIDIOC_S_PARM");

    struct v4l2_requestbuffers req = { .count = NBUF, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
    if (xioctl(fd, VIDIOC_REQBUFS, &req) < 0)
        die("VIDIOC_REQBUFS");
    void *maps[NBUF];
    size_t lens[NBUF];
    for (unsigned i = 0; i < req.count; i++) {
        struct v4l2_buffer b = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
        if (xioctl(fd, VIDIOC_QUERYBUF, &b) < 0)
            die("VIDIOC_QUERYBUF");
        lens[i] = b.length;
        maps[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, b.m.offset);
        if (maps[i] == MAP_FAILED)
            die("mmap");
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
            die("VIDIOC_QBUF");
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_STREAMON, &type) < 0)
        die("VIDIOC_STREAMON");

    int cpu_split = argc > 6 && strcmp(argv[6], "cpu") == 0;
    int64_t wall0 = 0, cpu0 = 0, ioctl_ns = 0, ioctl_cpu_ns = 0;
    int64_t *samples = calloc(frames, sizeof *samples);
    if (!samples)
        die("calloc");
    uint32_t first_seq = 0, last_seq = 0;
    uint64_t checksum = 0;
    const int warmup = 10;
    for (int n = 0; n < frames + warmup; n++) {
        if (n == warmup) {
            wall0 = now_ns(CLOCK_MONOTONIC);
            cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
            ioctl_ns = 0;
            ioctl_cpu_ns = 0;
        }
        struct v4l2_buffer b;
        int64_t t0, c0;
        for (;;) {
            memset(&b, 0, sizeof b);
            b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            b.memory = V4L2_MEMORY_MMAP;
            c0 = cpu_split ? now_ns(CLOCK_THREAD_CPUTIME_ID) : 0;
            t0 = now_ns(CLOCK_MONOTONIC);
            if (xioctl(fd, VIDIOC_DQBUF, &b) == 0)
                break;
            if (errno != EAGAIN)
                die("VIDIOC_DQBUF");
            struct pollfd p = { .fd = fd, .events = POLLIN };
            if (poll(&p, 1, 10000) <= 0)
                die("poll");
        }
        checksum += ((unsigned char *)maps[b.index])[n % lens[b.index]];
        if (n == warmup)
            first_seq = b.sequence;
        last_seq = b.sequence;
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
            die("VIDIOC_QBUF");
        int64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
        if (cpu_split)
            ioctl_cpu_ns += now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
        ioctl_ns += dt;
        if (n >= warmup)
            samples[n - warmup] = dt;
    }
    qsort(samples, frames, sizeof *samples, cmp64);
    int64_t wall = now_ns(CLOCK_MONOTONIC) - wall0;
    int64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    xioctl(fd, VIDIOC_STREAMOFF, &type);
    for (unsigned i = 0; i < req.count; i++)
        munmap(maps[i], lens[i]);
    close(fd);
    printf("frames=%d wall_ns=%lld cpu_ns=%lld ioctl_ns=%lld ioctl_p25_ns=%lld ioctl_p50_ns=%lld ioctl_p90_ns=%lld ioctl_cpu_ns=%lld fps=%.2f dropped=%u checksum=%llu\n", frames,
           (long long)wall, (long long)cpu, (long long)ioctl_ns, (long long)samples[frames / 4], (long long)samples[frames / 2],
           (long long)samples[frames * 9 / 10], (long long)ioctl_cpu_ns, frames * 1e9 / wall,
           last_seq - first_seq + 1 - frames, (unsigned long long)checksum);
    return 0;
}
