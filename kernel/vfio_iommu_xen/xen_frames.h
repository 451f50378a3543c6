/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_frames.h - map one 4 KiB guest frame into the PV dom0 kernel, by
 * guest frame number (foreign mapping) or by grant reference, unmap it,
 * and report dom0 writes to Xen's log-dirty.  xen_frames.c is the only
 * file of the module that talks to Xen.
 */
#ifndef VIX_XEN_FRAMES_H
#define VIX_XEN_FRAMES_H

#include <linux/mm.h>
#include <linux/types.h>
#include <xen/grant_table.h>
#include <xen/interface/xen.h>

enum vix_frame_kind {
	VIX_FRAME_NONE,
	VIX_FRAME_FOREIGN,	/* guest frame by gfn, mmu_update + foreigndom */
	VIX_FRAME_GRANT,	/* grant reference, gnttab_map_refs */
};

/*
 * A dom0 page (with a struct page and a permanent kernel address) whose
 * direct-map PTE points at a guest frame.
 */
struct vix_frame {
	struct page *page;
	enum vix_frame_kind kind;
	bool writable;
	domid_t domid;		/* the guest, for messages */
	grant_handle_t handle;	/* grant only */
};

static inline void *vix_frame_va(const struct vix_frame *f)
{
	return page_address(f->page);
}

int vix_frame_map_foreign(struct vix_frame *f, domid_t domid, u64 gfn);
int vix_frame_map_grant(struct vix_frame *f, domid_t domid, grant_ref_t ref,
			bool writable);

/*
 * Unmapping costs a TLB flush on every CPU; a batch clears up to
 * VIX_UNMAP_BATCH foreign PTEs with one mmu_update and one flush.  A frame
 * added to a batch is unusable at once (its p2m entry is reset); it is
 * gone from the guest's point of view after vix_unmap_flush().
 */
#define VIX_UNMAP_BATCH	16

struct vix_unmap_batch {
	unsigned int n;
	domid_t domid;		/* of the last frame added, for messages */
	struct page *pages[VIX_UNMAP_BATCH];
	struct mmu_update req[VIX_UNMAP_BATCH];
};

static inline void vix_unmap_batch_init(struct vix_unmap_batch *b)
{
	b->n = 0;
	b->domid = DOMID_INVALID;
}

void vix_frame_unmap(struct vix_frame *f, struct vix_unmap_batch *b);
void vix_unmap_flush(struct vix_unmap_batch *b);

void vix_report_modified(domid_t domid, u64 first_gfn, u32 nr);

#endif /* VIX_XEN_FRAMES_H */
