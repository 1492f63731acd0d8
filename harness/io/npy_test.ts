import assert from "node:assert/strict";
import { join } from "node:path";
import { runPython } from "../testing/python.ts";
import { InputError } from "../errors.ts";
import { decodeNpy, encodeNpy, npyHeader, readNpy, writeNpy } from "./npy.ts";

Deno.test("npy written by numpy (uint8/uint16/float32, big-endian, v2) decodes exactly", async () => {
  const dir = await Deno.makeTempDir();
  await runPython(
    `
import numpy as np, sys, os
d = sys.argv[1]
r = np.random.default_rng(0)
np.save(os.path.join(d, "u8.npy"), r.integers(0, 256, (5, 7, 3), dtype=np.uint8))
np.save(os.path.join(d, "u16.npy"), r.integers(0, 1024, (4, 6, 4), dtype=np.uint16))
np.save(os.path.join(d, "f32.npy"), r.standard_normal((3, 5)).astype(np.float32))
np.save(os.path.join(d, "be.npy"), np.arange(12, dtype=">u2").reshape(3, 4))
np.lib.format.write_array(open(os.path.join(d, "v2.npy"), "wb"), np.arange(6, dtype=np.float32), version=(2, 0))
for n in ["u8", "u16", "f32", "be", "v2"]:
    a = np.load(os.path.join(d, n + ".npy"))
    a.astype(np.float64).tofile(os.path.join(d, n + ".f64"))
`,
    [dir],
  );
  const expect: Record<string, [string, number[]]> = {
    u8: ["uint8", [5, 7, 3]],
    u16: ["uint16", [4, 6, 4]],
    f32: ["float32", [3, 5]],
    be: ["uint16", [3, 4]],
    v2: ["float32", [6]],
  };
  for (const [name, [dtype, shape]] of Object.entries(expect)) {
    const arr = await readNpy(join(dir, `${name}.npy`));
    assert.equal(arr.dtype, dtype, name);
    assert.deepEqual(arr.shape, shape, name);
    const ref = new Float64Array((await Deno.readFile(join(dir, `${name}.f64`))).buffer);
    assert.deepEqual(Array.from(arr.data), Array.from(ref), name);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("npy written here loads in numpy with the same dtype, shape and values", async () => {
  const dir = await Deno.makeTempDir();
  const u16 = Uint16Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 97) % 1024);
  const f32 = Float32Array.from({ length: 10 }, (_, i) => i / 7 - 0.5);
  await writeNpy(join(dir, "a.npy"), { dtype: "uint16", shape: [2, 3, 4], data: u16 });
  await writeNpy(join(dir, "b.npy"), { dtype: "float32", shape: [10], data: f32 });
  await writeNpy(join(dir, "c.npy"), {
    dtype: "uint8",
    shape: [1, 2],
    data: Uint8Array.of(0, 255),
  });
  const out = await runPython(
    `
import numpy as np, sys, os, json
d = sys.argv[1]
res = {}
for n in "abc":
    a = np.load(os.path.join(d, n + ".npy"))
    res[n] = [str(a.dtype), list(a.shape), a.ravel().astype(float).tolist(), a.flags["C_CONTIGUOUS"]]
print(json.dumps(res))
`,
    [dir],
  );
  const res = JSON.parse(out);
  assert.deepEqual(res.a.slice(0, 2), ["uint16", [2, 3, 4]]);
  assert.deepEqual(res.a[2], Array.from(u16));
  assert.deepEqual(res.b.slice(0, 2), ["float32", [10]]);
  assert.deepEqual(res.b[2], Array.from(f32));
  assert.deepEqual(res.c.slice(0, 3), ["uint8", [1, 2], [0, 255]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("npy header is 64-byte aligned like numpy.save", () => {
  const b = encodeNpy({
    dtype: "uint16",
    shape: [256, 256, 4],
    data: new Uint16Array(256 * 256 * 4),
  });
  const headerLen = b[8] | (b[9] << 8);
  assert.equal((10 + headerLen) % 64, 0);
  assert.equal(b[10 + headerLen - 1], 0x0a);
});

Deno.test("bad npy files fail with an InputError naming the file and the problem", async () => {
  const good = encodeNpy({ dtype: "uint16", shape: [2, 2, 4], data: new Uint16Array(16) });
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode("hello world, not numpy"), /bad magic/],
    [good.subarray(0, 20), /truncated .npy header/],
    [good.subarray(0, good.length - 3), /truncated .npy data/],
    [Uint8Array.from([...good, 1, 2]), /trailing bytes/],
  ];
  const patch = (from: string, to: string) => {
    // Byte-exact string view ("latin1" in TextDecoder is windows-1252, which remaps 0x93).
    const s = String.fromCharCode(...good).replace(from, to);
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  };
  cases.push([patch("'<u2'", "'<i8'"), /unsupported dtype '<i8'/]);
  cases.push([patch("False", "True "), /Fortran-order/]);
  cases.push([patch("(2, 2, 4)", "(2, x, 4)"), /malformed|bad shape/]);
  for (const [bytes, re] of cases) {
    assert.throws(() => decodeNpy(bytes, "x/bad.npy"), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.file, "x/bad.npy");
      assert.match(e.message, re);
      return true;
    });
  }
  await assert.rejects(readNpy("/nonexistent/dir/a.npy"), /\/nonexistent\/dir\/a.npy: cannot read/);
});

Deno.test("npyHeader reads the shape alone; readNpy refuses devices and oversized files", async () => {
  const arr = encodeNpy({ dtype: "uint16", shape: [3, 5, 4], data: new Uint16Array(60) });
  const h = npyHeader(arr.subarray(0, 128), "a.npy");
  assert.deepEqual([h.dtype, h.shape, h.dataBytes, h.littleEndian], [
    "uint16",
    [3, 5, 4],
    120,
    true,
  ]);
  assert.equal(h.dataStart, 128);
  // A header claiming 10^15 × 10^15 elements fails on the header, not on an allocation.
  const text =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999, 999999999999999, 4), }";
  const lie = new Uint8Array(10 + text.length);
  lie.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length, 0]);
  for (let i = 0; i < text.length; i++) lie[10 + i] = text.charCodeAt(i);
  assert.throws(() => decodeNpy(lie, "lie.npy"), /lie\.npy: shape \(.*\) is too large/);
  await assert.rejects(readNpy("/dev/zero"), /\/dev\/zero: not a regular file/);
  const dir = await Deno.makeTempDir();
  await writeNpy(join(dir, "a.npy"), { dtype: "uint8", shape: [64], data: new Uint8Array(64) });
  await assert.rejects(readNpy(join(dir, "a.npy"), 100), /over the 100-byte limit/);
  assert.equal((await readNpy(join(dir, "a.npy"))).data.length, 64);
  await Deno.remove(dir, { recursive: true });
});
