/*
 * sw_engine.h - the software engine: a pgpu (core/pgpu.h) that executes
 * the reference GPU's commands on the CPU.  Creators of a vgpu_parent
 * (dom0-backend, kernel/, tests, benchmarks) make one and hand it to the
 * parent in vgpu_parent_config.pgpu; the device model never names it.
 */
#ifndef PGPU_SW_ENGINE_H
#define PGPU_SW_ENGINE_H

#include "pgpu.h"

/* A software pGPU with gm_size bytes of graphics memory (a multiple of
 * PGPU_PAGE_SIZE), or NULL.  It executes each submit on the caller's thread
 * and calls done before returning; the scheduler gives every engine its own
 * thread, so engines run in parallel with each other and the CPU.  Freed by
 * its ops->destroy. */
struct pgpu *pgpu_sw_create(u64 gm_size);

/* Executed-command hook for tests: called after every command with its
 * opcode; lets a fake clock advance deterministically. */
void pgpu_sw_set_cmd_hook(struct pgpu *g, void (*hook)(void *ctx, u32 opcode), void *ctx);

/* Clock for the preemption deadline (NULL: the monotonic clock).  A creator
 * that gives the parent a clock (vgpu_parent_config.clock) gives the engine
 * the same one, so budgets and the scheduler's accounting use one time base. */
void pgpu_sw_set_clock(struct pgpu *g, u64 (*clock)(void *ctx), void *ctx);

#endif /* PGPU_SW_ENGINE_H */
