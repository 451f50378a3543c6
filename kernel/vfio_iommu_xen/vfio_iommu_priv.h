/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_iommu_priv.h - the part of Linux 6.1's private drivers/vfio/vfio.h
 * that a VFIO IOMMU backend needs, redeclared for an out-of-tree build
 * (linux-headers do not ship drivers/vfio/vfio.h).
 *
 * ABI NOTE.  These declarations are not ours: they must be token-for-token
 * equivalent to the kernel's.  genksyms folds struct vfio_iommu_driver_ops,
 * and everything reachable from it (struct vfio_device -> struct vfio_group
 * -> struct vfio_container -> struct vfio_iommu_driver), into the CRC of
 * vfio_register_iommu_driver, so a *kernel* whose layout changed refuses
 * this module at load time -- but a wrong copy here would be loaded
 * silently.  abi-check.sh recomputes that CRC from this header and compares
 * it with $KDIR/Module.symvers; the Kbuild runs it before compiling
 * anything.  Member names, order, types and enum values all count.
 *
 * struct vfio_group is here only because the CRC reaches it through
 * struct vfio_device::group: this module never dereferences it.
 */
#ifndef VFIO_IOMMU_PRIV_H
#define VFIO_IOMMU_PRIV_H

#include <linux/device.h>
#include <linux/cdev.h>
#include <linux/module.h>

struct iommu_group;
struct vfio_device;
struct vfio_container;

/* The kind of group being attached (6.1 values: 0, 1, 2). */
enum vfio_group_type {
	VFIO_IOMMU,		/* physical device behind a real IOMMU */
	VFIO_EMULATED_IOMMU,	/* mdev: no DMA except through the backend */
	VFIO_NO_IOMMU,		/* physical device, no IOMMU (unsafe mode) */
};

/* Core-private; present for the CRC only (see above). */
struct vfio_group {
	struct device			dev;
	struct cdev			cdev;
	refcount_t			drivers;
	unsigned int			container_users;
	struct iommu_group		*iommu_group;
	struct vfio_container		*container;
	struct list_head		device_list;
	struct mutex			device_lock;
	struct list_head		vfio_next;
	struct list_head		container_next;
	enum vfio_group_type		type;
	struct mutex			group_lock;
	struct kvm			*kvm;
	struct file			*opened_file;
	struct blocking_notifier_head	notifier;
};

/* Events passed to ->notify(). */
enum vfio_iommu_notify_type {
	VFIO_IOMMU_CONTAINER_CLOSE = 0,
};

/*
 * The backend's callbacks.  Calling context in 6.1 (container.c):
 * ioctl(NULL, VFIO_CHECK_EXTENSION, arg) is asked both when userspace
 * polls and at SET_IOMMU time; open/attach_group/detach_group/release run
 * under the container's group_lock (write); pin_pages, unpin_pages and
 * dma_rw run with no core lock held, for a device that is open.
 */
struct vfio_iommu_driver_ops {
	char		*name;
	struct module	*owner;
	void		*(*open)(unsigned long arg);
	void		(*release)(void *iommu_data);
	long		(*ioctl)(void *iommu_data, unsigned int cmd,
				 unsigned long arg);
	int		(*attach_group)(void *iommu_data,
					struct iommu_group *group,
					enum vfio_group_type);
	void		(*detach_group)(void *iommu_data,
					struct iommu_group *group);
	int		(*pin_pages)(void *iommu_data,
				     struct iommu_group *group,
				     dma_addr_t user_iova,
				     int npage, int prot,
				     struct page **pages);
	void		(*unpin_pages)(void *iommu_data,
				       dma_addr_t user_iova, int npage);
	void		(*register_device)(void *iommu_data,
					   struct vfio_device *vdev);
	void		(*unregister_device)(void *iommu_data,
					     struct vfio_device *vdev);
	int		(*dma_rw)(void *iommu_data, dma_addr_t user_iova,
				  void *data, size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
	void		(*notify)(void *iommu_data,
				  enum vfio_iommu_notify_type event);
};

/* Core-private; present for the CRC only. */
struct vfio_iommu_driver {
	const struct vfio_iommu_driver_ops	*ops;
	struct list_head			vfio_next;
};

/* Exported GPL by vfio.ko (drivers/vfio/container.c). */
int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops);

#endif /* VFIO_IOMMU_PRIV_H */
