/*
 * bench_main.c - `make bench`: runs every suite, prints a table that
 * states each figure against its goal, and writes results.json.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static struct bench_metric metrics[64];
static int nmetrics;

struct bench_metric *bench_metric(const char *name, const char *unit, enum bench_goal_kind kind,
                                  double goal)
{
    for (int i = 0; i < nmetrics; i++)
        if (!strcmp(metrics[i].name, name))
            return &metrics[i];
    if (nmetrics == (int)(sizeof(metrics) / sizeof(metrics[0]))) {
        fprintf(stderr, "bench: too many metrics\n");
        exit(2);
    }
    metrics[nmetrics] = (struct bench_metric){ .name = name, .unit = unit, .kind = kind,
                                               .goal = goal };
    return &metrics[nmetrics++];
}

void bench_add(struct bench_metric *m, double value)
{
    if (m->nruns < BENCH_MAX_RUNS)
        m->runs[m->nruns++] = value;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void sorted(const struct bench_metric *m, double *out)
{
    memcpy(out, m->runs, sizeof(double) * (size_t)m->nruns);
    qsort(out, (size_t)m->nruns, sizeof(double), cmp_double);
}

double bench_median(const struct bench_metric *m)
{
    double s[BENCH_MAX_RUNS];

    if (!m->nruns)
        return NAN;
    sorted(m, s);
    return m->nruns % 2 ? s[m->nruns / 2] : (s[m->nruns / 2 - 1] + s[m->nruns / 2]) / 2;
}

void bench_interval95(const struct bench_metric *m, double *lo, double *hi)
{
    double s[BENCH_MAX_RUNS], pmf, cdf;
    int n = m->nruns, j = 0;

    *lo = *hi = NAN;
    if (n < 6)
        return;
    /* The k-th smallest of n values lies below the median with probability
     * P(Binomial(n, 1/2) >= k): the interval [x(j), x(n+1-j)] covers the
     * median with probability 1 - 2 P(B <= j-1).  Take the largest j that
     * keeps that >= 95 %. */
    pmf = ldexp(1.0, -n);
    cdf = pmf;
    while (cdf <= 0.025) {
        j++;
        pmf = pmf * (n - j + 1) / j;
        cdf += pmf;
    }
    if (!j)
        return;
    sorted(m, s);
    *lo = s[j - 1];
    *hi = s[n - j];
}

void bench_judge_by_interval(struct bench_metric *m)
{
    m->by_interval = true;
}

