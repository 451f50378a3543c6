/*
 * sim_scenarios.c - the well-behaved guest scenarios: fill, copy, batch,
 * store, irq, display, multi.  Every result is compared byte for byte
 * with a reference computed on the CPU.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MSI_CAP 0x50            /* the vGPU's MSI capability (docs/pci-function.md) */
#define PCI_COMMAND 0x04

static bool for_each_guest(struct sim_machine *m, bool (*fn)(struct sim_guest *g))
{
    unsigned int i;

    for (i = 0; i < m->n; i++)
        if (!fn(&m->g[i]))
            return false;
    return true;
}

/* A BO with random contents and its reference copy. */
static bool make_bo(struct sim_guest *g, u32 size, enum rgpu_map_method how, bool random,
                    struct rgpu_bo **bo, u8 **ref)
{
    u32 i;
    int rc;

    *ref = NULL;
    rc = rgpu_bo_create(g->dev, size, how, bo);
    CHECK(g, rc == 0, "rgpu_bo_create(%u): %d", size, rc);
    *ref = malloc(size);
    if (!*ref) {
        rgpu_bo_destroy(g->dev, *bo);
        *bo = NULL;
        return sim_fail(g, __LINE__, "out of memory");
    }
    if (random)
        for (i = 0; i < size / 4; i++)
            ((u32 *)(*bo)->cpu)[i] = sim_rand(g);
    memcpy(*ref, (*bo)->cpu, size);
    return true;
}

static void drop_bo(struct sim_guest *g, struct rgpu_bo *bo, u8 *ref)
{
    rgpu_bo_destroy(g->dev, bo);
    free(ref);
}

/* ------------------------------------------------------------ fill */
static bool fill_passes(struct sim_guest *g, struct rgpu_bo *bo, u8 *ref)
{
    u32 buf[512], pass, k, off, pitch, w, h;
    struct rgpu_cs cs;
    int rc;

    for (pass = 0; pass < 6; pass++) {
        u32 bpp = pass % 3, engine = pass < 3 ? RGPU_ENGINE_RENDER : RGPU_ENGINE_COPY;

        rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
        for (k = 0; k < 8; k++) {
            u32 color = sim_rand(g);

            sim_rand_rect(g, bo->size, bpp, 300, 40, &off, &pitch, &w, &h);
            if (k == 7) {
                /* An odd pitch: rows start at every byte phase and cross
                 * page boundaries at odd offsets. */
                pitch = (w << bpp) + 2 * sim_rand_range(g, 0, 20) + 1;
                h = 40;
                off = sim_rand_range(g, 0, (bo->size - (h - 1) * pitch - (w << bpp)) >> bpp) << bpp;
            }
            rgpu_cs_color_fill(&cs, bo->gfx + off, pitch, bpp, w, h, color);
            sim_ref_fill(ref, off, pitch, bpp, w, h, color);
        }
        rc = sim_run(g, engine, &cs);
        CHECK(g, rc == 0, "fill pass %u (bpp %u, engine %u): %d", pass, bpp, engine, rc);
        COMPARE(g, bpp == 0 ? "8 bpp fill" : bpp == 1 ? "16 bpp fill" : "32 bpp fill",
                bo->cpu, ref, bo->size);
    }
    return true;
}

static bool fill_one(struct sim_guest *g)
{
    struct rgpu_bo *bo;
    u8 *ref;
    bool ok;

    if (!make_bo(g, 256 * 1024, RGPU_MAP_BATCH, true, &bo, &ref))
        return false;
    ok = fill_passes(g, bo, ref);
    drop_bo(g, bo, ref);
    return ok;
}

bool sim_scn_fill(struct sim_machine *m)
{
    if (!for_each_guest(m, fill_one))
        return false;
    sim_note(m, "6 passes x 8 rectangles per vGPU (8/16/32 bpp, render and copy engines, odd pitches)");
    return true;
}

