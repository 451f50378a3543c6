/*
 * sim_malicious.c - one attacker vGPU (guest 0) tries everything the
 * device model must contain, while every other vGPU runs verified normal
 * work from its own thread.  Each attack must end in the documented error
 * (interrupt, RING_ERROR, statistics), the attacker must be able to reset
 * its engine and do valid work again, the victims' results must stay
 * exact, and the process must survive.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MSI_CAP 0x50

struct victim {
    struct sim_guest *g;
    struct rgpu_bo *a, *b;
    u8 *aref, *bref;
    const int *stop;
    bool ok;
    u32 rounds;
};

struct attacker {
    struct sim_guest *g;
    struct sim_machine *m;
    struct rgpu_bo *scratch;    /* valid work goes here */
    struct rgpu_bo *bb;         /* batch buffers */
    u32 ring_size;
    u32 cases;
};

static void *victim_thread(void *arg)
{
    struct victim *vi = arg;

    vi->ok = true;
    do {
        vi->ok = sim_work_round(vi->g, vi->a, vi->aref, vi->b, vi->bref, vi->rounds);
        vi->rounds++;
    } while (vi->ok && !__atomic_load_n(vi->stop, __ATOMIC_ACQUIRE));
    return NULL;
}

/* Valid work after an attack: a fill into scratch, verified exact. */
static bool valid_work(struct attacker *a, u32 engine, const char *after)
{
    struct sim_guest *g = a->g;
    u8 *ref = malloc(a->scratch->size);
    u32 buf[16], off, pitch, w, h, color = sim_rand(g), bpp = sim_rand_range(g, 0, 2);
    struct rgpu_cs cs;
    bool ok;
    int rc;

    CHECK(g, ref != NULL, "out of memory");
    memcpy(ref, a->scratch->cpu, a->scratch->size);
    sim_rand_rect(g, a->scratch->size, bpp, 200, 30, &off, &pitch, &w, &h);
    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    rgpu_cs_color_fill(&cs, a->scratch->gfx + off, pitch, bpp, w, h, color);
    sim_ref_fill(ref, off, pitch, bpp, w, h, color);
    rc = sim_run(g, engine, &cs);
    ok = rc == 0 ? sim_compare(g, __LINE__, after, a->scratch->cpu, ref, a->scratch->size)
                 : sim_fail(g, __LINE__, "valid work after %s: %d", after, rc);
    free(ref);
    return ok;
}

/*
 * The attack on engine e was just submitted: expect the error interrupt,
 * the error registers (want_addr ~0: any), and a reject (or, with fault,
 * an execution fault) in the statistics; then reset and work again.
 */
static bool expect_error(struct attacker *a, u32 e, const struct vgpu_stats *s0, u32 want_err,
                         u32 want_addr, bool fault, const char *what)
{
    struct sim_guest *g = a->g;
    struct rgpu_engine_state st;
    struct vgpu_stats s1;
    u32 got = 0;
    int rc;

    rc = rgpu_irq_wait(g->dev, rgpu_irq_error_bit(e), SIM_WAIT_NS, &got);
    CHECK(g, rc == 0, "%s: no error interrupt on engine %u: %d", what, e, rc);
    rgpu_engine_state(g->dev, e, &st);
    CHECK(g, st.status & RGPU_RING_STATUS_ERROR, "%s: RING_STATUS 0x%x lacks the error bit", what,
          st.status);
    CHECK(g, st.error == want_err, "%s: RING_ERROR %u (%s), want %u (%s)", what, st.error,
          rgpu_err_name(st.error), want_err, rgpu_err_name(want_err));
    CHECK(g, want_addr == ~0u || st.error_addr == want_addr, "%s: RING_ERROR_ADDR 0x%x, want 0x%x",
          what, st.error_addr, want_addr);
    vgpu_get_stats(g->v, &s1);
    if (fault)
        CHECK(g, s1.faults > s0->faults, "%s: stats.faults did not advance", what);
    else
        CHECK(g, s1.rejects > s0->rejects, "%s: stats.rejects did not advance", what);
    CHECK(g, s1.resets > s0->resets, "%s: stats.resets did not advance", what);
    rc = rgpu_engine_reset(g->dev, e);
    CHECK(g, rc == 0, "%s: engine reset: %d", what, rc);
    rgpu_engine_state(g->dev, e, &st);
    CHECK(g, !(st.status & RGPU_RING_STATUS_ERROR) && st.error == RGPU_ERR_NONE,
          "%s: after RING_RESET status 0x%x error %u", what, st.status, st.error);
    a->cases++;
    return valid_work(a, e, what);
}

