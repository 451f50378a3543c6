/*
 * sched.c - the workload scheduler: per-engine queues of scanned
 * workloads from every vGPU, weighted fair time slicing, preemption at
 * slice ends, and a watchdog.
 *
 * Each vGPU has a virtual time per engine that advances by
 * (engine time used) / weight; the engine always runs the runnable vGPU
 * with the smallest virtual time, for at most one slice.  A vGPU that
 * becomes runnable starts no earlier than the virtual time of the last
 * vGPU picked, so idling never banks credit.  Over any busy period each
 * vGPU's share of the engine converges to weight / sum of weights.
 *
 * Lock order: v->lock before s->lock.  The engine runs with no lock held.
 *
 * Each wait has its own condition variable, so a notification wakes only
 * the thread that waits for it: an engine thread is woken for its own
 * engine's work, the submitter of a slice for its completion, and flush /
 * quiesce / wait_idle for a slice's end.  (One shared variable woke every
 * idle engine thread for every submission and slice: a context switch each,
 * on the CPU the busy engine needed.)
 */
#include "vgpu_priv.h"

#define VTIME_SCALE 1024u

struct engine_thread_arg {
    struct vgpu_sched *s;
    u32 engine;
};

struct vgpu_sched {
    struct vgpu_parent *p;
    struct os_mutex *lock;
    struct os_cond *cond;           /* a slice finished (running[] changed) */
    struct os_cond *work[RGPU_NUM_ENGINES];     /* work queued for engine e, or stop */
    struct os_cond *done[RGPU_NUM_ENGINES];     /* engine e's submit completed */
    struct vgpu *vgpus;             /* attached, linked through sched_next */
    struct vgpu *running[RGPU_NUM_ENGINES];
    u64 vclock[RGPU_NUM_ENGINES];
    u32 queued[RGPU_NUM_ENGINES];
    struct os_thread *thread[RGPU_NUM_ENGINES];
    struct engine_thread_arg *thread_arg[RGPU_NUM_ENGINES];
    bool stop;
};

static u64 sched_now(const struct vgpu_parent *p)
{
    return p->cfg.clock ? p->cfg.clock(p->cfg.clock_ctx) : os_now_ns();
}

static struct vgpu *pick(struct vgpu_sched *s, u32 e)
{
    struct vgpu *v, *best = NULL;

    for (v = s->vgpus; v; v = v->sched_next)
        if (v->q_head[e] && (!best || v->vtime[e] < best->vtime[e]))
            best = v;
    return best;
}

static void push_front(struct vgpu *v, u32 e, struct vgpu_workload *w)
{
    w->next = v->q_head[e];
    v->q_head[e] = w;
    if (!v->q_tail[e])
        v->q_tail[e] = w;
}

static struct vgpu_workload *pop(struct vgpu *v, u32 e)
{
    struct vgpu_workload *w = v->q_head[e];

    v->q_head[e] = w->next;
    if (!v->q_head[e])
        v->q_tail[e] = NULL;
    w->next = NULL;
    return w;
}

void vgpu_sched_queue(struct vgpu_sched *s, struct vgpu *v, struct vgpu_workload *w)
{
    u32 e = w->engine;

    os_mutex_lock(s->lock);
    if (!v->q_head[e] && v->vtime[e] < s->vclock[e])
        v->vtime[e] = s->vclock[e];
    w->next = NULL;
    w->submit_ns = sched_now(s->p);
    if (v->q_tail[e])
        v->q_tail[e]->next = w;
    else
        v->q_head[e] = w;
    v->q_tail[e] = w;
    s->queued[e]++;
    os_cond_signal(s->work[e]);             /* one thread per engine */
    os_mutex_unlock(s->lock);
}

/* Drop v's queued work on engine e.  A workload running right now is not
 * touched: its completion sees the generation change and is discarded. */
static void drop_queued(struct vgpu_sched *s, struct vgpu *v, u32 e)
{
    OS_ASSERT_HELD(s->lock);
    while (v->q_head[e]) {
        struct vgpu_workload *w = pop(v, e);

        s->queued[e]--;
        vgpu_workload_free(w);
    }
    v->sched_gen[e]++;
}

