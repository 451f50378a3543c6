/*
 * rgpu-guest-test: runs inside a rig guest (static, from the initramfs)
 * and drives the vGPU the dom0 daemon serves, through the guest library
 * on its Linux platform (guest/rgpu_linux.c): probe, PV info, GTT
 * mapping, fill / copy / batch / store work checked byte-exact by the CPU,
 * interrupt bits by polling, error containment, and the debug tracked
 * page (write tracking through p2m_ioreq_server, end to end).
 *
 * Prints one `RIG-GUEST: <scenario> PASS|FAIL <detail>` line per scenario
 * and a summary; exit status 0 only if every scenario passed.
 *
 * Every register access is a trap to the device model (~12 ms under the
 * rig's TCG), so completions are polled in the HWS page in memory, and
 * registers are read only to confirm what memory already showed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rgpu_guest.h"
#include "rgpu_linux.h"

#define WAIT_NS 20000000000ull          /* any one wait: 20 s (TCG is slow) */
#define ERR_CHECK_NS 100000000ull       /* read RING_STATUS at most every 100 ms */

static struct rgpu_linux lx;
static struct rgpu_platform plat;
static struct rgpu_dev *dev;
static unsigned int passed, failed;
static char detail[512];
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static u32 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (u32)(rng >> 16);
}

static u32 rnd_range(u32 lo, u32 hi)
{
    return lo + rnd() % (hi - lo + 1);
}

static u64 now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static bool fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return false;
}

#define CHECK(cond, ...) do { if (!(cond)) return fail(__VA_ARGS__); } while (0)

static void report(const char *name, bool ok, u64 t0, u64 traps0)
{
    u64 traps = lx.mmio_reads + lx.mmio_writes - traps0;

    printf("RIG-GUEST: %s %s %.2fs traps=%llu %s\n", name, ok ? "PASS" : "FAIL",
           (double)(now_ns() - t0) / 1e9, (unsigned long long)traps, detail);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
    detail[0] = '\0';
}

static void note(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(detail);

    va_start(ap, fmt);
    vsnprintf(detail + n, sizeof(detail) - n, fmt, ap);
    va_end(ap);
}

/* Wait for seqno in the HWS (memory, no trap); RING_STATUS only now and
 * then, to notice an error-halted engine.  0, -EIO or -ETIMEDOUT. */
static int wait_seqno(u32 engine, u32 seqno)
{
    u64 t0 = now_ns(), last_check = t0;
    const struct timespec ts = { 0, 200000 };

    for (;;) {
        u64 t;

        if ((int32_t)(rgpu_hws_seqno(dev, engine) - seqno) >= 0)
            return 0;
        t = now_ns();
        if (t - last_check >= ERR_CHECK_NS) {
            last_check = t;
            if (rgpu_read(dev, RGPU_ENGINE_BASE(engine) + RGPU_RING_STATUS) &
                RGPU_RING_STATUS_ERROR)
                return (int32_t)(rgpu_hws_seqno(dev, engine) - seqno) >= 0 ? 0 : -EIO;
        }
        if (t - t0 >= WAIT_NS)
            return -ETIMEDOUT;
        nanosleep(&ts, NULL);
    }
}

static int run(u32 engine, const struct rgpu_cs *cs)
{
    u32 seqno;
    int rc;

    if (cs->overflow)
        return -E2BIG;
    rc = rgpu_submit(dev, engine, cs->buf, cs->len, &seqno);
    return rc ? rc : wait_seqno(engine, seqno);
}

static void ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color)
{
    u32 bytes = 1u << bpp;

    for (u32 y = 0; y < h; y++)
        for (u32 x = 0; x < w; x++)
            for (u32 b = 0; b < bytes; b++)
                img[off + y * pitch + x * bytes + b] = (u8)(color >> (8 * b));
}

static void ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                     u32 w, u32 h)
{
    for (u32 y = 0; y < h; y++)
        memmove(dst + doff + y * dpitch, src + soff + y * spitch, (size_t)w << bpp);
}

static bool compare(const char *what, const void *got, const void *want, size_t len)
{
    const u8 *a = got, *b = want;
    size_t i, bad = 0, first = 0;

    if (!memcmp(a, b, len))
        return true;
    for (i = 0; i < len; i++)
        if (a[i] != b[i] && !bad++)
            first = i;
    return fail("%s: %zu of %zu bytes differ, first at 0x%zx (got 0x%02x, want 0x%02x)", what,
                bad, len, first, a[first], b[first]);
}

