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

/* ---- registers (offsets in BAR0) --------------------------------------- */
#define RGPU_REG_ID             0x0000  /* RO: RGPU_ID_VALUE */
#define RGPU_ID_VALUE           0x55504752u     /* the bytes "RGPU" in memory order */
#define RGPU_REG_VERSION        0x0004  /* RO: major << 16 | minor */
#define RGPU_VERSION_VALUE      0x00010001u     /* docs/hw-spec.md version 1.1 */
#define RGPU_VERSION_MAJOR(v)   ((v) >> 16)     /* VERSION and PV info VERSION alike */
#define RGPU_REG_SCRATCH(n)     (0x0010 + 4 * (n))      /* n = 0..3, RW */
#define RGPU_REG_TIMESTAMP      0x0020  /* RO 64-bit: ns since the vGPU's last reset */

/* Interrupts: ISR records every event, masked or not; IMR masks what may
 * latch into IIR; writing 1 to an IIR bit clears it in IIR and ISR; the
 * device asserts its interrupt while (IIR & IER) != 0. */
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

/* Device-level controls. */
#define RGPU_REG_GFX_RESET      0x0040  /* W: bit 0 resets every engine, IRQ and display state */
#define RGPU_GFX_RESET_ALL      (1u << 0)

/* ---- debug: write-tracked page ----------------------------------------------
 * The device watches CPU writes to one page of guest memory (the mechanism
 * a shadowed page table needs), counting them.  Writing an address starts
 * tracking (0 stops it); the guest's writes still land in its memory. */
#define RGPU_REG_TRACK_ADDR_LO  0x0060  /* guest DMA address of the page, bits 31:12 */
#define RGPU_REG_TRACK_ADDR_HI  0x0064  /* bits 63:32; writing it applies the address */
#define RGPU_REG_TRACK_COUNT    0x0068  /* RO: trapped writes seen since the address was set */
#define RGPU_REG_TRACK_LAST     0x006c  /* RO: (offset in page << 16) | size of the last one */
#define RGPU_TRACK_LAST(off, size) ((u32)(off) << 16 | ((u32)(size) & 0xffff))
#define RGPU_REG_TRACK_STATUS   0x0070  /* RO: 1 tracking, 0 off, 0x80000000 | errno on failure */

/* ---- batched GTT update ----------------------------------------------------
 * The guest writes a list of 64-bit PTEs into its own memory and points the
 * device at it: four register writes map up to RGPU_GTT_BATCH_MAX pages,
 * where the GTT window costs one trapped write per page. */
#define RGPU_REG_GTT_BATCH_ADDR_LO 0x0080       /* guest DMA address of the PTE list */
#define RGPU_REG_GTT_BATCH_ADDR_HI 0x0084
#define RGPU_REG_GTT_BATCH_INDEX   0x0088       /* first GTT index (graphics address >> 12) */
#define RGPU_REG_GTT_BATCH_COUNT   0x008c       /* number of PTEs, 1..RGPU_GTT_BATCH_MAX */
#define RGPU_REG_GTT_BATCH_CTL     0x0090       /* W: 1 = apply; R: status below */
#define RGPU_GTT_BATCH_GO          (1u << 0)
#define RGPU_GTT_BATCH_DONE        (1u << 1)    /* R: last batch applied completely */
#define RGPU_GTT_BATCH_ERROR       (1u << 2)    /* R: last batch stopped at an invalid entry */
#define RGPU_REG_GTT_BATCH_APPLIED 0x0094       /* R: PTEs applied by the last batch */
#define RGPU_GTT_BATCH_MAX         65536u

/* ---- GTT PTE format (8 bytes, little-endian) -------------------------------
 * bit 0: valid; bits 11:1: reserved, write 0; bits 63:12: guest DMA address
 * of the 4 KiB frame backing this graphics page. */
#define RGPU_PTE_VALID          (1ull << 0)
#define RGPU_PTE_ADDR_MASK      (~0xfffull)

/* ---- engines ---------------------------------------------------------------
 * Each engine has a ring in graphics memory and a 4 KiB hardware status
 * page (HWS).  Registers of engine e live at RGPU_ENGINE_BASE(e). */
#define RGPU_ENGINE_RENDER      0
#define RGPU_ENGINE_COPY        1
#define RGPU_NUM_ENGINES        2
#define RGPU_ENGINE_BASE(e)     (0x2000u + 0x100u * (e))
#define RGPU_RING_START         0x00    /* graphics address, 4 KiB aligned */
#define RGPU_RING_CTL           0x04    /* bit 0 enable; bits 19:12 size in pages - 1 */
#define RGPU_RING_CTL_ENABLE    (1u << 0)
#define RGPU_RING_CTL_SIZE(pages) (((u32)(pages) - 1) << 12)
#define RGPU_RING_CTL_PAGES(ctl)  ((((ctl) >> 12) & 0xff) + 1)
#define RGPU_RING_HEAD          0x08    /* byte offset of the next dword the engine fetches; RO */
#define RGPU_RING_TAIL          0x0c    /* byte offset after the last submitted dword; writing submits */
#define RGPU_RING_HWS           0x10    /* graphics address of the status page, 4 KiB aligned */
#define RGPU_RING_STATUS        0x14    /* RO: bit 0 idle, bit 1 error-halted */
#define RGPU_RING_STATUS_IDLE   (1u << 0)
#define RGPU_RING_STATUS_ERROR  (1u << 1)
#define RGPU_RING_ERROR         0x18    /* RO: RGPU_ERR_* of the last rejected or failed submission */
#define RGPU_RING_ERROR_ADDR    0x1c    /* RO: graphics address (or ring offset) it concerns */
#define RGPU_RING_RESET         0x20    /* W: bit 0 resets this engine */
#define RGPU_RING_SEQNO         0x24    /* RO: last value written by STORE_DATA_INDEX at HWS offset 0 */

