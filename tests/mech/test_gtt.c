/*
 * test_gtt.c - GTT shadowing: the BAR0 window (8-byte and half writes),
 * slice confinement, unmappable frames, remap/invalidate, the batched
 * update, and what resets do to the shadow.
 */
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE

static struct mech_env env;

static void setup2(void)
{
    struct mech_opts o = { .nr = 2, .no_map = true };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
}

static u64 bad_accesses(struct vgpu *v)
{
    struct vgpu_stats st;

    CU_ASSERT_EQUAL(vgpu_get_stats(v, &st), 0);
    return st.bad_accesses;
}

static void test_window_8byte(void)
{
    struct vgpu *v;
    u32 base, idx;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    idx = (base >> 12) + 5;
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    /* Reserved bits 11:1 set by a sloppy guest: stored cleared. */
    wr64(v, RGPU_GTT_BASE + idx * 8, 0x3000 | 0x7fe | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + idx * 8), 0x3001);
    CU_ASSERT_EQUAL(rd32(v, RGPU_GTT_BASE + idx * 8), 0x3001);
    CU_ASSERT_EQUAL(rd32(v, RGPU_GTT_BASE + idx * 8 + 4), 0);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 5 * PG), env.h[0].mem + 0x3000);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 5 * PG + 0x123), env.h[0].mem + 0x3123);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 5 * PG + PG - 1), env.h[0].mem + 0x3fff);
    /* Neighbours stay unmapped. */
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 4 * PG + PG - 1));
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 6 * PG));
    /* The engine's host GTT points at the same frame. */
    {
        u32 x = 0xfeedf00d, y = 0;

        memcpy(env.h[0].mem + 0x3040, &x, 4);
        CU_ASSERT_EQUAL(env.p->pgpu->ops->read_gm(env.p->pgpu, base + 5 * PG + 0x40, &y, 4), 0);
        CU_ASSERT_EQUAL(y, 0xfeedf00d);
    }
    /* Rewriting the same entry neither remaps nor unmaps. */
    wr64(v, RGPU_GTT_BASE + idx * 8, 0x3001);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    mech_teardown(&env);
}

static void test_window_halves(void)
{
    struct vgpu *v;
    u32 base, off;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    off = RGPU_GTT_BASE + ((base >> 12) + 7) * 8;
    wr32(v, off + 4, 0);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    wr32(v, off, 0x200000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 7 * PG + 8), env.h[0].mem + 0x200008);
    /* High half: the frame moves above guest memory -> old unmapped, entry invalid. */
    wr32(v, off + 4, 1);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(rd64(v, off), 0x100200000ull);     /* valid reads 0: unmapped (§2.2) */
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 7 * PG));
    /* And back: the half merges into the value written, valid bit included. */
    wr32(v, off + 4, 0);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    CU_ASSERT_EQUAL(rd64(v, off), 0x200001ull);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 7 * PG), env.h[0].mem + 0x200000);
    /* A low-half write of another frame remaps. */
    wr32(v, off, 0x1000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 7 * PG), env.h[0].mem + 0x1000);
    /* 2-byte and 1-byte accesses merge too. */
    {
        u8 b = 0x20;

        CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, off + 2, &b, 1), 1);
        CU_ASSERT_EQUAL(rd64(v, off), 0x201001ull);
        CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 7 * PG), env.h[0].mem + 0x201000);
    }
    mech_teardown(&env);
}

