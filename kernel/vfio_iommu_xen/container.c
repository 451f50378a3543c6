// SPDX-License-Identifier: GPL-2.0
/*
 * container.c - the VFIO IOMMU driver: per-container state, the type1
 * ioctls QEMU 7.2 uses (CHECK_EXTENSION, GET_INFO, MAP_DMA, UNMAP_DMA),
 * attach/detach of groups bound to a Xen domain, and the list of open
 * devices that UNMAP_DMA must tell.
 *
 * We answer as type1 so QEMU needs no change.  MAP_DMA records the
 * guest-physical range only: under Xen, QEMU's vaddr is a map-cache
 * bucket or unrelated memory, never the guest's RAM, so it is ignored.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_iommu_priv.h"
#include "vfio_iommu_xen.h"
#include "vix.h"

/* All containers, for vfio_iommu_xen_serves(). */
static LIST_HEAD(vix_containers);
static DEFINE_SPINLOCK(vix_reg_lock);

/* ------------------------------------------------------------ ranges */

struct vix_range *vix_range_find(struct vix_container *c, u64 iova)
{
	struct rb_node *n = c->ranges.rb_node;

	lockdep_assert_held(&c->lock);

	while (n) {
		struct vix_range *r = rb_entry(n, struct vix_range, node);

		if (iova < r->iova)
			n = n->rb_left;
		else if (iova - r->iova >= r->size)
			n = n->rb_right;
		else
			return r;
	}
	return NULL;
}

