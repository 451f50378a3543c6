/*
 * vgpu_priv.h - internal structures of the device model, shared by the
 * files of core/ and by white-box unit tests.  Not for the paths.
 */
#ifndef VGPU_PRIV_H
#define VGPU_PRIV_H

#include "vgpu.h"
#include "hw_regs.h"
#include "hw_cmds.h"
#include "pgpu.h"

/* ------------------------------------------------------------ config space */
#define VGPU_CFG_SIZE        256
#define VGPU_CFG_MSI_CAP     0x50       /* MSI, 64-bit, per-vector masking */
#define VGPU_CFG_AF_CAP      0x70       /* PCI Advanced Features: FLR */
#define VGPU_NUM_BARS        6

struct vgpu_bar {
    u64 size;                   /* 0: not implemented */
    u32 type_bits;              /* low bits of the BAR register (type, prefetch) */
    bool is64;
    /* What was last reported to host_ops.bar_changed, to report changes only. */
    u64 mapped_addr;
    bool mapped;
};

struct vgpu_cfg {
    u8 data[VGPU_CFG_SIZE];
    u8 wmask[VGPU_CFG_SIZE];    /* bits the guest may write */
    u8 w1cmask[VGPU_CFG_SIZE];  /* bits cleared by writing 1 */
    struct vgpu_bar bars[VGPU_NUM_BARS];
};

void vgpu_cfg_init(struct vgpu *v);
void vgpu_cfg_read(struct vgpu *v, u32 offset, u8 *buf, u32 len);
void vgpu_cfg_write(struct vgpu *v, u32 offset, const u8 *buf, u32 len);
/* Little-endian field helpers on the emulated config space. */
u32 vgpu_cfg_get(const struct vgpu *v, u32 offset, u32 len);
void vgpu_cfg_set(struct vgpu *v, u32 offset, u32 len, u32 val);
u64 vgpu_cfg_bar_addr(const struct vgpu *v, unsigned int bar);
bool vgpu_cfg_mem_enabled(const struct vgpu *v);
bool vgpu_cfg_msi_enabled(const struct vgpu *v);
bool vgpu_cfg_msi_masked(const struct vgpu *v);
bool vgpu_cfg_intx_disabled(const struct vgpu *v);
void vgpu_cfg_msi_message(const struct vgpu *v, u64 *addr, u32 *data);
void vgpu_cfg_set_msi_pending(struct vgpu *v, bool pending);
void vgpu_cfg_set_intx_status(struct vgpu *v, bool asserted);
/* Report BAR placement / decode changes to host_ops.bar_changed. */
void vgpu_cfg_update_bars(struct vgpu *v);
/* Report every decoded BAR as gone (instance destruction). */
void vgpu_cfg_release_bars(struct vgpu *v);

/* ------------------------------------------------------------ MMIO table */
#define VGPU_REG_F_RO   (1u << 0)       /* writes ignored */
#define VGPU_REG_F_W1C  (1u << 1)       /* writing 1 clears the bit */

struct vgpu_mmio_reg;
typedef u64 (*vgpu_reg_read_fn)(struct vgpu *v, const struct vgpu_mmio_reg *r);
/* Called with the value about to be stored (masks already applied); the
 * handler may act on it and store something else in vgpu_vreg.  For a
 * VGPU_REG_F_W1C register new_val is instead the set of bits written as 1
 * (the acknowledge), and the handler clears them itself. */
typedef void (*vgpu_reg_write_fn)(struct vgpu *v, const struct vgpu_mmio_reg *r,
                                  u64 old, u64 new_val);

struct vgpu_mmio_reg {
    u32 offset;                 /* in the register file, size-aligned */
    u8 size;                    /* 4 or 8 */
    u8 flags;                   /* VGPU_REG_F_* */
    u64 reset;
    u64 wmask;                  /* writable bits */
    vgpu_reg_read_fn read;      /* NULL: the stored value */
    vgpu_reg_write_fn write;    /* NULL: store */
    const char *name;
};

