/*
 * region.c - the VFIO-shaped region API: info, read and write at
 * (index, offset, len), with vfio-pci's region indices.  Both paths call
 * this unchanged: the KVM module from its vfio_device_ops, the Xen daemon
 * from its ioreq loop (after vgpu_bar_lookup maps a guest address).
 *
 * Buffers are little-endian byte streams, as VFIO's are.
 */
#include "vgpu_priv.h"
#include "le_bytes.h"

static u64 region_size(const struct vgpu *v, u32 index)
{
    if (index <= VGPU_REGION_BAR5)
        return v->cfg.bars[index].size;     /* upper halves of 64-bit BARs: 0 */
    if (index == VGPU_REGION_CONFIG)
        return VGPU_CFG_SIZE;
    return 0;                               /* no ROM, no VGA window */
}

int vgpu_region_info(struct vgpu *v, u32 index, struct vgpu_region_info *out)
{
    if (!v || !out || index >= VGPU_REGION_NUM)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->index = index;
    os_mutex_lock(v->lock);
    out->size = region_size(v, index);
    os_mutex_unlock(v->lock);
    if (out->size)
        out->flags = VGPU_REGION_FLAG_READ | VGPU_REGION_FLAG_WRITE;
    return 0;
}

static int check_access(struct vgpu *v, u32 index, u64 offset, const void *buf, size_t len)
{
    u64 size;

    if (!v || !buf || index >= VGPU_REGION_NUM || len == 0)
        return -EINVAL;
    size = region_size(v, index);
    /* Written so that offset + len cannot overflow. */
    if (offset >= size || len > size - offset)
        return -EINVAL;
    if (index != VGPU_REGION_CONFIG && len != 1 && len != 2 && len != 4 && len != 8)
        return -EINVAL;
    return 0;
}

long vgpu_region_read(struct vgpu *v, u32 index, u64 offset, void *buf, size_t len)
{
    int rc = check_access(v, index, offset, buf, len);

    if (rc)
        return rc;
    os_mutex_lock(v->lock);
    if (index == VGPU_REGION_CONFIG) {
        v->stat_cfg_traps++;
        vgpu_cfg_read(v, (u32)offset, buf, (u32)len);
    } else {
        /* BAR0: the only other region with a size (check_access). */
        le_store(buf, (u32)len, vgpu_mmio_read(v, (u32)offset, (u32)len));
    }
    os_mutex_unlock(v->lock);
    return (long)len;
}

long vgpu_region_write(struct vgpu *v, u32 index, u64 offset, const void *buf, size_t len)
{
    int rc = check_access(v, index, offset, buf, len);

    if (rc)
        return rc;
    os_mutex_lock(v->lock);
    if (index == VGPU_REGION_CONFIG) {
        v->stat_cfg_traps++;
        vgpu_cfg_write(v, (u32)offset, buf, (u32)len);
    } else {
        vgpu_mmio_write(v, (u32)offset, (u32)len, le_load(buf, (u32)len));
    }
    os_mutex_unlock(v->lock);
    return (long)len;
}

int vgpu_bar_lookup(struct vgpu *v, u64 gpa, u32 *index, u64 *offset)
{
    unsigned int i;
    int rc = -ENOENT;

    if (!v || !index || !offset)
        return -EINVAL;
    os_mutex_lock(v->lock);
    for (i = 0; i < VGPU_NUM_BARS; i++) {
        const struct vgpu_bar *b = &v->cfg.bars[i];

        if (b->mapped && gpa - b->mapped_addr < b->size) {
            *index = i;
            *offset = gpa - b->mapped_addr;
            rc = 0;
            break;
        }
    }
    os_mutex_unlock(v->lock);
    return rc;
}
