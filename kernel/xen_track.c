// SPDX-License-Identifier: GPL-2.0
/*
 * xen_track.c - vgpu_mdev_xen.ko: write tracking of guest frames for
 * vgpu_mdev instances served to Xen HVM guests from a PV dom0, through an
 * IOREQ server of our own that claims Xen's p2m_ioreq_server memory type.
 * The Xen counterpart of kvm_track.c (same vgpu_mdev_tracker contract).
 * This file is the server's lifecycle (dm_ops, the ioreq page, event
 * channels, attach/detach, the tracker ops, the module); serving a vCPU's
 * slot (the `request' step below) is xen_ioreq_serve.c; xen_track.h has
 * the state the two share.
 *
 * Why in the kernel: on Xen the VFIO consumer is QEMU-xen, which never
 * claims p2m_ioreq_server, and the device model (the core) lives in
 * vgpu_mdev.ko.  A user-space IOREQ server (vgpu-backend does it for the
 * daemon path) would need a private channel back into the module for every
 * trapped write; here the trapped write goes straight to vgpu_mdev_track_hit().
 * The type can have one claimer per domain: where vgpu-backend already
 * claims it, attach fails with -EBUSY and the instance runs untracked.
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
 *   > xt->lock > vfio_iommu_xen's container lock (vfio_dma_rw)
 *   > event-channel/IRQ internals (notify, late EOI).
 * The work takes xt->lock only around the slot and vfio_dma_rw, and calls
 * vgpu_mdev_track_hit() with nothing of ours held: the hit takes the vGPU lock,
 * and the core may enable tracking of another frame inside it
 * (vGPU lock > track_lock > xt->lock).  detach is called with
 * md->track_lock held, so it must never wait for a work (the work may be
 * blocked on the vGPU lock, whose holder may wait for track_lock): it
 * answers in-flight requests itself, marks the state closing, unbinds the
 * ports (free_irq waits only for the hard-IRQ handler) and drops its
 * reference; a work still running holds its own and frees the state last.
 * That state pins the vfio_device (get_device) so md stays valid for a
 * late vgpu_mdev_track_hit; the module's exit drains the workqueue.
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
#include "xen_ioreq.h"
#include "xen_track.h"

/* One ioreq slot per vCPU in the page. */
#define XT_MAX_SLOTS	(PAGE_SIZE / sizeof(struct xen_ioreq))
/* Frames the PTE of a foreign mapping can name (52-bit machine addresses). */
#define XT_GFN_LIMIT	(1ull << (52 - PAGE_SHIFT))
/* Bound on re-issues of a dm_op Xen asked to continue (-ERESTART). */
#define XT_MAX_RESTARTS	4096

/* -------------------------------------------------------------- counters */
struct xt_stats xt_stats;

struct workqueue_struct *xt_wq;
static struct kobject *xt_kobj;
/* domid -> the xt_server serving it: one server (one vGPU) per domain. */
static DEFINE_XARRAY(xt_domains);

/* --------------------------------------------------------------- dm_op */
static int xt_dm_op(domid_t domid, struct xt_dm_op *op)
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
		if (rc != -ERESTART || ++tries >= XT_MAX_RESTARTS)
			break;
		cond_resched();
	}
	return rc;
}

static int xt_set_mem_type(struct xt_server *xt, u64 gfn, u16 type)
{
	struct xt_dm_op op = { .op = XEN_DMOP_set_mem_type };

	op.u.set_mem_type.nr = 1;
	op.u.set_mem_type.mem_type = type;
	op.u.set_mem_type.first_pfn = gfn;
	return xt_dm_op(xt->domid, &op);
}

static int xt_claim_type(struct xt_server *xt, u32 flags)
{
	struct xt_dm_op op = { .op = XEN_DMOP_map_mem_type_to_ioreq_server };

	op.u.map_mem_type_to_ioreq_server.id = xt->id;
	op.u.map_mem_type_to_ioreq_server.type = XT_HVMMEM_ioreq_server;
	op.u.map_mem_type_to_ioreq_server.flags = flags;
	op.u.map_mem_type_to_ioreq_server.opaque = 0;
	return xt_dm_op(xt->domid, &op);
}

