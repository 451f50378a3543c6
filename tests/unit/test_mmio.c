/*
 * test_mmio.c - BAR0: the register table and its dispatch, access sizes
 * and byte lanes, RO/W1C/write masks, holes and misaligned accesses, the
 * PV info page, table validation and reset values.
 */
#include <string.h>

#include "unit.h"

static struct unit_fixture fx;

static void fresh(void)
{
    unit_fixture_teardown(&fx);
    CU_ASSERT_EQUAL_FATAL(unit_fixture_setup(&fx, "refgpu-4"), 0);
}

static int suite_fini(void) { unit_fixture_teardown(&fx); return 0; }

static void raise_bits(struct vgpu *v, u32 bits)
{
    os_mutex_lock(v->lock);
    vgpu_irq_raise(v, bits);
    os_mutex_unlock(v->lock);
}

static void test_find(void)
{
    const struct vgpu_mmio_table *t;
    const struct vgpu_mmio_reg *r;

    fresh();
    t = &fx.parent->mmio;
    r = vgpu_mmio_find(t, RGPU_REG_ID);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->name, "ID");
    CU_ASSERT_EQUAL(r->offset, RGPU_REG_ID);
    r = vgpu_mmio_find(t, RGPU_REG_SCRATCH(3));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->name, "SCRATCH3");
    /* Both dwords of the 8-byte register find it. */
    r = vgpu_mmio_find(t, RGPU_REG_TIMESTAMP + 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->name, "TIMESTAMP");
    CU_ASSERT_EQUAL(r->size, 8);
    r = vgpu_mmio_find(t, RGPU_REG_IER + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->name, "IER");
    /* Holes. */
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0x08));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0x0c));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0x28));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0xfc));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0x110));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, RGPU_REGS_SIZE - 4));
    /* Outside the register file. */
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, RGPU_REGS_SIZE));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, RGPU_PVINFO_BASE));
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(t, 0xffffffffu));
}

static void test_id_version(void)
{
    static const char rgpu[4] = { 'R', 'G', 'P', 'U' };
    u8 b[4];

    fresh();
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ID, 4), RGPU_ID_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_VERSION, 4), RGPU_VERSION_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ID, 8),
                    (u64)RGPU_VERSION_VALUE << 32 | RGPU_ID_VALUE);
    CU_ASSERT_EQUAL(vgpu_region_read(fx.vgpu, VGPU_REGION_BAR0, RGPU_REG_ID, b, 4), 4);
    CU_ASSERT_EQUAL(memcmp(b, rgpu, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ID + 2, 2), RGPU_ID_VALUE >> 16);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ID + 3, 1), 'U');
}

static void test_ro_writes_dropped(void)
{
    fresh();
    bar0_wr(fx.vgpu, RGPU_REG_ID, 4, 0);
    bar0_wr(fx.vgpu, RGPU_REG_VERSION, 4, 0xffffffff);
    bar0_wr(fx.vgpu, RGPU_REG_ID, 8, 0);
    bar0_wr(fx.vgpu, RGPU_REG_ID + 1, 1, 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ID, 4), RGPU_ID_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_VERSION, 4), RGPU_VERSION_VALUE);
    /* ISR is read-only: the device sets it, the guest cannot. */
    bar0_wr(fx.vgpu, RGPU_REG_ISR, 4, RGPU_IRQ_VALID_MASK);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_ISR, 4), 0);
    /* Read-only registers are valid targets: no bad-access count. */
    CU_ASSERT_EQUAL(fx.vgpu->stat_bad_access, 0);
}

