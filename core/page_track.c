/*
 * page_track.c - write tracking of guest frames (the mechanism a shadowed
 * page table needs: GVT-g's page_track.c).  The core registers a handler
 * per frame; the path write-protects the frame through host-ops and,
 * after applying a trapped write, calls vgpu_page_track_write().
 */
#include "vgpu_priv.h"

static unsigned int bucket_of(u64 frame)
{
    return (unsigned int)((frame * 0x9e3779b97f4a7c15ull) >> 58) % VGPU_TRACK_BUCKETS;
}

static struct vgpu_track_entry **find_slot(struct vgpu *v, u64 frame)
{
    struct vgpu_track_entry **pp = &v->track[bucket_of(frame)];

    while (*pp && (*pp)->frame != frame)
        pp = &(*pp)->next;
    return pp;
}

int vgpu_page_track_add(struct vgpu *v, u64 addr, vgpu_track_fn fn, void *ctx)
{
    u64 frame = addr >> VGPU_PAGE_SHIFT;
    struct vgpu_track_entry *e;
    int rc;

    if (!fn)
        return -EINVAL;
    if (!v->ops->track_enable || !v->ops->track_disable)
        return -EOPNOTSUPP;
    if (*find_slot(v, frame))
        return -EEXIST;
    e = os_alloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    rc = v->ops->track_enable(v->host, frame << VGPU_PAGE_SHIFT);
    if (rc) {
        os_free(e);
        return rc;
    }
    e->frame = frame;
    e->fn = fn;
    e->ctx = ctx;
    e->next = v->track[bucket_of(frame)];
    v->track[bucket_of(frame)] = e;
    return 0;
}

int vgpu_page_track_remove(struct vgpu *v, u64 addr)
{
    u64 frame = addr >> VGPU_PAGE_SHIFT;
    struct vgpu_track_entry **pp = find_slot(v, frame), *e = *pp;

    if (!e)
        return -ENOENT;
    *pp = e->next;
    os_free(e);
    return v->ops->track_disable(v->host, frame << VGPU_PAGE_SHIFT);
}

void vgpu_page_track_remove_all(struct vgpu *v)
{
    unsigned int b;

    for (b = 0; b < VGPU_TRACK_BUCKETS; b++) {
        while (v->track[b]) {
            struct vgpu_track_entry *e = v->track[b];

            v->track[b] = e->next;
            v->ops->track_disable(v->host, e->frame << VGPU_PAGE_SHIFT);
            os_free(e);
        }
    }
}

int vgpu_page_track_write(struct vgpu *v, u64 addr, const void *data, size_t len)
{
    struct vgpu_track_entry *e;
    int rc = 0;

    /* len is compared with the room left in the frame, not added to the
     * offset: a huge len must not wrap around and pass as a small write. */
    if (!v || !data || !len || len > VGPU_PAGE_SIZE - (addr & VGPU_PAGE_MASK))
        return -EINVAL;
    os_mutex_lock(v->lock);
    e = *find_slot(v, addr >> VGPU_PAGE_SHIFT);
    if (e)
        e->fn(v, e->ctx, addr, data, len);
    else
        rc = -ENOENT;
    os_mutex_unlock(v->lock);
    return rc;
}

bool vgpu_page_tracked(struct vgpu *v, u64 addr)
{
    bool tracked;

    if (!v)
        return false;
    os_mutex_lock(v->lock);
    tracked = *find_slot(v, addr >> VGPU_PAGE_SHIFT) != NULL;
    os_mutex_unlock(v->lock);
    return tracked;
}