static int xt_set_state(struct xt_server *xt, bool enabled)
{
	struct xt_dm_op op = { .op = XEN_DMOP_set_ioreq_server_state };

	op.u.set_ioreq_server_state.id = xt->id;
	op.u.set_ioreq_server_state.enabled = enabled;
	return xt_dm_op(xt->domid, &op);
}

/* A teardown step failed: the domain is probably dead or dying. */
static void xt_teardown_err(struct xt_server *xt, const char *what, int rc)
{
	atomic_long_inc(&xt_stats.errors);
	if (!xt->teardown_logged) {
		xt->teardown_logged = true;
		pr_warn("dom%u: %s failed (%d) while detaching (domain gone or dying?); "
			"tearing down the rest anyway\n", xt->domid, what, rc);
	}
}

/* ------------------------------------------------------ the ioreq page */
static int xt_map_ioreq_page(struct xt_server *xt, u64 gfn)
{
	struct mmu_update mu;
	struct page *page;
	unsigned int level;
	pte_t *ptep;
	int rc;

	if (gfn >= XT_GFN_LIMIT)
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
	rc = HYPERVISOR_mmu_update(&mu, 1, NULL, xt->domid);
	if (rc)
		goto free;
	xt->iopage = page;
	xt->slots = page_address(page);
	atomic_long_inc(&xt_stats.ioreq_pages_mapped);
	return 0;
free:
	xen_free_unpopulated_pages(1, &page);
	return rc;
}

static void xt_unmap_ioreq_page(struct xt_server *xt)
{
	unsigned long va;
	int rc;

	if (!xt->iopage)
		return;
	va = (unsigned long)page_address(xt->iopage);
	rc = HYPERVISOR_update_va_mapping(va, __pte_ma(0), UVMF_INVLPG | UVMF_ALL);
	if (rc) {
		/* Never hand back a page that may still map a guest frame. */
		atomic_long_inc(&xt_stats.errors);
		pr_err("dom%u: cannot unmap the ioreq page (%d): dom0 page leaked\n",
		       xt->domid, rc);
	} else {
		xen_free_unpopulated_pages(1, &xt->iopage);
		atomic_long_dec(&xt_stats.ioreq_pages_mapped);
	}
	xt->iopage = NULL;
	xt->slots = NULL;
}

/* ------------------------------------------------------------ the state */
/* The last reference: the attachment's, or a work's that outlived it. */
void xt_release(struct kref *ref)
{
	struct xt_server *xt = container_of(ref, struct xt_server, ref);
	struct vfio_device *vdev = xt->vdev;

	xa_destroy(&xt->tracked);
	mutex_destroy(&xt->lock);
	if (xt->serves)
		symbol_put(vfio_iommu_xen_serves);
	kfree(xt->vcpus);
	kfree(xt);
	atomic_long_dec(&xt_stats.trackers);
	vfio_put_device(vdev);
}

/* ------------------------------------------------------ event channels */
/* A bind that failed half-way may have left our end open: close it only if
 * it is still the channel we bound (not a port reused since). */
static void xt_close_if_ours(struct xt_server *xt, evtchn_port_t local, evtchn_port_t remote)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = local };
	struct evtchn_close cl = { .port = local };

	if (HYPERVISOR_event_channel_op(EVTCHNOP_status, &st))
		return;
	if (st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == xt->domid &&
	    st.u.interdomain.port == remote)
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
}

static int xt_bind_vcpu(struct xt_server *xt, struct xt_vcpu *vc)
{
	struct evtchn_bind_interdomain bi = {
		.remote_dom = xt->domid,
		.remote_port = vc->port,
	};
	int rc, irq;

	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
	if (rc)
		return rc;
	snprintf(vc->name, sizeof(vc->name), "vgpu-xen-d%u-v%u", xt->domid, vc->id);
	/*
	 * Under xt->lock until vc->irq is set: Xen marks a freshly bound
	 * interdomain port pending, so the handler fires as soon as it is
	 * installed and its work may run before this thread stores the irq.
	 * A work that saw irq -1 would skip the late EOI (the channel stays
	 * masked: every later request of this vCPU goes unnoticed) and could
	 * not notify the vCPU: the guest hangs at its first request.  The
	 * work takes xt->lock first, so it waits here.
	 */
	mutex_lock(&xt->lock);
	irq = bind_evtchn_to_irqhandler_lateeoi(bi.local_port, xt_irq, 0, vc->name, vc);
	if (irq >= 0)
		vc->irq = irq;
	mutex_unlock(&xt->lock);
	if (irq < 0) {
		xt_close_if_ours(xt, bi.local_port, vc->port);
		return irq;
	}
	atomic_long_inc(&xt_stats.event_channels);
	return 0;
}

