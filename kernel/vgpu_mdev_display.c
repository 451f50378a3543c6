// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_display.c - the vGPU's screen for VFIO consumers: a region plane.
 *
 * VFIO_DEVICE_QUERY_GFX_PLANE is answered as Linux's mdpy sample does, with
 * a plane in a device region (VFIO_GFX_PLANE_TYPE_REGION; no dma-buf), so
 * QEMU's -device vfio-pci,...,display=on shows the guest's screen.  The
 * region (index VGPU_MDEV_DISPLAY_REGION, after vfio-pci's fixed ones) is a
 * kernel buffer sized for the vGPU type's largest mode, read-only and
 * mmappable.  Each query copies the current plane into it through the core
 * (vgpu_display_read: the plane is validated against the slice and the
 * type's limits under the vGPU's lock, every page read through the shadow
 * GTT), packed XRGB8888, stride = width * 4.  QEMU therefore maps only
 * memory this driver owns, never guest memory: a guest pointing its plane
 * outside its slice, at unmapped pages, or at sizes that would overflow
 * gets "display off" (format and size 0), not another VM's pixels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/vmalloc.h>
#include <drm/drm_fourcc.h>

#include "vgpu_mdev.h"

/* DRM_PLANE_TYPE_PRIMARY of include/drm/drm_plane.h: the uapi value.
 * QEMU's region display leaves drm_plane_type 0: taken as the primary
 * plane too (the only one there is). */
#define VGPU_MDEV_DRM_PLANE_TYPE_PRIMARY 1

static size_t display_size(struct vgpu_mdev *md)
{
	const struct vgpu_type *t = vgpu_get_type(md->v);

	return PAGE_ALIGN((size_t)t->max_width * t->max_height * 4);
}

void vgpu_mdev_display_init(struct vgpu_mdev *md)
{
	mutex_init(&md->disp_lock);
}

void vgpu_mdev_display_fini(struct vgpu_mdev *md)
{
	/* Only at release: an mmap holds the device file, so none is left. */
	vfree(md->disp_buf);
	md->disp_buf = NULL;
	mutex_destroy(&md->disp_lock);
}

/* The buffer, allocated on first use (most instances are never viewed).
 * Caller holds disp_lock. */
static void *display_buf(struct vgpu_mdev *md)
{
	if (!md->disp_buf)
		md->disp_buf = vmalloc_user(display_size(md));
	return md->disp_buf;
}

void vgpu_mdev_display_region_info(struct vgpu_mdev *md, struct vfio_region_info *info)
{
	info->size = display_size(md);
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
}

long vgpu_mdev_query_gfx_plane(struct vgpu_mdev *md, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info, region_index);
	struct vfio_device_gfx_plane_info plane;
	struct vgpu_plane_info info;
	void *buf;
	int rc;

	if (copy_from_user(&plane, uarg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;
	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return plane.flags == (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION) ?
		       0 : -EINVAL;
	if (plane.flags != VFIO_GFX_PLANE_TYPE_REGION ||
	    (plane.drm_plane_type && plane.drm_plane_type != VGPU_MDEV_DRM_PLANE_TYPE_PRIMARY))
		return -EINVAL;

	mutex_lock(&md->disp_lock);
	buf = display_buf(md);
	rc = buf ? vgpu_display_read(md->v, &info, buf, display_size(md)) : -ENOMEM;
	md->disp_queries++;
	mutex_unlock(&md->disp_lock);

	plane.drm_format_mod = DRM_FORMAT_MOD_LINEAR;
	plane.x_pos = 0;
	plane.y_pos = 0;
	plane.x_hot = 0;
	plane.y_hot = 0;
	plane.region_index = VGPU_MDEV_DISPLAY_REGION;
	if (rc) {
		/* Off, invalid or unreadable: QEMU shows nothing. */
		if (rc == -ENOMEM)
			return rc;
		plane.drm_format = 0;
		plane.width = plane.height = plane.stride = plane.size = 0;
	} else {
		plane.drm_format = DRM_FORMAT_XRGB8888;
		plane.width = info.width;
		plane.height = info.height;
		plane.stride = info.width * 4;
		plane.size = plane.stride * info.height;
	}
	return copy_to_user(uarg, &plane, minsz) ? -EFAULT : 0;
}

int vgpu_mdev_display_mmap(struct vgpu_mdev *md, struct vm_area_struct *vma, u64 pgoff)
{
	void *buf;
	int rc;

	/* What QEMU maps is a copy: writing it would mean nothing. */
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	if (pgoff > display_size(md) >> PAGE_SHIFT)
		return -EINVAL;
	vma->vm_flags &= ~VM_MAYWRITE;
	mutex_lock(&md->disp_lock);
	buf = display_buf(md);
	/* Checks that the range lies inside the buffer. */
	rc = buf ? remap_vmalloc_range(vma, buf, pgoff) : -ENOMEM;
	mutex_unlock(&md->disp_lock);
	return rc;
}

ssize_t vgpu_mdev_display_rd(struct vgpu_mdev *md, char __user *ubuf, size_t count, u64 off)
{
	size_t size = display_size(md);
	ssize_t rc;
	void *buf;

	if (off >= size)
		return 0;
	count = min_t(size_t, count, size - off);
	mutex_lock(&md->disp_lock);
	buf = display_buf(md);
	if (!buf)
		rc = -ENOMEM;
	else
		rc = copy_to_user(ubuf, buf + off, count) ? -EFAULT : count;
	mutex_unlock(&md->disp_lock);
	return rc;
}
