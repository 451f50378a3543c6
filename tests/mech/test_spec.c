/*
 * test_spec.c - docs/hw-spec.md as a contract: one test per point a
 * driver writer had to guess or found the device disagreeing with
 * (issue 16), each named after the section of hw-spec.md it pins
 * (s2_2_... pins §2.2).  A change here is a change of the spec: bump its
 * version and say so in its change log.
 */
#include <stdlib.h>
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE
#define R RGPU_ENGINE_RENDER
#define C RGPU_ENGINE_COPY

static struct mech_env env;

static void setup1(void)
{
    CU_ASSERT_FATAL(mech_setup(&env, NULL) == 0);
}

static void submit_run(struct ring *r)
{
    ring_submit(r);
    run_idle(env.p);
}

/* §1 (pci-function.md, Command): the device model serves BAR0 whatever
 * the decode bit says; the path stops routing the BAR when it is off. */
static void s1_memory_decode_off(void)
{
    struct vgpu *v;
    struct testhost *h;

    setup1();
    v = env.v[0];
    h = &env.h[0];
    cfgw(v, 0x10, 4, 0xe0000000);
    cfgw(v, 0x14, 4, 0);
    cfgw(v, 0x04, 2, 0x0002);                   /* memory decode on */
    CU_ASSERT_FATAL(h->nr_bar_events > 0);
    CU_ASSERT_TRUE(h->bar_events[h->nr_bar_events - 1].enabled);
    cfgw(v, 0x04, 2, 0x0000);                   /* and off */
    CU_ASSERT_EQUAL(h->bar_events[h->nr_bar_events - 1].bar, 0);
    CU_ASSERT_FALSE(h->bar_events[h->nr_bar_events - 1].enabled);
    /* Whatever still reaches the model is served normally. */
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ID), RGPU_ID_VALUE);
    wr32(v, RGPU_REG_SCRATCH(0), 0x1234);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(0)), 0x1234);
    mech_teardown(&env);
}

/* §2.2: valid reads 1 only while the page is mapped; halves merge into
 * the value written, so writing the low half first still works. */
static void s2_2_pte_valid_reads_mapped(void)
{
    struct vgpu *v;
    u32 gfx, off;

    setup1();
    v = env.v[0];
    gfx = (u32)v->gm_base + 300 * PG;
    off = RGPU_GTT_BASE + (gfx >> 12) * 8;
    gtt_set(v, gfx, 0x16000000ull | RGPU_PTE_VALID);      /* beyond guest memory */
    CU_ASSERT_EQUAL(gtt_get(v, gfx), 0x16000000ull);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, gfx));
    wr32(v, off + 4, 7);                        /* high half first: 0x7_16000001 */
    wr32(v, off, 0x5000 | RGPU_PTE_VALID);      /* low half: 0x7_00005001, unmappable */
    CU_ASSERT_EQUAL(gtt_get(v, gfx), 0x700005000ull);
    wr32(v, off + 4, 0);                        /* completes 0x5001: mapped */
    CU_ASSERT_EQUAL(gtt_get(v, gfx), 0x5001ull);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, gfx), env.h[0].mem + 0x5000);
    mech_teardown(&env);
}

/* §2.4, the writer's M1 case: {F|1, 0x16000000|1, F2|1} applies 3 with
 * ERROR; the bad entry reads back invalid and the engine agrees. */