/* A rectangle fitting size bytes, pitch > width. */
static void rand_rect(u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off, u32 *pitch, u32 *w,
                      u32 *h)
{
    u32 bytes = 1u << bpp, span;

    *w = rnd_range(1, max_w);
    *h = rnd_range(1, max_h);
    *pitch = (*w + rnd_range(1, 64)) * bytes;
    span = (*h - 1) * *pitch + *w * bytes;
    if (span >= size) {
        *h = 1;
        span = *w * bytes;
    }
    *off = rnd_range(0, (size - span) / bytes) * bytes;
}

/* A BO with random contents and its reference image. */
static bool make_bo(u32 size, enum rgpu_map_method how, struct rgpu_bo **bo, u8 **ref)
{
    int rc = rgpu_bo_create(dev, size, how, bo);

    CHECK(rc == 0, "rgpu_bo_create(%u): %d", size, rc);
    *ref = malloc(size);
    CHECK(*ref, "out of memory");
    for (u32 i = 0; i < size / 4; i++)
        ((u32 *)(*bo)->cpu)[i] = rnd();
    memcpy(*ref, (*bo)->cpu, size);
    return true;
}

static void drop_bo(struct rgpu_bo *bo, u8 *ref)
{
    if (bo)
        rgpu_bo_destroy(dev, bo);
    free(ref);
}

/* ------------------------------------------------------------ scenarios */
static bool scn_probe(void)
{
    const struct rgpu_info *i;
    u16 cmd = 0;
    int rc;

    rc = rgpu_linux_open(&lx, NULL, &plat);
    CHECK(rc == 0, "%s", lx.err);
    rc = rgpu_open(&plat, &dev);
    CHECK(rc == 0, "rgpu_open: %d", rc);
    i = rgpu_get_info(dev);
    rgpu_linux_cfg_read16(&lx, 0x04, &cmd);
    note("%s bar0=0x%llx+0x%zx cmd=0x%04x id=0x%08x version=0x%08x", strrchr(lx.dir, '/') + 1,
         (unsigned long long)lx.bar0_phys, lx.bar0_size, cmd, i->id, i->version);
    return true;
}

static bool scn_pvinfo(void)
{
    const struct rgpu_info *i = rgpu_get_info(dev);

    CHECK(i->gm_size && i->gm_base + i->gm_size <= i->gm_total,
          "slice 0x%llx+0x%llx of 0x%llx", (unsigned long long)i->gm_base,
          (unsigned long long)i->gm_size, (unsigned long long)i->gm_total);
    CHECK(i->caps & RGPU_PVCAP_TRACK, "caps 0x%x lack TRACK", i->caps);
    note("pv=0x%x caps=0x%x vgpu=%u gm=0x%llx+%lluMiB of %lluMiB fences=%u+%u max=%ux%u",
         i->pv_version, i->caps, i->vgpu_id, (unsigned long long)i->gm_base,
         (unsigned long long)(i->gm_size >> 20), (unsigned long long)(i->gm_total >> 20),
         i->fence_base, i->fence_count, i->max_width, i->max_height);
    return true;
}

