/*
 * ioreq.c - serving a domain's IOREQs: PCI config cycles of claimed
 * functions, MMIO to claimed BARs (and writes to write-tracked frames),
 * map-cache invalidation.
 *
 * Protocol per vCPU slot: READY -> (we) INPROCESS -> fill data -> IORESP_READY
 * -> notify the vCPU's event channel.  Every request is answered, whatever
 * it contains: unknown types and unclaimed addresses read all-ones and drop
 * writes, so a hostile guest can never stall its vCPU or this daemon.
 *
 * Runs on the domain's IOREQ thread(s) (ioreq_thread.c), holding the
 * domain's devs_lock for reading while it looks at d->devs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "le_bytes.h"

static uint64_t size_mask(uint32_t size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static struct xen_vgpu *vgpu_by_sbdf(struct xen_domain *d, uint32_t sbdf)
{
    struct xen_vgpu *xv;

    if (sbdf >> 16)             /* segment 0 only */
        return NULL;
    for (xv = d->devs; xv; xv = xv->next)
        if (((uint32_t)xv->bus << 8 | (uint32_t)xv->dev << 3 | xv->fn) == (sbdf & 0xffff))
            return xv;
    return NULL;
}

static void pci_config(struct xen_domain *d, ioreq_t *req)
{
    /* addr = SBDF << 32 | register (extended config: up to 0xfff). */
    struct xen_vgpu *xv = vgpu_by_sbdf(d, (uint32_t)(req->addr >> 32));
    uint32_t reg = (uint32_t)(req->addr & 0xfff);
    uint8_t buf[4] = { 0 };
    uint32_t size = req->size;

    DOM_COUNT(d, cfg_ioreqs);
    if (!xv || size == 0 || size > 4 || req->data_is_ptr || req->count != 1 || reg >= 256) {
        /* Extended space and odd requests: reads all-ones, writes dropped. */
        if (req->dir == IOREQ_READ)
            req->data = reg >= 256 && xv ? 0 : size_mask(size ? size : 4);
        return;
    }
    if (req->dir == IOREQ_READ) {
        if (vgpu_region_read(xv->v, VGPU_REGION_CONFIG, reg, buf, size) < 0)
            memset(buf, 0xff, sizeof(buf));
        req->data = le_load(buf, size);
    } else {
        le_store(buf, size, req->data);
        vgpu_region_write(xv->v, VGPU_REGION_CONFIG, reg, buf, size);
    }
}

/* One element of an MMIO access: returns false if nobody claims addr. */
static bool mmio_one(struct xen_domain *d, uint64_t addr, uint32_t size, uint64_t *val, bool write)
{
    struct xen_vgpu *xv;
    uint8_t buf[8];
    uint32_t idx;
    uint64_t off;

    for (xv = d->devs; xv; xv = xv->next) {
        if (vgpu_bar_lookup(xv->v, addr, &idx, &off))
            continue;
        if (write) {
            le_store(buf, size, *val);
            vgpu_region_write(xv->v, idx, off, buf, size);
        } else {
            *val = 0;
            if (vgpu_region_read(xv->v, idx, off, buf, size) == (long)size)
                *val = le_load(buf, size);
        }
        return true;
    }
    /* Not a BAR: a write to a frame one of our vGPUs tracks (p2m_ioreq_server
     * routes only writes here).  Apply it to guest memory, then tell the model. */
    if (write) {
        uint8_t data[8];

        le_store(data, size, *val);
        for (xv = d->devs; xv; xv = xv->next) {
            if (!vgpu_page_tracked(xv->v, addr))
                continue;
            if (guest_mem_write(d->mem, addr, data, size))
                return false;
            vgpu_page_track_write(xv->v, addr, data, size);
            return true;
        }
    }
    return false;
}

static void mmio(struct xen_domain *d, ioreq_t *req)
{
    uint32_t size = req->size;
    int step = req->df ? -1 : 1;

    DOM_COUNT(d, mmio_ioreqs);
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        DOM_COUNT(d, bad_ioreqs);
        os_log_ratelimited(OS_LOG_WARN, "dom%u: MMIO ioreq of size %u at 0x%llx ignored",
                           d->domid, size, (unsigned long long)req->addr);
        if (req->dir == IOREQ_READ && !req->data_is_ptr)
            req->data = ~0ull;
        return;
    }
    /* rep movs/stos: count elements, memory operand in guest RAM at data. */
    for (uint32_t n = 0; n < req->count; n++) {
        uint64_t addr = req->addr + (int64_t)step * n * size;
        uint64_t val = 0;
        bool write = req->dir == IOREQ_WRITE;

        if (write && req->data_is_ptr) {
            if (guest_mem_read(d->mem, req->data + (int64_t)step * n * size, &val, size)) {
                DOM_COUNT(d, bad_ioreqs);
                break;
            }
        } else if (write) {
            val = req->data;
        }
        if (!mmio_one(d, addr, size, &val, write)) {
            DOM_COUNT(d, bad_ioreqs);
            val = ~0ull;
        }
        if (!write) {
            val &= size_mask(size);
            if (!req->data_is_ptr) {
                req->data = val;
            } else if (guest_mem_write(d->mem, req->data + (int64_t)step * n * size, &val,
                                       size)) {
                DOM_COUNT(d, bad_ioreqs);
                break;
            }
        }
    }
}

static void handle(struct xen_domain *d, ioreq_t *req)
{
    DOM_COUNT(d, ioreqs);
    switch (req->type) {
    case IOREQ_TYPE_INVALIDATE:
        DOM_COUNT(d, invalidates);
        guest_mem_invalidate(d->mem);
        break;
    case IOREQ_TYPE_PCI_CONFIG:
        pci_config(d, req);
        break;
    case IOREQ_TYPE_COPY:
        mmio(d, req);
        break;
    default:
        /* Port I/O, timeoffset, ...: nothing of ours. */
        DOM_COUNT(d, bad_ioreqs);
        if (req->dir == IOREQ_READ && !req->data_is_ptr)
            req->data = size_mask(req->size ? req->size : 8);
        break;
    }
}

static void service_vcpu(struct ioreq_lane *l, unsigned int v)
{
    struct xen_domain *d = l->d;
    ioreq_t *req = &d->iopage->vcpu_ioreq[v];

    if (req->state != STATE_IOREQ_READY)
        return;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);     /* the request after its state */
    req->state = STATE_IOREQ_INPROCESS;
    d->vcpu_ioreqs[v]++;                         /* only this lane serves v */
    pthread_rwlock_rdlock(&d->devs_lock);
    handle(d, req);
    pthread_rwlock_unlock(&d->devs_lock);
    __atomic_thread_fence(__ATOMIC_RELEASE);     /* data before the state */
    req->state = STATE_IORESP_READY;
    d->evt_ops->notify(l->evt, d->ports[v]);
}

void ioreq_lane_serve(struct ioreq_lane *l)
{
    struct xen_domain *d = l->d;
    int port = d->evt_ops->pending(l->evt);

    if (port < 0)
        return;
    d->evt_ops->unmask(l->evt, (evtchn_port_t)port);
    for (unsigned int v = l->first_vcpu; v < l->first_vcpu + l->nr_vcpus; v++)
        if (d->ports[v] == (evtchn_port_t)port)
            service_vcpu(l, v);
}
