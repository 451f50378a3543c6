/*
 * region_io.c - see region_io.h.
 */
#include <CUnit/CUnit.h>

#include "common/region_io.h"

u64 region_rd(struct vgpu *v, u32 index, u64 off, u32 len)
{
    u8 b[8] = { 0 };
    u64 val = 0;

    CU_ASSERT_FATAL(len >= 1 && len <= 8);
    CU_ASSERT_EQUAL(vgpu_region_read(v, index, off, b, len), (long)len);
    for (u32 i = 0; i < len; i++)
        val |= (u64)b[i] << (8 * i);
    return val;
}

void region_wr(struct vgpu *v, u32 index, u64 off, u32 len, u64 val)
{
    u8 b[8];

    CU_ASSERT_FATAL(len >= 1 && len <= 8);
    for (u32 i = 0; i < len; i++)
        b[i] = (u8)(val >> (8 * i));
    CU_ASSERT_EQUAL(vgpu_region_write(v, index, off, b, len), (long)len);
}
