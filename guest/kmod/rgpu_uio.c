// SPDX-License-Identifier: GPL-2.0
/*
 * rgpu_uio.c - the reference GPU's interrupt, delivered to a guest's user
 * space through UIO.
 *
 * The guest test program (vgpu-guest) drives the device from user space:
 * BAR0 through sysfs resource0, DMA pages from /proc/self/pagemap.  What
 * user space cannot do alone is take an interrupt.  This driver binds to
 * 1234:6770, enables MSI (or, with intx=1 or when MSI is unavailable,
 * uses INTA#) and counts interrupts on /dev/uioN: read() blocks for the
 * next one and returns the running count; write(1) re-enables a masked
 * INTx line.  It never touches BAR0 (and does not claim it, so the sysfs
 * resource0 mapping stays allowed under CONFIG_IO_STRICT_DEVMEM): user
 * space reads and acknowledges IIR itself.
 *
 * MSI is edge-triggered: the handler has nothing to quiesce.  INTA# is a
 * level: the handler masks it with the command register's INTx-disable
 * bit once the status register says the function is asserting it (the
 * protocol of uio_pci_generic), and user space unmasks it with write(1)
 * after acknowledging IIR.
 *
 * On Xen, with a grant table, the module also provides /dev/rgpu-grant
 * (ABI: guest/rgpu_grant.h): user space grants dom0 access to pages of its
 * own memory and gets grant references back, so vgpu-guest can hand the
 * device grant DMA addresses (bit 63 | gref << 12) instead of guest
 * physical ones.  Elsewhere (the KVM path's L2 guest) the device is not
 * created and the module is the interrupt driver alone.
 */
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio_driver.h>
#include <linux/xarray.h>
#ifdef CONFIG_XEN
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#endif

#include "rgpu_grant.h"

#define RGPU_VENDOR 0x1234
#define RGPU_DEVICE 0x6770

static bool intx;
module_param(intx, bool, 0444);
MODULE_PARM_DESC(intx, "use INTA# even when MSI is available (default: MSI)");

struct rgpu_uio {
	struct uio_info info;
	struct pci_dev *pdev;
	bool msi;
};

static irqreturn_t rgpu_uio_irq(int irq, struct uio_info *info)
{
	struct rgpu_uio *r = container_of(info, struct rgpu_uio, info);

	if (r->msi)
		return IRQ_HANDLED;
	/* Shared line: only claim it when our function is asserting it. */
	return pci_check_and_mask_intx(r->pdev) ? IRQ_HANDLED : IRQ_NONE;
}

static int rgpu_uio_irqcontrol(struct uio_info *info, s32 on)
{
	struct rgpu_uio *r = container_of(info, struct rgpu_uio, info);

	if (!r->msi)
		pci_intx(r->pdev, !!on);
	return 0;
}

static int rgpu_uio_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct rgpu_uio *r;
	unsigned int flags = intx ? PCI_IRQ_LEGACY : PCI_IRQ_MSI | PCI_IRQ_LEGACY;
	int rc;

	r = devm_kzalloc(&pdev->dev, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return dev_err_probe(&pdev->dev, rc, "cannot enable the function\n");
	pci_set_master(pdev);
	rc = pci_alloc_irq_vectors(pdev, 1, 1, flags);
	if (rc < 0)
		return dev_err_probe(&pdev->dev, rc, "no interrupt (MSI or INTx)\n");
	r->pdev = pdev;
	r->msi = pdev->msi_enabled;
	if (!r->msi && !pci_intx_mask_supported(pdev)) {
		dev_err(&pdev->dev, "INTx masking not supported: cannot share the line\n");
		rc = -ENODEV;
		goto free_vectors;
	}
	r->info.name = "rgpu_uio";
	r->info.version = r->msi ? "msi" : "intx";
	r->info.irq = pci_irq_vector(pdev, 0);
	r->info.irq_flags = r->msi ? 0 : IRQF_SHARED;
	r->info.handler = rgpu_uio_irq;
	r->info.irqcontrol = rgpu_uio_irqcontrol;
	rc = uio_register_device(&pdev->dev, &r->info);
	if (rc)
		goto free_vectors;
	pci_set_drvdata(pdev, r);
	dev_info(&pdev->dev, "rgpu_uio: interrupts by %s (irq %ld)\n",
		 r->msi ? "MSI" : "INTx", r->info.irq);
	return 0;

free_vectors:
	pci_free_irq_vectors(pdev);
	return rc;
}

