/**
 * The API documentation page: `leaderboard/API.md` shown as preformatted text.
 * @module
 */
import { h, type Html, layout } from "./html.ts";

/** Renders the API documentation (markdown source, escaped). */
export function apiPage(markdown: string): Html {
  return layout({
    title: "API",
    active: "api",
    body: h`<h1>JSON API</h1><pre class="doc">${markdown}</pre>`,
  });
}
