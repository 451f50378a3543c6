// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - live counters under /sys/kernel/vfio_iommu_xen/stats/, one
 * value per file.  The gauges (containers, bindings, groups_attached,
 * foreign_frames, grant_pages, pins) go up at every successful map/claim
 * and down at every unmap/release, so a test can check they return to 0;
 * dma_rw_calls, errors and grant_maps_total (grant mappings ever made, so
 * a test can tell grants were used at all) only count up.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "vix.h"

struct vix_stats vix_stats;

#define VIX_STAT_ATTR(field)						\
static ssize_t field##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&vix_stats.field));		\
}									\
static struct kobj_attribute field##_attr = __ATTR_RO(field)

VIX_STAT_ATTR(containers);
VIX_STAT_ATTR(bindings);
VIX_STAT_ATTR(groups_attached);
VIX_STAT_ATTR(foreign_frames);
VIX_STAT_ATTR(grant_pages);
VIX_STAT_ATTR(pins);
VIX_STAT_ATTR(dma_rw_calls);
VIX_STAT_ATTR(errors);
VIX_STAT_ATTR(grant_maps_total);

static struct attribute *vix_stats_attrs[] = {
	&containers_attr.attr,
	&bindings_attr.attr,
	&groups_attached_attr.attr,
	&foreign_frames_attr.attr,
	&grant_pages_attr.attr,
	&pins_attr.attr,
	&dma_rw_calls_attr.attr,
	&errors_attr.attr,
	&grant_maps_total_attr.attr,
	NULL,
};

const struct attribute_group vix_stats_attr_group = {
	.name = "stats",
	.attrs = vix_stats_attrs,
};
