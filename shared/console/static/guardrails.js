// Guardrails: list, activate/deactivate, edit threshold/action/config, and "try it".
import { all, api, ApiError } from "./api.js";
import { fill, fmt, h, seg, table } from "./dom.js";

const ACTIONS = ["block", "warn", "redact", "log"];

export async function guardrailsPage(ctx) {
  const { items } = await all("/v1/guardrails");
  const editor = h("div", {});
  const rows = items.map((g) => [
    g.name,
    g.type,
    g.action,
    fmt(g.threshold, 3),
    g.surfaces.join(", "),
    h("span", { class: g.active ? "chip good" : "chip off", "data-testid": `state-${g.name}` }, g.active ? "active" : "inactive"),
    h(
      "div",
      { class: "actions" },
      ctx.can("publisher")
        ? h(
            "button",
            { type: "button", "data-action": `toggle-${g.name}`, on: { click: () => toggle(ctx, g) } },
            g.active ? "Deactivate" : "Activate",
          )
        : null,
      ctx.can("editor")
        ? h("button", { type: "button", "data-action": `edit-${g.name}`, on: { click: () => fill(editor, editForm(ctx, g)) } }, "Edit")
        : null,
    ),
  ]);
  return h(
    "div",
    {},
    h("h1", {}, "Guardrails"),
    h(
      "div",
      { class: "card" },
      items.length
        ? table(["Name", "Type", "Action", "Threshold", "Surfaces", "State", ""], rows)
        : h("p", { class: "empty" }, "No guardrails configured."),
    ),
    editor,
    tryIt(items),
  );
}

async function toggle(ctx, g) {
  try {
    await api("POST", `/v1/guardrails/${seg(g.name)}/${g.active ? "deactivate" : "activate"}`, { ifMatch: `"r${g.revision}"` });
    ctx.go("#/guardrails", `${g.name} ${g.active ? "deactivated" : "activated"}.`);
  } catch (error) {
    ctx.fail(error);
  }
}

function editForm(ctx, g) {
  const threshold = h("input", { id: "edit-threshold", type: "number", min: "0", max: "1", step: "0.01", value: String(g.threshold) });
  const action = h("select", { id: "edit-action" }, ACTIONS.map((a) => h("option", { value: a, selected: a === g.action }, a)));
  const description = h("input", { id: "edit-description", type: "text", value: g.description || "" });
  const config = h("textarea", { id: "edit-config", value: JSON.stringify(g.config || {}, null, 2), spellcheck: "false" });
  const status = h("p", { class: "status", role: "status" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, `Edit ${g.name}`),
    h(
      "div",
      { class: "row" },
      h("div", {}, h("label", { for: "edit-threshold" }, "Threshold (0..1)"), threshold),
      h("div", {}, h("label", { for: "edit-action" }, "Action"), action),
    ),
    h("label", { for: "edit-description" }, "Description"),
    description,
    h("label", { for: "edit-config" }, "Configuration (JSON)"),
    config,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(config.value);
    } catch {
      status.textContent = "The configuration is not valid JSON.";
      return;
    }
    const spec = {
      type: g.type,
      description: description.value,
      threshold: Number(threshold.value),
      action: action.value,
      surfaces: g.surfaces,
      active: g.active,
      fail_mode: g.fail_mode,
      config: parsed,
    };
    try {
      await api("PUT", `/v1/guardrails/${seg(g.name)}`, { body: spec, ifMatch: `"r${g.revision}"` });
      ctx.go("#/guardrails", `${g.name} saved.`);
    } catch (error) {
      status.className = "status error";
      status.textContent = error instanceof ApiError ? error.explanation : error.message;
    }
  });
  return form;
}

function tryIt(items) {
  const text = h("textarea", { id: "scan-text", placeholder: "Paste a text to scan" });
  const only = h(
    "select",
    { id: "scan-only" },
    h("option", { value: "" }, "every active guardrail"),
    items.map((g) => h("option", { value: g.name }, `${g.name}${g.active ? "" : " (inactive)"}`)),
  );
  const out = h("div", { "data-testid": "scan-results", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "scan-title" },
    h("h2", { id: "scan-title" }, "Try it"),
    h("label", { for: "scan-text" }, "Text"),
    text,
    h("label", { for: "scan-only" }, "Guardrails"),
    only,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Scan")),
    out,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fill(out, h("p", { class: "loading" }, "Scanning…"));
    try {
      const body = { text: text.value };
      if (only.value) body.guardrails = [only.value];
      const { data } = await api("POST", "/v1/guardrails/scan", { body });
      fill(out, 
        data.checks.length
          ? table(
              ["Guardrail", "Fired", "Score", "Action", "Findings", "Redacted"],
              data.checks.map((c) => [
                c.guardrail,
                h("span", { class: c.triggered ? "chip bad" : "chip good" }, c.triggered ? "fired" : "no"),
                fmt(c.score, 3),
                c.action,
                c.findings.map((f) => `${f.type} [${f.start}–${f.end}] ${fmt(f.score, 2)}`).join("; ") || "–",
                h("pre", {}, c.redacted),
              ]),
            )
          : h("p", { class: "muted" }, "No active guardrail."),
      );
    } catch (error) {
      fill(out, h("p", { class: "error" }, error instanceof ApiError ? error.explanation : error.message));
    }
  });
  return form;
}