static void test_scratch_all_sizes(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    bar0_wr(v, RGPU_REG_SCRATCH(0), 4, 0x11223344);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0x11223344);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 1), 0x44);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0) + 1, 1), 0x33);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0) + 3, 1), 0x11);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0) + 2, 2), 0x1122);
    /* Byte lanes land where the offset says, the others are kept. */
    bar0_wr(v, RGPU_REG_SCRATCH(0) + 1, 1, 0xaa);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0x1122aa44);
    bar0_wr(v, RGPU_REG_SCRATCH(0) + 2, 2, 0xbbcc);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0xbbccaa44);
    bar0_wr(v, RGPU_REG_SCRATCH(0), 2, 0xeeff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0xbbcceeff);
    bar0_wr(v, RGPU_REG_SCRATCH(0) + 3, 1, 0x01);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0x01cceeff);
    /* Only the lanes written: the value's upper bits are not written. */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(1), 4), 0);

    /* 8 bytes over two 4-byte registers sets both. */
    bar0_wr(v, RGPU_REG_SCRATCH(0), 8, 0x8877665544332211ull);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0x44332211);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(1), 4), 0x88776655);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 8), 0x8877665544332211ull);
    bar0_wr(v, RGPU_REG_SCRATCH(2), 4, 0xcafef00d);
    bar0_wr(v, RGPU_REG_SCRATCH(3), 4, 0x0badc0de);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(2), 8), 0x0badc0decafef00dull);
    /* The four are independent. */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(1), 4), 0x88776655);
    CU_ASSERT_EQUAL(fx.vgpu->stat_bad_access, 0);
}

static void test_timestamp(void)
{
    struct vgpu *v;
    u64 t0, t1, t2, hi;

    fresh();
    v = fx.vgpu;
    t0 = bar0_rd(v, RGPU_REG_TIMESTAMP, 8);
    os_sleep_ns(2 * 1000 * 1000);
    t1 = bar0_rd(v, RGPU_REG_TIMESTAMP, 8);
    CU_ASSERT(t1 >= t0 + 2 * 1000 * 1000);
    /* Partial and full writes are dropped: it keeps counting from reset. */
    bar0_wr(v, RGPU_REG_TIMESTAMP, 4, 0);
    bar0_wr(v, RGPU_REG_TIMESTAMP + 4, 4, 0xffffffff);
    bar0_wr(v, RGPU_REG_TIMESTAMP, 8, 0);
    bar0_wr(v, RGPU_REG_TIMESTAMP + 2, 2, 0xffff);
    t2 = bar0_rd(v, RGPU_REG_TIMESTAMP, 8);
    CU_ASSERT(t2 >= t1);
    CU_ASSERT(t2 < 60ull * 1000 * 1000 * 1000);     /* not 0xffffffff << 32 */
    /* Reading the halves: the high dword is consistent with the 8-byte read. */
    hi = bar0_rd(v, RGPU_REG_TIMESTAMP + 4, 4);
    CU_ASSERT(hi >= t2 >> 32);
    CU_ASSERT(hi <= (t2 >> 32) + 1);
    /* Reset restarts it. */
    os_sleep_ns(20 * 1000 * 1000);
    t1 = bar0_rd(v, RGPU_REG_TIMESTAMP, 8);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    t2 = bar0_rd(v, RGPU_REG_TIMESTAMP, 8);
    CU_ASSERT(t2 < t1);
    CU_ASSERT_EQUAL(v->stat_bad_access, 0);
}

static void test_misaligned(void)
{
    struct vgpu *v;
    u64 bad;

    fresh();
    v = fx.vgpu;
    bar0_wr(v, RGPU_REG_SCRATCH(0), 8, 0x8877665544332211ull);
    bar0_wr(v, RGPU_REG_SCRATCH(2), 8, 0xffeeddccbbaa9988ull);
    bad = v->stat_bad_access;

    CU_ASSERT_EQUAL(bar0_rd(v, 0x12, 4), 0);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 1);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x14, 8), 0);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 2);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x11, 2), 0);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 3);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x1c, 8), 0);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 4);

    bar0_wr(v, 0x12, 4, 0);
    bar0_wr(v, 0x14, 8, 0);
    bar0_wr(v, 0x13, 2, 0);
    bar0_wr(v, RGPU_REG_TIMESTAMP + 4, 8, 0);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 8);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 8), 0x8877665544332211ull);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(2), 8), 0xffeeddccbbaa9988ull);

    /* Sizes the region layer refuses still cannot hurt the dispatcher. */
    os_mutex_lock(v->lock);
    CU_ASSERT_EQUAL(vgpu_mmio_read(v, RGPU_REG_SCRATCH(0), 3), 0);
    vgpu_mmio_write(v, RGPU_REG_SCRATCH(0), 16, 0);
    vgpu_mmio_write(v, RGPU_BAR0_SIZE, 4, 0);
    CU_ASSERT_EQUAL(vgpu_mmio_read(v, RGPU_BAR0_SIZE - 4, 8), 0);
    CU_ASSERT_EQUAL(vgpu_mmio_read(v, 0xfffffff8u, 8), 0);
    os_mutex_unlock(v->lock);
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 13);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0x44332211);
}

