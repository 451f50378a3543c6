/*
 * test_engine.c - submission and execution: TAIL write -> scan -> queue ->
 * manual scheduler step -> software engine, with results checked byte for
 * byte in guest memory behind the PTEs; rejected submissions, faults at
 * execution, the watchdog, and engine/device resets.
 */
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE
#define R RGPU_ENGINE_RENDER
#define C RGPU_ENGINE_COPY

static struct mech_env env;

static struct vgpu_stats stats(struct vgpu *v)
{
    struct vgpu_stats st;

    CU_ASSERT_EQUAL(vgpu_get_stats(v, &st), 0);
    return st;
}

static void unmask_all(struct vgpu *v)
{
    wr32(v, RGPU_REG_IMR, 0);
}

static void test_submit_execute(void)
{
    struct mech_opts o = { .nr = 2 };
    struct vgpu *v;
    struct ring r;
    u32 B, D, dw[64], n = 0, i;
    u8 *f0, *f1;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    B = (u32)v->gm_base;
    D = B + L_DATA;
    /* Data pages behind non-identity frames: D -> 0x200000, D+PG -> 0x1ff000. */
    gtt_set(v, D, 0x200000 | RGPU_PTE_VALID);
    gtt_set(v, D + PG, 0x1ff000 | RGPU_PTE_VALID);
    f0 = env.h[0].mem + 0x200000;
    f1 = env.h[0].mem + 0x1ff000;
    memset(f0, 0xee, PG);
    memset(f1, 0xee, PG);
    unmask_all(v);
    ring_init(&r, v, R);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);

    /* 4 rows of 64 32-bit pixels, pitch 512: the gaps stay untouched. */
    n += cmd_fill(dw + n, D, 512, RGPU_BPP_32, 64, 4, 0x11223344);
    /* 8-bit and 16-bit fills in the second page at odd offsets. */
    n += cmd_fill(dw + n, D + PG + 3, 10, RGPU_BPP_8, 5, 2, 0xab);
    n += cmd_fill(dw + n, D + PG + 0x102, 8, RGPU_BPP_16, 3, 2, 0xbeef);
    /* Copy the first row of the fill to the second page at 0x800. */
    n += cmd_copy(dw + n, D + PG + 0x800, 256, RGPU_BPP_32, 64, 1, D, 512);
    n += cmd_sdi(dw + n, D + PG + 0xffc, 0xcafef00d);
    dw[n++] = RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 4);
    dw[n++] = RGPU_REG_SCRATCH(1);
    dw[n++] = 0x5151;
    dw[n++] = RGPU_REG_SCRATCH(3);
    dw[n++] = 0x5353;
    n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, 42);
    n += cmd_sdx(dw + n, 0x40, 43);
    dw[n++] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    /* Scanned and queued, not yet run. */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), 0);       /* busy */
    CU_ASSERT_EQUAL(f0[0], 0xee);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), 0);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, C));      /* nothing on the copy engine */

    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_TAIL), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 42);       /* only HWS offset 0 */
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_HWS_RENDER), 42);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_HWS_RENDER + 0x40), 43);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(1)), 0x5151);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(3)), 0x5353);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE);
    /* The fill, row by row, at the frame behind the PTE. */
    for (i = 0; i < 4 * 512; i++) {
        u32 col = i % 512;
        u8 want = col < 256 ? (u8)(0x11223344u >> (8 * (col & 3))) : 0xee;

        if (f0[i] != want) {
            CU_FAIL("fill byte");
            break;
        }
    }
    CU_ASSERT_EQUAL(f0[4 * 512], 0xee);
    /* 8-bit: rows at +3 and +13, 5 bytes each. */
    CU_ASSERT_EQUAL(f1[2], 0xee);
    for (i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(f1[3 + i], 0xab);
        CU_ASSERT_EQUAL(f1[13 + i], 0xab);
    }
    CU_ASSERT_EQUAL(f1[8], 0xee);
    CU_ASSERT_EQUAL(f1[18], 0xee);
    /* 16-bit: rows at 0x102 and 0x10a, 3 pixels. */
    for (i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(f1[0x102 + 2 * i], 0xef);
        CU_ASSERT_EQUAL(f1[0x103 + 2 * i], 0xbe);
        CU_ASSERT_EQUAL(f1[0x10a + 2 * i], 0xef);
    }
    CU_ASSERT_EQUAL(f1[0x108], 0xee);
    /* The copy, and the dword at the very end of the page. */
    CU_ASSERT(memcmp(f1 + 0x800, f0, 256) == 0);
    CU_ASSERT_EQUAL(f1[0x800 + 256], 0xee);
    CU_ASSERT_EQUAL(*(u32 *)(f1 + 0xffc), 0xcafef00d);
    /* Nothing landed in the identity frames the PTEs used to name. */
    CU_ASSERT_EQUAL(env.h[0].mem[L_DATA], 0);
    CU_ASSERT_EQUAL(env.h[0].mem[L_DATA + PG + 0xffc], 0);
    {
        struct vgpu_stats st = stats(v);

        CU_ASSERT_EQUAL(st.workloads, 1);
        CU_ASSERT_EQUAL(st.commands, 9);
        CU_ASSERT_EQUAL(st.rejects, 0);
        CU_ASSERT_EQUAL(st.faults, 0);
    }
    /* The other vGPU saw none of it. */
    CU_ASSERT_EQUAL(rd32(env.v[1], RGPU_REG_IIR), 0);
    for (i = 0; i < MECH_MEM_SIZE; i++)
        if (env.h[1].mem[i]) {
            CU_FAIL("other vGPU's memory changed");
            break;
        }

    /* Two submissions, then the copy engine. */
    n = cmd_sdx(dw, 0, 44);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    n = cmd_sdx(dw, 0, 45);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 44);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail - 12);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 45);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    {
        struct ring rc;

        wr32(v, RGPU_REG_IIR, ~0u);
        ring_init(&rc, v, C);
        n = cmd_fill(dw, D, 64, RGPU_BPP_32, 16, 1, 0x01020304);
        n += cmd_sdx(dw + n, 0, 7);
        dw[n++] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
        ring_emit(&rc, dw, n);
        ring_submit(&rc);
        CU_ASSERT_EQUAL(run_idle(env.p), 1);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_SEQNO), 7);
        CU_ASSERT_EQUAL(gm_rd32(v, B + L_HWS_COPY), 7);
        CU_ASSERT_EQUAL(*(u32 *)(f0 + 60), 0x01020304);
        CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_COPY_USER | RGPU_IRQ_COPY_DONE);
    }
    mech_teardown(&env);
}

