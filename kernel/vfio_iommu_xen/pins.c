// SPDX-License-Identifier: GPL-2.0
/*
 * pins.c - the guest frames a container holds mapped.
 *
 * IOVA == guest-physical address (xenfv has no vIOMMU), except addresses
 * with bit 63 set, which are grant references.  A guest frame may be
 * touched only inside a MAP_DMA range with the right permission -- Xen
 * would map any gfn backed by a page, MMIO and grant-table frames too --
 * while a grant carries its own authority, checked by Xen.
 *
 * Pins live in c->pins, an xarray keyed by iova page: one mapping per
 * page, shared by refcount, unmapped when the count drops to zero.
 * dma_rw copies through a pin when there is one, else through a small
 * cache of recently mapped guest frames (grants are mapped for the copy
 * only: a guest must be able to end access to a grant it has not handed
 * to a pin).  Everything here runs under c->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vix.h"

/* [iova, iova + len) must not wrap nor mix guest memory with grants. */
static int check_span(u64 iova, u64 len)
{
	u64 last;

	if (!len || check_add_overflow(iova, len - 1, &last))
		return -EINVAL;
	if (vix_is_grant(iova) != vix_is_grant(last))
		return -EINVAL;
	return 0;
}

static grant_ref_t iova_to_gref(u64 iova)
{
	return (iova & ~VIX_GRANT_DMA_BIT) >> PAGE_SHIFT;
}

/* May the page at @iova be accessed with @prot (IOMMU_READ/WRITE)? */
static int check_access(struct vix_container *c, u64 iova, int prot)
{
	struct vix_range *r;

	lockdep_assert_held(&c->lock);

	if (vix_is_grant(iova))
		return ((iova & ~VIX_GRANT_DMA_BIT) >> PAGE_SHIFT) > U32_MAX ?
			-EINVAL : 0;

	r = vix_range_find(c, iova);
	if (!r)
		return -EFAULT;
	if ((r->prot & prot) != prot)
		return -EPERM;
	return 0;
}

/*
 * Grants are mapped writable when the guest allows it, so a later write
 * pin of the same page can share the mapping; a read-only grant still
 * serves reads.
 */
static int map_frame(struct vix_container *c, u64 iova, bool write,
		     struct vix_frame *f)
{
	int rc;

	lockdep_assert_held(&c->lock);

	if (!vix_is_grant(iova))
		return vix_frame_map_foreign(f, c->domid, iova >> PAGE_SHIFT);

	rc = vix_frame_map_grant(f, c->domid, iova_to_gref(iova), true);
	if (rc && !write)
		rc = vix_frame_map_grant(f, c->domid, iova_to_gref(iova), false);
	return rc;
}

/* ------------------------------------------------------------ pins */

static int pin_one(struct vix_container *c, u64 iova, int prot,
		   struct page **page)
{
	bool write = prot & IOMMU_WRITE;
	u64 key = iova >> PAGE_SHIFT;
	struct vix_pin *p;
	int rc;

	lockdep_assert_held(&c->lock);

	rc = check_access(c, iova, prot & (IOMMU_READ | IOMMU_WRITE));
	if (rc)
		return rc;

	p = xa_load(&c->pins, key);
	if (p) {
		if (write && !p->f.writable)
			return -EPERM;	/* read-only grant */
		if (p->refs == UINT_MAX)
			return -EOVERFLOW;
		p->refs++;
	} else {
		if (c->nr_pinned >= READ_ONCE(vix_max_pinned))
			return -ENOSPC;
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		rc = map_frame(c, iova, write, &p->f);
		if (rc)
			goto err_free;
		rc = xa_insert(&c->pins, key, p, GFP_KERNEL);
		if (rc)
			goto err_unmap;
		p->refs = 1;
		c->nr_pinned++;
	}
	p->dirty |= write;
	atomic_long_inc(&vix_stats.pins);
	*page = p->f.page;
	return 0;

err_unmap:
	vix_frame_unmap(&p->f, NULL);
err_free:
	kfree(p);
	return rc;
}

/* Drop a pin's mapping whatever its count (the count is already gone). */
static void pin_release(struct vix_container *c, u64 key, struct vix_pin *p,
			struct vix_unmap_batch *b)
{
	lockdep_assert_held(&c->lock);

