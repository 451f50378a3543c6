/*
 * testhost.c - host-ops over a plain buffer (see testhost.h).
 */
#include <stdlib.h>
#include <string.h>

#include "testhost/testhost.h"

static bool in_mem(const struct testhost *h, uint64_t addr, size_t len)
{
    return addr < h->mem_size && len <= h->mem_size - addr;
}

static int th_read(void *host, u64 addr, void *buf, size_t len)
{
    struct testhost *h = host;

    if (!in_mem(h, addr, len))
        return -EFAULT;
    memcpy(buf, h->mem + addr, len);
    return 0;
}

static int th_write(void *host, u64 addr, const void *buf, size_t len)
{
    struct testhost *h = host;

    if (!in_mem(h, addr, len))
        return -EFAULT;
    memcpy(h->mem + addr, buf, len);
    h->dirty_bytes += len;
    return 0;
}

static int th_map(void *host, u64 addr, void **va)
{
    struct testhost *h = host;

    if ((addr & VGPU_PAGE_MASK) || !in_mem(h, addr, VGPU_PAGE_SIZE))
        return -EFAULT;
    *va = h->mem + addr;
    h->mapped++;
    return 0;
}

static void th_unmap(void *host, u64 addr, void *va)
{
    struct testhost *h = host;

    (void)addr;
    (void)va;
    h->mapped--;
}

static int th_track_enable(void *host, u64 addr)
{
    struct testhost *h = host;

    if (!in_mem(h, addr, VGPU_PAGE_SIZE))
        return -EFAULT;
    h->tracked++;
    return 0;
}

static int th_track_disable(void *host, u64 addr)
{
    struct testhost *h = host;

    (void)addr;
    h->tracked--;
    return 0;
}

static int th_inject_msi(void *host, u64 addr, u32 data)
{
    struct testhost *h = host;

    if (h->fail_inject)
        return h->fail_inject;
    if (h->nr_msi < TESTHOST_MAX_EVENTS) {
        h->msi[h->nr_msi].addr = addr;
        h->msi[h->nr_msi].data = data;
    }
    h->nr_msi++;
    return 0;
}

static int th_set_intx(void *host, bool level)
{
    struct testhost *h = host;

    if (h->fail_inject)
        return h->fail_inject;
    h->intx_level = level;
    h->intx_changes++;
    return 0;
}

static void th_mark_dirty(void *host, u64 addr, u64 len)
{
    struct testhost *h = host;

    if (h->nr_dirty < TESTHOST_MAX_EVENTS) {
        h->dirty[h->nr_dirty].addr = addr;
        h->dirty[h->nr_dirty].len = len;
    }
    h->nr_dirty++;
    h->dirty_bytes += len;
}

static void th_bar_changed(void *host, unsigned int bar, u64 addr, u64 size, bool enabled)
{
    struct testhost *h = host;

    if (h->nr_bar_events < TESTHOST_MAX_EVENTS) {
        struct testhost_bar_event *e = &h->bar_events[h->nr_bar_events];

        e->bar = bar;
        e->addr = addr;
        e->size = size;
        e->enabled = enabled;
    }
    h->nr_bar_events++;
}

const struct vgpu_host_ops testhost_ops = {
    .read_gpa = th_read,
    .write_gpa = th_write,
    .map_frame = th_map,
    .unmap_frame = th_unmap,
    .track_enable = th_track_enable,
    .track_disable = th_track_disable,
    .inject_msi = th_inject_msi,
    .set_intx = th_set_intx,
    .mark_dirty = th_mark_dirty,
    .bar_changed = th_bar_changed,
};

const struct vgpu_host_ops testhost_ops_notrack = {
    .read_gpa = th_read,
    .write_gpa = th_write,
    .map_frame = th_map,
    .unmap_frame = th_unmap,
    .inject_msi = th_inject_msi,
    .set_intx = th_set_intx,
};

int testhost_init(struct testhost *h, size_t mem_size)
{
    memset(h, 0, sizeof(*h));
    h->mem = calloc(1, mem_size);
    if (!h->mem)
        return -ENOMEM;
    h->mem_size = mem_size;
    return 0;
}

void testhost_fini(struct testhost *h)
{
    free(h->mem);
    h->mem = NULL;
}

const struct vgpu_host_ops *testhost_get_ops(const struct testhost *h)
{
    return h->no_tracking ? &testhost_ops_notrack : &testhost_ops;
}
