/*
 * mmio.c - BAR0 dispatch: a register table with O(1) lookup by offset,
 * plus a few windows (PV info page, GTT) with their own handlers.
 *
 * Accesses are 1, 2, 4 or 8 bytes and naturally aligned, as CPU MMIO is.
 * A narrower access than the register works on the covered bytes (read-
 * modify-write through the register's masks and handler); an 8-byte access
 * over two 4-byte registers is two register accesses.  Anything else --
 * misaligned, a hole, past the end -- reads 0 and drops the write, with a
 * rate-limited log line: a guest can never make this fail harder.
 */
#include "vgpu_priv.h"

int vgpu_mmio_table_build(struct vgpu_mmio_table *t, const struct vgpu_mmio_reg *regs,
                          unsigned int nr_regs, const struct vgpu_mmio_range *ranges,
                          unsigned int nr_ranges)
{
    unsigned int i, d;

    memset(t, 0, sizeof(*t));
    if (nr_regs >= 0xffff)
        return -E2BIG;
    t->lookup = os_alloc(sizeof(u16) * (RGPU_REGS_SIZE / 4));
    if (!t->lookup)
        return -ENOMEM;
    for (i = 0; i < nr_regs; i++) {
        const struct vgpu_mmio_reg *r = &regs[i];

        /* Compared without offset + size, which wraps for offsets near
         * 4 GiB and would let such a register through, unreachable. */
        if ((r->size != 4 && r->size != 8) || r->offset % r->size ||
            r->offset > RGPU_REGS_SIZE - r->size) {
            os_err("mmio table: register %s at 0x%x has a bad size or alignment",
                   r->name ? r->name : "?", r->offset);
            goto invalid;
        }
        for (d = r->offset / 4; d < (r->offset + r->size) / 4; d++) {
            if (t->lookup[d]) {
                os_err("mmio table: register %s overlaps %s at 0x%x", r->name ? r->name : "?",
                       regs[t->lookup[d] - 1].name ? regs[t->lookup[d] - 1].name : "?", d * 4);
                goto invalid;
            }
            t->lookup[d] = (u16)(i + 1);
        }
    }
    for (i = 0; i < nr_ranges; i++) {
        if (ranges[i].base < RGPU_REGS_SIZE || ranges[i].base + ranges[i].size > RGPU_BAR0_SIZE ||
            ranges[i].base + ranges[i].size < ranges[i].base)
            goto invalid;
    }
    t->regs = regs;
    t->nr_regs = nr_regs;
    t->ranges = ranges;
    t->nr_ranges = nr_ranges;
    return 0;

invalid:
    os_free(t->lookup);
    t->lookup = NULL;
    return -EINVAL;
}

void vgpu_mmio_table_free(struct vgpu_mmio_table *t)
{
    os_free(t->lookup);
    t->lookup = NULL;
}

const struct vgpu_mmio_reg *vgpu_mmio_find(const struct vgpu_mmio_table *t, u32 offset)
{
    u16 idx;

    if (offset >= RGPU_REGS_SIZE)
        return NULL;
    idx = t->lookup[offset / 4];
    return idx ? &t->regs[idx - 1] : NULL;
}

static u64 reg_value(struct vgpu *v, const struct vgpu_mmio_reg *r)
{
    u64 val;

    if (r->read)
        return r->read(v, r);
    val = vgpu_vreg(v, r->offset);
    if (r->size == 8)
        val |= (u64)vgpu_vreg(v, r->offset + 4) << 32;
    return val;
}

static void reg_store(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 val)
{
    vgpu_vreg(v, r->offset) = (u32)val;
    if (r->size == 8)
        vgpu_vreg(v, r->offset + 4) = (u32)(val >> 32);
}

static u64 byte_mask(u32 len)
{
    return len >= 8 ? ~0ull : ((1ull << (8 * len)) - 1);
}

/* Read len bytes at offset, all inside register r. */
static u64 reg_read_part(struct vgpu *v, const struct vgpu_mmio_reg *r, u32 offset, u32 len)
{
    u32 shift = 8 * (offset - r->offset);

    return (reg_value(v, r) >> shift) & byte_mask(len);
}

