// Experiments: list, create, start, stop with a decision, results with intervals.
import { all, api, ApiError, get } from "./api.js";
import { intervalChart } from "./charts.js";
import { fill, fmt, h, link, seg, table, when } from "./dom.js";

const page = (id) => `#/experiments/${seg(id)}`;

export async function experimentsPage(ctx) {
  const { items } = await all("/v1/experiments");
  return h(
    "div",
    {},
    h("h1", {}, "Experiments"),
    h(
      "div",
      { class: "card" },
      items.length
        ? table(
            ["Id", "Template", "Label", "Status", "Variants", "Started", "Stopped"],
            items.map((e) => [
              link(page(e.id), e.id),
              link(`#/templates/${seg(e.template)}`, e.template),
              e.label,
              h("span", { class: "chip" }, e.status),
              e.variants.map((v) => `${v.name}: v${v.version} (${Math.round(v.weight * 100)}%)`).join(", "),
              when(e.started_at),
              when(e.stopped_at),
            ]),
          )
        : h("p", { class: "empty" }, "No experiments yet."),
    ),
    ctx.can("editor") ? createForm(ctx) : null,
  );
}

function variantRow(i, name, version, weight) {
  return {
    name: h("input", { id: `variant-name-${i}`, type: "text", value: name, "aria-label": `variant ${i + 1} name` }),
    version: h("input", { id: `variant-version-${i}`, type: "number", min: "1", value: String(version), "aria-label": `variant ${i + 1} version` }),
    weight: h("input", { id: `variant-weight-${i}`, type: "number", min: "0", max: "1", step: "0.01", value: String(weight), "aria-label": `variant ${i + 1} weight` }),
  };
}

function createForm(ctx) {
  const id = h("input", { id: "exp-id", type: "text", required: true, spellcheck: "false" });
  const template = h("input", { id: "exp-template", type: "text", required: true, spellcheck: "false" });
  const label = h("input", { id: "exp-label", type: "text", value: "production" });
  const coverage = h("input", { id: "exp-coverage", type: "number", min: "0.01", max: "1", step: "0.01", value: "1" });
  const metric = h("select", { id: "exp-metric" }, ["success_rate", "latency_ms", "cost_usd"].map((m) => h("option", { value: m }, m)));
  const description = h("input", { id: "exp-description", type: "text" });
  const seed = h("input", { id: "exp-seed", type: "text", spellcheck: "false", maxlength: "64", placeholder: "random", "aria-describedby": "exp-seed-help" });
  const variants = [variantRow(0, "control", 1, 0.5), variantRow(1, "treatment", 2, 0.5)];
  const list = h("div", {});
  const draw = () =>
    fill(list, 
      table(["Variant", "Version", "Weight"], variants.map((v) => [v.name, v.version, v.weight])),
    );
  draw();
  const status = h("p", { class: "status", role: "status" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "exp-title" },
    h("h2", { id: "exp-title" }, "New experiment"),
    h(
      "div",
      { class: "row" },
      h("div", {}, h("label", { for: "exp-id" }, "Id"), id),
      h("div", {}, h("label", { for: "exp-template" }, "Template"), template),
      h("div", {}, h("label", { for: "exp-label" }, "Label"), label),
    ),
    h(
      "div",
      { class: "row" },
      h("div", {}, h("label", { for: "exp-coverage" }, "Coverage (share of users)"), coverage),
      h("div", {}, h("label", { for: "exp-metric" }, "Primary metric"), metric),
      h("div", {}, h("label", { for: "exp-seed" }, "Assignment seed (optional)"), seed),
    ),
    h("label", { for: "exp-description" }, "Description"),
    description,
    h("h3", {}, "Variants (weights sum to 1; the first is the control)"),
    list,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", on: { click: () => { variants.push(variantRow(variants.length, `v${variants.length}`, 1, 0)); draw(); } } }, "Add variant"),
      h("button", { type: "submit", class: "primary" }, "Create (draft)"),
    ),
    h("p", { class: "muted", id: "exp-seed-help" }, "The seed salts the hash that assigns users to variants. Leave it empty for a random one; give another experiment's (or another platform's) seed to reproduce its assignment. It is shown on the experiment's page."),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      id: id.value.trim(),
      template: template.value.trim(),
      label: label.value.trim(),
      description: description.value,
      coverage: Number(coverage.value),
      primary_metric: metric.value,
      variants: variants.map((v) => ({ name: v.name.value.trim(), version: Number(v.version.value), weight: Number(v.weight.value) })),
    };
    if (seed.value.trim()) body.seed = seed.value.trim();
    try {
      await api("POST", "/v1/experiments", { body });
      ctx.go(page(body.id));
    } catch (error) {
      status.className = "status error";
      status.textContent = error instanceof ApiError ? error.explanation : error.message;
    }
  });
  return form;
}