/* ------------------------------------------------------ attach / detach */
/* Undo whatever attach did (all of it for detach).  Safe on partial state. */
static void xt_teardown(struct xt_server *xt)
{
	unsigned long gfn;
	struct xt_req rq;
	unsigned int i;
	void *entry;
	int rc;

	/* 1. Every frame back to ordinary RAM: writes stop trapping.  Writes
	 *    already in flight are still applied (XT_RETIRED). */
	mutex_lock(&xt->lock);
	xa_for_each(&xt->tracked, gfn, entry) {
		if (entry == XT_RETIRED)
			continue;
		rc = xt_set_mem_type(xt, gfn, XT_HVMMEM_ram_rw);
		if (rc)
			xt_teardown_err(xt, "set_mem_type(ram_rw)", rc);
		xa_store(&xt->tracked, gfn, XT_RETIRED, GFP_KERNEL);
		atomic_long_dec(&xt_stats.tracked_frames);
	}
	mutex_unlock(&xt->lock);

	/* 2. Unclaim: Xen resets any p2m_ioreq_server entry still left. */
	if (xt->claimed) {
		rc = xt_claim_type(xt, 0);
		if (rc)
			xt_teardown_err(xt, "map_mem_type_to_ioreq_server(unmap)", rc);
		xt->claimed = false;
	}

	/* 3. Answer what is in flight, then the works stand aside. */
	mutex_lock(&xt->lock);
	for (i = 0; xt->slots && i < xt->nr_vcpus; i++) {
		struct xt_vcpu *vc = &xt->vcpus[i];

		if (vc->busy) {
			xt_respond(xt, vc, false, 0);
			vc->busy = false;
		} else if (vc->irq >= 0) {
			xt_serve(xt, vc, &rq, false);
		}
	}
	xt->closing = true;
	mutex_unlock(&xt->lock);

	/* 4. Disable and destroy the server (Xen frees its channel ends). */
	if (xt->enabled) {
		rc = xt_set_state(xt, false);
		if (rc)
			xt_teardown_err(xt, "set_ioreq_server_state(0)", rc);
		xt->enabled = false;
	}
	if (xt->created) {
		struct xt_dm_op op = { .op = XEN_DMOP_destroy_ioreq_server };

		op.u.destroy_ioreq_server.id = xt->id;
		rc = xt_dm_op(xt->domid, &op);
		if (rc)
			xt_teardown_err(xt, "destroy_ioreq_server", rc);
		xt->created = false;
		atomic_long_dec(&xt_stats.servers);
	}

	/* 5. Our ends of the channels (free_irq waits for a running handler,
	 *    never for a work). */
	for (i = 0; i < xt->nr_vcpus; i++) {
		struct xt_vcpu *vc = &xt->vcpus[i];

		if (vc->irq < 0)
			continue;
		unbind_from_irqhandler(vc->irq, vc);
		vc->irq = -1;
		atomic_long_dec(&xt_stats.event_channels);
	}

	/* 6. Nobody reads the slots any more (closing, irqs gone). */
	xt_unmap_ioreq_page(xt);

	if (xt->registered) {
		xa_erase(&xt_domains, xt->domid);
		xt->registered = false;
	}
}

