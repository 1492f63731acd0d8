/**
 * The HTML 404 page, for browsers that follow a bad link (`/phase/bogus`, `/method/nope`); API
 * clients keep getting JSON.
 * @module
 */
import { h, type Html, layout } from "./html.ts";

/** Renders the page; `what` says what was not found, e.g. `no method named "nope"`. */
export function notFoundPage(what: string): Html {
  const body = h`<h1>Not found</h1>
<p class="note">${what}.</p>
<p>See the <a href="/phase/val">validation</a> or <a href="/phase/test">test</a> leaderboard, or the
<a href="/api">API</a>.</p>`;
  return layout({ title: "Not found", body });
}

/** True when the request prefers HTML (a browser) over JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  return /text\/html/.test(accept ?? "");
}
