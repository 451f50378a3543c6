// SPDX-License-Identifier: GPL-2.0
/*
 * rgpu_drm_main.c - DRM/KMS driver for the reference GPU (docs/hw-spec.md),
 * as a guest sees it behind a vGPU.
 *
 * One pipe with one primary plane (XRGB8888): a drm_simple_display_pipe
 * over a virtual connector whose modes are the standard ones up to the
 * vGPU type's maximum resolution (PV info page).  Buffers are shmem pages
 * placed in the vGPU's graphics memory slice through the GTT when first
 * scanned out (rgpu_drm_gtt.c); the plane scans them out directly, so
 * dumb buffers, the generic fbdev emulation (fbcon) and page flips all
 * draw into the pages the device reads, with no copy.  Vblank events come
 * from the device's VBLANK interrupt (MSI, or a shared INTA#).
 *
 * The device is emulated by the host: every value read from it is
 * checked (identity, PV info, status) and a bad one is an error, never a
 * wait or a crash.  rgpu_uio.ko binds the same PCI ID for the rig's user
 * space tests: only one of the two may be loaded at a time (docs/guest.md).
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_file.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_module.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "rgpu_drm.h"

static unsigned int mode_width = 1024, mode_height = 768;
module_param(mode_width, uint, 0444);
MODULE_PARM_DESC(mode_width, "preferred mode width (default 1024; capped by the vGPU type)");
module_param(mode_height, uint, 0444);
MODULE_PARM_DESC(mode_height, "preferred mode height (default 768; capped by the vGPU type)");

/* ------------------------------------------------------------ interrupts */
void rgpu_irq_enable(struct rgpu_drm *r, u32 bits, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&r->irq_lock, flags);
	if (on)
		r->ier |= bits;
	else
		r->ier &= ~bits;
	rgpu_wr(r, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK & ~r->ier);
	rgpu_wr(r, RGPU_REG_IER, r->ier);
	spin_unlock_irqrestore(&r->irq_lock, flags);
}

