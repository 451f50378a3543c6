/*
 * fake_domain.c - the daemon's IOREQ threads on a fake event channel (see
 * fake_domain.h).
 *
 * Each lane's handle is a pipe: a vCPU signals by writing its port number
 * (local port = remote port = vCPU index), the lane's pending() reads one.
 * The lane answers on a per-vCPU eventfd the vCPU blocks on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fake_domain.h"
#include "hw_regs.h"
#include "pci_cfg.h"

#define IOPAGE_SIZE 4096

struct fake_evt {
    struct fake_domain *f;
    int pipe[2];                /* [0] polled by the lane, [1] written by vCPUs */
};

struct fake_domain {
    struct xen_domain *d;
    void *page;                 /* the ioreq page, shared_iopage_t */
    int *resp;                  /* per vCPU: eventfd the answer is signalled on */
    struct fake_evt **evt_of;   /* per vCPU: the lane handle its port is bound on */
};

static ioreq_t *slot(struct fake_domain *f, unsigned int vcpu)
{
    return (ioreq_t *)f->page + vcpu;
}

static void *fe_open(void *ctx)
{
    struct fake_evt *e = calloc(1, sizeof(*e));

    if (!e)
        return NULL;
    e->f = ctx;
    if (pipe2(e->pipe, O_CLOEXEC)) {
        free(e);
        return NULL;
    }
    /* Only the lane's end is non-blocking: pending() after a spurious wake. */
    fcntl(e->pipe[0], F_SETFL, O_NONBLOCK);
    return e;
}

static void fe_close(void *h)
{
    struct fake_evt *e = h;

    close(e->pipe[0]);
    close(e->pipe[1]);
    free(e);
}

static int fe_bind(void *h, domid_t domid, evtchn_port_t remote, evtchn_port_t *local)
{
    struct fake_evt *e = h;

    (void)domid;
    e->f->evt_of[remote] = e;
    *local = remote;
    return 0;
}

static int fe_fd(void *h)
{
    return ((struct fake_evt *)h)->pipe[0];
}

static int fe_pending(void *h)
{
    uint32_t port;

    if (read(((struct fake_evt *)h)->pipe[0], &port, sizeof(port)) != sizeof(port))
        return -1;
    return (int)port;
}

static int fe_unmask(void *h, evtchn_port_t port)
{
    (void)h;
    (void)port;
    return 0;
}

static int fe_notify(void *h, evtchn_port_t port)
{
    uint64_t one = 1;

    return write(((struct fake_evt *)h)->f->resp[port], &one, sizeof(one)) == sizeof(one)
               ? 0 : -errno;
}

static const struct evtchn_ops fake_evtchn_ops = {
    fe_open, fe_close, fe_bind, fe_fd, fe_pending, fe_unmask, fe_notify,
};

static void free_fake(struct fake_domain *f, unsigned int nr_vcpus)
{
    for (unsigned int v = 0; f->resp && v < nr_vcpus; v++)
        if (f->resp[v] >= 0)
            close(f->resp[v]);
    free(f->resp);
    free(f->evt_of);
    free(f->page);
    free(f);
}

struct fake_domain *fake_domain_create(struct backend *be, domid_t domid, unsigned int nr_vcpus)
{
    struct fake_domain *f = calloc(1, sizeof(*f));
    struct xen_domain *d;

    if (!f || nr_vcpus * sizeof(ioreq_t) > IOPAGE_SIZE)
        goto fail_fake;
    f->page = calloc(1, IOPAGE_SIZE);
    f->resp = calloc(nr_vcpus, sizeof(*f->resp));
    f->evt_of = calloc(nr_vcpus, sizeof(*f->evt_of));
    if (!f->page || !f->resp || !f->evt_of)
        goto fail_fake;
    for (unsigned int v = 0; v < nr_vcpus; v++) {
        f->resp[v] = eventfd(0, EFD_CLOEXEC);
        slot(f, v)->vp_eport = v;
    }
    d = xen_domain_alloc(be, domid);
    if (!d)
        goto fail_fake;
    f->d = d;
    d->evt_ops = &fake_evtchn_ops;
    d->evt_ctx = f;
    d->iopage = f->page;
    d->nr_vcpus = nr_vcpus;
    if (xen_domain_bind_vcpus(d) || xen_domain_start_service(d)) {
        xen_domain_free(d);
        goto fail_fake;
    }
    d->next = be->domains;
    be->domains = d;
    return f;

fail_fake:
    if (f)
        free_fake(f, nr_vcpus);
    return NULL;
}

