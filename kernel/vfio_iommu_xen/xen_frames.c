// SPDX-License-Identifier: GPL-2.0
/*
 * xen_frames.c - one 4 KiB guest frame in the PV dom0 kernel.
 *
 * Foreign frames (by guest frame number) follow the recipe measured in the
 * rig (shared/vfio-on-xen.md, sections 3 and 6): an unpopulated page has a
 * 4 KiB direct-map PTE that is empty and a p2m entry that is INVALID; one
 * mmu_update with foreigndom = the guest rewrites that PTE to the guest's
 * frame (Xen translates the gfn and takes a reference on the page), and
 * the p2m entry then records FOREIGN_FRAME(mfn), as gnttab_map_refs does
 * for grant mappings, so that pfn_to_mfn()/page_to_phys() users (a DMA
 * map of the pinned page, virt_to_machine) see the real machine frame.
 * privcmd's xen_remap_pfn skips the p2m because its PTEs are user
 * mappings without a struct page; ours hand a struct page to mdev drivers.
 *
 * Grant references use the grant-table API (gnttab_map_refs fixes the p2m
 * itself).  Every error leaves the PTE and the p2m as they were.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/grant_table.h>
#include <xen/xen.h>

#include "vix.h"
#include "xen_dmop.h"

/* The direct-map PTE of a page we got from the unpopulated pool. */
static pte_t *frame_ptep(struct page *page)
{
	unsigned int level;
	pte_t *ptep;

	ptep = lookup_address((unsigned long)page_address(page), &level);
	if (!ptep || level != PG_LEVEL_4K)
		return NULL;
	return ptep;
}

int vix_frame_map_foreign(struct vix_frame *f, domid_t domid, u64 gfn)
{
	struct mmu_update req;
	struct page *page;
	unsigned long pfn;
	pte_t *ptep;
	int done = 0;
	int rc;

	if (gfn >= (VIX_GPA_LIMIT >> PAGE_SHIFT))
		return -EINVAL;

	rc = xen_alloc_unpopulated_pages(1, &page);
	if (rc)
		return rc;

	/*
	 * The recipe needs a 4 KiB PTE that maps nothing and a p2m slot
	 * that is INVALID; anything else means the page is not what we
	 * think it is: refuse rather than overwrite.
	 */
	pfn = page_to_pfn(page);
	ptep = frame_ptep(page);
	if (!ptep || pte_val_ma(*ptep) || pfn >= xen_p2m_size ||
	    READ_ONCE(xen_p2m_addr[pfn]) != INVALID_P2M_ENTRY) {
		vix_warn(domid, "unpopulated page pfn %#lx is not empty\n", pfn);
		rc = -EIO;
		goto err_free;
	}

	req.ptr = arbitrary_virt_to_machine(ptep).maddr | MMU_NORMAL_PT_UPDATE;
	req.val = pte_val_ma(mfn_pte(gfn, PAGE_KERNEL));
	rc = HYPERVISOR_mmu_update(&req, 1, &done, domid);
	if (rc < 0 || done != 1) {
		/* -ESRCH: no such domain; -EINVAL: no page at gfn, or dying */
		rc = rc < 0 ? rc : -EIO;
		goto err_free;
	}

	/* Read the raw PTE: pte_val() would translate the mfn through the m2p. */
	WRITE_ONCE(xen_p2m_addr[pfn], FOREIGN_FRAME(pte_mfn(*ptep)));

	f->page = page;
	f->kind = VIX_FRAME_FOREIGN;
	f->writable = true;
	f->domid = domid;
	f->handle = 0;
	atomic_long_inc(&vix_stats.foreign_frames);
	return 0;

err_free:
	xen_free_unpopulated_pages(1, &page);
	return rc;
}

static int gntst_to_errno(int16_t status)
{
	switch (status) {
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
	case GNTST_bad_page:
		return -EINVAL;
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_eagain:
		return -EAGAIN;
	default:
		return -EFAULT;
	}
}

int vix_frame_map_grant(struct vix_frame *f, domid_t domid, grant_ref_t ref,
			bool writable)
{
	u32 flags = GNTMAP_host_map | (writable ? 0 : GNTMAP_readonly);
	struct gnttab_map_grant_ref op;
	struct page *page;
	int rc;

	rc = gnttab_alloc_pages(1, &page);
	if (rc)
		return rc;

	gnttab_set_map_op(&op, (unsigned long)page_address(page), flags, ref,
			  domid);
	rc = gnttab_map_refs(&op, NULL, &page, 1);
	if (!rc && op.status != GNTST_okay)
		rc = gntst_to_errno(op.status);
	if (rc) {
		/* Nothing is mapped: a failed slot is never left mapped. */
		gnttab_free_pages(1, &page);
		return rc;
	}

	f->page = page;
	f->kind = VIX_FRAME_GRANT;
	f->writable = writable;
	f->domid = domid;
	f->handle = op.handle;
	atomic_long_inc(&vix_stats.grant_pages);
	atomic_long_inc(&vix_stats.grant_maps_total);
	return 0;
}

