// SPDX-License-Identifier: GPL-2.0
/*
 * binding.c - which Xen domain an mdev's VFIO group serves.
 *
 * QEMU cannot tell us the guest's domid and must not be trusted to: root
 * binds a device to a domain through sysfs before QEMU starts, and
 * attach_group accepts only bound groups.
 *
 *   /sys/kernel/vfio_iommu_xen/bind      (0200) "<mdev-name> <domid>"
 *   /sys/kernel/vfio_iommu_xen/unbind    (0200) "<mdev-name>"
 *   /sys/kernel/vfio_iommu_xen/bindings  (0444) "<name> <group> <domid> <in-use|free>"
 *
 * The device is looked up on the mdev bus and its IOMMU group id recorded;
 * attach_group checks again that the group still holds a device of that
 * name, so a group id recycled after the mdev was removed binds nothing.
 * A binding in use by a container can be neither changed nor removed, and
 * it ends when that container lets go of the group: one bind, one
 * device-model run (vgpu-qemu-dm binds again for every QEMU it starts).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/mdev.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vfio_iommu_xen.h"
#include "vix.h"

#define VIX_NAME_MAX		64
#define VIX_MAX_BINDINGS	64

struct vix_binding {
	struct list_head node;
	char name[VIX_NAME_MAX];
	int group_id;
	domid_t domid;
	void *user;		/* the container using it, or NULL */
};

static LIST_HEAD(vix_bindings);
static unsigned int vix_nr_bindings;
static DEFINE_MUTEX(vix_bind_lock);

/*
 * mdev_bus_type is not exported.  An mdev driver that binds nothing (the
 * mdev bus matches no driver automatically, and we suppress the sysfs
 * bind file) gives us the bus to look devices up on.
 */
static struct mdev_driver vix_lookup_driver = {
	.device_api = "vfio-iommu-xen-lookup",
	.driver = {
		.name = "vfio_iommu_xen_lookup",
		.owner = THIS_MODULE,
		.suppress_bind_attrs = true,
	},
};

static struct vix_binding *find_by_name(const char *name)
{
	struct vix_binding *b;

	lockdep_assert_held(&vix_bind_lock);
	list_for_each_entry(b, &vix_bindings, node)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

static struct vix_binding *find_by_group(int group_id)
{
	struct vix_binding *b;

