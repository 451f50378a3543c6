/* SPDX-License-Identifier: MIT */
/*
 * vgpu_mdev_xen_abi.h - the Xen ABI items the in-kernel write tracker
 * (vgpu_mdev_xen.ko) needs and Linux 6.1 does not declare:
 * Linux's include/xen/interface/hvm/dm_op.h has only struct xen_dm_op_buf,
 * its hvm_op.h only the first three hvmmem types, and there is no
 * hvm/ioreq.h at all.  Written from the Xen 4.17 public headers named at
 * each block; they are hypervisor ABI: values, sizes and offsets must stay
 * exact (checked below with static_assert).  Only x86-64 (a PV dom0).
 *
 * Naming: Xen's own names where Linux has none; the module's prefix
 * (vgpu_mdev_xen_) where a Xen name would collide with Linux's partial
 * declarations (hvmmem values are an enum in Linux's hvm_op.h) or with
 * kernel/vfio_iommu_xen/xen_dmop.h (which declares its own partial struct
 * xen_dm_op), so both headers can be included together.
 */
#ifndef VGPU_MDEV_XEN_ABI_H
#define VGPU_MDEV_XEN_ABI_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/dm_op.h>	/* struct xen_dm_op_buf */

/* ------------------------------------ xen/include/public/hvm/hvm_op.h */
/* create_ioreq_server.handle_bufioreq: no buffered ioreq ring. */
#define HVM_IOREQSRV_BUFIOREQ_OFF	0

/* hvmmem_type_t (enum; __XEN_INTERFACE_VERSION__ >= 0x00040700 layout). */
#define VGPU_MDEV_XEN_HVMMEM_ram_rw		0
#define VGPU_MDEV_XEN_HVMMEM_ioreq_server		4

/* ------------------------------------ xen/include/public/hvm/dm_op.h */
#define XEN_DMOP_create_ioreq_server		1
#define XEN_DMOP_get_ioreq_server_info		2
#define XEN_DMOP_set_ioreq_server_state		5
#define XEN_DMOP_destroy_ioreq_server		6
#define XEN_DMOP_set_mem_type			12
#define XEN_DMOP_map_mem_type_to_ioreq_server	15
#define XEN_DMOP_nr_vcpus			20	/* Xen >= 4.15 */

/* get_ioreq_server_info.flags: do not hand out gfns (we want them). */
#define XEN_DMOP_no_gfns			(1u << 0)
/* map_mem_type_to_ioreq_server.flags (0 = unmap). */
#define XEN_DMOP_IOREQ_MEM_ACCESS_READ		(1u << 0)
#define XEN_DMOP_IOREQ_MEM_ACCESS_WRITE		(1u << 1)

struct xen_dm_op_create_ioreq_server {
	u8 handle_bufioreq;	/* IN: HVM_IOREQSRV_BUFIOREQ_* */
	u8 pad[3];
	u16 id;			/* OUT: server id (ioservid_t) */
};

struct xen_dm_op_get_ioreq_server_info {
	u16 id;			/* IN */
	u16 flags;		/* IN: XEN_DMOP_no_gfns */
	u32 bufioreq_port;	/* OUT (evtchn_port_t) */
	u64 ioreq_gfn;		/* OUT (uint64_aligned_t) */
	u64 bufioreq_gfn;	/* OUT (uint64_aligned_t) */
};

struct xen_dm_op_set_ioreq_server_state {
	u16 id;			/* IN */
	u8 enabled;		/* IN */
	u8 pad;
};

struct xen_dm_op_destroy_ioreq_server {
	u16 id;			/* IN */
	u16 pad;
};

/* On -ERESTART Xen leaves first_pfn/nr describing what remains. */
struct xen_dm_op_set_mem_type {
	u32 nr;			/* IN: contiguous pages */
	u16 mem_type;		/* IN: hvmmem_type_t */
	u16 pad;
	u64 first_pfn;		/* IN (uint64_aligned_t) */
};

struct xen_dm_op_map_mem_type_to_ioreq_server {
	u16 id;			/* IN */
	u16 type;		/* IN: hvmmem_type_t (only ioreq_server) */
	u32 flags;		/* IN: XEN_DMOP_IOREQ_MEM_ACCESS_*, 0 = unmap */
	u64 opaque;		/* IN/OUT: continuation, must be 0 */
};

struct xen_dm_op_nr_vcpus {
	u32 vcpus;		/* OUT: d->max_vcpus */
};

