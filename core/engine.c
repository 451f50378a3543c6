/*
 * engine.c - a vGPU's view of its engines: ring registers, submission on
 * a tail write (scan, then queue), completion, errors and resets.
 *
 * A submission covers the ring from where the previous one ended to the
 * new tail.  A rejected submission never reaches the engine: the vGPU
 * gets the engine's error interrupt, the error registers say why, and the
 * engine is reset (its queue dropped, head moved to the tail).  Nothing
 * here touches another vGPU.
 */
#include "vgpu_priv.h"

static const u32 irq_user[RGPU_NUM_ENGINES] = { RGPU_IRQ_RENDER_USER, RGPU_IRQ_COPY_USER };
static const u32 irq_done[RGPU_NUM_ENGINES] = { RGPU_IRQ_RENDER_DONE, RGPU_IRQ_COPY_DONE };
static const u32 irq_error[RGPU_NUM_ENGINES] = { RGPU_IRQ_RENDER_ERROR, RGPU_IRQ_COPY_ERROR };

static u32 reg_engine(const struct vgpu_mmio_reg *r)
{
    return (r->offset - RGPU_ENGINE_BASE(0)) / 0x100;
}

static u32 *ring_reg(struct vgpu *v, u32 e, u32 reg)
{
    return &vgpu_vreg(v, RGPU_ENGINE_BASE(e) + reg);
}

void vgpu_engine_reset(struct vgpu *v, u32 e)
{
    struct vgpu_parent *p = v->parent;
    u32 size;

    OS_ASSERT_HELD(v->lock);
    size = RGPU_RING_CTL_PAGES(*ring_reg(v, e, RGPU_RING_CTL)) * VGPU_PAGE_SIZE;
    vgpu_sched_drop(p->sched, v, e);
    p->pgpu->ops->engine_reset(p->pgpu, e);
    v->eng[e].inflight = 0;
    /* A tail rejected for lying outside the ring (RGPU_ERR_RING) must not
     * become the new head: every later submission would then be scanned
     * from an invalid offset and rejected too, even after RING_RESET.
     * Restart such a ring at offset 0 (HEAD = TAIL = 0, as enabling does). */
    if (*ring_reg(v, e, RGPU_RING_TAIL) >= size)
        *ring_reg(v, e, RGPU_RING_TAIL) = 0;
    v->eng[e].scan_pos = *ring_reg(v, e, RGPU_RING_TAIL);
    *ring_reg(v, e, RGPU_RING_HEAD) = v->eng[e].scan_pos;
    v->stat_resets++;
}

void vgpu_engine_error(struct vgpu *v, u32 e, u32 error, u32 addr)
{
    OS_ASSERT_HELD(v->lock);
    *ring_reg(v, e, RGPU_RING_ERROR) = error;
    *ring_reg(v, e, RGPU_RING_ERROR_ADDR) = addr;
    v->eng[e].error = true;
    os_log_ratelimited(OS_LOG_WARN, "vgpu%u: engine %u: submission failed with error %u at 0x%x; "
                       "engine reset", v->id, e, error, addr);
    vgpu_engine_reset(v, e);
    vgpu_irq_raise(v, irq_error[e] | (error == RGPU_ERR_WATCHDOG ? RGPU_IRQ_WATCHDOG : 0));
}

void vgpu_engine_write_tail(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    u32 e = reg_engine(r);
    struct vgpu_scan_result res;
    struct vgpu_workload *w;

    (void)old;
    *ring_reg(v, e, RGPU_RING_TAIL) = (u32)new_val;
    if (!(*ring_reg(v, e, RGPU_RING_CTL) & RGPU_RING_CTL_ENABLE)) {
        vgpu_engine_error(v, e, RGPU_ERR_RING, (u32)new_val);
        v->stat_rejects++;
        return;
    }
    if ((u32)new_val == v->eng[e].scan_pos)
        return;
    w = vgpu_scan_ring(v, e, v->eng[e].scan_pos, (u32)new_val, &res);
    if (!w) {
        v->stat_rejects++;
        vgpu_engine_error(v, e, res.error, res.error_addr);
        return;
    }
    w->ring_tail = (u32)new_val;
    v->eng[e].scan_pos = (u32)new_val;
    v->eng[e].inflight++;
    vgpu_sched_queue(v->parent->sched, v, w);
}

