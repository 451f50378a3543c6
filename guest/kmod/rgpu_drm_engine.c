// SPDX-License-Identifier: GPL-2.0
/*
 * rgpu_drm_engine.c - command submission to the copy engine (hw-spec §4, §6)
 * and what it is measured against.
 *
 * The display path needs no copy (the plane scans out the buffers fbcon
 * and clients draw into), so the engine serves one question: would a
 * blit by the engine beat the CPU's memcpy for a frame-sized copy, the
 * work a shadow-to-screen flush would be?  debugfs `engine_bench` answers
 * it in the running guest: full-frame SRC_COPYs by the copy engine and by
 * the CPU, timed, the engine's result checked, and a submission the
 * device must reject (a destination outside the slice) reported as an
 * error with its code, after which the engine works again.
 *
 * Submission: commands at the ring's tail, then STORE_DATA_INDEX (HWS
 * offset 0, sequence number) and USER_INTERRUPT; write the tail; wait for
 * the status page to reach the number, or the engine's ERROR or WATCHDOG
 * interrupt, or a timeout.  A rejection or a timeout is reported (code and
 * address) and the engine reset: an error for the caller, never a hang.
 */
#include <linux/delay.h>
#include <linux/iosys-map.h>
#include <linux/ktime.h>
#include <drm/drm_print.h>

#include "rgpu_drm.h"

#define RGPU_DRM_RING_PAGES 4
#define RGPU_DRM_RING_BYTES (RGPU_DRM_RING_PAGES * PAGE_SIZE)
#define RGPU_DRM_HWS_OFFSET RGPU_DRM_RING_BYTES
#define RGPU_ENGINE_TIMEOUT_MS 3000	/* longer than the device's 2 s watchdog */
#define RGPU_COPY_ENGINE_IRQS (RGPU_IRQ_COPY_USER | RGPU_IRQ_COPY_ERROR | RGPU_IRQ_WATCHDOG)

static u32 rgpu_eng_rd(struct rgpu_drm *r, u32 reg)
{
	return rgpu_rd(r, RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + reg);
}

static void rgpu_eng_wr(struct rgpu_drm *r, u32 reg, u32 val)
{
	rgpu_wr(r, RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + reg, val);
}

/* A kernel buffer object placed in the slice and mapped for the CPU. */
static int rgpu_kbo_new(struct rgpu_drm *r, size_t size, struct rgpu_bo **out, u32 *addr,
			void **vaddr)
{
	struct drm_gem_shmem_object *shmem = drm_gem_shmem_create(&r->drm, size);
	struct iosys_map map;
	int rc;

	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	rc = rgpu_bo_place(container_of(shmem, struct rgpu_bo, base), addr);
	if (!rc)
		rc = drm_gem_shmem_vmap(shmem, &map);
	if (rc) {
		drm_gem_object_put(&shmem->base);
		return rc;
	}
	*out = container_of(shmem, struct rgpu_bo, base);
	*vaddr = map.vaddr;
	return 0;
}

static void rgpu_kbo_put(struct rgpu_bo *bo, void *vaddr)
{
	struct iosys_map map = IOSYS_MAP_INIT_VADDR(vaddr);

	drm_gem_shmem_vunmap(&bo->base, &map);
	drm_gem_object_put(&bo->base.base);
}

void rgpu_engine_irq(struct rgpu_drm *r, u32 iir)
{
	if (!(iir & RGPU_COPY_ENGINE_IRQS))
		return;
	if (iir & (RGPU_IRQ_COPY_ERROR | RGPU_IRQ_WATCHDOG))
		WRITE_ONCE(r->eng_error, true);
	wake_up_all(&r->eng_wq);
}

