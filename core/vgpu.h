/*
 * vgpu.h - the shared vGPU device model: its one public header.
 *
 * Upward the model is VFIO-shaped, so the Xen daemon and the KVM mdev
 * module serve it unchanged: a parent (one physical GPU) offers types;
 * instances are created and destroyed by UUID; each instance is a PCI
 * function with regions (vfio-pci indices: BAR0..BAR5, ROM, CONFIG), IRQs
 * (INTx, MSI) with bindable triggers, and reset.  Downward it calls the
 * host-ops table (host_ops.h).  docs/device-api.md documents the contract.
 *
 * Conventions (as Xen's tools/libs): opaque handles; functions return 0
 * (or a byte count) on success and a negative errno on failure, with the
 * reason logged.
 */
#ifndef VGPU_H
#define VGPU_H

#include "os.h"
#include "host_ops.h"

struct vgpu_parent;
struct vgpu;

/* ------------------------------------------------------------ UUIDs */
#define VGPU_UUID_STR_LEN 36            /* without the terminating NUL */
typedef struct { u8 b[16]; } vgpu_uuid_t;

/* RFC 4122 text form, 8-4-4-4-12 hex digits, either case. -EINVAL if not. */
int vgpu_uuid_parse(const char *text, vgpu_uuid_t *out);
/* Lower-case canonical text; out must hold VGPU_UUID_STR_LEN + 1 bytes. */
void vgpu_uuid_format(const vgpu_uuid_t *u, char *out);
bool vgpu_uuid_equal(const vgpu_uuid_t *a, const vgpu_uuid_t *b);

/* ------------------------------------------------------------ types */
struct vgpu_type {
    const char *name;           /* sysfs-safe, e.g. "refgpu-4" */
    const char *description;
    u64 gm_size;                /* graphics memory slice, bytes */
    u32 weight;                 /* scheduling weight = share of engine time */
    u32 max_width, max_height;  /* largest display mode */
};

/* ------------------------------------------------------------ parent */
struct pgpu;

struct vgpu_parent_config {
    const char *name;           /* for logs, e.g. "rgpu0" */
    /* The physical GPU the vGPUs share (core/pgpu.h), made by the creator,
     * e.g. pgpu_sw_create() of the software engine (pgpu-sw/).  The parent
     * owns it from vgpu_parent_create() on, also when that fails, and
     * destroys it with itself. */
    struct pgpu *pgpu;
    u64 gm_size;                /* graphics memory shared by all vGPUs: at most the pgpu's */
    u32 weight_budget;          /* sum of the weights of all instances */
    u32 display_pipes;          /* one per instance */
    u64 slice_ns;               /* scheduler time slice (default 1 ms) */
    u64 watchdog_ns;            /* a workload running longer is reset (default 2 s) */
    /* Tests: no scheduler or vblank threads; drive them with
     * vgpu_parent_sched_step() and vgpu_display_vblank().  clock (if set)
     * replaces the monotonic clock for scheduling decisions; give the pgpu
     * the same clock (pgpu_sw_set_clock) for its preemption deadlines. */
    bool manual;
    u64 (*clock)(void *ctx);
    void *clock_ctx;
};

/* The reference GPU's resources (docs/hw-spec.md); pgpu is left NULL for the
 * creator to fill. */
void vgpu_parent_default_config(struct vgpu_parent_config *cfg);
int vgpu_parent_create(const struct vgpu_parent_config *cfg, struct vgpu_parent **out);
/* -EBUSY (and nothing freed) while instances exist. */
int vgpu_parent_destroy(struct vgpu_parent *p);

unsigned int vgpu_parent_num_types(const struct vgpu_parent *p);
const struct vgpu_type *vgpu_parent_type(const struct vgpu_parent *p, unsigned int idx);
const struct vgpu_type *vgpu_parent_find_type(const struct vgpu_parent *p, const char *name);
/* The types every parent offers (types.c), known without one: a
 * toolstack checks a config's type names offline with these. */
const struct vgpu_type *vgpu_type_find(const char *name);
/* The one message for a type name that is none of them, naming those
 * that are: "vGPU type 'NAME' unknown; known: refgpu-16, ...". */
void vgpu_type_unknown(const char *name, char *out, size_t len);
/* How many more instances of this type the free resources allow. */
unsigned int vgpu_type_available_instances(struct vgpu_parent *p, const struct vgpu_type *t);

struct vgpu_parent_usage {
    u64 gm_total, gm_free;
    u32 weight_total, weight_free;
    u32 pipes_total, pipes_free;
    u32 instances;
};
void vgpu_parent_usage(struct vgpu_parent *p, struct vgpu_parent_usage *out);

