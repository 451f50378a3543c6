/*
 * bench_mmio.c - cost of one register access through the core's region
 * API (lock, bounds checks, table lookup, masks, handler): what every
 * trapped guest MMIO access pays on top of the hypervisor's own exit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

void bench_mmio(const struct bench_opts *o)
{
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p;
    struct bench_vgpu b;
    struct bench_metric *mr = bench_metric("mmio.read_ns", "ns", GOAL_MAX, 100);
    struct bench_metric *mw = bench_metric("mmio.write_ns", "ns", GOAL_MAX, 100);
    struct bench_metric *mg = bench_metric("mmio.gtt_pte_write_ns", "ns", GOAL_NONE, 0);
    const long iters = (long)(1000000 * o->scale) + 1000;
    u32 val = 0, expect = 0;

    vgpu_parent_default_config(&cfg);
    cfg.manual = true;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (vgpu_parent_create(&cfg, &p) || bench_vgpu_create(p, "refgpu-8", 0, 1u << 20, &b)) {
        fprintf(stderr, "bench: mmio set-up failed\n");
        exit(1);
    }
    for (int rep = -1; rep < o->reps; rep++) {
        /* Hot registers: scratch, the interrupt identity and enable. */
        static const u32 regs[] = { RGPU_REG_SCRATCH(0), RGPU_REG_IIR, RGPU_REG_IER,
                                    RGPU_REG_SCRATCH(1) };
        double t;

        t = bench_now();
        for (long i = 0; i < iters; i++)
            vgpu_region_read(b.v, VGPU_REGION_BAR0, regs[i & 3], &val, 4);
        t = bench_now() - t;
        bench_clobber(&val);
        if (rep >= 0)
            bench_add(mr, t * 1e9 / (double)iters);

        t = bench_now();
        for (long i = 0; i < iters; i++) {
            val = (u32)i;
            if ((i & 3) == 3)
                expect = val;
            vgpu_region_write(b.v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(i & 3), &val, 4);
        }
        t = bench_now() - t;
        if (rep >= 0)
            bench_add(mw, t * 1e9 / (double)iters);

        /* Rewriting PTEs of the mapped range (frames stay the same: the
         * shadow is re-validated, the host mapping reused). */
        t = bench_now();
        for (long i = 0; i < iters / 8; i++) {
            u64 pte = ((u64)(i & 255) << VGPU_PAGE_SHIFT) | RGPU_PTE_VALID;
            u64 off = RGPU_GTT_BASE + ((b.gm_base >> VGPU_PAGE_SHIFT) + (u64)(i & 255)) * 8;

            vgpu_region_write(b.v, VGPU_REGION_BAR0, off, &pte, 8);
        }
        t = bench_now() - t;
        if (rep >= 0)
            bench_add(mg, t * 1e9 / (double)(iters / 8));
    }
    val = 0;
    vgpu_region_read(b.v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(3), &val, 4);
    if (val != expect) {
        fprintf(stderr, "bench: mmio writes did not land (SCRATCH3 = %u)\n", val);
        exit(1);
    }
    bench_vgpu_destroy(&b);
    vgpu_parent_destroy(p);
}
