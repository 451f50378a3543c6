/*
 * hw_cmds.h - the reference GPU's command layout (docs/hw-spec.md section
 * 6): opcodes, lengths and every operand field, as macros.  The scanner,
 * the software engine and the guest's command builders all decode and
 * encode commands through these and nothing else, so a field can never
 * mean one thing to the validator and another to the executor.
 *
 * Header-only, no includes: the u32 type comes from the includer (core's
 * os.h, or the guest's rgpu_cmd.h).
 */
#ifndef RGPU_HW_CMDS_H
#define RGPU_HW_CMDS_H

/* ---- dword 0 ---------------------------------------------------------------
 * A command is 1 + LEN dwords: dw0 = opcode << 24 | LEN (bits 11:0 = number
 * of dwords after dw0; bits 23:12 must be zero). */
#define RGPU_CMD(op, len)       (((u32)(op) << 24) | ((u32)(len) & 0xfff))
#define RGPU_CMD_OPCODE(dw)     ((dw) >> 24)
#define RGPU_CMD_LEN(dw)        ((dw) & 0xfff)
#define RGPU_CMD_MBZ(dw)        ((dw) & 0x00fff000)

#define RGPU_OP_NOOP            0x00    /* len 0 */
#define RGPU_OP_BATCH_START     0x01    /* len 1: graphics address of the batch (dword aligned) */
#define RGPU_OP_BATCH_END       0x02    /* len 0: return from the batch */
#define RGPU_OP_STORE_DATA_IMM  0x03    /* len 2: graphics address (dword aligned), value */
#define RGPU_OP_STORE_DATA_INDEX 0x04   /* len 2: byte offset in the HWS (dword aligned), value */
#define RGPU_OP_LOAD_REG_IMM    0x05    /* len 2n, n = 1..16: (register offset, value) pairs */
#define RGPU_OP_USER_INTERRUPT  0x06    /* len 0: raise the engine's USER interrupt */
#define RGPU_OP_COLOR_FILL      0x10    /* len 4: dst, pitch | bpp << 16, width | height << 16, color */
#define RGPU_OP_SRC_COPY        0x11    /* len 5: dst, dst pitch | bpp << 16, width | height << 16, src, src pitch */

/* LEN of each fixed-length command (LOAD_REGISTER_IMM: 2 per pair). */
#define RGPU_LEN_NOOP           0
#define RGPU_LEN_BATCH_START    1
#define RGPU_LEN_BATCH_END      0
#define RGPU_LEN_STORE_DATA     2       /* STORE_DATA_IMM and STORE_DATA_INDEX */
#define RGPU_LEN_LRI(pairs)     (2 * (pairs))
#define RGPU_LEN_USER_INTERRUPT 0
#define RGPU_LEN_COLOR_FILL     4
#define RGPU_LEN_SRC_COPY       5

/* ---- operands: dword indices from dw0 -------------------------------------- */
#define RGPU_BATCH_ADDR         1       /* BATCH_BUFFER_START */
#define RGPU_STORE_ADDR         1       /* STORE_DATA_IMM: graphics address; */
                                        /* STORE_DATA_INDEX: byte offset in the HWS */
#define RGPU_STORE_VALUE        2
#define RGPU_LRI_REG(i)         (1 + 2 * (i))   /* pair i = 0..n-1 */
#define RGPU_LRI_VALUE(i)       (2 + 2 * (i))
#define RGPU_RECT_DST           1       /* COLOR_FILL and SRC_COPY */
#define RGPU_RECT_DST_PITCH     2       /* pitch | bpp << 16 */
#define RGPU_RECT_SIZE          3       /* width | height << 16 */
#define RGPU_FILL_COLOR         4       /* COLOR_FILL */
#define RGPU_COPY_SRC           4       /* SRC_COPY */
#define RGPU_COPY_SRC_PITCH     5       /* pitch; bits 31:16 must be zero */

/* ---- operand fields ---------------------------------------------------------- */
#define RGPU_PITCH_BPP(pitch, bpp)  (((u32)(pitch) & 0xffff) | (u32)(bpp) << 16)
#define RGPU_PITCH(dw)          ((dw) & 0xffff)         /* bytes */
#define RGPU_BPP(dw)            ((dw) >> 16)            /* RGPU_BPP_*; > 2 is invalid */
#define RGPU_SIZE(w, h)         (((u32)(w) & 0xffff) | (u32)(h) << 16)
#define RGPU_WIDTH(dw)          ((dw) & 0xffff)         /* pixels */
#define RGPU_HEIGHT(dw)         ((dw) >> 16)            /* rows */
#define RGPU_SRC_PITCH_MBZ(dw)  ((dw) >> 16)
#define RGPU_HWS_OFFSET(dw)     ((dw) & 0xffc)          /* STORE_DATA_INDEX offset as executed */

#define RGPU_BPP_8              0
#define RGPU_BPP_16             1
#define RGPU_BPP_32             2

#define RGPU_MAX_BATCH_DEPTH    2       /* ring -> batch -> batch */
#define RGPU_MAX_SUBMIT_DWORDS  (1u << 20)      /* per submission, batches included */
#define RGPU_MAX_LRI_PAIRS      16

#endif /* RGPU_HW_CMDS_H */
