/*
 * test_irq.c - interrupt virtualisation: IIR/IER/IMR, INTx and MSI through
 * host-ops, bound VFIO-style triggers (automasked INTx), failure handling
 * and reset.
 */
#include <string.h>

#include "unit.h"
#include "pci_cfg.h"

#define DONE    RGPU_IRQ_RENDER_DONE
#define COPY    RGPU_IRQ_COPY_DONE
#define VBLANK  RGPU_IRQ_VBLANK

static struct unit_fixture fx;

static void fresh(void)
{
    unit_fixture_teardown(&fx);
    CU_ASSERT_EQUAL_FATAL(unit_fixture_setup(&fx, "refgpu-8"), 0);
}

static int suite_fini(void) { unit_fixture_teardown(&fx); return 0; }

/* The device raises interrupt bits (white box: under the device lock). */
static void raise_bits(struct vgpu *v, u32 bits)
{
    os_mutex_lock(v->lock);
    vgpu_irq_raise(v, bits);
    os_mutex_unlock(v->lock);
}

static void unmask_and_enable(struct vgpu *v, u32 ier)
{
    bar0_wr(v, RGPU_REG_IMR, 4, 0);
    bar0_wr(v, RGPU_REG_IER, 4, ier);
}

static void ack(struct vgpu *v, u32 bits)
{
    bar0_wr(v, RGPU_REG_IIR, 4, bits);
}

static bool status_intx(struct vgpu *v)
{
    return cfg_rd(v, PCI_CFG_STATUS, 2) & PCI_CFG_STATUS_INTERRUPT;
}

static void msi_setup(struct vgpu *v, u64 addr, u16 data, bool enable)
{
    cfg_wr(v, MSI_ADDR_LO, 4, (u32)addr);
    cfg_wr(v, MSI_ADDR_HI, 4, (u32)(addr >> 32));
    cfg_wr(v, MSI_DATA, 2, data);
    if (enable)
        cfg_wr(v, MSI_FLAGS, 2, 1);
}

struct counter {
    unsigned int fired;
};

static void count_fire(void *ctx)
{
    ((struct counter *)ctx)->fired++;
}

static void test_irq_info(void)
{
    struct vgpu_irq_info info;

    fresh();
    CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, VGPU_IRQ_INTX, &info), 0);
    CU_ASSERT_EQUAL(info.index, VGPU_IRQ_INTX);
    CU_ASSERT_EQUAL(info.count, 1);
    CU_ASSERT_EQUAL(info.flags, VGPU_IRQ_INFO_EVENTFD | VGPU_IRQ_INFO_MASKABLE |
                                VGPU_IRQ_INFO_AUTOMASKED);
    CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, VGPU_IRQ_MSI, &info), 0);
    CU_ASSERT_EQUAL(info.index, VGPU_IRQ_MSI);
    CU_ASSERT_EQUAL(info.count, 1);
    CU_ASSERT(info.flags & VGPU_IRQ_INFO_EVENTFD);
    CU_ASSERT_FALSE(info.flags & VGPU_IRQ_INFO_AUTOMASKED);
    CU_ASSERT_FALSE(info.flags & VGPU_IRQ_INFO_MASKABLE);
    for (u32 i = VGPU_IRQ_MSIX; i < VGPU_IRQ_NUM; i++) {
        memset(&info, 0xff, sizeof(info));
        CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, i, &info), 0);
        CU_ASSERT_EQUAL(info.index, i);
        CU_ASSERT_EQUAL(info.count, 0);
    }
    CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, VGPU_IRQ_NUM, &info), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, 0xffffffffu, &info), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_info(fx.vgpu, VGPU_IRQ_INTX, NULL), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_info(NULL, VGPU_IRQ_INTX, &info), -EINVAL);
}

static void test_intx_host_ops(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_FALSE(status_intx(v));
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 1);
    CU_ASSERT_TRUE(status_intx(v));
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), DONE);
    /* Level-triggered: raising again changes nothing. */
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 1);
    /* Acknowledge: the line drops. */
    ack(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 2);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    /* A latched bit that IER does not enable does not assert. */
    raise_bits(v, VBLANK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), VBLANK);
    CU_ASSERT_FALSE(fx.host.intx_level);
    /* ...until IER enables it. */
    bar0_wr(v, RGPU_REG_IER, 4, DONE | VBLANK);
    CU_ASSERT_TRUE(fx.host.intx_level);
    bar0_wr(v, RGPU_REG_IER, 4, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 4);
}

static void test_intx_partial_ack(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE | COPY);
    raise_bits(v, DONE | COPY);
    CU_ASSERT_TRUE(fx.host.intx_level);
    ack(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);     /* COPY still latched */
    CU_ASSERT_EQUAL(fx.host.intx_changes, 1);
    ack(v, COPY);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 2);
}