	xa_erase(&c->pins, key);
	c->nr_pinned--;
	/* The holder may have written through the page all along. */
	if (p->dirty && p->f.kind == VIX_FRAME_FOREIGN)
		vix_report_modified(c->domid, key, 1);
	vix_frame_unmap(&p->f, b);
	kfree(p);
}

static void unpin_one(struct vix_container *c, u64 iova,
		      struct vix_unmap_batch *b)
{
	u64 key = iova >> PAGE_SHIFT;
	struct vix_pin *p;

	lockdep_assert_held(&c->lock);

	p = xa_load(&c->pins, key);
	if (!p) {
		vix_warn(c->domid, "unpin of iova %#llx, not pinned\n", iova);
		return;
	}
	atomic_long_dec(&vix_stats.pins);
	if (--p->refs)
		return;
	pin_release(c, key, p, b);
}

int vix_pin_pages(void *data, struct iommu_group *group, dma_addr_t iova,
		  int npage, int prot, struct page **pages)
{
	struct vix_container *c = data;
	struct vix_unmap_batch b;
	int i, j, rc = 0;

	if (!c || !pages || npage <= 0)
		return -EINVAL;
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	if (offset_in_page(iova) || check_span(iova, (u64)npage << PAGE_SHIFT))
		return -EINVAL;

	mutex_lock(&c->lock);
	if (c->domid == DOMID_INVALID) {
		rc = -ENODEV;
		goto out;
	}
	for (i = 0; i < npage; i++) {
		rc = pin_one(c, iova + ((u64)i << PAGE_SHIFT), prot, &pages[i]);
		if (rc)
			break;
	}
	if (rc) {
		vix_warn(c->domid, "pin of %d pages at %#llx failed at page %d: %d\n",
			 npage, (u64)iova, i, rc);
		vix_unmap_batch_init(&b);
		for (j = 0; j < i; j++)
			unpin_one(c, iova + ((u64)j << PAGE_SHIFT), &b);
		vix_unmap_flush(&b);
	}
out:
	mutex_unlock(&c->lock);
	return rc ? rc : npage;
}

void vix_unpin_pages(void *data, dma_addr_t iova, int npage)
{
	struct vix_container *c = data;
	struct vix_unmap_batch b;
	int i;

	if (!c || npage <= 0 || npage > VFIO_PIN_PAGES_MAX_ENTRIES ||
	    offset_in_page(iova) || check_span(iova, (u64)npage << PAGE_SHIFT)) {
		vix_warn(c ? c->domid : DOMID_INVALID,
			 "bad unpin of %d pages at %#llx\n", npage, (u64)iova);
		return;
	}

	mutex_lock(&c->lock);
	vix_unmap_batch_init(&b);
	for (i = 0; i < npage; i++)
		unpin_one(c, iova + ((u64)i << PAGE_SHIFT), &b);
	vix_unmap_flush(&b);
	mutex_unlock(&c->lock);
}

unsigned int vix_pins_count_in(struct vix_container *c, u64 first_key,
			       u64 last_key)
{
	unsigned long key;
	struct vix_pin *p;
	unsigned int n = 0;

	lockdep_assert_held(&c->lock);

	xa_for_each_range(&c->pins, key, p, first_key, last_key)
		n++;
	return n;
}

/*
 * Container release: the devices are closed, so whatever is still pinned
 * was leaked by a device; the guest must not stay a zombie for it.
 */
void vix_pins_drop_all(struct vix_container *c)
{
	struct vix_unmap_batch b;
	unsigned long key;
	struct vix_pin *p;
	unsigned int n = 0;

	lockdep_assert_held(&c->lock);

	vix_unmap_batch_init(&b);
	xa_for_each(&c->pins, key, p) {
		atomic_long_sub(p->refs, &vix_stats.pins);
		pin_release(c, key, p, &b);
		n++;
	}
	vix_unmap_flush(&b);
	if (n)
		vix_warn(c->domid, "%u frames still pinned at release, unmapped\n",
			 n);
}

/* ------------------------------------------------------------ dma_rw */

