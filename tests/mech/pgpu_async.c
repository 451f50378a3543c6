/*
 * pgpu_async.c - an asynchronous pGPU for the tests: the software engine
 * behind a driver whose submit only queues the work and returns, and whose
 * completion comes later from a thread of its own (one per engine), as a
 * real GPU's interrupt handler would deliver it.  The scheduler must sleep
 * until then (core/pgpu.h: pgpu_done_fn), not assume the work is done when
 * submit returns.
 */
#include <pthread.h>

#include "mech.h"

struct async_job {
    struct vgpu_workload *w;
    u64 budget_ns;
    pgpu_done_fn done;
    void *ctx;
    bool pending;
};

struct async_pgpu {
    struct pgpu base;
    struct pgpu *inner;                 /* the software engine that executes */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct async_job job[RGPU_NUM_ENGINES];
    pthread_t worker[RGPU_NUM_ENGINES];
    struct async_worker { struct async_pgpu *a; u32 engine; } arg[RGPU_NUM_ENGINES];
    u32 nr_workers;                     /* started, to be joined */
    bool stop;
    u64 submits, from_worker;           /* from_worker: completions the workers delivered */
};

#define ASYNC(g) ((struct async_pgpu *)(g))

/* The inner (software) engine completes inside its submit: keep its result. */
static void inner_done(void *ctx, const struct pgpu_exec_result *res)
{
    *(struct pgpu_exec_result *)ctx = *res;
}

static void *async_worker(void *arg)
{
    struct async_worker *wk = arg;
    struct async_pgpu *a = wk->a;
    u32 e = wk->engine;

    for (;;) {
        struct async_job j;
        struct pgpu_exec_result res = { PGPU_EXEC_DONE, RGPU_ERR_NONE, 0, 0 };

        pthread_mutex_lock(&a->lock);
        while (!a->stop && !a->job[e].pending)
            pthread_cond_wait(&a->cond, &a->lock);
        if (!a->job[e].pending) {
            pthread_mutex_unlock(&a->lock);
            return NULL;
        }
        j = a->job[e];
        a->job[e].pending = false;
        a->from_worker++;
        pthread_mutex_unlock(&a->lock);
        a->inner->ops->submit(a->inner, e, j.w, j.budget_ns, inner_done, &res);
        j.done(j.ctx, &res);
    }
}

static int async_set_gtt(struct pgpu *g, u32 index, const struct pgpu_page *page)
{
    return ASYNC(g)->inner->ops->set_gtt(ASYNC(g)->inner, index, page);
}

static int async_submit(struct pgpu *g, u32 engine, struct vgpu_workload *w, u64 budget_ns,
                        pgpu_done_fn done, void *ctx)
{
    struct async_pgpu *a = ASYNC(g);

    pthread_mutex_lock(&a->lock);
    /* The scheduler waits for each completion before its engine's next
     * submit: one job per engine at a time. */
    CU_ASSERT(!a->job[engine].pending);
    a->job[engine] = (struct async_job){ w, budget_ns, done, ctx, true };
    a->submits++;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    return 0;
}

static void async_engine_reset(struct pgpu *g, u32 engine)
{
    ASYNC(g)->inner->ops->engine_reset(ASYNC(g)->inner, engine);
}

static int async_read_gm(struct pgpu *g, u32 gfx_addr, void *buf, u32 len)
{
    return ASYNC(g)->inner->ops->read_gm(ASYNC(g)->inner, gfx_addr, buf, len);
}

static void async_destroy(struct pgpu *g)
{
    struct async_pgpu *a = ASYNC(g);
    u32 e;

    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    for (e = 0; e < a->nr_workers; e++)
        pthread_join(a->worker[e], NULL);
    a->inner->ops->destroy(a->inner);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    os_free(a);
}

static const struct pgpu_ops async_ops = {
    .set_gtt = async_set_gtt,
    .submit = async_submit,
    .engine_reset = async_engine_reset,
    .read_gm = async_read_gm,
    .destroy = async_destroy,
};

struct pgpu *pgpu_async_create(u64 gm_size)
{
    struct async_pgpu *a = os_alloc(sizeof(*a));
    u32 e;

    if (!a)
        return NULL;
    *a = (struct async_pgpu){ .base = { &async_ops, 0 } };
    a->inner = pgpu_sw_create(gm_size);
    if (!a->inner) {
        os_free(a);
        return NULL;
    }
    a->base.gtt_entries = a->inner->gtt_entries;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        a->arg[e] = (struct async_worker){ a, e };
        if (pthread_create(&a->worker[e], NULL, async_worker, &a->arg[e]) != 0) {
            async_destroy(&a->base);
            return NULL;
        }
        a->nr_workers++;
    }
    return &a->base;
}

void pgpu_async_counts(struct pgpu *g, u64 *submits, u64 *from_worker)
{
    struct async_pgpu *a = ASYNC(g);

    pthread_mutex_lock(&a->lock);
    *submits = a->submits;
    *from_worker = a->from_worker;
    pthread_mutex_unlock(&a->lock);
}