/* Ring and status page on first use: most guests never submit. */
static int rgpu_engine_start(struct rgpu_drm *r)
{
	u32 addr;
	int rc;

	if (r->eng_ring)
		return 0;
	rc = rgpu_kbo_new(r, RGPU_DRM_RING_BYTES + PAGE_SIZE, &r->eng_bo, &addr, &r->eng_ring);
	if (rc)
		return rc;
	r->eng_hws = r->eng_ring + RGPU_DRM_HWS_OFFSET;
	r->eng_tail = 0;
	r->eng_seqno = 0;
	rgpu_eng_wr(r, RGPU_RING_START, addr);
	rgpu_eng_wr(r, RGPU_RING_HWS, addr + RGPU_DRM_HWS_OFFSET);
	rgpu_eng_wr(r, RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(RGPU_DRM_RING_PAGES));
	if (!(rgpu_eng_rd(r, RGPU_RING_CTL) & RGPU_RING_CTL_ENABLE)) {
		drm_err(&r->drm, "copy engine ring did not enable\n");
		rgpu_kbo_put(r->eng_bo, r->eng_ring);
		r->eng_ring = NULL;
		return -EIO;
	}
	rgpu_irq_enable(r, RGPU_COPY_ENGINE_IRQS, true);
	return 0;
}

void rgpu_engine_fini(struct rgpu_drm *r)
{
	if (!r->eng_ring)
		return;
	rgpu_irq_enable(r, RGPU_COPY_ENGINE_IRQS, false);
	rgpu_eng_wr(r, RGPU_RING_CTL, 0);
	rgpu_kbo_put(r->eng_bo, r->eng_ring);
	r->eng_ring = NULL;
}

static void rgpu_ring_emit(struct rgpu_drm *r, u32 dw)
{
	u32 *ring = r->eng_ring;

	ring[r->eng_tail / 4] = dw;
	r->eng_tail = (r->eng_tail + 4) % RGPU_DRM_RING_BYTES;
}

/* Runs n dwords of commands on the copy engine and waits for them.
 * Caller holds eng_lock.  -EIO: rejected or faulted (reported);
 * -ETIMEDOUT: no completion (reported, engine reset). */
static int rgpu_engine_run(struct rgpu_drm *r, const u32 *cmds, unsigned int n)
{
	u32 *hws = r->eng_hws;
	u32 seqno, head, used, err, addr;
	unsigned int i;
	long left;

	head = rgpu_eng_rd(r, RGPU_RING_HEAD);
	used = (r->eng_tail - head + RGPU_DRM_RING_BYTES) % RGPU_DRM_RING_BYTES;
	/* The previous submission's seqno can land in the status page before
	 * the engine has moved its head past the commands after it, so the
	 * ring need not be empty here: room for these commands, the four
	 * dwords of the completion and the one free dword is enough. */
	if (head >= RGPU_DRM_RING_BYTES || head % 4 ||
	    used + (n + 4 + 1) * 4 > RGPU_DRM_RING_BYTES) {
		drm_err_ratelimited(&r->drm, "copy engine ring in a bad state (head %#x tail %#x)\n",
				    head, r->eng_tail);
		return -EIO;
	}
	seqno = ++r->eng_seqno;
	for (i = 0; i < n; i++)
		rgpu_ring_emit(r, cmds[i]);
	rgpu_ring_emit(r, RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, RGPU_LEN_STORE_DATA));
	rgpu_ring_emit(r, RGPU_HWS_SEQNO);
	rgpu_ring_emit(r, seqno);
	rgpu_ring_emit(r, RGPU_CMD(RGPU_OP_USER_INTERRUPT, RGPU_LEN_USER_INTERRUPT));
	WRITE_ONCE(r->eng_error, false);
	wmb();	/* the commands are in memory before the device sees the tail */
	rgpu_eng_wr(r, RGPU_RING_TAIL, r->eng_tail);
	left = wait_event_timeout(r->eng_wq,
				  (s32)(READ_ONCE(hws[0]) - seqno) >= 0 || READ_ONCE(r->eng_error),
				  msecs_to_jiffies(RGPU_ENGINE_TIMEOUT_MS));
	if ((s32)(READ_ONCE(hws[0]) - seqno) >= 0 && !READ_ONCE(r->eng_error))
		return 0;
	err = rgpu_eng_rd(r, RGPU_RING_ERROR);
	addr = rgpu_eng_rd(r, RGPU_RING_ERROR_ADDR);
	r->eng_failures++;
	drm_err_ratelimited(&r->drm,
			    "copy engine submission %u %s: error %u at %#x (status %#x)\n", seqno,
			    left ? "rejected" : "timed out", err, addr,
			    rgpu_eng_rd(r, RGPU_RING_STATUS));
	r->eng_last_error = err;
	/* Drops what is queued; head = tail; clears the error. */
	rgpu_eng_wr(r, RGPU_RING_RESET, 1);
	return left ? -EIO : -ETIMEDOUT;
}

