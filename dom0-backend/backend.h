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

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vgpu.h"
#include "guest_mem.h"
#include "vnc_display.h"

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
    /* The VNC view (vgpu= vnc=1): its display thread runs while xv is
     * linked to a domain, started after the link, joined before the unlink. */
    struct vnc_display *vnc;
    struct xen_vgpu *next;
};

/*
 * Event channels as the IOREQ threads use them: Xen's (xen_evtchn_ops) in
 * the daemon, a fake in the tests and the bench (tests/daemon/fake_domain.c),
 * which is how the threading is exercised without a hypervisor.
 */
struct evtchn_ops {
    void *(*open)(void *ctx);                   /* a new handle; NULL + errno */
    void (*close)(void *h);
    /* Bind the guest's port remote on h; 0 with *local, or -errno. */
    int (*bind)(void *h, domid_t domid, evtchn_port_t remote, evtchn_port_t *local);
    int (*fd)(void *h);                         /* readable when a port is pending */
    int (*pending)(void *h);                    /* a pending local port, or -1 */
    int (*unmask)(void *h, evtchn_port_t port);
    int (*notify)(void *h, evtchn_port_t port);
};

/* One thread serving a run of a domain's vCPUs on an event channel handle
 * of its own (ioreq_thread.c). */
struct ioreq_lane {
    struct xen_domain *d;
    void *evt;                  /* handle the lane's ports are bound on */
    unsigned int first_vcpu, nr_vcpus;
    pthread_t thread;
    bool running;
};

struct xen_domain {
    struct backend *be;
    domid_t domid;
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
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
    /* The IOREQ threads: one lane per domain, or per vCPU (backend.lane_per_vcpu). */
    const struct evtchn_ops *evt_ops;
    void *evt_ctx;              /* evt_ops->open's argument */
    struct ioreq_lane *lanes;
    unsigned int nr_lanes;
    int stop_fd;                /* eventfd: readable once the lanes must stop */
    /* devs is read by the lanes on every request and changed by the main
     * thread: a vGPU is unlinked under the write lock before it is reset or
     * destroyed, so no lane can be inside it (vgpu_destroy's contract). */
    pthread_rwlock_t devs_lock;
    pthread_mutex_t claim_lock; /* mem_type_claimed: tracking starts from any lane */
    struct xen_vgpu *devs;
    /* Counters, added to by every lane (DOM_COUNT). */
    uint64_t ioreqs, cfg_ioreqs, mmio_ioreqs, invalidates, bad_ioreqs;
    struct xen_domain *next;
};
#define DOM_COUNT(d, field) __atomic_add_fetch(&(d)->field, 1, __ATOMIC_RELAXED)

struct backend {
    struct vgpu_parent *parent;
    xc_interface *xch;
    struct xs_handle *xs;
    char *xs_base;              /* /local/domain/0/backend/vgpu */
    struct xen_domain *domains;
    struct xen_vgpu *detached;  /* reserved with vgpuctl, not attached to a domain */
    bool lane_per_vcpu;         /* an IOREQ thread per vCPU instead of per domain */
    volatile int stop;          /* signal number that asked us to stop */
};

/* domain.c: the IOREQ server of a domain and its lifetime. */
struct xen_domain *xen_domain_get(struct backend *be, domid_t domid, int *err);
struct xen_domain *xen_domain_find(struct backend *be, domid_t domid);
/* vnc (NULL: none) as read from the device's backend node. */
int xen_domain_add_vgpu(struct xen_domain *d, unsigned int devid, const char *type,
                        const char *uuid, uint8_t bus, uint8_t dev, uint8_t fn,
                        const struct vgpu_vnc_config *vnc, char *why, size_t whylen);
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

/* ioreq_thread.c: the domain object and its IOREQ threads, without Xen
 * (the tests and the bench build domains on a fake event channel).
 * alloc: a domain with no vCPUs, no lanes and no devices (NULL: -ENOMEM).
 * bind_vcpus: lanes and their handles, every vCPU's port bound (needs
 * nr_vcpus, iopage, evt_ops).  start_service: a thread per lane, signals
 * blocked in it.  stop_service: wakes and joins every lane, closes the
 * handles; safe on a partly set-up domain and more than once. */
struct xen_domain *xen_domain_alloc(struct backend *be, domid_t domid);
void xen_domain_free(struct xen_domain *d);
int xen_domain_bind_vcpus(struct xen_domain *d);
int xen_domain_start_service(struct xen_domain *d);
void xen_domain_stop_service(struct xen_domain *d);
/* IOREQ threads alive in the daemon, all domains: 0 once every domain is
 * torn down (vgpuctl status shows it; a lane decrements it before it
 * returns, so after xen_domain_stop_service it no longer counts). */
long xen_ioreq_threads(void);
/* Add xv to / take it off what the lanes serve (main thread). */
void xen_domain_link_vgpu(struct xen_domain *d, struct xen_vgpu *xv);
void xen_domain_unlink_vgpu(struct xen_domain *d, struct xen_vgpu *xv);

/* ioreq.c: serving requests: every pending request of the lane's vCPUs. */
void ioreq_lane_serve(struct ioreq_lane *l);

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
extern const struct evtchn_ops xen_evtchn_ops;

/* xs_backend.c: the xenstore side. */
int xs_backend_init(struct backend *be);
void xs_backend_fini(struct backend *be);
int xs_backend_fd(struct backend *be);
void xs_backend_event(struct backend *be);

#endif /* BACKEND_H */