#define RGPU_HWS_SEQNO          0x00    /* the conventional seqno slot of the status page */

/* Error codes in RGPU_RING_ERROR. */
#define RGPU_ERR_NONE           0
#define RGPU_ERR_OPCODE         1       /* unknown or disallowed opcode */
#define RGPU_ERR_LENGTH         2       /* length field wrong for the opcode */
#define RGPU_ERR_ADDRESS        3       /* address outside the vGPU's slice or misaligned */
#define RGPU_ERR_UNMAPPED       4       /* graphics page without a valid GTT entry */
#define RGPU_ERR_REGISTER       5       /* LOAD_REGISTER_IMM to a register not on the whitelist */
#define RGPU_ERR_NESTING        6       /* batch nesting deeper than RGPU_MAX_BATCH_DEPTH */
#define RGPU_ERR_TOO_LONG       7       /* more than RGPU_MAX_SUBMIT_DWORDS in one submission */
#define RGPU_ERR_RING           8       /* ring disabled, misconfigured, or tail out of range */
#define RGPU_ERR_BATCH_END      9       /* BATCH_BUFFER_END outside a batch, or batch ran off its page run */
#define RGPU_ERR_WATCHDOG       10      /* workload exceeded its execution budget */

/* ---- commands: hw_cmds.h ---- */

/* ---- display -------------------------------------------------------------
 * One pipe with one primary plane per vGPU; vblank at RGPU_REFRESH_HZ. */
#define RGPU_PIPE_CONF          0x3000  /* bit 31 enable */
#define RGPU_PIPE_ENABLE        (1u << 31)
#define RGPU_PIPE_FRMCOUNT      0x3004  /* RO: vblanks since the pipe was enabled */
#define RGPU_PLANE_CTL          0x3010  /* bit 31 enable; bits 3:0 format */
#define RGPU_PLANE_ENABLE       (1u << 31)
#define RGPU_PLANE_FMT(ctl)     ((ctl) & 0xf)
#define RGPU_PLANE_FMT_XRGB8888 0x0
#define RGPU_PLANE_SURF         0x3014  /* graphics address of the surface, 4 KiB aligned */
#define RGPU_PLANE_STRIDE       0x3018  /* bytes per line, multiple of 64 */
#define RGPU_PLANE_SIZE         0x301c  /* bits 11:0 width - 1, bits 27:16 height - 1 */
#define RGPU_PLANE_SIZE_WH(w, h) ((((u32)(w) - 1) & 0xfff) | (((u32)(h) - 1) & 0xfff) << 16)
#define RGPU_PLANE_WIDTH(size)  (((size) & 0xfff) + 1)          /* pixels */
#define RGPU_PLANE_HEIGHT(size) ((((size) >> 16) & 0xfff) + 1)  /* lines */
#define RGPU_REFRESH_HZ         60

/* ---- PV info page (BAR0 + RGPU_PVINFO_BASE, read-only) -----------------
 * Tells a guest driver which part of graphics memory is its own, so it
 * confines itself to that slice (GVT-g's "ballooning") and graphics
 * addresses need no translation between guest and host. */
#define RGPU_PVINFO_MAGIC       0x00    /* u32 RGPU_PVINFO_MAGIC_VALUE */
#define RGPU_PVINFO_MAGIC_VALUE 0x56504752u     /* the bytes "RGPV" */
#define RGPU_PVINFO_VERSION     0x04    /* u32 major << 16 | minor */
#define RGPU_PVINFO_VERSION_VALUE 0x00010001u   /* 1.1: 0x18-0x1f reserved (were fences) */
#define RGPU_PVINFO_GM_BASE     0x08    /* u64 graphics address of this vGPU's slice */
#define RGPU_PVINFO_GM_SIZE     0x10    /* u64 bytes */
/* 0x18-0x1f: reserved, read 0 (version 1.0 named fence registers there) */
#define RGPU_PVINFO_CAPS        0x20    /* u32 RGPU_PVCAP_* */
#define RGPU_PVINFO_VGPU_ID     0x24    /* u32 */
#define RGPU_PVINFO_MAX_WIDTH   0x28    /* u32 pixels */
#define RGPU_PVINFO_MAX_HEIGHT  0x2c    /* u32 pixels */
#define RGPU_PVINFO_GM_TOTAL    0x30    /* u64 size of the whole graphics address space */

#define RGPU_PVCAP_BALLOON      (1u << 0)       /* slice confinement is required */
#define RGPU_PVCAP_GTT_BATCH    (1u << 1)       /* the batched GTT update registers exist */
#define RGPU_PVCAP_TRACK        (1u << 2)       /* the debug tracked-page registers exist */

#endif /* RGPU_HW_REGS_H */