static void test_reject(void)
{
    struct mech_opts o = { .nr = 2 };
    struct vgpu *v;
    struct ring r;
    u32 B, dw[16], n, bad;
    struct vgpu_stats st;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    B = (u32)v->gm_base;
    bad = (u32)env.v[1]->gm_base + 0x100;
    unmask_all(v);
    ring_init(&r, v, R);
    n = cmd_sdi(dw, B + L_DATA, 1);
    n += cmd_sdi(dw + n, bad, 2);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    /* Rejected at the tail write, nothing queued. */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), bad);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE | RGPU_RING_STATUS_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ISR) & RGPU_IRQ_RENDER_ERROR, RGPU_IRQ_RENDER_ERROR);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 0);        /* not even the valid first command */
    st = stats(v);
    CU_ASSERT_EQUAL(st.rejects, 1);
    CU_ASSERT_EQUAL(st.workloads, 0);
    CU_ASSERT(st.resets >= 1);
    CU_ASSERT_EQUAL(env.h[1].mem[0x100], 0);
    CU_ASSERT_EQUAL(rd32(env.v[1], RGPU_REG_IIR), 0);

    /* The error bit is sticky across a good submission... */
    wr32(v, RGPU_REG_IIR, ~0u);
    n = cmd_sdi(dw, B + L_DATA, 3);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 3);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE | RGPU_RING_STATUS_ERROR);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    /* ...until RING_RESET. */
    ewr(v, R, RGPU_RING_RESET, 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);

    /* Copy engine: its own error bit; LRI is refused there. */
    {
        struct ring rc;

        wr32(v, RGPU_REG_IIR, ~0u);
        ring_init(&rc, v, C);
        dw[0] = RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2);
        dw[1] = RGPU_REG_SCRATCH(0);
        dw[2] = 1;
        ring_emit(&rc, dw, 3);
        ring_submit(&rc);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_ERROR), RGPU_ERR_OPCODE);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_ERROR_ADDR), rc.start);
        CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_COPY_ERROR);
        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    }
    /* Tail past the ring / ring disabled. */
    wr32(v, RGPU_REG_IIR, ~0u);
    ewr(v, R, RGPU_RING_TAIL, L_RING_PAGES * PG);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_RING);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), L_RING_PAGES * PG);
    /* The ring restarts at 0 (a tail outside it never becomes the head). */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), ereg(v, R, RGPU_RING_TAIL));
    CU_ASSERT(ereg(v, R, RGPU_RING_HEAD) < L_RING_PAGES * PG);
    ewr(v, R, RGPU_RING_RESET, 1);
    r.tail = ereg(v, R, RGPU_RING_TAIL);
    n = cmd_sdi(dw, B + L_DATA, 4);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 4);
    wr32(v, RGPU_REG_IIR, ~0u);
    ewr(v, R, RGPU_RING_CTL, RGPU_RING_CTL_SIZE(L_RING_PAGES));
    ewr(v, R, RGPU_RING_TAIL, 8);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_RING);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_ERROR);
    st = stats(v);
    CU_ASSERT_EQUAL(st.rejects, 4);
    mech_teardown(&env);
}

