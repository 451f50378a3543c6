/*
 * vgpu_guest_scn.c - vgpu-guest's scenarios of normal use: probe, PV info,
 * mappings, fill, copy, batch, store, interrupts, display and the tracked
 * page.  Each returns true on success; vg_fail says why not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "rgpu_grant.h"
#include "vgpu_guest.h"

/* DMA by grant: the guest kernel's /dev/rgpu-grant refuses what it must
 * (guest/rgpu_grant.h) before any page is handed to the device. */
static bool grant_refusals(void)
{
    struct rgpu_grant_req r;
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    u8 page[8192] __attribute__((aligned(4096)));
    struct {
        const char *what;
        unsigned long cmd;
        u64 va;
        u32 gref, flags;
        int want;
    } c[] = {
        { "misaligned va", RGPU_GRANT_IOC_GRANT, (uintptr_t)page + 8, 0, 0, EINVAL },
        { "unknown flags", RGPU_GRANT_IOC_GRANT, (uintptr_t)page, 0, 2, EINVAL },
        { "no va", RGPU_GRANT_IOC_GRANT, 0, 0, 0, EINVAL },
        { "BAR0 mapping", RGPU_GRANT_IOC_GRANT, (uintptr_t)vg_lx.bar0, 0, 0, EFAULT },
        { "read-only page", RGPU_GRANT_IOC_GRANT, ro == MAP_FAILED ? 0 : (uintptr_t)ro, 0, 0,
          ro == MAP_FAILED ? EINVAL : EFAULT },
        { "unknown gref", RGPU_GRANT_IOC_UNGRANT, 0, 0x7ffffff0u, 0, ENOENT },
    };
    bool ok = true;

    page[0] = 1;
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && ok; i++) {
        int rc, e;

        memset(&r, 0, sizeof(r));
        r.va = c[i].va;
        r.gref = c[i].gref;
        r.flags = c[i].flags;
        rc = ioctl(vg_lx.grant_fd, c[i].cmd, &r);
        e = errno;
        if (!rc && c[i].cmd == RGPU_GRANT_IOC_GRANT) {     /* take it back */
            struct rgpu_grant_req u = { .gref = r.gref };

            ioctl(vg_lx.grant_fd, RGPU_GRANT_IOC_UNGRANT, &u);
        }
        if (rc != -1 || e != c[i].want)
            ok = vg_fail("/dev/rgpu-grant accepted a grant request with %s (rc %d, errno %d, "
                         "want %d)", c[i].what, rc, rc ? e : 0, c[i].want);
    }
    if (ro != MAP_FAILED)
        munmap(ro, 4096);
    return ok;
}

bool vg_scn_probe(void)
{
    const struct rgpu_info *i;
    u16 cmd = 0;
    int rc;

    rc = rgpu_linux_open_dma(&vg_lx, vg_sbdf, vg_dma, &vg_plat);
    CHECK(rc == 0, "%s", vg_lx.err);
    rc = rgpu_open(&vg_plat, &vg_dev);
    CHECK(rc == 0, "rgpu_open: %d", rc);
    i = rgpu_get_info(vg_dev);
    rgpu_linux_cfg_read16(&vg_lx, 0x04, &cmd);
    if (vg_lx.dma_mode == RGPU_DMA_GRANT && !grant_refusals())
        return false;
    vg_note("%s bar0=0x%llx+0x%zx cmd=0x%04x id=0x%08x version=0x%08x interrupts=%s dma=%s",
            strrchr(vg_lx.dir, '/') + 1, (unsigned long long)vg_lx.bar0_phys, vg_lx.bar0_size,
            cmd, i->id, i->version, vg_lx.irq_mode, rgpu_linux_dma_name(vg_lx.dma_mode));
    if (vg_lx.dma_mode == RGPU_DMA_GRANT)
        vg_note(" (grant device refused 6 bad requests)");
    return true;
}

