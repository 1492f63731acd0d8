import assert from "node:assert/strict";
import { formatCases } from "../harness/fuzz/cases.ts";
import type { runSuite } from "./suite.ts";

Deno.test("fuzz suite: 300 seeded file and CLI cases plus the HTTP probes are all handled", async () => {
  // Run as its own process (`task fuzz`), so the peak RSS is the suite's own: under
  // `deno test --parallel` other test files share this process and its RSS.
  const dir = await Deno.makeTempDir({ prefix: "isp-fuzz-" });
  const json = `${dir}/report.json`;
  const cli = new URL("./cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "--cases", "300", "--seed", "0", "--json", json],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  const r = JSON.parse(await Deno.readTextFile(json)) as Awaited<ReturnType<typeof runSuite>>;
  await Deno.remove(dir, { recursive: true });
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
