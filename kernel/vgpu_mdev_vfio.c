// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_vfio.c - the vfio_device_ops of a vGPU instance: they map one to
 * one onto core/vgpu.h.  Regions at index << 40 on the device fd (as
 * vfio-pci), region/IRQ info, SET_IRQS with eventfd triggers (INTx with
 * mask/unmask/automask and a resample eventfd, MSI, the REQ notifier),
 * reset, and dma_unmap -> vgpu_dma_unmap(); the display region plane is
 * vgpu_mdev_display.c's.  Every offset, length, index and count from QEMU is
 * validated here or in core/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vgpu_mdev.h"

/* ------------------------------------------------------------ IRQs */
static void vgpu_mdev_fire(void *ctx)
{
	eventfd_signal(ctx, 1);
}

/* Bind (ctx) or unbind (NULL) the eventfd of INTx or MSI; takes the
 * reference ctx holds.  Caller holds md->lock. */
static int set_trigger(struct vgpu_mdev *md, u32 index, struct eventfd_ctx *ctx)
{
	struct vgpu_irq_trigger t = { vgpu_mdev_fire, ctx };
	int rc = 0;

	if (index == VFIO_PCI_INTX_IRQ_INDEX || index == VFIO_PCI_MSI_IRQ_INDEX)
		rc = vgpu_irq_set_trigger(md->v, index, ctx ? &t : NULL);
	if (rc) {
		if (ctx)
			eventfd_ctx_put(ctx);
		return rc;
	}
	/* The core no longer fires the old one (it is swapped under v's lock). */
	if (md->trig[index])
		eventfd_ctx_put(md->trig[index]);
	md->trig[index] = ctx;
	return 0;
}

static void intx_unmask_work(void *opaque, void *data)
{
	struct vgpu_mdev *md = opaque;

	vgpu_irq_mask(md->v, VGPU_IRQ_INTX, false);
}

static void irqs_release(struct vgpu_mdev *md)
{
	u32 i;

	vfio_virqfd_disable(&md->intx_unmask);
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++)
		if (md->trig[i])
			set_trigger(md, i, NULL);
}

static int vgpu_mdev_irq_count(struct vgpu_mdev *md, u32 index)
{
	struct vgpu_irq_info info;

	/* The REQ notifier belongs to the path (device removal), not the device. */
	if (index == VFIO_PCI_REQ_IRQ_INDEX)
		return 1;
	if (index >= VGPU_IRQ_NUM || vgpu_irq_info(md->v, index, &info))
		return 0;
	return info.count;
}

static int vgpu_mdev_set_irqs(struct vgpu_mdev *md, struct vfio_irq_set *hdr, u8 *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 dtype = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 index = hdr->index;
	bool fire_now = false;

	if (!hdr->count) {
		/* count 0 with DATA_NONE: disable the index (vfio-pci semantics). */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER && dtype == VFIO_IRQ_SET_DATA_NONE) {
			if (index == VFIO_PCI_INTX_IRQ_INDEX)
				vfio_virqfd_disable(&md->intx_unmask);
			return set_trigger(md, index, NULL);
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
				return vfio_virqfd_enable(md, NULL, intx_unmask_work, NULL,
							  &md->intx_unmask, fd);
			vfio_virqfd_disable(&md->intx_unmask);
			return 0;
		}
		if (fire_now)
			return vgpu_irq_mask(md->v, VGPU_IRQ_INTX,
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
			return set_trigger(md, index, ctx);
		}
		/* Loopback: signal the bound eventfd as the device would. */
		if (fire_now && md->trig[index])
			eventfd_signal(md->trig[index], 1);
		return 0;
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------ vfio_device_ops */
static int vgpu_mdev_init_dev(struct vfio_device *vdev)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	int rc;

	mutex_init(&md->lock);
	mutex_init(&md->track_lock);
	vgpu_mdev_display_init(md);
	snprintf(md->uuid, sizeof(md->uuid), "%pUl", &mdev->uuid);
	/* Reserves the type's resources: -ENOSPC when they are exhausted. */
	rc = vgpu_create(vgpu_mdev_rgpu->core, mdev->type->sysfs_name, md->uuid,
			 &vgpu_mdev_host_ops, md, &md->v);
	if (rc)
		dev_err(vdev->dev, "creating vGPU %s of type %s failed: %d\n", md->uuid,
			mdev->type->sysfs_name, rc);
	return rc;
}