static void test_outside_slice(void)
{
    struct vgpu *v, *w;
    u32 widx;
    u64 bad;

    setup2();
    v = env.v[0];
    w = env.v[1];
    widx = (u32)(w->gm_base >> 12) + 3;
    gtt_set(w, (u32)w->gm_base + 3 * PG, 0x5000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[1].mapped, 1);
    bad = bad_accesses(v);
    /* vGPU 1 writes vGPU 2's entry: dropped, and reads 0 through its window. */
    wr64(v, RGPU_GTT_BASE + widx * 8, 0x9000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(bad_accesses(v), bad + 1);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + widx * 8), 0);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(vgpu_gtt_read(w, widx), 0x5001);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(w, (u32)w->gm_base + 3 * PG), env.h[1].mem + 0x5000);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, (u32)w->gm_base + 3 * PG));
    /* The last entry of the window (far past every slice) too. */
    wr64(v, RGPU_GTT_BASE + RGPU_GTT_SIZE - 8, 0x1001);
    CU_ASSERT_EQUAL(rd64(v, RGPU_GTT_BASE + RGPU_GTT_SIZE - 8), 0);
    CU_ASSERT_EQUAL(bad_accesses(v), bad + 2);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    mech_teardown(&env);
}

static void test_frame_outside_memory(void)
{
    struct vgpu *v;
    u32 base;
    u64 bad;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    bad = bad_accesses(v);
    gtt_set(v, base, (u64)MECH_MEM_SIZE | RGPU_PTE_VALID);    /* first frame past the end */
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(gtt_get(v, base), (u64)MECH_MEM_SIZE);     /* reads invalid (§2.2) */
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base));
    CU_ASSERT_EQUAL(bad_accesses(v), bad + 1);
    /* The engine's host GTT has nothing there either. */
    {
        u32 y;

        CU_ASSERT_EQUAL(env.p->pgpu->ops->read_gm(env.p->pgpu, base, &y, 4), -EFAULT);
    }
    /* Mapped first, then moved out of guest memory: old mapping dropped. */
    gtt_set(v, base + PG, 0x2000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    gtt_set(v, base + PG, 0xfffff000ull | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + PG));
    CU_ASSERT_EQUAL(gtt_get(v, base + PG), 0xfffff000ull);
    /* Rewriting the same (unmappable) value retries and fails again. */
    gtt_set(v, base + PG, 0xfffff001ull);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(bad_accesses(v), bad + 3);
    mech_teardown(&env);
}

static void test_remap_invalidate(void)
{
    struct vgpu *v;
    u32 base;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    gtt_set(v, base + 2 * PG, 0x4000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    gtt_set(v, base + 2 * PG, 0x6000 | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);        /* old frame unmapped */
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 2 * PG), env.h[0].mem + 0x6000);
    /* Valid bit 0 with an address: stored, not mapped. */
    gtt_set(v, base + 2 * PG, 0x6000);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 2 * PG));
    CU_ASSERT_EQUAL(gtt_get(v, base + 2 * PG), 0x6000);
    gtt_set(v, base + 2 * PG, 0x6001);
    CU_ASSERT_EQUAL(env.h[0].mapped, 1);
    gtt_set(v, base + 2 * PG, 0);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(gtt_get(v, base + 2 * PG), 0);
    {
        u32 y;

        CU_ASSERT_EQUAL(env.p->pgpu->ops->read_gm(env.p->pgpu, base + 2 * PG, &y, 4), -EFAULT);
    }
    mech_teardown(&env);
}

/* Write count PTEs into guest memory at list and run a batch. */
static u32 batch(struct vgpu *v, struct testhost *h, u64 list, u32 index, u32 count,
                 const u64 *ptes, u32 nptes)
{
    if (ptes)
        memcpy(h->mem + list, ptes, nptes * 8);
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_LO, (u32)list);
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_HI, (u32)(list >> 32));
    wr32(v, RGPU_REG_GTT_BATCH_INDEX, index);
    wr32(v, RGPU_REG_GTT_BATCH_COUNT, count);
    wr32(v, RGPU_REG_GTT_BATCH_CTL, RGPU_GTT_BATCH_GO);
    return rd32(v, RGPU_REG_GTT_BATCH_CTL);
}

