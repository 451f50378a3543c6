// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_main.c - the KVM path: a VFIO mediated-device parent driver that
 * serves the shared device model (core/) to QEMU's vfio-pci.
 *
 *   /sys/class/rgpu/rgpu0           the parent: a virtual device owning one
 *                                   reference GPU (software engine threads)
 *   .../mdev_supported_types/rgpu-refgpu-N/{create,available_instances,...}
 *   /sys/bus/mdev/devices/<uuid>    an instance: one core vGPU
 *
 * This file: the module, its log-level parameter, the parent device and the
 * mdev driver.  vgpu_mdev_vfio.c serves an instance to QEMU;
 * vgpu_mdev_hostops.c gives the core its guest memory, tracking and
 * interrupts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "vgpu_mdev.h"
#include "sw_engine.h"

static int log_level = OS_LOG_INFO;

/* Writable at run time (/sys/module/vgpu_mdev/parameters/log_level). */
static int log_level_set(const char *val, const struct kernel_param *kp)
{
	int lvl, rc = kstrtoint(val, 0, &lvl);

	if (rc)
		return rc;
	if (lvl < OS_LOG_ERR || lvl > OS_LOG_DEBUG)
		return -EINVAL;
	log_level = lvl;
	os_log_set_level((enum os_log_level)lvl);
	return 0;
}

static const struct kernel_param_ops log_level_ops = {
	.set = log_level_set,
	.get = param_get_int,
};
module_param_cb(log_level, &log_level_ops, &log_level, 0644);
MODULE_PARM_DESC(log_level, "core log level: 0 err, 1 warn, 2 info (default), 3 debug");

struct vgpu_mdev_parent *vgpu_mdev_rgpu;
static struct class *vgpu_mdev_class;
static struct mdev_driver vgpu_mdev_driver;

/* ------------------------------------------------------------ mdev driver */
static int vgpu_mdev_probe(struct mdev_device *mdev)
{
	struct vgpu_mdev *md;
	int rc;

	md = vfio_alloc_device(vgpu_mdev, vdev, &mdev->dev, &vgpu_mdev_vfio_ops);
	if (IS_ERR(md))
		return PTR_ERR(md);
	rc = vfio_register_emulated_iommu_dev(&md->vdev);
	if (rc) {
		vfio_put_device(&md->vdev);
		return rc;
	}
	dev_set_drvdata(&mdev->dev, md);
	return 0;
}

static void vgpu_mdev_remove(struct mdev_device *mdev)
{
	struct vgpu_mdev *md = dev_get_drvdata(&mdev->dev);

	/* Waits for the last user to close the device (see vgpu_mdev_request). */
	vfio_unregister_group_dev(&md->vdev);
	vfio_put_device(&md->vdev);
}

static unsigned int vgpu_mdev_get_available(struct mdev_type *mtype)
{
	const struct vgpu_type *t = vgpu_parent_find_type(vgpu_mdev_rgpu->core, mtype->sysfs_name);

	return t ? vgpu_type_available_instances(vgpu_mdev_rgpu->core, t) : 0;
}

static ssize_t vgpu_mdev_show_description(struct mdev_type *mtype, char *buf)
{
	const struct vgpu_type *t = vgpu_parent_find_type(vgpu_mdev_rgpu->core, mtype->sysfs_name);

	if (!t)
		return -ENODEV;
	/* The core's description already names the resources. */
	return sysfs_emit(buf, "%s\n", t->description);
}

static struct mdev_driver vgpu_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "vgpu_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vgpu_mdev_probe,
	.remove = vgpu_mdev_remove,
	.get_available = vgpu_mdev_get_available,
	.show_description = vgpu_mdev_show_description,
};

/* ------------------------------------------------------------ parent */
static void vgpu_mdev_parent_release(struct device *dev)
{
	struct vgpu_mdev_parent *p = container_of(dev, struct vgpu_mdev_parent, dev);

	kfree(p);
}

static ssize_t usage_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vgpu_mdev_parent *p = container_of(dev, struct vgpu_mdev_parent, dev);
	struct vgpu_parent_usage u;

	vgpu_parent_usage(p->core, &u);
	return sysfs_emit(buf, "instances %u\ngm %llu/%llu MiB free\n"
			  "weight %u/%u free\npipes %u/%u free\n", u.instances,
			  (unsigned long long)(u.gm_free >> 20),
			  (unsigned long long)(u.gm_total >> 20), u.weight_free, u.weight_total,
			  u.pipes_free, u.pipes_total);
}
static DEVICE_ATTR_RO(usage);

static struct attribute *vgpu_mdev_parent_attrs[] = {
	&dev_attr_usage.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vgpu_mdev_parent);

