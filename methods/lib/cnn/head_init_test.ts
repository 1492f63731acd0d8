import assert from "node:assert/strict";
import { createRng } from "../../../harness/random.ts";
import { runPython } from "../../../harness/testing/python.ts";
import { colourMomentMap, withColourHead } from "./head_init.ts";
import { initColorCnn } from "./init.ts";
import { forwardColorCnn } from "./forward.ts";

function colours(n: number, seed: number, mix: number[], offset: number[]): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal()];
    for (let r = 0; r < 3; r++) {
      out[3 * i + r] = offset[r] + mix[3 * r] * z[0] + mix[3 * r + 1] * z[1] +
        mix[3 * r + 2] * z[2];
    }
  }
  return out;
}

Deno.test("moment map equals scipy's sqrtm formula and pushes source moments onto the target's", async () => {
  const src = colours(4000, 1, [0.12, 0.03, 0.0, 0.02, 0.1, 0.01, 0.0, 0.04, 0.08], [
    0.3,
    0.4,
    0.2,
  ]);
  const tgt = colours(5000, 2, [0.2, 0.0, 0.05, 0.05, 0.15, 0.0, 0.01, 0.02, 0.1], [
    0.5,
    0.45,
    0.35,
  ]);
  const { a, b } = colourMomentMap(src, tgt, 0);
  const out = await runPython(
    `
import sys, json, numpy as np
from scipy.linalg import sqrtm
d = json.load(sys.stdin)
s = np.array(d["s"], dtype=np.float32).astype(np.float64).reshape(-1, 3)
t = np.array(d["t"], dtype=np.float32).astype(np.float64).reshape(-1, 3)
cs, ct = np.cov(s.T, bias=True), np.cov(t.T, bias=True)
h = np.real(sqrtm(cs)); hi = np.linalg.inv(h)
A = hi @ np.real(sqrtm(h @ ct @ h)) @ hi
b = t.mean(0) - A @ s.mean(0)
print(json.dumps({"A": A.ravel().tolist(), "b": b.tolist()}))
`,
    [],
    { stdin: JSON.stringify({ s: Array.from(src), t: Array.from(tgt) }) },
  );
  const ref = JSON.parse(out);
  a.forEach((v, i) => assert.ok(Math.abs(v - ref.A[i]) < 1e-9, `A[${i}] ${v} vs ${ref.A[i]}`));
  b.forEach((v, i) => assert.ok(Math.abs(v - ref.b[i]) < 1e-9, `b[${i}] ${v} vs ${ref.b[i]}`));
  // A symmetric positive-definite linear relation is recovered exactly (the MK map is unique).
  const m = [1.1, 0.2, 0.0, 0.2, 0.9, 0.1, 0.0, 0.1, 1.3];
  const mapped = new Float32Array(src.length);
  for (let i = 0; i < src.length / 3; i++) {
    for (let r = 0; r < 3; r++) {
      mapped[3 * i + r] = 0.05 * r + m[3 * r] * src[3 * i] + m[3 * r + 1] * src[3 * i + 1] +
        m[3 * r + 2] * src[3 * i + 2];
    }
  }
  const rec = colourMomentMap(src, mapped, 0);
  rec.a.forEach((v, i) =>
    assert.ok(Math.abs(v - m[i]) < 1e-4, `recovered A[${i}] ${v} vs ${m[i]}`)
  );
  rec.b.forEach((v, r) => assert.ok(Math.abs(v - 0.05 * r) < 1e-4));
});

Deno.test("a network started from a colour map renders exactly that map", () => {
  const w = withColourHead(initColorCnn(3), {
    a: Float64Array.of(0.9, 0.1, 0, 0, 1.1, 0, 0.05, 0, 0.8),
    b: Float64Array.of(0.02, -0.01, 0.05),
  });
  const x = {
    width: 9,
    height: 7,
    data: Float32Array.from({ length: 189 }, (_, i) => ((i * 37) % 101) / 101),
  };
  const y = forwardColorCnn(w, x);
  for (let p = 0; p < 63; p++) {
    const [r, g, b] = [x.data[3 * p], x.data[3 * p + 1], x.data[3 * p + 2]];
    const want = [0.9 * r + 0.1 * g + 0.02, 1.1 * g - 0.01, 0.05 * r + 0.8 * b + 0.05];
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, want[c]));
      assert.ok(Math.abs(y.data[3 * p + c] - v) < 1e-6, `${p},${c}: ${y.data[3 * p + c]} vs ${v}`);
    }
  }
});