/* Rings and status pages (batched GTT updates), then one BO each way. */
static bool scn_map(void)
{
    struct rgpu_bo *a = NULL, *b = NULL;
    u64 pte;
    int rc;

    rc = rgpu_engine_init(dev, RGPU_ENGINE_RENDER, 1);
    CHECK(rc == 0, "render engine init: %d", rc);
    rc = rgpu_engine_init(dev, RGPU_ENGINE_COPY, 1);
    CHECK(rc == 0, "copy engine init: %d", rc);
    rc = rgpu_bo_create(dev, 256 * 1024, RGPU_MAP_BATCH, &a);
    CHECK(rc == 0, "64-page BO, batched: %d", rc);
    pte = rgpu_gtt_read_pte(dev, (a->gfx >> 12) + 63);
    rc = pte == ((a->dma[63] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID);
    note("batched 64 pages at gfx 0x%x (last PTE 0x%llx, page pa 0x%llx)", a->gfx,
         (unsigned long long)pte, (unsigned long long)a->dma[63]);
    rgpu_bo_destroy(dev, a);
    CHECK(rc, "GTT PTE readback mismatch");
    rc = rgpu_bo_create(dev, 2 * 4096, RGPU_MAP_WINDOW, &b);
    CHECK(rc == 0, "2-page BO through the GTT window: %d", rc);
    rgpu_bo_destroy(dev, b);
    note("; window 2 pages ok");
    return true;
}

static bool scn_fill(void)
{
    struct rgpu_bo *bo;
    u32 buf[256], off, pitch, w, h;
    struct rgpu_cs cs;
    u8 *ref;
    bool ok = true;

    if (!make_bo(64 * 1024, RGPU_MAP_BATCH, &bo, &ref))
        return false;
    for (u32 pass = 0; pass < 4 && ok; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;
        int rc;

        rgpu_cs_init(&cs, buf, 256);
        for (u32 k = 0; k < 6; k++) {
            u32 color = rnd();

            rand_rect(bo->size, bpp, 200, 40, &off, &pitch, &w, &h);
            if (k == 5) {       /* odd pitch: rows cross pages at odd offsets */
                pitch = (w << bpp) + 2 * rnd_range(0, 20) + 1;
                h = 30;
                off = rnd_range(0, (bo->size - (h - 1) * pitch - (w << bpp)) >> bpp) << bpp;
            }
            rgpu_cs_color_fill(&cs, bo->gfx + off, pitch, bpp, w, h, color);
            ref_fill(ref, off, pitch, bpp, w, h, color);
        }
        rc = run(engine, &cs);
        if (rc)
            ok = fail("fill pass %u (bpp %u, engine %u): %d", pass, bpp, engine, rc);
        else
            ok = compare("fill", bo->cpu, ref, bo->size);
    }
    drop_bo(bo, ref);
    if (ok)
        note("4 passes x 6 rectangles, 8/16/32 bpp, both engines, odd pitches");
    return ok;
}

static bool scn_copy(void)
{
    struct rgpu_bo *src = NULL, *dst = NULL;
    u32 buf[256], soff, spitch, w, h, doff, dpitch;
    struct rgpu_cs cs;
    u8 *sref = NULL, *dref = NULL;
    bool ok;

    ok = make_bo(32 * 1024, RGPU_MAP_BATCH, &src, &sref) &&
         make_bo(32 * 1024, RGPU_MAP_BATCH, &dst, &dref);
    for (u32 pass = 0; pass < 3 && ok; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;
        int rc;

        rgpu_cs_init(&cs, buf, 256);
        for (u32 k = 0; k < 6; k++) {
            rand_rect(src->size, bpp, 150, 40, &soff, &spitch, &w, &h);
            dpitch = (w << bpp) + (rnd_range(0, 40) << bpp);
            if ((h - 1) * dpitch + (w << bpp) > dst->size)
                dpitch = spitch;
            doff = rnd_range(0, (dst->size - (h - 1) * dpitch - (w << bpp)) >> bpp) << bpp;
            rgpu_cs_src_copy(&cs, dst->gfx + doff, dpitch, bpp, w, h, src->gfx + soff, spitch);
            ref_copy(dref, doff, dpitch, sref, soff, spitch, bpp, w, h);
        }
        rc = run(engine, &cs);
        if (rc)
            ok = fail("copy pass %u: %d", pass, rc);
        else
            ok = compare("copy destination", dst->cpu, dref, dst->size) &&
                 compare("copy source (unchanged)", src->cpu, sref, src->size);
    }
    drop_bo(src, sref);
    drop_bo(dst, dref);
    if (ok)
        note("3 passes x 6 copies, 8/16/32 bpp");
    return ok;
}

static bool scn_batch(void)
{
    struct rgpu_bo *bb = NULL, *data = NULL;
    u8 *bref = NULL, *ref = NULL;
    u32 ring[16], seqno, *cpu;
    struct rgpu_cs cs;
    bool ok;
    int rc;

    ok = make_bo(0x2000, RGPU_MAP_BATCH, &bb, &bref) && make_bo(0x10000, RGPU_MAP_BATCH, &data, &ref);
    if (!ok)
        goto out;
    cpu = bb->cpu;
    /* Level 2 (bb + 4 KiB): fill, copy, store. */
    rgpu_cs_init(&cs, cpu + 0x400, 0x400);
    rgpu_cs_color_fill(&cs, data->gfx + 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    ref_fill(ref, 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    rgpu_cs_src_copy(&cs, data->gfx + 0x4000, 300, RGPU_BPP_8, 100, 30, data->gfx + 0x100, 200);
    ref_copy(ref, 0x4000, 300, ref, 0x100, 200, RGPU_BPP_8, 100, 30);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8000, 0x22222222);
    ref_fill(ref, 0x8000, 4, RGPU_BPP_32, 1, 1, 0x22222222);
    rgpu_cs_batch_end(&cs);
    /* Level 1 (bb): fill, call level 2, store, call level 2 again. */
    rgpu_cs_init(&cs, cpu, 0x400);
    rgpu_cs_color_fill(&cs, data->gfx + 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    ref_fill(ref, 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    rgpu_cs_batch_start(&cs, bb->gfx + 0x1000);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8004, 0x11111111);
    ref_fill(ref, 0x8004, 4, RGPU_BPP_32, 1, 1, 0x11111111);
    rgpu_cs_batch_start(&cs, bb->gfx + 0x1000);
    rgpu_cs_batch_end(&cs);
    /* Ring: level 1, then a store after it. */
    rgpu_cs_init(&cs, ring, 16);
    rgpu_cs_batch_start(&cs, bb->gfx);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8008, 0x33333333);
    ref_fill(ref, 0x8008, 4, RGPU_BPP_32, 1, 1, 0x33333333);
    rc = rgpu_submit(dev, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seqno);
    if (rc) {
        ok = fail("submit: %d", rc);
        goto out;
    }
    /* The device runs its validated private copy: scribbling now changes nothing. */
    for (u32 i = 0; i < bb->size / 4; i++)
        cpu[i] = 0xdeadbeef;
    rc = wait_seqno(RGPU_ENGINE_RENDER, seqno);
    ok = rc == 0 ? compare("nested batch results", data->cpu, ref, data->size)
                 : fail("nested batch: %d", rc);
    if (ok)
        note("ring -> batch -> batch x2, batches overwritten after submission");
out:
    drop_bo(bb, bref);
    drop_bo(data, ref);
    return ok;
}

static bool scn_store(void)
{
    struct rgpu_bo *data = NULL;
    u32 buf[256], seqno = 0, regs[4], vals[4], n = 240;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    bool ok = true;
    int rc;

    if (!make_bo(0x4000, RGPU_MAP_BATCH, &data, &ref))
        return false;
    rgpu_cs_init(&cs, buf, 256);
    for (u32 i = 0; i < 48; i++) {
        u32 off = 4 * rnd_range(0, data->size / 4 - 1), val = rnd();

        rgpu_cs_store_imm(&cs, data->gfx + off, val);
        ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, val);
    }
    for (u32 i = 16; i < 24; i++)
        rgpu_cs_store_index(&cs, 4 * i, 0xabc00000 + i);
    rc = run(RGPU_ENGINE_COPY, &cs);
    if (rc || !compare("STORE_DATA_IMM", data->cpu, ref, data->size)) {
        ok = rc ? fail("stores: %d", rc) : false;
        goto out;
    }
    /* Back-to-back submissions alternating engines: 4 KiB rings wrap. */
    for (u32 i = 0; i < n && ok; i++) {
        u32 off = 4 * (i % (data->size / 4));

        rgpu_cs_init(&cs, buf, 256);
        rgpu_cs_store_imm(&cs, data->gfx + off, 0x70000000 + i);
        ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, 0x70000000 + i);
        rc = rgpu_submit(dev, i & 1 ? RGPU_ENGINE_RENDER : RGPU_ENGINE_COPY, cs.buf, cs.len,
                         &seqno);
        if (rc)
            ok = fail("submission %u: %d", i, rc);
    }
    if (!ok)
        goto out;
    rc = wait_seqno(RGPU_ENGINE_RENDER, rgpu_last_seqno(dev, RGPU_ENGINE_RENDER));
    if (!rc)
        rc = wait_seqno(RGPU_ENGINE_COPY, rgpu_last_seqno(dev, RGPU_ENGINE_COPY));
    if (rc || !compare("stores across ring wraps", data->cpu, ref, data->size)) {
        ok = rc ? fail("drain: %d", rc) : false;
        goto out;
    }
    for (u32 i = 0; i < 4; i++) {
        regs[i] = RGPU_REG_SCRATCH(i);
        vals[i] = 0x5c000000u + i;
    }
    rgpu_cs_init(&cs, buf, 256);
    rgpu_cs_lri(&cs, regs, vals, 4);
    rc = run(RGPU_ENGINE_RENDER, &cs);
    if (rc) {
        ok = fail("LRI: %d", rc);
        goto out;
    }
    for (u32 i = 0; i < 4 && ok; i++) {
        u32 v = rgpu_read(dev, RGPU_REG_SCRATCH(i));

        if (v != vals[i])
            ok = fail("SCRATCH%u = 0x%x, want 0x%x", i, v, vals[i]);
    }
    if (ok)
        note("48 STORE_DATA_IMM + 8 STORE_DATA_INDEX, %u submissions (render seqno %u, copy %u), "
             "LRI x4", n, rgpu_last_seqno(dev, RGPU_ENGINE_RENDER),
             rgpu_last_seqno(dev, RGPU_ENGINE_COPY));
out:
    drop_bo(data, ref);
    return ok;
}

