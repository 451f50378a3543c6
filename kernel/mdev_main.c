// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_main.c - the KVM path: a VFIO mediated-device parent driver that
 * serves the shared device model (core/) to QEMU's vfio-pci.
 *
 *   /sys/class/rgpu/rgpu0           the parent: a virtual device owning one
 *                                   reference GPU (software engine threads)
 *   .../mdev_supported_types/rgpu-refgpu-N/{create,available_instances,...}
 *   /sys/bus/mdev/devices/<uuid>    an instance: one core vGPU
 *
 * The vfio_device_ops map one to one onto core/vgpu.h: regions at
 * index << 40 on the device fd (as vfio-pci), region/IRQ info, SET_IRQS
 * with eventfd triggers (INTx with mask/unmask/automask and a resample
 * eventfd, MSI, the REQ notifier), and reset.  Host-ops: guest memory via
 * vfio_dma_rw, frames via vfio_pin_pages, dma_unmap -> vgpu_dma_unmap(),
 * write tracking via KVM's page-track notifier when the VFIO device is
 * bound to a KVM instance (IOVA = guest-physical: no vIOMMU).
 *
 * Nothing a guest (or QEMU) sends can oops the host: every offset, length,
 * index and count is validated here or in core/, which returns -EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

static int log_level = OS_LOG_INFO;

/* Writable at run time (/sys/module/vgpu_mdev/parameters/log_level). */
static int log_level_set(const char *val, const struct kernel_param *kp)
{
	int lvl, rc = kstrtoint(val, 0, &lvl);

	if (rc)
		return rc;
	if (lvl < OS_LOG_ERR || lvl > OS_LOG_DEBUG)
		return -EINVAL;
	log_level = lvl;
	os_log_set_level((enum os_log_level)lvl);
	return 0;
}

static const struct kernel_param_ops log_level_ops = {
	.set = log_level_set,
	.get = param_get_int,
};
module_param_cb(log_level, &log_level_ops, &log_level, 0644);
MODULE_PARM_DESC(log_level, "core log level: 0 err, 1 warn, 2 info (default), 3 debug");

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

static struct rgpu_parent *rgpu;
static struct class *rgpu_class;
static const struct vfio_device_ops rgpu_vfio_ops;
static struct mdev_driver rgpu_mdev_driver;

static struct rgpu_mdev *to_rm(struct vfio_device *vdev)
{
	return container_of(vdev, struct rgpu_mdev, vdev);
}

/* ------------------------------------------------------------ host-ops */
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
static void track_drop(struct rgpu_mdev *rm, struct rgpu_track *t)
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
static void rgpu_track_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *val, int len,
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
static void rgpu_track_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot,
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

static const struct vgpu_host_ops rgpu_host_ops = {
	.read_gpa = rgpu_read_gpa,
	.write_gpa = rgpu_write_gpa,
	.map_frame = rgpu_map_frame,
	.unmap_frame = rgpu_unmap_frame,
	.track_enable = rgpu_track_enable,
	.track_disable = rgpu_track_disable,
	.inject_msi = rgpu_inject_msi,
	.set_intx = rgpu_set_intx,
};

/* ------------------------------------------------------------ IRQs */
static void rgpu_fire(void *ctx)
{
	eventfd_signal(ctx, 1);
}

/* Bind (ctx) or unbind (NULL) the eventfd of INTx or MSI; takes the
 * reference ctx holds.  Caller holds rm->lock. */
static int set_trigger(struct rgpu_mdev *rm, u32 index, struct eventfd_ctx *ctx)
{
	struct vgpu_irq_trigger t = { rgpu_fire, ctx };
	int rc = 0;

	if (index == VFIO_PCI_INTX_IRQ_INDEX || index == VFIO_PCI_MSI_IRQ_INDEX)
		rc = vgpu_irq_set_trigger(rm->v, index, ctx ? &t : NULL);
	if (rc) {
		if (ctx)
			eventfd_ctx_put(ctx);
		return rc;
	}
	/* The core no longer fires the old one (it is swapped under v's lock). */
	if (rm->trig[index])
		eventfd_ctx_put(rm->trig[index]);
	rm->trig[index] = ctx;
	return 0;
}

