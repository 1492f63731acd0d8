/**
 * A TypeScript plug-in for the tests: outside the registry, loaded by path. Renders
 * sqrt of (R, mean G, B), nearest-upsampled, times a gain option.
 * @module
 */
import type { Method } from "../../method.ts";
import type { RawImage, RgbImage } from "../../types.ts";

function render(raw: RawImage, gain: number): RgbImage {
  const w = raw.width * 2, h = raw.height * 2;
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = ((y >> 1) * raw.width + (x >> 1)) * 4;
      const o = (y * w + x) * 3;
      data[o] = Math.sqrt(raw.data[p]) * gain;
      data[o + 1] = Math.sqrt((raw.data[p + 1] + raw.data[p + 2]) / 2) * gain;
      data[o + 2] = Math.sqrt(raw.data[p + 3]) * gain;
    }
  }
  return { width: w, height: h, data };
}

/** The plug-in's method. */
export const gainPlugin: Method = {
  name: "ts-gain",
  description: "A TypeScript plug-in loaded by path (test).",
  params: 1,
  options: { gain: { type: "number", default: 1, description: "output gain" } },
  train(_split, ctx) {
    if ("pluginHash" in ctx.options) throw new Error("the harness's hash option leaked");
    const gain = ctx.options.gain as number;
    return Promise.resolve({
      params: 1,
      render: (raw: RawImage) => Promise.resolve(render(raw, gain)),
    });
  },
};

/** Option values of quick benches. */
export const FAST_PROFILE = { gain: 0.9 };