export async function experimentPage(ctx, id) {
  const [{ data: e, etag }, { data: results }] = await Promise.all([get(`/v1/experiments/${seg(id)}`), get(`/v1/experiments/${seg(id)}/results`)]);
  return h(
    "div",
    {},
    h("p", {}, link("#/experiments", "← Experiments")),
    h("h1", {}, `Experiment ${e.id}`),
    h(
      "div",
      { class: "card" },
      table(
        ["Field", "Value"],
        [
          ["Template", link(`#/templates/${seg(e.template)}`, `${e.template} (${e.label})`)],
          ["Status", h("span", { class: "chip", "data-testid": "experiment-status" }, e.status)],
          ["Coverage", `${Math.round(e.coverage * 100)}%`],
          ["Primary metric", e.primary_metric],
          ["Seed", h("code", {}, e.seed)],
          ["Started", when(e.started_at)],
          ["Stopped", when(e.stopped_at)],
          ["Decision", e.decision ? `${e.decision.winner ? `winner ${e.decision.winner}` : "no winner"}${e.decision.note ? `: ${e.decision.note}` : ""}` : "–"],
          ["Description", e.description || ""],
        ],
      ),
      controls(ctx, e, etag),
    ),
    resultsBlock(results),
  );
}

function controls(ctx, e, etag) {
  if (!ctx.can("publisher")) return null;
  if (e.status === "draft") {
    return h("div", { class: "actions" }, h("button", { type: "button", class: "primary", "data-action": "start", on: { click: () => act(ctx, e, "start", undefined, etag) } }, "Start"));
  }
  if (e.status !== "running") return null;
  const winner = h("select", { id: "stop-winner" }, h("option", { value: "" }, "no winner (the label stays)"), e.variants.map((v) => h("option", { value: v.name }, `${v.name} (v${v.version})`)));
  const note = h("input", { id: "stop-note", type: "text" });
  return h(
    "form",
    { class: "row", on: { submit: (ev) => { ev.preventDefault(); act(ctx, e, "stop", { winner: winner.value || null, note: note.value }, etag); } } },
    h("div", {}, h("label", { for: "stop-winner" }, "Decision: winner"), winner),
    h("div", {}, h("label", { for: "stop-note" }, "Note"), note),
    h("div", { class: "shrink" }, h("button", { type: "submit", class: "danger", "data-action": "stop" }, "Stop")),
  );
}

async function act(ctx, e, verb, body, etag) {
  try {
    await api("POST", `/v1/experiments/${seg(e.id)}/${verb}`, { body, ifMatch: etag });
    ctx.go(page(e.id), `Experiment ${e.id}: ${verb === "start" ? "started" : "stopped"}.`);
  } catch (error) {
    ctx.fail(error);
  }
}

// Below the 4 shown digits a p-value is "< 0.0001", never a misleading 0.
function pValue(p, relation = false) {
  if (p === null || p === undefined) return relation ? "= –" : "–";
  if (p < 0.0001) return "< 0.0001";
  return relation ? `= ${fmt(p, 4)}` : fmt(p, 4);
}

const METRICS = [
  ["success_rate", "Success rate", "success_rate_ci", ""],
  ["mean_latency_ms", "Mean latency", "mean_latency_ms_ci", " ms"],
  ["mean_cost_usd", "Mean cost", "mean_cost_usd_ci", " $"],
];