static void intx_unmask_work(void *opaque, void *data)
{
	struct rgpu_mdev *rm = opaque;

	vgpu_irq_mask(rm->v, VGPU_IRQ_INTX, false);
}

static void irqs_release(struct rgpu_mdev *rm)
{
	u32 i;

	vfio_virqfd_disable(&rm->intx_unmask);
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++)
		if (rm->trig[i])
			set_trigger(rm, i, NULL);
}

static int rgpu_irq_count(struct rgpu_mdev *rm, u32 index)
{
	struct vgpu_irq_info info;

	/* The REQ notifier belongs to the path (device removal), not the device. */
	if (index == VFIO_PCI_REQ_IRQ_INDEX)
		return 1;
	if (index >= VGPU_IRQ_NUM || vgpu_irq_info(rm->v, index, &info))
		return 0;
	return info.count;
}

static int rgpu_set_irqs(struct rgpu_mdev *rm, struct vfio_irq_set *hdr, u8 *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 dtype = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 index = hdr->index;
	bool fire_now = false;

	if (!hdr->count) {
		/* count 0 with DATA_NONE: disable the index (vfio-pci semantics). */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER && dtype == VFIO_IRQ_SET_DATA_NONE) {
			if (index == VFIO_PCI_INTX_IRQ_INDEX)
				vfio_virqfd_disable(&rm->intx_unmask);
			return set_trigger(rm, index, NULL);
		}
		return -EINVAL;
	}
	if (hdr->start != 0)	/* every index has one vector */
		return -EINVAL;
	if (dtype == VFIO_IRQ_SET_DATA_BOOL)
		fire_now = data[0] & 1;
	else if (dtype == VFIO_IRQ_SET_DATA_NONE)
		fire_now = true;

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (index != VFIO_PCI_INTX_IRQ_INDEX)
			return -EINVAL;
		if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
			s32 fd;

			if (action != VFIO_IRQ_SET_ACTION_UNMASK)
				return -EINVAL;
			/* Resample eventfd (KVM irqfd): unmask when it fires. */
			memcpy(&fd, data, sizeof(fd));
			if (fd >= 0)
				return vfio_virqfd_enable(rm, NULL, intx_unmask_work, NULL,
							  &rm->intx_unmask, fd);
			vfio_virqfd_disable(&rm->intx_unmask);
			return 0;
		}
		if (fire_now)
			return vgpu_irq_mask(rm->v, VGPU_IRQ_INTX,
					     action == VFIO_IRQ_SET_ACTION_MASK);
		return 0;
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
			struct eventfd_ctx *ctx = NULL;
			s32 fd;

			memcpy(&fd, data, sizeof(fd));
			if (fd >= 0) {
				ctx = eventfd_ctx_fdget(fd);
				if (IS_ERR(ctx))
					return PTR_ERR(ctx);
			} else if (fd != -1) {
				return -EINVAL;
			}
			return set_trigger(rm, index, ctx);
		}
		/* Loopback: signal the bound eventfd as the device would. */
		if (fire_now && rm->trig[index])
			eventfd_signal(rm->trig[index], 1);
		return 0;
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------ vfio_device_ops */
static int rgpu_init_dev(struct vfio_device *vdev)
{
	struct rgpu_mdev *rm = to_rm(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	int rc;

	mutex_init(&rm->lock);
	mutex_init(&rm->track_lock);
	INIT_LIST_HEAD(&rm->tracked);
	snprintf(rm->uuid, sizeof(rm->uuid), "%pUl", &mdev->uuid);
	/* Reserves the type's resources: -ENOSPC when they are exhausted. */
	rc = vgpu_create(rgpu->core, mdev->type->sysfs_name, rm->uuid, &rgpu_host_ops, rm, &rm->v);
	if (rc)
		dev_err(vdev->dev, "creating vGPU %s of type %s failed: %d\n", rm->uuid,
			mdev->type->sysfs_name, rc);
	return rc;
}

static void rgpu_release_dev(struct vfio_device *vdev)
{
	struct rgpu_mdev *rm = to_rm(vdev);

	/* init failed: nothing was created. */
	if (rm->v)
		vgpu_destroy(rm->v);
	rm->v = NULL;
	mutex_destroy(&rm->track_lock);
	mutex_destroy(&rm->lock);
	vfio_free_device(vdev);
}

static int rgpu_open_device(struct vfio_device *vdev)
{
	struct rgpu_mdev *rm = to_rm(vdev);

	mutex_lock(&rm->lock);
	/* A fresh user sees a freshly reset function. */
	vgpu_reset(rm->v);
	rm->requests = 0;
	mutex_lock(&rm->track_lock);
	if (vdev->kvm) {
		rm->kvm = vdev->kvm;
		kvm_get_kvm(rm->kvm);
		rm->track_node.track_write = rgpu_track_write;
		rm->track_node.track_flush_slot = rgpu_track_flush_slot;
		kvm_page_track_register_notifier(rm->kvm, &rm->track_node);
		rm->track_registered = true;
	}
	mutex_unlock(&rm->track_lock);
	rm->open = true;
	mutex_unlock(&rm->lock);
	dev_info(vdev->dev, "vGPU %s opened%s\n", rm->uuid,
		 vdev->kvm ? " (KVM: write tracking available)" : " (no KVM: no write tracking)");
	return 0;
}

static void rgpu_close_device(struct vfio_device *vdev)
{
	struct rgpu_mdev *rm = to_rm(vdev);
	struct rgpu_track *t, *n;

	mutex_lock(&rm->lock);
	irqs_release(rm);
	/* Unpin every frame (engines quiesced first), then reset: the next
	 * user must not inherit this one's GTT, registers or tracked pages. */
	vgpu_dma_unmap(rm->v, 0, ~0ull);
	vgpu_reset(rm->v);
	mutex_lock(&rm->track_lock);
	if (rm->kvm) {
		list_for_each_entry_safe(t, n, &rm->tracked, node)
			track_drop(rm, t);
		if (rm->track_registered)
			kvm_page_track_unregister_notifier(rm->kvm, &rm->track_node);
		rm->track_registered = false;
		kvm_put_kvm(rm->kvm);
		rm->kvm = NULL;
	}
	mutex_unlock(&rm->track_lock);
	rm->open = false;
	mutex_unlock(&rm->lock);
	dev_info(vdev->dev, "vGPU %s closed\n", rm->uuid);
}

static ssize_t rgpu_rw(struct vfio_device *vdev, char __user *ubuf, size_t count, loff_t *ppos,
		       bool write)
{
	struct rgpu_mdev *rm = to_rm(vdev);
	u64 pos = (u64)*ppos;
	u32 index = pos >> VGPU_MDEV_OFFSET_SHIFT;
	u64 off = pos & VGPU_MDEV_OFFSET_MASK;
	size_t done = 0;
	u8 buf[64];

	if (*ppos < 0 || index >= VGPU_REGION_NUM)
		return -EINVAL;
	while (done < count) {
		size_t left = count - done, n;
		long rc;

		if (index == VGPU_REGION_CONFIG) {
			n = min(left, sizeof(buf));
		} else {
			/* BARs take 1/2/4/8-byte naturally aligned accesses, as CPU MMIO. */
			if (left >= 8 && !((off + done) & 7))
				n = 8;
			else if (left >= 4 && !((off + done) & 3))
				n = 4;
			else if (left >= 2 && !((off + done) & 1))
				n = 2;
			else
				n = 1;
		}
		if (write) {
			if (copy_from_user(buf, ubuf + done, n))
				return done ? done : -EFAULT;
			rc = vgpu_region_write(rm->v, index, off + done, buf, n);
		} else {
			rc = vgpu_region_read(rm->v, index, off + done, buf, n);
			if (rc > 0 && copy_to_user(ubuf + done, buf, n))
				return done ? done : -EFAULT;
		}
		if (rc < 0)
			return done ? done : rc;
		done += n;
	}
	*ppos += done;
	return done;
}

static ssize_t rgpu_read(struct vfio_device *vdev, char __user *buf, size_t count, loff_t *ppos)
{
	return rgpu_rw(vdev, buf, count, ppos, false);
}

static ssize_t rgpu_write(struct vfio_device *vdev, const char __user *buf, size_t count,
			  loff_t *ppos)
{
	return rgpu_rw(vdev, (char __user *)buf, count, ppos, true);
}

static long rgpu_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct rgpu_mdev *rm = to_rm(vdev);
	void __user *uarg = (void __user *)arg;
	unsigned long minsz;
	int rc;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;
		struct vgpu_region_info ri;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		memset(&ri, 0, sizeof(ri));
		if (info.index < VGPU_REGION_NUM) {
			rc = vgpu_region_info(rm->v, info.index, &ri);
			if (rc)
				return rc;
		}
		info.offset = (u64)info.index << VGPU_MDEV_OFFSET_SHIFT;
		info.size = ri.size;
		info.flags = 0;
		if (ri.flags & VGPU_REGION_FLAG_READ)
			info.flags |= VFIO_REGION_INFO_FLAG_READ;
		if (ri.flags & VGPU_REGION_FLAG_WRITE)
			info.flags |= VFIO_REGION_INFO_FLAG_WRITE;
		/* No mmap: every BAR access is trapped (no sparse areas yet). */
		info.cap_offset = 0;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;
		struct vgpu_irq_info ii;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		memset(&ii, 0, sizeof(ii));
		if (info.index == VFIO_PCI_REQ_IRQ_INDEX) {
			ii.flags = VGPU_IRQ_INFO_EVENTFD | VGPU_IRQ_INFO_NORESIZE;
			ii.count = 1;
		} else if (info.index < VGPU_IRQ_NUM) {
			rc = vgpu_irq_info(rm->v, info.index, &ii);
			if (rc)
				return rc;
		}
		info.flags = 0;
		if (ii.flags & VGPU_IRQ_INFO_EVENTFD)
			info.flags |= VFIO_IRQ_INFO_EVENTFD;
		if (ii.flags & VGPU_IRQ_INFO_MASKABLE)
			info.flags |= VFIO_IRQ_INFO_MASKABLE;
		if (ii.flags & VGPU_IRQ_INFO_AUTOMASKED)
			info.flags |= VFIO_IRQ_INFO_AUTOMASKED;
		if (ii.flags & VGPU_IRQ_INFO_NORESIZE)
			info.flags |= VFIO_IRQ_INFO_NORESIZE;
		info.count = ii.count;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS: {
		struct vfio_irq_set hdr;
		size_t data_size = 0;
		u8 *data = NULL;

		minsz = offsetofend(struct vfio_irq_set, count);
		if (copy_from_user(&hdr, uarg, minsz))
			return -EFAULT;
		if (hdr.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		rc = vfio_set_irqs_validate_and_prepare(&hdr, rgpu_irq_count(rm, hdr.index),
							VFIO_PCI_NUM_IRQS, &data_size);
		if (rc)
			return rc;
		if (data_size) {
			data = memdup_user(uarg + minsz, data_size);
			if (IS_ERR(data))
				return PTR_ERR(data);
		}
		mutex_lock(&rm->lock);
		rc = rgpu_set_irqs(rm, &hdr, data);
		mutex_unlock(&rm->lock);
		kfree(data);
		return rc;
	}
	case VFIO_DEVICE_RESET:
		/* Frames are released only after the engines let go of them. */
		vgpu_dma_unmap(rm->v, 0, ~0ull);
		return vgpu_reset(rm->v);
	}
	return -ENOTTY;
}