/* ------------------------------------------------------------ copy */
static bool copy_passes(struct sim_guest *g, struct rgpu_bo *src, u8 *sref, struct rgpu_bo *dst,
                        u8 *dref)
{
    u32 buf[512], pass, k, soff, spitch, w, h, doff, dpitch;
    struct rgpu_cs cs;
    int rc;

    for (pass = 0; pass < 6; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;

        rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
        for (k = 0; k < 8; k++) {
            sim_rand_rect(g, src->size, bpp, 200, 48, &soff, &spitch, &w, &h);
            dpitch = (w << bpp) + (sim_rand_range(g, 0, 40) << bpp);
            if ((h - 1) * dpitch + (w << bpp) > dst->size)
                dpitch = spitch;
            doff = sim_rand_range(g, 0, (dst->size - (h - 1) * dpitch - (w << bpp)) >> bpp) << bpp;
            rgpu_cs_src_copy(&cs, dst->gfx + doff, dpitch, bpp, w, h, src->gfx + soff, spitch);
            sim_ref_copy(dref, doff, dpitch, sref, soff, spitch, bpp, w, h);
        }
        rc = sim_run(g, engine, &cs);
        CHECK(g, rc == 0, "copy pass %u: %d", pass, rc);
        COMPARE(g, "copy destination", dst->cpu, dref, dst->size);
        COMPARE(g, "copy source (must be unchanged)", src->cpu, sref, src->size);
    }
    return true;
}

static bool copy_one(struct sim_guest *g)
{
    struct rgpu_bo *src, *dst;
    struct vgpu_stats s0, s1, s2;
    u8 *sref, *dref;
    bool ok;

    /* The source is mapped one PTE at a time through the GTT window, the
     * destination with one batched update: both must work the same. */
    vgpu_get_stats(g->v, &s0);
    if (!make_bo(g, 128 * 1024, RGPU_MAP_WINDOW, true, &src, &sref))
        return false;
    vgpu_get_stats(g->v, &s1);
    if (!make_bo(g, 128 * 1024, RGPU_MAP_BATCH, true, &dst, &dref)) {
        drop_bo(g, src, sref);
        return false;
    }
    vgpu_get_stats(g->v, &s2);
    ok = copy_passes(g, src, sref, dst, dref);
    if (ok && g->idx == 0)
        sim_note(g->m, "mapping 32 pages: %llu MMIO traps through the GTT window, %llu batched;",
                 (unsigned long long)(s1.mmio_traps - s0.mmio_traps),
                 (unsigned long long)(s2.mmio_traps - s1.mmio_traps));
    drop_bo(g, dst, dref);
    drop_bo(g, src, sref);
    return ok;
}

bool sim_scn_copy(struct sim_machine *m)
{
    if (!for_each_guest(m, copy_one))
        return false;
    sim_note(m, "6 passes x 8 copies per vGPU");
    return true;
}

