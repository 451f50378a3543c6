/*
 * cfg_space.c - the vGPU's emulated PCI configuration space.
 *
 * Every byte has a write mask and a write-1-to-clear mask, applied byte by
 * byte (so any access size behaves as hardware would), then registers with
 * side effects are acted on: command (memory decode, INTx disable), BARs
 * (placement, reported to the path), MSI (enable, mask) and the Advanced
 * Features capability (function-level reset).  The layout is in
 * docs/pci-function.md.
 */
#include "vgpu_priv.h"

#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER   0x0d
#define PCI_HEADER_TYPE     0x0e
#define PCI_BAR0            0x10
#define PCI_SUBSYS_VENDOR   0x2c
#define PCI_SUBSYS_ID       0x2e
#define PCI_ROM_ADDRESS     0x30
#define PCI_CAP_PTR         0x34
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_COMMAND_MEMORY        0x0002
#define PCI_COMMAND_MASTER        0x0004
#define PCI_COMMAND_PARITY        0x0040
#define PCI_COMMAND_SERR          0x0100
#define PCI_COMMAND_INTX_DISABLE  0x0400
#define PCI_STATUS_INTERRUPT      0x0008
#define PCI_STATUS_CAP_LIST       0x0010
#define PCI_STATUS_ERROR_BITS     0xf900   /* parity, target/master abort, SERR, parity error */

#define PCI_CAP_ID_MSI      0x05
#define PCI_CAP_ID_AF       0x13
/* MSI capability, 64-bit with per-vector masking: offsets from the cap. */
#define MSI_FLAGS           0x02
#define MSI_ADDR_LO         0x04
#define MSI_ADDR_HI         0x08
#define MSI_DATA            0x0c
#define MSI_MASK            0x10
#define MSI_PENDING         0x14
#define MSI_CAP_SIZE        0x18
#define MSI_FLAGS_ENABLE    0x0001
#define MSI_FLAGS_64BIT     0x0080
#define MSI_FLAGS_MASKBIT   0x0100
/* Advanced Features capability. */
#define AF_LENGTH           0x02
#define AF_CAP              0x03
#define AF_CTRL             0x04
#define AF_STATUS           0x05
#define AF_CAP_TP           0x01
#define AF_CAP_FLR          0x02
#define AF_CTRL_FLR         0x01

u32 vgpu_cfg_get(const struct vgpu *v, u32 offset, u32 len)
{
    u32 i, val = 0;

    for (i = 0; i < len && offset + i < VGPU_CFG_SIZE; i++)
        val |= (u32)v->cfg.data[offset + i] << (8 * i);
    return val;
}

void vgpu_cfg_set(struct vgpu *v, u32 offset, u32 len, u32 val)
{
    u32 i;

    for (i = 0; i < len && offset + i < VGPU_CFG_SIZE; i++)
        v->cfg.data[offset + i] = (u8)(val >> (8 * i));
}

static void set_mask(u8 *mask, u32 offset, u32 len, u32 val)
{
    u32 i;

    for (i = 0; i < len; i++)
        mask[offset + i] = (u8)(val >> (8 * i));
}

static void init_bar(struct vgpu *v, unsigned int bar, u64 size, bool prefetch)
{
    struct vgpu_bar *b = &v->cfg.bars[bar];
    u32 off = PCI_BAR0 + 4 * bar;
    u64 mask = ~(size - 1);

    b->size = size;
    b->is64 = true;
    b->type_bits = 0x4 | (prefetch ? 0x8 : 0);  /* memory, 64-bit, prefetchable? */
    vgpu_cfg_set(v, off, 4, b->type_bits);
    vgpu_cfg_set(v, off + 4, 4, 0);
    /* The sizing protocol falls out of the masks: after writing all-ones
     * the BAR reads back ~(size-1) with the type bits. */
    set_mask(v->cfg.wmask, off, 4, (u32)mask & ~0xfu);
    set_mask(v->cfg.wmask, off + 4, 4, (u32)(mask >> 32));
}