void vgpu_engine_write_ctl(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    u32 e = reg_engine(r);

    *ring_reg(v, e, RGPU_RING_CTL) = (u32)new_val;
    if ((old ^ new_val) & RGPU_RING_CTL_ENABLE) {
        /* Enabling starts a fresh ring at offset 0; disabling abandons it. */
        *ring_reg(v, e, RGPU_RING_TAIL) = 0;
        vgpu_engine_reset(v, e);
    }
}

void vgpu_engine_write_reset(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    u32 e = reg_engine(r);

    (void)old;
    if (!(new_val & 1))
        return;
    vgpu_engine_reset(v, e);
    v->eng[e].error = false;
    *ring_reg(v, e, RGPU_RING_ERROR) = RGPU_ERR_NONE;
    *ring_reg(v, e, RGPU_RING_ERROR_ADDR) = 0;
}

void vgpu_engine_write_gfx_reset(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    (void)r;
    (void)old;
    if (!(new_val & RGPU_GFX_RESET_ALL))
        return;
    vgpu_device_reset(v);
}

u64 vgpu_engine_read_status(struct vgpu *v, const struct vgpu_mmio_reg *r)
{
    u32 e = reg_engine(r);

    return (v->eng[e].inflight ? 0 : RGPU_RING_STATUS_IDLE) |
           (v->eng[e].error ? RGPU_RING_STATUS_ERROR : 0);
}

/* Account a slice of w and retire, requeue or fail it. */
static void engine_retire(struct vgpu *v, struct vgpu_workload *w,
                          const struct pgpu_exec_result *res, u64 elapsed)
{
    struct vgpu_parent *p = v->parent;
    u32 e = w->engine;

    v->eng[e].busy_ns += elapsed;
    v->stat_commands += res->commands;
    w->busy_ns += elapsed;
    switch (res->status) {
    case PGPU_EXEC_DONE:
        *ring_reg(v, e, RGPU_RING_HEAD) = w->ring_tail;
        v->eng[e].inflight--;
        v->stat_workloads++;
        vgpu_workload_free(w);
        vgpu_irq_raise(v, irq_done[e]);
        return;
    case PGPU_EXEC_PREEMPTED:
        if (w->busy_ns > p->cfg.watchdog_ns) {
            v->stat_watchdogs++;
            vgpu_workload_free(w);
            vgpu_engine_error(v, e, RGPU_ERR_WATCHDOG, *ring_reg(v, e, RGPU_RING_HEAD));
            return;
        }
        vgpu_sched_requeue(p->sched, v, w);
        return;
    case PGPU_EXEC_FAULT:
    default:
        v->stat_faults++;
        vgpu_workload_free(w);
        vgpu_engine_error(v, e, res->error, res->error_addr);
        return;
    }
}

void vgpu_engine_complete(struct vgpu *v, u32 e, struct vgpu_workload *w,
                          const struct pgpu_exec_result *res, u64 elapsed)
{
    OS_ASSERT_HELD(v->lock);
    if (w)
        engine_retire(v, w, res, elapsed);
    /* This slice is over: frames the guest unmapped meanwhile can go,
     * unless v's other engine is still running. */
    if (v->gtt.nr_deferred && !vgpu_sched_running(v->parent->sched, v, e))
        vgpu_gtt_release(v, true);
}

/* Side effects from the engine's thread: take the vGPU lock for each. */
static void wl_load_register(struct vgpu_workload *w, u32 reg, u32 val)
{
    struct vgpu *v = w->owner;

    if (!vgpu_lri_allowed(reg))
        return;                 /* the scanner already refused it; belt and braces */
    os_mutex_lock(v->lock);
    vgpu_vreg(v, reg) = val;
    os_mutex_unlock(v->lock);
}

static void wl_user_interrupt(struct vgpu_workload *w)
{
    struct vgpu *v = w->owner;

    os_mutex_lock(v->lock);
    vgpu_irq_raise(v, irq_user[w->engine]);
    os_mutex_unlock(v->lock);
}

static void wl_hws_write(struct vgpu_workload *w, u32 offset, u32 val)
{
    struct vgpu *v = w->owner;

    if (offset != RGPU_HWS_SEQNO)
        return;
    os_mutex_lock(v->lock);
    *ring_reg(v, w->engine, RGPU_RING_SEQNO) = val;
    os_mutex_unlock(v->lock);
}

const struct vgpu_workload_ops vgpu_workload_ops = {
    .load_register = wl_load_register,
    .user_interrupt = wl_user_interrupt,
    .hws_write = wl_hws_write,
};