/* The vCPUs, their slots and ports (after enable: Xen writes vp_eport then). */
static int xt_bind_all(struct xt_server *xt)
{
	struct xt_dm_op op = { .op = XEN_DMOP_nr_vcpus };
	unsigned int i, bound = 0;
	int rc;

	/* XEN_DMOP_nr_vcpus is d->max_vcpus (Xen >= 4.15); without it, every
	 * slot of the page is a candidate and vp_eport != 0 marks a vCPU
	 * (port 0 is never allocated). */
	rc = xt_dm_op(xt->domid, &op);
	xt->nr_vcpus = rc ? XT_MAX_SLOTS : min_t(u32, op.u.nr_vcpus.vcpus, XT_MAX_SLOTS);
	if (!rc && op.u.nr_vcpus.vcpus > XT_MAX_SLOTS)
		pr_warn("dom%u: %u vCPUs, only the first %lu have an ioreq slot\n", xt->domid,
			op.u.nr_vcpus.vcpus, XT_MAX_SLOTS);
	xt->vcpus = kcalloc(xt->nr_vcpus, sizeof(*xt->vcpus), GFP_KERNEL);
	if (!xt->vcpus) {
		xt->nr_vcpus = 0;
		return -ENOMEM;
	}
	for (i = 0; i < xt->nr_vcpus; i++) {
		struct xt_vcpu *vc = &xt->vcpus[i];

		vc->xt = xt;
		vc->id = i;
		vc->irq = -1;
		INIT_WORK(&vc->work, xt_vcpu_work);
	}
	for (i = 0; i < xt->nr_vcpus; i++) {
		struct xt_vcpu *vc = &xt->vcpus[i];

		vc->port = READ_ONCE(xt->slots[i].vp_eport);
		if (!vc->port)
			continue;
		rc = xt_bind_vcpu(xt, vc);
		if (rc) {
			pr_warn("dom%u: cannot bind vCPU %u's ioreq port %u (%d)\n", xt->domid, i,
				vc->port, rc);
			return rc;
		}
		bound++;
	}
	if (!bound) {
		pr_warn("dom%u: the ioreq page names no vCPU event channel\n", xt->domid);
		return -ENODEV;
	}
	return 0;
}

/* The domain vfio_iommu_xen binds the device's group to, looked up at run
 * time (no link dependency: the project builds this module before it). */
static int xt_bound_domid(struct vfio_device *vdev)
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

static int xt_attach(struct vgpu_mdev *md, struct vfio_device *vdev, void **priv)
{
	struct xt_server *xt;
	struct xt_dm_op op;
	struct xt_req rq;
	unsigned int i;
	int domid, rc;

	if (!xen_initial_domain() || !xen_pv_domain())
		return -ENODEV;
	domid = xt_bound_domid(vdev);
	if (domid < 0)
		return -ENODEV;		/* not bound to a domain: not ours */
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return -ENODEV;

	xt = kzalloc(sizeof(*xt), GFP_KERNEL);
	if (!xt)
		return -ENOMEM;
	kref_init(&xt->ref);
	mutex_init(&xt->lock);
	xa_init(&xt->tracked);
	memset(xt->recent, 0xff, sizeof(xt->recent));	/* no gfn is ~0 */
	xt->md = md;
	xt->vdev = vdev;
	get_device(&vdev->device);	/* md outlives a late hit */
	xt->domid = domid;
	atomic_long_inc(&xt_stats.trackers);
	/* Held while the state lives: the works ask it. */
	xt->serves = symbol_get(vfio_iommu_xen_serves);
	if (!xt->serves) {
		rc = -ENODEV;
		goto fail;
	}

	/* Our claim of the type would refuse a second server for the domain. */
	rc = xa_insert(&xt_domains, domid, xt, GFP_KERNEL);
	if (rc == -EBUSY)
		pr_warn("dom%u: write tracking already serves another vGPU of this domain "
			"(one tracked vGPU per domain); %s runs without it\n", domid,
			dev_name(vdev->dev));
	if (rc)
		goto fail;
	xt->registered = true;

	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_create_ioreq_server;
	op.u.create_ioreq_server.handle_bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
	rc = xt_dm_op(xt->domid, &op);
	if (rc) {
		pr_warn("dom%u: cannot create an IOREQ server (%d)\n", xt->domid, rc);
		goto fail;
	}
	xt->id = op.u.create_ioreq_server.id;
	xt->created = true;
	atomic_long_inc(&xt_stats.servers);

	/* flags 0: Xen hands the ioreq page out by gfn (legacy gfn mode). */
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_get_ioreq_server_info;
	op.u.get_ioreq_server_info.id = xt->id;
	op.u.get_ioreq_server_info.flags = 0;
	rc = xt_dm_op(xt->domid, &op);
	if (rc) {
		pr_warn("dom%u: no ioreq page for server %u (%d; the domain's ioreq-server gfn "
			"pool may be used up)\n", xt->domid, xt->id, rc);
		goto fail;
	}
	/* Before enabling: enable takes the gfn out of the guest's p2m. */
	rc = xt_map_ioreq_page(xt, op.u.get_ioreq_server_info.ioreq_gfn);
	if (rc) {
		pr_warn("dom%u: cannot map the ioreq page (gfn %#llx): %d\n", xt->domid,
			op.u.get_ioreq_server_info.ioreq_gfn, rc);
		goto fail;
	}

	rc = xt_claim_type(xt, XEN_DMOP_IOREQ_MEM_ACCESS_WRITE);
	if (rc == -EBUSY) {
		pr_warn("write tracking for dom%u is claimed by another IOREQ server "
			"(vgpu-backend?): one path per domain\n", xt->domid);
		goto fail;
	}
	if (rc) {
		pr_warn("dom%u: cannot claim the ioreq_server memory type (%d%s)\n", xt->domid,
			rc, rc == -EOPNOTSUPP ? ": the guest needs HAP" : "");
		goto fail;
	}
	xt->claimed = true;

	rc = xt_set_state(xt, true);
	if (rc) {
		pr_warn("dom%u: cannot enable IOREQ server %u (%d)\n", xt->domid, xt->id, rc);
		goto fail;
	}
	xt->enabled = true;

	rc = xt_bind_all(xt);
	if (rc)
		goto fail;

	/* A request sent before its port was bound lost its notification. */
	mutex_lock(&xt->lock);
	for (i = 0; i < xt->nr_vcpus; i++)
		if (xt->vcpus[i].irq >= 0)
			xt_serve(xt, &xt->vcpus[i], &rq, false);
	mutex_unlock(&xt->lock);

	pr_info("dom%u: IOREQ server %u tracks writes for %s (%u vCPU slots)\n", xt->domid,
		xt->id, dev_name(vdev->dev), xt->nr_vcpus);
	*priv = xt;
	return 0;

fail:
	xt_teardown(xt);
	kref_put(&xt->ref, xt_release);
	return rc;
}

