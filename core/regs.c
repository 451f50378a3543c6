/*
 * regs.c - the reference GPU's BAR0 register table and windows, as
 * docs/hw-spec.md specifies them.  Handlers for registers with side
 * effects live beside the mechanism they drive (irq.c for IIR/IER).
 */
#include "vgpu_priv.h"
#include "le_bytes.h"

static u64 read_timestamp(struct vgpu *v, const struct vgpu_mmio_reg *r)
{
    (void)r;
    return os_now_ns() - v->reset_time_ns;
}

static void write_gtt_batch_ctl(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    (void)r;
    (void)old;
    if (new_val & RGPU_GTT_BATCH_GO)
        vgpu_gtt_batch_apply(v);        /* leaves DONE/ERROR in the register */
}

/* Debug tracked page: counts the guest's trapped writes to it. */
static void on_tracked_write(struct vgpu *v, void *ctx, u64 addr, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    vgpu_vreg(v, RGPU_REG_TRACK_COUNT)++;
    vgpu_vreg(v, RGPU_REG_TRACK_LAST) = RGPU_TRACK_LAST(addr & VGPU_PAGE_MASK, len);
}

static void write_track_addr_hi(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val)
{
    u64 addr = (u64)(u32)new_val << 32 | (vgpu_vreg(v, RGPU_REG_TRACK_ADDR_LO) & ~0xfffu);
    int rc = 0;

    (void)r;
    (void)old;
    vgpu_vreg(v, RGPU_REG_TRACK_ADDR_HI) = (u32)new_val;
    if (v->track_addr_set)
        vgpu_page_track_remove(v, v->track_addr);
    v->track_addr_set = false;
    vgpu_vreg(v, RGPU_REG_TRACK_COUNT) = 0;
    vgpu_vreg(v, RGPU_REG_TRACK_LAST) = 0;
    if (addr)
        rc = vgpu_page_track_add(v, addr, on_tracked_write, NULL);
    if (addr && !rc) {
        v->track_addr = addr;
        v->track_addr_set = true;
    }
    vgpu_vreg(v, RGPU_REG_TRACK_STATUS) = rc ? 0x80000000u | (u32)-rc : (addr ? 1 : 0);
}

