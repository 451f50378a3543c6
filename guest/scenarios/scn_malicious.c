/*
 * scn_malicious.c - the guest does what a hostile driver would: forbidden
 * registers and opcodes, addresses outside its slice, PTEs naming frames
 * it does not own, ring tails past the ring, malformed and endless
 * command streams, writes to registers that do not exist.  Each attack
 * must end the documented way (docs/hw-spec.md): the engine halts with
 * the error code and address, the error interrupt latches, a RING_RESET
 * recovers it and verified work runs again.  That the host and the other
 * guests were untouched the harness checks from outside (vgpu-sim: its
 * victim vGPUs and guest memory; the rig: the daemon's log and the other
 * guests' own runs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

struct attacker {
    struct scn *s;
    struct rgpu_bo *scratch;    /* valid work goes here */
    struct rgpu_bo *bb;         /* batch buffers */
    u32 cases;
};

/* Valid work after an attack: a fill into scratch, verified exact. */
static bool valid_work(struct attacker *a, u32 engine, const char *after)
{
    struct scn *s = a->s;
    u8 *ref = malloc(a->scratch->size);
    u32 buf[16], off, pitch, w, h, color = scn_rand(s), bpp = scn_rand_range(s, 0, 2);
    struct rgpu_cs cs;
    bool ok;
    int rc;

    SCN_CHECK(s, ref != NULL, "out of memory");
    memcpy(ref, a->scratch->cpu, a->scratch->size);
    scn_rand_rect(s, a->scratch->size, bpp, 200, 30, &off, &pitch, &w, &h);
    rgpu_cs_init(&cs, buf, 16);
    rgpu_cs_color_fill(&cs, a->scratch->gfx + off, pitch, bpp, w, h, color);
    scn_ref_fill(ref, off, pitch, bpp, w, h, color);
    rc = scn_run(s, engine, &cs);
    ok = rc == 0 ? scn_compare(s, __FILE__, __LINE__, after, a->scratch->cpu, ref,
                               a->scratch->size)
                 : SCN_FAIL(s, "valid work after %s: %d", after, rc);
    free(ref);
    return ok;
}

/*
 * The attack on engine e was just submitted: expect the error interrupt,
 * the error registers (want_addr ~0: any) and, where the harness sees the
 * model's statistics, a reject and an engine reset counted; then reset
 * and work again.
 */
static bool expect_error(struct attacker *a, u32 e, const struct scn_stats *s0, u32 want_err,
                         u32 want_addr, const char *what)
{
    struct scn *s = a->s;
    struct rgpu_engine_state st;
    struct scn_stats s1;
    u32 got = 0;
    int rc;

    rc = rgpu_irq_wait(s->dev, rgpu_irq_error_bit(e), SCN_WAIT_NS, &got);
    SCN_CHECK(s, rc == 0, "%s: no error interrupt on engine %u: %d", what, e, rc);
    rgpu_engine_state(s->dev, e, &st);
    SCN_CHECK(s, st.status & RGPU_RING_STATUS_ERROR, "%s: RING_STATUS 0x%x lacks the error bit",
              what, st.status);
    SCN_CHECK(s, st.error == want_err, "%s: RING_ERROR %u (%s), want %u (%s)", what, st.error,
              rgpu_err_name(st.error), want_err, rgpu_err_name(want_err));
    SCN_CHECK(s, want_addr == ~0u || st.error_addr == want_addr,
              "%s: RING_ERROR_ADDR 0x%x, want 0x%x", what, st.error_addr, want_addr);
    if (scn_stats(s, &s1)) {
        SCN_CHECK(s, s1.rejects > s0->rejects, "%s: stats.rejects did not advance", what);
        SCN_CHECK(s, s1.resets > s0->resets, "%s: stats.resets did not advance", what);
    }
    rc = rgpu_engine_reset(s->dev, e);
    SCN_CHECK(s, rc == 0, "%s: engine reset: %d", what, rc);
    rgpu_engine_state(s->dev, e, &st);
    SCN_CHECK(s, !(st.status & RGPU_RING_STATUS_ERROR) && st.error == RGPU_ERR_NONE,
              "%s: after RING_RESET status 0x%x error %u", what, st.status, st.error);
    a->cases++;
    return valid_work(a, e, what);
}