/* Interrupt state without MSI: IIR latches USER and DONE, ack clears. */
static bool scn_irq(void)
{
    const u32 bits = RGPU_IRQ_RENDER_USER | RGPU_IRQ_RENDER_DONE;
    struct rgpu_bo *bo = NULL;
    u32 buf[16], got = 0, after;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    int rc;

    if (!make_bo(4096, RGPU_MAP_BATCH, &bo, &ref))
        return false;
    rgpu_irq_enable(dev, bits);
    rgpu_irq_ack(dev);
    rgpu_cs_init(&cs, buf, 16);
    rgpu_cs_color_fill(&cs, bo->gfx, 64, RGPU_BPP_32, 16, 16, 0x0f0f0f0f);
    rc = run(RGPU_ENGINE_RENDER, &cs);
    if (!rc) {
        rc = rgpu_irq_wait(dev, bits, WAIT_NS, &got);
        /* DONE may latch after USER: collect it too. */
        if (!rc && got != bits) {
            u32 more = 0;

            rc = rgpu_irq_wait(dev, bits & ~got, WAIT_NS, &more);
            got |= more;
        }
    }
    after = rgpu_read(dev, RGPU_REG_IIR);
    rgpu_irq_enable(dev, 0);
    drop_bo(bo, NULL);
    free(ref);
    CHECK(rc == 0 && got == bits, "IIR bits 0x%x of 0x%x: %d", got, bits, rc);
    CHECK(!(after & bits), "IIR 0x%x after acknowledging", after);
    note("IIR latched 0x%x, cleared by ack", got);
    return true;
}