/* The IOVA range is going away: drop and unpin everything mapped in it. */
static void rgpu_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	vgpu_dma_unmap(to_rm(vdev)->v, iova, length);
}

/*
 * Someone removes the instance (sysfs remove, mdevctl stop, rmmod of the
 * parent) while a VM has it open.  The 6.1 mdev core cannot refuse that:
 * the removal waits until the device is closed.  Say so clearly, and ask
 * the user to let go through the REQ eventfd (QEMU then unplugs the
 * device from the guest, as it does for vfio-pci).
 */
static void rgpu_request(struct vfio_device *vdev, unsigned int count)
{
	struct rgpu_mdev *rm = to_rm(vdev);

	mutex_lock(&rm->lock);
	if (rm->trig[VFIO_PCI_REQ_IRQ_INDEX]) {
		if (!count)
			dev_warn(vdev->dev, "vGPU %s is in use by a VM: removal waits until it is "
				 "closed; asking the VM to release it\n", rm->uuid);
		eventfd_signal(rm->trig[VFIO_PCI_REQ_IRQ_INDEX], 1);
	} else if (!(count % 6)) {
		dev_err(vdev->dev, "vGPU %s is in use by a VM and cannot be removed until the VM "
			"closes it: shut the VM down (removal is blocked, request %u)\n", rm->uuid,
			count);
	}
	rm->requests = count + 1;
	mutex_unlock(&rm->lock);
}