/* ------------------------------------------------------------ batch */
static bool batch_body(struct sim_guest *g, struct rgpu_bo *bb, struct rgpu_bo *data, u8 *ref)
{
    u32 b1 = bb->gfx, b2 = bb->gfx + 0x1000, ring[16], i;
    u32 *cpu = bb->cpu;
    struct rgpu_cs cs;
    int rc;

    /* Level 2 (bb + 4 KiB): a fill, a copy and a store. */
    rgpu_cs_init(&cs, cpu + 0x1000 / 4, 0x1000 / 4);
    rgpu_cs_color_fill(&cs, data->gfx + 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    sim_ref_fill(ref, 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    rgpu_cs_src_copy(&cs, data->gfx + 0x4000, 300, RGPU_BPP_8, 100, 30, data->gfx + 0x100, 200);
    sim_ref_copy(ref, 0x4000, 300, ref, 0x100, 200, RGPU_BPP_8, 100, 30);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8000, 0x22222222);
    sim_ref_fill(ref, 0x8000, 4, RGPU_BPP_32, 1, 1, 0x22222222);
    rgpu_cs_batch_end(&cs);
    CHECK(g, !cs.overflow, "level-2 batch overflow");

    /* Level 1 (bb): a fill, the level-2 batch, a store after it, and a
     * second call of the same level-2 batch. */
    rgpu_cs_init(&cs, cpu, 0x1000 / 4);
    rgpu_cs_color_fill(&cs, data->gfx + 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    sim_ref_fill(ref, 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    rgpu_cs_batch_start(&cs, b2);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8004, 0x11111111);
    sim_ref_fill(ref, 0x8004, 4, RGPU_BPP_32, 1, 1, 0x11111111);
    rgpu_cs_batch_start(&cs, b2);
    rgpu_cs_batch_end(&cs);
    CHECK(g, !cs.overflow, "level-1 batch overflow");

    /* Ring: the level-1 batch, then a store that must come after it. */
    rgpu_cs_init(&cs, ring, OS_ARRAY_SIZE(ring));
    rgpu_cs_batch_start(&cs, b1);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8008, 0x33333333);
    sim_ref_fill(ref, 0x8008, 4, RGPU_BPP_32, 1, 1, 0x33333333);
    {
        u32 seqno;

        rc = rgpu_submit(g->dev, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seqno);
        CHECK(g, rc == 0, "submit: %d", rc);
        /* The device executes its private copy of what it validated:
         * scribbling over the batches now must change nothing. */
        for (i = 0; i < bb->size / 4; i++)
            cpu[i] = 0xdeadbeef;
        rc = rgpu_wait_seqno(g->dev, RGPU_ENGINE_RENDER, seqno, SIM_WAIT_NS);
        CHECK(g, rc == 0, "nested batch: %d", rc);
    }
    COMPARE(g, "nested batch results", data->cpu, ref, data->size);
    return true;
}

static bool batch_one(struct sim_guest *g)
{
    struct rgpu_bo *bb, *data;
    u8 *bref, *ref;
    bool ok;

    if (!make_bo(g, 0x2000, RGPU_MAP_BATCH, false, &bb, &bref))
        return false;
    if (!make_bo(g, 0x10000, RGPU_MAP_BATCH, true, &data, &ref)) {
        drop_bo(g, bb, bref);
        return false;
    }
    ok = batch_body(g, bb, data, ref);
    drop_bo(g, data, ref);
    drop_bo(g, bb, bref);
    return ok;
}

bool sim_scn_batch(struct sim_machine *m)
{
    if (!for_each_guest(m, batch_one))
        return false;
    sim_note(m, "ring -> batch -> batch (depth 2), level-2 batch called twice, batches "
             "overwritten after submission");
    return true;
}

/* ------------------------------------------------------------ store */
static bool store_body(struct sim_guest *g, struct rgpu_bo *data, u8 *ref)
{
    u32 buf[512], i, seqno = 0, regs[4], vals[4];
    struct rgpu_engine_state st;
    struct rgpu_cs cs;
    int rc;

    /* STORE_DATA_IMM at random dwords, STORE_DATA_INDEX into the HWS. */
    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    for (i = 0; i < 64; i++) {
        u32 off = 4 * sim_rand_range(g, 0, data->size / 4 - 1), val = sim_rand(g);

        rgpu_cs_store_imm(&cs, data->gfx + off, val);
        sim_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, val);
    }
    for (i = 16; i < 48; i++)
        rgpu_cs_store_index(&cs, 4 * i, 0xabc00000 + i);
    rc = sim_run(g, RGPU_ENGINE_COPY, &cs);
    CHECK(g, rc == 0, "stores: %d", rc);
    COMPARE(g, "STORE_DATA_IMM results", data->cpu, ref, data->size);
    /* The HWS page is ordinary memory the guest reads through its CPU
     * mapping; engine_init allocated it right after the ring. */
    rc = rgpu_wait_idle(g->dev, RGPU_ENGINE_COPY, SIM_WAIT_NS);   /* RING_SEQNO follows HWS[0] */
    CHECK(g, rc == 0, "copy idle: %d", rc);
    rgpu_engine_state(g->dev, RGPU_ENGINE_COPY, &st);
    CHECK(g, st.seqno_reg == rgpu_last_seqno(g->dev, RGPU_ENGINE_COPY) &&
             rgpu_hws_seqno(g->dev, RGPU_ENGINE_COPY) == st.seqno_reg,
          "RING_SEQNO 0x%x, HWS seqno 0x%x, last 0x%x", st.seqno_reg,
          rgpu_hws_seqno(g->dev, RGPU_ENGINE_COPY), rgpu_last_seqno(g->dev, RGPU_ENGINE_COPY));

    /* Many back-to-back submissions: the ring wraps several times, the
     * library pads at the ring end and waits for HEAD; seqnos complete in
     * order. */
    for (i = 0; i < 3000; i++) {
        u32 off = 4 * (i % (data->size / 4));

        rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
        rgpu_cs_store_imm(&cs, data->gfx + off, i);
        if (i % 7 == 0)
            rgpu_cs_color_fill(&cs, data->gfx + 0x8000 + 4 * (i % 64), 4, RGPU_BPP_32, 1, 1, i);
        rc = rgpu_submit(g->dev, i % 2 ? RGPU_ENGINE_RENDER : RGPU_ENGINE_COPY, cs.buf, cs.len,
                         &seqno);
        CHECK(g, rc == 0, "submission %u: %d", i, rc);
        sim_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, i);
        if (i % 7 == 0)
            sim_ref_fill(ref, 0x8000 + 4 * (i % 64), 4, RGPU_BPP_32, 1, 1, i);
    }
    /* The engines run concurrently; each STORE target is written once,
     * and fills hitting the same dword are 448 submissions apart (same
     * engine, so ordered): the final contents are deterministic. */
    rc = rgpu_wait_seqno(g->dev, RGPU_ENGINE_RENDER, rgpu_last_seqno(g->dev, RGPU_ENGINE_RENDER),
                         SIM_WAIT_NS);
    CHECK(g, rc == 0, "render drain: %d", rc);
    rc = rgpu_wait_seqno(g->dev, RGPU_ENGINE_COPY, rgpu_last_seqno(g->dev, RGPU_ENGINE_COPY),
                         SIM_WAIT_NS);
    CHECK(g, rc == 0, "copy drain: %d", rc);
    CHECK(g, rgpu_last_seqno(g->dev, RGPU_ENGINE_RENDER) >= 1500, "render seqno %u",
          rgpu_last_seqno(g->dev, RGPU_ENGINE_RENDER));
    COMPARE(g, "stores across ring wraps", data->cpu, ref, data->size);
    rc = rgpu_wait_idle(g->dev, RGPU_ENGINE_RENDER, SIM_WAIT_NS);
    CHECK(g, rc == 0, "render idle: %d", rc);

    /* LOAD_REGISTER_IMM to the scratch registers (render engine only). */
    for (i = 0; i < 4; i++) {
        regs[i] = RGPU_REG_SCRATCH(i);
        vals[i] = 0x5c000000u + (g->idx << 8) + i;
    }
    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    rgpu_cs_lri(&cs, regs, vals, 4);
    rc = sim_run(g, RGPU_ENGINE_RENDER, &cs);
    CHECK(g, rc == 0, "LRI: %d", rc);
    for (i = 0; i < 4; i++)
        CHECK(g, rgpu_read(g->dev, RGPU_REG_SCRATCH(i)) == vals[i], "SCRATCH%u = 0x%x, want 0x%x",
              i, rgpu_read(g->dev, RGPU_REG_SCRATCH(i)), vals[i]);
    return true;
}

