/*
 * mech.h - shared fixture and helpers for the reference-GPU mechanism
 * suites (tests/mech/): GTT shadow, scanner, engine, scheduler,
 * interrupts, display, and a threaded smoke test.
 *
 * Most suites use a manual parent (no scheduler or vblank threads) with a
 * fake clock: the software engine's per-command hook advances it by
 * clk.per_cmd, and every read of it advances it by clk.per_read, so
 * preemption and scheduling are deterministic.
 */
#ifndef MECH_H
#define MECH_H

#include <CUnit/CUnit.h>

#include "common/cunit_main.h"

#include "vgpu_priv.h"
#include "sw_engine.h"
#include "testhost/testhost.h"

void register_gtt_tests(void);
void register_scan_tests(void);
void register_engine_tests(void);
void register_sched_tests(void);
void register_irq_mech_tests(void);
void register_display_tests(void);
void register_threaded_tests(void);
void register_spec_tests(void);

/* Suite registration shorthands: tests/common/cunit_main.h. */
#define MECH_SUITE CUNIT_SUITE
#define MT CUNIT_TEST

struct fake_clock {
    u64 now;
    u64 per_cmd;                /* added after every executed command */
    u64 per_read;               /* added on every read of the clock */
    u64 cmds;                   /* commands the engine executed */
};

#define MECH_MAX_VGPUS 4
#define MECH_MEM_SIZE (4u << 20)        /* guest memory of each vGPU's testhost */

struct mech_opts {
    unsigned int nr;            /* vGPUs (default 1) */
    const char *type[MECH_MAX_VGPUS];   /* default "refgpu-16" */
    bool threaded;              /* default: manual */
    u64 slice_ns, watchdog_ns;  /* 0: parent defaults */
    u32 weight_budget;          /* 0: 16 */
    u64 gm_size;                /* 0: 1 GiB */
    u32 map_pages;              /* pages of each slice mapped by the standard layout (default 256) */
    bool no_map;                /* map nothing: the test programs the GTT itself */
    bool async_pgpu;            /* threaded only: the pGPU completes later, from
                                 * threads of its own (pgpu_async.c) */
};

struct mech_env {
    struct vgpu_parent *p;
    struct fake_clock clk;
    unsigned int nr;
    struct vgpu *v[MECH_MAX_VGPUS];
    struct testhost h[MECH_MAX_VGPUS];
};

/*
 * Standard layout of every vGPU's slice (offsets from gm_base), mapped
 * identically: graphics page i of the slice -> guest frame i (testhost
 * offset i * 4096), for map_pages pages.
 */
#define L_RING_RENDER  0x00000u         /* 4 pages */
#define L_RING_COPY    0x04000u         /* 4 pages */
#define L_RING_PAGES   4u
#define L_HWS_RENDER   0x08000u
#define L_HWS_COPY     0x09000u
#define L_BATCH        0x0a000u         /* batches: 6 pages */
#define L_DATA         0x10000u         /* data area: the rest */

int mech_setup(struct mech_env *e, const struct mech_opts *o);
/* The software engine behind an asynchronous driver's interface: submit
 * queues, a worker thread per engine executes and completes.  Counts: the
 * submits, and the completions its workers delivered. */
struct pgpu *pgpu_async_create(u64 gm_size);
void pgpu_async_counts(struct pgpu *g, u64 *submits, u64 *from_worker);
void mech_teardown(struct mech_env *e);

/* Register access through the region API (asserting success). */
u32 rd32(struct vgpu *v, u32 off);
void wr32(struct vgpu *v, u32 off, u32 val);
u64 rd64(struct vgpu *v, u32 off);
void wr64(struct vgpu *v, u32 off, u64 val);
u32 cfgr(struct vgpu *v, u32 off, u32 len);
void cfgw(struct vgpu *v, u32 off, u32 len, u32 val);
u32 ereg(struct vgpu *v, u32 engine, u32 reg);
void ewr(struct vgpu *v, u32 engine, u32 reg, u32 val);

/* One PTE through the BAR0 window: graphics address -> guest frame. */
void gtt_set(struct vgpu *v, u32 gfx, u64 pte);
u64 gtt_get(struct vgpu *v, u32 gfx);
void gtt_map(struct vgpu *v, u32 gfx, u64 frame, u32 pages);

/* Guest memory behind a graphics address (through the shadow GTT). */
void gm_write(struct vgpu *v, u32 gfx, const void *buf, u32 len);
void gm_read(struct vgpu *v, u32 gfx, void *buf, u32 len);
u32 gm_rd32(struct vgpu *v, u32 gfx);
void gm_wr32(struct vgpu *v, u32 gfx, u32 val);

/* Ring helpers: program engine e's ring (standard layout) and emit. */
struct ring {
    struct vgpu *v;
    u32 engine;
    u32 start, size;            /* graphics address, bytes */
    u32 tail;
};
void ring_init(struct ring *r, struct vgpu *v, u32 engine);
void ring_emit(struct ring *r, const u32 *dw, u32 n);
void ring_submit(struct ring *r);
/* Run manual scheduler steps on every engine until idle; returns steps. */
unsigned int run_idle(struct vgpu_parent *p);

/* Command builders (return dwords written). */
u32 cmd_sdi(u32 *b, u32 gfx, u32 val);
u32 cmd_sdx(u32 *b, u32 off, u32 val);
u32 cmd_fill(u32 *b, u32 dst, u32 pitch, u32 bpp, u32 w, u32 h, u32 color);
u32 cmd_copy(u32 *b, u32 dst, u32 pitch, u32 bpp, u32 w, u32 h, u32 src, u32 spitch);
u32 cmd_bb(u32 *b, u32 gfx);

#define MECH_UUID(n) "7a1e0c4d-3b2a-4c5d-8e6f-0000000000" #n

#endif /* MECH_H */
