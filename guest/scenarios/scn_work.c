/*
 * scn_work.c - the scenarios of normal use: the PV info page, GTT
 * mappings, fill, copy, nested batches and stores.  Every result is
 * compared byte for byte with a reference computed on the CPU.
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

bool scn_pvinfo(struct scn *s)
{
    const struct rgpu_info *i = rgpu_get_info(s->dev);

    SCN_CHECK(s, i->gm_size && i->gm_base + i->gm_size <= i->gm_total,
              "slice 0x%llx+0x%llx of 0x%llx", (unsigned long long)i->gm_base,
              (unsigned long long)i->gm_size, (unsigned long long)i->gm_total);
    SCN_CHECK(s, i->caps & RGPU_PVCAP_TRACK, "caps 0x%x lack TRACK", i->caps);
    /* hw-spec 1.1 §2.3: 0x18-0x1f are reserved (1.0 named fences there). */
    SCN_CHECK(s, !rgpu_read(s->dev, RGPU_PVINFO_BASE + 0x18) &&
              !rgpu_read(s->dev, RGPU_PVINFO_BASE + 0x1c), "PV info 0x18-0x1f not 0");
    scn_note(s, "pv=0x%x caps=0x%x vgpu=%u gm=0x%llx+%lluMiB of %lluMiB max=%ux%u",
             i->pv_version, i->caps, i->vgpu_id, (unsigned long long)i->gm_base,
             (unsigned long long)(i->gm_size >> 20), (unsigned long long)(i->gm_total >> 20),
             i->max_width, i->max_height);
    return true;
}