bool vg_scn_pvinfo(void)
{
    const struct rgpu_info *i = rgpu_get_info(vg_dev);

    CHECK(i->gm_size && i->gm_base + i->gm_size <= i->gm_total,
          "slice 0x%llx+0x%llx of 0x%llx", (unsigned long long)i->gm_base,
          (unsigned long long)i->gm_size, (unsigned long long)i->gm_total);
    CHECK(i->caps & RGPU_PVCAP_TRACK, "caps 0x%x lack TRACK", i->caps);
    vg_note("pv=0x%x caps=0x%x vgpu=%u gm=0x%llx+%lluMiB of %lluMiB fences=%u+%u max=%ux%u",
         i->pv_version, i->caps, i->vgpu_id, (unsigned long long)i->gm_base,
         (unsigned long long)(i->gm_size >> 20), (unsigned long long)(i->gm_total >> 20),
         i->fence_base, i->fence_count, i->max_width, i->max_height);
    return true;
}

/* Rings and status pages (batched GTT updates), then one BO each way. */
bool vg_scn_map(void)
{
    struct rgpu_bo *a = NULL, *b = NULL;
    u64 pte;
    int rc;

    rc = rgpu_engine_init(vg_dev, RGPU_ENGINE_RENDER, 1);
    CHECK(rc == 0, "render engine init: %d", rc);
    rc = rgpu_engine_init(vg_dev, RGPU_ENGINE_COPY, 1);
    CHECK(rc == 0, "copy engine init: %d", rc);
    rc = rgpu_bo_create(vg_dev, 256 * 1024, RGPU_MAP_BATCH, &a);
    CHECK(rc == 0, "64-page BO, batched: %d", rc);
    pte = rgpu_gtt_read_pte(vg_dev, (a->gfx >> 12) + 63);
    rc = pte == ((a->dma[63] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID);
    vg_note("batched 64 pages at gfx 0x%x (last PTE 0x%llx, page dma 0x%llx)", a->gfx,
         (unsigned long long)pte, (unsigned long long)a->dma[63]);
    rgpu_bo_destroy(vg_dev, a);
    CHECK(rc, "GTT PTE readback mismatch");
    rc = rgpu_bo_create(vg_dev, 2 * 4096, RGPU_MAP_WINDOW, &b);
    CHECK(rc == 0, "2-page BO through the GTT window: %d", rc);
    rgpu_bo_destroy(vg_dev, b);
    vg_note("; window 2 pages ok");
    return true;
}

bool vg_scn_fill(void)
{
    struct rgpu_bo *bo;
    u32 buf[256], off, pitch, w, h;
    struct rgpu_cs cs;
    u8 *ref;
    bool ok = true;

    if (!vg_make_bo(64 * 1024, RGPU_MAP_BATCH, &bo, &ref))
        return false;
    for (u32 pass = 0; pass < 4 && ok; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;
        int rc;

        rgpu_cs_init(&cs, buf, 256);
        for (u32 k = 0; k < 6; k++) {
            u32 color = vg_rnd();

            vg_rand_rect(bo->size, bpp, 200, 40, &off, &pitch, &w, &h);
            if (k == 5) {       /* odd pitch: rows cross pages at odd offsets */
                pitch = (w << bpp) + 2 * vg_rnd_range(0, 20) + 1;
                h = 30;
                off = vg_rnd_range(0, (bo->size - (h - 1) * pitch - (w << bpp)) >> bpp) << bpp;
            }
            rgpu_cs_color_fill(&cs, bo->gfx + off, pitch, bpp, w, h, color);
            vg_ref_fill(ref, off, pitch, bpp, w, h, color);
        }
        rc = vg_run(engine, &cs);
        if (rc)
            ok = vg_fail("fill pass %u (bpp %u, engine %u): %d", pass, bpp, engine, rc);
        else
            ok = vg_compare("fill", bo->cpu, ref, bo->size);
    }
    vg_drop_bo(bo, ref);
    if (ok)
        vg_note("4 passes x 6 rectangles, 8/16/32 bpp, both engines, odd pitches");
    return ok;
}

bool vg_scn_copy(void)
{
    struct rgpu_bo *src = NULL, *dst = NULL;
    u32 buf[256], soff, spitch, w, h, doff, dpitch;
    struct rgpu_cs cs;
    u8 *sref = NULL, *dref = NULL;
    bool ok;

    ok = vg_make_bo(32 * 1024, RGPU_MAP_BATCH, &src, &sref) &&
         vg_make_bo(32 * 1024, RGPU_MAP_BATCH, &dst, &dref);
    for (u32 pass = 0; pass < 3 && ok; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;
        int rc;

        rgpu_cs_init(&cs, buf, 256);
        for (u32 k = 0; k < 6; k++) {
            vg_rand_rect(src->size, bpp, 150, 40, &soff, &spitch, &w, &h);
            dpitch = (w << bpp) + (vg_rnd_range(0, 40) << bpp);
            if ((h - 1) * dpitch + (w << bpp) > dst->size)
                dpitch = spitch;
            doff = vg_rnd_range(0, (dst->size - (h - 1) * dpitch - (w << bpp)) >> bpp) << bpp;
            rgpu_cs_src_copy(&cs, dst->gfx + doff, dpitch, bpp, w, h, src->gfx + soff, spitch);
            vg_ref_copy(dref, doff, dpitch, sref, soff, spitch, bpp, w, h);
        }
        rc = vg_run(engine, &cs);
        if (rc)
            ok = vg_fail("copy pass %u: %d", pass, rc);
        else
            ok = vg_compare("copy destination", dst->cpu, dref, dst->size) &&
                 vg_compare("copy source (unchanged)", src->cpu, sref, src->size);
    }
    vg_drop_bo(src, sref);
    vg_drop_bo(dst, dref);
    if (ok)
        vg_note("3 passes x 6 copies, 8/16/32 bpp");
    return ok;
}

bool vg_scn_batch(void)
{
    struct rgpu_bo *bb = NULL, *data = NULL;
    u8 *bref = NULL, *ref = NULL;
    u32 ring[16], seqno, *cpu;
    struct rgpu_cs cs;
    bool ok;
    int rc;

    ok = vg_make_bo(0x2000, RGPU_MAP_BATCH, &bb, &bref) && vg_make_bo(0x10000, RGPU_MAP_BATCH, &data, &ref);
    if (!ok)
        goto out;
    cpu = bb->cpu;
    /* Level 2 (bb + 4 KiB): fill, copy, store. */
    rgpu_cs_init(&cs, cpu + 0x400, 0x400);
    rgpu_cs_color_fill(&cs, data->gfx + 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    vg_ref_fill(ref, 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    rgpu_cs_src_copy(&cs, data->gfx + 0x4000, 300, RGPU_BPP_8, 100, 30, data->gfx + 0x100, 200);
    vg_ref_copy(ref, 0x4000, 300, ref, 0x100, 200, RGPU_BPP_8, 100, 30);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8000, 0x22222222);
    vg_ref_fill(ref, 0x8000, 4, RGPU_BPP_32, 1, 1, 0x22222222);
    rgpu_cs_batch_end(&cs);
    /* Level 1 (bb): fill, call level 2, store, call level 2 again. */
    rgpu_cs_init(&cs, cpu, 0x400);
    rgpu_cs_color_fill(&cs, data->gfx + 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    vg_ref_fill(ref, 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    rgpu_cs_batch_start(&cs, bb->gfx + 0x1000);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8004, 0x11111111);
    vg_ref_fill(ref, 0x8004, 4, RGPU_BPP_32, 1, 1, 0x11111111);
    rgpu_cs_batch_start(&cs, bb->gfx + 0x1000);
    rgpu_cs_batch_end(&cs);
    /* Ring: level 1, then a store after it. */
    rgpu_cs_init(&cs, ring, 16);
    rgpu_cs_batch_start(&cs, bb->gfx);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8008, 0x33333333);
    vg_ref_fill(ref, 0x8008, 4, RGPU_BPP_32, 1, 1, 0x33333333);
    rc = rgpu_submit(vg_dev, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seqno);
    if (rc) {
        ok = vg_fail("submit: %d", rc);
        goto out;
    }
    /* The device runs its validated private copy: scribbling now changes nothing. */
    for (u32 i = 0; i < bb->size / 4; i++)
        cpu[i] = 0xdeadbeef;
    rc = vg_wait_seqno(RGPU_ENGINE_RENDER, seqno);
    ok = rc == 0 ? vg_compare("nested batch results", data->cpu, ref, data->size)
                 : vg_fail("nested batch: %d", rc);
    if (ok)
        vg_note("ring -> batch -> batch x2, batches overwritten after submission");
out:
    vg_drop_bo(bb, bref);
    vg_drop_bo(data, ref);
    return ok;
}

bool vg_scn_store(void)
{
    struct rgpu_bo *data = NULL;
    u32 buf[256], seqno = 0, regs[4], vals[4], n = 240;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    bool ok = true;
    int rc;

    if (!vg_make_bo(0x4000, RGPU_MAP_BATCH, &data, &ref))
        return false;
    rgpu_cs_init(&cs, buf, 256);
    for (u32 i = 0; i < 48; i++) {
        u32 off = 4 * vg_rnd_range(0, data->size / 4 - 1), val = vg_rnd();

        rgpu_cs_store_imm(&cs, data->gfx + off, val);
        vg_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, val);
    }
    for (u32 i = 16; i < 24; i++)
        rgpu_cs_store_index(&cs, 4 * i, 0xabc00000 + i);
    rc = vg_run(RGPU_ENGINE_COPY, &cs);
    if (rc || !vg_compare("STORE_DATA_IMM", data->cpu, ref, data->size)) {
        ok = rc ? vg_fail("stores: %d", rc) : false;
        goto out;
    }
    /* Back-to-back submissions alternating engines: 4 KiB rings wrap. */
    for (u32 i = 0; i < n && ok; i++) {
        u32 off = 4 * (i % (data->size / 4));

        rgpu_cs_init(&cs, buf, 256);
        rgpu_cs_store_imm(&cs, data->gfx + off, 0x70000000 + i);
        vg_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, 0x70000000 + i);
        rc = rgpu_submit(vg_dev, i & 1 ? RGPU_ENGINE_RENDER : RGPU_ENGINE_COPY, cs.buf, cs.len,
                         &seqno);
        if (rc)
            ok = vg_fail("submission %u: %d", i, rc);
    }
    if (!ok)
        goto out;
    rc = vg_wait_seqno(RGPU_ENGINE_RENDER, rgpu_last_seqno(vg_dev, RGPU_ENGINE_RENDER));
    if (!rc)
        rc = vg_wait_seqno(RGPU_ENGINE_COPY, rgpu_last_seqno(vg_dev, RGPU_ENGINE_COPY));
    if (rc || !vg_compare("stores across ring wraps", data->cpu, ref, data->size)) {
        ok = rc ? vg_fail("drain: %d", rc) : false;
        goto out;
    }
    for (u32 i = 0; i < 4; i++) {
        regs[i] = RGPU_REG_SCRATCH(i);
        vals[i] = 0x5c000000u + i;
    }
    rgpu_cs_init(&cs, buf, 256);
    rgpu_cs_lri(&cs, regs, vals, 4);
    rc = vg_run(RGPU_ENGINE_RENDER, &cs);
    if (rc) {
        ok = vg_fail("LRI: %d", rc);
        goto out;
    }
    for (u32 i = 0; i < 4 && ok; i++) {
        u32 v = rgpu_read(vg_dev, RGPU_REG_SCRATCH(i));

        if (v != vals[i])
            ok = vg_fail("SCRATCH%u = 0x%x, want 0x%x", i, v, vals[i]);
    }
    if (ok)
        vg_note("48 STORE_DATA_IMM + 8 STORE_DATA_INDEX, %u submissions (render seqno %u, copy %u), "
             "LRI x4", n, rgpu_last_seqno(vg_dev, RGPU_ENGINE_RENDER),
             rgpu_last_seqno(vg_dev, RGPU_ENGINE_COPY));
out:
    vg_drop_bo(data, ref);
    return ok;
}

