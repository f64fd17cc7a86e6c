// SPDX-License-Identifier: MIT
/*
 * Mhi_baseline: the C floor for decoding ring-buffer pages. Reads a trace.dat v6 (flyrecord, as
 * written by the SDK's TraceDatFile or trace-cmd), walks every CPU's sub-buffers (type_len 0..31,
 * time extends, absolute stamps, padding), merges CPUs by timestamp and formats a minimal line per
 * event ("[cpu] secs.usecs: id pid") into a buffer. No format parsing and no print fmt: a lower
 * bound for what a generic decoder (the SDK, trace-cmd report) does per event.
 *
 * usage: Mhi_baseline FILE [PASSES]   prints "events N passes P ns_per_event X"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cpu { const uint8_t *data; uint64_t size, off; const uint8_t *page; uint32_t len, pos; uint64_t ts; int has; uint64_t rts; const uint8_t *rec; };

static uint8_t *file;
static size_t file_size;
static size_t at;

static void need(size_t n) { if (at + n > file_size) { fprintf(stderr, "truncated\n"); exit(1); } }
static uint32_t u32(void) { uint32_t v; need(4); memcpy(&v, file + at, 4); at += 4; return v; }
static uint64_t u64(void) { uint64_t v; need(8); memcpy(&v, file + at, 8); at += 8; return v; }
static void skip(size_t n) { need(n); at += n; }
static void cstr(void) { while (at < file_size && file[at]) at++; skip(1); }

static int next_page(struct cpu *c)
{
	while (c->off + 4096 <= c->size) {
		const uint8_t *p = c->data + c->off;
		uint64_t commit;
		c->off += 4096;
		memcpy(&c->ts, p, 8);
		memcpy(&commit, p + 8, 8);
		c->len = (uint32_t)(commit & ((1u << 27) - 1));
		if (c->len > 4080)
			return 0;
		c->page = p + 16;
		c->pos = 0;
		return 1;
	}
	return 0;
}

static void advance(struct cpu *c)
{
	for (;;) {
		if (c->page == NULL || c->pos + 4 > c->len) {
			if (!next_page(c)) { c->has = 0; return; }
			continue;
		}
		uint32_t h, a0 = 0;
		memcpy(&h, c->page + c->pos, 4);
		uint32_t tl = h & 31, delta = h >> 5;
		if (c->pos + 8 <= c->len)
			memcpy(&a0, c->page + c->pos + 4, 4);
		switch (tl) {
		case 29:
			if (!delta) { c->pos = c->len; continue; }
			c->pos += 4 + a0;
			continue;
		case 30:
			c->ts += ((uint64_t)a0 << 27) + delta;
			c->pos += 8;
			continue;
		case 31:
			c->ts = ((uint64_t)a0 << 27) | delta;
			c->pos += 8;
			continue;
		case 0:
			c->ts += delta;
			c->rec = c->page + c->pos + 8;
			c->pos += 4 + a0;
			break;
		default:
			c->ts += delta;
			c->rec = c->page + c->pos + 4;
			c->pos += 4 + tl * 4;
			break;
		}
		c->rts = c->ts;
		c->has = 1;
		return;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: %s FILE [PASSES]\n", argv[0]); return 2; }
	int passes = argc > 2 ? atoi(argv[2]) : 5;
	FILE *f = fopen(argv[1], "rb");
	if (!f) { perror(argv[1]); return 1; }
	fseek(f, 0, SEEK_END);
	file_size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	file = malloc(file_size);
	if (fread(file, 1, file_size, f) != file_size) { perror("read"); return 1; }
	fclose(f);

	at = 10; cstr(); skip(2); u32();            /* magic, version, endian, long size, page size */
	skip(12); skip(u64());                      /* header_page */
	skip(13); skip(u64());                      /* header_event */
	for (uint32_t n = u32(); n; n--) skip(u64()); /* ftrace formats */
	for (uint32_t s = u32(); s; s--) { cstr(); for (uint32_t n = u32(); n; n--) skip(u64()); }
	skip(u32()); skip(u32()); skip(u64());      /* kallsyms, printk, cmdlines */
	uint32_t ncpu = u32();
	need(10);
	if (memcmp(file + at, "options  ", 9) == 0) {
		at += 10;
		for (;;) { uint16_t id; need(2); memcpy(&id, file + at, 2); at += 2; if (!id) break; skip(u32()); }
	}
	need(10);
	if (memcmp(file + at, "flyrecord", 9) != 0) { fprintf(stderr, "no flyrecord\n"); return 1; }
	at += 10;
	struct cpu *cpus = calloc(ncpu, sizeof(*cpus));
	for (uint32_t i = 0; i < ncpu; i++) {
		uint64_t off = u64(), size = u64();
		cpus[i].data = file + off;
		cpus[i].size = size;
	}

	char line[256];
	uint64_t events = 0, sink = 0;
	struct timespec t0, t1;
	double best = 1e300;
	for (int p = 0; p < passes; p++) {
		uint64_t n = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (uint32_t i = 0; i < ncpu; i++) { cpus[i].off = 0; cpus[i].page = NULL; advance(&cpus[i]); }
		for (;;) {
			struct cpu *b = NULL;
			for (uint32_t i = 0; i < ncpu; i++)
				if (cpus[i].has && (!b || cpus[i].rts < b->rts))
					b = &cpus[i];
			if (!b)
				break;
			uint16_t id; int32_t pid;
			memcpy(&id, b->rec, 2);
			memcpy(&pid, b->rec + 4, 4);
			uint64_t us = (b->rts + 500) / 1000;
			int len = snprintf(line, sizeof(line), "[%03d] %5llu.%06llu: %u %d", (int)(b - cpus),
					   (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000), id, pid);
			sink += (uint64_t)len;
			n++;
			advance(b);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
		if (ns < best)
			best = ns;
		events = n;
	}
	printf("events %llu passes %d ns_per_event %.1f sink %llu\n", (unsigned long long)events, passes,
	       events ? best / (double)events : 0.0, (unsigned long long)sink);
	return 0;
}
