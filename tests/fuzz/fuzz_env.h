/*
 * fuzz_env.h - the environment both libFuzzer targets share: a manual
 * parent on a fake clock with two vGPUs on testhosts.  vGPU A (the first,
 * slice at graphics address 0) is what the input drives; vGPU B is the
 * bystander whose memory is filled with a guard pattern and whose
 * registers, config space and mappings must never change.
 */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_priv.h"
#include "sw_engine.h"
#include "testhost/testhost.h"

#define FZ_MEM_SIZE     (1u << 20)      /* guest memory of each vGPU: 256 frames */
#define FZ_MAPPED_PAGES 64u             /* A: graphics pages 0..63 -> frames 0..63 */
#define FZ_GUARD_BYTE(i) ((u8)(0xa5 ^ ((i) >> 12) ^ (i)))
#define FZ_RING_PAGES   4u
#define FZ_RING(e)      ((e) ? 0x4000u : 0x0000u)
#define FZ_HWS(e)       ((e) ? 0x9000u : 0x8000u)
#define FZ_BATCH        0xa000u         /* 6 pages of fuzzer-written batch memory */
#define FZ_BATCH_SIZE   0x6000u

struct fz_clock {
    u64 now;
};

struct fz_env {
    struct vgpu_parent *p;
    struct vgpu *a, *b;
    struct testhost ha, hb;
    struct fz_clock clk;
    u8 *b_mem0;                 /* B's memory as it must stay */
    u32 *b_regs0;
    u8 b_cfg0[VGPU_CFG_SIZE];
    unsigned int b_mapped0;
};

#define FZ_CHECK(cond)                                                              \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* Time moves on every read and every executed command, so slices end and
 * the watchdog bounds every workload however long its commands are. */
static inline u64 fz_clock_read(void *ctx)
{
    return ((struct fz_clock *)ctx)->now += 1000;
}

static inline void fz_cmd_hook(void *ctx, u32 opcode)
{
    (void)opcode;
    ((struct fz_clock *)ctx)->now += 1000;
}

static inline void fz_map(struct vgpu *v, u32 first_page, u64 frame, u32 pages)
{
    os_mutex_lock(v->lock);
    for (u32 i = 0; i < pages; i++)
        FZ_CHECK(vgpu_gtt_write(v, (u32)(v->gm_base >> 12) + first_page + i,
                                (frame + (u64)i * VGPU_PAGE_SIZE) | RGPU_PTE_VALID) == 0);
    os_mutex_unlock(v->lock);
}

static inline void fz_env_init(struct fz_env *e)
{
    struct vgpu_parent_config cfg;

    memset(e, 0, sizeof(*e));
    os_log_set_level(OS_LOG_ERR);
    vgpu_parent_default_config(&cfg);
    cfg.gm_size = 256ull << 20;             /* two refgpu-16 */
    cfg.manual = true;
    cfg.clock = fz_clock_read;
    cfg.clock_ctx = &e->clk;
    cfg.slice_ns = 20000;
    cfg.watchdog_ns = 200000;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    FZ_CHECK(cfg.pgpu != NULL);
    pgpu_sw_set_clock(cfg.pgpu, fz_clock_read, &e->clk);
    pgpu_sw_set_cmd_hook(cfg.pgpu, fz_cmd_hook, &e->clk);
    FZ_CHECK(vgpu_parent_create(&cfg, &e->p) == 0);
    FZ_CHECK(testhost_init(&e->ha, FZ_MEM_SIZE) == 0);
    FZ_CHECK(testhost_init(&e->hb, FZ_MEM_SIZE) == 0);
    FZ_CHECK(vgpu_create(e->p, "refgpu-16", "0f0f0f0f-0000-4000-8000-00000000000a",
                         &testhost_ops, &e->ha, &e->a) == 0);
    FZ_CHECK(vgpu_create(e->p, "refgpu-16", "0f0f0f0f-0000-4000-8000-00000000000b",
                         &testhost_ops, &e->hb, &e->b) == 0);
    FZ_CHECK(e->a->gm_base == 0);
    /* B: a live, configured bystander with its whole memory mapped and
     * guarded, so anything that strays into it shows. */
    for (u32 i = 0; i < FZ_MEM_SIZE; i++)
        e->hb.mem[i] = FZ_GUARD_BYTE(i);
    fz_map(e->b, 0, 0, FZ_MEM_SIZE >> 12);
    vgpu_vreg(e->b, RGPU_REG_IMR) = 0;
    vgpu_vreg(e->b, RGPU_REG_IER) = RGPU_IRQ_VALID_MASK;
    vgpu_vreg(e->b, RGPU_REG_SCRATCH(0)) = 0x5ca1ab1e;
    e->b_mem0 = malloc(FZ_MEM_SIZE);
    e->b_regs0 = malloc(RGPU_REGS_SIZE);
    FZ_CHECK(e->b_mem0 && e->b_regs0);
    memcpy(e->b_mem0, e->hb.mem, FZ_MEM_SIZE);
    memcpy(e->b_regs0, e->b->vregs, RGPU_REGS_SIZE);
    memcpy(e->b_cfg0, e->b->cfg.data, VGPU_CFG_SIZE);
    e->b_mapped0 = e->hb.mapped;
}

/* Run every engine until idle; the watchdog (fake clock) bounds it. */
static inline void fz_run_idle(struct fz_env *e)
{
    unsigned int steps = 0;
    bool any;

    do {
        any = false;
        for (u32 eng = 0; eng < RGPU_NUM_ENGINES; eng++)
            while (vgpu_parent_sched_step(e->p, eng)) {
                any = true;
                FZ_CHECK(++steps < 100000);
            }
    } while (any);
}

/* What must hold after every input. */
static inline void fz_check_invariants(struct fz_env *e)
{
    const struct vgpu_gtt *g = &e->a->gtt;
    unsigned int mapped = 0;

    FZ_CHECK(memcmp(e->hb.mem, e->b_mem0, FZ_MEM_SIZE) == 0);
    FZ_CHECK(memcmp(e->b->vregs, e->b_regs0, RGPU_REGS_SIZE) == 0);
    FZ_CHECK(memcmp(e->b->cfg.data, e->b_cfg0, VGPU_CFG_SIZE) == 0);
    FZ_CHECK(e->hb.mapped == e->b_mapped0);
    FZ_CHECK(e->hb.nr_msi == 0 && e->hb.intx_changes == 0);
    FZ_CHECK(e->b->stat_mmio_traps == 0 && e->b->stat_workloads == 0);
    /* A: every frame it holds is mapped exactly once (the shadow's valid
     * bitmap counts them; a word at a time keeps this cheap). */
    for (u32 i = 0; i < (g->nr + 63) / 64; i++)
        mapped += (unsigned int)__builtin_popcountll(g->valid[i]);
    FZ_CHECK(mapped == e->ha.mapped);
    if (getenv("FUZZ_DEBUG"))       /* what an input did, for checking seeds */
        fprintf(stderr, "A: workloads %llu commands %llu rejects %llu faults %llu watchdogs %llu "
                "gtt %llu bad %llu msi %u mapped %u vblanks %llu\n",
                (unsigned long long)e->a->stat_workloads, (unsigned long long)e->a->stat_commands,
                (unsigned long long)e->a->stat_rejects, (unsigned long long)e->a->stat_faults,
                (unsigned long long)e->a->stat_watchdogs, (unsigned long long)e->a->stat_gtt_updates,
                (unsigned long long)e->a->stat_bad_access, e->ha.nr_msi, e->ha.mapped,
                (unsigned long long)e->a->stat_vblanks);
}

#endif /* FUZZ_ENV_H */
