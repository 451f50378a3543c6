/*
 * test_region.c - the VFIO-shaped region API: info per index, bounds and
 * size checking of read/write, and the byte order of the buffers.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"

static struct unit_fixture fx;

static void fresh(void)
{
    unit_fixture_teardown(&fx);
    CU_ASSERT_EQUAL_FATAL(unit_fixture_setup(&fx, "refgpu-16"), 0);
}

static int suite_fini(void) { unit_fixture_teardown(&fx); return 0; }

static void test_info_each_index(void)
{
    struct vgpu_region_info info;
    u32 i;

    fresh();
    for (i = 0; i < VGPU_REGION_NUM; i++) {
        memset(&info, 0xa5, sizeof(info));
        CU_ASSERT_EQUAL_FATAL(vgpu_region_info(fx.vgpu, i, &info), 0);
        CU_ASSERT_EQUAL(info.index, i);
        CU_ASSERT_EQUAL(info.nr_areas, 0);
        switch (i) {
        case VGPU_REGION_BAR0:
            CU_ASSERT_EQUAL(info.size, RGPU_BAR0_SIZE);
            CU_ASSERT_EQUAL(info.size, 16u << 20);
            CU_ASSERT_EQUAL(info.flags, VGPU_REGION_FLAG_READ | VGPU_REGION_FLAG_WRITE);
            break;
        case VGPU_REGION_CONFIG:
            CU_ASSERT_EQUAL(info.size, 256);
            CU_ASSERT_EQUAL(info.flags, VGPU_REGION_FLAG_READ | VGPU_REGION_FLAG_WRITE);
            break;
        default:    /* BAR1..5 (BAR0 is the only BAR: hw-spec §1), ROM, VGA */
            CU_ASSERT_EQUAL(info.size, 0);
            CU_ASSERT_EQUAL(info.flags, 0);
            break;
        }
    }
}

static void test_info_bad_args(void)
{
    struct vgpu_region_info info;

    fresh();
    CU_ASSERT_EQUAL(vgpu_region_info(fx.vgpu, VGPU_REGION_NUM, &info), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_info(fx.vgpu, 1000, &info), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_info(fx.vgpu, UINT32_MAX, &info), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_info(fx.vgpu, VGPU_REGION_BAR0, NULL), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_info(NULL, VGPU_REGION_BAR0, &info), -EINVAL);
}

static void test_bounds_bar0(void)
{
    struct vgpu *v;
    u8 b[8] = { 0 };

    fresh();
    v = fx.vgpu;
    /* Last valid access and one past it. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE - 4, b, 4), 4);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE - 8, b, 8), 8);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE - 1, b, 1), 1);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE, b, 1), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE, b, 4), -EINVAL);
    /* Past the end. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE + 0x1000, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, 1ull << 40, b, 4), -EINVAL);
    /* Crossing the end. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE - 4, b, 8), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_BAR0_SIZE - 2, b, 4), -EINVAL);
    /* offset + len overflowing 64 bits. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, UINT64_MAX - 1, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, UINT64_MAX - 1, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, UINT64_MAX, b, 1), -EINVAL);
    /* None of these reached the device. */
    CU_ASSERT_EQUAL(v->stat_mmio_traps, 3);
}

static void test_bounds_config(void)
{
    struct vgpu *v;
    u8 b[260];

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 252, b, 4), 4);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 255, b, 1), 1);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 256, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 256, b, 1), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 256, b, 1), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 254, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 253, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, b, 257), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, UINT64_MAX - 1, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, UINT64_MAX - 1, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 4, b, SIZE_MAX), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 1ull << 32, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(v->stat_cfg_traps, 2);
}

static void test_zero_length_and_null(void)
{
    struct vgpu *v;
    u8 b[4] = { 0 };

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, 0, b, 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, 0, b, 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, b, 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 0, b, 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, 0, NULL, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, 0, NULL, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, NULL, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 0, NULL, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(NULL, VGPU_REGION_CONFIG, 0, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(NULL, VGPU_REGION_CONFIG, 0, b, 4), -EINVAL);
}

static void test_bad_and_unimplemented_index(void)
{
    static const u32 absent[] = {
        VGPU_REGION_BAR1, VGPU_REGION_BAR2, VGPU_REGION_BAR3, VGPU_REGION_BAR4,
        VGPU_REGION_BAR5, VGPU_REGION_ROM, VGPU_REGION_VGA,
    };
    struct vgpu *v;
    u8 b[4] = { 0x11, 0x22, 0x33, 0x44 };
    unsigned int i;

    fresh();
    v = fx.vgpu;
    for (i = 0; i < OS_ARRAY_SIZE(absent); i++) {
        CU_ASSERT_EQUAL(vgpu_region_read(v, absent[i], 0, b, 4), -EINVAL);
        CU_ASSERT_EQUAL(vgpu_region_write(v, absent[i], 0, b, 4), -EINVAL);
    }
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_NUM, 0, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_NUM, 0, b, 4), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_read(v, UINT32_MAX, 0, b, 4), -EINVAL);
    /* The buffer is untouched on failure. */
    CU_ASSERT_EQUAL(b[0], 0x11);
    CU_ASSERT_EQUAL(b[3], 0x44);
}