static int __init vgpu_mdev_init(void)
{
	struct vgpu_parent_config cfg;
	struct vgpu_parent *core;
	unsigned int i;
	int rc;

	os_log_set_level((enum os_log_level)clamp(log_level, 0, 3));
	vgpu_parent_default_config(&cfg);
	cfg.name = VGPU_MDEV_PARENT_NAME;
	/* The physical GPU the vGPUs share: the software engine. */
	cfg.pgpu = pgpu_sw_create(cfg.gm_size);
	if (!cfg.pgpu)
		return -ENOMEM;
	rc = vgpu_parent_create(&cfg, &core);
	if (rc) {
		pr_err("creating the reference GPU failed: %d\n", rc);
		return rc;
	}
	vgpu_mdev_rgpu = kzalloc(sizeof(*vgpu_mdev_rgpu), GFP_KERNEL);
	if (!vgpu_mdev_rgpu) {
		rc = -ENOMEM;
		goto err_core;
	}
	vgpu_mdev_rgpu->core = core;
	vgpu_mdev_rgpu->nr_types = min_t(unsigned int, vgpu_parent_num_types(core),
					 VGPU_MDEV_MAX_TYPES);
	for (i = 0; i < vgpu_mdev_rgpu->nr_types; i++) {
		const struct vgpu_type *t = vgpu_parent_type(core, i);

		vgpu_mdev_rgpu->types[i].sysfs_name = t->name;
		vgpu_mdev_rgpu->types[i].pretty_name = t->name;
		vgpu_mdev_rgpu->type_ptrs[i] = &vgpu_mdev_rgpu->types[i];
	}

	rc = mdev_register_driver(&vgpu_mdev_driver);
	if (rc)
		goto err_free;
	vgpu_mdev_class = class_create(THIS_MODULE, VGPU_MDEV_CLASS_NAME);
	if (IS_ERR(vgpu_mdev_class)) {
		rc = PTR_ERR(vgpu_mdev_class);
		goto err_driver;
	}
	vgpu_mdev_rgpu->dev.class = vgpu_mdev_class;
	vgpu_mdev_rgpu->dev.release = vgpu_mdev_parent_release;
	vgpu_mdev_rgpu->dev.groups = vgpu_mdev_parent_groups;
	dev_set_name(&vgpu_mdev_rgpu->dev, VGPU_MDEV_PARENT_NAME);
	rc = device_register(&vgpu_mdev_rgpu->dev);
	if (rc) {
		put_device(&vgpu_mdev_rgpu->dev);	/* its release frees it */
		goto err_class;
	}
	rc = mdev_register_parent(&vgpu_mdev_rgpu->mdev_parent, &vgpu_mdev_rgpu->dev,
				  &vgpu_mdev_driver, vgpu_mdev_rgpu->type_ptrs,
				  vgpu_mdev_rgpu->nr_types);
	if (rc) {
		device_unregister(&vgpu_mdev_rgpu->dev);
		goto err_class;
	}
	pr_info("parent %s: reference GPU with %u vGPU types (mdev types %s-*)\n",
		VGPU_MDEV_PARENT_NAME, vgpu_mdev_rgpu->nr_types, VGPU_MDEV_CLASS_NAME);
	return 0;

err_class:
	vgpu_mdev_rgpu = NULL;		/* freed by the device release */
	class_destroy(vgpu_mdev_class);
err_driver:
	mdev_unregister_driver(&vgpu_mdev_driver);
err_free:
	kfree(vgpu_mdev_rgpu);
err_core:
	vgpu_parent_destroy(core);
	return rc;
}

static void __exit vgpu_mdev_exit(void)
{
	struct vgpu_parent *core = vgpu_mdev_rgpu->core;

	/*
	 * Removes every instance (open ones keep the module pinned, so rmmod
	 * is refused with "in use" before we get here), then the parent.
	 */
	mdev_unregister_parent(&vgpu_mdev_rgpu->mdev_parent);
	device_unregister(&vgpu_mdev_rgpu->dev);
	class_destroy(vgpu_mdev_class);
	mdev_unregister_driver(&vgpu_mdev_driver);
	if (vgpu_parent_destroy(core))
		pr_err("reference GPU still has instances at unload\n");
}

module_init(vgpu_mdev_init);
module_exit(vgpu_mdev_exit);

/* The write trackers, KVM's and Xen's (modprobe loads them after us; one
 * that cannot load, e.g. Xen's outside a dom0, is skipped, and instances no
 * tracker serves run without write tracking). */
MODULE_SOFTDEP("post: vgpu_mdev_kvm vgpu_mdev_xen");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated vGPU (reference GPU) for VFIO on KVM and Xen");
MODULE_AUTHOR("vgpu project");