/* Whole commands through the library: the submission is accepted, then
 * the device rejects it. */
static bool attack_cmds(struct attacker *a, u32 e, const u32 *cmds, u32 n, u32 want_err,
                        u32 want_addr, const char *what)
{
    struct scn *s = a->s;
    struct scn_stats s0;
    u32 seqno;
    int rc;

    scn_stats(s, &s0);
    rc = rgpu_submit(s->dev, e, cmds, n, &seqno);
    SCN_CHECK(s, rc == 0, "%s: submit: %d", what, rc);
    rc = scn_wait_seqno(s, e, seqno);
    SCN_CHECK(s, rc == -EIO, "%s: wait returned %d, want -EIO", what, rc);
    return expect_error(a, e, &s0, want_err, want_addr, what);
}

/* Raw dwords into the ring (no framing, no epilogue). */
static bool attack_raw(struct attacker *a, u32 e, const u32 *dw, u32 n, u32 want_err,
                       u32 want_addr, const char *what)
{
    struct scn *s = a->s;
    struct scn_stats s0;
    int rc;

    scn_stats(s, &s0);
    rc = rgpu_submit_raw(s->dev, e, dw, n);
    SCN_CHECK(s, rc == 0, "%s: raw submit: %d", what, rc);
    return expect_error(a, e, &s0, want_err, want_addr, what);
}

/* ------------------------------------------------------------ the attacks */
/* PTEs naming frames beyond guest memory: the device keeps their address,
 * reads them back invalid, and work touching them is rejected. */
static bool atk_unmapped_frame(struct attacker *a)
{
    struct scn *s = a->s;
    struct rgpu_dev *d = s->dev;
    struct scn_stats s0, s1;
    u32 p, q, applied = 0, cmd[8];
    u64 pte = s->beyond_ram | RGPU_PTE_VALID;
    struct rgpu_cs cs;
    int rc;

    SCN_CHECK_RC(s, rgpu_gm_alloc(d, 0x1000, &p));
    SCN_CHECK_RC(s, rgpu_gm_alloc(d, 0x1000, &q));
    scn_stats(s, &s0);
    rc = rgpu_gtt_write_batch(d, p >> 12, &pte, 1, &applied);
    SCN_CHECK(s, rc == -EIO && applied == 1,
              "batched PTE to a frame outside memory: rc %d applied %u", rc, applied);
    /* hw-spec §2.2: the valid bit reads 1 only while the page is mapped. */
    SCN_CHECK(s, rgpu_gtt_read_pte(d, p >> 12) == (pte & ~RGPU_PTE_VALID),
              "PTE read back 0x%llx (want the address, valid clear)",
              (unsigned long long)rgpu_gtt_read_pte(d, p >> 12));
    rgpu_gtt_write_pte(d, q >> 12, (s->beyond_ram + 0x5000) | RGPU_PTE_VALID);
    if (scn_stats(s, &s1))
        SCN_CHECK(s, s1.bad_accesses >= s0.bad_accesses + 2, "bad_accesses %llu -> %llu",
                  (unsigned long long)s0.bad_accesses, (unsigned long long)s1.bad_accesses);

    rgpu_cs_init(&cs, cmd, 8);
    rgpu_cs_color_fill(&cs, p, 64, RGPU_BPP_32, 16, 4, 0x12345678);
    if (!attack_cmds(a, RGPU_ENGINE_RENDER, cs.buf, cs.len, RGPU_ERR_UNMAPPED, p,
                     "fill on a page whose frame is outside guest memory (batched PTE)"))
        return false;
    rgpu_cs_init(&cs, cmd, 8);
    rgpu_cs_src_copy(&cs, a->scratch->gfx, 64, RGPU_BPP_32, 16, 4, q, 64);
    return attack_cmds(a, RGPU_ENGINE_COPY, cs.buf, cs.len, RGPU_ERR_UNMAPPED, ~0u,
                       "copy from a page whose frame is outside guest memory (window PTE)");
}

