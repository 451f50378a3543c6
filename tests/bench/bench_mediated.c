/*
 * bench_mediated.c - mediated / native throughput.
 *
 * The same job (a fill, a copy of half its size, a store) runs (a) directly
 * on the software engine, no vGPU in between, and (b) through a vGPU: the
 * commands sit in a batch in guest memory, the ring points at it, and the
 * tail write traps into the region API, which scans and shadows the
 * submission and queues it to the scheduler thread that runs the engine.
 * Jobs are pipelined as a driver would submit them; the last one of a
 * block carries a breadcrumb (seqno + USER interrupt) and the submitter
 * sleeps until the interrupt, as a driver waits for a fence.  Sizes are
 * calibrated so one native job takes about 0.1, 1 and 10 ms.
 *
 * The machine is shared, so the two paths are measured in short blocks
 * (~30 ms of jobs each), interleaved native / mediated / mediated / native
 * ..., and each figure is the median of the per-pair ratios with a
 * distribution-free 95 % interval; the goal is judged on the interval's
 * lower bound.  A load burst that lands on one half of a pair moves that
 * pair only: it widens the interval instead of moving the verdict.
 *
 * Under callgrind (tests/bench/callgrind-mediated.sh, run by make bench),
 * one block of each path per size is bracketed by client requests so the
 * instructions executed per job, in every thread, can be compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "bench.h"
#include "bench_drive.h"

#define WIDTH 1024u                         /* pixels; 4 KiB per row */
#define PITCH (WIDTH * 4)
#define BLOCK_S 0.03                        /* one block of jobs per path */
#define PAIRS 96                            /* block pairs per size at --scale 1 */
#define MEM_BYTES (192u << 20)
/* The job touches 1 MiB + 2 * rows * PITCH of it. */
#define MAX_ROWS ((MEM_BYTES - (2u << 20)) / (2 * PITCH))

struct med {
    struct vgpu_parent *p;
    struct bench_vgpu b;
    struct bench_ring ring;
    u32 job[24], n;                         /* the job, for the native path */
    u32 batch;                              /* the same job in guest memory */
    u32 rows, check;                        /* STORE_DATA_IMM writes rows at check */
};

static u32 build_job(u32 *out, u32 base, u32 rows, u32 *check)
{
    u32 n = 0;

    n += bench_fill_cmd(out + n, base, PITCH, WIDTH, rows, 0x00abcdef);
    n += bench_copy_cmd(out + n, base + rows * PITCH, base, PITCH, WIDTH, rows / 2 ? rows / 2 : 1);
    *check = base + 2 * rows * PITCH;
    out[n++] = RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2);
    out[n++] = *check;
    out[n++] = rows;
    return n;
}

static void set_job(struct med *m, u32 rows)
{
    u32 *batch = bench_gm(&m->b, m->batch);

    m->rows = rows;
    m->n = build_job(m->job, (u32)m->b.gm_base + (1u << 20), rows, &m->check);
    memcpy(batch, m->job, m->n * 4);
    batch[m->n] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
}

/* The block's last store landed: the work was done, not skipped. */
static void check_done(struct med *m, const char *path)
{
    volatile u32 *store = bench_gm(&m->b, m->check);

    if (*store != m->rows) {
        fprintf(stderr, "bench: %s jobs did not write their result\n", path);
        exit(1);
    }
    *store = 0;
}

/* Not inlined: callgrind and profilers attribute each path by name. */
static __attribute__((noinline)) double native_block(struct med *m, u32 jobs)
{
    double t = bench_now();

    for (u32 j = 0; j < jobs; j++)
        bench_native_run(m->p, &m->b, m->job, m->n);
    t = bench_now() - t;
    check_done(m, "native");
    return t;
}

static __attribute__((noinline)) double mediated_block(struct med *m, u32 jobs)
{
    u32 cmd[8], n, seqno = 0;
    double t = bench_now();

    for (u32 j = 0; j < jobs; j++) {
        n = 0;
        cmd[n++] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
        cmd[n++] = m->batch;
        if (j + 1 == jobs)
            n += bench_ring_breadcrumb(&m->ring, cmd + n, &seqno);
        if (bench_ring_submit(&m->ring, cmd, n)) {
            fprintf(stderr, "bench: mediated submission refused\n");
            exit(1);
        }
    }
    if (bench_ring_wait_seqno(&m->ring, seqno, 60)) {
        fprintf(stderr, "bench: mediated jobs did not complete\n");
        exit(1);
    }
    t = bench_now() - t;
    check_done(m, "mediated");
    return t;
}

/* A dump resets every thread's counters (a zero request only the caller's):
 * start each count with the engine idle and a dump to throw away. */
static void count_start(struct med *m)
{
    vgpu_sched_wait_idle(m->p->sched, 10000000000ull);
    CALLGRIND_DUMP_STATS_AT("discard");
}