/* Both engines' user and completion interrupts, as the guest kernel takes
 * them: the device signals (MSI, or INTA# when rgpu_uio was loaded with
 * intx=1), the driver wakes us on /dev/uioN, IIR says what latched and an
 * acknowledgement clears it. */
bool vg_scn_irq(void)
{
    struct rgpu_bo *bo = NULL;
    u32 buf[16], got_all[2] = { 0, 0 }, after = 0, seqno;
    u64 irqs0 = vg_lx.irqs, before;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    bool ok = true;
    int rc = 0;

    CHECK(vg_lx.uio_fd >= 0, "no interrupt driver bound to %s (insmod rgpu_uio.ko): the guest "
          "cannot take the device's interrupts", strrchr(vg_lx.dir, '/') + 1);
    if (!vg_make_bo(4096, RGPU_MAP_BATCH, &bo, &ref))
        return false;
    rgpu_set_wait_mode(vg_dev, RGPU_WAIT_IRQ);
    for (u32 e = 0; e < 2 && ok; e++) {
        u32 bits = rgpu_irq_user_bit(e) | rgpu_irq_done_bit(e), color = vg_rnd();

        rgpu_irq_enable(vg_dev, bits);
        rgpu_irq_ack(vg_dev);
        rgpu_cs_init(&cs, buf, 16);
        rgpu_cs_color_fill(&cs, bo->gfx + 0x400 * e, 128, RGPU_BPP_32, 16, 8, color);
        vg_ref_fill(ref, 0x400 * e, 128, RGPU_BPP_32, 16, 8, color);
        rgpu_linux_irq_update(&vg_lx);
        before = vg_lx.irqs;
        rc = rgpu_submit(vg_dev, e, cs.buf, cs.len, &seqno);
        /* The interrupt before IIR: reading and acknowledging IIR first
         * would withdraw a level-triggered INTx before the guest took it
         * (its handler then finds nothing pending and does not count it). */
        for (u64 t0 = vg_now_ns(); !rc && vg_now_ns() - t0 < VG_WAIT_NS;) {
            rgpu_linux_irq_update(&vg_lx);
            if (vg_lx.irqs > before)
                break;
            vg_plat.wait_irq(vg_plat.ctx, 100000000);
        }
        if (!rc && vg_lx.irqs == before)
            rc = -ETIMEDOUT;
        /* DONE may latch after USER: wait for the rest too. */
        while (!rc && got_all[e] != bits) {
            u32 got = 0;

            rc = rgpu_irq_wait(vg_dev, bits & ~got_all[e], VG_WAIT_NS, &got);
            got_all[e] |= got;
        }
        if (rc)
            ok = vg_fail("engine %u: interrupt %s, IIR bits 0x%x of 0x%x: %d", e,
                         vg_lx.irqs > before ? "taken" : "not taken", got_all[e], bits, rc);
        else if ((int32_t)(rgpu_hws_seqno(vg_dev, e) - seqno) < 0)
            ok = vg_fail("engine %u: interrupt before its seqno %u was stored", e, seqno);
        else
            after |= rgpu_read(vg_dev, RGPU_REG_IIR) & bits;
    }
    rgpu_irq_enable(vg_dev, 0);
    rgpu_set_wait_mode(vg_dev, RGPU_WAIT_POLL);
    ok = ok && vg_compare("work signalled by interrupts", bo->cpu, ref, bo->size);
    vg_drop_bo(bo, ref);
    if (!ok)
        return false;
    CHECK(!after, "IIR 0x%x still set after acknowledging", after);
    rgpu_linux_irq_update(&vg_lx);
    CHECK(vg_lx.irqs - irqs0 >= 2, "%llu interrupts (%s) for two engines' work",
          (unsigned long long)(vg_lx.irqs - irqs0), vg_lx.irq_mode);
    vg_note("%llu interrupts by %s; IIR latched 0x%x (render) 0x%x (copy), cleared by ack",
            (unsigned long long)(vg_lx.irqs - irqs0), vg_lx.irq_mode, got_all[0], got_all[1]);
    return true;
}

