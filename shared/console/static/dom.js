// Building the page from data: every string becomes a text node or a property value, never
// markup, so a template holding `<script>` or `</textarea>` shows as the text it is.

const NO_ATTRIBUTES = /^(on|style$|srcdoc$)/i;

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "value" || name === "checked" || name === "selected") {
      el[name] = value;
    } else if (NO_ATTRIBUTES.test(name)) {
      throw new Error(`h(): refusing attribute ${name}`);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (NO_ATTRIBUTES.test(name)) throw new Error(`svg(): refusing attribute ${name}`);
    el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

// `{{ name }}` as the API's placeholder language defines it (shared/rendering/placeholders.py):
// `\{{` is an escaped brace, anything else in braces is literal text.
const TOKEN = /\\\{\{|\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;

export function placeholders(text) {
  const seen = [];
  for (const match of (text || "").matchAll(TOKEN)) {
    if (match[1] !== undefined && !seen.includes(match[1])) seen.push(match[1]);
  }
  return seen;
}

// The text with each placeholder in a highlighted span (as text nodes, never markup).
export function highlighted(text) {
  const parts = [];
  let last = 0;
  for (const match of (text || "").matchAll(TOKEN)) {
    if (match[1] === undefined) continue;
    parts.push(text.slice(last, match.index));
    parts.push(h("mark", { class: "var", title: `variable ${match[1]}` }, match[0]));
    last = match.index + match[0].length;
  }
  parts.push((text || "").slice(last));
  return parts;
}

export function link(href, text) {
  return h("a", { href }, text);
}

export function seg(value) {
  return encodeURIComponent(String(value));
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function table(headers, rows, { caption } = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      caption ? h("caption", { class: "muted" }, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))),
    ),
  );
}

export function fmt(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "–";
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  const text = number.toFixed(digits);
  // Trailing zeros of the fraction only: 180 stays 180, 0.50 becomes 0.5.
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

// Replace an element's content with children (strings, nodes, nested arrays; null skipped).
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// A modal confirmation: `confirm` runs only from its button; Escape or Cancel closes it
// with nothing sent. `confirm` receives the dialog, to close it once the call answered.
export function confirmDialog({ testid, title, children, action, danger = false, confirm }) {
  const heading = `${testid}-title`;
  const dialog = h(
    "dialog",
    { "aria-labelledby": heading, "data-testid": testid },
    h("h2", { id: heading }, title),
    children,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: danger ? "danger" : "primary", on: { click: () => confirm(dialog) } }, action),
      // A destructive dialog opens on Cancel, so a reflexive Enter sends nothing.
      h("button", { type: "button", autofocus: danger, on: { click: () => dialog.close() } }, "Cancel"),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