static bool store_one(struct sim_guest *g)
{
    struct rgpu_bo *data;
    u8 *ref;
    bool ok;

    if (!make_bo(g, 0x10000, RGPU_MAP_BATCH, true, &data, &ref))
        return false;
    ok = store_body(g, data, ref);
    drop_bo(g, data, ref);
    return ok;
}

bool sim_scn_store(struct sim_machine *m)
{
    if (!for_each_guest(m, store_one))
        return false;
    sim_note(m, "64 STORE_DATA_IMM + 32 STORE_DATA_INDEX, 3000 back-to-back submissions over "
             "16 KiB rings, LRI x4");
    return true;
}

/* ------------------------------------------------------------ irq */
static void cfg_write(struct sim_guest *g, u32 off, u32 val, u32 len)
{
    u8 b[4] = { (u8)val, (u8)(val >> 8), (u8)(val >> 16), (u8)(val >> 24) };

    vgpu_region_write(g->v, VGPU_REGION_CONFIG, off, b, len);
}

static unsigned int msi_count(struct sim_guest *g)
{
    return __atomic_load_n(&g->host.nr_msi, __ATOMIC_ACQUIRE);
}

static bool wait_msi(struct sim_guest *g, unsigned int count)
{
    u64 deadline = sim_now_ns() + SIM_WAIT_NS;

    while (msi_count(g) < count) {
        if (sim_now_ns() > deadline)
            return false;
        sim_sleep_ns(20000);
    }
    return true;
}

