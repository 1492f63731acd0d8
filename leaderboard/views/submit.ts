/**
 * The submission form. The page's own script sends the file with the bearer token in an
 * `Authorization` header (never in the URL) and opens the submission's status page.
 * @module
 */
import { raw } from "hono/html";
import { count, h, type Html, layout } from "./html.ts";

/**
 * Renders the form; `maxBytes` is the upload limit shown to the user. `refused` maps a phase the
 * server cannot score (no targets) to the reason, shown above the form; that phase is disabled.
 */
export function submitPage(
  maxBytes: number,
  refused: ReadonlyMap<string, string> = new Map(),
): Html {
  const off = (p: string) => refused.has(p) ? raw(" disabled") : raw("");
  const body = h`<h1>Submit</h1>
${
    [...refused].map(([p, why]) =>
      h`<p class="note">Not accepting ${p} submissions: ${why}.</p>
`
    )
  }<p>Upload a <b>zip of PNG images</b> named like the phase's RAW inputs (<code>&lt;stem&gt;.png</code>,
flat or in one folder), or an <b>ONNX model</b> with its manifest. Uploads need a token issued by
the organizer; each team has a daily limit. Largest upload: ${count(maxBytes)} bytes.</p>
<form id="submit-form" class="submit" autocomplete="off">
<label>Token <input type="password" name="token" id="token" required></label>
<label>Phase <select name="phase" id="phase"><option value="val"${off("val")}>validation</option>
<option value="test"${off("test")}>hidden test</option></select></label>
<label>Name <input name="name" id="name" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}"
 placeholder="my-method-v1"></label>
<fieldset><legend>Result zip</legend>
<label>Zip <input type="file" name="file" id="file" accept=".zip,application/zip"></label></fieldset>
<fieldset><legend>…or model</legend>
<label>ONNX <input type="file" name="model" id="model" accept=".onnx"></label>
<label>Manifest (JSON) <input type="file" name="manifest" id="manifest" accept=".json"></label>
</fieldset>
<button type="submit" id="send">Submit</button>
<p id="submit-result" role="status"></p>
</form>`;
  return layout({ title: "Submit", body, active: "submit", scripts: ["/static/submit.js"] });
}
