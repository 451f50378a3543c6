/*
 * rgpu_guest.h - a small guest driver library for the reference GPU.
 *
 * It drives one vGPU strictly through the programming model in hw_regs.h
 * (docs/hw-spec.md): nothing here knows about the device model's
 * internals, so the same code runs
 *   (a) in-process against core/ through a test host (tests/sim/), and
 *   (b) inside a Linux guest, over an mmap of the PCI function's
 *       resource0 and pinned pages whose physical addresses come from
 *       /proc/self/pagemap.
 * Everything environment-specific sits behind struct rgpu_platform.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; every wait has a timeout; there is no global state --
 * all of it hangs off a struct rgpu_dev, one per vGPU.  A device is not
 * internally locked: use one rgpu_dev from one thread at a time.
 */
#ifndef RGPU_GUEST_H
#define RGPU_GUEST_H

#include <stddef.h>
#include "rgpu_cmd.h"

/* ------------------------------------------------------------ platform */
struct rgpu_platform {
    void *ctx;

    /* BAR0 accesses at a byte offset, naturally aligned. */
    u32 (*read32)(void *ctx, u32 offset);
    void (*write32)(void *ctx, u32 offset, u32 val);
    /* Optional 64-bit accesses (GTT window); NULL: two 32-bit accesses. */
    u64 (*read64)(void *ctx, u32 offset);
    void (*write64)(void *ctx, u32 offset, u64 val);

    /* Allocate npages zeroed 4 KiB pages the device may access: a
     * virtually contiguous CPU mapping in *cpu and each page's guest DMA
     * address in dma[0..npages) (pages need not be physically contiguous).
     * free_pages gets back exactly what alloc_pages returned.  (Linux
     * guest: mmap + mlock, addresses from /proc/self/pagemap; in-process:
     * a bump allocator over the test host's memory.) */
    int (*alloc_pages)(void *ctx, size_t npages, void **cpu, u64 *dma);
    void (*free_pages)(void *ctx, void *cpu, size_t npages, const u64 *dma);

    /* Optional: sleep until the device may have interrupted or timeout_ns
     * passed (0 or -ETIMEDOUT; spurious wakeups are fine: callers re-check
     * the registers).  NULL: waits poll, calling relax between polls. */
    int (*wait_irq)(void *ctx, u64 timeout_ns);
    /* Optional: IIR bits were just acknowledged (end of interrupt).  A
     * platform on a level-triggered line that masked it when it fired
     * re-enables it here, so the next condition interrupts again. */
    void (*irq_eoi)(void *ctx);
    /* Called between polls (yield, short sleep).  Optional. */
    void (*relax)(void *ctx);
    /* Monotonic clock for timeouts.  Required. */
    u64 (*now_ns)(void *ctx);
};

/* ------------------------------------------------------------ device */
struct rgpu_info {
    u32 id, version;            /* RGPU_REG_ID / RGPU_REG_VERSION */
    u32 pv_version, caps;       /* PV info page */
    u32 vgpu_id;
    u64 gm_base, gm_size;       /* this vGPU's graphics-memory slice */
    u64 gm_total;
    u32 max_width, max_height;
};

struct rgpu_dev;

/* Probe (ID, VERSION, PV info magic and version) and allocate the device
 * state.  -ENODEV if the registers do not identify a reference GPU. */
int rgpu_open(const struct rgpu_platform *plat, struct rgpu_dev **out);
/* Disables rings, display and interrupts, unmaps and frees everything. */
void rgpu_close(struct rgpu_dev *d);
const struct rgpu_info *rgpu_get_info(const struct rgpu_dev *d);
const struct rgpu_platform *rgpu_get_platform(const struct rgpu_dev *d);

/* Raw register access (BAR0 offsets). */
u32 rgpu_read(struct rgpu_dev *d, u32 reg);
void rgpu_write(struct rgpu_dev *d, u32 reg, u32 val);

/* ------------------------------------------------------------ GTT */
/* One PTE through the GTT window (BAR0 + RGPU_GTT_BASE + 8 * index). */
void rgpu_gtt_write_pte(struct rgpu_dev *d, u32 index, u64 pte);
u64 rgpu_gtt_read_pte(struct rgpu_dev *d, u32 index);
/* A batched update: count PTEs from ptes[] starting at GTT index, written
 * to a DMA page and applied with GTT_BATCH_*, RGPU_GTT_BATCH_CHUNK at a
 * time.  Returns 0 when every entry was applied; -EIO when the device
 * reported an error, with *applied (optional) the number of entries it
 * accepted in total (an entry whose frame does not map counts as applied,
 * invalid, as the device does). */
#define RGPU_GTT_BATCH_CHUNK 512u       /* PTEs per 4 KiB list page */
int rgpu_gtt_write_batch(struct rgpu_dev *d, u32 index, const u64 *ptes, u32 count,
                         u32 *applied);

/* ------------------------------------------------------------ buffer objects */
struct rgpu_bo {
    void *cpu;                  /* CPU mapping of the backing pages */
    u64 *dma;                   /* guest DMA address of each page */
    u32 gfx;                    /* graphics address (in the slice) */
    u32 size;                   /* bytes, a multiple of 4 KiB */
    u32 npages;
    bool mapped;
};

enum rgpu_map_method {
    RGPU_MAP_BATCH = 0,         /* batched GTT update (default) */
    RGPU_MAP_WINDOW,            /* one trapped PTE write per page */
};

/* Graphics address space: a bump allocator over the slice (4 KiB
 * granularity; freed ranges are not reused until rgpu_gm_reset).
 * -ENOSPC when the slice is exhausted. */
