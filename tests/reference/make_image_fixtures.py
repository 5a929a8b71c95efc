#!/usr/bin/python3
"""Writes small image fixtures with an independent tool (Pillow, plus a pure-Python Adam7 PNG encoder) for the
DistillKit.Imaging decoding tests, and expected.json with the pixels each file must decode to.

Usage: /usr/bin/python3 tests/reference/make_image_fixtures.py OUT_DIR   (Debian's python3-pil)

Pillow writes every PNG except the interlaced one: Pillow cannot write interlaced PNGs (its `interlace` option is
read-only), so interlaced_rgb8.png is written by `write_adam7_png` below, straight from the PNG specification
(zlib + CRC32 from the standard library), and then decoded back with Pillow to prove it is a valid file.
Pixel values are defined by simple formulas so that every channel varies; expected.json lists them row-major with
channels interleaved, as DistillKit's Image does.
"""
import json
import os
import struct
import sys
import zlib

from PIL import Image


def rgb_pixel(x, y):
    return ((x * 37 + y * 11) % 256, (x * 5 + y * 53 + 3) % 256, (x * y * 13 + 7) % 256)


def flat(img):
    """Row-major samples, channels interleaved."""
    out = []
    for v in img.getdata():
        out.extend(v if isinstance(v, tuple) else (v,))
    return out


def write_adam7_png(path, width, height, pixel):
    """An 8-bit RGB, Adam7-interlaced PNG written by hand (filter type 0 on every scanline)."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        xs, ys = range(x0, width, dx), range(y0, height, dy)
        if len(xs) == 0 or len(ys) == 0:
            continue  # an empty pass has no scanlines at all
        for y in ys:
            raw.append(0)
            for x in xs:
                raw.extend(pixel(x, y))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)  # depth 8, RGB, deflate, filter 0, Adam7
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def main(out):
    os.makedirs(out, exist_ok=True)
    expected = {}

    def record(name, width, height, channels, depth, pixels, **extra):
        expected[name] = dict(width=width, height=height, channels=channels, depth=depth, pixels=pixels, **extra)

    # 8-bit RGB
    w, h = 7, 5
    img = Image.new("RGB", (w, h))
    img.putdata([rgb_pixel(x, y) for y in range(h) for x in range(w)])
    img.save(os.path.join(out, "rgb8.png"))
    record("rgb8.png", w, h, 3, 8, flat(img))

    # 8-bit RGBA and gray+alpha
    rgba = Image.new("RGBA", (w, h))
    rgba.putdata([rgb_pixel(x, y) + ((x * 40 + y * 7) % 256,) for y in range(h) for x in range(w)])
    rgba.save(os.path.join(out, "rgba8.png"))
    record("rgba8.png", w, h, 4, 8, flat(rgba))
    la = Image.new("LA", (w, h))
    la.putdata([((x * 31 + y * 17) % 256, (255 - x * 20) % 256) for y in range(h) for x in range(w)])
    la.save(os.path.join(out, "gray_alpha8.png"))
    record("gray_alpha8.png", w, h, 2, 8, flat(la))

    # 16-bit gray ('I;16' is stored as a 16-bit grayscale PNG)
    w16, h16 = 6, 4
    values = [(x * 9001 + y * 1234 + 17) % 65536 for y in range(h16) for x in range(w16)]
    g16 = Image.frombytes("I;16", (w16, h16), struct.pack("<%dH" % len(values), *values))
    g16.save(os.path.join(out, "gray16.png"))
    check = Image.open(os.path.join(out, "gray16.png"))
    assert check.mode in ("I;16", "I") and list(check.getdata()) == values, "Pillow did not keep 16 bits"
    record("gray16.png", w16, h16, 1, 16, values)

    # palette: 4 colours, read back expanded to RGB
    palette = [(255, 0, 0), (0, 128, 255), (20, 200, 60), (250, 250, 250)]
    pal = Image.new("P", (w, h))
    pal.putpalette([c for rgb in palette for c in rgb])
    pal.putdata([(x + 2 * y) % 4 for y in range(h) for x in range(w)])
    pal.save(os.path.join(out, "palette.png"))
    record("palette.png", w, h, 3, 8, [c for y in range(h) for x in range(w) for c in palette[(x + 2 * y) % 4]])

    # interlaced RGB (hand-written Adam7), size not a multiple of 8 so that every pass is partial
    wi, hi = 11, 9
    path = os.path.join(out, "interlaced_rgb8.png")
    write_adam7_png(path, wi, hi, rgb_pixel)
    back = Image.open(path)
    assert back.info.get("interlace") == 1, "fixture is not interlaced"
    pixels = [c for y in range(hi) for x in range(wi) for c in rgb_pixel(x, y)]
    assert flat(back.convert("RGB")) == pixels, "Pillow decodes the Adam7 fixture differently"
    record("interlaced_rgb8.png", wi, hi, 3, 8, pixels)

    # JPEG: a smooth RGB gradient (small JPEG error) and a gray one; expected = the pixels written, plus Pillow's
    # own decoding of the file (libjpeg-turbo too, so a decoder must agree with it almost exactly)
    wj, hj = 32, 24
    smooth = Image.new("RGB", (wj, hj))
    smooth.putdata([(40 + 5 * x, 30 + 6 * y, 200 - 3 * x - 2 * y) for y in range(hj) for x in range(wj)])
    smooth.save(os.path.join(out, "smooth.jpg"), quality=95)
    decoded = Image.open(os.path.join(out, "smooth.jpg"))
    decoded.load()
    record("smooth.jpg", wj, hj, 3, 8, flat(smooth), pil_decoded=flat(decoded.convert("RGB")))
    gray = Image.new("L", (wj, hj))
    gray.putdata([20 + 4 * x + 3 * y for y in range(hj) for x in range(wj)])
    gray.save(os.path.join(out, "gray.jpg"), quality=95)
    gdec = Image.open(os.path.join(out, "gray.jpg"))
    gdec.load()
    record("gray.jpg", wj, hj, 1, 8, flat(gray), pil_decoded=flat(gdec))

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
