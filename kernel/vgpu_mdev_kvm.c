// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_kvm.c - vgpu_mdev_kvm.ko: write tracking of guest frames through
 * KVM's page-track notifier, for instances whose VFIO device is bound to a
 * KVM (vdev->kvm, set by the kvm-vfio device when QEMU opens it).  A module
 * of its own so that vgpu_mdev.ko needs no kvm.ko: vgpu_mdev asks for it
 * with a soft dependency and runs without tracking where it is absent.
 * IOVA = guest-physical (no vIOMMU), so a tracked IOVA frame is a gfn.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <asm/kvm_page_track.h>

#include "vgpu_mdev.h"

struct vgpu_mdev_kvm_frame {
	u64 gfn;
	struct list_head node;
};

/* One open instance's tracking state. */
struct vgpu_mdev_kvm_track {
	struct vgpu_mdev *md;
	struct kvm *kvm;
	struct kvm_page_track_notifier_node node;
	struct mutex lock;	/* pages; taken before kvm->mmu_lock */
	struct list_head pages;
};

static struct vgpu_mdev_kvm_frame *tracked_find(struct vgpu_mdev_kvm_track *kt, u64 gfn)
{
	struct vgpu_mdev_kvm_frame *t;

	lockdep_assert_held(&kt->lock);
	list_for_each_entry(t, &kt->pages, node)
		if (t->gfn == gfn)
			return t;
	return NULL;
}

/* Write-protect (add) or release (remove) one gfn in KVM's page track. */
static int vgpu_mdev_kvm_protect(struct kvm *kvm, u64 gfn, bool add)
{
	struct kvm_memory_slot *slot;
	int idx, rc = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	if (slot) {
		write_lock(&kvm->mmu_lock);
		if (add)
			kvm_slot_page_track_add_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
		else
			kvm_slot_page_track_remove_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
	} else {
		rc = -EFAULT;	/* not guest RAM */
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return rc;
}

static void tracked_drop(struct vgpu_mdev_kvm_track *kt, struct vgpu_mdev_kvm_frame *t)
{
	lockdep_assert_held(&kt->lock);
	vgpu_mdev_kvm_protect(kt->kvm, t->gfn, false);
	list_del(&t->node);
	kfree(t);
}

/*
 * KVM applied a guest write to a write-protected frame (of any tracker of
 * this VM): hand ours to the device.  Called from the vCPU's emulation
 * path, which may sleep; our lock is dropped before the core takes the
 * vGPU's (the core enables tracking with the vGPU's lock held).
 */
static void vgpu_mdev_kvm_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *val, int len,
				struct kvm_page_track_notifier_node *node)
{
	struct vgpu_mdev_kvm_track *kt = container_of(node, struct vgpu_mdev_kvm_track, node);
	bool ours;

	mutex_lock(&kt->lock);
	ours = tracked_find(kt, gpa >> PAGE_SHIFT) != NULL;
	mutex_unlock(&kt->lock);
	if (ours)
		vgpu_mdev_track_hit(kt->md, gpa, val, len);
}

/* A memslot is going away: its tracking state goes with it. */
static void vgpu_mdev_kvm_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot,
				     struct kvm_page_track_notifier_node *node)
{
	struct vgpu_mdev_kvm_track *kt = container_of(node, struct vgpu_mdev_kvm_track, node);
	struct vgpu_mdev_kvm_frame *t, *n;

	mutex_lock(&kt->lock);
	list_for_each_entry_safe(t, n, &kt->pages, node) {
		if (t->gfn < slot->base_gfn || t->gfn >= slot->base_gfn + slot->npages)
			continue;
		write_lock(&kvm->mmu_lock);
		kvm_slot_page_track_remove_page(kvm, slot, t->gfn, KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
		list_del(&t->node);
		kfree(t);
	}
	mutex_unlock(&kt->lock);
}

static int vgpu_mdev_kvm_attach(struct vgpu_mdev *md, struct vfio_device *vdev, void **priv)
{
	struct vgpu_mdev_kvm_track *kt;

	if (!vdev->kvm)
		return -ENODEV;		/* not a KVM guest's device */
	kt = kzalloc(sizeof(*kt), GFP_KERNEL);
	if (!kt)
		return -ENOMEM;
	kt->md = md;
	kt->kvm = vdev->kvm;
	kvm_get_kvm(kt->kvm);
	mutex_init(&kt->lock);
	INIT_LIST_HEAD(&kt->pages);
	kt->node.track_write = vgpu_mdev_kvm_write;
	kt->node.track_flush_slot = vgpu_mdev_kvm_flush_slot;
	kvm_page_track_register_notifier(kt->kvm, &kt->node);
	*priv = kt;
	return 0;
}

static void vgpu_mdev_kvm_detach(void *priv)
{
	struct vgpu_mdev_kvm_track *kt = priv;
	struct vgpu_mdev_kvm_frame *t, *n;

	mutex_lock(&kt->lock);
	list_for_each_entry_safe(t, n, &kt->pages, node)
		tracked_drop(kt, t);
	mutex_unlock(&kt->lock);
	/* Waits for notifier callbacks in flight. */
	kvm_page_track_unregister_notifier(kt->kvm, &kt->node);
	kvm_put_kvm(kt->kvm);
	mutex_destroy(&kt->lock);
	kfree(kt);
}

static int vgpu_mdev_kvm_enable(void *priv, u64 gfn)
{
	struct vgpu_mdev_kvm_track *kt = priv;
	struct vgpu_mdev_kvm_frame *t;
	int rc = 0;

	mutex_lock(&kt->lock);
	if (tracked_find(kt, gfn))
		goto out;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vgpu_mdev_kvm_protect(kt->kvm, gfn, true);
	if (rc) {
		kfree(t);
		goto out;
	}
	t->gfn = gfn;
	list_add(&t->node, &kt->pages);
out:
	mutex_unlock(&kt->lock);
	return rc;
}

static int vgpu_mdev_kvm_disable(void *priv, u64 gfn)
{
	struct vgpu_mdev_kvm_track *kt = priv;
	struct vgpu_mdev_kvm_frame *t;

	mutex_lock(&kt->lock);
	t = tracked_find(kt, gfn);
	if (t)
		tracked_drop(kt, t);
	mutex_unlock(&kt->lock);
	return 0;
}

static struct vgpu_mdev_tracker vgpu_mdev_kvm_tracker = {
	.name = "kvm",
	.owner = THIS_MODULE,
	.attach = vgpu_mdev_kvm_attach,
	.detach = vgpu_mdev_kvm_detach,
	.enable = vgpu_mdev_kvm_enable,
	.disable = vgpu_mdev_kvm_disable,
};

static int __init vgpu_mdev_kvm_init(void)
{
	return vgpu_mdev_register_tracker(&vgpu_mdev_kvm_tracker);
}

static void __exit vgpu_mdev_kvm_exit(void)
{
	vgpu_mdev_unregister_tracker(&vgpu_mdev_kvm_tracker);
}

module_init(vgpu_mdev_kvm_init);
module_exit(vgpu_mdev_kvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vgpu_mdev write tracking through KVM's page track");
MODULE_AUTHOR("vgpu project");