static irqreturn_t rgpu_irq(int irq, void *arg)
{
	struct rgpu_drm *r = arg;
	u32 iir = rgpu_rd(r, RGPU_REG_IIR);

	/* All ones: the function is gone (or not decoding); not ours. */
	if (!iir || iir == ~0u)
		return IRQ_NONE;
	rgpu_wr(r, RGPU_REG_IIR, iir);
	r->irqs++;
	if (iir & RGPU_IRQ_VBLANK) {
		r->vblanks++;
		drm_crtc_handle_vblank(&r->pipe.crtc);
	}
	rgpu_engine_irq(r, iir);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------------ display pipe */
static enum drm_mode_status rgpu_mode_valid(struct drm_simple_display_pipe *pipe,
					    const struct drm_display_mode *mode)
{
	struct rgpu_drm *r = to_rgpu(pipe->crtc.dev);

	if (mode->hdisplay > r->max_width || mode->vdisplay > r->max_height)
		return MODE_BAD;
	return MODE_OK;
}

/* Byte offset of the plane's first visible pixel in its buffer. */
static u64 rgpu_fb_offset(const struct drm_plane_state *state)
{
	const struct drm_framebuffer *fb = state->fb;

	return fb->offsets[0] + (u64)(state->src.y1 >> 16) * fb->pitches[0] +
	       (u64)(state->src.x1 >> 16) * fb->format->cpp[0];
}

/* What the plane registers can express (hw-spec §8). */
static int rgpu_check(struct drm_simple_display_pipe *pipe,
		      struct drm_plane_state *state, struct drm_crtc_state *crtc_state)
{
	struct drm_framebuffer *fb = state->fb;

	if (!fb || !state->visible)
		return 0;
	if (fb->pitches[0] % 64) {
		drm_dbg_kms(pipe->crtc.dev, "pitch %u is not a multiple of 64\n", fb->pitches[0]);
		return -EINVAL;
	}
	if (rgpu_fb_offset(state) % PAGE_SIZE) {
		drm_dbg_kms(pipe->crtc.dev, "the plane must start on a page of its buffer\n");
		return -EINVAL;
	}
	return 0;
}

static void rgpu_plane_show(struct rgpu_drm *r, struct drm_plane_state *state)
{
	struct drm_framebuffer *fb = state->fb;
	struct rgpu_bo *bo;
	u32 w, h;

	if (!fb || !state->visible) {
		rgpu_wr(r, RGPU_PLANE_CTL, 0);
		return;
	}
	bo = to_rgpu_bo(fb->obj[0]);
	/* prepare_fb placed it; a failed placement failed the commit. */
	if (WARN_ON(!drm_mm_node_allocated(&bo->gtt)))
		return;
	w = drm_rect_width(&state->dst);
	h = drm_rect_height(&state->dst);
	rgpu_wr(r, RGPU_PLANE_STRIDE, fb->pitches[0]);
	rgpu_wr(r, RGPU_PLANE_SIZE, RGPU_PLANE_SIZE_WH(w, h));
	rgpu_wr(r, RGPU_PLANE_SURF, (bo->gtt.start << PAGE_SHIFT) + rgpu_fb_offset(state));
	rgpu_wr(r, RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888);
}

static void rgpu_enable(struct drm_simple_display_pipe *pipe,
			struct drm_crtc_state *crtc_state, struct drm_plane_state *plane_state)
{
	struct rgpu_drm *r = to_rgpu(pipe->crtc.dev);

	rgpu_plane_show(r, plane_state);
	rgpu_wr(r, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
	drm_crtc_vblank_on(&pipe->crtc);
}

static void rgpu_disable(struct drm_simple_display_pipe *pipe)
{
	struct rgpu_drm *r = to_rgpu(pipe->crtc.dev);

	drm_crtc_vblank_off(&pipe->crtc);
	rgpu_wr(r, RGPU_PLANE_CTL, 0);
	rgpu_wr(r, RGPU_PIPE_CONF, 0);
}

static void rgpu_update(struct drm_simple_display_pipe *pipe, struct drm_plane_state *old)
{
	struct rgpu_drm *r = to_rgpu(pipe->crtc.dev);
	struct drm_crtc *crtc = &pipe->crtc;
	struct drm_pending_vblank_event *event;

	if (crtc->state->active)
		rgpu_plane_show(r, pipe->plane.state);
	/* The device latches the plane registers at once: the new frame is
	 * the one scanned out from the next vblank on, so that vblank
	 * completes the flip. */
	event = crtc->state->event;
	if (!event)
		return;
	crtc->state->event = NULL;
	spin_lock_irq(&crtc->dev->event_lock);
	if (crtc->state->active && drm_crtc_vblank_get(crtc) == 0)
		drm_crtc_arm_vblank_event(crtc, event);
	else
		drm_crtc_send_vblank_event(crtc, event);
	spin_unlock_irq(&crtc->dev->event_lock);
}

static int rgpu_prepare_fb(struct drm_simple_display_pipe *pipe, struct drm_plane_state *state)
{
	u32 addr;
	int rc;

	if (!state->fb)
		return 0;
	rc = rgpu_bo_place(to_rgpu_bo(state->fb->obj[0]), &addr);
	if (rc)
		return rc;
	return drm_gem_plane_helper_prepare_fb(&pipe->plane, state);
}

static int rgpu_enable_vblank(struct drm_simple_display_pipe *pipe)
{
	rgpu_irq_enable(to_rgpu(pipe->crtc.dev), RGPU_IRQ_VBLANK, true);
	return 0;
}

static void rgpu_disable_vblank(struct drm_simple_display_pipe *pipe)
{
	rgpu_irq_enable(to_rgpu(pipe->crtc.dev), RGPU_IRQ_VBLANK, false);
}

static const struct drm_simple_display_pipe_funcs rgpu_pipe_funcs = {
	.mode_valid = rgpu_mode_valid,
	.enable = rgpu_enable,
	.disable = rgpu_disable,
	.check = rgpu_check,
	.update = rgpu_update,
	.prepare_fb = rgpu_prepare_fb,
	.enable_vblank = rgpu_enable_vblank,
	.disable_vblank = rgpu_disable_vblank,
};

static const u32 rgpu_formats[] = { DRM_FORMAT_XRGB8888 };
static const u64 rgpu_modifiers[] = { DRM_FORMAT_MOD_LINEAR, DRM_FORMAT_MOD_INVALID };

/* ------------------------------------------------------------ connector */
static int rgpu_get_modes(struct drm_connector *connector)
{
	struct rgpu_drm *r = to_rgpu(connector->dev);
	int n = drm_add_modes_noedid(connector, r->max_width, r->max_height);

	drm_set_preferred_mode(connector, min(mode_width, r->max_width),
			       min(mode_height, r->max_height));
	return n;
}

static const struct drm_connector_helper_funcs rgpu_connector_helper = {
	.get_modes = rgpu_get_modes,
};

static const struct drm_connector_funcs rgpu_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static const struct drm_mode_config_funcs rgpu_mode_config_funcs = {
	.fb_create = drm_gem_fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static int rgpu_kms_init(struct rgpu_drm *r)
{
	struct drm_device *drm = &r->drm;
	int rc;

	rc = drmm_mode_config_init(drm);
	if (rc)
		return rc;
	drm->mode_config.min_width = 64;
	drm->mode_config.min_height = 64;
	drm->mode_config.max_width = r->max_width;
	drm->mode_config.max_height = r->max_height;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &rgpu_mode_config_funcs;

	rc = drm_connector_init(drm, &r->connector, &rgpu_connector_funcs,
				DRM_MODE_CONNECTOR_VIRTUAL);
	if (rc)
		return rc;
	drm_connector_helper_add(&r->connector, &rgpu_connector_helper);
	rc = drm_simple_display_pipe_init(drm, &r->pipe, &rgpu_pipe_funcs, rgpu_formats,
					  ARRAY_SIZE(rgpu_formats), rgpu_modifiers, &r->connector);
	if (rc)
		return rc;
	rc = drm_vblank_init(drm, 1);
	if (rc)
		return rc;
	drm_mode_config_reset(drm);
	return 0;
}

/* ------------------------------------------------------------ GEM, driver */
/* The plane wants a pitch that is a multiple of 64 bytes. */
static int rgpu_dumb_create(struct drm_file *file, struct drm_device *drm,
			    struct drm_mode_create_dumb *args)
{
	u64 pitch = ALIGN(DIV_ROUND_UP((u64)args->width * args->bpp, 8), 64);
	u64 size = PAGE_ALIGN(pitch * args->height);

	if (!args->width || !args->height || !args->bpp || pitch > U32_MAX || size > U32_MAX)
		return -EINVAL;
	args->pitch = pitch;
	args->size = size;
	return drm_gem_shmem_dumb_create(file, drm, args);
}

static int rgpu_state_show(struct seq_file *m, void *unused)
{
	struct drm_info_node *node = m->private;
	struct rgpu_drm *r = to_rgpu(node->minor->dev);

	seq_printf(m, "vgpu %u slice %#llx+%#llx max %ux%u\n", r->vgpu_id, r->gm_base,
		   r->gm_size, r->max_width, r->max_height);
	seq_printf(m, "pipe %#x frmcount %u plane ctl %#x surf %#x stride %u size %#x\n",
		   rgpu_rd(r, RGPU_PIPE_CONF), rgpu_rd(r, RGPU_PIPE_FRMCOUNT),
		   rgpu_rd(r, RGPU_PLANE_CTL), rgpu_rd(r, RGPU_PLANE_SURF),
		   rgpu_rd(r, RGPU_PLANE_STRIDE), rgpu_rd(r, RGPU_PLANE_SIZE));
	seq_printf(m, "irqs %llu vblanks %llu ier %#x\n", r->irqs, r->vblanks, r->ier);
	seq_printf(m, "copy engine: %u submissions, %llu failed, last error %u\n",
		   r->eng_seqno, r->eng_failures, r->eng_last_error);
	mutex_lock(&r->gtt_lock);
	seq_printf(m, "gtt %s: %llu pages written in %llu batches, %llu errors\n",
		   r->gtt_batch ? "batched" : "window", r->gtt_pages_mapped, r->gtt_batches,
		   r->gtt_errors);
	mutex_unlock(&r->gtt_lock);
	return 0;
}

static int rgpu_engine_bench_show(struct seq_file *m, void *unused)
{
	struct drm_info_node *node = m->private;

	return rgpu_engine_bench(to_rgpu(node->minor->dev), m);
}

static const struct drm_info_list rgpu_debugfs_list[] = {
	{ "rgpu_state", rgpu_state_show, 0 },
	{ "engine_bench", rgpu_engine_bench_show, 0 },
};

static void rgpu_debugfs_init(struct drm_minor *minor)
{
	drm_debugfs_create_files(rgpu_debugfs_list, ARRAY_SIZE(rgpu_debugfs_list),
				 minor->debugfs_root, minor);
}

DEFINE_DRM_GEM_FOPS(rgpu_fops);

static const struct drm_driver rgpu_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops = &rgpu_fops,
	.name = "rgpu",
	.desc = "Reference GPU (vGPU)",
	.date = "20261202",
	.major = 1,
	.minor = 0,
	.gem_create_object = rgpu_gem_create_object,
	.dumb_create = rgpu_dumb_create,
	/* Export only: a foreign buffer's pages are not DMA-mapped for us. */
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_mmap = drm_gem_prime_mmap,
	.debugfs_init = rgpu_debugfs_init,
};

/* ------------------------------------------------------------ PCI */
static u64 rgpu_pv64(struct rgpu_drm *r, u32 off)
{
	return rgpu_rd(r, RGPU_PVINFO_BASE + off) |
	       (u64)rgpu_rd(r, RGPU_PVINFO_BASE + off + 4) << 32;
}

/* Identity and PV info, each value checked: a device model that answers
 * garbage makes the probe fail with a reason. */
static int rgpu_hw_init(struct rgpu_drm *r)
{
	struct device *dev = &r->pdev->dev;
	u32 id = rgpu_rd(r, RGPU_REG_ID), ver = rgpu_rd(r, RGPU_REG_VERSION);

	if (id != RGPU_ID_VALUE || RGPU_VERSION_MAJOR(ver) != RGPU_VERSION_MAJOR(RGPU_VERSION_VALUE))
		return dev_err_probe(dev, -ENODEV, "not a reference GPU v1 (ID %#x VERSION %#x)\n",
				     id, ver);
	if (rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_MAGIC) != RGPU_PVINFO_MAGIC_VALUE ||
	    RGPU_VERSION_MAJOR(rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_VERSION)) !=
	    RGPU_VERSION_MAJOR(RGPU_PVINFO_VERSION_VALUE))
		return dev_err_probe(dev, -ENODEV, "no PV info page: not a vGPU\n");
	r->gm_base = rgpu_pv64(r, RGPU_PVINFO_GM_BASE);
	r->gm_size = rgpu_pv64(r, RGPU_PVINFO_GM_SIZE);
	r->max_width = rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_WIDTH);
	r->max_height = rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_HEIGHT);
	r->vgpu_id = rgpu_rd(r, RGPU_PVINFO_BASE + RGPU_PVINFO_VGPU_ID);
	/* Graphics addresses are 32 bits; PLANE_SIZE holds 16-bit sizes. */
	if (!r->gm_size || (r->gm_base | r->gm_size) & ~PAGE_MASK ||
	    r->gm_base + r->gm_size > SZ_4G || r->gm_base + r->gm_size < r->gm_base)
		return dev_err_probe(dev, -ENODEV, "bad slice %#llx+%#llx\n", r->gm_base,
				     r->gm_size);
	if (r->max_width < 64 || r->max_height < 64 || r->max_width > 65536 ||
	    r->max_height > 65536)
		return dev_err_probe(dev, -ENODEV, "bad maximum resolution %ux%u\n",
				     r->max_width, r->max_height);
	/* Start from a quiet device: display off, engines idle, no IRQ. */
	rgpu_wr(r, RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
	rgpu_wr(r, RGPU_REG_IER, 0);
	rgpu_wr(r, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK);
	rgpu_wr(r, RGPU_REG_IIR, RGPU_IRQ_VALID_MASK);
	return 0;
}