static const struct vfio_device_ops rgpu_vfio_ops = {
	.name = "vgpu-mdev",
	.init = rgpu_init_dev,
	.release = rgpu_release_dev,
	.open_device = rgpu_open_device,
	.close_device = rgpu_close_device,
	.read = rgpu_read,
	.write = rgpu_write,
	.ioctl = rgpu_ioctl,
	.request = rgpu_request,
	.dma_unmap = rgpu_dma_unmap,
};

/* ------------------------------------------------------------ mdev driver */
static int rgpu_mdev_probe(struct mdev_device *mdev)
{
	struct rgpu_mdev *rm;
	int rc;

	rm = vfio_alloc_device(rgpu_mdev, vdev, &mdev->dev, &rgpu_vfio_ops);
	if (IS_ERR(rm))
		return PTR_ERR(rm);
	rc = vfio_register_emulated_iommu_dev(&rm->vdev);
	if (rc) {
		vfio_put_device(&rm->vdev);
		return rc;
	}
	dev_set_drvdata(&mdev->dev, rm);
	return 0;
}

static void rgpu_mdev_remove(struct mdev_device *mdev)
{
	struct rgpu_mdev *rm = dev_get_drvdata(&mdev->dev);

	/* Waits for the last user to close the device (see rgpu_request). */
	vfio_unregister_group_dev(&rm->vdev);
	vfio_put_device(&rm->vdev);
}