static void s2_4_batch_unmappable_entry_reads_invalid(void)
{
    struct vgpu *v;
    struct testhost *h;
    u64 list[3] = { 0x20000 | RGPU_PTE_VALID, 0x16000000ull | RGPU_PTE_VALID,
                    0x21000 | RGPU_PTE_VALID };
    u32 idx;

    setup1();
    v = env.v[0];
    h = &env.h[0];
    idx = (u32)(v->gm_base >> 12) + 400;
    memcpy(h->mem + 0x100000, list, sizeof(list));
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_LO, 0x100000);
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_HI, 0);
    wr32(v, RGPU_REG_GTT_BATCH_INDEX, idx);
    wr32(v, RGPU_REG_GTT_BATCH_COUNT, 3);
    wr32(v, RGPU_REG_GTT_BATCH_CTL, RGPU_GTT_BATCH_GO);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_CTL), RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 3);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + idx * 8), 0x20001ull);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + (idx + 1) * 8), 0x16000000ull);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + (idx + 2) * 8), 0x21001ull);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, (idx + 1) << 12));
    mech_teardown(&env);
}

/* §3.1: 1- and 2-byte writes merge into the register and act as a write
 * of the whole register, side effects included; reads return the covered
 * bytes; PTEs merge the same way. */
static void s3_1_subdword_access(void)
{
    struct vgpu *v;
    struct testhost *h;
    struct ring r;
    u8 b = 0xab;
    u16 hw = 0xcdef;
    u32 dw[4], gfx, idx;
    u64 pte = 0x22000 | RGPU_PTE_VALID;

    setup1();
    v = env.v[0];
    h = &env.h[0];
    /* A 1-byte write of RING_TAIL submits. */
    ring_init(&r, v, R);
    ring_emit(&r, dw, cmd_sdx(dw, RGPU_HWS_SEQNO, 77));
    b = (u8)r.tail;
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_ENGINE_BASE(R) + RGPU_RING_TAIL,
                                      &b, 1), 1);
    run_idle(env.p);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 77);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    /* A 1-byte write of GTT_BATCH_CTL with bit 0 applies the batch. */
    gfx = (u32)v->gm_base + 500 * PG;
    idx = gfx >> 12;
    memcpy(h->mem + 0x100000, &pte, 8);
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_LO, 0x100000);
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_HI, 0);
    wr32(v, RGPU_REG_GTT_BATCH_INDEX, idx);
    wr32(v, RGPU_REG_GTT_BATCH_COUNT, 1);
    b = RGPU_GTT_BATCH_GO;
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_GTT_BATCH_CTL, &b, 1), 1);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_CTL), RGPU_GTT_BATCH_DONE);
    CU_ASSERT_EQUAL(gtt_get(v, gfx), pte);
    /* A 1-byte PTE piece merges into the entry: frame 0x22000 -> 0x23000. */
    b = 0x30;
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_GTT_BASE + idx * 8 + 1, &b, 1), 1);
    CU_ASSERT_EQUAL(gtt_get(v, gfx), 0x23000ull | RGPU_PTE_VALID);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, gfx), h->mem + 0x23000);
    /* Register bytes merge. */
    b = 0xab;
    wr32(v, RGPU_REG_SCRATCH(1), 0x11223344);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(1) + 1, &b, 1), 1);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(1)), 0x1122ab44);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(1) + 2, &hw, 2), 2);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(1)), 0xcdefab44);
    b = 0;
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(1) + 3, &b, 1), 1);
    CU_ASSERT_EQUAL(b, 0xcd);
    /* Misaligned: dropped, reads 0. */
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(1) + 1, &hw, 2), 2);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_SCRATCH(1)), 0xcdefab44);
    mech_teardown(&env);
}

/* §3: a register keeps only its fields: other bits read 0; W registers
 * act and read 0. */
