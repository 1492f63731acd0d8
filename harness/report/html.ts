/**
 * A static HTML report: one table per phase, the PSNR chart, failed runs. Self-contained (no
 * scripts, no external resources); every text is escaped.
 * @module
 */
import type { RunRecord } from "../store/results.ts";
import type { LeaderboardRow } from "../store/types.ts";
import { formatInterval, formatParams } from "./table.ts";

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Inputs of {@link reportHtml}. */
export interface HtmlReport {
  /** Title line. */
  readonly title: string;
  /** Dataset shown in the header. */
  readonly dataset: string;
  /** Leaderboard rows per phase. */
  readonly phases: ReadonlyMap<string, readonly LeaderboardRow[]>;
  /** Chart file name relative to the page (omitted when there is none). */
  readonly chart?: string;
  /** Failed runs to list. */
  readonly failed?: readonly RunRecord[];
  /** Method descriptions by name. */
  readonly descriptions?: ReadonlyMap<string, string>;
  /** Extra lines (e.g. the ordering check). */
  readonly notes?: readonly string[];
  /** Generation time (ISO 8601). */
  readonly generatedAt: string;
}

/**
 * Renders the report page.
 * @example
 * ```ts
 * await Deno.writeTextFile("out/report/index.html", reportHtml({ title, dataset, phases, … }));
 * ```
 */
export function reportHtml(r: HtmlReport): string {
  const e = escapeHtml;
  const tables = [...r.phases].map(([phase, rows]) => {
    const body = rows.map((row) =>
      `<tr><td>${row.rank}</td><td title="${e(r.descriptions?.get(row.method) ?? "")}">${
        e(row.method)
      }${row.usesTruth ? ' <span class="ub">upper bound</span>' : ""}</td><td>${
        e(formatInterval(row.psnr, 2))
      }</td><td>${e(formatInterval(row.ssim, 4))}</td><td>${
        e(formatInterval(row.deltaE2000, 2))
      }</td><td>${e(formatParams(row.params))}</td><td>${
        Number.isFinite(row.msPerMegapixel) ? row.msPerMegapixel.toFixed(1) : "-"
      }</td></tr>`
    ).join("\n");
    return `<h2>Phase <code>${e(phase)}</code></h2>
<table><thead><tr><th>rank</th><th>method</th><th>PSNR dB [95% CI]</th><th>SSIM [95% CI]</th>
<th>ΔE2000 [95% CI]</th><th>params</th><th>ms/MP</th></tr></thead>
<tbody>
${body}
</tbody></table>`;
  }).join("\n");
  const failed = r.failed?.length
    ? `<h2>Failed runs</h2><ul>${
      r.failed.map((f) =>
        `<li><code>${e(f.method)}</code> ${e(f.phase)} seed ${f.seed}: ${e(f.error ?? "")}</li>`
      ).join("")
    }</ul>`
    : "";
  const notes = r.notes?.length
    ? `<ul>${r.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(r.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
td:nth-child(2),th:nth-child(2){text-align:left}.ub{font-size:.8em;color:#a50;border:1px solid #a50;
border-radius:3px;padding:0 .3em}code{background:#f4f4f4}
</style></head><body>
<h1>${e(r.title)}</h1>
<p>Dataset <code>${e(r.dataset)}</code>. Means over images with 95% bootstrap intervals; methods
whose paired bootstrap difference in PSNR is not separated from zero share a rank. Upper bounds saw
the true pairs and are not competitors.</p>
${notes}
${r.chart ? `<p><img src="${e(r.chart)}" alt="PSNR per method with 95% intervals"></p>` : ""}
${tables}
${failed}
<p><small>Generated ${e(r.generatedAt)} by isp-bench.</small></p>
</body></html>
`;
}
