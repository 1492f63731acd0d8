import assert from "node:assert/strict";
import { join } from "node:path";
import { pngFile } from "../testing/png.ts";
import { runPython } from "../testing/python.ts";
import { InputError } from "../errors.ts";
import { decodeImage, encodePng, imageHeader, quantize, readImage, writePng } from "./image.ts";
import { zlibSync } from "fflate";

const ASTRONAUT = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

async function referencePixels(path: string, mode: string): Promise<Float64Array> {
  const out = await Deno.makeTempFile();
  // PIL decodes; values are scaled to [0, 1] by the bit depth, RGB order, alpha dropped.
  await runPython(
    `
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
mode = sys.argv[3]
if mode == "16":
    a = np.array(im).astype(np.float64) / 65535.0
    if a.ndim == 2: a = np.stack([a] * 3, -1)
    a = a[..., :3]
else:
    a = np.asarray(im.convert("RGB")).astype(np.float64) / 255.0
a.astype(np.float64).tofile(sys.argv[2])
`,
    [path, out, mode],
  );
  const ref = new Float64Array((await Deno.readFile(out)).buffer);
  await Deno.remove(out);
  return ref;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("8-bit PNG photo decodes exactly as PIL does", async () => {
  const img = await readImage(ASTRONAUT);
  assert.equal(img.width, 512);
  assert.equal(img.height, 512);
  assert.ok(maxAbsDiff(img.data, await referencePixels(ASTRONAUT, "8")) < 1e-7);
});

Deno.test("16-bit, grey, palette and RGBA PNGs written by PIL decode correctly", async () => {
  const dir = await Deno.makeTempDir();
  await runPython(
    `
import sys, os, numpy as np
from PIL import Image
d = sys.argv[1]
src = np.asarray(Image.open(sys.argv[2]).convert("RGB"))[::4, ::4]
Image.fromarray(src).convert("L").save(os.path.join(d, "grey.png"))
Image.fromarray(src).convert("P", palette=Image.ADAPTIVE, colors=16).save(os.path.join(d, "pal.png"))
Image.fromarray(src).convert("RGBA").save(os.path.join(d, "rgba.png"))
g16 = (src[..., 1].astype(np.uint16) * 257 + 3)
Image.fromarray(g16).save(os.path.join(d, "g16.png"))
`,
    [dir, ASTRONAUT],
  );
  for (const [name, mode] of [["grey", "8"], ["pal", "8"], ["rgba", "8"], ["g16", "16"]]) {
    const p = join(dir, `${name}.png`);
    const img = await readImage(p);
    assert.equal(img.width, 128, name);
    assert.ok(maxAbsDiff(img.data, await referencePixels(p, mode)) < 1e-7, name);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PNG round trip: 8-bit exact on k/255, 16-bit within half a step; PIL reads it back", async () => {
  const src = await readImage(ASTRONAUT);
  const dir = await Deno.makeTempDir();
  await writePng(join(dir, "a8.png"), src);
  assert.deepEqual((await readImage(join(dir, "a8.png"))).data, src.data);
  const ramp = {
    width: 300,
    height: 2,
    data: Float32Array.from({ length: 1800 }, (_, i) => i / 1799),
  };
  await writePng(join(dir, "r16.png"), ramp, 16);
  const back = await readImage(join(dir, "r16.png"));
  assert.ok(maxAbsDiff(back.data, ramp.data) <= 0.5 / 65535 + 1e-7);
  // PIL reads 16-bit RGB as 8-bit, so check the file independently with zlib: row filters and
  // big-endian samples as the PNG specification lays them out.
  const raw = await runPython(
    `
import sys, zlib, struct
b = open(sys.argv[1], "rb").read()
i, idat, hdr = 8, b"", None
while i < len(b):
    n, t = struct.unpack(">I4s", b[i:i + 8])
    if t == b"IHDR": hdr = struct.unpack(">IIBB", b[i + 8:i + 18])
    if t == b"IDAT": idat += b[i + 8:i + 8 + n]
    i += 12 + n
w, h, depth, ctype = hdr
data = zlib.decompress(idat)
stride = w * 6
rows, prev = [], bytearray(stride)
for y in range(h):
    f, line = data[y * (stride + 1)], bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - 6] if x >= 6 else 0
        c = prev[x - 6] if x >= 6 else 0
        up = prev[x]
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + up) & 255
        elif f == 3: line[x] = (line[x] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c
            pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
vals = struct.unpack(">%dH" % (w * h * 3), b"".join(rows))
print(depth, ctype, " ".join(map(str, vals)))
`,
    [join(dir, "r16.png")],
  );
  const [depth, ctype, ...vals] = raw.trim().split(" ").map(Number);
  assert.equal(depth, 16);
  assert.equal(ctype, 2);
  assert.ok(maxAbsDiff(back.data, vals.map((v) => v / 65535)) < 1e-7);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("quantisation is floor(255·v + 0.5) with clipping, and NaN is refused", () => {
  const q = quantize({ width: 2, height: 1, data: Float32Array.of(-0.1, 0.5, 1.2, 0.2, 0.998, 1) });
  // 0.5 → floor(128.0) = 128; 0.2 → floor(51.5…) = 51; 0.998 → floor(254.99) = 254.
  assert.deepEqual(Array.from(q), [0, 128, 255, 51, 254, 255]);
  assert.throws(
    () => encodePng({ width: 1, height: 1, data: Float32Array.of(0, NaN, 0) }, 8, "p.png"),
    /p.png: non-finite value NaN/,
  );
});

Deno.test("JPEG (4:2:0, 4:4:4, progressive) decodes bit-identically to libjpeg-turbo (PIL)", async () => {
  const dir = await Deno.makeTempDir();
  await runPython(
    `
import sys, os
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im.save(os.path.join(sys.argv[2], "a420.jpg"), quality=92)
im.save(os.path.join(sys.argv[2], "a444.jpg"), quality=75, subsampling=0)
im.save(os.path.join(sys.argv[2], "prog.jpg"), quality=85, progressive=True)
`,
    [ASTRONAUT, dir],
  );
  for (const name of ["a420.jpg", "a444.jpg", "prog.jpg"]) {
    const p = join(dir, name);
    const img = await readImage(p);
    assert.ok(maxAbsDiff(img.data, await referencePixels(p, "8")) < 1e-7, name);
  }
  const bytes = await Deno.readFile(join(dir, "a420.jpg"));
  await assert.rejects(
    decodeImage(bytes.subarray(0, bytes.length >> 1), "half.jpg"),
    /half.jpg: truncated JPEG/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrupt and truncated images fail with an InputError naming the file", async () => {
  const png = await Deno.readFile(ASTRONAUT);
  const flipped = png.slice();
  flipped[200] ^= 0xff;
  const cases: [Uint8Array, RegExp][] = [
    [png.subarray(0, 5000), /corrupt or truncated PNG/],
    [flipped, /corrupt or truncated PNG/],
    [new TextEncoder().encode("GIF89a...."), /not a PNG or JPEG/],
    [Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2), /corrupt or truncated JPEG/],
  ];
  for (const [bytes, re] of cases) {
    await assert.rejects(decodeImage(bytes, "sub/x.png"), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.file, "sub/x.png");
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("sizes come from the header: lying PNGs fail before any pixel is allocated", async () => {
  // 10⁹×1 and (2³¹−1)×1 in ~60 bytes: refused in well under a second.
  for (const w of [1e9, 2 ** 31 - 1]) {
    const png = pngFile(w, 1, zlibSync(new Uint8Array(10)));
    assert.ok(png.length < 100);
    assert.deepEqual(imageHeader(png, "x.png"), { format: "png", width: w, height: 1 });
    const t0 = performance.now();
    await assert.rejects(decodeImage(png, "x.png"), /x\.png: image \d+×1 exceeds 100 MP/);
    assert.ok(performance.now() - t0 < 500);
  }
  // Within the megapixel limit but not the target's size: refused from the header.
  const small = pngFile(4000, 4000, zlibSync(new Uint8Array(10)));
  await assert.rejects(
    decodeImage(small, "p.png", { expect: { width: 64, height: 64 } }),
    /p\.png: size 4000×4000 differs from the target's 64×64/,
  );
  // A 2×2 image whose data inflates to 10 MB stops at the 14 bytes it declares.
  const bomb = pngFile(2, 2, zlibSync(new Uint8Array(10_000_000)));
  await assert.rejects(decodeImage(bomb, "b.png"), /expands past its 14 bytes/);
  const jpeg = await Deno.readFile(join(import.meta.dirname!, "../../fixtures/photos/fog.jpg"));
  const h = imageHeader(jpeg, "fog.jpg");
  assert.equal(h.format, "jpeg");
  assert.deepEqual([h.width, h.height], [
    (await decodeImage(jpeg)).width,
    (await decodeImage(jpeg)).height,
  ]);
});

Deno.test("a PNG with a wrong Adler-32 trailer is refused, as PIL refuses it", async () => {
  const rows = new Uint8Array(2 * (1 + 6)).fill(7);
  rows[0] = rows[7] = 0; // filter bytes
  const z = zlibSync(rows);
  const good = pngFile(2, 2, z);
  const badZ = z.slice();
  badZ[badZ.length - 1] ^= 1;
  const bad = pngFile(2, 2, badZ);
  const img = await decodeImage(good, "good.png");
  assert.equal(img.data[0], Math.fround(7 / 255));
  await assert.rejects(decodeImage(bad, "bad.png"), /bad\.png: corrupt PNG \(zlib Adler-32/);
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(join(dir, "good.png"), good);
  await Deno.writeFile(join(dir, "bad.png"), bad);
  const out = await runPython(
    `
import sys
from PIL import Image
for f in sys.argv[1:]:
    try:
        Image.open(f).load(); print("ok")
    except Exception as e:
        print("error")
`,
    [join(dir, "good.png"), join(dir, "bad.png")],
  );
  assert.deepEqual(out.trim().split("\n"), ["ok", "error"]);
  await Deno.remove(dir, { recursive: true });
});