static void unmap_grant(struct vix_frame *f)
{
	u32 flags = GNTMAP_host_map | (f->writable ? 0 : GNTMAP_readonly);
	struct gntab_unmap_queue_data q = {};
	struct gnttab_unmap_grant_ref op;
	int rc;

	gnttab_set_unmap_op(&op, (unsigned long)page_address(f->page), flags,
			    f->handle);
	q.unmap_ops = &op;
	q.kunmap_ops = NULL;
	q.pages = &f->page;
	q.count = 1;
	rc = gnttab_unmap_refs_sync(&q);
	if (rc) {
		/* Still mapped: keep the page out of the pool (and counted). */
		vix_warn(f->domid, "grant unmap failed (%d), page leaked\n", rc);
		return;
	}
	gnttab_free_pages(1, &f->page);
	atomic_long_dec(&vix_stats.grant_pages);
}

/*
 * Clear the queued PTEs, flush every CPU's TLB once, then return the pages
 * to the pool.  A PTE Xen refuses to clear still maps the guest frame: that
 * page is leaked on purpose (stays counted in foreign_frames) rather than
 * reused while it points into the guest.
 */
void vix_unmap_flush(struct vix_unmap_batch *b)
{
	struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_ALL };
	unsigned int i = 0, freed = 0;
	int done, rc;

	if (!b->n)
		return;

	while (i < b->n) {
		done = 0;
		rc = HYPERVISOR_mmu_update(&b->req[i], b->n - i, &done,
					   DOMID_SELF);
		i += done;
		if (i >= b->n)
			break;
		if (rc >= 0 && done)
			continue;
		/* Entry i failed (or made no progress): skip it. */
		vix_warn(b->domid,
			 "clearing PTE of pfn %#lx failed (%d), page leaked\n",
			 page_to_pfn(b->pages[i]), rc);
		b->pages[i] = NULL;
		i++;
	}

	rc = HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF);
	if (rc < 0) {
		/* Not expected; without the flush no page may be reused. */
		vix_warn(b->domid, "TLB flush failed (%d), %u pages leaked\n",
			 rc, b->n);
		b->n = 0;
		return;
	}

	for (i = 0; i < b->n; i++) {
		if (!b->pages[i])
			continue;
		xen_free_unpopulated_pages(1, &b->pages[i]);
		freed++;
	}
	atomic_long_sub(freed, &vix_stats.foreign_frames);
	b->n = 0;
}

void vix_frame_unmap(struct vix_frame *f, struct vix_unmap_batch *b)
{
	struct vix_unmap_batch one;
	unsigned long pfn;
	pte_t *ptep;

	if (f->kind == VIX_FRAME_GRANT) {
		unmap_grant(f);
		goto out;
	}
	if (f->kind != VIX_FRAME_FOREIGN)
		goto out;

	if (!b) {
		vix_unmap_batch_init(&one);
		b = &one;
	}

	/* First nobody may translate the pfn to the guest's frame any more. */
	pfn = page_to_pfn(f->page);
	WRITE_ONCE(xen_p2m_addr[pfn], INVALID_P2M_ENTRY);

	ptep = frame_ptep(f->page);	/* checked non-NULL at map time */
	b->req[b->n].ptr = arbitrary_virt_to_machine(ptep).maddr |
			   MMU_NORMAL_PT_UPDATE;
	b->req[b->n].val = 0;
	b->pages[b->n] = f->page;
	b->domid = f->domid;
	b->n++;
	if (b == &one || b->n == VIX_UNMAP_BATCH)
		vix_unmap_flush(b);
out:
	f->page = NULL;
	f->kind = VIX_FRAME_NONE;
}

/*
 * Writes through a dom0 mapping are invisible to Xen's log-dirty: tell it.
 * Xen ignores the report when log-dirty is off; errors other than "not
 * supported" or "no such domain" (it is being destroyed) are counted.
 */
void vix_report_modified(domid_t domid, u64 first_gfn, u32 nr)
{
	struct xen_dm_op_modified_memory_extent ext = {
		.nr = nr,
		.first_pfn = first_gfn,
	};
	struct xen_dm_op op = { .op = XEN_DMOP_modified_memory };
	struct xen_dm_op_buf bufs[2];
	int rc;

	if (!nr)
		return;
	op.u.modified_memory.nr_extents = 1;
	set_xen_guest_handle(bufs[0].h, &op);
	bufs[0].size = sizeof(op);
	set_xen_guest_handle(bufs[1].h, &ext);
	bufs[1].size = sizeof(ext);

	rc = HYPERVISOR_dm_op(domid, ARRAY_SIZE(bufs), bufs);
	if (rc && rc != -EOPNOTSUPP && rc != -ENOSYS && rc != -ESRCH)
		vix_warn(domid, "modified_memory gfn %#llx+%u: %d\n",
			 first_gfn, nr, rc);
}
