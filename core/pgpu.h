/*
 * pgpu.h - the physical-GPU driver interface.
 *
 * The device model never touches the physical GPU directly: it programs
 * host GTT entries, submits shadowed (scanned and copied) workloads to an
 * engine, and reads scanout memory through this table.  pgpu-sw/ (the
 * software engine) implements it; a driver for real hardware would fill the
 * same table.  The device model never creates a pgpu: whoever creates the
 * parent (daemon, kernel module, tests) makes one and hands it over in
 * vgpu_parent_config.  All graphics addresses are host graphics addresses,
 * which equal guest ones because each vGPU is confined to its slice (PV
 * info).  A driver sees this header, hw_regs.h and hw_cmds.h (the device it
 * drives and its commands), le_bytes.h and the OS shim, nothing of the
 * device model.
 */
#ifndef VGPU_PGPU_H
#define VGPU_PGPU_H

#include "os.h"
#include "hw_regs.h"
#include "hw_cmds.h"

/* Host GTT page: index = graphics address >> PGPU_PAGE_SHIFT. */
#define PGPU_PAGE_SHIFT 12
#define PGPU_PAGE_SIZE  (1u << PGPU_PAGE_SHIFT)
#define PGPU_PAGE_MASK  ((u64)PGPU_PAGE_SIZE - 1)

struct pgpu;
struct vgpu_workload;

/* One host GTT entry: where a graphics page lives for the engine. */
struct pgpu_page {
    void *va;                   /* host mapping of the frame (software engine) */
    u64 dma;                    /* bus address (a real GPU would use this) */
};

enum pgpu_exec_status {
    PGPU_EXEC_DONE = 0,         /* every command executed */
    PGPU_EXEC_PREEMPTED,        /* budget spent; resume at workload->pos */
    PGPU_EXEC_FAULT,            /* stopped at workload->pos: see error/error_addr */
};

struct pgpu_exec_result {
    enum pgpu_exec_status status;
    u32 error;                  /* RGPU_ERR_* on FAULT */
    u32 error_addr;
    u64 commands;               /* commands executed in this run */
};

/* Completion of one submit; called once, from any context that may take an
 * os_mutex: inside submit (a synchronous engine) or later from the driver's
 * own thread (an asynchronous one).  The scheduler sleeps until it comes. */
typedef void (*pgpu_done_fn)(void *ctx, const struct pgpu_exec_result *res);

/*
 * Side effects the engine hands back to the device model while executing:
 * LOAD_REGISTER_IMM (already whitelisted by the scanner), USER_INTERRUPT and
 * seqno writes to the status page.  Called on the engine's thread.
 */
struct vgpu_workload_ops {
    void (*load_register)(struct vgpu_workload *w, u32 reg, u32 val);
    void (*user_interrupt)(struct vgpu_workload *w);
    void (*hws_write)(struct vgpu_workload *w, u32 offset, u32 val);
};

/*
 * A shadowed workload: the commands of one submission, scanned and copied
 * out of guest memory (batches inlined), so the guest cannot change them
 * after validation.  The engine executes dwords[pos..len).
 */
struct vgpu_workload {
    u32 *dwords;
    u32 len;                    /* dwords */
    u32 cap;                    /* dwords allocated */
    u32 pos;                    /* next dword to execute */
    u32 row;                    /* next row of a rectangle command preempted mid-way */
    u32 engine;
    u64 gm_lo, gm_hi;           /* the owning slice [lo, hi): checked again at execution */
    u32 hws;                    /* graphics address of the status page */
    u32 ring_tail;              /* ring offset the guest's head reaches on completion */
    u64 ncmds;                  /* commands in the workload */
    u64 busy_ns;                /* execution time so far */
    u64 submit_ns;
    const struct vgpu_workload_ops *ops;
    void *owner;                /* the vGPU */
    struct vgpu_workload *next; /* scheduler queue */
};

struct pgpu_ops {
    /* index = graphics address >> PGPU_PAGE_SHIFT.  page NULL: invalidate the entry. */
    int (*set_gtt)(struct pgpu *g, u32 index, const struct pgpu_page *page);
    /* Run w on engine from w->pos for at most budget_ns (checked at command
     * boundaries and inside long commands), then call done(ctx, result). */
    int (*submit)(struct pgpu *g, u32 engine, struct vgpu_workload *w, u64 budget_ns,
                  pgpu_done_fn done, void *ctx);
    /* Abandon whatever the engine runs.  A submit in progress still
     * completes (promptly, any status): the scheduler waits for every
     * completion and discards one that a reset overtook. */
    void (*engine_reset)(struct pgpu *g, u32 engine);
    /* Copy graphics memory (through the host GTT) for scanout. -EFAULT if a
     * page is not mapped. */
    int (*read_gm)(struct pgpu *g, u32 gfx_addr, void *buf, u32 len);
    void (*destroy)(struct pgpu *g);
};

struct pgpu {
    const struct pgpu_ops *ops;
    u32 gtt_entries;            /* graphics memory size >> PGPU_PAGE_SHIFT */
};

#endif /* VGPU_PGPU_H */
