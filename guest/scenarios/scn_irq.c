/*
 * scn_irq.c - the scenarios that wait for the device's interrupts: both
 * engines' user and completion interrupts, and the display's vblank.
 */
#include <errno.h>
#include <stdint.h>

#include "scn.h"

static u64 irqs_taken(struct scn *s)
{
    return s->ext && s->ext->irqs ? s->ext->irqs(s) : 0;
}

/* One engine's USER and DONE interrupts: the device signals, the guest's
 * kernel takes the interrupt (when the harness can count them), IIR says
 * what latched and an acknowledgement clears it. */
static bool irq_engine(struct scn *s, u32 e, struct rgpu_bo *bo, u8 *ref, u32 *got_all,
                       u32 *after)
{
    const struct rgpu_platform *p = rgpu_get_platform(s->dev);
    u32 buf[16], seqno, bits = rgpu_irq_user_bit(e) | rgpu_irq_done_bit(e), color = scn_rand(s);
    bool counted = s->ext && s->ext->irqs;
    struct rgpu_cs cs;
    u64 before;
    int rc;

    rgpu_irq_enable(s->dev, bits);
    rgpu_irq_ack(s->dev);
    rgpu_cs_init(&cs, buf, 16);
    rgpu_cs_color_fill(&cs, bo->gfx + 0x400 * e, 128, RGPU_BPP_32, 16, 8, color);
    scn_ref_fill(ref, 0x400 * e, 128, RGPU_BPP_32, 16, 8, color);
    before = irqs_taken(s);
    rc = rgpu_submit(s->dev, e, cs.buf, cs.len, &seqno);
    SCN_CHECK(s, rc == 0, "engine %u: submit: %d", e, rc);
    /* The interrupt before IIR: reading and acknowledging IIR first
     * would withdraw a level-triggered INTx before the guest took it
     * (its handler then finds nothing pending and does not count it). */
    for (u64 t0 = scn_now_ns(s); counted && scn_now_ns(s) - t0 < SCN_WAIT_NS;) {
        if (irqs_taken(s) > before)
            break;
        if (p->wait_irq)
            p->wait_irq(p->ctx, 100000000);
        else
            scn_sleep_ns(100000);
    }
    SCN_CHECK(s, !counted || irqs_taken(s) > before, "engine %u: no interrupt taken", e);
    /* DONE may latch after USER: wait for the rest too. */
    while (*got_all != bits) {
        u32 got = 0;

        rc = rgpu_irq_wait(s->dev, bits & ~*got_all, SCN_WAIT_NS, &got);
        SCN_CHECK(s, rc == 0, "engine %u: interrupt taken, IIR bits 0x%x of 0x%x: %d", e,
                  *got_all, bits, rc);
        *got_all |= got;
    }
    SCN_CHECK(s, (int32_t)(rgpu_hws_seqno(s->dev, e) - seqno) >= 0,
              "engine %u: interrupt before its seqno %u was stored", e, seqno);
    *after |= rgpu_read(s->dev, RGPU_REG_IIR) & bits;
    return true;
}

/* hw-spec §5: an event masked in IMR shows in ISR, not in IIR, and stays
 * there until software writes its bit to IIR (latched there or not). */
static bool isr_masked_event(struct scn *s)
{
    const u32 user = RGPU_IRQ_RENDER_USER, done = RGPU_IRQ_RENDER_DONE;
    u32 seqno, isr, iir;
    int rc;

    rgpu_irq_enable(s->dev, 0);                 /* everything masked */
    rgpu_write(s->dev, RGPU_REG_IIR, RGPU_IRQ_VALID_MASK);
    rc = rgpu_submit(s->dev, RGPU_ENGINE_RENDER, NULL, 0, &seqno);
    SCN_CHECK(s, rc == 0, "empty submission: %d", rc);
    rc = rgpu_wait_idle(s->dev, RGPU_ENGINE_RENDER, SCN_WAIT_NS);
    SCN_CHECK(s, rc == 0, "render engine idle: %d", rc);
    isr = rgpu_read(s->dev, RGPU_REG_ISR);
    iir = rgpu_read(s->dev, RGPU_REG_IIR);
    SCN_CHECK(s, (isr & (user | done)) == (user | done) && !(iir & (user | done)),
              "masked USER and DONE: ISR 0x%x IIR 0x%x", isr, iir);
    rgpu_write(s->dev, RGPU_REG_IIR, user);
    isr = rgpu_read(s->dev, RGPU_REG_ISR);
    SCN_CHECK(s, (isr & (user | done)) == done, "ISR 0x%x after acknowledging USER only", isr);
    rgpu_write(s->dev, RGPU_REG_IIR, done);
    SCN_CHECK(s, !(rgpu_read(s->dev, RGPU_REG_ISR) & (user | done)), "ISR 0x%x after both",
              rgpu_read(s->dev, RGPU_REG_ISR));
    scn_note(s, "; masked events in ISR until acknowledged");
    return true;
}

