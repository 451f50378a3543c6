/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * rgpu_grant.h - the ABI of /dev/rgpu-grant, the guest kernel's grant
 * facility for user space (guest/kmod/rgpu_uio.c; used by the guest
 * library's grant DMA mode, guest/rgpu_linux.c).
 *
 * In a Xen guest with a grant table, rgpu_uio also creates the misc device
 * /dev/rgpu-grant.  Through it a process grants dom0 (domid 0) read/write
 * access to pages of its own memory and gets their grant references back,
 * to hand the device grant DMA addresses as Linux's grant DMA ops encode
 * them (drivers/xen/grant-dma-ops.c):
 *
 *     DMA address = 1 << 63 | gref << 12 (| offset in the page)
 *
 * RGPU_GRANT_IOC_GRANT   in: va (page-aligned, mapped writable in the
 *                        caller), gref 0, flags 0.  The page is pinned,
 *                        granted, and gref returned.  EINVAL (bad va,
 *                        nonzero gref or flags), EFAULT (va not backed
 *                        by ordinary memory),
 *                        ENOSPC (this fd holds max_grants grants, or the
 *                        grant table is full).
 * RGPU_GRANT_IOC_UNGRANT in: gref (one this fd granted), va 0, flags 0.
 *                        Access ends and the page is unpinned; if dom0 still maps
 *                        the page, flags returns RGPU_GRANT_DEFERRED: the
 *                        guest kernel ends access when dom0 unmaps it and
 *                        keeps the page allocated until then.  ENOENT for
 *                        a gref this fd does not hold.
 *
 * Closing the fd ends every grant it still holds the same way.  Without
 * Xen (or without a grant table: an HVM guest without the Xen platform PCI
 * device) the device does not exist.
 */
#ifndef RGPU_GRANT_H
#define RGPU_GRANT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RGPU_GRANT_DEVICE "/dev/rgpu-grant"
#define RGPU_GRANT_DMA_BIT (1ull << 63)

struct rgpu_grant_req {
	__u64 va;               /* GRANT: page-aligned user address */
	__u32 gref;             /* GRANT: out; UNGRANT: in */
	__u32 flags;            /* in: 0; UNGRANT out: RGPU_GRANT_DEFERRED */
};

#define RGPU_GRANT_DEFERRED 1u

#define RGPU_GRANT_IOC_MAGIC 'G'
#define RGPU_GRANT_IOC_GRANT _IOWR(RGPU_GRANT_IOC_MAGIC, 0x40, struct rgpu_grant_req)
#define RGPU_GRANT_IOC_UNGRANT _IOWR(RGPU_GRANT_IOC_MAGIC, 0x41, struct rgpu_grant_req)

#endif /* RGPU_GRANT_H */