/* ------------------------------------------------------------ instances */
/*
 * Reserves the type's resources atomically and builds the PCI function.
 * Errors: -EINVAL malformed UUID or missing ops, -ENOENT unknown type,
 * -EEXIST UUID in use, -ENOSPC resources exhausted, -ENOMEM.
 */
int vgpu_create(struct vgpu_parent *p, const char *type_name, const char *uuid,
                const struct vgpu_host_ops *ops, void *host, struct vgpu **out);
/* Returns resources to the parent.  The caller guarantees no concurrent
 * region/IRQ calls on v (both paths serialise removal against open). */
void vgpu_destroy(struct vgpu *v);

struct vgpu *vgpu_lookup(struct vgpu_parent *p, const vgpu_uuid_t *uuid);
/* Fills up to max instances (creation order); returns the total count. */
unsigned int vgpu_list(struct vgpu_parent *p, struct vgpu **out, unsigned int max);

const vgpu_uuid_t *vgpu_get_uuid(const struct vgpu *v);
const struct vgpu_type *vgpu_get_type(const struct vgpu *v);
struct vgpu_parent *vgpu_get_parent(const struct vgpu *v);
unsigned int vgpu_get_id(const struct vgpu *v);            /* 1.., unique per parent */
u64 vgpu_gm_base(const struct vgpu *v);                    /* graphics address of the slice */
u64 vgpu_gm_size(const struct vgpu *v);
u32 vgpu_display_pipe(const struct vgpu *v);
void *vgpu_host(const struct vgpu *v);

/* Function-level reset: config space, registers and device state return
 * to their reset values; IRQ trigger bindings survive (as in VFIO). */
int vgpu_reset(struct vgpu *v);

/* Change the scheduling weight (engine share) within the parent's budget.
 * -ENOSPC if the budget cannot cover it, -EINVAL for 0. */
int vgpu_set_weight(struct vgpu *v, u32 weight);
u32 vgpu_get_weight(const struct vgpu *v);

struct vgpu_stats {
    u64 busy_ns[2];             /* per engine: render, copy */
    u64 workloads;              /* submissions completed */
    u64 commands;               /* commands executed */
    u64 rejects;                /* submissions refused by the scanner */
    u64 faults;                 /* workloads stopped by the engine */
    u64 resets;                 /* engine or device resets (any cause) */
    u64 watchdogs;              /* resets by the watchdog */
    u64 interrupts;             /* interrupts delivered */
    u64 mmio_traps, cfg_traps;
    u64 gtt_updates;            /* PTEs written (window or batch) */
    u64 bad_accesses;           /* misaligned/unclaimed MMIO, invalid PTEs */
    u64 vblanks;
};
int vgpu_get_stats(struct vgpu *v, struct vgpu_stats *out);

/* Manual mode: run one scheduling slice on engine; false when idle. */
bool vgpu_parent_sched_step(struct vgpu_parent *p, u32 engine);
/* Wait until every engine is idle (no queued or running work); -ETIMEDOUT. */
int vgpu_parent_wait_idle(struct vgpu_parent *p, u64 timeout_ns);

/* ------------------------------------------------------------ DMA mappings */
/*
 * The path is withdrawing its mapping of guest DMA addresses [iova, iova +
 * len) (VFIO dma_unmap: the IOVA range is about to be unmapped and every
 * page pinned in it must be unpinned).  Every shadow GTT entry whose frame
 * lies in the range is invalidated (the engine faults on it, inside this
 * vGPU), then, once no workload of v is running on an engine, its frame is
 * released through host_ops.unmap_frame.  The guest's PTE values are kept
 * (reads return them); the guest rewriting a PTE maps it again.  Returns the
 * number of entries dropped.  Takes v's lock: not from host-ops callbacks.
 */
unsigned int vgpu_dma_unmap(struct vgpu *v, u64 iova, u64 len);

/* ------------------------------------------------------------ display */
struct vgpu_plane_info {
    bool enabled;               /* pipe and plane enabled, registers valid */
    u32 width, height;
    u32 stride;                 /* bytes per line in graphics memory */
    u32 format;                 /* RGPU_PLANE_FMT_* */
    u32 surface;                /* graphics address */
    u64 frame;                  /* vblank counter */
};
/* Describe the current primary plane; -ENODEV if disabled or invalid. */
int vgpu_display_plane(struct vgpu *v, struct vgpu_plane_info *out);
/* Copy the plane's pixels (XRGB8888, width * 4 bytes per row, rows packed)
 * through the shadow GTT. -ENOSPC if buf is too small, -EFAULT if a page
 * of the surface is unmapped, -ENODEV if the plane is off. */