/* A window of BAR0 outside the register file (PV info page, GTT). */
struct vgpu_mmio_range {
    u32 base, size;
    /* offset is relative to base, len is 1/2/4/8 and naturally aligned. */
    u64 (*read)(struct vgpu *v, u32 offset, u32 len);
    void (*write)(struct vgpu *v, u32 offset, u32 len, u64 val);
    const char *name;
};

/* The dispatch table: shared by all vGPUs of a parent, built once. */
struct vgpu_mmio_table {
    const struct vgpu_mmio_reg *regs;
    unsigned int nr_regs;
    /* dword index in the register file -> 1 + index into regs, 0 = hole */
    u16 *lookup;
    const struct vgpu_mmio_range *ranges;
    unsigned int nr_ranges;
};

int vgpu_mmio_table_build(struct vgpu_mmio_table *t, const struct vgpu_mmio_reg *regs,
                          unsigned int nr_regs, const struct vgpu_mmio_range *ranges,
                          unsigned int nr_ranges);
void vgpu_mmio_table_free(struct vgpu_mmio_table *t);
const struct vgpu_mmio_reg *vgpu_mmio_find(const struct vgpu_mmio_table *t, u32 offset);
/* BAR0 access: len 1/2/4/8, offset < RGPU_BAR0_SIZE.  Misaligned or
 * unclaimed accesses read 0 and drop writes (logged, rate-limited). */
u64 vgpu_mmio_read(struct vgpu *v, u32 offset, u32 len);
void vgpu_mmio_write(struct vgpu *v, u32 offset, u32 len, u64 val);
void vgpu_mmio_reset(struct vgpu *v);

/* The reference GPU's register table (regs.c). */
extern const struct vgpu_mmio_reg vgpu_ref_regs[];
extern const unsigned int vgpu_ref_nr_regs;
extern const struct vgpu_mmio_range vgpu_ref_ranges[];
extern const unsigned int vgpu_ref_nr_ranges;

/* Register file accessors (offset must be 4-aligned, in the file). */
static inline u32 *vgpu_vreg_ptr(struct vgpu *v, u32 offset);
#define vgpu_vreg(v, off) (*vgpu_vreg_ptr((v), (off)))

/* ------------------------------------------------------------ IRQs */
struct vgpu_irq {
    struct vgpu_irq_trigger trig[2];    /* [VGPU_IRQ_INTX], [VGPU_IRQ_MSI] */
    bool bound[2];
    bool intx_masked;           /* VFIO automask state */
    bool asserted;              /* device interrupt condition */
    bool intx_level;            /* what was last sent through host-ops */
    bool msi_pending;           /* raised while the vector was masked */
    bool msi_was_on;            /* MSI mode at the last config change */
    u64 delivered;              /* interrupts delivered (stats) */
};

/* Re-evaluate the device interrupt condition ((IIR & IER) != 0) and
 * deliver on a rising edge (MSI) or level change (INTx). */
