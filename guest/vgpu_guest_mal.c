/*
 * vgpu_guest_mal.c - vgpu-guest's malicious scenario: the guest does what
 * a hostile driver would (forbidden registers and opcodes, addresses
 * outside its slice, PTEs naming frames it does not own, a ring tail past
 * the ring, writes to registers that do not exist) and checks, from the
 * inside, that each ends the documented way (docs/hw-spec.md): the engine
 * halts with the error code and address, the error interrupt arrives, a
 * RING_RESET recovers it and correct work runs again.  That the host and
 * the other guests were untouched is checked from outside (the flight's
 * backend log, the other guests' own runs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_guest.h"

#define RING_SIZE 4096u         /* vg_scn_map set up one-page rings */
#define BEYOND_RAM 0x1000000000ull      /* 64 GiB: no rig guest has memory there */

static u32 cases;

/* The engine just halted on an attack: the error interrupt, RING_STATUS,
 * RING_ERROR (and its address unless want_addr is ~0), then recovery. */
static bool expect_error(u32 e, u32 want_err, u32 want_addr, const char *what)
{
    struct rgpu_engine_state st;
    u32 got = 0;
    int rc;

    rc = rgpu_irq_wait(vg_dev, rgpu_irq_error_bit(e), VG_WAIT_NS, &got);
    CHECK(rc == 0, "%s: no error interrupt on engine %u: %d", what, e, rc);
    rgpu_engine_state(vg_dev, e, &st);
    CHECK(st.status & RGPU_RING_STATUS_ERROR, "%s: RING_STATUS 0x%x lacks the error bit", what,
          st.status);
    CHECK(st.error == want_err, "%s: RING_ERROR %u (%s), want %u (%s)", what, st.error,
          rgpu_err_name(st.error), want_err, rgpu_err_name(want_err));
    CHECK(want_addr == ~0u || st.error_addr == want_addr, "%s: RING_ERROR_ADDR 0x%x, want 0x%x",
          what, st.error_addr, want_addr);
    rc = rgpu_engine_reset(vg_dev, e);
    CHECK(rc == 0, "%s: engine reset: %d", what, rc);
    rgpu_engine_state(vg_dev, e, &st);
    CHECK(!(st.status & RGPU_RING_STATUS_ERROR) && st.error == RGPU_ERR_NONE,
          "%s: after RING_RESET status 0x%x error %u", what, st.status, st.error);
    cases++;
    return vg_valid_work(e, what);
}

/* Whole commands through the library: the submission is accepted, then
 * the device rejects it. */
static bool attack_cmds(u32 e, const u32 *cmds, u32 n, u32 want_err, u32 want_addr,
                        const char *what)
{
    u32 seqno;
    int rc;

    rc = rgpu_submit(vg_dev, e, cmds, n, &seqno);
    CHECK(rc == 0, "%s: submit: %d", what, rc);
    rc = vg_wait_seqno(e, seqno);
    CHECK(rc == -EIO, "%s: wait returned %d, want -EIO", what, rc);
    return expect_error(e, want_err, want_addr, what);
}

static bool atk_registers(void)
{
    u32 c1[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_IER, 0xffffffff };
    u32 c2[3] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2), RGPU_REG_SCRATCH(1), 1 };
    u32 ier = rgpu_read(vg_dev, RGPU_REG_IER);

    if (!attack_cmds(RGPU_ENGINE_RENDER, c1, 3, RGPU_ERR_REGISTER, RGPU_REG_IER, "LRI to IER"))
        return false;
    CHECK(rgpu_read(vg_dev, RGPU_REG_IER) == ier, "IER was written by the rejected LRI");
    return attack_cmds(RGPU_ENGINE_COPY, c2, 3, RGPU_ERR_OPCODE, ~0u, "LRI on the copy engine");
}

static bool atk_batches(void)
{
    const struct rgpu_info *info = rgpu_get_info(vg_dev);
    u32 out = info->gm_base + info->gm_size < (1ull << 32) ? (u32)(info->gm_base + info->gm_size)
                                                         : (u32)info->gm_base - 4096;
    u32 c[2] = { RGPU_CMD(RGPU_OP_BATCH_START, 1), out };
    struct rgpu_bo *bb = NULL;
    u32 *b;
    bool ok;

    if (!attack_cmds(RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_ADDRESS, out, "batch outside the slice"))
        return false;
    CHECK(rgpu_bo_create(vg_dev, 4096, RGPU_MAP_BATCH, &bb) == 0, "batch BO");
    b = bb->cpu;
    b[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);    /* calls itself */
    b[1] = bb->gfx;
    b[2] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    c[1] = bb->gfx + 2;
    ok = attack_cmds(RGPU_ENGINE_COPY, c, 2, RGPU_ERR_ADDRESS, c[1], "misaligned batch");
    c[1] = bb->gfx;
    ok = ok && attack_cmds(RGPU_ENGINE_RENDER, c, 2, RGPU_ERR_NESTING, ~0u,
                           "self-referencing batch");
    rgpu_bo_destroy(vg_dev, bb);
    return ok;
}

