/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rgpu_mdev.h - state shared by the files of vgpu_mdev.ko: the parent (one
 * reference GPU), the per-instance mdev state, and what each file offers
 * the others.  mdev_main.c: module, parent and mdev driver; mdev_vfio.c:
 * the vfio_device_ops; mdev_hostops.c: the core's host-ops over VFIO/KVM.
 */
#ifndef RGPU_MDEV_H
#define RGPU_MDEV_H

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/iommu.h>
#include <linux/kvm_host.h>
#include <linux/mdev.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <asm/kvm_page_track.h>

#include "vgpu.h"

#define RGPU_CLASS_NAME   "rgpu"
#define RGPU_PARENT_NAME  "rgpu0"

#define VGPU_MDEV_OFFSET_SHIFT 40
#define VGPU_MDEV_OFFSET_MASK  ((1ull << VGPU_MDEV_OFFSET_SHIFT) - 1)
#define VGPU_MDEV_MAX_TYPES    16

/* ------------------------------------------------------------ state */
struct rgpu_parent {
	struct device dev;
	struct mdev_parent mdev_parent;
	struct vgpu_parent *core;
	struct mdev_type types[VGPU_MDEV_MAX_TYPES];
	struct mdev_type *type_ptrs[VGPU_MDEV_MAX_TYPES];
	unsigned int nr_types;
};

/* One write-tracked guest frame (KVM page track). */
struct rgpu_track {
	u64 gfn;
	struct list_head node;
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

	/* Write tracking through KVM (only while open with a KVM bound). */
	struct kvm *kvm;
	struct kvm_page_track_notifier_node track_node;
	bool track_registered;
	struct mutex track_lock;	/* the list; taken before kvm->mmu_lock */
	struct list_head tracked;
};

static inline struct rgpu_mdev *to_rm(struct vfio_device *vdev)
{
	return container_of(vdev, struct rgpu_mdev, vdev);
}

/* mdev_main.c */
extern struct rgpu_parent *rgpu;

/* mdev_vfio.c */
extern const struct vfio_device_ops rgpu_vfio_ops;

/* mdev_hostops.c */
extern const struct vgpu_host_ops rgpu_host_ops;
/* KVM page-track registration while the device is open with a KVM bound;
 * defined beside the tracking host-ops. */
void rgpu_track_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *val, int len,
		      struct kvm_page_track_notifier_node *node);
void rgpu_track_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot,
			   struct kvm_page_track_notifier_node *node);
void track_drop(struct rgpu_mdev *rm, struct rgpu_track *t);

#endif /* RGPU_MDEV_H */
