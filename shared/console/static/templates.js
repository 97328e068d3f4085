// Templates: the list, one template (labels, history, versions), a version, the editor, a diff.
import { all, api, ApiError, get } from "./api.js";
import { diffBlock } from "./diffview.js";
import { confirmDialog, fill, h, highlighted, link, placeholders, seg, table, when } from "./dom.js";

const base = (name) => `/v1/templates/${seg(name)}`;
const page = (name) => `#/templates/${seg(name)}`;

export async function templatesPage(ctx) {
  const { items, more } = await all("/v1/templates");
  const labels = [...new Set(items.flatMap((t) => Object.keys(t.labels || {})))].sort();
  const search = h("input", { id: "template-search", type: "search", placeholder: "name or description" });
  const labelFilter = h(
    "select",
    { id: "template-label" },
    h("option", { value: "" }, "any label"),
    labels.map((label) => h("option", { value: label }, label)),
  );
  const body = h("div", {});
  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const label = labelFilter.value;
    const shown = items.filter(
      (t) =>
        (!needle || t.name.toLowerCase().includes(needle) || (t.description || "").toLowerCase().includes(needle)) &&
        (!label || label in (t.labels || {})),
    );
    fill(body, 
      shown.length
        ? table(
            ["Name", "Description", "Labels", "Latest", "Updated"],
            shown.map((t) => [
              [link(page(t.name), t.name), t.deleted ? h("span", { class: "chip bad" }, "deleted") : null],
              t.description || "",
              Object.entries(t.labels || {}).map(([l, v]) => h("span", { class: "chip" }, `${l} → v${v}`)),
              `v${t.latest_version}`,
              when(t.updated_at),
            ]),
          )
        : h("p", { class: "empty" }, items.length ? "No template matches." : "No templates yet."),
    );
  };
  search.addEventListener("input", draw);
  labelFilter.addEventListener("change", draw);
  draw();
  return h(
    "div",
    {},
    h("h1", {}, "Templates"),
    h(
      "div",
      { class: "card row" },
      h("div", {}, h("label", { for: "template-search" }, "Search"), search),
      h("div", {}, h("label", { for: "template-label" }, "Label"), labelFilter),
    ),
    more ? h("p", { class: "muted" }, "Showing the first 1000 templates.") : null,
    h("div", { class: "card" }, body),
    ctx.can("editor") ? createForm(ctx) : null,
  );
}

function createForm(ctx) {
  const name = h("input", { id: "new-name", type: "text", required: true, spellcheck: "false" });
  const text = h("textarea", { id: "new-text", required: true });
  const message = h("input", { id: "new-message", type: "text" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "new-title" },
    h("h2", { id: "new-title" }, "New template"),
    h("label", { for: "new-name" }, "Name"),
    name,
    h("label", { for: "new-text" }, "Text"),
    text,
    h("label", { for: "new-message" }, "Commit message"),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/v1/templates", {
        body: { name: name.value.trim(), template: text.value, commit_message: message.value },
      });
      ctx.go(page(name.value.trim()));
    } catch (error) {
      ctx.fail(error);
    }
  });
  return form;
}