static unsigned int rgpu_get_available(struct mdev_type *mtype)
{
	const struct vgpu_type *t = vgpu_parent_find_type(rgpu->core, mtype->sysfs_name);

	return t ? vgpu_type_available_instances(rgpu->core, t) : 0;
}

static ssize_t rgpu_show_description(struct mdev_type *mtype, char *buf)
{
	const struct vgpu_type *t = vgpu_parent_find_type(rgpu->core, mtype->sysfs_name);

	if (!t)
		return -ENODEV;
	/* The core's description already names the resources. */
	return sysfs_emit(buf, "%s\n", t->description);
}

static struct mdev_driver rgpu_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "vgpu_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = rgpu_mdev_probe,
	.remove = rgpu_mdev_remove,
	.get_available = rgpu_get_available,
	.show_description = rgpu_show_description,
};

/* ------------------------------------------------------------ parent */
static void rgpu_parent_release(struct device *dev)
{
	struct rgpu_parent *p = container_of(dev, struct rgpu_parent, dev);

	kfree(p);
}

static ssize_t usage_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct rgpu_parent *p = container_of(dev, struct rgpu_parent, dev);
	struct vgpu_parent_usage u;

	vgpu_parent_usage(p->core, &u);
	return sysfs_emit(buf, "instances %u\ngm %llu/%llu MiB free\nfences %u/%u free\n"
			  "weight %u/%u free\npipes %u/%u free\n", u.instances,
			  (unsigned long long)(u.gm_free >> 20),
			  (unsigned long long)(u.gm_total >> 20), u.fences_free, u.fences_total,
			  u.weight_free, u.weight_total, u.pipes_free, u.pipes_total);
}
static DEVICE_ATTR_RO(usage);

