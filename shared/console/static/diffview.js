// A unified diff (the API's text_diff) drawn inline or side by side, as text.
import { h, table } from "./dom.js";

function parse(unified) {
  const lines = (unified || "").split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines
    .filter((line) => !line.startsWith("---") && !line.startsWith("+++"))
    .map((line) => {
      if (line.startsWith("@@")) return { kind: "hunk", text: line };
      if (line.startsWith("+")) return { kind: "add", text: line.slice(1) };
      if (line.startsWith("-")) return { kind: "del", text: line.slice(1) };
      return { kind: "same", text: line.startsWith(" ") ? line.slice(1) : line };
    });
}

export function inlineDiff(unified) {
  const rows = parse(unified).map(({ kind, text }) => {
    const mark = { add: "+ ", del: "- ", hunk: "", same: "  " }[kind];
    return h("div", { class: `diff-${kind}` }, mark + text);
  });
  return h("div", { class: "diff diff-inline", "data-testid": "diff-inline" }, rows.length ? rows : h("div", { class: "muted" }, "The texts are identical."));
}

export function sideBySide(unified) {
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i += 1) {
      rows.push([dels[i], adds[i]]);
    }
    dels = [];
    adds = [];
  };
  for (const line of parse(unified)) {
    if (line.kind === "del") dels.push(line);
    else if (line.kind === "add") adds.push(line);
    else {
      flush();
      rows.push([line, line]);
    }
  }
  flush();
  const cell = (line) => h("td", { class: line ? `diff-${line.kind}` : "" }, line ? line.text : "");
  return h(
    "table",
    { class: "diff side", "data-testid": "diff-side" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
    h("tbody", {}, rows.map(([left, right]) => h("tr", {}, cell(left), cell(right)))),
  );
}

export function configChanges(changes) {
  if (!changes || !changes.length) return h("p", { class: "muted" }, "No model configuration or metadata changes.");
  return table(
    ["Field", "Before", "After"],
    changes.map((c) => [c.field, JSON.stringify(c.from), JSON.stringify(c.to)]),
  );
}

// Both views of one diff, with a toggle between them (inline first: it reads on a tablet).
export function diffBlock(diff) {
  const holder = h("div", {}, inlineDiff(diff.text_diff));
  let inline = true;
  const toggle = h(
    "button",
    {
      type: "button",
      "aria-pressed": "false",
      on: {
        click: () => {
          inline = !inline;
          holder.replaceChildren(inline ? inlineDiff(diff.text_diff) : sideBySide(diff.text_diff));
          toggle.textContent = inline ? "Side by side" : "Inline";
          toggle.setAttribute("aria-pressed", String(!inline));
        },
      },
    },
    "Side by side",
  );
  return h(
    "div",
    {},
    diff.identical ? h("p", { class: "warn" }, "These versions are identical.") : null,
    h("div", { class: "actions" }, toggle),
    holder,
    h("h3", {}, "Model configuration and metadata"),
    configChanges(diff.changes),
  );
}