static void test_bar_access_sizes(void)
{
    struct vgpu *v;
    u8 rb[16], wb[16];
    size_t len;

    fresh();
    v = fx.vgpu;
    memset(wb, 0xee, sizeof(wb));
    for (len = 0; len <= 16; len++) {
        bool ok = len == 1 || len == 2 || len == 4 || len == 8;
        long want = ok ? (long)len : -EINVAL;

        CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), rb, len), want);
        CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), wb, len), want);
    }
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 8), 0xeeeeeeeeeeeeeeeeull);
    /* Refused 3- and 16-byte writes leave nothing behind. */
    memset(wb, 0, sizeof(wb));
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), wb, 3), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), wb, 16), -EINVAL);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 8), 0xeeeeeeeeeeeeeeeeull);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(2), 4), 0);
    /* A refused read leaves the buffer alone. */
    memset(rb, 0x5a, sizeof(rb));
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), rb, 16), -EINVAL);
    CU_ASSERT_EQUAL(rb[0], 0x5a);
    CU_ASSERT_EQUAL(rb[15], 0x5a);
}

static void test_config_any_length(void)
{
    struct vgpu *v;
    u8 whole[256], part[256];
    u32 off;

    fresh();
    v = fx.vgpu;
    cfg_wr(v, 0x3c, 1, 0x0a);
    cfg_wr(v, 0x54, 4, 0xfee00000);
    memset(whole, 0, sizeof(whole));
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, whole, 256), 256);
    for (off = 0; off < 256; off += 4) {
        u32 d = cfg_rd(v, off, 4);

        CU_ASSERT_EQUAL(whole[off], d & 0xff);
        CU_ASSERT_EQUAL(whole[off + 1], (d >> 8) & 0xff);
        CU_ASSERT_EQUAL(whole[off + 2], (d >> 16) & 0xff);
        CU_ASSERT_EQUAL(whole[off + 3], d >> 24);
    }
    CU_ASSERT_EQUAL(whole[0], RGPU_PCI_VENDOR_ID & 0xff);
    CU_ASSERT_EQUAL(whole[0x3c], 0x0a);
    CU_ASSERT_EQUAL(whole[0x57], 0xfe);
    /* Odd lengths at odd offsets return the same bytes. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 3, part, 7), 7);
    CU_ASSERT_EQUAL(memcmp(part, whole + 3, 7), 0);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0x41, part, 191), 191);
    CU_ASSERT_EQUAL(memcmp(part, whole + 0x41, 191), 0);
    /* Writing back what was read changes nothing. */
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 0, whole, 256), 256);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, part, 256), 256);
    CU_ASSERT_EQUAL(memcmp(part, whole, 256), 0);
}

static void test_little_endian(void)
{
    struct vgpu *v;
    u8 b[8];
    static const u8 w[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

    fresh();
    v = fx.vgpu;
    bar0_wr(v, RGPU_REG_SCRATCH(0), 4, 0x11223344);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), b, 4), 4);
    CU_ASSERT_EQUAL(b[0], 0x44);
    CU_ASSERT_EQUAL(b[1], 0x33);
    CU_ASSERT_EQUAL(b[2], 0x22);
    CU_ASSERT_EQUAL(b[3], 0x11);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0) + 2, b, 2), 2);
    CU_ASSERT_EQUAL(b[0], 0x22);
    CU_ASSERT_EQUAL(b[1], 0x11);
    /* Writes: byte 0 of the buffer is the least significant. */
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), w, 8), 8);
    CU_ASSERT_EQUAL(v->vregs[RGPU_REG_SCRATCH(0) / 4], 0x04030201);
    CU_ASSERT_EQUAL(v->vregs[RGPU_REG_SCRATCH(1) / 4], 0x08070605);
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(0), b, 8), 8);
    CU_ASSERT_EQUAL(memcmp(b, w, 8), 0);
    /* Config space too. */
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, b, 4), 4);
    CU_ASSERT_EQUAL(b[0] | b[1] << 8, RGPU_PCI_VENDOR_ID);
    CU_ASSERT_EQUAL(b[2] | b[3] << 8, RGPU_PCI_DEVICE_ID);
}

void register_region_tests(void)
{
    UNIT_SUITE("region", NULL, suite_fini,
               UT(test_info_each_index),
               UT(test_info_bad_args),
               UT(test_bounds_bar0),
               UT(test_bounds_config),
               UT(test_zero_length_and_null),
               UT(test_bad_and_unimplemented_index),
               UT(test_bar_access_sizes),
               UT(test_config_any_length),
               UT(test_little_endian));
}