void vgpu_cfg_init(struct vgpu *v)
{
    struct vgpu_cfg *c = &v->cfg;
    u8 msi = VGPU_CFG_MSI_CAP, af = VGPU_CFG_AF_CAP;
    unsigned int i;

    memset(c->data, 0, sizeof(c->data));
    memset(c->wmask, 0, sizeof(c->wmask));
    memset(c->w1cmask, 0, sizeof(c->w1cmask));
    for (i = 0; i < VGPU_NUM_BARS; i++) {
        c->bars[i].size = 0;
        c->bars[i].type_bits = 0;
        c->bars[i].is64 = false;
        /* mapped/mapped_addr survive: the update below reports the unmap. */
    }

    vgpu_cfg_set(v, PCI_VENDOR_ID, 2, RGPU_PCI_VENDOR_ID);
    vgpu_cfg_set(v, PCI_DEVICE_ID, 2, RGPU_PCI_DEVICE_ID);
    set_mask(c->wmask, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
             PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    vgpu_cfg_set(v, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
    set_mask(c->w1cmask, PCI_STATUS, 2, PCI_STATUS_ERROR_BITS);
    vgpu_cfg_set(v, PCI_REVISION_ID, 1, RGPU_PCI_REVISION);
    vgpu_cfg_set(v, PCI_CLASS_PROG, 3, RGPU_PCI_CLASS);
    set_mask(c->wmask, PCI_CACHE_LINE_SIZE, 1, 0xff);
    set_mask(c->wmask, PCI_LATENCY_TIMER, 1, 0xff);
    vgpu_cfg_set(v, PCI_HEADER_TYPE, 1, 0x00);

    init_bar(v, 0, RGPU_BAR0_SIZE, false);
    if (v->parent->cfg.bar2_size)
        init_bar(v, 2, v->parent->cfg.bar2_size, true);

    vgpu_cfg_set(v, PCI_SUBSYS_VENDOR, 2, RGPU_PCI_SUBSYS_VENDOR);
    vgpu_cfg_set(v, PCI_SUBSYS_ID, 2, RGPU_PCI_SUBSYS_ID);
    /* No option ROM: the ROM BAR reads 0 and ignores writes, which is how
     * sizing software learns that none is implemented. */
    vgpu_cfg_set(v, PCI_CAP_PTR, 1, msi);
    set_mask(c->wmask, PCI_INTERRUPT_LINE, 1, 0xff);
    vgpu_cfg_set(v, PCI_INTERRUPT_PIN, 1, 1);   /* INTA# */

    vgpu_cfg_set(v, msi, 1, PCI_CAP_ID_MSI);
    vgpu_cfg_set(v, msi + 1, 1, af);
    /* One vector (MMC = 0), so MME stays read-only 0. */
    vgpu_cfg_set(v, msi + MSI_FLAGS, 2, MSI_FLAGS_64BIT | MSI_FLAGS_MASKBIT);
    set_mask(c->wmask, msi + MSI_FLAGS, 2, MSI_FLAGS_ENABLE);
    set_mask(c->wmask, msi + MSI_ADDR_LO, 4, 0xfffffffc);
    set_mask(c->wmask, msi + MSI_ADDR_HI, 4, 0xffffffff);
    set_mask(c->wmask, msi + MSI_DATA, 2, 0xffff);
    set_mask(c->wmask, msi + MSI_MASK, 4, 0x1);

    vgpu_cfg_set(v, af, 1, PCI_CAP_ID_AF);
    vgpu_cfg_set(v, af + 1, 1, 0);
    vgpu_cfg_set(v, af + AF_LENGTH, 1, 6);
    vgpu_cfg_set(v, af + AF_CAP, 1, AF_CAP_TP | AF_CAP_FLR);
    set_mask(c->wmask, af + AF_CTRL, 1, AF_CTRL_FLR);

    vgpu_cfg_update_bars(v);
}

u64 vgpu_cfg_bar_addr(const struct vgpu *v, unsigned int bar)
{
    const struct vgpu_bar *b = &v->cfg.bars[bar];
    u32 off = PCI_BAR0 + 4 * bar;
    u64 addr;

    if (!b->size)
        return 0;
    addr = vgpu_cfg_get(v, off, 4) & ~0xfull;
    if (b->is64)
        addr |= (u64)vgpu_cfg_get(v, off + 4, 4) << 32;
    return addr;
}

bool vgpu_cfg_mem_enabled(const struct vgpu *v)
{
    return vgpu_cfg_get(v, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
}

bool vgpu_cfg_intx_disabled(const struct vgpu *v)
{
    return vgpu_cfg_get(v, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE;
}

bool vgpu_cfg_msi_enabled(const struct vgpu *v)
{
    return vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + MSI_FLAGS, 2) & MSI_FLAGS_ENABLE;
}

bool vgpu_cfg_msi_masked(const struct vgpu *v)
{
    return vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + MSI_MASK, 4) & 1;
}

void vgpu_cfg_msi_message(const struct vgpu *v, u64 *addr, u32 *data)
{
    *addr = vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + MSI_ADDR_LO, 4) |
            (u64)vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + MSI_ADDR_HI, 4) << 32;
    *data = vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + MSI_DATA, 2);
}

