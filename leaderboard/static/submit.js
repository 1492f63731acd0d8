// Sends the submission form with the token in an Authorization header and opens the status page.
"use strict";
(function () {
  const form = document.getElementById("submit-form");
  if (!form) return;
  const out = document.getElementById("submit-result");
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const data = new FormData();
    const file = form.elements.file.files[0];
    const model = form.elements.model.files[0];
    const manifest = form.elements.manifest.files[0];
    if (file) data.append("file", file);
    if (model) data.append("model", model);
    if (manifest) data.append("manifest", manifest);
    const phase = form.elements.phase.value;
    const name = form.elements.name.value;
    out.textContent = "Uploading…";
    try {
      const res = await fetch(
        "/api/submissions?phase=" + encodeURIComponent(phase) + "&name=" + encodeURIComponent(name),
        {
          method: "POST",
          headers: { Authorization: "Bearer " + form.elements.token.value },
          body: data,
        },
      );
      const body = await res.json().catch(function () {
        return {};
      });
      if (!res.ok) {
        out.textContent = "Rejected (" + res.status + "): " + (body.error || res.statusText);
        return;
      }
      location.href = "/submissions/" + encodeURIComponent(body.id);
    } catch (e) {
      out.textContent = "Upload failed: " + e.message;
    }
  });
})();