static void test_batch_ok(void)
{
    struct vgpu *v;
    struct testhost *h;
    u64 ptes[100];
    u32 first, i;

    setup2();
    v = env.v[0];
    h = &env.h[0];
    first = (u32)(v->gm_base >> 12) + 10;
    for (i = 0; i < 100; i++)
        ptes[i] = ((u64)(99 - i) * PG) | RGPU_PTE_VALID | (i & 1 ? 0x10 : 0);
    CU_ASSERT_EQUAL(batch(v, h, 0x300000, first, 100, ptes, 100), RGPU_GTT_BATCH_DONE);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 100);
    CU_ASSERT_EQUAL(h->mapped, 100);
    for (i = 0; i < 100; i++) {
        CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, (first + i) << 12), h->mem + (99 - i) * PG);
        CU_ASSERT_EQUAL(gtt_get(v, (first + i) << 12), ((u64)(99 - i) * PG) | RGPU_PTE_VALID);
    }
    /* A second batch invalidating half of them. */
    memset(ptes, 0, sizeof(ptes));
    CU_ASSERT_EQUAL(batch(v, h, 0x300000, first, 50, ptes, 50), RGPU_GTT_BATCH_DONE);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 50);
    CU_ASSERT_EQUAL(h->mapped, 50);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, first << 12));
    /* The largest batch: 65536 entries of zeros over the slice's first 64 Ki pages
     * (the slice has 32 Ki: stops at the end with ERROR). */
    CU_ASSERT_EQUAL(batch(v, h, 0, (u32)(v->gm_base >> 12), RGPU_GTT_BATCH_MAX, NULL, 0),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), v->gm_size >> 12);
    CU_ASSERT_EQUAL(h->mapped, 0);
    mech_teardown(&env);
}

static void test_batch_errors(void)
{
    struct vgpu *v;
    struct testhost *h;
    u64 ptes[8];
    u32 last, i;

    setup2();
    v = env.v[0];
    h = &env.h[0];
    last = (u32)((v->gm_base + v->gm_size) >> 12) - 1;
    for (i = 0; i < 8; i++)
        ptes[i] = ((u64)i * PG) | RGPU_PTE_VALID;
    /* Runs past the slice's end after 3 entries. */
    CU_ASSERT_EQUAL(batch(v, h, 0x100000, last - 2, 8, ptes, 8), RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 3);
    CU_ASSERT_EQUAL(h->mapped, 3);
    CU_ASSERT_EQUAL(vgpu_gtt_read(env.v[1], last + 1), 0);
    CU_ASSERT_EQUAL(env.h[1].mapped, 0);
    /* Entirely in another vGPU's slice: nothing applied. */
    CU_ASSERT_EQUAL(batch(v, h, 0x100000, (u32)(env.v[1]->gm_base >> 12), 8, ptes, 8),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 0);
    CU_ASSERT_EQUAL(env.h[1].mapped, 0);
    /* Count 0 and count too large. */
    CU_ASSERT_EQUAL(batch(v, h, 0x100000, (u32)(v->gm_base >> 12), 0, NULL, 0),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 0);
    CU_ASSERT_EQUAL(batch(v, h, 0x100000, (u32)(v->gm_base >> 12), RGPU_GTT_BATCH_MAX + 1,
                          NULL, 0), RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 0);
    /* The list address is 8-byte aligned by construction: bits 2:0 of
     * ADDR_LO are not writable (docs/hw-spec.md 2.4). */
    wr32(v, RGPU_REG_GTT_BATCH_ADDR_LO, 0x100004);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_ADDR_LO), 0x100000);
    /* An unreadable list: outside guest memory. */
    CU_ASSERT_EQUAL(batch(v, h, (u64)MECH_MEM_SIZE, (u32)(v->gm_base >> 12), 4, NULL, 0),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 0);
    CU_ASSERT_EQUAL(batch(v, h, 1ull << 40, (u32)(v->gm_base >> 12), 4, NULL, 0),
                    RGPU_GTT_BATCH_ERROR);
    /* A list whose second chunk (entries 64..) lies past the end of memory:
     * the first 64 entries apply, then ERROR. */
    memset(h->mem + MECH_MEM_SIZE - 64 * 8, 0, 64 * 8);
    CU_ASSERT_EQUAL(batch(v, h, MECH_MEM_SIZE - 64 * 8, (u32)(v->gm_base >> 12), 100, NULL, 0),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 64);
    /* Unmappable frames: stored invalid, counted, flagged, and the batch goes on. */
    ptes[1] = (u64)MECH_MEM_SIZE | RGPU_PTE_VALID;
    ptes[5] = 0xabc000000ull | RGPU_PTE_VALID;
    CU_ASSERT_EQUAL(batch(v, h, 0x100000, (u32)(v->gm_base >> 12) + 100, 8, ptes, 8),
                    RGPU_GTT_BATCH_ERROR);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_GTT_BATCH_APPLIED), 8);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, (u32)v->gm_base + 101 * PG));
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, (u32)v->gm_base + 105 * PG));
    CU_ASSERT_EQUAL(gtt_get(v, (u32)v->gm_base + 105 * PG), 0xabc000000ull);   /* invalid */
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, (u32)v->gm_base + 107 * PG), h->mem + 7 * PG);
    /* 3 from the first batch, 6 of this one. */
    CU_ASSERT_EQUAL(h->mapped, 3 + 6);
    mech_teardown(&env);
}