static void reg_write_part(struct vgpu *v, const struct vgpu_mmio_reg *r, u32 offset, u32 len,
                           u64 val)
{
    u32 shift = 8 * (offset - r->offset);
    u64 bytes = byte_mask(len) << shift;        /* the byte lanes written */
    u64 wmask = r->wmask & bytes;
    u64 old, new_val;

    if (r->flags & VGPU_REG_F_RO)
        return;
    old = reg_value(v, r);
    val <<= shift;
    if ((r->flags & VGPU_REG_F_W1C) && r->write) {
        /* The acknowledge itself, not just its effect: bits written 1
         * while already clear still mean something (ISR, hw-spec §5). */
        r->write(v, r, old, val & wmask);
        return;
    }
    if (r->flags & VGPU_REG_F_W1C)
        new_val = old & ~(val & wmask);
    else
        new_val = (old & ~wmask) | (val & wmask);
    if (r->write)
        r->write(v, r, old, new_val);
    else
        reg_store(v, r, new_val);
}

static void bad_access(struct vgpu *v, const char *what, u32 offset, u32 len, bool write)
{
    v->stat_bad_access++;
    os_log_ratelimited(OS_LOG_WARN, "vgpu%u: %s %u-byte MMIO %s at BAR0+0x%x ignored", v->id,
                       what, len, write ? "write" : "read", offset);
}

static const struct vgpu_mmio_range *find_range(const struct vgpu_mmio_table *t, u32 offset)
{
    unsigned int i;

    for (i = 0; i < t->nr_ranges; i++)
        if (offset - t->ranges[i].base < t->ranges[i].size)
            return &t->ranges[i];
    return NULL;
}

static bool access_ok(u32 offset, u32 len)
{
    return (len == 1 || len == 2 || len == 4 || len == 8) && (offset & (len - 1)) == 0 &&
           offset < RGPU_BAR0_SIZE && len <= RGPU_BAR0_SIZE - offset;
}

u64 vgpu_mmio_read(struct vgpu *v, u32 offset, u32 len)
{
    const struct vgpu_mmio_table *t = &v->parent->mmio;
    u64 val = 0;
    u32 done;

    v->stat_mmio_traps++;
    if (!access_ok(offset, len)) {
        bad_access(v, "misaligned", offset, len, false);
        return 0;
    }
    if (offset >= RGPU_REGS_SIZE) {
        const struct vgpu_mmio_range *rg = find_range(t, offset);

        if (rg && rg->read && len <= rg->size - (offset - rg->base))
            return rg->read(v, offset - rg->base, len) & byte_mask(len);
        bad_access(v, "unclaimed", offset, len, false);
        return 0;
    }
    /* Walk the register(s) the access covers: at most two for len 8. */
    for (done = 0; done < len;) {
        const struct vgpu_mmio_reg *r = vgpu_mmio_find(t, offset + done);
        u32 chunk = len - done;

        if (!r) {
            bad_access(v, "unclaimed", offset + done, OS_MIN(chunk, 4u), false);
            chunk = OS_MIN(chunk, 4u);
        } else {
            chunk = OS_MIN(chunk, r->offset + r->size - (offset + done));
            val |= reg_read_part(v, r, offset + done, chunk) << (8 * done);
        }
        done += chunk;
    }
    return val;
}

void vgpu_mmio_write(struct vgpu *v, u32 offset, u32 len, u64 val)
{
    const struct vgpu_mmio_table *t = &v->parent->mmio;
    u32 done;

    v->stat_mmio_traps++;
    if (!access_ok(offset, len)) {
        bad_access(v, "misaligned", offset, len, true);
        return;
    }
    val &= byte_mask(len);
    if (offset >= RGPU_REGS_SIZE) {
        const struct vgpu_mmio_range *rg = find_range(t, offset);

        if (rg && rg->write && len <= rg->size - (offset - rg->base))
            rg->write(v, offset - rg->base, len, val);
        else
            bad_access(v, "unclaimed", offset, len, true);
        return;
    }
    for (done = 0; done < len;) {
        const struct vgpu_mmio_reg *r = vgpu_mmio_find(t, offset + done);
        u32 chunk = len - done;

        if (!r) {
            chunk = OS_MIN(chunk, 4u);
            bad_access(v, "unclaimed", offset + done, chunk, true);
        } else {
            chunk = OS_MIN(chunk, r->offset + r->size - (offset + done));
            reg_write_part(v, r, offset + done, chunk, (val >> (8 * done)) & byte_mask(chunk));
        }
        done += chunk;
    }
}

void vgpu_mmio_reset(struct vgpu *v)
{
    const struct vgpu_mmio_table *t = &v->parent->mmio;
    unsigned int i;

    memset(v->vregs, 0, RGPU_REGS_SIZE);
    for (i = 0; i < t->nr_regs; i++)
        reg_store(v, &t->regs[i], t->regs[i].reset);
}