/* PTEs outside the slice are dropped: they read back 0. */
static bool atk_pte_outside_slice(struct attacker *a)
{
    struct scn *s = a->s;
    struct rgpu_dev *d = s->dev;
    const struct rgpu_info *info = rgpu_get_info(d);
    u32 targets[4], nt = 0, applied = 99;
    u64 pte = a->scratch->dma[0] | RGPU_PTE_VALID;
    struct scn_stats s0, s1;
    int rc;

    /* Just past the slice, just before it, and the first page of every
     * other vGPU's slice the harness knows. */
    if (info->gm_base + info->gm_size < (u64)RGPU_GTT_SIZE / 8 * 4096)
        targets[nt++] = (u32)((info->gm_base + info->gm_size) >> 12);
    if (info->gm_base)
        targets[nt++] = (u32)(info->gm_base >> 12) - 1;
    for (u32 i = 0; i < s->nothers && nt < 4; i++)
        targets[nt++] = (u32)(s->other_gm[i] >> 12);
    scn_stats(s, &s0);
    for (u32 i = 0; i < nt; i++) {
        rgpu_gtt_write_pte(d, targets[i], pte);
        SCN_CHECK(s, rgpu_gtt_read_pte(d, targets[i]) == 0, "PTE at index 0x%x outside the "
                  "slice reads back 0x%llx", targets[i],
                  (unsigned long long)rgpu_gtt_read_pte(d, targets[i]));
        rc = rgpu_gtt_write_batch(d, targets[i], &pte, 1, &applied);
        SCN_CHECK(s, rc == -EIO && applied == 0, "batched PTE outside the slice: rc %d applied %u",
                  rc, applied);
    }
    if (scn_stats(s, &s1))
        SCN_CHECK(s, s1.bad_accesses >= s0.bad_accesses + 2 * nt,
                  "bad_accesses did not count %u drops", 2 * nt);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "PTEs outside the slice");
}

static bool atk_lri(struct attacker *a)
{
    struct scn *s = a->s;
    u32 c1[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_IER, 0xffffffff };
    u32 c2[5] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 4), RGPU_REG_SCRATCH(0), 1,
                  RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER) + RGPU_RING_START, 0 };
    u32 c3[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_SCRATCH(1), 1 };
    u32 ier = rgpu_read(s->dev, RGPU_REG_IER);

    if (!attack_cmds(a, RGPU_ENGINE_RENDER, c1, 3, RGPU_ERR_REGISTER, RGPU_REG_IER, "LRI to IER"))
        return false;
    SCN_CHECK(s, rgpu_read(s->dev, RGPU_REG_IER) == ier, "IER was written by the rejected LRI");
    return attack_cmds(a, RGPU_ENGINE_RENDER, c2, 5, RGPU_ERR_REGISTER,
                       RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER) + RGPU_RING_START,
                       "LRI to RING_START after a scratch register") &&
           attack_cmds(a, RGPU_ENGINE_COPY, c3, 3, RGPU_ERR_OPCODE, ~0u, "LRI on the copy engine");
}

static bool atk_batch_outside(struct attacker *a)
{
    const struct rgpu_info *info = rgpu_get_info(a->s->dev);
    /* Just past the slice (beyond the populated GTT for a whole-GPU
     * type), or just before it if the slice ends at 4 GiB. */
    u32 out = info->gm_base + info->gm_size < (1ull << 32) ? (u32)(info->gm_base + info->gm_size)
                                                         : (u32)info->gm_base - 4096;
    u32 c[2] = { RGPU_CMD(RGPU_OP_BATCH_START, 1), out };

    if (!attack_cmds(a, RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_ADDRESS, out, "batch outside the slice"))
        return false;
    if (a->s->nothers) {
        c[1] = (u32)a->s->other_gm[0];
        if (!attack_cmds(a, RGPU_ENGINE_COPY, c, 2, RGPU_ERR_ADDRESS, c[1],
                         "batch in another vGPU's slice"))
            return false;
    }
    c[1] = a->bb->gfx + 2;
    return attack_cmds(a, RGPU_ENGINE_COPY, c, 2, RGPU_ERR_ADDRESS, c[1], "misaligned batch");
}