static void test_flr_clears(void)
{
    struct vgpu *v;
    u32 base;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    gtt_map(v, base, 0, 64);
    gtt_map(env.v[1], (u32)env.v[1]->gm_base, 0, 8);
    CU_ASSERT_EQUAL(env.h[0].mapped, 64);
    /* GFX_RESET keeps the GTT. */
    wr32(v, RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
    CU_ASSERT_EQUAL(env.h[0].mapped, 64);
    CU_ASSERT_EQUAL(gtt_get(v, base + 63 * PG), 63ull * PG | RGPU_PTE_VALID);
    CU_ASSERT_PTR_EQUAL(vgpu_gtt_ptr(v, base + 63 * PG), env.h[0].mem + 63 * PG);
    /* FLR through the Advanced Features control register clears it. */
    cfgw(v, VGPU_CFG_AF_CAP + 4, 1, 1);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(gtt_get(v, base + 63 * PG), 0);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base));
    CU_ASSERT_EQUAL(cfgr(v, VGPU_CFG_AF_CAP + 4, 1), 0);    /* FLR bit self-clears */
    /* The other vGPU is untouched. */
    CU_ASSERT_EQUAL(env.h[1].mapped, 8);
    /* vgpu_reset (the hypervisor's reset) too. */
    gtt_map(v, base, 0, 4);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    /* Destroy unmaps whatever is left. */
    gtt_map(v, base, 0, 16);
    vgpu_destroy(v);
    env.v[0] = NULL;
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    mech_teardown(&env);
}

/*
 * A PTE rewritten while a slice of the vGPU runs: the host entry goes at
 * once, but the old frame stays mapped until the slice is over (the engine
 * may still hold a pointer into it).  Driven from the engine's own
 * per-command hook, i.e. from inside the running slice.
 */
struct midrun {
    struct vgpu *v;
    struct testhost *h;
    u32 gfx;
    unsigned int calls, mapped_in_hook, unmaps_before;
    bool ptr_null_in_hook;
};

static void rewrite_mid_slice(void *ctx, u32 opcode)
{
    struct midrun *m = ctx;

    (void)opcode;
    if (m->calls++)
        return;
    m->unmaps_before = m->h->mapped;
    os_mutex_lock(m->v->lock);
    vgpu_gtt_write(m->v, m->gfx >> 12, 0);      /* invalidate */
    m->ptr_null_in_hook = vgpu_gtt_ptr(m->v, m->gfx) == NULL;
    os_mutex_unlock(m->v->lock);
    m->mapped_in_hook = m->h->mapped;
}