/* Submit cmds (whole commands) and expect the submission to fail. */
static bool attack_cmds(struct attacker *a, u32 e, const u32 *cmds, u32 n, u32 want_err,
                        u32 want_addr, const char *what)
{
    struct sim_guest *g = a->g;
    struct vgpu_stats s0;
    u32 seqno;
    int rc;

    vgpu_get_stats(g->v, &s0);
    rc = rgpu_submit(g->dev, e, cmds, n, &seqno);
    CHECK(g, rc == 0, "%s: submit: %d", what, rc);
    rc = rgpu_wait_seqno(g->dev, e, seqno, SIM_WAIT_NS);
    CHECK(g, rc == -EIO, "%s: wait returned %d, want -EIO", what, rc);
    return expect_error(a, e, &s0, want_err, want_addr, false, what);
}

/* Raw dwords into the ring (no framing, no epilogue). */
static bool attack_raw(struct attacker *a, u32 e, const u32 *dw, u32 n, u32 want_err,
                       u32 want_addr, const char *what)
{
    struct sim_guest *g = a->g;
    struct vgpu_stats s0;
    int rc;

    vgpu_get_stats(g->v, &s0);
    rc = rgpu_submit_raw(g->dev, e, dw, n);
    CHECK(g, rc == 0, "%s: raw submit: %d", what, rc);
    return expect_error(a, e, &s0, want_err, want_addr, false, what);
}

/* ------------------------------------------------------------ the attacks */
static bool atk_unmapped_frame(struct attacker *a)
{
    struct sim_guest *g = a->g;
    struct rgpu_dev *d = g->dev;
    const u64 beyond = (u64)g->host.mem_size + 0x1000000;     /* not guest memory */
    struct vgpu_stats s0, s1;
    u32 p, q, applied = 0, cmd[8];
    u64 pte = beyond | RGPU_PTE_VALID;
    struct rgpu_cs cs;
    int rc;

    CHECK_RC(g, rgpu_gm_alloc(d, 0x1000, &p));
    CHECK_RC(g, rgpu_gm_alloc(d, 0x1000, &q));
    vgpu_get_stats(g->v, &s0);
    rc = rgpu_gtt_write_batch(d, p >> 12, &pte, 1, &applied);
    CHECK(g, rc == -EIO && applied == 1, "batched PTE to a frame outside memory: rc %d applied %u",
          rc, applied);
    CHECK(g, rgpu_gtt_read_pte(d, p >> 12) == pte, "PTE read back 0x%llx",
          (unsigned long long)rgpu_gtt_read_pte(d, p >> 12));
    rgpu_gtt_write_pte(d, q >> 12, (beyond + 0x5000) | RGPU_PTE_VALID);
    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.bad_accesses >= s0.bad_accesses + 2, "bad_accesses %llu -> %llu",
          (unsigned long long)s0.bad_accesses, (unsigned long long)s1.bad_accesses);

    rgpu_cs_init(&cs, cmd, OS_ARRAY_SIZE(cmd));
    rgpu_cs_color_fill(&cs, p, 64, RGPU_BPP_32, 16, 4, 0x12345678);
    if (!attack_cmds(a, RGPU_ENGINE_RENDER, cs.buf, cs.len, RGPU_ERR_UNMAPPED, p,
                     "fill on a page whose frame is outside guest memory (batched PTE)"))
        return false;
    rgpu_cs_init(&cs, cmd, OS_ARRAY_SIZE(cmd));
    rgpu_cs_src_copy(&cs, a->scratch->gfx, 64, RGPU_BPP_32, 16, 4, q, 64);
    return attack_cmds(a, RGPU_ENGINE_COPY, cs.buf, cs.len, RGPU_ERR_UNMAPPED, ~0u,
                       "copy from a page whose frame is outside guest memory (window PTE)");
}

