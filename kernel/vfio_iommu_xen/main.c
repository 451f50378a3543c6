// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vfio_iommu_xen: a VFIO IOMMU backend for a Xen PV dom0.
 *
 * Serves emulated (mdev) VFIO groups that root bound to a Xen guest
 * (binding.c) instead of vfio_iommu_type1: guest memory is reached by
 * guest frame through Xen foreign mappings and by grant reference through
 * grant mappings (xen_frames.c), never through QEMU's address space.
 * Everything else still goes to type1.  See README.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <xen/xen.h>

#include "vfio_iommu_priv.h"
#include "vix.h"

unsigned int vix_max_ranges = 1024;
module_param_named(max_ranges, vix_max_ranges, uint, 0644);
MODULE_PARM_DESC(max_ranges, "MAP_DMA ranges per container (default 1024)");

unsigned int vix_max_pinned = 65536;
module_param_named(max_pinned, vix_max_pinned, uint, 0644);
MODULE_PARM_DESC(max_pinned,
		 "distinct pinned 4 KiB frames per container (default 65536 = 256 MiB)");

static struct kobject *vix_kobj;

static int __init vix_init(void)
{
	int rc;

	/* Foreign mapping by mmu_update is the PV MMU's; dom0 may do it. */
	if (!xen_pv_domain() || !xen_initial_domain()) {
		pr_info("not a Xen PV dom0: nothing to serve\n");
		return -ENODEV;
	}

	vix_kobj = kobject_create_and_add("vfio_iommu_xen", kernel_kobj);
	if (!vix_kobj)
		return -ENOMEM;
	rc = sysfs_create_group(vix_kobj, &vix_stats_attr_group);
	if (rc)
		goto err_kobj;
	rc = vix_binding_init();
	if (rc)
		goto err_stats;
	rc = sysfs_create_group(vix_kobj, &vix_binding_attr_group);
	if (rc)
		goto err_binding;
	/*
	 * Registered last, so the core never reaches us half set up.  The
	 * core tries the last registered driver first: type1 loaded before
	 * us (MODULE_SOFTDEP below) leaves unbound groups to type1.
	 */
	rc = vfio_register_iommu_driver(&vix_iommu_ops);
	if (rc)
		goto err_bind_attrs;
	pr_info("registered (max_ranges %u, max_pinned %u)\n",
		vix_max_ranges, vix_max_pinned);
	return 0;

err_bind_attrs:
	sysfs_remove_group(vix_kobj, &vix_binding_attr_group);
err_binding:
	vix_binding_exit();
err_stats:
	sysfs_remove_group(vix_kobj, &vix_stats_attr_group);
err_kobj:
	kobject_put(vix_kobj);
	return rc;
}

/*
 * The core holds a reference on this module for every container using
 * us, so no container (and no mapping) is left when we get here.
 */
static void __exit vix_exit(void)
{
	vfio_unregister_iommu_driver(&vix_iommu_ops);
	sysfs_remove_group(vix_kobj, &vix_binding_attr_group);
	vix_binding_exit();
	sysfs_remove_group(vix_kobj, &vix_stats_attr_group);
	kobject_put(vix_kobj);
	if (atomic_long_read(&vix_stats.foreign_frames) ||
	    atomic_long_read(&vix_stats.grant_pages))
		pr_err("unloading with %ld foreign frames and %ld grant pages leaked\n",
		       atomic_long_read(&vix_stats.foreign_frames),
		       atomic_long_read(&vix_stats.grant_pages));
}

module_init(vix_init);
module_exit(vix_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO IOMMU backend for Xen PV dom0: guest memory by foreign and grant mapping");
MODULE_SOFTDEP("pre: vfio_iommu_type1");
