/**
 * The PSNR chart of the report: bars of mean PSNR per method (one colour per phase) with their
 * 95% interval as error bars. Drawn server-side by Chart.js on an `@napi-rs/canvas` canvas; when
 * the native canvas cannot load, a plain bar chart without text is drawn into an image instead.
 * @module
 */
import { writePng } from "../io/image.ts";
import type { Interval, LeaderboardRow } from "../store/types.ts";
import type { RgbImage } from "../types.ts";

/** Options of {@link writePsnrChart}. */
export interface ChartOptions {
  /** Width in pixels (default 900). */
  width?: number;
  /** Height in pixels (default 420). */
  height?: number;
}

const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];

/** Methods in first-phase order, then any others. */
function methodOrder(phases: ReadonlyMap<string, readonly LeaderboardRow[]>): string[] {
  const names: string[] = [];
  for (const rows of phases.values()) {
    for (const r of rows) if (!names.includes(r.method)) names.push(r.method);
  }
  return names;
}

function yRange(phases: ReadonlyMap<string, readonly LeaderboardRow[]>): [number, number] {
  const all = [...phases.values()].flat();
  const lo = Math.min(...all.map((r) => r.psnr.lo));
  const hi = Math.max(...all.map((r) => r.psnr.hi));
  return [Math.max(0, Math.floor(lo - 2)), Math.ceil(hi + 1)];
}

async function drawWithChartJs(
  path: string,
  phases: ReadonlyMap<string, readonly LeaderboardRow[]>,
  width: number,
  height: number,
): Promise<void> {
  const { createCanvas } = await import("@napi-rs/canvas");
  const { Chart, registerables } = await import("chart.js");
  Chart.register(...registerables);
  const labels = methodOrder(phases);
  const intervals: (Interval | undefined)[][] = [];
  const datasets = [...phases].map(([phase, rows], k) => {
    const by = new Map(rows.map((r) => [r.method, r]));
    intervals.push(labels.map((m) => by.get(m)?.psnr));
    return {
      label: `PSNR (${phase})`,
      data: labels.map((m) => by.get(m)?.psnr.mean ?? null),
      backgroundColor: COLORS[k % COLORS.length],
    };
  });
  const errorBars = {
    id: "errorBars",
    // deno-lint-ignore no-explicit-any
    afterDatasetsDraw(chart: any) {
      const ctx = chart.ctx;
      const y = chart.scales.y;
      ctx.save();
      ctx.strokeStyle = "#222";
      ctx.lineWidth = 1.5;
      intervals.forEach((ivs, d) => {
        chart.getDatasetMeta(d).data.forEach((bar: { x: number }, i: number) => {
          const iv = ivs[i];
          if (!iv) return;
          const top = y.getPixelForValue(iv.hi), bottom = y.getPixelForValue(iv.lo);
          ctx.beginPath();
          ctx.moveTo(bar.x, top);
          ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - 5, top);
          ctx.lineTo(bar.x + 5, top);
          ctx.moveTo(bar.x - 5, bottom);
          ctx.lineTo(bar.x + 5, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
  const [min, max] = yRange(phases);
  const canvas = createCanvas(width, height);
  const bg = canvas.getContext("2d");
  bg.fillStyle = "#ffffff";
  bg.fillRect(0, 0, width, height);
  // Chart.js accepts any object with getContext(); the DOM type is not in Deno's lib.
  // deno-lint-ignore no-explicit-any
  const chart = new Chart(canvas as any, {
    type: "bar",
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      scales: { y: { min, max, title: { display: true, text: "PSNR (dB)" } } },
      plugins: {
        title: { display: true, text: "Mean PSNR per method with 95% bootstrap interval" },
      },
    },
    plugins: [errorBars],
  });
  chart.draw();
  await Deno.writeFile(path, canvas.toBuffer("image/png"));
  chart.destroy();
}

/**
 * A text-free fallback chart: grey frame, one bar per method and phase from the axis minimum to
 * the mean, black interval bars.
 */
export function drawBarsImage(
  phases: ReadonlyMap<string, readonly LeaderboardRow[]>,
  width = 900,
  height = 420,
): RgbImage {
  const data = new Float32Array(width * height * 3).fill(1);
  const rect = (x0: number, y0: number, x1: number, y1: number, c: number[]) => {
    for (let y = Math.max(0, Math.round(y0)); y < Math.min(height, Math.round(y1)); y++) {
      for (let x = Math.max(0, Math.round(x0)); x < Math.min(width, Math.round(x1)); x++) {
        data.set(c, (y * width + x) * 3);
      }
    }
  };
  const hex = (s: string) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16) / 255);
  const labels = methodOrder(phases);
  const [min, max] = yRange(phases);
  const pad = 30;
  const py = (v: number) => height - pad - ((v - min) / (max - min)) * (height - 2 * pad);
  rect(pad, height - pad, width - pad, height - pad + 1, [0.5, 0.5, 0.5]);
  const slot = (width - 2 * pad) / Math.max(1, labels.length);
  const n = phases.size;
  [...phases.values()].forEach((rows, k) => {
    for (const r of rows) {
      const i = labels.indexOf(r.method);
      const x0 = pad + i * slot + slot * 0.1 + (k * slot * 0.8) / n;
      const bw = (slot * 0.8) / n;
      rect(x0, py(r.psnr.mean), x0 + bw, height - pad, hex(COLORS[k % COLORS.length]));
      const cx = x0 + bw / 2;
      rect(cx - 1, py(r.psnr.hi), cx + 1, py(r.psnr.lo), [0, 0, 0]);
      rect(cx - 5, py(r.psnr.hi) - 1, cx + 5, py(r.psnr.hi) + 1, [0, 0, 0]);
      rect(cx - 5, py(r.psnr.lo) - 1, cx + 5, py(r.psnr.lo) + 1, [0, 0, 0]);
    }
  });
  return { width, height, data };
}

/**
 * Writes the PSNR chart as PNG; returns how it was drawn.
 * @example
 * ```ts
 * await writePsnrChart("out/report/psnr.png", new Map([["test", rows]]));
 * ```
 */
export async function writePsnrChart(
  path: string,
  phases: ReadonlyMap<string, readonly LeaderboardRow[]>,
  opts: ChartOptions = {},
): Promise<"chart.js" | "plain"> {
  const width = opts.width ?? 900, height = opts.height ?? 420;
  if ([...phases.values()].every((rows) => rows.length === 0)) {
    throw new RangeError("writePsnrChart: no rows to draw");
  }
  try {
    await drawWithChartJs(path, phases, width, height);
    return "chart.js";
  } catch (e) {
    console.error(`chart: Chart.js/canvas unavailable (${(e as Error).message}); plain chart`);
    await writePng(path, drawBarsImage(phases, width, height));
    return "plain";
  }
}
