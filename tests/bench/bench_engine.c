/*
 * bench_engine.c - the software engine against the memory limits: fill
 * bandwidth / memset bandwidth and copy bandwidth / memcpy bandwidth on
 * buffers of the same size, measured alternately in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_drive.h"

static void no_lri(struct vgpu_workload *w, u32 r, u32 v) { (void)w; (void)r; (void)v; }
static void no_irq(struct vgpu_workload *w) { (void)w; }
static void no_hws(struct vgpu_workload *w, u32 o, u32 v) { (void)w; (void)o; (void)v; }
static const struct vgpu_workload_ops bench_wl_ops = { no_lri, no_irq, no_hws };

static void done_cb(void *ctx, const struct pgpu_exec_result *res)
{
    *(struct pgpu_exec_result *)ctx = *res;
}

/* Run dwords on the engine directly ("native": no vGPU in between). */
double bench_native_run(struct vgpu_parent *p, struct bench_vgpu *b, u32 *dwords, u32 n)
{
    struct vgpu_workload w = { 0 };
    struct pgpu_exec_result res;
    double t0;

    w.dwords = dwords;
    w.len = n;
    w.gm_lo = b->gm_base;
    w.gm_hi = b->gm_base + vgpu_gm_size(b->v);
    w.ops = &bench_wl_ops;
    t0 = bench_now();
    p->pgpu->ops->submit(p->pgpu, RGPU_ENGINE_RENDER, &w, ~0ull >> 2, done_cb, &res);
    t0 = bench_now() - t0;
    if (res.status != PGPU_EXEC_DONE) {
        fprintf(stderr, "bench: native workload failed (status %d error %u)\n", res.status,
                res.error);
        exit(1);
    }
    return t0;
}

void bench_engine(const struct bench_opts *o)
{
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p;
    struct bench_vgpu b;
    size_t bytes = (size_t)(32u << 20);
    u32 width = 4096, height = (u32)(bytes / (width * 4)), fill[5], copy[6];
    struct bench_metric *mf = bench_metric("engine.fill_vs_memset", "ratio", GOAL_MIN, 0.5);
    struct bench_metric *mc = bench_metric("engine.copy_vs_memcpy", "ratio", GOAL_MIN, 0.5);
    struct bench_metric *bwf = bench_metric("engine.fill_bandwidth", "GB/s", GOAL_NONE, 0);
    struct bench_metric *bwm = bench_metric("engine.memset_bandwidth", "GB/s", GOAL_NONE, 0);
    u8 *ref = malloc(2 * bytes);

    vgpu_parent_default_config(&cfg);
    cfg.manual = true;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (!ref || vgpu_parent_create(&cfg, &p) ||
        bench_vgpu_create(p, "refgpu-1", 0, 2 * bytes, &b)) {
        fprintf(stderr, "bench: engine set-up failed\n");
        exit(1);
    }
    memset(ref, 1, 2 * bytes);                      /* fault the pages in */
    fill[0] = RGPU_CMD(RGPU_OP_COLOR_FILL, 4);
    fill[1] = (u32)b.gm_base;
    fill[2] = (width * 4) | RGPU_BPP_32 << 16;
    fill[3] = width | height << 16;
    fill[4] = 0x00336699;
    /* Copy half the buffer onto the other half: same bytes moved as memcpy below. */
    copy[0] = RGPU_CMD(RGPU_OP_SRC_COPY, 5);
    copy[1] = (u32)(b.gm_base + bytes);
    copy[2] = (width * 4) | RGPU_BPP_32 << 16;
    copy[3] = width | height << 16;
    copy[4] = (u32)b.gm_base;
    copy[5] = width * 4;

    for (int rep = -1; rep < o->reps; rep++) {      /* rep -1: warm-up */
        double te = bench_native_run(p, &b, fill, 5), tm, tc, tmc;

        tm = bench_now();
        memset(ref, rep & 0xff, bytes);
        tm = bench_now() - tm;
        bench_clobber(ref);
        tc = bench_native_run(p, &b, copy, 6);
        tmc = bench_now();
        memcpy(ref + bytes, ref, bytes);
        tmc = bench_now() - tmc;
        bench_clobber(ref);
        if (rep < 0)
            continue;
        bench_add(mf, tm / te);
        bench_add(mc, tmc / tc);
        bench_add(bwf, (double)bytes / te / 1e9);
        bench_add(bwm, (double)bytes / tm / 1e9);
    }
    /* The engine must have produced the bytes, not just spent the time. */
    if (*(u32 *)bench_gm(&b, b.gm_base + bytes - 4) != 0x00336699 ||
        *(u32 *)bench_gm(&b, b.gm_base + 2 * bytes - 4) != 0x00336699) {
        fprintf(stderr, "bench: engine output wrong\n");
        exit(1);
    }
    bench_vgpu_destroy(&b);
    vgpu_parent_destroy(p);
    free(ref);
}
