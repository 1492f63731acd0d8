/**
 * The leaderboard page of one phase: the ranked table (sortable by the page's own script), export
 * links and four charts drawn by chart.js from data embedded as JSON.
 * @module
 */
import type { Interval } from "../../harness/store/types.ts";
import type { Board, BoardEntry } from "../board.ts";
import { count, fixed, h, type Html, jsonBlock, layout } from "./html.ts";

const PHASE_TITLE = { val: "Validation", test: "Hidden test" } as const;

function interval(iv: Interval, digits: number): Html {
  return h`<span class="mean">${fixed(iv.mean, digits)}</span> <span class="ci">[${
    fixed(iv.lo, digits)
  }, ${fixed(iv.hi, digits)}]</span>`;
}

function methodLink(e: BoardEntry, phase: string): Html {
  const href = e.submission
    ? `/submissions/${encodeURIComponent(e.submission)}`
    : `/method/${encodeURIComponent(e.method)}?phase=${phase}`;
  return h`<a href="${href}">${e.method}</a>${
    e.usesTruth
      ? h` <span class="badge ub" title="saw the true pairs: not a fair competitor">upper bound</span>`
      : ""
  }`;
}

function row(e: BoardEntry, phase: string): Html {
  return h`<tr class="${e.usesTruth ? "upper-bound" : ""}">
<td data-v="${e.rank}">${e.tied ? `=${e.rank}` : String(e.rank)}</td>
<td data-v="${e.method}">${methodLink(e, phase)}</td>
<td data-v="${e.psnr.mean}">${interval(e.psnr, 2)}</td>
<td data-v="${e.ssim.mean}">${interval(e.ssim, 4)}</td>
<td data-v="${e.deltaE2000.mean}">${interval(e.deltaE2000, 2)}</td>
<td data-v="${e.params ?? -1}"${
    e.params === null ? h` title="a zip of results: the model is unknown"` : ""
  }>${e.params === null ? "—" : count(e.params)}</td>
<td data-v="${e.msPerMegapixel}">${e.msPerMegapixel > 0 ? fixed(e.msPerMegapixel, 1) : "—"}</td>
<td data-v="${e.createdAt}">${e.createdAt.slice(0, 10)}</td>
</tr>`;
}

/** Chart data embedded in the page (what `static/charts.js` reads). */
export function chartData(board: Board): unknown {
  return {
    phase: board.phase,
    entries: board.entries.map((e) => ({
      method: e.method,
      psnr: e.psnr,
      params: e.params,
      ms: e.msPerMegapixel,
      upper: e.usesTruth,
    })),
    perImage: board.perImage.map((list) => ({
      psnr: list.map((s) => s.psnr),
      ssim: list.map((s) => s.ssim),
      deltaE2000: list.map((s) => s.deltaE2000),
    })),
  };
}

/** Renders the page. */
export function leaderboardPage(board: Board): Html {
  const p = board.phase;
  const th = (label: string, kind: "num" | "text", title = "") =>
    h`<th scope="col" data-kind="${kind}"${
      title ? h` title="${title}"` : ""
    }><button type="button">${label}</button></th>`;
  const hiddenNote = board.revealed
    ? ""
    : h`<p class="note" id="hidden-note">Hidden test phase: only aggregate scores
are shown until the organizer reveals the per-image results.</p>`;
  const body = h`<h1>Leaderboard — ${PHASE_TITLE[p]}</h1>
<p class="exports">Export: <a href="/api/leaderboard.csv?phase=${p}" download>CSV</a> ·
<a href="/api/leaderboard?phase=${p}">JSON</a></p>
${hiddenNote}
<p class="legend">Means over images with 95% bootstrap intervals; entries whose PSNR difference a
paired bootstrap does not separate share a rank (“=2”). Upper bounds saw the true pairs and are
shown for reference only.</p>
<table id="board" class="sortable">
<thead><tr>
${th("Rank", "num")}${th("Method", "text")}${th("PSNR (dB) ↑", "num")}${th("SSIM ↑", "num")}${
    th("ΔE2000 ↓", "num")
  }${th("Params", "num")}${th("ms / MP", "num", "inference time per megapixel of output")}${
    th("Date", "text")
  }
</tr></thead>
<tbody>
${
    board.entries.length
      ? board.entries.map((e) => row(e, p))
      : h`<tr><td colspan="8" class="empty">No results yet.</td></tr>`
  }
</tbody>
</table>
<section class="charts">
<figure><canvas id="chart-params" width="480" height="320"></canvas>
<figcaption>PSNR vs learned parameters (log scale; classical methods at 1; result zips, whose
model is unknown, are not drawn)</figcaption></figure>
<figure><canvas id="chart-runtime" width="480" height="320"></canvas>
<figcaption>PSNR vs inference time per megapixel</figcaption></figure>
<figure><canvas id="chart-interval" width="480" height="320"></canvas>
<figcaption>Mean PSNR with 95% bootstrap interval</figcaption></figure>
${
    board.revealed
      ? h`<figure><canvas id="chart-distribution" width="480" height="320"></canvas>
<figcaption>Per-image distribution of <select id="dist-metric" aria-label="metric">
<option value="psnr">PSNR</option><option value="ssim">SSIM</option>
<option value="deltaE2000">ΔE2000</option></select></figcaption></figure>`
      : ""
  }
</section>
${jsonBlock("board-data", chartData(board))}`;
  return layout({
    title: `Leaderboard (${PHASE_TITLE[p]})`,
    body,
    active: p,
    scripts: ["/static/chart.umd.min.js", "/static/page.js", "/static/charts.js"],
  });
}
