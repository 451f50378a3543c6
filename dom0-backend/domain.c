/*
 * domain.c - one IOREQ server per guest domain, serving all of its vGPUs.
 *
 * Set-up follows what QEMU does for its own server: create it with
 * buffered ioreqs off, map its ioreq page with map_resource, claim each
 * vGPU's PCI function, enable it, bind every vCPU's event channel, and
 * finally restrict our device-model and foreign-memory handles to this
 * domain, so a confused daemon cannot touch any other.  The domain's IOREQ
 * threads (ioreq_thread.c) start once all of that stands.  Teardown runs in
 * reverse and also works when the domain is already dead: vGPUs first
 * (their lanes still answer the guest meanwhile), then the threads are
 * joined, then the mappings and handles go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "backend.h"
#include "log_domain.h"

struct xen_domain *xen_domain_find(struct backend *be, domid_t domid)
{
    struct xen_domain *d;

    for (d = be->domains; d; d = d->next)
        if (d->domid == domid)
            return d;
    return NULL;
}

bool xen_domain_alive(struct backend *be, domid_t domid)
{
    xc_dominfo_t info;

    if (xc_domain_getinfo(be->xch, domid, 1, &info) != 1 || info.domid != domid)
        return false;
    return !info.dying && !info.shutdown;
}

static void close_handles(struct xen_domain *d)
{
    if (d->fres && !xenforeignmemory_unmap_resource(d->fmem, d->fres))
        XEN_MAPS_ADD(ioreq_pages, -1);
    d->fres = NULL;
    if (d->server_created)
        xendevicemodel_destroy_ioreq_server(d->dmod, d->domid, d->ioservid);
    d->server_created = false;
    if (d->xgt)
        xengnttab_close(d->xgt);
    if (d->fmem)
        xenforeignmemory_close(d->fmem);
    if (d->dmod)
        xendevicemodel_close(d->dmod);
    d->xgt = NULL;
    d->fmem = NULL;
    d->dmod = NULL;
}

/* What the server did, for the log: proves which paths a guest used
 * (config cycles, BAR MMIO and tracked writes, invalidations, every vCPU). */
static void log_counters(struct xen_domain *d)
{
    char per_vcpu[128] = "";
    size_t n = 0;

    for (unsigned int v = 0; d->vcpu_ioreqs && v < d->nr_vcpus && n < sizeof(per_vcpu); v++)
        n += (size_t)snprintf(per_vcpu + n, sizeof(per_vcpu) - n, "%s%llu", v ? "/" : "",
                              (unsigned long long)d->vcpu_ioreqs[v]);
    os_info("dom%u: served %llu ioreqs (%llu config, %llu MMIO, %llu invalidate, %llu "
            "unhandled; per vCPU %s)", d->domid, (unsigned long long)d->ioreqs,
            (unsigned long long)d->cfg_ioreqs, (unsigned long long)d->mmio_ioreqs,
            (unsigned long long)d->invalidates, (unsigned long long)d->bad_ioreqs, per_vcpu);
}

