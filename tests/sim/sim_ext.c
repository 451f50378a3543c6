/*
 * sim_ext.c - what only the in-process harness can check, hooked into the
 * shared scenarios (struct scn_ext, guest/scenarios/scn.h): the model's
 * statistics, the MSI messages the test host received (address and data
 * as programmed; IMR/IER/W1C semantics seen as messages), the plane as
 * the model scans it out, and an interrupt storm counted by the model.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "le_bytes.h"
#include "pci_cfg.h"

static struct sim_guest *guest_of(struct scn *s)
{
    return s->ext_ctx;
}

static void ext_stats(struct scn *s, struct scn_stats *out)
{
    struct vgpu_stats st;

    vgpu_get_stats(guest_of(s)->v, &st);
    out->mmio_traps = st.mmio_traps;
    out->rejects = st.rejects;
    out->faults = st.faults;
    out->resets = st.resets;
    out->bad_accesses = st.bad_accesses;
    out->interrupts = st.interrupts;
    out->commands = st.commands;
    out->vblanks = st.vblanks;
}

unsigned int sim_irq_events(struct sim_guest *g)
{
    /* Written by device-model threads under the vGPU lock: read atomically. */
    return __atomic_load_n(&g->host.nr_msi, __ATOMIC_ACQUIRE) +
           __atomic_load_n(&g->host.intx_changes, __ATOMIC_ACQUIRE);
}

static u64 ext_irqs(struct scn *s)
{
    return sim_irq_events(guest_of(s));
}

/* ------------------------------------------------------------ irq */
static void cfg_write(struct sim_guest *g, u32 off, u32 val, u32 len)
{
    u8 b[4];

    le32_store(b, val);
    vgpu_region_write(g->v, VGPU_REGION_CONFIG, off, b, len);
}

static u32 cfg_read(struct sim_guest *g, u32 off, u32 len)
{
    u8 b[4] = { 0 };

    vgpu_region_read(g->v, VGPU_REGION_CONFIG, off, b, len);
    return le32_load(b);
}

/* The MSI capability's offset, found as a guest kernel's
 * pci_find_capability() finds it: down the capability list, 48 hops at
 * most as Linux allows (0: none). */
static u32 msi_cap(struct sim_guest *g)
{
    u32 pos = cfg_read(g, PCI_CFG_CAP_PTR, 1), hops;

    for (hops = 0; pos && hops < 48; hops++) {
        pos &= ~3u;
        if (cfg_read(g, pos, 1) == PCI_CFG_CAP_ID_MSI)
            return pos;
        pos = cfg_read(g, pos + 1, 1);
    }
    return 0;
}

/* What the guest kernel's MSI set-up writes: address, data, enable. */
static bool enable_msi(struct sim_guest *g, u64 addr, u32 data)
{
    u32 cap = msi_cap(g);

    if (!cap)
        return false;
    cfg_write(g, cap + PCI_CFG_MSI_ADDR_LO, (u32)addr, 4);
    cfg_write(g, cap + PCI_CFG_MSI_ADDR_HI, (u32)(addr >> 32), 4);
    cfg_write(g, cap + PCI_CFG_MSI_DATA, data, 2);
    cfg_write(g, cap + PCI_CFG_MSI_FLAGS, PCI_CFG_MSI_FLAGS_ENABLE, 2);
    return true;
}

static unsigned int msi_count(struct sim_guest *g)
{
    return __atomic_load_n(&g->host.nr_msi, __ATOMIC_ACQUIRE);
}

static bool wait_msi(struct sim_guest *g, unsigned int count)
{
    u64 deadline = sim_now_ns() + SCN_WAIT_NS;

    while (msi_count(g) < count) {
        if (sim_now_ns() > deadline)
            return false;
        scn_sleep_ns(20000);
    }
    return true;
}