export async function templatePage(ctx, name) {
  const [{ data: head, etag }, { data: versions }] = await Promise.all([
    get(base(name)),
    get(`${base(name)}/versions?limit=200`),
  ]);
  const labels = Object.entries(head.labels || {}).sort();
  // production's history is read even when the label is unset, so a removal stays visible.
  const historyOf = [...new Set(["production", ...labels.map(([label]) => label)])];
  const histories = (await Promise.all(historyOf.map((label) => get(`${base(name)}/labels/${seg(label)}`)))).filter(({ data }) => data.history.length);
  const numbers = versions.items.map((v) => v.version);
  return h(
    "div",
    {},
    h("p", {}, link("#/templates", "← Templates")),
    h("h1", {}, name),
    head.description ? h("p", {}, head.description) : null,
    head.deleted ? h("p", { class: "error", "data-testid": "deleted-note" }, "This template is deleted: every resolve of it is a 404; its versions and history are kept.") : null,
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Labels"),
      labels.length
        ? table(
            ["Label", "Version", ""],
            labels.map(([label, version]) => [
              h("span", { class: "chip" }, label),
              link(`${page(name)}/versions/${version}`, `v${version}`),
              ctx.can("publisher")
                ? h(
                    "div",
                    { class: "actions tight" },
                    h("button", { type: "button", "data-action": `rollback-${label}`, on: { click: () => rollback(ctx, name, label, etag) } }, `Roll back ${label}`),
                    h("button", { type: "button", class: "danger", "data-action": `remove-${label}`, on: { click: () => confirmRemove(ctx, name, label, version, etag) } }, `Remove ${label}…`),
                  )
                : "",
            ]),
          )
        : h("p", { class: "muted" }, "No label points at a version yet."),
      ctx.can("publisher") ? moveForm(ctx, name, head, etag, numbers) : null,
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Label history"),
      histories.length
        ? histories.map(({ data }) =>
            h(
              "div",
              {},
              h("h3", {}, data.label),
              table(
                ["When", "Who", "Change"],
                data.history.map((e) => [when(e.at), e.actor, `${e.to_version === null || e.to_version === undefined ? "remove" : e.kind}: ${e.from_version ?? "–"} → ${e.to_version ?? "–"}`]),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No label moves yet."),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Versions"),
      compareForm(ctx, name, numbers),
      table(
        ["Version", "Commit message", "Author", "Created", ""],
        versions.items.map((v) => [
          link(`${page(name)}/versions/${v.version}`, `v${v.version}`),
          v.commit_message || "",
          v.author || "",
          when(v.created_at),
          ctx.can("editor") ? link(`${page(name)}/edit/${v.version}`, "Edit from here") : "",
        ]),
      ),
    ),
    ctx.can("editor") ? lifecycleCard(ctx, name, head, labels, etag) : null,
  );
}

// Deleting and restoring need `admin`: lower roles see the controls disabled, with why, so
// what the role allows is visible; the API decides (a forced click answers its 403).
function lifecycleCard(ctx, name, head, labels, etag) {
  const admin = ctx.can("admin");
  const why = "help-template-lifecycle";
  const note = !admin
    ? "Deleting or restoring a template needs role admin."
    : head.deleted
      ? "Restoring makes the template resolvable again; its labels must then be set anew."
      : labels.length
        ? `Remove its labels first (${labels.map(([l]) => l).join(", ")}): a template that serves a label cannot be deleted.`
        : "Deleting is a soft delete: every resolve of the template becomes a 404; versions, history and the audit log stay, and an admin can restore it.";
  const button = head.deleted
    ? h("button", { type: "button", class: "primary", "data-action": "restore", disabled: !admin, "aria-describedby": why, on: { click: () => restore(ctx, name) } }, "Restore template")
    : h("button", { type: "button", class: "danger", "data-action": "delete", disabled: !admin || labels.length > 0, "aria-describedby": why, on: { click: () => confirmDelete(ctx, name, etag) } }, "Delete template…");
  return h(
    "div",
    { class: "card", "data-testid": "template-lifecycle" },
    h("h2", {}, head.deleted ? "Restore" : "Delete"),
    h("p", { class: "muted", id: why }, note),
    h("div", { class: "actions" }, button),
  );
}

function confirmRemove(ctx, name, label, version, etag) {
  confirmDialog({
    testid: "confirm-remove",
    title: `Remove label ${label} from ${name}?`,
    children: h("p", {}, `${label} serves v${version} now. After the removal, resolving ${name} with ${label} finds no version in Firestore (for production the environment override or bundled default may answer, else a 404). The version itself stays.`),
    action: `Remove ${label}`,
    danger: true,
    confirm: async (dialog) => {
      try {
        await api("DELETE", `${base(name)}/labels/${seg(label)}`, { ifMatch: etag });
        dialog.close();
        ctx.go(page(name), `${label} removed (it served v${version}).`);
      } catch (error) {
        dialog.close();
        ctx.fail(error);
      }
    },
  });
}

function confirmDelete(ctx, name, etag) {
  confirmDialog({
    testid: "confirm-delete",
    title: `Delete template ${name}?`,
    children: h("p", {}, `Every resolve of ${name} becomes a 404 (within the resolvers' cache time). Its versions, label history and audit entries are kept, and an admin can restore it.`),
    action: `Delete ${name}`,
    danger: true,
    confirm: async (dialog) => {
      try {
        await api("DELETE", base(name), { ifMatch: etag });
        dialog.close();
        ctx.go(page(name), `${name} deleted.`);
      } catch (error) {
        dialog.close();
        ctx.fail(error);
      }
    },
  });
}

async function restore(ctx, name) {
  try {
    await api("POST", `${base(name)}/restore`);
    ctx.go(page(name), `${name} restored.`);
  } catch (error) {
    ctx.fail(error);
  }
}

function versionSelect(id, numbers, selected) {
  return h("select", { id }, numbers.map((n) => h("option", { value: String(n), selected: n === selected }, `v${n}`)));
}

function compareForm(ctx, name, numbers) {
  if (numbers.length < 2) return null;
  const from = versionSelect("diff-from", numbers, numbers[1]);
  const to = versionSelect("diff-to", numbers, numbers[0]);
  return h(
    "form",
    { class: "row", on: { submit: (e) => { e.preventDefault(); ctx.go(`${page(name)}/diff/${from.value}/${to.value}`); } } },
    h("div", {}, h("label", { for: "diff-from" }, "Compare"), from),
    h("div", {}, h("label", { for: "diff-to" }, "with"), to),
    h("div", { class: "shrink" }, h("button", { type: "submit" }, "Diff")),
  );
}

function moveForm(ctx, name, head, etag, numbers) {
  const label = h("input", { id: "move-label", type: "text", value: "production", spellcheck: "false" });
  const version = versionSelect("move-version", numbers, numbers[0]);
  const form = h(
    "form",
    { class: "row" },
    h("div", {}, h("label", { for: "move-label" }, "Move label"), label),
    h("div", {}, h("label", { for: "move-version" }, "to version"), version),
    h("div", { class: "shrink" }, h("button", { type: "submit", class: "primary" }, "Review move…")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const target = Number(version.value);
    const current = (head.labels || {})[label.value.trim()];
    try {
      const diff = current ? (await get(`${base(name)}/diff?from=${current}&to=${target}`)).data : null;
      confirmMove(ctx, name, label.value.trim(), current, target, diff, etag);
    } catch (error) {
      ctx.fail(error);
    }
  });
  return form;
}

function confirmMove(ctx, name, label, current, target, diff, etag) {
  confirmDialog({
    testid: "confirm-move",
    title: `Move ${label} of ${name} to v${target}?`,
    children: [
      current ? h("p", {}, `It serves v${current} now. What changes for its callers:`) : h("p", {}, `${label} points at no version yet.`),
      diff ? diffBlock(diff) : null,
    ],
    action: `Move ${label} to v${target}`,
    confirm: async (dialog) => {
      try {
        await api("PUT", `${base(name)}/labels/${seg(label)}`, { body: { version: target }, ifMatch: etag });
        dialog.close();
        ctx.go(page(name), `${label} now serves v${target}.`);
      } catch (error) {
        dialog.close();
        ctx.fail(error);
      }
    },
  });
}

async function rollback(ctx, name, label, etag) {
  try {
    const { data } = await api("POST", `${base(name)}/rollback`, { body: { label }, ifMatch: etag });
    ctx.go(page(name), `${label} rolled back from v${data.from_version} to v${data.to_version}.`);
  } catch (error) {
    ctx.fail(error);
  }
}

function body(version) {
  if (version.template !== null && version.template !== undefined) {
    return h("pre", { "data-testid": "version-text" }, highlighted(version.template));
  }
  return h(
    "div",
    { "data-testid": "version-messages" },
    (version.messages || []).map((m) => h("div", {}, h("h3", {}, m.role), h("pre", {}, highlighted(m.content)))),
  );
}

export async function versionPage(ctx, name, number) {
  const { data: v } = await get(`${base(name)}/versions/${number}`);
  const config = v.model_config || {};
  return h(
    "div",
    {},
    h("p", {}, link(page(name), `← ${name}`)),
    h("h1", {}, `${name} v${v.version}`),
    h(
      "div",
      { class: "actions" },
      ctx.can("editor") ? link(`${page(name)}/edit/${v.version}`, "Edit into a new version") : null,
      v.parent_version ? link(`${page(name)}/diff/${v.parent_version}/${v.version}`, `Diff against v${v.parent_version}`) : null,
    ),
    h("div", { class: "card" }, h("h2", {}, v.template !== null && v.template !== undefined ? "Text" : "Chat messages"), body(v)),
    h(
      "div",
      { class: "grid2" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "About this version"),
        table(
          ["Field", "Value"],
          [
            ["Variables", v.variables.length ? v.variables.map((x) => h("span", { class: "chip" }, x)) : "none"],
            ["Author", v.author || ""],
            ["Commit message", v.commit_message || ""],
            ["Parent", v.parent_version ? `v${v.parent_version}` : "–"],
            ["Created", when(v.created_at)],
            ["Content hash", h("code", {}, v.content_hash)],
            ["Description", v.description || ""],
          ],
        ),
      ),
      h("div", { class: "card" }, h("h2", {}, "Model configuration"), table(["Setting", "Value"], Object.entries(config).map(([k, x]) => [k, JSON.stringify(x)]))),
    ),
  );
}

