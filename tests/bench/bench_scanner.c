/*
 * bench_scanner.c - command scanner throughput against memcpy bandwidth
 * over the same bytes: a realistic stream (fills, copies, stores, register
 * loads, interrupts, as a 2D driver emits them) and the worst case, a
 * stream of minimum-length commands.  The stream sits in a batch buffer in
 * graphics memory, reached from the ring, as a guest would submit it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RING_PAGES 1

/* Lay a realistic mix into out[0..n); returns dwords written. */
static u32 realistic_stream(u32 *out, u32 n, u32 surf, u32 pitch)
{
    u32 i = 0, k = 0;

    while (i + 24 < n) {
        u32 x = (k * 64) % 1024, y = (k * 16) % 512;

        out[i++] = RGPU_CMD(RGPU_OP_COLOR_FILL, 4);     /* 64x16 rectangle */
        out[i++] = surf + y * pitch + x * 4;
        out[i++] = RGPU_PITCH_BPP(pitch, RGPU_BPP_32);
        out[i++] = RGPU_SIZE(64, 16);
        out[i++] = 0xff000000 | k;
        out[i++] = RGPU_CMD(RGPU_OP_SRC_COPY, 5);       /* blit it one tile right */
        out[i++] = surf + y * pitch + ((x + 64) % 1024) * 4;
        out[i++] = RGPU_PITCH_BPP(pitch, RGPU_BPP_32);
        out[i++] = RGPU_SIZE(64, 16);
        out[i++] = surf + y * pitch + x * 4;
        out[i++] = pitch;
        out[i++] = RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2);
        out[i++] = RGPU_REG_SCRATCH(0);
        out[i++] = k;
        out[i++] = RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2);
        out[i++] = surf;
        out[i++] = k;
        out[i++] = RGPU_CMD(RGPU_OP_NOOP, 0);
        if (k % 8 == 7) {
            out[i++] = RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, 2);
            out[i++] = 0;
            out[i++] = k;
            out[i++] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
        }
        k++;
    }
    out[i++] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    return i;
}

static u32 worst_stream(u32 *out, u32 n)
{
    u32 i;

    for (i = 0; i + 1 < n; i++)
        out[i] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    out[i++] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    return i;
}

/* Seconds to scan the batch at gfx batch from the ring; *ncmds the
 * commands it found.  Not inlined: tests/bench/callgrind-scanner.sh dumps
 * callgrind's counts after each call. */
static __attribute__((noinline)) double scan_once(struct bench_vgpu *b, u32 ring, u32 batch,
                                                  u32 *ncmds)
{
    u32 *r = bench_gm(b, ring);
    struct vgpu_scan_result res;
    struct vgpu_workload *w;
    double t;

    r[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
    r[1] = batch;
    os_mutex_lock(b->v->lock);
    t = bench_now();
    w = vgpu_scan_ring(b->v, RGPU_ENGINE_RENDER, 0, 8, &res);
    t = bench_now() - t;
    os_mutex_unlock(b->v->lock);
    if (!w) {
        fprintf(stderr, "bench: scanner rejected the stream (error %u at 0x%x)\n", res.error,
                res.error_addr);
        exit(1);
    }
    vgpu_workload_free(w);
    *ncmds = res.ncmds;
    return t;
}

void bench_scanner(const struct bench_opts *o)
{
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p;
    struct bench_vgpu b;
    struct bench_metric *mr = bench_metric("scanner.realistic_vs_memcpy", "ratio", GOAL_MIN, 0.25);
    struct bench_metric *mw = bench_metric("scanner.worst_case_vs_memcpy", "ratio", GOAL_NONE, 0);
    struct bench_metric *mb = bench_metric("scanner.realistic_throughput", "MB/s", GOAL_NONE, 0);
    const u32 batch_bytes = 4u << 20, ndw = batch_bytes / 4;
    u32 ring, batch, surf, base, real_len, worst_len, real_cmds = 0, worst_cmds = 0;
    u32 *copy = malloc(batch_bytes);

    vgpu_parent_default_config(&cfg);
    cfg.manual = true;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (!copy || vgpu_parent_create(&cfg, &p) ||
        bench_vgpu_create(p, "refgpu-4", 0, 32u << 20, &b)) {
        fprintf(stderr, "bench: scanner set-up failed\n");
        exit(1);
    }
    base = (u32)b.gm_base;
    ring = base;
    surf = base + (1u << 20);                       /* 1024x512 XRGB, 4 KiB pitch */
    batch = base + (8u << 20);
    os_mutex_lock(b.v->lock);
    vgpu_vreg(b.v, RGPU_ENGINE_BASE(0) + RGPU_RING_START) = ring;
    vgpu_vreg(b.v, RGPU_ENGINE_BASE(0) + RGPU_RING_HWS) = ring + VGPU_PAGE_SIZE;
    vgpu_vreg(b.v, RGPU_ENGINE_BASE(0) + RGPU_RING_CTL) =
        RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(RING_PAGES);
    os_mutex_unlock(b.v->lock);
    /* Stay under the 1 Mi-dword fetch limit per submission (docs/hw-spec.md). */
    real_len = realistic_stream(bench_gm(&b, batch), ndw - ndw / 8, surf, 4096);
    for (int rep = -1; rep < o->reps; rep++) {
        double ts = scan_once(&b, ring, batch, &real_cmds), tm;

        tm = bench_now();
        memcpy(copy, bench_gm(&b, batch), (size_t)real_len * 4);
        tm = bench_now() - tm;
        bench_clobber(copy);
        if (rep >= 0) {
            bench_add(mr, tm / ts);
            bench_add(mb, (double)real_len * 4 / ts / 1e6);
        }
    }
    worst_len = worst_stream(bench_gm(&b, batch), ndw / 4);
    for (int rep = -1; rep < o->reps; rep++) {
        double ts = scan_once(&b, ring, batch, &worst_cmds), tm;

        tm = bench_now();
        memcpy(copy, bench_gm(&b, batch), (size_t)worst_len * 4);
        tm = bench_now() - tm;
        bench_clobber(copy);
        if (rep >= 0)
            bench_add(mw, tm / ts);
    }
    /* The batches' sizes, for instructions per dword (callgrind-scanner.sh);
     * the ring's BATCH_START, one command more, is left out. */
    fprintf(stderr, "bench: scanner: realistic %u dwords %u commands; worst case %u dwords "
            "%u commands\n", real_len, real_cmds - 1, worst_len, worst_cmds - 1);
    bench_vgpu_destroy(&b);
    vgpu_parent_destroy(p);
    free(copy);
}
