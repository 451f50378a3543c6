/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_iommu_xen.h - what vfio_iommu_xen.ko offers other modules.
 *
 * An mdev parent driver that must behave differently on Xen (no KVM page
 * tracking, guest memory by foreign mapping) asks whether its device is
 * served by this backend, without a hard module dependency:
 *
 *	bool (*serves)(struct vfio_device *) = symbol_get(vfio_iommu_xen_serves);
 *	bool xen = serves && serves(vdev);
 *	if (serves)
 *		symbol_put(vfio_iommu_xen_serves);
 *
 * Contract: returns true iff @vdev is registered right now with a container
 * of vfio_iommu_xen.  Linux 6.1's core registers a device after its
 * open_device returns and unregisters it after close_device returns, so
 * the answer is false inside open_device and still true inside
 * close_device: ask on first use (first pin, dma_rw or ioctl), not in
 * open_device.  The answer does not change between those two points.
 * Takes one spinlock (not irq/bh-safe) and nothing else, never sleeps:
 * call it from process context, including the dma_unmap callback.
 */
#ifndef VFIO_IOMMU_XEN_H
#define VFIO_IOMMU_XEN_H

#include <linux/types.h>

struct device;
struct vfio_device;

bool vfio_iommu_xen_serves(struct vfio_device *vdev);

/*
 * The Xen domain id root bound @dev (an mdev device) to, or -ENODEV when
 * it is not bound.  Valid from before open_device (unlike _serves); may
 * sleep (takes the binding mutex).  A hard dependency of its callers.
 */
int vfio_iommu_xen_bound_domid(struct device *dev);

#endif /* VFIO_IOMMU_XEN_H */
