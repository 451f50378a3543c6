/*
 * irq.c - interrupt virtualisation: IIR/IER/IMR semantics and delivery
 * as MSI or INTx, through a bound VFIO-style trigger or through host-ops.
 *
 * ISR records events (masked or not) until acknowledged through IIR.
 * The device condition is (IIR & IER) != 0.  MSI is edge-triggered: one
 * message per rising edge, plus one more whenever the guest clears IIR
 * bits while other enabled bits are still latched -- so a completion that
 * lands between the guest's IIR read and its clear is never lost, and
 * none is sent twice.  INTx is a level that follows the condition unless
 * the command register disables it.  Everything here runs under v->lock
 * (the state-changing entry points assert it), except vgpu_irq_reset when
 * vgpu_create calls it before anyone can reach the instance.
 */
#include "vgpu_priv.h"

enum { TRIG_INTX = VGPU_IRQ_INTX, TRIG_MSI = VGPU_IRQ_MSI };

static bool msi_mode(const struct vgpu *v)
{
    return v->irq.bound[TRIG_MSI] || vgpu_cfg_msi_enabled(v);
}

static bool condition(struct vgpu *v)
{
    return (vgpu_vreg(v, RGPU_REG_IIR) & vgpu_vreg(v, RGPU_REG_IER)) != 0;
}

static void send_msi(struct vgpu *v)
{
    struct vgpu_irq *irq = &v->irq;
    u64 addr;
    u32 data;
    int rc;

    if (irq->bound[TRIG_MSI]) {
        irq->trig[TRIG_MSI].fire(irq->trig[TRIG_MSI].ctx);
        irq->delivered++;
        return;
    }
    if (vgpu_cfg_msi_masked(v)) {
        irq->msi_pending = true;
        vgpu_cfg_set_msi_pending(v, true);
        return;
    }
    vgpu_cfg_msi_message(v, &addr, &data);
    rc = v->ops->inject_msi(v->host, addr, data);
    if (rc)
        os_log_ratelimited(OS_LOG_WARN, "vgpu%u: MSI injection (addr 0x%llx data 0x%x) failed: %d",
                           v->id, (unsigned long long)addr, data, rc);
    else
        irq->delivered++;
}

/* Drive INTx to the given device condition. */
static void drive_intx(struct vgpu *v, bool cond)
{
    struct vgpu_irq *irq = &v->irq;
    bool level = cond && !vgpu_cfg_intx_disabled(v);

    vgpu_cfg_set_intx_status(v, cond);
    if (irq->bound[TRIG_INTX]) {
        /* VFIO semantics: fire on assertion, then stay masked until the
         * user unmasks (after the guest's EOI). */
        if (level && !irq->intx_masked) {
            irq->intx_masked = true;
            irq->trig[TRIG_INTX].fire(irq->trig[TRIG_INTX].ctx);
            irq->delivered++;
        }
        irq->intx_level = level;
        return;
    }
    if (level != irq->intx_level) {
        int rc = v->ops->set_intx(v->host, level);

        if (rc)
            os_log_ratelimited(OS_LOG_WARN, "vgpu%u: INTx level %d failed: %d", v->id, level, rc);
        irq->intx_level = level;
        if (level)
            irq->delivered++;
    }
}

static void intx_release(struct vgpu *v)
{
    vgpu_cfg_set_intx_status(v, false);
    if (v->irq.intx_level && !v->irq.bound[TRIG_INTX])
        v->ops->set_intx(v->host, false);
    v->irq.intx_level = false;
}

void vgpu_irq_update(struct vgpu *v)
{
    struct vgpu_irq *irq = &v->irq;
    bool cond, rising;

    OS_ASSERT_HELD(v->lock);
    cond = condition(v);
    rising = cond && !irq->asserted;
    irq->asserted = cond;
    if (msi_mode(v)) {
        intx_release(v);
        if (rising)
            send_msi(v);
    } else {
        drive_intx(v, cond);
    }
}

void vgpu_irq_raise(struct vgpu *v, u32 bits)
{
    bits &= RGPU_IRQ_VALID_MASK;
    vgpu_vreg(v, RGPU_REG_ISR) |= bits;
    vgpu_vreg(v, RGPU_REG_IIR) |= bits & ~vgpu_vreg(v, RGPU_REG_IMR);
    vgpu_irq_update(v);
}