void xen_domain_destroy(struct xen_domain *d)
{
    struct xen_domain **pp;

    if (!d)
        return;
    while (d->devs)
        xen_domain_remove_vgpu(d, d->devs);
    /* Join the lanes: no IOREQ or vGPU uses the mappings after this, and
     * mappings go before the handles they were made with. */
    xen_domain_stop_service(d);
    guest_mem_destroy(d->mem);
    d->mem = NULL;
    close_handles(d);
    for (pp = &d->be->domains; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    log_counters(d);
    os_info("dom%u: IOREQ server torn down", d->domid);
    xen_domain_free(d);
}

/* Create the server and bind its vCPU channels.  The server is enabled only
 * after the first vGPU has claimed its function (see add_vgpu). */
static int server_setup(struct xen_domain *d)
{
    xc_dominfo_t info;
    void *page = NULL;
    int rc;

    if (xc_domain_getinfo(d->be->xch, d->domid, 1, &info) != 1 || info.domid != d->domid)
        return -ESRCH;
    if (!info.hvm) {
        os_err("dom%u is not an HVM guest: vGPUs need an IOREQ server", d->domid);
        return -EINVAL;
    }
    d->nr_vcpus = info.max_vcpu_id + 1;
    if (xendevicemodel_create_ioreq_server(d->dmod, d->domid, HVM_IOREQSRV_BUFIOREQ_OFF,
                                           &d->ioservid))
        return -errno;
    d->server_created = true;
    d->fres = xenforeignmemory_map_resource(d->fmem, d->domid, XENMEM_resource_ioreq_server,
                                            d->ioservid,
                                            XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &page,
                                            PROT_READ | PROT_WRITE, 0);
    if (!d->fres)
        return -errno;
    XEN_MAPS_ADD(ioreq_pages, 1);
    d->iopage = page;
    /* NULL outputs: we use the resource mapping, not the legacy gfn pages. */
    if (xendevicemodel_get_ioreq_server_info(d->dmod, d->domid, d->ioservid, NULL, NULL, NULL))
        return -errno;
    if (xendevicemodel_set_ioreq_server_state(d->dmod, d->domid, d->ioservid, 1))
        return -errno;
    rc = xen_domain_bind_vcpus(d);
    if (rc)
        return rc;
    /* From here on these handles can only act on this domain. */
    if (xendevicemodel_restrict(d->dmod, d->domid) || xenforeignmemory_restrict(d->fmem, d->domid))
        return -errno;
    return 0;
}

struct xen_domain *xen_domain_get(struct backend *be, domid_t domid, int *err)
{
    struct xen_domain *d = xen_domain_find(be, domid);
    int rc;

    if (d)
        return d;
    d = xen_domain_alloc(be, domid);
    if (!d) {
        *err = -ENOMEM;
        return NULL;
    }
    d->evt_ops = &xen_evtchn_ops;
    d->dmod = xendevicemodel_open(NULL, 0);
    d->fmem = xenforeignmemory_open(NULL, 0);
    d->xgt = xengnttab_open(NULL, 0);  /* optional: only grant-addressed DMA needs it */
    if (!d->dmod || !d->fmem) {
        rc = -(errno ? errno : ENOENT);
        os_err("dom%u: cannot open Xen interfaces (%d): is this dom0 with xenfs, privcmd "
               "and evtchn available?", domid, rc);
        goto fail;
    }
    d->mem = guest_mem_create(&xen_foreign_ops, &xen_grant_ops, d);
    if (!d->mem) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = server_setup(d);
    if (rc) {
        os_err("dom%u: IOREQ server set-up failed: %s", domid, strerror(-rc));
        goto fail;
    }
    rc = xen_domain_start_service(d);
    if (rc) {
        os_err("dom%u: cannot start its IOREQ threads: %s", domid, strerror(-rc));
        goto fail;
    }
    d->next = be->domains;
    be->domains = d;
    os_info("dom%u: IOREQ server %u up, %u vCPU(s)", domid, d->ioservid, d->nr_vcpus);
    return d;

fail:
    xen_domain_stop_service(d);
    guest_mem_destroy(d->mem);
    close_handles(d);
    xen_domain_free(d);
    *err = rc;
    return NULL;
}

struct xen_vgpu *xen_domain_find_vgpu(struct xen_domain *d, unsigned int devid)
{
    struct xen_vgpu *xv;

    for (xv = d->devs; xv; xv = xv->next)
        if (xv->devid == devid)
            return xv;
    return NULL;
}

/* Create an instance for ctx xv, explaining a failure in why. */
static int create_instance(struct backend *be, struct xen_vgpu *xv, const char *type,
                           const char *uuid, char *why, size_t whylen)
{
    int rc = vgpu_create(be->parent, type, uuid, &xen_host_ops, xv, &xv->v);

    if (rc) {
        const struct vgpu_type *t = vgpu_parent_find_type(be->parent, type);

        if (rc == -ENOENT)
            vgpu_type_unknown(type, why, whylen);
        else if (rc == -ENOSPC && t)
            snprintf(why, whylen, "no free resources for type %s: %u instances available",
                     type, vgpu_type_available_instances(be->parent, t));
        else if (rc == -EEXIST)
            snprintf(why, whylen, "a vGPU with UUID %s already exists", uuid);
        else if (rc == -EINVAL)
            snprintf(why, whylen, "malformed UUID '%s'", uuid);
        else
            snprintf(why, whylen, "creating the vGPU failed: %s", strerror(-rc));
        return rc;
    }
    snprintf(xv->uuid, sizeof(xv->uuid), "%s", uuid);
    snprintf(xv->type, sizeof(xv->type), "%s", type);
    xv->created_ns = os_now_ns();
    return 0;
}

int backend_reserve(struct backend *be, const char *type, const char *uuid, char *why,
                    size_t whylen)
{
    struct xen_vgpu *xv = calloc(1, sizeof(*xv));
    int rc;

    if (!xv)
        return -ENOMEM;
    rc = create_instance(be, xv, type, uuid, why, whylen);
    if (rc) {
        free(xv);
        return rc;
    }
    xv->persistent = true;
    xv->next = be->detached;
    be->detached = xv;
    os_info("vgpu %s (%s) reserved", uuid, type);
    return 0;
}

void backend_unreserve(struct backend *be, struct xen_vgpu *xv)
{
    struct xen_vgpu **pp;

    for (pp = &be->detached; *pp; pp = &(*pp)->next) {
        if (*pp == xv) {
            *pp = xv->next;
            break;
        }
    }
    vgpu_destroy(xv->v);
    os_info("vgpu %s released", xv->uuid);
    free(xv);
}

/* Take the reservation with this UUID off the detached list, if any. */
static struct xen_vgpu *take_reserved(struct backend *be, const char *uuid)
{
    struct xen_vgpu **pp, *xv;

    for (pp = &be->detached; (xv = *pp); pp = &xv->next) {
        if (!strcasecmp(xv->uuid, uuid)) {
            *pp = xv->next;
            xv->next = NULL;
            return xv;
        }
    }
    return NULL;
}

int xen_domain_add_vgpu(struct xen_domain *d, unsigned int devid, const char *type,
                        const char *uuid, uint8_t bus, uint8_t dev, uint8_t fn,
                        const struct vgpu_vnc_config *vnc, char *why, size_t whylen)
{
    struct xen_vgpu *xv, *o;
    bool reserved = false;
    int rc;

    for (o = d->devs; o; o = o->next) {
        if (o->bus == bus && o->dev == dev && o->fn == fn) {
            snprintf(why, whylen, "PCI function %02x:%02x.%u already used by vgpu %u", bus, dev,
                     fn, o->devid);
            return -EEXIST;
        }
    }
    xv = take_reserved(d->be, uuid);
    if (xv) {
        if (strcmp(xv->type, type)) {
            snprintf(why, whylen, "vGPU %s was reserved as type %s, not %s", uuid, xv->type,
                     type);
            xv->next = d->be->detached;
            d->be->detached = xv;
            return -EINVAL;
        }
        reserved = true;
    } else {
        xv = calloc(1, sizeof(*xv));
        if (!xv)
            return -ENOMEM;
        rc = create_instance(d->be, xv, type, uuid, why, whylen);
        if (rc) {
            free(xv);
            return rc;
        }
    }
    xv->dom = d;
    xv->devid = devid;
    xv->bus = bus;
    xv->dev = dev;
    xv->fn = fn;
    if (reserved)
        vgpu_reset(xv->v);      /* a clean function for the new owner */
    if (xendevicemodel_map_pcidev_to_ioreq_server(d->dmod, d->domid, d->ioservid, 0, bus, dev,
                                                  fn)) {
        rc = -errno;
        snprintf(why, whylen, "claiming PCI function %02x:%02x.%u failed: %s", bus, dev, fn,
                 strerror(errno));
        xv->dom = NULL;
        if (reserved) {
            xv->next = d->be->detached;
            d->be->detached = xv;
        } else {
            vgpu_destroy(xv->v);
            free(xv);
        }
        return rc;
    }
    xen_domain_link_vgpu(d, xv);
    log_domain_bind_vgpu(vgpu_get_id(xv->v), d->domid);
    os_info("dom%u: vgpu %u (%s, %s%s) at %02x:%02x.%u", d->domid, devid, type, uuid,
            reserved ? ", reserved" : "", bus, dev, fn);
    /* The display thread of its own, once the vGPU is served: it reads
     * frames under the vGPU's lock only, never on a lane. */
    if (vnc && vnc->enabled) {
        rc = vnc_display_start(xv->v, vnc, &xv->vnc);
        if (rc) {
            snprintf(why, whylen, "VNC on %s port %d: %s", vnc->listen, vnc->port,
                     rc == -EADDRINUSE ? "cannot listen (port in use or address not local)"
                                       : strerror(-rc));
            xen_domain_remove_vgpu(d, xv);
            return rc;
        }
    }
    return 0;
}

void xen_domain_remove_vgpu(struct xen_domain *d, struct xen_vgpu *xv)
{
    /* The display thread first: after this no viewer reads the vGPU and
     * its port is free. */
    vnc_display_stop(xv->vnc);
    xv->vnc = NULL;
    /* Off the lanes' list first: from here no IOREQ reaches xv, so the
     * reset or destroy below has it to itself. */
    xen_domain_unlink_vgpu(d, xv);
    xendevicemodel_unmap_pcidev_from_ioreq_server(d->dmod, d->domid, d->ioservid, 0, xv->bus,
                                                  xv->dev, xv->fn);
    /* The lines the reset or destroy below logs are still about d. */
    log_domain_enter(d->domid);
    log_domain_unbind_vgpu(vgpu_get_id(xv->v));
    if (xv->persistent) {
        /* A reservation goes back to the pool: reset it while the domain's
         * mappings still exist, so its BARs are unclaimed and GTT frames
         * unpinned, then detach it. */
        vgpu_reset(xv->v);
        xv->dom = NULL;
        xv->next = d->be->detached;
        d->be->detached = xv;
        os_info("dom%u: vgpu %u (%s) detached; still reserved", d->domid, xv->devid, xv->uuid);
        log_domain_leave();
        return;
    }
    /* Destroying the instance unclaims its BARs and unpins its GTT frames
     * through host-ops. */
    vgpu_destroy(xv->v);
    os_info("dom%u: vgpu %u (%s) removed", d->domid, xv->devid, xv->uuid);
    log_domain_leave();
    free(xv);
}
