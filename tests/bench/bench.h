/*
 * bench.h - the benchmark harness: every figure is the median of several
 * repetitions after a warm-up, and every ratio is measured side by side in
 * the same run (the machines are shared and noisy).  docs/benchmarks.md
 * describes the method.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpu_priv.h"
#include "sw_engine.h"
#include "testhost/testhost.h"

#define BENCH_MAX_REPS 32          /* --reps */
#define BENCH_MAX_RUNS 512         /* values one metric may hold (paired suites hold more) */

enum bench_goal_kind { GOAL_NONE, GOAL_MIN, GOAL_MAX };

struct bench_metric {
    const char *name;
    const char *unit;
    enum bench_goal_kind kind;
    double goal;
    double runs[BENCH_MAX_RUNS];
    int nruns;
    bool by_interval;           /* verdict on the 95 % interval's bound, not the median */
    const char *note;           /* static text, optional */
};

struct bench_opts {
    int reps;                   /* measured repetitions (>= 5) */
    double scale;               /* < 1 shortens every phase (smoke runs) */
    bool quiet;
};

/* Record one run of a metric (created on first use, in order of appearance). */
struct bench_metric *bench_metric(const char *name, const char *unit, enum bench_goal_kind kind,
                                  double goal);
void bench_add(struct bench_metric *m, double value);
double bench_median(const struct bench_metric *m);
/* Distribution-free 95 % confidence interval of the median of m's runs
 * (order statistics, binomial): no assumption about the shape of the
 * noise, so a skewed or heavy-tailed spread widens it instead of moving
 * it.  NaN bounds with fewer than 6 runs. */
void bench_interval95(const struct bench_metric *m, double *lo, double *hi);
/* Judge m by its interval: a GOAL_MIN figure is met only when the lower
 * bound is, a GOAL_MAX one when the upper bound is; missed when the other
 * bound misses too, else "UNDECIDED" (the run was too noisy to tell). */
void bench_judge_by_interval(struct bench_metric *m);

double bench_now(void);                 /* seconds, monotonic */
void bench_clobber(const void *p);      /* keep the compiler from dropping work */

/* A vGPU with mapped graphics memory, for suites that drive registers. */
struct bench_vgpu {
    struct vgpu *v;
    struct testhost host;
    u64 gm_base;                /* start of the slice */
    u64 mapped;                 /* bytes mapped from gm_base, frames 1:1 */
};
int bench_vgpu_create(struct vgpu_parent *p, const char *type, unsigned int n,
                      size_t mem_bytes, struct bench_vgpu *out);
void bench_vgpu_destroy(struct bench_vgpu *b);
/* CPU pointer to graphics address gfx of a bench vGPU. */
void *bench_gm(struct bench_vgpu *b, u64 gfx);

/* Suites. */
void bench_engine(const struct bench_opts *o);
void bench_scanner(const struct bench_opts *o);
void bench_mmio(const struct bench_opts *o);
void bench_mediated(const struct bench_opts *o);
void bench_sched(const struct bench_opts *o);
void bench_scaling(const struct bench_opts *o);
void bench_daemon(const struct bench_opts *o);  /* bench_daemon.c: vgpu-backend's code */

#endif /* BENCH_H */
