// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_vfio.c - the vfio_device_ops of a vGPU instance: they map one to
 * one onto core/vgpu.h.  Regions at index << 40 on the device fd (as
 * vfio-pci), region/IRQ info, SET_IRQS with eventfd triggers (INTx with
 * mask/unmask/automask and a resample eventfd, MSI, the REQ notifier),
 * reset, and dma_unmap -> vgpu_dma_unmap(); the display region plane is
 * mdev_display.c's.  Every offset, length, index and count from QEMU is
 * validated here or in core/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "rgpu_mdev.h"

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
	rgpu_display_init(rm);
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
	rgpu_display_fini(rm);
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
	rm->xen_dma = 0;
	rgpu_track_attach(rm);
	rm->open = true;
	mutex_unlock(&rm->lock);
	if (rgpu_tracker_name(rm))
		dev_info(vdev->dev, "vGPU %s opened (write tracking: %s)\n", rm->uuid,
			 rgpu_tracker_name(rm));
	else
		dev_info(vdev->dev, "vGPU %s opened (no write tracker serves it: no write "
			 "tracking)\n", rm->uuid);
	return 0;
}

static void rgpu_close_device(struct vfio_device *vdev)
{
	struct rgpu_mdev *rm = to_rm(vdev);

	mutex_lock(&rm->lock);
	irqs_release(rm);
	/* Unpin every frame (engines quiesced first), then reset: the next
	 * user must not inherit this one's GTT, registers or tracked pages. */
	vgpu_dma_unmap(rm->v, 0, ~0ull);
	vgpu_reset(rm->v);
	rgpu_track_detach(rm);
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

	if (*ppos < 0)
		return -EINVAL;
	if (index == VGPU_MDEV_DISPLAY_REGION && !write) {
		ssize_t n = rgpu_display_rd(rm, ubuf, count, off);

		if (n > 0)
			*ppos += n;
		return n;
	}
	if (index >= VGPU_REGION_NUM)
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

static int rgpu_ioctl_get_info(void __user *uarg)
{
	struct vfio_device_info info;
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VGPU_MDEV_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static int rgpu_ioctl_get_region_info(struct rgpu_mdev *rm, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	struct vgpu_region_info ri;
	int rc;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VGPU_MDEV_NUM_REGIONS)
		return -EINVAL;
	info.offset = (u64)info.index << VGPU_MDEV_OFFSET_SHIFT;
	info.cap_offset = 0;
	if (info.index == VGPU_MDEV_DISPLAY_REGION) {
		rgpu_display_region_info(rm, &info);
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	memset(&ri, 0, sizeof(ri));
	if (info.index < VGPU_REGION_NUM) {
		rc = vgpu_region_info(rm->v, info.index, &ri);
		if (rc)
			return rc;
	}
	info.size = ri.size;
	info.flags = 0;
	if (ri.flags & VGPU_REGION_FLAG_READ)
		info.flags |= VFIO_REGION_INFO_FLAG_READ;
	if (ri.flags & VGPU_REGION_FLAG_WRITE)
		info.flags |= VFIO_REGION_INFO_FLAG_WRITE;
	/* No mmap: every BAR access is trapped (no sparse areas yet). */
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static int rgpu_ioctl_get_irq_info(struct rgpu_mdev *rm, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;
	struct vgpu_irq_info ii;
	int rc;

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

static int rgpu_ioctl_set_irqs(struct rgpu_mdev *rm, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	u8 *data = NULL;
	int rc;

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

static int rgpu_ioctl_reset(struct rgpu_mdev *rm)
{
	/* Frames are released only after the engines let go of them. */
	vgpu_dma_unmap(rm->v, 0, ~0ull);
	return vgpu_reset(rm->v);
}

/* One helper per ioctl, as samples/vfio-mdev/mbochs.c has them. */
static long rgpu_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct rgpu_mdev *rm = to_rm(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return rgpu_ioctl_get_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return rgpu_ioctl_get_region_info(rm, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return rgpu_ioctl_get_irq_info(rm, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return rgpu_ioctl_set_irqs(rm, uarg);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return rgpu_query_gfx_plane(rm, uarg);
	case VFIO_DEVICE_RESET:
		return rgpu_ioctl_reset(rm);
	}
	return -ENOTTY;
}

/* Only the display region maps: the BARs trap every access. */
static int rgpu_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	u64 index = vma->vm_pgoff >> (VGPU_MDEV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff & (VGPU_MDEV_OFFSET_MASK >> PAGE_SHIFT);

	if (index != VGPU_MDEV_DISPLAY_REGION)
		return -EINVAL;
	return rgpu_display_mmap(to_rm(vdev), vma, pgoff);
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

const struct vfio_device_ops rgpu_vfio_ops = {
	.name = "vgpu-mdev",
	.init = rgpu_init_dev,
	.release = rgpu_release_dev,
	.open_device = rgpu_open_device,
	.close_device = rgpu_close_device,
	.read = rgpu_read,
	.write = rgpu_write,
	.ioctl = rgpu_ioctl,
	.mmap = rgpu_mmap,
	.request = rgpu_request,
	.dma_unmap = rgpu_dma_unmap,
};