static struct attribute *rgpu_parent_attrs[] = {
	&dev_attr_usage.attr,
	NULL,
};
ATTRIBUTE_GROUPS(rgpu_parent);

static int __init vgpu_mdev_init(void)
{
	struct vgpu_parent_config cfg;
	struct vgpu_parent *core;
	unsigned int i;
	int rc;

	os_log_set_level((enum os_log_level)clamp(log_level, 0, 3));
	vgpu_parent_default_config(&cfg);
	cfg.name = RGPU_PARENT_NAME;
	rc = vgpu_parent_create(&cfg, &core);
	if (rc) {
		pr_err("creating the reference GPU failed: %d\n", rc);
		return rc;
	}
	rgpu = kzalloc(sizeof(*rgpu), GFP_KERNEL);
	if (!rgpu) {
		rc = -ENOMEM;
		goto err_core;
	}
	rgpu->core = core;
	rgpu->nr_types = min_t(unsigned int, vgpu_parent_num_types(core), VGPU_MDEV_MAX_TYPES);
	for (i = 0; i < rgpu->nr_types; i++) {
		const struct vgpu_type *t = vgpu_parent_type(core, i);

		rgpu->types[i].sysfs_name = t->name;
		rgpu->types[i].pretty_name = t->name;
		rgpu->type_ptrs[i] = &rgpu->types[i];
	}

	rc = mdev_register_driver(&rgpu_mdev_driver);
	if (rc)
		goto err_free;
	rgpu_class = class_create(THIS_MODULE, RGPU_CLASS_NAME);
	if (IS_ERR(rgpu_class)) {
		rc = PTR_ERR(rgpu_class);
		goto err_driver;
	}
	rgpu->dev.class = rgpu_class;
	rgpu->dev.release = rgpu_parent_release;
	rgpu->dev.groups = rgpu_parent_groups;
	dev_set_name(&rgpu->dev, RGPU_PARENT_NAME);
	rc = device_register(&rgpu->dev);
	if (rc) {
		put_device(&rgpu->dev);		/* its release frees rgpu */
		goto err_class;
	}
	rc = mdev_register_parent(&rgpu->mdev_parent, &rgpu->dev, &rgpu_mdev_driver,
				  rgpu->type_ptrs, rgpu->nr_types);
	if (rc) {
		device_unregister(&rgpu->dev);
		goto err_class;
	}
	pr_info("parent %s: reference GPU with %u vGPU types (mdev types %s-*)\n",
		RGPU_PARENT_NAME, rgpu->nr_types, RGPU_CLASS_NAME);
	return 0;

err_class:
	rgpu = NULL;			/* freed by the device release */
	class_destroy(rgpu_class);
err_driver:
	mdev_unregister_driver(&rgpu_mdev_driver);
err_free:
	kfree(rgpu);
err_core:
	vgpu_parent_destroy(core);
	return rc;
}

static void __exit vgpu_mdev_exit(void)
{
	struct vgpu_parent *core = rgpu->core;

	/*
	 * Removes every instance (open ones keep the module pinned, so rmmod
	 * is refused with "in use" before we get here), then the parent.
	 */
	mdev_unregister_parent(&rgpu->mdev_parent);
	device_unregister(&rgpu->dev);
	class_destroy(rgpu_class);
	mdev_unregister_driver(&rgpu_mdev_driver);
	if (vgpu_parent_destroy(core))
		pr_err("reference GPU still has instances at unload\n");
}

module_init(vgpu_mdev_init);
module_exit(vgpu_mdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated vGPU (reference GPU) for VFIO/KVM");
MODULE_AUTHOR("vgpu project");