static bool atk_pte_outside_slice(struct attacker *a)
{
    struct sim_guest *g = a->g;
    struct rgpu_dev *d = g->dev;
    const struct rgpu_info *info = rgpu_get_info(d);
    u32 targets[4], nt = 0, i, applied = 99;
    u64 pte = a->scratch->dma[0] | RGPU_PTE_VALID;
    struct vgpu_stats s0, s1;
    int rc;

    /* Just past the slice, just before it, and the first page of every
     * other vGPU's slice. */
    if (info->gm_base + info->gm_size < (u64)RGPU_GTT_SIZE / 8 * 4096)
        targets[nt++] = (u32)((info->gm_base + info->gm_size) >> 12);
    if (info->gm_base)
        targets[nt++] = (u32)(info->gm_base >> 12) - 1;
    for (i = 1; i < a->m->n && nt < OS_ARRAY_SIZE(targets); i++)
        targets[nt++] = (u32)(vgpu_gm_base(a->m->g[i].v) >> 12);
    vgpu_get_stats(g->v, &s0);
    for (i = 0; i < nt; i++) {
        rgpu_gtt_write_pte(d, targets[i], pte);
        CHECK(g, rgpu_gtt_read_pte(d, targets[i]) == 0, "PTE at index 0x%x outside the slice "
              "reads back 0x%llx", targets[i], (unsigned long long)rgpu_gtt_read_pte(d, targets[i]));
        rc = rgpu_gtt_write_batch(d, targets[i], &pte, 1, &applied);
        CHECK(g, rc == -EIO && applied == 0, "batched PTE outside the slice: rc %d applied %u",
              rc, applied);
    }
    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.bad_accesses >= s0.bad_accesses + 2 * nt, "bad_accesses did not count %u drops",
          2 * nt);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "PTEs outside the slice");
}

static bool atk_lri(struct attacker *a)
{
    u32 c1[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_IER, 0 };
    u32 c2[5] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 4), RGPU_REG_SCRATCH(0), 1,
                  RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER) + RGPU_RING_START, 0 };
    u32 c3[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_SCRATCH(1), 1 };

    return attack_cmds(a, RGPU_ENGINE_RENDER, c1, 3, RGPU_ERR_REGISTER, RGPU_REG_IER,
                       "LRI to IER") &&
           attack_cmds(a, RGPU_ENGINE_RENDER, c2, 5, RGPU_ERR_REGISTER,
                       RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER) + RGPU_RING_START,
                       "LRI to RING_START after a scratch register") &&
           attack_cmds(a, RGPU_ENGINE_COPY, c3, 3, RGPU_ERR_OPCODE, ~0u, "LRI on the copy engine");
}

static bool atk_batch_outside(struct attacker *a)
{
    const struct rgpu_info *info = rgpu_get_info(a->g->dev);
    /* Just past the slice (beyond the populated GTT for a whole-GPU
     * type), or just before it if the slice ends at 4 GiB. */
    u32 out = info->gm_base + info->gm_size < (1ull << 32) ? (u32)(info->gm_base + info->gm_size)
                                                         : (u32)info->gm_base - 4096;
    u32 c[2] = { RGPU_CMD(RGPU_OP_BATCH_START, 1), out };

    if (!attack_cmds(a, RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_ADDRESS, out, "batch outside the slice"))
        return false;
    if (a->m->n > 1) {
        c[1] = (u32)vgpu_gm_base(a->m->g[1].v);
        if (!attack_cmds(a, RGPU_ENGINE_COPY, c, 2, RGPU_ERR_ADDRESS, c[1],
                         "batch in another vGPU's slice"))
            return false;
    }
    c[1] = a->bb->gfx + 2;
    return attack_cmds(a, RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_ADDRESS, c[1], "misaligned batch");
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
    struct sim_guest *g = a->g;
    u32 tails[3] = { a->ring_size + 0x100, a->ring_size, 0xffffc }, i;
    struct vgpu_stats s0;

    for (i = 0; i < 3; i++) {
        u32 e = i & 1 ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;

        struct rgpu_engine_state st;

        vgpu_get_stats(g->v, &s0);
        rgpu_write_tail(g->dev, e, tails[i]);
        /* RING_RESET must leave a usable ring: HEAD a valid offset. */
        rgpu_write(g->dev, RGPU_ENGINE_BASE(e) + RGPU_RING_RESET, 1);
        rgpu_engine_state(g->dev, e, &st);
        CHECK(g, st.head < a->ring_size && st.head == st.tail,
              "after a tail of 0x%x and RING_RESET: HEAD 0x%x TAIL 0x%x", tails[i], st.head,
              st.tail);
        /* The error registers were cleared by that reset: provoke again
         * for the full check. */
        rgpu_write_tail(g->dev, e, tails[i]);
        if (!expect_error(a, e, &s0, RGPU_ERR_RING, tails[i], false, "tail beyond the ring"))
            return false;
    }
    return true;
}

