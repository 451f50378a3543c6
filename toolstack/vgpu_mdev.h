/*
 * vgpu_mdev.h - the vGPUs of the kernel mdev path as dom0 sees them:
 * instances of vgpu_mdev.ko under /sys/bus/mdev/devices, the toolstack's
 * xenstore records of which domain uses them (vgpu-xl, docs/vgpu-config.md)
 * and the Xen VFIO IOMMU backend's bindings.  For `vgpuctl list`.
 *
 * Every path is relative to a sysfs root, normally "/sys"; VGPU_SYSFS_ROOT
 * replaces it (tests use a fake tree).
 */
#ifndef VGPU_MDEV_H
#define VGPU_MDEV_H

#include <stddef.h>

#define VGPU_MDEV_PARENT "rgpu0"
#define VGPU_MDEV_TYPE_PREFIX "rgpu-"          /* mdev type dir = "rgpu-" + vGPU type */
#define VGPU_MDEV_XS_BASE "/local/domain/0/backend/vgpu-mdev"

struct vgpu_mdev_inst {
    char uuid[40];
    char type[64];              /* vGPU type: "refgpu-8" */
    int domid, devid;           /* -1 when no record / binding names one */
    char bdf[16];               /* from the xenstore record; "" when QEMU placed it */
    int bound;                  /* listed in /sys/kernel/vfio_iommu_xen/bindings */
};

/* $VGPU_SYSFS_ROOT, or "/sys". */
const char *vgpu_sysfs_root(void);

/* 1 when the mdev parent rgpu0 is registered (vgpu_mdev.ko loaded). */
int vgpu_mdev_parent_present(const char *sysroot);

/*
 * The rgpu mdev instances: every <sysroot>/bus/mdev/devices/<uuid> whose
 * mdev_type link ends in "rgpu-<type>", sorted by UUID, with domid/devid
 * -1.  Returns how many (at most max; 0 when there is no mdev bus), or -1
 * with errno when the directory cannot be read.
 */
int vgpu_mdev_scan(const char *sysroot, struct vgpu_mdev_inst *out, unsigned int max);

/*
 * Fill domid, devid and bdf from `xenstore-ls -f VGPU_MDEV_XS_BASE` output
 * (lines "<base>/<domid>/<devid>/<key> = \"<value>\""); other lines are
 * ignored.
 */
void vgpu_mdev_apply_xenstore(const char *text, struct vgpu_mdev_inst *v, unsigned int n);

/*
 * Mark instances bound, and fill domid where still unknown, from the text
 * of <sysroot>/kernel/vfio_iommu_xen/bindings: lines "<device> <group>
 * <domid> ..." where device is the UUID or a path ending in it.  Headers,
 * comments and malformed lines are ignored.
 */
void vgpu_mdev_apply_bindings(const char *text, struct vgpu_mdev_inst *v, unsigned int n);

/* Read a whole (small) file; NULL when absent.  Caller frees. */
char *vgpu_mdev_read_file(const char *path);

#endif /* VGPU_MDEV_H */
