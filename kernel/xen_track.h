/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_track.h - state shared by the two files of vgpu_mdev_xen.ko, the Xen
 * write tracker: xen_track.c (the IOREQ server's lifecycle, the tracker
 * ops, the module; its top comment is the design) and xen_ioreq_serve.c
 * (serving a vCPU's ioreq slot).
 */
#ifndef VGPU_XEN_TRACK_H
#define VGPU_XEN_TRACK_H

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
#define XT_RECENT	256

/* xarray values for a gfn in xt->tracked. */
#define XT_TRACKED	xa_mk_value(1)	/* ioreq_server type, the core wants hits */
#define XT_ORPHAN	xa_mk_value(2)	/* untracked, but its type could not be restored */
#define XT_RETIRED	xa_mk_value(3)	/* restored at detach; in-flight writes still applied */

/* -------------------------------------------------------------- counters */
struct xt_stats {
	atomic_long_t trackers;		/* live per-device states (incl. late frees) */
	atomic_long_t servers;		/* live IOREQ servers */
	atomic_long_t ioreq_pages_mapped;
	atomic_long_t event_channels;	/* bound vCPU ports */
	atomic_long_t tracked_frames;	/* frames of type ioreq_server we set */
	atomic_long_t writes_applied;
	atomic_long_t dirty_reported;	/* pages reported to log-dirty */
	atomic_long_t errors;
};

extern struct xt_stats xt_stats;		/* xen_track.c */
extern struct workqueue_struct *xt_wq;		/* xen_track.c: the vCPU works */

/* ----------------------------------------------------------------- state */
struct xt_server;

struct xt_vcpu {
	struct xt_server *xt;
	unsigned int id;		/* vcpu_id = slot index */
	evtchn_port_t port;		/* the guest's end (vp_eport) */
	int irq;			/* our end, -1 when not bound */
	bool busy;			/* applied; answer deferred until the hit is delivered */
	struct work_struct work;
	char name[32];			/* request_irq keeps the pointer */
};

struct xt_server {
	struct kref ref;		/* the attachment + one per queued work */
	struct vgpu_mdev *md;
	struct vfio_device *vdev;	/* pinned with get_device() */
	bool (*serves)(struct vfio_device *vdev);	/* symbol_get, held */
	domid_t domid;
	u16 id;				/* ioservid_t */
	bool registered;		/* in xt_domains */
	bool created, claimed, enabled;
	bool teardown_logged;

	struct page *iopage;		/* dom0 page mapping the ioreq gfn */
	struct xen_ioreq *slots;	/* page_address(iopage) */
	unsigned int nr_vcpus;
	struct xt_vcpu *vcpus;

	struct mutex lock;		/* all below, the slots, busy */
	bool closing;			/* detach took over: the works stand aside */
	bool dma_ok;			/* vfio_iommu_xen serves the container */
	struct xarray tracked;		/* gfn -> XT_TRACKED/ORPHAN/RETIRED */
	u64 recent[XT_RECENT];		/* ring of recently untracked gfns */
	unsigned int recent_next;
};

/* A request taken from a slot, after validation. */
struct xt_req {
	u64 gpa;			/* lowest guest-physical address written */
	u32 len;
	u64 word;			/* single write: its value */
	void *buf;			/* what was written: &word or kmalloc'd */
};

enum xt_outcome {
	XT_NONE,			/* no request was pending */
	XT_DONE,			/* answered */
	XT_HIT,				/* applied; deliver the hit, then answer */
};

#define xt_warn(xt, fmt, ...) do {						\
	atomic_long_inc(&xt_stats.errors);					\
	pr_warn_ratelimited("dom%u: " fmt, (unsigned int)(xt)->domid,		\
			    ##__VA_ARGS__);					\
} while (0)

/* ------------------------------------------------------------ xen_track.c */
void xt_release(struct kref *ref);

/* ------------------------------------------------------ xen_ioreq_serve.c */
void xt_recent_add(struct xt_server *xt, u64 gfn);
void xt_respond(struct xt_server *xt, struct xt_vcpu *vc, bool set_data, u64 data);
enum xt_outcome xt_serve(struct xt_server *xt, struct xt_vcpu *vc, struct xt_req *rq,
			 bool allow_hit);
void xt_vcpu_work(struct work_struct *work);
irqreturn_t xt_irq(int irq, void *dev_id);

#endif /* VGPU_XEN_TRACK_H */