static void s3_bits_outside_fields_read_0(void)
{
    static const struct {
        u32 off, reads;
    } regs[] = {
        { RGPU_REG_IMR, RGPU_IRQ_VALID_MASK },
        { RGPU_REG_IER, RGPU_IRQ_VALID_MASK },
        { RGPU_REG_TRACK_ADDR_LO, 0xfffff000 },
        { RGPU_REG_GTT_BATCH_ADDR_LO, 0xfffffff8 },
        { RGPU_REG_GTT_BATCH_INDEX, 0x000fffff },
        { RGPU_REG_GTT_BATCH_COUNT, 0x0001ffff },
        { RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_START, 0xfffff000 },
        { RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_HWS, 0xfffff000 },
        { RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | 0xf },
        { RGPU_PLANE_SURF, 0xfffff000 },
        { RGPU_PLANE_STRIDE, 0x0003ffc0 },
        { RGPU_PLANE_SIZE, 0x0fff0fff },
        { RGPU_ENGINE_BASE(RGPU_ENGINE_COPY) + RGPU_RING_RESET, 0 },
    };
    struct vgpu *v;
    unsigned int i;

    setup1();
    v = env.v[0];
    for (i = 0; i < OS_ARRAY_SIZE(regs); i++) {
        wr32(v, regs[i].off, ~0u);
        CU_ASSERT_EQUAL(rd32(v, regs[i].off), regs[i].reads);
    }
    wr32(v, RGPU_REG_GFX_RESET, ~0u);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GFX_RESET), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PLANE_SIZE), 0);       /* and it reset the device */
    mech_teardown(&env);
}

/* §4.1: RING_SEQNO survives ring reset and re-enable; device reset clears it. */
static void s4_1_seqno_survives_ring_resets(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[4];

    setup1();
    v = env.v[0];
    ring_init(&r, v, R);
    ring_emit(&r, dw, cmd_sdx(dw, RGPU_HWS_SEQNO, 41));
    submit_run(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 41);
    ewr(v, R, RGPU_RING_RESET, 1);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 41);
    ring_init(&r, v, R);                        /* disable, re-enable */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 41);
    dw[0] = RGPU_CMD(0x3f, 0);                  /* a rejected submission */
    ring_emit(&r, dw, 1);
    submit_run(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_OPCODE);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 41);
    wr32(v, RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 0);
    mech_teardown(&env);
}

/* §4.1: when RING_SEQNO shows n, HWS[0] holds n and every write of the
 * commands before the STORE_DATA_INDEX is in memory. */
static void s4_1_seqno_ordering(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[16], n = 0, B;

    setup1();
    v = env.v[0];
    B = (u32)v->gm_base;
    ring_init(&r, v, R);
    n += cmd_fill(dw + n, B + L_DATA, 64, RGPU_BPP_32, 16, 4, 0xfeed);
    n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, 9);
    ring_emit(&r, dw, n);
    submit_run(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 9);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_HWS_RENDER), 9);
    CU_ASSERT_EQUAL(gm_rd32(v, B + L_DATA + 3 * 64 + 60), 0xfeed);
    mech_teardown(&env);
}

/* §4: writing the tail it already holds submits nothing and is no error. */
static void s4_same_tail_is_nothing(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[4];

    setup1();
    v = env.v[0];
    wr32(v, RGPU_REG_IMR, 0);
    ring_init(&r, v, R);
    ring_emit(&r, dw, cmd_sdx(dw, RGPU_HWS_SEQNO, 1));
    submit_run(&r);
    wr32(v, RGPU_REG_IIR, ~0u);
    ring_submit(&r);                            /* the same tail again */
    run_idle(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    mech_teardown(&env);
}

/* §5: ISR keeps every event, masked or not, until its IIR bit is written 1. */
static void s5_isr_until_acknowledged(void)
{
    struct vgpu *v;

    setup1();
    v = env.v[0];
    wr32(v, RGPU_REG_IMR, RGPU_IRQ_VBLANK);     /* VBLANK masked */
    wr32(v, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ISR), RGPU_IRQ_VBLANK);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ISR), RGPU_IRQ_VBLANK);   /* stays */
    wr32(v, RGPU_REG_IIR, RGPU_IRQ_COPY_DONE);  /* another bit: no effect */
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ISR), RGPU_IRQ_VBLANK);
    wr32(v, RGPU_REG_IIR, RGPU_IRQ_VBLANK);     /* acknowledged, though not in IIR */
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_ISR), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), 0);
    mech_teardown(&env);
}

