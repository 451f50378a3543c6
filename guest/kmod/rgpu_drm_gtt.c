// SPDX-License-Identifier: GPL-2.0
/*
 * rgpu_drm_gtt.c - buffer objects of rgpu_drm.ko in the vGPU's graphics
 * memory.
 *
 * A buffer is shmem pages (drm_gem_shmem).  The device reaches system
 * memory only through the GTT, and the vGPU may only use its slice of
 * graphics memory (hw-spec §2.3), so the first time a buffer is scanned
 * out it gets a range of the slice (drm_mm over the slice, page units) and
 * its pages' DMA addresses are written as PTEs there.  The place is kept
 * until the object is freed (page flips between the same buffers cost no
 * GTT writes); freeing writes the PTEs invalid before the range is reused.
 *
 * PTEs go through the batched GTT update when the device has it: one
 * trapped register write per 8192 PTEs instead of one per PTE (each a VM
 * exit, ~12 ms in the TCG rig).  The device reports a batch it refused;
 * that is an error for the caller, never a retry loop.
 */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <drm/drm_print.h>

#include "rgpu_drm.h"

#define RGPU_PTE_LIST_BYTES SZ_64K
#define RGPU_PTE_LIST_LEN (RGPU_PTE_LIST_BYTES / sizeof(u64))

static bool rgpu_has_batch(struct rgpu_drm *r)
{
	return r->gtt_batch;
}

/* Applies the first n entries of r->pte_list at GTT index first.
 * Caller holds gtt_lock. */
static int rgpu_gtt_flush(struct rgpu_drm *r, u64 first, unsigned int n)
{
	unsigned int i;
	u32 ctl;

	if (!n)
		return 0;
	r->gtt_pages_mapped += n;
	if (!rgpu_has_batch(r)) {
		for (i = 0; i < n; i++) {
			void __iomem *pte = r->mmio + RGPU_GTT_BASE + 8 * (first + i);

			iowrite32(lower_32_bits(r->pte_list[i]), pte);
			iowrite32(upper_32_bits(r->pte_list[i]), pte + 4);
		}
		return 0;
	}
	r->gtt_batches++;
	rgpu_wr(r, RGPU_REG_GTT_BATCH_ADDR_LO, lower_32_bits(r->pte_list_dma));
	rgpu_wr(r, RGPU_REG_GTT_BATCH_ADDR_HI, upper_32_bits(r->pte_list_dma));
	rgpu_wr(r, RGPU_REG_GTT_BATCH_INDEX, first);
	rgpu_wr(r, RGPU_REG_GTT_BATCH_COUNT, n);
	rgpu_wr(r, RGPU_REG_GTT_BATCH_CTL, RGPU_GTT_BATCH_GO);
	ctl = rgpu_rd(r, RGPU_REG_GTT_BATCH_CTL);
	if ((ctl & (RGPU_GTT_BATCH_DONE | RGPU_GTT_BATCH_ERROR)) == RGPU_GTT_BATCH_DONE)
		return 0;
	r->gtt_errors++;
	drm_err_ratelimited(&r->drm,
			    "GTT update of %u entries at index %#llx refused (status %#x, %u applied)\n",
			    n, first, ctl, rgpu_rd(r, RGPU_REG_GTT_BATCH_APPLIED));
	return -EIO;
}

/* Writes the PTEs of node: the DMA pages of sgt, or invalid entries when
 * sgt is NULL.  Caller holds gtt_lock. */
