/* SPDX-License-Identifier: MIT */
/*
 * xen_dmop.h - the few Xen device-model-op (dm_op) ABI structures this
 * module needs, which Linux 6.1's include/xen/interface/hvm/dm_op.h lacks
 * (it declares only struct xen_dm_op_buf).  Origin: Xen's public header
 * xen/include/public/hvm/dm_op.h (Xen 4.17; unchanged since 4.9 for these
 * items).  They are hypervisor ABI: keep names, sizes and values exact.
 */
#ifndef VIX_XEN_DMOP_H
#define VIX_XEN_DMOP_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/dm_op.h>	/* struct xen_dm_op_buf */

/*
 * XEN_DMOP_modified_memory: tell Xen's log-dirty tracking that an emulator
 * wrote guest frames.  buf[0] is struct xen_dm_op, buf[1] an array of
 * nr_extents struct xen_dm_op_modified_memory_extent.  On error nr_extents
 * holds the index + 1 of the failing extent.
 */
#define XEN_DMOP_modified_memory 11

struct xen_dm_op_modified_memory {
	u32 nr_extents;		/* IN: extents; OUT: failing index + 1 */
	u32 opaque;		/* IN/OUT: must be 0 (continuation) */
};

struct xen_dm_op_modified_memory_extent {
	u32 nr;			/* IN: number of contiguous pages */
	u32 pad;
	u64 first_pfn;		/* IN: first guest frame (uint64_aligned_t) */
};

/*
 * struct xen_dm_op is { u32 op; u32 pad; union u; } where Xen's union has
 * twenty members, the largest 24 bytes with 8-byte alignment
 * (uint64_aligned_t).  We name only the member we use; reserved[] keeps the
 * union's exact size and alignment.
 */
struct xen_dm_op {
	u32 op;
	u32 pad;
	union {
		struct xen_dm_op_modified_memory modified_memory;
		u64 reserved[3];
	} u;
};

static_assert(sizeof(struct xen_dm_op_modified_memory) == 8);
static_assert(sizeof(struct xen_dm_op_modified_memory_extent) == 16);
static_assert(offsetof(struct xen_dm_op, u) == 8);
static_assert(sizeof(struct xen_dm_op) == 32);

#endif /* VIX_XEN_DMOP_H */