/* Instructions of one block of each path, for the callgrind cross-check. */
static void count_instructions(struct med *m, const char *size, u32 jobs)
{
    char what[96];

    count_start(m);
    native_block(m, jobs);
    snprintf(what, sizeof(what), "native %s jobs=%u rows=%u", size, jobs, m->rows);
    CALLGRIND_DUMP_STATS_AT(what);
    count_start(m);
    mediated_block(m, jobs);
    /* The engine thread retires the last workload after the breadcrumb. */
    vgpu_sched_wait_idle(m->p->sched, 10000000000ull);
    snprintf(what, sizeof(what), "mediated %s jobs=%u rows=%u", size, jobs, m->rows);
    CALLGRIND_DUMP_STATS_AT(what);
}

/* Native time of one job of the current size, best of a few (the machine
 * is shared: the best is the least disturbed). */
static double job_time(struct med *m)
{
    double best = 1e9;

    for (int i = 0; i < 3; i++) {
        double t = bench_native_run(m->p, &m->b, m->job, m->n);

        best = t < best ? t : best;
    }
    return best;
}

static u32 clamp_rows(double rows)
{
    return rows < 2 ? 2 : rows > MAX_ROWS ? MAX_ROWS : (u32)rows;
}

/* Size the job to about target_s natively: the cost per row grows once the
 * job leaves the caches, so refine at the size itself. */
static void calibrate(struct med *m, double target_s)
{
    u32 rows = 64;

    for (int i = 0; i < 3; i++) {
        set_job(m, rows);
        rows = clamp_rows(target_s * rows / job_time(m));
    }
    set_job(m, rows);
}

/*
 * VGPU_BENCH_MEDIATED_JOBS="rows@ms,rows@ms,rows@ms": each size's rows and
 * native job time from a timed run, for a run under callgrind (which is
 * ~50x slower, so it cannot calibrate): the same jobs, and time slices
 * stretched by the same factor, so a job is preempted as often as in real
 * time and the per-slice work is not over-counted.
 */
static bool given_job(size_t size, u32 *rows, double *ms)
{
    const char *e = getenv("VGPU_BENCH_MEDIATED_JOBS");

    for (size_t i = 0; e && i < size; i++) {
        e = strchr(e, ',');
        e = e ? e + 1 : NULL;
    }
    return e && sscanf(e, "%u@%lf", rows, ms) == 2 && *rows && *ms > 0;
}

void bench_mediated(const struct bench_opts *o)
{
    static const struct { const char *name, *size; double ms; } sizes[] = {
        { "mediated_vs_native.0.1ms", "0.1ms", 0.1 },
        { "mediated_vs_native.1ms", "1ms", 1 },
        { "mediated_vs_native.10ms", "10ms", 10 },
    };
    bool valgrind = RUNNING_ON_VALGRIND;
    struct vgpu_parent_config cfg;
    struct med m = { 0 };
    u64 slice_ns;
    int pairs = (int)(PAIRS * o->scale);

    /* Under valgrind: enough pairs for an interval, the counts are the point. */
    pairs = valgrind ? 6 : pairs < 12 ? 12 : pairs > BENCH_MAX_RUNS ? BENCH_MAX_RUNS : pairs;
    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (vgpu_parent_create(&cfg, &m.p) ||
        bench_vgpu_create(m.p, "refgpu-1", 0, MEM_BYTES, &m.b)) {
        fprintf(stderr, "bench: mediated set-up failed\n");
        exit(1);
    }
    bench_ring_init(&m.ring, &m.b, RGPU_ENGINE_RENDER, (u32)m.b.gm_base, 16);
    if (bench_ring_irq_enable(&m.ring)) {
        fprintf(stderr, "bench: mediated interrupt set-up failed\n");
        exit(1);
    }
    m.batch = (u32)m.b.gm_base + 17 * VGPU_PAGE_SIZE;
    slice_ns = m.p->cfg.slice_ns;

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct bench_metric *r = bench_metric(sizes[s].name, "ratio",
                                              sizes[s].ms >= 1 ? GOAL_MIN : GOAL_NONE, 0.97);
        u32 rows, jobs;
        double t, real_ms;

        if (given_job(s, &rows, &real_ms))
            set_job(&m, clamp_rows(rows));
        else
            calibrate(&m, sizes[s].ms * 1e-3);
        t = job_time(&m);
        if (valgrind && given_job(s, &rows, &real_ms))
            m.p->cfg.slice_ns = (u64)(slice_ns * t / (real_ms * 1e-3));
        jobs = (u32)(BLOCK_S / t + 0.5);
        jobs = jobs < 2 ? 2 : jobs;
        bench_judge_by_interval(r);
        fprintf(stderr, "bench: mediated: %s: job %u@%.4f (rows@ms), %u jobs per block, "
                "%d pairs\n", sizes[s].size, m.rows, t * 1e3, jobs, pairs);

        native_block(&m, jobs);                                 /* warm-up */
        mediated_block(&m, jobs);
        if (valgrind)
            count_instructions(&m, sizes[s].size, jobs);
        for (int i = 0; i < pairs; i++) {
            double tn, tm;

            /* Alternate which path goes first: drift cancels. */
            if (i % 2) {
                tm = mediated_block(&m, jobs);
                tn = native_block(&m, jobs);
            } else {
                tn = native_block(&m, jobs);
                tm = mediated_block(&m, jobs);
            }
            bench_add(r, tn / tm);
        }
    }
    bench_ring_irq_disable(&m.ring);
    bench_vgpu_destroy(&m.b);
    vgpu_parent_destroy(m.p);
}
