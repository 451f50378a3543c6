/*
 * test_scan.c - the command scanner, table-driven: every opcode with its
 * right and wrong lengths, MBZ bits, the LRI whitelist, address checks of
 * each command, batches and nesting, ring wrap/tail/size rules, the
 * total-dwords bound, and the private copy it hands to the engine.
 */
#include <stdio.h>
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE
#define MAXDW 40

static struct mech_env env;
static struct vgpu *V;
static u32 B;                   /* gm_base of V */

static void setup(void)
{
    struct mech_opts o = { .nr = 2 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    V = env.v[0];
    B = (u32)V->gm_base;
    vgpu_vreg(V, RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER) + RGPU_RING_HWS) = B + L_HWS_RENDER;
    vgpu_vreg(V, RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_HWS) = B + L_HWS_COPY;
}

/* Scan a host buffer; returns the error; *len (if given) = workload dwords. */
static u32 scan_buf(u32 engine, const u32 *dw, u32 n, u32 *err_addr, u32 *out, u32 *len)
{
    struct vgpu_scan_result res;
    struct vgpu_workload *w;

    memset(&res, 0xa5, sizeof(res));
    os_mutex_lock(V->lock);
    w = vgpu_scan_buffer(V, engine, dw, n, &res);
    os_mutex_unlock(V->lock);
    CU_ASSERT((w != NULL) == (res.error == RGPU_ERR_NONE));
    if (err_addr)
        *err_addr = res.error_addr;
    if (w) {
        if (len)
            *len = w->len;
        if (out && w->len)
            memcpy(out, w->dwords, w->len * 4);
        CU_ASSERT_EQUAL(w->engine, engine);
        CU_ASSERT_EQUAL(w->gm_lo, V->gm_base);
        CU_ASSERT_EQUAL(w->gm_hi, V->gm_base + V->gm_size);
        CU_ASSERT_EQUAL(w->pos, 0);
        vgpu_workload_free(w);
    }
    return res.error;
}

struct scase {
    const char *name;
    u32 engine;
    u32 n;
    u32 dw[MAXDW];
    u32 err;
    u32 out_len;                /* workload dwords when accepted */
};

#define R RGPU_ENGINE_RENDER
#define C RGPU_ENGINE_COPY
#define OP(op, len) RGPU_CMD(RGPU_OP_##op, len)
#define SCR(n) RGPU_REG_SCRATCH(n)

static void run_cases(const struct scase *t, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        u32 len = ~0u, err = scan_buf(t[i].engine, t[i].dw, t[i].n, NULL, NULL, &len);

        if (err != t[i].err || (err == 0 && len != t[i].out_len)) {
            char msg[160];

            snprintf(msg, sizeof(msg), "scan case '%s': error %u (want %u), len %u (want %u)",
                     t[i].name, err, t[i].err, len, t[i].out_len);
            CU_FAIL(msg);
        } else {
            CU_PASS(t[i].name);
        }
    }
}