/* Submit dw on the render ring; return RING_ERROR and its address. */
static u32 reject(struct ring *r, const u32 *dw, u32 n, u32 *addr)
{
    ewr(r->v, R, RGPU_RING_RESET, 1);
    ring_emit(r, dw, n);
    submit_run(r);
    *addr = ereg(r->v, R, RGPU_RING_ERROR_ADDR);
    return ereg(r->v, R, RGPU_RING_ERROR);
}

/* §6.1, M2: the span rule.  Every page from a rectangle's first byte to
 * its last must be mapped, also pages its rows skip over. */
static void s6_1_unmapped_span_rule(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[8], P, a;

    setup1();
    v = env.v[0];
    P = (u32)v->gm_base + L_DATA;
    gtt_set(v, P + PG, 0);                      /* P and P+2 mapped, P+1 not */
    ring_init(&r, v, R);
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_fill(dw, P, 8192, RGPU_BPP_32, 4, 2, 1), &a),
                    RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(a, P + PG);
    mech_teardown(&env);
}

/* A batch of `pages` pages at graphics address bb, NOOPs to the end of its
 * last page, which ends with BATCH_END: every page but the last maps frame
 * 0x200000 (all NOOPs), the last frame 0x201000 (NOOPs, then BATCH_END). */
static void map_noop_batch(struct vgpu *v, struct testhost *h, u32 bb, u32 pages)
{
    u32 n;

    memset(h->mem + 0x200000, 0, 2 * PG);
    memcpy(h->mem + 0x201000 + PG - 4, &(u32){ RGPU_CMD(RGPU_OP_BATCH_END, 0) }, 4);
    for (n = 0; n + 1 < pages; n++)
        gtt_set(v, bb + n * PG, 0x200000 | RGPU_PTE_VALID);
    gtt_set(v, bb + n * PG, 0x201000 | RGPU_PTE_VALID);
}

/* §6.1 TOO_LONG: ring dwords count, and a batch counts to the end of its
 * last page: a 1023-page batch + 6 ring dwords passes, 1024 pages fail. */
static void s6_1_too_long_counts_ring_and_batch(void)
{
    struct mech_opts o = { .map_pages = 64 };
    struct vgpu *v;
    struct testhost *h;
    struct ring r;
    u32 dw[8], n, bb, i, a;
    u32 pages[2] = { 1023, 1024 };
    u32 expect[2] = { RGPU_ERR_NONE, RGPU_ERR_TOO_LONG };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    h = &env.h[0];
    bb = (u32)v->gm_base + 0x100000;
    for (i = 0; i < 2; i++) {
        gtt_map(v, bb, 0x200000, 0);
        map_noop_batch(v, h, bb, pages[i]);
        ring_init(&r, v, R);
        n = cmd_bb(dw, bb);
        n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, i + 1);
        dw[n++] = RGPU_CMD(RGPU_OP_NOOP, 0);    /* 6 ring dwords */
        CU_ASSERT_EQUAL(reject(&r, dw, n, &a), expect[i]);
    }
    /* §6.2: the fetch that crossed the limit, in the batch's last page. */
    CU_ASSERT(a >= bb + 1023 * PG && a < bb + 1024 * PG);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 1);
    mech_teardown(&env);
}

/* §6.1 TOO_LONG: a batch started n times counts n times: a 511-page
 * batch started twice passes, a 512-page one (2 x 512 Ki dwords plus the
 * ring's) does not. */