/* Insert [iova, iova + size); ranges never overlap (type1: -EEXIST). */
static int range_insert(struct vix_container *c, u64 iova, u64 size, u32 prot)
{
	struct rb_node **link = &c->ranges.rb_node, *parent = NULL;
	struct vix_range *r;

	lockdep_assert_held(&c->lock);

	while (*link) {
		parent = *link;
		r = rb_entry(parent, struct vix_range, node);
		if (iova + size <= r->iova)
			link = &parent->rb_left;
		else if (iova >= r->iova + r->size)
			link = &parent->rb_right;
		else
			return -EEXIST;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->iova = iova;
	r->size = size;
	r->prot = prot;
	rb_link_node(&r->node, parent, link);
	rb_insert_color(&r->node, &c->ranges);
	c->nr_ranges++;
	return 0;
}

/*
 * The ranges inside [iova, last]: with @remove false, check that none
 * straddles an end (type1v2 semantics: -EINVAL) and sum their sizes; with
 * @remove true, drop them.
 */
static int ranges_in(struct vix_container *c, u64 iova, u64 last, bool remove,
		     u64 *total)
{
	struct rb_node *n = rb_first(&c->ranges);

	lockdep_assert_held(&c->lock);

	*total = 0;
	while (n) {
		struct vix_range *r = rb_entry(n, struct vix_range, node);
		u64 r_last = r->iova + r->size - 1;

		n = rb_next(n);
		if (r_last < iova)
			continue;
		if (r->iova > last)
			break;
		if (r->iova < iova || r_last > last)
			return -EINVAL;
		*total += r->size;
		if (remove) {
			rb_erase(&r->node, &c->ranges);
			c->nr_ranges--;
			kfree(r);
		}
	}
	return 0;
}

static void ranges_free(struct vix_container *c)
{
	u64 total;

	ranges_in(c, 0, U64_MAX, true, &total);
}

/* ------------------------------------------------------------ ioctls */

static long get_info(void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_info,
					  iova_pgsizes);
	unsigned long capsz = offsetofend(struct vfio_iommu_type1_info,
					  cap_offset);
	struct vfio_iommu_type1_info info = {};

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = PAGE_SIZE;
	/* A caller that knows cap_offset learns there are no capabilities. */
	if (info.argsz >= capsz) {
		minsz = capsz;
		info.cap_offset = 0;
	}
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long map_dma(struct vix_container *c, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	u32 prot = 0;
	u64 end;
	long rc;

	if (copy_from_user(&map, uarg, minsz))
		return -EFAULT;
	if (map.argsz < minsz ||
	    map.flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	/* map.vaddr is deliberately unused: see the top of this file. */
	if (!prot || !map.size || (map.iova | map.size) & ~PAGE_MASK)
		return -EINVAL;
	/* Guest-physical only: this also keeps bit 63 (grants) out. */
	if (check_add_overflow(map.iova, map.size, &end) || end > VIX_GPA_LIMIT)
		return -EINVAL;

	mutex_lock(&c->ioctl_lock);
	mutex_lock(&c->lock);
	if (c->nr_ranges >= READ_ONCE(vix_max_ranges))
		rc = -ENOSPC;
	else
		rc = range_insert(c, map.iova, map.size, prot);
	mutex_unlock(&c->lock);
	mutex_unlock(&c->ioctl_lock);
	if (rc)
		vix_warn(c->domid, "MAP_DMA [%#llx, +%#llx): %ld\n", map.iova,
			 map.size, rc);
	return rc;
}

/*
 * UNMAP_DMA: first every device drops what it holds in the range (its
 * dma_unmap unpins through us, so c->lock is not held across the calls),
 * then the range goes, with the dma_rw cache inside it.  A frame a device
 * still keeps pinned stays mapped -- unmapping it under the device would
 * crash dom0 -- but no new access to the range is allowed, and release
 * unmaps it at the latest.
 */
static long unmap_dma(struct vix_container *c, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_dma_unmap,
					  size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct vfio_device *vdev;
	unsigned int still_pinned;
	u64 last, total;
	long rc;

	if (copy_from_user(&unmap, uarg, minsz))
		return -EFAULT;
	/* No flag is supported: we do not advertise VFIO_UNMAP_ALL/dirty. */
	if (unmap.argsz < minsz || unmap.flags)
		return -EINVAL;
	if (!unmap.size || (unmap.iova | unmap.size) & ~PAGE_MASK ||
	    check_add_overflow(unmap.iova, unmap.size - 1, &last))
		return -EINVAL;

	mutex_lock(&c->ioctl_lock);

	mutex_lock(&c->lock);
	rc = ranges_in(c, unmap.iova, last, false, &total);
	mutex_unlock(&c->lock);
	if (rc || !total)
		goto out;

	mutex_lock(&c->dev_lock);
	list_for_each_entry(vdev, &c->devices, iommu_entry)
		if (vdev->ops->dma_unmap)
			vdev->ops->dma_unmap(vdev, unmap.iova, unmap.size);
	mutex_unlock(&c->dev_lock);

	mutex_lock(&c->lock);
	/* ioctl_lock kept MAP_DMA out: the same ranges are still there. */
	ranges_in(c, unmap.iova, last, true, &total);
	vix_cache_drop(c, unmap.iova >> PAGE_SHIFT, last >> PAGE_SHIFT);
	still_pinned = vix_pins_count_in(c, unmap.iova >> PAGE_SHIFT,
					 last >> PAGE_SHIFT);
	mutex_unlock(&c->lock);
	if (still_pinned)
		vix_warn(c->domid,
			 "UNMAP_DMA [%#llx, +%#llx): %u frames still pinned by a device\n",
			 unmap.iova, unmap.size, still_pinned);
out:
	mutex_unlock(&c->ioctl_lock);
	if (rc)
		return rc;
	unmap.size = total;
	return copy_to_user(uarg, &unmap, minsz) ? -EFAULT : 0;
}

static long vix_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	struct vix_container *c = data;

	/* Asked with data == NULL while the core picks a driver. */
	if (cmd == VFIO_CHECK_EXTENSION)
		return arg == VFIO_TYPE1v2_IOMMU || arg == VFIO_TYPE1_IOMMU;
	if (!c)
		return -EINVAL;

	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return get_info((void __user *)arg);
	case VFIO_IOMMU_MAP_DMA:
		return map_dma(c, (void __user *)arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return unmap_dma(c, (void __user *)arg);
	}
	return -ENOTTY;
}

/* ------------------------------------------------------------ lifetime */

static void *vix_open(unsigned long arg)
{
	struct vix_container *c;

	if (arg != VFIO_TYPE1v2_IOMMU && arg != VFIO_TYPE1_IOMMU)
		return ERR_PTR(-EINVAL);

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return ERR_PTR(-ENOMEM);
	mutex_init(&c->ioctl_lock);
	mutex_init(&c->dev_lock);
	INIT_LIST_HEAD(&c->devices);
	mutex_init(&c->lock);
	c->domid = DOMID_INVALID;
	INIT_LIST_HEAD(&c->groups);
	c->ranges = RB_ROOT;
	xa_init(&c->pins);

	spin_lock(&vix_reg_lock);
	list_add(&c->node, &vix_containers);
	spin_unlock(&vix_reg_lock);
	atomic_long_inc(&vix_stats.containers);
	return c;
}

/* Take the groups off the container; their bindings are released after. */
static void groups_take(struct vix_container *c, struct list_head *out)
{
	lockdep_assert_held(&c->lock);

	list_splice_init(&c->groups, out);
	atomic_long_sub(c->nr_groups, &vix_stats.groups_attached);
	c->nr_groups = 0;
}

static void groups_release(struct vix_container *c, struct list_head *list)
{
	struct vix_group *g, *tmp;

	list_for_each_entry_safe(g, tmp, list, node) {
		vix_binding_release(g->group_id, c);
		list_del(&g->node);
		kfree(g);
	}
}

/*
 * The last group is gone (or SET_IOMMU gave up on us): every mapping goes,
 * whatever devices left behind, so a destroyed guest never stays a zombie
 * because of dom0.
 */
static void vix_release(void *data)
{
	struct vix_container *c = data;
	LIST_HEAD(groups);

	spin_lock(&vix_reg_lock);
	list_del(&c->node);
	spin_unlock(&vix_reg_lock);

	mutex_lock(&c->lock);
	vix_pins_drop_all(c);
	vix_cache_drop(c, 0, U64_MAX);
	ranges_free(c);
	groups_take(c, &groups);
	mutex_unlock(&c->lock);
	groups_release(c, &groups);

	if (!list_empty(&c->devices))
		vix_warn(c->domid, "container released with devices registered\n");

	xa_destroy(&c->pins);
	mutex_destroy(&c->lock);
	mutex_destroy(&c->dev_lock);
	mutex_destroy(&c->ioctl_lock);
	kfree(c);
	atomic_long_dec(&vix_stats.containers);
}

/*
 * Accept only emulated (mdev) groups that root bound to a domain, all to
 * the same domain; any error makes VFIO_SET_IOMMU try the next driver
 * (type1), which keeps everything else working as before.
 */
static int vix_attach_group(void *data, struct iommu_group *group,
			    enum vfio_group_type type)
{
	struct vix_container *c = data;
	struct vix_group *g;
	domid_t domid;
	int rc;

	if (type != VFIO_EMULATED_IOMMU)
		return -EINVAL;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->group = group;
	g->group_id = iommu_group_id(group);

	rc = vix_binding_claim(group, c, &domid);
	if (rc)
		goto err_free;

	mutex_lock(&c->lock);
	if (c->domid != DOMID_INVALID && c->domid != domid) {
		mutex_unlock(&c->lock);
		pr_info_ratelimited("group %d is bound to dom%u, container serves dom%u\n",
				    g->group_id, domid, c->domid);
		rc = -EINVAL;
		goto err_release;
	}
	c->domid = domid;
	list_add(&g->node, &c->groups);
	c->nr_groups++;
	mutex_unlock(&c->lock);
	atomic_long_inc(&vix_stats.groups_attached);
	pr_info("group %d attached for dom%u\n", g->group_id, domid);
	return 0;

err_release:
	vix_binding_release(g->group_id, c);
err_free:
	kfree(g);
	return rc;
}

static void vix_detach_group(void *data, struct iommu_group *group)
{
	struct vix_container *c = data;
	struct vix_group *g, *found = NULL;

	mutex_lock(&c->lock);
	list_for_each_entry(g, &c->groups, node) {
		if (g->group == group) {
			found = g;
			list_del(&g->node);
			c->nr_groups--;
			atomic_long_dec(&vix_stats.groups_attached);
			break;
		}
	}
	/* Its devices are closed; dma_rw may have cached their frames. */
	vix_cache_drop(c, 0, U64_MAX);
	mutex_unlock(&c->lock);

	if (found) {
		vix_binding_release(found->group_id, c);
		kfree(found);
	}
}

/* ------------------------------------------------------------ devices */

static void vix_register_device(void *data, struct vfio_device *vdev)
{
	struct vix_container *c = data;

	mutex_lock(&c->dev_lock);
	spin_lock(&vix_reg_lock);
	list_add(&vdev->iommu_entry, &c->devices);
	spin_unlock(&vix_reg_lock);
	mutex_unlock(&c->dev_lock);
}

static void vix_unregister_device(void *data, struct vfio_device *vdev)
{
	struct vix_container *c = data;

	mutex_lock(&c->dev_lock);
	spin_lock(&vix_reg_lock);
	list_del(&vdev->iommu_entry);
	spin_unlock(&vix_reg_lock);
	mutex_unlock(&c->dev_lock);
}

bool vfio_iommu_xen_serves(struct vfio_device *vdev)
{
	struct vix_container *c;
	struct vfio_device *d;
	bool found = false;

	spin_lock(&vix_reg_lock);
	list_for_each_entry(c, &vix_containers, node) {
		list_for_each_entry(d, &c->devices, iommu_entry) {
			if (d == vdev) {
				found = true;
				goto out;
			}
		}
	}
out:
	spin_unlock(&vix_reg_lock);
	return found;
}
EXPORT_SYMBOL_GPL(vfio_iommu_xen_serves);

const struct vfio_iommu_driver_ops vix_iommu_ops = {
	.name			= "vfio-iommu-xen",
	.owner			= THIS_MODULE,
	.open			= vix_open,
	.release		= vix_release,
	.ioctl			= vix_ioctl,
	.attach_group		= vix_attach_group,
	.detach_group		= vix_detach_group,
	.pin_pages		= vix_pin_pages,
	.unpin_pages		= vix_unpin_pages,
	.register_device	= vix_register_device,
	.unregister_device	= vix_unregister_device,
	.dma_rw			= vix_dma_rw,
};