static void test_unmap_deferred_while_running(void)
{
    struct midrun m;
    struct ring r;
    u32 b[16], n = 0, data;
    struct mech_opts o = { .nr = 1 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    memset(&m, 0, sizeof(m));
    m.v = env.v[0];
    m.h = &env.h[0];
    data = (u32)m.v->gm_base + L_DATA;
    m.gfx = data + 8 * PG;                      /* a page the workload does not touch */
    pgpu_sw_set_cmd_hook(env.p->pgpu, rewrite_mid_slice, &m);
    ring_init(&r, m.v, RGPU_ENGINE_RENDER);
    n += cmd_sdi(b + n, data, 1);
    n += cmd_sdi(b + n, data + 4, 2);
    ring_emit(&r, b, n);
    ring_submit(&r);
    CU_ASSERT_TRUE(run_idle(env.p) >= 1);
    CU_ASSERT_TRUE(m.calls >= 2);
    CU_ASSERT_TRUE(m.ptr_null_in_hook);                     /* no new translations */
    CU_ASSERT_EQUAL(m.mapped_in_hook, m.unmaps_before);     /* but not unmapped yet */
    CU_ASSERT_EQUAL(env.h[0].mapped, m.unmaps_before - 1);  /* released after the slice */
    CU_ASSERT_EQUAL(m.v->gtt.nr_deferred, 0);
    CU_ASSERT_EQUAL(gm_rd32(m.v, data + 4), 2);
    /* Idle engine: an unmap takes effect at once. */
    os_mutex_lock(m.v->lock);
    vgpu_gtt_write(m.v, (data >> 12) + 9, 0);
    os_mutex_unlock(m.v->lock);
    CU_ASSERT_EQUAL(env.h[0].mapped, m.unmaps_before - 2);
    mech_teardown(&env);
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
}

/* VFIO dma_unmap: every shadow entry backed by the withdrawn IOVA range
 * goes, and its frame is unpinned before the call returns. */
static void test_dma_unmap(void)
{
    struct vgpu *v;
    u32 base;
    unsigned int before;

    setup2();
    v = env.v[0];
    base = (u32)v->gm_base;
    gtt_map(v, base, 0x10000, 8);               /* frames at 0x10000..0x17fff */
    gtt_map(v, base + 8 * PG, 0x40000, 4);
    before = env.h[0].mapped;
    CU_ASSERT_EQUAL(before, 12);
    CU_ASSERT_EQUAL(vgpu_dma_unmap(v, 0x12000, 0x3000), 3);     /* frames 0x12..0x14 */
    CU_ASSERT_EQUAL(env.h[0].mapped, before - 3);
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 2 * PG));
    CU_ASSERT_PTR_NULL(vgpu_gtt_ptr(v, base + 4 * PG));
    CU_ASSERT_PTR_NOT_NULL(vgpu_gtt_ptr(v, base + 1 * PG));
    CU_ASSERT_PTR_NOT_NULL(vgpu_gtt_ptr(v, base + 5 * PG));
    /* The guest's address is kept; valid reads 0, as the page is unmapped. */
    CU_ASSERT_EQUAL(gtt_get(v, base + 2 * PG), 0x12000);
    CU_ASSERT_EQUAL(vgpu_dma_unmap(v, 0x80000, 0x10000), 0);    /* nothing there */
    CU_ASSERT_EQUAL(vgpu_dma_unmap(v, 0, 0), 0);
    CU_ASSERT_EQUAL(vgpu_dma_unmap(v, 0, ~0ull), before - 3);   /* everything */
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    mech_teardown(&env);
}

void register_gtt_tests(void)
{
    MECH_SUITE("gtt", NULL, NULL,
               MT(test_window_8byte), MT(test_window_halves), MT(test_outside_slice),
               MT(test_frame_outside_memory), MT(test_remap_invalidate), MT(test_batch_ok),
               MT(test_batch_errors), MT(test_flr_clears),
               MT(test_unmap_deferred_while_running), MT(test_dma_unmap));
}