static void test_holes(void)
{
    struct vgpu *v;
    u64 bad;

    fresh();
    v = fx.vgpu;
    bad = v->stat_bad_access;
    CU_ASSERT_EQUAL(bar0_rd(v, 0x08, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x0c, 2), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x200, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REGS_SIZE - 8, 8), 0);
    CU_ASSERT(v->stat_bad_access >= bad + 4);
    bar0_wr(v, 0x08, 4, 0xffffffff);
    bar0_wr(v, 0x200, 4, 0xffffffff);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x08, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x200, 4), 0);
    bar0_wr(v, 0x08, 8, 0xffffffffffffffffull);
    CU_ASSERT_EQUAL(bar0_rd(v, 0x08, 8), 0);
    bar0_wr(v, RGPU_REG_IER + 4, 4, 0xffffffff);     /* 0x110: hole after IER */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER + 4, 4), 0);
    /* The neighbouring registers were not touched by the hole writes. */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_VERSION, 4), RGPU_VERSION_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0);
}

static void test_unclaimed_bar0_space(void)
{
    static const u32 offs[] = {
        RGPU_PVINFO_BASE + RGPU_PVINFO_SIZE, 0x20000, 0x400000, RGPU_GTT_BASE - 8,
    };
    struct vgpu *v;
    unsigned int i;
    u64 bad;

    fresh();
    v = fx.vgpu;
    bad = v->stat_bad_access;
    for (i = 0; i < OS_ARRAY_SIZE(offs); i++) {
        bar0_wr(v, offs[i], 8, 0x0123456789abcdefull);
        CU_ASSERT_EQUAL(bar0_rd(v, offs[i], 8), 0);
        CU_ASSERT_EQUAL(bar0_rd(v, offs[i], 4), 0);
    }
    CU_ASSERT_EQUAL(v->stat_bad_access, bad + 3 * OS_ARRAY_SIZE(offs));
    /* The register file is untouched by all that. */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 8), 0);
}

static void test_pvinfo(void)
{
    struct vgpu *v;
    const u32 pv = RGPU_PVINFO_BASE;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAGIC, 4), RGPU_PVINFO_MAGIC_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_VERSION, 4), RGPU_PVINFO_VERSION_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_BASE, 8), vgpu_gm_base(v));
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_SIZE, 8), vgpu_gm_size(v));
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_SIZE, 8), 512ull << 20);
    /* 0x18-0x1f: reserved since PV info 1.1 (1.0 named fences there). */
    CU_ASSERT_EQUAL(bar0_rd(v, pv + 0x18, 8), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_CAPS, 4), RGPU_PVCAP_BALLOON | RGPU_PVCAP_GTT_BATCH | RGPU_PVCAP_TRACK);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_VGPU_ID, 4), vgpu_get_id(v));
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAX_WIDTH, 4), vgpu_get_type(v)->max_width);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAX_HEIGHT, 4), vgpu_get_type(v)->max_height);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_TOTAL, 8), fx.parent->cfg.gm_size);
    /* Narrow reads see the same bytes; past the defined fields reads 0. */
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAGIC, 1), 'R');
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAGIC + 2, 2), RGPU_PVINFO_MAGIC_VALUE >> 16);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAGIC, 8),
                    (u64)RGPU_PVINFO_VERSION_VALUE << 32 | RGPU_PVINFO_MAGIC_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + 0x38, 8), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + 0x40, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_SIZE - 8, 8), 0);
}

static void test_pvinfo_second_vgpu(void)
{
    struct vgpu *w;
    const u32 pv = RGPU_PVINFO_BASE;

    fresh();
    CU_ASSERT_EQUAL_FATAL(vgpu_create(fx.parent, "refgpu-8", UNIT_UUID(02),
                                      testhost_get_ops(&fx.host), &fx.host, &w), 0);
    CU_ASSERT_EQUAL(bar0_rd(w, pv + RGPU_PVINFO_GM_BASE, 8), vgpu_gm_base(w));
    CU_ASSERT_NOT_EQUAL(bar0_rd(w, pv + RGPU_PVINFO_GM_BASE, 8),
                        bar0_rd(fx.vgpu, pv + RGPU_PVINFO_GM_BASE, 8));
    CU_ASSERT_EQUAL(bar0_rd(w, pv + RGPU_PVINFO_GM_SIZE, 8), 256ull << 20);
    CU_ASSERT_EQUAL(bar0_rd(w, pv + 0x18, 8), 0);
    CU_ASSERT_EQUAL(bar0_rd(w, pv + RGPU_PVINFO_VGPU_ID, 4), vgpu_get_id(w));
    CU_ASSERT_EQUAL(bar0_rd(w, pv + RGPU_PVINFO_MAX_WIDTH, 4), 1920);
    vgpu_destroy(w);
}

