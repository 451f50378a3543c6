/*
 * rgpu_linux.h - struct rgpu_platform inside a Linux guest, without a
 * kernel driver: the PCI function through sysfs, BAR0 through an mmap of
 * its resource0 file, DMA pages as locked anonymous memory whose guest
 * physical addresses come from /proc/self/pagemap.
 *
 * Needs root (pagemap hides PFNs from others, resource0 and config need
 * CAP_SYS_ADMIN) and a guest without an IOMMU in front of the device: the
 * addresses handed to the device are guest physical addresses.
 *
 * Interrupts: when the guest's rgpu_uio driver (guest/kmod/) is bound to
 * the function, the platform's wait_irq sleeps on its /dev/uioN until the
 * device's MSI (or INTA#) arrives and counts them; without it, waits poll
 * registers (each read a trapped access).
 *
 * DMA by grant (RGPU_DMA_GRANT, Xen guests only): every DMA page is also
 * granted to dom0 through rgpu_uio's /dev/rgpu-grant (guest/rgpu_grant.h)
 * and the device gets its grant address, 1 << 63 | gref << 12, as Linux's
 * grant DMA ops encode it, instead of its guest physical address.  The
 * grants end when the pages are freed (and, at the latest, when the
 * platform is closed).
 */
#ifndef RGPU_LINUX_H
#define RGPU_LINUX_H

#include <stddef.h>
#include "rgpu_guest.h"

enum rgpu_dma_mode {
    RGPU_DMA_PHYS = 0,          /* guest physical addresses (pagemap): the default */
    RGPU_DMA_GRANT,             /* grant addresses from /dev/rgpu-grant */
};

struct rgpu_linux {
    char dir[300];              /* /sys/bus/pci/devices/<sbdf> */
    int res_fd, cfg_fd, pagemap_fd;
    volatile unsigned char *bar0;
    size_t bar0_size;
    u64 bar0_phys;              /* from the resource file, for messages */
    /* Trapped accesses made through the platform (each costs a VM exit and
     * a round trip to the device model). */
    u64 mmio_reads, mmio_writes;
    size_t pages_allocated;
    /* Interrupts through rgpu_uio: its /dev/uioN (-1: none bound), how the
     * driver takes them ("msi", "intx") and how many arrived since open. */
    int uio_fd;
    char irq_mode[8];
    u64 irqs;
    u32 irq_base;               /* the driver's event count at open */
    char uio_dir[600];          /* <dir>/uio/uioN */
    /* How DMA pages are addressed; in grant mode /dev/rgpu-grant, the
     * grants made and ended since open, how many are held now and at most,
     * and how many ends the guest kernel had to defer because dom0 still
     * mapped the page. */
    enum rgpu_dma_mode dma_mode;
    int grant_fd;
    u64 grants, ungrants, grants_deferred;
    u64 grants_live, grants_peak;
    char err[256];              /* why rgpu_linux_open failed */
};

/*
 * Find the function (sbdf "0000:00:05.0", or NULL: the first 1234:6770),
 * enable it, turn on memory decode + bus mastering (and, unless rgpu_uio
 * owns the interrupt, INTx disable: nothing would handle the line), map
 * BAR0, open rgpu_uio's /dev/uioN if bound, and fill *plat.
 * 0 or -errno with l->err set.
 */
int rgpu_linux_open(struct rgpu_linux *l, const char *sbdf, struct rgpu_platform *plat);
/* The same with the DMA addressing chosen (rgpu_linux_open: RGPU_DMA_PHYS,
 * or RGPU_DMA_GRANT when the environment has RGPU_DMA=grant).  Grant mode
 * needs /dev/rgpu-grant (rgpu_uio loaded in a Xen guest). */
int rgpu_linux_open_dma(struct rgpu_linux *l, const char *sbdf, enum rgpu_dma_mode mode,
                        struct rgpu_platform *plat);
void rgpu_linux_close(struct rgpu_linux *l);
/* "phys" or "grant". */
const char *rgpu_linux_dma_name(enum rgpu_dma_mode mode);

/* Refresh l->irqs from the driver's event count (sysfs): interrupts the
 * guest kernel took, whether or not anybody slept on them.  0 or -errno. */
int rgpu_linux_irq_update(struct rgpu_linux *l);

/* Guest physical address of a mapped, resident address (pagemap), in
 * either DMA mode (e.g. for the tracked page, which is named by its guest
 * physical address). */
int rgpu_linux_virt_to_phys(struct rgpu_linux *l, const void *va, u64 *pa);

/* 16-bit config space access through sysfs (not trapped by BAR0). */
int rgpu_linux_cfg_read16(struct rgpu_linux *l, unsigned int off, u16 *val);
int rgpu_linux_cfg_write16(struct rgpu_linux *l, unsigned int off, u16 val);

#endif /* RGPU_LINUX_H */