static bool fill_job(struct sim_guest *g, u32 engine, struct rgpu_bo *bo)
{
    u32 buf[16];
    struct rgpu_cs cs;
    int rc;

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    rgpu_cs_color_fill(&cs, bo->gfx, 64, RGPU_BPP_32, 16, 16, sim_rand(g));
    rc = sim_run(g, engine, &cs);
    CHECK(g, rc == 0, "fill job: %d", rc);
    /* The seqno lands before the USER_INTERRUPT after it executes and the
     * DONE event at completion: wait for those too, so the interrupt state
     * checked next is final. */
    rc = rgpu_wait_idle(g->dev, engine, SIM_WAIT_NS);
    CHECK(g, rc == 0, "fill job idle: %d", rc);
    return true;
}

static bool irq_body(struct sim_guest *g, struct rgpu_bo *bo)
{
    const u64 msi_addr = 0xfee00000u | (g->idx << 12);
    const u32 msi_data = 0x4020 + g->idx;
    struct rgpu_dev *d = g->dev;
    struct vgpu_stats s0, s1;
    unsigned int n0, i;
    u32 iir, bad = 0x7f000000u;
    int rc;

    /* What the guest kernel's pci_enable_msi() does: address, data, enable. */
    cfg_write(g, PCI_COMMAND, 0x0006, 2);               /* memory decode + bus master */
    cfg_write(g, MSI_CAP + 0x04, (u32)msi_addr, 4);
    cfg_write(g, MSI_CAP + 0x08, (u32)(msi_addr >> 32), 4);
    cfg_write(g, MSI_CAP + 0x0c, msi_data, 2);
    cfg_write(g, MSI_CAP + 0x02, 0x0001, 2);
    rgpu_irq_enable(d, RGPU_IRQ_RENDER_USER | RGPU_IRQ_COPY_USER | RGPU_IRQ_RENDER_ERROR |
                       RGPU_IRQ_COPY_ERROR);
    rgpu_irq_ack(d);
    rgpu_set_wait_mode(d, RGPU_WAIT_IRQ);
    vgpu_get_stats(g->v, &s0);

    /* 1. Completion by interrupt: every wait below sleeps until an MSI. */
    n0 = msi_count(g);
    for (i = 0; i < 10; i++)
        if (!fill_job(g, i & 1, bo))
            return false;
    CHECK(g, msi_count(g) > n0, "no MSI for 10 user interrupts (%u)", msi_count(g));
    for (i = n0; i < msi_count(g) && i < TESTHOST_MAX_EVENTS; i++)
        CHECK(g, g->host.msi[i].addr == msi_addr && g->host.msi[i].data == msi_data,
              "MSI %u: addr 0x%llx data 0x%x, programmed 0x%llx / 0x%x", i,
              (unsigned long long)g->host.msi[i].addr, g->host.msi[i].data,
              (unsigned long long)msi_addr, msi_data);

    /* 2. IMR: a masked event shows in ISR but never latches in IIR. */
    rgpu_set_wait_mode(d, RGPU_WAIT_POLL);
    rgpu_irq_ack(d);
    rgpu_write(d, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK & ~RGPU_IRQ_COPY_USER);
    n0 = msi_count(g);
    if (!fill_job(g, RGPU_ENGINE_RENDER, bo))
        return false;
    CHECK(g, rgpu_read(d, RGPU_REG_ISR) & RGPU_IRQ_RENDER_USER, "ISR lacks RENDER_USER: 0x%x",
          rgpu_read(d, RGPU_REG_ISR));
    CHECK(g, !(rgpu_read(d, RGPU_REG_IIR) & RGPU_IRQ_RENDER_USER), "masked event latched: IIR 0x%x",
          rgpu_read(d, RGPU_REG_IIR));
    sim_sleep_ns(2000000);
    CHECK(g, msi_count(g) == n0, "MSI for a masked event");

    /* 3. IER: a latched but disabled event interrupts once enabled. */
    rgpu_write(d, RGPU_REG_IMR, 0);
    rgpu_write(d, RGPU_REG_IER, 0);
    rgpu_irq_ack(d);
    n0 = msi_count(g);
    if (!fill_job(g, RGPU_ENGINE_RENDER, bo))
        return false;
    iir = rgpu_read(d, RGPU_REG_IIR);
    CHECK(g, (iir & (RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE)) ==
             (RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE), "IIR 0x%x after a render job", iir);
    sim_sleep_ns(2000000);
    CHECK(g, msi_count(g) == n0, "MSI with IER = 0");
    rgpu_write(d, RGPU_REG_IER, RGPU_IRQ_RENDER_USER);
    CHECK(g, wait_msi(g, n0 + 1), "no MSI when IER enabled a latched event");

    /* 4. W1C, and one more edge when clearing leaves enabled bits latched. */
    rgpu_write(d, RGPU_REG_IER, RGPU_IRQ_RENDER_USER | RGPU_IRQ_COPY_USER);
    if (!fill_job(g, RGPU_ENGINE_COPY, bo))
        return false;
    n0 = msi_count(g);
    rgpu_write(d, RGPU_REG_IIR, RGPU_IRQ_RENDER_USER);
    iir = rgpu_read(d, RGPU_REG_IIR);
    CHECK(g, !(iir & RGPU_IRQ_RENDER_USER) && (iir & RGPU_IRQ_COPY_USER),
          "IIR 0x%x after clearing RENDER_USER only", iir);
    CHECK(g, wait_msi(g, n0 + 1), "no MSI for the still-latched COPY_USER after a partial clear");
    n0 = msi_count(g);
    rgpu_irq_ack(d);
    CHECK(g, rgpu_read(d, RGPU_REG_IIR) == 0, "IIR 0x%x after ack", rgpu_read(d, RGPU_REG_IIR));
    sim_sleep_ns(1000000);
    CHECK(g, msi_count(g) == n0, "MSI after everything was acknowledged");

    /* 5. The error interrupt of a rejected submission. */
    rgpu_irq_enable(d, RGPU_IRQ_VALID_MASK);
    rgpu_irq_ack(d);
    n0 = msi_count(g);
    rc = rgpu_submit_raw(d, RGPU_ENGINE_COPY, &bad, 1);
    CHECK(g, rc == 0, "raw submit: %d", rc);
    rc = rgpu_irq_wait(d, RGPU_IRQ_COPY_ERROR, SIM_WAIT_NS, &iir);
    CHECK(g, rc == 0, "no COPY_ERROR: %d", rc);
    CHECK(g, msi_count(g) > n0, "no MSI for COPY_ERROR");
    CHECK(g, rgpu_read(d, RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_ERROR) == RGPU_ERR_OPCODE,
          "RING_ERROR %u", rgpu_read(d, RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_ERROR));
    rc = rgpu_engine_reset(d, RGPU_ENGINE_COPY);
    CHECK(g, rc == 0, "engine reset: %d", rc);
    if (!fill_job(g, RGPU_ENGINE_COPY, bo))
        return false;

    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.interrupts > s0.interrupts, "stats.interrupts did not advance");
    CHECK(g, g->host.intx_level == false, "INTx asserted while MSI is on");
    return true;
}

