/* bench_drive.h - ring submission through the region API (bench_drive.c). */
#ifndef BENCH_DRIVE_H
#define BENCH_DRIVE_H

#include "bench.h"

struct bench_ring {
    struct bench_vgpu *b;
    u32 engine, gfx, size, tail;
    u32 *cpu;
    u32 seqno;                  /* last breadcrumb emitted */
    struct os_mutex *irq_lock;  /* bench_ring_irq_enable(): the MSI trigger's side */
    struct os_cond *irq_cond;
    u32 irq_count;              /* MSIs not yet consumed by a waiter */
};

/* Ring of `pages` at ring_gfx, its status page right after it. */
void bench_ring_init(struct bench_ring *r, struct bench_vgpu *b, u32 engine, u32 ring_gfx,
                     u32 pages);
int bench_ring_submit(struct bench_ring *r, const u32 *dw, u32 n);
/*
 * Completion by interrupt, as a guest driver waits for a fence: bind an
 * MSI trigger (the irqfd of the KVM path) and enable the engine's USER
 * interrupt; bench_ring_breadcrumb() appends "write the next seqno to the
 * status page, raise USER" to a submission, and bench_ring_wait_seqno()
 * sleeps until the status page shows it, without polling.
 */
int bench_ring_irq_enable(struct bench_ring *r);
void bench_ring_irq_disable(struct bench_ring *r);
u32 bench_ring_breadcrumb(struct bench_ring *r, u32 *out, u32 *seqno);
int bench_ring_wait_seqno(struct bench_ring *r, u32 seqno, double timeout_s);
u32 bench_ring_head(struct bench_ring *r);
u32 bench_fill_cmd(u32 *out, u32 dst, u32 pitch, u32 w, u32 h, u32 color);
u32 bench_copy_cmd(u32 *out, u32 dst, u32 src, u32 pitch, u32 w, u32 h);
double bench_native_run(struct vgpu_parent *p, struct bench_vgpu *b, u32 *dwords, u32 n);

#endif