/* Rings and status pages (batched GTT updates), then one BO each way. */
bool scn_map(struct scn *s)
{
    struct rgpu_bo *a = NULL, *b = NULL;
    u64 pte;
    int rc;

    if (s->ring_pages) {
        rc = rgpu_engine_init(s->dev, RGPU_ENGINE_RENDER, s->ring_pages);
        SCN_CHECK(s, rc == 0, "render engine init: %d", rc);
        rc = rgpu_engine_init(s->dev, RGPU_ENGINE_COPY, s->ring_pages);
        SCN_CHECK(s, rc == 0, "copy engine init: %d", rc);
        s->ring_size = s->ring_pages * 4096;
    }
    rc = rgpu_bo_create(s->dev, 256 * 1024, RGPU_MAP_BATCH, &a);
    SCN_CHECK(s, rc == 0, "64-page BO, batched: %d", rc);
    pte = rgpu_gtt_read_pte(s->dev, (a->gfx >> 12) + 63);
    rc = pte == ((a->dma[63] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID);
    scn_note(s, "batched 64 pages at gfx 0x%x (last PTE 0x%llx, page dma 0x%llx);", a->gfx,
             (unsigned long long)pte, (unsigned long long)a->dma[63]);
    rgpu_bo_destroy(s->dev, a);
    SCN_CHECK(s, rc, "GTT PTE readback mismatch");
    rc = rgpu_bo_create(s->dev, 2 * 4096, RGPU_MAP_WINDOW, &b);
    SCN_CHECK(s, rc == 0, "2-page BO through the GTT window: %d", rc);
    rgpu_bo_destroy(s->dev, b);
    scn_note(s, "window 2 pages ok");
    return true;
}

/* ------------------------------------------------------------ fill */
static bool fill_passes(struct scn *s, struct rgpu_bo *bo, u8 *ref, u32 passes, u32 rects)
{
    u32 buf[512], off, pitch, w, h;
    struct rgpu_cs cs;
    int rc;

    for (u32 pass = 0; pass < passes; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;

        rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
        for (u32 k = 0; k < rects; k++) {
            u32 color = scn_rand(s);

            scn_rand_rect(s, bo->size, bpp, s->full ? 300 : 200, 40, &off, &pitch, &w, &h);
            if (k == rects - 1) {
                /* An odd pitch: rows start at every byte phase and cross
                 * page boundaries at odd offsets. */
                pitch = (w << bpp) + 2 * scn_rand_range(s, 0, 20) + 1;
                h = s->full ? 40 : 30;
                off = scn_rand_range(s, 0, (bo->size - (h - 1) * pitch - (w << bpp)) >> bpp) << bpp;
            }
            rgpu_cs_color_fill(&cs, bo->gfx + off, pitch, bpp, w, h, color);
            scn_ref_fill(ref, off, pitch, bpp, w, h, color);
        }
        rc = scn_run(s, engine, &cs);
        SCN_CHECK(s, rc == 0, "fill pass %u (bpp %u, engine %u): %d", pass, bpp, engine, rc);
        SCN_COMPARE(s, bpp == 0 ? "8 bpp fill" : bpp == 1 ? "16 bpp fill" : "32 bpp fill",
                    bo->cpu, ref, bo->size);
    }
    return true;
}

bool scn_fill(struct scn *s)
{
    u32 passes = s->full ? 6 : 4, rects = s->full ? 8 : 6;
    struct rgpu_bo *bo;
    u8 *ref;
    bool ok;

    if (!scn_make_bo(s, s->full ? 256 * 1024 : 64 * 1024, RGPU_MAP_BATCH, true, &bo, &ref))
        return false;
    ok = fill_passes(s, bo, ref, passes, rects);
    scn_drop_bo(s, bo, ref);
    if (ok)
        scn_note(s, "%u passes x %u rectangles (8/16/32 bpp, render and copy engines, odd "
                 "pitches)", passes, rects);
    return ok;
}

/* ------------------------------------------------------------ copy */
static bool copy_passes(struct scn *s, struct rgpu_bo *src, u8 *sref, struct rgpu_bo *dst,
                        u8 *dref, u32 passes, u32 copies)
{
    u32 buf[512], soff, spitch, w, h, doff, dpitch;
    struct rgpu_cs cs;
    int rc;

    for (u32 pass = 0; pass < passes; pass++) {
        u32 bpp = pass % 3, engine = pass & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;

        rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
        for (u32 k = 0; k < copies; k++) {
            scn_rand_rect(s, src->size, bpp, s->full ? 200 : 150, s->full ? 48 : 40, &soff,
                          &spitch, &w, &h);
            dpitch = (w << bpp) + (scn_rand_range(s, 0, 40) << bpp);
            if ((h - 1) * dpitch + (w << bpp) > dst->size)
                dpitch = spitch;
            doff = scn_rand_range(s, 0, (dst->size - (h - 1) * dpitch - (w << bpp)) >> bpp) << bpp;
            rgpu_cs_src_copy(&cs, dst->gfx + doff, dpitch, bpp, w, h, src->gfx + soff, spitch);
            scn_ref_copy(dref, doff, dpitch, sref, soff, spitch, bpp, w, h);
        }
        rc = scn_run(s, engine, &cs);
        SCN_CHECK(s, rc == 0, "copy pass %u: %d", pass, rc);
        SCN_COMPARE(s, "copy destination", dst->cpu, dref, dst->size);
        SCN_COMPARE(s, "copy source (must be unchanged)", src->cpu, sref, src->size);
    }
    return true;
}

bool scn_copy(struct scn *s)
{
    u32 size = s->full ? 128 * 1024 : 32 * 1024, passes = s->full ? 6 : 3, copies = s->full ? 8 : 6;
    struct rgpu_bo *src, *dst;
    struct scn_stats s0, s1, s2;
    u8 *sref, *dref;
    bool ok, stats;

    /* The source is mapped one PTE at a time through the GTT window, the
     * destination with one batched update: both must work the same. */
    scn_stats(s, &s0);
    if (!scn_make_bo(s, size, RGPU_MAP_WINDOW, true, &src, &sref))
        return false;
    scn_stats(s, &s1);
    if (!scn_make_bo(s, size, RGPU_MAP_BATCH, true, &dst, &dref)) {
        scn_drop_bo(s, src, sref);
        return false;
    }
    stats = scn_stats(s, &s2);
    ok = copy_passes(s, src, sref, dst, dref, passes, copies);
    scn_drop_bo(s, dst, dref);
    scn_drop_bo(s, src, sref);
    if (ok && stats)
        scn_note(s, "mapping %u pages: %llu MMIO traps through the GTT window, %llu batched;",
                 size / 4096, (unsigned long long)(s1.mmio_traps - s0.mmio_traps),
                 (unsigned long long)(s2.mmio_traps - s1.mmio_traps));
    if (ok)
        scn_note(s, "%u passes x %u copies (8/16/32 bpp), window- and batch-mapped BOs", passes,
                 copies);
    return ok;
}

/* ------------------------------------------------------------ batch */
static bool batch_body(struct scn *s, struct rgpu_bo *bb, struct rgpu_bo *data, u8 *ref)
{
    u32 b1 = bb->gfx, b2 = bb->gfx + 0x1000, ring[16], seqno;
    u32 *cpu = bb->cpu;
    struct rgpu_cs cs;
    int rc;

    /* Level 2 (bb + 4 KiB): a fill, a copy and a store. */
    rgpu_cs_init(&cs, cpu + 0x1000 / 4, 0x1000 / 4);
    rgpu_cs_color_fill(&cs, data->gfx + 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    scn_ref_fill(ref, 0x100, 200, RGPU_BPP_16, 64, 20, 0xbeef);
    rgpu_cs_src_copy(&cs, data->gfx + 0x4000, 300, RGPU_BPP_8, 100, 30, data->gfx + 0x100, 200);
    scn_ref_copy(ref, 0x4000, 300, ref, 0x100, 200, RGPU_BPP_8, 100, 30);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8000, 0x22222222);
    scn_ref_fill(ref, 0x8000, 4, RGPU_BPP_32, 1, 1, 0x22222222);
    rgpu_cs_batch_end(&cs);
    SCN_CHECK(s, !cs.overflow, "level-2 batch overflow");

    /* Level 1 (bb): a fill, the level-2 batch, a store after it, and a
     * second call of the same level-2 batch. */
    rgpu_cs_init(&cs, cpu, 0x1000 / 4);
    rgpu_cs_color_fill(&cs, data->gfx + 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    scn_ref_fill(ref, 0x2000, 512, RGPU_BPP_32, 100, 16, 0x11223344);
    rgpu_cs_batch_start(&cs, b2);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8004, 0x11111111);
    scn_ref_fill(ref, 0x8004, 4, RGPU_BPP_32, 1, 1, 0x11111111);
    rgpu_cs_batch_start(&cs, b2);
    rgpu_cs_batch_end(&cs);
    SCN_CHECK(s, !cs.overflow, "level-1 batch overflow");

    /* Ring: the level-1 batch, then a store that must come after it. */
    rgpu_cs_init(&cs, ring, sizeof(ring) / sizeof(ring[0]));
    rgpu_cs_batch_start(&cs, b1);
    rgpu_cs_store_imm(&cs, data->gfx + 0x8008, 0x33333333);
    scn_ref_fill(ref, 0x8008, 4, RGPU_BPP_32, 1, 1, 0x33333333);
    rc = rgpu_submit(s->dev, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seqno);
    SCN_CHECK(s, rc == 0, "submit: %d", rc);
    /* The device executes its private copy of what it validated:
     * scribbling over the batches now must change nothing. */
    for (u32 i = 0; i < bb->size / 4; i++)
        cpu[i] = 0xdeadbeef;
    rc = scn_wait_seqno(s, RGPU_ENGINE_RENDER, seqno);
    SCN_CHECK(s, rc == 0, "nested batch: %d", rc);
    SCN_COMPARE(s, "nested batch results", data->cpu, ref, data->size);
    return true;
}

bool scn_batch(struct scn *s)
{
    struct rgpu_bo *bb, *data;
    u8 *bref, *ref;
    bool ok;

    if (!scn_make_bo(s, 0x2000, RGPU_MAP_BATCH, false, &bb, &bref))
        return false;
    if (!scn_make_bo(s, 0x10000, RGPU_MAP_BATCH, true, &data, &ref)) {
        scn_drop_bo(s, bb, bref);
        return false;
    }
    ok = batch_body(s, bb, data, ref);
    scn_drop_bo(s, data, ref);
    scn_drop_bo(s, bb, bref);
    if (ok)
        scn_note(s, "ring -> batch -> batch (depth 2), level-2 batch called twice, batches "
                 "overwritten after submission");
    return ok;
}

/* ------------------------------------------------------------ store */
static bool store_body(struct scn *s, struct rgpu_bo *data, u8 *ref, u32 imms, u32 indexes,
                       u32 submissions)
{
    u32 buf[512], seqno = 0, regs[4], vals[4];
    struct rgpu_engine_state st;
    struct rgpu_cs cs;
    int rc;

    /* STORE_DATA_IMM at random dwords, STORE_DATA_INDEX into the HWS. */
    rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
    for (u32 i = 0; i < imms; i++) {
        u32 off = 4 * scn_rand_range(s, 0, data->size / 4 - 1), val = scn_rand(s);

        rgpu_cs_store_imm(&cs, data->gfx + off, val);
        scn_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, val);
    }
    for (u32 i = 16; i < 16 + indexes; i++)
        rgpu_cs_store_index(&cs, 4 * i, 0xabc00000 + i);
    rc = scn_run(s, RGPU_ENGINE_COPY, &cs);
    SCN_CHECK(s, rc == 0, "stores: %d", rc);
    SCN_COMPARE(s, "STORE_DATA_IMM results", data->cpu, ref, data->size);
    /* The HWS page is ordinary memory the guest reads through its CPU
     * mapping; RING_SEQNO follows HWS[0]. */
    rc = rgpu_wait_idle(s->dev, RGPU_ENGINE_COPY, SCN_WAIT_NS);
    SCN_CHECK(s, rc == 0, "copy idle: %d", rc);
    rgpu_engine_state(s->dev, RGPU_ENGINE_COPY, &st);
    SCN_CHECK(s, st.seqno_reg == rgpu_last_seqno(s->dev, RGPU_ENGINE_COPY) &&
                 rgpu_hws_seqno(s->dev, RGPU_ENGINE_COPY) == st.seqno_reg,
              "RING_SEQNO 0x%x, HWS seqno 0x%x, last 0x%x", st.seqno_reg,
              rgpu_hws_seqno(s->dev, RGPU_ENGINE_COPY), rgpu_last_seqno(s->dev, RGPU_ENGINE_COPY));

    /* Back-to-back submissions alternating engines: the rings wrap, the
     * library pads at the ring end and waits for HEAD; seqnos complete in
     * order. */
    for (u32 i = 0; i < submissions; i++) {
        u32 off = 4 * (i % (data->size / 4));

        rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
        rgpu_cs_store_imm(&cs, data->gfx + off, i);
        if (i % 7 == 0)
            rgpu_cs_color_fill(&cs, data->gfx + 0x8000 + 4 * (i % 64), 4, RGPU_BPP_32, 1, 1, i);
        rc = rgpu_submit(s->dev, i % 2 ? RGPU_ENGINE_RENDER : RGPU_ENGINE_COPY, cs.buf, cs.len,
                         &seqno);
        SCN_CHECK(s, rc == 0, "submission %u: %d", i, rc);
        scn_ref_fill(ref, off, 4, RGPU_BPP_32, 1, 1, i);
        if (i % 7 == 0)
            scn_ref_fill(ref, 0x8000 + 4 * (i % 64), 4, RGPU_BPP_32, 1, 1, i);
    }
    /* The engines run concurrently; each STORE target is written once,
     * and fills hitting the same dword are 448 submissions apart (same
     * engine, so ordered): the final contents are deterministic. */
    rc = scn_wait_seqno(s, RGPU_ENGINE_RENDER, rgpu_last_seqno(s->dev, RGPU_ENGINE_RENDER));
    SCN_CHECK(s, rc == 0, "render drain: %d", rc);
    rc = scn_wait_seqno(s, RGPU_ENGINE_COPY, rgpu_last_seqno(s->dev, RGPU_ENGINE_COPY));
    SCN_CHECK(s, rc == 0, "copy drain: %d", rc);
    SCN_CHECK(s, rgpu_last_seqno(s->dev, RGPU_ENGINE_RENDER) >= submissions / 2, "render seqno %u",
              rgpu_last_seqno(s->dev, RGPU_ENGINE_RENDER));
    SCN_COMPARE(s, "stores across ring wraps", data->cpu, ref, data->size);
    rc = rgpu_wait_idle(s->dev, RGPU_ENGINE_RENDER, SCN_WAIT_NS);
    SCN_CHECK(s, rc == 0, "render idle: %d", rc);

    /* LOAD_REGISTER_IMM to the scratch registers (render engine only). */
    for (u32 i = 0; i < 4; i++) {
        regs[i] = RGPU_REG_SCRATCH(i);
        vals[i] = 0x5c000000u + (s->idx << 8) + i;
    }
    rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
    rgpu_cs_lri(&cs, regs, vals, 4);
    rc = scn_run(s, RGPU_ENGINE_RENDER, &cs);
    SCN_CHECK(s, rc == 0, "LRI: %d", rc);
    for (u32 i = 0; i < 4; i++) {
        u32 v = rgpu_read(s->dev, RGPU_REG_SCRATCH(i));

        SCN_CHECK(s, v == vals[i], "SCRATCH%u = 0x%x, want 0x%x", i, v, vals[i]);
    }
    return true;
}

bool scn_store(struct scn *s)
{
    u32 imms = s->full ? 64 : 48, indexes = s->full ? 32 : 8, n = s->full ? 3000 : 240;
    struct rgpu_bo *data;
    u8 *ref;
    bool ok;

    if (!scn_make_bo(s, 0x10000, RGPU_MAP_BATCH, true, &data, &ref))
        return false;
    ok = store_body(s, data, ref, imms, indexes, n);
    scn_drop_bo(s, data, ref);
    if (ok)
        scn_note(s, "%u STORE_DATA_IMM + %u STORE_DATA_INDEX, %u submissions over %u KiB rings "
                 "(render seqno %u, copy %u), LRI x4", imms, indexes, n, s->ring_size >> 10,
                 rgpu_last_seqno(s->dev, RGPU_ENGINE_RENDER),
                 rgpu_last_seqno(s->dev, RGPU_ENGINE_COPY));
    return ok;
}
