/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu_mdev.h - state shared by the files of vgpu_mdev.ko: the parent (one
 * reference GPU), the per-instance mdev state, and what each file offers
 * the others.  vgpu_mdev_main.c: module, parent and mdev driver;
 * vgpu_mdev_vfio.c: the vfio_device_ops; vgpu_mdev_hostops.c: the core's
 * host-ops over VFIO; vgpu_mdev_display.c: the display region plane for
 * VFIO consumers; vgpu_mdev_track.c: write tracking by whichever tracker
 * module serves an instance (vgpu_mdev_kvm.ko, KVM's; vgpu_mdev_xen.ko,
 * Xen's).
 */
#ifndef VGPU_MDEV_H
#define VGPU_MDEV_H

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

#define VGPU_MDEV_CLASS_NAME   "rgpu"
#define VGPU_MDEV_PARENT_NAME  "rgpu0"

#define VGPU_MDEV_OFFSET_SHIFT 40
#define VGPU_MDEV_OFFSET_MASK  ((1ull << VGPU_MDEV_OFFSET_SHIFT) - 1)
#define VGPU_MDEV_MAX_TYPES    16
/* After vfio-pci's fixed regions: the display plane's copy (vgpu_mdev_display.c). */
#define VGPU_MDEV_DISPLAY_REGION VFIO_PCI_NUM_REGIONS
#define VGPU_MDEV_NUM_REGIONS    (VFIO_PCI_NUM_REGIONS + 1)

/* ------------------------------------------------------------ state */
struct vgpu_mdev_parent {
	struct device dev;
	struct mdev_parent mdev_parent;
	struct vgpu_parent *core;
	struct mdev_type types[VGPU_MDEV_MAX_TYPES];
	struct mdev_type *type_ptrs[VGPU_MDEV_MAX_TYPES];
	unsigned int nr_types;
};

struct vgpu_mdev;

/*
 * A write tracker: a hypervisor's way to trap guest CPU writes to chosen
 * guest frames (KVM's page track; Xen's p2m_ioreq_server).  Registered by
 * its own module; attach() is tried at every open and returns -ENODEV when
 * the tracker does not serve that device.  The tracker calls
 * vgpu_mdev_track_hit() for each guest write to a frame it tracks for md,
 * never while holding a lock it takes in enable().
 */
struct vgpu_mdev_tracker {
	const char *name;
	struct module *owner;
	int (*attach)(struct vgpu_mdev *md, struct vfio_device *vdev, void **priv);
	void (*detach)(void *priv);	/* releases every tracked frame */
	int (*enable)(void *priv, u64 gfn);
	int (*disable)(void *priv, u64 gfn);
	/* Optional: the device wrote guest frames [gfn, gfn + nr): tell the
	 * hypervisor's dirty log (Xen: XEN_DMOP_modified_memory). */
	void (*mark_dirty)(void *priv, u64 gfn, u64 nr);
	struct list_head node;		/* registry, vgpu_mdev_track.c */
};

struct vgpu_mdev {
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
	struct vgpu_mdev_tracker *tracker;
	void *track_priv;

	/* On a Xen host: may guest memory be reached (the Xen IOMMU backend
	 * serves the device)?  0 not yet known, 1 yes, -1 no; per open. */
	int xen_dma;

	/* The display region (vgpu_mdev_display.c): allocated on first use. */
	struct mutex disp_lock;
	void *disp_buf;
	u64 disp_queries;
};

static inline struct vgpu_mdev *to_vgpu_mdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct vgpu_mdev, vdev);
}

/* vgpu_mdev_main.c */
extern struct vgpu_mdev_parent *vgpu_mdev_rgpu;

/* vgpu_mdev_vfio.c */
extern const struct vfio_device_ops vgpu_mdev_vfio_ops;

/* vgpu_mdev_display.c: VFIO_DEVICE_QUERY_GFX_PLANE and its region. */
void vgpu_mdev_display_init(struct vgpu_mdev *md);
void vgpu_mdev_display_fini(struct vgpu_mdev *md);
void vgpu_mdev_display_region_info(struct vgpu_mdev *md, struct vfio_region_info *info);
long vgpu_mdev_query_gfx_plane(struct vgpu_mdev *md, void __user *uarg);
int vgpu_mdev_display_mmap(struct vgpu_mdev *md, struct vm_area_struct *vma, u64 pgoff);
ssize_t vgpu_mdev_display_rd(struct vgpu_mdev *md, char __user *ubuf, size_t count, u64 off);

/* vgpu_mdev_hostops.c */
extern const struct vgpu_host_ops vgpu_mdev_host_ops;

/* vgpu_mdev_track.c: the registry (exported to tracker modules) and the
 * per-instance attach/detach at open/close. */
int vgpu_mdev_register_tracker(struct vgpu_mdev_tracker *t);
void vgpu_mdev_unregister_tracker(struct vgpu_mdev_tracker *t);
void vgpu_mdev_track_hit(struct vgpu_mdev *md, u64 gpa, const void *val, int len);
void vgpu_mdev_track_attach(struct vgpu_mdev *md);
void vgpu_mdev_track_detach(struct vgpu_mdev *md);
const char *vgpu_mdev_tracker_name(struct vgpu_mdev *md);
int vgpu_mdev_track_change(struct vgpu_mdev *md, u64 addr, bool enable);
void vgpu_mdev_track_dirty(struct vgpu_mdev *md, u64 addr, u64 len);

#endif /* VGPU_MDEV_H */