int rgpu_gm_alloc(struct rgpu_dev *d, u32 size, u32 *gfx);
void rgpu_gm_reset(struct rgpu_dev *d);
/* Backing pages + graphics range + GTT mapping in one call. */
int rgpu_bo_create(struct rgpu_dev *d, u32 size, enum rgpu_map_method how, struct rgpu_bo **out);
/* Map (or re-map) bo's pages at bo->gfx. */
int rgpu_bo_map(struct rgpu_dev *d, struct rgpu_bo *bo, enum rgpu_map_method how);
/* Invalidate bo's PTEs (batched). */
int rgpu_bo_unmap(struct rgpu_dev *d, struct rgpu_bo *bo);
void rgpu_bo_destroy(struct rgpu_dev *d, struct rgpu_bo *bo);

/* ------------------------------------------------------------ engines */
/* Allocate and map a ring of ring_pages (1..256) and an HWS page, program
 * RING_START / RING_HWS / RING_CTL.  Re-initialising an engine is allowed. */
int rgpu_engine_init(struct rgpu_dev *d, u32 engine, u32 ring_pages);
/*
 * Copy n dwords of whole commands into the ring (padding with NOOPs to the
 * ring end when a command does not fit before it, waiting for HEAD when
 * the ring is full), then STORE_DATA_INDEX(RGPU_HWS_SEQNO, seqno) and
 * USER_INTERRUPT, then write TAIL.  *seqno (optional) receives the number
 * to wait for.  -EINVAL for a malformed stream (a command length running
 * past n), -E2BIG for a command larger than the ring, -ETIMEDOUT if the
 * ring does not drain, -EIO if the engine is error-halted.
 */
int rgpu_submit(struct rgpu_dev *d, u32 engine, const u32 *cmds, u32 n, u32 *seqno);
/* Write dwords to the ring and TAIL verbatim, with no seqno epilogue and
 * no length parsing (tests of the device's validation).  Wraps at the ring
 * end.  -ENOSPC if they do not fit in the free space right now. */
int rgpu_submit_raw(struct rgpu_dev *d, u32 engine, const u32 *dwords, u32 n);
/* Write TAIL directly (no ring contents); the library's own tail is left
 * alone -- follow with rgpu_engine_reset() if the device rejects it. */
void rgpu_write_tail(struct rgpu_dev *d, u32 engine, u32 tail);

/* Last seqno the engine stored in its HWS (read through the CPU mapping). */
u32 rgpu_hws_seqno(struct rgpu_dev *d, u32 engine);
/* Last seqno handed out by rgpu_submit on this engine. */
u32 rgpu_last_seqno(struct rgpu_dev *d, u32 engine);

enum rgpu_wait_mode {
    RGPU_WAIT_POLL = 0,         /* poll the HWS through the CPU mapping */
    RGPU_WAIT_IRQ,              /* sleep in platform->wait_irq between IIR checks */
};
void rgpu_set_wait_mode(struct rgpu_dev *d, enum rgpu_wait_mode mode);
/* Timeout of the library's internal waits (ring space); default 10 s. */
void rgpu_set_timeout(struct rgpu_dev *d, u64 timeout_ns);
/* Wait until the engine's HWS seqno reaches seqno (wrap-safe).  -EIO as
 * soon as the engine reports an error (RING_STATUS error bit), -ETIMEDOUT
 * after timeout_ns. */
int rgpu_wait_seqno(struct rgpu_dev *d, u32 engine, u32 seqno, u64 timeout_ns);
/* Wait until the engine is idle (RING_STATUS) and HEAD == tail. */
int rgpu_wait_idle(struct rgpu_dev *d, u32 engine, u64 timeout_ns);

struct rgpu_engine_state {
    u32 head, tail, status, error, error_addr, seqno_reg;
};
void rgpu_engine_state(struct rgpu_dev *d, u32 engine, struct rgpu_engine_state *out);
/* RING_RESET, then resynchronise the library's tail with HEAD (re-enabling
 * the ring if HEAD is not a valid ring offset) and clear the engine's
 * interrupt bits in IIR. */
int rgpu_engine_reset(struct rgpu_dev *d, u32 engine);
/* GFX_RESET: every engine, interrupt and display register; rings are then
 * re-programmed (the GTT survives a device reset). */
int rgpu_device_reset(struct rgpu_dev *d);

/* ------------------------------------------------------------ interrupts */
/* Unmask (IMR) and enable (IER) exactly the bits in mask. */
void rgpu_irq_enable(struct rgpu_dev *d, u32 mask);
/* Read IIR and clear what was read (write 1 to clear); returns the bits. */
u32 rgpu_irq_ack(struct rgpu_dev *d);
/* Wait until any of bits latches in IIR; those bits are acknowledged and
 * returned in *got (all latched bits of the mask).  -ETIMEDOUT. */
int rgpu_irq_wait(struct rgpu_dev *d, u32 bits, u64 timeout_ns, u32 *got);
/* Interrupt bits of an engine: RGPU_IRQ_RENDER_* / RGPU_IRQ_COPY_*. */
u32 rgpu_irq_user_bit(u32 engine);
u32 rgpu_irq_done_bit(u32 engine);
u32 rgpu_irq_error_bit(u32 engine);

/* ------------------------------------------------------------ display */
/* Scan out an XRGB8888 surface at graphics address surf (4 KiB aligned;
 * stride a multiple of 64): program the plane, then enable plane and pipe. */
int rgpu_display_set(struct rgpu_dev *d, u32 surf, u32 width, u32 height, u32 stride);
void rgpu_display_off(struct rgpu_dev *d);
u32 rgpu_display_frame(struct rgpu_dev *d);     /* PIPE_FRMCOUNT */

/* ------------------------------------------------------------ misc */
/* Name of an RGPU_ERR_* code. */
const char *rgpu_err_name(u32 err);

#endif /* RGPU_GUEST_H */