	lockdep_assert_held(&vix_bind_lock);
	list_for_each_entry(b, &vix_bindings, node)
		if (b->group_id == group_id)
			return b;
	return NULL;
}

static int group_has_name(struct device *dev, void *name)
{
	return !strcmp(dev_name(dev), name);
}

int vix_binding_claim(struct iommu_group *group, void *user, domid_t *domid)
{
	int group_id = iommu_group_id(group);
	struct vix_binding *b;
	int rc = 0;

	mutex_lock(&vix_bind_lock);
	b = find_by_group(group_id);
	if (!b)
		rc = -ENODEV;	/* not ours: type1 may take it */
	else if (!iommu_group_for_each_dev(group, b->name, group_has_name))
		rc = -ENODEV;	/* stale: the group id was recycled */
	else if (b->user)
		rc = -EBUSY;
	if (!rc) {
		b->user = user;
		*domid = b->domid;
	}
	mutex_unlock(&vix_bind_lock);
	return rc;
}

/*
 * The container that claimed the binding lets go of the group: the binding
 * goes with it.  A binding serves one device-model run: one that outlived
 * its QEMU would give the next opener of the device (a later domain, maybe
 * started without the binding wrapper) the old domid, which Xen may have
 * given to another domain meanwhile.
 */
void vix_binding_release(int group_id, void *user)
{
	struct vix_binding *b;

	mutex_lock(&vix_bind_lock);
	b = find_by_group(group_id);
	if (b && b->user == user) {
		pr_info("%s (group %d): binding to dom%u released with its container\n",
			b->name, b->group_id, b->domid);
		list_del(&b->node);
		kfree(b);
		vix_nr_bindings--;
		atomic_long_dec(&vix_stats.bindings);
	}
	mutex_unlock(&vix_bind_lock);
}

/*
 * The domain @dev (an mdev) is bound to, for other modules that serve the
 * same device on Xen (the vGPU's write tracker sets up its IOREQ server in
 * that domain when the device is opened, before the container registers
 * it).  Root chose the domain; the caller must not trust anything else.
 */
int vfio_iommu_xen_bound_domid(struct device *dev)
{
	struct vix_binding *b;
	int rc;

	mutex_lock(&vix_bind_lock);
	b = find_by_name(dev_name(dev));
	rc = b ? b->domid : -ENODEV;
	mutex_unlock(&vix_bind_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(vfio_iommu_xen_bound_domid);

/* The IOMMU group of the mdev called @name. */
static int mdev_group_id(const char *name, int *group_id)
{
	struct iommu_group *group;
	struct device *dev;

	dev = bus_find_device_by_name(vix_lookup_driver.driver.bus, NULL, name);
	if (!dev)
		return -ENODEV;
	group = iommu_group_get(dev);
	put_device(dev);
	if (!group)
		return -ENODEV;	/* not (yet) a VFIO device */
	*group_id = iommu_group_id(group);
	iommu_group_put(group);
	return 0;
}

static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	size_t i;

	if (!len || len >= VIX_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("-_.:", name[i]))
			return false;
	return true;
}

/* "<name> <domid>" */
static ssize_t bind_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	char *line, *p, *name, *dom;
	struct vix_binding *b, *old;
	int group_id, rc;
	u16 domid;

	line = kstrndup(buf, count, GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	p = strim(line);
	name = strsep(&p, " \t");
	dom = p ? skip_spaces(p) : NULL;
	rc = -EINVAL;
	if (!name || !dom || !name_ok(name) || kstrtou16(dom, 0, &domid))
		goto out;
	/* Never dom0 itself, nor DOMID_SELF and the other reserved ids. */
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		goto out;

	rc = mdev_group_id(name, &group_id);
	if (rc)
		goto out;

	mutex_lock(&vix_bind_lock);
	b = find_by_name(name);
	old = find_by_group(group_id);
	if ((b && b->user) || (old && old->user)) {
		rc = -EBUSY;
	} else if (b || old) {
		/* Rebinding a free group: one record per device and group. */
		if (b && old && b != old) {
			list_del(&old->node);
			kfree(old);
			vix_nr_bindings--;
			atomic_long_dec(&vix_stats.bindings);
		}
		b = b ?: old;
		strscpy(b->name, name, sizeof(b->name));
		b->group_id = group_id;
		b->domid = domid;
		rc = 0;
	} else if (vix_nr_bindings >= VIX_MAX_BINDINGS) {
		rc = -ENOSPC;
	} else {
		b = kzalloc(sizeof(*b), GFP_KERNEL);
		if (!b) {
			rc = -ENOMEM;
		} else {
			strscpy(b->name, name, sizeof(b->name));
			b->group_id = group_id;
			b->domid = domid;
			list_add_tail(&b->node, &vix_bindings);
			vix_nr_bindings++;
			atomic_long_inc(&vix_stats.bindings);
			rc = 0;
		}
	}
	mutex_unlock(&vix_bind_lock);
	if (!rc)
		pr_info("%s (group %d) bound to dom%u\n", name, group_id, domid);
out:
	kfree(line);
	return rc ? rc : count;
}

static ssize_t unbind_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct vix_binding *b;
	char *line, *name;
	int rc = 0;

	line = kstrndup(buf, count, GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	name = strim(line);

	mutex_lock(&vix_bind_lock);
	b = find_by_name(name);
	if (!b) {
		rc = -ENOENT;
	} else if (b->user) {
		rc = -EBUSY;
	} else {
		list_del(&b->node);
		kfree(b);
		vix_nr_bindings--;
		atomic_long_dec(&vix_stats.bindings);
	}
	mutex_unlock(&vix_bind_lock);
	kfree(line);
	return rc ? rc : count;
}

static ssize_t bindings_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct vix_binding *b;
	int len = 0;

	mutex_lock(&vix_bind_lock);
	list_for_each_entry(b, &vix_bindings, node)
		len += sysfs_emit_at(buf, len, "%s %d %u %s\n", b->name,
				     b->group_id, b->domid,
				     b->user ? "in-use" : "free");
	mutex_unlock(&vix_bind_lock);
	return len;
}

static struct kobj_attribute bind_attr = __ATTR_WO(bind);
static struct kobj_attribute unbind_attr = __ATTR_WO(unbind);
static struct kobj_attribute bindings_attr = __ATTR_RO(bindings);

static struct attribute *vix_binding_attrs[] = {
	&bind_attr.attr,
	&unbind_attr.attr,
	&bindings_attr.attr,
	NULL,
};

const struct attribute_group vix_binding_attr_group = {
	.attrs = vix_binding_attrs,
};

int vix_binding_init(void)
{
	return mdev_register_driver(&vix_lookup_driver);
}

/* Module exit: no container exists any more (each held a module ref). */
void vix_binding_exit(void)
{
	struct vix_binding *b, *tmp;

	mdev_unregister_driver(&vix_lookup_driver);
	mutex_lock(&vix_bind_lock);
	list_for_each_entry_safe(b, tmp, &vix_bindings, node) {
		list_del(&b->node);
		kfree(b);
		atomic_long_dec(&vix_stats.bindings);
	}
	vix_nr_bindings = 0;
	mutex_unlock(&vix_bind_lock);
}