static bool atk_self_batch(struct attacker *a)
{
    u32 *b = a->bb->cpu, c[2] = { RGPU_CMD(RGPU_OP_BATCH_START, 1), a->bb->gfx };

    b[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
    b[1] = a->bb->gfx;
    b[2] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    return attack_cmds(a, RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_NESTING, ~0u,
                       "self-referencing batch");
}

static bool atk_tail(struct attacker *a)
{
    struct scn *s = a->s;
    u32 tails[3] = { s->ring_size + 0x100, s->ring_size, 0xffffc };
    struct scn_stats s0;

    for (u32 i = 0; i < 3; i++) {
        u32 e = i & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;
        struct rgpu_engine_state st;

        scn_stats(s, &s0);
        rgpu_write_tail(s->dev, e, tails[i]);
        /* RING_RESET must leave a usable ring: HEAD a valid offset. */
        rgpu_write(s->dev, RGPU_ENGINE_BASE(e) + RGPU_RING_RESET, 1);
        rgpu_engine_state(s->dev, e, &st);
        SCN_CHECK(s, st.head < s->ring_size && st.head == st.tail,
                  "after a tail of 0x%x and RING_RESET: HEAD 0x%x TAIL 0x%x", tails[i], st.head,
                  st.tail);
        /* The error registers were cleared by that reset: provoke again
         * for the full check. */
        rgpu_write_tail(s->dev, e, tails[i]);
        if (!expect_error(a, e, &s0, RGPU_ERR_RING, tails[i], "tail beyond the ring"))
            return false;
    }
    return true;
}

/* Malformed commands, each rejected with its own error. */
static bool atk_garbage(struct attacker *a)
{
    const struct rgpu_info *info = rgpu_get_info(a->s->dev);
    bool below_4g = info->gm_base + info->gm_size < (1ull << 32);
    u32 end = (u32)(info->gm_base + info->gm_size), s = a->scratch->gfx;
    u32 fill_len3[4] = { RGPU_CMD(RGPU_OP_COLOR_FILL, 3), s, 64 | 2 << 16, 1 | 1 << 16 };
    u32 mbz[1] = { RGPU_CMD(RGPU_OP_NOOP, 0) | 0x5000 };
    u32 past_tail[2] = { RGPU_CMD(RGPU_OP_COLOR_FILL, 4), s };
    u32 bend[1] = { RGPU_CMD(RGPU_OP_BATCH_END, 0) };
    u32 badop[1] = { 0x7f000000 };
    u32 huge[1] = { RGPU_CMD(RGPU_OP_SRC_COPY, 0xfff) };
    u32 store_out[3] = { RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2), end, 1 };
    u32 store_mis[3] = { RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2), s + 2, 1 };
    u32 fill_over[5] = { RGPU_CMD(RGPU_OP_COLOR_FILL, 4), end - 0x1000, 0x1000 | 2 << 16,
                         16 | 100 << 16, 0 };
    u32 fill_pitch[5] = { RGPU_CMD(RGPU_OP_COLOR_FILL, 4), s, 16 | 2 << 16, 16 | 4 << 16, 0 };
    u32 fill_bpp[5] = { RGPU_CMD(RGPU_OP_COLOR_FILL, 4), s, 64 | 3 << 16, 4 | 4 << 16, 0 };

    return attack_raw(a, RGPU_ENGINE_RENDER, fill_len3, 4, RGPU_ERR_LENGTH, ~0u,
                      "COLOR_FILL len 3") &&
           attack_raw(a, RGPU_ENGINE_COPY, mbz, 1, RGPU_ERR_LENGTH, ~0u, "bits 23:12 set") &&
           attack_raw(a, RGPU_ENGINE_RENDER, past_tail, 2, RGPU_ERR_LENGTH, ~0u,
                      "command running past the tail") &&
           attack_raw(a, RGPU_ENGINE_COPY, bend, 1, RGPU_ERR_BATCH_END, ~0u,
                      "BATCH_END in the ring") &&
           attack_raw(a, RGPU_ENGINE_RENDER, badop, 1, RGPU_ERR_OPCODE, ~0u, "unknown opcode") &&
           attack_raw(a, RGPU_ENGINE_COPY, huge, 1, RGPU_ERR_LENGTH, ~0u, "LEN 4095") &&
           (!below_4g || attack_cmds(a, RGPU_ENGINE_RENDER, store_out, 3, RGPU_ERR_ADDRESS, end,
                                     "store past the slice")) &&
           attack_cmds(a, RGPU_ENGINE_COPY, store_mis, 3, RGPU_ERR_ADDRESS, s + 2,
                       "misaligned store") &&
           (!below_4g || attack_cmds(a, RGPU_ENGINE_RENDER, fill_over, 5, RGPU_ERR_ADDRESS, ~0u,
                                     "fill running off the slice end")) &&
           attack_cmds(a, RGPU_ENGINE_COPY, fill_pitch, 5, RGPU_ERR_ADDRESS, ~0u,
                       "pitch < width") &&
           attack_cmds(a, RGPU_ENGINE_RENDER, fill_bpp, 5, RGPU_ERR_ADDRESS, ~0u, "bpp 3");
}