int vgpu_display_read(struct vgpu *v, struct vgpu_plane_info *info, void *buf, size_t size);
/* Manual mode: one vblank for every vGPU of the parent. */
void vgpu_parent_vblank(struct vgpu_parent *p);

/* ------------------------------------------------------------ regions */
enum vgpu_region_index {
    VGPU_REGION_BAR0 = 0,
    VGPU_REGION_BAR1,
    VGPU_REGION_BAR2,
    VGPU_REGION_BAR3,
    VGPU_REGION_BAR4,
    VGPU_REGION_BAR5,
    VGPU_REGION_ROM,
    VGPU_REGION_CONFIG,
    VGPU_REGION_VGA,
    VGPU_REGION_NUM,
};

#define VGPU_REGION_FLAG_READ   (1u << 0)
#define VGPU_REGION_FLAG_WRITE  (1u << 1)
#define VGPU_REGION_FLAG_MMAP   (1u << 2)

#define VGPU_REGION_MAX_AREAS 4
struct vgpu_region_info {
    u32 index;
    u32 flags;                  /* 0 and size 0: region not implemented */
    u64 size;
    u32 nr_areas;               /* sparse mmap-able areas (none today) */
    struct { u64 offset, size; } areas[VGPU_REGION_MAX_AREAS];
};

int vgpu_region_info(struct vgpu *v, u32 index, struct vgpu_region_info *out);
/*
 * Access len bytes at offset of region index.  Returns len or -errno:
 * -EINVAL for a bad index, zero length, offset/len outside the region or
 * overflowing.  BAR accesses must be 1, 2, 4 or 8 bytes (as CPU MMIO is);
 * config space takes any length.
 */
long vgpu_region_read(struct vgpu *v, u32 index, u64 offset, void *buf, size_t len);
long vgpu_region_write(struct vgpu *v, u32 index, u64 offset, const void *buf, size_t len);

/* Where the guest placed a memory BAR: the Xen path routes a guest-physical
 * MMIO address with this.  -ENOENT if gpa hits no decoded BAR. */
int vgpu_bar_lookup(struct vgpu *v, u64 gpa, u32 *index, u64 *offset);

/* ------------------------------------------------------------ IRQs */
enum vgpu_irq_index {
    VGPU_IRQ_INTX = 0,
    VGPU_IRQ_MSI,
    VGPU_IRQ_MSIX,
    VGPU_IRQ_ERR,
    VGPU_IRQ_REQ,
    VGPU_IRQ_NUM,
};

#define VGPU_IRQ_INFO_EVENTFD    (1u << 0)
#define VGPU_IRQ_INFO_MASKABLE   (1u << 1)
#define VGPU_IRQ_INFO_AUTOMASKED (1u << 2)
#define VGPU_IRQ_INFO_NORESIZE   (1u << 3)

struct vgpu_irq_info {
    u32 index;
    u32 flags;
    u32 count;                  /* 0: not supported */
};
int vgpu_irq_info(struct vgpu *v, u32 index, struct vgpu_irq_info *out);

/*
 * A trigger is how the path delivers one interrupt vector: the KVM path
 * binds eventfds (VFIO_DEVICE_SET_IRQS), the Xen path may bind dm_op
 * injection.  With no trigger bound, the model injects through host-ops
 * using its own emulated MSI capability / INTx pin.
 */
struct vgpu_irq_trigger {
    void (*fire)(void *ctx);
    void *ctx;
};
/* Bind (t != NULL) or unbind (t == NULL) vector 0 of INTx or MSI. */
int vgpu_irq_set_trigger(struct vgpu *v, u32 index, const struct vgpu_irq_trigger *t);
/* VFIO mask/unmask of INTx (INTx triggers are automasked after firing). */
int vgpu_irq_mask(struct vgpu *v, u32 index, bool masked);

/* ------------------------------------------------------------ write tracking
 * The path calls this after applying a trapped guest write to a tracked
 * frame (host_ops.track_enable).  -ENOENT if addr is not tracked. */
int vgpu_page_track_write(struct vgpu *v, u64 addr, const void *data, size_t len);
/* Whether the frame holding addr is tracked (the path checks before it
 * applies a trapped write that no BAR claims). */
bool vgpu_page_tracked(struct vgpu *v, u64 addr);

#endif /* VGPU_H */