void vgpu_irq_update(struct vgpu *v);
/* Config space changed MSI enable/mask or INTx disable. */
void vgpu_irq_cfg_changed(struct vgpu *v);
void vgpu_irq_reset(struct vgpu *v);
/* Register handlers (regs.c table). */
void vgpu_irq_write_iir(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
void vgpu_irq_write_ier(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
/* The device raises interrupt bits: latched into IIR unless IMR masks them. */
void vgpu_irq_raise(struct vgpu *v, u32 bits);

/* ------------------------------------------------------------ page tracking */
typedef void (*vgpu_track_fn)(struct vgpu *v, void *ctx, u64 addr, const void *data, size_t len);
int vgpu_page_track_add(struct vgpu *v, u64 addr, vgpu_track_fn fn, void *ctx);
int vgpu_page_track_remove(struct vgpu *v, u64 addr);
void vgpu_page_track_remove_all(struct vgpu *v);

struct vgpu_track_entry {
    u64 frame;                  /* addr >> VGPU_PAGE_SHIFT */
    vgpu_track_fn fn;
    void *ctx;
    struct vgpu_track_entry *next;
};
#define VGPU_TRACK_BUCKETS 64

/* ------------------------------------------------------------ types */
extern const struct vgpu_type vgpu_types[];
extern const unsigned int vgpu_nr_types;

/* ------------------------------------------------------------ GTT shadow */
struct vgpu_gtt {
    u32 first, nr;              /* GTT indices of the slice: [first, first + nr) */
    u64 *guest_pte;             /* what the guest wrote (reads return it) */
    void **va;                  /* host mapping of each valid entry, NULL if none */
    u64 *mapped_addr;           /* guest DMA address behind va[] (for unmap) */
    u64 *valid;                 /* bit per entry: va[] != NULL (fast range checks) */
    u64 *written;               /* bit per entry: written by the slice being reported (dirty.c) */
    u32 written_lo, written_hi; /* entries [lo, hi) may have bits set in written */
    /* Frames dropped from the shadow but maybe still in use by a running
     * slice: unmapped by vgpu_gtt_release() once the engines let go. */
    struct vgpu_deferred_unmap { u64 addr; void *va; } *deferred;
    u32 nr_deferred, cap_deferred;
};
int vgpu_gtt_init(struct vgpu *v);
/* Unmap every frame and invalidate the host entries (reset, destroy). */
void vgpu_gtt_clear(struct vgpu *v);
void vgpu_gtt_fini(struct vgpu *v);
/* Unmap deferred frames if no engine runs v (or unconditionally when the
 * caller knows no slice can hold them).  Caller holds v->lock (asserted). */
void vgpu_gtt_release(struct vgpu *v, bool engines_quiet);
/* Write one guest PTE at a global GTT index; returns RGPU_ERR_*. */
u32 vgpu_gtt_write(struct vgpu *v, u32 index, u64 pte);
u64 vgpu_gtt_read(struct vgpu *v, u32 index);
/* Host address of the byte at gfx_addr through this vGPU's shadow, or NULL
 * if outside the slice or unmapped. */
void *vgpu_gtt_ptr(struct vgpu *v, u32 gfx_addr);
/* [addr, addr + len) lies in the slice and every page of it is mapped. */
bool vgpu_gtt_range_mapped(struct vgpu *v, u64 addr, u64 len);
/* [addr, addr + len) is mapped: [*lo, *hi), the run of mapped graphics
 * memory around it (bounded in length; the scanner's memo). */
void vgpu_gtt_mapped_run(struct vgpu *v, u64 addr, u64 len, u64 *lo, u64 *hi);
/* The GTT window of BAR0 (offset relative to RGPU_GTT_BASE). */
u64 vgpu_gtt_window_read(struct vgpu *v, u32 offset, u32 len);
void vgpu_gtt_window_write(struct vgpu *v, u32 offset, u32 len, u64 val);
/* The batched update (GTT_BATCH_CTL GO). */
void vgpu_gtt_batch_apply(struct vgpu *v);

/* ------------------------------------------------------------ dirty tracking */
/* Report to host-ops mark_dirty the guest frames written by the commands
 * of w that ran in the slice which started at dword `from`, row `from_row`
 * of a rectangle resumed there (v->lock held). */
void vgpu_dirty_slice(struct vgpu *v, const struct vgpu_workload *w, u32 from, u32 from_row,
                      const struct pgpu_exec_result *res);
/* Shadow entry i (slice index) is about to be dropped (v->lock held). */
void vgpu_dirty_dropped(struct vgpu *v, u32 i);

/* ------------------------------------------------------------ command scanner */
struct vgpu_scan_result {
    u32 error;                  /* RGPU_ERR_* (0 = accepted) */
    u32 error_addr;             /* graphics address or ring offset */
    u32 ncmds;
};
/*
 * Scan the ring of engine from byte offset head to tail (wrapping), follow
 * every batch, validate each command, and on success return a workload
 * holding a private copy of the commands (batches inlined).  Reads guest
 * memory only through the vGPU's shadow GTT.  Caller holds v->lock (asserted).
 */
struct vgpu_workload *vgpu_scan_ring(struct vgpu *v, u32 engine, u32 head, u32 tail,
                                     struct vgpu_scan_result *res);
/* The same on a bare command buffer already in host memory (fuzzing,
 * benchmarks): dwords are copied into the workload. */
struct vgpu_workload *vgpu_scan_buffer(struct vgpu *v, u32 engine, const u32 *dwords, u32 n,
                                       struct vgpu_scan_result *res);
void vgpu_workload_free(struct vgpu_workload *w);
bool vgpu_lri_allowed(u32 reg);

/* ------------------------------------------------------------ engines (per vGPU) */
struct vgpu_engine {
    u32 scan_pos;               /* ring offset up to which commands were submitted */
    u32 inflight;               /* workloads queued or running */
    bool error;                 /* RING_STATUS error bit: sticky until RING_RESET */
    u64 busy_ns;
};
/* Device reset (GFX_RESET, FLR): engines, interrupts, display; the GTT is
 * kept for GFX_RESET and cleared by FLR (vgpu_reset_locked).  Caller holds
 * v->lock (asserted). */
void vgpu_device_reset(struct vgpu *v);
/* Ring register handlers (regs.c) and completion from the scheduler. */
void vgpu_engine_write_tail(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
void vgpu_engine_write_ctl(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
void vgpu_engine_write_reset(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
void vgpu_engine_write_gfx_reset(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old, u64 new_val);
u64 vgpu_engine_read_status(struct vgpu *v, const struct vgpu_mmio_reg *r);
/* Reset one engine of v (caller holds v->lock, asserted): drop queued work, head =
 * tail, clear errors. */
void vgpu_engine_reset(struct vgpu *v, u32 engine);
/* Report a rejected or failed submission: error registers, error IRQ, reset
 * (v->lock held, asserted). */
void vgpu_engine_error(struct vgpu *v, u32 engine, u32 error, u32 addr);
extern const struct vgpu_workload_ops vgpu_workload_ops;
/* The scheduler ran w on engine for elapsed ns with result res (v->lock
 * held, asserted): retire, requeue or fail it (w NULL: a reset discarded it), then
 * unmap the frames the GTT deferred while the slice ran. */
void vgpu_engine_complete(struct vgpu *v, u32 engine, struct vgpu_workload *w,
                          const struct pgpu_exec_result *res, u64 elapsed);

/* ------------------------------------------------------------ scheduler */
struct vgpu_sched;
int vgpu_sched_create(struct vgpu_parent *p, struct vgpu_sched **out);
void vgpu_sched_destroy(struct vgpu_sched *s);
void vgpu_sched_attach(struct vgpu_sched *s, struct vgpu *v);
/* Drop v's queued work on engine (all engines if engine >= RGPU_NUM_ENGINES)
 * and wait for its running slice to end.  Must not be called with v->lock
 * held from the scheduler's own thread. */
void vgpu_sched_flush(struct vgpu_sched *s, struct vgpu *v, u32 engine);
void vgpu_sched_detach(struct vgpu_sched *s, struct vgpu *v);
/* Wait until no workload of v is running on any engine; queued work stays
 * queued.  Must not be called with v->lock held (asserted). */
void vgpu_sched_quiesce(struct vgpu_sched *s, struct vgpu *v);
/* Whether an engine other than except runs v right now. */
bool vgpu_sched_running(struct vgpu_sched *s, struct vgpu *v, u32 except);
/* Drop queued work without waiting (safe under v->lock). */
void vgpu_sched_drop(struct vgpu_sched *s, struct vgpu *v, u32 engine);
void vgpu_sched_requeue(struct vgpu_sched *s, struct vgpu *v, struct vgpu_workload *w);
void vgpu_sched_queue(struct vgpu_sched *s, struct vgpu *v, struct vgpu_workload *w);
bool vgpu_sched_step(struct vgpu_sched *s, u32 engine);
int vgpu_sched_wait_idle(struct vgpu_sched *s, u64 timeout_ns);

/* ------------------------------------------------------------ display */
void vgpu_display_reset(struct vgpu *v);
void vgpu_display_vblank(struct vgpu *v);
void vgpu_display_write_pipe_conf(struct vgpu *v, const struct vgpu_mmio_reg *r, u64 old,
                                  u64 new_val);
int vgpu_display_start(struct vgpu_parent *p);
void vgpu_display_stop(struct vgpu_parent *p);

/* ------------------------------------------------------------ objects */
struct vgpu_parent {
    struct vgpu_parent_config cfg;
    struct os_mutex *lock;      /* resources and the instance list */
    struct vgpu_mmio_table mmio;
    u64 gm_chunk;               /* allocation granule: the smallest type slice */
    u32 nr_chunks;
    u8 *chunk_used;             /* nr_chunks flags */
    u32 weight_used;
    u32 *pipe_owner;            /* pipe -> vgpu id, 0 = free */
    struct vgpu *instances;     /* singly linked, creation order */
    struct vgpu *creating;      /* reserved but still initialising: their UUIDs are taken */
    unsigned int nr_instances;
    unsigned int next_id;
    struct pgpu *pgpu;
    struct vgpu_sched *sched;
    struct os_thread *vblank_thread;
    bool vblank_stop;
    struct os_mutex *vblank_lock;
    struct os_cond *vblank_cond;
};

struct vgpu {
    struct vgpu_parent *parent;
    struct vgpu *next;          /* parent's instance list */
    vgpu_uuid_t uuid;
    const struct vgpu_type *type;
    unsigned int id;
    const struct vgpu_host_ops *ops;
    void *host;
    struct os_mutex *lock;      /* device state: config, registers, IRQs */

    u64 gm_base, gm_size;
    u32 pipe;

    struct vgpu_cfg cfg;
    u32 *vregs;                 /* RGPU_REGS_SIZE bytes */
    u64 reset_time_ns;
    struct vgpu_irq irq;
    struct vgpu_track_entry *track[VGPU_TRACK_BUCKETS];
    struct vgpu_gtt gtt;
    struct vgpu_engine eng[RGPU_NUM_ENGINES];
    /* The last freed workload, whose buffer the next scan reuses (cmd_scan.c;
     * exchanged atomically: workloads are freed under different locks). */
    struct vgpu_workload *spare_workload;
    /* The scanner's staging pages, kept for the next scan as the workload
     * buffer is (cmd_scan.c: a fresh zeroed 13 KiB per submission was half
     * of what a submission cost the submitting thread). */
    void *spare_stage;
    u32 weight;
    u64 frame;                  /* vblanks since the pipe was enabled */
    u64 track_addr;             /* debug tracked page (RGPU_REG_TRACK_*) */
    bool track_addr_set;

    /* scheduler state, protected by the scheduler's lock */
    struct vgpu_workload *q_head[RGPU_NUM_ENGINES], *q_tail[RGPU_NUM_ENGINES];
    u64 vtime[RGPU_NUM_ENGINES];
    u64 sched_gen[RGPU_NUM_ENGINES];    /* bumped when queued work is dropped */
    struct vgpu *sched_next;

    /* statistics (under v->lock unless noted) */
    u64 stat_mmio_traps, stat_cfg_traps, stat_bad_access;
    u64 stat_workloads, stat_commands, stat_rejects, stat_faults, stat_resets,
        stat_watchdogs, stat_gtt_updates, stat_vblanks;
};

/* Function-level reset of device state; caller holds v->lock (asserted). */
void vgpu_reset_locked(struct vgpu *v);

/* Resource reservation (parent.c); callers hold p->lock (asserted). */
int vgpu_parent_reserve(struct vgpu_parent *p, struct vgpu *v, const struct vgpu_type *t);
void vgpu_parent_release(struct vgpu_parent *p, struct vgpu *v);

static inline u32 *vgpu_vreg_ptr(struct vgpu *v, u32 offset)
{
    return &v->vregs[(offset & (RGPU_REGS_SIZE - 1)) >> 2];
}

#endif /* VGPU_PRIV_H */