static void rgpu_gtt_release(struct drm_device *drm, void *unused)
{
	rgpu_gtt_fini(to_rgpu(drm));
}

static int rgpu_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct rgpu_drm *r;
	int rc;

	r = devm_drm_dev_alloc(&pdev->dev, &rgpu_driver, struct rgpu_drm, drm);
	if (IS_ERR(r))
		return PTR_ERR(r);
	r->pdev = pdev;
	spin_lock_init(&r->irq_lock);
	init_waitqueue_head(&r->eng_wq);
	rc = drmm_mutex_init(&r->drm, &r->eng_lock);
	if (rc)
		return rc;
	pci_set_drvdata(pdev, r);

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = pcim_iomap_regions(pdev, BIT(0), "rgpu_drm");
	if (rc)
		return dev_err_probe(&pdev->dev, rc, "BAR0 is in use (rgpu_uio loaded?)\n");
	r->mmio = pcim_iomap_table(pdev)[0];
	pci_set_master(pdev);
	rc = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		return rc;
	rc = rgpu_hw_init(r);
	if (rc)
		return rc;
	rc = rgpu_gtt_init(r);
	if (rc)
		return rc;
	rc = drmm_add_action_or_reset(&r->drm, rgpu_gtt_release, NULL);
	if (rc)
		return rc;

	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_LEGACY);
	if (rc < 0)
		return dev_err_probe(&pdev->dev, rc, "no interrupt\n");
	rc = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0), rgpu_irq,
			      pdev->msi_enabled ? 0 : IRQF_SHARED, "rgpu_drm", r);
	if (rc)
		return rc;

	rc = rgpu_kms_init(r);
	if (rc)
		return rc;
	rc = drm_dev_register(&r->drm, 0);
	if (rc)
		return rc;
	drm_info(&r->drm, "vGPU %u: slice %#llx+%lluMiB, modes up to %ux%u, interrupts by %s\n",
		 r->vgpu_id, r->gm_base, r->gm_size >> 20, r->max_width, r->max_height,
		 pdev->msi_enabled ? "MSI" : "INTx");
	drm_fbdev_generic_setup(&r->drm, 32);
	return 0;
}

