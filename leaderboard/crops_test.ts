import assert from "node:assert/strict";
import { join } from "node:path";
import { centreCrop, listValImages, rawPreview } from "./crops.ts";
import { makeTinyDataset } from "./testing.ts";

Deno.test("rawPreview: per-cell R, mean G, B with gamma 1/2.2, drawn 2×2", () => {
  // One 1×2 packed RAW: cells (R, Gr, Gb, B) = (0.25, 0.5, 0.3, 1) and (0, 0, 0, 0.04).
  const raw = { width: 2, height: 1, data: Float32Array.of(0.25, 0.5, 0.3, 1, 0, 0, 0, 0.04) };
  const img = rawPreview(raw);
  assert.equal(img.width, 4);
  assert.equal(img.height, 2);
  const px = (x: number, y: number) =>
    Array.from(img.data.subarray(3 * (y * 4 + x), 3 * (y * 4 + x) + 3));
  const cell0 = [0.25 ** (1 / 2.2), 0.4 ** (1 / 2.2), 1];
  for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    px(x, y).forEach((v, c) => assert.ok(Math.abs(v - cell0[c]) < 1e-6));
  }
  assert.ok(Math.abs(px(3, 1)[2] - 0.04 ** (1 / 2.2)) < 1e-6);
  assert.equal(px(2, 0)[0], 0);
});

Deno.test("centreCrop takes the centred window", () => {
  const data = Float32Array.from({ length: 6 * 4 * 3 }, (_, i) => Math.floor(i / 3));
  const c = centreCrop({ width: 6, height: 4, data }, 2);
  assert.equal(c.width, 2);
  // x0 = 2, y0 = 1: pixels (2,1), (3,1), (2,2), (3,2) → indices 8, 9, 14, 15.
  assert.deepEqual([c.data[0], c.data[3], c.data[6], c.data[9]], [8, 9, 14, 15]);
});

Deno.test("listValImages sees only the public val folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ds = await makeTinyDataset(join(dir, "d"), { val: 2, test: 2 });
    const vals = await listValImages(ds.dir);
    assert.deepEqual([...vals.keys()], ["valscene_0", "valscene_1"]);
    assert.ok(vals.get("valscene_1")!.raw!.endsWith("val/raw/valscene_1.npy"));
    assert.ok(vals.get("valscene_1")!.target!.endsWith("val/rgb/valscene_1.png"));
    for (const f of vals.values()) assert.ok(!f.target!.includes("hidden"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