static void test_fault_unmapped(void)
{
    struct mech_opts o = { .nr = 2 };
    struct vgpu *v, *w;
    struct ring r, rw;
    u32 B, D, dw[16], n;
    struct vgpu_stats st;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    w = env.v[1];
    B = (u32)v->gm_base;
    D = B + L_DATA + 4 * PG;
    unmask_all(v);
    unmask_all(w);
    ring_init(&r, v, R);
    ring_init(&rw, w, R);
    /* Three rows, each in its own page; the middle page goes away after the scan. */
    n = cmd_fill(dw, D, PG, RGPU_BPP_32, 16, 3, 0x77777777);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    n = cmd_sdx(dw, 0, 9);
    ring_emit(&r, dw, n);
    ring_submit(&r);        /* queued behind: dropped by the fault's reset */
    n = cmd_sdx(dw, 0, 1234);
    ring_emit(&rw, dw, n);
    ring_submit(&rw);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    gtt_set(v, D + PG, 0);
    CU_ASSERT_EQUAL(run_idle(env.p), 2);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), D + PG);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE | RGPU_RING_STATUS_ERROR);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_ERROR);
    /* The first row was written before the fault; nothing after it. */
    CU_ASSERT_EQUAL(gm_rd32(v, D), 0x77777777);
    CU_ASSERT_EQUAL(gm_rd32(v, D + 2 * PG), 0);
    st = stats(v);
    CU_ASSERT_EQUAL(st.faults, 1);
    CU_ASSERT_EQUAL(st.workloads, 0);
    /* The other vGPU ran normally. */
    CU_ASSERT_EQUAL(ereg(w, R, RGPU_RING_SEQNO), 1234);
    CU_ASSERT_EQUAL(ereg(w, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(rd32(w, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    st = stats(w);
    CU_ASSERT_EQUAL(st.faults, 0);
    CU_ASSERT_EQUAL(st.workloads, 1);

    /* A STORE_DATA_IMM whose page is remapped to an unmappable frame. */
    ewr(v, R, RGPU_RING_RESET, 1);
    wr32(v, RGPU_REG_IIR, ~0u);
    n = cmd_sdi(dw, D + 8, 5);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    gtt_set(v, D, (u64)MECH_MEM_SIZE | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), D + 8);
    CU_ASSERT_EQUAL(stats(v).faults, 2);
    /* The HWS page of a STORE_DATA_INDEX. */
    ewr(v, R, RGPU_RING_RESET, 1);
    n = cmd_sdx(dw, 0x10, 5);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    gtt_set(v, B + L_HWS_RENDER, 0);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), B + L_HWS_RENDER + 0x10);
    CU_ASSERT_EQUAL(stats(v).faults, 3);
    mech_teardown(&env);
}

