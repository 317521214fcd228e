#!/usr/bin/env python3
"""Golden values for @unif2ace/eval's `jpegLossy`: real JPEG round trips through libjpeg (Pillow, Debian's
libjpeg-turbo), the codec most image pipelines use.

Run: /usr/bin/python3 tools/golden/jpeg.py [FACE.rgb]  (Debian python3-pil)
Writes packages/eval/src/fixtures/jpeg.json: two input images, each encoded and decoded with 4:4:4 and 4:2:0
chroma: a 64 px face from the renderer at quality 75 (raw 64x64x3 bytes; without the argument the face already
in the fixture is reused, so this script needs no renderer), and a 22x13 synthetic pattern, whose size is not
a multiple of the block or MCU size, at qualities 50, 75 and 95. Bytes are base64.
"""
import base64
import io
import json
import math
import os
import sys

from PIL import Image

HERE = os.path.dirname(__file__)
OUT = os.path.join(HERE, '../../packages/eval/src/fixtures/jpeg.json')


def pattern(w, h):
    # smooth but irregular colour fields (sines at incommensurate frequencies, so DCT coefficients do not land
    # on exact rounding ties the way linear ramps do), a hard edge, and saturated 2x2 dots (iris-sized at 64 px)
    px = bytearray()
    for y in range(h):
        for x in range(w):
            r = 128 + 90 * math.sin(0.37 * x + 0.21 * y) + 20 * math.sin(1.3 * x * y / 7.1)
            g = 120 + 70 * math.sin(0.23 * x - 0.41 * y + 1.0)
            b = (190 if x > w // 2 else 50) + 15 * math.cos(0.53 * y + 0.17 * x)
            if x % 7 in (2, 3) and y % 6 in (1, 2):
                r, g, b = (30, 90, 220) if (x // 7 + y // 6) % 2 else (40, 160, 60)
            px += bytes(int(max(0, min(255, round(v)))) for v in (r, g, b))
    return bytes(px)


def round_trip(rgb, w, h, quality, subsampling):
    buf = io.BytesIO()
    Image.frombytes('RGB', (w, h), rgb).save(buf, 'JPEG', quality=quality, subsampling=subsampling)
    buf.seek(0)
    return Image.open(buf).convert('RGB').tobytes()


def main():
    if len(sys.argv) > 1:
        face = open(sys.argv[1], 'rb').read()
    else:
        face = base64.b64decode(json.load(open(OUT))['images']['face64']['rgb'])
    assert len(face) == 64 * 64 * 3, 'the face must be 64x64 RGB bytes'
    images = {'face64': (face, 64, 64), 'pattern22x13': (pattern(22, 13), 22, 13)}
    cases = []
    for name, (rgb, w, h) in images.items():
        for quality in ((75,) if name == 'face64' else (50, 75, 95)):
            for sub, label in ((0, '4:4:4'), (2, '4:2:0')):
                out = round_trip(rgb, w, h, quality, sub)
                cases.append({'image': name, 'quality': quality, 'subsampling': label,
                              'rgb': base64.b64encode(out).decode()})
    doc = {'source': 'tools/golden/jpeg.py', 'pillow': Image.__version__ if hasattr(Image, '__version__') else '',
           'images': {k: {'width': w, 'height': h, 'rgb': base64.b64encode(rgb).decode()}
                      for k, (rgb, w, h) in images.items()},
           'cases': cases}
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=1)
    print(f'wrote {OUT}: {len(cases)} cases', file=sys.stderr)


if __name__ == '__main__':
    main()
