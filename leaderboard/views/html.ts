/**
 * HTML building blocks shared by the pages: an escaping template tag, the page layout, number
 * formatting and safe JSON embedding. Every interpolated value is escaped unless it is itself the
 * result of {@link h}.
 * @module
 */
import { html, raw } from "hono/html";

/** Escaped HTML fragment. */
export type Html = ReturnType<typeof raw>;

/**
 * Tagged template that escapes every interpolated string (hono's `html`), synchronous here since
 * no promise is ever interpolated.
 * @example
 * ```ts
 * h`<td>${userText}</td>`; // `<` in userText becomes &lt;
 * ```
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return html(strings, ...values) as Html;
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and line separators are
 * \u-escaped, so no string can close the element or start a comment.
 */
export function jsonBlock(id: string, value: unknown): Html {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return h`<script type="application/json" id="${id}">${raw(text)}</script>`;
}

/** Fixed decimals, or an em dash for a missing value. */
export function fixed(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

/** Integer with thin-space thousands separators. */
export function count(v: number): string {
  return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
}

/** A page: head with the app's own stylesheet and scripts (the CSP allows nothing else). */
export function layout(opts: {
  title: string;
  body: Html;
  scripts?: readonly string[];
  active?: string;
}): Html {
  const nav = [["val", "/phase/val", "Validation"], ["test", "/phase/test", "Test"], [
    "submit",
    "/submit",
    "Submit",
  ], ["api", "/api", "API"]];
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · isp-bench</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
${(opts.scripts ?? []).map((s) => h`<script src="${s}" defer></script>\n`)}
</head>
<body>
<header><a class="brand" href="/">isp-bench</a><nav>${
    nav.map(([k, href, label]) =>
      h`<a href="${href}"${raw(k === opts.active ? ' aria-current="page"' : "")}>${label}</a>`
    )
  }</nav></header>
<main>
${opts.body}
</main>
<footer>isp-bench — open benchmark for learned smartphone ISP (RAW → sRGB) with unpaired data.</footer>
</body>
</html>`;
}