static void s6_1_too_long_batch_started_twice(void)
{
    struct mech_opts o = { .map_pages = 64 };
    struct vgpu *v;
    struct testhost *h;
    struct ring r;
    u32 dw[8], n, bb, i, a;
    u32 pages[2] = { 511, 512 };
    u32 expect[2] = { RGPU_ERR_NONE, RGPU_ERR_TOO_LONG };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    h = &env.h[0];
    bb = (u32)v->gm_base + 0x100000;
    for (i = 0; i < 2; i++) {
        map_noop_batch(v, h, bb, pages[i]);
        ring_init(&r, v, R);
        n = cmd_bb(dw, bb);
        n += cmd_bb(dw + n, bb);
        n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, i + 1);
        CU_ASSERT_EQUAL(reject(&r, dw, n, &a), expect[i]);
    }
    /* The second start crossed the limit, in the batch's last page. */
    CU_ASSERT(a >= bb + 511 * PG && a < bb + 512 * PG);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 1);
    mech_teardown(&env);
}

/* §6.1: the ring errors that can happen, and what is an address error. */
static void s6_1_ring_errors(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[4], a;

    setup1();
    v = env.v[0];
    ewr(v, R, RGPU_RING_CTL, 0);
    ewr(v, R, RGPU_RING_TAIL, 0x40);            /* ring disabled */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_RING);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), 0x40);
    ring_init(&r, v, R);
    ewr(v, R, RGPU_RING_RESET, 1);
    ewr(v, R, RGPU_RING_TAIL, r.size);          /* tail outside the ring */
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_RING);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), r.size);
    /* RING_START keeps bits 31:12 only: it cannot be misaligned. */
    ewr(v, R, RGPU_RING_START, r.start | 0x123);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_START), r.start);
    /* A ring outside the slice is an address error at the ring's address. */
    ewr(v, R, RGPU_RING_CTL, 0);
    ewr(v, R, RGPU_RING_START, (u32)(v->gm_base + v->gm_size));
    ewr(v, R, RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(1));
    ewr(v, R, RGPU_RING_TAIL, 8);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR_ADDR), (u32)(v->gm_base + v->gm_size));
    /* A status page outside the slice: STORE_DATA_INDEX is an address
     * error at the status page's address. */
    ring_init(&r, v, R);
    ewr(v, R, RGPU_RING_HWS, (u32)(v->gm_base + v->gm_size));
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_sdx(dw, 8, 1), &a), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(a, (u32)(v->gm_base + v->gm_size));
    mech_teardown(&env);
}