static bool irq_one(struct sim_guest *g)
{
    struct rgpu_bo *bo;
    int rc = rgpu_bo_create(g->dev, 0x1000, RGPU_MAP_BATCH, &bo);
    bool ok;

    CHECK(g, rc == 0, "bo: %d", rc);
    ok = irq_body(g, bo);
    rgpu_bo_destroy(g->dev, bo);
    return ok;
}

bool sim_scn_irq(struct sim_machine *m)
{
    if (!for_each_guest(m, irq_one))
        return false;
    sim_note(m, "MSI address/data as programmed; IMR, IER, W1C and re-edge semantics; error IRQ");
    return true;
}

/* ------------------------------------------------------------ display */
#define DISP_W 640u
#define DISP_H 400u
#define DISP_STRIDE 2816u       /* > 640 * 4, a multiple of 64 */

static bool display_draw(struct sim_guest *g, struct rgpu_bo *fb, u8 *ref, struct rgpu_bo *pat,
                         u8 *pref)
{
    u32 buf[256], k;
    struct rgpu_cs cs;
    int rc;

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    rgpu_cs_color_fill(&cs, fb->gfx, DISP_STRIDE, RGPU_BPP_32, DISP_W, DISP_H,
                       0x00102030 * (g->idx + 1));
    sim_ref_fill(ref, 0, DISP_STRIDE, RGPU_BPP_32, DISP_W, DISP_H, 0x00102030 * (g->idx + 1));
    for (k = 0; k < 6; k++) {
        u32 x = sim_rand_range(g, 0, DISP_W - 100), y = sim_rand_range(g, 0, DISP_H - 80);
        u32 off = y * DISP_STRIDE + 4 * x, c = sim_rand(g) & 0xffffff;

        rgpu_cs_color_fill(&cs, fb->gfx + off, DISP_STRIDE, RGPU_BPP_32, 100, 80, c);
        sim_ref_fill(ref, off, DISP_STRIDE, RGPU_BPP_32, 100, 80, c);
    }
    /* A random pattern blitted in. */
    rgpu_cs_src_copy(&cs, fb->gfx + 50 * DISP_STRIDE + 40, DISP_STRIDE, RGPU_BPP_32, 64, 64,
                     pat->gfx, 256);
    sim_ref_copy(ref, 50 * DISP_STRIDE + 40, DISP_STRIDE, pref, 0, 256, RGPU_BPP_32, 64, 64);
    rc = sim_run(g, RGPU_ENGINE_RENDER, &cs);
    CHECK(g, rc == 0, "drawing: %d", rc);
    COMPARE(g, "framebuffer in guest memory", fb->cpu, ref, DISP_STRIDE * DISP_H);
    rc = rgpu_display_set(g->dev, fb->gfx, DISP_W, DISP_H, DISP_STRIDE);
    CHECK(g, rc == 0, "display_set: %d", rc);
    return true;
}