void vgpu_sched_drop(struct vgpu_sched *s, struct vgpu *v, u32 e)
{
    os_mutex_lock(s->lock);
    drop_queued(s, v, e);
    os_mutex_unlock(s->lock);
}

void vgpu_sched_flush(struct vgpu_sched *s, struct vgpu *v, u32 engine)
{
    u32 e;

    os_mutex_lock(s->lock);
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        if (engine < RGPU_NUM_ENGINES && e != engine)
            continue;
        drop_queued(s, v, e);
        while (s->running[e] == v)
            os_cond_wait(s->cond, s->lock);
    }
    os_mutex_unlock(s->lock);
}

void vgpu_sched_quiesce(struct vgpu_sched *s, struct vgpu *v)
{
    u32 e;

    OS_ASSERT_NOT_HELD(v->lock);        /* the running slice completes under it */
    os_mutex_lock(s->lock);
    for (e = 0; e < RGPU_NUM_ENGINES; e++)
        while (s->running[e] == v)
            os_cond_wait(s->cond, s->lock);
    os_mutex_unlock(s->lock);
}

bool vgpu_sched_running(struct vgpu_sched *s, struct vgpu *v, u32 except)
{
    bool busy = false;
    u32 e;

    os_mutex_lock(s->lock);
    for (e = 0; e < RGPU_NUM_ENGINES; e++)
        busy |= e != except && s->running[e] == v;
    os_mutex_unlock(s->lock);
    return busy;
}

void vgpu_sched_attach(struct vgpu_sched *s, struct vgpu *v)
{
    os_mutex_lock(s->lock);
    v->sched_next = s->vgpus;
    s->vgpus = v;
    os_mutex_unlock(s->lock);
}

void vgpu_sched_detach(struct vgpu_sched *s, struct vgpu *v)
{
    struct vgpu **pp;

    vgpu_sched_flush(s, v, RGPU_NUM_ENGINES);
    os_mutex_lock(s->lock);
    for (pp = &s->vgpus; *pp; pp = &(*pp)->sched_next) {
        if (*pp == v) {
            *pp = v->sched_next;
            break;
        }
    }
    os_mutex_unlock(s->lock);
}

/* One submit's completion: the pgpu fills it from whatever context it
 * completes in (inside submit for the software engine, the driver's thread
 * for an asynchronous one); the engine's thread sleeps on s->done[e] for it. */
struct completion {
    struct vgpu_sched *s;
    u32 engine;
    struct pgpu_exec_result res;
    bool done;
};

static void on_done(void *ctx, const struct pgpu_exec_result *res)
{
    struct completion *c = ctx;
    struct vgpu_sched *s = c->s;

    os_mutex_lock(s->lock);
    c->res = *res;
    c->done = true;
    os_cond_broadcast(s->done[c->engine]);
    os_mutex_unlock(s->lock);
}

bool vgpu_sched_step(struct vgpu_sched *s, u32 e)
{
    struct vgpu_parent *p = s->p;
    struct completion c = { s, e, { PGPU_EXEC_DONE, 0, 0, 0 }, false };
    struct vgpu_workload *w;
    struct vgpu *v;
    u64 t0, elapsed, gen;
    u32 weight, from, from_row;

    os_mutex_lock(s->lock);
    v = pick(s, e);
    if (!v) {
        os_mutex_unlock(s->lock);
        return false;
    }
    w = pop(v, e);
    s->queued[e]--;
    s->running[e] = v;
    gen = v->sched_gen[e];
    if (v->vtime[e] > s->vclock[e])
        s->vclock[e] = v->vtime[e];
    os_mutex_unlock(s->lock);

    from = w->pos;
    from_row = w->row;
    t0 = sched_now(p);
    p->pgpu->ops->submit(p->pgpu, e, w, p->cfg.slice_ns, on_done, &c);
    os_mutex_lock(s->lock);
    while (!c.done)
        os_cond_wait(s->done[e], s->lock);
    os_mutex_unlock(s->lock);
    elapsed = sched_now(p) - t0;

    os_mutex_lock(v->lock);
    /* Whatever happens to w next, the pages it wrote are dirty. */
    vgpu_dirty_slice(v, w, from, from_row, &c.res);
    os_mutex_lock(s->lock);
    weight = v->weight ? v->weight : 1;
    v->vtime[e] += elapsed * VTIME_SCALE / weight;
    if (gen != v->sched_gen[e]) {
        /* Reset while it ran: forget it. */
        vgpu_workload_free(w);
        w = NULL;
    }
    os_mutex_unlock(s->lock);
    vgpu_engine_complete(v, e, w, &c.res, elapsed);
    os_mutex_unlock(v->lock);
    /* Last touch of v: once running[e] is cleared, a waiting
     * vgpu_sched_flush() may return and its caller free v. */
    os_mutex_lock(s->lock);
    s->running[e] = NULL;
    os_cond_broadcast(s->cond);
    os_mutex_unlock(s->lock);
    return true;
}