static void test_intx_disable(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_INTX_DISABLE);
    raise_bits(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 0);
    CU_ASSERT_TRUE(status_intx(v));         /* the status bit still shows it */
    /* Re-enabling INTx asserts the pending condition. */
    cfg_wr(v, PCI_CFG_COMMAND, 2, 0);
    CU_ASSERT_TRUE(fx.host.intx_level);
    CU_ASSERT_TRUE(status_intx(v));
    /* Disabling while asserted drops the line. */
    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_INTX_DISABLE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_TRUE(status_intx(v));
    ack(v, DONE);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(fx.host.intx_changes, 2);
}

static void test_imr_masks_latching(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    /* Reset IMR masks everything. */
    bar0_wr(v, RGPU_REG_IER, 4, RGPU_IRQ_VALID_MASK);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    /* Unmasking later does not latch what was raised while masked. */
    bar0_wr(v, RGPU_REG_IMR, 4, VBLANK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_FALSE(fx.host.intx_level);
    raise_bits(v, DONE | VBLANK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
}

static void test_msi_host_ops(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    msi_setup(v, 0xfee01000ull, 0x4055, true);
    unmask_and_enable(v, DONE | COPY);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_msi, 1);
    CU_ASSERT_EQUAL(fx.host.msi[0].addr, 0xfee01000ull);
    CU_ASSERT_EQUAL(fx.host.msi[0].data, 0x4055);
    /* Edge-triggered: nothing new while IIR is still set. */
    raise_bits(v, DONE);
    raise_bits(v, COPY);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    /* Clearing one bit while another enabled bit is latched: one more. */
    ack(v, DONE);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 2);
    CU_ASSERT_EQUAL(fx.host.msi[1].addr, 0xfee01000ull);
    CU_ASSERT_EQUAL(fx.host.msi[1].data, 0x4055);
    /* Clearing the last one: none. Writing 0 to IIR: none. */
    ack(v, COPY);
    ack(v, 0);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 2);
    /* A new edge after everything was cleared. */
    raise_bits(v, COPY);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 3);
    /* INTx stays quiet in MSI mode. */
    CU_ASSERT_EQUAL(fx.host.intx_changes, 0);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(v->irq.delivered, 3);
}

static void test_msi_64bit_address(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    msi_setup(v, 0x00000001fee00000ull, 0xbeef, true);
    unmask_and_enable(v, VBLANK);
    raise_bits(v, VBLANK);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_msi, 1);
    CU_ASSERT_EQUAL(fx.host.msi[0].addr, 0x00000001fee00000ull);
    CU_ASSERT_EQUAL(fx.host.msi[0].data, 0xbeef);
    /* Reprogramming takes effect for the next message. */
    ack(v, VBLANK);
    msi_setup(v, 0xfee0200cull, 0x11, false);
    raise_bits(v, VBLANK);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_msi, 2);
    CU_ASSERT_EQUAL(fx.host.msi[1].addr, 0xfee0200cull);
    CU_ASSERT_EQUAL(fx.host.msi[1].data, 0x11);
}

static void test_msi_mask_pending(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    msi_setup(v, 0xfee00000ull, 0x30, true);
    cfg_wr(v, MSI_MASK, 4, 1);
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 1);
    /* Unmask: exactly one message, pending cleared. */
    cfg_wr(v, MSI_MASK, 4, 0);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    CU_ASSERT_EQUAL(fx.host.msi[0].data, 0x30);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 0);
    /* Masking and unmasking again sends nothing more. */
    cfg_wr(v, MSI_MASK, 4, 1);
    cfg_wr(v, MSI_MASK, 4, 0);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 0);
    /* Several edges while masked still collapse into one pending message. */
    cfg_wr(v, MSI_MASK, 4, 1);
    ack(v, DONE);
    raise_bits(v, DONE);
    ack(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 1);
    cfg_wr(v, MSI_MASK, 4, 0);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 2);
}

static void test_msi_switch_with_condition(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    /* Switching to MSI while asserted: INTx released, one MSI announces it. */
    msi_setup(v, 0xfee00000ull, 0x21, true);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    /* Back to INTx while still asserted: the level returns. */
    cfg_wr(v, MSI_FLAGS, 2, 0);
    CU_ASSERT_TRUE(fx.host.intx_level);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    ack(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
}

static void test_bound_msi_trigger(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c };

    fresh();
    v = fx.vgpu;
    /* The trigger is used even without the guest's MSI enable (VFIO). */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSI, &t), 0);
    unmask_and_enable(v, DONE | COPY);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    raise_bits(v, COPY);
    CU_ASSERT_EQUAL(c.fired, 1);
    ack(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 2);
    ack(v, COPY);
    CU_ASSERT_EQUAL(c.fired, 2);
    /* Host-ops never saw any of it. */
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 0);
    /* Also with the guest's MSI enabled: the trigger wins. */
    msi_setup(v, 0xfee00000ull, 0x22, true);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 3);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
}