/* §6.1: errors the first spec did not name, and §6.2's addresses. */
static void s6_2_error_addresses(void)
{
    struct vgpu *v;
    struct ring r;
    u32 dw[40], n, B, a, bb, unm;

    setup1();
    v = env.v[0];
    B = (u32)v->gm_base;
    bb = B + L_BATCH;
    unm = B + L_DATA + 2 * PG;
    gtt_set(v, unm, 0);
    ring_init(&r, v, R);
    /* OPCODE: the command's graphics address. */
    dw[0] = RGPU_CMD(0x3f, 0);
    CU_ASSERT_EQUAL(reject(&r, dw, 1, &a), RGPU_ERR_OPCODE);
    CU_ASSERT_EQUAL(a, r.start + r.tail - 4);
    /* LENGTH (bits 23:12 set): the command's address. */
    dw[0] = RGPU_CMD(RGPU_OP_NOOP, 0) | 0x1000;
    CU_ASSERT_EQUAL(reject(&r, dw, 1, &a), RGPU_ERR_LENGTH);
    CU_ASSERT_EQUAL(a, r.start + r.tail - 4);
    /* STORE_DATA_INDEX offset >= 4096 or misaligned: ADDRESS at HWS + (offset & 0xfff). */
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_sdx(dw, 0x1008, 1), &a), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(a, B + L_HWS_RENDER + 8);
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_sdx(dw, 6, 1), &a), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(a, B + L_HWS_RENDER + 6);
    /* Extra bits in the pitch | bpp word: ADDRESS at the destination. */
    n = cmd_fill(dw, B + L_DATA, 64, RGPU_BPP_32, 4, 4, 0);
    dw[2] |= 1u << 20;
    CU_ASSERT_EQUAL(reject(&r, dw, n, &a), RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(a, B + L_DATA);
    /* A store into an unmapped page: UNMAPPED at the page. */
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_sdi(dw, unm + 8, 1), &a), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(a, unm);
    /* REGISTER: the register offset. */
    dw[0] = RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2);
    dw[1] = RGPU_REG_IMR;
    dw[2] = 0;
    CU_ASSERT_EQUAL(reject(&r, dw, 3, &a), RGPU_ERR_REGISTER);
    CU_ASSERT_EQUAL(a, RGPU_REG_IMR);
    /* NESTING: the address of the batch that would nest too deep. */
    cmd_bb(dw, bb);
    gm_write(v, bb, dw, 8);
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_bb(dw, bb), &a), RGPU_ERR_NESTING);
    CU_ASSERT_EQUAL(a, bb);
    /* BATCH_END in the ring: the command's address. */
    dw[0] = RGPU_CMD(RGPU_OP_BATCH_END, 0);
    CU_ASSERT_EQUAL(reject(&r, dw, 1, &a), RGPU_ERR_BATCH_END);
    CU_ASSERT_EQUAL(a, r.start + r.tail - 4);
    /* A batch with no end running into an unmapped page: UNMAPPED there. */
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_bb(dw, unm - PG), &a), RGPU_ERR_UNMAPPED);
    CU_ASSERT_EQUAL(a, unm);
    /* ... and off the slice: ADDRESS at the first address outside it. */
    gtt_map(v, B + v->gm_size - PG, 0x300000, 1);
    memset(env.h[0].mem + 0x300000, 0, PG);
    CU_ASSERT_EQUAL(reject(&r, dw, cmd_bb(dw, (u32)(B + v->gm_size - PG)), &a),
                    RGPU_ERR_ADDRESS);
    CU_ASSERT_EQUAL(a, (u32)(B + v->gm_size));
    mech_teardown(&env);
}

/* §6.3: the watchdog counts the submission's own engine time, not wall
 * time: two vGPUs sharing the engine each run their full budget. */
static void s6_3_watchdog_engine_time(void)
{
    struct mech_opts o = { .nr = 2, .slice_ns = 1000000, .watchdog_ns = 5000000 };
    struct ring r[2];
    u32 dw[4], i, k;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = 100000;                   /* 10 commands per 1 ms slice */
    for (k = 0; k < 2; k++) {
        struct vgpu *v = env.v[k];
        u32 bb = (u32)v->gm_base + L_BATCH;

        for (i = 0; i < 200; i++) {
            cmd_sdi(dw, (u32)v->gm_base + L_DATA + 4 * i, i + 1);
            gm_write(v, bb + 12 * i, dw, 12);
        }
        gm_wr32(v, bb + 12 * 200, RGPU_CMD(RGPU_OP_BATCH_END, 0));
        ring_init(&r[k], v, R);
        ring_emit(&r[k], dw, cmd_bb(dw, bb));
        ring_submit(&r[k]);
    }
    run_idle(env.p);
    for (k = 0; k < 2; k++) {
        struct vgpu_stats st;

        CU_ASSERT_EQUAL(ereg(env.v[k], R, RGPU_RING_ERROR), RGPU_ERR_WATCHDOG);
        /* §6.2: RING_HEAD when it fired: where the submission began. */
        CU_ASSERT_EQUAL(ereg(env.v[k], R, RGPU_RING_ERROR_ADDR), 0);
        CU_ASSERT_EQUAL(vgpu_get_stats(env.v[k], &st), 0);
        CU_ASSERT_EQUAL(st.commands, 60);       /* 6 of its own slices, each */
    }
    CU_ASSERT(env.clk.now >= 12000000);         /* while 12 ms passed on the engine */
    mech_teardown(&env);
}

