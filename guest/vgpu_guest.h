/*
 * vgpu_guest.h - what the parts of vgpu-guest share: the device, the
 * per-scenario result text and the helpers every scenario uses.
 *
 * vgpu-guest runs inside a guest (Xen HVM or a KVM guest with an mdev
 * behind vfio-pci) and drives the vGPU through the guest library on its
 * Linux platform (rgpu_linux.c).  One global device: the program is a
 * sequence of scenarios on one function, nothing runs concurrently.
 */
#ifndef VGPU_GUEST_H
#define VGPU_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rgpu_cmd.h"
#include "rgpu_guest.h"
#include "rgpu_linux.h"

/* Any one wait: 20 s.  Every register access is a trap to the device
 * model (~12 ms under the rig's TCG), so budgets are generous. */
#define VG_WAIT_NS 20000000000ull

extern struct rgpu_linux vg_lx;
extern struct rgpu_platform vg_plat;
extern struct rgpu_dev *vg_dev;
extern const char *vg_sbdf;             /* --device, or NULL: the first 1234:6770 */
extern enum rgpu_dma_mode vg_dma;       /* --dma: how DMA pages are addressed */

/* The scenario's result text: vg_fail sets it and returns false (for
 * `return vg_fail(...)`), vg_note appends to it on success. */
bool vg_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CHECK(cond, ...) do { if (!(cond)) return vg_fail(__VA_ARGS__); } while (0)

u32 vg_rnd(void);
u32 vg_rnd_range(u32 lo, u32 hi);
u64 vg_now_ns(void);

/* Submit cs on engine and wait for its seqno in the HWS (memory, no trap;
 * RING_STATUS only now and then to notice an error halt).  0, -EIO,
 * -ETIMEDOUT, or the submit error. */
int vg_wait_seqno(u32 engine, u32 seqno);
int vg_run(u32 engine, const struct rgpu_cs *cs);

/* CPU reference images of what the engines do, and their comparison. */
void vg_ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color);
void vg_ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                 u32 w, u32 h);
bool vg_compare(const char *what, const void *got, const void *want, size_t len);
/* A random rectangle fitting size bytes, pitch > width. */
void vg_rand_rect(u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off, u32 *pitch, u32 *w,
                  u32 *h);
/* A BO with random contents and its reference image; vg_drop_bo frees both. */
bool vg_make_bo(u32 size, enum rgpu_map_method how, struct rgpu_bo **bo, u8 **ref);
void vg_drop_bo(struct rgpu_bo *bo, u8 *ref);
/* A verified fill on engine: the device still does correct work. */
bool vg_valid_work(u32 engine, const char *after);

/* The scenarios (vgpu_guest_scn.c, vgpu_guest_mal.c): true on success. */
bool vg_scn_probe(void);
bool vg_scn_pvinfo(void);
bool vg_scn_map(void);
bool vg_scn_fill(void);
bool vg_scn_copy(void);
bool vg_scn_batch(void);
bool vg_scn_store(void);
bool vg_scn_irq(void);
bool vg_scn_display(void);
bool vg_scn_track(void);
bool vg_scn_malicious(void);

#endif /* VGPU_GUEST_H */
