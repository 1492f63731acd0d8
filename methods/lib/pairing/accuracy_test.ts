import assert from "node:assert/strict";
import { rawRgbOverlap } from "./accuracy.ts";
import { formatPairingTable, type PairingReportRow } from "./report.ts";
import type { PairingTruth } from "./truth.ts";

const truth = (rgbX: number, rgbPhoto = "p"): PairingTruth => ({
  version: 1,
  mode: "crops",
  rawScenes: { r0: "p" },
  rgbScenes: { t0: rgbPhoto },
  patches: {
    r0_0: { photo: "p", x: 0, y: 0, w: 10, h: 10 },
    t0_0: { photo: rgbPhoto, x: rgbX, y: 0, w: 10, h: 10 },
  },
});

Deno.test("rawRgbOverlap: adjacent crops never overlap; a 2-px shared strip does; other photos never", () => {
  assert.equal(rawRgbOverlap(truth(10), ["r0_0"], ["t0_0"]), false);
  assert.equal(rawRgbOverlap(truth(8), ["r0_0"], ["t0_0"]), true);
  assert.equal(rawRgbOverlap(truth(0, "q"), ["r0_0"], ["t0_0"]), false);
  assert.equal(rawRgbOverlap(truth(8), ["r0_0"], []), false);
});

Deno.test("pairing table: the IoU column is '—' when IoU cannot be measured, a percentage otherwise", () => {
  const row: PairingReportRow = {
    method: "builtin/fgw",
    ms: 12,
    scenes: 19,
    sceneTop1: 0.5,
    sceneTopK: 0.75,
    k: 4,
    patches: 100,
    patchTop1: 0.25,
    patchWeighted: 0.3,
    patchTop1Iou: 0.125,
  };
  const last = (t: string) => t.split("\n").at(-1)!.split("|").map((c) => c.trim());
  assert.equal(last(formatPairingTable([row]))[8], "12.5");
  assert.equal(last(formatPairingTable([row], { iou: false }))[8], "—");
});
