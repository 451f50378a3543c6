/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu_mdev_xen.h - state shared by the two files of vgpu_mdev_xen.ko, the
 * Xen write tracker: vgpu_mdev_xen_main.c (the IOREQ server's lifecycle,
 * the tracker ops, the module; its top comment is the design) and
 * vgpu_mdev_xen_ioreq.c (serving a vCPU's ioreq slot).
 */
#ifndef VGPU_MDEV_XEN_H
#define VGPU_MDEV_XEN_H

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <xen/interface/event_channel.h>
#include <xen/interface/xen.h>

struct vgpu_mdev;
struct vfio_device;
struct xen_ioreq;

/* Frames untracked recently whose in-flight writes are still applied. */
#define VGPU_MDEV_XEN_RECENT	256

/*
 * xarray values for a gfn in srv->tracked.  TRACKED: of type ioreq_server,
 * the core wants hits; ORPHAN: untracked, but its type could not be
 * restored; RETIRED: restored at detach, in-flight writes still applied.
 */
#define VGPU_MDEV_XEN_TRACKED	xa_mk_value(1)
#define VGPU_MDEV_XEN_ORPHAN	xa_mk_value(2)
#define VGPU_MDEV_XEN_RETIRED	xa_mk_value(3)

/* -------------------------------------------------------------- counters */
struct vgpu_mdev_xen_stats {
	atomic_long_t trackers;		/* live per-device states (incl. late frees) */
	atomic_long_t servers;		/* live IOREQ servers */
	atomic_long_t ioreq_pages_mapped;
	atomic_long_t event_channels;	/* bound vCPU ports */
	atomic_long_t tracked_frames;	/* frames of type ioreq_server we set */
	atomic_long_t writes_applied;
	atomic_long_t dirty_reported;	/* pages reported to log-dirty */
	atomic_long_t errors;
};

/* vgpu_mdev_xen_main.c: the counters and the workqueue of the vCPU works. */
extern struct vgpu_mdev_xen_stats vgpu_mdev_xen_stats;
extern struct workqueue_struct *vgpu_mdev_xen_wq;

/* ----------------------------------------------------------------- state */
struct vgpu_mdev_xen_server;

struct vgpu_mdev_xen_vcpu {
	struct vgpu_mdev_xen_server *srv;
	unsigned int id;		/* vcpu_id = slot index */
	evtchn_port_t port;		/* the guest's end (vp_eport) */
	int irq;			/* our end, -1 when not bound */
	bool busy;			/* applied; answer deferred until the hit is delivered */
	struct work_struct work;
	char name[32];			/* request_irq keeps the pointer */
};

struct vgpu_mdev_xen_server {
	struct kref ref;		/* the attachment + one per queued work */
	struct vgpu_mdev *md;
	struct vfio_device *vdev;	/* pinned with get_device() */
	bool (*serves)(struct vfio_device *vdev);	/* symbol_get, held */
	domid_t domid;
	u16 id;				/* ioservid_t */
	bool registered;		/* in vgpu_mdev_xen_domains */
	bool created, claimed, enabled;
	bool teardown_logged;

	struct page *iopage;		/* dom0 page mapping the ioreq gfn */
	struct xen_ioreq *slots;	/* page_address(iopage) */
	unsigned int nr_vcpus;
	struct vgpu_mdev_xen_vcpu *vcpus;

	struct mutex lock;		/* all below, the slots, busy */
	bool closing;			/* detach took over: the works stand aside */
	bool dma_ok;			/* vfio_iommu_xen serves the container */
	struct xarray tracked;		/* gfn -> VGPU_MDEV_XEN_TRACKED/ORPHAN/RETIRED */
	u64 recent[VGPU_MDEV_XEN_RECENT];	/* ring of recently untracked gfns */
	unsigned int recent_next;
};

/* A request taken from a slot, after validation. */
struct vgpu_mdev_xen_req {
	u64 gpa;			/* lowest guest-physical address written */
	u32 len;
	u64 word;			/* single write: its value */
	void *buf;			/* what was written: &word or kmalloc'd */
};

enum vgpu_mdev_xen_outcome {
	VGPU_MDEV_XEN_NONE,		/* no request was pending */
	VGPU_MDEV_XEN_DONE,		/* answered */
	VGPU_MDEV_XEN_HIT,		/* applied; deliver the hit, then answer */
};

#define vgpu_mdev_xen_warn(srv, fmt, ...) do {					\
	atomic_long_inc(&vgpu_mdev_xen_stats.errors);				\
	pr_warn_ratelimited("dom%u: " fmt, (unsigned int)(srv)->domid,		\
			    ##__VA_ARGS__);					\
} while (0)

/* -------------------------------------------------- vgpu_mdev_xen_main.c */
void vgpu_mdev_xen_release(struct kref *ref);

/* ------------------------------------------------- vgpu_mdev_xen_ioreq.c */
void vgpu_mdev_xen_recent_add(struct vgpu_mdev_xen_server *srv, u64 gfn);
void vgpu_mdev_xen_respond(struct vgpu_mdev_xen_server *srv, struct vgpu_mdev_xen_vcpu *vc,
			   bool set_data, u64 data);
enum vgpu_mdev_xen_outcome vgpu_mdev_xen_serve(struct vgpu_mdev_xen_server *srv,
					       struct vgpu_mdev_xen_vcpu *vc,
					       struct vgpu_mdev_xen_req *rq, bool allow_hit);
void vgpu_mdev_xen_vcpu_work(struct work_struct *work);
irqreturn_t vgpu_mdev_xen_irq(int irq, void *dev_id);

#endif /* VGPU_MDEV_XEN_H */
