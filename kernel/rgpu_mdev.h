/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rgpu_mdev.h - state shared by the files of vgpu_mdev.ko: the parent (one
 * reference GPU), the per-instance mdev state, and what each file offers
 * the others.  mdev_main.c: module, parent and mdev driver; mdev_vfio.c:
 * the vfio_device_ops; mdev_hostops.c: the core's host-ops over VFIO;
 * mdev_display.c: the display region plane for VFIO consumers;
 * mdev_track.c: write tracking by whichever tracker module serves an
 * instance (kvm_track.c is vgpu_mdev_kvm.ko, KVM's).
 */
#ifndef RGPU_MDEV_H
#define RGPU_MDEV_H

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/iommu.h>
#include <linux/mdev.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vgpu.h"

#define RGPU_CLASS_NAME   "rgpu"
#define RGPU_PARENT_NAME  "rgpu0"

#define VGPU_MDEV_OFFSET_SHIFT 40
#define VGPU_MDEV_OFFSET_MASK  ((1ull << VGPU_MDEV_OFFSET_SHIFT) - 1)
#define VGPU_MDEV_MAX_TYPES    16
/* After vfio-pci's fixed regions: the display plane's copy (mdev_display.c). */
#define VGPU_MDEV_DISPLAY_REGION VFIO_PCI_NUM_REGIONS
#define VGPU_MDEV_NUM_REGIONS    (VFIO_PCI_NUM_REGIONS + 1)

/* ------------------------------------------------------------ state */
struct rgpu_parent {
	struct device dev;
	struct mdev_parent mdev_parent;
	struct vgpu_parent *core;
	struct mdev_type types[VGPU_MDEV_MAX_TYPES];
	struct mdev_type *type_ptrs[VGPU_MDEV_MAX_TYPES];
	unsigned int nr_types;
};

struct rgpu_mdev;

/*
 * A write tracker: a hypervisor's way to trap guest CPU writes to chosen
 * guest frames (KVM's page track; Xen's p2m_ioreq_server).  Registered by
 * its own module; attach() is tried at every open and returns -ENODEV when
 * the tracker does not serve that device.  The tracker calls
 * rgpu_track_hit() for each guest write to a frame it tracks for rm, never
 * while holding a lock it takes in enable().
 */
struct rgpu_tracker {
	const char *name;
	struct module *owner;
	int (*attach)(struct rgpu_mdev *rm, struct vfio_device *vdev, void **priv);
	void (*detach)(void *priv);	/* releases every tracked frame */
	int (*enable)(void *priv, u64 gfn);
	int (*disable)(void *priv, u64 gfn);
	/* Optional: the device wrote guest frames [gfn, gfn + nr): tell the
	 * hypervisor's dirty log (Xen: XEN_DMOP_modified_memory). */
	void (*mark_dirty)(void *priv, u64 gfn, u64 nr);
	struct list_head node;		/* registry, mdev_track.c */
};

struct rgpu_mdev {
	struct vfio_device vdev;
	struct vgpu *v;
	char uuid[VGPU_UUID_STR_LEN + 1];

	struct mutex lock;		/* open state, eventfds, IRQ set-up */
	bool open;
	struct eventfd_ctx *trig[VFIO_PCI_NUM_IRQS];	/* INTx, MSI, REQ */
	struct virqfd *intx_unmask;
	unsigned int requests;

	/* Write tracking (while open, when a tracker serves the device). */
	struct mutex track_lock;	/* tracker, track_priv */
	struct rgpu_tracker *tracker;
	void *track_priv;

	/* On a Xen host: may guest memory be reached (the Xen IOMMU backend
	 * serves the device)?  0 not yet known, 1 yes, -1 no; per open. */
	int xen_dma;

	/* The display region (mdev_display.c): allocated on first use. */
	struct mutex disp_lock;
	void *disp_buf;
	u64 disp_queries;
};

static inline struct rgpu_mdev *to_rm(struct vfio_device *vdev)
{
	return container_of(vdev, struct rgpu_mdev, vdev);
}

/* mdev_main.c */
extern struct rgpu_parent *rgpu;

/* mdev_vfio.c */
extern const struct vfio_device_ops rgpu_vfio_ops;

/* mdev_display.c: VFIO_DEVICE_QUERY_GFX_PLANE and its region. */
void rgpu_display_init(struct rgpu_mdev *rm);
void rgpu_display_fini(struct rgpu_mdev *rm);
void rgpu_display_region_info(struct rgpu_mdev *rm, struct vfio_region_info *info);
long rgpu_query_gfx_plane(struct rgpu_mdev *rm, void __user *uarg);
int rgpu_display_mmap(struct rgpu_mdev *rm, struct vm_area_struct *vma, u64 pgoff);
ssize_t rgpu_display_rd(struct rgpu_mdev *rm, char __user *ubuf, size_t count, u64 off);

/* mdev_hostops.c */
extern const struct vgpu_host_ops rgpu_host_ops;

/* mdev_track.c: the registry (exported to tracker modules) and the
 * per-instance attach/detach at open/close. */
int rgpu_register_tracker(struct rgpu_tracker *t);
void rgpu_unregister_tracker(struct rgpu_tracker *t);
void rgpu_track_hit(struct rgpu_mdev *rm, u64 gpa, const void *val, int len);
void rgpu_track_attach(struct rgpu_mdev *rm);
void rgpu_track_detach(struct rgpu_mdev *rm);
const char *rgpu_tracker_name(struct rgpu_mdev *rm);
int rgpu_track_change(struct rgpu_mdev *rm, u64 addr, bool enable);
void rgpu_track_dirty(struct rgpu_mdev *rm, u64 addr, u64 len);

#endif /* RGPU_MDEV_H */