static void test_pvinfo_writes_ignored(void)
{
    struct vgpu *v;
    const u32 pv = RGPU_PVINFO_BASE;
    u64 base;

    fresh();
    v = fx.vgpu;
    base = vgpu_gm_base(v);
    bar0_wr(v, pv + RGPU_PVINFO_MAGIC, 4, 0);
    bar0_wr(v, pv + RGPU_PVINFO_GM_BASE, 8, 0x123456789ull);
    bar0_wr(v, pv + RGPU_PVINFO_GM_SIZE, 4, 0xffffffff);
    bar0_wr(v, pv + RGPU_PVINFO_VGPU_ID, 1, 0x7f);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_MAGIC, 4), RGPU_PVINFO_MAGIC_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_BASE, 8), base);
    CU_ASSERT_EQUAL(vgpu_gm_base(v), base);
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_GM_SIZE, 8), vgpu_gm_size(v));
    CU_ASSERT_EQUAL(bar0_rd(v, pv + RGPU_PVINFO_VGPU_ID, 4), vgpu_get_id(v));
}

static void test_table_build_valid(void)
{
    static const struct vgpu_mmio_reg regs[] = {
        { .offset = 0x00, .size = 4, .name = "A" },
        { .offset = 0x08, .size = 8, .name = "B" },
        { .offset = 0x10, .size = 4, .name = "C" },
        { .offset = RGPU_REGS_SIZE - 8, .size = 8, .name = "LAST" },
    };
    static const struct vgpu_mmio_range ranges[] = {
        { .base = RGPU_REGS_SIZE, .size = 0x1000, .name = "R0" },
        { .base = RGPU_BAR0_SIZE - 0x1000, .size = 0x1000, .name = "R1" },
    };
    struct vgpu_mmio_table t;

    CU_ASSERT_EQUAL_FATAL(vgpu_mmio_table_build(&t, regs, 4, ranges, 2), 0);
    CU_ASSERT_PTR_EQUAL(vgpu_mmio_find(&t, 0x00), &regs[0]);
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(&t, 0x04));
    CU_ASSERT_PTR_EQUAL(vgpu_mmio_find(&t, 0x08), &regs[1]);
    CU_ASSERT_PTR_EQUAL(vgpu_mmio_find(&t, 0x0c), &regs[1]);
    CU_ASSERT_PTR_EQUAL(vgpu_mmio_find(&t, 0x13), &regs[2]);
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(&t, 0x14));
    CU_ASSERT_PTR_EQUAL(vgpu_mmio_find(&t, RGPU_REGS_SIZE - 4), &regs[3]);
    CU_ASSERT_EQUAL(t.nr_regs, 4);
    CU_ASSERT_EQUAL(t.nr_ranges, 2);
    vgpu_mmio_table_free(&t);
    CU_ASSERT_PTR_NULL(t.lookup);

    /* An empty table is valid: everything is a hole. */
    CU_ASSERT_EQUAL_FATAL(vgpu_mmio_table_build(&t, NULL, 0, NULL, 0), 0);
    CU_ASSERT_PTR_NULL(vgpu_mmio_find(&t, 0));
    vgpu_mmio_table_free(&t);
}

static int build1(u32 offset, u8 size)
{
    struct vgpu_mmio_reg r[2];
    struct vgpu_mmio_table t;
    int rc;

    memset(r, 0, sizeof(r));
    r[0].offset = 0x40;
    r[0].size = 4;
    r[0].name = "OK";
    r[1].offset = offset;
    r[1].size = size;
    r[1].name = "UNDER-TEST";
    rc = vgpu_mmio_table_build(&t, r, 2, NULL, 0);
    if (rc == 0)
        vgpu_mmio_table_free(&t);
    else
        CU_ASSERT_PTR_NULL(t.lookup);
    return rc;
}