static void xt_detach(void *priv)
{
	struct xt_server *xt = priv;

	xt_teardown(xt);
	pr_info("dom%u: IOREQ server detached\n", xt->domid);
	kref_put(&xt->ref, xt_release);	/* a running work may hold the last */
}

static int xt_enable(void *priv, u64 gfn)
{
	struct xt_server *xt = priv;
	void *entry;
	int rc = 0;

	if (gfn >= XT_GFN_LIMIT)
		return -EINVAL;
	mutex_lock(&xt->lock);
	if (xt->closing) {
		rc = -ENODEV;
		goto out;
	}
	entry = xa_load(&xt->tracked, gfn);
	if (entry == XT_TRACKED)
		goto out;
	if (entry == XT_ORPHAN) {	/* still of type ioreq_server */
		xa_store(&xt->tracked, gfn, XT_TRACKED, GFP_KERNEL);
		goto out;
	}
	rc = xa_insert(&xt->tracked, gfn, XT_TRACKED, GFP_KERNEL);
	if (rc)
		goto out;
	rc = xt_set_mem_type(xt, gfn, XT_HVMMEM_ioreq_server);
	if (rc) {
		xa_erase(&xt->tracked, gfn);
		xt_warn(xt, "cannot write-protect gfn %#llx (%d)\n", gfn, rc);
		goto out;
	}
	atomic_long_inc(&xt_stats.tracked_frames);
out:
	mutex_unlock(&xt->lock);
	return rc;
}

static int xt_disable(void *priv, u64 gfn)
{
	struct xt_server *xt = priv;
	void *entry;
	int rc = 0;

	mutex_lock(&xt->lock);
	entry = xa_load(&xt->tracked, gfn);
	if (entry != XT_TRACKED)
		goto out;	/* not tracked, or already an orphan */
	rc = xt_set_mem_type(xt, gfn, XT_HVMMEM_ram_rw);
	if (rc) {
		/* Still write-trapped: keep applying its writes (no hits);
		 * retried at detach, where unclaiming resets it anyway. */
		xa_store(&xt->tracked, gfn, XT_ORPHAN, GFP_KERNEL);
		xt_warn(xt, "cannot release gfn %#llx (%d)\n", gfn, rc);
		goto out;
	}
	xa_erase(&xt->tracked, gfn);
	/* A write sent before the change may still be in a slot. */
	xt_recent_add(xt, gfn);
	atomic_long_dec(&xt_stats.tracked_frames);
out:
	mutex_unlock(&xt->lock);
	return rc;
}

