import assert from "node:assert/strict";
import { formatCases } from "../harness/fuzz/cases.ts";
import { runSuite } from "./suite.ts";

Deno.test("fuzz suite: 300 seeded file and CLI cases plus the HTTP probes are all handled", async () => {
  const r = await runSuite({ cases: 300, seed: 0 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.tried >= 300 + 30, `${r.tried} cases`);
  assert.equal(r.handled, r.tried);
  for (const fam of ["png", "jpeg", "npy", "zip", "cli", "http"]) {
    assert.ok(r.families[fam].tried > 0, fam);
  }
  // Every format family has both accepted and refused inputs: the mutations are not all fatal.
  for (const fam of ["png", "jpeg", "npy", "zip"]) {
    const f = r.families[fam];
    assert.ok(f.accepted > 0 && f.accepted < f.tried, `${fam}: ${f.accepted}/${f.tried} accepted`);
  }
  assert.ok(r.peakRssMb < 1024, `peak RSS ${r.peakRssMb} MiB`);
});

Deno.test("fuzz cases are deterministic per seed", () => {
  const names = (seed: number) => formatCases("png", seed, 40).map((c) => c.name);
  assert.deepEqual(names(3), names(3));
  assert.notDeepEqual(names(3), names(4));
});