int fake_domain_attach(struct fake_domain *f, struct vgpu *v, const char *uuid, uint8_t dev,
                       uint64_t bar0)
{
    struct xen_vgpu *xv = calloc(1, sizeof(*xv));
    uint32_t lo = (uint32_t)bar0, hi = (uint32_t)(bar0 >> 32);
    uint16_t cmd = PCI_CFG_COMMAND_MEMORY;

    if (!xv)
        return -ENOMEM;
    xv->dom = f->d;
    xv->v = v;
    xv->dev = dev;
    snprintf(xv->uuid, sizeof(xv->uuid), "%s", uuid);
    snprintf(xv->type, sizeof(xv->type), "%s", vgpu_get_type(v)->name);
    vgpu_region_write(v, VGPU_REGION_CONFIG, PCI_CFG_BAR(0), &lo, sizeof(lo));
    vgpu_region_write(v, VGPU_REGION_CONFIG, PCI_CFG_BAR(1), &hi, sizeof(hi));
    vgpu_region_write(v, VGPU_REGION_CONFIG, PCI_CFG_COMMAND, &cmd, sizeof(cmd));
    xen_domain_link_vgpu(f->d, xv);
    return 0;
}

struct xen_domain *fake_domain_xen(struct fake_domain *f)
{
    return f->d;
}

void fake_domain_destroy(struct fake_domain *f)
{
    struct xen_domain *d = f->d, **pp;
    unsigned int nr_vcpus = d->nr_vcpus;

    /* As xen_domain_destroy: display threads joined, vGPUs off the lanes,
     * then the lanes joined. */
    while (d->devs) {
        struct xen_vgpu *xv = d->devs;

        vnc_display_stop(xv->vnc);
        xv->vnc = NULL;
        xen_domain_unlink_vgpu(d, xv);
        free(xv);
    }
    xen_domain_stop_service(d);
    for (pp = &d->be->domains; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    xen_domain_free(d);
    free_fake(f, nr_vcpus);
}

uint64_t fake_vcpu_io(struct fake_domain *f, unsigned int vcpu, uint8_t type, uint8_t dir,
                      uint64_t addr, uint32_t size, uint64_t data)
{
    ioreq_t *r = slot(f, vcpu);
    uint32_t port = vcpu;
    uint64_t n;

    r->addr = addr;
    r->data = data;
    r->count = 1;
    r->size = size;
    r->data_is_ptr = 0;
    r->df = 0;
    r->dir = dir;
    r->type = type;
    __atomic_thread_fence(__ATOMIC_RELEASE);    /* the request before its state */
    r->state = STATE_IOREQ_READY;
    if (write(f->evt_of[vcpu]->pipe[1], &port, sizeof(port)) != sizeof(port) ||
        read(f->resp[vcpu], &n, sizeof(n)) != sizeof(n))
        abort();                                /* a test harness with no way on */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (r->state != STATE_IORESP_READY)
        abort();
    r->state = STATE_IOREQ_NONE;
    return r->data;
}

void fake_guest_light_plane(struct fake_domain *f, struct vgpu *v, uint64_t bar0, uint32_t w,
                            uint32_t h)
{
    uint64_t gm = vgpu_gm_base(v), gtt = bar0 + RGPU_GTT_BASE + (gm >> VGPU_PAGE_SHIFT) * 8;
    uint64_t pages = ((uint64_t)w * h * 4 + VGPU_PAGE_SIZE - 1) / VGPU_PAGE_SIZE;

    for (uint64_t page = 0; page < pages; page++)
        fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, gtt + page * 8, 8,
                     (page << VGPU_PAGE_SHIFT) | RGPU_PTE_VALID);
    fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, bar0 + RGPU_PIPE_CONF, 4, RGPU_PIPE_ENABLE);
    fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, bar0 + RGPU_PLANE_SURF, 4, (uint32_t)gm);
    fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, bar0 + RGPU_PLANE_STRIDE, 4, w * 4);
    fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, bar0 + RGPU_PLANE_SIZE, 4,
                 RGPU_PLANE_SIZE_WH(w, h));
    fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, bar0 + RGPU_PLANE_CTL, 4,
                 RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888);
}