static void test_opcode_lengths(void)
{
    setup();

    u32 D = B + L_DATA;
    const struct scase t[] = {
        { "empty", R, 0, { 0 }, 0, 0 },
        { "noop", R, 1, { OP(NOOP, 0) }, 0, 0 },
        { "noop len1", R, 2, { OP(NOOP, 1), 0 }, RGPU_ERR_LENGTH, 0 },
        { "bb in host buffer", R, 2, { OP(BATCH_START, 1), D }, RGPU_ERR_OPCODE, 0 },
        { "bb len2", R, 3, { OP(BATCH_START, 2), D, 0 }, RGPU_ERR_LENGTH, 0 },
        { "bb len0", R, 1, { OP(BATCH_START, 0) }, RGPU_ERR_LENGTH, 0 },
        { "be at top", R, 1, { OP(BATCH_END, 0) }, RGPU_ERR_BATCH_END, 0 },
        { "be len1", R, 2, { OP(BATCH_END, 1), 0 }, RGPU_ERR_LENGTH, 0 },
        { "sdi", R, 3, { OP(STORE_DATA_IMM, 2), D, 7 }, 0, 3 },
        { "sdi copy", C, 3, { OP(STORE_DATA_IMM, 2), D, 7 }, 0, 3 },
        { "sdi len1", R, 2, { OP(STORE_DATA_IMM, 1), D }, RGPU_ERR_LENGTH, 0 },
        { "sdi len3", R, 4, { OP(STORE_DATA_IMM, 3), D, 7, 0 }, RGPU_ERR_LENGTH, 0 },
        { "sdx", R, 3, { OP(STORE_DATA_INDEX, 2), 0, 7 }, 0, 3 },
        { "sdx copy", C, 3, { OP(STORE_DATA_INDEX, 2), 4092, 7 }, 0, 3 },
        { "sdx len1", R, 2, { OP(STORE_DATA_INDEX, 1), 0 }, RGPU_ERR_LENGTH, 0 },
        { "sdx len3", R, 4, { OP(STORE_DATA_INDEX, 3), 0, 7, 0 }, RGPU_ERR_LENGTH, 0 },
        { "lri 1 pair", R, 3, { OP(LOAD_REG_IMM, 2), SCR(0), 1 }, 0, 3 },
        { "lri 4 pairs", R, 9, { OP(LOAD_REG_IMM, 8), SCR(0), 1, SCR(1), 2, SCR(2), 3,
                                 SCR(3), 4 }, 0, 9 },
        { "lri 16 pairs", R, 33, { OP(LOAD_REG_IMM, 32), SCR(0), 0, SCR(0), 0, SCR(0), 0,
                                   SCR(0), 0, SCR(0), 0, SCR(0), 0, SCR(0), 0, SCR(0), 0,
                                   SCR(0), 0, SCR(0), 0, SCR(0), 0, SCR(0), 0, SCR(0), 0,
                                   SCR(0), 0, SCR(0), 0, SCR(0), 0 }, 0, 33 },
        { "lri 17 pairs", R, 35, { OP(LOAD_REG_IMM, 34) }, RGPU_ERR_LENGTH, 0 },
        { "lri len0", R, 1, { OP(LOAD_REG_IMM, 0) }, RGPU_ERR_LENGTH, 0 },
        { "lri odd", R, 4, { OP(LOAD_REG_IMM, 3), SCR(0), 1, SCR(1) }, RGPU_ERR_LENGTH, 0 },
        { "user", R, 1, { OP(USER_INTERRUPT, 0) }, 0, 1 },
        { "user copy", C, 1, { OP(USER_INTERRUPT, 0) }, 0, 1 },
        { "user len1", R, 2, { OP(USER_INTERRUPT, 1), 0 }, RGPU_ERR_LENGTH, 0 },
        { "fill", R, 5, { OP(COLOR_FILL, 4), D, 256 | 2 << 16, 64 | 4 << 16, 1 }, 0, 5 },
        { "fill copy", C, 5, { OP(COLOR_FILL, 4), D, 256 | 2 << 16, 64 | 4 << 16, 1 }, 0, 5 },
        { "fill len3", R, 4, { OP(COLOR_FILL, 3), D, 256 | 2 << 16, 64 | 4 << 16 },
          RGPU_ERR_LENGTH, 0 },
        { "fill len5", R, 6, { OP(COLOR_FILL, 5), D, 256 | 2 << 16, 64 | 4 << 16, 1, 0 },
          RGPU_ERR_LENGTH, 0 },
        { "copy", R, 6, { OP(SRC_COPY, 5), D, 256 | 2 << 16, 64 | 4 << 16, D + PG, 256 }, 0, 6 },
        { "copy copy", C, 6, { OP(SRC_COPY, 5), D, 256 | 2 << 16, 64 | 4 << 16, D + PG, 256 },
          0, 6 },
        { "copy len4", R, 5, { OP(SRC_COPY, 4), D, 256 | 2 << 16, 64 | 4 << 16, D + PG },
          RGPU_ERR_LENGTH, 0 },
        { "copy len6", R, 7, { OP(SRC_COPY, 6), D, 256 | 2 << 16, 64 | 4 << 16, D + PG, 256, 0 },
          RGPU_ERR_LENGTH, 0 },
        { "unknown 0x07", R, 1, { RGPU_CMD(0x07, 0) }, RGPU_ERR_OPCODE, 0 },
        { "unknown 0x12", R, 3, { RGPU_CMD(0x12, 2), 0, 0 }, RGPU_ERR_OPCODE, 0 },
        { "unknown 0xff", R, 1, { RGPU_CMD(0xff, 0) }, RGPU_ERR_OPCODE, 0 },
        { "unknown long", R, 1, { RGPU_CMD(0x7f, 0xfff) }, RGPU_ERR_OPCODE, 0 },
        { "noop huge len", R, 1, { RGPU_CMD(RGPU_OP_NOOP, 0xfff) }, RGPU_ERR_LENGTH, 0 },
        { "mbz bit 12", R, 1, { OP(NOOP, 0) | 1u << 12 }, RGPU_ERR_LENGTH, 0 },
        { "mbz bit 23 sdi", R, 3, { OP(STORE_DATA_IMM, 2) | 1u << 23, D, 7 }, RGPU_ERR_LENGTH, 0 },
        { "mbz user", R, 1, { OP(USER_INTERRUPT, 0) | 0x00800000 }, RGPU_ERR_LENGTH, 0 },
        { "truncated sdi", R, 2, { OP(STORE_DATA_IMM, 2), D }, RGPU_ERR_LENGTH, 0 },
        { "truncated fill", R, 4, { OP(COLOR_FILL, 4), D, 256 | 2 << 16, 64 | 4 << 16 },
          RGPU_ERR_LENGTH, 0 },
        { "sequence", R, 12, { OP(NOOP, 0), OP(STORE_DATA_IMM, 2), D, 1, OP(NOOP, 0),
                               OP(USER_INTERRUPT, 0), OP(LOAD_REG_IMM, 2), SCR(3), 5,
                               OP(STORE_DATA_INDEX, 2), 8, 9 }, 0, 10 },
        { "error after good", R, 5, { OP(STORE_DATA_IMM, 2), D, 1, OP(NOOP, 0),
                                      RGPU_CMD(0x20, 0) }, RGPU_ERR_OPCODE, 0 },
    };

    run_cases(t, OS_ARRAY_SIZE(t));
    mech_teardown(&env);
}