static bool atk_garbage(struct attacker *a)
{
    struct sim_guest *g = a->g;
    const struct rgpu_info *info = rgpu_get_info(g->dev);
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
    u32 rnd[64], i, k, rejected = 0, accepted = 0;
    struct vgpu_stats s0, s1;

    if (!attack_raw(a, RGPU_ENGINE_RENDER, fill_len3, 4, RGPU_ERR_LENGTH, ~0u, "COLOR_FILL len 3") ||
        !attack_raw(a, RGPU_ENGINE_COPY, mbz, 1, RGPU_ERR_LENGTH, ~0u, "bits 23:12 set") ||
        !attack_raw(a, RGPU_ENGINE_RENDER, past_tail, 2, RGPU_ERR_LENGTH, ~0u,
                    "command running past the tail") ||
        !attack_raw(a, RGPU_ENGINE_COPY, bend, 1, RGPU_ERR_BATCH_END, ~0u, "BATCH_END in the ring") ||
        !attack_raw(a, RGPU_ENGINE_RENDER, badop, 1, RGPU_ERR_OPCODE, ~0u, "unknown opcode") ||
        !attack_raw(a, RGPU_ENGINE_COPY, huge, 1, RGPU_ERR_LENGTH, ~0u, "LEN 4095") ||
        !attack_cmds(a, RGPU_ENGINE_RENDER, store_out, 3, RGPU_ERR_ADDRESS, end,
                     "store past the slice") ||
        !attack_cmds(a, RGPU_ENGINE_COPY, store_mis, 3, RGPU_ERR_ADDRESS, s + 2,
                     "misaligned store") ||
        !attack_cmds(a, RGPU_ENGINE_RENDER, fill_over, 5, RGPU_ERR_ADDRESS, ~0u,
                     "fill running off the slice end") ||
        !attack_cmds(a, RGPU_ENGINE_COPY, fill_pitch, 5, RGPU_ERR_ADDRESS, ~0u, "pitch < width") ||
        !attack_cmds(a, RGPU_ENGINE_RENDER, fill_bpp, 5, RGPU_ERR_ADDRESS, ~0u, "bpp 3"))
        return false;

    /* Random dwords.  STORE_DATA_INDEX is left out: a random one could
     * legitimately overwrite the attacker's own seqno and confuse only its
     * own later waits. */
    vgpu_get_stats(g->v, &s0);
    for (i = 0; i < 64; i++) {
        u32 n = sim_rand_range(g, 1, OS_ARRAY_SIZE(rnd)), e = i & 1, got;
        struct rgpu_engine_state st;
        u64 deadline;
        int rc;

        for (k = 0; k < n; k++) {
            rnd[k] = sim_rand(g);
            if (k == 0 || sim_rand(g) % 4 == 0)     /* plausible opcodes, random lengths */
                rnd[k] = (sim_rand_range(g, 0, 0x12) << 24) | (rnd[k] & (sim_rand(g) % 2 ? 0xfff : 0x7));
            if (RGPU_CMD_OPCODE(rnd[k]) == RGPU_OP_STORE_DATA_INDEX)
                rnd[k] ^= 0x7a000000;
        }
        rc = rgpu_submit_raw(g->dev, e, rnd, n);
        CHECK(g, rc == 0, "random submission %u: %d", i, rc);
        /* Either rejected/faulted (error interrupt) or executed (idle). */
        deadline = sim_now_ns() + SIM_WAIT_NS;
        for (;;) {
            rgpu_engine_state(g->dev, e, &st);
            if ((st.status & RGPU_RING_STATUS_ERROR) || (st.status & RGPU_RING_STATUS_IDLE))
                break;
            CHECK(g, sim_now_ns() < deadline, "random submission %u never finished", i);
            sim_sleep_ns(20000);
        }
        if (st.status & RGPU_RING_STATUS_ERROR) {
            rejected++;
            CHECK(g, rgpu_irq_wait(g->dev, rgpu_irq_error_bit(e), SIM_WAIT_NS, &got) == 0,
                  "random submission %u: error without interrupt", i);
        } else {
            accepted++;
        }
        CHECK_RC(g, rgpu_engine_reset(g->dev, e));
    }
    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.rejects + s1.faults - s0.rejects - s0.faults >= rejected,
          "stats: %llu rejects/faults for %u observed errors",
          (unsigned long long)(s1.rejects + s1.faults - s0.rejects - s0.faults), rejected);
    CHECK(g, rejected >= 32, "only %u of 64 random submissions rejected", rejected);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "random dwords") &&
           valid_work(a, RGPU_ENGINE_COPY, "random dwords");
}

