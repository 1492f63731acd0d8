import assert from "node:assert/strict";
import { join } from "node:path";

/**
 * The main job as a user runs it: `deno task bench` with no method selection, on freshly built
 * small fixtures. It must finish, print both leaderboards and pass the expected ordering
 * (reference beats classical and color-transfer on PSNR and ΔE2000 on the hidden test phase,
 * oracle ≥ reference): the bench exits 1 when that check fails.
 */
Deno.test("deno task bench runs every method on fresh fixtures and passes the ordering check", async () => {
  const out = await Deno.makeTempDir({ prefix: "isp-bench-e2e-" });
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["task", "bench", "--out", out, "--no-progress"],
      cwd: new URL("../..", import.meta.url).pathname,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(res.stdout);
    const stderr = new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, `bench failed:\n${stdout}\n${stderr.slice(-3000)}`);
    assert.match(stdout, /ordering check \(test\): PASS/);
    const json = JSON.parse(await Deno.readTextFile(join(out, "report", "results.json")));
    const methods = new Set(json.results.map((r: { method: string }) => r.method));
    for (
      const m of [
        "classical",
        "color-transfer",
        "semantic-pairing",
        "cnn-unpaired",
        "oracle-paired",
      ]
    ) {
      assert.ok(methods.has(m), `${m} missing from results.json`);
    }
    for (const r of json.results) {
      for (const k of ["psnr", "ssim", "deltaE2000"]) {
        assert.ok(r[k].lo <= r[k].mean && r[k].mean <= r[k].hi, `${r.method} ${k} interval`);
      }
    }
    const sp = json.results.find((r: { method: string; phase: string }) =>
      r.method === "semantic-pairing" && r.phase === "test"
    );
    assert.equal(sp.params, 7055);
    assert.ok((await Deno.stat(join(out, "report", "index.html"))).size > 1000);
    assert.ok((await Deno.stat(join(out, "report", "psnr.png"))).size > 1000);
    assert.ok(!/hidden/i.test(stdout), "the bench never prints hidden paths");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
