/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vix.h - state shared by the files of vfio_iommu_xen.ko ("vix"): the
 * per-container state, the frame index, the binding table and counters.
 *
 * Locking, outermost first:
 *   vix_container.ioctl_lock  serialises MAP_DMA/UNMAP_DMA (UNMAP drops
 *                             c->lock while devices unpin)
 *   vix_container.dev_lock    the registered-device list; held across the
 *                             devices' dma_unmap callbacks
 *   vix_bind_lock (binding.c) the group -> domid table
 *   vix_container.lock        ranges, frame index, cache, groups, domid
 *   vix_reg_lock (spinlock)   the global container list and, for readers
 *                             of vfio_iommu_xen_serves(), device lists
 * A device's dma_unmap callback may call back into pin/unpin/dma_rw, which
 * take only c->lock: never call out to a device holding c->lock.
 */
#ifndef VIX_H
#define VIX_H

#include <linux/atomic.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <xen/interface/xen.h>

#include "xen_frames.h"

struct vfio_device;

/* Limits (module parameters, main.c). */
extern unsigned int vix_max_ranges;
extern unsigned int vix_max_pinned;

/*
 * DMA addresses with bit 63 set are grant references, encoded as Linux's
 * drivers/xen/grant-dma-ops.c does: bit 63 | gref << PAGE_SHIFT.
 */
#define VIX_GRANT_DMA_BIT	BIT_ULL(63)
/* Guest-physical addresses beyond 52 bits cannot exist on x86-64. */
#define VIX_GPA_LIMIT		BIT_ULL(52)

static inline bool vix_is_grant(u64 iova)
{
	return iova & VIX_GRANT_DMA_BIT;
}

/* One MAP_DMA range [iova, iova + size), keyed by iova in c->ranges. */
struct vix_range {
	struct rb_node node;
	u64 iova;
	u64 size;
	u32 prot;		/* IOMMU_READ | IOMMU_WRITE */
};

/* A pinned frame: one mapping shared by every pin of the same page. */
struct vix_pin {
	struct vix_frame f;
	unsigned int refs;
	bool dirty;		/* pinned for write: report at unmap */
};

/* A recently used frame for dma_rw (not pinned). */
struct vix_cache_ent {
	bool valid;
	u64 key;		/* iova >> PAGE_SHIFT */
	struct vix_frame f;
};

#define VIX_CACHE_SLOTS	16

/* A group attached to a container, with the binding it claimed. */
struct vix_group {
	struct list_head node;
	struct iommu_group *group;
	int group_id;
};

struct vix_container {
	struct mutex ioctl_lock;
	struct mutex dev_lock;
	struct list_head devices;	/* vfio_device.iommu_entry */

	struct mutex lock;
	domid_t domid;			/* DOMID_INVALID until a group attaches */
	struct list_head groups;	/* struct vix_group */
	unsigned int nr_groups;
	struct rb_root ranges;		/* struct vix_range */
	unsigned int nr_ranges;
	struct xarray pins;		/* iova >> PAGE_SHIFT -> struct vix_pin */
	unsigned int nr_pinned;		/* distinct frames in pins */
	struct vix_cache_ent cache[VIX_CACHE_SLOTS];
	unsigned int cache_next;

	struct list_head node;		/* vix_containers */
};

/* container.c */
extern const struct vfio_iommu_driver_ops vix_iommu_ops;
struct vix_range *vix_range_find(struct vix_container *c, u64 iova);

/* pins.c: the frame index, pin/unpin, dma_rw and its cache (c->lock held) */
int vix_pin_pages(void *data, struct iommu_group *group, dma_addr_t iova,
		  int npage, int prot, struct page **pages);
void vix_unpin_pages(void *data, dma_addr_t iova, int npage);
int vix_dma_rw(void *data, dma_addr_t iova, void *buf, size_t count,
	       bool write);
void vix_cache_drop(struct vix_container *c, u64 first_key, u64 last_key);
unsigned int vix_pins_count_in(struct vix_container *c, u64 first_key,
			       u64 last_key);
void vix_pins_drop_all(struct vix_container *c);

/* binding.c */
int vix_binding_claim(struct iommu_group *group, void *user, domid_t *domid);
void vix_binding_release(int group_id, void *user);
int vix_binding_init(void);
void vix_binding_exit(void);
extern const struct attribute_group vix_binding_attr_group;

/* stats.c: live counters, /sys/kernel/vfio_iommu_xen/stats/ */
struct vix_stats {
	atomic_long_t containers;
	atomic_long_t bindings;
	atomic_long_t groups_attached;
	atomic_long_t foreign_frames;
	atomic_long_t grant_pages;
	atomic_long_t pins;
	atomic_long_t dma_rw_calls;
	atomic_long_t errors;
	atomic_long_t grant_maps_total;
};
extern struct vix_stats vix_stats;
extern const struct attribute_group vix_stats_attr_group;

#define vix_warn(domid, fmt, ...) do {					\
	atomic_long_inc(&vix_stats.errors);				\
	pr_warn_ratelimited("dom%u: " fmt, (unsigned int)(domid),	\
			    ##__VA_ARGS__);				\
} while (0)

#endif /* VIX_H */