#define ENGINE_REGS(e, name)                                                                  \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_START, 4, 0, 0, 0xfffff000, NULL, NULL, name "_START" }, \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_CTL, 4, 0, 0, 0x000ff001, NULL, vgpu_engine_write_ctl,   \
      name "_CTL" },                                                                          \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_HEAD, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, name "_HEAD" }, \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_TAIL, 4, 0, 0, 0x000ffffc, NULL, vgpu_engine_write_tail, \
      name "_TAIL" },                                                                         \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_HWS, 4, 0, 0, 0xfffff000, NULL, NULL, name "_HWS" },     \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_STATUS, 4, VGPU_REG_F_RO, RGPU_RING_STATUS_IDLE, 0,     \
      vgpu_engine_read_status, NULL, name "_STATUS" },                                        \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_ERROR, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, name "_ERROR" }, \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_ERROR_ADDR, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL,         \
      name "_ERROR_ADDR" },                                                                   \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_RESET, 4, 0, 0, 0x1, NULL, vgpu_engine_write_reset,      \
      name "_RESET" },                                                                        \
    { RGPU_ENGINE_BASE(e) + RGPU_RING_SEQNO, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, name "_SEQNO" }

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
    { RGPU_REG_GFX_RESET, 4, 0, 0, RGPU_GFX_RESET_ALL, NULL, vgpu_engine_write_gfx_reset,
      "GFX_RESET" },
    { RGPU_REG_TRACK_ADDR_LO, 4, 0, 0, 0xfffff000, NULL, NULL, "TRACK_ADDR_LO" },
    { RGPU_REG_TRACK_ADDR_HI, 4, 0, 0, 0xffffffff, NULL, write_track_addr_hi, "TRACK_ADDR_HI" },
    { RGPU_REG_TRACK_COUNT, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "TRACK_COUNT" },
    { RGPU_REG_TRACK_LAST, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "TRACK_LAST" },
    { RGPU_REG_TRACK_STATUS, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "TRACK_STATUS" },
    { RGPU_REG_GTT_BATCH_ADDR_LO, 4, 0, 0, 0xfffffff8, NULL, NULL, "GTT_BATCH_ADDR_LO" },
    { RGPU_REG_GTT_BATCH_ADDR_HI, 4, 0, 0, 0xffffffff, NULL, NULL, "GTT_BATCH_ADDR_HI" },
    { RGPU_REG_GTT_BATCH_INDEX, 4, 0, 0, 0x000fffff, NULL, NULL, "GTT_BATCH_INDEX" },
    { RGPU_REG_GTT_BATCH_COUNT, 4, 0, 0, 0x0001ffff, NULL, NULL, "GTT_BATCH_COUNT" },
    { RGPU_REG_GTT_BATCH_CTL, 4, 0, 0, RGPU_GTT_BATCH_GO, NULL, write_gtt_batch_ctl,
      "GTT_BATCH_CTL" },
    { RGPU_REG_GTT_BATCH_APPLIED, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "GTT_BATCH_APPLIED" },
    ENGINE_REGS(RGPU_ENGINE_RENDER, "RENDER"),
    ENGINE_REGS(RGPU_ENGINE_COPY, "COPY"),
    { RGPU_PIPE_CONF, 4, 0, 0, RGPU_PIPE_ENABLE, NULL, vgpu_display_write_pipe_conf,
      "PIPE_CONF" },
    { RGPU_PIPE_FRMCOUNT, 4, VGPU_REG_F_RO, 0, 0, NULL, NULL, "PIPE_FRMCOUNT" },
    { RGPU_PLANE_CTL, 4, 0, 0, RGPU_PLANE_ENABLE | 0xf, NULL, NULL, "PLANE_CTL" },
    { RGPU_PLANE_SURF, 4, 0, 0, 0xfffff000, NULL, NULL, "PLANE_SURF" },
    { RGPU_PLANE_STRIDE, 4, 0, 0, 0x0003ffc0, NULL, NULL, "PLANE_STRIDE" },
    { RGPU_PLANE_SIZE, 4, 0, 0, 0x0fff0fff, NULL, NULL, "PLANE_SIZE" },
};
const unsigned int vgpu_ref_nr_regs = OS_ARRAY_SIZE(vgpu_ref_regs);

static u64 pvinfo_read(struct vgpu *v, u32 offset, u32 len)
{
    u8 page[64];

    if (offset >= sizeof(page))
        return 0;
    memset(page, 0, sizeof(page));
    le32_store(page + RGPU_PVINFO_MAGIC, RGPU_PVINFO_MAGIC_VALUE);
    le32_store(page + RGPU_PVINFO_VERSION, RGPU_PVINFO_VERSION_VALUE);
    le64_store(page + RGPU_PVINFO_GM_BASE, v->gm_base);
    le64_store(page + RGPU_PVINFO_GM_SIZE, v->gm_size);
    le32_store(page + RGPU_PVINFO_CAPS, RGPU_PVCAP_BALLOON | RGPU_PVCAP_GTT_BATCH | RGPU_PVCAP_TRACK);
    le32_store(page + RGPU_PVINFO_VGPU_ID, v->id);
    le32_store(page + RGPU_PVINFO_MAX_WIDTH, v->type->max_width);
    le32_store(page + RGPU_PVINFO_MAX_HEIGHT, v->type->max_height);
    le64_store(page + RGPU_PVINFO_GM_TOTAL, v->parent->cfg.gm_size);
    return le_load(page + offset, OS_MIN(len, (u32)sizeof(page) - offset));
}

const struct vgpu_mmio_range vgpu_ref_ranges[] = {
    { RGPU_PVINFO_BASE, RGPU_PVINFO_SIZE, pvinfo_read, NULL, "PVINFO" },
    { RGPU_GTT_BASE, RGPU_GTT_SIZE, vgpu_gtt_window_read, vgpu_gtt_window_write, "GTT" },
};
const unsigned int vgpu_ref_nr_ranges = OS_ARRAY_SIZE(vgpu_ref_ranges);