/* §8, M3: PIPE_FRMCOUNT restarts at 0 when the pipe is enabled again. */
static void s8_frmcount_restarts_on_enable(void)
{
    struct vgpu *v;
    int i;

    setup1();
    v = env.v[0];
    wr32(v, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    for (i = 0; i < 5; i++)
        vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PIPE_FRMCOUNT), 5);
    wr32(v, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);  /* already enabled: keeps counting */
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PIPE_FRMCOUNT), 6);
    wr32(v, RGPU_PIPE_CONF, 0);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PIPE_FRMCOUNT), 6);    /* frozen while disabled */
    wr32(v, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PIPE_FRMCOUNT), 0);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(v, RGPU_PIPE_FRMCOUNT), 1);
    mech_teardown(&env);
}

/* §9: only a whole address of 0 stops tracking. */
static void s9_track_zero_address(void)
{
    struct vgpu *v;

    setup1();
    v = env.v[0];
    wr32(v, RGPU_REG_TRACK_ADDR_LO, 0x5000);
    wr32(v, RGPU_REG_TRACK_ADDR_HI, 0);         /* high word 0: tracks 0x5000 */
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_TRACK_STATUS), 1);
    CU_ASSERT_EQUAL(env.h[0].tracked, 1);
    wr32(v, RGPU_REG_TRACK_ADDR_LO, 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_TRACK_STATUS), 1);   /* LO alone applies nothing */
    wr32(v, RGPU_REG_TRACK_ADDR_HI, 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_TRACK_STATUS), 0);
    CU_ASSERT_EQUAL(env.h[0].tracked, 0);
    mech_teardown(&env);
}

static int cmp_u64(const void *a, const void *b)
{
    u64 x = *(const u64 *)a, y = *(const u64 *)b;

    return x < y ? -1 : x > y;
}

/* §10: the frames an engine writes are reported to host-ops mark_dirty:
 * exactly the pages the rows and stores write, through the GTT. */
static void s10_dirty_pages_exact(void)
{
    struct vgpu *v;
    struct testhost *h;
    struct ring r;
    u32 dw[32], n = 0, B, D, i;
    u64 got[64], want[] = { L_HWS_RENDER, 0x300000, 0x301000, 0x303000 };
    unsigned int ng = 0;

    setup1();
    v = env.v[0];
    h = &env.h[0];
    B = (u32)v->gm_base;
    D = B + L_DATA;
    /* Graphics D..D+3 -> frames 0x300000, 0x302000, 0x301000, 0x303000. */
    gtt_set(v, D, 0x300000 | RGPU_PTE_VALID);
    gtt_set(v, D + PG, 0x302000 | RGPU_PTE_VALID);
    gtt_set(v, D + 2 * PG, 0x301000 | RGPU_PTE_VALID);
    gtt_set(v, D + 3 * PG, 0x303000 | RGPU_PTE_VALID);
    ring_init(&r, v, R);
    /* Two rows 8 KiB apart: pages D and D+2 written, D+1 skipped. */
    n += cmd_fill(dw + n, D, 8192, RGPU_BPP_32, 16, 2, 0x55);
    /* A copy reads D+4.., writes D+3. */
    n += cmd_copy(dw + n, D + 3 * PG + 64, 64, RGPU_BPP_32, 4, 2, D + 4 * PG, 64);
    n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, 3);
    ring_emit(&r, dw, n);
    h->nr_dirty = 0;
    submit_run(&r);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 3);
    CU_ASSERT_FATAL(h->nr_dirty <= TESTHOST_MAX_EVENTS);
    for (i = 0; i < h->nr_dirty; i++) {
        u64 a;

        CU_ASSERT_EQUAL(h->dirty[i].addr % PG, 0);
        CU_ASSERT_EQUAL(h->dirty[i].len % PG, 0);
        for (a = h->dirty[i].addr; a < h->dirty[i].addr + h->dirty[i].len && ng < 64; a += PG)
            got[ng++] = a;
    }
    qsort(got, ng, sizeof(got[0]), cmp_u64);
    CU_ASSERT_EQUAL(ng, OS_ARRAY_SIZE(want));
    for (i = 0; i < ng && i < OS_ARRAY_SIZE(want); i++)
        CU_ASSERT_EQUAL(got[i], want[i]);
    /* Runs of consecutive frames are coalesced: D, D+2 -> 0x300000+8K. */
    CU_ASSERT_EQUAL(h->nr_dirty, 3);
    mech_teardown(&env);
}