/*
 * struct xen_dm_op: { u32 op; u32 pad; union u; }.  Xen's union has twenty
 * members, the largest 24 bytes with 8-byte alignment; reserved[] keeps
 * that size.  (Xen copies only offsetof(u) + the member's size.)
 */
struct vgpu_mdev_xen_dm_op {
	u32 op;
	u32 pad;
	union {
		struct xen_dm_op_create_ioreq_server create_ioreq_server;
		struct xen_dm_op_get_ioreq_server_info get_ioreq_server_info;
		struct xen_dm_op_set_ioreq_server_state set_ioreq_server_state;
		struct xen_dm_op_destroy_ioreq_server destroy_ioreq_server;
		struct xen_dm_op_set_mem_type set_mem_type;
		struct xen_dm_op_map_mem_type_to_ioreq_server map_mem_type_to_ioreq_server;
		struct xen_dm_op_nr_vcpus nr_vcpus;
		u64 reserved[3];
	} u;
};

/* ------------------------------------ xen/include/public/hvm/ioreq.h */
#define IOREQ_READ		1
#define IOREQ_WRITE		0

#define STATE_IOREQ_NONE	0
#define STATE_IOREQ_READY	1
#define STATE_IOREQ_INPROCESS	2
#define STATE_IORESP_READY	3

#define IOREQ_TYPE_PIO		0	/* pio */
#define IOREQ_TYPE_COPY		1	/* mmio ops */
#define IOREQ_TYPE_PCI_CONFIG	2
#define IOREQ_TYPE_TIMEOFFSET	7
#define IOREQ_TYPE_INVALIDATE	8	/* mapcache */

/*
 * struct ioreq (ioreq_t): one per vCPU, indexed by vcpu_id, in the shared
 * ioreq page (struct shared_iopage).  Xen declares byte 30 as bitfields
 * "state:4, data_is_ptr:1, dir:1, df:1, _pad1:1"; Xen, QEMU and Linux are
 * built by GCC for x86, which allocates bitfields from the least
 * significant bit, so the byte is read and written here as a whole with the
 * masks below (a single byte access, usable with READ_ONCE/WRITE_ONCE).
 */
struct xen_ioreq {
	u64 addr;		/* guest-physical address */
	u64 data;		/* data, or the guest paddr of the data */
	u32 count;		/* rep count */
	u32 size;		/* bytes per rep */
	u32 vp_eport;		/* event channel (guest's end) for this vCPU */
	u16 _pad0;
	u8 flags;		/* XEN_IOREQ_* below */
	u8 type;		/* IOREQ_TYPE_* */
};

#define XEN_IOREQ_STATE_MASK	0x0f	/* state:4 */
#define XEN_IOREQ_DATA_IS_PTR	0x10	/* data_is_ptr:1 */
#define XEN_IOREQ_DIR_READ	0x20	/* dir:1 (1 = IOREQ_READ) */
#define XEN_IOREQ_DF		0x40	/* df:1 */

static_assert(sizeof(struct xen_dm_op_create_ioreq_server) == 6);
static_assert(offsetof(struct xen_dm_op_create_ioreq_server, id) == 4);
static_assert(sizeof(struct xen_dm_op_get_ioreq_server_info) == 24);
static_assert(offsetof(struct xen_dm_op_get_ioreq_server_info, ioreq_gfn) == 8);
static_assert(sizeof(struct xen_dm_op_set_ioreq_server_state) == 4);
static_assert(sizeof(struct xen_dm_op_destroy_ioreq_server) == 4);
static_assert(sizeof(struct xen_dm_op_set_mem_type) == 16);
static_assert(offsetof(struct xen_dm_op_set_mem_type, first_pfn) == 8);
static_assert(sizeof(struct xen_dm_op_map_mem_type_to_ioreq_server) == 16);
static_assert(offsetof(struct xen_dm_op_map_mem_type_to_ioreq_server, opaque) == 8);
static_assert(sizeof(struct xen_dm_op_nr_vcpus) == 4);
static_assert(offsetof(struct vgpu_mdev_xen_dm_op, u) == 8);
static_assert(sizeof(struct vgpu_mdev_xen_dm_op) == 32);
static_assert(sizeof(struct xen_ioreq) == 32);
static_assert(offsetof(struct xen_ioreq, vp_eport) == 24);
static_assert(offsetof(struct xen_ioreq, flags) == 30);
static_assert(offsetof(struct xen_ioreq, type) == 31);

#endif /* VGPU_MDEV_XEN_ABI_H */