/*
 * The engines wrote guest frames through vfio_iommu_xen's foreign
 * mappings, which Xen's log-dirty cannot see: report them, as the daemon
 * does (docs/hw-spec.md §10).  Xen ignores the report while log-dirty is
 * off.  Grant references (DMA address bit 63) are beyond XT_GFN_LIMIT:
 * Xen marks a writably granted page dirty itself when it is unmapped.
 */
static void xt_mark_dirty(void *priv, u64 gfn, u64 nr)
{
	struct xt_server *xt = priv;
	struct xen_dm_op op = { .op = XEN_DMOP_modified_memory };
	struct xen_dm_op_modified_memory_extent ext = { .first_pfn = gfn };
	struct xen_dm_op_buf bufs[2];
	int rc;

	if (gfn >= XT_GFN_LIMIT || !nr || nr > U32_MAX)
		return;
	ext.nr = nr;
	op.u.modified_memory.nr_extents = 1;
	set_xen_guest_handle(bufs[0].h, &op);
	bufs[0].size = sizeof(op);
	set_xen_guest_handle(bufs[1].h, &ext);
	bufs[1].size = sizeof(ext);
	rc = HYPERVISOR_dm_op(xt->domid, ARRAY_SIZE(bufs), bufs);
	if (rc && rc != -EOPNOTSUPP && rc != -ENOSYS && rc != -ESRCH)
		xt_warn(xt, "modified_memory gfn %#llx+%llu: %d\n", gfn, nr, rc);
	else if (!rc)
		atomic_long_add(nr, &xt_stats.dirty_reported);
}

static struct vgpu_mdev_tracker xen_tracker = {
	.name = "xen",
	.owner = THIS_MODULE,
	.attach = xt_attach,
	.detach = xt_detach,
	.enable = xt_enable,
	.disable = xt_disable,
	.mark_dirty = xt_mark_dirty,
};

/* ---------------------------------------------------- sysfs counters */
#define XT_STAT_ATTR(name)							\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr,	\
			   char *buf)						\
{										\
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&xt_stats.name));	\
}										\
static struct kobj_attribute xt_attr_##name = __ATTR_RO(name)

XT_STAT_ATTR(trackers);
XT_STAT_ATTR(servers);
XT_STAT_ATTR(ioreq_pages_mapped);
XT_STAT_ATTR(event_channels);
XT_STAT_ATTR(tracked_frames);
XT_STAT_ATTR(writes_applied);
XT_STAT_ATTR(dirty_reported);
XT_STAT_ATTR(errors);

static struct attribute *xt_attrs[] = {
	&xt_attr_trackers.attr,
	&xt_attr_servers.attr,
	&xt_attr_ioreq_pages_mapped.attr,
	&xt_attr_event_channels.attr,
	&xt_attr_tracked_frames.attr,
	&xt_attr_writes_applied.attr,
	&xt_attr_dirty_reported.attr,
	&xt_attr_errors.attr,
	NULL,
};

static const struct attribute_group xt_attr_group = {
	.attrs = xt_attrs,
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
	xt_wq = alloc_workqueue("vgpu_mdev_xen", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!xt_wq)
		return -ENOMEM;
	xt_kobj = kobject_create_and_add("vgpu_mdev_xen", kernel_kobj);
	if (!xt_kobj) {
		rc = -ENOMEM;
		goto err_wq;
	}
	rc = sysfs_create_group(xt_kobj, &xt_attr_group);
	if (rc)
		goto err_kobj;
	rc = vgpu_mdev_register_tracker(&xen_tracker);
	if (rc)
		goto err_kobj;
	return 0;

err_kobj:
	kobject_put(xt_kobj);
err_wq:
	destroy_workqueue(xt_wq);
	return rc;
}

static void __exit vgpu_mdev_xen_exit(void)
{
	if (!xt_wq)
		return;		/* idle: nothing was set up */
	vgpu_mdev_unregister_tracker(&xen_tracker);
	/* Works that outlived their detach (they free the last state). */
	destroy_workqueue(xt_wq);
	kobject_put(xt_kobj);
}

module_init(vgpu_mdev_xen_init);
module_exit(vgpu_mdev_xen_exit);

MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: vfio_iommu_xen");
MODULE_DESCRIPTION("vgpu_mdev write tracking through a Xen IOREQ server (p2m_ioreq_server)");
MODULE_AUTHOR("vgpu project");