/* §10: a rectangle cut by preemption reports, after each slice, the rows
 * that slice wrote: every page once over the whole run, none it skips. */
static void s10_dirty_preempted_rows(void)
{
    struct mech_opts o = { .nr = 1, .slice_ns = 1000000 };
    struct vgpu *v;
    struct testhost *h;
    struct ring r;
    u32 dw[32], n = 0, D, slices = 0, i, seen = 0;
    u8 count[256] = { 0 };
    bool exact = true;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    h = &env.h[0];
    D = (u32)v->gm_base + L_DATA;       /* page 16; the slice maps pages 1:1 */
    ring_init(&r, v, R);
    /* 64 rows back to back (pages 16..79), then 32 rows one page apart
     * (pages 80, 82, ..., 142). */
    n += cmd_fill(dw + n, D, PG, RGPU_BPP_32, PG / 4, 64, 0x11);
    n += cmd_fill(dw + n, D + 64 * PG, 2 * PG, RGPU_BPP_32, PG / 4, 32, 0x22);
    n += cmd_sdx(dw + n, RGPU_HWS_SEQNO, 7);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    h->nr_dirty = 0;
    env.clk.per_read = 1000000;         /* every row check ends the slice: 16 rows each */
    while (vgpu_parent_sched_step(env.p, R)) {
        CU_ASSERT_FATAL(++slices < 100);
        CU_ASSERT_FATAL(h->nr_dirty <= TESTHOST_MAX_EVENTS);
        for (i = 0; i < h->nr_dirty; i++)
            for (u64 a = h->dirty[i].addr; a < h->dirty[i].addr + h->dirty[i].len; a += PG)
                if (a / PG < OS_ARRAY_SIZE(count))
                    count[a / PG]++;
        h->nr_dirty = 0;
    }
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 7);
    CU_ASSERT(slices >= 6);             /* both rectangles were cut, in 16-row slices */
    for (i = 0; i < OS_ARRAY_SIZE(count); i++) {
        bool want = i == L_HWS_RENDER / PG || (i >= 16 && i < 80) ||
                    (i >= 80 && i <= 142 && i % 2 == 0);

        exact &= count[i] == (want ? 1 : 0);
        seen += count[i];
    }
    CU_ASSERT(exact);
    CU_ASSERT_EQUAL(seen, 1 + 64 + 32);
    mech_teardown(&env);
}

void register_spec_tests(void)
{
    MECH_SUITE("hw-spec", NULL, NULL,
               MT(s1_memory_decode_off), MT(s2_2_pte_valid_reads_mapped),
               MT(s2_4_batch_unmappable_entry_reads_invalid), MT(s3_bits_outside_fields_read_0),
               MT(s3_1_subdword_access),
               MT(s4_1_seqno_survives_ring_resets), MT(s4_1_seqno_ordering),
               MT(s4_same_tail_is_nothing), MT(s5_isr_until_acknowledged),
               MT(s6_1_unmapped_span_rule), MT(s6_1_too_long_counts_ring_and_batch),
               MT(s6_1_too_long_batch_started_twice),
               MT(s6_1_ring_errors), MT(s6_2_error_addresses), MT(s6_3_watchdog_engine_time),
               MT(s8_frmcount_restarts_on_enable), MT(s9_track_zero_address),
               MT(s10_dirty_pages_exact), MT(s10_dirty_preempted_rows));
}
