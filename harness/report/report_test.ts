import assert from "node:assert/strict";
import { join } from "node:path";
import { readImage } from "../io/image.ts";
import type { Method } from "../method.ts";
import type { LeaderboardRow } from "../store/types.ts";
import { drawBarsImage, writePsnrChart } from "./chart.ts";
import { escapeHtml, reportHtml } from "./html.ts";
import { resultsJson } from "./json.ts";
import { checkOrdering } from "./ordering.ts";
import { withStepZeroRows } from "./step_zero.ts";
import { leaderboardTable } from "./table.ts";

const iv = (mean: number) => ({ mean, lo: mean - 1, hi: mean + 1 });
const row = (method: string, psnr: number, de: number, usesTruth = false): LeaderboardRow => ({
  method,
  phase: "test",
  rank: 1,
  psnr: iv(psnr),
  ssim: iv(0.5),
  deltaE2000: iv(de),
  params: 7234,
  msPerMegapixel: NaN,
  usesTruth,
  createdAt: "2026-01-01T00:00:00Z",
  runId: "r",
});

Deno.test("ordering check: PASS, FAIL and SKIPPED", () => {
  const base = [row("classical", 20, 10), row("color-transfer", 21, 9)];
  const pass = checkOrdering([...base, row("semantic-pairing", 22, 8), row("oracle", 25, 5, true)]);
  assert.equal(pass.status, "PASS");
  assert.equal(pass.details.length, 5);
  const fail = checkOrdering([...base, row("semantic-pairing", 22, 9.5), row("o", 21, 5, true)]);
  assert.equal(fail.status, "FAIL");
  assert.deepEqual(fail.details.filter((d) => d.startsWith("FAIL")), [
    "FAIL semantic-pairing ΔE2000 9.50 < color-transfer 9.00",
    "FAIL o PSNR 21.00 ≥ semantic-pairing 22.00",
  ]);
  const skip = checkOrdering(base);
  assert.equal(skip.status, "SKIPPED");
  assert.deepEqual(skip.details, [
    "no result for semantic-pairing",
    "no upper-bound result: run a method that trains on the true pairs (oracle-paired) to " +
    "check that the reference stays below it",
  ]);
  const noOracle = checkOrdering([...base, row("semantic-pairing", 22, 8)]);
  assert.equal(noOracle.status, "SKIPPED");
  assert.equal(noOracle.details.length, 1);
  assert.match(noOracle.details[0], /^no upper-bound result/);
});

Deno.test("json keeps the exact shape; table and html flag upper bounds and escape", () => {
  const rows = [row("a<b>", 20, 10), row("oracle", 30, 2, true)];
  const j = resultsJson(rows);
  assert.deepEqual(j.results[0], {
    method: "a<b>",
    phase: "test",
    rank: 1,
    psnr: { mean: 20, lo: 19, hi: 21 },
    ssim: { mean: 0.5, lo: -0.5, hi: 1.5 },
    deltaE2000: { mean: 10, lo: 9, hi: 11 },
    params: 7234,
    msPerMegapixel: null,
  });
  const table = leaderboardTable(rows);
  assert.match(table, /oracle \(upper bound\)/);
  assert.match(table, /20\.00 \[19\.00, 21\.00\]/);
  assert.match(table, /7\.2K/);
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const html = reportHtml({
    title: "t",
    dataset: "d",
    phases: new Map([["test", rows]]),
    generatedAt: "now",
  });
  assert.ok(html.includes("a&lt;b&gt;") && !html.includes("a<b>"));
  assert.match(html, /class="ub">upper bound/);
});

Deno.test("charts: Chart.js PNG and the plain fallback draw the intervals", async () => {
  const phases = new Map([["test", [row("a", 20, 1), row("b", 25, 1)]]]);
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "c.png");
    assert.equal(await writePsnrChart(path, phases, { width: 400, height: 200 }), "chart.js");
    const img = await readImage(path);
    assert.deepEqual([img.width, img.height], [400, 200]);
    let dark = 0;
    for (let i = 0; i < img.data.length; i += 3) if (img.data[i] < 0.2) dark++;
    assert.ok(dark > 50, `only ${dark} dark pixels: no text or error bars drawn`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // Fallback: axis from 18 to 27; bar "b" (mean 25) is taller than bar "a" (mean 20).
  const img = drawBarsImage(phases, 200, 100);
  const barTop = (x: number) => {
    for (let y = 0; y < 100; y++) {
      const o = (y * 200 + x) * 3;
      if (img.data[o] < 0.9 && img.data[o + 2] > 0.5) return y;
    }
    return -1;
  };
  const a = barTop(50), b = barTop(150);
  assert.ok(a > 0 && b > 0 && b < a, `bar tops a=${a} b=${b}`);
});

Deno.test("ordering check: the reference must beat its own step 0 on val", () => {
  const test = [
    row("classical", 20, 10),
    row("color-transfer", 21, 9),
    row("semantic-pairing", 22, 8),
    row("semantic-pairing@step0", 30, 4), // step-0 rows are never compared on the test phase
    row("oracle", 25, 5, true),
    { ...row("oracle@step0", 10, 20, true) }, // nor counted as upper bounds
  ];
  const val = (trained: number, zero: number) => [
    { ...row("semantic-pairing", trained, 8), phase: "val" },
    { ...row("semantic-pairing@step0", zero, 8), phase: "val" },
  ];
  const pass = checkOrdering(test, {}, { val: val(23, 22.5) });
  assert.equal(pass.status, "PASS");
  assert.equal(pass.details.at(-1), "ok   semantic-pairing val PSNR 23.00 > its step 0 22.50");
  const fail = checkOrdering(test, {}, { val: val(22.4, 22.5) });
  assert.equal(fail.status, "FAIL");
  assert.deepEqual(fail.details.filter((d) => d.startsWith("FAIL")), [
    "FAIL semantic-pairing val PSNR 22.40 > its step 0 22.50",
  ]);
  const info = checkOrdering(test, {}, {
    stepZero: [{
      method: "semantic-pairing",
      phase: "test",
      psnr: { mean: 0.5, lo: 0.2, hi: 0.8, separated: true },
      ssim: { mean: -0.01, lo: -0.02, hi: 0.001, separated: false },
    }],
  });
  assert.equal(info.status, "PASS");
  assert.equal(
    info.details.at(-1),
    "info semantic-pairing − step 0 (test): PSNR +0.50 dB [+0.20, +0.80], SSIM -0.010 [-0.020, +0.001]",
  );
});

Deno.test("withStepZeroRows adds <name>@step0 after each method with a stepZero option", () => {
  const m = (name: string, withOption: boolean): Method => ({
    name,
    description: "",
    params: 0,
    options: withOption ? { stepZero: { type: "boolean", default: false, description: "" } } : {},
    train: () => Promise.reject(new Error("unused")),
  });
  const plan = withStepZeroRows([
    { method: m("a", false), options: {} },
    { method: m("b", true), options: { stepZero: false, lr: 1 } },
    { method: m("c", true), options: { stepZero: true } },
  ]);
  assert.deepEqual(plan.map((p) => p.method.name), ["a", "b", "b@step0", "c"]);
  assert.deepEqual(plan[2].options, { stepZero: true, lr: 1 });
});