bool scn_irq(struct scn *s)
{
    struct rgpu_bo *bo = NULL;
    u32 got_all[2] = { 0, 0 }, after = 0;
    u64 irqs0 = irqs_taken(s);
    u8 *ref = NULL;
    bool ok = true;

    SCN_CHECK(s, !s->no_irq, "%s", s->no_irq);
    if (!scn_make_bo(s, 4096, RGPU_MAP_BATCH, true, &bo, &ref))
        return false;
    rgpu_set_wait_mode(s->dev, RGPU_WAIT_IRQ);
    for (u32 e = 0; e < 2 && ok; e++)
        ok = irq_engine(s, e, bo, ref, &got_all[e], &after);
    rgpu_irq_enable(s->dev, 0);
    rgpu_set_wait_mode(s->dev, RGPU_WAIT_POLL);
    ok = ok && scn_compare(s, __FILE__, __LINE__, "work signalled by interrupts", bo->cpu, ref,
                           bo->size);
    scn_drop_bo(s, bo, ref);
    if (!ok)
        return false;
    SCN_CHECK(s, !after, "IIR 0x%x still set after acknowledging", after);
    if (s->ext && s->ext->irqs) {
        SCN_CHECK(s, irqs_taken(s) - irqs0 >= 2, "%llu interrupts for two engines' work",
                  (unsigned long long)(irqs_taken(s) - irqs0));
        scn_note(s, "%llu interrupts%s%s;", (unsigned long long)(irqs_taken(s) - irqs0),
                 s->irq_mode ? " by " : "", s->irq_mode ? s->irq_mode : "");
    }
    scn_note(s, "IIR latched 0x%x (render) 0x%x (copy), cleared by ack", got_all[0], got_all[1]);
    if (!isr_masked_event(s))
        return false;
    return !s->ext || !s->ext->irq || s->ext->irq(s);
}

/* ------------------------------------------------------------ display */
#define VBLANKS 3u

static bool display_draw(struct scn *s, struct rgpu_bo *fb, u8 *ref, u32 w, u32 h, u32 stride)
{
    struct rgpu_bo *pat = NULL;
    u32 buf[256], bg = 0x00102030 * (s->idx + 1);
    struct rgpu_cs cs;
    u8 *pref = NULL;
    int rc;

    if (!scn_make_bo(s, 256 * 64, RGPU_MAP_BATCH, true, &pat, &pref))
        return false;
    rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
    rgpu_cs_color_fill(&cs, fb->gfx, stride, RGPU_BPP_32, w, h, bg);
    scn_ref_fill(ref, 0, stride, RGPU_BPP_32, w, h, bg);
    for (u32 k = 0; k < 6; k++) {
        u32 rw = scn_rand_range(s, 8, w / 4), rh = scn_rand_range(s, 8, h / 3);
        u32 off = scn_rand_range(s, 0, h - rh) * stride + 4 * scn_rand_range(s, 0, w - rw);
        u32 c = scn_rand(s) & 0xffffff;

        rgpu_cs_color_fill(&cs, fb->gfx + off, stride, RGPU_BPP_32, rw, rh, c);
        scn_ref_fill(ref, off, stride, RGPU_BPP_32, rw, rh, c);
    }
    /* A random pattern blitted in. */
    rgpu_cs_src_copy(&cs, fb->gfx + 50 * stride + 40, stride, RGPU_BPP_32, 64, 64, pat->gfx, 256);
    scn_ref_copy(ref, 50 * stride + 40, stride, pref, 0, 256, RGPU_BPP_32, 64, 64);
    rc = scn_run(s, RGPU_ENGINE_RENDER, &cs);
    scn_drop_bo(s, pat, pref);
    SCN_CHECK(s, rc == 0, "drawing: %d", rc);
    SCN_COMPARE(s, "frame drawn", fb->cpu, ref, stride * h);
    return true;
}

/* hw-spec §8: disabling the pipe freezes PIPE_FRMCOUNT, enabling it again
 * restarts the count at 0.  The count is first let run to RESTART_FRAMES,
 * so that "restarted" cannot be mistaken for a slow read. */
