/*
 * regs.c - the reference GPU's BAR0 register table and windows, as
 * docs/hw-spec.md specifies them.  Handlers for registers with side
 * effects live beside the mechanism they drive (irq.c for IIR/IER).
 */
#include "vgpu_priv.h"

static u64 read_timestamp(struct vgpu *v, const struct vgpu_mmio_reg *r)
{
    (void)r;
    return os_now_ns() - v->reset_time_ns;
}

const struct vgpu_mmio_reg vgpu_ref_regs[] = {
    { RGPU_REG_ID, 4, VGPU_REG_F_RO, RGPU_ID_VALUE, 0, NULL, NULL, "ID" },
    { RGPU_REG_VERSION, 4, VGPU_REG_F_RO, RGPU_VERSION_VALUE, 0, NULL, NULL, "VERSION" },
    { RGPU_REG_SCRATCH(0), 4, 0, 0, 0xffffffff, NULL, NULL, "SCRATCH0" },
    { RGPU_REG_SCRATCH(1), 4, 0, 0, 0xffffffff, NULL, NULL, "SCRATCH1" },
    { RGPU_REG_SCRATCH(2), 4, 0, 0, 0xffffffff, NULL, NULL, "SCRATCH2" },
    { RGPU_REG_SCRATCH(3), 4, 0, 0, 0xffffffff, NULL, NULL, "SCRATCH3" },
    { RGPU_REG_TIMESTAMP, 8, VGPU_REG_F_RO, 0, 0, read_timestamp, NULL, "TIMESTAMP" },
    { RGPU_REG_ISR, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "ISR" },
    { RGPU_REG_IMR, 4, 0, RGPU_IRQ_VALID_MASK, RGPU_IRQ_VALID_MASK, NULL, NULL, "IMR" },
    { RGPU_REG_IIR, 4, VGPU_REG_F_W1C, 0, RGPU_IRQ_VALID_MASK, NULL, vgpu_irq_write_iir, "IIR" },
    { RGPU_REG_IER, 4, 0, 0, RGPU_IRQ_VALID_MASK, NULL, vgpu_irq_write_ier, "IER" },
};
const unsigned int vgpu_ref_nr_regs = OS_ARRAY_SIZE(vgpu_ref_regs);

static u64 pvinfo_read(struct vgpu *v, u32 offset, u32 len)
{
    u8 page[64];
    u64 val = 0;
    u32 i;

    if (offset >= sizeof(page))
        return 0;
    memset(page, 0, sizeof(page));
#define PUT32(off, x) do { u32 x_ = (x); for (i = 0; i < 4; i++) page[(off) + i] = (u8)(x_ >> (8 * i)); } while (0)
#define PUT64(off, x) do { u64 x_ = (x); for (i = 0; i < 8; i++) page[(off) + i] = (u8)(x_ >> (8 * i)); } while (0)
    PUT32(RGPU_PVINFO_MAGIC, RGPU_PVINFO_MAGIC_VALUE);
    PUT32(RGPU_PVINFO_VERSION, RGPU_PVINFO_VERSION_VALUE);
    PUT64(RGPU_PVINFO_GM_BASE, v->gm_base);
    PUT64(RGPU_PVINFO_GM_SIZE, v->gm_size);
    PUT32(RGPU_PVINFO_FENCE_BASE, v->fence_base);
    PUT32(RGPU_PVINFO_FENCE_COUNT, v->fence_count);
    PUT32(RGPU_PVINFO_CAPS, RGPU_PVCAP_BALLOON);
    PUT32(RGPU_PVINFO_VGPU_ID, v->id);
    PUT32(RGPU_PVINFO_MAX_WIDTH, v->type->max_width);
    PUT32(RGPU_PVINFO_MAX_HEIGHT, v->type->max_height);
    PUT64(RGPU_PVINFO_GM_TOTAL, v->parent->cfg.gm_size);
#undef PUT32
#undef PUT64
    for (i = 0; i < len && offset + i < sizeof(page); i++)
        val |= (u64)page[offset + i] << (8 * i);
    return val;
}

const struct vgpu_mmio_range vgpu_ref_ranges[] = {
    { RGPU_PVINFO_BASE, RGPU_PVINFO_SIZE, pvinfo_read, NULL, "PVINFO" },
};
const unsigned int vgpu_ref_nr_ranges = OS_ARRAY_SIZE(vgpu_ref_ranges);
