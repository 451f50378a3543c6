/*
 * bench_mediated.c - mediated / native throughput.
 *
 * The same job (a fill, a copy of half its size, a store) runs (a) directly
 * on the software engine, no vGPU in between, and (b) through a vGPU: the
 * commands sit in a batch in guest memory, the ring points at it, and the
 * tail write traps into the region API, which scans and shadows the
 * submission and queues it to the scheduler thread that runs the engine.
 * Jobs are pipelined as a driver would submit them.  Sizes are calibrated
 * so one native job takes about 0.1, 1 and 10 ms.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "bench_drive.h"

#define WIDTH 1024u                         /* pixels; 4 KiB per row */
#define PITCH (WIDTH * 4)

static u32 build_job(u32 *out, u32 base, u32 rows)
{
    u32 n = 0;

    n += bench_fill_cmd(out + n, base, PITCH, WIDTH, rows, 0x00abcdef);
    n += bench_copy_cmd(out + n, base + rows * PITCH, base, PITCH, WIDTH, rows / 2 ? rows / 2 : 1);
    out[n++] = RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2);
    out[n++] = base + 2 * rows * PITCH;
    out[n++] = rows;
    return n;
}

void bench_mediated(const struct bench_opts *o)
{
    static const struct { const char *name; double ms; } sizes[] = {
        { "mediated_vs_native.0.1ms", 0.1 },
        { "mediated_vs_native.1ms", 1 },
        { "mediated_vs_native.10ms", 10 },
    };
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p;
    struct bench_vgpu b;
    struct bench_ring ring;
    u32 base, batch, job[24], ringcmd[6], n, rows_probe = 64;
    double per_row;

    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (vgpu_parent_create(&cfg, &p) || bench_vgpu_create(p, "refgpu-1", 0, 192u << 20, &b)) {
        fprintf(stderr, "bench: mediated set-up failed\n");
        exit(1);
    }
    bench_ring_init(&ring, &b, RGPU_ENGINE_RENDER, (u32)b.gm_base, 16);
    batch = (u32)b.gm_base + 17 * VGPU_PAGE_SIZE;
    base = (u32)b.gm_base + (1u << 20);

    /* Calibrate on the native path. */
    n = build_job(job, base, rows_probe);
    bench_native_run(p, &b, job, n);
    per_row = 1e9;
    for (int i = 0; i < 5; i++) {
        double t = bench_native_run(p, &b, job, n) / rows_probe;
        per_row = t < per_row ? t : per_row;
    }

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct bench_metric *m = bench_metric(sizes[s].name, "ratio",
                                              sizes[s].ms >= 1 ? GOAL_MIN : GOAL_NONE, 0.97);
        u32 rows = (u32)(sizes[s].ms * 1e-3 / per_row);
        u32 jobs;

        rows = rows < 2 ? 2 : rows > 16384 ? 16384 : rows;      /* 2.. 64 MiB fills */
        n = build_job(job, base, rows);
        jobs = (u32)(0.25 * o->scale / (per_row * rows)) + 4;
        for (u32 i = 0; i < n; i++)
            ((u32 *)bench_gm(&b, batch))[i] = job[i];
        ((u32 *)bench_gm(&b, batch))[n] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
        ringcmd[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
        ringcmd[1] = batch;

        for (int rep = -1; rep < o->reps; rep++) {
            double tn = 0, tm;

            for (u32 j = 0; j < jobs; j++)
                tn += bench_native_run(p, &b, job, n);
            tm = bench_now();
            for (u32 j = 0; j < jobs; j++) {
                if (bench_ring_submit(&ring, ringcmd, 2)) {
                    fprintf(stderr, "bench: mediated submission refused\n");
                    exit(1);
                }
            }
            if (bench_ring_wait(&ring, 60)) {
                fprintf(stderr, "bench: mediated jobs did not complete\n");
                exit(1);
            }
            tm = bench_now() - tm;
            if (rep >= 0)
                bench_add(m, tn / tm);
        }
    }
    bench_vgpu_destroy(&b);
    vgpu_parent_destroy(p);
}
