#!/usr/bin/env python3
"""pngcheck.py SCREENSHOT.png EXPECT.txt: check a vGPU screenshot's pixels.

EXPECT.txt holds the guest's `RIG-GUEST: demo display ready WxH expect
x,y=RRGGBB ...` line (tests/rig/guest-bin/rgpu-demo.c).  The PNG (written
by vgpu-backend with libpng: 8-bit RGB) is decoded here with the standard
library only; every expected pixel must match exactly.  Exit 0 on success.
"""
import re
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, ctype, interlace) != (8, 2, 0):
                raise ValueError("expected 8-bit RGB, not interlaced")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw, bpp, stride = zlib.decompress(idat), 3, width * 3
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, rows


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    width, height, rows = read_png(sys.argv[1])
    with open(sys.argv[2]) as f:
        line = f.read()
    m = re.search(r"ready (\d+)x(\d+)", line)
    if not m or (int(m.group(1)), int(m.group(2))) != (width, height):
        print(f"pngcheck: screenshot is {width}x{height}, the guest showed {m.group(0) if m else '?'}")
        return 1
    bad = 0
    points = re.findall(r"(\d+),(\d+)=([0-9a-f]{6})", line)
    for x, y, want in points:
        r, g, b = rows[int(y)][3 * int(x):3 * int(x) + 3]
        got = f"{r:02x}{g:02x}{b:02x}"
        ok = got == want
        bad += not ok
        print(f"pngcheck: pixel {x},{y} = {got} (want {want}) {'ok' if ok else 'WRONG'}")
    if not points:
        print("pngcheck: no expected pixels in the guest's line")
        return 1
    print(f"pngcheck: {width}x{height}, {len(points) - bad}/{len(points)} pixels as the guest drew them")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
