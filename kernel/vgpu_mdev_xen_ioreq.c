// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_xen_ioreq.c - the IOREQ protocol side of vgpu_mdev_xen.ko:
 * serving a vCPU's ioreq slot.  The event channel's hard IRQ queues the
 * vCPU's work; the work takes the request out of the slot (read once),
 * validates it, applies a write to guest memory with vfio_dma_rw, delivers
 * the hit to the core (vgpu_mdev_track_hit) and answers the vCPU
 * (IORESP_READY, notify, late EOI).  attach's poll and detach's drain use
 * the same vgpu_mdev_xen_serve().  The server's lifecycle (dm_ops, ioreq
 * page, ports, attach/detach) is in vgpu_mdev_xen_main.c, whose top comment
 * is the design: what Xen sends, how it is checked, the lock order and who
 * frees the state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <xen/events.h>

#include "vgpu_mdev.h"
#include "vgpu_mdev_xen_abi.h"
#include "vgpu_mdev_xen.h"

static bool vgpu_mdev_xen_recent(struct vgpu_mdev_xen_server *srv, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < VGPU_MDEV_XEN_RECENT; i++)
		if (srv->recent[i] == gfn)
			return true;
	return false;
}

void vgpu_mdev_xen_recent_add(struct vgpu_mdev_xen_server *srv, u64 gfn)
{
	srv->recent[srv->recent_next] = gfn;
	srv->recent_next = (srv->recent_next + 1) % VGPU_MDEV_XEN_RECENT;
}

/* May guest memory be written through the device's container?  Asked
 * until the answer is yes (the backend registers the device after
 * open_device). */
static bool vgpu_mdev_xen_dma_ok(struct vgpu_mdev_xen_server *srv)
{
	if (!srv->dma_ok && srv->serves(srv->vdev))
		srv->dma_ok = true;
	return srv->dma_ok;
}

/* Answer the request in vc's slot (state INPROCESS) and notify the vCPU. */
void vgpu_mdev_xen_respond(struct vgpu_mdev_xen_server *srv, struct vgpu_mdev_xen_vcpu *vc,
			   bool set_data, u64 data)
{
	struct xen_ioreq *slot = &srv->slots[vc->id];
	u8 flags = READ_ONCE(slot->flags);

	if (set_data)
		WRITE_ONCE(slot->data, data);
	virt_wmb();	/* the data before the state */
	WRITE_ONCE(slot->flags, (flags & ~XEN_IOREQ_STATE_MASK) | STATE_IORESP_READY);
	if (vc->irq >= 0)
		notify_remote_via_irq(vc->irq);
}

/*
 * Apply a validated COPY write of len bytes at gpa (one frame).  Single
 * and rep stos writes are a pattern of `word'; rep movs copies from the
 * guest's source at src_lo, element by element when the two ranges overlap
 * (the architectural result of a rep movs in either direction).
 */
static int vgpu_mdev_xen_apply_write(struct vgpu_mdev_xen_server *srv, struct vgpu_mdev_xen_req *rq,
				     bool ptr, u64 src_lo, u32 size, u32 count, bool df)
{
	u32 i;
	int rc;

	if (!ptr && count == 1) {
		rq->buf = &rq->word;
		return vfio_dma_rw(srv->vdev, rq->gpa, rq->buf, rq->len, true);
	}
	rq->buf = kmalloc(rq->len, GFP_KERNEL);
	if (!rq->buf)
		return -ENOMEM;
	if (!ptr) {
		for (i = 0; i < count; i++)
			memcpy(rq->buf + i * size, &rq->word, size);
		return vfio_dma_rw(srv->vdev, rq->gpa, rq->buf, rq->len, true);
	}
	if (src_lo + rq->len <= rq->gpa || rq->gpa + rq->len <= src_lo) {
		rc = vfio_dma_rw(srv->vdev, src_lo, rq->buf, rq->len, false);
		return rc ? rc : vfio_dma_rw(srv->vdev, rq->gpa, rq->buf, rq->len, true);
	}
	/* Overlapping rep movs: one element at a time, in the guest's order. */
	for (i = 0; i < count; i++) {
		u32 off = df ? (count - 1 - i) * size : i * size;
		u64 tmp = 0;

		rc = vfio_dma_rw(srv->vdev, src_lo + off, &tmp, size, false);
		if (!rc)
			rc = vfio_dma_rw(srv->vdev, rq->gpa + off, &tmp, size, true);
		if (rc)
			return rc;
	}
	/* What the frame now holds, for the device model. */
	return vfio_dma_rw(srv->vdev, rq->gpa, rq->buf, rq->len, false);
}

