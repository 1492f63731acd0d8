// Leaderboard charts, drawn with chart.js (served by the app from the npm package) from the JSON
// the page embeds. Plain script; `Chart` is the UMD global.
"use strict";
(function () {
  const palette = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
  ];
  // A method keeps its colour on every page and chart, whatever its rank or the other entries:
  // the colour comes from a hash (FNV-1a) of its name, not from its position.
  function colorOf(name) {
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) {
      h ^= name.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return palette[h % palette.length];
  }
  globalThis.ispBenchColorOf = colorOf;
  if (typeof Chart === "undefined") return;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = "system-ui, sans-serif";

  // Log axes label only the powers of ten: Chart.js also labels 2,000 … 9,000, which overlap.
  function decadeTicks(value) {
    const l = Math.log10(value);
    return Math.abs(l - Math.round(l)) < 1e-9 ? Number(value).toLocaleString("en-US") : "";
  }

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function scatter(canvasId, entries, x, xTitle, logX) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) return;
    const points = entries.filter(function (e) {
      return x(e) !== null;
    });
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: points.map(function (e) {
          return {
            label: e.method + (e.upper ? " (upper bound)" : ""),
            data: [{ x: x(e), y: e.psnr.mean }],
            backgroundColor: colorOf(e.method),
            pointStyle: e.upper ? "triangle" : "circle",
            pointRadius: 6,
          };
        }),
      },
      options: {
        responsive: false,
        scales: {
          x: logX
            ? {
              type: "logarithmic",
              title: { display: true, text: xTitle },
              ticks: { callback: decadeTicks, autoSkip: true, maxRotation: 0 },
            }
            : { type: "linear", title: { display: true, text: xTitle } },
          y: { title: { display: true, text: "PSNR (dB)" } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } },
      },
    });
  }

  function intervalChart(entries) {
    const canvas = document.getElementById("chart-interval");
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: entries.map(function (e) {
          return e.method;
        }),
        datasets: [
          {
            type: "bar",
            label: "95% interval",
            data: entries.map(function (e) {
              return [e.psnr.lo, e.psnr.hi];
            }),
            backgroundColor: entries.map(function (e) {
              return colorOf(e.method) + "59";
            }),
            borderColor: entries.map(function (e) {
              return colorOf(e.method);
            }),
            borderWidth: 1,
            barPercentage: 0.4,
          },
          {
            type: "scatter",
            label: "mean",
            data: entries.map(function (e) {
              return { x: e.method, y: e.psnr.mean };
            }),
            backgroundColor: entries.map(function (e) {
              return colorOf(e.method);
            }),
            pointRadius: 4,
          },
        ],
      },
      options: {
        responsive: false,
        scales: { y: { beginAtZero: false, title: { display: true, text: "PSNR (dB)" } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  const METRICS = {
    psnr: "per-image PSNR (dB)",
    ssim: "per-image SSIM",
    deltaE2000: "per-image ΔE2000",
  };

  function distributionChart(entries, perImage) {
    const canvas = document.getElementById("chart-distribution");
    if (!canvas || !perImage.length) return;
    const datasets = function (metric) {
      return entries.map(function (e, i) {
        const values = (perImage[i] && perImage[i][metric]) || [];
        return {
          label: e.method,
          // A deterministic spread around the entry's column keeps overlapping images visible.
          data: values.map(function (v, k) {
            return { x: i + ((k * 0.618) % 1 - 0.5) * 0.5, y: v };
          }),
          backgroundColor: colorOf(e.method),
          pointRadius: 3,
        };
      });
    };
    const chart = new Chart(canvas, {
      type: "scatter",
      data: { datasets: datasets("psnr") },
      options: {
        responsive: false,
        scales: {
          x: {
            min: -0.5,
            max: entries.length - 0.5,
            ticks: {
              callback: function (v) {
                return entries[v] ? entries[v].method : "";
              },
            },
            afterBuildTicks: function (axis) {
              axis.ticks = entries.map(function (_, i) {
                return { value: i };
              });
            },
          },
          y: { title: { display: true, text: METRICS.psnr } },
        },
        plugins: { legend: { display: false } },
      },
    });
    const select = document.getElementById("dist-metric");
    if (select) {
      select.addEventListener("change", function () {
        const metric = METRICS[select.value] ? select.value : "psnr";
        chart.data.datasets = datasets(metric);
        chart.options.scales.y.title.text = METRICS[metric];
        chart.update();
      });
    }
  }

  function histogram(values, method) {
    const canvas = document.getElementById("chart-histogram");
    if (!canvas || !values.length) return;
    const lo = Math.floor(Math.min.apply(null, values));
    const hi = Math.ceil(Math.max.apply(null, values));
    const bins = Math.max(1, Math.min(30, hi - lo));
    const width = (hi - lo) / bins || 1;
    const counts = new Array(bins).fill(0);
    values.forEach(function (v) {
      counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    });
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: counts.map(function (_, i) {
          return (lo + i * width).toFixed(1);
        }),
        datasets: [{
          label: "images",
          data: counts,
          backgroundColor: method ? colorOf(method) : palette[0],
        }],
      },
      options: {
        responsive: false,
        scales: { x: { title: { display: true, text: "PSNR (dB), bin start" } } },
        plugins: { legend: { display: false } },
      },
    });
  }

  const board = readJson("board-data");
  if (board) {
    const entries = board.entries;
    scatter(
      "chart-params",
      entries,
      function (e) {
        // Unknown parameter counts (result zips) are left out, not drawn at 1.
        return e.params === null || e.params === undefined ? null : Math.max(1, e.params);
      },
      "learned parameters",
      true,
    );
    const ms = entries.map(function (e) {
      return e.ms;
    }).filter(function (v) {
      return v > 0;
    });
    // A log axis only helps when runtimes span more than an order of magnitude.
    const spread = ms.length ? Math.max.apply(null, ms) / Math.min.apply(null, ms) : 1;
    scatter(
      "chart-runtime",
      entries,
      function (e) {
        return e.ms > 0 ? e.ms : null;
      },
      "ms per megapixel" + (spread > 20 ? " (log scale)" : ""),
      spread > 20,
    );
    intervalChart(entries);
    distributionChart(entries, board.perImage);
  }
  const images = readJson("image-data");
  if (images) histogram(images.psnr, images.method);
})();
