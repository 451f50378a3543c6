/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rgpu_drm.h - state shared by the files of rgpu_drm.ko, the reference
 * GPU's DRM/KMS driver: rgpu_drm_main.c (PCI, interrupts, KMS, fbdev),
 * rgpu_drm_gtt.c (placing buffers in the vGPU's graphics memory slice) and
 * rgpu_drm_engine.c (copy engine submission, measured against the CPU).
 */
#ifndef RGPU_DRM_H
#define RGPU_DRM_H

#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/wait.h>
#include <drm/drm_device.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>
#include <drm/drm_simple_kms_helper.h>

#include "hw_regs.h"
#include "hw_cmds.h"

struct rgpu_drm {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *mmio;		/* BAR0 */
	struct drm_simple_display_pipe pipe;
	struct drm_connector connector;

	/* From the PV info page. */
	u64 gm_base, gm_size;		/* this vGPU's slice of graphics memory */
	u32 max_width, max_height;	/* the vGPU type's largest mode */
	u32 vgpu_id;

	/* Graphics memory: a range allocator over the slice (page units),
	 * and the page the batched GTT update reads its PTE list from. */
	struct mutex gtt_lock;
	struct drm_mm gtt;
	u64 *pte_list;
	bool gtt_batch;			/* the device has the batched update */
	dma_addr_t pte_list_dma;
	u64 gtt_pages_mapped;		/* statistics (debugfs) */
	u64 gtt_batches;
	u64 gtt_errors;

	/* Interrupts. */
	spinlock_t irq_lock;		/* IER, IMR */
	u32 ier;
	u64 irqs, vblanks;

	/* The copy engine (rgpu_drm_engine.c), set up on first use. */
	struct mutex eng_lock;		/* one submission at a time */
	wait_queue_head_t eng_wq;
	struct rgpu_bo *eng_bo;		/* ring, then the status page */
	void *eng_ring, *eng_hws;
	u32 eng_tail, eng_seqno, eng_last_error;
	bool eng_error;			/* ERROR or WATCHDOG interrupt seen */
	u64 eng_failures;
};

static inline struct rgpu_drm *to_rgpu(struct drm_device *drm)
{
	return container_of(drm, struct rgpu_drm, drm);
}

static inline u32 rgpu_rd(struct rgpu_drm *r, u32 reg)
{
	return ioread32(r->mmio + reg);
}

static inline void rgpu_wr(struct rgpu_drm *r, u32 reg, u32 val)
{
	iowrite32(val, r->mmio + reg);
}

/* A buffer object: shmem pages, and once scanned out a place in the
 * slice (graphics address = gtt.start << PAGE_SHIFT), kept until freed. */
struct rgpu_bo {
	struct drm_gem_shmem_object base;
	struct drm_mm_node gtt;
};

static inline struct rgpu_bo *to_rgpu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct rgpu_bo, base);
}

/* rgpu_drm_main.c */
void rgpu_irq_enable(struct rgpu_drm *r, u32 bits, bool on);

/* rgpu_drm_engine.c */
void rgpu_engine_irq(struct rgpu_drm *r, u32 iir);
int rgpu_engine_bench(struct rgpu_drm *r, struct seq_file *m);
void rgpu_engine_fini(struct rgpu_drm *r);

/* rgpu_drm_gtt.c */
int rgpu_gtt_init(struct rgpu_drm *r);
void rgpu_gtt_fini(struct rgpu_drm *r);
struct drm_gem_object *rgpu_gem_create_object(struct drm_device *drm, size_t size);
int rgpu_bo_place(struct rgpu_bo *bo, u32 *gm_addr);

#endif /* RGPU_DRM_H */
