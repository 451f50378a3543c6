/*
 * fake_domain.h - a vgpu-backend domain served by the daemon's own IOREQ
 * threads (dom0-backend/ioreq_thread.c, ioreq.c) over a fake event
 * channel: the seam through which the toolstack tests and the bench drive
 * the daemon's threading without Xen.
 *
 * A "vCPU" is whichever thread calls fake_vcpu_io(): it places a request
 * in the vCPU's slot of the domain's ioreq page, signals the vCPU's port
 * and blocks until a lane answers, as a trapped vCPU waits in Xen.  Each
 * vCPU must be driven by one thread at a time.
 */
#ifndef FAKE_DOMAIN_H
#define FAKE_DOMAIN_H

#include <stdint.h>

#include "backend.h"

struct fake_domain;

/* A domain of nr_vcpus on be (lanes per be->lane_per_vcpu), linked into
 * be->domains with its lanes running.  NULL on failure. */
struct fake_domain *fake_domain_create(struct backend *be, domid_t domid, unsigned int nr_vcpus);
/* Serve v as PCI function 00:dev.0 of the domain, BAR0 decoded at bar0
 * (config space written directly: set-up, not a trap).  v stays the
 * caller's: fake_domain_destroy detaches it without destroying it. */
int fake_domain_attach(struct fake_domain *f, struct vgpu *v, const char *uuid, uint8_t dev,
                       uint64_t bar0);
/* Joins the lanes, unlinks the domain from its backend, frees it. */
void fake_domain_destroy(struct fake_domain *f);
struct xen_domain *fake_domain_xen(struct fake_domain *f);

/* One trapped access from vCPU vcpu: type IOREQ_TYPE_COPY (MMIO) or
 * IOREQ_TYPE_PCI_CONFIG (addr = SBDF << 32 | register), dir IOREQ_READ or
 * IOREQ_WRITE.  Blocks until answered; returns the request's data after
 * the answer (the value read). */
uint64_t fake_vcpu_io(struct fake_domain *f, unsigned int vcpu, uint8_t type, uint8_t dir,
                      uint64_t addr, uint32_t size, uint64_t data);

/* The guest maps a w x h XRGB8888 surface at the start of v's graphics
 * memory, backed by guest memory from address 0 (pixel (x, y) at guest
 * address (y * w + x) * 4), and lights the plane: all by trapped writes
 * from vCPU 0 through the domain's lane. */
void fake_guest_light_plane(struct fake_domain *f, struct vgpu *v, uint64_t bar0, uint32_t w,
                            uint32_t h);

#endif /* FAKE_DOMAIN_H */
