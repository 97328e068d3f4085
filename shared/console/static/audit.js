// The admin change log, newest first, filterable by actor and object, linked to the objects.
import { api, query } from "./api.js";
import { fill, h, link, seg, table, when } from "./dom.js";

// The object an entry names, as a link to its page (a template name may hold "/"; a label
// move names `templates/NAME/labels/LABEL`; a folder name's "/" is "%2F" there, as in the
// API's paths), plus the version a new-version entry created.
function targetLink(entry) {
  const target = String(entry.target || "");
  const template = target.match(/^templates\/(.+?)(?:\/labels\/([^/]+))?$/);
  if (template) {
    const name = template[1].replaceAll("%2F", "/");
    const created = entry.action === "template.version" || entry.action === "template.create";
    const version = created ? entry.after?.version : null;
    return [
      link(`#/templates/${seg(name)}`, target),
      version ? [" ", link(`#/templates/${seg(name)}/versions/${version}`, `v${version}`)] : null,
    ];
  }
  const experiment = target.match(/^experiments\/(.+)$/);
  if (experiment) return link(`#/experiments/${seg(experiment[1])}`, target);
  if (target.startsWith("guardrails/")) return link("#/guardrails", target);
  return target;
}

export async function auditPage(ctx) {
  const actor = h("input", { id: "audit-actor", type: "text", placeholder: "key:admin or an email" });
  const target = h("input", { id: "audit-target", type: "text", placeholder: "templates/NAME" });
  const out = h("div", {});
  const more = h("div", { class: "actions" });
  let cursor = null;
  let rows = [];
  const load = async (reset) => {
    if (reset) {
      cursor = null;
      rows = [];
    }
    const { data } = await api("GET", `/v1/audit-log${query({ actor: actor.value.trim(), target: target.value.trim(), cursor, limit: 50 })}`);
    rows = rows.concat(data.items);
    cursor = data.next_cursor;
    fill(out, 
      rows.length
        ? table(
            ["When", "Who", "Action", "Object", "Before / after"],
            rows.map((e) => [
              when(e.at),
              e.actor,
              e.action,
              targetLink(e),
              h("details", {}, h("summary", {}, "show"), h("pre", {}, JSON.stringify({ before: e.before, after: e.after }, null, 2))),
            ]),
          )
        : h("p", { class: "empty" }, "No entries match."),
    );
    fill(more, cursor ? h("button", { type: "button", on: { click: () => load(false).catch(ctx.fail) } }, "Older entries") : null);
  };
  const form = h(
    "form",
    { class: "card row", on: { submit: (e) => { e.preventDefault(); load(true).catch((error) => ctx.fail(error)); } } },
    h("div", {}, h("label", { for: "audit-actor" }, "Actor"), actor),
    h("div", {}, h("label", { for: "audit-target" }, "Object"), target),
    h("div", { class: "shrink" }, h("button", { type: "submit" }, "Filter")),
  );
  await load(true);
  return h("div", {}, h("h1", {}, "Audit log"), form, h("div", { class: "card" }, out, more));
}
