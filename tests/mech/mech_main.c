/*
 * mech_main.c - runs the mechanism suites; the fixture and helpers they
 * share.  The exit status is the number of failed assertions (capped),
 * never CU_get_error() alone, which is 0 even when assertions fail.
 * --quiet: only the failures and the summary (used under ASan/valgrind).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "mech.h"
#include "common/region_io.h"
#include "common/cunit_main.h"

static u64 fc_read(void *ctx)
{
    struct fake_clock *c = ctx;

    c->now += c->per_read;
    return c->now;
}

static void fc_hook(void *ctx, u32 opcode)
{
    struct fake_clock *c = ctx;

    (void)opcode;
    c->now += c->per_cmd;
    c->cmds++;
}

static const char *const uuids[MECH_MAX_VGPUS] = {
    MECH_UUID(01), MECH_UUID(02), MECH_UUID(03), MECH_UUID(04),
};

int mech_setup(struct mech_env *e, const struct mech_opts *o)
{
    struct vgpu_parent_config cfg;
    struct mech_opts def = { 0 };
    unsigned int i;

    if (!o)
        o = &def;
    memset(e, 0, sizeof(*e));
    vgpu_parent_default_config(&cfg);
    cfg.gm_size = o->gm_size ? o->gm_size : (1ull << 30);
    cfg.weight_budget = o->weight_budget ? o->weight_budget : 16;
    cfg.slice_ns = o->slice_ns;
    cfg.watchdog_ns = o->watchdog_ns;
    if (!o->threaded) {
        cfg.manual = true;
        cfg.clock = fc_read;
        cfg.clock_ctx = &e->clk;
    }
    if (o->async_pgpu && !o->threaded)
        return -1;              /* the fake clock is not for other threads */
    cfg.pgpu = o->async_pgpu ? pgpu_async_create(cfg.gm_size) : pgpu_sw_create(cfg.gm_size);
    if (!cfg.pgpu)
        return -1;
    if (!o->threaded) {
        pgpu_sw_set_clock(cfg.pgpu, fc_read, &e->clk);
        pgpu_sw_set_cmd_hook(cfg.pgpu, fc_hook, &e->clk);
    }
    if (vgpu_parent_create(&cfg, &e->p))
        return -1;
    e->nr = o->nr ? o->nr : 1;
    for (i = 0; i < e->nr; i++) {
        const char *t = o->type[i] ? o->type[i] : "refgpu-16";
        u32 pages = o->map_pages ? o->map_pages : 256;

        if (testhost_init(&e->h[i], MECH_MEM_SIZE))
            return -1;
        if (vgpu_create(e->p, t, uuids[i], testhost_get_ops(&e->h[i]), &e->h[i], &e->v[i]))
            return -1;
        if (!o->no_map)
            gtt_map(e->v[i], (u32)e->v[i]->gm_base, 0, pages);
    }
    return 0;
}

void mech_teardown(struct mech_env *e)
{
    unsigned int i;

    for (i = 0; i < e->nr; i++) {
        if (e->v[i]) {
            vgpu_destroy(e->v[i]);
            /* Every frame the model mapped was unmapped again. */
            CU_ASSERT_EQUAL(e->h[i].mapped, 0);
        }
        testhost_fini(&e->h[i]);
    }
    if (e->p)
        CU_ASSERT_EQUAL(vgpu_parent_destroy(e->p), 0);
    memset(e, 0, sizeof(*e));
}

u64 rd64(struct vgpu *v, u32 off)
{
    return region_rd(v, VGPU_REGION_BAR0, off, 8);
}

void wr64(struct vgpu *v, u32 off, u64 val)
{
    region_wr(v, VGPU_REGION_BAR0, off, 8, val);
}

u32 rd32(struct vgpu *v, u32 off)
{
    return (u32)region_rd(v, VGPU_REGION_BAR0, off, 4);
}

void wr32(struct vgpu *v, u32 off, u32 val)
{
    region_wr(v, VGPU_REGION_BAR0, off, 4, val);
}

u32 cfgr(struct vgpu *v, u32 off, u32 len)
{
    return (u32)region_rd(v, VGPU_REGION_CONFIG, off, len);
}

void cfgw(struct vgpu *v, u32 off, u32 len, u32 val)
{
    region_wr(v, VGPU_REGION_CONFIG, off, len, val);
}

u32 ereg(struct vgpu *v, u32 engine, u32 reg)
{
    return rd32(v, RGPU_ENGINE_BASE(engine) + reg);
}

void ewr(struct vgpu *v, u32 engine, u32 reg, u32 val)
{
    wr32(v, RGPU_ENGINE_BASE(engine) + reg, val);
}

void gtt_set(struct vgpu *v, u32 gfx, u64 pte)
{
    wr64(v, RGPU_GTT_BASE + (gfx >> VGPU_PAGE_SHIFT) * 8, pte);
}

