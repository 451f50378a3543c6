/*
 * rgpu-demo: the guest half of `make demo`.  Runs inside an HVM guest
 * (static, from the rig's initramfs), draws a picture on its vGPU with the
 * render and copy engines, shows it on the vGPU's display plane, then keeps
 * the engines busy for a while (a square sliding along a band of the
 * picture) so that dom0 can take a screenshot and read statistics.
 *
 *   rgpu-demo [SECONDS [HOLD [LOAD]]]
 *       animate SECONDS (default 20), then stay up idle HOLD seconds
 *       (default 0) with the picture on screen.  LOAD (default 0) more
 *       full-size fills of an off-screen buffer in every frame's batch, and
 *       the next frame queued before the last one is waited for: the guest
 *       keeps the render engine's queue full, so that with two such guests
 *       the scheduler's weights, not the guests' pace, decide their shares.
 *
 * Two guests of the demo get different vGPU types, and each draws its own
 * picture, chosen by the size of its graphics-memory slice (PV info): colour
 * bars on a 256 MiB slice (refgpu-8), a target of nested squares otherwise.
 *
 * Prints `RIG-GUEST: demo ...` lines: `drawing`, `display ready` with the
 * pixels a screenshot must show outside the animated band, `frames N`
 * every 5 s of animation, then `done`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rgpu_cmd.h"
#include "rgpu_guest.h"
#include "rgpu_linux.h"

#define W 640u
#define H 400u
#define STRIDE (W * 4)
#define BAND_Y 300u                     /* the animation stays in [BAND_Y, BAND_Y + 40) */
#define BAND_H 40u
#define WAIT 20000000000ull

static const u32 bars[8] = { 0x00ffffff, 0x00ffff00, 0x0000ffff, 0x0000ff00,
                             0x00ff00ff, 0x00ff0000, 0x000000ff, 0x00202020 };

static u64 now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static int die(const char *what, int rc)
{
    printf("RIG-GUEST: demo FAIL %s (%d)\n", what, rc);
    return 1;
}

/* Submit cs on engine and wait for it; 0 or the error. */
static int run(struct rgpu_dev *d, u32 engine, struct rgpu_cs *cs)
{
    u32 seq;
    int rc;

    if (cs->overflow)
        return -1;
    rc = rgpu_submit(d, engine, cs->buf, cs->len, &seq);
    return rc ? rc : rgpu_wait_seqno(d, engine, seq, WAIT);
}