double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_clobber(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static const char *verdict(const struct bench_metric *m)
{
    double med = bench_median(m), lo, hi;

    if (m->kind == GOAL_NONE)
        return "reported";
    if (isnan(med))
        return "MISSING";
    if (m->by_interval) {
        /* Met when the whole interval meets the goal, missed when none of
         * it does; an interval across the goal (a noisy run) decides
         * nothing, and says so. */
        bench_interval95(m, &lo, &hi);
        if (isnan(lo))
            return "MISSING";
        if (m->kind == GOAL_MIN)
            return lo >= m->goal ? "met" : hi < m->goal ? "MISSED" : "UNDECIDED";
        return hi <= m->goal ? "met" : lo > m->goal ? "MISSED" : "UNDECIDED";
    }
    if (m->kind == GOAL_MIN)
        return med >= m->goal ? "met" : "MISSED";
    return med <= m->goal ? "met" : "MISSED";
}

/* "[lo, hi]" for a figure judged by its interval, else "-". */
static void interval_text(const struct bench_metric *m, char *buf, size_t size)
{
    double lo, hi;

    bench_interval95(m, &lo, &hi);
    if (m->by_interval && !isnan(lo))
        snprintf(buf, size, "[%.3g, %.3g]", lo, hi);
    else
        snprintf(buf, size, "-");
}

static void print_table(void)
{
    printf("\n%-44s %12s %-10s %-12s %-16s %s\n", "metric", "median", "unit", "goal",
           "95% interval", "verdict");
    for (int i = 0; i < nmetrics; i++) {
        const struct bench_metric *m = &metrics[i];
        char goal[32] = "-", ci[48];

        if (m->kind == GOAL_MIN)
            snprintf(goal, sizeof(goal), ">= %g", m->goal);
        else if (m->kind == GOAL_MAX)
            snprintf(goal, sizeof(goal), "<= %g", m->goal);
        interval_text(m, ci, sizeof(ci));
        printf("%-44s %12.4g %-10s %-12s %-16s %s\n", m->name, bench_median(m), m->unit, goal,
               ci, verdict(m));
    }
}

static int write_json(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "[\n");
    for (int i = 0; i < nmetrics; i++) {
        const struct bench_metric *m = &metrics[i];
        double s[BENCH_MAX_RUNS], lo, hi;

        sorted(m, s);
        bench_interval95(m, &lo, &hi);
        fprintf(f, "  {\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", ", m->name,
                bench_median(m), m->unit);
        if (m->kind == GOAL_NONE)
            fprintf(f, "\"goal\": null, ");
        else
            fprintf(f, "\"goal\": \"%s %g\", ", m->kind == GOAL_MIN ? ">=" : "<=", m->goal);
        if (m->by_interval && !isnan(lo))
            fprintf(f, "\"ci95\": [%.6g, %.6g], ", lo, hi);
        fprintf(f, "\"verdict\": \"%s\", \"min\": %.6g, \"median\": %.6g, \"max\": %.6g, "
                "\"runs\": %d}%s\n", verdict(m), m->nruns ? s[0] : NAN, bench_median(m),
                m->nruns ? s[m->nruns - 1] : NAN, m->nruns, i + 1 < nmetrics ? "," : "");
    }
    fprintf(f, "]\n");
    return fclose(f);
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vgpu-bench [--reps N] [--scale X] [--only SUITE] [--json PATH]\n"
            "\n"
            "Measures the shared device model and the software engine side by side in\n"
            "one run and reports medians of N repetitions (default 5) after a warm-up.\n"
            "\n"
            "  --reps N      measured repetitions per figure (5..%d)\n"
            "  --scale X     multiply every phase's duration/size by X (default 1)\n"
            "  --only SUITE  engine | scanner | mmio | mediated | sched | scaling | daemon\n"
            "  --json PATH   results file (default build/bench/results.json)\n"

            "\n"
            "Exit status: 0 when every figure was measured (goals missed are reported,\n"
            "not failures: benchmarks are not tests), 1 on a measurement error.\n",
            BENCH_MAX_REPS);
}

int main(int argc, char **argv)
{
    struct bench_opts o = { .reps = 5, .scale = 1.0 };
    const char *json = "build/bench/results.json", *only = NULL;
    static const struct { const char *name; void (*fn)(const struct bench_opts *); } suites[] = {
        { "mmio", bench_mmio },         { "engine", bench_engine },
        { "scanner", bench_scanner },   { "mediated", bench_mediated },
        { "sched", bench_sched },       { "scaling", bench_scaling },
        { "daemon", bench_daemon },
    };

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            o.reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
            o.scale = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 1;
        }
    }
    if (o.reps < 5 || o.reps > BENCH_MAX_REPS || o.scale <= 0) {
        fprintf(stderr, "vgpu-bench: --reps must be 5..%d and --scale positive\n", BENCH_MAX_REPS);
        return 1;
    }
    os_log_set_level(OS_LOG_ERR);
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        if (only && strcmp(only, suites[i].name))
            continue;
        fprintf(stderr, "bench: %s ...\n", suites[i].name);
        suites[i].fn(&o);
    }
    print_table();
    if (write_json(json))
        return 1;
    printf("\nresults: %s\n", json);
    for (int i = 0; i < nmetrics; i++)
        if (!metrics[i].nruns)
            return 1;
    return 0;
}
