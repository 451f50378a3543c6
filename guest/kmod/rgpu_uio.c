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
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uio_driver.h>

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
module_pci_driver(rgpu_uio_driver);

MODULE_DESCRIPTION("Reference GPU interrupts for user space (UIO), for guest tests");
MODULE_LICENSE("GPL");