static bool display_check(struct sim_guest *g, struct rgpu_bo *fb, const u8 *ref, u32 frame0)
{
    struct vgpu_plane_info info;
    struct vgpu_stats st;
    u8 *pix = malloc((size_t)DISP_W * 4 * DISP_H);
    u32 y, frame;
    int rc;
    bool ok = true;

    CHECK(g, pix != NULL, "out of memory");
    rc = vgpu_display_read(g->v, &info, pix, (size_t)DISP_W * 4 * DISP_H);
    if (rc || !info.enabled || info.width != DISP_W || info.height != DISP_H ||
        info.stride != DISP_STRIDE || info.surface != fb->gfx) {
        free(pix);
        return sim_fail(g, __LINE__, "vgpu_display_read: %d, plane %ux%u stride %u at 0x%x", rc,
                        info.width, info.height, info.stride, info.surface);
    }
    for (y = 0; ok && y < DISP_H; y++)
        ok = sim_compare(g, __LINE__, "scanout row", pix + (size_t)y * DISP_W * 4,
                         ref + (size_t)y * DISP_STRIDE, DISP_W * 4);
    free(pix);
    if (!ok)
        return false;
    /* At 60 Hz, 3 vblanks take 50 ms; the vblank thread may be starved
     * on a loaded host (it never bursts to catch up), so wait for them
     * rather than assume a sleep was enough. */
    for (u64 t0 = sim_now_ns(); (frame = rgpu_display_frame(g->dev)) < frame0 + 3 &&
                                sim_now_ns() - t0 < SIM_WAIT_NS;)
        sim_sleep_ns(10000000);
    CHECK(g, frame >= frame0 + 3, "PIPE_FRMCOUNT %u -> %u", frame0, frame);
    vgpu_get_stats(g->v, &st);
    CHECK(g, st.vblanks >= 3, "stats.vblanks %llu", (unsigned long long)st.vblanks);
    rc = rgpu_irq_wait(g->dev, RGPU_IRQ_VBLANK, SIM_WAIT_NS, NULL);
    CHECK(g, rc == 0, "no VBLANK interrupt: %d", rc);
    /* Plane off: nothing to scan out. */
    rgpu_display_off(g->dev);
    rc = vgpu_display_plane(g->v, &info);
    CHECK(g, rc == -ENODEV, "plane of a disabled pipe: %d", rc);
    return true;
}

