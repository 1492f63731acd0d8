/**
 * The detail page of a method or submission: description, options, aggregate scores, per-image
 * table and histogram (when the phase is revealed) and validation crops (input / output / target).
 * @module
 */
import type { ImageScore } from "../../harness/store/types.ts";
import type { BoardEntry, MethodInfo } from "../board.ts";
import type { Submission } from "../queue.ts";
import { count, fixed, h, type Html, jsonBlock, layout } from "./html.ts";

/** What the page shows. */
export interface MethodView {
  /** Heading. */
  readonly title: string;
  /** Phase shown. */
  readonly phase: "val" | "test";
  /** Harness description and options, for methods. */
  readonly info?: MethodInfo;
  /** Option values of the run shown. */
  readonly runOptions?: Readonly<Record<string, unknown>>;
  /** Submission record, for submissions. */
  readonly submission?: Submission;
  /** The board row, when the entry is ranked. */
  readonly entry?: BoardEntry;
  /** Per-image scores (empty when hidden). */
  readonly images: readonly ImageScore[];
  /** True when per-image scores are withheld (unrevealed test phase). */
  readonly hidden: boolean;
  /** URL prefix of crops (`…/<image>/<kind>.png`) and the images that have them. */
  readonly crops?: {
    readonly base: string;
    readonly images: readonly string[];
    /** False when no stored output exists (only input and target are shown). */
    readonly output: boolean;
  };
}

function statusBlock(s: Submission): Html {
  return h`<dl class="status" id="status" data-status="${s.status}">
<dt>Status</dt><dd class="st-${s.status}">${s.status}</dd>
<dt>Team</dt><dd>${s.team}</dd>
<dt>Phase</dt><dd>${s.phase}</dd>
<dt>Kind</dt><dd>${s.kind}</dd>
<dt>Uploaded</dt><dd>${s.createdAt}</dd>
<dt>Size</dt><dd>${count(s.sizeBytes)} bytes</dd>
${s.finishedAt ? h`<dt>Finished</dt><dd>${s.finishedAt}</dd>` : ""}
${s.error ? h`<dt>Error</dt><dd class="error">${s.error}</dd>` : ""}
</dl>`;
}

function scoresBlock(v: MethodView): Html {
  const sum = v.entry ?? v.submission?.summary;
  if (!sum) return h``;
  const iv = (x: { mean: number; lo: number; hi: number }, d: number) =>
    h`<b>${fixed(x.mean, d)}</b> <span class="ci">[${fixed(x.lo, d)}, ${fixed(x.hi, d)}]</span>`;
  return h`<table class="summary" id="scores"><tbody>
${
    v.entry
      ? h`<tr><th>Rank</th><td>${
        v.entry.tied ? `=${v.entry.rank}` : String(v.entry.rank)
      }</td></tr>`
      : ""
  }
<tr><th>PSNR (dB)</th><td class="psnr">${iv(sum.psnr, 2)}</td></tr>
<tr><th>SSIM</th><td>${iv(sum.ssim, 4)}</td></tr>
<tr><th>ΔE2000</th><td>${iv(sum.deltaE2000, 2)}</td></tr>
<tr><th>Params</th><td>${
    v.submission?.kind === "results" || sum.params === null ? "—" : count(sum.params)
  }</td></tr>
</tbody></table>`;
}

function optionsBlock(info: MethodInfo, used?: Readonly<Record<string, unknown>>): Html {
  const names = [...new Set([...Object.keys(info.options), ...Object.keys(used ?? {})])];
  const row = (k: string) => {
    const val = info.options[k];
    const isSpec = typeof val === "object" && val !== null && "default" in val;
    const spec = (isSpec ? val : {}) as { default?: unknown; description?: unknown };
    return h`<tr><td><code>${k}</code></td><td>${
      used && k in used ? JSON.stringify(used[k]) : "—"
    }</td><td>${isSpec ? JSON.stringify(spec.default) : ""}</td><td>${
      isSpec ? String(spec.description ?? "") : ""
    }</td></tr>`;
  };
  return h`<section><h2>Method</h2><p class="description">${info.description}</p>
${info.usesTruth ? h`<p class="badge ub">Upper bound: saw the true pairs.</p>` : ""}
${
    names.length
      ? h`<table class="options" id="options"><thead><tr><th>Option</th><th>This run</th><th>Default</th><th>Description</th></tr></thead><tbody>${
        names.map(row)
      }</tbody></table>`
      : h`<p>No options.</p>`
  }</section>`;
}

function perImageBlock(v: MethodView): Html {
  if (v.hidden) {
    return h`<p class="note" id="hidden-note">Per-image results of the hidden test phase are shown
after the organizer reveals them.</p>`;
  }
  if (!v.images.length) return h``;
  return h`<section><h2>Per image</h2>
<figure><canvas id="chart-histogram" width="560" height="260"></canvas>
<figcaption>Per-image PSNR histogram</figcaption></figure>
<table id="per-image" class="sortable"><thead><tr>
<th data-kind="text"><button type="button">Image</button></th>
<th data-kind="num"><button type="button">PSNR (dB)</button></th>
<th data-kind="num"><button type="button">SSIM</button></th>
<th data-kind="num"><button type="button">ΔE2000</button></th></tr></thead><tbody>
${
    v.images.map((s) =>
      h`<tr><td data-v="${s.image}">${s.image}</td><td data-v="${s.psnr}">${fixed(s.psnr, 2)}${
        s.psnrCapped ? " (capped)" : ""
      }</td><td data-v="${s.ssim}">${fixed(s.ssim, 4)}</td><td data-v="${s.deltaE2000}">${
        fixed(s.deltaE2000, 2)
      }</td></tr>`
    )
  }
</tbody></table>
${jsonBlock("image-data", { method: v.title, psnr: v.images.map((s) => s.psnr) })}</section>`;
}

function cropsBlock(v: MethodView): Html {
  if (!v.crops || !v.crops.images.length) return h``;
  const { base, images } = v.crops;
  return h`<section><h2>Validation crops</h2>
<p class="legend">Centre crops. Input: a quick classical preview of the RAW (per Bayer cell, gamma
1/2.2, no colour correction); output: this entry's rendering${
    v.crops!.output ? "" : " (not stored on this server)"
  }; target: the reference camera.</p>
${
    images.map((img) =>
      h`<div class="crops"><h3>${img}</h3>${
        (v.crops!.output ? ["input", "output", "target"] : ["input", "target"]).map((k) =>
          h`<figure><img loading="lazy" alt="${k} ${img}" src="${base}/${
            encodeURIComponent(img)
          }/${k}.png"><figcaption>${k}</figcaption></figure>`
        )
      }</div>`
    )
  }</section>`;
}

/** Renders a method or submission page. */
export function methodPage(v: MethodView): Html {
  const pending = v.submission && (v.submission.status === "queued" ||
    v.submission.status === "running");
  const body = h`<h1>${v.title}</h1>
<p class="phase">Phase: <a href="/phase/${v.phase}">${v.phase}</a></p>
${v.submission ? statusBlock(v.submission) : ""}
${pending ? h`<p class="note" id="pending">Scoring… this page refreshes by itself.</p>` : ""}
${scoresBlock(v)}
${v.info ? optionsBlock(v.info, v.runOptions) : ""}
${perImageBlock(v)}
${cropsBlock(v)}`;
  return layout({
    title: v.title,
    body,
    scripts: ["/static/chart.umd.min.js", "/static/page.js", "/static/charts.js"],
  });
}
