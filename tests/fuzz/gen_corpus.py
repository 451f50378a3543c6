#!/usr/bin/env python3
"""gen_corpus.py - write the seed corpora of the libFuzzer targets into
tests/fuzz/corpus/<target>/ (small, committed; rerun after changing the
input formats).  The layouts mirror tests/fuzz/fuzz_env.h."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# hw_regs.h
NOOP, BB, BE, SDI, SDX, LRI, USER, FILL, COPY = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11
SCRATCH0, IMR, IER, IIR = 0x10, 0x104, 0x10c, 0x108
GTT_BATCH_ADDR_LO, GTT_BATCH_INDEX, GTT_BATCH_COUNT, GTT_BATCH_CTL = 0x80, 0x88, 0x8c, 0x90
START, CTL, TAIL, HWS, RESET = 0x00, 0x04, 0x0c, 0x10, 0x20
PIPE_CONF, PLANE_CTL, PLANE_SURF, PLANE_STRIDE, PLANE_SIZE = 0x3000, 0x3010, 0x3014, 0x3018, 0x301c
GTT_BASE = 0x800000
# fuzz_env.h layout of vGPU A
RING = (0x0000, 0x4000)
HWSP = (0x8000, 0x9000)
BATCH = 0xA000
DATA = 0x10000


def cmd(op, *args):
    return [(op << 24) | len(args)] + list(args)


def eng(e):
    return 0x2000 + 0x100 * e


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def scan_seed(flags, start, dwords, ring_len=0):
    return (struct.pack("<BHH", flags, start, ring_len) +
            struct.pack("<%dI" % len(dwords), *dwords))


def scan_corpus():
    d = os.path.join(HERE, "corpus", "fuzz_scan")
    basic = (cmd(SDI, DATA, 0x1234) + cmd(SDX, 0, 7) + cmd(USER) +
             cmd(LRI, SCRATCH0, 5, SCRATCH0 + 4, 6) +
             cmd(FILL, DATA + 0x100, 256 | 2 << 16, 16 | 4 << 16, 0x11223344) +
             cmd(COPY, DATA + 0x2000, 256 | 2 << 16, 16 | 4 << 16, DATA + 0x100, 256) +
             cmd(FILL, DATA + 0x3001, 100, 33 | 3 << 16, 0xab) +
             cmd(FILL, DATA + 0x4002, 64 | 1 << 16, 20 | 2 << 16, 0xbeef) + cmd(NOOP))
    write(os.path.join(d, "basic"), scan_seed(0, 0, basic))
    write(os.path.join(d, "copy-engine"), scan_seed(1, 0, basic[:3] + cmd(SDX, 4, 8) +
                                                     cmd(FILL, DATA, 64, 64 | 1 << 16, 1)))
    write(os.path.join(d, "wrap"), scan_seed(2, 4096 - 3, cmd(SDI, DATA, 1) + cmd(SDI, DATA + 4, 2)))
    # The dwords are also the batch at BATCH: the ring (the first 4 dwords)
    # starts the batch part of itself, which nests once more.
    nested = (cmd(BB, BATCH + 16) + cmd(USER) + [NOOP] +            # 0..3: ring
              cmd(SDI, DATA, 9) + cmd(BB, BATCH + 40) + cmd(BE) +  # 4..9
              cmd(SDX, 0, 3) + cmd(BE))                             # 10..13
    write(os.path.join(d, "nested"), scan_seed(2, 0, nested, 4))
    deep = (cmd(BB, BATCH + 8) + cmd(BB, BATCH + 16) + cmd(BB, BATCH + 24) + cmd(BE))
    write(os.path.join(d, "too-deep"), scan_seed(2, 0, deep, 2))
    write(os.path.join(d, "self"), scan_seed(2, 0, cmd(BB, BATCH)))
    write(os.path.join(d, "bad"), scan_seed(0, 0, cmd(LRI, IER, 1) + cmd(SDI, 0x8000000, 1) +
                                              cmd(0x7f) + [0x00fff000]))


def rec(kind, sub=0, off=0, val=0):
    return struct.pack("<BBIQH", kind, sub, off, val, 0)


# fuzz_mmio record kinds and BAR0 areas
W_BAR0, R_BAR0, W_CFG, R_CFG, MEM, STEP, VBLANK_FLR, SCANOUT = 0, 3, 4, 5, 7, 9, 10, 11
LEN4, LEN8 = 2, 3
AREA_REGS, AREA_GTT = 0 << 3, 2 << 3


def reg(off, val):
    return rec(W_BAR0, AREA_REGS | LEN4, off, val)


def pte(page, frame):
    return rec(W_BAR0, AREA_GTT | LEN8, page * 8, frame | 1)


def mem(addr, dwords):
    out = b""
    for i in range(0, len(dwords), 2):
        pair = dwords[i:i + 2] + [0] * (2 - len(dwords[i:i + 2]))
        out += rec(MEM, 0, addr + 4 * i, pair[0] | pair[1] << 32)
    return out


def mmio_corpus():
    d = os.path.join(HERE, "corpus", "fuzz_mmio")
    setup = b"".join(pte(p, p << 12) for p in range(24))
    setup += reg(IMR, 0) + reg(IER, 0x1177)
    for e in (0, 1):
        setup += reg(eng(e) + START, RING[e]) + reg(eng(e) + HWS, HWSP[e])
        setup += reg(eng(e) + CTL, 1 | (3 << 12))
    cmds = cmd(SDI, DATA, 5) + cmd(FILL, DATA, 256 | 2 << 16, 64 | 8 << 16, 0x00ff00) + \
        cmd(SDX, 0, 1) + cmd(USER)
    submit = mem(RING[0], cmds) + reg(eng(0) + TAIL, 4 * len(cmds)) + rec(STEP, 0)
    display = (reg(PLANE_SURF, DATA) + reg(PLANE_STRIDE, 256) + reg(PLANE_SIZE, 63 | 7 << 16) +
               reg(PLANE_CTL, 1 << 31) + reg(PIPE_CONF, 1 << 31) + rec(VBLANK_FLR, 1) +
               rec(SCANOUT, 1))
    write(os.path.join(d, "submit"), setup + submit)
    write(os.path.join(d, "display"), setup + submit + display)
    # MSI on, a batched GTT update from a PTE list in memory, a copy-engine job.
    msi = (rec(W_CFG, 3, 0x54, 0xfee00000) + rec(W_CFG, 1, 0x5c, 0x41) + rec(W_CFG, 1, 0x52, 1) +
           rec(W_CFG, 1, 0x04, 0x6))
    batch = mem(0x20000, [(0x40 + i) << 12 | 1 if j == 0 else 0 for i in range(8) for j in (0, 1)])
    batch += (reg(GTT_BATCH_ADDR_LO, 0x20000) + reg(GTT_BATCH_INDEX, 32) + reg(GTT_BATCH_COUNT, 8) +
              reg(GTT_BATCH_CTL, 1))
    copyjob = cmd(COPY, 32 << 12, 256 | 2 << 16, 64 | 8 << 16, DATA, 256) + cmd(USER)
    copy = mem(RING[1], copyjob) + reg(eng(1) + TAIL, 4 * len(copyjob)) + rec(STEP, 1) + \
        reg(IIR, 0xffffffff)
    write(os.path.join(d, "msi-batch-copy"), setup + msi + batch + submit + copy)
    write(os.path.join(d, "flr"), setup + submit + rec(VBLANK_FLR, 0) + submit)


if __name__ == "__main__":
    scan_corpus()
    mmio_corpus()