static bool atk_garbage(void)
{
    const struct rgpu_info *info = rgpu_get_info(vg_dev);
    u32 badop[2] = { 0x7f000000, 0 };
    u32 store_out[3] = { RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2), (u32)(info->gm_base + info->gm_size),
                         1 };
    int rc;

    if (info->gm_base + info->gm_size < (1ull << 32) &&
        !attack_cmds(RGPU_ENGINE_RENDER, store_out, 3, RGPU_ERR_ADDRESS, store_out[1],
                     "store past the slice"))
        return false;
    rc = rgpu_submit_raw(vg_dev, RGPU_ENGINE_COPY, badop, 2);
    CHECK(rc == 0, "raw submit: %d", rc);
    return expect_error(RGPU_ENGINE_COPY, RGPU_ERR_OPCODE, ~0u, "unknown opcode");
}

static bool atk_tail(void)
{
    const u32 tails[2] = { RING_SIZE + 0x100, 0xffffc };

    for (u32 i = 0; i < 2; i++) {
        u32 e = i ? RGPU_ENGINE_COPY : RGPU_ENGINE_RENDER;

        rgpu_write_tail(vg_dev, e, tails[i]);
        if (!expect_error(e, RGPU_ERR_RING, tails[i], "tail beyond the ring"))
            return false;
    }
    return true;
}

/* PTEs: one naming a frame far beyond guest memory (the device keeps it,
 * invalid, and work touching it faults), and PTEs outside the slice
 * (dropped: they read back 0). */
static bool atk_ptes(void)
{
    const struct rgpu_info *info = rgpu_get_info(vg_dev);
    u64 pte = BEYOND_RAM | RGPU_PTE_VALID;
    u32 p, applied = 0, cmd[8], outside = (u32)((info->gm_base + info->gm_size) >> 12);
    struct rgpu_cs cs;
    int rc;

    CHECK(rgpu_gm_alloc(vg_dev, 0x1000, &p) == 0, "gm_alloc");
    rc = rgpu_gtt_write_batch(vg_dev, p >> 12, &pte, 1, &applied);
    CHECK(rc == -EIO && applied == 1, "batched PTE to a frame outside memory: rc %d applied %u", rc,
          applied);
    rgpu_cs_init(&cs, cmd, 8);
    rgpu_cs_color_fill(&cs, p, 64, RGPU_BPP_32, 16, 4, 0x12345678);
    if (!attack_cmds(RGPU_ENGINE_RENDER, cs.buf, cs.len, RGPU_ERR_UNMAPPED, p,
                     "fill on a page whose frame is outside guest memory"))
        return false;
    if (info->gm_base + info->gm_size < (u64)RGPU_GTT_SIZE / 8 * 4096) {
        rgpu_gtt_write_pte(vg_dev, outside, pte);
        CHECK(rgpu_gtt_read_pte(vg_dev, outside) == 0, "PTE outside the slice reads back 0x%llx",
              (unsigned long long)rgpu_gtt_read_pte(vg_dev, outside));
        applied = 99;
        rc = rgpu_gtt_write_batch(vg_dev, outside, &pte, 1, &applied);
        CHECK(rc == -EIO && applied == 0, "batched PTE outside the slice: rc %d applied %u", rc,
              applied);
        cases++;
    }
    return true;
}

/* Registers that do not exist or are read-only: writes change nothing. */
static bool atk_mmio(void)
{
    static const u32 holes[] = { 0x7ffc, 0x20000, 0x7ffffc, 0xfffffc };
    u32 magic = rgpu_read(vg_dev, RGPU_PVINFO_BASE), id = rgpu_read(vg_dev, RGPU_REG_ID);

    for (u32 i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        rgpu_write(vg_dev, holes[i], 0xdeadbeef);
    rgpu_write(vg_dev, RGPU_PVINFO_BASE, ~magic);
    rgpu_write(vg_dev, RGPU_REG_ID, ~id);
    CHECK(rgpu_read(vg_dev, RGPU_PVINFO_BASE) == magic, "PV info magic was overwritten");
    CHECK(rgpu_read(vg_dev, RGPU_REG_ID) == id, "ID register was overwritten");
    for (u32 i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        CHECK(rgpu_read(vg_dev, holes[i]) != 0xdeadbeef, "hole 0x%x kept a write", holes[i]);
    cases++;
    return vg_valid_work(RGPU_ENGINE_COPY, "writes to holes and read-only registers");
}

bool vg_scn_malicious(void)
{
    const u32 errs = rgpu_irq_error_bit(RGPU_ENGINE_RENDER) | rgpu_irq_error_bit(RGPU_ENGINE_COPY);
    bool ok;

    cases = 0;
    if (vg_lx.uio_fd >= 0)
        rgpu_set_wait_mode(vg_dev, RGPU_WAIT_IRQ);
    rgpu_irq_enable(vg_dev, errs);
    rgpu_irq_ack(vg_dev);
    ok = atk_registers() && atk_batches() && atk_garbage() && atk_tail() && atk_ptes() &&
         atk_mmio();
    rgpu_irq_enable(vg_dev, 0);
    rgpu_set_wait_mode(vg_dev, RGPU_WAIT_POLL);
    if (ok)
        vg_note("%u attacks contained (error code, address and interrupt each; engine reset, "
                "then verified work)", cases);
    return ok;
}
