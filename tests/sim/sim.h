/*
 * sim.h - vgpu-sim: the vGPU scenarios (guest/scenarios/) run in-process
 * against the device model, each vGPU on its own test host, driven
 * through the guest library (guest/) exactly as a guest driver would
 * drive it; plus what only this harness can see (sim_ext.c) and the
 * scenarios that need several vGPUs in one process (sim_multi.c).
 */
#ifndef SIM_H
#define SIM_H

#include <stdarg.h>
#include <stdio.h>

#include "vgpu.h"
#include "testhost/testhost.h"
#include "rgpu_guest.h"
#include "scenarios/scn.h"

#define SIM_MAX_VGPUS 16
#define SIM_MEM_BASE 0x100000u          /* DMA allocations start at 1 MiB */
#define SIM_RING_PAGES 4

struct sim_machine;

/* One guest: a test host (its memory), a vGPU and a guest driver. */
struct sim_guest {
    struct sim_machine *m;
    unsigned int idx;
    struct testhost host;
    struct vgpu *v;
    struct rgpu_platform plat;
    struct rgpu_dev *dev;
    size_t alloc_next;          /* bump allocator over host.mem */
    unsigned int irq_seen;      /* interrupt events consumed by wait_irq */
    struct scn scn;             /* the scenarios' view: its err is this guest's first failure */
};

struct sim_machine {
    struct vgpu_parent *parent;
    const struct vgpu_type *type;
    unsigned int n;
    size_t mem_size;
    struct sim_guest g[SIM_MAX_VGPUS];
};

#define CHECK(g, cond, ...) SCN_CHECK(&(g)->scn, cond, __VA_ARGS__)

u64 sim_now_ns(void);

/* What only the in-process harness sees (sim_ext.c): the model's
 * statistics and scanout, the test host's MSI messages. */
extern const struct scn_ext sim_ext;
/* Interrupt events of the test host so far (MSIs and INTx level changes). */
unsigned int sim_irq_events(struct sim_guest *g);

/* A self-checking unit of normal work (fills and copies on both engines
 * over two BOs, verified byte-exact).  Used by multi and by the victims
 * of malicious. */
bool sim_work_round(struct sim_guest *g, struct rgpu_bo *a, u8 *aref, struct rgpu_bo *b,
                    u8 *bref, u32 round);
/* True if host memory past the allocator is still all zero. */
bool sim_untouched(struct sim_guest *g);

/* Every vGPU at once from N threads (sim_multi.c). */
bool sim_scn_multi(struct sim_machine *m);
/* Run scenario fn on vGPU 0 (the attacker) while every other vGPU does
 * verified work from its own thread; they must stay exact and untouched. */
bool sim_under_attack(struct sim_machine *m, bool (*fn)(struct scn *s));

#endif /* SIM_H */
