/*
 * bench_sched.c - the scheduler under saturation, and scaling.
 *
 * Feeder threads keep each vGPU's render queue full of fill jobs through
 * the trapped register path; engine time per vGPU comes from the model's
 * own statistics over the measured window.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_drive.h"

#define MAXV 16
#define JOB_ROWS 512u           /* 2 MiB fill: ~0.1 ms, several per time slice */

struct feeder {
    struct bench_vgpu b;
    struct bench_ring ring;
    pthread_t tid;
    volatile bool stop;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    u32 cmd[8], n;
    u32 dst = (u32)f->b.gm_base + (1u << 20);

    n = bench_fill_cmd(cmd, dst, 4096, 1024, JOB_ROWS, 0x11223344);
    while (!f->stop) {
        /* Keep several jobs queued so the vGPU is always backlogged. */
        if (bench_ring_submit(&f->ring, cmd, n))
            break;
    }
    return NULL;
}

struct run {
    struct vgpu_parent *p;
    struct feeder f[MAXV];
    int n;
};

static void start(struct run *r, const char *const *types, int n, size_t mem)
{
    struct vgpu_parent_config cfg;

    memset(r, 0, sizeof(*r));
    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (vgpu_parent_create(&cfg, &r->p)) {
        fprintf(stderr, "bench: parent failed\n");
        exit(1);
    }
    r->n = n;
    for (int i = 0; i < n; i++) {
        struct feeder *f = &r->f[i];

        if (bench_vgpu_create(r->p, types[i], (unsigned)i, mem, &f->b)) {
            fprintf(stderr, "bench: vGPU %d (%s) failed\n", i, types[i]);
            exit(1);
        }
        /* A 2-page ring holds ~400 jobs: deep enough to stay backlogged. */
        bench_ring_init(&f->ring, &f->b, RGPU_ENGINE_RENDER, (u32)f->b.gm_base, 2);
    }
    for (int i = 0; i < n; i++)
        pthread_create(&r->f[i].tid, NULL, feed, &r->f[i]);
}

static void busy(struct run *r, u64 *out)
{
    for (int i = 0; i < r->n; i++) {
        struct vgpu_stats st;

        vgpu_get_stats(r->f[i].b.v, &st);
        out[i] = st.busy_ns[RGPU_ENGINE_RENDER];
    }
}

/* Engine ns per vGPU over a window of `seconds` in the steady state. */
static void measure(struct run *r, double seconds, u64 *delta)
{
    u64 a[MAXV], b[MAXV];

    os_sleep_ns(100000000ull);                  /* reach steady state */
    busy(r, a);
    os_sleep_ns((u64)(seconds * 1e9));
    busy(r, b);
    for (int i = 0; i < r->n; i++)
        delta[i] = b[i] - a[i];
}

static void stop(struct run *r)
{
    for (int i = 0; i < r->n; i++)
        r->f[i].stop = true;
    for (int i = 0; i < r->n; i++)
        pthread_join(r->f[i].tid, NULL);
    vgpu_parent_wait_idle(r->p, 30ull * 1000000000ull);
    for (int i = 0; i < r->n; i++)
        bench_vgpu_destroy(&r->f[i].b);
    vgpu_parent_destroy(r->p);
}

void bench_sched(const struct bench_opts *o)
{
    static const char *const weighted[] = { "refgpu-16", "refgpu-8", "refgpu-4" }; /* 1:2:4 */
    static const char *const equal[] = { "refgpu-8", "refgpu-8", "refgpu-8" };
    struct bench_metric *merr = bench_metric("sched.weighted_1_2_4_max_share_error", "%",
                                             GOAL_MAX, 2);
    struct bench_metric *mj = bench_metric("sched.equal_weights_jain_index", "index", GOAL_MIN,
                                           0.99);
    double window = 2.0 * o->scale;
    struct run r;
    u64 d[MAXV];

    start(&r, weighted, 3, 8u << 20);
    for (int rep = -1; rep < o->reps; rep++) {
        double total = 0, err = 0;

        measure(&r, rep < 0 ? 0.2 : window, d);
        for (int i = 0; i < 3; i++)
            total += (double)d[i];
        for (int i = 0; i < 3; i++) {
            double expect = (double)(1 << i) / 7.0, share = (double)d[i] / total;

            err = fmax(err, fabs(share - expect) * 100);
        }
        if (rep >= 0)
            bench_add(merr, err);
    }
    stop(&r);

    start(&r, equal, 3, 8u << 20);
    for (int rep = -1; rep < o->reps; rep++) {
        double sum = 0, sq = 0;

        measure(&r, rep < 0 ? 0.2 : window / 2, d);
        for (int i = 0; i < 3; i++) {
            sum += (double)d[i];
            sq += (double)d[i] * (double)d[i];
        }
        if (rep >= 0)
            bench_add(mj, sum * sum / (3 * sq));
    }
    stop(&r);
}

/* Jobs the engine completed for all vGPUs of the run. */
static u64 completed(struct run *r)
{
    u64 n = 0;

    for (int i = 0; i < r->n; i++) {
        struct vgpu_stats st;

        vgpu_get_stats(r->f[i].b.v, &st);
        n += st.workloads;
    }
    return n;
}

void bench_scaling(const struct bench_opts *o)
{
    static const int counts[] = { 1, 2, 4, 8, 16 };
    static const char *const t16[MAXV] = {
        "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16",
        "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16",
        "refgpu-16", "refgpu-16", "refgpu-16", "refgpu-16",
    };
    static const char *names[] = { "scaling.1_vgpus", "scaling.2_vgpus", "scaling.4_vgpus",
                                   "scaling.8_vgpus", "scaling.16_vgpus" };
    double base = 0;

    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        struct bench_metric *m = bench_metric(names[c], "ratio",
                                              counts[c] == 16 ? GOAL_MIN : GOAL_NONE, 0.95);
        struct run r;

        start(&r, t16, counts[c], 8u << 20);
        for (int rep = -1; rep < o->reps; rep++) {
            u64 j0 = completed(&r), j1;
            double t;

            os_sleep_ns(50000000ull);
            j0 = completed(&r);
            t = bench_now();
            os_sleep_ns((u64)(0.5e9 * o->scale));
            j1 = completed(&r);
            t = bench_now() - t;
            if (rep < 0)
                continue;
            /* Aggregate jobs/s relative to the median of the 1-vGPU case. */
            if (c == 0)
                bench_add(m, (double)(j1 - j0) / t);
            else
                bench_add(m, (double)(j1 - j0) / t / base);
        }
        stop(&r);
        if (c == 0) {
            /* Turn the 1-vGPU throughputs into ratios against their median. */
            base = bench_median(m);
            for (int i = 0; i < m->nruns; i++)
                m->runs[i] /= base;
        }
    }
}