export async function diffPage(ctx, name, from, to) {
  const { data } = await get(`${base(name)}/diff?from=${from}&to=${to}`);
  return h(
    "div",
    {},
    h("p", {}, link(page(name), `← ${name}`)),
    h("h1", {}, `${name}: v${from} → v${to}`),
    h("div", { class: "card" }, diffBlock(data)),
  );
}

export async function editorPage(ctx, name, number) {
  const [{ data: v }, { etag }] = await Promise.all([get(`${base(name)}/versions/${number}`), get(base(name))]);
  const chat = v.template === null || v.template === undefined;
  const messages = (v.messages || []).map((m, i) => ({
    role: h("select", { id: `message-role-${i}`, "aria-label": `role of message ${i + 1}` }, ["system", "user", "assistant"].map((r) => h("option", { value: r, selected: r === m.role }, r))),
    content: h("textarea", { id: `message-${i}`, "aria-label": `message ${i + 1}`, value: m.content }),
  }));
  const text = chat ? null : h("textarea", { id: "editor-text", value: v.template, spellcheck: "false" });
  const config = h("textarea", { id: "editor-config", value: JSON.stringify(v.model_config, null, 2), spellcheck: "false" });
  const commit = h("input", { id: "editor-message", type: "text", required: true });
  const highlight = h("div", { "data-testid": "editor-highlight" });
  const detected = h("p", { "data-testid": "editor-variables" });
  const samples = h("div", {});
  const preview = h("div", { "data-testid": "preview", "aria-live": "polite" });
  const values = {};
  const texts = () => (chat ? messages.map((m) => m.content.value) : [text.value]);
  const refresh = () => {
    const names = [...new Set(texts().flatMap(placeholders))];
    fill(highlight, texts().map((t) => h("pre", {}, highlighted(t))));
    fill(detected, 
      names.length ? ["Variables: ", names.map((n) => h("span", { class: "chip" }, n))] : "No variables.",
    );
    fill(samples, 
      names.map((n) => {
        const input = h("input", { id: `sample-${n}`, type: "text", value: values[n] || "", on: { input: (e) => { values[n] = e.target.value; } } });
        return h("div", {}, h("label", { for: `sample-${n}` }, `Sample value of ${n}`), input);
      }),
    );
  };
  for (const area of chat ? messages.map((m) => m.content) : [text]) area.addEventListener("input", refresh);
  refresh();

  const content = () => {
    const sent = chat
      ? { messages: messages.map((m) => ({ role: m.role.value, content: m.content.value })) }
      : { template: text.value };
    return sent;
  };
  const runPreview = async () => {
    const names = [...new Set(texts().flatMap(placeholders))];
    const sample = Object.fromEntries(names.map((n) => [n, values[n] ?? ""]));
    fill(preview, h("p", { class: "loading" }, "Rendering…"));
    try {
      const { data } = await api("POST", `${base(name)}/preview`, { body: { ...content(), values: sample } });
      fill(preview, 
        data.rendered !== null && data.rendered !== undefined
          ? h("pre", { "data-testid": "preview-text" }, data.rendered)
          : (data.messages || []).map((m) => h("div", {}, h("h3", {}, m.role), h("pre", {}, m.content))),
        guardrailReport(data.guardrails),
        data.unused_variables.length ? h("p", { class: "muted" }, `Unused values: ${data.unused_variables.join(", ")}`) : null,
      );
    } catch (error) {
      fill(preview, h("p", { class: "error", "data-testid": "preview-error" }, error instanceof ApiError ? error.explanation : error.message));
      if (!(error instanceof ApiError) || ![409, 412, 422].includes(error.status)) ctx.fail(error);
    }
  };
  const status = h("p", { class: "status", role: "status", "data-testid": "save-status" });
  const save = async (event) => {
    event.preventDefault();
    let modelConfig;
    try {
      modelConfig = JSON.parse(config.value);
    } catch {
      status.className = "status error";
      status.textContent = "The model configuration is not valid JSON.";
      return;
    }
    try {
      const { data } = await api("PUT", base(name), {
        body: { ...content(), model_config: modelConfig, commit_message: commit.value },
        ifMatch: etag,
      });
      ctx.go(`${page(name)}/versions/${data.version}`, `Saved ${name} v${data.version}.`);
    } catch (error) {
      status.className = "status error";
      status.textContent = error instanceof ApiError ? error.explanation : error.message;
      if (error instanceof ApiError && error.status === 401) ctx.fail(error);
    }
  };
  return h(
    "form",
    { on: { submit: save } },
    h("p", {}, link(page(name), `← ${name}`)),
    h("h1", {}, `Edit ${name}, starting from v${v.version}`),
    h(
      "div",
      { class: "grid2" },
      h(
        "div",
        { class: "card" },
        chat
          ? messages.map((m, i) => h("div", {}, h("label", { for: `message-role-${i}` }, `Message ${i + 1}`), m.role, m.content))
          : [h("label", { for: "editor-text" }, "Text"), text],
        h("label", { for: "editor-config" }, "Model configuration (JSON)"),
        config,
        h("label", { for: "editor-message" }, "Commit message"),
        commit,
        h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save as new version")),
        status,
      ),
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Variables"),
        detected,
        highlight,
        samples,
        h("div", { class: "actions" }, h("button", { type: "button", on: { click: runPreview } }, "Preview render")),
        preview,
      ),
    ),
  );
}

export function guardrailReport(report) {
  if (!report) return null;
  const fired = report.fired || [];
  return h(
    "div",
    { "data-testid": "guardrail-report" },
    h("p", { class: "muted" }, `Guardrails run: ${(report.ran || []).join(", ") || "none"}`),
    fired.length
      ? table(
          ["Guardrail", "Where", "Action", "Types"],
          fired.map((f) => [f.guardrail, f.where || f.surface || "", f.action || "", (f.types || []).join(", ")]),
        )
      : h("p", { class: "ok" }, "No guardrail fired."),
  );
}

