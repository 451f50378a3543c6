/*
 * display.c - one pipe and primary plane per vGPU, vblank at a virtual
 * refresh rate, and reading the plane's pixels through the shadow GTT
 * (screenshots, local display).
 *
 * The plane is only ever read inside the owning vGPU's slice: a guest
 * pointing its surface elsewhere gets -ENODEV, never another VM's pixels.
 */
#include "vgpu_priv.h"

void vgpu_display_reset(struct vgpu *v)
{
    v->frame = 0;
}

/*
 * PIPE_FRMCOUNT counts vertical blanks since the pipe was last enabled
 * (hw-spec §8): enabling restarts it at 0; disabling freezes it.
 */
void vgpu_display_write_pipe_conf(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old,
                                  u64 new_val)
{
    (void)r;
    vgpu_vreg(v, RGPU_PIPE_CONF) = (u32)new_val;
    if (!(old & RGPU_PIPE_ENABLE) && (new_val & RGPU_PIPE_ENABLE)) {
        v->frame = 0;
        vgpu_vreg(v, RGPU_PIPE_FRMCOUNT) = 0;
    }
}

void vgpu_display_vblank(struct vgpu *v)
{
    if (!(vgpu_vreg(v, RGPU_PIPE_CONF) & RGPU_PIPE_ENABLE))
        return;
    v->frame++;
    v->stat_vblanks++;
    vgpu_vreg(v, RGPU_PIPE_FRMCOUNT) = (u32)v->frame;
    vgpu_irq_raise(v, RGPU_IRQ_VBLANK);
}

void vgpu_parent_vblank(struct vgpu_parent *p)
{
    struct vgpu *v;

    os_mutex_lock(p->lock);
    for (v = p->instances; v; v = v->next) {
        os_mutex_lock(v->lock);
        vgpu_display_vblank(v);
        os_mutex_unlock(v->lock);
    }
    os_mutex_unlock(p->lock);
}

static void vblank_thread(void *arg)
{
    struct vgpu_parent *p = arg;
    u64 period = 1000000000ull / RGPU_REFRESH_HZ, next = os_now_ns() + period;

    os_mutex_lock(p->vblank_lock);
    while (!p->vblank_stop) {
        u64 now = os_now_ns();

        if (now < next) {
            os_cond_timedwait(p->vblank_cond, p->vblank_lock, next - now);
            continue;
        }
        next += period;
        if (next < now)
            next = now + period;    /* fell behind (suspended host): don't burst */
        os_mutex_unlock(p->vblank_lock);
        vgpu_parent_vblank(p);
        os_mutex_lock(p->vblank_lock);
    }
    os_mutex_unlock(p->vblank_lock);
}

int vgpu_display_start(struct vgpu_parent *p)
{
    p->vblank_lock = os_mutex_create();
    p->vblank_cond = os_cond_create();
    if (!p->vblank_lock || !p->vblank_cond)
        return -ENOMEM;
    if (p->cfg.manual)
        return 0;
    return os_thread_create(&p->vblank_thread, "rgpu-vblank", vblank_thread, p);
}

void vgpu_display_stop(struct vgpu_parent *p)
{
    if (p->vblank_thread) {
        os_mutex_lock(p->vblank_lock);
        p->vblank_stop = true;
        os_cond_broadcast(p->vblank_cond);
        os_mutex_unlock(p->vblank_lock);
        os_thread_join(p->vblank_thread);
        p->vblank_thread = NULL;
    }
    os_cond_destroy(p->vblank_cond);
    os_mutex_destroy(p->vblank_lock);
    p->vblank_cond = NULL;
    p->vblank_lock = NULL;
}

static int plane_locked(struct vgpu *v, struct vgpu_plane_info *out)
{
    u32 size;
    u64 end;

    OS_ASSERT_HELD(v->lock);
    size = vgpu_vreg(v, RGPU_PLANE_SIZE);
    memset(out, 0, sizeof(*out));
    out->width = RGPU_PLANE_WIDTH(size);
    out->height = RGPU_PLANE_HEIGHT(size);
    out->stride = vgpu_vreg(v, RGPU_PLANE_STRIDE);
    out->format = RGPU_PLANE_FMT(vgpu_vreg(v, RGPU_PLANE_CTL));
    out->surface = vgpu_vreg(v, RGPU_PLANE_SURF);
    out->frame = v->frame;
    if (!(vgpu_vreg(v, RGPU_PIPE_CONF) & RGPU_PIPE_ENABLE) ||
        !(vgpu_vreg(v, RGPU_PLANE_CTL) & RGPU_PLANE_ENABLE))
        return -ENODEV;
    end = out->surface + (u64)(out->height - 1) * out->stride + (u64)out->width * 4;
    if (out->format != RGPU_PLANE_FMT_XRGB8888 || (out->surface & VGPU_PAGE_MASK) ||
        out->stride < out->width * 4 || (out->stride & 63) ||
        out->width > v->type->max_width || out->height > v->type->max_height ||
        out->surface < v->gm_base || end > v->gm_base + v->gm_size)
        return -ENODEV;
    out->enabled = true;
    return 0;
}

int vgpu_display_plane(struct vgpu *v, struct vgpu_plane_info *out)
{
    int rc;

    if (!v || !out)
        return -EINVAL;
    os_mutex_lock(v->lock);
    rc = plane_locked(v, out);
    os_mutex_unlock(v->lock);
    return rc;
}

int vgpu_display_read(struct vgpu *v, struct vgpu_plane_info *info, void *buf, size_t size)
{
    struct pgpu *pg;
    u32 row;
    int rc;

    if (!v || !info || !buf)
        return -EINVAL;
    pg = v->parent->pgpu;
    os_mutex_lock(v->lock);
    rc = plane_locked(v, info);
    if (!rc && size < (size_t)info->width * 4 * info->height)
        rc = -ENOSPC;
    for (row = 0; !rc && row < info->height; row++)
        rc = pg->ops->read_gm(pg, info->surface + row * info->stride,
                              (u8 *)buf + (size_t)row * info->width * 4, info->width * 4);
    os_mutex_unlock(v->lock);
    return rc;
}