static void test_table_build_rejects_regs(void)
{
    struct vgpu_mmio_table t;

    CU_ASSERT_EQUAL(build1(0x80, 4), 0);
    CU_ASSERT_EQUAL(build1(0x80, 8), 0);
    /* Overlaps, exact and partial. */
    CU_ASSERT_EQUAL(build1(0x40, 4), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x40, 8), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x38, 8), 0);
    CU_ASSERT_EQUAL(build1(0x3c, 4), 0);
    /* Misaligned for their size. */
    CU_ASSERT_EQUAL(build1(0x82, 4), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x84, 8), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x81, 4), -EINVAL);
    /* Sizes other than 4 and 8. */
    CU_ASSERT_EQUAL(build1(0x80, 0), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x80, 1), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x80, 2), -EINVAL);
    CU_ASSERT_EQUAL(build1(0x80, 16), -EINVAL);
    /* Past the register file, including offsets where offset + size wraps. */
    CU_ASSERT_EQUAL(build1(RGPU_REGS_SIZE, 4), -EINVAL);
    CU_ASSERT_EQUAL(build1(RGPU_REGS_SIZE - 4, 8), -EINVAL);
    CU_ASSERT_EQUAL(build1(0xfffffffcu, 4), -EINVAL);
    CU_ASSERT_EQUAL(build1(0xfffffff8u, 8), -EINVAL);
    /* Too many registers for the 16-bit lookup. */
    CU_ASSERT_EQUAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, 0xffff, NULL, 0), -E2BIG);
}

static void test_table_build_rejects_ranges(void)
{
    struct vgpu_mmio_range rg;
    struct vgpu_mmio_table t;

    memset(&rg, 0, sizeof(rg));
    rg.name = "X";
    rg.base = RGPU_REGS_SIZE - 0x1000;          /* inside the register file */
    rg.size = 0x2000;
    CU_ASSERT_EQUAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, vgpu_ref_nr_regs, &rg, 1), -EINVAL);
    rg.base = RGPU_BAR0_SIZE - 0x1000;          /* past the end of BAR0 */
    rg.size = 0x2000;
    CU_ASSERT_EQUAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, vgpu_ref_nr_regs, &rg, 1), -EINVAL);
    rg.base = 0x80000000u;                      /* base + size wraps */
    rg.size = 0x80001000u;
    CU_ASSERT_EQUAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, vgpu_ref_nr_regs, &rg, 1), -EINVAL);
    rg.base = RGPU_GTT_BASE;
    rg.size = RGPU_GTT_SIZE;
    CU_ASSERT_EQUAL_FATAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, vgpu_ref_nr_regs, &rg, 1), 0);
    vgpu_mmio_table_free(&t);
    /* The reference table itself is valid. */
    CU_ASSERT_EQUAL_FATAL(vgpu_mmio_table_build(&t, vgpu_ref_regs, vgpu_ref_nr_regs,
                                                vgpu_ref_ranges, vgpu_ref_nr_ranges), 0);
    vgpu_mmio_table_free(&t);
}

static void test_iir_w1c(void)
{
    struct vgpu *v;
    const u32 bits = RGPU_IRQ_RENDER_DONE | RGPU_IRQ_COPY_DONE | RGPU_IRQ_VBLANK;

    fresh();
    v = fx.vgpu;
    bar0_wr(v, RGPU_REG_IMR, 4, 0);
    raise_bits(v, bits);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), bits);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), bits);
    /* Writing 0 changes nothing; writing 1 clears just that bit. */
    bar0_wr(v, RGPU_REG_IIR, 4, 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), bits);
    bar0_wr(v, RGPU_REG_IIR, 4, RGPU_IRQ_COPY_DONE);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), RGPU_IRQ_RENDER_DONE | RGPU_IRQ_VBLANK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), RGPU_IRQ_RENDER_DONE | RGPU_IRQ_VBLANK);
    /* A byte write to lane 1 clears VBLANK (bit 8) only. */
    bar0_wr(v, RGPU_REG_IIR + 1, 1, 0xff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), RGPU_IRQ_RENDER_DONE);
    /* Writing 1 can never set a bit. */
    bar0_wr(v, RGPU_REG_IIR, 4, 0xffffffff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    bar0_wr(v, RGPU_REG_IIR, 4, 0xffffffff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), 0);
    /* Bits outside the valid mask are never raised. */
    raise_bits(v, 0x80000000u | RGPU_IRQ_WATCHDOG);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), RGPU_IRQ_WATCHDOG);
}