static void vgpu_mdev_release_dev(struct vfio_device *vdev)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);

	/* init failed: nothing was created. */
	if (md->v)
		vgpu_destroy(md->v);
	md->v = NULL;
	vgpu_mdev_display_fini(md);
	mutex_destroy(&md->track_lock);
	mutex_destroy(&md->lock);
	vfio_free_device(vdev);
}

static int vgpu_mdev_open_device(struct vfio_device *vdev)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);

	mutex_lock(&md->lock);
	/* A fresh user sees a freshly reset function. */
	vgpu_reset(md->v);
	md->requests = 0;
	md->xen_dma = 0;
	vgpu_mdev_track_attach(md);
	md->open = true;
	mutex_unlock(&md->lock);
	if (vgpu_mdev_tracker_name(md))
		dev_info(vdev->dev, "vGPU %s opened (write tracking: %s)\n", md->uuid,
			 vgpu_mdev_tracker_name(md));
	else
		dev_info(vdev->dev, "vGPU %s opened (no write tracker serves it: no write "
			 "tracking)\n", md->uuid);
	return 0;
}

static void vgpu_mdev_close_device(struct vfio_device *vdev)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);

	mutex_lock(&md->lock);
	irqs_release(md);
	/* Unpin every frame (engines quiesced first), then reset: the next
	 * user must not inherit this one's GTT, registers or tracked pages. */
	vgpu_dma_unmap(md->v, 0, ~0ull);
	vgpu_reset(md->v);
	vgpu_mdev_track_detach(md);
	md->open = false;
	mutex_unlock(&md->lock);
	dev_info(vdev->dev, "vGPU %s closed\n", md->uuid);
}