static void rgpu_uio_remove(struct pci_dev *pdev)
{
	struct rgpu_uio *r = pci_get_drvdata(pdev);

	uio_unregister_device(&r->info);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id rgpu_uio_ids[] = {
	{ PCI_DEVICE(RGPU_VENDOR, RGPU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, rgpu_uio_ids);

static struct pci_driver rgpu_uio_driver = {
	.name = "rgpu_uio",
	.id_table = rgpu_uio_ids,
	.probe = rgpu_uio_probe,
	.remove = rgpu_uio_remove,
};

/* ------------------------------------------------------------ grants */
#ifdef CONFIG_XEN
static unsigned int max_grants = 4096;
module_param(max_grants, uint, 0644);
MODULE_PARM_DESC(max_grants, "grants one open /dev/rgpu-grant may hold (default 4096: 16 MiB)");

/* The grant-table API must not be used before the table is set up: PV and
 * PVH domains have it from boot, an HVM domain once the driver of the Xen
 * platform PCI device probed (its probe sets the table up, and fails
 * otherwise). */
static bool rgpu_grant_table_ready(void)
{
	struct pci_dev *pdev;
	bool ready = false;

	if (!xen_domain())
		return false;
	if (xen_pv_domain() || xen_pvh_domain())
		return true;
	/* 5853:0001, or 5853:0002 on some XenServer versions. */
	for (pdev = NULL; !ready &&
	     (pdev = pci_get_device(PCI_VENDOR_ID_XEN, PCI_ANY_ID, pdev));) {
		struct pci_driver *drv = pci_dev_driver(pdev);

		ready = drv && !strcmp(drv->name, "xen-platform-pci");
	}
	pci_dev_put(pdev);
	return ready;
}

struct rgpu_grant {
	grant_ref_t ref;
	struct page *page;
};

/* One open file: the grants it holds, by reference. */
struct rgpu_grant_file {
	struct mutex lock;
	struct xarray grants;
	unsigned int count;
};

/* Ends dom0's access to g's page and lets go of the page.  If dom0 still
 * maps it (the device holds it), the grant table ends access once dom0
 * unmaps it, holding a page reference of its own until then.  True when
 * access ended at once. */
static bool rgpu_grant_end(struct rgpu_grant *g)
{
	bool now = gnttab_try_end_foreign_access(g->ref);

	if (!now)
		gnttab_end_foreign_access(g->ref, NULL);
	unpin_user_page(g->page);
	kfree(g);
	return now;
}

static int rgpu_grant_open(struct inode *inode, struct file *file)
{
	struct rgpu_grant_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xa_init(&f->grants);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int rgpu_grant_release(struct inode *inode, struct file *file)
{
	struct rgpu_grant_file *f = file->private_data;
	unsigned int deferred = 0;
	struct rgpu_grant *g;
	unsigned long ref;

	xa_for_each(&f->grants, ref, g)
		deferred += !rgpu_grant_end(g);
	if (deferred)
		pr_info("rgpu_grant: %u grants still mapped by dom0 at close: their access ends when dom0 unmaps them\n",
			deferred);
	xa_destroy(&f->grants);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static long rgpu_grant_add(struct rgpu_grant_file *f, struct rgpu_grant_req *req)
{
	struct rgpu_grant *g;
	struct page *page;
	int rc;

	if (req->flags || req->gref || !req->va || !PAGE_ALIGNED(req->va) ||
	    req->va > TASK_SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	if (f->count >= READ_ONCE(max_grants))
		return -ENOSPC;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	/* Long-term, writable: the page stays where the grant says while
	 * dom0 may access it (never migrated, swapped or copied on write). */
	rc = pin_user_pages_fast(req->va, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	if (rc != 1) {
		kfree(g);
		return rc < 0 ? rc : -EFAULT;
	}
	rc = gnttab_grant_foreign_access(0, xen_page_to_gfn(page), 0);
	if (rc < 0) {
		unpin_user_page(page);
		kfree(g);
		return rc;
	}
	g->ref = rc;
	g->page = page;
	rc = xa_insert(&f->grants, g->ref, g, GFP_KERNEL);
	if (rc) {
		/* Nobody knows the reference yet: access ends at once. */
		rgpu_grant_end(g);
		return rc == -EBUSY ? -EEXIST : rc;
	}
	f->count++;
	req->gref = g->ref;
	return 0;
}

static long rgpu_grant_remove(struct rgpu_grant_file *f, struct rgpu_grant_req *req)
{
	struct rgpu_grant *g;

	if (req->flags || req->va)
		return -EINVAL;
	g = xa_erase(&f->grants, req->gref);
	if (!g)
		return -ENOENT;
	f->count--;
	req->flags = rgpu_grant_end(g) ? 0 : RGPU_GRANT_DEFERRED;
	return 0;
}

static long rgpu_grant_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct rgpu_grant_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct rgpu_grant_req req;
	long rc;

	if (cmd != RGPU_GRANT_IOC_GRANT && cmd != RGPU_GRANT_IOC_UNGRANT)
		return -ENOTTY;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	mutex_lock(&f->lock);
	if (cmd == RGPU_GRANT_IOC_GRANT)
		rc = rgpu_grant_add(f, &req);
	else
		rc = rgpu_grant_remove(f, &req);
	mutex_unlock(&f->lock);
	if (!rc && copy_to_user(uarg, &req, sizeof(req))) {
		/* The caller cannot learn the reference: take the grant back. */
		if (cmd == RGPU_GRANT_IOC_GRANT) {
			req.va = 0;
			mutex_lock(&f->lock);
			rgpu_grant_remove(f, &req);
			mutex_unlock(&f->lock);
		}
		rc = -EFAULT;
	}
	return rc;
}

static const struct file_operations rgpu_grant_fops = {
	.owner = THIS_MODULE,
	.open = rgpu_grant_open,
	.release = rgpu_grant_release,
	.unlocked_ioctl = rgpu_grant_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice rgpu_grant_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rgpu-grant",
	.fops = &rgpu_grant_fops,
	.mode = 0600,
};
static bool rgpu_grant_registered;

static int rgpu_grant_init(void)
{
	int rc;

	if (!rgpu_grant_table_ready())
		return 0;
	rc = misc_register(&rgpu_grant_dev);
	if (rc)
		return rc;
	rgpu_grant_registered = true;
	pr_info("rgpu_grant: /dev/rgpu-grant: grants to dom0 for user space\n");
	return 0;
}

static void rgpu_grant_exit(void)
{
	if (rgpu_grant_registered)
		misc_deregister(&rgpu_grant_dev);
}
#else
static int rgpu_grant_init(void)
{
	return 0;
}

static void rgpu_grant_exit(void)
{
}
#endif /* CONFIG_XEN */

static int __init rgpu_uio_init(void)
{
	int rc = pci_register_driver(&rgpu_uio_driver);

	if (rc)
		return rc;
	rc = rgpu_grant_init();
	if (rc)
		pci_unregister_driver(&rgpu_uio_driver);
	return rc;
}
module_init(rgpu_uio_init);

static void __exit rgpu_uio_exit(void)
{
	rgpu_grant_exit();
	pci_unregister_driver(&rgpu_uio_driver);
}
module_exit(rgpu_uio_exit);

MODULE_DESCRIPTION("Reference GPU interrupts for user space (UIO), and grants on Xen, for guest tests");
MODULE_LICENSE("GPL");