static bool atk_too_long(struct attacker *a)
{
    struct sim_guest *g = a->g;
    struct rgpu_bo *big;
    u32 *b, *l1 = a->bb->cpu, i, c[2];
    bool ok;
    int rc;

    /* 256 Ki NOOPs called 5 times from a level-1 batch: 1.25 Mi dwords. */
    rc = rgpu_bo_create(g->dev, 1u << 20, RGPU_MAP_BATCH, &big);
    CHECK(g, rc == 0, "1 MiB batch: %d", rc);
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
    rgpu_bo_destroy(g->dev, big);
    return ok;
}

#define STORM_PER_BATCH (0x4000 / 4 - 1)       /* USER_INTERRUPTs filling the 16 KiB bb */
#define STORM_SUBMITS 8                         /* of 5 batch calls each */
#define STORM_TOTAL (STORM_SUBMITS * 5 * STORM_PER_BATCH)

static bool atk_storm(struct attacker *a)
{
    struct sim_guest *g = a->g;
    struct rgpu_dev *d = g->dev;
    u32 *b = a->bb->cpu, i, c[10], seqno, acks = 0;
    struct vgpu_stats s0, s1;
    u8 cfg[4];
    u64 deadline;
    int rc;

    /* MSI on, every interrupt enabled, and the handler acknowledging as
     * fast as it can: each acknowledge may produce another message. */
    cfg[0] = 0x00; cfg[1] = 0xe0; cfg[2] = 0xee; cfg[3] = 0xfe;     /* 0xfeee0000 */
    vgpu_region_write(g->v, VGPU_REGION_CONFIG, MSI_CAP + 4, cfg, 4);
    cfg[0] = 0x41; cfg[1] = 0x00;
    vgpu_region_write(g->v, VGPU_REGION_CONFIG, MSI_CAP + 0xc, cfg, 2);
    cfg[0] = 0x01; cfg[1] = 0x00;
    vgpu_region_write(g->v, VGPU_REGION_CONFIG, MSI_CAP + 2, cfg, 2);
    rgpu_irq_enable(d, RGPU_IRQ_VALID_MASK);

    for (i = 0; i < STORM_PER_BATCH; i++)
        b[i] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    b[i] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    for (i = 0; i < 5; i++) {
        c[2 * i] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
        c[2 * i + 1] = a->bb->gfx;
    }
    vgpu_get_stats(g->v, &s0);
    for (i = 0; i < STORM_SUBMITS; i++) {
        rc = rgpu_submit(d, i & 1, c, 10, &seqno);
        CHECK(g, rc == 0, "storm submit: %d", rc);
    }
    deadline = sim_now_ns() + SIM_WAIT_NS;
    while (rgpu_hws_seqno(d, RGPU_ENGINE_RENDER) != rgpu_last_seqno(d, RGPU_ENGINE_RENDER) ||
           rgpu_hws_seqno(d, RGPU_ENGINE_COPY) != rgpu_last_seqno(d, RGPU_ENGINE_COPY)) {
        CHECK(g, sim_now_ns() < deadline, "storm did not finish");
        if (rgpu_irq_ack(d))
            acks++;
    }
    /* The seqno is written by the ring's last commands; the engine accounts
     * the workload (commands executed) when it completes, a moment later. */
    for (i = 0; i < RGPU_NUM_ENGINES; i++) {
        rc = rgpu_wait_idle(d, i, SIM_WAIT_NS);
        CHECK(g, rc == 0, "storm: engine %u not idle: %d", i, rc);
    }
    vgpu_get_stats(g->v, &s1);
    CHECK(g, s1.commands - s0.commands >= STORM_TOTAL, "storm executed %llu commands",
          (unsigned long long)(s1.commands - s0.commands));
    CHECK(g, s1.interrupts > s0.interrupts, "storm delivered no interrupt");
    rgpu_irq_ack(d);
    sim_note(a->m, "storm: %u user interrupts, %llu MSIs delivered, %u acks;", STORM_TOTAL,
             (unsigned long long)(s1.interrupts - s0.interrupts), acks);
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "interrupt storm") &&
           valid_work(a, RGPU_ENGINE_COPY, "interrupt storm");
}