/* A LOAD_REGISTER_IMM to a privileged register halts the engine with
 * RGPU_ERR_REGISTER; after a reset the engine works again. */
static bool scn_error(void)
{
    struct rgpu_engine_state st;
    struct rgpu_bo *bo = NULL;
    u32 buf[16], iir;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    int rc;

    /* Let RENDER_ERROR latch in IIR (IMR) without signalling it (IER 0). */
    rgpu_write(dev, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK & ~RGPU_IRQ_RENDER_ERROR);
    rgpu_irq_ack(dev);
    rgpu_cs_init(&cs, buf, 16);
    rgpu_cs_lri1(&cs, RGPU_REG_IER, 0xffffffff);
    rc = run(RGPU_ENGINE_RENDER, &cs);
    CHECK(rc == -EIO, "LRI to IER: %d, want -EIO", rc);
    rgpu_engine_state(dev, RGPU_ENGINE_RENDER, &st);
    iir = rgpu_read(dev, RGPU_REG_IIR);
    CHECK(st.error == RGPU_ERR_REGISTER, "RING_ERROR %u (%s), want REGISTER", st.error,
          rgpu_err_name(st.error));
    CHECK(iir & RGPU_IRQ_RENDER_ERROR, "IIR 0x%x lacks RENDER_ERROR", iir);
    CHECK(rgpu_read(dev, RGPU_REG_IER) == 0, "IER was written by the rejected LRI");
    rgpu_write(dev, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK);
    rc = rgpu_engine_reset(dev, RGPU_ENGINE_RENDER);
    CHECK(rc == 0, "engine reset: %d", rc);
    if (!make_bo(4096, RGPU_MAP_BATCH, &bo, &ref))
        return false;
    rgpu_cs_init(&cs, buf, 16);
    rgpu_cs_color_fill(&cs, bo->gfx + 0x100, 128, RGPU_BPP_32, 8, 8, 0x600dc0de);
    ref_fill(ref, 0x100, 128, RGPU_BPP_32, 8, 8, 0x600dc0de);
    rc = run(RGPU_ENGINE_RENDER, &cs);
    if (rc) {
        drop_bo(bo, ref);
        return fail("work after reset: %d", rc);
    }
    if (!compare("work after reset", bo->cpu, ref, bo->size)) {
        drop_bo(bo, ref);
        return false;
    }
    drop_bo(bo, ref);
    note("RING_ERROR=REGISTER at 0x%x, IIR 0x%x; engine recovered", st.error_addr, iir);
    return true;
}