static void test_lri_whitelist(void)
{
    setup();

    const struct scase t[] = {
        { "scratch0", R, 3, { OP(LOAD_REG_IMM, 2), SCR(0), 1 }, 0, 3 },
        { "scratch3", R, 3, { OP(LOAD_REG_IMM, 2), SCR(3), 1 }, 0, 3 },
        { "scratch misaligned", R, 3, { OP(LOAD_REG_IMM, 2), SCR(0) + 2, 1 },
          RGPU_ERR_REGISTER, 0 },
        { "below scratch", R, 3, { OP(LOAD_REG_IMM, 2), SCR(0) - 4, 1 }, RGPU_ERR_REGISTER, 0 },
        { "timestamp", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_TIMESTAMP, 1 }, RGPU_ERR_REGISTER, 0 },
        { "ier", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_IER, ~0u }, RGPU_ERR_REGISTER, 0 },
        { "imr", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_IMR, 0 }, RGPU_ERR_REGISTER, 0 },
        { "iir", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_IIR, ~0u }, RGPU_ERR_REGISTER, 0 },
        { "gtt batch ctl", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_GTT_BATCH_CTL, 1 },
          RGPU_ERR_REGISTER, 0 },
        { "gtt batch addr", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_GTT_BATCH_ADDR_LO, 0 },
          RGPU_ERR_REGISTER, 0 },
        { "ring tail", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_ENGINE_BASE(0) + RGPU_RING_TAIL, 0 },
          RGPU_ERR_REGISTER, 0 },
        { "ring start copy", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_ENGINE_BASE(1) + RGPU_RING_START,
                                     0 }, RGPU_ERR_REGISTER, 0 },
        { "gfx reset", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_REG_GFX_RESET, 1 }, RGPU_ERR_REGISTER, 0 },
        { "plane surf", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_PLANE_SURF, 0 }, RGPU_ERR_REGISTER, 0 },
        { "gtt window", R, 3, { OP(LOAD_REG_IMM, 2), RGPU_GTT_BASE, 1 }, RGPU_ERR_REGISTER, 0 },
        { "huge reg", R, 3, { OP(LOAD_REG_IMM, 2), 0xfffffff0u, 1 }, RGPU_ERR_REGISTER, 0 },
        { "second pair bad", R, 5, { OP(LOAD_REG_IMM, 4), SCR(1), 1, RGPU_REG_IER, 1 },
          RGPU_ERR_REGISTER, 0 },
        { "on copy engine", C, 3, { OP(LOAD_REG_IMM, 2), SCR(0), 1 }, RGPU_ERR_OPCODE, 0 },
        { "odd pair count", R, 6, { OP(LOAD_REG_IMM, 5), SCR(0), 1, SCR(1), 2, SCR(2) },
          RGPU_ERR_LENGTH, 0 },
    };
    u32 dw[] = { OP(LOAD_REG_IMM, 4), SCR(1), 1, RGPU_REG_IER, 1 }, addr;

    run_cases(t, OS_ARRAY_SIZE(t));
    /* ERROR_ADDR names the offending register. */
    CU_ASSERT_EQUAL(scan_buf(R, dw, 5, &addr, NULL, NULL), RGPU_ERR_REGISTER);
    CU_ASSERT_EQUAL(addr, RGPU_REG_IER);
    for (u32 r = 0; r < 0x4000; r += 4)
        CU_ASSERT_EQUAL(vgpu_lri_allowed(r), r >= SCR(0) && r <= SCR(3));
    mech_teardown(&env);
}