static void test_watchdog(void)
{
    struct mech_opts o = { .nr = 2, .slice_ns = 1000000, .watchdog_ns = 5000000 };
    struct vgpu *v, *w;
    struct ring r, rw;
    u32 B, bb, dw[16], n, i;
    struct vgpu_stats st;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = 100000;       /* 10 commands per 1 ms slice */
    v = env.v[0];
    w = env.v[1];
    B = (u32)v->gm_base;
    bb = B + L_BATCH;
    unmask_all(v);
    unmask_all(w);
    ring_init(&r, v, R);
    ring_init(&rw, w, R);
    /* v: 200 stores (a batch), budget 5 ms = 50 commands. */
    for (i = 0; i < 200; i++) {
        cmd_sdi(dw, B + L_DATA + 4 * i, i + 1);
        gm_write(v, bb + 12 * i, dw, 12);
    }
    gm_wr32(v, bb + 12 * 200, RGPU_CMD(RGPU_OP_BATCH_END, 0));
    n = cmd_bb(dw, bb);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    /* w: a short one. */
    n = 0;
    for (i = 0; i < 5; i++)
        n += cmd_sdi(dw + n, (u32)w->gm_base + L_DATA + 4 * i, 0x100 + i);
    ring_emit(&rw, dw, n);
    ring_submit(&rw);

    run_idle(env.p);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_WATCHDOG);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_ERROR | RGPU_IRQ_WATCHDOG);
    st = stats(v);
    CU_ASSERT_EQUAL(st.watchdogs, 1);
    CU_ASSERT_EQUAL(st.workloads, 0);
    /* Reset after the first slice that ended past the budget: 6 slices of 10. */
    CU_ASSERT_EQUAL(st.commands, 60);
    CU_ASSERT_EQUAL(st.busy_ns[R], 6000000);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA + 4 * 59), 60);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA + 4 * 60), 0);
    /* The other vGPU: complete, no error, no watchdog. */
    CU_ASSERT_EQUAL(ereg(w, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(ereg(w, R, RGPU_RING_HEAD), rw.tail);
    CU_ASSERT_EQUAL(rd32(w, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_EQUAL(gm_rd32(w, (u32)w->gm_base + L_DATA + 16), 0x104);
    st = stats(w);
    CU_ASSERT_EQUAL(st.watchdogs, 0);
    CU_ASSERT_EQUAL(st.workloads, 1);
    CU_ASSERT_EQUAL(st.commands, 5);
    /* The engine is usable again after the reset. */
    n = cmd_sdx(dw, 0, 77);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 77);
    mech_teardown(&env);
}

static void test_resets(void)
{
    struct mech_opts o = { .nr = 1 };
    struct vgpu *v;
    struct ring r, rc;
    u32 B, dw[8], n;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    B = (u32)v->gm_base;
    unmask_all(v);
    ring_init(&r, v, R);
    ring_init(&rc, v, C);
    /* RING_RESET drops queued work. */
    n = cmd_sdi(dw, B + L_DATA, 1);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), 0);
    ewr(v, R, RGPU_RING_RESET, 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 0);
    /* Writing 0 to RING_RESET does nothing. */
    n = cmd_sdi(dw, B + L_DATA, 2);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    ewr(v, R, RGPU_RING_RESET, 0);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 2);
    /* Toggling RING_CTL enable resets too. */
    n = cmd_sdi(dw, B + L_DATA, 3);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    ewr(v, R, RGPU_RING_CTL, RGPU_RING_CTL_SIZE(L_RING_PAGES));
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_TAIL), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), 0);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 2);
    /* GFX_RESET: both engines' queues dropped, registers back to reset values. */
    ring_init(&r, v, R);
    n = cmd_sdi(dw, B + L_DATA, 4);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    n = cmd_sdi(dw, B + L_DATA + 4, 4);
    ring_emit(&rc, dw, n);
    ring_submit(&rc);
    wr32(v, RGPU_REG_SCRATCH(0), 0x1234);
    wr32(v, RGPU_REG_IER, RGPU_IRQ_VALID_MASK);
    wr32(v, RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, C));
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 2);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA + 4), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(0)), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IER), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IMR), RGPU_IRQ_VALID_MASK);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_CTL), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    /* The GTT survived: a new ring works without remapping. */
    ring_init(&r, v, R);
    n = cmd_sdi(dw, B + L_DATA, 5);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA), 5);
    /* FLR with work queued: dropped, GTT gone. */
    ring_init(&r, v, R);
    n = cmd_sdi(dw, B + L_DATA, 6);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    cfgw(v, VGPU_CFG_AF_CAP + 4, 1, 1);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(*(u32 *)(env.h[0].mem + L_DATA), 5);
    mech_teardown(&env);
}