/*
 * Serve the request in vc's slot, if one is pending.  allow_hit: the
 * caller will deliver the hit (the work); otherwise (attach's poll,
 * detach's drain) a write is applied and answered at once.
 * Called with srv->lock held.
 */
enum vgpu_mdev_xen_outcome vgpu_mdev_xen_serve(struct vgpu_mdev_xen_server *srv,
					       struct vgpu_mdev_xen_vcpu *vc,
					       struct vgpu_mdev_xen_req *rq, bool allow_hit)
{
	struct xen_ioreq *slot = &srv->slots[vc->id];
	u64 addr, data, span, gfn, src_lo = 0;
	bool read, ptr, df, hit = false;
	u32 count, size;
	u8 flags, type;
	void *entry;
	int rc;

	lockdep_assert_held(&srv->lock);
	flags = READ_ONCE(slot->flags);
	if (vc->busy || (flags & XEN_IOREQ_STATE_MASK) != STATE_IOREQ_READY)
		return VGPU_MDEV_XEN_NONE;
	virt_rmb();	/* the state before the contents */
	addr = READ_ONCE(slot->addr);
	data = READ_ONCE(slot->data);
	count = READ_ONCE(slot->count);
	size = READ_ONCE(slot->size);
	type = READ_ONCE(slot->type);
	read = flags & XEN_IOREQ_DIR_READ;
	ptr = flags & XEN_IOREQ_DATA_IS_PTR;
	df = flags & XEN_IOREQ_DF;
	WRITE_ONCE(slot->flags, (flags & ~XEN_IOREQ_STATE_MASK) | STATE_IOREQ_INPROCESS);

	memset(rq, 0, sizeof(*rq));
	if (type == IOREQ_TYPE_INVALIDATE)
		goto done;	/* mapcache flush: we cache nothing */
	if (type != IOREQ_TYPE_COPY) {
		vgpu_mdev_xen_warn(srv, "unexpected ioreq type %u (vcpu %u): ignored\n", type,
				   vc->id);
		data = ~0ull;	/* what a read of nothing returns */
		goto done;
	}
	if ((size != 1 && size != 2 && size != 4 && size != 8) || !count ||
	    count > PAGE_SIZE / size) {
		vgpu_mdev_xen_warn(srv, "bad ioreq size %u count %u at %#llx (vcpu %u): ignored\n",
				   size, count, addr, vc->id);
		data = ~0ull;
		goto done;
	}
	if (read) {
		/* Xen completes reads of our frames itself: never expected. */
		if (ptr || count != 1)
			goto bad_read;
		gfn = addr >> PAGE_SHIFT;
		if ((addr + size - 1) >> PAGE_SHIFT != gfn || !xa_load(&srv->tracked, gfn) ||
		    !vgpu_mdev_xen_dma_ok(srv))
			goto bad_read;
		data = 0;
		if (vfio_dma_rw(srv->vdev, addr, &data, size, false))
			goto bad_read;
		goto done;
	}

