/*
 * hw_regs.h - the reference GPU's programming model: PCI identity, BAR
 * layout and register offsets.  docs/hw-spec.md is the prose for these
 * numbers; both the device model and the guest driver library include
 * this header, so the two can never disagree.
 */
#ifndef RGPU_HW_REGS_H
#define RGPU_HW_REGS_H

/* ---- PCI identity ------------------------------------------------------
 * 0x1234 is the de-facto vendor ID of QEMU's emulated devices; of its
 * device IDs Linux binds only 1234:1111 (bochs-drm/bochs dispi) and
 * 1234:11e8 (edu, a sample), so 1234:6770 is claimed by no driver. */
#define RGPU_PCI_VENDOR_ID      0x1234
#define RGPU_PCI_DEVICE_ID      0x6770
#define RGPU_PCI_SUBSYS_VENDOR  0x1234
#define RGPU_PCI_SUBSYS_ID      0x0001
#define RGPU_PCI_REVISION       0x01
/* Display controller, "other": not VGA, so no legacy VGA routing or
 * vgaarb decisions are triggered by the vGPU. */
#define RGPU_PCI_CLASS          0x038000

/* ---- BAR layout --------------------------------------------------------- */
#define RGPU_BAR0_SIZE          0x01000000ull   /* 16 MiB, 64-bit, non-prefetchable */
#define RGPU_REGS_BASE          0x00000000u     /* register file */
#define RGPU_REGS_SIZE          0x00010000u     /* 64 KiB */
#define RGPU_PVINFO_BASE        0x00010000u     /* PV info page, read-only */
#define RGPU_PVINFO_SIZE        0x00001000u
#define RGPU_GTT_BASE           0x00800000u     /* global GTT window: 8-byte PTEs */
#define RGPU_GTT_SIZE           0x00800000u     /* 1 Mi PTEs = 4 GiB of graphics memory */
#define RGPU_BAR2_DEFAULT_SIZE  0x10000000ull   /* 256 MiB aperture, 64-bit prefetchable */

/* ---- registers (offsets in BAR0) --------------------------------------- */
#define RGPU_REG_ID             0x0000  /* RO: RGPU_ID_VALUE */
#define RGPU_ID_VALUE           0x55504752u     /* the bytes "RGPU" in memory order */
#define RGPU_REG_VERSION        0x0004  /* RO: major << 16 | minor */
#define RGPU_VERSION_VALUE      0x00010000u
#define RGPU_REG_SCRATCH(n)     (0x0010 + 4 * (n))      /* n = 0..3, RW */
#define RGPU_REG_TIMESTAMP      0x0020  /* RO 64-bit: ns since the vGPU's last reset */

/* Interrupts: ISR = live status; IMR masks what may latch into IIR;
 * IIR latches (write 1 to clear); the device asserts its interrupt while
 * (IIR & IER) != 0. */
#define RGPU_REG_ISR            0x0100
#define RGPU_REG_IMR            0x0104
#define RGPU_REG_IIR            0x0108
#define RGPU_REG_IER            0x010c

#define RGPU_IRQ_RENDER_USER    (1u << 0)
#define RGPU_IRQ_RENDER_DONE    (1u << 1)
#define RGPU_IRQ_RENDER_ERROR   (1u << 2)
#define RGPU_IRQ_COPY_USER      (1u << 4)
#define RGPU_IRQ_COPY_DONE      (1u << 5)
#define RGPU_IRQ_COPY_ERROR     (1u << 6)
#define RGPU_IRQ_VBLANK         (1u << 8)
#define RGPU_IRQ_WATCHDOG       (1u << 12)
#define RGPU_IRQ_VALID_MASK     (RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE | \
                                 RGPU_IRQ_RENDER_ERROR | RGPU_IRQ_COPY_USER | \
                                 RGPU_IRQ_COPY_DONE | RGPU_IRQ_COPY_ERROR |   \
                                 RGPU_IRQ_VBLANK | RGPU_IRQ_WATCHDOG)

/* ---- PV info page (BAR0 + RGPU_PVINFO_BASE, read-only) -----------------
 * Tells a guest driver which part of graphics memory is its own, so it
 * confines itself to that slice (GVT-g's "ballooning") and graphics
 * addresses need no translation between guest and host. */
#define RGPU_PVINFO_MAGIC       0x00    /* u32 RGPU_PVINFO_MAGIC_VALUE */
#define RGPU_PVINFO_MAGIC_VALUE 0x56504752u     /* the bytes "RGPV" */
#define RGPU_PVINFO_VERSION     0x04    /* u32 major << 16 | minor */
#define RGPU_PVINFO_VERSION_VALUE 0x00010000u
#define RGPU_PVINFO_GM_BASE     0x08    /* u64 graphics address of this vGPU's slice */
#define RGPU_PVINFO_GM_SIZE     0x10    /* u64 bytes */
#define RGPU_PVINFO_FENCE_BASE  0x18    /* u32 */
#define RGPU_PVINFO_FENCE_COUNT 0x1c    /* u32 */
#define RGPU_PVINFO_CAPS        0x20    /* u32 RGPU_PVCAP_* */
#define RGPU_PVINFO_VGPU_ID     0x24    /* u32 */
#define RGPU_PVINFO_MAX_WIDTH   0x28    /* u32 pixels */
#define RGPU_PVINFO_MAX_HEIGHT  0x2c    /* u32 pixels */
#define RGPU_PVINFO_GM_TOTAL    0x30    /* u64 size of the whole graphics address space */

#define RGPU_PVCAP_BALLOON      (1u << 0)       /* slice confinement is required */

#endif /* RGPU_HW_REGS_H */