static void rgpu_quiesce(struct rgpu_drm *r)
{
	rgpu_irq_enable(r, RGPU_IRQ_VALID_MASK, false);
}

static void rgpu_remove(struct pci_dev *pdev)
{
	struct rgpu_drm *r = pci_get_drvdata(pdev);

	drm_dev_unplug(&r->drm);
	drm_atomic_helper_shutdown(&r->drm);
	mutex_lock(&r->eng_lock);
	rgpu_engine_fini(r);
	mutex_unlock(&r->eng_lock);
	rgpu_quiesce(r);
}

static void rgpu_shutdown(struct pci_dev *pdev)
{
	struct rgpu_drm *r = pci_get_drvdata(pdev);

	drm_atomic_helper_shutdown(&r->drm);
	rgpu_quiesce(r);
}

static const struct pci_device_id rgpu_ids[] = {
	{ PCI_DEVICE(RGPU_PCI_VENDOR_ID, RGPU_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, rgpu_ids);

static struct pci_driver rgpu_pci_driver = {
	.name = "rgpu_drm",
	.id_table = rgpu_ids,
	.probe = rgpu_probe,
	.remove = rgpu_remove,
	.shutdown = rgpu_shutdown,
};

drm_module_pci_driver(rgpu_pci_driver);

MODULE_DESCRIPTION("DRM/KMS driver for the reference GPU's vGPU");
MODULE_LICENSE("GPL");