/* Random dwords: each submission is either rejected (with the error
 * interrupt) or executed; the engine recovers every time. */
static bool atk_random(struct attacker *a)
{
    struct scn *s = a->s;
    u32 rnd[64], rejected = 0;
    struct scn_stats s0, s1;

    /* STORE_DATA_INDEX is left out: a random one could legitimately
     * overwrite the attacker's own seqno and confuse only its own later
     * waits. */
    scn_stats(s, &s0);
    for (u32 i = 0; i < 64; i++) {
        u32 n = scn_rand_range(s, 1, 64), e = i & 1, got;
        struct rgpu_engine_state st;
        u64 deadline;
        int rc;

        for (u32 k = 0; k < n; k++) {
            rnd[k] = scn_rand(s);
            if (k == 0 || scn_rand(s) % 4 == 0)     /* plausible opcodes, random lengths */
                rnd[k] = RGPU_CMD(scn_rand_range(s, 0, 0x12),
                                  rnd[k] & (scn_rand(s) % 2 ? 0xfff : 0x7));
            if (RGPU_CMD_OPCODE(rnd[k]) == RGPU_OP_STORE_DATA_INDEX)
                rnd[k] ^= 0x7a000000;
        }
        rc = rgpu_submit_raw(s->dev, e, rnd, n);
        SCN_CHECK(s, rc == 0, "random submission %u: %d", i, rc);
        /* Either rejected/faulted (error interrupt) or executed (idle). */
        deadline = scn_now_ns(s) + SCN_WAIT_NS;
        for (;;) {
            rgpu_engine_state(s->dev, e, &st);
            if ((st.status & RGPU_RING_STATUS_ERROR) || (st.status & RGPU_RING_STATUS_IDLE))
                break;
            SCN_CHECK(s, scn_now_ns(s) < deadline, "random submission %u never finished", i);
            scn_sleep_ns(20000);
        }
        if (st.status & RGPU_RING_STATUS_ERROR) {
            rejected++;
            SCN_CHECK(s, rgpu_irq_wait(s->dev, rgpu_irq_error_bit(e), SCN_WAIT_NS, &got) == 0,
                      "random submission %u: error without interrupt", i);
        }
        SCN_CHECK_RC(s, rgpu_engine_reset(s->dev, e));
    }
    if (scn_stats(s, &s1))
        SCN_CHECK(s, s1.rejects + s1.faults - s0.rejects - s0.faults >= rejected,
                  "stats: %llu rejects/faults for %u observed errors",
                  (unsigned long long)(s1.rejects + s1.faults - s0.rejects - s0.faults), rejected);
    SCN_CHECK(s, rejected >= 32, "only %u of 64 random submissions rejected", rejected);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "random dwords") &&
           valid_work(a, RGPU_ENGINE_COPY, "random dwords");
}