static bool fill_job(struct sim_guest *g, u32 engine, struct rgpu_bo *bo)
{
    u32 buf[16];
    struct rgpu_cs cs;
    int rc;

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    rgpu_cs_color_fill(&cs, bo->gfx, 64, RGPU_BPP_32, 16, 16, scn_rand(&g->scn));
    rc = scn_run(&g->scn, engine, &cs);
    CHECK(g, rc == 0, "fill job: %d", rc);
    /* The seqno lands before the USER_INTERRUPT after it executes and the
     * DONE event at completion: wait for those too, so the interrupt state
     * checked next is final. */
    rc = rgpu_wait_idle(g->dev, engine, SCN_WAIT_NS);
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
    cfg_write(g, PCI_CFG_COMMAND, PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER, 2);
    CHECK(g, enable_msi(g, msi_addr, msi_data), "no MSI capability in the capability list");
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
    scn_sleep_ns(2000000);
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
    scn_sleep_ns(2000000);
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
    scn_sleep_ns(1000000);
    CHECK(g, msi_count(g) == n0, "MSI after everything was acknowledged");

    /* 5. The error interrupt of a rejected submission. */
    rgpu_irq_enable(d, RGPU_IRQ_VALID_MASK);
    rgpu_irq_ack(d);
    n0 = msi_count(g);
    rc = rgpu_submit_raw(d, RGPU_ENGINE_COPY, &bad, 1);
    CHECK(g, rc == 0, "raw submit: %d", rc);
    rc = rgpu_irq_wait(d, RGPU_IRQ_COPY_ERROR, SCN_WAIT_NS, &iir);
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

static bool ext_irq(struct scn *s)
{
    struct sim_guest *g = guest_of(s);
    struct rgpu_bo *bo;
    int rc = rgpu_bo_create(g->dev, 0x1000, RGPU_MAP_BATCH, &bo);
    bool ok;

    CHECK(g, rc == 0, "bo: %d", rc);
    ok = irq_body(g, bo);
    rgpu_bo_destroy(g->dev, bo);
    rgpu_set_wait_mode(g->dev, RGPU_WAIT_POLL);
    if (ok)
        scn_note(s, "; MSI address/data as programmed; IMR, IER, W1C and re-edge semantics; "
                 "error IRQ");
    return ok;
}

/* ------------------------------------------------------------ display */
/* The plane as the model scans it out: what the guest drew, row by row. */
static bool ext_display_on(struct scn *s, const struct rgpu_bo *fb, const u8 *ref, u32 w, u32 h,
                           u32 stride)
{
    struct sim_guest *g = guest_of(s);
    struct vgpu_plane_info info;
    struct vgpu_stats st;
    u8 *pix = malloc((size_t)w * 4 * h);
    bool ok = true;
    int rc;

    CHECK(g, pix != NULL, "out of memory");
    rc = vgpu_display_read(g->v, &info, pix, (size_t)w * 4 * h);
    if (rc || !info.enabled || info.width != w || info.height != h || info.stride != stride ||
        info.surface != fb->gfx) {
        free(pix);
        return SCN_FAIL(s, "vgpu_display_read: %d, plane %ux%u stride %u at 0x%x", rc,
                        info.width, info.height, info.stride, info.surface);
    }
    for (u32 y = 0; ok && y < h; y++)
        ok = scn_compare(s, __FILE__, __LINE__, "scanout row", pix + (size_t)y * w * 4,
                         ref + (size_t)y * stride, w * 4);
    free(pix);
    if (!ok)
        return false;
    vgpu_get_stats(g->v, &st);
    CHECK(g, st.vblanks >= 3, "stats.vblanks %llu", (unsigned long long)st.vblanks);
    return true;
}

/* Plane off: nothing to scan out. */
static bool ext_display_off(struct scn *s)
{
    struct vgpu_plane_info info;
    int rc = vgpu_display_plane(guest_of(s)->v, &info);

    SCN_CHECK(s, rc == -ENODEV, "plane of a disabled pipe: %d", rc);
    return true;
}

/* ------------------------------------------------------------ storm */
#define STORM_PER_BATCH (0x4000 / 4 - 1)       /* USER_INTERRUPTs filling a 16 KiB batch */
#define STORM_SUBMITS 8                         /* of 5 batch calls each */
#define STORM_TOTAL (STORM_SUBMITS * 5 * STORM_PER_BATCH)

/* MSI on, every interrupt enabled, and the handler acknowledging as fast
 * as it can: each acknowledge may produce another message.  The model
 * must execute all of it and stay live. */
static bool storm(struct sim_guest *g, struct rgpu_bo *bb)
{
    struct rgpu_dev *d = g->dev;
    u32 *b = bb->cpu, i, c[10], seqno, acks = 0;
    struct vgpu_stats s0, s1;
    u64 deadline;
    int rc;

    if (!enable_msi(g, 0xfeee0000u, 0x41))
        return false;
    rgpu_irq_enable(d, RGPU_IRQ_VALID_MASK);

    for (i = 0; i < STORM_PER_BATCH; i++)
        b[i] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    b[i] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    for (i = 0; i < 5; i++) {
        c[2 * i] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
        c[2 * i + 1] = bb->gfx;
    }
    vgpu_get_stats(g->v, &s0);
    for (i = 0; i < STORM_SUBMITS; i++) {
        rc = rgpu_submit(d, i & 1, c, 10, &seqno);
        CHECK(g, rc == 0, "storm submit: %d", rc);
    }
    deadline = sim_now_ns() + SCN_WAIT_NS;
    while (rgpu_hws_seqno(d, RGPU_ENGINE_RENDER) != rgpu_last_seqno(d, RGPU_ENGINE_RENDER) ||
           rgpu_hws_seqno(d, RGPU_ENGINE_COPY) != rgpu_last_seqno(d, RGPU_ENGINE_COPY)) {
        CHECK(g, sim_now_ns() < deadline, "storm did not finish");
        if (rgpu_irq_ack(d))
            acks++;
    }
    /* The seqno is written by the ring's last commands; the engine accounts
     * the workload (commands executed) when it completes, a moment later. */
    for (i = 0; i < RGPU_NUM_ENGINES; i++) {
        rc = rgpu_wait_idle(d, i, SCN_WAIT_NS);
        CHECK(g, rc == 0, "storm: engine %u not idle: %d", i, rc);
    }
    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.commands - s0.commands >= STORM_TOTAL, "storm executed %llu commands",
          (unsigned long long)(s1.commands - s0.commands));
    CHECK(g, s1.interrupts > s0.interrupts, "storm delivered no interrupt");
    rgpu_irq_ack(d);
    scn_note(&g->scn, "storm: %u user interrupts, %llu MSIs delivered, %u acks;", STORM_TOTAL,
             (unsigned long long)(s1.interrupts - s0.interrupts), acks);
    return true;
}

static bool ext_malicious(struct scn *s)
{
    struct sim_guest *g = guest_of(s);
    u32 errs = rgpu_irq_error_bit(RGPU_ENGINE_RENDER) | rgpu_irq_error_bit(RGPU_ENGINE_COPY);
    struct rgpu_bo *bb;
    u8 *ref;
    bool ok;

    if (!scn_make_bo(s, 0x4000, RGPU_MAP_BATCH, false, &bb, &ref))
        return false;
    ok = storm(g, bb);
    scn_drop_bo(s, bb, ref);
    rgpu_irq_enable(g->dev, errs);      /* as the shared attacks left them */
    rgpu_irq_ack(g->dev);
    return ok;
}

const struct scn_ext sim_ext = {
    .stats = ext_stats,
    .irqs = ext_irqs,
    .irq = ext_irq,
    .display_on = ext_display_on,
    .display_off = ext_display_off,
    .malicious = ext_malicious,
};