void vix_cache_drop(struct vix_container *c, u64 first_key, u64 last_key)
{
	struct vix_unmap_batch b;
	unsigned int i;

	lockdep_assert_held(&c->lock);

	vix_unmap_batch_init(&b);
	for (i = 0; i < VIX_CACHE_SLOTS; i++) {
		struct vix_cache_ent *e = &c->cache[i];

		if (!e->valid || e->key < first_key || e->key > last_key)
			continue;
		vix_frame_unmap(&e->f, &b);
		e->valid = false;
	}
	vix_unmap_flush(&b);
}

/* A cached mapping of the guest frame at @iova (not a grant). */
static int cache_get(struct vix_container *c, u64 iova, void **va)
{
	u64 key = iova >> PAGE_SHIFT;
	struct vix_cache_ent *e;
	unsigned int i;
	int rc;

	lockdep_assert_held(&c->lock);

	for (i = 0; i < VIX_CACHE_SLOTS; i++) {
		e = &c->cache[i];
		if (e->valid && e->key == key) {
			*va = vix_frame_va(&e->f);
			return 0;
		}
	}

	/* Round robin: cheap, and bounded by VIX_CACHE_SLOTS mappings. */
	e = &c->cache[c->cache_next];
	c->cache_next = (c->cache_next + 1) % VIX_CACHE_SLOTS;
	if (e->valid) {
		vix_frame_unmap(&e->f, NULL);
		e->valid = false;
	}
	rc = map_frame(c, iova, true, &e->f);
	if (rc)
		return rc;
	e->valid = true;
	e->key = key;
	*va = vix_frame_va(&e->f);
	return 0;
}

/* Copy within one page at @iova, through a pin, the cache or a transient map. */
static int rw_page(struct vix_container *c, u64 iova, u8 *buf, size_t n,
		   bool write)
{
	struct vix_frame tmp = { .kind = VIX_FRAME_NONE };
	size_t off = offset_in_page(iova);
	struct vix_pin *p;
	void *va;
	int rc;

	lockdep_assert_held(&c->lock);

	rc = check_access(c, iova, write ? IOMMU_WRITE : IOMMU_READ);
	if (rc)
		return rc;

	p = xa_load(&c->pins, iova >> PAGE_SHIFT);
	if (p && (!write || p->f.writable)) {
		va = vix_frame_va(&p->f);
	} else if (!vix_is_grant(iova)) {
		rc = cache_get(c, iova, &va);
		if (rc)
			return rc;
	} else {
		rc = map_frame(c, iova, write, &tmp);
		if (rc)
			return rc;
		if (write && !tmp.writable) {
			rc = -EPERM;
			goto out;
		}
		va = vix_frame_va(&tmp);
	}

	if (write)
		memcpy(va + off, buf, n);
	else
		memcpy(buf, va + off, n);
out:
	if (tmp.kind != VIX_FRAME_NONE)
		vix_frame_unmap(&tmp, NULL);
	return rc;
}

int vix_dma_rw(void *data, dma_addr_t iova, void *data_buf, size_t count,
	       bool write)
{
	struct vix_container *c = data;
	u64 run_first = 0, addr = iova;
	u8 *buf = data_buf;
	u32 run_nr = 0;
	int rc = 0;

	atomic_long_inc(&vix_stats.dma_rw_calls);
	if (!c || !buf || check_span(iova, count))
		return -EINVAL;

	mutex_lock(&c->lock);
	if (c->domid == DOMID_INVALID) {
		rc = -ENODEV;
		goto out;
	}
	while (count) {
		size_t n = min_t(size_t, count, PAGE_SIZE - offset_in_page(addr));

		rc = rw_page(c, addr, buf, n, write);
		if (rc) {
			vix_warn(c->domid, "dma_rw %s at %#llx: %d\n",
				 write ? "write" : "read", addr, rc);
			break;
		}
		/* Coalesce written guest frames into runs for log-dirty. */
		if (write && !vix_is_grant(addr)) {
			u64 gfn = addr >> PAGE_SHIFT;

			if (run_nr && gfn == run_first + run_nr) {
				run_nr++;
			} else {
				vix_report_modified(c->domid, run_first, run_nr);
				run_first = gfn;
				run_nr = 1;
			}
		}
		addr += n;
		buf += n;
		count -= n;
	}
	vix_report_modified(c->domid, run_first, run_nr);
out:
	mutex_unlock(&c->lock);
	return rc;
}
