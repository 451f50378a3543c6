/*
 * sim.h - vgpu-sim: guest scenarios run in-process against the device
 * model, each vGPU on its own test host, driven through the guest
 * library (guest/) exactly as a guest driver would drive it.
 */
#ifndef SIM_H
#define SIM_H

#include <stdarg.h>
#include <stdio.h>

#include "vgpu.h"
#include "testhost/testhost.h"
#include "rgpu_guest.h"

#define SIM_MAX_VGPUS 16
#define SIM_WAIT_NS 10000000000ull      /* every wait: 10 s */
#define SIM_DETAIL_LEN 512
#define SIM_MEM_BASE 0x100000u          /* DMA allocations start at 1 MiB */

struct sim_machine;

/* One guest: a test host (its memory), a vGPU and a guest driver. */
struct sim_guest {
    struct sim_machine *m;
    unsigned int idx;
    struct testhost host;
    struct vgpu *v;
    struct rgpu_platform plat;
    struct rgpu_dev *dev;
    size_t alloc_next;          /* bump allocator over host.mem */
    unsigned int irq_seen;      /* interrupt events consumed by wait_irq */
    unsigned long long rng;
    char err[SIM_DETAIL_LEN];   /* first failure of this guest */
};

struct sim_machine {
    struct vgpu_parent *parent;
    const struct vgpu_type *type;
    unsigned int n;
    size_t mem_size;
    char note[SIM_DETAIL_LEN];  /* informational detail of a passing run */
    struct sim_guest g[SIM_MAX_VGPUS];
};

/* Record a failure (first one wins) and return false. */
bool sim_fail(struct sim_guest *g, int line, const char *fmt, ...) OS_PRINTF(3, 4);
#define CHECK(g, cond, ...) do { if (!(cond)) return sim_fail((g), __LINE__, __VA_ARGS__); } while (0)
#define CHECK_RC(g, expr) do { long rc_ = (long)(expr); \
        if (rc_ < 0) return sim_fail((g), __LINE__, "%s = %ld", #expr, rc_); } while (0)

u32 sim_rand(struct sim_guest *g);
u32 sim_rand_range(struct sim_guest *g, u32 lo, u32 hi);   /* [lo, hi] */
u64 sim_now_ns(void);
void sim_sleep_ns(u64 ns);

/* Submit a command stream and wait for its seqno (poll or IRQ per mode). */
int sim_run(struct sim_guest *g, u32 engine, const struct rgpu_cs *cs);
/* CPU reference of the rectangle commands on a byte image of a BO
 * (offsets relative to the BO). */
void sim_ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color);
void sim_ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                  u32 w, u32 h);
/* memcmp with a useful failure message. */
bool sim_compare(struct sim_guest *g, int line, const char *what, const void *got,
                 const void *want, size_t len);
#define COMPARE(g, what, got, want, len) \
    do { if (!sim_compare((g), __LINE__, (what), (got), (want), (len))) return false; } while (0)
/* Random rectangle fitting a BO of size bytes: pitch > width * bytes. */
void sim_rand_rect(struct sim_guest *g, u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off,
                   u32 *pitch, u32 *w, u32 *h);
/* A self-checking unit of normal work (fills and copies on both engines
 * over two fresh BOs, verified byte-exact).  seed_color distinguishes
 * guests.  Used by multi and by the victims of malicious. */
bool sim_work_round(struct sim_guest *g, struct rgpu_bo *a, u8 *aref, struct rgpu_bo *b,
                    u8 *bref, u32 round);
/* True if host memory past the allocator is still all zero. */
bool sim_untouched(struct sim_guest *g);

/* Scenarios (sim_scenarios.c, sim_malicious.c). */
bool sim_scn_fill(struct sim_machine *m);
bool sim_scn_copy(struct sim_machine *m);
bool sim_scn_batch(struct sim_machine *m);
bool sim_scn_store(struct sim_machine *m);
bool sim_scn_irq(struct sim_machine *m);
bool sim_scn_display(struct sim_machine *m);
bool sim_scn_multi(struct sim_machine *m);
bool sim_scn_malicious(struct sim_machine *m);

/* Informational text for the scenario's result line (appended). */
void sim_note(struct sim_machine *m, const char *fmt, ...) OS_PRINTF(2, 3);

#endif /* SIM_H */