static ssize_t vgpu_mdev_rw(struct vfio_device *vdev, char __user *ubuf, size_t count, loff_t *ppos,
			    bool write)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);
	u64 pos = (u64)*ppos;
	u32 index = pos >> VGPU_MDEV_OFFSET_SHIFT;
	u64 off = pos & VGPU_MDEV_OFFSET_MASK;
	size_t done = 0;
	u8 buf[64];

	if (*ppos < 0)
		return -EINVAL;
	if (index == VGPU_MDEV_DISPLAY_REGION && !write) {
		ssize_t n = vgpu_mdev_display_rd(md, ubuf, count, off);

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
			rc = vgpu_region_write(md->v, index, off + done, buf, n);
		} else {
			rc = vgpu_region_read(md->v, index, off + done, buf, n);
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

static ssize_t vgpu_mdev_read(struct vfio_device *vdev, char __user *buf, size_t count,
			      loff_t *ppos)
{
	return vgpu_mdev_rw(vdev, buf, count, ppos, false);
}

static ssize_t vgpu_mdev_write(struct vfio_device *vdev, const char __user *buf, size_t count,
			       loff_t *ppos)
{
	return vgpu_mdev_rw(vdev, (char __user *)buf, count, ppos, true);
}

static int vgpu_mdev_ioctl_get_info(void __user *uarg)
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

static int vgpu_mdev_ioctl_get_region_info(struct vgpu_mdev *md, void __user *uarg)
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
		vgpu_mdev_display_region_info(md, &info);
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	memset(&ri, 0, sizeof(ri));
	if (info.index < VGPU_REGION_NUM) {
		rc = vgpu_region_info(md->v, info.index, &ri);
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

static int vgpu_mdev_ioctl_get_irq_info(struct vgpu_mdev *md, void __user *uarg)
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
		rc = vgpu_irq_info(md->v, info.index, &ii);
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

static int vgpu_mdev_ioctl_set_irqs(struct vgpu_mdev *md, void __user *uarg)
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
	rc = vfio_set_irqs_validate_and_prepare(&hdr, vgpu_mdev_irq_count(md, hdr.index),
						VFIO_PCI_NUM_IRQS, &data_size);
	if (rc)
		return rc;
	if (data_size) {
		data = memdup_user(uarg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	mutex_lock(&md->lock);
	rc = vgpu_mdev_set_irqs(md, &hdr, data);
	mutex_unlock(&md->lock);
	kfree(data);
	return rc;
}

static int vgpu_mdev_ioctl_reset(struct vgpu_mdev *md)
{
	/* Frames are released only after the engines let go of them. */
	vgpu_dma_unmap(md->v, 0, ~0ull);
	return vgpu_reset(md->v);
}

/* One helper per ioctl, as samples/vfio-mdev/mbochs.c has them. */
static long vgpu_mdev_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vgpu_mdev_ioctl_get_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vgpu_mdev_ioctl_get_region_info(md, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vgpu_mdev_ioctl_get_irq_info(md, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vgpu_mdev_ioctl_set_irqs(md, uarg);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return vgpu_mdev_query_gfx_plane(md, uarg);
	case VFIO_DEVICE_RESET:
		return vgpu_mdev_ioctl_reset(md);
	}
	return -ENOTTY;
}

/* Only the display region maps: the BARs trap every access. */
static int vgpu_mdev_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	u64 index = vma->vm_pgoff >> (VGPU_MDEV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff & (VGPU_MDEV_OFFSET_MASK >> PAGE_SHIFT);

	if (index != VGPU_MDEV_DISPLAY_REGION)
		return -EINVAL;
	return vgpu_mdev_display_mmap(to_vgpu_mdev(vdev), vma, pgoff);
}

/* The IOVA range is going away: drop and unpin everything mapped in it. */
static void vgpu_mdev_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	vgpu_dma_unmap(to_vgpu_mdev(vdev)->v, iova, length);
}

/*
 * Someone removes the instance (sysfs remove, mdevctl stop, rmmod of the
 * parent) while a VM has it open.  The 6.1 mdev core cannot refuse that:
 * the removal waits until the device is closed.  Say so clearly, and ask
 * the user to let go through the REQ eventfd (QEMU then unplugs the
 * device from the guest, as it does for vfio-pci).
 */
static void vgpu_mdev_request(struct vfio_device *vdev, unsigned int count)
{
	struct vgpu_mdev *md = to_vgpu_mdev(vdev);

	mutex_lock(&md->lock);
	if (md->trig[VFIO_PCI_REQ_IRQ_INDEX]) {
		if (!count)
			dev_warn(vdev->dev, "vGPU %s is in use by a VM: removal waits until it is "
				 "closed; asking the VM to release it\n", md->uuid);
		eventfd_signal(md->trig[VFIO_PCI_REQ_IRQ_INDEX], 1);
	} else if (!(count % 6)) {
		dev_err(vdev->dev, "vGPU %s is in use by a VM and cannot be removed until the VM "
			"closes it: shut the VM down (removal is blocked, request %u)\n", md->uuid,
			count);
	}
	md->requests = count + 1;
	mutex_unlock(&md->lock);
}

const struct vfio_device_ops vgpu_mdev_vfio_ops = {
	.name = "vgpu-mdev",
	.init = vgpu_mdev_init_dev,
	.release = vgpu_mdev_release_dev,
	.open_device = vgpu_mdev_open_device,
	.close_device = vgpu_mdev_close_device,
	.read = vgpu_mdev_read,
	.write = vgpu_mdev_write,
	.ioctl = vgpu_mdev_ioctl,
	.mmap = vgpu_mdev_mmap,
	.request = vgpu_mdev_request,
	.dma_unmap = vgpu_mdev_dma_unmap,
};