static bool atk_too_long(struct attacker *a)
{
    struct scn *s = a->s;
    struct rgpu_bo *big;
    u32 *b, *l1 = a->bb->cpu, i, c[2];
    bool ok;
    int rc;

    /* 256 Ki NOOPs called 5 times from a level-1 batch: 1.25 Mi dwords. */
    rc = rgpu_bo_create(s->dev, 1u << 20, RGPU_MAP_BATCH, &big);
    SCN_CHECK(s, rc == 0, "1 MiB batch: %d", rc);
    b = big->cpu;
    for (i = 0; i < (1u << 18) - 1; i++)
        b[i] = RGPU_CMD(RGPU_OP_NOOP, 0);
    b[i] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    for (i = 0; i < 5; i++) {
        l1[2 * i] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
        l1[2 * i + 1] = big->gfx;
    }
    l1[10] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    c[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
    c[1] = a->bb->gfx;
    ok = attack_cmds(a, RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_TOO_LONG, ~0u,
                     "1.25 Mi dwords in one submission");
    rgpu_bo_destroy(s->dev, big);
    return ok;
}

/* Registers that do not exist or are read-only: writes change nothing. */
static bool atk_mmio(struct attacker *a)
{
    static const u32 holes[] = { 0x7ffc, 0x20000, 0x7ffffc, 0xfffffc };
    struct scn *s = a->s;
    u32 magic = rgpu_read(s->dev, RGPU_PVINFO_BASE), id = rgpu_read(s->dev, RGPU_REG_ID);

    for (u32 i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        rgpu_write(s->dev, holes[i], 0xdeadbeef);
    rgpu_write(s->dev, RGPU_PVINFO_BASE, ~magic);
    rgpu_write(s->dev, RGPU_REG_ID, ~id);
    SCN_CHECK(s, rgpu_read(s->dev, RGPU_PVINFO_BASE) == magic, "PV info magic was overwritten");
    SCN_CHECK(s, rgpu_read(s->dev, RGPU_REG_ID) == id, "ID register was overwritten");
    for (u32 i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        SCN_CHECK(s, rgpu_read(s->dev, holes[i]) != 0xdeadbeef, "hole 0x%x kept a write",
                  holes[i]);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_COPY, "writes to holes and read-only registers");
}

static bool atk_device_reset(struct attacker *a)
{
    /* The attacker resets its whole device (GTT kept): only it notices. */
    SCN_CHECK_RC(a->s, rgpu_device_reset(a->s->dev));
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "device reset") &&
           valid_work(a, RGPU_ENGINE_COPY, "device reset");
}

static bool attack(struct attacker *a)
{
    /* The rig's guests run the first part: the rest is many register
     * accesses (random dwords), a 1 MiB batch, or ends with the device's
     * registers reset. */
    static bool (*const light[])(struct attacker *) = {
        atk_unmapped_frame, atk_pte_outside_slice, atk_lri, atk_batch_outside, atk_self_batch,
        atk_tail, atk_garbage, atk_mmio,
    };
    static bool (*const full[])(struct attacker *) = {
        atk_random, atk_too_long,
    };

    for (size_t i = 0; i < sizeof(light) / sizeof(light[0]); i++)
        if (!light[i](a))
            return false;
    if (!a->s->full)
        return true;
    for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++)
        if (!full[i](a))
            return false;
    if (a->s->ext && a->s->ext->malicious) {
        if (!a->s->ext->malicious(a->s))
            return false;
        a->cases++;
        if (!valid_work(a, RGPU_ENGINE_RENDER, "the harness's attack") ||
            !valid_work(a, RGPU_ENGINE_COPY, "the harness's attack"))
            return false;
    }
    return atk_device_reset(a);
}

bool scn_malicious(struct scn *s)
{
    const u32 errs = rgpu_irq_error_bit(RGPU_ENGINE_RENDER) | rgpu_irq_error_bit(RGPU_ENGINE_COPY);
    struct attacker a = { .s = s };
    bool ok;
    int rc;

    rc = rgpu_bo_create(s->dev, 0x10000, RGPU_MAP_BATCH, &a.scratch);
    if (!rc)
        rc = rgpu_bo_create(s->dev, 0x4000, RGPU_MAP_BATCH, &a.bb);
    ok = rc == 0 || SCN_FAIL(s, "attacker BOs: %d", rc);
    if (ok) {
        if (s->wait_irq)
            rgpu_set_wait_mode(s->dev, RGPU_WAIT_IRQ);
        rgpu_irq_enable(s->dev, errs);
        rgpu_irq_ack(s->dev);
        ok = attack(&a);
        rgpu_irq_enable(s->dev, 0);
        rgpu_set_wait_mode(s->dev, RGPU_WAIT_POLL);
    }
    if (a.bb)
        rgpu_bo_destroy(s->dev, a.bb);
    if (a.scratch)
        rgpu_bo_destroy(s->dev, a.scratch);
    if (ok)
        scn_note(s, "%u attacks contained (error code, address and interrupt each; engine "
                 "reset, then verified work)", a.cases);
    return ok;
}