static int rgpu_engine_copy(struct rgpu_drm *r, u32 dst, u32 src, u32 pitch, u32 w, u32 h)
{
	const u32 cmds[] = {
		RGPU_CMD(RGPU_OP_SRC_COPY, RGPU_LEN_SRC_COPY), dst,
		RGPU_PITCH_BPP(pitch, RGPU_BPP_32), RGPU_SIZE(w, h), src, pitch,
	};

	return rgpu_engine_run(r, cmds, ARRAY_SIZE(cmds));
}

/* debugfs engine_bench: see the top of this file. */
int rgpu_engine_bench(struct rgpu_drm *r, struct seq_file *m)
{
	const u32 w = 1024, h = 768, pitch = w * 4, rounds = 8;
	const size_t size = (size_t)pitch * h;
	struct rgpu_bo *sbo = NULL, *dbo = NULL;
	void *src = NULL, *dst = NULL;
	u32 saddr, daddr, i, bad = 0;
	ktime_t t0;
	s64 eng_ns = 0, cpu_ns;
	int rc;

	mutex_lock(&r->eng_lock);
	rc = rgpu_engine_start(r);
	if (!rc)
		rc = rgpu_kbo_new(r, size, &sbo, &saddr, &src);
	if (!rc)
		rc = rgpu_kbo_new(r, size, &dbo, &daddr, &dst);
	if (rc) {
		seq_printf(m, "engine bench: set-up failed: %d\n", rc);
		goto out;
	}
	for (i = 0; i < size / 4; i++)
		((u32 *)src)[i] = i * 2654435761u;
	memset(dst, 0, size);

	t0 = ktime_get();
	for (i = 0; i < rounds && !rc; i++)
		rc = rgpu_engine_copy(r, daddr, saddr, pitch, w, h);
	eng_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (rc) {
		seq_printf(m, "engine bench: SRC_COPY failed: %d\n", rc);
		goto out;
	}
	bad = memcmp(src, dst, size) != 0;

	t0 = ktime_get();
	for (i = 0; i < rounds; i++)
		memcpy(dst, src, size);
	cpu_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	seq_printf(m, "engine bench: %ux%u XRGB8888 frame (%zu KiB), %u copies each\n", w, h,
		   size >> 10, rounds);
	seq_printf(m, "copy engine SRC_COPY: %lld us per frame, result %s\n",
		   eng_ns / rounds / 1000, bad ? "WRONG" : "exact");
	seq_printf(m, "cpu memcpy:           %lld us per frame\n", cpu_ns / rounds / 1000);

	/* A destination past the slice: the device must reject it, we
	 * must report it, and the engine must work again afterwards. */
	rc = rgpu_engine_copy(r, (u32)(r->gm_base + r->gm_size - PAGE_SIZE), saddr, pitch, w, h);
	seq_printf(m, "out-of-slice SRC_COPY: %d (%s), device error %u\n", rc,
		   rc == -EIO ? "rejected and reported" : "NOT rejected", r->eng_last_error);
	bad |= rc != -EIO || r->eng_last_error != RGPU_ERR_ADDRESS;
	rc = rgpu_engine_copy(r, daddr, saddr, pitch, w, h);
	seq_printf(m, "after the rejection: SRC_COPY %d\n", rc);
	bad |= rc != 0;
	seq_printf(m, "engine bench: %s\n", bad ? "FAIL" : "PASS");
	rc = 0;
out:
	if (dbo)
		rgpu_kbo_put(dbo, dst);
	if (sbo)
		rgpu_kbo_put(sbo, src);
	mutex_unlock(&r->eng_lock);
	return rc;
}
