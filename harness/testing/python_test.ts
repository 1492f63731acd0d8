import assert from "node:assert/strict";
import { maxAbsDiff, runPython, runPythonBytes, runPythonFile, spawnPython } from "./python.ts";

Deno.test("runPython passes argv and stdin, and returns stdout", async () => {
  const out = await runPython("import sys; print(sys.argv[1] + sys.stdin.read())", ["a"], {
    stdin: "bc",
  });
  assert.equal(out, "abc\n");
});

Deno.test("runPythonBytes returns stdout bytes unchanged", async () => {
  const out = await runPythonBytes([
    "-c",
    "import sys; sys.stdout.buffer.write(bytes([0, 255, 10, 13]))",
  ]);
  assert.deepEqual(Array.from(out), [0, 255, 10, 13]);
});

Deno.test("runPythonFile runs a script file; a failure throws with its stderr", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ok.py`, "import sys\nprint(len(sys.argv) - 1)\n");
    assert.equal(await runPythonFile(`${dir}/ok.py`, ["x", "y"]), "2\n");
    await Deno.writeTextFile(`${dir}/bad.py`, "import sys\nsys.exit('boom here')\n");
    await assert.rejects(runPythonFile(`${dir}/bad.py`), /bad\.py failed \(1\):\nboom here/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawnPython keeps a process open for a line protocol", async () => {
  const child = spawnPython([
    "-c",
    "import sys\nfor l in sys.stdin: print(int(l) * 2, flush=True)",
  ]);
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("21\n"));
  await w.close();
  const out = await child.output();
  assert.equal(new TextDecoder().decode(out.stdout), "42\n");
});

Deno.test("maxAbsDiff: largest gap, NaN propagates, length mismatch is infinite", () => {
  assert.equal(maxAbsDiff([1, 2, 3], [1, 2.5, 2]), 1);
  assert.ok(Number.isNaN(maxAbsDiff([1, NaN], [1, 2])));
  assert.equal(maxAbsDiff([1], [1, 2]), Infinity);
});
