// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_track.c - write tracking of guest frames, whichever hypervisor
 * provides it.  vgpu_mdev itself depends on no hypervisor: a tracker module
 * (vgpu_mdev_kvm.ko over KVM's page-track notifier; a Xen one later)
 * registers here, and each open instance is served by the first tracker
 * that attaches to it.  With none, tracking is unsupported for that
 * instance (-EOPNOTSUPP to the core, which then runs without it), and the
 * module loads on hosts without KVM, such as a Xen dom0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "rgpu_mdev.h"

static LIST_HEAD(trackers);
static DEFINE_MUTEX(trackers_lock);

int rgpu_register_tracker(struct rgpu_tracker *t)
{
	mutex_lock(&trackers_lock);
	list_add_tail(&t->node, &trackers);
	mutex_unlock(&trackers_lock);
	pr_info("write tracker '%s' registered\n", t->name);
	return 0;
}
EXPORT_SYMBOL_GPL(rgpu_register_tracker);

/* The tracker's module is pinned while any instance uses it, so nothing
 * is attached when its exit calls this. */
void rgpu_unregister_tracker(struct rgpu_tracker *t)
{
	mutex_lock(&trackers_lock);
	list_del(&t->node);
	mutex_unlock(&trackers_lock);
}
EXPORT_SYMBOL_GPL(rgpu_unregister_tracker);

/* A guest wrote a frame the tracker watches for rm: hand it to the core. */
void rgpu_track_hit(struct rgpu_mdev *rm, u64 gpa, const void *val, int len)
{
	if (len > 0)
		vgpu_page_track_write(rm->v, gpa, val, len);
}
EXPORT_SYMBOL_GPL(rgpu_track_hit);

/* At open: the first registered tracker that serves this device. */
void rgpu_track_attach(struct rgpu_mdev *rm)
{
	struct rgpu_tracker *t;
	void *priv;

	mutex_lock(&trackers_lock);
	mutex_lock(&rm->track_lock);
	list_for_each_entry(t, &trackers, node) {
		if (!try_module_get(t->owner))
			continue;
		if (!t->attach(rm, &rm->vdev, &priv)) {
			rm->tracker = t;
			rm->track_priv = priv;
			break;
		}
		module_put(t->owner);
	}
	mutex_unlock(&rm->track_lock);
	mutex_unlock(&trackers_lock);
}

/* At close: every tracked frame is released with the tracker's state. */
void rgpu_track_detach(struct rgpu_mdev *rm)
{
	struct rgpu_tracker *t;

	mutex_lock(&rm->track_lock);
	t = rm->tracker;
	if (t) {
		t->detach(rm->track_priv);
		rm->tracker = NULL;
		rm->track_priv = NULL;
		module_put(t->owner);
	}
	mutex_unlock(&rm->track_lock);
}

const char *rgpu_tracker_name(struct rgpu_mdev *rm)
{
	return rm->tracker ? rm->tracker->name : NULL;
}

/* The core's track_enable/disable host-ops (called with v's lock held;
 * trackers never take v's lock under their own). */
int rgpu_track_change(struct rgpu_mdev *rm, u64 addr, bool enable)
{
	/* No tracker: enabling is unsupported, disabling has nothing to undo. */
	int rc = enable ? -EOPNOTSUPP : 0;

	mutex_lock(&rm->track_lock);
	if (rm->tracker)
		rc = enable ? rm->tracker->enable(rm->track_priv, addr >> PAGE_SHIFT)
			    : rm->tracker->disable(rm->track_priv, addr >> PAGE_SHIFT);
	mutex_unlock(&rm->track_lock);
	return rc;
}

/*
 * The core's mark_dirty host-op: the engines wrote [addr, addr + len)
 * (docs/hw-spec.md §10).  On Xen the tracker reports it to log-dirty; on
 * KVM there is nothing to do here, type1 counts every page the device has
 * pinned as dirty while dirty tracking is on.
 */
void rgpu_track_dirty(struct rgpu_mdev *rm, u64 addr, u64 len)
{
	mutex_lock(&rm->track_lock);
	if (rm->tracker && rm->tracker->mark_dirty && len)
		rm->tracker->mark_dirty(rm->track_priv, addr >> PAGE_SHIFT,
					((addr + len - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1);
	mutex_unlock(&rm->track_lock);
}
