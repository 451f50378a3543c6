/*
 * region_io.h - region accesses for the CUnit suites: read or write a
 * little-endian value of 1..8 bytes through the region API, asserting the
 * access itself succeeded.  Shared by tests/unit and tests/mech.
 */
#ifndef REGION_IO_H
#define REGION_IO_H

#include "vgpu.h"

u64 region_rd(struct vgpu *v, u32 index, u64 off, u32 len);
void region_wr(struct vgpu *v, u32 index, u64 off, u32 len, u64 val);

#endif /* REGION_IO_H */
