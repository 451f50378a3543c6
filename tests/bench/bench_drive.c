/*
 * bench_drive.c - the guest side of the mediated measurements: ring set-up
 * and submission through trapped register writes (the region API), exactly
 * as a guest driver's MMIO reaches the device model.
 */
#include <string.h>

#include "bench.h"
#include "bench_drive.h"

static u32 rd(struct bench_vgpu *b, u32 off)
{
    u32 v = 0;

    vgpu_region_read(b->v, VGPU_REGION_BAR0, off, &v, 4);
    return v;
}

static void wr(struct bench_vgpu *b, u32 off, u32 val)
{
    vgpu_region_write(b->v, VGPU_REGION_BAR0, off, &val, 4);
}

void bench_ring_init(struct bench_ring *r, struct bench_vgpu *b, u32 engine, u32 ring_gfx,
                     u32 pages)
{
    u32 base = RGPU_ENGINE_BASE(engine);

    memset(r, 0, sizeof(*r));
    r->b = b;
    r->engine = engine;
    r->gfx = ring_gfx;
    r->size = pages * VGPU_PAGE_SIZE;
    r->cpu = bench_gm(b, ring_gfx);
    wr(b, base + RGPU_RING_START, ring_gfx);
    wr(b, base + RGPU_RING_HWS, ring_gfx + r->size);
    wr(b, base + RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(pages));
}

u32 bench_ring_head(struct bench_ring *r)
{
    return rd(r->b, RGPU_ENGINE_BASE(r->engine) + RGPU_RING_HEAD);
}

static u32 space(struct bench_ring *r, u32 head)
{
    return (head + r->size - r->tail - 4) % r->size;
}

int bench_ring_submit(struct bench_ring *r, const u32 *dw, u32 n)
{
    double deadline = bench_now() + 10;
    u32 i;

    if (n * 4 + 4 >= r->size)
        return -E2BIG;
    while (space(r, bench_ring_head(r)) < n * 4) {
        if (bench_now() > deadline)
            return -ETIMEDOUT;
        os_sleep_ns(100000);     /* poll gently: the engine needs the CPU more */
    }
    for (i = 0; i < n; i++) {
        r->cpu[r->tail / 4] = dw[i];
        r->tail = (r->tail + 4) % r->size;
    }
    wr(r->b, RGPU_ENGINE_BASE(r->engine) + RGPU_RING_TAIL, r->tail);
    return rd(r->b, RGPU_ENGINE_BASE(r->engine) + RGPU_RING_ERROR) ? -EIO : 0;
}

static void irq_fire(void *ctx)
{
    struct bench_ring *r = ctx;

    os_mutex_lock(r->irq_lock);
    r->irq_count++;
    os_cond_signal(r->irq_cond);
    os_mutex_unlock(r->irq_lock);
}

static u32 user_irq(const struct bench_ring *r)
{
    return r->engine == RGPU_ENGINE_RENDER ? RGPU_IRQ_RENDER_USER : RGPU_IRQ_COPY_USER;
}

int bench_ring_irq_enable(struct bench_ring *r)
{
    struct vgpu_irq_trigger t = { irq_fire, r };

    r->irq_lock = os_mutex_create();
    r->irq_cond = os_cond_create();
    if (!r->irq_lock || !r->irq_cond || vgpu_irq_set_trigger(r->b->v, VGPU_IRQ_MSI, &t))
        return -ENOMEM;
    wr(r->b, RGPU_REG_IIR, ~0u);
    wr(r->b, RGPU_REG_IMR, rd(r->b, RGPU_REG_IMR) & ~user_irq(r));
    wr(r->b, RGPU_REG_IER, rd(r->b, RGPU_REG_IER) | user_irq(r));
    return 0;
}

void bench_ring_irq_disable(struct bench_ring *r)
{
    if (r->irq_lock)
        vgpu_irq_set_trigger(r->b->v, VGPU_IRQ_MSI, NULL);
    os_cond_destroy(r->irq_cond);
    os_mutex_destroy(r->irq_lock);
    r->irq_cond = NULL;
    r->irq_lock = NULL;
}

u32 bench_ring_breadcrumb(struct bench_ring *r, u32 *out, u32 *seqno)
{
    *seqno = ++r->seqno;
    out[0] = RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, RGPU_LEN_STORE_DATA);
    out[1] = RGPU_HWS_SEQNO;
    out[2] = *seqno;
    out[3] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, RGPU_LEN_USER_INTERRUPT);
    return 4;
}

int bench_ring_wait_seqno(struct bench_ring *r, u32 seqno, double timeout_s)
{
    /* The status page follows the ring (bench_ring_init). */
    const volatile u32 *hws = r->cpu + r->size / 4 + RGPU_HWS_SEQNO / 4;
    u64 deadline = os_now_ns() + (u64)(timeout_s * 1e9);

    /* The seqno is written before USER is raised, and every wake-up is
     * acknowledged before the seqno is looked at again: an interrupt that
     * lands between the two is seen by the check, none is lost. */
    while ((s32)(*hws - seqno) < 0) {
        bool got;

        os_mutex_lock(r->irq_lock);
        for (u64 now = os_now_ns(); !r->irq_count && now < deadline; now = os_now_ns())
            os_cond_timedwait(r->irq_cond, r->irq_lock, deadline - now);
        got = r->irq_count != 0;
        r->irq_count = 0;
        os_mutex_unlock(r->irq_lock);
        if (!got)
            return -ETIMEDOUT;
        wr(r->b, RGPU_REG_IIR, user_irq(r));
    }
    return 0;
}

u32 bench_fill_cmd(u32 *out, u32 dst, u32 pitch, u32 w, u32 h, u32 color)
{
    out[0] = RGPU_CMD(RGPU_OP_COLOR_FILL, 4);
    out[1] = dst;
    out[2] = pitch | RGPU_BPP_32 << 16;
    out[3] = w | h << 16;
    out[4] = color;
    return 5;
}

u32 bench_copy_cmd(u32 *out, u32 dst, u32 src, u32 pitch, u32 w, u32 h)
{
    out[0] = RGPU_CMD(RGPU_OP_SRC_COPY, 5);
    out[1] = dst;
    out[2] = pitch | RGPU_BPP_32 << 16;
    out[3] = w | h << 16;
    out[4] = src;
    out[5] = pitch;
    return 6;
}