/* A 32 bpp fill whose pitch is not a multiple of 4: rows after the first
 * start misaligned (found by fuzz_scan under UBSan). */
static void test_fill_odd_pitch(void)
{
    struct mech_opts o = { .nr = 1 };
    struct vgpu *v;
    struct ring r;
    u32 D, dw[16], n = 0, row, x;
    u8 *m;
    bool ok = true;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    D = (u32)v->gm_base + L_DATA;
    m = env.h[0].mem + L_DATA;
    ring_init(&r, v, R);
    n += cmd_fill(dw + n, D, 4103, RGPU_BPP_32, 1024, 5, 0xa1b2c3d4);     /* rows cross pages */
    n += cmd_fill(dw + n, D + 0x8000, 66, RGPU_BPP_16, 33, 3, 0x1234);
    n += cmd_fill(dw + n, D + 0x9000, 65, RGPU_BPP_32, 16, 5, 0x01020304);    /* rows in a page */
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(run_idle(env.p), 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    for (row = 0; row < 5; row++) {
        for (x = 0; x < 4103; x++) {
            u8 want = x < 4096 ? (u8)(0xa1b2c3d4u >> (8 * (x & 3))) : 0;

            ok &= m[row * 4103 + x] == want || (x >= 4096 && row == 4);
        }
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(m[4 * 4103 + 4096], 0);
    for (row = 0, ok = true; row < 3; row++)
        for (x = 0; x < 66; x++)
            ok &= m[0x8000 + row * 66 + x] == (x < 66 ? (x & 1 ? 0x12 : 0x34) : 0);
    CU_ASSERT(ok);
    for (row = 0, ok = true; row < 5; row++)
        for (x = 0; x < 65; x++)
            ok &= m[0x9000 + row * 65 + x] == (x < 64 ? 4 - (x & 3) : 0);
    CU_ASSERT(ok);
    mech_teardown(&env);
}

void register_engine_tests(void)
{
    MECH_SUITE("engine", NULL, NULL,
               MT(test_submit_execute), MT(test_reject), MT(test_fault_unmapped),
               MT(test_watchdog), MT(test_resets), MT(test_fill_odd_pitch));
}