u64 gtt_get(struct vgpu *v, u32 gfx)
{
    return rd64(v, RGPU_GTT_BASE + (gfx >> VGPU_PAGE_SHIFT) * 8);
}

void gtt_map(struct vgpu *v, u32 gfx, u64 frame, u32 pages)
{
    for (u32 i = 0; i < pages; i++)
        gtt_set(v, gfx + i * VGPU_PAGE_SIZE, (frame + (u64)i * VGPU_PAGE_SIZE) | RGPU_PTE_VALID);
}

void gm_write(struct vgpu *v, u32 gfx, const void *buf, u32 len)
{
    for (u32 i = 0; i < len; i++) {
        u8 *p = vgpu_gtt_ptr(v, gfx + i);

        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        *p = ((const u8 *)buf)[i];
    }
}

void gm_read(struct vgpu *v, u32 gfx, void *buf, u32 len)
{
    for (u32 i = 0; i < len; i++) {
        u8 *p = vgpu_gtt_ptr(v, gfx + i);

        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        ((u8 *)buf)[i] = *p;
    }
}

u32 gm_rd32(struct vgpu *v, u32 gfx)
{
    u32 x;

    gm_read(v, gfx, &x, 4);
    return x;
}

void gm_wr32(struct vgpu *v, u32 gfx, u32 val)
{
    gm_write(v, gfx, &val, 4);
}

void ring_init(struct ring *r, struct vgpu *v, u32 engine)
{
    u32 base = (u32)v->gm_base;

    memset(r, 0, sizeof(*r));
    r->v = v;
    r->engine = engine;
    r->start = base + (engine == RGPU_ENGINE_RENDER ? L_RING_RENDER : L_RING_COPY);
    r->size = L_RING_PAGES * VGPU_PAGE_SIZE;
    /* Disable first: enabling then starts a fresh ring at offset 0. */
    ewr(v, engine, RGPU_RING_CTL, 0);
    ewr(v, engine, RGPU_RING_START, r->start);
    ewr(v, engine, RGPU_RING_HWS, base + (engine == RGPU_ENGINE_RENDER ? L_HWS_RENDER : L_HWS_COPY));
    ewr(v, engine, RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(L_RING_PAGES));
}

void ring_emit(struct ring *r, const u32 *dw, u32 n)
{
    for (u32 i = 0; i < n; i++) {
        gm_wr32(r->v, r->start + r->tail, dw[i]);
        r->tail = (r->tail + 4) % r->size;
    }
}

void ring_submit(struct ring *r)
{
    ewr(r->v, r->engine, RGPU_RING_TAIL, r->tail);
}

unsigned int run_idle(struct vgpu_parent *p)
{
    unsigned int steps = 0;
    bool any;

    do {
        any = false;
        for (u32 e = 0; e < RGPU_NUM_ENGINES; e++)
            while (vgpu_parent_sched_step(p, e)) {
                any = true;
                steps++;
                CU_ASSERT_FATAL(steps < 1000000);
            }
    } while (any);
    return steps;
}

u32 cmd_sdi(u32 *b, u32 gfx, u32 val)
{
    b[0] = RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2);
    b[1] = gfx;
    b[2] = val;
    return 3;
}

u32 cmd_sdx(u32 *b, u32 off, u32 val)
{
    b[0] = RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, 2);
    b[1] = off;
    b[2] = val;
    return 3;
}

u32 cmd_fill(u32 *b, u32 dst, u32 pitch, u32 bpp, u32 w, u32 h, u32 color)
{
    b[0] = RGPU_CMD(RGPU_OP_COLOR_FILL, 4);
    b[1] = dst;
    b[2] = pitch | bpp << 16;
    b[3] = w | h << 16;
    b[4] = color;
    return 5;
}

u32 cmd_copy(u32 *b, u32 dst, u32 pitch, u32 bpp, u32 w, u32 h, u32 src, u32 spitch)
{
    b[0] = RGPU_CMD(RGPU_OP_SRC_COPY, 5);
    b[1] = dst;
    b[2] = pitch | bpp << 16;
    b[3] = w | h << 16;
    b[4] = src;
    b[5] = spitch;
    return 6;
}

u32 cmd_bb(u32 *b, u32 gfx)
{
    b[0] = RGPU_CMD(RGPU_OP_BATCH_START, 1);
    b[1] = gfx;
    return 2;
}

static void register_all(void)
{
    register_gtt_tests();
    register_scan_tests();
    register_engine_tests();
    register_sched_tests();
    register_irq_mech_tests();
    register_display_tests();
    register_threaded_tests();
    register_spec_tests();
}

int main(int argc, char **argv)
{
    return cunit_main("mech-tests", argc, argv, register_all);
}