	/* A write: [gpa, gpa + len) must lie in one frame of ours. */
	span = (u64)(count - 1) * size;
	rq->len = count * size;
	if (df && addr < span)
		goto bad_write;
	rq->gpa = df ? addr - span : addr;
	gfn = rq->gpa >> PAGE_SHIFT;
	if ((rq->gpa + rq->len - 1) >> PAGE_SHIFT != gfn)
		goto bad_write;
	entry = xa_load(&srv->tracked, gfn);
	if (!entry && !vgpu_mdev_xen_recent(srv, gfn))
		goto bad_write;
	if (ptr) {
		if (df && data < span)
			goto bad_write;
		src_lo = df ? data - span : data;
	} else {
		rq->word = data;
	}
	if (!vgpu_mdev_xen_dma_ok(srv)) {
		vgpu_mdev_xen_warn(srv,
				   "the device is not served by vfio_iommu_xen: write to %#llx dropped\n",
				   rq->gpa);
		goto done;
	}
	rc = vgpu_mdev_xen_apply_write(srv, rq, ptr, src_lo, size, count, df);
	if (rc) {
		vgpu_mdev_xen_warn(srv, "write of %u bytes at %#llx failed (%d): dropped\n",
				   rq->len, rq->gpa, rc);
		goto done;
	}
	atomic_long_inc(&vgpu_mdev_xen_stats.writes_applied);
	hit = allow_hit && entry == VGPU_MDEV_XEN_TRACKED;
	goto done;

bad_write:
	vgpu_mdev_xen_warn(srv,
			   "write to %#llx (size %u count %u%s) is not in a tracked frame: dropped\n",
			   addr, size, count, ptr ? " rep movs" : "");
	goto done;
bad_read:
	vgpu_mdev_xen_warn(srv, "read of %#llx (size %u count %u) not served: all ones\n",
			   addr, size, count);
	data = ~0ull;
done:
	if (hit) {
		vc->busy = true;
		return VGPU_MDEV_XEN_HIT;
	}
	if (rq->buf != &rq->word)
		kfree(rq->buf);
	rq->buf = NULL;
	vgpu_mdev_xen_respond(srv, vc, read && !ptr, data);
	return VGPU_MDEV_XEN_DONE;
}

void vgpu_mdev_xen_vcpu_work(struct work_struct *work)
{
	struct vgpu_mdev_xen_vcpu *vc = container_of(work, struct vgpu_mdev_xen_vcpu, work);
	struct vgpu_mdev_xen_server *srv = vc->srv;
	enum vgpu_mdev_xen_outcome out = VGPU_MDEV_XEN_NONE;
	struct vgpu_mdev_xen_req rq;

	mutex_lock(&srv->lock);
	if (!srv->closing)
		out = vgpu_mdev_xen_serve(srv, vc, &rq, true);
	mutex_unlock(&srv->lock);

	if (out == VGPU_MDEV_XEN_HIT) {
		/* Nothing of ours held: the core takes the vGPU lock. */
		vgpu_mdev_track_hit(srv->md, rq.gpa, rq.buf, rq.len);
		if (rq.buf != &rq.word)
			kfree(rq.buf);
	}

	mutex_lock(&srv->lock);
	if (out == VGPU_MDEV_XEN_HIT && vc->busy) {	/* else detach answered it */
		vgpu_mdev_xen_respond(srv, vc, false, 0);
		vc->busy = false;
	}
	/* Under the lock: detach unbinds the port only after closing. */
	if (!srv->closing)
		xen_irq_lateeoi(vc->irq, out == VGPU_MDEV_XEN_NONE ? XEN_EOI_FLAG_SPURIOUS : 0);
	mutex_unlock(&srv->lock);

	kref_put(&srv->ref, vgpu_mdev_xen_release);	/* may free vc and work */
}

irqreturn_t vgpu_mdev_xen_irq(int irq, void *dev_id)
{
	struct vgpu_mdev_xen_vcpu *vc = dev_id;

	kref_get(&vc->srv->ref);
	if (!queue_work(vgpu_mdev_xen_wq, &vc->work)) {
		/* Cannot happen while the channel is masked until our late
		 * EOI; if it does, the pending work serves the slot.  Not the
		 * last reference: the attachment holds one while bound. */
		refcount_dec(&vc->srv->ref.refcount);
		xen_irq_lateeoi(irq, 0);
	}
	return IRQ_HANDLED;
}
