// SPDX-License-Identifier: GPL-2.0-only
/*
 * abi_probe.c - NOT part of the module.  The translation unit abi-check.sh
 * feeds to genksyms: the same headers, in the same order, as Linux 6.1's
 * drivers/vfio/container.c (where vfio_register_iommu_driver is exported),
 * with vfio_iommu_priv.h in place of the kernel's private "vfio.h".  If
 * our copy is exact, the CRC genksyms computes here equals the one in
 * $KDIR/Module.symvers.
 */
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/vfio.h>
#include <uapi/linux/vfio.h>

#include "vfio_iommu_priv.h"

/*
 * container.c defines its container before the export, and the CRC
 * reaches it (vfio_device -> vfio_group -> vfio_container), so the probe
 * declares the 6.1 layout too.
 */
struct vfio_container {
	struct kref			kref;
	struct list_head		group_list;
	struct rw_semaphore		group_lock;
	struct vfio_iommu_driver	*iommu_driver;
	void				*iommu_data;
	bool				noiommu;
};

EXPORT_SYMBOL_GPL(vfio_register_iommu_driver);
