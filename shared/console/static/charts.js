// Charts: an interval chart (one point and its confidence interval per row) drawn as SVG
// elements, and line charts through the vendored uPlot (window.uPlot, loaded before us).
import { h, svg } from "./dom.js";

const COLOURS = ["#1a56db", "#e3590b", "#0f7b3f", "#9333ea", "#b42318", "#0e7490", "#a16207", "#4b5563"];
export const colour = (i) => COLOURS[i % COLOURS.length];

// rows: [{label, value, low, high}], drawn on one axis with a reference line at `reference`.
export function intervalChart(rows, { title, unit = "", reference = null, digits = 3 } = {}) {
  const width = 760;
  const rowHeight = 34;
  const longest = Math.max(0, ...rows.map((r) => r.label.length));
  const left = Math.min(340, 24 + 7 * longest);
  const right = 30;
  const top = 28;
  const height = top + rows.length * rowHeight + 30;
  const numbers = rows.flatMap((r) => [r.value, r.low, r.high]).concat(reference === null ? [] : [reference]).filter((x) => Number.isFinite(x));
  let min = Math.min(...numbers);
  let max = Math.max(...numbers);
  if (!numbers.length) {
    min = 0;
    max = 1;
  }
  if (min === max) {
    // One value (a constant cost): an axis around it at its own scale, not ±0.5.
    const half = Math.abs(min) * 0.5 || 0.5;
    min -= half;
    max += half;
  }
  const pad = (max - min) * 0.08;
  min -= pad;
  max += pad;
  const x = (v) => left + ((v - min) / (max - min)) * (width - left - right);
  const parts = [svg("text", { x: 4, y: 16, "font-size": 13, "font-weight": 600 }, title || "")];
  if (reference !== null && Number.isFinite(reference)) {
    parts.push(svg("line", { x1: x(reference), x2: x(reference), y1: top - 6, y2: height - 24, stroke: "#98a2b3", "stroke-dasharray": "4 3" }));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    parts.push(svg("text", { x: 4, y: y + 4, "font-size": 12 }, row.label));
    if (Number.isFinite(row.low) && Number.isFinite(row.high)) {
      parts.push(svg("line", { x1: x(row.low), x2: x(row.high), y1: y, y2: y, stroke: colour(i), "stroke-width": 3 }));
      for (const end of [row.low, row.high]) {
        parts.push(svg("line", { x1: x(end), x2: x(end), y1: y - 7, y2: y + 7, stroke: colour(i), "stroke-width": 2 }));
      }
    }
    if (Number.isFinite(row.value)) {
      parts.push(svg("circle", { cx: x(row.value), cy: y, r: 5, fill: colour(i) }, svg("title", {}, `${row.label}: ${row.value.toFixed(digits)}${unit}`)));
    } else {
      parts.push(svg("text", { x: left, y: y + 4, "font-size": 12, fill: "#5b6470" }, "no data yet"));
    }
  });
  for (const tick of [min + pad, (min + max) / 2, max - pad]) {
    parts.push(svg("text", { x: x(tick), y: height - 8, "font-size": 11, "text-anchor": "middle", fill: "#5b6470" }, `${tick.toFixed(digits)}${unit}`));
  }
  return h(
    "figure",
    { class: "chart" },
    svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title || "interval chart" }, parts),
  );
}

// One line per series over shared x values (seconds since the epoch); gaps where null.
export function lineChart({ title, x, series, unit = "", width = 560, height = 220 }) {
  const holder = h("figure", { class: "chart", "data-testid": "line-chart" }, h("figcaption", {}, title));
  if (!window.uPlot) {
    holder.append(h("p", { class: "error" }, "The chart library did not load."));
    return holder;
  }
  const options = {
    width,
    height,
    scales: { x: { time: true } },
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colour(i), width: 2, spanGaps: false, points: { show: true } }))],
    axes: [{}, { size: 80, values: (_u, ticks) => ticks.map((t) => `${+t.toPrecision(4)}${unit}`) }],
  };
  new window.uPlot(options, [x, ...series.map((s) => s.values)], holder);
  return holder;
}
