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
#include "pci_cfg.h"
#include "le_bytes.h"

/* How many of the len bytes at offset lie inside config space. */
static u32 cfg_bytes(u32 offset, u32 len)
{
    return offset < VGPU_CFG_SIZE ? OS_MIN(len, VGPU_CFG_SIZE - offset) : 0;
}

u32 vgpu_cfg_get(const struct vgpu *v, u32 offset, u32 len)
{
    return cfg_bytes(offset, len) ? (u32)le_load(v->cfg.data + offset, cfg_bytes(offset, len)) : 0;
}

void vgpu_cfg_set(struct vgpu *v, u32 offset, u32 len, u32 val)
{
    if (cfg_bytes(offset, len))
        le_store(v->cfg.data + offset, cfg_bytes(offset, len), val);
}

static void set_mask(u8 *mask, u32 offset, u32 len, u32 val)
{
    le_store(mask + offset, len, val);
}

static void init_bar(struct vgpu *v, unsigned int bar, u64 size, bool prefetch)
{
    struct vgpu_bar *b = &v->cfg.bars[bar];
    u32 off = PCI_CFG_BAR(0) + 4 * bar;
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

    vgpu_cfg_set(v, PCI_CFG_VENDOR_ID, 2, RGPU_PCI_VENDOR_ID);
    vgpu_cfg_set(v, PCI_CFG_DEVICE_ID, 2, RGPU_PCI_DEVICE_ID);
    set_mask(c->wmask, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER |
             PCI_CFG_COMMAND_PARITY | PCI_CFG_COMMAND_SERR | PCI_CFG_COMMAND_INTX_DISABLE);
    vgpu_cfg_set(v, PCI_CFG_STATUS, 2, PCI_CFG_STATUS_CAP_LIST);
    set_mask(c->w1cmask, PCI_CFG_STATUS, 2, PCI_CFG_STATUS_ERROR_BITS);
    vgpu_cfg_set(v, PCI_CFG_REVISION_ID, 1, RGPU_PCI_REVISION);
    vgpu_cfg_set(v, PCI_CFG_CLASS_PROG, 3, RGPU_PCI_CLASS);
    set_mask(c->wmask, PCI_CFG_CACHE_LINE_SIZE, 1, 0xff);
    set_mask(c->wmask, PCI_CFG_LATENCY_TIMER, 1, 0xff);
    vgpu_cfg_set(v, PCI_CFG_HEADER_TYPE, 1, 0x00);

    init_bar(v, 0, RGPU_BAR0_SIZE, false);

    vgpu_cfg_set(v, PCI_CFG_SUBSYS_VENDOR, 2, RGPU_PCI_SUBSYS_VENDOR);
    vgpu_cfg_set(v, PCI_CFG_SUBSYS_ID, 2, RGPU_PCI_SUBSYS_ID);
    /* No option ROM: the ROM BAR reads 0 and ignores writes, which is how
     * sizing software learns that none is implemented. */
    vgpu_cfg_set(v, PCI_CFG_CAP_PTR, 1, msi);
    set_mask(c->wmask, PCI_CFG_INTERRUPT_LINE, 1, 0xff);
    vgpu_cfg_set(v, PCI_CFG_INTERRUPT_PIN, 1, 1);   /* INTA# */

    vgpu_cfg_set(v, msi, 1, PCI_CFG_CAP_ID_MSI);
    vgpu_cfg_set(v, msi + 1, 1, af);
    /* One vector (MMC = 0), so MME stays read-only 0. */
    vgpu_cfg_set(v, msi + PCI_CFG_MSI_FLAGS, 2, PCI_CFG_MSI_FLAGS_64BIT | PCI_CFG_MSI_FLAGS_MASKBIT);
    set_mask(c->wmask, msi + PCI_CFG_MSI_FLAGS, 2, PCI_CFG_MSI_FLAGS_ENABLE);
    set_mask(c->wmask, msi + PCI_CFG_MSI_ADDR_LO, 4, 0xfffffffc);
    set_mask(c->wmask, msi + PCI_CFG_MSI_ADDR_HI, 4, 0xffffffff);
    set_mask(c->wmask, msi + PCI_CFG_MSI_DATA, 2, 0xffff);
    set_mask(c->wmask, msi + PCI_CFG_MSI_MASK, 4, 0x1);

    vgpu_cfg_set(v, af, 1, PCI_CFG_CAP_ID_AF);
    vgpu_cfg_set(v, af + 1, 1, 0);
    vgpu_cfg_set(v, af + PCI_CFG_AF_LENGTH, 1, 6);
    vgpu_cfg_set(v, af + PCI_CFG_AF_CAP, 1, PCI_CFG_AF_CAP_TP | PCI_CFG_AF_CAP_FLR);
    set_mask(c->wmask, af + PCI_CFG_AF_CTRL, 1, PCI_CFG_AF_CTRL_FLR);

    vgpu_cfg_update_bars(v);
}

u64 vgpu_cfg_bar_addr(const struct vgpu *v, unsigned int bar)
{
    const struct vgpu_bar *b = &v->cfg.bars[bar];
    u32 off = PCI_CFG_BAR(0) + 4 * bar;
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
    return vgpu_cfg_get(v, PCI_CFG_COMMAND, 2) & PCI_CFG_COMMAND_MEMORY;
}

bool vgpu_cfg_intx_disabled(const struct vgpu *v)
{
    return vgpu_cfg_get(v, PCI_CFG_COMMAND, 2) & PCI_CFG_COMMAND_INTX_DISABLE;
}

bool vgpu_cfg_msi_enabled(const struct vgpu *v)
{
    return vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_FLAGS, 2) & PCI_CFG_MSI_FLAGS_ENABLE;
}

bool vgpu_cfg_msi_masked(const struct vgpu *v)
{
    return vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_MASK, 4) & 1;
}

void vgpu_cfg_msi_message(const struct vgpu *v, u64 *addr, u32 *data)
{
    *addr = vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_ADDR_LO, 4) |
            (u64)vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_ADDR_HI, 4) << 32;
    *data = vgpu_cfg_get(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_DATA, 2);
}

void vgpu_cfg_set_msi_pending(struct vgpu *v, bool pending)
{
    vgpu_cfg_set(v, VGPU_CFG_MSI_CAP + PCI_CFG_MSI_PENDING, 4, pending ? 1 : 0);
}

void vgpu_cfg_set_intx_status(struct vgpu *v, bool asserted)
{
    u32 st = vgpu_cfg_get(v, PCI_CFG_STATUS, 2);

    st = asserted ? (st | PCI_CFG_STATUS_INTERRUPT) : (st & ~PCI_CFG_STATUS_INTERRUPT);
    vgpu_cfg_set(v, PCI_CFG_STATUS, 2, st);
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

    if (touches(offset, len, VGPU_CFG_AF_CAP + PCI_CFG_AF_CTRL, 1) &&
        (c->data[VGPU_CFG_AF_CAP + PCI_CFG_AF_CTRL] & PCI_CFG_AF_CTRL_FLR)) {
        /* FLR completes at once: nothing is ever left pending (TP = 0). */
        vgpu_reset_locked(v);
        return;
    }
    if (touches(offset, len, PCI_CFG_COMMAND, 2) || touches(offset, len, PCI_CFG_BAR(0), 24))
        vgpu_cfg_update_bars(v);
    if (touches(offset, len, PCI_CFG_COMMAND, 2) || touches(offset, len, VGPU_CFG_MSI_CAP, PCI_CFG_MSI_CAP_SIZE))
        vgpu_irq_cfg_changed(v);
}
