/*
 * scn.h - the vGPU scenarios, written once over the guest library.
 *
 * Each scenario drives one vGPU through rgpu_guest.h as a guest driver
 * would and checks every result byte-exact against a reference the CPU
 * computes.  Two harnesses run them: vgpu-sim (tests/sim/), in process
 * against the device model, and vgpu-guest (guest/vgpu_guest.c), inside
 * the rig's guests.  What only one harness can see -- the model's
 * statistics and scanout, the MSI messages of the sim's test host, the
 * interrupts a guest kernel took -- it hands in through struct scn_ext;
 * a scenario without a hook skips that check, never the common ones.
 *
 * Every scenario is defined in exactly one file (tests/check-scenarios.sh,
 * run by make test): a harness adds a scenario of its own under its own
 * prefix, never a second copy of one of these.
 */
#ifndef SCN_H
#define SCN_H

#include <stdbool.h>
#include <stddef.h>

#include "rgpu_guest.h"

#define SCN_TEXT_LEN 512
#define SCN_MAX_OTHERS 16

struct scn;

/* The device model's counters of this vGPU (struct vgpu_stats' subset
 * the scenarios check): only the in-process harness has them. */
struct scn_stats {
    u64 mmio_traps, rejects, faults, resets, bad_accesses, interrupts, commands, vblanks;
};

/* What one harness can check beyond the shared scenario.  Every hook is
 * optional. */
struct scn_ext {
    /* The model's statistics of this vGPU. */
    void (*stats)(struct scn *s, struct scn_stats *out);
    /* Interrupts the guest's kernel took so far (the sim: its test host's
     * MSIs and INTx edges; a guest: rgpu_uio's event count). */
    u64 (*irqs)(struct scn *s);
    /* irq: more checks after the shared part (the sim: MSI address and
     * data as programmed, IMR/IER/W1C semantics, error interrupt). */
    bool (*irq)(struct scn *s);
    /* display: the plane scanning out fb (w x h, stride; ref the expected
     * pixels), checked from outside the guest; and again once it is off. */
    bool (*display_on)(struct scn *s, const struct rgpu_bo *fb, const u8 *ref, u32 w, u32 h,
                       u32 stride);
    bool (*display_off)(struct scn *s);
    /* malicious: one more attack after the shared ones, leaving the error
     * interrupts enabled; verified work follows on both engines (the sim:
     * an interrupt storm counted by the model). */
    bool (*malicious)(struct scn *s);
};

/* One scenario's view of its vGPU.  The harness fills in the first block
 * (zero is a sensible default for each field but dev), scn_reset clears
 * the results between scenarios. */
struct scn {
    struct rgpu_dev *dev;
    unsigned int idx;           /* which guest: varies colours and values */
    /* The full sizes and the whole attack list (vgpu-sim).  Without it,
     * a lighter run: in the rig every register access is a VM exit
     * (~12 ms under TCG). */
    bool full;
    /* map initialises both engines with rings of this many pages; 0: the
     * harness did (ring_size says how large). */
    u32 ring_pages;
    u32 ring_size;              /* bytes of each engine's ring */
    /* Waits read RING_STATUS (a register: a trap in a guest) at most this
     * often while polling the HWS in memory; 0: the library's own wait. */
    u64 status_every_ns;
    bool wait_irq;              /* the device's interrupts reach this guest */
    const char *irq_mode;       /* how ("msi", "intx"; the rig checks irq's note), or NULL */
    const char *no_irq;         /* why they do not, or NULL */
    u64 beyond_ram;             /* a DMA address no memory of the guest has */
    unsigned int nothers;       /* other vGPUs' slices, when the harness knows them */
    u64 other_gm[SCN_MAX_OTHERS];
    const struct scn_ext *ext;
    void *ext_ctx;
    u64 rng;                    /* seed: never 0 */

    char err[SCN_TEXT_LEN];     /* the first failure */
    char note[SCN_TEXT_LEN];    /* what a passing run did */
};

#define SCN_WAIT_NS 20000000000ull      /* any one wait: 20 s */

void scn_reset(struct scn *s);
/* Record a failure (the first one wins) and return false. */
bool scn_fail(struct scn *s, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void scn_note(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define SCN_FAIL(s, ...) scn_fail((s), __FILE__, __LINE__, __VA_ARGS__)
#define SCN_CHECK(s, cond, ...) do { if (!(cond)) return SCN_FAIL((s), __VA_ARGS__); } while (0)
#define SCN_CHECK_RC(s, expr) do { long rc_ = (long)(expr); \
        if (rc_ < 0) return SCN_FAIL((s), "%s = %ld", #expr, rc_); } while (0)
#define SCN_COMPARE(s, what, got, want, len) \
    do { if (!scn_compare((s), __FILE__, __LINE__, (what), (got), (want), (len))) return false; } while (0)

u32 scn_rand(struct scn *s);
u32 scn_rand_range(struct scn *s, u32 lo, u32 hi);     /* [lo, hi] */
u64 scn_now_ns(struct scn *s);
void scn_sleep_ns(u64 ns);
bool scn_stats(struct scn *s, struct scn_stats *out);   /* false: no such view */

/* Wait for seqno on engine (0, -EIO when the engine halted on an error,
 * -ETIMEDOUT); scn_run submits cs first. */
int scn_wait_seqno(struct scn *s, u32 engine, u32 seqno);
int scn_run(struct scn *s, u32 engine, const struct rgpu_cs *cs);

/* CPU references of the rectangle commands on a byte image of a BO. */
void scn_ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color);
void scn_ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                  u32 w, u32 h);
/* memcmp with a useful failure message. */
bool scn_compare(struct scn *s, const char *file, int line, const char *what, const void *got,
                 const void *want, size_t len);
/* A random rectangle fitting size bytes, pitch > width. */
void scn_rand_rect(struct scn *s, u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off, u32 *pitch,
                   u32 *w, u32 *h);
/* A BO (random contents, or zero) and its reference image; scn_drop_bo
 * frees both (either may be NULL). */
bool scn_make_bo(struct scn *s, u32 size, enum rgpu_map_method how, bool random,
                 struct rgpu_bo **bo, u8 **ref);
void scn_drop_bo(struct scn *s, struct rgpu_bo *bo, u8 *ref);

/* The shared scenarios (scn_work.c, scn_irq.c, scn_malicious.c): true on
 * success, else s->err says why. */
bool scn_pvinfo(struct scn *s);
bool scn_map(struct scn *s);
bool scn_fill(struct scn *s);
bool scn_copy(struct scn *s);
bool scn_batch(struct scn *s);
bool scn_store(struct scn *s);
bool scn_irq(struct scn *s);
bool scn_display(struct scn *s);
bool scn_malicious(struct scn *s);

#endif /* SCN_H */
