/*
 * host_ops.h - what the device model asks of the hypervisor path.
 *
 * core/ never calls Xen or KVM.  Each path (dom0-backend/ for Xen,
 * kernel/ for KVM/VFIO, tests/testhost/ for unit tests) fills this table
 * and passes it with an opaque `host` pointer when it creates a vGPU.  It
 * is the successor of GVT-g's removed MPT layer, kept small.
 *
 * Guest addresses are "guest DMA addresses": what the guest programs into
 * the device.  For a Xen HVM guest without an IOMMU that is a guest
 * physical address (bit 63 set: a grant reference << 12, as Linux
 * xen-grant-dma encodes it); for VFIO it is an IOVA.  Only the path knows
 * which; core/ treats them as opaque 64-bit numbers.
 *
 * Every function returns 0 or a negative errno.  Failures are vGPU-local:
 * core/ turns them into a device error for that vGPU, never a crash.
 */
#ifndef VGPU_HOST_OPS_H
#define VGPU_HOST_OPS_H

#include "os.h"

#define VGPU_PAGE_SHIFT 12
#define VGPU_PAGE_SIZE  (1u << VGPU_PAGE_SHIFT)
#define VGPU_PAGE_MASK  ((u64)VGPU_PAGE_SIZE - 1)

struct vgpu_host_ops {
    /* Copy to/from guest memory at a guest DMA address (any alignment,
     * may cross pages).  -EFAULT when any part is not guest memory. */
    int (*read_gpa)(void *host, u64 addr, void *buf, size_t len);
    int (*write_gpa)(void *host, u64 addr, const void *buf, size_t len);

    /* Map one 4 KiB guest frame (addr page-aligned) for direct access by
     * the engine and return its host virtual address.  Every successful
     * map is paired with exactly one unmap of the same addr/va. */
    int (*map_frame)(void *host, u64 addr, void **va);
    void (*unmap_frame)(void *host, u64 addr, void *va);

    /* Write tracking of one guest frame: while enabled, guest CPU writes
     * to it trap; the path applies the write to guest memory and then
     * calls vgpu_page_track_write().  Optional: NULL means unsupported
     * (-EOPNOTSUPP to whoever asks for tracking). */
    int (*track_enable)(void *host, u64 addr);
    int (*track_disable)(void *host, u64 addr);

    /* Interrupt injection used when no VFIO-style trigger is bound:
     * an MSI message from the emulated capability, or the INTx level. */
    int (*inject_msi)(void *host, u64 addr, u32 data);
    int (*set_intx)(void *host, bool level);

    /* The device wrote guest memory (for dirty tracking / migration).
     * Optional. */
    void (*mark_dirty)(void *host, u64 addr, u64 len);

    /* The guest moved a BAR or toggled memory decode: the Xen path maps
     * the new guest-physical range to its IOREQ server.  addr is the BAR's
     * guest-physical base; enabled is false when decode is off or the BAR
     * is unassigned.  Optional. */
    void (*bar_changed)(void *host, unsigned int bar, u64 addr, u64 size, bool enabled);
};

#endif /* VGPU_HOST_OPS_H */
