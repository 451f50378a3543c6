/*
 * test_track.c - write tracking of guest frames: add/remove through
 * host-ops, dispatch of trapped writes to the frame's handler, argument
 * checking, and cleanup on destroy.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"

static struct unit_fixture fx;

static void fresh(void)
{
    unit_fixture_teardown(&fx);
    CU_ASSERT_EQUAL_FATAL(unit_fixture_setup(&fx, "refgpu-8"), 0);
}

static int suite_fini(void) { unit_fixture_teardown(&fx); return 0; }

struct seen {
    unsigned int calls;
    struct vgpu *v;
    u64 addr;
    size_t len;
    u8 data[64];
};

static void record(struct vgpu *v, void *ctx, u64 addr, const void *data, size_t len)
{
    struct seen *s = ctx;

    s->calls++;
    s->v = v;
    s->addr = addr;
    s->len = len;
    memcpy(s->data, data, len < sizeof(s->data) ? len : sizeof(s->data));
}

static void test_add_remove(void)
{
    struct seen s = { 0 };
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x1000, record, &s), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x3000, record, &s), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 2);
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x1000), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x1000), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x2000), -ENOENT);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    /* Any address inside the frame names it. */
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x3abc), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
    /* Re-adding a removed frame works. */
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x1000, record, &s), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(s.calls, 0);
}

static void test_add_duplicate_and_bad(void)
{
    struct seen s = { 0 };
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x5000, record, &s), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x5000, record, &s), -EEXIST);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x5ff8, record, NULL), -EEXIST);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x6000, NULL, &s), -EINVAL);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    /* The host refuses (not guest memory): nothing is left registered. */
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 64ull << 20, record, &s), -EFAULT);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 64ull << 20, "x", 1), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 64ull << 20), -ENOENT);
    CU_ASSERT_EQUAL(s.calls, 0);
}

static void test_write_dispatch(void)
{
    struct seen a = { 0 }, b = { 0 };
    const u8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x1000, record, &a), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x2000, record, &b), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1010, data, 8), 0);
    CU_ASSERT_EQUAL(a.calls, 1);
    CU_ASSERT_EQUAL(b.calls, 0);
    CU_ASSERT_PTR_EQUAL(a.v, v);
    CU_ASSERT_EQUAL(a.addr, 0x1010);
    CU_ASSERT_EQUAL(a.len, 8);
    CU_ASSERT_EQUAL(memcmp(a.data, data, 8), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x2ffc, data + 4, 4), 0);
    CU_ASSERT_EQUAL(b.calls, 1);
    CU_ASSERT_EQUAL(b.addr, 0x2ffc);
    CU_ASSERT_EQUAL(b.len, 4);
    CU_ASSERT_EQUAL(memcmp(b.data, data + 4, 4), 0);
    CU_ASSERT_EQUAL(a.calls, 1);
    /* A whole page at once is one write. */
    {
        u8 *page = os_alloc(VGPU_PAGE_SIZE);

        CU_ASSERT_PTR_NOT_NULL_FATAL(page);
        page[0] = 0x77;
        CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1000, page, VGPU_PAGE_SIZE), 0);
        CU_ASSERT_EQUAL(a.calls, 2);
        CU_ASSERT_EQUAL(a.len, VGPU_PAGE_SIZE);
        CU_ASSERT_EQUAL(a.data[0], 0x77);
        os_free(page);
    }
    /* After removal the frame is untracked. */
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x1000), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1010, data, 8), -ENOENT);
    CU_ASSERT_EQUAL(a.calls, 2);
}

static void test_write_errors(void)
{
    struct seen s = { 0 };
    const u8 data[16] = { 0 };
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x1000, record, &s), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x2000, record, &s), 0);
    /* Untracked frames. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x0ff8, data, 8), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x3000, data, 8), -ENOENT);
    /* Crossing into the next frame, even a tracked one. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1ffc, data, 8), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1001, data, VGPU_PAGE_SIZE), -EINVAL);
    /* Lengths so large that offset + len wraps. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1001, data, SIZE_MAX), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1ff0, data, SIZE_MAX - 0xfef), -EINVAL);
    /* Degenerate arguments. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1000, data, 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1000, NULL, 8), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_page_track_write(NULL, 0x1000, data, 8), -EINVAL);
    CU_ASSERT_EQUAL(s.calls, 0);
    /* Exactly up to the end of the frame is fine. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1ff8, data, 8), 0);
    CU_ASSERT_EQUAL(s.calls, 1);
}

static void test_no_tracking_ops(void)
{
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p;
    struct testhost h;
    struct seen s = { 0 };
    struct vgpu *v;

    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL_FATAL(vgpu_parent_create(&cfg, &p), 0);
    CU_ASSERT_EQUAL_FATAL(testhost_init(&h, 1u << 20), 0);
    h.no_tracking = true;
    CU_ASSERT_EQUAL_FATAL(vgpu_create(p, "refgpu-8", UNIT_UUID(03), testhost_get_ops(&h), &h, &v),
                          0);
    CU_ASSERT_EQUAL(vgpu_page_track_add(v, 0x1000, record, &s), -EOPNOTSUPP);
    CU_ASSERT_EQUAL(h.tracked, 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(v, 0x1000, "ab", 2), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_page_track_remove(v, 0x1000), -ENOENT);
    /* BAR reports are optional too: decode changes must not crash. */
    cfg_wr(v, 0x10, 4, 0xe0000000);
    cfg_wr(v, 0x04, 2, 0x0002);
    CU_ASSERT_EQUAL(h.nr_bar_events, 0);
    vgpu_destroy(v);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(p), 0);
    testhost_fini(&h);
}