static bool atk_device_reset(struct attacker *a)
{
    struct sim_guest *g = a->g;

    /* The attacker resets its whole device (GTT kept): only it notices. */
    CHECK_RC(g, rgpu_device_reset(g->dev));
    a->cases++;
    return valid_work(a, RGPU_ENGINE_RENDER, "device reset") &&
           valid_work(a, RGPU_ENGINE_COPY, "device reset");
}

/* ------------------------------------------------------------ scenario */
static bool attack(struct attacker *a)
{
    static bool (*const attacks[])(struct attacker *) = {
        atk_unmapped_frame, atk_pte_outside_slice, atk_lri, atk_batch_outside, atk_self_batch,
        atk_tail, atk_garbage, atk_too_long, atk_storm, atk_device_reset,
    };
    unsigned int i;

    for (i = 0; i < OS_ARRAY_SIZE(attacks); i++)
        if (!attacks[i](a))
            return false;
    return true;
}

bool sim_scn_malicious(struct sim_machine *m)
{
    struct victim vi[SIM_MAX_VGPUS];
    pthread_t th[SIM_MAX_VGPUS];
    bool started[SIM_MAX_VGPUS] = { false }, ok = true;
    struct attacker a;
    struct vgpu_stats st;
    int stop = 0, rc;
    unsigned int i;
    u32 min_rounds = ~0u;

    memset(vi, 0, sizeof(vi));
    memset(&a, 0, sizeof(a));
    a.g = &m->g[0];
    a.m = m;
    a.ring_size = 4 * 4096;
    rc = rgpu_bo_create(a.g->dev, 0x10000, RGPU_MAP_BATCH, &a.scratch);
    if (!rc)
        rc = rgpu_bo_create(a.g->dev, 0x4000, RGPU_MAP_BATCH, &a.bb);
    if (rc)
        ok = sim_fail(a.g, __LINE__, "attacker BOs: %d", rc);

    for (i = 1; ok && i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        vi[i].g = g;
        vi[i].stop = &stop;
        if (rgpu_bo_create(g->dev, 0x10000, RGPU_MAP_BATCH, &vi[i].a) ||
            rgpu_bo_create(g->dev, 0x10000, RGPU_MAP_BATCH, &vi[i].b) ||
            !(vi[i].aref = calloc(1, 0x10000)) || !(vi[i].bref = calloc(1, 0x10000))) {
            ok = sim_fail(g, __LINE__, "victim setup failed");
            break;
        }
        started[i] = pthread_create(&th[i], NULL, victim_thread, &vi[i]) == 0;
        if (!started[i])
            ok = sim_fail(g, __LINE__, "pthread_create failed");
    }
    if (ok)
        ok = attack(&a);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 1; i < m->n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        if (started[i] && ok) {
            ok = vi[i].ok && sim_untouched(vi[i].g);
            if (vi[i].rounds < min_rounds)
                min_rounds = vi[i].rounds;
        }
    }
    /* The victims never saw an error of their own. */
    for (i = 1; ok && i < m->n; i++) {
        vgpu_get_stats(m->g[i].v, &st);
        ok = st.rejects == 0 && st.faults == 0;
        if (!ok)
            sim_fail(&m->g[i], __LINE__, "victim has %llu rejects, %llu faults",
                     (unsigned long long)st.rejects, (unsigned long long)st.faults);
    }
    if (ok)
        ok = sim_untouched(a.g);
    for (i = 1; i < m->n; i++) {
        rgpu_bo_destroy(m->g[i].dev, vi[i].b);
        rgpu_bo_destroy(m->g[i].dev, vi[i].a);
        free(vi[i].aref);
        free(vi[i].bref);
    }
    rgpu_bo_destroy(a.g->dev, a.bb);
    rgpu_bo_destroy(a.g->dev, a.scratch);
    if (ok) {
        vgpu_get_stats(a.g->v, &st);
        sim_note(m, "%u attacks contained (attacker: %llu rejects, %llu faults, %llu resets, "
                 "%llu bad accesses); %u victim%s, >= %u verified rounds each", a.cases,
                 (unsigned long long)st.rejects, (unsigned long long)st.faults,
                 (unsigned long long)st.resets, (unsigned long long)st.bad_accesses, m->n - 1,
                 m->n == 2 ? "" : "s", m->n > 1 ? min_rounds : 0);
    }
    return ok;
}