static void test_store_addresses(void)
{
    setup();

    u32 D = B + L_DATA, END = (u32)(V->gm_base + V->gm_size);
    u32 OTHER = (u32)env.v[1]->gm_base, UNM = B + 300 * PG;
    const struct scase t[] = {
        { "sdi first dword", R, 3, { OP(STORE_DATA_IMM, 2), B, 7 }, 0, 3 },
        { "sdi last mapped", R, 3, { OP(STORE_DATA_IMM, 2), B + 256 * PG - 4, 7 }, 0, 3 },
        { "sdi misaligned", R, 3, { OP(STORE_DATA_IMM, 2), D + 2, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdi misaligned 1", R, 3, { OP(STORE_DATA_IMM, 2), D + 1, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdi unmapped", R, 3, { OP(STORE_DATA_IMM, 2), UNM, 7 }, RGPU_ERR_UNMAPPED, 0 },
        { "sdi slice end", R, 3, { OP(STORE_DATA_IMM, 2), END - 4, 7 }, RGPU_ERR_UNMAPPED, 0 },
        { "sdi past slice", R, 3, { OP(STORE_DATA_IMM, 2), END, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdi other vgpu", R, 3, { OP(STORE_DATA_IMM, 2), OTHER, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdi top", R, 3, { OP(STORE_DATA_IMM, 2), 0xfffffffc, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdx 4092", R, 3, { OP(STORE_DATA_INDEX, 2), 4092, 7 }, 0, 3 },
        { "sdx 4096", R, 3, { OP(STORE_DATA_INDEX, 2), 4096, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdx huge", R, 3, { OP(STORE_DATA_INDEX, 2), 0xfffffffc, 7 }, RGPU_ERR_ADDRESS, 0 },
        { "sdx misaligned", R, 3, { OP(STORE_DATA_INDEX, 2), 6, 7 }, RGPU_ERR_ADDRESS, 0 },
    };
    u32 sdx[] = { OP(STORE_DATA_INDEX, 2), 0, 7 }, sdi[] = { OP(STORE_DATA_IMM, 2), UNM + 8, 1 };
    u32 addr;

    run_cases(t, OS_ARRAY_SIZE(t));
    CU_ASSERT_EQUAL(scan_buf(R, sdi, 3, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(addr, UNM);
    /* HWS unmapped / outside the slice / of the other engine. */
    ewr(V, R, RGPU_RING_HWS, UNM);
    ewr(V, C, RGPU_RING_HWS, UNM + PG);
    CU_ASSERT_EQUAL(scan_buf(R, sdx, 3, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(addr, UNM);
    CU_ASSERT_EQUAL(scan_buf(C, sdx, 3, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(addr, UNM + PG);
    ewr(V, R, RGPU_RING_HWS, OTHER);
    CU_ASSERT_EQUAL(scan_buf(R, sdx, 3, NULL, NULL, NULL), RGPU_ERR_ADDRESS);
    ewr(V, R, RGPU_RING_HWS, B + L_HWS_RENDER);
    ewr(V, C, RGPU_RING_HWS, B + L_HWS_COPY);
    CU_ASSERT_EQUAL(scan_buf(R, sdx, 3, NULL, NULL, NULL), RGPU_ERR_NONE);
    CU_ASSERT_EQUAL(scan_buf(C, sdx, 3, NULL, NULL, NULL), RGPU_ERR_NONE);
    mech_teardown(&env);
}

static void test_rect_checks(void)
{
    setup();

    u32 D = B + L_DATA, END = (u32)(V->gm_base + V->gm_size), MID = B + 100 * PG;
    const struct scase t[] = {
        { "fill 8bpp", R, 5, { OP(COLOR_FILL, 4), D + 1, 100 | 0 << 16, 100 | 3 << 16, 1 }, 0, 5 },
        { "fill 16bpp", R, 5, { OP(COLOR_FILL, 4), D + 2, 200 | 1 << 16, 100 | 3 << 16, 1 }, 0, 5 },
        { "fill 32bpp", R, 5, { OP(COLOR_FILL, 4), D, 400 | 2 << 16, 100 | 3 << 16, 1 }, 0, 5 },
        { "fill 16bpp misaligned", R, 5, { OP(COLOR_FILL, 4), D + 1, 200 | 1 << 16,
                                           100 | 3 << 16, 1 }, RGPU_ERR_ADDRESS, 0 },
        { "fill 32bpp misaligned", R, 5, { OP(COLOR_FILL, 4), D + 2, 400 | 2 << 16,
                                           100 | 3 << 16, 1 }, RGPU_ERR_ADDRESS, 0 },
        { "fill width 0", R, 5, { OP(COLOR_FILL, 4), D, 400 | 2 << 16, 0 | 3 << 16, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill height 0", R, 5, { OP(COLOR_FILL, 4), D, 400 | 2 << 16, 100, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill pitch < w*Bpp", R, 5, { OP(COLOR_FILL, 4), D, 399 | 2 << 16, 100 | 3 << 16, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill pitch == w*Bpp", R, 5, { OP(COLOR_FILL, 4), D, 400 | 2 << 16, 100 | 3 << 16, 1 },
          0, 5 },
        { "fill pitch 0", R, 5, { OP(COLOR_FILL, 4), D, 0 | 2 << 16, 1 | 1 << 16, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill bpp 3", R, 5, { OP(COLOR_FILL, 4), D, 800 | 3 << 16, 100 | 3 << 16, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill bpp garbage", R, 5, { OP(COLOR_FILL, 4), D, 800 | 0x8000u << 16, 1 | 1 << 16, 1 },
          RGPU_ERR_ADDRESS, 0 },
        { "fill crosses slice end", R, 5, { OP(COLOR_FILL, 4), END - 2 * PG, 4096 | 2 << 16,
                                            1024 | 3 << 16, 1 }, RGPU_ERR_ADDRESS, 0 },
        { "fill last row ends at slice end", R, 5, { OP(COLOR_FILL, 4), END - 4096,
                                                     4096 | 2 << 16, 1024 | 1 << 16, 1 },
          RGPU_ERR_UNMAPPED, 0 },     /* inside, but those pages are not mapped */
        { "fill unmapped middle", R, 5, { OP(COLOR_FILL, 4), MID - PG, 4096 | 2 << 16,
                                          1024 | 3 << 16, 1 }, RGPU_ERR_UNMAPPED, 0 },
        { "fill max geometry outside", R, 5, { OP(COLOR_FILL, 4), D, 0xffff | 0 << 16,
                                               0xffff | 0xffffu << 16, 1 }, RGPU_ERR_ADDRESS, 0 },
        { "copy ok", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16, D + PG, 128 }, 0, 6 },
        { "copy src pitch < w", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16, D + PG,
                                        63 }, RGPU_ERR_ADDRESS, 0 },
        { "copy src pitch high bits", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16,
                                              D + PG, 64 | 1 << 16 }, RGPU_ERR_ADDRESS, 0 },
        { "copy src outside", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16, END, 64 },
          RGPU_ERR_ADDRESS, 0 },
        { "copy src other vgpu", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16,
                                         (u32)env.v[1]->gm_base, 64 }, RGPU_ERR_ADDRESS, 0 },
        { "copy src unmapped", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 16 | 16 << 16,
                                       MID, 64 }, RGPU_ERR_UNMAPPED, 0 },
        { "copy dst outside", R, 6, { OP(SRC_COPY, 5), END - 4, 64 | 2 << 16, 16 | 16 << 16, D,
                                      64 }, RGPU_ERR_ADDRESS, 0 },
        { "copy width 0", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 0 | 16 << 16, D + PG, 64 },
          RGPU_ERR_ADDRESS, 0 },
        { "copy bpp 3", R, 6, { OP(SRC_COPY, 5), D, 64 | 3 << 16, 1 | 1 << 16, D + PG, 64 },
          RGPU_ERR_ADDRESS, 0 },
        { "copy src misaligned", R, 6, { OP(SRC_COPY, 5), D, 64 | 2 << 16, 1 | 1 << 16,
                                         D + PG + 1, 64 }, RGPU_ERR_ADDRESS, 0 },
    };
    u32 fill[] = { OP(COLOR_FILL, 4), MID - PG, 4096 | 2 << 16, 1024 | 3 << 16, 1 }, addr;

    /* Page MID is inside the mapped run: punch a hole there. */
    gtt_set(V, MID, 0);
    run_cases(t, OS_ARRAY_SIZE(t));
    CU_ASSERT_EQUAL(scan_buf(R, fill, 5, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(addr, MID);
    gtt_set(V, MID, (u64)(MID - B) | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(scan_buf(R, fill, 5, NULL, NULL, NULL), RGPU_ERR_NONE);
    mech_teardown(&env);
}

/* Scan the render ring from head to r->tail. */
static u32 scan_ring(struct ring *r, u32 head, u32 *err_addr, u32 *out, u32 *len)
{
    struct vgpu_scan_result res;
    struct vgpu_workload *w;

    os_mutex_lock(V->lock);
    w = vgpu_scan_ring(V, r->engine, head, r->tail, &res);
    os_mutex_unlock(V->lock);
    CU_ASSERT((w != NULL) == (res.error == RGPU_ERR_NONE));
    if (err_addr)
        *err_addr = res.error_addr;
    if (w) {
        if (len)
            *len = w->len;
        if (out && w->len)
            memcpy(out, w->dwords, w->len * 4);
        vgpu_workload_free(w);
    }
    return res.error;
}

static void put(u32 gfx, const u32 *dw, u32 n)
{
    gm_write(V, gfx, dw, n * 4);
}

static void test_batches(void)
{
    setup();

    u32 b1 = B + L_BATCH, b2 = b1 + PG, b3 = b1 + 2 * PG, D = B + L_DATA;
    u32 ring[8], n, out[16], len = 0, addr;
    struct ring r;

    ring_init(&r, V, R);
    /* ring -> b1 -> b2 (depth 2): accepted, batches inlined in order. */
    {
        u32 a[] = { OP(STORE_DATA_IMM, 2), D, 1, OP(BATCH_START, 1), b2, OP(STORE_DATA_IMM, 2),
                    D + 4, 3, OP(BATCH_END, 0) };
        u32 b[] = { OP(NOOP, 0), OP(STORE_DATA_IMM, 2), D + 8, 2, OP(BATCH_END, 0) };

        put(b1, a, OS_ARRAY_SIZE(a));
        put(b2, b, OS_ARRAY_SIZE(b));
    }
    n = cmd_bb(ring, b1);
    ring_emit(&r, ring, n);
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, out, &len), RGPU_ERR_NONE);
    CU_ASSERT_EQUAL(len, 9);
    {
        u32 want[] = { OP(STORE_DATA_IMM, 2), D, 1, OP(STORE_DATA_IMM, 2), D + 8, 2,
                       OP(STORE_DATA_IMM, 2), D + 4, 3 };

        CU_ASSERT(memcmp(out, want, sizeof(want)) == 0);
    }
    /* Depth 3: b2 starts b3. */
    {
        u32 b[] = { OP(BATCH_START, 1), b3, OP(BATCH_END, 0) };
        u32 c[] = { OP(BATCH_END, 0) };

        put(b2, b, 3);
        put(b3, c, 1);
    }
    CU_ASSERT_EQUAL(scan_ring(&r, 0, &addr, NULL, NULL), RGPU_ERR_NESTING);
    CU_ASSERT_EQUAL(addr, b3);
    /* Self-reference. */
    {
        u32 a[] = { OP(BATCH_START, 1), b1, OP(BATCH_END, 0) };

        put(b1, a, 3);
    }
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_NESTING);
    /* Batch outside the slice / misaligned / unmapped. */
    {
        u32 head = r.tail;

        n = cmd_bb(ring, (u32)(V->gm_base + V->gm_size));
        ring_emit(&r, ring, n);
        CU_ASSERT_EQUAL(scan_ring(&r, head, NULL, NULL, NULL), RGPU_ERR_ADDRESS);
        head = r.tail;
        n = cmd_bb(ring, (u32)env.v[1]->gm_base);
        ring_emit(&r, ring, n);
        CU_ASSERT_EQUAL(scan_ring(&r, head, NULL, NULL, NULL), RGPU_ERR_ADDRESS);
        head = r.tail;
        n = cmd_bb(ring, D + 2);
        ring_emit(&r, ring, n);
        CU_ASSERT_EQUAL(scan_ring(&r, head, NULL, NULL, NULL), RGPU_ERR_ADDRESS);
        head = r.tail;
        n = cmd_bb(ring, B + 400 * PG);
        ring_emit(&r, ring, n);
        CU_ASSERT_EQUAL(scan_ring(&r, head, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
        CU_ASSERT_EQUAL(addr, B + 400 * PG);
        /* A batch with no BATCH_END runs into unmapped memory and is refused. */
        head = r.tail;
        for (u32 i = 0; i < 1024; i++)
            gm_wr32(V, B + 255 * PG + 4 * i, OP(NOOP, 0));
        n = cmd_bb(ring, B + 255 * PG);
        ring_emit(&r, ring, n);
        {
            u32 err = scan_ring(&r, head, NULL, NULL, NULL);

            CU_ASSERT(err == RGPU_ERR_UNMAPPED || err == RGPU_ERR_BATCH_END);
        }
        /* BATCH_END in the ring. */
        head = r.tail;
        ring[0] = OP(NOOP, 0);
        ring[1] = OP(BATCH_END, 0);
        ring_emit(&r, ring, 2);
        CU_ASSERT_EQUAL(scan_ring(&r, head, &addr, NULL, NULL), RGPU_ERR_BATCH_END);
        CU_ASSERT_EQUAL(addr, r.start + head + 4);
    }
    /* A batch spanning two pages mapped to non-adjacent frames. */
    {
        u32 head = r.tail, bx = B + 200 * PG;
        u32 want[6];

        gtt_set(V, bx, 0x300000 | RGPU_PTE_VALID);
        gtt_set(V, bx + PG, 0x100000 | RGPU_PTE_VALID);
        put(bx + PG - 8, (u32[]){ OP(STORE_DATA_IMM, 2), D, 0x11, OP(STORE_DATA_IMM, 2), D + 4,
                                  0x22, OP(BATCH_END, 0) }, 7);
        CU_ASSERT_EQUAL(*(u32 *)(env.h[0].mem + 0x300000 + PG - 8), OP(STORE_DATA_IMM, 2));
        CU_ASSERT_EQUAL(*(u32 *)(env.h[0].mem + 0x100000), 0x11);
        n = cmd_bb(ring, bx + PG - 8);
        ring_emit(&r, ring, n);
        CU_ASSERT_EQUAL(scan_ring(&r, head, NULL, out, &len), RGPU_ERR_NONE);
        CU_ASSERT_EQUAL(len, 6);
        cmd_sdi(want, D, 0x11);
        cmd_sdi(want + 3, D + 4, 0x22);
        CU_ASSERT(memcmp(out, want, sizeof(want)) == 0);
        gtt_map(V, bx, 200 * PG, 2);
    }
    mech_teardown(&env);
}

static void test_ring_rules(void)
{
    setup();

    struct ring r;
    u32 out[8], len = 0, dw[8], addr;
    u32 D = B + L_DATA;

    ring_init(&r, V, R);
    /* Wrap: a command whose dwords straddle the ring's end. */
    r.tail = r.size - 4;
    cmd_sdi(dw, D, 0xabcd);
    dw[3] = OP(USER_INTERRUPT, 0);
    ring_emit(&r, dw, 4);
    CU_ASSERT_EQUAL(r.tail, 12);
    CU_ASSERT_EQUAL(scan_ring(&r, r.size - 4, NULL, out, &len), RGPU_ERR_NONE);
    CU_ASSERT_EQUAL(len, 4);
    CU_ASSERT(memcmp(out, dw, 16) == 0);
    /* A command running past the tail. */
    r.tail = 0;
    ring_emit(&r, dw, 2);       /* dw0 and the address; the value is missing */
    CU_ASSERT_EQUAL(scan_ring(&r, 0, &addr, NULL, NULL), RGPU_ERR_LENGTH);
    CU_ASSERT_EQUAL(addr, r.start);
    /* Tail outside the ring, misaligned head/tail. */
    r.tail = r.size;
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_RING);
    r.tail = 8;
    CU_ASSERT_EQUAL(scan_ring(&r, r.size, NULL, NULL, NULL), RGPU_ERR_RING);
    CU_ASSERT_EQUAL(scan_ring(&r, 2, NULL, NULL, NULL), RGPU_ERR_RING);
    r.tail = 6;
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_RING);
    /* Disabled ring. */
    r.tail = 12;
    ewr(V, R, RGPU_RING_CTL, RGPU_RING_CTL_SIZE(L_RING_PAGES));
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_RING);
    /* Ring in unmapped memory / outside the slice. */
    ewr(V, R, RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(L_RING_PAGES));
    ewr(V, R, RGPU_RING_START, B + 400 * PG);
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_UNMAPPED);
    ewr(V, R, RGPU_RING_START, (u32)env.v[1]->gm_base);
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, NULL), RGPU_ERR_ADDRESS);
    /* The largest ring (256 pages) running from inside to past the mapped run. */
    ewr(V, R, RGPU_RING_START, B + 128 * PG);
    ewr(V, R, RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(256));
    memset(env.h[0].mem + 128 * PG, 0, 128 * PG);    /* NOOPs (identity-mapped frames) */
    r.tail = 128 * PG + 8;
    CU_ASSERT_EQUAL(scan_ring(&r, 0, &addr, NULL, NULL), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(addr, B + 256 * PG);
    r.tail = 128 * PG - 4;
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, &len), RGPU_ERR_NONE);
    CU_ASSERT_EQUAL(len, 0);
    ring_init(&r, V, R);
    mech_teardown(&env);
}

static void test_too_long(void)
{
    setup();

    struct ring r;
    u32 bb = B + L_BATCH, dw[2], i, err;

    ring_init(&r, V, R);
    for (i = 0; i < 1023; i++)
        gm_wr32(V, bb + 4 * i, OP(NOOP, 0));
    gm_wr32(V, bb + 4 * 1023, OP(BATCH_END, 0));
    /* 1000 calls of a 1024-dword batch (+2 for each start): under 1 Mi. */
    cmd_bb(dw, bb);
    for (i = 0; i < 1000; i++)
        ring_emit(&r, dw, 2);
    {
        u32 len = 1;

        CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, NULL, &len), RGPU_ERR_NONE);
        CU_ASSERT_EQUAL(len, 0);        /* NOOPs, starts and ends dropped */
    }
    /* 1100 calls: over the bound, so the scan stops. */
    for (i = 0; i < 100; i++)
        ring_emit(&r, dw, 2);
    err = scan_ring(&r, 0, NULL, NULL, NULL);
    CU_ASSERT_EQUAL(err, RGPU_ERR_TOO_LONG);
    /* The same through a host buffer: over 1 Mi dwords refused up front. */
    {
        struct vgpu_scan_result res;
        static u32 big[RGPU_MAX_SUBMIT_DWORDS + 1];

        CU_ASSERT_PTR_NULL(vgpu_scan_buffer(V, R, big, RGPU_MAX_SUBMIT_DWORDS + 1, &res));
        CU_ASSERT_EQUAL(res.error, RGPU_ERR_TOO_LONG);
        /* Exactly 1 Mi NOOPs is fine. */
        struct vgpu_workload *w = vgpu_scan_buffer(V, R, big, RGPU_MAX_SUBMIT_DWORDS, &res);

        CU_ASSERT_PTR_NOT_NULL(w);
        CU_ASSERT_EQUAL(res.ncmds, RGPU_MAX_SUBMIT_DWORDS);
        vgpu_workload_free(w);
        /* And an engine index that does not exist. */
        CU_ASSERT_PTR_NULL(vgpu_scan_buffer(V, RGPU_NUM_ENGINES, big, 1, &res));
    }
    /* Executing the most dwords one submission may carry: 349525 SDIs in
     * 1 Mi - 1 dwords, scanned through a host buffer. */
    {
        struct vgpu_scan_result res;
        u32 n = RGPU_MAX_SUBMIT_DWORDS / 3, *buf = os_alloc_large((size_t)n * 12);
        struct vgpu_workload *w;

        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        for (i = 0; i < n; i++)
            cmd_sdi(buf + 3 * i, B + L_DATA + 4 * (i & 1023), i);
        w = vgpu_scan_buffer(V, R, buf, 3 * n, &res);
        CU_ASSERT_PTR_NOT_NULL(w);
        CU_ASSERT_EQUAL(w ? w->len : 0, 3 * n);
        vgpu_workload_free(w);
        os_free_large(buf);
    }
    mech_teardown(&env);
}

/* The workload is a private copy: rewriting the ring and the batch after
 * the tail write changes nothing. */
static void test_private_copy(void)
{
    setup();

    struct ring r;
    u32 dw[16], n = 0, D = B + L_DATA + 0x800, bb = B + L_BATCH + 2 * PG;
    u32 bat[] = { OP(STORE_DATA_IMM, 2), D + 4, 0x2222, OP(BATCH_END, 0) };

    ring_init(&r, V, R);
    put(bb, bat, 4);
    n += cmd_sdi(dw + n, D, 0x1111);
    n += cmd_bb(dw + n, bb);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_ERROR), 0);
    /* The guest rewrites everything before the engine runs. */
    for (u32 i = 0; i < n; i++)
        gm_wr32(V, r.start + 4 * i, OP(LOAD_REG_IMM, 2));
    gm_wr32(V, bb + 8, 0x9999);
    gm_wr32(V, bb + 4, D + 8);
    gm_wr32(V, D, 0);
    gm_wr32(V, D + 4, 0);
    gm_wr32(V, D + 8, 0);
    CU_ASSERT(run_idle(env.p) >= 1);
    CU_ASSERT_EQUAL(gm_rd32(V, D), 0x1111);
    CU_ASSERT_EQUAL(gm_rd32(V, D + 4), 0x2222);
    CU_ASSERT_EQUAL(gm_rd32(V, D + 8), 0);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_ERROR), 0);
    mech_teardown(&env);
}