int main(int argc, char **argv)
{
    unsigned int seconds = argc > 1 ? (unsigned int)atoi(argv[1]) : 20, frames = 0;
    unsigned int hold = argc > 2 ? (unsigned int)atoi(argv[2]) : 0;
    unsigned int load = argc > 3 ? (unsigned int)atoi(argv[3]) : 0;
    struct rgpu_linux lx;
    struct rgpu_platform plat;
    struct rgpu_dev *d;
    struct rgpu_bo *fb, *scratch = NULL;
    u32 buf[512];
    char expect[160];
    struct rgpu_cs cs;
    u64 end, tick;
    u32 seq, prev = 0;
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = rgpu_linux_open(&lx, NULL, &plat);
    if (rc) {
        printf("RIG-GUEST: demo FAIL %s\n", lx.err);
        return 1;
    }
    if ((rc = rgpu_open(&plat, &d)))
        return die("probe", rc);
    if ((rc = rgpu_engine_init(d, RGPU_ENGINE_RENDER, 4)) ||
        (rc = rgpu_engine_init(d, RGPU_ENGINE_COPY, 4)))
        return die("rings", rc);
    /* One batched GTT update maps the whole framebuffer. */
    if ((rc = rgpu_bo_create(d, (W * H * 4 + 4095) & ~4095u, RGPU_MAP_BATCH, &fb)))
        return die("framebuffer", rc);
    if (load && (rc = rgpu_bo_create(d, (W * H * 4 + 4095) & ~4095u, RGPU_MAP_BATCH, &scratch)))
        return die("scratch buffer", rc);
    printf("RIG-GUEST: demo drawing\n");

    if (rgpu_get_info(d)->gm_size == 256ull << 20) {
        /* Eight colour bars over the top 240 lines, a grey floor below. */
        rgpu_cs_init(&cs, buf, 512);
        rgpu_cs_color_fill(&cs, fb->gfx, STRIDE, RGPU_BPP_32, W, H, 0x00404040);
        for (u32 i = 0; i < 8; i++)
            rgpu_cs_color_fill(&cs, fb->gfx + i * (W / 8) * 4, STRIDE, RGPU_BPP_32, W / 8, 240,
                               bars[i]);
        if ((rc = run(d, RGPU_ENGINE_RENDER, &cs)))
            return die("render", rc);
        /* The copy engine mirrors the first bar into the bottom-right corner. */
        rgpu_cs_init(&cs, buf, 512);
        rgpu_cs_src_copy(&cs, fb->gfx + 350 * STRIDE + (W - 80) * 4, STRIDE, RGPU_BPP_32, 80,
                         50, fb->gfx, STRIDE);
        if ((rc = run(d, RGPU_ENGINE_COPY, &cs)))
            return die("copy", rc);
        snprintf(expect, sizeof(expect), "40,100=%06x 120,100=%06x 600,100=%06x 20,380=%06x "
                 "620,380=%06x", bars[0], bars[1], bars[7], 0x404040, bars[0]);
    } else {
        /* A target: nested squares centred in the top 280 lines, then the
         * copy engine duplicates its left half into the right margin. */
        static const u32 ring[5] = { 0x00000080, 0x0000c0c0, 0x00e0e0e0, 0x00c00000, 0x00ffd700 };

        rgpu_cs_init(&cs, buf, 512);
        rgpu_cs_color_fill(&cs, fb->gfx, STRIDE, RGPU_BPP_32, W, H, 0x00404040);
        for (u32 i = 0; i < 5; i++) {
            u32 half = 130 - 25 * i, x = 320 - half, y = 140 - half;

            rgpu_cs_color_fill(&cs, fb->gfx + y * STRIDE + x * 4, STRIDE, RGPU_BPP_32, 2 * half,
                               2 * half, ring[i]);
        }
        if ((rc = run(d, RGPU_ENGINE_RENDER, &cs)))
            return die("render", rc);
        rgpu_cs_init(&cs, buf, 512);
        rgpu_cs_src_copy(&cs, fb->gfx + 10 * STRIDE + 520 * 4, STRIDE, RGPU_BPP_32, 110, 260,
                         fb->gfx + 10 * STRIDE + 190 * 4, STRIDE);
        if ((rc = run(d, RGPU_ENGINE_COPY, &cs)))
            return die("copy", rc);
        snprintf(expect, sizeof(expect), "320,140=%06x 200,140=%06x 192,20=%06x 20,380=%06x "
                 "530,140=%06x", ring[4], ring[0], ring[0], 0x404040, ring[0]);
    }
    if ((rc = rgpu_display_set(d, fb->gfx, W, H, STRIDE)))
        return die("display", rc);

    printf("RIG-GUEST: demo display ready %ux%u expect %s band=%u+%u\n", W, H, expect, BAND_Y,
           BAND_H);

    /* Keep the engines busy: a square slides along the band (and, with
     * LOAD, the off-screen fills), each frame submitted before the one
     * before it is waited for. */
    end = now_ns() + (u64)seconds * 1000000000ull;
    tick = now_ns() + 5000000000ull;
    while (now_ns() < end) {
        u32 x = (frames * 16) % (W - 40);

        rgpu_cs_init(&cs, buf, 512);
        rgpu_cs_color_fill(&cs, fb->gfx + BAND_Y * STRIDE, STRIDE, RGPU_BPP_32, W, BAND_H,
                           0x00404040);
        rgpu_cs_color_fill(&cs, fb->gfx + BAND_Y * STRIDE + x * 4, STRIDE, RGPU_BPP_32, 40,
                           BAND_H, 0x00ff8000);
        for (u32 i = 0; i < load; i++)
            rgpu_cs_color_fill(&cs, scratch->gfx, STRIDE, RGPU_BPP_32, W, H, frames + i);
        if (cs.overflow)
            return die("animate: batch too long", -1);
        if ((rc = rgpu_submit(d, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seq)))
            return die("animate", rc);
        if (frames && (rc = rgpu_wait_seqno(d, RGPU_ENGINE_RENDER, prev, WAIT)))
            return die("animate", rc);
        prev = seq;
        frames++;
        if (now_ns() >= tick) {
            printf("RIG-GUEST: demo frames %u\n", frames);
            tick += 5000000000ull;
        }
    }
    if (frames && (rc = rgpu_wait_seqno(d, RGPU_ENGINE_RENDER, prev, WAIT)))
        return die("animate", rc);
    printf("RIG-GUEST: demo done frames=%u vblanks=%u mmio_reads=%llu mmio_writes=%llu\n",
           frames, rgpu_display_frame(d), (unsigned long long)lx.mmio_reads,
           (unsigned long long)lx.mmio_writes);
    /* Idle with the picture shown: under the rig's TCG a second guest boots
     * far more reliably beside an idle one than beside a busy one. */
    if (hold)
        sleep(hold);
    rgpu_close(d);
    rgpu_linux_close(&lx);
    return 0;
}
