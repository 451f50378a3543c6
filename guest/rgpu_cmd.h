/*
 * rgpu_cmd.h - command stream builders for the reference GPU (hw_regs.h,
 * docs/hw-spec.md section 6).
 *
 * A struct rgpu_cs is a caller-owned dword buffer: a stack array for a
 * ring submission, or the CPU mapping of a buffer object for a batch.
 * Each builder appends one whole command or, if it does not fit, nothing
 * and sets cs->overflow, so a sequence of builders can be checked once at
 * the end.  No allocation, no device access: header-only.
 */
#ifndef RGPU_CMD_H
#define RGPU_CMD_H

#include <stdint.h>
#include <stdbool.h>

#ifndef RGPU_GUEST_TYPES
#define RGPU_GUEST_TYPES
/* The spec header uses the kernel-style names; identical repeated typedefs
 * are valid C11, so this coexists with core/os/os.h. */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#include "hw_regs.h"
#include "hw_cmds.h"

struct rgpu_cs {
    u32 *buf;
    u32 len;            /* dwords written */
    u32 cap;            /* dwords available */
    bool overflow;      /* a builder did not fit: the stream is incomplete */
};

static inline void rgpu_cs_init(struct rgpu_cs *cs, u32 *buf, u32 cap_dwords)
{
    cs->buf = buf;
    cs->len = 0;
    cs->cap = cap_dwords;
    cs->overflow = false;
}

/* Append n raw dwords (for hand-made or deliberately malformed streams). */
static inline bool rgpu_cs_raw(struct rgpu_cs *cs, const u32 *dw, u32 n)
{
    u32 i;

    if (cs->overflow || n > cs->cap - cs->len) {
        cs->overflow = true;
        return false;
    }
    for (i = 0; i < n; i++)
        cs->buf[cs->len + i] = dw[i];
    cs->len += n;
    return true;
}

static inline bool rgpu_cs_noop(struct rgpu_cs *cs)
{
    const u32 c[1] = { RGPU_CMD(RGPU_OP_NOOP, 0) };

    return rgpu_cs_raw(cs, c, 1);
}

static inline bool rgpu_cs_batch_start(struct rgpu_cs *cs, u32 gfx_addr)
{
    const u32 c[2] = { RGPU_CMD(RGPU_OP_BATCH_START, 1), gfx_addr };

    return rgpu_cs_raw(cs, c, 2);
}

static inline bool rgpu_cs_batch_end(struct rgpu_cs *cs)
{
    const u32 c[1] = { RGPU_CMD(RGPU_OP_BATCH_END, 0) };

    return rgpu_cs_raw(cs, c, 1);
}

static inline bool rgpu_cs_store_imm(struct rgpu_cs *cs, u32 gfx_addr, u32 value)
{
    const u32 c[3] = { RGPU_CMD(RGPU_OP_STORE_DATA_IMM, 2), gfx_addr, value };

    return rgpu_cs_raw(cs, c, 3);
}

static inline bool rgpu_cs_store_index(struct rgpu_cs *cs, u32 hws_offset, u32 value)
{
    const u32 c[3] = { RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, 2), hws_offset, value };

    return rgpu_cs_raw(cs, c, 3);
}

/* One LOAD_REGISTER_IMM with n (register, value) pairs, 1 <= n <= 16. */
static inline bool rgpu_cs_lri(struct rgpu_cs *cs, const u32 *regs, const u32 *vals, u32 n)
{
    u32 c[1 + 2 * RGPU_MAX_LRI_PAIRS], i;

    if (n == 0 || n > RGPU_MAX_LRI_PAIRS) {
        cs->overflow = true;
        return false;
    }
    c[0] = RGPU_CMD(RGPU_OP_LOAD_REG_IMM, 2 * n);
    for (i = 0; i < n; i++) {
        c[1 + 2 * i] = regs[i];
        c[2 + 2 * i] = vals[i];
    }
    return rgpu_cs_raw(cs, c, 1 + 2 * n);
}

static inline bool rgpu_cs_lri1(struct rgpu_cs *cs, u32 reg, u32 val)
{
    return rgpu_cs_lri(cs, &reg, &val, 1);
}

static inline bool rgpu_cs_user_interrupt(struct rgpu_cs *cs)
{
    const u32 c[1] = { RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0) };

    return rgpu_cs_raw(cs, c, 1);
}

/* width and height in pixels, pitch in bytes, bpp RGPU_BPP_*. */
static inline bool rgpu_cs_color_fill(struct rgpu_cs *cs, u32 dst, u32 pitch, u32 bpp,
                                      u32 width, u32 height, u32 color)
{
    const u32 c[5] = { RGPU_CMD(RGPU_OP_COLOR_FILL, RGPU_LEN_COLOR_FILL), dst,
                       RGPU_PITCH_BPP(pitch, bpp), RGPU_SIZE(width, height), color };

    return rgpu_cs_raw(cs, c, 5);
}

static inline bool rgpu_cs_src_copy(struct rgpu_cs *cs, u32 dst, u32 dst_pitch, u32 bpp,
                                    u32 width, u32 height, u32 src, u32 src_pitch)
{
    const u32 c[6] = { RGPU_CMD(RGPU_OP_SRC_COPY, RGPU_LEN_SRC_COPY), dst,
                       RGPU_PITCH_BPP(dst_pitch, bpp), RGPU_SIZE(width, height), src,
                       RGPU_PITCH(src_pitch) };

    return rgpu_cs_raw(cs, c, 6);
}

#endif /* RGPU_CMD_H */
