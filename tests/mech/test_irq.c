/*
 * test_irq.c - interrupt masking through the whole path: engine-raised
 * bits -> ISR -> IMR -> IIR -> IER -> MSI (enabled / masked / pending) or
 * INTx, with real USER/DONE interrupts from executed workloads, and the
 * IIR-clear race of two completions.
 */
#include <string.h>

#include "mech.h"
#include "pci_cfg.h"

#define R RGPU_ENGINE_RENDER
#define C RGPU_ENGINE_COPY
#define MSI_CAP VGPU_CFG_MSI_CAP

static struct mech_env env;
static struct vgpu *V;
static struct ring rr, rc;

static void setup(void)
{
    struct mech_opts o = { .nr = 2 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    V = env.v[0];
    ring_init(&rr, V, R);
    ring_init(&rc, V, C);
}

/* Submit STORE_DATA_INDEX seq + USER_INTERRUPT on engine e (not run yet). */
static void submit_user(struct ring *r, u32 seq)
{
    u32 dw[4], n = cmd_sdx(dw, 0, seq);

    dw[n++] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    ring_emit(r, dw, n);
    ring_submit(r);
}

static void msi_enable(struct vgpu *v, u32 data)
{
    cfgw(v, MSI_CAP + 4, 4, 0xfee00000);
    cfgw(v, MSI_CAP + 8, 4, 0);
    cfgw(v, MSI_CAP + 12, 2, data);
    cfgw(v, MSI_CAP + 2, 2, 1);
}

static void test_imr_blocks_latching(void)
{
    setup();
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IMR), RGPU_IRQ_VALID_MASK);       /* reset: all masked */
    wr32(V, RGPU_REG_IER, RGPU_IRQ_VALID_MASK);
    submit_user(&rr, 1);
    run_idle(env.p);
    /* Live status shows the events; nothing latched, nothing delivered. */
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_ISR), RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[0].intx_changes, 0);
    /* Unmasking later does not latch the past. */
    wr32(V, RGPU_REG_IMR, 0);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);
    /* Mask USER only. */
    wr32(V, RGPU_REG_IMR, RGPU_IRQ_RENDER_USER);
    submit_user(&rr, 2);
    run_idle(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_TRUE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_SEQNO), 2);
    /* IMR bits outside the valid mask do not stick. */
    wr32(V, RGPU_REG_IMR, ~0u);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IMR), RGPU_IRQ_VALID_MASK);
    mech_teardown(&env);
}

static void test_ier_gates_intx(void)
{
    u32 iir;

    setup();
    wr32(V, RGPU_REG_IMR, 0);
    submit_user(&rr, 1);
    run_idle(env.p);
    iir = rd32(V, RGPU_REG_IIR);
    CU_ASSERT_EQUAL(iir, RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_FALSE(env.h[0].intx_level);           /* IER = 0 */
    CU_ASSERT_EQUAL(cfgr(V, PCI_CFG_STATUS, 2) & PCI_CFG_STATUS_INTERRUPT, 0);
    wr32(V, RGPU_REG_IER, RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_TRUE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[0].intx_changes, 1);
    CU_ASSERT(cfgr(V, PCI_CFG_STATUS, 2) & PCI_CFG_STATUS_INTERRUPT);
    /* Acknowledging USER alone keeps the line up (DONE still latched). */
    wr32(V, RGPU_REG_IIR, RGPU_IRQ_RENDER_USER);
    CU_ASSERT_TRUE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_ISR), RGPU_IRQ_RENDER_DONE);   /* acked bits leave ISR */
    wr32(V, RGPU_REG_IIR, RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[0].intx_changes, 2);
    /* INTx disabled in the command register: status bit, no line. */
    cfgw(V, PCI_CFG_COMMAND, 2, cfgr(V, PCI_CFG_COMMAND, 2) | PCI_CFG_COMMAND_INTX_DISABLE);
    submit_user(&rr, 2);
    run_idle(env.p);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT(cfgr(V, PCI_CFG_STATUS, 2) & PCI_CFG_STATUS_INTERRUPT);
    cfgw(V, PCI_CFG_COMMAND, 2, cfgr(V, PCI_CFG_COMMAND, 2) & ~PCI_CFG_COMMAND_INTX_DISABLE);
    CU_ASSERT_TRUE(env.h[0].intx_level);
    /* Dropping IER deasserts. */
    wr32(V, RGPU_REG_IER, 0);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[1].intx_changes, 0);
    mech_teardown(&env);
}

