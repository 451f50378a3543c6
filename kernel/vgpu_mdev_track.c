// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_track.c - write tracking of guest frames, whichever hypervisor
 * provides it.  vgpu_mdev itself depends on no hypervisor: a tracker module
 * (vgpu_mdev_kvm.ko over KVM's page-track notifier; a Xen one later)
 * registers here, and each open instance is served by the first tracker
 * that attaches to it.  With none, tracking is unsupported for that
 * instance (-EOPNOTSUPP to the core, which then runs without it), and the
 * module loads on hosts without KVM, such as a Xen dom0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vgpu_mdev.h"

static LIST_HEAD(trackers);
static DEFINE_MUTEX(trackers_lock);

int vgpu_mdev_register_tracker(struct vgpu_mdev_tracker *t)
{
	mutex_lock(&trackers_lock);
	list_add_tail(&t->node, &trackers);
	mutex_unlock(&trackers_lock);
	pr_info("write tracker '%s' registered\n", t->name);
	return 0;
}
EXPORT_SYMBOL_GPL(vgpu_mdev_register_tracker);

/* The tracker's module is pinned while any instance uses it, so nothing
 * is attached when its exit calls this. */
void vgpu_mdev_unregister_tracker(struct vgpu_mdev_tracker *t)
{
	mutex_lock(&trackers_lock);
	list_del(&t->node);
	mutex_unlock(&trackers_lock);
}
EXPORT_SYMBOL_GPL(vgpu_mdev_unregister_tracker);

/* A guest wrote a frame the tracker watches for md: hand it to the core. */
void vgpu_mdev_track_hit(struct vgpu_mdev *md, u64 gpa, const void *val, int len)
{
	if (len > 0)
		vgpu_page_track_write(md->v, gpa, val, len);
}
EXPORT_SYMBOL_GPL(vgpu_mdev_track_hit);

/* At open: the first registered tracker that serves this device. */
void vgpu_mdev_track_attach(struct vgpu_mdev *md)
{
	struct vgpu_mdev_tracker *t;
	void *priv;

	mutex_lock(&trackers_lock);
	mutex_lock(&md->track_lock);
	list_for_each_entry(t, &trackers, node) {
		if (!try_module_get(t->owner))
			continue;
		if (!t->attach(md, &md->vdev, &priv)) {
			md->tracker = t;
			md->track_priv = priv;
			break;
		}
		module_put(t->owner);
	}
	mutex_unlock(&md->track_lock);
	mutex_unlock(&trackers_lock);
}

/* At close: every tracked frame is released with the tracker's state. */
void vgpu_mdev_track_detach(struct vgpu_mdev *md)
{
	struct vgpu_mdev_tracker *t;

	mutex_lock(&md->track_lock);
	t = md->tracker;
	if (t) {
		t->detach(md->track_priv);
		md->tracker = NULL;
		md->track_priv = NULL;
		module_put(t->owner);
	}
	mutex_unlock(&md->track_lock);
}

const char *vgpu_mdev_tracker_name(struct vgpu_mdev *md)
{
	return md->tracker ? md->tracker->name : NULL;
}

/* The core's track_enable/disable host-ops (called with v's lock held;
 * trackers never take v's lock under their own). */
int vgpu_mdev_track_change(struct vgpu_mdev *md, u64 addr, bool enable)
{
	/* No tracker: enabling is unsupported, disabling has nothing to undo. */
	int rc = enable ? -EOPNOTSUPP : 0;

	mutex_lock(&md->track_lock);
	if (md->tracker)
		rc = enable ? md->tracker->enable(md->track_priv, addr >> PAGE_SHIFT)
			    : md->tracker->disable(md->track_priv, addr >> PAGE_SHIFT);
	mutex_unlock(&md->track_lock);
	return rc;
}

/*
 * The core's mark_dirty host-op: the engines wrote [addr, addr + len)
 * (docs/hw-spec.md §10).  On Xen the tracker reports it to log-dirty; on
 * KVM there is nothing to do here, type1 counts every page the device has
 * pinned as dirty while dirty tracking is on.
 */
void vgpu_mdev_track_dirty(struct vgpu_mdev *md, u64 addr, u64 len)
{
	mutex_lock(&md->track_lock);
	if (md->tracker && md->tracker->mark_dirty && len)
		md->tracker->mark_dirty(md->track_priv, addr >> PAGE_SHIFT,
					((addr + len - 1) >> PAGE_SHIFT) -
					(addr >> PAGE_SHIFT) + 1);
	mutex_unlock(&md->track_lock);
}
