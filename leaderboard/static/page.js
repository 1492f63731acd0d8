// Sortable tables and self-refreshing status pages. Plain script, no framework; the CSP allows
// only scripts served by the app itself.
"use strict";
(function () {
  function cellValue(row, col, kind) {
    const td = row.children[col];
    const v = td ? td.getAttribute("data-v") ?? td.textContent : "";
    return kind === "num" ? Number(v) : String(v);
  }

  function makeSortable(table) {
    const heads = table.querySelectorAll("thead th");
    // The server's order breaks ties, so entries sharing a rank keep their order.
    Array.from(table.tBodies[0].rows).forEach(function (r, i) {
      r.setAttribute("data-i", String(i));
    });
    heads.forEach(function (th, col) {
      const button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        const kind = th.getAttribute("data-kind") || "text";
        const asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (o) {
          o.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).filter(function (r) {
          return r.children.length > 1;
        });
        rows.sort(function (a, b) {
          const x = cellValue(a, col, kind);
          const y = cellValue(b, col, kind);
          const d = kind === "num" ? x - y : x < y ? -1 : x > y ? 1 : 0;
          return (asc ? d : -d) ||
            Number(a.getAttribute("data-i")) - Number(b.getAttribute("data-i"));
        });
        rows.forEach(function (r) {
          body.appendChild(r);
        });
      });
    });
  }

  document.querySelectorAll("table.sortable").forEach(makeSortable);
  if (document.getElementById("pending")) {
    setTimeout(function () {
      location.reload();
    }, 1000);
  }
})();
