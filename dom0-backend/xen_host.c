/*
 * xen_host.c - the device model's host-ops over Xen: guest memory through
 * foreign and grant mappings, interrupts through dm_op, write tracking
 * through the p2m_ioreq_server memory type, BAR ranges claimed on the
 * domain's IOREQ server.  ctx is the struct xen_vgpu.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

#include "backend.h"

struct xen_map_counts xen_maps;

static void raise_peak(long *peak_p, long now)
{
    long peak = __atomic_load_n(peak_p, __ATOMIC_RELAXED);

    while (now > peak && !__atomic_compare_exchange_n(peak_p, &peak, now, false,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

void xen_maps_note_peak(long now)
{
    raise_peak(&xen_maps.foreign_frames_peak, now);
}

void xen_maps_note_grant_peak(long now)
{
    raise_peak(&xen_maps.grant_pages_peak, now);
}

/* ---- foreign mappings (mapper_ops, ctx = struct xen_domain) ------------ */
static void *foreign_map(void *ctx, uint64_t gfn, unsigned int n, int *err)
{
    struct xen_domain *d = ctx;
    xen_pfn_t pfns[512];
    void *p;

    if (n > 512) {
        errno = EINVAL;
        return NULL;
    }
    for (unsigned int i = 0; i < n; i++)
        pfns[i] = gfn + i;
    p = xenforeignmemory_map(d->fmem, d->domid, PROT_READ | PROT_WRITE, n, pfns, err);
    if (p)      /* failed frames hold their place too */
        xen_maps_note_peak(XEN_MAPS_ADD(foreign_frames, n));
    return p;
}

static int foreign_unmap(void *ctx, void *addr, unsigned int n)
{
    struct xen_domain *d = ctx;
    int rc = xenforeignmemory_unmap(d->fmem, addr, n);

    if (!rc)
        XEN_MAPS_ADD(foreign_frames, -(long)n);
    return rc;
}

const struct mapper_ops xen_foreign_ops = { foreign_map, foreign_unmap };

/* ---- grant mappings ---------------------------------------------------- */
static void *grant_map(void *ctx, uint32_t gref)
{
    struct xen_domain *d = ctx;

    if (!d->xgt) {
        errno = EOPNOTSUPP;
        return NULL;
    }
    void *p = xengnttab_map_grant_ref(d->xgt, d->domid, gref, PROT_READ | PROT_WRITE);

    if (p)
        xen_maps_note_grant_peak(XEN_MAPS_ADD(grant_pages, 1));
    return p;
}

static int grant_unmap(void *ctx, void *addr)
{
    struct xen_domain *d = ctx;
    int rc = xengnttab_unmap(d->xgt, addr, 1);

    if (!rc)
        XEN_MAPS_ADD(grant_pages, -1);
    return rc;
}

const struct grant_ops xen_grant_ops = { grant_map, grant_unmap };

/* ---- event channels (one handle per IOREQ lane) ----------------------- */
static void *evt_open(void *ctx)
{
    (void)ctx;
    return xenevtchn_open(NULL, 0);
}

static void evt_close(void *h)
{
    xenevtchn_close(h);
}

static int evt_bind(void *h, domid_t domid, evtchn_port_t remote, evtchn_port_t *local)
{
    xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(h, domid, remote);

    if (p < 0)
        return -errno;
    *local = (evtchn_port_t)p;
    return 0;
}

static int evt_fd(void *h)
{
    return xenevtchn_fd(h);
}

static int evt_pending(void *h)
{
    return xenevtchn_pending(h);
}

static int evt_unmask(void *h, evtchn_port_t port)
{
    return xenevtchn_unmask(h, port);
}

static int evt_notify(void *h, evtchn_port_t port)
{
    return xenevtchn_notify(h, port);
}

const struct evtchn_ops xen_evtchn_ops = {
    evt_open, evt_close, evt_bind, evt_fd, evt_pending, evt_unmask, evt_notify,
};

/* ---- host-ops (ctx = struct xen_vgpu) ------------------------------------ */
static int xh_read(void *host, u64 addr, void *buf, size_t len)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return -ENODEV;     /* reserved, not attached: no guest memory */
    return guest_mem_read(xv->dom->mem, addr, buf, len);
}

static int xh_write(void *host, u64 addr, const void *buf, size_t len)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return -ENODEV;     /* reserved, not attached: no guest memory */
    return guest_mem_write(xv->dom->mem, addr, buf, len);
}

static int xh_map(void *host, u64 addr, void **va)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return -ENODEV;     /* reserved, not attached: no guest memory */
    return guest_mem_pin(xv->dom->mem, addr, va);
}

static void xh_unmap(void *host, u64 addr, void *va)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return;
    guest_mem_unpin(xv->dom->mem, addr, va);
}

/*
 * Write tracking: the frame's p2m type becomes HVMMEM_ioreq_server, whose
 * writes Xen forwards to the one IOREQ server that claimed the type --
 * ours, claimed on first use.  Reads still go straight to memory.
 */
