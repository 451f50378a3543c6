// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_hostops.c - the shared device model's host-ops over VFIO: guest
 * memory by IOVA with vfio_dma_rw, frames pinned with vfio_pin_pages
 * (through whichever IOMMU backend serves the container: type1 on KVM, the
 * Xen backend vfio_iommu_xen on a Xen host), write tracking by the tracker
 * serving the instance (vgpu_mdev_track.c), interrupts through the bound
 * eventfds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vgpu_mdev.h"

#include <xen/xen.h>
#include "vfio_iommu_xen.h"

/*
 * On a Xen host QEMU-xen's MAP_DMA vaddr is not guest RAM (it points into
 * QEMU's own heap and libraries), so pins and dma_rw through type1 there
 * would read and write unrelated QEMU memory.  Guest memory is reached
 * only when the Xen backend serves this device, which is known once the
 * container registered it (after open_device): asked once per open.  The
 * backend is looked up at run time, so vgpu_mdev never needs it loaded.
 */
static bool vgpu_mdev_dma_allowed(struct vgpu_mdev *md)
{
	bool (*serves)(struct vfio_device *vdev);
	int state = READ_ONCE(md->xen_dma);

	if (!xen_initial_domain() && !xen_pv_domain())
		return true;
	if (!state) {
		serves = symbol_get(vfio_iommu_xen_serves);
		state = serves && serves(&md->vdev) ? 1 : -1;
		if (serves)
			symbol_put(vfio_iommu_xen_serves);
		WRITE_ONCE(md->xen_dma, state);
		if (state < 0)
			dev_err(md->vdev.dev, "vGPU %s: on Xen its guest memory is reached only "
				"through the vfio_iommu_xen backend (bind the device to the domain "
				"before QEMU opens it); refusing guest memory access\n", md->uuid);
	}
	return state > 0;
}

static int vgpu_mdev_read_gpa(void *host, u64 addr, void *buf, size_t len)
{
	struct vgpu_mdev *md = host;

	if (!len)
		return 0;
	if (!vgpu_mdev_dma_allowed(md))
		return -EPERM;
	return vfio_dma_rw(&md->vdev, addr, buf, len, false) ? -EFAULT : 0;
}

static int vgpu_mdev_write_gpa(void *host, u64 addr, const void *buf, size_t len)
{
	struct vgpu_mdev *md = host;

	if (!len)
		return 0;
	if (!vgpu_mdev_dma_allowed(md))
		return -EPERM;
	return vfio_dma_rw(&md->vdev, addr, (void *)buf, len, true) ? -EFAULT : 0;
}

static int vgpu_mdev_map_frame(void *host, u64 addr, void **va)
{
	struct vgpu_mdev *md = host;
	struct page *page;
	int rc;

	if (addr & VGPU_PAGE_MASK)
		return -EINVAL;
	if (!vgpu_mdev_dma_allowed(md))
		return -EPERM;
	/* 4 KiB guest frames: the core's page is the kernel's on x86. */
	BUILD_BUG_ON(PAGE_SIZE != VGPU_PAGE_SIZE);
	rc = vfio_pin_pages(&md->vdev, addr, 1, IOMMU_READ | IOMMU_WRITE, &page);
	if (rc != 1)
		return rc < 0 ? rc : -EFAULT;
	/* No highmem on x86_64: a pinned page has a permanent kernel address. */
	*va = page_address(page);
	return 0;
}

static void vgpu_mdev_unmap_frame(void *host, u64 addr, void *va)
{
	struct vgpu_mdev *md = host;

	vfio_unpin_pages(&md->vdev, addr, 1);
}

static int vgpu_mdev_track_enable(void *host, u64 addr)
{
	return vgpu_mdev_track_change(host, addr, true);
}

static int vgpu_mdev_track_disable(void *host, u64 addr)
{
	return vgpu_mdev_track_change(host, addr, false);
}

static void vgpu_mdev_mark_dirty(void *host, u64 addr, u64 len)
{
	vgpu_mdev_track_dirty(host, addr, len);
}

/* VFIO delivers interrupts only through the eventfd triggers bound with
 * SET_IRQS; with none bound there is nobody to tell. */
static int vgpu_mdev_inject_msi(void *host, u64 addr, u32 data)
{
	return 0;
}

static int vgpu_mdev_set_intx(void *host, bool level)
{
	return 0;
}

const struct vgpu_host_ops vgpu_mdev_host_ops = {
	.read_gpa = vgpu_mdev_read_gpa,
	.write_gpa = vgpu_mdev_write_gpa,
	.map_frame = vgpu_mdev_map_frame,
	.unmap_frame = vgpu_mdev_unmap_frame,
	.track_enable = vgpu_mdev_track_enable,
	.track_disable = vgpu_mdev_track_disable,
	.inject_msi = vgpu_mdev_inject_msi,
	.set_intx = vgpu_mdev_set_intx,
	.mark_dirty = vgpu_mdev_mark_dirty,
};