static void test_destroy_removes_all(void)
{
    struct seen s = { 0 };
    unsigned int i;

    fresh();
    for (i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(vgpu_page_track_add(fx.vgpu, (u64)(i * 37 + 1) << VGPU_PAGE_SHIFT,
                                            record, &s), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 8);
    vgpu_destroy(fx.vgpu);
    fx.vgpu = NULL;
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
}

static void test_many_frames(void)
{
    enum { N = 600 };   /* several entries per hash bucket */
    struct seen *s = os_alloc(sizeof(*s) * N);
    unsigned int i;
    u8 byte;

    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    fresh();
    for (i = 0; i < N; i++)
        CU_ASSERT_EQUAL(vgpu_page_track_add(fx.vgpu, (u64)i << VGPU_PAGE_SHIFT, record, &s[i]), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, N);
    for (i = 0; i < N; i++) {
        byte = (u8)i;
        CU_ASSERT_EQUAL(vgpu_page_track_write(fx.vgpu, ((u64)i << VGPU_PAGE_SHIFT) + 0x80, &byte, 1), 0);
    }
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(s[i].calls, 1);
        CU_ASSERT_EQUAL(s[i].addr, ((u64)i << VGPU_PAGE_SHIFT) + 0x80);
        CU_ASSERT_EQUAL(s[i].data[0], (u8)i);
    }
    /* Remove every third frame (middle of chains), then check the rest. */
    for (i = 0; i < N; i += 3)
        CU_ASSERT_EQUAL(vgpu_page_track_remove(fx.vgpu, (u64)i << VGPU_PAGE_SHIFT), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, N - (N + 2) / 3);
    for (i = 0; i < N; i++) {
        int want = i % 3 ? 0 : -ENOENT;

        CU_ASSERT_EQUAL(vgpu_page_track_write(fx.vgpu, (u64)i << VGPU_PAGE_SHIFT, &byte, 1), want);
        CU_ASSERT_EQUAL(s[i].calls, i % 3 ? 2u : 1u);
    }
    unit_fixture_teardown(&fx);
    os_free(s);
}

/* The reference GPU's debug tracked page, driven only through registers:
 * the path that the Xen rig proves end to end. */
static void test_track_registers(void)
{
    u32 word = 0xdeadbeef;

    fresh();
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_LO, 4, 0x3000 | 0x123);   /* low bits ignored */
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_HI, 4, 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_ADDR_LO, 4), 0x3000);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_STATUS, 4), 1);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    CU_ASSERT_EQUAL(vgpu_page_tracked(fx.vgpu, 0x3abc), true);
    CU_ASSERT_EQUAL(vgpu_page_tracked(fx.vgpu, 0x4000), false);
    /* Two trapped writes, as the path reports them after applying them. */
    CU_ASSERT_EQUAL(vgpu_page_track_write(fx.vgpu, 0x3010, &word, 4), 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(fx.vgpu, 0x3ff8, &word, 2), 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_COUNT, 4), 2);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_LAST, 4), 0xff8u << 16 | 2);
    /* RO registers ignore writes. */
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_COUNT, 4, 77);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_COUNT, 4), 2);
    /* Address 0 stops tracking and resets the count. */
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_LO, 4, 0);
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_HI, 4, 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_STATUS, 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_COUNT, 4), 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
    CU_ASSERT_EQUAL(vgpu_page_track_write(fx.vgpu, 0x3010, &word, 4), -ENOENT);
    /* A frame outside guest memory: the host refuses, the status says why. */
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_LO, 4, 0);
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_HI, 4, 0x10);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_STATUS, 4), 0x80000000u | EFAULT);
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
    /* Device reset drops tracking too. */
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_LO, 4, 0x5000);
    bar0_wr(fx.vgpu, RGPU_REG_TRACK_ADDR_HI, 4, 0);
    CU_ASSERT_EQUAL(fx.host.tracked, 1);
    bar0_wr(fx.vgpu, RGPU_REG_GFX_RESET, 4, RGPU_GFX_RESET_ALL);
    CU_ASSERT_EQUAL(fx.host.tracked, 0);
    CU_ASSERT_EQUAL(bar0_rd(fx.vgpu, RGPU_REG_TRACK_STATUS, 4), 0);
}

void register_track_tests(void)
{
    UNIT_SUITE("track", NULL, suite_fini,
               UT(test_add_remove),
               UT(test_add_duplicate_and_bad),
               UT(test_write_dispatch),
               UT(test_write_errors),
               UT(test_no_tracking_ops),
               UT(test_destroy_removes_all),
               UT(test_many_frames),
               UT(test_track_registers));
}