void vgpu_cfg_set_msi_pending(struct vgpu *v, bool pending)
{
    vgpu_cfg_set(v, VGPU_CFG_MSI_CAP + MSI_PENDING, 4, pending ? 1 : 0);
}

void vgpu_cfg_set_intx_status(struct vgpu *v, bool asserted)
{
    u32 st = vgpu_cfg_get(v, PCI_STATUS, 2);

    st = asserted ? (st | PCI_STATUS_INTERRUPT) : (st & ~PCI_STATUS_INTERRUPT);
    vgpu_cfg_set(v, PCI_STATUS, 2, st);
}

/*
 * Report BAR placement changes to the path.  A BAR decodes when memory
 * decode is on and it holds a real address: not 0 (unassigned) and not
 * wrapping past the top of the address space (e.g. mid-sizing).
 */
void vgpu_cfg_update_bars(struct vgpu *v)
{
    unsigned int i;

    for (i = 0; i < VGPU_NUM_BARS; i++) {
        struct vgpu_bar *b = &v->cfg.bars[i];
        u64 addr = vgpu_cfg_bar_addr(v, i);
        bool on = b->size && vgpu_cfg_mem_enabled(v) && addr && addr + b->size > addr;

        if (on == b->mapped && (!on || addr == b->mapped_addr))
            continue;
        if (b->mapped && v->ops && v->ops->bar_changed)
            v->ops->bar_changed(v->host, i, b->mapped_addr, b->size, false);
        b->mapped = on;
        b->mapped_addr = on ? addr : 0;
        if (on && v->ops && v->ops->bar_changed)
            v->ops->bar_changed(v->host, i, addr, b->size, true);
    }
}

void vgpu_cfg_release_bars(struct vgpu *v)
{
    unsigned int i;

    for (i = 0; i < VGPU_NUM_BARS; i++) {
        struct vgpu_bar *b = &v->cfg.bars[i];

        if (b->mapped && v->ops->bar_changed)
            v->ops->bar_changed(v->host, i, b->mapped_addr, b->size, false);
        b->mapped = false;
        b->mapped_addr = 0;
    }
}

void vgpu_cfg_read(struct vgpu *v, u32 offset, u8 *buf, u32 len)
{
    u32 i;

    for (i = 0; i < len; i++)
        buf[i] = offset + i < VGPU_CFG_SIZE ? v->cfg.data[offset + i] : 0;
}

static bool touches(u32 offset, u32 len, u32 start, u32 size)
{
    return offset < start + size && start < offset + len;
}

void vgpu_cfg_write(struct vgpu *v, u32 offset, const u8 *buf, u32 len)
{
    struct vgpu_cfg *c = &v->cfg;
    u32 i;

    for (i = 0; i < len && offset + i < VGPU_CFG_SIZE; i++) {
        u32 o = offset + i;
        u8 val = buf[i];

        c->data[o] = (u8)(((c->data[o] & ~c->wmask[o]) | (val & c->wmask[o])) &
                          ~(val & c->w1cmask[o]));
    }

    if (touches(offset, len, VGPU_CFG_AF_CAP + AF_CTRL, 1) &&
        (c->data[VGPU_CFG_AF_CAP + AF_CTRL] & AF_CTRL_FLR)) {
        /* FLR completes at once: nothing is ever left pending (TP = 0). */
        vgpu_reset_locked(v);
        return;
    }
    if (touches(offset, len, PCI_COMMAND, 2) || touches(offset, len, PCI_BAR0, 24))
        vgpu_cfg_update_bars(v);
    if (touches(offset, len, PCI_COMMAND, 2) || touches(offset, len, VGPU_CFG_MSI_CAP, MSI_CAP_SIZE))
        vgpu_irq_cfg_changed(v);
}