bool sim_scn_display(struct sim_machine *m)
{
    struct rgpu_bo *fb[SIM_MAX_VGPUS] = { NULL }, *pat[SIM_MAX_VGPUS] = { NULL };
    u8 *ref[SIM_MAX_VGPUS] = { NULL }, *pref[SIM_MAX_VGPUS] = { NULL };
    u32 frame0[SIM_MAX_VGPUS] = { 0 };
    unsigned int i;
    bool ok = true;

    for (i = 0; ok && i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        ok = make_bo(g, DISP_STRIDE * DISP_H, RGPU_MAP_BATCH, true, &fb[i], &ref[i]) &&
             make_bo(g, 256 * 64, RGPU_MAP_BATCH, true, &pat[i], &pref[i]) &&
             display_draw(g, fb[i], ref[i], pat[i], pref[i]);
        frame0[i] = ok ? rgpu_display_frame(g->dev) : 0;
    }
    if (ok)
        sim_sleep_ns(120000000);        /* > 7 vblanks at 60 Hz */
    for (i = 0; ok && i < m->n; i++)
        ok = display_check(&m->g[i], fb[i], ref[i], frame0[i]);
    for (i = 0; i < m->n; i++) {
        if (pat[i])
            drop_bo(&m->g[i], pat[i], pref[i]);
        else
            free(pref[i]);
        if (fb[i])
            drop_bo(&m->g[i], fb[i], ref[i]);
        else
            free(ref[i]);
    }
    if (ok)
        sim_note(m, "%ux%u XRGB8888, stride %u, read through vgpu_display_read; FRMCOUNT and "
                 "VBLANK advance", DISP_W, DISP_H, DISP_STRIDE);
    return ok;
}

/* ------------------------------------------------------------ multi */
#define MULTI_ROUNDS 24
#define MULTI_BO (64 * 1024)

struct multi_guest {
    struct sim_guest *g;
    struct rgpu_bo *a, *b, *canary;
    u8 *aref, *bref, *cref;
    bool ok;
};

static void *multi_thread(void *arg)
{
    struct multi_guest *mg = arg;
    u32 r;

    mg->ok = true;
    for (r = 0; mg->ok && r < MULTI_ROUNDS; r++)
        mg->ok = sim_work_round(mg->g, mg->a, mg->aref, mg->b, mg->bref, r);
    return NULL;
}

bool sim_scn_multi(struct sim_machine *m)
{
    struct multi_guest mg[SIM_MAX_VGPUS];
    pthread_t th[SIM_MAX_VGPUS];
    bool started[SIM_MAX_VGPUS] = { false }, ok = true;
    unsigned int i;
    u32 k;

    memset(mg, 0, sizeof(mg));
    for (i = 0; ok && i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        mg[i].g = g;
        ok = make_bo(g, MULTI_BO, RGPU_MAP_BATCH, true, &mg[i].a, &mg[i].aref) &&
             make_bo(g, MULTI_BO, RGPU_MAP_BATCH, true, &mg[i].b, &mg[i].bref) &&
             make_bo(g, MULTI_BO, RGPU_MAP_BATCH, false, &mg[i].canary, &mg[i].cref);
        if (ok) {
            /* A canary no command targets, in a pattern distinct per guest. */
            for (k = 0; k < MULTI_BO; k++)
                mg[i].cref[k] = (u8)(0xa5 ^ i ^ k);
            memcpy(mg[i].canary->cpu, mg[i].cref, MULTI_BO);
        }
    }
    for (i = 0; ok && i < m->n; i++)
        started[i] = pthread_create(&th[i], NULL, multi_thread, &mg[i]) == 0;
    for (i = 0; i < m->n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else if (ok)
            ok = sim_fail(&m->g[i], __LINE__, "pthread_create failed");
    }
    for (i = 0; ok && i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        ok = mg[i].ok &&
             sim_compare(g, __LINE__, "final A", mg[i].a->cpu, mg[i].aref, MULTI_BO) &&
             sim_compare(g, __LINE__, "final B", mg[i].b->cpu, mg[i].bref, MULTI_BO) &&
             sim_compare(g, __LINE__, "canary", mg[i].canary->cpu, mg[i].cref, MULTI_BO) &&
             sim_untouched(g);
    }
    for (i = 0; i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        if (mg[i].canary)
            drop_bo(g, mg[i].canary, mg[i].cref);
        else
            free(mg[i].cref);
        if (mg[i].b)
            drop_bo(g, mg[i].b, mg[i].bref);
        else
            free(mg[i].bref);
        if (mg[i].a)
            drop_bo(g, mg[i].a, mg[i].aref);
        else
            free(mg[i].aref);
    }
    if (ok)
        sim_note(m, "%u threads x %u rounds (fills and copies on both engines), canaries and "
                 "unallocated memory untouched", m->n, MULTI_ROUNDS);
    return ok;
}