static void test_msi_delivery(void)
{
    u32 iir;
    struct vgpu_stats st;

    setup();
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_REG_IER, RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE | RGPU_IRQ_COPY_USER);
    msi_enable(V, 0x4041);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 0);
    submit_user(&rr, 1);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 0);            /* queued, not run */
    run_idle(env.p);
    /* USER and DONE in one run: one message (one rising edge). */
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    CU_ASSERT_EQUAL(env.h[0].msi[0].addr, 0xfee00000);
    CU_ASSERT_EQUAL(env.h[0].msi[0].data, 0x4041);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[0].intx_changes, 0);
    iir = rd32(V, RGPU_REG_IIR);
    CU_ASSERT_EQUAL(iir, RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE);
    wr32(V, RGPU_REG_IIR, iir);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);            /* cleared: no new edge */
    wr32(V, RGPU_REG_IIR, 0);                       /* a no-op write sends nothing */
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    /* Bits outside IER latch silently: COPY_DONE, VBLANK. */
    wr32(V, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    vgpu_parent_vblank(env.p);
    {
        u32 dw[3], n = cmd_sdx(dw, 0, 5);

        ring_emit(&rc, dw, n);
        ring_submit(&rc);
    }
    run_idle(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), RGPU_IRQ_VBLANK | RGPU_IRQ_COPY_DONE);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    /* Enabling one of them in IER is a rising edge. */
    wr32(V, RGPU_REG_IER, RGPU_IRQ_VBLANK);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 2);
    wr32(V, RGPU_REG_IIR, ~0u);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 2);
    CU_ASSERT_EQUAL(vgpu_get_stats(V, &st), 0);
    CU_ASSERT_EQUAL(st.interrupts, 2);
    CU_ASSERT_EQUAL(env.h[1].nr_msi, 0);
    mech_teardown(&env);
}

static void test_msi_masked_pending(void)
{
    setup();
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_REG_IER, RGPU_IRQ_RENDER_USER);
    msi_enable(V, 0x51);
    cfgw(V, MSI_CAP + 0x10, 4, 1);                  /* mask vector 0 */
    submit_user(&rr, 1);
    run_idle(env.p);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 0);
    CU_ASSERT_EQUAL(cfgr(V, MSI_CAP + 0x14, 4), 1); /* pending */
    CU_ASSERT_FALSE(env.h[0].intx_level);           /* never INTx while MSI is on */
    /* A second completion while masked: still one pending message. */
    wr32(V, RGPU_REG_IIR, ~0u);
    submit_user(&rr, 2);
    run_idle(env.p);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 0);
    cfgw(V, MSI_CAP + 0x10, 4, 0);                  /* unmask: the pending message goes out */
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    CU_ASSERT_EQUAL(env.h[0].msi[0].data, 0x51);
    CU_ASSERT_EQUAL(cfgr(V, MSI_CAP + 0x14, 4), 0);
    cfgw(V, MSI_CAP + 0x10, 4, 0);                  /* and only once */
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    wr32(V, RGPU_REG_IIR, ~0u);
    /* MSI off: back to INTx. */
    cfgw(V, MSI_CAP + 2, 2, 0);
    submit_user(&rr, 3);
    run_idle(env.p);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    CU_ASSERT_TRUE(env.h[0].intx_level);
    /* MSI switched on with the condition already true: announced once. */
    msi_enable(V, 0x52);
    CU_ASSERT_FALSE(env.h[0].intx_level);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 2);
    CU_ASSERT_EQUAL(env.h[0].msi[1].data, 0x52);
    mech_teardown(&env);
}

/*
 * Two completions racing with the handler's IIR clear, as a fixed
 * sequence: each event is announced exactly once, none lost, none twice.
 */