static int xh_track_enable(void *host, u64 addr)
{
    struct xen_vgpu *xv = host;
    struct xen_domain *d = xv->dom;

    if (!d)
        return -ENODEV;
    if (addr & GUEST_GRANT_BIT)
        return -EOPNOTSUPP;     /* grants are not in the p2m */
    pthread_mutex_lock(&d->claim_lock);
    if (!d->mem_type_claimed) {
        if (xendevicemodel_map_mem_type_to_ioreq_server(d->dmod, d->domid, d->ioservid,
                                                        HVMMEM_ioreq_server,
                                                        XEN_DMOP_IOREQ_MEM_ACCESS_WRITE)) {
            int rc = -errno;

            pthread_mutex_unlock(&d->claim_lock);
            return rc;
        }
        d->mem_type_claimed = true;
    }
    pthread_mutex_unlock(&d->claim_lock);
    if (xendevicemodel_set_mem_type(d->dmod, d->domid, HVMMEM_ioreq_server, addr >> 12, 1))
        return -errno;
    return 0;
}

static int xh_track_disable(void *host, u64 addr)
{
    struct xen_vgpu *xv = host;
    struct xen_domain *d = xv->dom;

    if (!d)
        return -ENODEV;
    if (xendevicemodel_set_mem_type(d->dmod, d->domid, HVMMEM_ram_rw, addr >> 12, 1))
        return -errno;
    return 0;
}

static int xh_inject_msi(void *host, u64 addr, u32 data)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return -ENODEV;
    xv->msis++;
    if (xendevicemodel_inject_msi(xv->dom->dmod, xv->dom->domid, addr, data))
        return -errno;
    return 0;
}

static int xh_set_intx(void *host, bool level)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom)
        return level ? -ENODEV : 0;
    xv->intx_changes++;
    /* INTA# of the function's slot; Xen routes it through the PCI link. */
    if (xendevicemodel_set_pci_intx_level(xv->dom->dmod, xv->dom->domid, 0, xv->bus, xv->dev,
                                          0, level))
        return -errno;
    return 0;
}

/*
 * The engines wrote guest frames through our foreign mappings, which Xen's
 * log-dirty cannot see: report them (docs/hw-spec.md §10).  Xen ignores the
 * report while log-dirty is off.  Frames reached by grant (bit 63) are
 * Xen's to mark: a writable grant mapping dirties the page when unmapped.
 */
static void xh_mark_dirty(void *host, u64 addr, u64 len)
{
    struct xen_vgpu *xv = host;

    if (!xv->dom || addr & GUEST_GRANT_BIT || !len)
        return;
    if (xendevicemodel_modified_memory(xv->dom->dmod, xv->dom->domid, addr >> 12,
                                       ((addr + len - 1) >> 12) - (addr >> 12) + 1))
        os_log_ratelimited(OS_LOG_WARN, "dom%u vgpu %s: modified_memory 0x%llx+0x%llx: %d",
                           xv->dom->domid, xv->uuid, (unsigned long long)addr,
                           (unsigned long long)len, errno);
}

static void xh_bar_changed(void *host, unsigned int bar, u64 addr, u64 size, bool enabled)
{
    struct xen_vgpu *xv = host;
    struct xen_domain *d = xv->dom;
    struct xen_bar *b;

    if (bar >= 6 || !d)
        return;
    b = &xv->bars[bar];
    if (b->mapped) {
        if (xendevicemodel_unmap_io_range_from_ioreq_server(d->dmod, d->domid, d->ioservid, 1,
                                                            b->addr, b->addr + b->size - 1))
            os_warn("dom%u vgpu %s: unclaiming BAR%u at 0x%llx failed: %d", d->domid, xv->uuid,
                    bar, (unsigned long long)b->addr, errno);
        b->mapped = false;
    }
    if (!enabled)
        return;
    if (xendevicemodel_map_io_range_to_ioreq_server(d->dmod, d->domid, d->ioservid, 1, addr,
                                                    addr + size - 1)) {
        os_err("dom%u vgpu %s: claiming BAR%u at 0x%llx+0x%llx failed: %d", d->domid, xv->uuid,
               bar, (unsigned long long)addr, (unsigned long long)size, errno);
        return;
    }
    b->addr = addr;
    b->size = size;
    b->mapped = true;
    os_info("dom%u vgpu %s: BAR%u at 0x%llx+0x%llx", d->domid, xv->uuid, bar,
            (unsigned long long)addr, (unsigned long long)size);
}

const struct vgpu_host_ops xen_host_ops = {
    .read_gpa = xh_read,
    .write_gpa = xh_write,
    .map_frame = xh_map,
    .unmap_frame = xh_unmap,
    .track_enable = xh_track_enable,
    .track_disable = xh_track_disable,
    .inject_msi = xh_inject_msi,
    .set_intx = xh_set_intx,
    .mark_dirty = xh_mark_dirty,
    .bar_changed = xh_bar_changed,
};
