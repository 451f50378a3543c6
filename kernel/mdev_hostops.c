// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_hostops.c - the shared device model's host-ops over VFIO and KVM:
 * guest memory by IOVA with vfio_dma_rw, frames pinned with
 * vfio_pin_pages, write tracking through KVM's page-track notifier (IOVA =
 * guest-physical: no vIOMMU), interrupts through the bound eventfds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "rgpu_mdev.h"

static int rgpu_read_gpa(void *host, u64 addr, void *buf, size_t len)
{
	struct rgpu_mdev *rm = host;

	if (!len)
		return 0;
	return vfio_dma_rw(&rm->vdev, addr, buf, len, false) ? -EFAULT : 0;
}

static int rgpu_write_gpa(void *host, u64 addr, const void *buf, size_t len)
{
	struct rgpu_mdev *rm = host;

	if (!len)
		return 0;
	return vfio_dma_rw(&rm->vdev, addr, (void *)buf, len, true) ? -EFAULT : 0;
}

static int rgpu_map_frame(void *host, u64 addr, void **va)
{
	struct rgpu_mdev *rm = host;
	struct page *page;
	int rc;

	if (addr & VGPU_PAGE_MASK)
		return -EINVAL;
	/* 4 KiB guest frames: the core's page is the kernel's on x86. */
	BUILD_BUG_ON(PAGE_SIZE != VGPU_PAGE_SIZE);
	rc = vfio_pin_pages(&rm->vdev, addr, 1, IOMMU_READ | IOMMU_WRITE, &page);
	if (rc != 1)
		return rc < 0 ? rc : -EFAULT;
	/* No highmem on x86_64: a pinned page has a permanent kernel address. */
	*va = page_address(page);
	return 0;
}

static void rgpu_unmap_frame(void *host, u64 addr, void *va)
{
	struct rgpu_mdev *rm = host;

	vfio_unpin_pages(&rm->vdev, addr, 1);
}

static struct rgpu_track *track_find(struct rgpu_mdev *rm, u64 gfn)
{
	struct rgpu_track *t;

	list_for_each_entry(t, &rm->tracked, node)
		if (t->gfn == gfn)
			return t;
	return NULL;
}

static int rgpu_track_enable(void *host, u64 addr)
{
	struct rgpu_mdev *rm = host;
	struct kvm_memory_slot *slot;
	struct rgpu_track *t;
	struct kvm *kvm;
	u64 gfn = addr >> PAGE_SHIFT;
	int idx, rc = 0;

	mutex_lock(&rm->track_lock);
	kvm = rm->kvm;
	if (!kvm || !rm->track_registered) {
		rc = -EOPNOTSUPP;	/* no KVM bound to this VFIO device */
		goto out;
	}
	if (track_find(rm, gfn))
		goto out;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	if (!slot) {
		srcu_read_unlock(&kvm->srcu, idx);
		kfree(t);
		rc = -EFAULT;	/* not guest RAM */
		goto out;
	}
	write_lock(&kvm->mmu_lock);
	kvm_slot_page_track_add_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
	write_unlock(&kvm->mmu_lock);
	srcu_read_unlock(&kvm->srcu, idx);
	t->gfn = gfn;
	list_add(&t->node, &rm->tracked);
out:
	mutex_unlock(&rm->track_lock);
	return rc;
}

/* Caller holds track_lock. */
void track_drop(struct rgpu_mdev *rm, struct rgpu_track *t)
{
	struct kvm *kvm = rm->kvm;
	struct kvm_memory_slot *slot;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, t->gfn);
	if (slot) {
		write_lock(&kvm->mmu_lock);
		kvm_slot_page_track_remove_page(kvm, slot, t->gfn, KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
	}
	srcu_read_unlock(&kvm->srcu, idx);
	list_del(&t->node);
	kfree(t);
}

static int rgpu_track_disable(void *host, u64 addr)
{
	struct rgpu_mdev *rm = host;
	struct rgpu_track *t;

	mutex_lock(&rm->track_lock);
	t = rm->kvm ? track_find(rm, addr >> PAGE_SHIFT) : NULL;
	if (t)
		track_drop(rm, t);
	mutex_unlock(&rm->track_lock);
	return 0;
}

/*
 * KVM applied a guest write to a write-protected frame (of any tracker of
 * this VM): hand ours to the core.  Called from the vCPU's emulation path,
 * which may sleep; track_lock is dropped before the core takes v's lock
 * (the core calls track_enable with v's lock held).
 */
void rgpu_track_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *val, int len,
			     struct kvm_page_track_notifier_node *node)
{
	struct rgpu_mdev *rm = container_of(node, struct rgpu_mdev, track_node);
	bool ours;

	if (len <= 0)
		return;
	mutex_lock(&rm->track_lock);
	ours = track_find(rm, gpa >> PAGE_SHIFT) != NULL;
	mutex_unlock(&rm->track_lock);
	if (ours)
		vgpu_page_track_write(rm->v, gpa, val, len);
}

/* A memslot is going away: its tracking state goes with it. */
void rgpu_track_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot,
				  struct kvm_page_track_notifier_node *node)
{
	struct rgpu_mdev *rm = container_of(node, struct rgpu_mdev, track_node);
	struct rgpu_track *t, *n;

	mutex_lock(&rm->track_lock);
	list_for_each_entry_safe(t, n, &rm->tracked, node) {
		if (t->gfn < slot->base_gfn || t->gfn >= slot->base_gfn + slot->npages)
			continue;
		write_lock(&kvm->mmu_lock);
		kvm_slot_page_track_remove_page(kvm, slot, t->gfn, KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
		list_del(&t->node);
		kfree(t);
	}
	mutex_unlock(&rm->track_lock);
}

/* VFIO delivers interrupts only through the eventfd triggers bound with
 * SET_IRQS; with none bound there is nobody to tell. */
static int rgpu_inject_msi(void *host, u64 addr, u32 data)
{
	return 0;
}

static int rgpu_set_intx(void *host, bool level)
{
	return 0;
}

const struct vgpu_host_ops rgpu_host_ops = {
	.read_gpa = rgpu_read_gpa,
	.write_gpa = rgpu_write_gpa,
	.map_frame = rgpu_map_frame,
	.unmap_frame = rgpu_unmap_frame,
	.track_enable = rgpu_track_enable,
	.track_disable = rgpu_track_disable,
	.inject_msi = rgpu_inject_msi,
	.set_intx = rgpu_set_intx,
};