static int rgpu_gtt_write(struct rgpu_drm *r, struct drm_mm_node *node, struct sg_table *sgt)
{
	u64 first = node->start, left = node->size;
	struct sg_dma_page_iter it;
	unsigned int n = 0;
	int rc;

	if (!sgt) {
		memset(r->pte_list, 0, RGPU_PTE_LIST_BYTES);
		while (left) {
			n = min_t(u64, left, RGPU_PTE_LIST_LEN);
			rc = rgpu_gtt_flush(r, first, n);
			if (rc)
				return rc;
			first += n;
			left -= n;
		}
		return 0;
	}
	for_each_sgtable_dma_page(sgt, &it, 0) {
		if (!left)
			break;
		r->pte_list[n++] = (sg_page_iter_dma_address(&it) & RGPU_PTE_ADDR_MASK) |
				   RGPU_PTE_VALID;
		left--;
		if (n == RGPU_PTE_LIST_LEN) {
			rc = rgpu_gtt_flush(r, first, n);
			if (rc)
				return rc;
			first += n;
			n = 0;
		}
	}
	if (left) {
		drm_err(&r->drm, "buffer has %llu pages fewer than its GTT range\n", left);
		return -EINVAL;
	}
	return rgpu_gtt_flush(r, first, n);
}

int rgpu_bo_place(struct rgpu_bo *bo, u32 *gm_addr)
{
	struct rgpu_drm *r = to_rgpu(bo->base.base.dev);
	struct sg_table *sgt;
	int rc = 0;

	mutex_lock(&r->gtt_lock);
	if (drm_mm_node_allocated(&bo->gtt))
		goto out;
	/* Pins and DMA-maps the pages for as long as the object lives. */
	sgt = drm_gem_shmem_get_pages_sgt(&bo->base);
	if (IS_ERR(sgt)) {
		rc = PTR_ERR(sgt);
		goto out;
	}
	rc = drm_mm_insert_node(&r->gtt, &bo->gtt, bo->base.base.size >> PAGE_SHIFT);
	if (rc) {
		drm_dbg_kms(&r->drm, "no room for %zu bytes in the slice\n", bo->base.base.size);
		goto out;
	}
	rc = rgpu_gtt_write(r, &bo->gtt, sgt);
	if (rc) {
		/* Whatever was applied must not name pages we no longer own. */
		rgpu_gtt_write(r, &bo->gtt, NULL);
		drm_mm_remove_node(&bo->gtt);
	}
out:
	if (!rc)
		*gm_addr = bo->gtt.start << PAGE_SHIFT;
	mutex_unlock(&r->gtt_lock);
	return rc;
}

static void rgpu_bo_free(struct drm_gem_object *obj)
{
	struct rgpu_bo *bo = to_rgpu_bo(obj);
	struct rgpu_drm *r = to_rgpu(obj->dev);

	mutex_lock(&r->gtt_lock);
	if (drm_mm_node_allocated(&bo->gtt)) {
		rgpu_gtt_write(r, &bo->gtt, NULL);
		drm_mm_remove_node(&bo->gtt);
	}
	mutex_unlock(&r->gtt_lock);
	drm_gem_shmem_free(&bo->base);
}

static const struct drm_gem_object_funcs rgpu_bo_funcs = {
	.free = rgpu_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

struct drm_gem_object *rgpu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct rgpu_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &rgpu_bo_funcs;
	return &bo->base.base;
}

int rgpu_gtt_init(struct rgpu_drm *r)
{
	u32 caps = rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_CAPS);

	mutex_init(&r->gtt_lock);
	drm_mm_init(&r->gtt, r->gm_base >> PAGE_SHIFT, r->gm_size >> PAGE_SHIFT);
	if (caps & RGPU_PVCAP_GTT_BATCH) {
		r->pte_list = dmam_alloc_coherent(&r->pdev->dev, RGPU_PTE_LIST_BYTES,
						  &r->pte_list_dma, GFP_KERNEL);
		if (!r->pte_list)
			goto nomem;
		r->gtt_batch = true;
		return 0;
	}
	/* No batched update: the list is a staging array for window writes. */
	drm_warn(&r->drm, "no batched GTT update: every PTE is a trapped write\n");
	r->pte_list = devm_kzalloc(&r->pdev->dev, RGPU_PTE_LIST_BYTES, GFP_KERNEL);
	if (!r->pte_list)
		goto nomem;
	return 0;
nomem:
	drm_mm_takedown(&r->gtt);
	return -ENOMEM;
}

void rgpu_gtt_fini(struct rgpu_drm *r)
{
	drm_mm_takedown(&r->gtt);
	mutex_destroy(&r->gtt_lock);
}
