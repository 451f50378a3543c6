/*
 * le_bytes.h - little-endian loads and stores of 1 to 8 bytes.  The
 * device's registers, configuration space and PV info page are
 * little-endian byte buffers at every interface (region API, IOREQs, the
 * guest's sysfs config file), whatever the host's byte order: these are
 * the only conversions, shared by core, guest, backend and tests.
 *
 * Header-only, no includes: u8..u64 come from the includer (core's os.h,
 * the guest's rgpu_cmd.h).
 */
#ifndef RGPU_LE_BYTES_H
#define RGPU_LE_BYTES_H

/* len bytes at p (len <= 8) as a little-endian value. */
static inline u64 le_load(const u8 *p, u32 len)
{
    u64 val = 0;
    u32 i;

    for (i = 0; i < len; i++)
        val |= (u64)p[i] << (8 * i);
    return val;
}

/* The low len bytes of val to p, least significant first. */
static inline void le_store(u8 *p, u32 len, u64 val)
{
    u32 i;

    for (i = 0; i < len; i++)
        p[i] = (u8)(val >> (8 * i));
}

static inline u16 le16_load(const u8 *p) { return (u16)le_load(p, 2); }
static inline u32 le32_load(const u8 *p) { return (u32)le_load(p, 4); }
static inline u64 le64_load(const u8 *p) { return le_load(p, 8); }
static inline void le32_store(u8 *p, u32 val) { le_store(p, 4, val); }
static inline void le64_store(u8 *p, u64 val) { le_store(p, 8, val); }

#endif /* RGPU_LE_BYTES_H */