#define DISP_W 160
#define DISP_H 120
#define DISP_STRIDE 640

/* A frame drawn by the render engine into a BO, scanned out by the plane:
 * the plane registers hold it, vblank interrupts arrive and FRMCOUNT
 * advances while the pipe runs, and nothing the display does changes the
 * pixels.  (The host side's screenshot of a plane is what vgpuctl
 * screenshot and the demo check.) */
bool vg_scn_display(void)
{
    const u32 size = DISP_STRIDE * DISP_H, vblanks = 3;
    struct rgpu_bo *fb = NULL;
    u32 buf[64], f0, f1, n = 0, surf, stride, sz;
    u64 t0;
    struct rgpu_cs cs;
    u8 *ref = NULL;
    bool ok = true;
    int rc;

    CHECK(vg_lx.uio_fd >= 0, "no interrupt driver bound (insmod rgpu_uio.ko): no vblank interrupts");
    if (!vg_make_bo((size + 4095) & ~4095u, RGPU_MAP_BATCH, &fb, &ref))
        return false;
    rgpu_cs_init(&cs, buf, 64);
    rgpu_cs_color_fill(&cs, fb->gfx, DISP_STRIDE, RGPU_BPP_32, DISP_W, DISP_H, 0x00203040);
    vg_ref_fill(ref, 0, DISP_STRIDE, RGPU_BPP_32, DISP_W, DISP_H, 0x00203040);
    for (u32 k = 0; k < 5; k++) {
        u32 w = vg_rnd_range(8, 60), h = vg_rnd_range(8, 40), c = vg_rnd() & 0xffffff;
        u32 off = vg_rnd_range(0, DISP_H - h) * DISP_STRIDE + 4 * vg_rnd_range(0, DISP_W - w);

        rgpu_cs_color_fill(&cs, fb->gfx + off, DISP_STRIDE, RGPU_BPP_32, w, h, c);
        vg_ref_fill(ref, off, DISP_STRIDE, RGPU_BPP_32, w, h, c);
    }
    rc = vg_run(RGPU_ENGINE_RENDER, &cs);
    if (rc || !vg_compare("frame drawn", fb->cpu, ref, size)) {
        ok = rc ? vg_fail("drawing: %d", rc) : false;
        goto out;
    }
    rc = rgpu_display_set(vg_dev, fb->gfx, DISP_W, DISP_H, DISP_STRIDE);
    if (rc) {
        ok = vg_fail("display_set: %d", rc);
        goto out;
    }
    surf = rgpu_read(vg_dev, RGPU_PLANE_SURF);
    stride = rgpu_read(vg_dev, RGPU_PLANE_STRIDE);
    sz = rgpu_read(vg_dev, RGPU_PLANE_SIZE);
    f0 = rgpu_display_frame(vg_dev);
    t0 = vg_now_ns();
    rgpu_set_wait_mode(vg_dev, RGPU_WAIT_IRQ);
    rgpu_irq_enable(vg_dev, RGPU_IRQ_VBLANK);
    rgpu_irq_ack(vg_dev);
    for (rc = 0; !rc && n < vblanks; n++)
        rc = rgpu_irq_wait(vg_dev, RGPU_IRQ_VBLANK, VG_WAIT_NS, NULL);
    rgpu_irq_enable(vg_dev, 0);
    rgpu_set_wait_mode(vg_dev, RGPU_WAIT_POLL);
    f1 = rgpu_display_frame(vg_dev);
    rgpu_display_off(vg_dev);
    if (rc)
        ok = vg_fail("vblank interrupt %u of %u: %d", n, vblanks, rc);
    else if (surf != fb->gfx || stride != DISP_STRIDE ||
             sz != ((DISP_W - 1) | (DISP_H - 1) << 16))
        ok = vg_fail("plane registers SURF 0x%x STRIDE %u SIZE 0x%x", surf, stride, sz);
    else if ((int32_t)(f1 - f0) < (int32_t)vblanks)
        ok = vg_fail("FRMCOUNT %u -> %u over %u vblank interrupts", f0, f1, vblanks);
    else
        ok = vg_compare("frame after scanout", fb->cpu, ref, size);
    if (ok)
        vg_note("%ux%u XRGB8888 at gfx 0x%x; %u vblank interrupts, FRMCOUNT %u -> %u in %.2fs",
                DISP_W, DISP_H, fb->gfx, vblanks, f0, f1, (double)(vg_now_ns() - t0) / 1e9);
out:
    vg_drop_bo(fb, ref);
    return ok;
}