/* The debug tracked page (hw-spec section 9): the CPU's writes to one of
 * our pages trap (p2m_ioreq_server), land in memory and are counted. */
static bool scn_track(void)
{
    volatile u8 *page;
    void *cpu;
    u64 pa;
    u32 st, count, last, st_off;
    int rc;

    rc = plat.alloc_pages(plat.ctx, 1, &cpu, &pa);
    CHECK(rc == 0, "alloc: %d", rc);
    page = cpu;
    rgpu_write(dev, RGPU_REG_TRACK_ADDR_LO, (u32)pa);
    rgpu_write(dev, RGPU_REG_TRACK_ADDR_HI, (u32)(pa >> 32));
    st = rgpu_read(dev, RGPU_REG_TRACK_STATUS);
    if (st != 1) {
        plat.free_pages(plat.ctx, cpu, 1, &pa);
        return fail("TRACK_STATUS 0x%x after tracking pa 0x%llx (errno %u)", st,
                    (unsigned long long)pa, st & 0x7fffffff);
    }
    *(volatile u32 *)(page + 0x10) = 0x11223344u;
    *(volatile u64 *)(page + 0x100) = 0x5566778899aabbccull;
    *(volatile u16 *)(page + 0x202) = 0xbeef;
    count = rgpu_read(dev, RGPU_REG_TRACK_COUNT);
    last = rgpu_read(dev, RGPU_REG_TRACK_LAST);
    rgpu_write(dev, RGPU_REG_TRACK_ADDR_LO, 0);
    rgpu_write(dev, RGPU_REG_TRACK_ADDR_HI, 0);
    st_off = rgpu_read(dev, RGPU_REG_TRACK_STATUS);
    /* Untracked again: an ordinary write, straight to memory. */
    *(volatile u32 *)(page + 0x300) = 0xcafef00d;
    rc = *(volatile u32 *)(page + 0x10) == 0x11223344u &&
         *(volatile u64 *)(page + 0x100) == 0x5566778899aabbccull &&
         *(volatile u16 *)(page + 0x202) == 0xbeef && *(volatile u32 *)(page + 0x300) == 0xcafef00d &&
         page[0x0f] == 0 && page[0x14] == 0 && page[0x204] == 0;
    plat.free_pages(plat.ctx, cpu, 1, &pa);
    CHECK(count == 3, "TRACK_COUNT %u, want 3", count);
    CHECK(last == (0x202u << 16 | 2), "TRACK_LAST 0x%x, want 0x2020002", last);
    CHECK(st_off == 0, "TRACK_STATUS 0x%x after stopping", st_off);
    CHECK(rc, "tracked page contents wrong");
    note("pa 0x%llx: 3 trapped writes (4, 8, 2 bytes) counted, last 0x%x, memory holds them",
         (unsigned long long)pa, last);
    return true;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        bool (*fn)(void);
    } scn[] = {
        { "probe", scn_probe }, { "pvinfo", scn_pvinfo }, { "map", scn_map },
        { "fill", scn_fill },   { "copy", scn_copy },     { "batch", scn_batch },
        { "store", scn_store }, { "irq", scn_irq },       { "error", scn_error },
        { "track", scn_track },
    };
    u64 t_all = now_ns();

    (void)argc;
    (void)argv;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(scn) / sizeof(scn[0]); i++) {
        u64 t0 = now_ns(), traps0 = lx.mmio_reads + lx.mmio_writes;
        bool ok = scn[i].fn();

        report(scn[i].name, ok, t0, traps0);
        if (!ok && i < 3)
            break;          /* without a device, rings or mappings nothing else can run */
    }
    if (dev)
        rgpu_close(dev);
    rgpu_linux_close(&lx);
    printf("RIG-GUEST: summary %s passed=%u failed=%u %.1fs mmio_reads=%llu mmio_writes=%llu\n",
           failed || passed < 10 ? "FAIL" : "PASS", passed, failed,
           (double)(now_ns() - t_all) / 1e9, (unsigned long long)lx.mmio_reads,
           (unsigned long long)lx.mmio_writes);
    return failed || passed < 10 ? 1 : 0;
}