/* Requeue a preempted workload at the head of its vGPU's queue. */
void vgpu_sched_requeue(struct vgpu_sched *s, struct vgpu *v, struct vgpu_workload *w)
{
    os_mutex_lock(s->lock);
    push_front(v, w->engine, w);
    s->queued[w->engine]++;
    os_mutex_unlock(s->lock);
}


static void engine_thread(void *arg)
{
    struct vgpu_sched *s = ((struct engine_thread_arg *)arg)->s;
    u32 e = ((struct engine_thread_arg *)arg)->engine;

    for (;;) {
        os_mutex_lock(s->lock);
        while (!s->stop && !s->queued[e])
            os_cond_wait(s->work[e], s->lock);
        if (s->stop) {
            os_mutex_unlock(s->lock);
            return;
        }
        os_mutex_unlock(s->lock);
        vgpu_sched_step(s, e);
    }
}

int vgpu_sched_create(struct vgpu_parent *p, struct vgpu_sched **out)
{
    struct vgpu_sched *s = os_alloc(sizeof(*s));
    bool ok;
    u32 e;
    int rc;

    if (!s)
        return -ENOMEM;
    s->p = p;
    s->lock = os_mutex_create();
    s->cond = os_cond_create();
    ok = s->lock && s->cond;
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        s->work[e] = os_cond_create();
        s->done[e] = os_cond_create();
        ok = ok && s->work[e] && s->done[e];
    }
    if (!ok) {
        vgpu_sched_destroy(s);
        return -ENOMEM;
    }
    *out = s;
    if (p->cfg.manual)
        return 0;
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        struct engine_thread_arg *a = os_alloc(sizeof(*a));

        if (!a) {
            rc = -ENOMEM;
            goto fail;
        }
        a->s = s;
        a->engine = e;
        s->thread_arg[e] = a;
        rc = os_thread_create(&s->thread[e], e ? "rgpu-copy" : "rgpu-render", engine_thread, a);
        if (rc)
            goto fail;
    }
    return 0;
fail:
    vgpu_sched_destroy(s);
    *out = NULL;
    return rc;
}

void vgpu_sched_destroy(struct vgpu_sched *s)
{
    u32 e;

    if (!s)
        return;
    if (s->lock) {
        os_mutex_lock(s->lock);
        s->stop = true;
        for (e = 0; e < RGPU_NUM_ENGINES; e++)
            if (s->work[e])
                os_cond_broadcast(s->work[e]);
        os_mutex_unlock(s->lock);
    }
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        os_thread_join(s->thread[e]);
        os_free(s->thread_arg[e]);
        os_cond_destroy(s->work[e]);
        os_cond_destroy(s->done[e]);
    }
    os_cond_destroy(s->cond);
    os_mutex_destroy(s->lock);
    os_free(s);
}

int vgpu_sched_wait_idle(struct vgpu_sched *s, u64 timeout_ns)
{
    u64 deadline = os_now_ns() + timeout_ns;
    int rc = 0;
    u32 e;

    os_mutex_lock(s->lock);
    for (;;) {
        bool busy = false;

        for (e = 0; e < RGPU_NUM_ENGINES; e++)
            busy |= s->queued[e] || s->running[e];
        if (!busy)
            break;
        if (os_now_ns() >= deadline) {
            rc = -ETIMEDOUT;
            break;
        }
        os_cond_timedwait(s->cond, s->lock, 10000000ull);
    }
    os_mutex_unlock(s->lock);
    return rc;
}
