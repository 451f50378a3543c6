// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_mdev_xen_main.c - vgpu_mdev_xen.ko: write tracking of guest frames for
 * vgpu_mdev instances served to Xen HVM guests from a PV dom0, through an
 * IOREQ server of our own that claims Xen's p2m_ioreq_server memory type.
 * The Xen counterpart of vgpu_mdev_kvm.c (same vgpu_mdev_tracker contract).
 * This file is the server's lifecycle (dm_ops, the ioreq page, event
 * channels, attach/detach, the tracker ops, the module); serving a vCPU's
 * slot (the `request' step below) is vgpu_mdev_xen_ioreq.c; vgpu_mdev_xen.h
 * has the state the two share.
 *
 * Why in the kernel: on Xen the VFIO consumer is QEMU-xen, which never
 * claims p2m_ioreq_server, and the device model (the core) lives in
 * vgpu_mdev.ko.  A user-space IOREQ server (vgpu-backend does it for the
 * daemon path) would need a private channel back into the module for every
 * trapped write; here the trapped write goes straight to
 * vgpu_mdev_track_hit().  The type can have one claimer per domain: where
 * vgpu-backend already claims it, attach fails with -EBUSY and the instance
 * runs untracked.
 *
 * Which devices: those whose iommu group vfio_iommu_xen binds to a domain
 * (vfio_iommu_xen_bound_domid(), looked up with symbol_get: no link
 * dependency on that module, which the project builds after this one;
 * IOVA = guest-physical address, no vIOMMU in xenfv, so a tracked IOVA
 * frame is a gfn).  Guest memory is written
 * with vfio_dma_rw() through that backend's foreign mappings (a dom0
 * mapping write does not trap), and only once the backend really serves
 * the device's container (vfio_iommu_xen_serves(), known after
 * open_device: attach, which runs inside open_device, touches no guest
 * memory).
 *
 * Per attached device (= per domain, one server each):
 *  attach  create_ioreq_server (no buffered ring) -> get_ioreq_server_info
 *          with flags 0 (Xen allocates the ioreq page from the domain's
 *          ioreq-server gfn pool, HVM_PARAM_IOREQ_SERVER_PFN / 8 pages set
 *          up by libxenguest, and reports its gfn) -> map that gfn into
 *          dom0 (unpopulated page + mmu_update with foreigndom) while the
 *          server is still disabled: enabling removes the gfn from the
 *          guest's p2m (and clears the page), our mapping keeps its page
 *          reference -> claim HVMMEM_ioreq_server for writes (EBUSY: another
 *          server has it) -> enable -> XEN_DMOP_nr_vcpus -> for each vCPU
 *          slot with a vp_eport (written by Xen at enable) bind the port
 *          (EVTCHNOP_bind_interdomain + bind_evtchn_to_irqhandler_lateeoi)
 *          -> poll the slots once (a request sent before our bind lost its
 *          notification).  No I/O range, no PCI device: only the type.
 *  enable  set_mem_type(gfn, ioreq_server); disable: back to ram_rw.
 *  request hard IRQ -> queue this vCPU's work (the channel stays masked
 *          until our late EOI).  The work: state READY? -> virt_rmb() ->
 *          copy the slot (it is read once: never re-read a field) ->
 *          INPROCESS -> validate -> apply to guest memory with vfio_dma_rw
 *          -> vgpu_mdev_track_hit (no lock of ours held) -> data (reads) ->
 *          virt_wmb() -> IORESP_READY -> notify -> late EOI.  The vCPU is
 *          blocked until IORESP_READY: a write is applied and seen by the
 *          device model before the guest runs on, as with KVM.
 *  detach  every tracked gfn back to ram_rw -> unclaim (Xen also resets any
 *          p2m_ioreq_server entry left) -> answer what is in flight and
 *          stop serving -> disable + destroy the server -> unbind the
 *          ports -> unmap the ioreq page.  A dead domain makes the dm_ops
 *          fail: logged once, teardown goes on; the mapping is always
 *          dropped (a dom0 mapping left behind keeps a domain a zombie).
 *
 * What Xen sends us: writes to our p2m_ioreq_server frames as
 * IOREQ_TYPE_COPY (reads of such frames Xen completes itself), single
 * (size 1/2/4/8, count 1), rep stos (count > 1, the same data each rep) or
 * rep movs (data_is_ptr: data is the guest paddr of the source), the rep
 * range truncated by Xen to one frame; and IOREQ_TYPE_INVALIDATE, which
 * Xen broadcasts synchronously to every enabled server (answered at once:
 * we cache no mapping of guest memory).  All of it is guest-influenced:
 * sizes, counts and ranges are checked, the written range must lie in one
 * frame we track (or tracked a moment ago, see recent[]), and anything
 * else is completed without effect (ratelimited warning, errors counter);
 * nothing loops longer than one page of work per request.
 *
 * Lock order (outermost first):
 *   md->lock (open/close) > md->track_lock (vgpu_mdev_track.c)
 *   > [vGPU lock: the core calls track_enable/disable with it held]
 *   > srv->lock > vfio_iommu_xen's container lock (vfio_dma_rw)
 *   > event-channel/IRQ internals (notify, late EOI).
 * The work takes srv->lock only around the slot and vfio_dma_rw, and calls
 * vgpu_mdev_track_hit() with nothing of ours held: the hit takes the vGPU
 * lock, and the core may enable tracking of another frame inside it (vGPU
 * lock > track_lock > srv->lock).  detach is called with md->track_lock
 * held, so it must never wait for a work (the work may be blocked on the
 * vGPU lock, whose holder may wait for track_lock): it answers in-flight
 * requests itself, marks the state closing, unbinds the ports (free_irq
 * waits only for the hard-IRQ handler) and drops its reference; a work
 * still running holds its own and frees the state last.  That state pins
 * the vfio_device (get_device) so md stays valid for a late
 * vgpu_mdev_track_hit; the module's exit drains the workqueue.
 *
 * Limits: 4 KiB frames, HAP guests only (Xen's rule for the type), at most
 * PAGE_SIZE / 32 = 128 vCPUs (one ioreq slot each), one tracked vGPU per
 * domain (the type has one claimer: a second instance of the same domain
 * gets -EBUSY and runs untracked; sharing a server would need per-gfn
 * dispatch), 8 non-default servers per domain (Xen), and the ioreq
 * page comes from the domain's ioreq-server gfn pool (legacy gfn mode;
 * XENMEM_acquire_resource would avoid the pool but needs a PV mapping of
 * a Xen-owned frame, not done here).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/xen.h>
#include <xen/xen.h>

#include "vgpu_mdev.h"
#include "vfio_iommu_xen.h"
#include "xen_dmop.h"		/* XEN_DMOP_modified_memory, from vfio_iommu_xen */
#include "vgpu_mdev_xen_abi.h"
#include "vgpu_mdev_xen.h"

/* One ioreq slot per vCPU in the page. */
#define VGPU_MDEV_XEN_MAX_SLOTS	(PAGE_SIZE / sizeof(struct xen_ioreq))
/* Frames the PTE of a foreign mapping can name (52-bit machine addresses). */
#define VGPU_MDEV_XEN_GFN_LIMIT	(1ull << (52 - PAGE_SHIFT))
/* Bound on re-issues of a dm_op Xen asked to continue (-ERESTART). */
#define VGPU_MDEV_XEN_MAX_RESTARTS	4096

/* -------------------------------------------------------------- counters */
struct vgpu_mdev_xen_stats vgpu_mdev_xen_stats;

struct workqueue_struct *vgpu_mdev_xen_wq;
static struct kobject *vgpu_mdev_xen_kobj;
/* domid -> the vgpu_mdev_xen_server serving it: one server (one vGPU) per domain. */
static DEFINE_XARRAY(vgpu_mdev_xen_domains);

/* --------------------------------------------------------------- dm_op */
static int vgpu_mdev_xen_dm_op(domid_t domid, struct vgpu_mdev_xen_dm_op *op)
{
	struct xen_dm_op_buf buf;
	unsigned int tries = 0;
	int rc;

	set_xen_guest_handle(buf.h, op);
	buf.size = sizeof(*op);
	/*
	 * A PV caller normally never sees -ERESTART (Xen re-executes the
	 * hypercall itself), but if it does, the op in our buffer already
	 * describes what remains (set_mem_type's first_pfn/nr,
	 * map_mem_type's opaque): issue it again.
	 */
	for (;;) {
		rc = HYPERVISOR_dm_op(domid, 1, &buf);
		if (rc != -ERESTART || ++tries >= VGPU_MDEV_XEN_MAX_RESTARTS)
			break;
		cond_resched();
	}
	return rc;
}

static int vgpu_mdev_xen_set_mem_type(struct vgpu_mdev_xen_server *srv, u64 gfn, u16 type)
{
	struct vgpu_mdev_xen_dm_op op = { .op = XEN_DMOP_set_mem_type };

	op.u.set_mem_type.nr = 1;
	op.u.set_mem_type.mem_type = type;
	op.u.set_mem_type.first_pfn = gfn;
	return vgpu_mdev_xen_dm_op(srv->domid, &op);
}

static int vgpu_mdev_xen_claim_type(struct vgpu_mdev_xen_server *srv, u32 flags)
{
	struct vgpu_mdev_xen_dm_op op = { .op = XEN_DMOP_map_mem_type_to_ioreq_server };

	op.u.map_mem_type_to_ioreq_server.id = srv->id;
	op.u.map_mem_type_to_ioreq_server.type = VGPU_MDEV_XEN_HVMMEM_ioreq_server;
	op.u.map_mem_type_to_ioreq_server.flags = flags;
	op.u.map_mem_type_to_ioreq_server.opaque = 0;
	return vgpu_mdev_xen_dm_op(srv->domid, &op);
}

static int vgpu_mdev_xen_set_state(struct vgpu_mdev_xen_server *srv, bool enabled)
{
	struct vgpu_mdev_xen_dm_op op = { .op = XEN_DMOP_set_ioreq_server_state };

	op.u.set_ioreq_server_state.id = srv->id;
	op.u.set_ioreq_server_state.enabled = enabled;
	return vgpu_mdev_xen_dm_op(srv->domid, &op);
}

/* A teardown step failed: the domain is probably dead or dying. */
static void vgpu_mdev_xen_teardown_err(struct vgpu_mdev_xen_server *srv, const char *what, int rc)
{
	atomic_long_inc(&vgpu_mdev_xen_stats.errors);
	if (!srv->teardown_logged) {
		srv->teardown_logged = true;
		pr_warn("dom%u: %s failed (%d) while detaching (domain gone or dying?); "
			"tearing down the rest anyway\n", srv->domid, what, rc);
	}
}

/* ------------------------------------------------------ the ioreq page */
static int vgpu_mdev_xen_map_ioreq_page(struct vgpu_mdev_xen_server *srv, u64 gfn)
{
	struct mmu_update mu;
	struct page *page;
	unsigned int level;
	pte_t *ptep;
	int rc;

	if (gfn >= VGPU_MDEV_XEN_GFN_LIMIT)
		return -EINVAL;
	rc = xen_alloc_unpopulated_pages(1, &page);
	if (rc)
		return rc;
	ptep = lookup_address((unsigned long)page_address(page), &level);
	/* Expected: a 4 KiB direct-map PTE, empty (measured in the rig). */
	if (!ptep || level != PG_LEVEL_4K || pte_val_ma(*ptep)) {
		rc = -EFAULT;
		goto free;
	}
	mu.ptr = arbitrary_virt_to_machine(ptep).maddr | MMU_NORMAL_PT_UPDATE;
	mu.val = pte_val_ma(mfn_pte(gfn, PAGE_KERNEL));
	rc = HYPERVISOR_mmu_update(&mu, 1, NULL, srv->domid);
	if (rc)
		goto free;
	srv->iopage = page;
	srv->slots = page_address(page);
	atomic_long_inc(&vgpu_mdev_xen_stats.ioreq_pages_mapped);
	return 0;
free:
	xen_free_unpopulated_pages(1, &page);
	return rc;
}

static void vgpu_mdev_xen_unmap_ioreq_page(struct vgpu_mdev_xen_server *srv)
{
	unsigned long va;
	int rc;

	if (!srv->iopage)
		return;
	va = (unsigned long)page_address(srv->iopage);
	rc = HYPERVISOR_update_va_mapping(va, __pte_ma(0), UVMF_INVLPG | UVMF_ALL);
	if (rc) {
		/* Never hand back a page that may still map a guest frame. */
		atomic_long_inc(&vgpu_mdev_xen_stats.errors);
		pr_err("dom%u: cannot unmap the ioreq page (%d): dom0 page leaked\n",
		       srv->domid, rc);
	} else {
		xen_free_unpopulated_pages(1, &srv->iopage);
		atomic_long_dec(&vgpu_mdev_xen_stats.ioreq_pages_mapped);
	}
	srv->iopage = NULL;
	srv->slots = NULL;
}

/* ------------------------------------------------------------ the state */
/* The last reference: the attachment's, or a work's that outlived it. */
void vgpu_mdev_xen_release(struct kref *ref)
{
	struct vgpu_mdev_xen_server *srv = container_of(ref, struct vgpu_mdev_xen_server, ref);
	struct vfio_device *vdev = srv->vdev;

	xa_destroy(&srv->tracked);
	mutex_destroy(&srv->lock);
	if (srv->serves)
		symbol_put(vfio_iommu_xen_serves);
	kfree(srv->vcpus);
	kfree(srv);
	atomic_long_dec(&vgpu_mdev_xen_stats.trackers);
	vfio_put_device(vdev);
}

/* ------------------------------------------------------ event channels */
/* A bind that failed half-way may have left our end open: close it only if
 * it is still the channel we bound (not a port reused since). */
static void vgpu_mdev_xen_close_if_ours(struct vgpu_mdev_xen_server *srv, evtchn_port_t local,
					evtchn_port_t remote)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = local };
	struct evtchn_close cl = { .port = local };

	if (HYPERVISOR_event_channel_op(EVTCHNOP_status, &st))
		return;
	if (st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == srv->domid &&
	    st.u.interdomain.port == remote)
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
}

static int vgpu_mdev_xen_bind_vcpu(struct vgpu_mdev_xen_server *srv, struct vgpu_mdev_xen_vcpu *vc)
{
	struct evtchn_bind_interdomain bi = {
		.remote_dom = srv->domid,
		.remote_port = vc->port,
	};
	int rc, irq;

	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
	if (rc)
		return rc;
	snprintf(vc->name, sizeof(vc->name), "vgpu-xen-d%u-v%u", srv->domid, vc->id);
	/*
	 * Under srv->lock until vc->irq is set: Xen marks a freshly bound
	 * interdomain port pending, so the handler fires as soon as it is
	 * installed and its work may run before this thread stores the irq.
	 * A work that saw irq -1 would skip the late EOI (the channel stays
	 * masked: every later request of this vCPU goes unnoticed) and could
	 * not notify the vCPU: the guest hangs at its first request.  The
	 * work takes srv->lock first, so it waits here.
	 */
	mutex_lock(&srv->lock);
	irq = bind_evtchn_to_irqhandler_lateeoi(bi.local_port, vgpu_mdev_xen_irq, 0, vc->name, vc);
	if (irq >= 0)
		vc->irq = irq;
	mutex_unlock(&srv->lock);
	if (irq < 0) {
		vgpu_mdev_xen_close_if_ours(srv, bi.local_port, vc->port);
		return irq;
	}
	atomic_long_inc(&vgpu_mdev_xen_stats.event_channels);
	return 0;
}

/* ------------------------------------------------------ attach / detach */
/* Undo whatever attach did (all of it for detach).  Safe on partial state. */
static void vgpu_mdev_xen_teardown(struct vgpu_mdev_xen_server *srv)
{
	unsigned long gfn;
	struct vgpu_mdev_xen_req rq;
	unsigned int i;
	void *entry;
	int rc;

	/* 1. Every frame back to ordinary RAM: writes stop trapping.  Writes
	 *    already in flight are still applied (VGPU_MDEV_XEN_RETIRED). */
	mutex_lock(&srv->lock);
	xa_for_each(&srv->tracked, gfn, entry) {
		if (entry == VGPU_MDEV_XEN_RETIRED)
			continue;
		rc = vgpu_mdev_xen_set_mem_type(srv, gfn, VGPU_MDEV_XEN_HVMMEM_ram_rw);
		if (rc)
			vgpu_mdev_xen_teardown_err(srv, "set_mem_type(ram_rw)", rc);
		xa_store(&srv->tracked, gfn, VGPU_MDEV_XEN_RETIRED, GFP_KERNEL);
		atomic_long_dec(&vgpu_mdev_xen_stats.tracked_frames);
	}
	mutex_unlock(&srv->lock);

	/* 2. Unclaim: Xen resets any p2m_ioreq_server entry still left. */
	if (srv->claimed) {
		rc = vgpu_mdev_xen_claim_type(srv, 0);
		if (rc)
			vgpu_mdev_xen_teardown_err(srv, "map_mem_type_to_ioreq_server(unmap)", rc);
		srv->claimed = false;
	}

	/* 3. Answer what is in flight, then the works stand aside. */
	mutex_lock(&srv->lock);
	for (i = 0; srv->slots && i < srv->nr_vcpus; i++) {
		struct vgpu_mdev_xen_vcpu *vc = &srv->vcpus[i];

		if (vc->busy) {
			vgpu_mdev_xen_respond(srv, vc, false, 0);
			vc->busy = false;
		} else if (vc->irq >= 0) {
			vgpu_mdev_xen_serve(srv, vc, &rq, false);
		}
	}
	srv->closing = true;
	mutex_unlock(&srv->lock);

	/* 4. Disable and destroy the server (Xen frees its channel ends). */
	if (srv->enabled) {
		rc = vgpu_mdev_xen_set_state(srv, false);
		if (rc)
			vgpu_mdev_xen_teardown_err(srv, "set_ioreq_server_state(0)", rc);
		srv->enabled = false;
	}
	if (srv->created) {
		struct vgpu_mdev_xen_dm_op op = { .op = XEN_DMOP_destroy_ioreq_server };

		op.u.destroy_ioreq_server.id = srv->id;
		rc = vgpu_mdev_xen_dm_op(srv->domid, &op);
		if (rc)
			vgpu_mdev_xen_teardown_err(srv, "destroy_ioreq_server", rc);
		srv->created = false;
		atomic_long_dec(&vgpu_mdev_xen_stats.servers);
	}

	/* 5. Our ends of the channels (free_irq waits for a running handler,
	 *    never for a work). */
	for (i = 0; i < srv->nr_vcpus; i++) {
		struct vgpu_mdev_xen_vcpu *vc = &srv->vcpus[i];

		if (vc->irq < 0)
			continue;
		unbind_from_irqhandler(vc->irq, vc);
		vc->irq = -1;
		atomic_long_dec(&vgpu_mdev_xen_stats.event_channels);
	}

	/* 6. Nobody reads the slots any more (closing, irqs gone). */
	vgpu_mdev_xen_unmap_ioreq_page(srv);

	if (srv->registered) {
		xa_erase(&vgpu_mdev_xen_domains, srv->domid);
		srv->registered = false;
	}
}

/* The vCPUs, their slots and ports (after enable: Xen writes vp_eport then). */
static int vgpu_mdev_xen_bind_all(struct vgpu_mdev_xen_server *srv)
{
	struct vgpu_mdev_xen_dm_op op = { .op = XEN_DMOP_nr_vcpus };
	unsigned int i, bound = 0;
	int rc;

	/* XEN_DMOP_nr_vcpus is d->max_vcpus (Xen >= 4.15); without it, every
	 * slot of the page is a candidate and vp_eport != 0 marks a vCPU
	 * (port 0 is never allocated). */
	rc = vgpu_mdev_xen_dm_op(srv->domid, &op);
	srv->nr_vcpus = rc ? VGPU_MDEV_XEN_MAX_SLOTS :
			     min_t(u32, op.u.nr_vcpus.vcpus, VGPU_MDEV_XEN_MAX_SLOTS);
	if (!rc && op.u.nr_vcpus.vcpus > VGPU_MDEV_XEN_MAX_SLOTS)
		pr_warn("dom%u: %u vCPUs, only the first %lu have an ioreq slot\n", srv->domid,
			op.u.nr_vcpus.vcpus, VGPU_MDEV_XEN_MAX_SLOTS);
	srv->vcpus = kcalloc(srv->nr_vcpus, sizeof(*srv->vcpus), GFP_KERNEL);
	if (!srv->vcpus) {
		srv->nr_vcpus = 0;
		return -ENOMEM;
	}
	for (i = 0; i < srv->nr_vcpus; i++) {
		struct vgpu_mdev_xen_vcpu *vc = &srv->vcpus[i];

		vc->srv = srv;
		vc->id = i;
		vc->irq = -1;
		INIT_WORK(&vc->work, vgpu_mdev_xen_vcpu_work);
	}
	for (i = 0; i < srv->nr_vcpus; i++) {
		struct vgpu_mdev_xen_vcpu *vc = &srv->vcpus[i];

		vc->port = READ_ONCE(srv->slots[i].vp_eport);
		if (!vc->port)
			continue;
		rc = vgpu_mdev_xen_bind_vcpu(srv, vc);
		if (rc) {
			pr_warn("dom%u: cannot bind vCPU %u's ioreq port %u (%d)\n", srv->domid, i,
				vc->port, rc);
			return rc;
		}
		bound++;
	}
	if (!bound) {
		pr_warn("dom%u: the ioreq page names no vCPU event channel\n", srv->domid);
		return -ENODEV;
	}
	return 0;
}

/* The domain vfio_iommu_xen binds the device's group to, looked up at run
 * time (no link dependency: the project builds this module before it). */
static int vgpu_mdev_xen_bound_domid(struct vfio_device *vdev)
{
	int (*bound_domid)(struct device *dev);
	int domid;

	bound_domid = symbol_get(vfio_iommu_xen_bound_domid);
	if (!bound_domid)
		return -ENODEV;		/* backend not loaded: nothing is bound */
	domid = bound_domid(vdev->dev);
	symbol_put(vfio_iommu_xen_bound_domid);
	return domid;
}

static int vgpu_mdev_xen_attach(struct vgpu_mdev *md, struct vfio_device *vdev, void **priv)
{
	struct vgpu_mdev_xen_server *srv;
	struct vgpu_mdev_xen_dm_op op;
	struct vgpu_mdev_xen_req rq;
	unsigned int i;
	int domid, rc;

	if (!xen_initial_domain() || !xen_pv_domain())
		return -ENODEV;
	domid = vgpu_mdev_xen_bound_domid(vdev);
	if (domid < 0)
		return -ENODEV;		/* not bound to a domain: not ours */
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return -ENODEV;

	srv = kzalloc(sizeof(*srv), GFP_KERNEL);
	if (!srv)
		return -ENOMEM;
	kref_init(&srv->ref);
	mutex_init(&srv->lock);
	xa_init(&srv->tracked);
	memset(srv->recent, 0xff, sizeof(srv->recent));	/* no gfn is ~0 */
	srv->md = md;
	srv->vdev = vdev;
	get_device(&vdev->device);	/* md outlives a late hit */
	srv->domid = domid;
	atomic_long_inc(&vgpu_mdev_xen_stats.trackers);
	/* Held while the state lives: the works ask it. */
	srv->serves = symbol_get(vfio_iommu_xen_serves);
	if (!srv->serves) {
		rc = -ENODEV;
		goto fail;
	}

	/* Our claim of the type would refuse a second server for the domain. */
	rc = xa_insert(&vgpu_mdev_xen_domains, domid, srv, GFP_KERNEL);
	if (rc == -EBUSY)
		pr_warn("dom%u: write tracking already serves another vGPU of this domain "
			"(one tracked vGPU per domain); %s runs without it\n", domid,
			dev_name(vdev->dev));
	if (rc)
		goto fail;
	srv->registered = true;

	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_create_ioreq_server;
	op.u.create_ioreq_server.handle_bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
	rc = vgpu_mdev_xen_dm_op(srv->domid, &op);
	if (rc) {
		pr_warn("dom%u: cannot create an IOREQ server (%d)\n", srv->domid, rc);
		goto fail;
	}
	srv->id = op.u.create_ioreq_server.id;
	srv->created = true;
	atomic_long_inc(&vgpu_mdev_xen_stats.servers);

	/* flags 0: Xen hands the ioreq page out by gfn (legacy gfn mode). */
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_get_ioreq_server_info;
	op.u.get_ioreq_server_info.id = srv->id;
	op.u.get_ioreq_server_info.flags = 0;
	rc = vgpu_mdev_xen_dm_op(srv->domid, &op);
	if (rc) {
		pr_warn("dom%u: no ioreq page for server %u (%d; the domain's ioreq-server gfn "
			"pool may be used up)\n", srv->domid, srv->id, rc);
		goto fail;
	}
	/* Before enabling: enable takes the gfn out of the guest's p2m. */
	rc = vgpu_mdev_xen_map_ioreq_page(srv, op.u.get_ioreq_server_info.ioreq_gfn);
	if (rc) {
		pr_warn("dom%u: cannot map the ioreq page (gfn %#llx): %d\n", srv->domid,
			op.u.get_ioreq_server_info.ioreq_gfn, rc);
		goto fail;
	}

	rc = vgpu_mdev_xen_claim_type(srv, XEN_DMOP_IOREQ_MEM_ACCESS_WRITE);
	if (rc == -EBUSY) {
		pr_warn("write tracking for dom%u is claimed by another IOREQ server "
			"(vgpu-backend?): one path per domain\n", srv->domid);
		goto fail;
	}
	if (rc) {
		pr_warn("dom%u: cannot claim the ioreq_server memory type (%d%s)\n", srv->domid,
			rc, rc == -EOPNOTSUPP ? ": the guest needs HAP" : "");
		goto fail;
	}
	srv->claimed = true;

	rc = vgpu_mdev_xen_set_state(srv, true);
	if (rc) {
		pr_warn("dom%u: cannot enable IOREQ server %u (%d)\n", srv->domid, srv->id, rc);
		goto fail;
	}
	srv->enabled = true;

	rc = vgpu_mdev_xen_bind_all(srv);
	if (rc)
		goto fail;

	/* A request sent before its port was bound lost its notification. */
	mutex_lock(&srv->lock);
	for (i = 0; i < srv->nr_vcpus; i++)
		if (srv->vcpus[i].irq >= 0)
			vgpu_mdev_xen_serve(srv, &srv->vcpus[i], &rq, false);
	mutex_unlock(&srv->lock);

	pr_info("dom%u: IOREQ server %u tracks writes for %s (%u vCPU slots)\n", srv->domid,
		srv->id, dev_name(vdev->dev), srv->nr_vcpus);
	*priv = srv;
	return 0;

fail:
	vgpu_mdev_xen_teardown(srv);
	kref_put(&srv->ref, vgpu_mdev_xen_release);
	return rc;
}

static void vgpu_mdev_xen_detach(void *priv)
{
	struct vgpu_mdev_xen_server *srv = priv;

	vgpu_mdev_xen_teardown(srv);
	pr_info("dom%u: IOREQ server detached\n", srv->domid);
	kref_put(&srv->ref, vgpu_mdev_xen_release);	/* a running work may hold the last */
}

static int vgpu_mdev_xen_enable(void *priv, u64 gfn)
{
	struct vgpu_mdev_xen_server *srv = priv;
	void *entry;
	int rc = 0;

	if (gfn >= VGPU_MDEV_XEN_GFN_LIMIT)
		return -EINVAL;
	mutex_lock(&srv->lock);
	if (srv->closing) {
		rc = -ENODEV;
		goto out;
	}
	entry = xa_load(&srv->tracked, gfn);
	if (entry == VGPU_MDEV_XEN_TRACKED)
		goto out;
	if (entry == VGPU_MDEV_XEN_ORPHAN) {	/* still of type ioreq_server */
		xa_store(&srv->tracked, gfn, VGPU_MDEV_XEN_TRACKED, GFP_KERNEL);
		goto out;
	}
	rc = xa_insert(&srv->tracked, gfn, VGPU_MDEV_XEN_TRACKED, GFP_KERNEL);
	if (rc)
		goto out;
	rc = vgpu_mdev_xen_set_mem_type(srv, gfn, VGPU_MDEV_XEN_HVMMEM_ioreq_server);
	if (rc) {
		xa_erase(&srv->tracked, gfn);
		vgpu_mdev_xen_warn(srv, "cannot write-protect gfn %#llx (%d)\n", gfn, rc);
		goto out;
	}
	atomic_long_inc(&vgpu_mdev_xen_stats.tracked_frames);
out:
	mutex_unlock(&srv->lock);
	return rc;
}

static int vgpu_mdev_xen_disable(void *priv, u64 gfn)
{
	struct vgpu_mdev_xen_server *srv = priv;
	void *entry;
	int rc = 0;

	mutex_lock(&srv->lock);
	entry = xa_load(&srv->tracked, gfn);
	if (entry != VGPU_MDEV_XEN_TRACKED)
		goto out;	/* not tracked, or already an orphan */
	rc = vgpu_mdev_xen_set_mem_type(srv, gfn, VGPU_MDEV_XEN_HVMMEM_ram_rw);
	if (rc) {
		/* Still write-trapped: keep applying its writes (no hits);
		 * retried at detach, where unclaiming resets it anyway. */
		xa_store(&srv->tracked, gfn, VGPU_MDEV_XEN_ORPHAN, GFP_KERNEL);
		vgpu_mdev_xen_warn(srv, "cannot release gfn %#llx (%d)\n", gfn, rc);
		goto out;
	}
	xa_erase(&srv->tracked, gfn);
	/* A write sent before the change may still be in a slot. */
	vgpu_mdev_xen_recent_add(srv, gfn);
	atomic_long_dec(&vgpu_mdev_xen_stats.tracked_frames);
out:
	mutex_unlock(&srv->lock);
	return rc;
}

/*
 * The engines wrote guest frames through vfio_iommu_xen's foreign mappings,
 * which Xen's log-dirty cannot see: report them, as the daemon does
 * (docs/hw-spec.md §10).  Xen ignores the report while log-dirty is
 * off.  Grant references (DMA address bit 63) are beyond
 * VGPU_MDEV_XEN_GFN_LIMIT: Xen marks a writably granted page dirty itself
 * when it is unmapped.
 */
static void vgpu_mdev_xen_mark_dirty(void *priv, u64 gfn, u64 nr)
{
	struct vgpu_mdev_xen_server *srv = priv;
	struct xen_dm_op op = { .op = XEN_DMOP_modified_memory };
	struct xen_dm_op_modified_memory_extent ext = { .first_pfn = gfn };
	struct xen_dm_op_buf bufs[2];
	int rc;

	if (gfn >= VGPU_MDEV_XEN_GFN_LIMIT || !nr || nr > U32_MAX)
		return;
	ext.nr = nr;
	op.u.modified_memory.nr_extents = 1;
	set_xen_guest_handle(bufs[0].h, &op);
	bufs[0].size = sizeof(op);
	set_xen_guest_handle(bufs[1].h, &ext);
	bufs[1].size = sizeof(ext);
	rc = HYPERVISOR_dm_op(srv->domid, ARRAY_SIZE(bufs), bufs);
	if (rc && rc != -EOPNOTSUPP && rc != -ENOSYS && rc != -ESRCH)
		vgpu_mdev_xen_warn(srv, "modified_memory gfn %#llx+%llu: %d\n", gfn, nr, rc);
	else if (!rc)
		atomic_long_add(nr, &vgpu_mdev_xen_stats.dirty_reported);
}

static struct vgpu_mdev_tracker vgpu_mdev_xen_tracker = {
	.name = "xen",
	.owner = THIS_MODULE,
	.attach = vgpu_mdev_xen_attach,
	.detach = vgpu_mdev_xen_detach,
	.enable = vgpu_mdev_xen_enable,
	.disable = vgpu_mdev_xen_disable,
	.mark_dirty = vgpu_mdev_xen_mark_dirty,
};

/* ---------------------------------------------------- sysfs counters */
#define VGPU_MDEV_XEN_STAT_ATTR(name)							\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr,	\
			   char *buf)						\
{										\
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&vgpu_mdev_xen_stats.name));	\
}										\
static struct kobj_attribute vgpu_mdev_xen_attr_##name = __ATTR_RO(name)

VGPU_MDEV_XEN_STAT_ATTR(trackers);
VGPU_MDEV_XEN_STAT_ATTR(servers);
VGPU_MDEV_XEN_STAT_ATTR(ioreq_pages_mapped);
VGPU_MDEV_XEN_STAT_ATTR(event_channels);
VGPU_MDEV_XEN_STAT_ATTR(tracked_frames);
VGPU_MDEV_XEN_STAT_ATTR(writes_applied);
VGPU_MDEV_XEN_STAT_ATTR(dirty_reported);
VGPU_MDEV_XEN_STAT_ATTR(errors);

static struct attribute *vgpu_mdev_xen_attrs[] = {
	&vgpu_mdev_xen_attr_trackers.attr,
	&vgpu_mdev_xen_attr_servers.attr,
	&vgpu_mdev_xen_attr_ioreq_pages_mapped.attr,
	&vgpu_mdev_xen_attr_event_channels.attr,
	&vgpu_mdev_xen_attr_tracked_frames.attr,
	&vgpu_mdev_xen_attr_writes_applied.attr,
	&vgpu_mdev_xen_attr_dirty_reported.attr,
	&vgpu_mdev_xen_attr_errors.attr,
	NULL,
};

static const struct attribute_group vgpu_mdev_xen_attr_group = {
	.attrs = vgpu_mdev_xen_attrs,
};

/* ---------------------------------------------------------------- module */
static int __init vgpu_mdev_xen_init(void)
{
	int rc;

	/*
	 * Elsewhere (a KVM host) the module loads and stays idle: vgpu_mdev
	 * names it as a soft dependency beside vgpu_mdev_kvm, and a soft
	 * dependency that fails to load fails `modprobe vgpu_mdev`.
	 */
	if (!xen_initial_domain() || !xen_pv_domain()) {
		pr_info("not a Xen PV dom0: idle (no Xen write tracking here)\n");
		return 0;
	}
	vgpu_mdev_xen_wq = alloc_workqueue("vgpu_mdev_xen", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!vgpu_mdev_xen_wq)
		return -ENOMEM;
	vgpu_mdev_xen_kobj = kobject_create_and_add("vgpu_mdev_xen", kernel_kobj);
	if (!vgpu_mdev_xen_kobj) {
		rc = -ENOMEM;
		goto err_wq;
	}
	rc = sysfs_create_group(vgpu_mdev_xen_kobj, &vgpu_mdev_xen_attr_group);
	if (rc)
		goto err_kobj;
	rc = vgpu_mdev_register_tracker(&vgpu_mdev_xen_tracker);
	if (rc)
		goto err_kobj;
	return 0;

err_kobj:
	kobject_put(vgpu_mdev_xen_kobj);
err_wq:
	destroy_workqueue(vgpu_mdev_xen_wq);
	return rc;
}

static void __exit vgpu_mdev_xen_exit(void)
{
	if (!vgpu_mdev_xen_wq)
		return;		/* idle: nothing was set up */
	vgpu_mdev_unregister_tracker(&vgpu_mdev_xen_tracker);
	/* Works that outlived their detach (they free the last state). */
	destroy_workqueue(vgpu_mdev_xen_wq);
	kobject_put(vgpu_mdev_xen_kobj);
}

module_init(vgpu_mdev_xen_init);
module_exit(vgpu_mdev_xen_exit);

MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: vfio_iommu_xen");
MODULE_DESCRIPTION("vgpu_mdev write tracking through a Xen IOREQ server (p2m_ioreq_server)");
MODULE_AUTHOR("vgpu project");