function resultsBlock(r) {
  const ratio = r.sample_ratio;
  const g = r.guidance;
  const charts = METRICS.map(([key, title, ci, unit]) =>
    intervalChart(
      r.variants.map((v) => ({ label: `${v.name} (v${v.version})`, value: v[key], low: v[ci].low, high: v[ci].high })),
      { title: `${title}, 95% interval per variant`, unit, digits: key === "mean_cost_usd" ? 5 : key === "success_rate" ? 3 : 1 },
    ),
  );
  const lifts = r.comparisons.flatMap((c) =>
    c.metrics.map((m) => ({ label: `${c.variant} vs ${c.against}: ${m.metric}`, value: m.relative_lift, low: m.relative_lift_ci.low, high: m.relative_lift_ci.high })),
  );
  return h(
    "div",
    { class: "card", "data-testid": "results" },
    h("h2", {}, "Results"),
    ratio.mismatch
      ? h("p", { class: "error srm", role: "alert", "data-testid": "srm" }, `Sample ratio mismatch: the observed split differs from the weights (p ${pValue(ratio.p_value, true)}). Check the assignment before trusting the figures.`)
      : h("p", { class: "muted" }, `Sample ratio check passed${ratio.p_value === null ? " (not enough users yet)" : ` (p ${pValue(ratio.p_value, true)})`}.`),
    h(
      "p",
      { "data-testid": "guidance" },
      `${g.recommendation.replace(/\.?$/, ".")} `,
      g.min_users_per_variant ? `About ${g.min_users_per_variant} users per variant are needed for ${g.primary_metric}; ` : "",
      g.sample_size_reached ? "the sample size is reached." : "the sample size is not reached yet.",
    ),
    g.min_users_per_variant
      ? h(
          "div",
          { class: "progress-list", "data-testid": "sample-progress" },
          r.variants.map((v) =>
            h(
              "div",
              {},
              h("span", {}, `${v.name}: ${v.users} of ${g.min_users_per_variant} users`),
              h("progress", { max: String(g.min_users_per_variant), value: String(Math.min(v.users, g.min_users_per_variant)), "aria-label": `${v.name}: users so far against the ${g.min_users_per_variant} needed` }),
            ),
          ),
        )
      : null,
    table(
      ["Variant", "Users", "Executions", "Success rate", "Mean latency ms", "Mean cost $", "Tokens in/out per execution"],
      r.variants.map((v) => [
        `${v.name} (v${v.version}, ${Math.round(v.weight * 100)}%)`,
        v.users,
        v.executions,
        `${fmt(v.success_rate, 3)} [${fmt(v.success_rate_ci.low, 3)}, ${fmt(v.success_rate_ci.high, 3)}]`,
        `${fmt(v.mean_latency_ms, 1)} [${fmt(v.mean_latency_ms_ci.low, 1)}, ${fmt(v.mean_latency_ms_ci.high, 1)}]`,
        `${fmt(v.mean_cost_usd, 6)} [${fmt(v.mean_cost_usd_ci.low, 6)}, ${fmt(v.mean_cost_usd_ci.high, 6)}]`,
        `${fmt(v.input_tokens_per_execution, 1)} / ${fmt(v.output_tokens_per_execution, 1)}`,
      ]),
    ),
    h("div", {}, charts),
    lifts.length ? intervalChart(lifts, { title: "Relative lift against the control, 95% interval", reference: 0, digits: 3 }) : null,
    r.comparisons.length
      ? table(
          ["Comparison", "Metric", "Test", "Difference [95% CI]", "p-value", "Always-valid p", "Significant"],
          r.comparisons.flatMap((c) =>
            c.metrics.map((m) => [
              `${c.variant} vs ${c.against}`,
              m.metric,
              m.test,
              `${fmt(m.difference, 4)} [${fmt(m.difference_ci.low, 4)}, ${fmt(m.difference_ci.high, 4)}]`,
              pValue(m.p_value),
              pValue(m.always_valid_p_value),
              m.significant ? "yes" : "no",
            ]),
          ),
        )
      : null,
    r.notes.length ? h("ul", {}, r.notes.map((n) => h("li", { class: "muted" }, n))) : null,
  );
}