/* The debug tracked page (hw-spec section 9): the CPU's writes to one of
 * our pages trap (p2m_ioreq_server), land in memory and are counted.  The
 * page is named by its guest physical address in either DMA mode: what is
 * tracked is the guest's own mapping of a frame of its memory (Xen: the p2m
 * type of that gfn), which a grant does not name. */
bool vg_scn_track(void)
{
    volatile u8 *page;
    void *cpu;
    u64 pa, dma;
    u32 st, count, last, st_off;
    int rc;

    rc = vg_plat.alloc_pages(vg_plat.ctx, 1, &cpu, &dma);
    CHECK(rc == 0, "alloc: %d", rc);
    rc = rgpu_linux_virt_to_phys(&vg_lx, cpu, &pa);
    if (rc) {
        vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
        return vg_fail("guest physical address of the page: %d", rc);
    }
    page = cpu;
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_LO, (u32)pa);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_HI, (u32)(pa >> 32));
    st = rgpu_read(vg_dev, RGPU_REG_TRACK_STATUS);
    if (st != 1) {
        vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
        return vg_fail("TRACK_STATUS 0x%x after tracking pa 0x%llx (errno %u)", st,
                    (unsigned long long)pa, st & 0x7fffffff);
    }
    *(volatile u32 *)(page + 0x10) = 0x11223344u;
    *(volatile u64 *)(page + 0x100) = 0x5566778899aabbccull;
    *(volatile u16 *)(page + 0x202) = 0xbeef;
    count = rgpu_read(vg_dev, RGPU_REG_TRACK_COUNT);
    last = rgpu_read(vg_dev, RGPU_REG_TRACK_LAST);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_LO, 0);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_HI, 0);
    st_off = rgpu_read(vg_dev, RGPU_REG_TRACK_STATUS);
    /* Untracked again: an ordinary write, straight to memory. */
    *(volatile u32 *)(page + 0x300) = 0xcafef00d;
    rc = *(volatile u32 *)(page + 0x10) == 0x11223344u &&
         *(volatile u64 *)(page + 0x100) == 0x5566778899aabbccull &&
         *(volatile u16 *)(page + 0x202) == 0xbeef && *(volatile u32 *)(page + 0x300) == 0xcafef00d &&
         page[0x0f] == 0 && page[0x14] == 0 && page[0x204] == 0;
    vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
    CHECK(count == 3, "TRACK_COUNT %u, want 3", count);
    CHECK(last == (0x202u << 16 | 2), "TRACK_LAST 0x%x, want 0x2020002", last);
    CHECK(st_off == 0, "TRACK_STATUS 0x%x after stopping", st_off);
    CHECK(rc, "tracked page contents wrong");
    vg_note("pa 0x%llx: 3 trapped writes (4, 8, 2 bytes) counted, last 0x%x, memory holds them",
         (unsigned long long)pa, last);
    return true;
}