static void test_workload_contents(void)
{
    setup();

    struct ring r;
    u32 D = B + L_DATA, bb = B + L_BATCH + 3 * PG, dw[32], n = 0, out[32], len = 0;
    u32 bat[] = { OP(NOOP, 0), OP(USER_INTERRUPT, 0), OP(LOAD_REG_IMM, 2), SCR(2), 0x77,
                  OP(BATCH_END, 0) };
    u32 want[] = { OP(STORE_DATA_IMM, 2), D, 5, OP(USER_INTERRUPT, 0), OP(LOAD_REG_IMM, 2),
                   SCR(2), 0x77, OP(COLOR_FILL, 4), D, 64 | 2 << 16, 16 | 1 << 16, 0xff };
    struct vgpu_scan_result res;
    struct vgpu_workload *w;

    ring_init(&r, V, R);
    put(bb, bat, OS_ARRAY_SIZE(bat));
    dw[n++] = OP(NOOP, 0);
    n += cmd_sdi(dw + n, D, 5);
    n += cmd_bb(dw + n, bb);
    n += cmd_fill(dw + n, D, 64, RGPU_BPP_32, 16, 1, 0xff);
    dw[n++] = OP(NOOP, 0);
    ring_emit(&r, dw, n);
    CU_ASSERT_EQUAL(scan_ring(&r, 0, NULL, out, &len), RGPU_ERR_NONE);
    CU_ASSERT_EQUAL(len, OS_ARRAY_SIZE(want));
    CU_ASSERT(memcmp(out, want, sizeof(want)) == 0);
    os_mutex_lock(V->lock);
    w = vgpu_scan_ring(V, R, 0, r.tail, &res);
    os_mutex_unlock(V->lock);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(res.ncmds, 9);      /* every command decoded, dropped ones included */
    CU_ASSERT_EQUAL(w->ncmds, 9);
    CU_ASSERT_EQUAL(w->hws, B + L_HWS_RENDER);
    CU_ASSERT_PTR_EQUAL(w->owner, V);
    vgpu_workload_free(w);
    mech_teardown(&env);
}

void register_scan_tests(void)
{
    MECH_SUITE("scan", NULL, NULL,
               MT(test_opcode_lengths), MT(test_lri_whitelist), MT(test_store_addresses),
               MT(test_rect_checks), MT(test_batches), MT(test_ring_rules), MT(test_too_long),
               MT(test_private_copy), MT(test_workload_contents));
}