static void test_imr_ier_masks(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK);    /* all masked */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), 0);
    bar0_wr(v, RGPU_REG_IMR, 4, 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), 0);
    bar0_wr(v, RGPU_REG_IMR, 4, 0xffffffff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK);
    bar0_wr(v, RGPU_REG_IER, 4, 0xffffffff);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), RGPU_IRQ_VALID_MASK);
    bar0_wr(v, RGPU_REG_IER, 4, 0xf0f0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), 0xf0f0 & RGPU_IRQ_VALID_MASK);
    /* Byte lane 1 of IMR: VBLANK and WATCHDOG only. */
    bar0_wr(v, RGPU_REG_IMR + 1, 1, 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK & 0xff);
    /* IMR masks latching into IIR, not the live status. */
    bar0_wr(v, RGPU_REG_IMR, 4, RGPU_IRQ_RENDER_DONE);
    os_mutex_lock(v->lock);
    vgpu_irq_raise(v, RGPU_IRQ_RENDER_DONE | RGPU_IRQ_COPY_DONE);
    os_mutex_unlock(v->lock);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), RGPU_IRQ_COPY_DONE);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), RGPU_IRQ_RENDER_DONE | RGPU_IRQ_COPY_DONE);
}

static void test_reset_values(void)
{
    struct vgpu *v;
    unsigned int i;

    fresh();
    v = fx.vgpu;
    for (i = 0; i < 4; i++)
        bar0_wr(v, RGPU_REG_SCRATCH(i), 4, 0x1000 + i);
    bar0_wr(v, RGPU_REG_IMR, 4, 0);
    bar0_wr(v, RGPU_REG_IER, 4, RGPU_IRQ_VBLANK);
    raise_bits(v, RGPU_IRQ_VBLANK | RGPU_IRQ_COPY_USER);
    CU_ASSERT_NOT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ID, 4), RGPU_ID_VALUE);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_VERSION, 4), RGPU_VERSION_VALUE);
    for (i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(i), 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ISR, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IIR, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), 0);
    /* The table's reset values, register by register. */
    for (i = 0; i < vgpu_ref_nr_regs; i++) {
        const struct vgpu_mmio_reg *r = &vgpu_ref_regs[i];

        if (!r->read)
            CU_ASSERT_EQUAL(bar0_rd(v, r->offset, r->size), r->reset);
    }
}

static void test_trap_counter(void)
{
    struct vgpu *v;
    u64 before;
    u8 b[4];

    fresh();
    v = fx.vgpu;
    before = v->stat_mmio_traps;
    bar0_rd(v, RGPU_REG_ID, 4);
    bar0_wr(v, RGPU_REG_SCRATCH(0), 4, 1);
    bar0_rd(v, 0x12, 4);                        /* misaligned: still a trap */
    bar0_rd(v, RGPU_PVINFO_BASE, 4);
    bar0_rd(v, RGPU_REG_SCRATCH(0), 8);         /* two registers, one trap */
    CU_ASSERT_EQUAL(v->stat_mmio_traps, before + 5);
    /* Refused by the region layer: never reaches the device. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, 0, b, 3), -EINVAL);
    CU_ASSERT_EQUAL(v->stat_mmio_traps, before + 5);
    /* Config accesses are counted separately. */
    cfg_rd(v, 0, 4);
    CU_ASSERT_EQUAL(v->stat_mmio_traps, before + 5);
}

void register_mmio_tests(void)
{
    UNIT_SUITE("mmio", NULL, suite_fini,
               UT(test_find),
               UT(test_id_version),
               UT(test_ro_writes_dropped),
               UT(test_scratch_all_sizes),
               UT(test_timestamp),
               UT(test_misaligned),
               UT(test_holes),
               UT(test_unclaimed_bar0_space),
               UT(test_pvinfo),
               UT(test_pvinfo_second_vgpu),
               UT(test_pvinfo_writes_ignored),
               UT(test_table_build_valid),
               UT(test_table_build_rejects_regs),
               UT(test_table_build_rejects_ranges),
               UT(test_iir_w1c),
               UT(test_imr_ier_masks),
               UT(test_reset_values),
               UT(test_trap_counter));
}