static void test_bound_intx_trigger_automask(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c };

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_INTX, &t), 0);
    unmask_and_enable(v, DONE | COPY);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    CU_ASSERT_TRUE(status_intx(v));
    /* Automasked: more interrupts do not fire until unmasked. */
    raise_bits(v, COPY);
    ack(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    /* Unmask with the condition still true: fires again (and masks). */
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(c.fired, 2);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 2);
    /* Condition cleared, then unmask: nothing. */
    ack(v, DONE | COPY);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(c.fired, 2);
    /* Next assertion fires. */
    raise_bits(v, COPY);
    CU_ASSERT_EQUAL(c.fired, 3);
    /* Explicitly masked by the user: no fire on unmask-less assertion. */
    ack(v, COPY);
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_INTX, true), 0);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 3);
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_INTX, false), 0);
    CU_ASSERT_EQUAL(c.fired, 4);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 0);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
}

static void test_irq_mask_and_trigger_args(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c }, nofire = { NULL, &c };

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_MSI, true), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_MSI, false), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_mask(v, VGPU_IRQ_MSIX, true), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_mask(NULL, VGPU_IRQ_INTX, true), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSIX, &t), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_ERR, &t), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_NUM, &t), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSI, &nofire), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(NULL, VGPU_IRQ_MSI, &t), -EINVAL);
    /* None of the refused calls bound anything. */
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 0);
    CU_ASSERT_TRUE(fx.host.intx_level);
}

static void test_unbind_msi(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c };

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSI, &t), 0);
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    ack(v, DONE);
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSI, NULL), 0);
    /* Unbound, guest MSI off: back to INTx through host-ops. */
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    CU_ASSERT_TRUE(fx.host.intx_level);
    ack(v, DONE);
    /* Unbound, guest MSI on: MSI through host-ops. */
    msi_setup(v, 0xfee00000ull, 0x99, true);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    /* Unbinding what is not bound is fine. */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_INTX, NULL), 0);
}

static void test_bind_unbind_intx_while_asserted(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c };

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    /* Binding hands the line over: host-ops level drops, trigger fires. */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_INTX, &t), 0);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_EQUAL(c.fired, 1);
    /* Unbinding while still asserted hands it back. */
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_INTX, NULL), 0);
    CU_ASSERT_TRUE(fx.host.intx_level);
    CU_ASSERT_EQUAL(c.fired, 1);
    ack(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
}

static void test_inject_failure_msi(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    msi_setup(v, 0xfee00000ull, 0x40, true);
    unmask_and_enable(v, DONE | COPY);
    fx.host.fail_inject = -EIO;
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    CU_ASSERT_EQUAL(v->irq.delivered, 0);
    /* The device keeps working; the next edge is delivered. */
    fx.host.fail_inject = 0;
    raise_bits(v, COPY);                    /* no edge: still asserted */
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    ack(v, DONE);                           /* COPY still latched: re-edge */
    CU_ASSERT_EQUAL(fx.host.nr_msi, 1);
    ack(v, COPY);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 2);
    CU_ASSERT_EQUAL(v->irq.delivered, 2);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ID, 4), RGPU_ID_VALUE);
}

static void test_inject_failure_intx(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    fx.host.fail_inject = -EIO;
    raise_bits(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_TRUE(status_intx(v));
    ack(v, DONE);
    fx.host.fail_inject = 0;
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    ack(v, DONE);
    CU_ASSERT_FALSE(fx.host.intx_level);
}

static void test_reset_deasserts_intx(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_FALSE(status_intx(v));
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK);
    /* Works as before after the reset. */
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_TRUE(fx.host.intx_level);
    /* FLR through the AF capability does the same. */
    cfg_wr(v, VGPU_CFG_AF_CAP + 4, 1, 1);
    CU_ASSERT_FALSE(fx.host.intx_level);
    CU_ASSERT_FALSE(status_intx(v));
}

static void test_reset_keeps_bindings(void)
{
    struct vgpu *v;
    struct counter c = { 0 };
    struct vgpu_irq_trigger t = { count_fire, &c };

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_irq_set_trigger(v, VGPU_IRQ_MSI, &t), 0);
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 1);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    /* Reset cleared IIR; a new interrupt reaches the same trigger. */
    unmask_and_enable(v, DONE);
    raise_bits(v, DONE);
    CU_ASSERT_EQUAL(c.fired, 2);
    CU_ASSERT_EQUAL(fx.host.nr_msi, 0);
    CU_ASSERT_EQUAL(fx.host.intx_changes, 0);
}

void register_irq_tests(void)
{
    UNIT_SUITE("irq", NULL, suite_fini,
               UT(test_irq_info),
               UT(test_intx_host_ops),
               UT(test_intx_partial_ack),
               UT(test_intx_disable),
               UT(test_imr_masks_latching),
               UT(test_msi_host_ops),
               UT(test_msi_64bit_address),
               UT(test_msi_mask_pending),
               UT(test_msi_switch_with_condition),
               UT(test_bound_msi_trigger),
               UT(test_bound_intx_trigger_automask),
               UT(test_irq_mask_and_trigger_args),
               UT(test_unbind_msi),
               UT(test_bind_unbind_intx_while_asserted),
               UT(test_inject_failure_msi),
               UT(test_inject_failure_intx),
               UT(test_reset_deasserts_intx),
               UT(test_reset_keeps_bindings));
}
