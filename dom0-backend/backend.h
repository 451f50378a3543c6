/*
 * backend.h - vgpu-backend's objects: the daemon, the domains it serves
 * (one IOREQ server each) and the vGPU devices in them.
 */
#ifndef BACKEND_H
#define BACKEND_H

#define __XEN_TOOLS__ 1         /* before any Xen header: HVM_IOREQSRV_* et al. */
#include <xenctrl.h>            /* first: it sets up the Xen public headers */
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/hvm/ioreq.h>

#include <stdbool.h>
#include <stdint.h>

#include "vgpu.h"
#include "guest_mem.h"

struct backend;
struct xen_domain;

struct xen_bar {
    uint64_t addr, size;
    bool mapped;                /* range claimed on the IOREQ server */
};

/* One vGPU in a domain. */
struct xen_vgpu {
    struct xen_domain *dom;
    struct vgpu *v;
    unsigned int devid;
    uint8_t bus, dev, fn;
    char uuid[VGPU_UUID_STR_LEN + 1];
    char type[64];
    struct xen_bar bars[6];
    uint64_t intx_changes, msis;
    uint64_t created_ns;
    bool persistent;            /* reserved with vgpuctl: outlives its domain */
    struct xen_vgpu *next;
};

struct xen_domain {
    struct backend *be;
    domid_t domid;
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    xenforeignmemory_resource_handle *fres;
    ioservid_t ioservid;
    bool server_created;
    bool mem_type_claimed;      /* HVMMEM_ioreq_server writes routed to us */
    shared_iopage_t *iopage;
    unsigned int nr_vcpus;
    evtchn_port_t *ports;       /* local port per vCPU */
    uint64_t *vcpu_ioreqs;      /* requests served per vCPU (logged at teardown) */
    struct guest_mem *mem;
    struct xen_vgpu *devs;
    uint64_t ioreqs, cfg_ioreqs, mmio_ioreqs, invalidates, bad_ioreqs;
    struct xen_domain *next;
};

struct backend {
    struct vgpu_parent *parent;
    xc_interface *xch;
    struct xs_handle *xs;
    char *xs_base;              /* /local/domain/0/backend/vgpu */
    struct xen_domain *domains;
    struct xen_vgpu *detached;  /* reserved with vgpuctl, not attached to a domain */
    volatile int stop;          /* signal number that asked us to stop */
};

/* domain.c: the IOREQ server of a domain and its lifetime. */
struct xen_domain *xen_domain_get(struct backend *be, domid_t domid, int *err);
struct xen_domain *xen_domain_find(struct backend *be, domid_t domid);
int xen_domain_add_vgpu(struct xen_domain *d, unsigned int devid, const char *type,
                        const char *uuid, uint8_t bus, uint8_t dev, uint8_t fn,
                        char *why, size_t whylen);
struct xen_vgpu *xen_domain_find_vgpu(struct xen_domain *d, unsigned int devid);
void xen_domain_remove_vgpu(struct xen_domain *d, struct xen_vgpu *xv);
/* Tears down every vGPU, the server and the handles, and frees d. */
void xen_domain_destroy(struct xen_domain *d);
bool xen_domain_alive(struct backend *be, domid_t domid);

/* Reservations (vgpuctl create/destroy): instances with no domain yet.  A
 * domain's vgpu= entry with the same UUID attaches the reservation. */
int backend_reserve(struct backend *be, const char *type, const char *uuid, char *why,
                    size_t whylen);
void backend_unreserve(struct backend *be, struct xen_vgpu *xv);

/* ioreq.c: serving requests. */
int xen_domain_evtchn_fd(struct xen_domain *d);
void xen_domain_service(struct xen_domain *d);

/* Live Xen mappings of the whole daemon, whatever domain they belong to:
 * every successful map adds, every successful unmap subtracts.  After the
 * last domain is torn down all three are 0; `vgpuctl status` shows them
 * and the rig's leak check relies on that.  Updated from engine threads
 * too (guest memory reads), hence the atomics. */
struct xen_map_counts {
    long foreign_frames;        /* xenforeignmemory_map, in frames */
    long grant_pages;           /* xengnttab_map_grant_ref */
    long ioreq_pages;           /* map_resource of an IOREQ server's page */
    long foreign_frames_peak;   /* the most foreign frames mapped at once */
    long grant_pages_peak;      /* the most grant pages mapped at once */
};
extern struct xen_map_counts xen_maps;
/* Adds n (may be negative) and yields the new count. */
#define XEN_MAPS_ADD(field, n) __atomic_add_fetch(&xen_maps.field, (long)(n), __ATOMIC_RELAXED)
#define XEN_MAPS_GET(field) __atomic_load_n(&xen_maps.field, __ATOMIC_RELAXED)
/* Raises foreign_frames_peak (grant_pages_peak) to now if below. */
void xen_maps_note_peak(long now);
void xen_maps_note_grant_peak(long now);

/* xen_host.c: host-ops over Xen. */
extern const struct vgpu_host_ops xen_host_ops;
extern const struct mapper_ops xen_foreign_ops;
extern const struct grant_ops xen_grant_ops;

/* xs_backend.c: the xenstore side. */
int xs_backend_init(struct backend *be);
void xs_backend_fini(struct backend *be);
int xs_backend_fd(struct backend *be);
void xs_backend_event(struct backend *be);

#endif /* BACKEND_H */
