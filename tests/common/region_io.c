/*
 * region_io.c - see region_io.h.
 */
#include <CUnit/CUnit.h>

#include "common/region_io.h"
#include "le_bytes.h"

u64 region_rd(struct vgpu *v, u32 index, u64 off, u32 len)
{
    u8 b[8] = { 0 };

    CU_ASSERT_FATAL(len >= 1 && len <= 8);
    CU_ASSERT_EQUAL(vgpu_region_read(v, index, off, b, len), (long)len);
    return le_load(b, len);
}

void region_wr(struct vgpu *v, u32 index, u64 off, u32 len, u64 val)
{
    u8 b[8];

    CU_ASSERT_FATAL(len >= 1 && len <= 8);
    le_store(b, len, val);
    CU_ASSERT_EQUAL(vgpu_region_write(v, index, off, b, len), (long)len);
}