static void test_msi_race(void)
{
    u32 iir;

    setup();
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_REG_IER, RGPU_IRQ_VALID_MASK);
    msi_enable(V, 0x60);
    submit_user(&rr, 1);
    submit_user(&rc, 2);

    /* Render completes: message 1. */
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    /* The handler reads IIR... */
    iir = rd32(V, RGPU_REG_IIR);
    CU_ASSERT_EQUAL(iir, RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE);
    /* ...the copy engine completes before the clear: latched, condition
     * already true, so no message yet... */
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, C));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 1);
    /* ...the clear of what it read leaves COPY latched: message 2. */
    wr32(V, RGPU_REG_IIR, iir);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 2);
    iir = rd32(V, RGPU_REG_IIR);
    CU_ASSERT_EQUAL(iir, RGPU_IRQ_COPY_USER | RGPU_IRQ_COPY_DONE);
    wr32(V, RGPU_REG_IIR, iir);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 2);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);

    /* The same event landing after the clear: its own message. */
    submit_user(&rr, 3);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 3);
    iir = rd32(V, RGPU_REG_IIR);
    wr32(V, RGPU_REG_IIR, iir);
    submit_user(&rr, 4);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 4);
    /* Same bits completing twice before the clear: one latch, one message;
     * the handler learns the rest from the seqno. */
    submit_user(&rr, 5);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 4);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_SEQNO), 5);
    wr32(V, RGPU_REG_IIR, rd32(V, RGPU_REG_IIR));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 4);
    /* Partial clear of a subset while another bit is latched: a new edge
     * each time, as specified. */
    submit_user(&rr, 6);
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 5);
    wr32(V, RGPU_REG_IIR, RGPU_IRQ_RENDER_USER);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 6);
    wr32(V, RGPU_REG_IIR, RGPU_IRQ_RENDER_DONE);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 6);
    mech_teardown(&env);
}

struct counter { unsigned int n; };

static void fire(void *ctx)
{
    ((struct counter *)ctx)->n++;
}

static void test_bound_triggers(void)
{
    struct counter msi = { 0 }, intx = { 0 };
    struct vgpu_irq_trigger tm = { fire, &msi }, ti = { fire, &intx };

    setup();
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_REG_IER, RGPU_IRQ_RENDER_USER);
    /* INTx trigger: fires on assertion, then automasked until unmasked. */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(V, VGPU_IRQ_INTX, &ti), 0);
    submit_user(&rr, 1);
    run_idle(env.p);
    CU_ASSERT_EQUAL(intx.n, 1);
    CU_ASSERT_EQUAL(env.h[0].intx_changes, 0);      /* not through host-ops */
    submit_user(&rr, 2);
    run_idle(env.p);
    CU_ASSERT_EQUAL(intx.n, 1);                     /* masked */
    CU_ASSERT_EQUAL(vgpu_irq_mask(V, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(intx.n, 2);                     /* still asserted: fires again */
    wr32(V, RGPU_REG_IIR, ~0u);
    CU_ASSERT_EQUAL(vgpu_irq_mask(V, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(intx.n, 2);
    /* MSI trigger: used regardless of the emulated capability. */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(V, VGPU_IRQ_MSI, &tm), 0);
    submit_user(&rr, 3);
    run_idle(env.p);
    CU_ASSERT_EQUAL(msi.n, 1);
    CU_ASSERT_EQUAL(intx.n, 2);
    CU_ASSERT_EQUAL(env.h[0].nr_msi, 0);
    wr32(V, RGPU_REG_IIR, ~0u);
    CU_ASSERT_EQUAL(msi.n, 1);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(V, VGPU_IRQ_MSI, NULL), 0);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(V, VGPU_IRQ_INTX, NULL), 0);
    mech_teardown(&env);
}

void register_irq_mech_tests(void)
{
    MECH_SUITE("irq", NULL, NULL,
               MT(test_imr_blocks_latching), MT(test_ier_gates_intx), MT(test_msi_delivery),
               MT(test_msi_masked_pending), MT(test_msi_race), MT(test_bound_triggers));
}