#define RESTART_FRAMES 30u
static bool frmcount_restarts(struct scn *s)
{
    u32 conf = rgpu_read(s->dev, RGPU_PIPE_CONF), fd, fd2, fe;
    u64 end = scn_now_ns(s) + SCN_WAIT_NS;

    while (rgpu_display_frame(s->dev) < RESTART_FRAMES && scn_now_ns(s) < end)
        scn_sleep_ns(10000000);
    rgpu_write(s->dev, RGPU_PIPE_CONF, conf & ~RGPU_PIPE_ENABLE);
    fd = rgpu_display_frame(s->dev);
    scn_sleep_ns(50000000);                     /* 3 vblank periods */
    fd2 = rgpu_display_frame(s->dev);
    rgpu_write(s->dev, RGPU_PIPE_CONF, conf | RGPU_PIPE_ENABLE);
    fe = rgpu_display_frame(s->dev);
    SCN_CHECK(s, fd >= RESTART_FRAMES, "FRMCOUNT reached only %u", fd);
    SCN_CHECK(s, fd2 == fd, "FRMCOUNT ran on with the pipe disabled: %u -> %u", fd, fd2);
    SCN_CHECK(s, fe < fd, "FRMCOUNT did not restart when the pipe was enabled again: %u -> %u",
              fd, fe);
    scn_note(s, "(pipe off at FRMCOUNT %u, on again: %u)", fd, fe);
    return true;
}

/* Vblank interrupts arrive and FRMCOUNT advances while the pipe runs;
 * the plane registers hold what was set; nothing the display does
 * changes the pixels. */
static bool display_scanout(struct scn *s, struct rgpu_bo *fb, u8 *ref, u32 w, u32 h,
                            u32 stride)
{
    u32 surf, pstride, size, f0, f1, n = 0;
    u64 t0;
    int rc;

    rc = rgpu_display_set(s->dev, fb->gfx, w, h, stride);
    SCN_CHECK(s, rc == 0, "display_set: %d", rc);
    surf = rgpu_read(s->dev, RGPU_PLANE_SURF);
    pstride = rgpu_read(s->dev, RGPU_PLANE_STRIDE);
    size = rgpu_read(s->dev, RGPU_PLANE_SIZE);
    f0 = rgpu_display_frame(s->dev);
    t0 = scn_now_ns(s);
    rgpu_set_wait_mode(s->dev, RGPU_WAIT_IRQ);
    rgpu_irq_enable(s->dev, RGPU_IRQ_VBLANK);
    rgpu_irq_ack(s->dev);
    for (rc = 0; !rc && n < VBLANKS; n++)
        rc = rgpu_irq_wait(s->dev, RGPU_IRQ_VBLANK, SCN_WAIT_NS, NULL);
    rgpu_irq_enable(s->dev, 0);
    rgpu_set_wait_mode(s->dev, RGPU_WAIT_POLL);
    f1 = rgpu_display_frame(s->dev);
    SCN_CHECK(s, rc == 0, "vblank interrupt %u of %u: %d", n, VBLANKS, rc);
    SCN_CHECK(s, surf == fb->gfx && pstride == stride && size == RGPU_PLANE_SIZE_WH(w, h),
              "plane registers SURF 0x%x STRIDE %u SIZE 0x%x", surf, pstride, size);
    SCN_CHECK(s, (int32_t)(f1 - f0) >= (int32_t)VBLANKS, "FRMCOUNT %u -> %u over %u vblank "
              "interrupts", f0, f1, VBLANKS);
    SCN_COMPARE(s, "frame after scanout", fb->cpu, ref, stride * h);
    scn_note(s, "%ux%u XRGB8888, stride %u, at gfx 0x%x; %u vblank interrupts, FRMCOUNT %u -> %u "
             "in %.2fs", w, h, stride, fb->gfx, VBLANKS, f0, f1,
             (double)(scn_now_ns(s) - t0) / 1e9);
    if (!frmcount_restarts(s))
        return false;
    if (s->ext && s->ext->display_on) {
        if (!s->ext->display_on(s, fb, ref, w, h, stride))
            return false;
        scn_note(s, "; the plane as scanned out matches");
    }
    return true;
}

bool scn_display(struct scn *s)
{
    /* Full: 640x400 with a stride > 640 * 4 (a multiple of 64); else a
     * smaller frame (fewer pages to pin and grant). */
    const u32 w = s->full ? 640 : 160, h = s->full ? 400 : 120, stride = s->full ? 2816 : 640;
    struct rgpu_bo *fb = NULL;
    u8 *ref = NULL;
    bool ok;

    SCN_CHECK(s, !s->no_irq, "%s: no vblank interrupts", s->no_irq);
    if (!scn_make_bo(s, (stride * h + 4095) & ~4095u, RGPU_MAP_BATCH, true, &fb, &ref))
        return false;
    ok = display_draw(s, fb, ref, w, h, stride) && display_scanout(s, fb, ref, w, h, stride);
    rgpu_display_off(s->dev);
    ok = ok && (!s->ext || !s->ext->display_off || s->ext->display_off(s));
    scn_drop_bo(s, fb, ref);
    return ok;
}
