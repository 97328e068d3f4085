// Analytics: per template and version over a window, from the hourly rollups the API reads.
// The window is cut into hour-aligned buckets, one API call each, so versions compare on one
// chart over time; the table sums the whole window in one more call.
import { all, get, query } from "./api.js";
import { lineChart } from "./charts.js";
import { fill, fmt, h, table } from "./dom.js";

const HOUR = 3600 * 1000;
const WINDOWS = {
  "6h": { span: 6 * HOUR, buckets: 6, label: "last 6 hours" },
  "24h": { span: 24 * HOUR, buckets: 12, label: "last 24 hours" },
  "7d": { span: 7 * 24 * HOUR, buckets: 7, label: "last 7 days" },
  "30d": { span: 30 * 24 * HOUR, buckets: 10, label: "last 30 days" },
};

const METRICS = [
  ["success_rate", "Success rate", ""],
  ["p50_latency_ms", "p50 latency", " ms"],
  ["p95_latency_ms", "p95 latency", " ms"],
  ["p99_latency_ms", "p99 latency", " ms"],
  ["tokens", "Tokens (in + out)", ""],
  ["cost_usd", "Cost", " $"],
];

const seriesKey = (item) => (item.variant ? `v${item.version} · ${item.experiment_id}/${item.variant}` : `v${item.version}`);
const value = (item, metric) =>
  metric === "tokens" ? item.input_tokens + item.output_tokens : metric === "cost_usd" ? Number(item.cost_usd) : item[metric];

export async function analyticsPage(ctx) {
  const { items: templates } = await all("/v1/templates");
  const template = h("select", { id: "analytics-template" }, h("option", { value: "" }, "all templates"), templates.map((t) => h("option", { value: t.name }, t.name)));
  const windowSelect = h("select", { id: "analytics-window" }, Object.entries(WINDOWS).map(([key, w]) => h("option", { value: key, selected: key === "24h" }, w.label)));
  const out = h("div", { "aria-live": "polite" });
  const load = async () => {
    fill(out, h("p", { class: "loading" }, "Loading…"));
    const chosen = WINDOWS[windowSelect.value];
    const end = Math.ceil(Date.now() / HOUR) * HOUR;
    const start = end - chosen.span;
    const step = chosen.span / chosen.buckets;
    const path = template.value ? `/v1/analytics/${encodeURIComponent(template.value)}` : "/v1/analytics";
    const between = (from, to) => query({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const [{ data: summary }, ...buckets] = await Promise.all([
      get(path + between(start, end)),
      ...Array.from({ length: chosen.buckets }, (_, i) => get(path + between(start + i * step, start + (i + 1) * step))),
    ]);
    if (!ctx.current()) return;
    const keyOf = (item) => (template.value ? seriesKey(item) : `${item.template} ${seriesKey(item)}`);
    const keys = [...new Set(summary.items.map(keyOf))];
    const x = buckets.map((_, i) => (start + (i + 1) * step) / 1000);
    const charts = keys.length
      ? METRICS.map(([metric, title, unit]) =>
          lineChart({
            title: `${title} per version`,
            unit,
            x,
            series: keys.map((key) => ({
              label: key,
              values: buckets.map(({ data }) => {
                const item = data.items.find((i) => keyOf(i) === key);
                return item ? value(item, metric) : null;
              }),
            })),
          }),
        )
      : [];
    fill(out, 
      summary.items.length
        ? h("div", { "data-testid": "analytics-table" }, table(
            ["Template", "Version", "Experiment / variant", "Executions", "Success rate", "p50 / p95 / p99 ms", "Tokens in / out", "Cost $", "Errors"],
            summary.items.map((i) => [
              i.template,
              `v${i.version}`,
              i.variant ? `${i.experiment_id} / ${i.variant}` : "–",
              i.executions,
              fmt(i.success_rate, 3),
              `${fmt(i.p50_latency_ms, 0)} / ${fmt(i.p95_latency_ms, 0)} / ${fmt(i.p99_latency_ms, 0)}`,
              `${i.input_tokens} / ${i.output_tokens}`,
              i.cost_usd,
              Object.entries(i.errors || {}).map(([k, n]) => `${k}: ${n}`).join(", ") || "–",
            ]),
            { caption: `${new Date(start).toLocaleString()} – ${new Date(end).toLocaleString()}` },
          ))
        : h("p", { class: "empty" }, "No executions were rolled up in this window."),
      h("div", { class: "grid2", "data-testid": "analytics-charts" }, charts),
    );
  };
  const form = h(
    "form",
    { class: "card row", on: { submit: (e) => { e.preventDefault(); load().catch((error) => ctx.fail(error)); } } },
    h("div", {}, h("label", { for: "analytics-template" }, "Template"), template),
    h("div", {}, h("label", { for: "analytics-window" }, "Window"), windowSelect),
    h("div", { class: "shrink" }, h("button", { type: "submit" }, "Show")),
  );
  await load();
  return h("div", {}, h("h1", {}, "Analytics"), form, h("div", { class: "card" }, out));
}
