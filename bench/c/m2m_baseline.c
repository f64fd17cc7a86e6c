// SPDX-License-Identifier: MIT
// C baseline for the memory-to-memory benchmark: the same sequential job loop as the SDK's (queue one
// OUTPUT buffer, poll, DQBUF the CAPTURE result, touch it, QBUF it back, DQBUF the consumed OUTPUT
// buffer) on vim2m, RGB24 -> BGR24, MMAP buffers on both sides, in the same boot.
// usage: m2m_baseline DEVICE FRAMES WIDTH HEIGHT
// prints: frames=N wall_ns=T cpu_ns=C fps=F checksum=S
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

#define NBUF 2
#define WARMUP 10
#define TRANS_TIME_CID (V4L2_CID_USER_BASE + 0x1000) /* vim2m's transaction time (ms) */

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

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void set_fmt(int fd, enum v4l2_buf_type type, uint32_t fourcc, unsigned w, unsigned h, unsigned *size)
{
    struct v4l2_format f = {.type = type};
    f.fmt.pix.width = w;
    f.fmt.pix.height = h;
    f.fmt.pix.pixelformat = fourcc;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(fd, VIDIOC_S_FMT, &f) < 0)
        die("VIDIOC_S_FMT");
    *size = f.fmt.pix.sizeimage;
}

static void alloc_map(int fd, enum v4l2_buf_type type, unsigned char **maps)
{
    struct v4l2_requestbuffers r = {.count = NBUF, .type = type, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(fd, VIDIOC_REQBUFS, &r) < 0 || r.count != NBUF)
        die("VIDIOC_REQBUFS");
    for (unsigned i = 0; i < NBUF; i++) {
        struct v4l2_buffer b = {.index = i, .type = type, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(fd, VIDIOC_QUERYBUF, &b) < 0)
            die("VIDIOC_QUERYBUF");
        maps[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, b.m.offset);
        if (maps[i] == MAP_FAILED)
            die("mmap");
    }
}

static int dq(int fd, enum v4l2_buf_type type, short events, struct v4l2_buffer *b)
{
    for (;;) {
        memset(b, 0, sizeof(*b));
        b->type = type;
        b->memory = V4L2_MEMORY_MMAP;
        if (xioctl(fd, VIDIOC_DQBUF, b) == 0)
            return 0;
        if (errno != EAGAIN)
            die("VIDIOC_DQBUF");
        struct pollfd p = {.fd = fd, .events = events};
        if (poll(&p, 1, 10000) <= 0)
            die("poll");
    }
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s DEVICE FRAMES WIDTH HEIGHT\n", argv[0]);
        return 2;
    }
    int frames = atoi(argv[2]);
    unsigned w = (unsigned)atoi(argv[3]), h = (unsigned)atoi(argv[4]);
    int fd = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die("open");
    unsigned out_size, cap_size;
    set_fmt(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_PIX_FMT_RGB24, w, h, &out_size);
    set_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_PIX_FMT_BGR24, w, h, &cap_size);
    struct v4l2_control c = {.id = TRANS_TIME_CID, .value = 1};
    if (xioctl(fd, VIDIOC_S_CTRL, &c) < 0)
        die("VIDIOC_S_CTRL transaction time");
    unsigned char *out[NBUF], *cap[NBUF];
    alloc_map(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, out);
    alloc_map(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, cap);
    for (unsigned i = 0; i < NBUF; i++) {
        struct v4l2_buffer b = {.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
            die("VIDIOC_QBUF capture");
    }
    int t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_STREAMON, &t) < 0)
        die("VIDIOC_STREAMON capture");
    t = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    if (xioctl(fd, VIDIOC_STREAMON, &t) < 0)
        die("VIDIOC_STREAMON output");

    int64_t wall0 = 0, cpu0 = 0;
    long checksum = 0;
    for (int n = 0; n < frames + WARMUP; n++) {
        if (n == WARMUP) {
            wall0 = now_ns(CLOCK_MONOTONIC);
            cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        }
        struct v4l2_buffer b = {.index = (unsigned)(n % NBUF), .type = V4L2_BUF_TYPE_VIDEO_OUTPUT, .memory = V4L2_MEMORY_MMAP, .bytesused = out_size};
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
            die("VIDIOC_QBUF output");
        dq(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, POLLIN, &b);
        checksum += cap[b.index][n % cap_size];
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
            die("VIDIOC_QBUF capture");
        dq(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, POLLOUT, &b);
    }
    int64_t wall = now_ns(CLOCK_MONOTONIC) - wall0;
    int64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    (void)out;
    printf("frames=%d wall_ns=%lld cpu_ns=%lld fps=%.3f checksum=%ld\n", frames, (long long)wall, (long long)cpu, frames * 1e9 / (double)wall, checksum);
    close(fd);
    return 0;
}