/* ack: the bits written as 1 (W1C, see vgpu_reg_write_fn). */
void vgpu_irq_write_iir(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 ack)
{
    u64 new_val = old & ~ack;

    (void)r;
    OS_ASSERT_HELD(v->lock);
    vgpu_vreg(v, RGPU_REG_IIR) = (u32)new_val;
    /* ISR keeps every event, masked or not, until software acknowledges
     * it here, latched in IIR or not (hw-spec §5): a driver polling a
     * masked event clears it the same way. */
    vgpu_vreg(v, RGPU_REG_ISR) &= ~(u32)ack;
    /* Only an acknowledge of an enabled bit can end the handler's view of
     * the edge; clearing a disabled bit changes nothing the guest awaits. */
    if (msi_mode(v) && ((old & ~new_val) & vgpu_vreg(v, RGPU_REG_IER)) && condition(v)) {
        /* Still latched after an acknowledge: a new edge, as described above. */
        v->irq.asserted = true;
        send_msi(v);
        return;
    }
    vgpu_irq_update(v);
}

void vgpu_irq_write_ier(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    (void)r;
    (void)old;
    vgpu_vreg(v, RGPU_REG_IER) = (u32)new_val;
    vgpu_irq_update(v);
}

void vgpu_irq_cfg_changed(struct vgpu *v)
{
    struct vgpu_irq *irq = &v->irq;
    bool msi_on;

    OS_ASSERT_HELD(v->lock);
    msi_on = msi_mode(v);
    if (msi_on) {
        intx_release(v);
        if (irq->msi_pending && (irq->bound[TRIG_MSI] || !vgpu_cfg_msi_masked(v))) {
            irq->msi_pending = false;
            vgpu_cfg_set_msi_pending(v, false);
            send_msi(v);
        } else if (!irq->msi_was_on && irq->asserted) {
            /* MSI switched on with the condition already true: the edge
             * happened while nobody listened, so announce it now. */
            send_msi(v);
        }
    } else {
        drive_intx(v, irq->asserted);
    }
    irq->msi_was_on = msi_on;
}

void vgpu_irq_reset(struct vgpu *v)
{
    struct vgpu_irq *irq = &v->irq;

    if (irq->intx_level && !irq->bound[TRIG_INTX])
        v->ops->set_intx(v->host, false);
    irq->intx_level = false;
    irq->intx_masked = false;
    irq->asserted = false;
    irq->msi_pending = false;
    irq->msi_was_on = false;
}

int vgpu_irq_info(struct vgpu *v, u32 index, struct vgpu_irq_info *out)
{
    if (!v || !out || index >= VGPU_IRQ_NUM)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->index = index;
    switch (index) {
    case VGPU_IRQ_INTX:
        out->count = 1;
        out->flags = VGPU_IRQ_INFO_EVENTFD | VGPU_IRQ_INFO_MASKABLE | VGPU_IRQ_INFO_AUTOMASKED;
        break;
    case VGPU_IRQ_MSI:
        out->count = 1;
        out->flags = VGPU_IRQ_INFO_EVENTFD | VGPU_IRQ_INFO_NORESIZE;
        break;
    default:
        break;  /* MSI-X, ERR, REQ: not offered (count 0) */
    }
    return 0;
}

int vgpu_irq_set_trigger(struct vgpu *v, u32 index, const struct vgpu_irq_trigger *t)
{
    if (!v || (index != VGPU_IRQ_INTX && index != VGPU_IRQ_MSI) || (t && !t->fire))
        return -EINVAL;
    os_mutex_lock(v->lock);
    if (index == VGPU_IRQ_INTX && v->irq.intx_level && !v->irq.bound[TRIG_INTX])
        v->ops->set_intx(v->host, false);   /* hand the line over cleanly */
    v->irq.bound[index] = t != NULL;
    if (t)
        v->irq.trig[index] = *t;
    else
        memset(&v->irq.trig[index], 0, sizeof(v->irq.trig[index]));
    if (index == VGPU_IRQ_INTX) {
        v->irq.intx_masked = false;
        v->irq.intx_level = false;
    }
    vgpu_irq_cfg_changed(v);
    os_mutex_unlock(v->lock);
    return 0;
}

int vgpu_irq_mask(struct vgpu *v, u32 index, bool masked)
{
    if (!v || index != VGPU_IRQ_INTX)
        return -EINVAL;
    os_mutex_lock(v->lock);
    v->irq.intx_masked = masked;
    /* Unmasking a level that is still high fires again, as VFIO does. */
    if (!masked && !msi_mode(v) && v->irq.bound[TRIG_INTX]) {
        v->irq.intx_level = false;
        drive_intx(v, v->irq.asserted);
    }
    os_mutex_unlock(v->lock);
    return 0;
}
